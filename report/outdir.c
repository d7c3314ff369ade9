/* Safe replacement of the report's output folder: see outdir.h and doc/output.md. */
#define _GNU_SOURCE /* flock, syscall, fdopendir under -std=c11 */
#include "report/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Written into every report folder and every temporary folder: only a folder
 * holding it is ever replaced or removed. */
static const char marker_text[] =
    "This folder was written by pmsreview report. The next report into this folder replaces it\n"
    "(only folders holding this file are ever replaced); files you add here go with it.\n";
static const char lock_text[] = "pmsreview report lock\n";
static const char *const refuse_tail = "nothing was changed: choose another output folder, or "
                                       "delete it yourself";

#define RENAME_NOREPLACE_ (1u << 0) /* <linux/fs.h>; not in every libc's headers */
#define RENAME_EXCHANGE_ (1u << 1)

/* renameat2 through syscall(): glibc before 2.28 has no wrapper.  -1 with
 * errno ENOSYS where the kernel or the platform lacks it. */
static int rename2(const char *from, const char *to, unsigned flags)
{
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
#else
    (void)from;
    (void)to;
    (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}

/* The exchange or no-replace rename is unsupported here (old kernel, a file
 * system without it such as some FUSE or network ones): use the fallback. */
static int unsupported(int e)
{
    return e == ENOSYS || e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP;
}

void pms_outdir_init(pms_outdir *o)
{
    memset(o, 0, sizeof *o);
    o->lock_fd = -1;
}

/* Remove name (relative to dfd) and everything under it, never following a
 * symbolic link (a link inside is removed, not what it points to). */
static int rm_tree_at(int dfd, const char *name)
{
    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT) return 0;
    if (errno != EISDIR && errno != EPERM) return -1;
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && rm_tree_at(fd, e->d_name))
            rc = -1;
    closedir(d);
    return unlinkat(dfd, name, AT_REMOVEDIR) || rc ? -1 : 0;
}

int pms_outdir_is_marked(const char *path)
{
    char m[8400];
    struct stat sb;
    if ((size_t)snprintf(m, sizeof m, "%s/%s", path, PMS_OUTDIR_MARKER) >= sizeof m) return 0;
    return lstat(m, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* 1 if the folder has no entries, 0 if it has some, -1 if it cannot be read. */
static int is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
    closedir(d);
    return empty;
}

/* Trailing slashes go ("d/" is d); '.', '..' and '/' are refused: the report
 * replaces the whole folder, and the working folder cannot be swapped out. */
static pms_status normalise(const char *out, pms_outdir *o, pms_err *err)
{
    size_t len = strlen(out);
    if (len == 0) return pms_err_set(err, PMS_EUSAGE, "the output folder name is empty");
    if (len >= sizeof o->given)
        return pms_err_set(err, PMS_EUSAGE, "%.200s...: output folder name too long", out);
    memcpy(o->given, out, len + 1);
    while (len > 1 && o->given[len - 1] == '/') o->given[--len] = '\0';
    const char *base = strrchr(o->given, '/');
    base = base ? base + 1 : o->given;
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return pms_err_set(err, PMS_EUSAGE,
                           "%s: the output must be a folder of its own, not '.', '..' or '/' "
                           "(the report replaces the whole folder); nothing was changed: name a "
                           "new folder, such as board-report",
                           out);
    snprintf(o->path, sizeof o->path, "%s", o->given);
    return PMS_OK;
}

/* A symbolic link at the path is followed: the report goes where it points. */
static pms_status follow_link(pms_outdir *o, pms_err *err)
{
    struct stat sb;
    if (lstat(o->path, &sb) != 0 || !S_ISLNK(sb.st_mode)) return PMS_OK;
    char real[PATH_MAX];
    if (!realpath(o->path, real)) {
        char target[1024];
        ssize_t n = readlink(o->path, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        return pms_err_set(err, PMS_EUSAGE,
                           "%s: a symbolic link to '%s', which cannot be used (%s); nothing was "
                           "changed: create that folder, or choose another output folder",
                           o->given, target, strerror(errno));
    }
    if (strlen(real) >= sizeof o->path)
        return pms_err_set(err, PMS_EUSAGE, "%s: output folder name too long", o->given);
    snprintf(o->path, sizeof o->path, "%s", real);
    return PMS_OK;
}

/* What is at the path may be replaced: nothing, an empty folder, or a folder
 * holding the marker.  Anything else is refused before any work. */
static pms_status check_target(const pms_outdir *o, pms_err *err)
{
    struct stat sb;
    if (lstat(o->path, &sb) != 0) {
        if (errno == ENOENT) return PMS_OK;
        return pms_err_set(err, PMS_EIO, "%s: cannot create the report directory: %s", o->given,
                           strerror(errno));
    }
    if (!S_ISDIR(sb.st_mode))
        return pms_err_set(err, PMS_EUSAGE, "%s: exists and is not a folder; %s", o->given,
                           refuse_tail);
    if (pms_outdir_is_marked(o->path)) return PMS_OK;
    int empty = is_empty(o->path);
    if (empty == 1) return PMS_OK;
    if (empty < 0)
        return pms_err_set(err, PMS_EUSAGE, "%s: a folder that cannot be read (%s); %s",
                           o->given, strerror(errno), refuse_tail);
    return pms_err_set(err, PMS_EUSAGE,
                       "%s: a folder that pmsreview did not write (it has no %s file) and is "
                       "not empty; %s",
                       o->given, PMS_OUTDIR_MARKER, refuse_tail);
}

/* PATH.lock, held with flock for the whole run.  It is removed at the end;
 * whoever opened it just before that checks, once locked, that the path still
 * names the file it locked, and starts again if not. */
static pms_status take_lock(pms_outdir *o, pms_err *err)
{
    snprintf(o->lock, sizeof o->lock, "%s.lock", o->path);
    for (int attempt = 0; attempt < 16; attempt++) {
        int fd = open(o->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd < 0)
            return pms_err_set(err, PMS_EIO, "%s: cannot create the report directory: %s",
                               o->given, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            close(fd);
            if (e == EWOULDBLOCK)
                return pms_err_set(err, PMS_EUSAGE,
                                   "%s: another pmsreview report is writing this folder now (%s "
                                   "is locked); nothing was changed: wait for it to finish, or "
                                   "choose another output folder",
                                   o->given, o->lock);
            return pms_err_set(err, PMS_EIO, "%s: cannot lock: %s", o->lock, strerror(e));
        }
        struct stat a, b;
        if (fstat(fd, &a) != 0 || stat(o->lock, &b) != 0 || a.st_dev != b.st_dev ||
            a.st_ino != b.st_ino) {
            close(fd);
            continue;
        }
        /* A file of that name that is not ours is left alone. */
        char buf[sizeof lock_text];
        ssize_t n = pread(fd, buf, sizeof buf, 0);
        int ours = n == (ssize_t)(sizeof lock_text - 1) && !memcmp(buf, lock_text, (size_t)n);
        if (n == 0)
            ours = pwrite(fd, lock_text, sizeof lock_text - 1, 0) ==
                   (ssize_t)(sizeof lock_text - 1);
        if (!ours) {
            close(fd);
            return pms_err_set(err, PMS_EUSAGE,
                               "%s: exists and is not a pmsreview lock file; %s", o->lock,
                               refuse_tail);
        }
        o->lock_fd = fd;
        return PMS_OK;
    }
    return pms_err_set(err, PMS_EIO, "%s: cannot lock: it keeps being replaced", o->lock);
}

/* Temporary folders (PATH.tmp-PID-*) and fallback leftovers (PATH.old-PID-*)
 * of runs that died: marker inside, writer PID no longer running.  We hold
 * the lock, so no live run into this folder can own one unless its PID is
 * alive; our own PID can only be a reused one. */
static void clean_stale(const pms_outdir *o)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", o->path);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : o->path;
    if (slash == dir) dir[1] = '\0';
    else if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    size_t blen = strlen(base);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *s = e->d_name;
        if (strncmp(s, base, blen) || (strncmp(s + blen, ".tmp-", 5) && strncmp(s + blen, ".old-", 5)))
            continue;
        char *end;
        long pid = strtol(s + blen + 5, &end, 10);
        if (pid <= 0 || *end != '-') continue;
        if (pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)) continue;
        char full[8300];
        struct stat sb;
        snprintf(full, sizeof full, "%s/%s", dir, s);
        if (lstat(full, &sb) == 0 && S_ISDIR(sb.st_mode) && pms_outdir_is_marked(full))
            rm_tree_at(dfd, s);
    }
    closedir(d);
}

/* PATH.KIND-PID-NNNNNN, created with mkdir so that the umask applies as for
 * any folder the user makes (mkdtemp would make it private). */
static int make_unique_dir(const char *path, const char *kind, char *buf, size_t cap, int create)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long seed = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16);
    for (int i = 0; i < 1000; i++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        snprintf(buf, cap, "%s.%s-%ld-%06lu", path, kind, (long)getpid(), (seed >> 33) % 1000000);
        struct stat sb;
        if (create ? mkdir(buf, 0777) == 0 : lstat(buf, &sb) != 0 && errno == ENOENT) return 0;
        if (errno != EEXIST && create) return -1;
    }
    errno = EEXIST;
    return -1;
}

pms_status pms_outdir_begin(const char *out, pms_outdir *o, pms_err *err)
{
    pms_status st = normalise(out, o, err);
    if (!st) st = follow_link(o, err);
    if (!st) st = check_target(o, err);
    if (!st) st = take_lock(o, err);
    /* Again under the lock: another run may have finished in between. */
    if (!st) st = check_target(o, err);
    if (st) {
        pms_outdir_end(o);
        return st;
    }
    clean_stale(o);
    if (make_unique_dir(o->path, "tmp", o->tmp, sizeof o->tmp, 1) != 0) {
        st = pms_err_set(err, PMS_EIO, "%s: cannot create the report directory: %s", o->given,
                         strerror(errno));
        o->tmp[0] = '\0';
        pms_outdir_end(o);
        return st;
    }
    char m[4400];
    snprintf(m, sizeof m, "%s/%s", o->tmp, PMS_OUTDIR_MARKER);
    FILE *f = fopen(m, "w");
    int bad = !f || fputs(marker_text, f) < 0;
    if (f && fclose(f) != 0) bad = 1;
    if (bad) {
        st = pms_err_set(err, PMS_EIO, "%s: cannot write: %s", m, strerror(errno));
        pms_outdir_end(o);
    }
    return st;
}

/* Without the exchange: an empty folder is replaced by one rename (POSIX
 * rename replaces an empty directory); a previous report is renamed aside,
 * the new one renamed in, the old one removed.  A kill between the two
 * renames leaves no PATH until the next run (the old report is in
 * PATH.old-PID-*, which that run removes). */
static pms_status commit_fallback(pms_outdir *o, pms_err *err)
{
    o->used_fallback = 1;
    if (is_empty(o->path) == 1) {
        if (rename(o->tmp, o->path) != 0) goto fail;
        o->tmp[0] = '\0';
        return PMS_OK;
    }
    char old[4300];
    if (make_unique_dir(o->path, "old", old, sizeof old, 0) != 0 || rename(o->path, old) != 0)
        goto fail;
    if (rename(o->tmp, o->path) != 0) {
        int e = errno;
        rename(old, o->path);
        errno = e;
        goto fail;
    }
    o->tmp[0] = '\0';
    if (pms_outdir_is_marked(old)) rm_tree_at(AT_FDCWD, old);
    return PMS_OK;
fail:
    return pms_err_set(err, PMS_EIO, "%s: cannot move the finished report into place: %s",
                       o->given, strerror(errno));
}

pms_status pms_outdir_commit(pms_outdir *o, pms_err *err)
{
    struct stat sb;
    if (lstat(o->path, &sb) != 0) {
        /* Nothing there: a rename that will not replace anything made meanwhile. */
        int rc = o->no_exchange ? (errno = ENOSYS, -1) : rename2(o->tmp, o->path, RENAME_NOREPLACE_);
        if (rc != 0 && unsupported(errno)) rc = rename(o->tmp, o->path);
        if (rc != 0)
            return pms_err_set(err, PMS_EIO, "%s: cannot move the finished report into place: %s",
                               o->given, strerror(errno));
        o->tmp[0] = '\0';
        return PMS_OK;
    }
    /* Checked at the start; again, in case someone put something there since. */
    pms_status st = check_target(o, err);
    if (st) return st;
    if (o->no_exchange || rename2(o->tmp, o->path, RENAME_EXCHANGE_) != 0) {
        if (o->no_exchange || unsupported(errno)) return commit_fallback(o, err);
        return pms_err_set(err, PMS_EIO, "%s: cannot move the finished report into place: %s",
                           o->given, strerror(errno));
    }
    /* o->tmp now names the previous folder.  Remove it only if it is ours or
     * empty; else (changed between the check and the swap) swap back. */
    if (!pms_outdir_is_marked(o->tmp) && is_empty(o->tmp) != 1) {
        if (rename2(o->tmp, o->path, RENAME_EXCHANGE_) == 0) {
            st = check_target(o, err);
            return st ? st
                      : pms_err_set(err, PMS_EUSAGE, "%s: changed while the report was written; %s",
                                    o->given, refuse_tail);
        }
        char prev[sizeof o->tmp];
        snprintf(prev, sizeof prev, "%s", o->tmp);
        o->tmp[0] = '\0';
        return pms_err_set(err, PMS_EIO, "%s: changed while the report was written; the previous "
                           "content is in %s", o->given, prev);
    }
    rm_tree_at(AT_FDCWD, o->tmp);
    o->tmp[0] = '\0';
    return PMS_OK;
}

void pms_outdir_end(pms_outdir *o)
{
    if (o->tmp[0]) {
        /* Only ever our own folder: it holds the marker, or nothing yet. */
        if (pms_outdir_is_marked(o->tmp) || is_empty(o->tmp) == 1) rm_tree_at(AT_FDCWD, o->tmp);
        o->tmp[0] = '\0';
    }
    if (o->lock_fd >= 0) {
        /* Removed while still held, so that a run waiting on it sees it go. */
        unlink(o->lock);
        close(o->lock_fd);
        o->lock_fd = -1;
    }
}
