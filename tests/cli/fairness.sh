#!/usr/bin/env bash
# End-to-end: pmsreview fairness on the real 2014/15 data (numbers checked
# against tests/reference/inequality.out, the base-R forms of ineq and KWvD),
# its formats, bootstrap reproducibility, exclusions, exit codes and messages.
source "$(dirname "$0")/lib.bash" "$@"

REF=$SRC/tests/reference/inequality.out
NAT=(--value payments_per_weighted --weight weighted_patients --group ccg_code --rank-by imd2015)

# National, JSON: every measure against R (1e-12 relative: see test_inequality.c).
run fairness "${NAT[@]}" --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]))
R = lambda k: float(ref[k])
d = json.load(sys.stdin)
f = d["fairness"][0]
def close(a, b, tol=1e-11):
    assert abs(a - b) <= tol * abs(b), (a, b)
for k, r in [("gini", "nat.gini_w"), ("theil_t", "nat.theil_t_w"), ("theil_t_between", "nat.theil_t_between"),
             ("theil_t_within", "nat.theil_t_within"), ("theil_l", "nat.theil_l"),
             ("theil_l_between", "nat.theil_l_between"), ("theil_l_within", "nat.theil_l_within"),
             ("ge2", "nat.ge2"), ("ge2_between", "nat.ge2_between"), ("ge2_within", "nat.ge2_within"),
             ("atkinson_0_5", "nat.atkinson_0.5"), ("atkinson_1", "nat.atkinson_1"),
             ("atkinson_2", "nat.atkinson_2"), ("cv", "nat.cv"), ("palma", "nat.palma"),
             ("hoover", "nat.hoover"), ("mean", "nat.mean"), ("concentration_index", "nat.conc_C"),
             ("concentration_index_se", "nat.conc_se"),
             ("generalized_concentration_index", "nat.conc_gen")]:
    close(f[k], R(r))
close(f["p90_p10"], R("nat.p90") / R("nat.p10"), 1e-15)
assert f["n"] == int(R("n")) and f["n_excluded"] == int(R("rows")) - int(R("n"))
assert f["concentration_n"] == int(R("conc.n"))
assert f["concentration_index_ci_method"] == "normal, delta-method SE"
assert "most deprived first" in f["concentration_sign"]
for part in ("theil_t", "theil_l", "ge2"):
    close(f[part + "_between"] + f[part + "_within"], f[part], 1e-13)
L = d["lorenz"]
assert len(L) == 101 and L[0] == {"p": 0, "l": 0} and L[100]["l"] == 1
close(L[40]["l"], R("nat.L40"), 1e-12); close(L[90]["l"], R("nat.L90"), 1e-12)
g = {r["group"]: r for r in d["groups"]}
assert len(g) == int(R("nat.ngroups"))
for c in ("11H", "01C", "99A", "08H"):
    assert g[c]["n"] == int(R("grp.%s.n" % c))
    close(g[c]["gini"], R("grp.%s.gini" % c)); close(g[c]["mean"], R("grp.%s.mean" % c))
    close(g[c]["share_patients"], R("grp.%s.share_weight" % c))
    close(g[c]["share_funding"], R("grp.%s.share_amount" % c))
ex = {(r["column"], r["reason"]): r["practices"] for r in d["excluded"]}
assert ex == {("payments_per_weighted", "missing"): 36, ("payments_per_weighted", "not positive"): 1,
              ("imd2015", "missing (concentration index only)"): 121}, ex
notes = [n["detail"] for n in d["provenance"]["notes"]]
assert "fairness: 1 practice excluded: payments_per_weighted not positive" in notes, notes
' "$REF" && ok || bad "JSON fairness output differs from R"

# Bootstrap: same seed -> byte-identical output on 1 and 2 threads; a
# different seed changes the intervals; BCa limits bracket the estimate.
run fairness "${NAT[@]}" --bootstrap 300 --seed 7 --threads 1 --format json
expect_rc 0
b1=$out
noprov() { printf '%s' "$1" | grep -v '"provenance"'; }   # the command line differs
run fairness "${NAT[@]}" --bootstrap 300 --seed 7 --threads 2 --format json
[ "$(noprov "$out")" = "$(noprov "$b1")" ] && ok || bad "bootstrap output depends on --threads"
run fairness "${NAT[@]}" --bootstrap 300 --seed 8 --threads 2 --format json
[ "$(noprov "$out")" != "$(noprov "$b1")" ] && ok || bad "bootstrap output does not depend on --seed"
printf '%s' "$b1" | python3 -c '
import json, sys
f = json.load(sys.stdin)["fairness"][0]
for k in ("gini", "theil_t", "concentration_index"):
    assert f[k + "_ci_low"] < f[k] < f[k + "_ci_high"], k
    assert f[k + "_pct_low"] < f[k] < f[k + "_pct_high"], k
assert f["bootstrap_replicates"] == 300 and f["seed"] == 7
assert f["concentration_index_ci_method"] == "bootstrap BCa"
' && ok || bad "bootstrap intervals"

# Text: the long table with the sign convention stated.
run fairness "${NAT[@]}"
expect_rc 0
expect_out_has "Inequality of payments_per_weighted weighted by weighted_patients (7922 practices)"
expect_out_has "C < 0 means the amount is concentrated among practices with high ranking values (the more deprived)"
expect_out_has "between/within: exact decomposition over 211 groups of ccg_code"
gini=$(awk '$1 == "nat.gini_w" {printf "%.6f", $2}' "$REF")
expect_out_has "gini                               $gini"

# Bristol (CCG 11H): 55 practices, CSV; unit weights.
run fairness --value payments_per_weighted --where 'ccg_code = 11H' --format csv
expect_rc 0
expect_out_has "payments_per_weighted,,,,55,0,"

# Exclusions by reason, each practice once: a weight derived from IMD is
# missing for 121 practices and <= 0 for 3,452 of the rest.
run fairness --value payments_per_weighted --weight wneg --derive 'wneg=imd2015-20' --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
ex = {(r["column"], r["reason"]): r["practices"] for r in d["excluded"]}
assert ex == {("payments_per_weighted", "missing"): 36, ("payments_per_weighted", "not positive"): 1,
              ("wneg", "missing"): 121, ("wneg", "not positive"): 3452}, ex
assert d["fairness"][0]["n"] == 7959 - 36 - 1 - 121 - 3452
notes = [n["detail"] for n in d["provenance"]["notes"]]
assert "fairness: 3452 practices excluded: wneg not positive" in notes
' && ok || bad "exclusion counts"

# --help: stdout, exit 0.
run fairness --help
expect_rc 0
expect_out_has "Usage: pmsreview fairness --value COL [--weight COL]"
expect_out_has "Examples:"

# Usage errors: one line plus the hint, exit 1, nothing on stdout.
run fairness
expect_rc 1
expect_err "pmsreview: --value is required
Try 'pmsreview fairness --help'"
expect_out_empty
run fairness --value payments_per_weighted --bootstrap 1
expect_rc 1
expect_err "pmsreview: --bootstrap must be 0 (none) or between 2 and 10000000, not '1'
Try 'pmsreview fairness --help'"
run fairness --value payments_per_weighted --ci-level 0
expect_rc 1
expect_err "pmsreview: --ci-level must be between 0 and 1, not '0'
Try 'pmsreview fairness --help'"
run fairness --value a --value b
expect_rc 1
expect_err "pmsreview: --value given twice
Try 'pmsreview fairness --help'"
run fairness --value payments_per_weighted --rank-by
expect_rc 1
expect_err "pmsreview: option '--rank-by' needs a value
Try 'pmsreview fairness --help'"
run fairness --value payments_per_weighted --bogus
expect_rc 1
expect_err "pmsreview: unknown option '--bogus'
Try 'pmsreview fairness --help'"
run fairness --value payments_per_weighted extra
expect_rc 1
expect_err "pmsreview: unexpected argument 'extra'
Try 'pmsreview fairness --help'"

# Analysis errors: a clear message, exit 1, nothing on stdout.
run fairness --value payments_per_weighted --where 'ccg_code = ZZZ'
expect_rc 1
expect_err "pmsreview: the where expression 'ccg_code = ZZZ' matches none of the 7959 rows of $DS/nhs-payments/nhs-payments-gp-2014-15.csv"
expect_out_empty
run fairness --value nosuch
expect_rc 1
expect_err_has "pmsreview: no column 'nosuch'"
run fairness --value payments_per_weighted --rank-by imd2015 --where 'practice_code = Y02822' --where 'ccg_code = 11H'
expect_rc 1
expect_out_empty

# Bad input data: exit 2.
run fairness --data "$FIX/bad_number2.csv" --value total_payments
expect_rc 2
expect_out_empty

# Writing to a full disk fails cleanly.
"$PMS" fairness "${NAT[@]}" >/dev/full 2>"$TMPD/err"
rc=$?
what="fairness >/dev/full"
expect_rc 1
[ "$(cat "$TMPD/err")" = "pmsreview: write error on standard output: No space left on device" ] && ok || bad "stderr: $(cat "$TMPD/err")"
finish
