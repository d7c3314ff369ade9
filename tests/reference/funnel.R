# Reference values for tests/test_funnel.c: funnel-plot limits, z-scores and
# over-dispersion (Spiegelhalter 2005, Stat Med 24:1185 and QSHC 14:347) in
# base R, with the additive tau^2 checked against metafor's DerSimonian-Laird
# estimator (rma(method = "DL")), which equals Spiegelhalter's moment
# estimator when nothing is Winsorised (the inverse-variance mean is the
# pooled target, as the weights are proportional to the sizes).
#
#   Rscript tests/reference/funnel.R > tests/reference/funnel.out
suppressPackageStartupMessages(library(metafor))
out <- function(k, v) cat(sprintf("%s %.17g\n", k, v))

# Interpolated exact binomial limit (Spiegelhalter 2005, appendix A.1.1).
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
tau2_sp <- function(phi, s) { w <- 1 / s^2; I <- length(s)
  max(0, (I * phi - (I - 1)) / (sum(w) - sum(w^2) / sum(w))) }

funnel <- function(tag, y, n, type, q) {
  theta <- sum(n * y) / sum(n)
  sigma <- if (type == "proportion") sqrt(theta * (1 - theta)) else sqrt(sum(n * (y - theta)^2) / (length(y) - 1))
  s <- sigma / sqrt(n); z <- (y - theta) / s
  phi <- winsor_phi(z, q); tau2 <- tau2_sp(phi, s)
  out(paste0(tag, ".theta"), theta); out(paste0(tag, ".sigma"), sigma)
  out(paste0(tag, ".phi"), phi); out(paste0(tag, ".tau2"), tau2)
  if (q == 0) out(paste0(tag, ".tau2_metafor"), rma(yi = y, vi = s^2, method = "DL")$tau2)
  for (od in c("none", "multiplicative", "additive")) {
    se <- switch(od, none = s, multiplicative = if (phi > 1) s * sqrt(phi) else s,
                 additive = sqrt(s^2 + tau2))
    zz <- (y - theta) / se
    exact <- type == "proportion" && (od == "none" || (od == "multiplicative" && phi <= 1) ||
                                      (od == "additive" && tau2 == 0))
    for (lev in c(0.95, 0.998)) {
      if (exact) { lo <- binom_limit(theta, n, (1 - lev) / 2); hi <- binom_limit(theta, n, (1 + lev) / 2) }
      else { zq <- qnorm((1 + lev) / 2); lo <- theta - zq * se; hi <- theta + zq * se }
      key <- sprintf("%s.%s.%g", tag, od, lev)
      out(paste0(key, ".above"), sum(y > hi)); out(paste0(key, ".below"), sum(y < lo))
      out(paste0(key, ".low1"), lo[1]); out(paste0(key, ".high1"), hi[1])
      out(paste0(key, ".lowlast"), lo[length(lo)]); out(paste0(key, ".highlast"), hi[length(hi)])
    }
    out(sprintf("%s.%s.z1", tag, od), zz[1]); out(sprintf("%s.%s.zmax", tag, od), max(abs(zz)))
  }
}

# Hand-sized proportions: 12 units, counts over whole denominators.
cnt <- c(12, 30, 7, 55, 21, 3, 40, 18, 66, 9, 25, 14)
den <- c(150, 260, 90, 400, 210, 60, 300, 170, 420, 120, 200, 95)
funnel("prop", cnt / den, den, "proportion", 0.1)
funnel("prop0", cnt / den, den, "proportion", 0)
out("binom.l025_n50", binom_limit(0.1, 50, 0.025)); out("binom.l975_n50", binom_limit(0.1, 50, 0.975))
out("binom.l999_n1000", binom_limit(0.23, 1000, 0.999)); out("binom.l001_n7", binom_limit(0.4, 7, 0.001))

# Real data: payments per weighted patient, size weighted patients, 2014/15.
pay <- read.csv("datasets/nhs-payments/nhs-payments-gp-2014-15.csv",
                check.names = FALSE, fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)
total <- as.numeric(pay[["Total NHS Payments to General Practice"]])
weighted <- as.numeric(pay[["Number of Weighted Patients (Last Known Figure)"]])
ppw <- ifelse(weighted > 0, total / weighted, NA)
keep <- !is.na(ppw)
out("mean.rows", length(ppw)); out("mean.missing", sum(!keep)); out("mean.n", sum(keep))
y <- ppw[keep]; n <- weighted[keep]
funnel("mean", y, n, "mean", 0.1)
funnel("mean0", y, n, "mean", 0)
