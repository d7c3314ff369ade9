#!/usr/bin/env bash
# End-to-end: pmsreview funnel (numbers against tests/reference/funnel.out, the
# base-R forms of Spiegelhalter 2005 and metafor's DL tau^2), formats, the
# count/percentage reading of proportions, exclusions, exit codes, messages.
source "$(dirname "$0")/lib.bash" "$@"

REF=$SRC/tests/reference/funnel.out
P14=$DS/nhs-payments/nhs-payments-gp-2014-15.csv
MEAN=(--data "$P14" --value payments_per_weighted --size weighted_patients)

# Mean type on the real data, JSON: target, sigma, phi, counts outside.
for od in none multiplicative additive; do
  run funnel "${MEAN[@]}" --overdispersion $od --format json
  expect_rc 0
  printf '%s' "$out" | python3 -c '
import json, sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]))
R = lambda k: float(ref[k])
od = sys.argv[2]
d = json.load(sys.stdin)
f = d["funnel"][0]
close = lambda a, b, t=1e-12: abs(a - b) <= t * abs(b)
assert close(f["target"], R("mean.theta")) and close(f["sigma"], R("mean.sigma"))
assert close(f["phi"], R("mean.phi")) and f["tau2"] == R("mean.tau2")
for lev, key in (("0.95", "95"), ("0.998", "99_8")):
    assert f["above_" + key] == int(R("mean.%s.%s.above" % (od, lev))), key
    assert f["below_" + key] == int(R("mean.%s.%s.below" % (od, lev))), key
assert f["n"] == int(R("mean.n")) and f["n_excluded"] == int(R("mean.missing"))
assert len(d["units"]) == f["n"] and len(d["limits"]) == 200
assert len(d["outliers"]) == f["outside_95"]
z = [abs(r["z"]) for r in d["outliers"]]
assert z == sorted(z, reverse=True)
assert close(d["units"][0]["z"], R("mean.%s.z1" % od))
assert d["outliers"][0]["practice_code"] == "Y02873"
' "$REF" $od && ok || bad "JSON funnel ($od) differs from R"
done

# Proportions from counts and from percentages; exact limits without
# over-dispersion, normal with it.
run funnel --data "$FIX/funnel-prop.csv" --value exceptions --size eligible --type proportion --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]))
R = lambda k: float(ref[k])
f = json.load(sys.stdin)["funnel"][0]
close = lambda a, b, t=1e-12: abs(a - b) <= t * abs(b)
assert f["input"] == "count" and f["limits"] == "exact binomial, interpolated"
assert close(f["target"], R("prop.theta")) and close(f["phi"], R("prop.phi"))
assert f["above_95"] == int(R("prop.none.0.95.above"))
' "$REF" && ok || bad "proportion JSON differs from R"
run funnel --data "$FIX/funnel-prop.csv" --value exceptions --size eligible --type proportion --overdispersion additive --winsorise 0
expect_rc 0
expect_out_has "Limits use variance + tau2."
# JSON: tau2_applied says the additive tau^2 was used (phi_applied is the
# multiplicative model's flag and stays false); added in issue 17.
run funnel --data "$FIX/funnel-prop.csv" --value exceptions --size eligible --type proportion --overdispersion additive --winsorise 0 --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
f = json.load(sys.stdin)["funnel"][0]
assert f["tau2_applied"] is True and f["phi_applied"] is False and f["tau2"] > 0, f
assert f["limits"] == "normal"
' && ok || bad "tau2_applied"
tau=$(awk '$1 == "prop0.tau2" {printf "%.8f", $2}' "$REF")
expect_out_has "$tau"
run funnel --data "$FIX/funnel-pct.csv" --value share_pc --size eligible --type proportion --format csv
expect_rc 0
expect_out_has "proportion,share_pc,eligible,percentage,3,0,"

# Text: summary and outliers only; custom limits name the columns.
run funnel "${MEAN[@]}" --limits 90,99
expect_rc 0
expect_out_has "outside_90"
expect_out_has "high_99"
expect_out_has "Y02873"

# --help.
run funnel --help
expect_rc 0
expect_out_has "Usage: pmsreview funnel --value COL --size COL [--type mean|proportion]"

# Usage errors.
run funnel --size weighted_patients
expect_rc 1
expect_err "pmsreview: --value is required
Try 'pmsreview funnel --help'"
expect_out_empty
run funnel --value payments_per_weighted
expect_rc 1
expect_err "pmsreview: --size is required
Try 'pmsreview funnel --help'"
run funnel --value a --size b --type median
expect_rc 1
expect_err "pmsreview: --type expects mean or proportion, not 'median'
Try 'pmsreview funnel --help'"
run funnel --value a --size b --overdispersion both
expect_rc 1
expect_err "pmsreview: --overdispersion expects none, multiplicative or additive, not 'both'
Try 'pmsreview funnel --help'"
run funnel --value a --size b --winsorise 0.5
expect_rc 1
expect_err "pmsreview: --winsorise must be at least 0 and below 0.5, not '0.5'
Try 'pmsreview funnel --help'"
run funnel --value a --size b --limits 99.8,95
expect_rc 1
expect_err "pmsreview: --limits must increase, as in 95,99.8
Try 'pmsreview funnel --help'"
run funnel --value a --size b --limits 95,100
expect_rc 1
expect_err "pmsreview: --limits: 100 is not a percentage between 0 and 100
Try 'pmsreview funnel --help'"

# Analysis and data errors.
run funnel "${MEAN[@]}" --where 'ccg_code = ZZZ'
expect_rc 1
expect_err "pmsreview: the where expression 'ccg_code = ZZZ' matches none of the 7959 rows of $DS/nhs-payments/nhs-payments-gp-2014-15.csv"
expect_out_empty
run funnel --data "$FIX/funnel-frac.csv" --value exceptions --size eligible --type proportion
expect_rc 2
expect_err "pmsreview: $FIX/funnel-frac.csv:3: eligible is 260.5: a denominator must be a whole number"
expect_out_empty
run funnel "${MEAN[@]}" --type proportion
expect_rc 2
expect_err_has "so the values are not counts; nor percentages"

# Counts or percentages: the row that breaks the rule is the one named
# (issue 17: line 2, a valid count 150 of 200, was blamed for line 3's 60 of 50).
run funnel --data "$FIX/funnel-count-over.csv" --value exceptions --size eligible --type proportion
expect_rc 2
expect_err "pmsreview: $FIX/funnel-count-over.csv:3: exceptions is 60, more than eligible (50), so the values are not counts; nor percentages (line 2: 150 is not between 0 and 100). Say which they are with --input count or --input percentage"
expect_out_empty
run funnel --data "$FIX/funnel-count-over.csv" --value exceptions --size eligible --type proportion --input count
expect_rc 2
expect_err "pmsreview: $FIX/funnel-count-over.csv:3: exceptions is 60: a count cannot be more than eligible (50)"
run funnel --data "$FIX/funnel-count-over.csv" --value exceptions --size eligible --type proportion --input percentage
expect_rc 2
expect_err "pmsreview: $FIX/funnel-count-over.csv:2: exceptions is 150: a percentage must be between 0 and 100"
run funnel --data "$FIX/funnel-pct.csv" --value share_pc --size eligible --type proportion --input count
expect_rc 2
expect_err_has "a count must be a whole number, 0 or more"
run funnel --data "$FIX/funnel-prop.csv" --value exceptions --size eligible --type proportion --input percentage --format csv
expect_rc 0
expect_out_has "proportion,exceptions,eligible,percentage,"
run funnel "${MEAN[@]}" --input count
expect_rc 1
expect_err "pmsreview: --input applies to --type proportion only
Try 'pmsreview funnel --help'"
run funnel --value a --size b --type proportion --input share
expect_rc 1
expect_err "pmsreview: --input expects auto, count or percentage, not 'share'
Try 'pmsreview funnel --help'"
# The real 2018/19 QOF/patient-survey file: 4 practices have more dispensing
# patients than patients; the first is D81035 at line 2329.
QOF=$DS/practice-performance/practice-qof-gpps-2018-19.csv
run funnel --data "$QOF" --value total_disp_patients --size total_patients --type proportion
expect_rc 2
expect_err "pmsreview: $QOF:2329: total_disp_patients is 9104, more than total_patients (9096), so the values are not counts; nor percentages (line 62: 2952 is not between 0 and 100). Say which they are with --input count or --input percentage"
run funnel --data "$QOF" --value total_disp_patients --size total_patients --type proportion --input count
expect_rc 2
expect_err "pmsreview: $QOF:2329: total_disp_patients is 9104: a count cannot be more than total_patients (9096)"

"$PMS" funnel "${MEAN[@]}" >/dev/full 2>"$TMPD/err"
rc=$?
what="funnel >/dev/full"
expect_rc 1
[ "$(cat "$TMPD/err")" = "pmsreview: write error on standard output: No space left on device" ] && ok || bad "stderr: $(cat "$TMPD/err")"
finish
