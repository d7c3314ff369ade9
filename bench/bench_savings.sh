#!/usr/bin/env bash
# Savings sweep benchmark: 1,000 grid points over every practice in England
# (2014/15 payments + IMD, 7,461 practices in the model) for 4 years, with
# largest-remainder reinvestment within each CCG, losers and the Gini after.
# Medians of RUNS runs of bench_savings (data loaded once), on 1 and 2 threads,
# and the whole command line.  Where R is installed, the same sweep in
# vectorised base R (double arithmetic, so not exact to the penny beyond 2^53;
# it is timed on 100 points and scaled to 1,000) and the ratio.
# Usage: bench_savings.sh BUILD_DIR [RUNS]
set -euo pipefail
B=${1:-build}; RUNS=${2:-3}
cd "$(dirname "$0")/.."
DS=datasets
ours=$("$B/bench_savings" "$DS" "$RUNS")
echo "$ours"
ts=()
for _ in $(seq "$RUNS"); do
  s=$(date +%s.%N)
  "$B/pmsreview" savings --sweep target=0:49.95:0.05 --scenario glidepath4_gms_weighted \
      --threads 1 --format csv >/dev/null
  e=$(date +%s.%N)
  ts+=("$(awk -v a="$s" -v b="$e" 'BEGIN{print b-a}')")
done
cli=$(printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "pmsreview savings --sweep target=0:49.95:0.05 (load + 1000 points + print, 1 thread): median ${cli} s"
if command -v Rscript >/dev/null; then
  r=$(Rscript --vanilla -e '
    p <- read.csv("'"$DS"'/nhs-payments/nhs-payments-gp-2014-15.csv", check.names = FALSE, fileEncoding = "UTF-8-BOM")
    gs <- p[["Global Sum"]]; mp <- p[["MPIG Correction factor"]]; pb <- p[["Balance of PMS Expenditure"]]
    W <- p[["Number of Weighted Patients (Last Known Figure)"]]; ct <- p[["Contract Type"]]
    keep <- !is.na(gs + mp + pb + W) & W > 0 & gs + mp + pb > 0 & ct %in% c("GMS", "PMS")
    gs <- round(gs[keep] * 100); mp <- round(mp[keep] * 100); pb <- round(pb[keep] * 100)
    W <- W[keep]; pms <- ct[keep] == "PMS"; core0 <- gs + mp + pb
    ccg <- as.integer(factor(p[["CCG Code"]][keep], levels = unique(p[["CCG Code"]][keep])))
    wu <- round(W * 100); S <- as.vector(rowsum(wu, ccg)); n <- length(W); idx <- seq_len(n)
    rates <- c(73.56, 76.14, 80.59, 85.35)
    gini <- function(x, w) { o <- order(x); x <- x[o]; w <- w[o]; a <- w * x
      C <- cumsum(a) - a; 1 - sum(w * (2 * C + a)) / (sum(w) * sum(a)) }
    point <- function(target) {
      cutp <- rep(0, n); corep <- core0; lost5 <- rep(FALSE, n)
      for (t in 1:4) {
        m <- mp * if (t == 1) 1 else (7 - t) / 6
        X <- pmax(0, core0 - round(W * (rates[t] + target) * 100))
        cut <- ifelse(pms, pmax(floor(X * t / 4), cutp), 0)
        pre <- ifelse(pms, core0 - cut, gs + round(m) + pb)
        A <- as.vector(rowsum(cut, ccg))
        q <- A[ccg] * wu / S[ccg]; fl <- floor(q); fr <- q - fl
        R <- A - as.vector(rowsum(fl, ccg))
        o <- order(ccg, -fr, idx); pos <- seq_len(n) - match(ccg[o], ccg[o]) + 1
        extra <- numeric(n); extra[o] <- as.numeric(pos <= R[ccg[o]])
        core <- pre + fl + extra
        lost5 <- lost5 | (corep - core) * 100 > corep * 5
        corep <- core; cutp <- cut
      }
      c(sum(cut), sum(lost5), gini(core / 100 / W, W))
    }
    tm <- median(replicate('"$RUNS"', system.time(for (k in 0:99) point(k * 0.05))[["elapsed"]]))
    cat(tm * 10, "\n")')
  o1=$(echo "$ours" | sed -n 's/.*of target.*1 thread: median \([0-9.]*\) s.*/\1/p')
  echo "R 4.2 (vectorised base R, 100 points x 10): ${r} s for 1000 points; pmsreview (1 thread) is $(awk -v a="$r" -v b="$o1" 'BEGIN{printf "%.0f", a/b}')x faster"
fi
