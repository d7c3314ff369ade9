#include "io/xlsx.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <xlsxwriter.h>

#include "io/utf8.h"
#include "io/xlsx_sst.h"

/* A sheet of the workbook, in creation order, for the Table_of_contents and
 * for finding the sheets a section's name now stands for. */
typedef enum { SHEET_LINES, SHEET_TABLE, SHEET_FIGURE } sheetkind;

typedef struct {
    unsigned row;
    lxw_col_t col;
} misscell;

typedef struct {
    char name[32], group[32];
    char *desc;
    char *a2;               /* a table sheet's description in A2 */
    int noprint;            /* kept out of the printed pack (pms_xlsx_no_print) */
    sheetkind kind;
    lxw_worksheet *ws;
    unsigned last_row;      /* last row written */
    unsigned print_row;     /* last row printed */
    lxw_col_t print_col;    /* last column printed */
    misscell *miss;         /* "[x]" cells, blanked again if a chart plots them */
    size_t nmiss;
} sheetrec;

typedef struct {
    char *where, *text; /* where: a sheet name, or "Glossary" */
} noterec;

/* Rows of a long table that a printout shows (about one A4 landscape page). */
enum { PRINT_ROWS = 25 };

struct pms_xlsx {
    lxw_workbook *wb;
    char *path, *title;
    lxw_format *title_f, *title_wrap, *header, *boolean, *wrap, *text, *cellwrap, *integer, *pct[4], *real[7], *note, *na,
        *link, *money[3], *pval[4];
    lxw_worksheet *cover, *toc, *notes_ws;
    sheetrec *sheets;
    size_t nsheets;
    noterec *notes;
    size_t nnotes;
    char *cover_text[6]; /* period, geography, about, source, contact, organisation */
    char tables[256][40]; /* Excel Table names used (kept unique) */
    size_t ntables;
    time_t created;
    lxw_error first_err; /* the first libxlsxwriter failure, reported at close */
    pms_xlsx_sst *strings; /* the tables' shared strings, found by hash */
};

static char *dupstr(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* A4 landscape, margins for a binder, "Page N of M": every sheet of the pack. */
/* Excel holds at most 32,767 characters in a cell (libxlsxwriter refuses a
 * longer string and the cell stays blank): longer text is cut on a character
 * boundary at PMS_XLSX_CELL_MAX characters and ends with a visible marker. */
#define CUT_MARK "\xe2\x80\xa6 [cut: Excel holds 32,767 characters in a cell]"

/* The text as it may go into the sheet XML: well-formed UTF-8 (an invalid
 * byte becomes U+FFFD), no character XML 1.0 forbids (C0 controls other than
 * TAB and LF, U+FFFE, U+FFFF are shown as \xNN), at most PMS_XLSX_CELL_MAX
 * characters with the marker.  Malloc'd; NULL when out of memory. */
char *pms_xlsx_cell_text(const char *s)
{
    size_t n = strlen(s), cap = 4 * n + sizeof CUT_MARK + 1, w = 0, chars = 0, i = 0;
    char *d = malloc(cap);
    if (!d) return NULL;
    while (i < n) {
        if (chars >= PMS_XLSX_CELL_MAX) {
            memcpy(d + w, CUT_MARK, sizeof CUT_MARK);
            return d;
        }
        size_t k = pms_utf8_seq(s + i, n - i);
        unsigned char c = (unsigned char)s[i];
        if (!k) {
            memcpy(d + w, "\xef\xbf\xbd", 3);
            w += 3, i++, chars++;
        } else if ((k == 1 && c < 0x20 && c != '\t' && c != '\n') ||
                   (k == 3 && c == 0xEF && (unsigned char)s[i + 1] == 0xBF &&
                    (unsigned char)s[i + 2] >= 0xBE)) {
            for (size_t j = 0; j < k; j++) w += (size_t)sprintf(d + w, "\\x%02x", (unsigned char)s[i + j]);
            i += k, chars += 4 * k;
        } else {
            memcpy(d + w, s + i, k);
            w += k, i += k, chars++;
        }
    }
    d[w] = '\0';
    return d;
}

/* Every libxlsxwriter call's result is kept: the first failure makes
 * pms_xlsx_close fail, so a workbook with a blank or missing cell is never
 * reported as written. */
static void keep(pms_xlsx *x, lxw_error e)
{
    if (e != LXW_NO_ERROR && x->first_err == LXW_NO_ERROR) x->first_err = e;
}

/* Excel's tallest row is 409 points: a longer wrapped text is shown in part. */
static double row_height(double h)
{
    return h > 409 ? 409 : h;
}

/* Every string cell goes through here: cleaned, never a formula, checked. */
static void wstr(pms_xlsx *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                 lxw_format *fmt)
{
    char *t = pms_xlsx_cell_text(s ? s : "");
    keep(x, t ? worksheet_write_string(ws, row, col, t, fmt) : LXW_ERROR_MEMORY_MALLOC_FAILED);
    free(t);
}

static void print_setup(lxw_worksheet *ws)
{
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9);
    worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.6);
    worksheet_set_footer(ws, "&CPage &P of &N");
}

static sheetrec *find_sheet(pms_xlsx *x, const char *name)
{
    for (size_t i = 0; i < x->nsheets; i++)
        if (!strcmp(x->sheets[i].name, name)) return &x->sheets[i];
    return NULL;
}

static int name_taken(pms_xlsx *x, const char *name)
{
    static const char *front[] = {"Cover_sheet", "Table_of_contents", "Notes"};
    for (size_t i = 0; i < 3; i++)
        if (!strcasecmp(front[i], name)) return 1;
    for (size_t i = 0; i < x->nsheets; i++)
        if (!strcasecmp(x->sheets[i].name, name)) return 1;
    return 0;
}

/* A legal, unique sheet name (<= 31 characters, none of []:*?/\) from base. */
static void unique_name(pms_xlsx *x, const char *base, char out[32])
{
    /* Valid UTF-8 without control characters (they would break workbook.xml),
     * cut on a character boundary, without the characters Excel refuses in a
     * sheet name or an apostrophe at either end. */
    char b[32], *clean = pms_xlsx_cell_text(base ? base : "");
    const char *src = clean ? clean : "";
    size_t n = pms_utf8_prefix(src, 31);
    for (size_t i = 0; i < n; i++) b[i] = strchr("[]:*?/\\", src[i]) ? '-' : src[i];
    free(clean);
    while (n && b[n - 1] == ' ') n--;
    if (n && b[0] == '\'') b[0] = '-';
    if (n && b[n - 1] == '\'') b[n - 1] = '-';
    b[n] = '\0';
    snprintf(out, 32, "%s", n ? b : "Sheet");
    for (int k = 2; name_taken(x, out) && k < 1000; k++) {
        char suf[8];
        int s = snprintf(suf, sizeof suf, " %d", k);
        size_t keep = pms_utf8_prefix(b, (size_t)n > (size_t)(31 - s) ? (size_t)(31 - s) : n);
        snprintf(out, 32, "%.*s%s", (int)keep, b, suf);
    }
}

static sheetrec *add_sheet(pms_xlsx *x, const char *group, const char *base, sheetkind kind,
                           const char *desc)
{
    sheetrec *n = realloc(x->sheets, (x->nsheets + 1) * sizeof *n);
    if (!n) return NULL;
    x->sheets = n;
    sheetrec *r = &n[x->nsheets];
    memset(r, 0, sizeof *r);
    unique_name(x, base, r->name);
    snprintf(r->group, sizeof r->group, "%s", group);
    r->kind = kind;
    r->desc = dupstr(desc ? desc : "");
    r->ws = r->desc ? workbook_add_worksheet(x->wb, r->name) : NULL;
    if (!r->ws) {
        free(r->desc);
        return NULL;
    }
    print_setup(r->ws);
    x->nsheets++;
    return r;
}

pms_status pms_xlsx_print_area(pms_xlsx *x, const char *sheet, unsigned last_row,
                               unsigned last_col, pms_err *err)
{
    int found = 0;
    for (size_t i = 0; i < x->nsheets; i++) {
        sheetrec *r = &x->sheets[i];
        if (strcmp(r->group, sheet) && strcmp(r->name, sheet)) continue;
        found = 1;
        if (r->noprint || r->last_row <= last_row || r->print_row <= last_row) continue;
        /* The columns stay those that fit the page (see print_layout). */
        lxw_col_t c = r->kind == SHEET_TABLE ? r->print_col : (lxw_col_t)last_col;
        r->print_row = last_row;
        if (worksheet_print_area(r->ws, 0, 0, last_row, c) != LXW_NO_ERROR)
            return pms_err_set(err, PMS_EUSAGE, "bad print area on '%s'", r->name);
    }
    if (!found) return pms_err_set(err, PMS_EUSAGE, "no sheet '%s' to set a print area on", sheet);
    return PMS_OK;
}

pms_status pms_xlsx_print_cols(pms_xlsx *x, const char *sheet, unsigned last_col, pms_err *err)
{
    int found = 0;
    for (size_t i = 0; i < x->nsheets; i++) {
        sheetrec *r = &x->sheets[i];
        if (strcmp(r->group, sheet) && strcmp(r->name, sheet)) continue;
        found = 1;
        if (r->noprint || r->kind != SHEET_TABLE || r->print_col <= last_col) continue;
        r->print_col = (lxw_col_t)last_col;
        if (worksheet_print_area(r->ws, 0, 0, r->print_row, r->print_col) != LXW_NO_ERROR)
            return pms_err_set(err, PMS_EUSAGE, "bad print area on '%s'", r->name);
    }
    if (!found) return pms_err_set(err, PMS_EUSAGE, "no sheet '%s' to set a print area on", sheet);
    return PMS_OK;
}

/* The printed pack leaves these out (see the header). */
#define FIGURE_A2 "A chart; its alternative text describes it, and its data are on the sheet " \
                  "named in the text."

#define NOPRINT_A2 "Not in the printed pack (a technical table): to print it, select its " \
                   "cells and print the selection. "

pms_status pms_xlsx_no_print(pms_xlsx *x, const char *sheet, pms_err *err)
{
    /* A sheet's own name, else every table sheet of the section (a section's
     * charts keep their own names). */
    int by_name = find_sheet(x, sheet) != NULL, found = 0;
    for (size_t i = 0; i < x->nsheets; i++) {
        sheetrec *r = &x->sheets[i];
        if (by_name ? strcmp(r->name, sheet) != 0
                    : (r->kind != SHEET_TABLE || strcmp(r->group, sheet) != 0))
            continue;
        found = 1;
        if (r->noprint) continue;
        r->noprint = 1;
        /* One empty cell: the last of the title row (no table is that wide). */
        if (worksheet_print_area(r->ws, 0, LXW_COL_MAX - 1, 0, LXW_COL_MAX - 1) != LXW_NO_ERROR)
            return pms_err_set(err, PMS_EUSAGE, "bad print area on '%s'", r->name);
        if (r->kind == SHEET_FIGURE) {
            wstr(x, r->ws, 1, 0, FIGURE_A2 " Not in the printed pack (the same chart is "
                                  "printed from another sheet, or it is technical).", x->text);
        } else if (r->kind == SHEET_TABLE && r->a2) {
            size_t n = strlen(NOPRINT_A2) + strlen(r->a2) + 1;
            char *t = malloc(n);
            if (!t) return pms_err_set(err, PMS_ENOMEM, "out of memory");
            snprintf(t, n, "%s%s", NOPRINT_A2, r->a2);
            wstr(x, r->ws, 1, 0, t, x->text);
            free(t);
        }
    }
    if (!found) return pms_err_set(err, PMS_EUSAGE, "no sheet '%s' to keep out of print", sheet);
    return PMS_OK;
}

/* A number format, at the top of a row grown for wrapped text beside it.
 * An earlier format with the same code is returned rather than a copy:
 * libxlsxwriter gives a format equal to an earlier one no index of its own
 * and looks it up again, hashing the whole struct, for every cell written
 * with it (lxw_format_get_xf_index), which cost about 0.3 CPU-s in the
 * default report (bench/RESULTS.md).  made[0 .. *n): the number formats so
 * far. */
static lxw_format *num_fmt(lxw_workbook *wb, lxw_format **made, size_t *n, const char *code)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(made[i]->num_format, code)) return made[i];
    lxw_format *f = workbook_add_format(wb);
    if (!f) return NULL; /* out of memory: pms_xlsx_open fails */
    format_set_num_format(f, code);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    made[(*n)++] = f;
    return f;
}

/* 1 if out of memory (a format missing: libxlsxwriter's format_set_*
 * cannot take NULL, and a cell must not lose its format in silence). */
static int make_formats(pms_xlsx *x)
{
    lxw_workbook *wb = x->wb;
    if (!(x->title_f = workbook_add_format(wb))) return 1;
    format_set_bold(x->title_f);
    format_set_font_size(x->title_f, 14);
    format_set_font_color(x->title_f, 0x003087);
    if (!(x->title_wrap = workbook_add_format(wb))) return 1;
    format_set_bold(x->title_wrap);
    format_set_font_size(x->title_wrap, 14);
    format_set_font_color(x->title_wrap, 0x003087);
    format_set_text_wrap(x->title_wrap);
    format_set_align(x->title_wrap, LXW_ALIGN_VERTICAL_TOP);
    if (!(x->header = workbook_add_format(wb))) return 1;
    format_set_bold(x->header);
    format_set_text_wrap(x->header);
    format_set_bg_color(x->header, 0x005EB8);
    format_set_font_color(x->header, LXW_COLOR_WHITE);
    format_set_align(x->header, LXW_ALIGN_VERTICAL_TOP);
    if (!(x->wrap = workbook_add_format(wb))) return 1;
    format_set_text_wrap(x->wrap);
    format_set_align(x->wrap, LXW_ALIGN_VERTICAL_TOP);
    if (!(x->text = workbook_add_format(wb))) return 1;
    /* A table's text cells wrap (the row grows to fit when opened): the same
     * format as wrap (see num_fmt for why not a copy). */
    x->cellwrap = x->wrap;
    if (!(x->na = workbook_add_format(wb))) return 1;
    format_set_align(x->na, LXW_ALIGN_RIGHT);
    format_set_align(x->na, LXW_ALIGN_VERTICAL_TOP); /* beside wrapped text */
    if (!(x->link = workbook_add_format(wb))) return 1;
    format_set_underline(x->link, LXW_UNDERLINE_SINGLE);
    format_set_font_color(x->link, 0x0563C1);
    format_set_align(x->link, LXW_ALIGN_VERTICAL_TOP); /* beside a wrapped description */
    lxw_format *made[24];
    size_t n = 0;
    /* LibreOffice shows a boolean through its number format (else 0/1). */
    if (!(x->boolean = num_fmt(wb, made, &n, "\"yes\";\"yes\";\"no\"")) ||
        !(x->integer = num_fmt(wb, made, &n, "#,##0")))
        return 1;
    /* Pence only for amounts under £1,000 (£ per patient); whole pounds up
     * to £1m; millions above (the ",," scales by a million). */
    static const char *money[3] = {"\xc2\xa3#,##0.00;-\xc2\xa3#,##0.00",
                                   "\xc2\xa3#,##0;-\xc2\xa3#,##0",
                                   "\xc2\xa3#,##0.0,,\"m\";-\xc2\xa3#,##0.0,,\"m\""};
    for (int k = 0; k < 3; k++)
        if (!(x->money[k] = num_fmt(wb, made, &n, money[k]))) return 1;
    static const char *pct[4] = {"0%", "0.0%", "0.00%", "0.000%"};
    for (int k = 0; k < 4; k++)
        if (!(x->pct[k] = num_fmt(wb, made, &n, pct[k]))) return 1;
    /* p-values: three significant figures, "<0.001" below. */
    static const char *pv[4] = {"[<0.001]\"< 0.001\";0.000", "0.00000", "0.0000", "0.000"};
    for (int k = 0; k < 4; k++)
        if (!(x->pval[k] = num_fmt(wb, made, &n, pv[k]))) return 1;
    static const char *dec[7] = {"#,##0", "#,##0.0", "#,##0.00", "0.000", "0.0000",
                                 "0.00000", "0.000000"};
    for (int k = 0; k < 7; k++)
        if (!(x->real[k] = num_fmt(wb, made, &n, dec[k]))) return 1;
    if (!(x->note = workbook_add_format(wb))) return 1;
    format_set_font_color(x->note, 0x425563);
    return 0;
}

pms_status pms_xlsx_open(const char *path, time_t created, const char *title, pms_xlsx **out,
                         pms_err *err)
{
    *out = NULL;
    pms_xlsx *x = calloc(1, sizeof *x);
    if (!x) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    x->path = dupstr(path);
    /* The title may come from a config: cleaned like a cell (docProps/core.xml). */
    x->title = pms_xlsx_cell_text(title ? title : "pmsreview report");
    x->strings = pms_xlsx_sst_new();
    if (!x->path || !x->title || !x->strings) {
        free(x->path);
        free(x->title);
        pms_xlsx_sst_free(x->strings);
        free(x);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL,
                                .use_zip64 = LXW_FALSE};
    x->wb = workbook_new_opt(path, &opt);
    if (!x->wb) {
        free(x->path);
        free(x->title);
        pms_xlsx_sst_free(x->strings);
        free(x);
        return pms_err_set(err, PMS_EIO, "%s: cannot create the workbook", path);
    }
    /* Properties are set at close (the cover may name the organisation); the
     * creation time is fixed there so the file is a function of its inputs. */
    int lost = make_formats(x);
    /* The front sheets' tables. */
    snprintf(x->tables[x->ntables++], 40, "Table_of_contents");
    snprintf(x->tables[x->ntables++], 40, "Notes_table");
    /* Sheets are written in creation order: the three front sheets first,
     * filled in at close when every other sheet is known. */
    if (!lost) {
        x->cover = workbook_add_worksheet(x->wb, "Cover_sheet");
        x->toc = workbook_add_worksheet(x->wb, "Table_of_contents");
        x->notes_ws = workbook_add_worksheet(x->wb, "Notes");
    }
    if (!x->cover || !x->toc || !x->notes_ws) {
        lxw_workbook_free(x->wb); /* nothing written */
        free(x->path);
        free(x->title);
        pms_xlsx_sst_free(x->strings);
        free(x);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    print_setup(x->cover);
    print_setup(x->toc);
    print_setup(x->notes_ws);
    x->created = created;
    *out = x;
    return PMS_OK;
}

pms_status pms_xlsx_set_cover(pms_xlsx *x, const pms_xlsx_cover *c, pms_err *err)
{
    const char *v[6] = {c->period, c->geography, c->about, c->source, c->contact,
                        c->organisation};
    for (int i = 0; i < 6; i++) {
        free(x->cover_text[i]);
        x->cover_text[i] = NULL;
        /* cleaned like a cell: they also go into the document properties */
        if (v[i] && !(x->cover_text[i] = pms_xlsx_cell_text(v[i])))
            return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    return PMS_OK;
}

static pms_status add_note(pms_xlsx *x, const char *where, const char *text, pms_err *err)
{
    noterec *n = realloc(x->notes, (x->nnotes + 1) * sizeof *n);
    if (!n) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    x->notes = n;
    n[x->nnotes].where = dupstr(where);
    n[x->nnotes].text = dupstr(text);
    if (!n[x->nnotes].where || !n[x->nnotes].text) {
        free(n[x->nnotes].where);
        free(n[x->nnotes].text);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    x->nnotes++;
    return PMS_OK;
}

pms_status pms_xlsx_add_glossary(pms_xlsx *x, const char *term, const char *meaning,
                                 pms_err *err)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s: %s", term, meaning);
    return add_note(x, "Glossary", buf, err);
}

pms_status pms_xlsx_add_lines(pms_xlsx *x, const char *sheet, const char *const *lines,
                              size_t n, pms_err *err)
{
    /* What the Table_of_contents says of it: its first sentence. */
    char desc[160];
    const char *d = n > 1 ? lines[1] : n ? lines[0] : sheet;
    snprintf(desc, sizeof desc, "%.*s%s", (int)pms_utf8_prefix(d, 150), d, strlen(d) > 150 ? "..." : "");
    sheetrec *r = find_sheet(x, sheet);
    if (r && r->kind == SHEET_LINES) {
        char *nd = dupstr(desc);
        if (!nd) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        free(r->desc);
        r->desc = nd;
    } else if (!(r = add_sheet(x, sheet, sheet, SHEET_LINES, desc))) {
        return pms_err_set(err, PMS_EUSAGE, "cannot add sheet '%s'", sheet);
    }
    lxw_worksheet *ws = r->ws;
    /* One 100-wide column prints one page wide at 100% (see print_layout). */
    keep(x, worksheet_set_column(ws, 0, 0, 100, x->wrap));
    for (size_t i = 0; i < n; i++) {
        wstr(x, ws, (lxw_row_t)i, 0, lines[i], i == 0 ? x->title_f : x->wrap);
        /* Spreadsheets do not grow a row for wrapped text they did not lay
         * out themselves: give each line the height of its wrapped text
         * (about 120 characters per line in a 100-wide column: 125-135 in
         * Excel's Calibri and in DejaVu Sans). */
        size_t len = strlen(lines[i]), wrapped = len / 120 + 1;
        keep(x, worksheet_set_row(ws, (lxw_row_t)i, row_height(i == 0 ? 22 : 15.0 * (double)wrapped + 3), NULL));
    }
    if (n && n - 1 > r->last_row) r->last_row = (unsigned)(n - 1);
    return PMS_OK;
}

/* A word of a column key ("per" in "core_per_weighted", not in "taper"). */
static int key_has_word(const char *key, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = key; (p = strstr(p, word)) != NULL; p++)
        if ((p == key || p[-1] == '_' || p[-1] == ' ') && (p[n] == '\0' || p[n] == '_' || p[n] == ' '))
            return 1;
    return 0;
}

/* p-values: "p", "p_value", "p_holm", "tost_p", "robust_wald_p". */
static int is_pvalue_key(const char *k)
{
    return key_has_word(k, "p");
}

/* Whether a text cell of row i says `what` (a table whose rows carry their
 * own unit: "... (pounds per weighted patient)", "England, log-log"). */
static int row_says(const pms_out *o, size_t i, const char *what)
{
    for (size_t j = 0; j < pms_out_ncols(o); j++) {
        double v;
        const char *s = NULL;
        if (pms_out_kind(o, j) == PMS_OUT_TEXT && pms_out_get(o, i, j, &v, &s) && s &&
            strstr(s, what))
            return 1;
    }
    return 0;
}

/* What the text cells of a row say, for the formats of its money cells. */
enum { SAYS_LOGLOG = 1, SAYS_PER_PATIENT = 2 };

static unsigned row_flags(const pms_out *o, size_t i)
{
    return (row_says(o, i, "log-log") ? SAYS_LOGLOG : 0) |
           (row_says(o, i, "per weighted patient") || row_says(o, i, "per patient")
                ? SAYS_PER_PATIENT
                : 0);
}

/* What a column's key says for its numbers' format: an amount "per"
 * patient (money), a p-value (real). */
static int key_flag(const pms_out *o, size_t j)
{
    pms_outkind k = pms_out_kind(o, j);
    if (k == PMS_OUT_MONEY) return key_has_word(pms_out_key(o, j), "per");
    if (k == PMS_OUT_REAL) return is_pvalue_key(pms_out_key(o, j));
    return 0;
}

/* The format of one number, by what it is (see the header): column j's kind
 * and decimals, its key_flag, and the row's row_flags. */
static lxw_format *num_format(pms_xlsx *x, const pms_out *o, size_t j, int keyf, unsigned says,
                              double v, double colmax)
{
    pms_outkind k = pms_out_kind(o, j);
    int dec = pms_out_decimals(o, j);
    /* A log-scale row of a money column (a log-log fit's residual SD) is not
     * money. */
    if (k == PMS_OUT_MONEY && (says & SAYS_LOGLOG)) return x->real[dec < 2 ? 2 : dec > 4 ? 4 : dec];
    switch (k) {
    case PMS_OUT_INT: return x->integer;
    case PMS_OUT_MONEY: {
        /* An amount per patient ("payments_per_weighted", or a row that says
         * "per weighted patient") keeps its pence even in a column where a
         * tiny practice is paid thousands per patient; a column of small
         * amounts (not all zero) too. */
        if (keyf || (says & SAYS_PER_PATIENT) ||
            (dec > 0 && colmax > 0 && colmax < 1000))
            return x->money[0];
        return fabs(v) >= 1e6 ? x->money[2] : x->money[1];
    }
    case PMS_OUT_PCT: return x->pct[dec < 0 ? 0 : dec > 3 ? 3 : dec];
    case PMS_OUT_REAL:
        if (keyf) {
            double a = fabs(v);
            return a < 0.001 ? x->pval[0] : a < 0.01 ? x->pval[1] : a < 0.1 ? x->pval[2]
                                                                              : x->pval[3];
        }
        return x->real[dec < 0 ? 0 : dec > 6 ? 6 : dec];
    default: return x->text;
    }
}

/* "by_ccg" -> "by CCG": the table's name as words for a sheet name. */
static void words(const char *name, char *out, size_t cap)
{
    size_t w = 0;
    for (const char *p = name; *p && w + 1 < cap; p++) out[w++] = *p == '_' ? ' ' : *p;
    out[w] = '\0';
    for (char *t = strtok(out, " "), *prev = NULL; t; prev = t, t = strtok(NULL, " ")) {
        if (prev) prev[strlen(prev)] = ' ';
        if (!strcasecmp(t, "ccg")) memcpy(t, "CCG", 3);
        else if (!strcasecmp(t, "ccgs")) memcpy(t, "CCGs", 4);
    }
}

/* The sheet a section's table goes on: "Savings by year" from "Savings" and
 * "by_year"; a name too long for 31 characters drops the section. */
static void table_sheet_base(const char *group, const char *name, size_t n, char out[64])
{
    if (n == 1) {
        snprintf(out, 64, "%s", group);
        return;
    }
    char w[64];
    words(name, w, sizeof w);
    size_t gl = strlen(group), wl = strlen(w);
    if (gl < 64 && !strncasecmp(w, group, gl)) {
        /* the group's own spelling, then the rest of the words (wl < 64) */
        memcpy(out, group, gl);
        memcpy(out + gl, w + gl, wl - gl + 1);
    } else if (wl <= gl && !strcasecmp(group + gl - wl, w)) {
        /* "Savings by practice" + "by practice": the group says it already. */
        snprintf(out, 64, "%s", group);
    } else if (gl + 1 + wl <= 31) {
        memcpy(out, group, gl);
        out[gl] = ' ';
        memcpy(out + gl + 1, w, wl + 1);
    } else {
        w[0] = (char)toupper((unsigned char)w[0]);
        snprintf(out, 64, "%s", w);
    }
}

/* An Excel Table name: letters, digits and underscores, unique. */
static void table_name(pms_xlsx *x, const char *sheet, char out[40])
{
    char b[34];
    size_t n = 0;
    for (const char *p = sheet; *p && n < 32; p++) {
        char c = isalnum((unsigned char)*p) ? *p : '_';
        if (c == '_' && (n == 0 || b[n - 1] == '_')) continue;
        b[n++] = c;
    }
    while (n && b[n - 1] == '_') n--;
    b[n] = '\0';
    /* Excel refuses a name that reads as a cell ("CCG1", "R1C1"). */
    size_t letters = strspn(b, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    int cell_like = (letters <= 3 && b[letters] && strspn(b + letters, "0123456789") ==
                     strlen(b + letters)) || ((b[0] == 'R' || b[0] == 'r' || b[0] == 'C' ||
                     b[0] == 'c') && (isdigit((unsigned char)b[1]) || !b[1]));
    snprintf(out, 40, "%s%s", isalpha((unsigned char)b[0]) && !cell_like ? "" : "T_", b);
    char base[40];
    memcpy(base, out, 40);
    for (int k = 2; k < 100; k++) {
        int used = 0;
        for (size_t i = 0; i < x->ntables; i++) used |= !strcasecmp(x->tables[i], out);
        if (!used) break;
        snprintf(out, 40, "%.34s_%d", base, k);
    }
    if (x->ntables < 256) memcpy(x->tables[x->ntables++], out, 40);
}

static pms_status remember_missing(sheetrec *r, unsigned row, lxw_col_t col)
{
    misscell *m = realloc(r->miss, (r->nmiss + 1) * sizeof *m);
    if (!m) return PMS_ENOMEM;
    r->miss = m;
    m[r->nmiss++] = (misscell){row, col};
    return PMS_OK;
}

/* The widest a text column grows; longer text wraps (the row grows). */
enum { TEXT_WIDTH = 32 };

/* What write_cells works out once per table, not once per cell. */
typedef struct {
    unsigned char *lines;     /* lines of the tallest wrapped cell of each row */
    unsigned char *says;      /* each row's row_flags */
    double *colmax;           /* each numeric column's largest |value| */
    int *keyf;                /* each column's key_flag */
    struct sst_element **str; /* each text cell's shared string (row by row; NULL: blank) */
} cell_plan;

static void plan_free(cell_plan *p)
{
    free(p->lines), free(p->says), free(p->colmax), free(p->keyf), free(p->str);
}

static pms_status plan_cells(const pms_out *o, cell_plan *p)
{
    size_t nc = pms_out_ncols(o), nr = pms_out_nrows(o);
    p->lines = calloc(nr ? nr : 1, 1);
    p->says = calloc(nr ? nr : 1, 1);
    p->colmax = calloc(nc ? nc : 1, sizeof *p->colmax);
    p->keyf = calloc(nc ? nc : 1, sizeof *p->keyf);
    p->str = calloc(nr && nc ? nr * nc : 1, sizeof *p->str);
    if (!p->lines || !p->says || !p->colmax || !p->keyf || !p->str) return PMS_ENOMEM;
    int money = 0;
    for (size_t j = 0; j < nc; j++) money |= pms_out_kind(o, j) == PMS_OUT_MONEY;
    for (size_t i = 0; money && i < nr; i++) p->says[i] = (unsigned char)row_flags(o, i);
    for (size_t j = 0; j < nc; j++) {
        p->keyf[j] = key_flag(o, j);
        if (pms_out_kind(o, j) == PMS_OUT_TEXT) continue;
        double v;
        const char *s;
        for (size_t i = 0; i < nr; i++)
            if (pms_out_get(o, i, j, &v, &s) && fabs(v) > p->colmax[j]) p->colmax[j] = fabs(v);
    }
    return PMS_OK;
}

/* The shared strings of the text cells, and of the "[x]" or "not computed"
 * of every empty cell, column by column: the order in which strings first
 * appear numbers them in the workbook, so it stays the order it has always
 * been.  Widths of every column into width[]. */
static pms_status gather_text_cells(pms_xlsx *x, sheetrec *r, const pms_out *o, lxw_row_t row,
                                    double *width, cell_plan *p)
{
    size_t nc = pms_out_ncols(o), nr = pms_out_nrows(o);
    for (size_t j = 0; j < nc; j++) {
        pms_outkind kind = pms_out_kind(o, j);
        /* "£4,257.7m", "-0.0432", "7,749": room for the formatted value. */
        double w = kind == PMS_OUT_BOOL ? 7 : kind == PMS_OUT_MONEY ? 12 : 10;
        for (size_t i = 0; i < nr; i++) {
            double v;
            const char *s = NULL;
            struct sst_element **el = &p->str[i * nc + j];
            if (!pms_out_get(o, i, j, &v, &s)) {
                /* An empty cell says so: "[x]" (not available), or "not
                 * computed" for a statistic that could not be (the reason
                 * is a note of the table). */
                keep(x, pms_xlsx_sst_get(x->strings, x->wb, pms_out_why(o, i, j) ? "not computed" : "[x]", el));
                if (kind != PMS_OUT_TEXT && remember_missing(r, row + (lxw_row_t)i, (lxw_col_t)j))
                    return PMS_ENOMEM;
                if (5 > width[j]) width[j] = 5;
            } else if (kind == PMS_OUT_TEXT) {
                /* Never a formula, whatever the text starts with.  Long
                 * text wraps in a column at most TEXT_WIDTH wide. */
                keep(x, pms_xlsx_sst_get(x->strings, x->wb, s, el));
                size_t len = strlen(s);
                double tw = (double)len + 2;
                if (tw > TEXT_WIDTH) tw = TEXT_WIDTH;
                if (tw > width[j]) width[j] = tw;
                /* about 36 characters a line in a TEXT_WIDTH column */
                size_t nl = len / 36 + 1;
                if (len + 2 > TEXT_WIDTH && nl > p->lines[i]) p->lines[i] = (unsigned char)(nl > 27 ? 27 : nl);
            } else if (w > width[j]) {
                width[j] = w;
            }
        }
    }
    return PMS_OK;
}

/* One cell of the table: its text (gathered), number or yes/no. */
static lxw_error table_cell(pms_xlsx *x, lxw_worksheet *ws, const pms_out *o, const cell_plan *p,
                            size_t i, size_t j, lxw_row_t rr)
{
    pms_outkind kind = pms_out_kind(o, j);
    double v;
    const char *s;
    int here = pms_out_get(o, i, j, &v, &s);
    if (!here || kind == PMS_OUT_TEXT) {
        const struct sst_element *el = p->str[i * pms_out_ncols(o) + j];
        lxw_format *f = here ? x->cellwrap : x->na;
        return el ? pms_xlsx_sst_cell(ws, rr, (lxw_col_t)j, el, f)
                  : worksheet_write_blank(ws, rr, (lxw_col_t)j, f);
    }
    if (kind == PMS_OUT_BOOL) return worksheet_write_boolean(ws, rr, (lxw_col_t)j, v != 0, x->boolean);
    return worksheet_write_number(ws, rr, (lxw_col_t)j, v,
                                  num_format(x, o, j, p->keyf[j], p->says[i], v, p->colmax[j]));
}

/* The cells of one table from `row` down, row by row: libxlsxwriter keeps
 * the row it last wrote to at hand, and finds (allocates, searches for and
 * frees) any other row again, which column by column it did for every
 * cell.  Column widths into width[]. */
static pms_status write_cells(pms_xlsx *x, sheetrec *r, const pms_out *o, lxw_row_t row,
                              double *width)
{
    size_t nc = pms_out_ncols(o), nr = pms_out_nrows(o);
    cell_plan p = {0};
    pms_status st = plan_cells(o, &p);
    if (!st) st = gather_text_cells(x, r, o, row, width, &p);
    for (size_t i = 0; !st && i < nr; i++)
        for (size_t j = 0; j < nc; j++) keep(x, table_cell(x, r->ws, o, &p, i, j, row + (lxw_row_t)i));
    /* Spreadsheets do not grow a row for text they did not lay out
     * (LibreOffice overprints it). */
    for (size_t i = 0; !st && i < nr; i++)
        if (p.lines[i] > 1)
            keep(x, worksheet_set_row(r->ws, row + (lxw_row_t)i, 15.0 * p.lines[i] + 2, NULL));
    plan_free(&p);
    return st;
}

/* Printing: the scale that fits the table to one page wide, but not below 75%
 * (11 pt text prints at >= 8.25 pt); a wider table runs onto more pages
 * across.  The print area is the table's columns and the empty columns that
 * still fit the page, so notes and titles longer than the table print as far
 * as the page goes and never spill onto pages of their own. */
static void print_layout(sheetrec *r, const double *width, size_t nc, lxw_row_t last_row)
{
    /* A4 landscape less 0.8 in of margins is 1,045 px.  A column of width w
     * is 7w + 5 px in Excel's Calibri 11, but LibreOffice without Calibri or
     * Carlito measures widths in DejaVu Sans digits, 9-10 px: plan for the
     * wider so the table fits either way (Excel then prints a little smaller,
     * still >= 75%). */
    double px = 0;
    for (size_t j = 0; j < nc; j++) px += 10 * width[j] + 5;
    int scale = px <= 1045 ? 100 : (int)(100 * 1045 / px);
    if (scale < 75) scale = 75;
    worksheet_set_print_scale(r->ws, (uint16_t)scale);
    double page = 1045.0 * 100 / scale;
    lxw_col_t last = (lxw_col_t)(nc - 1);
    while (px + 90 <= page && last < 40) px += 90, last++;
    r->print_col = last;
    r->print_row = last_row;
    worksheet_print_area(r->ws, 0, 0, last_row, last);
}

static pms_status table_body(pms_xlsx *x, sheetrec *r, const pms_out *o, lxw_row_t header,
                             pms_xlsx_loc *loc, pms_err *err);

static pms_status add_one_table(pms_xlsx *x, const char *group, const pms_out *o, size_t n,
                                pms_xlsx_loc *loc, pms_err *err)
{
    /* A table short of a row, cell or note (out of memory) is never written. */
    if (pms_out_incomplete(o)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    char base[64];
    table_sheet_base(group, pms_out_name(o), n, base);
    sheetrec *r = add_sheet(x, group, base, SHEET_TABLE, pms_out_title(o));
    if (!r) return pms_err_set(err, PMS_EUSAGE, "cannot add a sheet for '%s'", base);
    lxw_worksheet *ws = r->ws;
    size_t nc = pms_out_ncols(o), nr = pms_out_nrows(o), nn = pms_out_nnotes(o);
    /* Excel's widest sheet has 16,384 columns. */
    if (nc == 0 || nc > 16384) return pms_err_set(err, PMS_EUSAGE, "table '%s' has %zu columns",
                                                  pms_out_name(o), nc);
    wstr(x, ws, 0, 0, pms_out_title(o), x->title_f);
    char desc[512];
    size_t first_note = x->nnotes + 1;
    char printed[96] = "";
    if (nr > PRINT_ROWS + 10)
        snprintf(printed, sizeof printed, " A printout shows the first %d.", PRINT_ROWS);
    if (nn)
        snprintf(desc, sizeof desc, "One table of %zu rows.%s Notes [note %zu]%s below, in full "
                 "on the Notes sheet. [x]: not available.", nr, printed, first_note,
                 nn > 1 ? " onwards" : "");
    else
        snprintf(desc, sizeof desc, "One table of %zu rows.%s [x]: not available.", nr, printed);
    wstr(x, ws, 1, 0, desc, x->text);
    if (!(r->a2 = dupstr(desc))) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    lxw_row_t row = 2;
    for (size_t m = 0; m < nn; m++, row++) {
        char buf[2200];
        snprintf(buf, sizeof buf, "[note %zu] %s", x->nnotes + 1, pms_out_note(o, m));
        wstr(x, ws, row, 0, buf, x->note);
        pms_status st = add_note(x, r->name, pms_out_note(o, m), err);
        if (st) return st;
    }
    /* The reasons for cells that could not be computed, once each. */
    for (size_t j = 0; j < nc; j++)
        for (size_t i = 0; i < nr; i++) {
            const char *why = pms_out_why(o, i, j);
            if (!why) continue;
            int seen = 0;
            for (size_t q = 0; q < i && !seen; q++)
                seen = pms_out_why(o, q, j) && !strcmp(pms_out_why(o, q, j), why);
            if (seen) continue;
            char buf[2200];
            snprintf(buf, sizeof buf, "%s: not computed: %s", pms_out_key(o, j), why);
            char line[2300];
            snprintf(line, sizeof line, "[note %zu] %s", x->nnotes + 1, buf);
            wstr(x, ws, row++, 0, line, x->note);
            pms_status st = add_note(x, r->name, buf, err);
            if (st) return st;
        }
    return table_body(x, r, o, row, loc, err);
}

/* The Excel Table itself, its header at row `header`: headers as words,
 * column widths, the cells, print titles and layout. */
static pms_status table_body(pms_xlsx *x, sheetrec *r, const pms_out *o, lxw_row_t header,
                             pms_xlsx_loc *loc, pms_err *err)
{
    lxw_worksheet *ws = r->ws;
    size_t nc = pms_out_ncols(o), nr = pms_out_nrows(o);
    double *width = calloc(nc, sizeof *width);
    lxw_table_column *col = calloc(nc, sizeof *col), **cols = calloc(nc + 1, sizeof *cols);
    char (*heads)[128] = calloc(nc, sizeof *heads);
    pms_status st = PMS_OK;
    if (!width || !col || !cols || !heads) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < nc; j++) {
        memset(&col[j], 0, sizeof col[j]);
        /* The key as words ("p_value" -> "p value"), wrapped on up to three
         * lines: a column need not be as wide as its whole key. */
        char *key = pms_xlsx_cell_text(pms_out_key(o, j)); /* written raw into the Table XML */
        if (!key) {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            goto done;
        }
        pms_utf8_copy(heads[j], sizeof heads[j], key, sizeof heads[j]);
        free(key);
        size_t word = 0, longest = 0, len = strlen(heads[j]);
        for (char *p = heads[j]; *p; p++) {
            if (*p == '_') *p = ' ';
            word = *p == ' ' ? 0 : word + 1;
            if (word > longest) longest = word;
        }
        double wl = (double)longest * 1.1 + 2, w3 = (double)len / 3 * 1.1 + 2;
        width[j] = wl > w3 ? wl : w3;
        if (width[j] < 8) width[j] = 8;
        col[j].header = heads[j];
        col[j].header_format = x->header;
        cols[j] = &col[j];
    }
    cols[nc] = NULL;
    if (nr) {
        if (write_cells(x, r, o, header + 1, width)) {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            goto done;
        }
    } else {
        /* An Excel Table needs a data row: say there is nothing. */
        for (size_t j = 0; j < nc; j++)
            wstr(x, ws, header + 1, (lxw_col_t)j, j ? "[x]" : "no rows", x->na);
    }
    lxw_row_t last = header + (lxw_row_t)(nr ? nr : 1);
    char tname[40];
    table_name(x, r->name, tname);
    lxw_table_options topt = {0};
    topt.name = tname;
    topt.style_type = LXW_TABLE_STYLE_TYPE_LIGHT;
    topt.style_type_number = 1;
    topt.columns = cols;
    if (worksheet_add_table(ws, header, 0, last, (lxw_col_t)(nc - 1), &topt) != LXW_NO_ERROR) {
        st = pms_err_set(err, PMS_EUSAGE, "cannot make '%s' an Excel Table", r->name);
        goto done;
    }
    worksheet_freeze_panes(ws, header + 1, 0);
    keep(x, worksheet_repeat_rows(ws, header, header));
    keep(x, worksheet_set_row(ws, header, 48, NULL));
    for (size_t j = 0; j < nc; j++)
        keep(x, worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, width[j] > 60 ? 60 : width[j], NULL));
    r->last_row = last;
    /* A long table prints its first rows only: the workbook holds it all. */
    print_layout(r, width, nc, nr > PRINT_ROWS + 10 ? header + PRINT_ROWS : last);
    if (loc) {
        snprintf(loc->sheet, sizeof loc->sheet, "%s", r->name);
        loc->header_row = header;
        loc->first_row = header + 1;
        loc->last_row = nr ? last : header;
        loc->ncols = nc;
    }
done:
    free(width), free(col), free(cols), free(heads);
    return st;
}

pms_status pms_xlsx_add_tables(pms_xlsx *x, const char *sheet, pms_out *const *tables,
                               size_t n, pms_xlsx_loc *locs, pms_err *err)
{
    for (size_t k = 0; k < n; k++) {
        pms_status st = add_one_table(x, sheet, tables[k], n, locs ? &locs[k] : NULL, err);
        if (st) return st;
    }
    return PMS_OK;
}

/* A sheet for one chart or image: title in A1, what it is in A2. */
static sheetrec *figure_sheet(pms_xlsx *x, const char *group, const char *name,
                              const char *title)
{
    char base[64];
    if (name) {
        /* Whole words only, first letter capital: "Lorenz curves after each". */
        snprintf(base, sizeof base, "%s", name);
        if (strlen(base) > 31) {
            base[31] = '\0';
            char *sp = strrchr(base, ' ');
            if (sp) *sp = '\0';
        }
        base[0] = (char)toupper((unsigned char)base[0]);
    } else {
        snprintf(base, sizeof base, "Chart %s", group);
    }
    sheetrec *r = add_sheet(x, group, base, SHEET_FIGURE, title ? title : group);
    if (!r) return NULL;
    wstr(x, r->ws, 0, 0, title ? title : group, x->title_f);
    wstr(x, r->ws, 1, 0, FIGURE_A2, x->text);
    worksheet_fit_to_pages(r->ws, 1, 1);
    r->last_row = 30;
    return r;
}

/* A chart cannot plot "[x]": make the missing cells it plots blank again. */
static void blank_missing(pms_xlsx *x, const pms_xlsx_loc *loc, int col)
{
    sheetrec *r = find_sheet(x, loc->sheet);
    if (!r) return;
    for (size_t i = 0; i < r->nmiss; i++)
        if (r->miss[i].col == (lxw_col_t)col && r->miss[i].row >= loc->first_row &&
            r->miss[i].row <= loc->last_row)
            keep(x, worksheet_write_blank(r->ws, r->miss[i].row, r->miss[i].col, x->na));
}

pms_status pms_xlsx_add_chart(pms_xlsx *x, const char *sheet, pms_xlsx_chartkind kind,
                              const char *title, const char *xtitle, const char *ytitle,
                              const pms_xlsx_series *series, size_t n, pms_err *err)
{
    return pms_xlsx_add_chart_look(x, sheet, kind, title, xtitle, ytitle, series, n, NULL, err);
}

/* Okabe-Ito (colour-blind safe), as the gnuplot charts; vermillion is the
 * locality's, black the reference line's. */
static const lxw_color_t chart_palette[] = {0x0072B2, 0xE69F00, 0x56B4E9, 0x009E73,
                                            0xCC79A7, 0xF0E442, 0x768692};
#define CHART_LOCALITY 0xD55E00

/* Titles on the right axes, number formats, bar order. */
static void chart_axes(lxw_chart *ch, pms_xlsx_chartkind kind, char *const t[3],
                       const char *xtitle, const char *ytitle)
{
    /* libxlsxwriter swaps a bar chart's axes (x_axis is its horizontal value
     * axis): the category title goes on the vertical one. */
    lxw_chart_axis *cat = kind == PMS_XLSX_BAR ? ch->y_axis : ch->x_axis;
    lxw_chart_axis *val = kind == PMS_XLSX_BAR ? ch->x_axis : ch->y_axis;
    if (xtitle) chart_axis_set_name(cat, t[1]);
    if (ytitle) chart_axis_set_name(val, t[2]);
    chart_axis_set_num_format(val, "#,##0");
    if (kind == PMS_XLSX_SCATTER) chart_axis_set_num_format(cat, "#,##0");
    if (kind == PMS_XLSX_BAR) {
        /* Table order from the top (as the gnuplot chart), the value axis
         * still at the bottom, and every category labelled. */
        chart_axis_set_reverse(cat);
        chart_axis_set_crossing_max(cat);
    }
    if (kind != PMS_XLSX_SCATTER) chart_axis_set_interval_unit(cat, 1);
}

/* The locality's bar (the 1-based point `highlight`): vermillion and hatched. */
static int chart_highlight(pms_xlsx *x, lxw_chart_series *cs, unsigned highlight)
{
    lxw_chart_point plain = {0}, hl = {0};
    lxw_chart_pattern pat = {.type = LXW_CHART_PATTERN_WIDE_UPWARD_DIAGONAL,
                             .fg_color = CHART_LOCALITY, .bg_color = 0xF5C6A5};
    lxw_chart_line edge = {.color = LXW_COLOR_BLACK, .width = 1};
    hl.pattern = &pat;
    hl.line = &edge;
    lxw_chart_point **pts = calloc(highlight + 1, sizeof *pts);
    if (!pts) return -1;
    for (unsigned q = 0; q + 1 < highlight; q++) pts[q] = &plain;
    pts[highlight - 1] = &hl;
    keep(x, chart_series_set_points(cs, pts));
    free(pts);
    return 0;
}

/* One series' look by its role (0 plain, 1 the locality, 2 a reference):
 * meaning never by colour alone (markers, dashes, hatching). */
static int chart_style(pms_xlsx *x, lxw_chart_series *cs, pms_xlsx_chartkind kind, int role,
                       lxw_color_t c, size_t k, const pms_xlsx_series *s, unsigned highlight)
{
    static const uint8_t dashes[] = {LXW_CHART_LINE_DASH_SOLID, LXW_CHART_LINE_DASH_DASH,
                                     LXW_CHART_LINE_DASH_ROUND_DOT, LXW_CHART_LINE_DASH_LONG_DASH,
                                     LXW_CHART_LINE_DASH_DASH_DOT};
    if (kind == PMS_XLSX_SCATTER) {
        /* The locality: larger vermillion triangles, not colour alone. */
        chart_series_set_marker_type(cs, role == 1 ? LXW_CHART_MARKER_TRIANGLE
                                                   : LXW_CHART_MARKER_CIRCLE);
        chart_series_set_marker_size(cs, role == 1 ? 7 : 3);
        lxw_chart_fill fill = {.color = c, .transparency = role == 1 ? 0 : 40};
        lxw_chart_line line = {.color = role == 1 ? LXW_COLOR_BLACK : c};
        chart_series_set_marker_fill(cs, &fill);
        chart_series_set_marker_line(cs, &line);
        if (s->trendline) {
            chart_series_set_trendline(cs, LXW_CHART_TRENDLINE_TYPE_LINEAR, 0);
            lxw_chart_line tl = {.color = 0x003087, .width = 2};
            chart_series_set_trendline_line(cs, &tl);
        }
    } else if (kind == PMS_XLSX_LINE) {
        /* Series differ by dash as well as colour. */
        lxw_chart_line line = {.color = c, .width = role ? 3 : 2.25,
                               .dash_type = role == 2 ? LXW_CHART_LINE_DASH_DASH
                                            : dashes[k % (sizeof dashes / sizeof *dashes)]};
        chart_series_set_line(cs, &line);
    } else {
        lxw_chart_fill fill = {.color = c};
        chart_series_set_fill(cs, &fill);
        if (highlight && highlight <= s->loc->last_row - s->loc->first_row + 1)
            return chart_highlight(x, cs, highlight);
    }
    return 0;
}

/* The series, each with its data range, name and look. */
static pms_status chart_series(pms_xlsx *x, lxw_chart *ch, pms_xlsx_chartkind kind,
                               const pms_xlsx_series *series, size_t n,
                               const pms_xlsx_chart_look *look, pms_err *err)
{
    size_t plain = 0; /* series in the palette's colours so far */
    for (size_t k = 0; k < n; k++) {
        const pms_xlsx_series *s = &series[k];
        if (s->loc->last_row < s->loc->first_row) continue;
        blank_missing(x, s->loc, s->xcol);
        blank_missing(x, s->loc, s->ycol);
        lxw_chart_series *cs = chart_add_series(ch, NULL, NULL);
        if (!cs) return pms_err_set(err, PMS_ENOMEM, "cannot add a chart series");
        chart_series_set_categories(cs, s->loc->sheet, s->loc->first_row, (lxw_col_t)s->xcol,
                                    s->loc->last_row, (lxw_col_t)s->xcol);
        chart_series_set_values(cs, s->loc->sheet, s->loc->first_row, (lxw_col_t)s->ycol,
                                s->loc->last_row, (lxw_col_t)s->ycol);
        if (s->name) {
            char *nm = pms_xlsx_cell_text(s->name);
            if (!nm) return pms_err_set(err, PMS_ENOMEM, "out of memory");
            chart_series_set_name(cs, nm);
            free(nm);
        }
        /* black is LXW_COLOR_BLACK: a colour of 0 means "not set" to libxlsxwriter */
        int role = look && look->role ? look->role[k] : 0;
        lxw_color_t c = role == 1   ? CHART_LOCALITY
                        : role == 2 ? LXW_COLOR_BLACK
                                    : chart_palette[plain++ % (sizeof chart_palette /
                                                                sizeof *chart_palette)];
        if (chart_style(x, cs, kind, role, c, k, s, look ? look->highlight : 0))
            return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    return PMS_OK;
}

pms_status pms_xlsx_add_chart_look(pms_xlsx *x, const char *sheet, pms_xlsx_chartkind kind,
                                   const char *title, const char *xtitle, const char *ytitle,
                                   const pms_xlsx_series *series, size_t n,
                                   const pms_xlsx_chart_look *look, pms_err *err)
{
    double ymin = look ? look->ymin : NAN, ymax = look ? look->ymax : NAN;
    static const uint8_t types[] = {LXW_CHART_SCATTER, LXW_CHART_BAR, LXW_CHART_COLUMN,
                                    LXW_CHART_LINE};
    sheetrec *fig = figure_sheet(x, sheet, NULL, title);
    if (!fig) return pms_err_set(err, PMS_EUSAGE, "cannot add a sheet for the chart '%s'", title);
    lxw_chart *ch = workbook_add_chart(x->wb, types[kind]);
    if (!ch) return pms_err_set(err, PMS_ENOMEM, "cannot add a chart");
    /* Titles may hold names from the data: cleaned like cells (libxlsxwriter
     * copies them). */
    char *t[3] = {pms_xlsx_cell_text(title ? title : ""), pms_xlsx_cell_text(xtitle ? xtitle : ""),
                  pms_xlsx_cell_text(ytitle ? ytitle : "")};
    pms_status st = PMS_OK;
    if (!t[0] || !t[1] || !t[2]) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (!st) {
        if (title) chart_title_set_name(ch, t[0]);
        chart_axes(ch, kind, t, xtitle, ytitle);
        st = chart_series(x, ch, kind, series, n, look, err);
    }
    if (!st) {
        if (!isnan(ymin)) chart_axis_set_min(ch->y_axis, ymin);
        if (!isnan(ymax)) chart_axis_set_max(ch->y_axis, ymax);
        chart_legend_set_position(ch, n <= 1 ? LXW_CHART_LEGEND_NONE : LXW_CHART_LEGEND_BOTTOM);
        /* Alt text, from the cleaned titles: what is plotted and where its
         * numbers are. */
        static const char *kinds[] = {"Scatter chart", "Bar chart", "Column chart", "Line chart"};
        char alt[512];
        snprintf(alt, sizeof alt, "%s: %s. Horizontal axis: %s; vertical axis: %s. The data are on "
                 "the sheet '%s'.", kinds[kind], t[0], kind == PMS_XLSX_BAR ? t[2] : t[1],
                 kind == PMS_XLSX_BAR ? t[1] : t[2], n ? series[0].loc->sheet : "");
        pms_utf8_trim_tail(alt); /* long titles: the cut falls between characters */
        /* A bar chart is taller: one line per category label. */
        lxw_chart_options opt = {.x_scale = 1.6, .y_scale = kind == PMS_XLSX_BAR ? 2.1 : 1.5,
                                 .description = alt};
        if (worksheet_insert_chart_opt(fig->ws, 2, 0, ch, &opt) != LXW_NO_ERROR)
            st = pms_err_set(err, PMS_EUSAGE, "cannot place the chart '%s'", t[0]);
    }
    free(t[0]), free(t[1]), free(t[2]);
    return st;
}

pms_status pms_xlsx_add_figure(pms_xlsx *x, const char *sheet, const char *name,
                               const char *title, const char *alt, const char *png, double scale,
                               pms_err *err)
{
    sheetrec *fig = figure_sheet(x, sheet, name, title);
    if (!fig) return pms_err_set(err, PMS_EUSAGE, "cannot add a sheet for '%s'", png);
    /* Alt text may hold names from the data: cleaned like a cell. */
    char *desc = pms_xlsx_cell_text(alt ? alt : title ? title : "");
    if (!desc) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    lxw_image_options opt = {.x_scale = scale, .y_scale = scale, .description = desc};
    pms_status st = PMS_OK;
    if (worksheet_insert_image_opt(fig->ws, 2, 0, png, &opt) != LXW_NO_ERROR)
        st = pms_err_set(err, PMS_EIO, "%s: cannot embed the image", png);
    free(desc);
    return st;
}

pms_status pms_xlsx_add_image(pms_xlsx *x, const char *sheet, unsigned row, unsigned col,
                              const char *png, double scale, pms_err *err)
{
    (void)row;
    (void)col;
    return pms_xlsx_add_figure(x, sheet, NULL, NULL, NULL, png, scale, err);
}

/* Cover_sheet: the title with period and geography in A1, then what the
 * workbook is, its source and contact, and how to read it. */
static void fill_cover(pms_xlsx *x)
{
    char **c = x->cover_text;
    char a1[1024];
    snprintf(a1, sizeof a1, "%s%s%s%s%s", x->title, c[0] ? ", " : "", c[0] ? c[0] : "",
             c[1] ? ", " : "", c[1] ? c[1] : "");
    lxw_worksheet *ws = x->cover;
    keep(x, worksheet_set_column(ws, 0, 0, 100, x->wrap));
    wstr(x, ws, 0, 0, a1, x->title_wrap);
    /* 14 pt bold: about 70 characters a line in the 100-wide column. */
    keep(x, worksheet_set_row(ws, 0, row_height(20.0 * (double)(strlen(a1) / 70 + 1) + 4), NULL));
    const char *lines[8];
    char buf[4][1200];
    size_t n = 0;
    snprintf(buf[0], sizeof buf[0], "%s", c[2] ? c[2] : "The tables and charts of the report, "
             "one table per worksheet; the Table_of_contents links to each.");
    lines[n++] = buf[0];
    if (c[3]) snprintf(buf[1], sizeof buf[1], "Source: %s", c[3]), lines[n++] = buf[1];
    if (c[4]) snprintf(buf[2], sizeof buf[2], "Contact: %s", c[4]), lines[n++] = buf[2];
    if (c[5]) snprintf(buf[3], sizeof buf[3], "Produced by: %s", c[5]), lines[n++] = buf[3];
    lines[n++] = "Notes are marked [note 1], [note 2] and so on, and listed on the Notes sheet, "
                 "with a short glossary.";
    lines[n++] = "[x] in a table marks a value that is not available or not applicable.";
    lines[n++] = "Money is in pounds: pence only for amounts per patient, whole pounds up to "
                 "\xc2\xa3" "1 million, millions (\xc2\xa3m) above.";
    for (size_t i = 0; i < n; i++) {
        wstr(x, ws, (lxw_row_t)(i + 1), 0, lines[i], x->wrap);
        keep(x, worksheet_set_row(ws, (lxw_row_t)(i + 1), row_height(15.0 * (double)(strlen(lines[i]) / 110 + 1) + 3),
                          NULL));
    }
}

/* Title, description and a header row at rows 0-2, then the table. */
static lxw_error front_table(pms_xlsx *x, lxw_worksheet *ws, const char *title, const char *desc,
                             const char *name, const char **heads, size_t nc, size_t nr,
                             const double *widths)
{
    wstr(x, ws, 0, 0, title, x->title_f);
    wstr(x, ws, 1, 0, desc, x->text);
    lxw_table_column col[3], *cols[4];
    for (size_t j = 0; j < nc; j++) {
        memset(&col[j], 0, sizeof col[j]);
        col[j].header = (char *)heads[j];
        col[j].header_format = x->header;
        cols[j] = &col[j];
        /* No column format: cells without one of their own would take it. */
        keep(x, worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, widths[j], NULL));
    }
    cols[nc] = NULL;
    lxw_table_options t = {.name = (char *)name, .style_type = LXW_TABLE_STYLE_TYPE_LIGHT,
                           .style_type_number = 1, .columns = cols};
    worksheet_freeze_panes(ws, 3, 0);
    keep(x, worksheet_repeat_rows(ws, 2, 2));
    return worksheet_add_table(ws, 2, 0, 2 + (lxw_row_t)(nr ? nr : 1), (lxw_col_t)(nc - 1), &t);
}

static lxw_error fill_toc(pms_xlsx *x)
{
    static const char *heads[] = {"Sheet name", "Description"};
    static const double w[] = {31, 69};
    lxw_error e = front_table(x, x->toc, "Table of contents",
                              "This worksheet contains one table. Select a sheet name to go to "
                              "that sheet.", "Table_of_contents", heads, 2, x->nsheets + 1, w);
    char url[80];
    lxw_row_t row = 3;
    snprintf(url, sizeof url, "internal:'Notes'!A1");
    keep(x, worksheet_write_url_opt(x->toc, row, 0, url, x->link, "Notes", NULL));
    wstr(x, x->toc, row++, 1, "Notes and a short glossary", x->wrap);
    for (size_t i = 0; i < x->nsheets; i++, row++) {
        snprintf(url, sizeof url, "internal:'%s'!A1", x->sheets[i].name);
        keep(x, worksheet_write_url_opt(x->toc, row, 0, url, x->link, x->sheets[i].name, NULL));
        char d[400];
        snprintf(d, sizeof d, "%s%s", x->sheets[i].desc,
                 x->sheets[i].noprint ? " (not printed)" : "");
        wstr(x, x->toc, row, 1, d, x->wrap);
        size_t wrapped = strlen(d) / 95 + 1;
        if (wrapped > 1) keep(x, worksheet_set_row(x->toc, row, row_height(15.0 * (double)wrapped + 3), NULL));
    }
    return e;
}

static lxw_error fill_notes(pms_xlsx *x)
{
    static const char *heads[] = {"Note number", "Applies to", "Note text"};
    static const double w[] = {13, 18, 69};
    lxw_error e = front_table(x, x->notes_ws, "Notes",
                              "This worksheet contains one table: the notes of the tables, "
                              "then a short glossary.", "Notes_table", heads, 3, x->nnotes, w);
    if (!x->nnotes)
        for (lxw_col_t j = 0; j < 3; j++)
            wstr(x, x->notes_ws, 3, j, j ? "not applicable" : "[x]", x->na);
    for (size_t i = 0; i < x->nnotes; i++) {
        char num[32];
        lxw_row_t row = 3 + (lxw_row_t)i;
        if (strcmp(x->notes[i].where, "Glossary")) snprintf(num, sizeof num, "[note %zu]", i + 1);
        else snprintf(num, sizeof num, "not applicable");
        wstr(x, x->notes_ws, row, 0, num, x->wrap);
        wstr(x, x->notes_ws, row, 1, x->notes[i].where, x->wrap);
        wstr(x, x->notes_ws, row, 2, x->notes[i].text, x->wrap);
        keep(x, worksheet_set_row(x->notes_ws, row, row_height(15.0 * (double)(strlen(x->notes[i].text) / 84 + 1) + 3),
                          NULL));
    }
    return e;
}

static void free_all(pms_xlsx *x)
{
    for (size_t i = 0; i < x->nsheets; i++) {
        free(x->sheets[i].desc);
        free(x->sheets[i].a2);
        free(x->sheets[i].miss);
    }
    free(x->sheets);
    for (size_t i = 0; i < x->nnotes; i++) {
        free(x->notes[i].where);
        free(x->notes[i].text);
    }
    free(x->notes);
    for (int i = 0; i < 6; i++) free(x->cover_text[i]);
    free(x->title);
    free(x->path);
    pms_xlsx_sst_free(x->strings);
    free(x);
}

pms_status pms_xlsx_close(pms_xlsx *x, pms_err *err)
{
    if (!x) return PMS_OK;
    fill_cover(x);
    lxw_error e = fill_toc(x);
    if (e == LXW_NO_ERROR) e = fill_notes(x);
    if (e == LXW_NO_ERROR) e = x->first_err;
    const char *org = x->cover_text[5] ? x->cover_text[5] : "pmsreview";
    lxw_doc_properties props = {0};
    props.title = x->title;
    props.subject = x->cover_text[1] ? x->cover_text[1] : x->title;
    props.author = (char *)org;
    props.company = (char *)org;
    props.created = x->created; /* a fixed time: the file is a function of its inputs */
    if (e == LXW_NO_ERROR) e = workbook_set_properties(x->wb, &props);
    /* libxlsxwriter has no core language property: a custom one says it. */
    if (e == LXW_NO_ERROR) e = workbook_set_custom_property_string(x->wb, "Language", "en-GB");
    lxw_error ce = workbook_close(x->wb);
    if (e == LXW_NO_ERROR) e = ce;
    pms_status st = PMS_OK;
    /* A cell or note that could not be stored is out of memory, not a disk's fault. */
    if (e != LXW_NO_ERROR)
        st = pms_err_set(err, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? PMS_ENOMEM : PMS_EIO,
                         "%s: cannot write the workbook: %s", x->path, lxw_strerror(e));
    free_all(x);
    return st;
}
