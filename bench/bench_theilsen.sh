#!/usr/bin/env bash
# Theil-Sen benchmark: pms_theilsen (slope, 95% interval, intercept) on the
# 7,802 usable 2014/15 practices, payments per weighted patient against IMD
# 2015 (bench_theilsen.c, the fit alone, 10 fits per run), and SciPy's
# scipy.stats.theilslopes on the same pairs (bench/theilsen_scipy.py), one of
# each per round, interleaved, medians of RUNS rounds, CPU time (user + sys of
# the process), and the ratio.  With PMS_OLD_BENCH_THEILSEN set to a
# bench_theilsen built from an older analysis/theilsen.c, that one too.
# Usage: bench_theilsen.sh BUILD_DIR [RUNS]
set -euo pipefail
B=${1:-build}; RUNS=${2:-5}
cd "$(dirname "$0")/.."
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$B/bench_theilsen" datasets 1 1 "$T/xy" >/dev/null
have_py=1
/usr/bin/python3 -c 'import scipy.stats' 2>/dev/null || { have_py=0; echo "SciPy missing for /usr/bin/python3: no comparison"; }
for _ in $(seq "$RUNS"); do
  "$B/bench_theilsen" datasets 1 10 >"$T/ours"
  sed -n 's/^real n=\([0-9]*\): median \([0-9.]*\) ms.*slope \([^ ]*\) .*/\2 \3 \1/p' "$T/ours" >>"$T/o"
  sed -n 's/^synthetic n=[0-9]*: median \([0-9.]*\) ms.*/\1/p' "$T/ours" >>"$T/os"
  if [ -n "${PMS_OLD_BENCH_THEILSEN:-}" ]; then
    "$PMS_OLD_BENCH_THEILSEN" datasets 1 3 >"$T/old"
    sed -n 's/^real n=[0-9]*: median \([0-9.]*\) ms.*/\1/p' "$T/old" >>"$T/b"
    sed -n 's/^synthetic n=[0-9]*: median \([0-9.]*\) ms.*/\1/p' "$T/old" >>"$T/bs"
  fi
  [ "$have_py" = 1 ] && /usr/bin/python3 bench/theilsen_scipy.py "$T/xy" 1 >>"$T/py"
done
n=$(head -1 "$T/o" | cut -d' ' -f3)
o=$(cut -d' ' -f1 "$T/o" | median); os=$(median <"$T/os")
echo "Theil-Sen slope + 95% interval + intercept, n=$n (2014/15 payments per weighted patient ~ IMD 2015), medians of $RUNS interleaved rounds, CPU time per fit:"
echo "  pmsreview:              ${o} ms (synthetic n=$n: ${os} ms)"
if [ -s "$T/b" ]; then
  b=$(median <"$T/b"); bs=$(median <"$T/bs")
  echo "  pmsreview before:       ${b} ms (synthetic: ${bs} ms); now $(awk -v a="$b" -v c="$o" 'BEGIN{printf "%.1f", a/c}')x faster"
fi
if [ -s "$T/py" ]; then
  p=$(cut -d' ' -f1 "$T/py" | median)
  echo "  scipy.stats.theilslopes: $(awk -v p="$p" 'BEGIN{printf "%.1f", p*1e3}') ms; pmsreview is $(awk -v p="$p" -v c="$o" 'BEGIN{printf "%.0f", p*1e3/c}')x faster"
  echo "  slopes: pmsreview $(head -1 "$T/o" | cut -d' ' -f2), SciPy $(head -1 "$T/py" | cut -d' ' -f2)"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
