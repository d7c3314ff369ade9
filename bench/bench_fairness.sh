#!/usr/bin/env bash
# Fairness benchmark: the measures, the concentration index, and national
# fairness with 1,000 bootstrap resamples (bench_fairness), then the whole
# command line; where R is installed, the same bootstrap in R (boot::boot with
# a statistic computing weighted Gini, Theil T and C the direct way, then
# boot.ci percentile intervals; boot.ci's BCa fails here with its default
# regression influence values ("estimated adjustment 'a' is NA") and with
# jackknife ones needs 7,922 more evaluations, so R does less work than we do) in the same run, and the ratio.
# Usage: bench_fairness.sh BUILD_DIR [RUNS]
set -euo pipefail
B=${1:-build}; RUNS=${2:-5}
cd "$(dirname "$0")/.."
DS=datasets
ours=$("$B/bench_fairness" "$DS" "$RUNS")
echo "$ours"
ts=()
for _ in $(seq "$RUNS"); do
  s=$(date +%s.%N)
  "$B/pmsreview" fairness --value payments_per_weighted --weight weighted_patients \
      --group ccg_code --rank-by imd2015 --bootstrap 1000 --seed 2015 --format json >/dev/null
  e=$(date +%s.%N)
  ts+=("$(awk -v a="$s" -v b="$e" 'BEGIN{print b-a}')")
done
cli=$(printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "pmsreview fairness (load 2014/15 + IMD, all measures, 1000 resamples, JSON): median ${cli} s"
if command -v Rscript >/dev/null && Rscript -e 'library(boot)' >/dev/null 2>&1; then
  r=$(Rscript --vanilla -e '
    suppressPackageStartupMessages(library(boot))
    p <- read.csv("'"$DS"'/nhs-payments/nhs-payments-gp-2014-15.csv", check.names = FALSE, fileEncoding = "UTF-8-BOM")
    i <- read.csv("'"$DS"'/practice-imd/practice-imd-fingertips-93553.csv", check.names = FALSE, fileEncoding = "UTF-8-BOM")
    i <- i[i$Year == 2015 & !duplicated(i$AreaCode), ]
    w <- p[["Number of Weighted Patients (Last Known Figure)"]]
    x <- ifelse(w > 0, p[["Total NHS Payments to General Practice"]] / w, NA)
    imd <- i$Value[match(p[["Practice Code"]], i$AreaCode)]
    k <- !is.na(x) & x > 0; d <- data.frame(x = x[k], w = w[k], r = imd[k])
    stat <- function(d, idx) {
      d <- d[idx, ]; o <- order(d$x); xo <- d$x[o]; wo <- d$w[o]
      P <- c(0, cumsum(wo)) / sum(wo); L <- c(0, cumsum(wo * xo)) / sum(wo * xo)
      g <- 1 - sum(diff(P) * (L[-1] + L[-length(L)]))
      mu <- sum(d$w * d$x) / sum(d$w); th <- sum(d$w * d$x * log(d$x / mu)) / sum(d$w * d$x)
      e <- d[!is.na(d$r), ]; o <- order(-e$r); W <- sum(e$w)
      R <- numeric(nrow(e)); R[o] <- (cumsum(e$w[o]) - e$w[o] / 2) / W
      m <- sum(e$w * e$x) / W; C <- 2 * sum(e$w * (e$x - m) * (R - 0.5)) / W / m
      c(g, th, C)
    }
    tb <- median(replicate('"$RUNS"', system.time({
      set.seed(2015); b <- boot(d, stat, R = 1000)
      for (j in 1:3) boot.ci(b, type = "perc", index = j) })[["elapsed"]]))
    cat(tb, "\n")')
  ob=$(echo "$ours" | sed -n 's/.*1 thread: median \([0-9.]*\) s/\1/p' | head -1)
  echo "R boot + boot.ci (percentile only: BCa would need n = $(echo "$ours" | sed -n 's/.*measures, \([0-9]*\) practices.*/\1/p') jackknife evaluations more) for Gini, Theil T, C, 1000 resamples: median ${r} s; pmsreview (1 thread) is $(awk -v r="$r" -v o="$ob" 'BEGIN{printf "%.0f", r/o}')x faster"
fi
