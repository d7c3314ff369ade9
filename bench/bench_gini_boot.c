/* Scaling of the fairness bootstrap (weighted Gini, Theil T and the
 * concentration index from one multiplicity vector per resample): CPU time
 * per unit per resample at n = 10^4, 10^5 and 10^6 synthetic practices, one
 * thread, and a digest of the replicates (equal digests = identical
 * replicates, to compare builds).  Usage: bench_gini_boot [RESAMPLE_UNITS]
 * (default 4e7 unit-resamples per size). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/fairness.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 4e7;
    for (size_t n = 10000; n <= 1000000; n *= 10) {
        size_t R = (size_t)(budget / (double)n);
        if (R < 20) R = 20;
        double *x = malloc(n * sizeof *x), *w = malloc(n * sizeof *w), *rk = malloc(n * sizeof *rk);
        double *keep = malloc(3 * R * sizeof *keep);
        if (!x || !w || !rk || !keep) return 1;
        uint64_t s = 12345;
        for (size_t i = 0; i < n; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            x[i] = 50 + (double)((s >> 40) % 10000) / 37.0;
            w[i] = 1000 + (double)((s >> 20) % 7000);
            rk[i] = (double)((s >> 10) % 5000) / 100.0;
        }
        pms_fair_boot_opts o;
        memset(&o, 0, sizeof o);
        o.replicates = R;
        o.threads = 1;
        o.level = 0.95;
        o.rank_by = rk;
        o.seed = 7;
        o.keep_replicates = keep;
        pms_fair_boot_result r;
        pms_err e;
        /* The sort and the jackknife are paid once: time R and 2 resamples
         * and keep the difference, the cost of the resamples themselves. */
        double t0 = cpu_now();
        if (pms_fair_bootstrap(x, w, n, &o, &r, &e)) {
            fprintf(stderr, "bench_gini_boot: %s\n", e.msg);
            return 1;
        }
        double tR = cpu_now() - t0;
        o.replicates = 2;
        o.keep_replicates = NULL;
        t0 = cpu_now();
        if (pms_fair_bootstrap(x, w, n, &o, &r, &e)) return 1;
        double t = tR - (cpu_now() - t0);
        R -= 2;
        uint64_t h = 1469598103934665603ULL;
        const unsigned char *b = (const unsigned char *)keep;
        for (size_t i = 0; i < 3 * (R + 2) * sizeof *keep; i++) h = (h ^ b[i]) * 1099511628211ULL;
        printf("fairness bootstrap n=%zu, %zu resamples, 1 thread: %.3f s CPU, %.1f ns per unit "
               "per resample (replicates digest %016llx)\n",
               n, R + 2, tR, t * 1e9 / (double)n / (double)R, (unsigned long long)h);
        free(x), free(w), free(rk), free(keep);
    }
    return 0;
}
