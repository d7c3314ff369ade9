# Reference values for tests/test_regress.c: R's lm on the real 2014/15 data,
# with heteroscedasticity-consistent (HC0-HC3) covariances computed in base R
# by the formulas of the sandwich package (not installed here):
#   sandwich/R/vcovHC.R, meatHC():  omega = res^2 (HC0), res^2 n/(n-k) (HC1),
#     res^2/(1-h) (HC2), res^2/(1-h)^2 (HC3), where res = estfun[,1] = w*e for a
#     weighted lm (estfun.lm multiplies residuals by the weights), h = hatvalues;
#     meat = crossprod(sqrt(omega) * X)/n;  sandwich() = bread %*% meat %*% bread / n
#     with bread = (X'WX)^-1 * n,  so V = (X'WX)^-1 X' diag(omega) X (X'WX)^-1.
# Robust Wald F of all slopes as lmtest::waldtest(fit, vcov = V, test = "F"):
#   F = b' V^-1 b / q on (q, n - p) df.
#
# Model (an elasticity, as published studies of GP payments use):
#   log(total payments / weighted patients) ~ log(IMD 2015) + log(weighted patients)
# on every 2014/15 practice with payments, weighted patients > 0 and an IMD 2015
# score; weighted by registered patients in the "wtd" fit.
#
#   Rscript tests/reference/regress.R > tests/reference/regress.out

pay <- read.csv("datasets/nhs-payments/nhs-payments-gp-2014-15.csv",
                check.names = FALSE, fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)
imd <- read.csv("datasets/practice-imd/practice-imd-fingertips-93553.csv",
                check.names = FALSE, fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)
imd <- imd[imd$Year == 2015, ]
imd$AreaCode <- toupper(trimws(imd$AreaCode))
imd <- imd[!duplicated(imd$AreaCode), ]            # first value of a repeated code, as the loader

d <- data.frame(code = toupper(trimws(pay[["Practice Code"]])),
                total = as.numeric(pay[["Total NHS Payments to General Practice"]]),
                weighted = as.numeric(pay[["Number of Weighted Patients (Last Known Figure)"]]),
                registered = as.numeric(pay[["Number of Registered Patients (Last Known Figure)"]]),
                stringsAsFactors = FALSE)
d$imd2015 <- imd$Value[match(d$code, imd$AreaCode)]
d$ppw <- ifelse(d$weighted > 0, d$total / d$weighted, NA)   # the loader's derived measure

out <- function(k, v) cat(sprintf("%s %.17g\n", k, v))
out("rows", nrow(d))
# Exclusions, counted in the order the columns are named (y, then x1, x2): a row
# is counted under the first reason that applies.
miss_y <- is.na(d$ppw)
nonpos_y <- !miss_y & d$ppw <= 0
miss_x1 <- !miss_y & !nonpos_y & is.na(d$imd2015)
nonpos_x1 <- !miss_y & !nonpos_y & !miss_x1 & d$imd2015 <= 0
rest <- !(miss_y | nonpos_y | miss_x1 | nonpos_x1)
out("missing_y", sum(miss_y)); out("nonpositive_y", sum(nonpos_y))
out("missing_x1", sum(miss_x1)); out("nonpositive_x1", sum(nonpos_x1))
out("nonpositive_x2", sum(rest & d$weighted <= 0))
u <- d[rest & d$weighted > 0, ]
out("n", nrow(u))

hc <- function(fit, X, w, type) {
  e <- residuals(fit)
  h <- hatvalues(fit)
  n <- nrow(X); k <- ncol(X)
  res <- w * e
  omega <- switch(type, hc0 = res^2, hc1 = res^2 * n / (n - k),
                  hc2 = res^2 / (1 - h), hc3 = res^2 / (1 - h)^2)
  B <- summary(fit)$cov.unscaled
  B %*% crossprod(sqrt(omega) * X) %*% B
}

report <- function(tag, fit, X, w, intercept) {
  s <- summary(fit)
  cf <- s$coefficients
  ci <- confint(fit, level = 0.95)
  ci90 <- confint(fit, level = 0.90)
  for (j in seq_len(nrow(cf))) {
    i <- j - 1
    out(sprintf("%s.coef%d", tag, i), cf[j, 1])
    out(sprintf("%s.se%d", tag, i), cf[j, 2])
    out(sprintf("%s.t%d", tag, i), cf[j, 3])
    out(sprintf("%s.p%d", tag, i), cf[j, 4])
    out(sprintf("%s.ci_low%d", tag, i), ci[j, 1])
    out(sprintf("%s.ci_high%d", tag, i), ci[j, 2])
    out(sprintf("%s.ci90_low%d", tag, i), ci90[j, 1])
  }
  out(paste0(tag, ".sigma"), s$sigma)
  out(paste0(tag, ".r2"), s$r.squared)
  out(paste0(tag, ".adj_r2"), s$adj.r.squared)
  out(paste0(tag, ".f"), s$fstatistic[1])
  out(paste0(tag, ".f_p"), pf(s$fstatistic[1], s$fstatistic[2], s$fstatistic[3], lower.tail = FALSE))
  out(paste0(tag, ".df"), fit$df.residual)
  out(paste0(tag, ".max_h"), max(hatvalues(fit)))
  df <- fit$df.residual
  for (type in c("hc0", "hc1", "hc2", "hc3")) {
    V <- hc(fit, X, w, type)
    se <- sqrt(diag(V))
    b <- coef(fit)
    for (j in seq_along(b)) {
      i <- j - 1
      out(sprintf("%s.%s.se%d", tag, type, i), se[j])
      tt <- b[j] / se[j]
      out(sprintf("%s.%s.p%d", tag, type, i), 2 * pt(abs(tt), df, lower.tail = FALSE))
      out(sprintf("%s.%s.ci_low%d", tag, type, i), b[j] - qt(0.975, df) * se[j])
    }
    sl <- if (intercept) -1 else seq_along(b)
    bs <- b[sl]
    Fw <- as.numeric(t(bs) %*% solve(V[sl, sl, drop = FALSE], bs)) / length(bs)
    out(sprintf("%s.%s.wald_f", tag, type), Fw)
    out(sprintf("%s.%s.wald_p", tag, type), pf(Fw, length(bs), df, lower.tail = FALSE))
  }
}

y <- log(u$ppw); x1 <- log(u$imd2015); x2 <- log(u$weighted)
X <- cbind(1, x1, x2)
fit <- lm(y ~ x1 + x2)
report("ols", fit, X, rep(1, nrow(u)), TRUE)

wts <- u$registered
fitw <- lm(y ~ x1 + x2, weights = wts)
report("wls", fitw, X, wts, TRUE)

X0 <- cbind(x1, x2)
fit0 <- lm(y ~ 0 + x1 + x2)
report("noint", fit0, X0, rep(1, nrow(u)), FALSE)
cat(sprintf("# %s\n", R.version.string))
