#!/usr/bin/env bash
# Fairness bootstrap: (1) scaling (bench_gini_boot.c): CPU ns per practice
# per resample at 10^4, 10^5, 10^6 practices, one thread; (2) the weighted
# Gini bootstrap of 10,000 resamples on the real 2014/15 practices against a
# NumPy version (bench/gini_boot_numpy.py: sorted once, counts per resample by
# np.bincount, Gini only, percentile interval; pmsreview also computes Theil T
# and BCa intervals), interleaved round by round in one run, medians of RUNS
# rounds, wall and CPU time, and the ratio.  NumPy runs single-threaded
# (OPENBLAS_NUM_THREADS=1; its loop is single-threaded anyway).
# Usage: bench_gini_boot.sh BUILD_DIR [RUNS]
set -euo pipefail
B=${1:-build}; RUNS=${2:-5}
cd "$(dirname "$0")/.."
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$B/bench_gini_boot"
if ! /usr/bin/python3 -c 'import numpy, pandas' 2>/dev/null; then
  echo "NumPy or pandas missing for /usr/bin/python3: no comparison"
  exit 0
fi
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for _ in $(seq "$RUNS"); do
  "$B/bench_fairness" datasets 1 gini >"$T/ours"
  sed -n 's/.*1 thread: median \([0-9.]*\) s (CPU \([0-9.]*\) s)/\1 \2/p' "$T/ours" >>"$T/o1"
  sed -n 's/.*all CPUs: median \([0-9.]*\) s (CPU \([0-9.]*\) s)/\1 \2/p' "$T/ours" >>"$T/o2"
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/gini_boot_numpy.py datasets 10000 >>"$T/np"
done
o1w=$(cut -d' ' -f1 "$T/o1" | median); o1c=$(cut -d' ' -f2 "$T/o1" | median)
o2w=$(cut -d' ' -f1 "$T/o2" | median); o2c=$(cut -d' ' -f2 "$T/o2" | median)
npw=$(cut -d' ' -f2 "$T/np" | median); npc=$(cut -d' ' -f3 "$T/np" | median)
n=$(sed -n 's/.*resamples ([^)]*), \([0-9]*\) practices.*/\1/p' "$T/ours" | head -1)
echo "weighted Gini bootstrap, 10,000 resamples, $n practices (NumPy: $(cut -d' ' -f1 "$T/np" | head -1)), medians of $RUNS interleaved rounds:"
echo "  pmsreview, 1 thread:  ${o1w} s wall, ${o1c} s CPU (Gini + Theil T, percentile + BCa)"
echo "  pmsreview, all CPUs:  ${o2w} s wall, ${o2c} s CPU"
echo "  NumPy:                ${npw} s wall, ${npc} s CPU (Gini, percentile)"
awk -v a="$npw" -v b="$o1w" -v c="$o2w" -v d="$npc" -v e="$o1c" 'BEGIN{printf "  pmsreview is %.1fx faster than NumPy in wall time on 1 thread, %.1fx on all CPUs, %.1fx in CPU time\n", a/b, a/c, d/e}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
