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
 * them, as before. */
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

struct pms_report_prefetch {
    job *jobs;
    size_t n;
    int stop;            /* the report failed: load nothing more */
    int started;         /* the thread runs */
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* a job was loaded */
    pthread_t thread;
};

static void load_job(job *j)
{
    pms_data_opts o = {(const char **)j->paths, j->n, NULL, 0, NULL, 0};
    j->st = pms_dataset_open(&o, &j->t, &j->err);
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
        load_job(j);
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
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

pms_status pms_report_prefetch_start(pms_report_ctx *r, const char *const *perf_paths,
                                     size_t nperf, pms_err *err)
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
        load_job(j);
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
