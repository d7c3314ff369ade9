/* Savings sweep benchmark: 1,000 grid points over every practice in England
 * (2014/15 payments + IMD, 7,461 practices in the model) for 4 years.  Data
 * loaded and the base prepared once; each run times the whole sweep
 * (apportionment within each CCG, losers, Gini after the last year).
 * Prints the median over RUNS runs.
 * Usage: bench_savings DATASETS_DIR [RUNS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/savings.h"
#include "io/scenario.h"
#include "io/table.h"
#include "bench/benchutil.h"

static void die(const char *m)
{
    fprintf(stderr, "bench_savings: %s\n", m);
    exit(1);
}

static double sweep(const pms_sav_base *b, const pms_sav_scenario *sc, pms_sav_param p,
                    double step, unsigned threads, int runs, double *check)
{
    double *t = malloc((size_t)runs * sizeof *t), values[1000];
    pms_sav_sweep_row rows[1000];
    for (int i = 0; i < 1000; i++) values[i] = i * step;
    for (int r = 0; r < runs; r++) {
        double t0 = pms_bench_now(), acc = 0;
        pms_err err;
        if (pms_sav_sweep(b, sc, p, values, 1000, threads, rows, NULL, &err)) die(err.msg);
        t[r] = pms_bench_now() - t0;
        for (int i = 0; i < 1000; i++)
            acc += (double)rows[i].net_saving_final + (double)rows[i].released_final +
                   rows[i].gini_after + (double)rows[i].losing_over_5pct;
        *check = acc;
    }
    double m = pms_bench_median(t, runs);
    free(t);
    return m;
}

int main(int argc, char **argv)
{
    const char *ds = argc > 1 ? argv[1] : "datasets";
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    if (runs < 1) runs = 1;
    char pay[1024], imd[1024], ini[1024];
    snprintf(pay, sizeof pay, "%s/nhs-payments/nhs-payments-gp-2014-15.csv", ds);
    snprintf(imd, sizeof imd, "%s/practice-imd/practice-imd-fingertips-93553.csv", ds);
    snprintf(ini, sizeof ini, "%s/pms-review-scenarios.ini", ds);
    const char *data[] = {pay, imd};
    pms_data_opts o = {data, 2, NULL, 0, NULL, 0};
    pms_table *t = NULL;
    pms_err err;
    if (pms_dataset_open(&o, &t, &err)) die(err.msg);
    pms_scenario_file *f = NULL;
    if (pms_scenario_load(ini, &f, &err)) die(err.msg);
    pms_sav_data d;
    memset(&d, 0, sizeof d);
    d.n = t->nrows;
    if (pms_table_numeric(t, "global_sum", &d.global_sum, &err) ||
        pms_table_numeric(t, "mpig", &d.mpig, &err) ||
        pms_table_numeric(t, "pms_balance", &d.pms_balance, &err) ||
        pms_table_numeric(t, "weighted_patients", &d.weighted, &err) ||
        pms_table_numeric(t, "imd2015", &d.imd, &err) ||
        pms_table_text(t, "contract_type", &d.contract, &err) ||
        pms_table_text(t, "ccg_code", &d.locality, &err) ||
        pms_table_text(t, "ccg_code", &d.ccg, &err) ||
        pms_table_text(t, "region_code", &d.region, &err))
        die(err.msg);
    pms_sav_base b;
    if (pms_sav_prepare(&d, &f->settings, &b, &err)) die(err.msg);
    int g = pms_scenario_find(f, "glidepath4_gms_weighted"), c = pms_scenario_find(f, "cap5");
    if (g < 0 || c < 0) die("no glidepath4_gms_weighted or cap5 scenario");
    /* The cap scenario without protection: 4 years, reinvested by list in the CCG. */
    pms_sav_scenario cap = f->s[c];
    cap.protect_pct = 0;
    for (unsigned th = 1; th <= 2; th++) {
        double check;
        double tg = sweep(&b, &f->s[g], PMS_SWEEP_TARGET, 0.05, th, runs, &check);
        printf("savings sweep, %zu practices, 4 years, 1000 points of target 0-49.95 (glidepath, "
               "weighted reinvestment in each CCG), %u thread%s: median %.3f s [check %.9g]\n",
               b.n, th, th > 1 ? "s" : "", tg, check);
        double tc = sweep(&b, &cap, PMS_SWEEP_CAP, 0.03, th, runs, &check);
        printf("savings sweep, %zu practices, 4 years, 1000 points of cap 0-29.97 (no protection, "
               "weighted reinvestment in each CCG), %u thread%s: median %.3f s [check %.9g]\n",
               b.n, th, th > 1 ? "s" : "", tc, check);
    }
    pms_sav_base_free(&b);
    pms_scenario_free(f);
    pms_table_free(t);
    return 0;
}
