#!/usr/bin/env bash
# End-to-end: pmsreview premium on the real 2014/15 data against the
# independent pandas recomputation (tests/reference/premium.out, exact pence),
# --locality ordering, and every usage and data error with its exact message,
# exit code and nothing on stdout.
source "$(dirname "$0")/lib.bash" "$@"

REF=$SRC/tests/reference/premium.out

# JSON at the review's prices: the summary record's keys and values, every
# locality's totals to the penny, the review table, the IMD correlation.
for year in 2013 2014; do
  run premium --prices "$year/$(printf '%02d' $(((year + 1) % 100)))" --format json
  expect_rc 0
  printf '%s' "$out" | python3 -c '
import json, sys
from decimal import Decimal
d = json.loads(sys.stdin.read(), parse_float=Decimal)
year = sys.argv[2]
ref = [l.split() for l in open(sys.argv[1])]
nat = next(f for f in ref if f[0] == "national" and f[1] == year)
s = d["summary"]
assert len(s) == 1, s
s = s[0]
pence = lambda v: int(v * 100)
assert s["prices"] == year + "/" + "%02d" % ((int(year) + 1) % 100)
assert float(s["gs_per_weighted"]) == float(nat[2])
assert s["pms_practices"] == int(nat[3]) and s["above_gms"] == int(nat[4]) and s["below_gms"] == int(nat[5])
assert s["premium_total"] == s["premium_total"].quantize(Decimal("0.01"))
assert pence(s["premium_total"]) == int(nat[6]), (s["premium_total"], nat[6])
assert pence(s["after_taper_total"]) == int(nat[7])
assert abs(s["premium_per_weighted"] - Decimal(nat[10])) < Decimal("1e-9")
if year == "2013":
    imd = next(f for f in ref if f[:2] == ["imd", "national"])
    assert s["imd_practices"] == int(imd[2])
    assert abs(s["imd_rho"] - Decimal(imd[3])) < Decimal("1e-9"), (s["imd_rho"], imd[3])
    assert s["imd_verdict"].startswith("correlation shown"), s["imd_verdict"]
    rev = {r["figure"]: r for r in d["review"]}
    r = rev["PMS premium above the GMS equivalent"]
    assert r["nhs_england"] == 325000000 and r["pmsreview"] == s["premium_total"]
    assert r["difference"] == s["premium_total"] - 325000000
    assert rev["PMS premium per weighted patient"]["nhs_england"] == Decimal("13.52")
    assert rev["premium per weighted patient once MPIG is phased out"]["nhs_england"] == Decimal("9.8")
locs = {f[2]: f for f in ref if f[0] == "locality" and f[1] == year}
assert len(d["localities"]) == len(locs), (len(d["localities"]), len(locs))
tot = 0
for l in d["localities"]:
    f = locs[l["locality"]]
    assert l["pms_practices"] == int(f[3]) and l["above_gms"] == int(f[4]) and l["below_gms"] == int(f[5])
    assert pence(l["premium_total"]) == int(f[6]) and pence(l["after_taper_total"]) == int(f[7])
    tot += pence(l["premium_total"])
assert tot == int(nat[6])
codes = [l["locality"] for l in d["localities"]]
assert codes == sorted(codes)
' "$REF" "$year" && ok || bad "JSON premium differs from the reference ($year)"
done

# --locality leads with that locality, named; CSV has one header per table.
run premium --prices 2013/14 --locality 11H --format csv
expect_rc 0
printf '%s\n' "$out" | grep -A1 '^locality,locality_name' | sed -n 2p | grep -q '^11H,Bristol,46,' && ok || bad "11H is not the first locality row"
run premium --prices 2013/14
expect_rc 0
expect_out_has "PMS premium, England (money in pounds)"
expect_out_has "2013/14            66.25                    3.4763          3,006      2,827        179  £416,802,835.75"
expect_out_has "PMS premium above the GMS equivalent                  pounds                       £325,000,000.00  £416,802,835.75"
expect_out_has "no core funding recorded (global sum + MPIG + PMS balance <= 0)        232"

# Usage errors: one line plus the hint, exit 1, nothing on stdout.
hint="Try 'pmsreview premium --help'"
while IFS='|' read -r args msg; do
  # shellcheck disable=SC2086
  run premium $args
  expect_rc 1
  expect_err "pmsreview: $msg
$hint"
  expect_out_empty
done <<'CASES'
--prices 2030/31|--prices 2030/31: no global sum rate (years 2013/14 to 2020/21)
--prices 2013/15|--prices expects a year such as 2013/14, not '2013/15'
--prices abc|--prices expects a year such as 2013/14, not 'abc'
--prices 2013/14 --prices 2014/15|--prices given twice
--locality ZZZ|--locality ZZZ: no PMS practice in the model has that ccg_code
--equivalence 0|--equivalence must be between 0 and 1, not '0'
--bogus|unknown option '--bogus'
--prices|option '--prices' needs a value
extra|unexpected argument 'extra'
CASES

# A file without the PMS balance column (exit 1, as every command's missing
# column), an empty file (bad data, exit 2).
printf 'Practice Code,CCG Code,Contract Type,Number of Weighted Patients (Last Known Figure),Global Sum,MPIG Correction factor\nA1,00K,PMS,100,0,0\n' >"$TMPD/nopms.csv"
run premium --data "$TMPD/nopms.csv"
expect_rc 1
expect_err "pmsreview: no column 'pms_balance' in the data"
expect_out_empty
run premium --data "$FIX/empty.csv"
expect_rc 2
expect_out_empty
# A file with no PMS practice in the model.
printf 'Practice Code,CCG Code,Contract Type,Number of Weighted Patients (Last Known Figure),Global Sum,MPIG Correction factor,Balance of PMS Expenditure\nA1,00K,GMS,100,7000,0,0\n' >"$TMPD/gms.csv"
run premium --data "$TMPD/gms.csv"
expect_rc 1
expect_err "pmsreview: premium: no PMS practice in the data"
expect_out_empty

# Help to stdout, exit 0; a full disk fails cleanly.
run premium --help
expect_rc 0
expect_out_has "Usage: pmsreview premium"
"$PMS" premium >/dev/full 2>"$TMPD/err"
rc=$?
what="pmsreview premium >/dev/full"
expect_rc 1
finish
