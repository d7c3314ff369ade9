# Reference values for tests/test_correlate.c: base R's cor.test, cov.wt,
# p.adjust, and boot::boot.ci, on the real 2014/15 data (national and Bristol
# CCG 11H) and on small integer data sets built from formulas that the C test
# rebuilds exactly (so no data file is needed).
#
# Formulas computed here by hand (packages not installed), from their sources:
#  * Spearman interval, Bonett & Wright (2000): se(atanh rho) = sqrt((1 + rho^2/2)/(n - 3)).
#  * Kendall interval, Fieller, Hartley & Pearson (1957): se(atanh tau) = sqrt(0.437/(n - 4)).
#  * Partial correlation as ppcor::pcor.test (ppcor/R/ppcor.R): the correlation
#    matrix of (x, y, z...) (Spearman: cor(method = "spearman")), its inverse P,
#    pcor = -P[1,2]/sqrt(P[1,1] P[2,2]), statistic = pcor sqrt((n-2-gp)/(1-pcor^2)),
#    p = 2 pt(-|statistic|, n-2-gp), gp = number of controls.
#  * Weighted Pearson: cov.wt(cbind(x, y), wt = w, cor = TRUE).
#  * Weighted Spearman: weighted Pearson of weighted mid-ranks
#    R_i = sum(w[x < x_i]) + sum(w[x == x_i])/2 (analysis/correlate.h).
#  * Kish effective n = sum(w)^2/sum(w^2); weighted p from t on n_eff - 2 df.
#  * Smallest detectable correlation: tanh((qnorm(1-a/2) + qnorm(power)) se0),
#    se0 = 1/sqrt(m-3) (Pearson, Spearman) or sqrt(0.437/(m-4)) (Kendall).
#  * TOST: max(pnorm((z - atanh d)/se), 1 - pnorm((z + atanh d)/se)), z = atanh(est).
#
#   Rscript tests/reference/correlate.R > tests/reference/correlate.out
suppressPackageStartupMessages(library(boot))

pay <- read.csv("datasets/nhs-payments/nhs-payments-gp-2014-15.csv",
                check.names = FALSE, fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)
imd <- read.csv("datasets/practice-imd/practice-imd-fingertips-93553.csv",
                check.names = FALSE, fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)
imd <- imd[imd$Year == 2015, ]
imd$AreaCode <- toupper(trimws(imd$AreaCode))
imd <- imd[!duplicated(imd$AreaCode), ]
d <- data.frame(code = toupper(trimws(pay[["Practice Code"]])),
                ccg = trimws(pay[["CCG Code"]]),
                total = as.numeric(pay[["Total NHS Payments to General Practice"]]),
                weighted = as.numeric(pay[["Number of Weighted Patients (Last Known Figure)"]]),
                registered = as.numeric(pay[["Number of Registered Patients (Last Known Figure)"]]),
                stringsAsFactors = FALSE)
d$imd2015 <- imd$Value[match(d$code, imd$AreaCode)]
d$ppw <- ifelse(d$weighted > 0, d$total / d$weighted, NA)

out <- function(k, v) cat(sprintf("%s %.17g\n", k, v))

wpearson <- function(x, y, w) cov.wt(cbind(x, y), wt = w, cor = TRUE)$cor[1, 2]
wrank <- function(x, w) sapply(seq_along(x), function(i) sum(w[x < x[i]]) + sum(w[x == x[i]]) / 2)
kish <- function(w) sum(w)^2 / sum(w^2)
se_of <- function(method, est, m) switch(method,
  pearson = 1 / sqrt(m - 3), spearman = sqrt((1 + est^2 / 2) / (m - 3)),
  kendall = sqrt(0.437 / (m - 4)))
ci_of <- function(method, est, m, level = 0.95) {
  se <- se_of(method, est, m); q <- qnorm((1 + level) / 2)
  tanh(atanh(est) + c(-1, 1) * q * se)
}
mindet <- function(method, m, alpha = 0.05, power = 0.8)
  tanh((qnorm(1 - alpha / 2) + qnorm(power)) * se_of(method, 0, m))
tost <- function(method, est, m, delta) {
  se <- se_of(method, est, m); z <- atanh(est); dd <- atanh(delta)
  max(pnorm((z - dd) / se), 1 - pnorm((z + dd) / se))
}

# cor.test for the three methods, with this project's intervals.
tests3 <- function(tag, x, y, delta = 0.1) {
  n <- length(x)
  for (m in c("pearson", "spearman", "kendall")) {
    ct <- suppressWarnings(cor.test(x, y, method = m))
    est <- unname(ct$estimate)
    out(sprintf("%s_%s_n", tag, m), n)
    out(sprintf("%s_%s_est", tag, m), est)
    out(sprintf("%s_%s_stat", tag, m), unname(ct$statistic))
    out(sprintf("%s_%s_p", tag, m), ct$p.value)
    ci <- ci_of(m, est, n)
    if (m == "pearson" && n > 3) stopifnot(abs(ci - ct$conf.int) < 1e-14)
    out(sprintf("%s_%s_lo", tag, m), ci[1]); out(sprintf("%s_%s_hi", tag, m), ci[2])
    out(sprintf("%s_%s_mindet", tag, m), mindet(m, n))
    out(sprintf("%s_%s_tost", tag, m), tost(m, est, n, delta))
  }
}

weighted2 <- function(tag, x, y, w) {
  ne <- kish(w)
  out(sprintf("%s_neff", tag), ne)
  for (m in c("pearson", "spearman")) {
    est <- if (m == "pearson") wpearson(x, y, w) else wpearson(wrank(x, w), wrank(y, w), w)
    t <- est * sqrt((ne - 2) / (1 - est^2))
    ci <- ci_of(m, est, ne)
    out(sprintf("%s_%s_est", tag, m), est)
    out(sprintf("%s_%s_p", tag, m), 2 * pt(-abs(t), ne - 2))
    out(sprintf("%s_%s_lo", tag, m), ci[1]); out(sprintf("%s_%s_hi", tag, m), ci[2])
  }
}

partial2 <- function(tag, x, y, Z) {
  Z <- as.matrix(Z); n <- length(x); gp <- ncol(Z)
  for (m in c("pearson", "spearman")) {
    P <- solve(cor(cbind(x, y, Z), method = m))
    pc <- -P[1, 2] / sqrt(P[1, 1] * P[2, 2])
    st <- pc * sqrt((n - 2 - gp) / (1 - pc^2))
    ci <- ci_of(m, pc, n - gp)
    out(sprintf("%s_%s_est", tag, m), pc)
    out(sprintf("%s_%s_stat", tag, m), st)
    out(sprintf("%s_%s_p", tag, m), 2 * pt(-abs(st), n - 2 - gp))
    out(sprintf("%s_%s_lo", tag, m), ci[1]); out(sprintf("%s_%s_hi", tag, m), ci[2])
  }
}

# --- real data: payments per weighted patient vs IMD 2015 ---
u <- d[!is.na(d$ppw) & !is.na(d$imd2015), ]
out("nat_rows", nrow(d))
out("nat_missing_ppw", sum(is.na(d$ppw)))
out("nat_missing_imd", sum(!is.na(d$ppw) & is.na(d$imd2015)))
tests3("nat", u$imd2015, u$ppw)
weighted2("natw", u$imd2015, u$ppw, u$registered)
partial2("natp", u$imd2015, u$ppw, u$weighted)
b <- u[u$ccg == "11H", ]
tests3("bri", b$imd2015, b$ppw)
weighted2("briw", b$imd2015, b$ppw, b$registered)
partial2("brip", b$imd2015, b$ppw, b$weighted)

# --- Hollander & Wolfe (1973), p. 187: cor.test's own example ---
hw <- read.csv("datasets/classic/hollander_wolfe_cor_test.csv")
tests3("hw", hw$x, hw$y)

# --- formula data sets (rebuilt in tests/test_correlate.c) ---
i <- 1:40; tests3("ties", (i * 7) %% 11, ((i * 5) %% 7) + (i %% 3))
i <- 1:12; tests3("s12", i, (i * 5) %% 13 + 1.25 * i)
i <- 1:30; tests3("s30", (i * 7) %% 31, (i * 11) %% 31 + 0.25 * ((i * 7) %% 31))
i <- 1:60; tests3("s60", (i * 7) %% 61, (i * 13) %% 61 + 0.25 * ((i * 7) %% 61))
out("s60_kendall_exact_p", cor.test((i * 7) %% 61, (i * 13) %% 61 + 0.25 * ((i * 7) %% 61),
                                     method = "kendall", exact = TRUE)$p.value)
i <- 1:12
out("s12_spearman_approx_p", cor.test(i, (i * 5) %% 13 + 1.25 * i, method = "spearman", exact = FALSE)$p.value)
out("s12_kendall_approx_p", cor.test(i, (i * 5) %% 13 + 1.25 * i, method = "kendall", exact = FALSE)$p.value)
i <- 1:5;  tests3("s5", c(2.385, 1.07, 3.91, 0.52, 4.4), c(1.2, 0.3, 2.2, 0.9, 1.8))
i <- 1:30; weighted2("w30", (i * 7) %% 31, (i * 11) %% 31 + (i %% 4), 1 + (i %% 4) * 0.75)
i <- 1:30; partial2("p30", (i * 7) %% 31 + i, (i * 11) %% 31 + i, cbind(i, (i * i) %% 17))

# --- multiple testing: p.adjust ---
pv <- c(0.0001, 0.012, 0.049, 0.2, 0.0335, 0.75, 0.012, 1e-8, 0.5, 0.04)
for (meth in c("holm", "BH", "BY")) {
  pa <- p.adjust(pv, meth)
  for (k in seq_along(pa)) out(sprintf("padj_%s_%d", tolower(meth), k), pa[k])
}

# --- bootstrap intervals from a fixed replicate vector ---
# Replicates r_j = 0.3 + 0.1 * qnorm(((j * 37) %% 1000 + 0.5)/1000) + 0.02 ((j %% 7) - 3)/3,
# j = 1..999, and jackknife values 0.3 + 0.01 * sin(k), k = 1..50.  boot.ci's
# percentile and BCa intervals use its norm.inter quantile rule; BCa's
# acceleration from the jackknife influence values L = (n-1)(t0 - jack), which
# is what empinf(type = "jack") returns (boot:::usual.jack).
j <- 1:999
reps <- 0.3 + 0.1 * qnorm(((j * 37) %% 1000 + 0.5) / 1000) + 0.02 * ((j %% 7) - 3) / 3
k <- 1:50
jack <- 0.3 + 0.01 * sin(k)
t0 <- 0.31
fake <- list(t0 = t0, t = matrix(reps, ncol = 1), R = length(reps), sim = "ordinary",
             stype = "i", call = quote(boot()), data = 1:50, strata = rep(1, 50),
             weights = rep(1 / 50, 50), statistic = function(d, i) 0)
class(fake) <- "boot"
L <- (length(jack) - 1) * (t0 - jack)
for (lev in c(0.95, 0.9)) {
  bp <- boot.ci(fake, conf = lev, type = "perc")$percent
  bb <- boot.ci(fake, conf = lev, type = "bca", L = L)$bca
  tag <- sprintf("boot%02d", round(100 * lev))
  out(paste0(tag, "_perc_lo"), bp[4]); out(paste0(tag, "_perc_hi"), bp[5])
  out(paste0(tag, "_bca_lo"), bb[4]); out(paste0(tag, "_bca_hi"), bb[5])
}
out("boot_accel", sum(L^3) / (6 * sum(L^2)^1.5))
out("boot_z0", qnorm(sum(reps < t0) / length(reps)))

# --- bootstrap standard error on Bristol (different RNG from ours: the C test
# compares only at Monte Carlo tolerance) ---
set.seed(20150401)
bs <- boot(data.frame(x = b$imd2015, y = b$ppw),
           function(d, i) cor(d$x[i], d$y[i], method = "spearman"), R = 4000)
out("bri_boot_spearman_se", sd(bs$t[, 1]))
bc <- boot.ci(bs, type = c("perc", "bca"), L = empinf(bs, type = "jack"))
out("bri_boot_spearman_perc_lo", bc$percent[4]); out("bri_boot_spearman_perc_hi", bc$percent[5])
out("bri_boot_spearman_bca_lo", bc$bca[4]); out("bri_boot_spearman_bca_hi", bc$bca[5])
jk <- sapply(seq_len(nrow(b)), function(i) cor(b$imd2015[-i], b$ppw[-i], method = "spearman"))
out("bri_jack_spearman_1", jk[1]); out("bri_jack_spearman_55", jk[55])
