#!/usr/bin/env bash
# Correlation benchmark on the real 2014/15 data (imd2015 vs payments per
# weighted patient, 7,802 practices): the three coefficients with analytic
# intervals and p-values, and 10,000 BCa bootstrap resamples of Spearman on 2
# threads; then the same work in R in the same run (cor.test x 3; boot with
# R = 10000 on 2 cores and boot.ci BCa) and the ratios.  Medians of RUNS runs
# (R's bootstrap: one run, it takes tens of seconds).
# Usage: bench_correlate.sh BUILD_DIR [RUNS]
set -euo pipefail
B=${1:-build}; RUNS=${2:-5}
cd "$(dirname "$0")/.."
DS=datasets
ours=$("$B/bench_correlate" "$DS" "$RUNS" 20 10000 2)
echo "$ours"
# End to end: load + join + derive + three methods + print.
ts=()
for _ in $(seq "$RUNS"); do
  s=$(date +%s.%N)
  "$B/pmsreview" correlate --x imd2015 --y payments_per_weighted >/dev/null
  e=$(date +%s.%N)
  ts+=("$(awk -v a="$s" -v b="$e" 'BEGIN{print b-a}')")
done
cli=$(printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "pmsreview correlate (load 2014/15 + IMD, 3 methods, text): median ${cli} s"
if command -v Rscript >/dev/null && Rscript -e 'library(boot)' >/dev/null 2>&1; then
  r=$(Rscript --vanilla -e '
    suppressPackageStartupMessages(library(boot))
    p <- read.csv("'"$DS"'/nhs-payments/nhs-payments-gp-2014-15.csv", check.names = FALSE, fileEncoding = "UTF-8-BOM")
    i <- read.csv("'"$DS"'/practice-imd/practice-imd-fingertips-93553.csv", check.names = FALSE, fileEncoding = "UTF-8-BOM")
    i <- i[i$Year == 2015, ]; i$AreaCode <- toupper(trimws(i$AreaCode)); i <- i[!duplicated(i$AreaCode), ]
    w <- p[["Number of Weighted Patients (Last Known Figure)"]]
    y <- ifelse(w > 0, p[["Total NHS Payments to General Practice"]] / w, NA)
    x <- i$Value[match(toupper(trimws(p[["Practice Code"]])), i$AreaCode)]
    ok <- !is.na(x) & !is.na(y); x <- x[ok]; y <- y[ok]
    stopifnot(length(x) == 7802)
    med <- function(f, reps) median(replicate('"$RUNS"', system.time(for (k in 1:reps) f())[["elapsed"]] / reps))
    tp <- med(function() cor.test(x, y, method = "pearson"), 20)
    ts <- med(function() cor.test(x, y, method = "spearman"), 20)
    tk <- med(function() cor.test(x, y, method = "kendall"), 2)
    set.seed(1)
    tb <- system.time({
      b <- boot(data.frame(x, y), function(d, i) cor(d$x[i], d$y[i], method = "spearman"),
                R = 10000, parallel = "multicore", ncpus = 2)
      ci <- boot.ci(b, type = "bca", L = empinf(b, type = "jack"))
    })[["elapsed"]]
    cat(tp, ts, tk, tb, "\n")')
  read -r rp rs rk rb <<<"$r"
  get() { echo "$ours" | sed -n "s/^$1 n=[0-9]* estimate+interval+p: median \([0-9.]*\) ms/\1/p"; }
  op=$(get pearson); os=$(get spearman); ok_=$(get kendall)
  ob=$(echo "$ours" | sed -n 's/^spearman BCa bootstrap R=10000 threads=2 n=[0-9]*: median \([0-9.]*\) s/\1/p')
  ratio() { awk -v r="$1" -v o="$2" 'BEGIN{printf "%.0f", r/o}'; }
  ms() { awk -v r="$1" 'BEGIN{printf "%.3f", r*1e3}'; }
  echo "R cor.test pearson: median $(ms "$rp") ms; pmsreview is $(ratio "$rp" "$(awk -v o="$op" 'BEGIN{print o/1e3}')")x faster"
  echo "R cor.test spearman: median $(ms "$rs") ms; pmsreview is $(ratio "$rs" "$(awk -v o="$os" 'BEGIN{print o/1e3}')")x faster"
  echo "R cor.test kendall: median $(ms "$rk") ms; pmsreview is $(ratio "$rk" "$(awk -v o="$ok_" 'BEGIN{print o/1e3}')")x faster"
  echo "R boot (R=10000, 2 cores) + boot.ci BCa, spearman: ${rb} s; pmsreview is $(ratio "$rb" "$ob")x faster"
fi
