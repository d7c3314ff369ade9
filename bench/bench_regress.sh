#!/usr/bin/env bash
# Regression benchmark: the elasticity model log(payments per weighted patient)
# ~ log(IMD 2015) + log(weighted patients) on the 7,801 usable 2014/15
# practices, fit alone (data loaded once), classical and HC3; NIST Filip; and
# the whole command line.  Medians of RUNS runs.  Where R is installed, the same
# work in R in the same run (lm; HC3 by the sandwich formula in base R, since
# the package is not installed) and the ratio.
# Usage: bench_regress.sh BUILD_DIR [RUNS]
set -euo pipefail
B=${1:-build}; RUNS=${2:-5}
cd "$(dirname "$0")/.."
DS=datasets
ours=$("$B/bench_regress" "$DS" "$RUNS" 20)
echo "$ours"
# End to end: load + join + derive + fit + print, HC3.
ts=()
for _ in $(seq "$RUNS"); do
  s=$(date +%s.%N)
  "$B/pmsreview" regress --y payments_per_weighted --x imd2015,weighted_patients \
      --log payments_per_weighted,imd2015,weighted_patients --robust hc3 >/dev/null
  e=$(date +%s.%N)
  ts+=("$(awk -v a="$s" -v b="$e" 'BEGIN{print b-a}')")
done
cli=$(printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "pmsreview regress (load 2014/15 + IMD, hc3, text): median ${cli} s"
if command -v Rscript >/dev/null; then
  r=$(Rscript --vanilla -e '
    p <- read.csv("'"$DS"'/nhs-payments/nhs-payments-gp-2014-15.csv", check.names = FALSE, fileEncoding = "UTF-8-BOM")
    i <- read.csv("'"$DS"'/practice-imd/practice-imd-fingertips-93553.csv", check.names = FALSE, fileEncoding = "UTF-8-BOM")
    i <- i[i$Year == 2015 & !duplicated(paste(i$AreaCode, i$Year)), ]
    d <- data.frame(w = p[["Number of Weighted Patients (Last Known Figure)"]],
                    t = p[["Total NHS Payments to General Practice"]],
                    imd = i$Value[match(p[["Practice Code"]], i$AreaCode)])
    d <- d[d$w > 0 & d$t > 0 & !is.na(d$imd) & d$imd > 0, ]
    y <- log(d$t / d$w); x1 <- log(d$imd); x2 <- log(d$w)
    hc3 <- function(fit) { X <- model.matrix(fit); h <- hatvalues(fit); e <- residuals(fit)
      B <- summary(fit)$cov.unscaled; B %*% crossprod(X * (e / (1 - h))) %*% B }
    med <- function(f, reps) median(replicate('"$RUNS"', system.time(for (k in 1:reps) f())[["elapsed"]] / reps))
    tc <- med(function() summary(lm(y ~ x1 + x2)), 20)
    th <- med(function() { f <- lm(y ~ x1 + x2); sqrt(diag(hc3(f))) }, 20)
    f <- read.table("'"$DS"'/nist-strd/linear-regression/Filip.dat", skip = 60)
    tf <- med(function() summary(lm(V1 ~ poly(V2, 10, raw = TRUE), data = f)), 200)
    te <- median(replicate('"$RUNS"', system.time({
      p <- read.csv("'"$DS"'/nhs-payments/nhs-payments-gp-2014-15.csv", check.names = FALSE, fileEncoding = "UTF-8-BOM")
      i <- read.csv("'"$DS"'/practice-imd/practice-imd-fingertips-93553.csv", check.names = FALSE, fileEncoding = "UTF-8-BOM")
      fit <- lm(y ~ x1 + x2); sqrt(diag(hc3(fit))) })[["elapsed"]]))
    cat(tc, th, tf, te, "\n")')
  read -r rc rh rf re <<<"$r"
  oc=$(echo "$ours" | sed -n 's/.*k=2 classical: median \([0-9.]*\) us/\1/p')
  oh=$(echo "$ours" | sed -n 's/.*k=2 hc3: median \([0-9.]*\) us/\1/p')
  of=$(echo "$ours" | sed -n 's/.*Filip.*median \([0-9.]*\) us/\1/p')
  ratio() { awk -v r="$1" -v o="$2" 'BEGIN{printf "%.1f", r/o}'; }
  echo "R summary(lm) classical: median $(awk -v r="$rc" 'BEGIN{printf "%.1f", r*1e6}') us; pmsreview is $(ratio "$rc" "$(awk -v o="$oc" 'BEGIN{print o/1e6}')")x faster"
  echo "R lm + HC3 (base R sandwich): median $(awk -v r="$rh" 'BEGIN{printf "%.1f", r*1e6}') us; pmsreview is $(ratio "$rh" "$(awk -v o="$oh" 'BEGIN{print o/1e6}')")x faster"
  echo "R summary(lm) Filip: median $(awk -v r="$rf" 'BEGIN{printf "%.1f", r*1e6}') us (and it drops x^10); pmsreview is $(ratio "$rf" "$(awk -v o="$of" 'BEGIN{print o/1e6}')")x faster"
  echo "R read.csv x2 + lm + HC3 (no join/derive): median ${re} s; pmsreview end to end is $(ratio "$re" "$cli")x faster"
fi
