#!/usr/bin/env bash
# Fairness bootstrap scaling (bench_gini_boot.c): CPU ns per practice per
# resample at 10^4, 10^5, 10^6 practices.  CPU time, so other work on the
# machine matters less than for wall time (caches are still shared).
# Usage: bench_gini_boot.sh BUILD_DIR [RUNS]  (RUNS unused: one pass per size)
set -euo pipefail
B=${1:-build}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$B/bench_gini_boot"
