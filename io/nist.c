/* NIST StRD .dat reader.  The layout is fixed by NIST (header with certified
 * values, then a "Data:" line naming the columns, then one observation per
 * line), but the line numbers differ per file, so values are found by their
 * labels rather than by position. */
#include "io/nist.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIST_MAX_PAR 32
#define NIST_MAX_TOK 16

void pms_nist_free(pms_nist_data *d)
{
    if (!d) return;
    free(d->data);
    free(d->cert_beta);
    free(d->cert_beta_sd);
    free(d);
}

/* Split a line in place on blanks; returns the token count (at most max). */
static int tokenize(char *s, char **tok, int max)
{
    int n = 0;
    while (*s && n < max) {
        while (*s && isspace((unsigned char)*s)) s++;
        if (!*s) break;
        tok[n++] = s;
        while (*s && !isspace((unsigned char)*s)) s++;
        if (*s) *s++ = '\0';
    }
    return n;
}

/* A whole token as a finite double ("0.358191792925910E-01" included). */
static int parse_num(const char *s, double *v)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(x)) return 0;
    *v = x;
    return 1;
}

/* The number after "label:" anywhere in the line, e.g. "ybar:  -177.435". */
static int num_after(const char *line, const char *label, double *v)
{
    const char *p = strstr(line, label);
    if (!p) return 0;
    p += strlen(label);
    char buf[128];
    size_t k = 0;
    while (*p && isspace((unsigned char)*p)) p++;
    while (*p && !isspace((unsigned char)*p) && k + 1 < sizeof buf) buf[k++] = *p++;
    buf[k] = '\0';
    return parse_num(buf, v);
}

typedef struct {
    char **lines;
    size_t n, cap;
} linebuf;

static void linebuf_free(linebuf *lb)
{
    for (size_t i = 0; i < lb->n; i++) free(lb->lines[i]);
    free(lb->lines);
}

static pms_status read_lines(const char *path, linebuf *lb, pms_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f) return pms_err_set(err, PMS_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    pms_status st = PMS_OK;
    while ((len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (lb->n == lb->cap) {
            size_t nc = lb->cap ? 2 * lb->cap : 256;
            char **nl = realloc(lb->lines, nc * sizeof *nl);
            if (!nl) { st = PMS_ENOMEM; break; }
            lb->lines = nl;
            lb->cap = nc;
        }
        lb->lines[lb->n] = strdup(line);
        if (!lb->lines[lb->n]) { st = PMS_ENOMEM; break; }
        lb->n++;
    }
    if (st == PMS_OK && ferror(f)) st = pms_err_set(err, PMS_EIO, "%s: read error", path);
    free(line);
    fclose(f);
    if (st == PMS_ENOMEM) pms_err_set(err, st, "%s: out of memory", path);
    return st;
}

static void base_name(const char *path, char *name, size_t cap)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(name, cap, "%s", b);
    char *dot = strrchr(name, '.');
    if (dot && !strcmp(dot, ".dat")) *dot = '\0';
}

/* What the header says: certified parameters B0.. (have[k] set for each
 * found), which univariate values it certifies, the declared number of
 * observations, and the last "Data:" line. */
typedef struct {
    double beta[NIST_MAX_PAR], beta_sd[NIST_MAX_PAR];
    int have[NIST_MAX_PAR];
    int have_uni;          /* bits: 1 mean, 2 SD, 4 lag-1 autocorrelation */
    double n_declared;     /* -1 if not given */
    size_t data_line;      /* 1-based line of the last "Data:" header, 0 if none */
    size_t ndata_cols;
} nist_head;

/* A header line split into tokens: a certified parameter (B<k> value sd),
 * the residual SD, R-squared, an ANOVA row, or the observation count. */
static pms_status head_tokens(char **tok, int nt, const char *path, size_t i, pms_nist_data *d,
                              nist_head *h, pms_err *err)
{
    double v;
    if (tok[0][0] == 'B' && isdigit((unsigned char)tok[0][1]) && nt == 3) {
        char *end;
        long k = strtol(tok[0] + 1, &end, 10);
        double b, sd;
        if (*end || k < 0 || k >= NIST_MAX_PAR || !parse_num(tok[1], &b) ||
            !parse_num(tok[2], &sd))
            return pms_err_set(err, PMS_EPARSE, "%s:%zu: malformed certified parameter", path,
                               i + 1);
        h->beta[k] = b;
        h->beta_sd[k] = sd;
        h->have[k] = 1;
    } else if (nt == 3 && !strcmp(tok[0], "Standard") && !strcmp(tok[1], "Deviation") &&
               parse_num(tok[2], &v)) {
        d->cert_resid_sd = v;
    } else if (nt == 2 && !strcmp(tok[0], "R-Squared") && parse_num(tok[1], &v)) {
        d->cert_r2 = v;
    } else if (nt == 5 && !strcmp(tok[0], "Regression") && parse_num(tok[1], &v)) {
        d->cert_df_reg = v;
        /* An exact fit (Wampler1/2) has F = "infinity". */
        if (!strcmp(tok[4], "infinity") || !strcmp(tok[4], "Infinity")) d->cert_f = INFINITY;
        if (!parse_num(tok[2], &d->cert_ss_reg) ||
            (!isinf(d->cert_f) && !parse_num(tok[4], &d->cert_f)))
            return pms_err_set(err, PMS_EPARSE, "%s:%zu: malformed ANOVA row", path, i + 1);
    } else if (nt == 4 && !strcmp(tok[0], "Residual") && parse_num(tok[1], &v)) {
        d->cert_df_res = v;
        if (!parse_num(tok[2], &d->cert_ss_res))
            return pms_err_set(err, PMS_EPARSE, "%s:%zu: malformed ANOVA row", path, i + 1);
    } else if (nt >= 2 && !strcmp(tok[1], "Observations") && parse_num(tok[0], &v)) {
        h->n_declared = v;
    }
    return PMS_OK;
}

/* Every line, for the certified values and the "Data:" header. */
static pms_status scan_head(const linebuf *lb, const char *path, pms_nist_data *d, nist_head *h,
                            pms_err *err)
{
    char tmp[1024];
    char *tok[NIST_MAX_TOK];
    for (size_t i = 0; i < lb->n; i++) {
        const char *line = lb->lines[i];
        double v;
        /* Certified univariate values: the number after the line's last ':'
         * ("Sample Mean  ybar:  1.2", "Sample Mean: 1000000.2", ...). */
        const char *colon = strrchr(line, ':');
        if (!strncmp(line, "Sample Mean", 11) && colon && num_after(colon, ":", &v)) {
            d->cert_mean = v; h->have_uni |= 1; continue;
        }
        if (!strncmp(line, "Sample Standard Deviation", 25) && colon && num_after(colon, ":", &v)) {
            d->cert_sd = v; h->have_uni |= 2; continue;
        }
        if (!strncmp(line, "Sample Autocorrelation", 22) && colon && num_after(colon, ":", &v)) {
            d->cert_autocorr1 = v; h->have_uni |= 4; continue;
        }
        if (num_after(line, "Number of Observations:", &v)) { h->n_declared = v; continue; }

        snprintf(tmp, sizeof tmp, "%s", line);
        int nt = tokenize(tmp, tok, NIST_MAX_TOK);
        if (nt == 0) continue;
        if (!strcmp(tok[0], "Data:")) {
            h->data_line = i + 1;
            h->ndata_cols = (size_t)(nt - 1);
            continue;
        }
        pms_status st = head_tokens(tok, nt, path, i, d, h, err);
        if (st) return st;
    }
    return PMS_OK;
}

/* A regression file: the certified parameters must be B0 (or B1) onwards
 * without gaps and fit the data columns (two columns and several slopes
 * mean a polynomial). */
static pms_status certified_linreg(pms_nist_data *d, const nist_head *h, const char *path,
                                   pms_err *err)
{
    d->kind = PMS_NIST_LINREG;
    d->intercept = h->have[0];
    size_t k0 = d->intercept ? 0 : 1, np = 0;
    while (k0 + np < NIST_MAX_PAR && h->have[k0 + np]) np++;
    for (size_t k = k0 + np; k < NIST_MAX_PAR; k++)
        if (h->have[k])
            return pms_err_set(err, PMS_EPARSE, "%s: certified parameters are not B%zu..B%zu",
                               path, k0, k0 + np - 1);
    d->npar = np;
    size_t slopes = np - (size_t)d->intercept;
    if (h->ndata_cols == 2 && slopes >= 1)
        d->degree = (int)slopes;
    else if (h->ndata_cols - 1 != slopes)
        return pms_err_set(err, PMS_EPARSE, "%s: %zu parameters do not fit %zu predictor columns",
                           path, np, h->ndata_cols - 1);
    d->cert_beta = malloc(np * sizeof *d->cert_beta);
    d->cert_beta_sd = malloc(np * sizeof *d->cert_beta_sd);
    if (!d->cert_beta || !d->cert_beta_sd)
        return pms_err_set(err, PMS_ENOMEM, "%s: out of memory", path);
    for (size_t k = 0; k < np; k++) {
        d->cert_beta[k] = h->beta[k0 + k];
        d->cert_beta_sd[k] = h->beta_sd[k0 + k];
    }
    if (isnan(d->cert_resid_sd) || isnan(d->cert_r2))
        return pms_err_set(err, PMS_EPARSE, "%s: no certified residual SD or R-squared", path);
    return PMS_OK;
}

/* The observations after the "Data:" line (blank lines and rules skipped),
 * checked against the declared count. */
static pms_status read_data(const linebuf *lb, const nist_head *h, const char *path,
                            pms_nist_data *d, pms_err *err)
{
    char tmp[1024];
    char *tok[NIST_MAX_TOK];
    size_t cap = lb->n - h->data_line + 1;
    d->data = malloc(cap * d->ncols * sizeof *d->data);
    if (!d->data) return pms_err_set(err, PMS_ENOMEM, "%s: out of memory", path);
    for (size_t i = h->data_line; i < lb->n; i++) {
        snprintf(tmp, sizeof tmp, "%s", lb->lines[i]);
        int nt = tokenize(tmp, tok, NIST_MAX_TOK);
        if (nt == 0 || !strncmp(tok[0], "--", 2)) continue;   /* blank or a rule */
        if ((size_t)nt != d->ncols)
            return pms_err_set(err, PMS_EPARSE, "%s:%zu: expected %zu values, found %d", path,
                               i + 1, d->ncols, nt);
        for (size_t j = 0; j < d->ncols; j++)
            if (!parse_num(tok[j], &d->data[d->n * d->ncols + j]))
                return pms_err_set(err, PMS_EPARSE, "%s:%zu: not a number: '%s'", path, i + 1,
                                   tok[j]);
        d->n++;
    }
    if (h->n_declared >= 0 && (double)d->n != h->n_declared)
        return pms_err_set(err, PMS_EPARSE, "%s: header says %.0f observations, found %zu", path,
                           h->n_declared, d->n);
    if (d->n == 0) return pms_err_set(err, PMS_EPARSE, "%s: no observations", path);
    return PMS_OK;
}

pms_status pms_nist_load(const char *path, pms_nist_data **out, pms_err *err)
{
    if (!path || !out) return PMS_EUSAGE;
    *out = NULL;
    linebuf lb = {NULL, 0, 0};
    pms_status st = read_lines(path, &lb, err);
    if (st != PMS_OK) {
        linebuf_free(&lb);
        return st;
    }
    pms_nist_data *d = calloc(1, sizeof *d);
    if (!d) {
        linebuf_free(&lb);
        return pms_err_set(err, PMS_ENOMEM, "%s: out of memory", path);
    }
    base_name(path, d->name, sizeof d->name);
    d->cert_mean = d->cert_sd = d->cert_autocorr1 = NAN;
    d->cert_resid_sd = d->cert_r2 = d->cert_f = NAN;
    d->cert_df_reg = d->cert_ss_reg = d->cert_df_res = d->cert_ss_res = NAN;

    nist_head h;
    memset(&h, 0, sizeof h);
    h.n_declared = -1;
    if ((st = scan_head(&lb, path, d, &h, err))) goto fail;
    if (!h.data_line || h.ndata_cols == 0 || h.ndata_cols > NIST_MAX_TOK - 1) {
        st = pms_err_set(err, PMS_EPARSE, "%s: no 'Data:' column header", path);
        goto fail;
    }
    if (h.have_uni == 7) {
        d->kind = PMS_NIST_UNIVARIATE;
    } else if (h.have_uni == 0 && h.have[0] + h.have[1] > 0) {
        if ((st = certified_linreg(d, &h, path, err))) goto fail;
    } else {
        st = pms_err_set(err, PMS_EPARSE, "%s: no complete set of certified values", path);
        goto fail;
    }
    d->ncols = h.ndata_cols;
    if ((st = read_data(&lb, &h, path, d, err))) goto fail;
    linebuf_free(&lb);
    *out = d;
    return PMS_OK;

fail:
    linebuf_free(&lb);
    pms_nist_free(d);
    return st;
}

pms_status pms_nist_predictors(const pms_nist_data *d, double *X, double *y)
{
    if (!d || !X || d->kind != PMS_NIST_LINREG) return PMS_EUSAGE;
    size_t k = d->npar - (size_t)d->intercept;
    for (size_t i = 0; i < d->n; i++) {
        const double *row = d->data + i * d->ncols;
        if (y) y[i] = row[0];
        if (d->degree > 0) {
            /* Powers by repeated multiplication, as NIST's model states them. */
            double p = 1;
            for (size_t j = 0; j < k; j++) {
                p *= row[1];
                X[i * k + j] = p;
            }
        } else {
            for (size_t j = 0; j < k; j++) X[i * k + j] = row[1 + j];
        }
    }
    return PMS_OK;
}
