/* Reading ahead: the data files the sections will load (the main year, the
 * performance year, every [trend] year) are loaded from the start of the
 * report, while the main thread computes: the main year, asked for first,
 * by the main thread itself, the others by a thread of their own.  A
 * section asking for one (pms_report_load) takes it when it is there, waits
 * if it is being loaded, or loads it itself if the thread has not reached it
 * (the main year's second table is a copy of the first, pms_table_copy).
 * Each file is loaded exactly as pms_report_load would have
 * (pms_dataset_open, same paths), and a failure is stored and returned when
 * the section asks, with the same message: only the time changes.  Tables
 * are registered for Provenance when taken, in the order the sections take
 * them, as before.
 *
 * A payments file that is the first of more than one load (the main year's
 * is also a [trend] year, and so is the performance year's) is parsed once:
 * the first load to need it parses it (pms_table_load), the others wait for
 * it and take a copy (pms_table_copy), the last the table itself, and each
 * goes on with its joins and measures (pms_dataset_open_from).  A copy is
 * what a second parse gave, in a tenth of the time. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

typedef struct {
    char **paths;
    size_t n;
    int state;           /* 0 waiting, 1 being loaded, 2 loaded, 3 taken */
    pms_status st;
    pms_err err;
    pms_table *t;
} job;

/* A file that begins more than one load. */
typedef struct {
    char *path;
    size_t uses;         /* loads still to be given it */
    int state;           /* 0 waiting, 1 being parsed, 2 parsed */
    pms_status st;
    pms_err err;
    pms_table *t;        /* NULL once the last use has it */
} shared;

struct pms_report_prefetch {
    job *jobs;
    size_t n;
    shared *first;
    size_t nfirst;
    int stop;            /* the report failed: load nothing more */
    int started;         /* the thread runs */
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* a job was loaded */
    pthread_t thread;
};

static shared *find_shared(pms_report_prefetch *p, const char *path)
{
    for (size_t i = 0; i < p->nfirst; i++)
        if (!strcmp(p->first[i].path, path)) return &p->first[i];
    return NULL;
}

/* The table of a shared first file for one more load: parsed here if no
 * load has started it, else waited for; a copy, or for its last use the
 * table itself.  Copied under the lock, so nobody takes it meanwhile. */
static pms_status shared_table(pms_report_prefetch *p, shared *f, pms_table **t, pms_err *err)
{
    pthread_mutex_lock(&p->mu);
    if (f->state == 0) {
        f->state = 1;
        pthread_mutex_unlock(&p->mu);
        pms_table *nt = NULL;
        pms_err e = {{0}};
        pms_status st = pms_table_load(f->path, NULL, &nt, &e);
        pthread_mutex_lock(&p->mu);
        f->t = nt, f->st = st, f->err = e, f->state = 2;
        pthread_cond_broadcast(&p->cv);
    }
    while (f->state == 1) pthread_cond_wait(&p->cv, &p->mu);
    pms_status st = f->st;
    *t = NULL;
    if (st) *err = f->err;
    else if (f->t && f->uses > 1) {
        if (!(*t = pms_table_copy(f->t))) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    } else { /* the last use (if a load nobody counted took it, NULL: parse again) */
        *t = f->t;
        f->t = NULL;
    }
    if (f->uses) f->uses--;
    pthread_mutex_unlock(&p->mu);
    return st;
}

/* pms_dataset_open, its first file parsed once for every load it begins. */
static pms_status open_paths(pms_report_prefetch *p, const pms_data_opts *o, pms_table **out,
                             pms_err *err)
{
    shared *f = o->ndata ? find_shared(p, o->data[0]) : NULL;
    if (!f) return pms_dataset_open(o, out, err);
    pms_table *t = NULL;
    *out = NULL;
    pms_status st = shared_table(p, f, &t, err);
    if (st) return st;
    return t ? pms_dataset_open_from(o, t, out, err) : pms_dataset_open(o, out, err);
}

static void load_job(pms_report_prefetch *p, job *j)
{
    pms_data_opts o = {(const char **)j->paths, j->n, NULL, 0, NULL, 0};
    j->st = open_paths(p, &o, &j->t, &j->err);
}

pms_status pms_report_prefetch_open(pms_report_ctx *r, const pms_data_opts *o, pms_table **out,
                                    pms_err *err)
{
    if (!r->prefetch) return pms_dataset_open(o, out, err);
    return open_paths(r->prefetch, o, out, err);
}

static void *run(void *arg)
{
    pms_report_prefetch *p = arg;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->n && !p->stop; i++) {
        job *j = &p->jobs[i];
        if (j->state != 0) continue;
        j->state = 1;
        pthread_mutex_unlock(&p->mu);
        load_job(p, j);
        pthread_mutex_lock(&p->mu);
        j->state = 2;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static pms_status add(pms_report_prefetch *p, const char *const *paths, size_t n)
{
    job *nj = realloc(p->jobs, (p->n + 1) * sizeof *nj);
    if (!nj) return PMS_ENOMEM;
    p->jobs = nj;
    job *j = &nj[p->n];
    memset(j, 0, sizeof *j);
    j->paths = calloc(n ? n : 1, sizeof *j->paths);
    if (!j->paths) return PMS_ENOMEM;
    p->n++; /* freed with the others from here */
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(paths[i]) + 1;
        if (!(j->paths[i] = malloc(len))) return PMS_ENOMEM;
        memcpy(j->paths[i], paths[i], len);
        j->n++;
    }
    return PMS_OK;
}

static void free_all(pms_report_prefetch *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->jobs[i].state != 3) pms_table_free(p->jobs[i].t);
        for (size_t k = 0; k < p->jobs[i].n; k++) free(p->jobs[i].paths[k]);
        free(p->jobs[i].paths);
    }
    free(p->jobs);
    for (size_t i = 0; i < p->nfirst; i++) {
        free(p->first[i].path);
        pms_table_free(p->first[i].t);
    }
    free(p->first);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* The first files of more than one load: the main year's (main_first),
 * and those of the jobs. */
static pms_status count_shared(pms_report_prefetch *p, const char *main_first)
{
    size_t n = p->n + (main_first != NULL);
    if (!(p->first = calloc(n ? n : 1, sizeof *p->first))) return PMS_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        const char *path = k < p->n ? p->jobs[k].paths[0] : main_first;
        shared *f = find_shared(p, path);
        if (!f) {
            f = &p->first[p->nfirst];
            if (!(f->path = malloc(strlen(path) + 1))) return PMS_ENOMEM;
            strcpy(f->path, path);
            p->nfirst++;
        }
        f->uses++;
    }
    /* Only those begun more than once are kept. */
    size_t w = 0;
    for (size_t i = 0; i < p->nfirst; i++) {
        if (p->first[i].uses > 1) p->first[w++] = p->first[i];
        else free(p->first[i].path);
    }
    p->nfirst = w;
    return PMS_OK;
}

pms_status pms_report_prefetch_start(pms_report_ctx *r, const char *main_first,
                                     const char *const *perf_paths, size_t nperf, pms_err *err)
{
    pms_report_prefetch *p = calloc(1, sizeof *p);
    if (!p) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    /* In the order the sections ask for them.  Not the main year: the
     * caller asks for it at once and loads it itself (take finds no job for
     * it) while this thread loads the next, instead of waiting idle. */
    pms_status st = nperf ? add(p, perf_paths, nperf) : PMS_OK;
    for (size_t e = 0; e < r->cfg->n && !st; e++)
        if (!strcmp(r->cfg->e[e].section, "trend")) {
            char path[4096];
            const char *one[1] = {pms_report_path(r, r->cfg->e[e].value, path, sizeof path)};
            st = add(p, one, 1);
        }
    if (!st) st = count_shared(p, main_first);
    if (!st && pthread_create(&p->thread, NULL, run, p) == 0) p->started = 1;
    if (st || !p->started) { /* no read-ahead: the sections load as before */
        free_all(p);
        return st ? pms_err_set(err, st, "out of memory") : PMS_OK;
    }
    r->prefetch = p;
    return PMS_OK;
}

void pms_report_prefetch_stop(pms_report_ctx *r)
{
    pms_report_prefetch *p = r->prefetch;
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    r->prefetch = NULL;
    free_all(p);
}

static int same_paths(const job *j, const char *const *paths, size_t n)
{
    if (j->n != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(j->paths[i], paths[i])) return 0;
    return 1;
}

int pms_report_prefetch_take(pms_report_ctx *r, const char *const *paths, size_t n,
                             pms_table **out, pms_status *st, pms_err *err)
{
    pms_report_prefetch *p = r->prefetch;
    if (!p) return 0;
    pthread_mutex_lock(&p->mu);
    /* A loaded copy, else one nobody has started (loaded here), else wait
     * for the one being loaded. */
    static const int order[3] = {2, 0, 1};
    job *j = NULL;
    for (int k = 0; k < 3 && !j; k++)
        for (size_t i = 0; i < p->n && !j; i++)
            if (p->jobs[i].state == order[k] && same_paths(&p->jobs[i], paths, n))
                j = &p->jobs[i];
    if (!j) {
        pthread_mutex_unlock(&p->mu);
        return 0;
    }
    if (j->state == 0) {
        j->state = 1;
        pthread_mutex_unlock(&p->mu);
        load_job(p, j);
        pthread_mutex_lock(&p->mu);
        j->state = 2;
    }
    while (j->state == 1) pthread_cond_wait(&p->cv, &p->mu);
    j->state = 3;
    pthread_mutex_unlock(&p->mu);
    *out = j->t;
    *st = j->st;
    if (j->st) *err = j->err; /* pms_dataset_open leaves no table on failure */
    return 1;
}
