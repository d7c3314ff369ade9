/* pmsreview check: load and validate data, show how every column was read,
 * what was excluded and why, and the national totals by contract type (which
 * on the 2014/15 file reproduce NHS Digital's published figures). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "io/aliases.h"
#include "io/csv.h"

static const char *about =
    "Load data files and report how they were read: rows, columns recognised and\n"
    "their canonical names, missing values per column, duplicate practice codes,\n"
    "unmatched join keys, and national totals by contract type.\n\n"
    "The first --data file is the practice table; the others are left-joined to it\n"
    "on practice code. Without --data, every shipped dataset is checked: each year\n"
    "of NHS Payments to General Practice, 2014/15 joined to practice IMD, and\n"
    "2018/19 joined to the QOF and patient survey table.";

static const char *epilog =
    "Examples:\n"
    "  pmsreview check --data datasets/nhs-payments/nhs-payments-gp-2014-15.csv\n"
    "  pmsreview check --data payments.csv --data datasets/practice-imd/practice-imd-fingertips-93553.csv \\\n"
    "      --where ccg_code=11H --format json\n\n"
    "Exit status: 0 success; 1 usage error; 2 bad input data.\n";

static const char *const bundles[][4] = {
    {"nhs-payments/nhs-payments-gp-2014-15.csv", "practice-imd/practice-imd-fingertips-93553.csv", NULL},
    {"nhs-payments/nhs-payments-gp-2015-16.csv", NULL},
    {"nhs-payments/original-nhs-digital-2015-16.csv", NULL},
    {"nhs-payments/nhs-payments-gp-2016-17.csv", NULL},
    {"nhs-payments/nhs-payments-gp-2017-18.csv", NULL},
    {"nhs-payments/nhs-payments-gp-2018-19.csv", "practice-performance/practice-qof-gpps-2018-19.csv", NULL},
    {"nhs-payments/nhs-payments-gp-2019-20.csv", NULL},
    {"nhs-payments/nhs-payments-gp-2020-21.csv", NULL},
    {"nhs-payments/nhs-payments-gp-2021-22.csv", NULL},
    {"nhs-payments/nhs-payments-gp-2022-23.csv", NULL},
};

/* NHS Digital's published number of practices (providers of general practice
 * services) in each year's release, keyed by the SHA-256 of the shipped file:
 * a file with these bytes must give this count.  Sources: each release's
 * practice-level annex as listed in datasets/README.md; 2014/15 and 2020/21
 * also in the release texts (7,959 and 6,808 providers). */
static const struct {
    const char *sha256, *year;
    size_t practices;
} published[] = {
    {"5c6befeb255f14091fa2022e052cb031485ee639b22d05bda42fb94f7a5a7e6d", "2014/15", 7959},
    {"038824d5adfca4e6f417e61b0302efba67cfe67921f8c23239ec5be408b5a9c6", "2015/16", 7841},
    {"853e7a01a20f02ce44c87c2cb7042389e70e2e7c035152b428e2ee7a9fbe0b26", "2015/16", 7841},
    {"55f0156fe2f2a7f36c911de1493ec65d4ccec733ad1de3967501eddba45c9896", "2016/17", 7763},
    {"9f62e3a2575abd7f8cc3c3783132a81313010aabc5dccbde3c653a6b8b9bd136", "2017/18", 7543},
    {"0360ae90dbbe38d7af66af33c98d439acf3a64117bf4da56491d0ce52f065d7d", "2018/19", 7279},
    {"9334943cd5220106e56b325ce76191ef8b73097d78663995a1fd6b4c2f2dbd6d", "2019/20", 7001},
    {"45768c87e6517a8b872f79bb9bc8f44465b3c0be054d62706f968a831abba631", "2020/21", 6808},
    {"f2489d0a996bd9beb6108383b0b92deffa1b3dcae1a8ce32a38a4b6944e1bd35", "2021/22", 6758},
    {"f0b637ea5e606616911ce58a95d1e4e2aeea26c0768694976499df85ebf771de", "2022/23", 6669},
};

static pms_out *columns_table(const pms_table *t)
{
    pms_out *o = pms_out_new("columns", "Columns (canonical name, how read, missing values)");
    if (!o) return NULL;
    int cs = pms_out_col(o, "source", PMS_OUT_INT, 0), cf = pms_out_col(o, "field", PMS_OUT_INT, 0),
        cn = pms_out_col(o, "name", PMS_OUT_TEXT, 0), cr = pms_out_col(o, "recognised", PMS_OUT_BOOL, 0),
        ct = pms_out_col(o, "type", PMS_OUT_TEXT, 0), cm = pms_out_col(o, "missing", PMS_OUT_INT, 0),
        ch = pms_out_col(o, "header", PMS_OUT_TEXT, 0);
    char renames[4096] = "";
    size_t used = 0;
    int renamed = 0;
    for (size_t j = 0; j < t->ncols; j++) {
        const pms_column *c = &t->cols[j];
        if (pms_out_row(o)) break;
        if (c->source >= 0) pms_out_set_int(o, cs, c->source + 1);
        else pms_out_set_text(o, cs, NULL);
        if (c->field) pms_out_set_int(o, cf, c->field);
        pms_out_set_text(o, cn, c->name);
        const pms_alias_info *a = c->source >= 0 ? pms_alias_lookup(c->header) : NULL;
        int recognised = c->source < 0 || (a != NULL) || !strncmp(c->name, "imd", 3);
        pms_out_set_bool(o, cr, recognised);
        pms_out_set_text(o, ct, c->source < 0 ? "derived" : c->type == PMS_COL_NUM ? "number" : "text");
        pms_out_set_int(o, cm, (long long)c->n_missing);
        pms_out_set_text(o, ch, c->header);
        /* Every rename is shown: the header's own snake_case name, which
         * still finds the column (pms_table_col), when the alias table gave
         * it another. */
        char own[512];
        if (c->source >= 0 && c->header && c->header[0]) {
            pms_snake_case(c->header, own, sizeof own);
            if (strcmp(own, c->name) && used < sizeof renames) {
                int k = snprintf(renames + used, sizeof renames - used, "%s%s -> %s",
                                 renamed ? ", " : "", own, c->name);
                used += k > 0 ? (size_t)k : 0;
                renamed++;
            }
        }
    }
    if (renamed)
        pms_out_footnote(o, "Renamed by the alias table (%d; each column is also found by the "
                            "snake_case name of its own header): %s%s.",
                         renamed, renames, used >= sizeof renames ? "..." : "");
    return o;
}

typedef struct {
    char type[32];
    size_t practices;
    double registered, weighted, total;
    size_t n_reg, n_w, n_tot;
} ctype_row;

/* A column by name into *c (NULL if absent); 1 if it is there but could not
 * be read (out of memory: a column kept as integers or a measure computed
 * on first use). */
static int col_lost(const pms_table *t, const char *name, const pms_column **c)
{
    *c = pms_table_col(t, name);
    return !*c && pms_table_col_index(t, name) >= 0;
}

/* The totals table in *out, NULL without the columns it needs; 1 when out
 * of memory (the table is then not left out in silence: check fails). */
static int totals_table(const pms_table *t, pms_out **out)
{
    const pms_column *ct, *reg, *wt, *tot;
    *out = NULL;
    if (col_lost(t, "contract_type", &ct) | col_lost(t, "registered_patients", &reg) |
        col_lost(t, "weighted_patients", &wt) | col_lost(t, "total_payments", &tot))
        return 1;
    if (!ct || !tot || tot->type != PMS_COL_NUM) return 0;
    ctype_row rows[16];
    size_t nr = 0;
    ctype_row all = {"All", 0, 0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < t->nrows; i++) {
        const char *k = ct->type == PMS_COL_TEXT && ct->text[i] ? ct->text[i] : "(missing)";
        size_t r;
        for (r = 0; r < nr; r++)
            if (!strcmp(rows[r].type, k)) break;
        if (r == nr) {
            if (nr == 15) k = "(other)";
            for (r = 0; r < nr; r++)
                if (!strcmp(rows[r].type, k)) break;
            if (r == nr) {
                memset(&rows[nr], 0, sizeof rows[nr]);
                snprintf(rows[nr].type, sizeof rows[nr].type, "%s", k);
                nr++;
            }
        }
        ctype_row *x[2] = {&rows[r], &all};
        for (int q = 0; q < 2; q++) {
            x[q]->practices++;
            if (reg && reg->type == PMS_COL_NUM && !isnan(reg->num[i])) x[q]->registered += reg->num[i], x[q]->n_reg++;
            if (wt && wt->type == PMS_COL_NUM && !isnan(wt->num[i])) x[q]->weighted += wt->num[i], x[q]->n_w++;
            if (!isnan(tot->num[i])) x[q]->total += tot->num[i], x[q]->n_tot++;
        }
    }
    /* Stable order: by name, "All" last. */
    for (size_t a = 1; a < nr; a++)
        for (size_t b = a; b > 0 && strcmp(rows[b - 1].type, rows[b].type) > 0; b--) {
            ctype_row tmp = rows[b];
            rows[b] = rows[b - 1];
            rows[b - 1] = tmp;
        }
    rows[nr++] = all;
    pms_out *o = *out = pms_out_new("totals", "National totals by contract type");
    if (!o) return 1;
    int c0 = pms_out_col(o, "contract_type", PMS_OUT_TEXT, 0),
        c1 = pms_out_col(o, "practices", PMS_OUT_INT, 0),
        c2 = pms_out_col(o, "registered_patients", PMS_OUT_REAL, 0),
        c3 = pms_out_col(o, "weighted_patients", PMS_OUT_REAL, 0),
        c4 = pms_out_col(o, "total_payments", PMS_OUT_MONEY, 2),
        c5 = pms_out_col(o, "payments_per_registered", PMS_OUT_MONEY, 2);
    for (size_t r = 0; r < nr; r++) {
        if (pms_out_row(o)) break;
        pms_out_set_text(o, c0, rows[r].type);
        pms_out_set_int(o, c1, (long long)rows[r].practices);
        if (rows[r].n_reg) pms_out_set_num(o, c2, rows[r].registered);
        if (rows[r].n_w) pms_out_set_num(o, c3, rows[r].weighted);
        pms_out_set_num(o, c4, rows[r].total);
        if (rows[r].registered > 0) pms_out_set_num(o, c5, rows[r].total / rows[r].registered);
    }
    pms_out_footnote(o, "Totals add every practice row as published (none excluded); "
                        "payments per registered patient = total payments / registered patients.");
    for (size_t k = 0; t->nsources && k < sizeof published / sizeof *published; k++)
        if (!strcmp(published[k].sha256, t->sources[0].sha256))
            pms_out_footnote(o, "NHS Digital published %zu practices for %s: %s (%zu rows read).",
                             published[k].practices, published[k].year,
                             published[k].practices == t->sources[0].rows ? "matches" : "DIFFERS",
                             t->sources[0].rows);
    return 0;
}

static pms_out *sources_table(const pms_table *t)
{
    pms_out *o = pms_out_new("sources", "Input files");
    if (!o) return NULL;
    int c0 = pms_out_col(o, "source", PMS_OUT_INT, 0), c1 = pms_out_col(o, "path", PMS_OUT_TEXT, 0),
        c2 = pms_out_col(o, "rows", PMS_OUT_INT, 0), c3 = pms_out_col(o, "columns", PMS_OUT_INT, 0),
        c4 = pms_out_col(o, "encoding", PMS_OUT_TEXT, 0), c5 = pms_out_col(o, "layout", PMS_OUT_TEXT, 0),
        c6 = pms_out_col(o, "sha256", PMS_OUT_TEXT, 0);
    for (size_t i = 0; i < t->nsources; i++) {
        const pms_source *s = &t->sources[i];
        if (pms_out_row(o)) break;
        pms_out_set_int(o, c0, (long long)i + 1);
        pms_out_set_text(o, c1, s->path);
        pms_out_set_int(o, c2, (long long)s->rows);
        pms_out_set_int(o, c3, (long long)s->columns);
        char enc[48];
        snprintf(enc, sizeof enc, "%s (converted)", pms_csv_encoding(s->latin1));
        pms_out_set_text(o, c4, s->latin1 ? enc : s->bom ? "UTF-8 with BOM" : "UTF-8");
        pms_out_set_text(o, c5, s->long_format ? "long (pivoted)" : "wide");
        pms_out_set_text(o, c6, s->sha256);
    }
    size_t recog = 0, total = 0;
    for (size_t j = 0; j < t->ncols; j++) {
        if (t->cols[j].source < 0) continue;
        total++;
        recog += pms_alias_lookup(t->cols[j].header) != NULL || !strncmp(t->cols[j].name, "imd", 3);
    }
    pms_out_footnote(o, "%zu practice rows after joins and filters; %zu of %zu columns have a "
                        "canonical name (the rest keep a snake_case form of their header).",
                     t->nrows, recog, total);
    return o;
}

static pms_out *notes_table(const pms_table *t)
{
    pms_out *o = pms_out_new("notes", "Exclusions, joins and warnings");
    if (!o) return NULL;
    int c0 = pms_out_col(o, "what", PMS_OUT_TEXT, 0), c1 = pms_out_col(o, "count", PMS_OUT_INT, 0),
        c2 = pms_out_col(o, "detail", PMS_OUT_TEXT, 0);
    for (size_t i = 0; i < t->nnotes; i++) {
        if (pms_out_row(o)) break;
        pms_out_set_text(o, c0, t->notes[i].what);
        pms_out_set_int(o, c1, (long long)t->notes[i].count);
        pms_out_set_text(o, c2, t->notes[i].detail);
    }
    if (!t->nnotes) pms_out_footnote(o, "(none)");
    return o;
}

/* One bundle of the JSON array: written to memory first, so that the
 * array gets the bundle whole, after its separator `before`, or nothing
 * (a bundle that fails is left out and the command exits non-zero). */
static int emit_element(const pms_cli_common *c, pms_out *const *tabs, size_t n,
                        const pms_table *t, const char *before)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return pms_cli_fail(PMS_ENOMEM, NULL);
    pms_status st = pms_out_write(m, PMS_FMT_JSON, tabs, n, t, c->command_line);
    /* (A memory stream fails only for want of memory.) */
    if (fclose(m) && !st) st = PMS_ENOMEM;
    if (!st) {
        fputs(before, stdout);
        fwrite(buf, 1, len, stdout);
    }
    free(buf);
    return st ? pms_cli_fail(PMS_ENOMEM, NULL) : pms_cli_stdout_done();
}

/* The checks of one bundle (or of --data), printed; `before` (JSON array
 * only, else NULL): what separates it from the previous element. */
static int check_one(pms_cli_common *c, const char *const *defaults, const char *before)
{
    pms_table *t = NULL;
    int rc = pms_cli_open_data(c, defaults, &t);
    if (rc) return rc;
    pms_out *tabs[4] = {sources_table(t), columns_table(t), notes_table(t), NULL};
    int lost = totals_table(t, &tabs[3]);
    size_t n = tabs[3] ? 4 : 3;
    /* t is written in JSON only, its notes always (notes_table): a note it
     * lost (out of memory) fails the command in every format. */
    int ok = tabs[0] && tabs[1] && tabs[2] && !lost && !t->incomplete;
    const pms_table *prov = c->format == PMS_FMT_JSON ? t : NULL;
    rc = !ok     ? pms_cli_fail(PMS_ENOMEM, NULL)
         : before ? emit_element(c, tabs, n, prov, before)
                  : pms_cli_emit(c, tabs, n, prov);
    for (size_t i = 0; i < 4; i++) pms_out_free(tabs[i]);
    pms_table_free(t);
    return rc;
}

int pms_cmd_check(int argc, char **argv)
{
    pms_cli_common c;
    pms_cli_common_init(&c, "check", argc, argv);
    const pms_cli_opt opts[] = {
        PMS_CLI_OPT_DATA(&c, "input CSV (repeatable; first = practice table)"),
        PMS_CLI_OPT_WHERE(&c),
        PMS_CLI_OPT_DERIVE(&c, "add column N from + - * / ( ) log() exp() sqrt() abs()"),
        PMS_CLI_OPTS_SELECT(&c),
        PMS_CLI_OPT_FORMAT(&c, PMS_CLI_HELP_FORMAT),
        PMS_CLI_END};
    const pms_cli_spec spec = {"check", about, epilog, 22, opts, NULL, NULL, 0};
    int rc = pms_cli_parse(&spec, argc, argv, &c.help);
    if (rc || c.help) return rc;
    if (c.ndata) return check_one(&c, NULL, NULL);
    /* One report per shipped dataset; in JSON, an array of the per-dataset objects. */
    int worst = 0;
    size_t done = 0; /* bundles written */
    if (c.format == PMS_FMT_JSON) fputs("[\n", stdout);
    for (size_t b = 0; b < sizeof bundles / sizeof bundles[0]; b++) {
        pms_cli_common one = c;
        one.ndata = 0;
        if (c.format == PMS_FMT_TEXT) printf("%s== %s ==\n", b ? "\n" : "", bundles[b][0]);
        const char *sep = c.format != PMS_FMT_JSON ? NULL : done ? ",\n" : "";
        int one_rc = check_one(&one, bundles[b], sep);
        if (one_rc > worst) worst = one_rc;
        done += one_rc == 0;
        /* stdout failed (e.g. /dev/full): said once, the other bundles are not run */
        if (ferror(stdout)) return pms_cli_stdout_done();
    }
    if (c.format == PMS_FMT_JSON) fputs("]\n", stdout);
    rc = pms_cli_stdout_done();
    return rc ? rc : worst;
}
