#!/usr/bin/env bash
# End-to-end: pmsreview correlate on the real 2014/15 data (numbers against R's
# cor.test in tests/reference/correlate.out), formats, --by groups that cannot
# be computed, bootstrap determinism across --threads, exact messages and exit
# codes, /dev/full.
source "$(dirname "$0")/lib.bash" "$@"

REF=$SRC/tests/reference/correlate.out
FX=$SRC/tests/fixtures/correlate_groups.csv
XY=(--x imd2015 --y payments_per_weighted)

# National, JSON, every key, the three methods against R (1e-12 relative for
# estimates and intervals, 1e-9 for t/normal p-values: see test_correlate.c).
run correlate "${XY[@]}" --equivalence 0.1 --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]))
R = lambda k: float(ref[k])
d = json.load(sys.stdin)
rs = d["results"]
keys = ["x", "y", "method", "group", "n", "n_excluded", "estimate", "ci_low", "ci_high",
        "ci_method", "p_value", "p_adjusted", "min_detectable", "equivalence_p", "verdict"]
def close(a, b, tol):
    assert abs(a - b) <= tol * abs(b), (a, b)
assert [r["method"] for r in rs] == ["pearson", "spearman", "kendall"]
for r in rs:
    for k in keys: assert k in r, k
    m = r["method"]
    assert r["group"] is None and r["x"] == "imd2015" and r["y"] == "payments_per_weighted"
    assert r["n"] == int(R("nat_%s_n" % m)) and r["n_excluded"] == 157
    close(r["estimate"], R("nat_%s_est" % m), 1e-12)
    close(r["ci_low"], R("nat_%s_lo" % m), 1e-12)
    close(r["ci_high"], R("nat_%s_hi" % m), 1e-12)
    close(r["p_value"], R("nat_%s_p" % m), 1e-9)
    close(r["min_detectable"], R("nat_%s_mindet" % m), 1e-12)
    assert abs(r["equivalence_p"] - R("nat_%s_tost" % m)) <= 1e-13
    assert r["p_adjusted"] >= r["p_value"]
assert rs[0]["verdict"] == "no correlation as large as |r| = 0.1", rs[0]["verdict"]
assert rs[1]["verdict"] == "correlation shown (negative)"
assert rs[1]["ci_method"] == "fisher-z bonett-wright" and rs[2]["ci_method"] == "fisher-z fieller"
assert "boot_bca_low" not in rs[0]
ex = {(r["column"]): r["practices"] for r in d["excluded"]}
assert ex == {"imd2015": 153, "payments_per_weighted": 4}, ex
notes = [n["detail"] for n in d["provenance"]["notes"]]
assert "correlate: 153 practices excluded for payments_per_weighted vs imd2015: imd2015 missing" in notes
' "$REF" && ok || bad "national JSON differs from R"

# Without --equivalence and with --adjust none, those keys are null.
run correlate "${XY[@]}" --method kendall --adjust none --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)["results"][0]
assert r["equivalence_p"] is None and r["p_adjusted"] is None, r
' && ok || bad "keys not asked for are not null"

# Bristol, text: the sentence an analyst pastes, and the honest verdict.
run correlate "${XY[@]}" --where 'ccg_code = 11H'
expect_rc 0
expect_out_has "inconclusive: 55 practices can only detect |r| >= 0.37 (80% power, 5% level)"
expect_out_has "payments_per_weighted vs imd2015: Spearman rho = -0.099 (95% CI -0.355 to 0.172, Fisher z, Bonett-Wright variance), p = 0.472 (AS 89), Holm-adjusted p = 0.943; n = 55 practices. Verdict: inconclusive: 55 practices can only detect |rho| >= 0.37 (80% power, 5% level)."

# Hollander & Wolfe (R's ?cor.test example): exact p-values for n = 9.
run correlate --data "$DS/classic/hollander_wolfe_cor_test.csv" --x x --y y --adjust none --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]))
for r in json.load(sys.stdin)["results"]:
    m = r["method"]
    assert abs(r["p_value"] - float(ref["hw_%s_p" % m])) <= 1e-12 * float(ref["hw_%s_p" % m]), m
    assert abs(r["estimate"] - float(ref["hw_%s_est" % m])) <= 1e-12, m
    assert r["p_method"] == ("t" if m == "pearson" else "exact"), r["p_method"]
' "$REF" && ok || bad "Hollander-Wolfe differs from R"

# The verdict uses the adjusted p: fewer CCGs "shown" under BH than unadjusted.
run correlate "${XY[@]}" --by ccg_code --method spearman --adjust none --format csv
raw=$(printf '%s\n' "$out" | grep -c 'correlation shown')
run correlate "${XY[@]}" --by ccg_code --method spearman --adjust bh --format csv
adj=$(printf '%s\n' "$out" | grep -c 'correlation shown')
[ "$adj" -lt "$raw" ] && [ "$adj" -gt 0 ] && ok || bad "shown: $adj adjusted vs $raw raw"

# --by ccg_code, CSV: Bristol's row equals the --where run.
run correlate "${XY[@]}" --by ccg_code --method spearman --adjust none --format csv
expect_rc 0
bri=$(printf '%s\n' "$out" | grep '^imd2015,payments_per_weighted,spearman,11H,')
want=$(awk '$1 == "bri_spearman_est" {printf "%.4f", $2}' "$REF")
case "$bri" in "imd2015,payments_per_weighted,spearman,11H,55,0,$want,"*) ok ;; *) bad "11H row: $bri" ;; esac
ngroups=$(printf '%s\n' "$out" | awk -F, 'NR > 1 && $3 == "spearman"' | wc -l)
[ "$ngroups" -gt 150 ] && ok || bad "only $ngroups groups"

# Groups that cannot be computed get their reason; the others still print.
run correlate --data "$FX" --x a --y b --by ccg_code --method spearman --format csv
expect_rc 0
expect_out_has "a,b,spearman,G1,5,1,0.8000,"
expect_out_has "a,b,spearman,G2,4,0,,,,,,,,,,cannot compute: 'b' is constant: no correlation is defined"
expect_out_has "a,b,spearman,G3,2,0,,,,,,,,,,cannot compute: only 2 practices have both 'a' and 'b': too few (need at least 3)"
expect_out_has "b,missing,ccg_code,1"

# Weighted and partial.
run correlate "${XY[@]}" --weight registered_patients --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]))
rs = json.load(sys.stdin)["results"]
assert [r["method"] for r in rs] == ["pearson", "spearman"]
for r in rs:
    m = r["method"]
    assert abs(r["estimate"] - float(ref["natw_%s_est" % m])) <= 1e-12 * abs(float(ref["natw_%s_est" % m]))
    assert abs(r["n_eff"] - float(ref["natw_neff"])) <= 1e-9 * float(ref["natw_neff"])
    assert r["ci_method"].endswith("kish-n")
' "$REF" && ok || bad "weighted JSON differs from R"
run correlate "${XY[@]}" --control weighted_patients --method spearman --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]))
r = json.load(sys.stdin)["results"][0]
assert abs(r["estimate"] - float(ref["natp_spearman_est"])) <= 1e-10 * abs(float(ref["natp_spearman_est"]))
assert r["controls"] == "weighted_patients"
' "$REF" && ok || bad "partial JSON differs from R"

# Bootstrap: the same output on 1 and 2 threads, a different one for another seed.
run correlate "${XY[@]}" --where 'ccg_code = 11H' --bootstrap 999 --seed 11 --threads 1 --format csv
expect_rc 0
one=$out
run correlate "${XY[@]}" --where 'ccg_code = 11H' --bootstrap 999 --seed 11 --threads 2 --format csv
[ "$out" = "$one" ] && ok || bad "bootstrap output depends on --threads"
expect_out_has "boot_bca_low"
run correlate "${XY[@]}" --where 'ccg_code = 11H' --bootstrap 999 --seed 12 --threads 2 --format csv
[ "$out" != "$one" ] && ok || bad "bootstrap output ignores --seed"

# --help
run correlate --help
expect_rc 0
expect_out_has "Usage: pmsreview correlate --x COL --y COL[,COL...]"
expect_out_has "Examples:"

# Usage errors: one line plus the hint, exit 1, nothing on stdout.
run correlate --x imd2015
expect_rc 1
expect_err "pmsreview: --y is required
Try 'pmsreview correlate --help'"
expect_out_empty
run correlate "${XY[@]}" --method pearson,foo
expect_rc 1
expect_err "pmsreview: --method expects pearson, spearman or kendall, not 'foo'
Try 'pmsreview correlate --help'"
run correlate "${XY[@]}" --weight registered_patients --method kendall
expect_rc 1
expect_err "pmsreview: kendall cannot be combined with --weight (use pearson or spearman)
Try 'pmsreview correlate --help'"
run correlate "${XY[@]}" --equivalence 1
expect_rc 1
expect_err "pmsreview: --equivalence must be between 0 and 1 (a correlation), not '1'
Try 'pmsreview correlate --help'"
run correlate "${XY[@]}" --adjust hommel
expect_rc 1
expect_err "pmsreview: --adjust expects none, holm, bh or by, not 'hommel'
Try 'pmsreview correlate --help'"
run correlate "${XY[@]}" --weight registered_patients --control weighted_patients
expect_rc 1
expect_err "pmsreview: --weight and --control cannot be combined
Try 'pmsreview correlate --help'"
expect_out_empty
run correlate "${XY[@]}" --control weighted_patients --bootstrap 100
expect_rc 1
expect_err "pmsreview: --bootstrap cannot be combined with --control
Try 'pmsreview correlate --help'"
run correlate --x imd2015 --y imd2015
expect_rc 1
expect_err "pmsreview: 'imd2015' is both --x and --y
Try 'pmsreview correlate --help'"

# Data that cannot give a correlation: a clear message, exit 1 (as regress), no numbers.
run correlate --data "$FX" --x a --y b --where 'ccg_code = G2'
expect_rc 1
expect_err "pmsreview: b vs a (pearson): 'b' is constant: no correlation is defined"
expect_out_empty
run correlate "${XY[@]}" --where 'ccg_code = ZZZ'
expect_rc 1
expect_err "pmsreview: the where expression 'ccg_code = ZZZ' matches none of the 7959 rows of $DS/nhs-payments/nhs-payments-gp-2014-15.csv"
# A derived column whose every value is infinite is all missing (the table never holds inf).
run correlate "${XY[@]/payments_per_weighted/q}" --derive 'q=payments_per_weighted/0'
expect_rc 1
expect_err "pmsreview: q vs imd2015 (pearson): no practice has both 'imd2015' and 'q'"
run correlate --data "$FX" --x a --y b --where 'ccg_code = G3'
expect_rc 1
expect_err "pmsreview: b vs a (pearson): only 2 practices have both 'a' and 'b': too few (need at least 3)"
run correlate --data "$FX" --x a --y b --weight wneg --derive 'wneg=w-11'
expect_rc 1
expect_err "pmsreview: $FX:2: weight 'wneg' is -1: weights must be > 0 (exclude such practices with --where 'wneg > 0')"
expect_out_empty
run correlate "${XY[@]}" --control weighted_patients,w2 --derive 'w2=weighted_patients*2+1'
expect_rc 1
expect_err "pmsreview: payments_per_weighted vs imd2015 (pearson): the controls make the design singular: control 'w2' is a linear combination of the controls before it and the intercept (design matrix singular)"
run correlate --data "$FX" --x a --y b --control a2 --derive 'a2=a*3+1' --where 'ccg_code = G1'
expect_rc 1
expect_err "pmsreview: b vs a (pearson): 'a' is a linear combination of the controls: no partial correlation is defined"

# Writing to a full disk fails cleanly.
"$PMS" correlate "${XY[@]}" >/dev/full 2>"$TMPD/err"
rc=$?
what="correlate >/dev/full"
expect_rc 1
err=$(cat "$TMPD/err")
expect_err_has "write error on standard output"

# Issue 12: the income measure less dispensing and premises, on the shipped 2014/15 data.
run correlate --x imd2015 --y payments_less_dispensing_premises_per_weighted --method spearman --format csv
expect_rc 0
expect_out_has "imd2015,payments_less_dispensing_premises_per_weighted,spearman,,7802,157,-0.0411"
# The practice rules, each exclusion counted with its reason (tests/reference/select.out: 37, 99, 50).
run correlate --x imd2015 --y payments_less_dispensing_premises_per_weighted --method spearman --rules
expect_rc 0
expect_out_has "note: rule nonpositive: 37 practices excluded"
expect_out_has "note: rule part_year: 99 practices excluded: opened after 1 April or closed before 31 March of 2014/15"
expect_out_has "note: rule min_list: 50 practices excluded: fewer than 1000 registered patients (95 by this rule alone)"
run correlate --x imd2015 --y payments_per_weighted --year 2014
expect_rc 1
expect_err "pmsreview: --min-list and --year go with --rules
Try 'pmsreview correlate --help'"
# A --where that matches nothing says so.
run correlate --x imd2015 --y payments_per_weighted --where ccg_code=99Z
expect_rc 1
expect_err "pmsreview: the where expression 'ccg_code=99Z' matches none of the 7959 rows of $DS/nhs-payments/nhs-payments-gp-2014-15.csv"

finish
