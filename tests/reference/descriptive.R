# Reference values for the weighted descriptive statistics in
# tests/test_nist_univariate.c: R's weighted.mean and cov.wt.
#   Rscript tests/reference/descriptive.R > tests/reference/descriptive.out
# cov.wt(method = "unbiased") divides by 1 - sum(w'^2) with w' = w/sum(w), i.e.
# V1 - V2/V1 before normalising (reliability weights); method = "ML" by V1.
# Frequency weights (denominator sum(w) - 1) have no R function: computed by hand.
x <- c(2.385, -1.25, 7.5, 0.125, 3.875, 11.0625, -4.5, 0.3)
w <- c(1.5, 0.25, 3.0, 2.0, 0.75, 1.125, 4.5, 2.2)
m <- weighted.mean(x, w)
p <- function(k, v) cat(sprintf("%s %.17g\n", k, v))
p("wmean", m)
p("wvar_unbiased", cov.wt(cbind(x), wt = w / sum(w), method = "unbiased")$cov[1, 1])
p("wvar_ml", cov.wt(cbind(x), wt = w / sum(w), method = "ML")$cov[1, 1])
p("wvar_frequency", sum(w * (x - m)^2) / (sum(w) - 1))
p("var", var(x))
