/* The report's output folder, replaced without ever destroying what this tool
 * did not write (doc/output.md):
 *  - only a folder holding the marker file PMS_OUTDIR_MARKER (written into
 *    every report) or an empty folder is replaced; anything else at the path
 *    is refused before any work, untouched;
 *  - a lock file beside the folder (PATH.lock, flock) keeps a second run into
 *    the same folder out;
 *  - the new report is written into PATH.tmp-PID-XXXXXX beside it and swapped
 *    in with one atomic renameat2(RENAME_EXCHANGE), falling back to two
 *    renames where the file system lacks the exchange;
 *  - temporary folders left by killed runs (marker inside, writer PID dead)
 *    are removed by the next run into the same folder.
 * A symbolic link at PATH is followed: the report replaces the folder it
 * points to and the link stays. */
#ifndef PMS_REPORT_OUTDIR_H
#define PMS_REPORT_OUTDIR_H

#include "base/status.h"

#define PMS_OUTDIR_MARKER ".pmsreview-report"

typedef struct {
    char given[4096];  /* the path as asked for (trailing '/' removed), for messages */
    char path[4096];   /* the folder to replace: symlink at the end resolved */
    char tmp[4200];    /* the temporary folder being written; "" when none */
    char lock[4200];   /* PATH.lock */
    int lock_fd;       /* -1 when not held */
    int no_exchange;   /* tests: behave as if renameat2(RENAME_EXCHANGE) were unsupported */
    int used_fallback; /* set by commit when the two-rename fallback was used */
} pms_outdir;

/* Prepare o (lock_fd = -1, everything empty). */
void pms_outdir_init(pms_outdir *o);

/* Check `out` and refuse it (PMS_EUSAGE, nothing touched) if it is '.',
 * '..', '/', a dangling link, a file, or a non-empty folder without the
 * marker; take the lock (PMS_EUSAGE if another run holds it); remove stale
 * temporary folders of killed runs; create the temporary folder with the
 * marker in it (o->tmp).  Other failures: PMS_EIO with the path named. */
pms_status pms_outdir_begin(const char *out, pms_outdir *o, pms_err *err);

/* Swap o->tmp into place and remove the old report.  On failure the old
 * folder is as it was. */
pms_status pms_outdir_commit(pms_outdir *o, pms_err *err);

/* Remove the temporary folder if it is still there and release the lock.
 * Call once after begin, whether commit ran or not. */
void pms_outdir_end(pms_outdir *o);

/* Whether folder `path` holds the marker file (a regular file). */
int pms_outdir_is_marked(const char *path);

#endif
