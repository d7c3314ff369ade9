# Reference values for tests/test_bootstrap.c: R's boot package (1.3-28) percentile
# and BCa intervals, with the acceleration from jackknife influence values
# (boot.ci(..., L = empinf(b, type = "jack"))), which is what pms_boot_intervals
# computes.  The replicates themselves come from boot's own RNG; the test feeds
# the same replicate and jackknife vectors to pms_boot_intervals, so only the
# interval arithmetic is compared.
#
#   Rscript tests/reference/bootstrap.R > tests/reference/bootstrap.out
library(boot)
set.seed(20150401)
# A skewed sample (payments are right-skewed): the BCa correction is visible.
x <- round(exp(rnorm(37, 4.4, 0.35)), 3)
gini <- function(v) { v <- sort(v); n <- length(v); sum((2 * seq_len(n) - n - 1) * v) / (n * n * mean(v)) }
stat <- function(d, i) gini(d[i])
out <- function(k, v) cat(sprintf("%s %.17g\n", k, v))
vec <- function(k, v) cat(k, length(v), sprintf("%.17g", v), "\n")
vec("x", x)
jack <- sapply(seq_along(x), function(i) gini(x[-i]))
vec("jack", jack)
for (R in c(999, 1000, 200)) {
  b <- boot(x, stat, R = R)
  vec(sprintf("t.R%d", R), b$t[, 1])
  out(sprintf("t0.R%d", R), b$t0)
  L <- empinf(b, type = "jack")
  for (conf in c(0.95, 0.9)) {
    ci <- boot.ci(b, conf = conf, type = c("perc", "bca"), L = L)
    k <- sprintf("R%d.c%g", R, conf)
    out(paste0(k, ".pct_low"), ci$percent[4]); out(paste0(k, ".pct_high"), ci$percent[5])
    out(paste0(k, ".bca_low"), ci$bca[4]);     out(paste0(k, ".bca_high"), ci$bca[5])
  }
  out(sprintf("R%d.se", R), sd(b$t[, 1]))
  out(sprintf("R%d.z0", R), qnorm(sum(b$t[, 1] < b$t0) / R))
  out(sprintf("R%d.accel", R), sum(L^3) / (6 * sum(L^2)^1.5))
}
