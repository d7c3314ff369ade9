#!/usr/bin/env bash
# Loader benchmark: the real 2014/15 payments file joined to practice IMD, and a
# generated 2-million-row payments-like CSV; median of RUNS runs.  Where R is
# installed, the same work in R (read.csv + merge; read.csv on the big file) in
# the same run, and the ratio.  Usage: bench_load.sh BUILD_DIR [RUNS]
set -euo pipefail
B=${1:-build}; RUNS=${2:-5}
cd "$(dirname "$0")/.."
big=${PMS_BENCH_TMP:-/tmp}/pmsreview-big.csv
[ -s "$big" ] || awk -v n=2000000 -f bench/gen_payments.awk >"$big"
P14=datasets/nhs-payments/nhs-payments-gp-2014-15.csv
IMD=datasets/practice-imd/practice-imd-fingertips-93553.csv
small=$("$B/bench_load" "$P14" "$RUNS" "$IMD")
echo "$small"
large=$("$B/bench_load" "$big" "$RUNS")
echo "$large"
peak=$( { /usr/bin/time -f '%M' "$B/bench_load" "$big" 1 >/dev/null; } 2>&1 | tail -1)
echo "load 2M rows: peak resident memory $((peak / 1024)) MB for a $(( $(stat -c %s "$big") / 1000000 )) MB file"
if command -v Rscript >/dev/null; then
  ours=$(echo "$small" | sed -E 's/.*runs ([0-9.]+) s.*/\1/')
  r=$(Rscript --vanilla -e '
    t <- replicate('"$RUNS"', system.time({
      p <- read.csv("'"$P14"'", check.names = FALSE, fileEncoding = "UTF-8-BOM")
      i <- read.csv("'"$IMD"'", check.names = FALSE, fileEncoding = "UTF-8-BOM")
      i <- i[i$Year == 2015, c("AreaCode", "Value")]
      m <- merge(p, i, by.x = "Practice Code", by.y = "AreaCode", all.x = TRUE)
    })[["elapsed"]]); cat(median(t))')
  echo "R read.csv + merge (2014/15 + IMD): median ${r} s; pmsreview is $(awk -v a="$r" -v b="$ours" 'BEGIN{printf "%.1f", a/b}')x faster"
  oursbig=$(echo "$large" | sed -E 's/.*runs ([0-9.]+) s.*/\1/')
  rbig=$(Rscript --vanilla -e 'cat(system.time(read.csv("'"$big"'", check.names = FALSE))[["elapsed"]])')
  echo "R read.csv (2M rows, 1 run): ${rbig} s; pmsreview is $(awk -v a="$rbig" -v b="$oursbig" 'BEGIN{printf "%.1f", a/b}')x faster"
fi
