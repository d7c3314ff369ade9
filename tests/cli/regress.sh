#!/usr/bin/env bash
# End-to-end: pmsreview regress on the real 2014/15 data, its output formats
# (numbers checked against R's lm + sandwich formulas in
# tests/reference/regress.out), exclusions, exit codes and exact messages.
source "$(dirname "$0")/lib.bash" "$@"

P14=$DS/nhs-payments/nhs-payments-gp-2014-15.csv
IMD=$DS/practice-imd/practice-imd-fingertips-93553.csv
REF=$SRC/tests/reference/regress.out
MODEL=(--y payments_per_weighted --x imd2015,weighted_patients
       --log payments_per_weighted,imd2015,weighted_patients)

# The elasticity model, HC3, JSON: every number against R (1e-11 relative: R's
# double QR vs our long-double QR on a well-conditioned design).
run regress --data "$P14" --data "$IMD" "${MODEL[@]}" --robust hc3 --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]) if not l.startswith("#"))
R = lambda k: float(ref[k])
d = json.load(sys.stdin)
c, m = d["coefficients"], d["model"][0]
def close(a, b, tol=1e-11):
    assert abs(a - b) <= tol * abs(b), (a, b)
assert [r["term"] for r in c] == ["(Intercept)", "log(imd2015)", "log(weighted_patients)"]
for i, r in enumerate(c):
    close(r["estimate"], R("ols.coef%d" % i))
    close(r["std_error"], R("ols.hc3.se%d" % i))
    close(r["se_classical"], R("ols.se%d" % i))
    close(r["p_value"], R("ols.hc3.p%d" % i), 1e-9)
    close(r["ci_low"], R("ols.hc3.ci_low%d" % i))
assert m["n"] == int(R("n")) and m["n_excluded"] == 7959 - int(R("n"))
close(m["r_squared"], R("ols.r2")); close(m["adj_r_squared"], R("ols.adj_r2"))
close(m["f"], R("ols.f")); close(m["residual_sd"], R("ols.sigma"))
close(m["robust_wald_f"], R("ols.hc3.wald_f"), 1e-10)
assert m["se_type"] == "hc3" and m["intercept"] is True and m["weight"] is None
ex = {(r["column"], r["reason"]): r["practices"] for r in d["excluded"]}
assert ex == {("payments_per_weighted", "missing"): 36,
              ("payments_per_weighted", "not positive (log)"): 1,
              ("imd2015", "missing"): 121}, ex
assert any("regress: 121 practices excluded: imd2015 missing" == n["detail"]
           for n in d["provenance"]["notes"])
' "$REF" && ok || bad "JSON regress output differs from R"

# Weighted by registered patients, HC1, text.
run regress --data "$P14" --data "$IMD" "${MODEL[@]}" --weight registered_patients --robust hc1
expect_rc 0
expect_out_has "Coefficients (hc1 standard errors, 95% intervals)"
w1=$(awk '$1 == "wls.coef1" {printf "%.6f", $2}' "$REF")
expect_out_has "log(imd2015)            $w1"
expect_out_has "registered_patients"
expect_out_has "7801 of 7959 practices used."

# Defaults (2014/15 + IMD), text: the same elasticity, classical SEs.
run regress "${MODEL[@]}"
expect_rc 0
expect_out_has "log(imd2015)            -0.117201   0.008119  -14.435"
expect_out_has "A log(x) coefficient with log(payments_per_weighted) is an elasticity"

# Bristol (CCG 11H): 55 practices, CSV.
run regress "${MODEL[@]}" --where 'ccg_code = 11H' --format csv
expect_rc 0
expect_out_has "log(payments_per_weighted),55,0,3,52,"

# Through the origin, 90% intervals.
run regress "${MODEL[@]}" --no-intercept --ci-level 0.9 --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]) if not l.startswith("#"))
d = json.load(sys.stdin)
c = d["coefficients"]
assert [r["term"] for r in c] == ["log(imd2015)", "log(weighted_patients)"]
assert abs(c[0]["estimate"] - float(ref["noint.coef0"])) <= 1e-11 * abs(float(ref["noint.coef0"]))
assert abs(d["model"][0]["r_squared"] - float(ref["noint.r2"])) <= 1e-11
assert d["model"][0]["ci_level"] == 0.9
' "$REF" && ok || bad "no-intercept JSON differs from R"

# --help: stdout, exit 0.
run regress --help
expect_rc 0
expect_out_has "Usage: pmsreview regress --y COL --x COL[,COL...]"

# Usage errors: one line plus the hint, exit 1, nothing on stdout.
run regress --x imd2015
expect_rc 1
expect_err "pmsreview: --y is required
Try 'pmsreview regress --help'"
expect_out_empty
run regress --y payments_per_weighted
expect_rc 1
expect_err "pmsreview: --x is required
Try 'pmsreview regress --help'"
run regress --y payments_per_weighted --x imd2015 --robust hc4
expect_rc 1
expect_err "pmsreview: --robust expects hc0, hc1, hc2 or hc3, not 'hc4'
Try 'pmsreview regress --help'"
run regress --y payments_per_weighted --x imd2015 --log imd2019
expect_rc 1
expect_err "pmsreview: --log column 'imd2019' is not --y or one of --x
Try 'pmsreview regress --help'"
run regress --y payments_per_weighted --x imd2015 --ci-level 1.5
expect_rc 1
expect_err "pmsreview: --ci-level must be between 0 and 1, not '1.5'
Try 'pmsreview regress --help'"
run regress --y payments_per_weighted --x imd2015,imd2015
expect_rc 1
expect_err "pmsreview: predictor 'imd2015' is named twice
Try 'pmsreview regress --help'"
run regress --y imd2015 --x imd2015
expect_rc 1
expect_err "pmsreview: 'imd2015' is both the response and a predictor
Try 'pmsreview regress --help'"
run regress --y payments_per_weighted --x imd2015 --bogus
expect_rc 1
expect_err "pmsreview: unknown option '--bogus'
Try 'pmsreview regress --help'"
run regress --y payments_per_weighted --x
expect_rc 1
expect_err "pmsreview: option '--x' needs a value
Try 'pmsreview regress --help'"

# Analysis errors: a clear message, exit 1, no numbers.
run regress --y payments_per_weighted --x imd2015,imd2 --derive 'imd2=imd2015*2+1'
expect_rc 1
expect_err "pmsreview: predictor 'imd2' is a linear combination of the predictors before it and the intercept (design matrix singular)"
expect_out_empty
run regress --y payments_per_weighted --x imd2015,one --derive 'one=imd2015*0+1'
expect_rc 1
expect_err "pmsreview: predictor 'one' is constant: it cannot be separated from the intercept"
run regress --y payments_per_weighted --x nosuch
expect_rc 1
expect_err_has "pmsreview: no column 'nosuch'"
run regress --y payments_per_weighted --x imd2015 --where 'ccg_code = ZZZ'
expect_rc 1
expect_err "pmsreview: the where expression 'ccg_code = ZZZ' matches none of the 7959 rows of $DS/nhs-payments/nhs-payments-gp-2014-15.csv"
run regress --data "$P14" --data "$IMD" --y payments_per_weighted --x imd2015 --derive 'wneg=imd2015-20' --weight wneg
expect_rc 1
expect_err "pmsreview: weight 'wneg' is -5.02234 for practice at line 2 of $P14: weights must be > 0 (exclude such practices with --where 'wneg > 0')"
expect_out_empty

# Bad input data: exit 2.
run regress --data "$FIX/bad_number2.csv" --y total_payments --x global_sum
expect_rc 2
expect_out_empty

# Nearly collinear predictors (x2 = x1 + 1e-7 z, tests/reference/regress_collinear.py):
# exact rational SEs and Wald F (1e-10: measured 3.4e-12), and the note.
python3 -c '
import sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]) if not l.startswith("#"))
print("code,x1,x2,y")
for i in range(14):
    print("P%02d,%s,%s,%s" % (i, ref["d7.x1_%d" % i], ref["d7.x2_%d" % i], ref["d7.y_%d" % i]))
' "$SRC/tests/reference/regress_collinear.out" > "$TMPD/d7.csv"
run regress --data "$TMPD/d7.csv" --y y --x x1,x2 --robust hc3 --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]) if not l.startswith("#"))
R = lambda k: float(ref[k])
d = json.load(sys.stdin)
c, m = d["coefficients"], d["model"][0]
def close(a, b, tol=1e-10):
    assert abs(a - b) <= tol * abs(b), (a, b)
for i, r in enumerate(c):
    close(r["estimate"], R("d7.coef%d" % i))
    close(r["std_error"], R("d7.hc3.se%d" % i))
close(m["robust_wald_f"], R("d7.hc3.wald_f"))
assert m["near_singular"] is True and 6.2e7 < m["condition_number"] < 6.4e7, m
assert any("nearly collinear: x2 is within 1e-7" in n for n in d["model_notes"]), d["model_notes"]
' "$SRC/tests/reference/regress_collinear.out" && ok || bad "nearly collinear design"
run regress --data "$TMPD/d7.csv" --y y --x x1,x2
expect_rc 0
expect_out_has "The predictors are nearly collinear: x2 is within 1e-7 (relative) of the span of the predictors before it and the intercept (condition number 6.3e+07 after centring and scaling; R's lm would drop it and print NA)."

# Writing to a full disk fails cleanly.
"$PMS" regress "${MODEL[@]}" >/dev/full 2>"$TMPD/err"
rc=$?
what="regress >/dev/full"
expect_rc 1
[ "$(cat "$TMPD/err")" = "pmsreview: write error on standard output: No space left on device" ] && ok || bad "stderr: $(cat "$TMPD/err")"
finish
