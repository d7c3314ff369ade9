#!/usr/bin/env bash
# End-to-end: pmsreview savings on the real 2014/15 data.  JSON money against
# the independent recomputation (tests/reference/savings.out, exact pence),
# the penny identities in every format, the sweep, Bristol, and every error
# with its exact message, exit code and nothing on stdout.
source "$(dirname "$0")/lib.bash" "$@"

REF=$SRC/tests/reference/savings.out
RINI=$SRC/tests/reference/savings.ini

# JSON, every reference scenario: one record per scenario and year with the
# issue's keys, money in pounds with two decimals equal to the reference pence,
# released = reinvested + net saving to the penny; then localities, practices.
run savings --scenarios "$RINI" --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
from decimal import Decimal
raw = sys.stdin.read()
d = json.loads(raw, parse_float=Decimal)
ref = {}
for l in open(sys.argv[1]):
    f = l.split()
    if f[0] == "total": ref[(f[1], int(f[2]))] = f
keys = ["scenario", "year", "released", "reinvested", "net_saving", "practices_losing",
        "practices_gaining", "losing_over_5pct", "losing_over_10pct", "largest_loss",
        "gini_after", "theil_between_after", "concentration_after"]
assert list(d)[:3] == ["provenance", "years", "years_notes"], list(d)
assert "localities" in d and "practices" in d
n = 0
for r in d["years"]:
    for k in keys: assert k in r, k
    f = ref[(r["scenario"], int(r["year"][:4]))]
    pence = lambda v: int(v * 100)
    for k in ("released", "reinvested", "net_saving", "largest_loss"):
        assert r[k] == r[k].quantize(Decimal("0.01")), (k, r[k])
    assert pence(r["released"]) == int(f[3]) and pence(r["reinvested"]) == int(f[4])
    assert pence(r["net_saving"]) == int(f[5]) and pence(r["core_total"]) == int(f[6])
    assert r["released"] == r["reinvested"] + r["net_saving"]
    assert [r["practices_losing"], r["practices_gaining"], r["losing_over_5pct"],
            r["losing_over_10pct"]] == [int(x) for x in f[7:11]], r
    assert pence(r["largest_loss"]) == int(f[11])
    n += 1
assert n == len(ref), (n, len(ref))
# practice rows add up to the locality rows and to the year totals, exactly
from collections import defaultdict
tot = defaultdict(Decimal); loc = defaultdict(Decimal)
for p in d["practices"]:
    tot[(p["scenario"], p["year"])] += p["core"]
    loc[(p["scenario"], p["year"], p["locality"])] += p["core"]
for l in d["localities"]:
    assert loc[(l["scenario"], l["year"], l["locality"])] == l["core"]
for r in d["years"]:
    assert tot[(r["scenario"], r["year"])] == r["core_total"]
' "$REF" && ok || bad "JSON savings differ from the reference"

# Text, Bristol (CCG 11H): 53 practices in the model, the four shipped scenarios.
run savings --where 'ccg_code = 11H' --detail localities
expect_rc 0
expect_out_has "Savings by scenario and year (money in pounds)"
expect_out_has "glidepath4_gms_weighted  2014/15         no    £908,017.80"
expect_out_has "53 practices modelled (7 GMS, 46 PMS); 53 have an IMD 2015 score."
expect_out_has "Transitional protection extends 'cap5' by"
# Default detail: localities in text (no practice schedule), everything in JSON.
run savings --where 'ccg_code = 11H' --scenario cap5
expect_rc 0
expect_out_has "Localities by scenario and year (money in pounds)"
case "$out" in *"Practice schedule"*) bad "text default printed the practice schedule" ;; *) ok ;; esac
run savings --where 'ccg_code = 11H' --scenario cap5 --format json
expect_rc 0
expect_out_has '"practices": ['
run savings --detail years --scenario cap5
expect_out_has "'cap5': after 10 extra years (max_extension_years) 34 practices are still above their target; £5,252,495.72 of premium is not withdrawn."
expect_out_has "The review's five criteria"
expect_out_has "Fairness of core funding per weighted patient, before the review and after each year"

# Deterministic: the same inputs give byte-identical output (past the
# provenance line, which records the command line).
run savings --where 'ccg_code = 11H' --format json
a=$(printf '%s\n' "$out" | tail -n +3)
run savings --where 'ccg_code = 11H' --format json --threads 2
b=$(printf '%s\n' "$out" | tail -n +3)
if [ -n "$a" ] && [ "$a" = "$b" ]; then ok; else bad "JSON output differs between runs"; fi

# CSV: the years table first, one header.
run savings --format csv --detail years --scenario no_change
expect_rc 0
first=$(printf '%s\n' "$out" | head -1)
case "$first" in scenario,year,extension,released,released_new,reinvested,net_saving,*) ok ;;
  *) bad "CSV header: $first" ;; esac
expect_out_has "no_change,2015/16,false,0.00,0.00,0.00,0.00,0.00,0.00,-17773087.90,"

# Sweep: 61 points of the cap, net saving falls as the cap rises; same rows
# with 1 and 2 threads.
run savings --sweep cap=0:30:0.5 --scenario cap5 --format csv --threads 1
expect_rc 0
one=$out
printf '%s\n' "$out" | python3 -c '
import csv, sys
rows = []
for r in csv.DictReader(sys.stdin):
    if r["scenario"] == "scenario": break
    rows.append(r)
assert len(rows) == 61, len(rows)
assert [float(r["value"]) for r in rows] == [i * 0.5 for i in range(61)]
rel = [float(r["released_final"]) for r in rows]
assert all(a >= b for a, b in zip(rel, rel[1:])), "released must fall as the cap rises"
' && ok || bad "sweep table"
run savings --sweep cap=0:30:0.5 --scenario cap5 --format csv --threads 2
if [ "$out" = "$one" ]; then ok; else bad "sweep differs between 1 and 2 threads"; fi
run savings --sweep target=0:2:1 --format json
expect_rc 0
expect_out_has '"scenario": "glidepath4_gms_weighted"'

# Errors: exact messages, exit codes, nothing on stdout.
err_case() { # RC MESSAGE ARGS...
  local want_rc=$1 want=$2; shift 2
  run savings "$@"
  expect_rc "$want_rc"
  expect_err "$want"
  expect_out_empty
}
TRY="Try 'pmsreview savings --help'"
SHIPPED=$DS/pms-review-scenarios.ini
err_case 1 "pmsreview: no scenario 'nope' in $SHIPPED
$TRY" --scenario nope
err_case 1 "pmsreview: --sweep expects PARAM=FROM:TO:STEP, not 'cap=0:1'
$TRY" --sweep cap=0:1
err_case 1 "pmsreview: --sweep unknown parameter 'foo' (target, cap, percent, retention, protect_pct, protect_per_wp, reinvest_pct or keep_for_services)
$TRY" --sweep foo=0:1:1
err_case 1 "pmsreview: --sweep needs 0 <= FROM <= TO and STEP > 0, not 'cap=5:1:1'
$TRY" --sweep cap=5:1:1
err_case 1 "pmsreview: --sweep target does not apply to scenario 'cap5' (method cap)
$TRY" --sweep target=0:1:0.5 --scenario cap5
err_case 1 "pmsreview: --sweep percent: no scenario in $SHIPPED uses it (name one with --scenario)
$TRY" --sweep percent=0:10:1
err_case 1 "pmsreview: --sweep runs one scenario: give at most one --scenario
$TRY" --sweep cap=0:1:1 --scenario cap5 --scenario no_change
err_case 1 "pmsreview: --detail expects years, localities or all, not 'some'
$TRY" --detail some
err_case 1 "pmsreview: --scenarios given twice
$TRY" --scenarios a.ini --scenarios b.ini
err_case 2 "pmsreview: $TMPD/none.ini: cannot open: No such file or directory" --scenarios "$TMPD/none.ini"
err_case 1 "pmsreview: --sweep protect_pct = 101: scenario 'cap5': rates must be between 0 and 1,000,000 pounds per weighted patient and percentages between 0 and 100" \
  --sweep protect_pct=99:101:1 --scenario cap5

# Bad scenario files: FILE:LINE: message, exit 2.
ini() { printf "$2" >"$TMPD/$1.ini"; }
ini unknown '[a]\nstart_year = 2014/15\nyears = 4\nmethod = glidepath\nspeed = 3\n'
err_case 2 "pmsreview: $TMPD/unknown.ini:5: unknown key 'speed' in [a]" --scenarios "$TMPD/unknown.ini"
ini negative '[a]\nstart_year = 2014/15\nyears = 4\nmethod = cap\ncap = -5\n'
err_case 2 "pmsreview: $TMPD/negative.ini:5: cap is negative (-5): a rate in pounds per weighted patient must be >= 0" \
  --scenarios "$TMPD/negative.ini"
ini early '[a]\nstart_year = 2013/14\nyears = 4\nmethod = none\n'
err_case 1 "pmsreview: $TMPD/early.ini:2: start_year 2013/14 is before the payments data (2014/15)" \
  --scenarios "$TMPD/early.ini"
ini late '[a]\nstart_year = 2016/17\nyears = 3\nmethod = none\n'
err_case 1 "pmsreview: $TMPD/late.ini:2: year 2018/19 of scenario 'a' has no global sum rate (add it to [global_sum])" \
  --scenarios "$TMPD/late.ini"
ini method '[a]\nstart_year = 2014/15\nyears = 4\nmethod = axe\n'
err_case 2 "pmsreview: $TMPD/method.ini:4: method must be none, glidepath, cap, percent or pace, not 'axe'" \
  --scenarios "$TMPD/method.ini"
ini column '[a]\nstart_year = 2014/15\nyears = 2\nmethod = cap\ncap = 5\nretention_column = offer\nretention = 2\n'
err_case 1 "pmsreview: $TMPD/column.ini:6: retention column 'offer' is not in the data" \
  --scenarios "$TMPD/column.ini"
ini locality '[model]\nlocality = pcn_code\n[a]\nstart_year = 2014/15\nyears = 1\nmethod = none\n'
err_case 1 "pmsreview: $TMPD/locality.ini:2: locality column 'pcn_code' is not in the data" \
  --scenarios "$TMPD/locality.ini"
ini dep '[a]\nstart_year = 2014/15\nyears = 1\nmethod = cap\ncap = 1\nreinvest = deprivation\n'
err_case 1 "pmsreview: $TMPD/dep.ini:6: reinvest = deprivation needs the imd2015 column (join the practice IMD file to the data)" \
  --scenarios "$TMPD/dep.ini" --data "$DS/nhs-payments/nhs-payments-gp-2014-15.csv"

# Offer-based retention from a yes/no column: dispensing practices keep £3 more.
ini keep '[a]\nstart_year = 2014/15\nyears = 2\nmethod = cap\ncap = 0\nretention_column = dispensing_practice\nretention = 3\nreinvest = weighted\n'
run savings --scenarios "$TMPD/keep.ini" --detail years --format csv
expect_rc 0
expect_out_has "a,2015/16,false,"

# Issue 13: the locality first, with its name; the like-for-like table; the
# practice comparison across scenarios; the QIPP option saves money in 2014/15.
run savings --locality 11H --detail years
expect_rc 0
first=$(printf '%s\n' "$out" | head -1)
if [ "$first" = "Bristol (11H): savings by scenario and year (£ thousand)" ]; then ok; else bad "savings --locality 11H leads with '$first'"; fi
line=$(printf '%s\n' "$out" | grep -m1 '^Bristol (11H) *QIPP: half saved')
case "$line" in *" 2014/15 "*"908.0"*"454.0"*"454.0"*) ok ;; *) bad "Bristol QIPP 2014/15 line: $line" ;; esac
expect_out_has "Scenarios like for like: first year, full year and a common horizon (£ thousand)"
expect_out_has "England (every practice modelled)"
run savings --locality 11H --scenario qipp4_half --scenario service_premium --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
keys = list(d)
assert keys.index("locality_years") < keys.index("years"), keys
pc = d["practice_comparison"]
assert len(pc) == 53, len(pc)
for p in pc:
    for s in ("qipp4_half", "service_premium"):
        assert abs(p["core_after_" + s] - p["core_before"] - p["change_" + s]) < 0.005
cmp = d["comparison"]
assert [c["area"] for c in cmp][:2] == ["Bristol (11H)"] * 2, cmp
q = [c for c in cmp if c["scenario"] == "qipp4_half" and c["area"].startswith("England")][0]
assert q["first_year"] == "2014/15" and q["first_year_net_saving_k"] > 0, q
assert q["horizon"] == "2014/15 to 2017/18"
# the net saving over the horizon is the four years of the schedule, exactly
ys = [y for y in d["years"] if y["scenario"] == "qipp4_half"]
assert abs(sum(y["net_saving"] for y in ys) / 1000 - q["horizon_net_saving_k"]) < 1e-6
' && ok || bad "savings --locality 11H JSON"
# done-when: reinvest_pct = 50 reinvests half of what each locality releases, within a penny
run savings --scenario qipp4_half --detail localities --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
from decimal import Decimal
d = json.loads(sys.stdin.read(), parse_float=Decimal)
n = 0
for l in d["localities"]:
    assert abs(2 * l["reinvested"] - l["released"]) <= Decimal("0.02"), l
    assert l["net_saving"] == l["released"] - l["reinvested"], l
    n += 1
assert n > 200 * 4, n
assert d["years"][0]["net_saving"] > 0
' && ok || bad "reinvest_pct = 50 is not half per locality"
run savings --locality 99Z
expect_rc 1
expect_err "pmsreview: --locality 99Z: no practice in the model has ccg_code = 99Z
$TRY"
run savings --horizon 0
expect_rc 1
expect_err "pmsreview: --horizon expects a whole number of years from 1 to 50, not '0'
$TRY"
# Sweeps over the new keys.
run savings --sweep reinvest_pct=0:100:50 --scenario qipp4_half --format csv --threads 1
expect_rc 0
expect_out_has "qipp4_half,reinvest_pct,50.00,"
run savings --sweep keep_for_services=0:5:2.5 --format csv --threads 1
expect_rc 0
expect_out_has "glidepath4_gms_weighted,keep_for_services,2.50,"
err_case 1 "pmsreview: --sweep reinvest_pct does not apply to scenario 'qipp4_saved' (method glidepath, reinvest none)
$TRY" --sweep reinvest_pct=0:100:50 --scenario qipp4_saved

# Issue 11 item 7: no silent cap on scenarios (64 before).
{ for i in $(seq 1 70); do printf '[s%02d]\nstart_year = 2014/15\nyears = 1\nmethod = percent\npercent = %d\n' "$i" "$i"; done; } >"$TMPD/many.ini"
run savings --scenarios "$TMPD/many.ini" --detail years --format csv
expect_rc 0
expect_out_has "s70,2014/15,"
# ... and the report runs every scenario too (16 before, silently).
{ for i in $(seq 1 17); do printf '[s%02d]\nlabel = Cut %d%%\nstart_year = 2014/15\nyears = 1\nmethod = percent\npercent = %d\n' "$i" "$i" "$i"; done; } >"$TMPD/s17.ini"
printf '[report]\nlocality = 11H\ncharts = no\nbootstrap = 20\n[data.main]\npayments = %s\njoin = %s\ndeprivation = imd2015\n[savings]\nscenarios = s17.ini\n' \
  "$DS/nhs-payments/nhs-payments-gp-2014-15.csv" "$DS/practice-imd/practice-imd-fingertips-93553.csv" >"$TMPD/r17.ini"
"$PMS" report --config "$TMPD/r17.ini" --out "$TMPD/r17" >"$TMPD/r17.out" 2>&1
rc=$?
what="report with 17 scenarios"
expect_rc 0
/usr/bin/python3 - "$TMPD/r17" <<'PY' && ok || bad "report with 17 scenarios"
import sys, openpyxl
d = sys.argv[1]
summary = open(d + "/summary.txt", encoding="utf-8").read()
assert "\n- Cut 17%: Bristol (11H) releases" in summary
wb = openpyxl.load_workbook(d + "/pmsreview-report.xlsx")
# One table per sheet: the locality's years lead the savings sheets.
first = [n for n in wb.sheetnames if n.startswith("Savings")][0]
assert wb[first]["A1"].value == "Bristol (11H): savings by scenario and year (\u00a3 thousand)", first
ws = wb["Savings scenarios"]
t = list(ws.tables.values())[0]
n = len(list(ws[t.ref])) - 1
assert n == 17, n
PY

# Issue 11 item 6: values beyond what pence in int64 hold are refused at input.
python3 - "$DS/nhs-payments/nhs-payments-gp-2014-15.csv" "$TMPD/huge.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
h = rows[0]
rows = rows[:4]
rows[3][h.index("Global Sum")] = "6e16"
csv.writer(open(sys.argv[2], "w", newline="")).writerows(rows)
PY
err_case 2 "pmsreview: $TMPD/huge.csv:4: global sum 6e+16 is beyond what the savings model holds (at most 100,000,000,000 pounds in magnitude, so that every total fits in 64-bit pence)" \
  --data "$TMPD/huge.csv"

# Writing to a full disk fails cleanly.
"$PMS" savings --detail years >/dev/full 2>"$TMPD/err"
rc=$?
what="savings >/dev/full"
expect_rc 1
err=$(cat "$TMPD/err")
expect_err "pmsreview: write error on standard output: No space left on device"

# Help.
run savings --help
expect_rc 0
expect_out_has "Usage: pmsreview savings"
finish
