/* gnuplot charts: a data file and a script per chart, rendered by gnuplot run
 * as a program.
 *
 * Each chart NAME is three kinds of file in one folder:
 *   NAME.dat  the data, tab-separated, one block per series (blocks are
 *             separated by two blank lines: gnuplot's `index`);
 *   NAME.gp   the script, which an analyst can restyle and re-run with
 *             `gnuplot NAME.gp` in that folder;
 *   NAME.png (pngcairo, 1600x900, for slides), NAME.svg and NAME.pdf
 *             (pdfcairo, 10in x 5.625in, for print), written by the script.
 *
 * Safety: gnuplot can run shell commands (system(), backquotes, `!`), so text
 * that comes from data files (practice and CCG names) never goes into a
 * script.  It goes only into .dat files, which gnuplot reads as string
 * columns, after pms_gp_data_text has removed what could break the format
 * (tabs, newlines, control characters, double quotes).  Text that does go
 * into a script (titles, axis labels, series names) passes through
 * pms_gp_script_text, which keeps only letters, digits, spaces, UTF-8 and a
 * short list of harmless punctuation, and is written in single quotes.
 *
 * Rendering keeps `threads` gnuplot processes alive and feeds them one chart
 * at a time through a pipe (`load 'NAME.gp'`, once for the PNG and once for
 * the SVG and PDF: the script's FORMATS variable); each chart is judged on
 * its own (gnuplot's GPVAL_ERRNO after it, what it wrote on stderr, its
 * files), and a chart is byte-identical to `gnuplot NAME.gp` run alone.
 *
 * Ownership: pms_gp_chart_new creates a chart that pms_gp_chart_finish writes
 * and frees (also on failure); pms_gp_chart_discard frees without writing. */
#ifndef PMS_GNUPLOT_H
#define PMS_GNUPLOT_H

#include <stddef.h>
#include <time.h>

#include "base/status.h"

/* The house style: the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal
 * Design"), distinguishable with the common colour-vision deficiencies.  The
 * names say each colour's role; charts never rely on colour alone (point
 * shapes, dash types and labels carry the same meaning). */
#define PMS_GP_BLUE "#0072B2"       /* blue: the main series */
#define PMS_GP_DARK_BLUE "#000000"  /* black: fitted lines, reference lines */
#define PMS_GP_LIGHT_BLUE "#56B4E9" /* sky blue: intervals, third series */
#define PMS_GP_GREY "#768692"       /* neutral grey: context, limits, source line */
#define PMS_GP_RED "#D55E00"        /* vermillion: the locality, highlights, outliers */
#define PMS_GP_YELLOW "#E69F00"     /* orange: second series */
#define PMS_GP_GREEN "#009E73"      /* bluish green: fourth series, net saving */
#define PMS_GP_PURPLE "#CC79A7"     /* reddish purple: fifth series */

/* Pixel size of the PNG, and of the PDF in inches (same 16:9 shape). */
#define PMS_GP_PNG_WIDTH 1600
#define PMS_GP_PNG_HEIGHT 900

/* Find an executable `gnuplot` on PATH (or $PMS_GNUPLOT if set, for tests and
 * unusual installs).  PMS_ENOTFOUND with "gnuplot is not installed (not found
 * on PATH)" when absent; path gets the full path otherwise. */
pms_status pms_gp_find(char *path, size_t cap, pms_err *err);

/* The module a runner preloads into gnuplot (LD_PRELOAD) so that its PNGs,
 * written by cairo with no compression setting, are written with libpng's
 * "None" row filter at zlib level 3: the same pixels, in 60% of gnuplot's
 * time for a PNG; and its PDFs' streams at zlib level 1
 * (plots/preload/png_level.c).  1 and its path in `path` if
 * there is one for this gnuplot: $PMS_GNUPLOT_PNG_PRELOAD if set (empty:
 * none), else the one installed beside the running program, else the build
 * tree's, else the one at the install location; it must be an
 * ELF file of gnuplot's own class and machine (a script in front of gnuplot
 * gets none).  0 otherwise: gnuplot then writes its PNGs as it always did. */
int pms_gp_png_preload(const char *gnuplot, char *path, size_t cap);

/* Copy `in` to `out` (cap bytes incl. NUL, truncating on a UTF-8 boundary)
 * for a .dat string column: tab, CR, LF and other control characters become
 * spaces (so do bytes that are not well-formed UTF-8), '"' becomes '\'',
 * leading/trailing spaces are trimmed, an empty
 * result becomes "-".  Never fails. */
void pms_gp_data_text(const char *in, char *out, size_t cap);

/* Copy `in` for use inside a single-quoted gnuplot string: keeps ASCII
 * letters, digits, space and . , : ; ( ) / - + % & = _ and well-formed UTF-8
 * characters (e.g. the pound sign; invalid bytes and C1 controls become
 * spaces, a cut falls on a character boundary); a single quote is doubled (gnuplot's escape
 * for it there); anything else (double quotes, backquotes, $, @, !, \,
 * control characters ...) becomes a space.  Never fails. */
void pms_gp_script_text(const char *in, char *out, size_t cap);

typedef struct pms_gp_chart pms_gp_chart;

/* Start chart `name` ([a-z0-9_-], at most 48 characters: PMS_EUSAGE
 * otherwise) in folder `dir` with a title and axis labels (script-safe
 * copies are taken).  The caller then writes data and plot commands. */
pms_status pms_gp_chart_new(const char *dir, const char *name, const char *title,
                            const char *xlabel, const char *ylabel, pms_gp_chart **out,
                            pms_err *err);

/* Data: cells of the current row, then pms_gp_row_end; pms_gp_block_end
 * starts the next series (index 1, 2, ...).  NaN is written as NaN (gnuplot
 * skips it).  Text is passed through pms_gp_data_text. */
void pms_gp_num(pms_gp_chart *c, double v);
void pms_gp_text(pms_gp_chart *c, const char *s);
void pms_gp_row_end(pms_gp_chart *c);
void pms_gp_block_end(pms_gp_chart *c);

/* A script line (printf-style).  The format and its arguments are the
 * program's own text, never data; use pms_gp_script_text on anything else.
 * Refer to the data file as DATA (a gnuplot variable holding 'NAME.dat'). */
void pms_gp_cmd(pms_gp_chart *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The source line printed under every chart (script-safe copy taken). */
void pms_gp_set_source(pms_gp_chart *c, const char *source);

/* Write NAME.dat and NAME.gp, free the chart.  PMS_EIO names the file. */
pms_status pms_gp_chart_finish(pms_gp_chart *c, pms_err *err);
void pms_gp_chart_discard(pms_gp_chart *c);

/* Result of rendering one chart. */
typedef struct {
    int ok;            /* 1 if gnuplot exited 0, wrote nothing on stderr and made all three files */
    char message[512]; /* otherwise why (first line of gnuplot's stderr, exit status ...) */
} pms_gp_result;

/* Render NAME.gp in `dir` for each of the n names with `threads` gnuplot
 * processes (0 = 1).  results[i] tells how chart i went.  Returns
 * PMS_OK when every process could be started and waited for (even if some
 * charts failed: see results), PMS_EIO or PMS_ENOMEM otherwise. */
pms_status pms_gp_render(const char *gnuplot, const char *dir, const char *const *names,
                         size_t n, unsigned threads, pms_gp_result *results, pms_err *err);

/* The same, started chart by chart as soon as each script is written, so
 * that gnuplot runs while the caller goes on (e.g. computing the next
 * section): new starts `threads` gnuplot processes and a service thread;
 * add queues the chart, which the thread hands to the first idle process;
 * finish waits for all, copies one result per chart added (in order) into
 * results (may be NULL), ends the processes and frees the runner.  A chart
 * that gives no answer for 300 s is abandoned (its process killed).
 * Children are reaped only by pid, never with wait(-1). */
typedef struct pms_gp_runner pms_gp_runner;
pms_status pms_gp_runner_new(const char *gnuplot, const char *dir, unsigned threads,
                             pms_gp_runner **out, pms_err *err);
pms_status pms_gp_runner_add(pms_gp_runner *r, const char *name, pms_err *err);
/* Stamp every PDF this runner renders with document time t (UTC) instead of
 * the moment it was drawn, so that reruns with the same time (e.g.
 * SOURCE_DATE_EPOCH) give byte-identical PDFs: cairo before 1.17 writes the
 * current time into /CreationDate and ignores SOURCE_DATE_EPOCH.  The date is
 * rewritten in place at the same length, so the PDF's xref offsets stay
 * valid.  Call before adding charts. */
void pms_gp_runner_set_time(pms_gp_runner *r, time_t t);
/* Each chart is drawn in two runs of its script (FORMATS = 'png', then
 * 'svg pdf'), every PNG before any SVG and PDF, so that a caller that needs
 * only the PNGs (the workbook) can go on while the rest is drawn.
 * Until finish, the SVG and PDF phases take at most threads - 1 processes
 * (at least one), so that the caller's thread keeps a core of its own.
 * wait_png waits until every chart added so far has its PNG phase judged
 * and copies those verdicts (ok: NAME.png is complete; otherwise none of the
 * three files is there) into results (may be NULL); rendering goes on.
 * finish then gives each chart's final verdict: ok only if all three files
 * were made; a chart whose SVG or PDF failed after its PNG was drawn has its
 * PNG removed too, and its message is that failure. */
pms_status pms_gp_runner_wait_png(pms_gp_runner *r, pms_gp_result *results, pms_err *err);

pms_status pms_gp_runner_finish(pms_gp_runner *r, pms_gp_result *results, pms_err *err);

#endif
