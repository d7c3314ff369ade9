# Reference for tests/test_funnel.c (issue 17): an under-dispersed proportion
# set, whose additive tau^2 (Spiegelhalter 2005, QSHC 14:347; DerSimonian-Laird
# from the Winsorised phi) truncates to 0, so the additive model adds nothing
# and the limits stay the interpolated exact binomial ones (Stat Med 24:1185,
# appendix A.1.1).  Base R only (funnel.R needs metafor for another check).
#
#   Rscript tests/reference/funnel_additive0.R > tests/reference/funnel_additive0.out
out <- function(k, v) cat(sprintf("%s %.17g\n", k, v))
binom_limit <- function(theta, n, p) {
  r <- qbinom(p, n, theta)                 # smallest r with F(r) >= p
  F <- pbinom(r, n, theta); Fm <- pbinom(r - 1, n, theta)
  (r - (F - p) / (F - Fm)) / n
}
winsor_phi <- function(z, q) {
  I <- length(z); k <- floor(q * I); s <- sort(z)
  if (k > 0) { s[1:k] <- s[k + 1]; s[(I - k + 1):I] <- s[I - k] }
  mean(s^2)
}
cnt <- c(18, 31, 11, 48, 25, 7, 36, 20, 50, 14, 24, 11)
den <- c(150, 260, 90, 400, 210, 60, 300, 170, 420, 120, 200, 95)
y <- cnt / den
theta <- sum(cnt) / sum(den)
s <- sqrt(theta * (1 - theta) / den)
phi <- winsor_phi((y - theta) / s, 0.1)
w <- 1 / s^2; I <- length(y)
tau2_raw <- (I * phi - (I - 1)) / (sum(w) - sum(w^2) / sum(w))
out("u.theta", theta); out("u.phi", phi); out("u.tau2_raw", tau2_raw); out("u.tau2", max(0, tau2_raw))
for (lev in c(0.95, 0.998)) {
  lo <- binom_limit(theta, den, (1 - lev) / 2); hi <- binom_limit(theta, den, (1 + lev) / 2)
  k <- sprintf("u.%g", lev)
  out(paste0(k, ".low1"), lo[1]); out(paste0(k, ".high1"), hi[1])
  out(paste0(k, ".lowlast"), lo[I]); out(paste0(k, ".highlast"), hi[I])
}
