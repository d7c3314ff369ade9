# Reference values for tests/test_inequality.c and tests/test_concentration.c.
#
# The packages ineq and DescTools are not installed here, so their formulas are
# written out in base R below, checked against their sources:
#   ineq 0.2-13, R/ineq.R (cran/ineq on GitHub):
#     Gini(x)  = 2 sum(sort(x) * 1:n) / (n sum(x)) - 1 - 1/n
#     Theil(x, parameter = 0) = sum(x log(x/mean(x))) / sum(x)      (Theil T, GE(1))
#     Theil(x, parameter = 1) = -log(exp(mean(log x)) / mean(x))    (Theil L, MLD, GE(0))
#     entropy(x, k) = mean((x/mean(x))^k - 1) / (k (k - 1))          (GE(k))
#     Atkinson(x, e) = 1 - mean((x/mean x)^(1-e))^(1/(1-e)),  e = 1: 1 - geomean/mean
#     Lc(x, n) = (p = cumsum(n)/sum(n), L = cumsum(n x)/sum(n x)) over x sorted
# Weighted forms (weights are masses, not counts) follow the same definitions
# with every mean a weighted mean; the weighted Gini is the area under the
# weighted Lorenz curve, checked here against the independent pairwise form
#   G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu),
# and the concentration index C = 2 cov_w(x, R) / mu is checked against the
# "convenient regression" of O'Donnell et al. (2008) eq. 8.7:
#   2 var_w(R) x/mu = a + b R  =>  b = C.
#
# Data: 2014/15 payments per weighted patient (total NHS payments / weighted
# patients, missing where weighted patients = 0, as the loader derives it),
# weighted by weighted patients; groups: CCG code; ranking: IMD 2015 score,
# descending (most deprived first).  A practice is used if its value is
# present and positive; the concentration index also needs an IMD score.
#
#   Rscript tests/reference/inequality.R > tests/reference/inequality.out

out <- function(k, v) cat(sprintf("%s %.17g\n", k, v))

## Formulas --------------------------------------------------------------
gini_ineq <- function(x) { n <- length(x); x <- sort(x); 2 * sum(x * 1:n) / (n * sum(x)) - 1 - 1/n }
gini_area <- function(x, w) {
  o <- order(x); x <- x[o]; w <- w[o]
  P <- c(0, cumsum(w) / sum(w)); L <- c(0, cumsum(w * x) / sum(w * x))
  1 - sum(diff(P) * (L[-1] + L[-length(L)]))
}
gini_pairs <- function(x, w) {      # O(n^2) time, O(n) memory
  W <- sum(w); mu <- sum(w * x) / W; s <- 0
  for (i in seq_along(x)) s <- s + w[i] * sum(w * abs(x[i] - x))
  s / (2 * W^2 * mu)
}
theil_t <- function(x, w) { mu <- sum(w * x) / sum(w); sum(w * x * log(x / mu)) / sum(w * x) }
theil_t_dec <- function(x, w, g) {
  mu <- sum(w * x) / sum(w); Y <- sum(w * x)
  Wg <- tapply(w, g, sum); Yg <- tapply(w * x, g, sum); mug <- Yg / Wg
  Tg <- sapply(split(seq_along(x), g), function(i) theil_t(x[i], w[i]))
  c(between = sum(Yg / Y * log(mug / mu)), within = sum(Yg / Y * Tg[names(Yg)]))
}
frac_rank <- function(r, w) {     # ascending; ties share (W_before + W_block/2)/W
  W <- sum(w); o <- order(r); ro <- r[o]; wo <- w[o]
  blk <- cumsum(c(TRUE, diff(ro) != 0))
  Wb <- tapply(wo, blk, sum); before <- c(0, cumsum(Wb))[seq_along(Wb)]
  R <- numeric(length(r)); R[o] <- ((before + Wb / 2) / W)[blk]; R
}
conc_cov <- function(x, w, r, descending) {
  R <- frac_rank(if (descending) -r else r, w); W <- sum(w)
  mu <- sum(w * x) / W; Rb <- sum(w * R) / W
  2 * sum(w * (x - mu) * (R - Rb)) / W / mu
}
conc_reg <- function(x, w, r, descending) {
  R <- frac_rank(if (descending) -r else r, w); W <- sum(w)
  mu <- sum(w * x) / W; Rb <- sum(w * R) / W; v <- sum(w * (R - Rb)^2) / W
  unname(coef(lm(I(2 * v * x / mu) ~ R, weights = w))[2])
}

wmean <- function(x, w) sum(w * x) / sum(w)
cv_w <- function(x, w) { mu <- wmean(x, w); sqrt(sum(w * (x - mu)^2) / sum(w)) / mu }
cv_ineq <- function(x) { n <- length(x); sqrt((n - 1) * var(x) / n) / mean(x) }   # ineq var.coeff
hoover_w <- function(x, w) { mu <- wmean(x, w); sum(w * abs(x - mu)) / sum(w) / (2 * mu) }
rs_ineq <- function(x) mean(abs(x - mean(x))) / (2 * mean(x))                        # ineq RS
quant_w <- function(x, w, p) {       # inverse weighted ECDF with R's type-1 fuzz
  o <- order(x); cw <- cumsum(w[o]); W <- sum(w)
  x[o][which(cw >= p * W - 4 * .Machine$double.eps * W)[1]]
}
lorenz_at <- function(x, w, p) {
  o <- order(x); P <- c(0, cumsum(w[o]) / sum(w)); L <- c(0, cumsum(w[o] * x[o]) / sum(w * x))
  approx(P, L, xout = p, ties = "ordered")$y
}
palma_w <- function(x, w) (1 - lorenz_at(x, w, 0.9)) / lorenz_at(x, w, 0.4)
theil_l <- function(x, w) { mu <- wmean(x, w); sum(w * log(mu / x)) / sum(w) }
ge2 <- function(x, w) { mu <- wmean(x, w); sum(w * ((x / mu)^2 - 1)) / sum(w) / 2 }
ge_dec <- function(x, w, g, alpha) {  # Shorrocks (1980): within = sum v^(1-a) s^a GE_g
  GE <- if (alpha == 0) theil_l else ge2
  W <- sum(w); Y <- sum(w * x); mu <- Y / W
  Wg <- tapply(w, g, sum); Yg <- tapply(w * x, g, sum); mug <- Yg / Wg
  GEg <- sapply(split(seq_along(x), g), function(i) GE(x[i], w[i]))[names(Wg)]
  v <- Wg / W; s <- Yg / Y
  between <- if (alpha == 0) sum(v * log(mu / mug)) else sum(v * ((mug / mu)^2 - 1)) / 2
  c(between = between, within = sum(v^(1 - alpha) * s^alpha * GEg))
}
atk_ineq <- function(x, e) if (e == 1) 1 - exp(mean(log(x))) / mean(x) else
  1 - mean((x / mean(x))^(1 - e))^(1 / (1 - e))                                    # ineq Atkinson
atk_w <- function(x, w, e) { mu <- wmean(x, w); f <- w / sum(w)
  if (e == 1) 1 - exp(sum(f * log(x))) / mu else 1 - sum(f * (x / mu)^(1 - e))^(1 / (1 - e)) }
# Kakwani, Wagstaff & van Doorslaer (1997) eq. 14, as rineq's R/ci.R (brechtdv/rineq)
# writes it for unit weights; with weights the linearisation sum f^2 (a - 1 - C)^2.
conc_se <- function(x, w, r, descending) {
  C <- conc_cov(x, w, r, descending); R <- frac_rank(if (descending) -r else r, w)
  f <- w / sum(w); mu <- sum(f * x)
  key <- if (descending) -r else r; o <- order(key); blk <- cumsum(c(TRUE, diff(key[o]) != 0))
  Yb <- tapply(f[o] * x[o] / mu, blk, sum); q1 <- cumsum(Yb); q0 <- q1 - Yb
  Q0 <- Q1 <- numeric(length(x)); Q0[o] <- q0[blk]; Q1[o] <- q1[blk]
  a <- x / mu * (2 * R - 1 - C) + 2 - Q0 - Q1
  ig <- mu * (a - 1 - C) + C * (x - mu)
  c(C = C, se = sqrt(sum(f^2 * (a - 1 - C)^2)), se_kwvd = suppressWarnings(sqrt((mean(a^2) - (1 + C)^2) / length(x))),
    gen = mu * C, se_gen = sqrt(sum(f^2 * ig^2)))
}

## Small hand-checkable sets ----------------------------------------------
x5 <- c(2.385, 7.1, 0.45, 13.9, 7.1); w5 <- c(1.5, 0.25, 3.75, 2.0, 1.125)
out("small.gini_unit", gini_ineq(x5))
out("small.gini_unit_area", gini_area(x5, rep(1, 5)))
out("small.gini_w", gini_area(x5, w5))
out("small.gini_w_pairs", gini_pairs(x5, w5))
out("small.theil_t_unit", theil_t(x5, rep(1, 5)))
out("small.theil_t_ineq", sum(x5 * log(x5 / mean(x5))) / sum(x5))
out("small.theil_t_w", theil_t(x5, w5))
g5 <- c(0, 1, 0, 1, 1)
d <- theil_t_dec(x5, w5, g5)
out("small.theil_t_between", d[["between"]]); out("small.theil_t_within", d[["within"]])
r5 <- c(31.2, 12.5, 44.0, 12.5, 8.3)
out("small.conc_asc", conc_cov(x5, w5, r5, FALSE))
out("small.conc_desc", conc_cov(x5, w5, r5, TRUE))
out("small.conc_desc_reg", conc_reg(x5, w5, r5, TRUE))
out("small.conc_unit_desc", conc_cov(x5, rep(1, 5), r5, TRUE))
# Integer weights are masses: equal to repeating each unit.
xi <- c(3.5, 1.25, 9.0); wi <- c(2, 3, 1)
for (nm in c("small", "smallw")) {
  ww <- if (nm == "small") rep(1, 5) else w5
  out(paste0(nm, ".mean"), wmean(x5, ww)); out(paste0(nm, ".cv"), cv_w(x5, ww))
  out(paste0(nm, ".hoover"), hoover_w(x5, ww)); out(paste0(nm, ".palma"), palma_w(x5, ww))
  out(paste0(nm, ".p10"), quant_w(x5, ww, 0.1)); out(paste0(nm, ".p90"), quant_w(x5, ww, 0.9))
  out(paste0(nm, ".theil_l"), theil_l(x5, ww)); out(paste0(nm, ".ge2"), ge2(x5, ww))
  for (e in c(0.5, 1, 2)) out(sprintf("%s.atkinson_%g", nm, e), atk_w(x5, ww, e))
  dl <- ge_dec(x5, ww, g5, 0); d2 <- ge_dec(x5, ww, g5, 2)
  out(paste0(nm, ".theil_l_between"), dl[["between"]]); out(paste0(nm, ".theil_l_within"), dl[["within"]])
  out(paste0(nm, ".ge2_between"), d2[["between"]]); out(paste0(nm, ".ge2_within"), d2[["within"]])
  cs <- conc_se(x5, ww, r5, TRUE)
  for (k in names(cs)) if (nm == "small" || k != "se_kwvd") out(paste0(nm, ".conc_", k), cs[[k]])
}
# Unit-weight cross-checks against the ineq forms and R's own quantile().
out("small.cv_ineq", cv_ineq(x5)); out("small.rs_ineq", rs_ineq(x5))
out("small.p10_type1", quantile(x5, 0.1, type = 1)); out("small.p90_type1", quantile(x5, 0.9, type = 1))
for (e in c(0.5, 1, 2)) out(sprintf("small.atkinson_ineq_%g", e), atk_ineq(x5, e))
out("small.theil_l_ineq", -log(exp(mean(log(x5))) / mean(x5)))
out("small.ge2_ineq", mean((x5 / mean(x5))^2 - 1) / 2)
x10 <- c(5.5, 1.25, 3.75, 9.5, 2.25, 7.75, 4.5, 8.25, 6.5, 0.75)
out("q10.p10", quantile(x10, 0.1, type = 1)); out("q10.p90", quantile(x10, 0.9, type = 1))
out("q10.p40", quantile(x10, 0.4, type = 1))
out("rep.gini_w", gini_area(xi, wi)); out("rep.gini_repeated", gini_ineq(rep(xi, wi)))

## Real data ---------------------------------------------------------------
pay <- read.csv("datasets/nhs-payments/nhs-payments-gp-2014-15.csv",
                check.names = FALSE, fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)
imd <- read.csv("datasets/practice-imd/practice-imd-fingertips-93553.csv",
                check.names = FALSE, fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)
imd <- imd[imd$Year == 2015, ]
imd$AreaCode <- toupper(trimws(imd$AreaCode))
imd <- imd[!duplicated(imd$AreaCode), ]
D <- data.frame(code = toupper(trimws(pay[["Practice Code"]])),
                ccg = trimws(pay[["CCG Code"]]),
                total = as.numeric(pay[["Total NHS Payments to General Practice"]]),
                weighted = as.numeric(pay[["Number of Weighted Patients (Last Known Figure)"]]),
                stringsAsFactors = FALSE)
D$imd2015 <- imd$Value[match(D$code, imd$AreaCode)]
D$ppw <- ifelse(D$weighted > 0, D$total / D$weighted, NA)
out("rows", nrow(D))
out("missing_value", sum(is.na(D$ppw)))
out("nonpositive_value", sum(!is.na(D$ppw) & D$ppw <= 0))
U <- D[!is.na(D$ppw) & D$ppw > 0, ]
out("n", nrow(U))
x <- U$ppw; w <- U$weighted
out("nat.gini_unit", gini_ineq(x))
out("nat.gini_w", gini_area(x, w))
out("nat.gini_w_pairs", gini_pairs(x, w))
out("nat.theil_t_unit", theil_t(x, rep(1, length(x))))
out("nat.theil_t_w", theil_t(x, w))
d <- theil_t_dec(x, w, U$ccg)
out("nat.ngroups", length(unique(U$ccg)))
out("nat.theil_t_between", d[["between"]]); out("nat.theil_t_within", d[["within"]])
out("nat.mean", wmean(x, w)); out("nat.cv", cv_w(x, w)); out("nat.hoover", hoover_w(x, w))
out("nat.palma", palma_w(x, w)); out("nat.p10", quant_w(x, w, 0.1)); out("nat.p90", quant_w(x, w, 0.9))
out("nat.L40", lorenz_at(x, w, 0.4)); out("nat.L90", lorenz_at(x, w, 0.9))
out("nat.theil_l", theil_l(x, w)); out("nat.ge2", ge2(x, w))
for (e in c(0.5, 1, 2)) out(sprintf("nat.atkinson_%g", e), atk_w(x, w, e))
dl <- ge_dec(x, w, U$ccg, 0); d2 <- ge_dec(x, w, U$ccg, 2)
out("nat.theil_l_between", dl[["between"]]); out("nat.theil_l_within", dl[["within"]])
out("nat.ge2_between", d2[["between"]]); out("nat.ge2_within", d2[["within"]])
out("nat.cv_unit", cv_ineq(x)); out("nat.p10_unit", quantile(x, 0.1, type = 1))
out("nat.p90_unit", quantile(x, 0.9, type = 1))
# Per CCG: n, weighted mean, share of patients, share of funding, Gini inside.
Wt <- sum(w); Yt <- sum(w * x)
for (g in c("11H", "01C", "99A", "08H")) {
  i <- U$ccg == g
  out(paste0("grp.", g, ".n"), sum(i)); out(paste0("grp.", g, ".mean"), wmean(x[i], w[i]))
  out(paste0("grp.", g, ".share_weight"), sum(w[i]) / Wt)
  out(paste0("grp.", g, ".share_amount"), sum(w[i] * x[i]) / Yt)
  out(paste0("grp.", g, ".gini"), gini_area(x[i], w[i]))
}
V <- U[!is.na(U$imd2015), ]
out("conc.missing_rank", sum(is.na(U$imd2015)))
out("conc.n", nrow(V))
out("nat.conc_desc", conc_cov(V$ppw, V$weighted, V$imd2015, TRUE))
out("nat.conc_desc_reg", conc_reg(V$ppw, V$weighted, V$imd2015, TRUE))
out("nat.conc_asc", conc_cov(V$ppw, V$weighted, V$imd2015, FALSE))
out("nat.conc_unit_desc", conc_cov(V$ppw, rep(1, nrow(V)), V$imd2015, TRUE))
cs <- conc_se(V$ppw, V$weighted, V$imd2015, TRUE)
for (k in setdiff(names(cs), "se_kwvd")) out(paste0("nat.conc_", k), cs[[k]])
cs <- conc_se(V$ppw, rep(1, nrow(V)), V$imd2015, TRUE)
for (k in names(cs)) out(paste0("natu.conc_", k), cs[[k]])
out("nat.imd_ties", nrow(V) - length(unique(V$imd2015)))
