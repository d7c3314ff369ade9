#!/usr/bin/env bash
# Loader benchmark, each figure beside its peer from the same run:
#  1. the real 2014/15 payments file joined to practice IMD (pmsreview only);
#  2. a generated 2,000,000-row file in the real 53-column 2014/15 layout
#     (bench/gen_payments_2014.awk, 0.66 GB, read once first so that it is in
#     the page cache): pmsreview's loader (bench_load: pms_dataset_open, which
#     reads, hashes, types every column and names it), data.table::fread and
#     pandas.read_csv, interleaved round by round, medians of RUNS rounds,
#     with the ratios; peak resident memory of each, once.
# The machine's load average is printed before and after: figures taken
# while other work runs are slower, and the ratios are what to compare.
# Usage: bench_load.sh BUILD_DIR [RUNS] [ROWS]
set -euo pipefail
B=${1:-build}; RUNS=${2:-5}; ROWS=${3:-2000000}
cd "$(dirname "$0")/.."
B=$(cd "$B" && pwd)
P14=datasets/nhs-payments/nhs-payments-gp-2014-15.csv
IMD=datasets/practice-imd/practice-imd-fingertips-93553.csv
big=${PMS_BENCH_TMP:-/tmp}/pmsreview-2014-layout-$ROWS.csv
[ -s "$big" ] || awk -v n="$ROWS" -f bench/gen_payments_2014.awk "$P14" >"$big"
cat "$big" >/dev/null
PY=/usr/bin/python3
MB=$(awk -v b="$(stat -c %s "$big")" 'BEGIN{printf "%.0f", b/1e6}')
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$B/bench_load" "$P14" "$RUNS" "$IMD"

median() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
have_fread=0; have_pandas=0
Rscript -e 'suppressPackageStartupMessages(library(data.table))' >/dev/null 2>&1 && have_fread=1
$PY -c 'import pandas' >/dev/null 2>&1 && have_pandas=1
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for _ in $(seq "$RUNS"); do
  "$B/bench_load" "$big" 1 | sed -E 's/.*runs ([0-9.]+) s.*/\1/' >>"$T/ours"
  if [ $have_fread = 1 ]; then
    Rscript --vanilla -e 'suppressPackageStartupMessages(library(data.table));
      cat(system.time(fread("'"$big"'", nThread = '"$(nproc)"'))[["elapsed"]])' >>"$T/fread"
    echo >>"$T/fread"
  fi
  if [ $have_pandas = 1 ]; then
    $PY -c 'import time, pandas as pd, sys
t = time.perf_counter(); pd.read_csv(sys.argv[1], encoding="utf-8-sig"); print(time.perf_counter() - t)' "$big" >>"$T/pandas"
  fi
done
ours=$(median <"$T/ours")
printf 'pmsreview loader, %s rows x 53 columns (%s MB): median %.3f s, %.0f MB/s (%d runs)\n' \
  "$ROWS" "$MB" "$ours" "$(awk -v m="$MB" -v t="$ours" 'BEGIN{print m/t}')" "$RUNS"
peak() { { /usr/bin/time -f '%M' "$@" >/dev/null; } 2>&1 | tail -1; }
p=$(peak "$B/bench_load" "$big" 1)
echo "  peak resident memory $((p / 1024)) MB, $(awk -v p="$p" -v m="$MB" 'BEGIN{printf "%.2f", p/1024/m}')x the file"
if [ $have_fread = 1 ]; then
  f=$(median <"$T/fread")
  printf 'data.table::fread (%d threads): median %.3f s; pmsreview is %.1fx faster\n' "$(nproc)" "$f" \
    "$(awk -v a="$f" -v b="$ours" 'BEGIN{print a/b}')"
  p=$(peak Rscript --vanilla -e 'suppressPackageStartupMessages(library(data.table)); invisible(fread("'"$big"'"))')
  echo "  peak resident memory $((p / 1024)) MB"
else
  echo "data.table::fread: not installed (apt-get install r-cran-data.table)"
fi
if [ $have_pandas = 1 ]; then
  pd=$(median <"$T/pandas")
  printf 'pandas.read_csv: median %.3f s; pmsreview is %.1fx faster\n' "$pd" \
    "$(awk -v a="$pd" -v b="$ours" 'BEGIN{print a/b}')"
  p=$(peak $PY -c 'import pandas as pd, sys; pd.read_csv(sys.argv[1], encoding="utf-8-sig")' "$big")
  echo "  peak resident memory $((p / 1024)) MB"
else
  echo "pandas: not installed for $PY"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
