# What R gets on the NIST StRD files: log relative errors (LRE) of mean(),
# sd(), acf() lag 1, and lm() coefficients, their standard errors, the
# residual SD (sigma) and R-squared, against the certified values.
#
# tests/test_nist_univariate.c and tests/test_nist_regress.c require
# pmsreview's LRE to be at least R's on every statistic.  Run from the source
# tree:   Rscript tests/reference/nist_lre.R > tests/reference/nist_lre.out
#
# LRE = -log10(|computed - certified| / |certified|), or -log10(|computed -
# certified|) when the certified value is 0 (NIST's convention), capped at 15.
# A value R does not produce (lm drops an aliased column: Filip) scores 0.
# Polynomial models use raw powers x^1..x^d, exactly as NIST states the model;
# lm() is called with its defaults (tol = 1e-7), which is what users run.

lre <- function(got, want) {
  if (is.na(got)) return(0)
  d <- abs(got - want)
  if (d == 0) return(15)
  l <- if (want != 0) -log10(d / abs(want)) else -log10(d)
  min(15, max(0, l))
}

read_strd <- function(path) {
  lines <- readLines(path)
  # Certified univariate values: the number after the last ':' of the line
  # that starts with the label ("Sample Mean  ybar:  1.2", "Sample Mean: 1000000.2").
  num_after <- function(label) {
    hit <- grep(paste0("^", label), lines, value = TRUE)[1]
    if (is.na(hit)) return(NA)
    as.numeric(trimws(sub(".*:", "", hit)))
  }
  start <- max(grep("^Data:", lines))
  rows <- lines[(start + 1):length(lines)]
  rows <- trimws(rows)
  rows <- rows[nzchar(rows) & !grepl("^--", rows)]
  vals <- do.call(rbind, lapply(strsplit(rows, "[[:space:]]+"), as.numeric))
  list(lines = lines, data = vals, num_after = num_after)
}

fmt <- function(key, v) cat(sprintf("%s %.2f\n", key, v))

udir <- "datasets/nist-strd/univariate"
for (name in c("PiDigits", "Lottery", "Lew", "Mavro", "Michelso",
               "NumAcc1", "NumAcc2", "NumAcc3", "NumAcc4")) {
  f <- read_strd(file.path(udir, paste0(name, ".dat")))
  y <- f$data[, 1]
  cm <- f$num_after("Sample Mean")
  cs <- f$num_after("Sample Standard Deviation")
  cr <- f$num_after("Sample Autocorrelation")
  r1 <- acf(y, lag.max = 1, plot = FALSE, demean = TRUE)$acf[2]
  fmt(paste0(name, ".mean"), lre(mean(y), cm))
  fmt(paste0(name, ".sd"), lre(sd(y), cs))
  fmt(paste0(name, ".acf1"), lre(r1, cr))
}

rdir <- "datasets/nist-strd/linear-regression"
for (name in c("Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley",
               "Wampler1", "Wampler2", "Wampler3", "Wampler4", "Wampler5")) {
  f <- read_strd(file.path(rdir, paste0(name, ".dat")))
  L <- f$lines
  bl <- grep("^[[:space:]]*B[0-9]+[[:space:]]+[-0-9.]", L, value = TRUE)
  bt <- do.call(rbind, strsplit(trimws(bl), "[[:space:]]+"))
  idx <- as.integer(sub("B", "", bt[, 1]))
  cb <- as.numeric(bt[, 2]); csd <- as.numeric(bt[, 3])
  rsd_line <- grep("^[[:space:]]*Standard Deviation[[:space:]]+[-0-9.]", L, value = TRUE)
  c_rsd <- as.numeric(sub(".*Deviation[[:space:]]+", "", trimws(rsd_line)))
  c_r2 <- as.numeric(sub(".*R-Squared[[:space:]]+", "", trimws(grep("R-Squared", L, value = TRUE))))
  y <- f$data[, 1]
  intercept <- 0 %in% idx
  slopes <- length(idx) - intercept
  X <- if (ncol(f$data) == 2) outer(f$data[, 2], seq_len(slopes), "^") else f$data[, -1, drop = FALSE]
  colnames(X) <- paste0("x", seq_len(ncol(X)))
  fit <- if (intercept) lm(y ~ X) else lm(y ~ 0 + X)
  s <- summary(fit)
  b <- coef(fit)
  se <- rep(NA_real_, length(b)); names(se) <- names(b)
  se[rownames(s$coefficients)] <- s$coefficients[, 2]
  for (j in seq_along(idx)) {
    fmt(sprintf("%s.b%d", name, idx[j]), lre(unname(b[j]), cb[j]))
    fmt(sprintf("%s.se%d", name, idx[j]), lre(unname(se[j]), csd[j]))
  }
  fmt(paste0(name, ".resid_sd"), lre(s$sigma, c_rsd))
  fmt(paste0(name, ".r2"), lre(s$r.squared, c_r2))
  if (any(is.na(b)))
    cat(sprintf("# %s: lm dropped %d aliased column(s): %s\n", name, sum(is.na(b)),
                paste(names(b)[is.na(b)], collapse = " ")))
}
cat(sprintf("# %s\n", R.version.string))
