/* Loader benchmark: median wall time of pms_dataset_open (load, join,
 * derived measures) over several runs, and the throughput in MB/s.
 * Usage: bench_load [-l] FILE [RUNS] [JOIN_FILE]
 * -l: pms_table_load alone (the loader without the derived measures). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/table.h"
#include "bench/benchutil.h"

int main(int argc, char **argv)
{
    int load_only = argc > 1 && !strcmp(argv[1], "-l");
    if (load_only) {
        argv++;
        argc--;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: bench_load [-l] FILE [RUNS] [JOIN_FILE]\n");
        return 1;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1 || runs > 1000) runs = 5;
    double *t = malloc((size_t)runs * sizeof *t);
    size_t bytes = 0, rows = 0;
    for (int r = 0; r < runs; r++) {
        const char *data[2] = {argv[1], argc > 3 ? argv[3] : NULL};
        pms_data_opts o = {data, argc > 3 ? 2 : 1, NULL, 0, NULL, 0};
        pms_table *tab = NULL;
        pms_err err = {{0}};
        double t0 = pms_bench_now();
        pms_status st = load_only ? pms_table_load(argv[1], NULL, &tab, &err)
                                  : pms_dataset_open(&o, &tab, &err);
        t[r] = pms_bench_now() - t0;
        if (st) {
            fprintf(stderr, "bench_load: %s\n", err.msg);
            return 1;
        }
        bytes = 0;
        for (size_t s = 0; s < tab->nsources; s++) bytes += tab->sources[s].bytes;
        rows = tab->nrows;
        pms_table_free(tab);
    }
    double med = pms_bench_median(t, runs);
    printf("load %s%s: %zu rows, %.1f MB, median of %d runs %.4f s, %.0f MB/s\n", argv[1],
           argc > 3 ? " + join" : "", rows, bytes / 1e6, runs, med, bytes / 1e6 / med);
    free(t);
    return 0;
}
