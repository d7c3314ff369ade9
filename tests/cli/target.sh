#!/usr/bin/env bash
# End-to-end: pmsreview target on the real 2014/15 data against the
# independent exact recomputation (tests/reference/target.out): in every need x
# value x scope, each pool's fair shares add up to its pot to the penny, every
# practice's target matches (checksum over all practices, and Bristol's one by
# one), Bristol's locality distance, the money to move, the 5%/10% bands and
# Spearman's rho with IMD (tolerance 1e-9: the reference is SciPy's, on the
# same doubles).  Then usage and bad-input errors with exact messages.
source "$(dirname "$0")/lib.bash" "$@"

REF=$SRC/tests/reference/target.out
command -v python3 >/dev/null || { echo "python3 not found"; exit 77; }

# The issue's done-when names the column itself, --need weighted_patients: the
# same analysis as the named alternative, checked against the same reference.
for spec in weighted:weighted registered:registered weighted_imd:weighted_imd \
            weighted:weighted_patients; do
  need=${spec%%:*} arg=${spec#*:}
  for value in core_payments total_payments; do
    [ "$arg" = weighted_patients ] && [ $value != total_payments ] && continue
    for scope in national region locality; do
      run target --need "$arg" --value $value --scope $scope --format json
      expect_rc 0
      printf '%s' "$out" | python3 -c '
import json, sys
from decimal import Decimal
need, value, scope, refpath = sys.argv[1:5]
d = json.loads(sys.stdin.read(), parse_float=Decimal)
pence = lambda v: int(v * 100)
ref = {"pool": {}, "practice": {}}
for l in open(refpath):
    f = l.split()
    if f[1:4] != [need, value, scope]: continue
    if f[0] in ("pool", "practice"): ref[f[0]][f[4]] = f[5:]
    else: ref[f[0]] = f[4:]
s = d["summary"][0]
c = [int(x) for x in ref["config"]]
assert [s["practices"], s["practices_excluded"], pence(s["pot"]), pence(s["to_move"]),
        pence(s["locality_to_move"])] == c[:5], (s, c)
assert [s[k] for k in ("practices_over_5pct", "practices_over_10pct", "practices_under_5pct",
        "practices_under_10pct", "localities_over_5pct", "localities_over_10pct",
        "localities_under_5pct", "localities_under_10pct")] == c[5:13], s
# every pool: the pot equals the reference pot and the targets add up to it
pools = {p["pool"]: p for p in d["pools"]}
assert len(pools) == len(ref["pool"]), (len(pools), len(ref["pool"]))
for name, (n, pot) in ref["pool"].items():
    p = pools[name]
    assert p["practices"] == int(n) and pence(p["pot"]) == int(pot), (name, p)
    assert p["target_total"] == p["pot"], p
# every practice target: checksum in table order; money exactly two decimals
chk, tot = 0, 0
for i, r in enumerate(d["practices"]):
    for k in ("practice_code", "actual", "target", "distance", "distance_pct"): assert k in r
    assert r["target"] == r["target"].quantize(Decimal("0.01"))
    assert r["distance"] == r["actual"] - r["target"]
    chk = (chk + (i + 1) * pence(r["target"])) % (2**61 - 1)
    tot += r["target"]
assert chk == c[13], "practice targets differ from the reference"
assert pence(tot) == c[2]
for r in d["practices"]:
    if r["practice_code"] in ref["practice"]:
        a, t = ref["practice"].pop(r["practice_code"])
        assert (pence(r["actual"]), pence(r["target"])) == (int(a), int(t)), r
assert not ref["practice"], ref["practice"]
# Bristol (11H): the locality row equals the reference sums over its practices
b = [l for l in d["localities"] if l["locality"] == "11H"][0]
n, a, t = (int(x) for x in ref["bristol"][:3])
assert (b["practices"], pence(b["actual"]), pence(b["target"])) == (n, a, t), b
assert pence(b["distance"]) == a - t, b
assert abs(float(b["distance_pct"]) - (a - t) / t) < 1e-15, b
# Spearman of distance_pct with IMD 2015
n, rho = ref["spearman"]
assert s["imd_practices"] == int(n) and abs(float(s["imd_spearman"]) - float(rho)) < 1e-9, s
' $need $value $scope "$REF" && ok || bad "differs from tests/reference/target.out"
    done
  done
done

# Pace of change: every scenario of tests/reference/pace.ini (method = pace;
# the savings scenario and [model] in the same file are left alone), national
# and within each CCG, year by year against the independent recomputation
# (tests/reference/pace.out): pots, money still to move, practices beyond 10%,
# losing, gaining, held by floor or cap, overspend and held back, exactly in
# pence; Bristol's distance to 1e-15.
for scope in national locality; do
  run target --pace "$SRC/tests/reference/pace.ini" --scope $scope --locality 11H --format json
  expect_rc 0
  printf '%s' "$out" | python3 -c '
import json, sys
from decimal import Decimal
scope, refpath = sys.argv[1:3]
d = json.loads(sys.stdin.read(), parse_float=Decimal)
pence = lambda v: int(v * 100)
ref = [l.split() for l in open(refpath) if l.split()[1] == scope]
rows = d["pace"]
assert len(rows) == len(ref), (len(rows), len(ref))
for r, f in zip(rows, ref):
    assert (r["scenario"], r["year"]) == (f[2], int(f[3])), (r, f)
    got = [pence(r["pot"]), pence(r["to_move"]), r["practices_over_10pct"],
           r["practices_under_10pct"], r["losing"], r["gaining"], r["at_floor"], r["at_cap"],
           pence(r["overspend"]), pence(r["held_back"])]
    assert got == [int(x) for x in f[4:14]], (r, f)
    ba, bt = int(f[14]), int(f[15])
    assert abs(float(r["locality_distance_pct"]) - (ba - bt) / bt) < 1e-15, (r, f)
' $scope "$SRC/tests/reference/pace.out" && ok || bad "pace differs from tests/reference/pace.out"
done

# The savings scenarios on the same axis (--scenarios): every savings scenario
# of the shipped file (its two pace scenarios are not savings options), national
# and within each CCG, against the independent recomputation
# (tests/reference/target_options.out): pots before and after, net saving, money
# to move before and after, practices more than 10% over and under, for England
# and for Bristol alone, exactly in pence; Bristol's distance from its share of
# the scope to 1e-15 (one double division each side); removed to 1e-15 likewise.
for scope in national locality; do
  run target --scenarios "$DS/pms-review-scenarios.ini" --scope $scope --locality 11H --format json
  expect_rc 0
  printf '%s' "$out" | python3 -c '
import json, sys
from decimal import Decimal
scope, refpath = sys.argv[1:3]
d = json.loads(sys.stdin.read(), parse_float=Decimal)
pence = lambda v: int(v * 100)
ref = [l.split() for l in open(refpath) if l.split()[1] == scope]
rows = d["options"]
assert len(rows) == 2 * len(ref) == 14, (len(rows), len(ref))
def got(r):
    return [r["practices"], pence(r["pot_before"]), pence(r["pot_after"]), pence(r["net_saving"]),
            pence(r["to_move_before"]), pence(r["to_move_after"]), r["over10_before"],
            r["over10_after"], r["under10_before"], r["under10_after"]]
for k, f in enumerate(ref):
    e, b = rows[2 * k], rows[2 * k + 1]
    assert (e["scenario"], e["area"], b["area"]) == (f[2], "England" if scope == "national"
            else "England, within each CCG", "11H"), (e, b)
    assert e["final_year"] == "%s/%02d" % (f[3], (int(f[3]) + 1) % 100), e
    want = [int(x) for x in f[4:14]]
    assert got(e) == want, (got(e), f)
    L = [int(x) for x in f[15:25]]
    assert got(b) == L, (got(b), f)
    for r, w in ((e, want), (b, L)):
        assert abs(float(r["removed"]) - (1 - w[5] / w[4])) < 1e-15, r
    a0, t0, a1, t1 = (int(x) for x in f[25:29])
    assert abs(float(b["distance_pct_before"]) - (a0 - t0) / t0) < 1e-15, b
    assert abs(float(b["distance_pct_after"]) - (a1 - t1) / t1) < 1e-15, b
    assert e["distance_pct_before"] is None, e
' $scope "$SRC/tests/reference/target_options.out" && ok || bad "--scenarios differs from tests/reference/target_options.out"
done

# With another value (total payments) only the core part moves: each
# scenario's pot falls by exactly what it falls by under core funding.
run target --scenarios "$DS/pms-review-scenarios.ini" --format json
expect_rc 0
core=$out
run target --scenarios "$DS/pms-review-scenarios.ini" --value total_payments --format json
expect_rc 0
printf '%s' "$core" >"$TMPD/core.json"
printf '%s' "$out" | python3 -c '
import json, sys
from decimal import Decimal
a = json.load(open(sys.argv[1]), parse_float=Decimal)["options"]
b = json.load(sys.stdin, parse_float=Decimal)["options"]
assert len(a) == len(b) == 7
for x, y in zip(a, b):
    assert x["pot_before"] - x["pot_after"] == y["pot_before"] - y["pot_after"], (x, y)
    assert x["net_saving"] == y["net_saving"] and y["pot_before"] > x["pot_before"], (x, y)
' "$TMPD/core.json" && ok || bad "--value total_payments: the scenarios change more than core funding"

# One scenario file for both: the shipped file's pace scenarios run under
# --pace (and its savings scenarios are left alone), its savings scenarios under
# --scenarios; the savings command names a pace scenario instead of running it.
run target --pace "$DS/pms-review-scenarios.ini" --format csv
expect_rc 0
expect_out_has "pace_quarter,5,4397787505.00,"
expect_out_has "pace_growth,1,"
printf '%s' "$out" | grep -q "glidepath4" && bad "a savings scenario ran as pace" || ok
run savings --scenario pace_quarter
expect_rc 1
expect_err "pmsreview: $DS/pms-review-scenarios.ini:115: scenario 'pace_quarter' is a pace-of-change scenario (method = pace): the fair-shares pace model runs it, not the savings model; see 'pmsreview target --pace FILE'
Try 'pmsreview savings --help'"
expect_out_empty
printf '[p]\nmethod = pace\nyears = 2\n' >"$TMPD/ponly.ini"
run savings --scenarios "$TMPD/ponly.ini"
expect_rc 1
expect_err "pmsreview: $TMPD/ponly.ini has no savings scenarios, only 1 with method = pace (the fair-shares pace model runs them); see 'pmsreview target --pace FILE'
Try 'pmsreview savings --help'"
expect_out_empty
run target --scenarios "$TMPD/ponly.ini"
expect_rc 1
expect_err "pmsreview: $TMPD/ponly.ini has no savings scenarios, only 1 with method = pace (the fair-shares pace model runs them); see 'pmsreview target --pace FILE'"
expect_out_empty
# Keys of the other kind are refused with file and line.
printf '[p]\nmethod = pace\nstart_year = 2014/15\n' >"$TMPD/p4.ini"
run target --pace "$TMPD/p4.ini"
expect_rc 2
expect_err "pmsreview: $TMPD/p4.ini:3: start_year does not apply to method pace"
expect_out_empty
printf '[s]\nstart_year = 2014/15\nyears = 2\nmethod = none\npace_pct = 5\n' >"$TMPD/p5.ini"
run target --scenarios "$TMPD/p5.ini"
expect_rc 2
expect_err "pmsreview: $TMPD/p5.ini:5: pace_pct applies only to method = pace"
expect_out_empty
run target --scenarios "$TMPD/nonexistent.ini"
expect_rc 2
expect_err_has "nonexistent.ini"
expect_out_empty
# --locality leads with that locality and summarises it (Bristol: 55 practices,
# 15 more than 10% over their national weighted-list share of core funding).
run target --locality 11H --format json
expect_rc 0
printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["localities"][0]["locality"] == "11H"
assert all(p["locality"] == "11H" for p in d["practices"][:55])
assert d["practices"][55]["locality"] != "11H"
s = d["summary"][0]
assert s["locality_practices"] == 55 and s["locality_practices_over_10pct"] == 15, s
' && ok || bad "--locality 11H does not lead"

# Text and CSV carry the same tables.
run target --locality 11H
expect_rc 0
expect_out_has "Distance from a need-based target"
expect_out_has "11H       Bristol"
expect_out_has "need not positive"
run target --format csv --where 'ccg_code = 11H'
expect_rc 0
expect_out_has "pool,practices,pot,target_total"
expect_out_has "England,55,36716113.00,36716113.00"

# A need expression: the same as the column it names, scaled (shares do not
# depend on the scale of need).
targets() { printf '%s' "$out" | python3 -c '
import json, sys; print([p["target"] for p in json.load(sys.stdin)["practices"]])'; }
run target --need 'weighted_patients * 2.385' --where 'ccg_code = 11H' --format json
expect_rc 0
a=$(targets)
run target --need weighted_patients --where 'ccg_code = 11H' --format json
b=$(targets)
[ -n "$a" ] && [ "$a" = "$b" ] && ok || bad "scaled need changes the shares"

# Usage errors: one line plus the hint, exit 1, nothing on stdout.
usage() {
  local want=$1; shift
  run target "$@"
  expect_rc 1
  expect_err "pmsreview: $want
Try 'pmsreview target --help'"
  expect_out_empty
}
usage "--scope must be national, region or locality, not 'ccg'" --scope ccg
usage "--elasticity applies only to --need weighted_imd" --elasticity 0.3
usage "--elasticity must be between 0 and 5, not '-1'" --need weighted_imd --elasticity -1
usage "--elasticity expects a number, not 'x'" --need weighted_imd --elasticity x
usage "--need given twice" --need weighted --need registered
usage "--scenarios given twice" --scenarios a --scenarios b
usage "--need weighted_imd needs an IMD column, not --imd none" --need weighted_imd --imd none
usage "unexpected argument 'extra'" extra
usage "option '--need' needs a value" --need

# Analysis and data errors.
run target --value no_such_column
expect_rc 1
expect_err_has "no_such_column"
expect_out_empty
run target --need 'weighted_patients +' --format json
expect_rc 1
expect_err "pmsreview: need expression 'weighted_patients +': expression 'weighted_patients +', at character 20: unexpected end"
expect_out_empty
run target --locality ZZZ
expect_rc 1
expect_err "pmsreview: --locality ZZZ: no practice in scope has that ccg_code"
expect_out_empty
run target --need weighted_imd --data "$DS/nhs-payments/nhs-payments-gp-2014-15.csv"
expect_rc 1
expect_err_has "--need weighted_imd: no IMD column"
expect_out_empty
# A region whose money adds up to less than zero has no pot to share.
printf 'Practice Code,CCG Code,NHS England (Region) code,Number of Weighted Patients (Last Known Figure),Global Sum\nA1,C1,R1,100,-50\nA2,C1,R1,100,10\nA3,C2,R2,100,10\n' >"$TMPD/neg.csv"
run target --data "$TMPD/neg.csv" --value global_sum --scope region
expect_rc 1
expect_err "pmsreview: R1: its practices' money adds up to less than zero, so there is no pot to share"
expect_out_empty
# Excluded practices are counted by reason, never dropped silently.
printf 'Practice Code,CCG Code,Number of Weighted Patients (Last Known Figure),Global Sum\nA1,C1,100,50\nA2,C1,0,10\nA3,,100,10\nA4,C1,-3,\nA5,C2,,20\n' >"$TMPD/ex.csv"
run target --data "$TMPD/ex.csv" --value global_sum --format csv
expect_rc 0
expect_out_has "missing value,global_sum,1"
expect_out_has "need missing or undefined,weighted_patients,1"
expect_out_has "need not positive,weighted_patients,1"
expect_out_has "no locality,ccg_code,1"
printf 'Practice Code,CCG Code,Number of Weighted Patients (Last Known Figure),Global Sum\nA2,C1,0,10\n' >"$TMPD/none.csv"
run target --data "$TMPD/none.csv" --value global_sum
expect_rc 1
expect_err "pmsreview: no practice of 1 has both global_sum and a positive need"

# Writing to a full disk fails cleanly.
"$PMS" target >/dev/full 2>"$TMPD/err"
rc=$?; err=$(cat "$TMPD/err"); what="target >/dev/full"
expect_rc 1
expect_err "pmsreview: write error on standard output: No space left on device"

# Pace scenario errors name the file and line.
printf '[p]\nmethod = pace\npace_pct = 0\n' >"$TMPD/p0.ini"
run target --pace "$TMPD/p0.ini"
expect_rc 2
expect_err "pmsreview: $TMPD/p0.ini:3: pace_pct must be between 0.001 and 100, not 0"
expect_out_empty
printf '[p]\nmethod = pace\nspeed = 3\n' >"$TMPD/p1.ini"
run target --pace "$TMPD/p1.ini"
expect_rc 2
expect_err_has "p1.ini:3"
expect_out_empty
printf '[p]\nmethod = pace\nmax_gain_pct = 1\ngrowth_pct = 2\n' >"$TMPD/p2.ini"
run target --pace "$TMPD/p2.ini"
expect_rc 2
expect_err "pmsreview: $TMPD/p2.ini:2: scenario [p]: growth_pct must lie between -max_loss_pct and max_gain_pct"
expect_out_empty
printf '[s]\nstart_year = 2014/15\nyears = 4\nmethod = cap\ncap = 5\n' >"$TMPD/p3.ini"
run target --pace "$TMPD/p3.ini"
expect_rc 1
expect_err "pmsreview: $TMPD/p3.ini: no scenario with method = pace"
expect_out_empty

run target --help
expect_rc 0
expect_out_has "weighted_imd"
finish
