/* summary.txt and the Summary sheet, assembled in the board's order (issue
 * 14): the answer for the locality, its savings options, England for
 * context, the technical detail, then a glossary of the terms used. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/report.h"

/* Terms a board member may not know, each explained once at the end if the
 * summary uses it (matched case-insensitively). */
static const char *const glossary[][2] = {
    {"weighted patient", "a registered patient counted by the expected workload of the "
                         "Carr-Hill formula (age, sex, need, rurality), so a practice with a "
                         "needier list has more weighted than registered patients."},
    {"deprivation score", "the Index of Multiple Deprivation 2015 score of the practice's "
                          "patients' areas; higher means more deprived."},
    {"rank correlation", "a number from -1 to +1 saying how far practices with more deprived "
                         "patients also receive more (positive) or less (negative) per patient, "
                         "using only their order; 0 means no link. Below 0.1 either way the link "
                         "is too weak to matter."},
    {"95% interval", "the range of values the data are consistent with (95% confidence); a "
                     "range that includes 0 cannot tell whether there is a link."},
    {"Gini coefficient", "how unevenly income per patient is spread among practices: 0 if every "
                         "practice received the same per patient, 1 if one received everything."},
    {"concentration index", "like the Gini coefficient, but with practices ordered by "
                            "deprivation: negative if income per patient leans towards the more "
                            "deprived practices."},
    {"outside the limits", "further from the England figure than chance would explain for a "
                           "practice of that size (the 99.8% limits of a funnel plot)."},
    {"core funding", "global sum, MPIG and PMS baseline payments: what the contract pays for "
                     "essential services, before enhanced services, QOF and premises."},
    {"MPIG", "Minimum Practice Income Guarantee, a top-up for GMS practices phased out over "
             "seven years from 2014/15: it is why practices lose money even with no review."},
    {"PMS premium", "what a PMS practice's core funding exceeds the GMS global sum for the "
                    "same weighted patients."},
    {"QOF", "Quality and Outcomes Framework: points for recorded quality of care."},
    {"Theil-Sen", "a straight line drawn through the median of the slopes between every pair of "
                  "practices, which a few extreme practices cannot pull."},
    {"least squares", "the ordinary straight line fit, which a few extreme practices can pull."},
    {"HC3", "standard errors that stay valid when the scatter around the line is uneven."},
    {"Benjamini-Hochberg", "an adjustment of p-values for testing many CCGs at once (false "
                           "discovery rate)."},
    {"Holm", "an adjustment of p-values for testing several correlations at once."},
    {"elasticity", "the % change in income per patient that goes with a 1% higher deprivation "
                   "score."},
    {"Theil's index", "a measure of unevenness that splits exactly into a part between CCGs and "
                      "a part within them."},
    {"Spearman", "Spearman's rho, the rank correlation."},
};
#define NGLOSS (sizeof glossary / sizeof glossary[0])

static int mentions(const pms_report_ctx *r, const char *term)
{
    size_t n = strlen(term);
    for (size_t i = 0; i < r->nsay; i++)
        for (const char *p = r->say[i]; *p; p++)
            if (!strncasecmp(p, term, n)) return 1;
    return 0;
}

static const char *heading(pms_report_ctx *r, int part, char *buf, size_t cap)
{
    const char *loc = pms_report_locality(r);
    switch (part) {
    case PMS_SAY_ANSWER: snprintf(buf, cap, "Does funding follow need in %s?", loc); break;
    case PMS_SAY_SAVINGS: snprintf(buf, cap, "Savings options for %s", loc); break;
    case PMS_SAY_ENGLAND: snprintf(buf, cap, "England for context"); break;
    default: snprintf(buf, cap, "Technical detail"); break;
    }
    return buf;
}

/* The lines: headings bare, sentences and glossary entries as "- " bullets. */
static char **summary_lines(pms_report_ctx *r, size_t *n)
{
    size_t cap = r->nsay + NGLOSS + PMS_SAY_NPARTS + r->nmissing_charts + 2, k = 0;
    char **v = calloc(cap, sizeof *v);
    if (!v) return NULL;
    char buf[4200];
    for (int part = 0; part < PMS_SAY_NPARTS; part++) {
        int any = 0;
        for (size_t i = 0; i < r->nsay; i++) {
            if (r->say_part[i] != part) continue;
            if (!any++) v[k++] = strdup(heading(r, part, buf, sizeof buf));
            snprintf(buf, sizeof buf, "- %s", r->say[i]);
            v[k++] = strdup(buf);
        }
    }
    int any = 0;
    for (size_t g = 0; g < NGLOSS; g++) {
        if (!mentions(r, glossary[g][0])) continue;
        if (!any++) v[k++] = strdup("Glossary");
        snprintf(buf, sizeof buf, "- %s: %s", glossary[g][0], glossary[g][1]);
        v[k++] = strdup(buf);
    }
    for (size_t i = 0; i < r->nmissing_charts; i++) {
        snprintf(buf, sizeof buf, "Chart not drawn: %s", r->missing_charts[i]);
        v[k++] = strdup(buf);
    }
    for (size_t i = 0; i < k; i++)
        if (!v[i]) {
            for (size_t j = 0; j < k; j++) free(v[j]);
            free(v);
            return NULL;
        }
    *n = k;
    return v;
}

static pms_status write_text(pms_report_ctx *r, const char *title, char **v, size_t n,
                             pms_err *err)
{
    size_t cap = strlen(title) + 8;
    for (size_t i = 0; i < n; i++) cap += strlen(v[i]) + 2;
    r->summary = malloc(cap);
    if (!r->summary) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    size_t w = (size_t)sprintf(r->summary, "%s\n", title);
    for (size_t i = 0; i < n; i++)
        /* A blank line before each heading. */
        w += (size_t)sprintf(r->summary + w, "%s%s\n", v[i][0] == '-' ? "" : "\n", v[i]);
    char path[4400];
    snprintf(path, sizeof path, "%s/summary.txt", r->dir);
    FILE *f = fopen(path, "w");
    int bad = !f || fputs(r->summary, f) < 0;
    /* fclose once, whatever happened: it flushes, so it can fail too (disk full). */
    if (f && fclose(f) != 0) bad = 1;
    if (bad) return pms_err_set(err, PMS_EIO, "%s: cannot write: %s", path, strerror(errno));
    return PMS_OK;
}

pms_status pms_report_write_summary(pms_report_ctx *r, const char *title, pms_err *err)
{
    size_t n = 0;
    char **v = summary_lines(r, &n);
    if (!v) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_status st = write_text(r, title, v, n, err);
    /* The sheet: one line a cell, bullets without their "- ". */
    const char **lines = malloc((n + 1) * sizeof *lines);
    if (!st && !lines) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (!st) {
        lines[0] = title;
        for (size_t i = 0; i < n; i++) lines[i + 1] = v[i][0] == '-' ? v[i] + 2 : v[i];
        st = pms_xlsx_add_lines(r->x, "Summary", lines, n + 1, err);
    }
    /* The terms the summary uses, on the Notes sheet's glossary too. */
    for (size_t g = 0; g < NGLOSS && !st; g++)
        if (mentions(r, glossary[g][0]))
            st = pms_xlsx_add_glossary(r->x, glossary[g][0], glossary[g][1], err);
    free(lines);
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
    return st;
}
