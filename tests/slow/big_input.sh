#!/usr/bin/env bash
# Big input (issue 7): a generated 2,000,000-row payments CSV (~164 MB, the size
# of the national "patients registered by LSOA" file) must load with the same
# national totals as an independent reader (Python's csv module), analyses on it
# must run, and peak resident memory must stay within a small multiple of the
# file size.  Labelled `slow` (about 30 s): `ctest -LE slow` skips it.
# Usage: big_input.sh PMSREVIEW SOURCE_DIR
set -u
source "$(dirname "$0")/../cli/lib.bash" "$@"
PY=/usr/bin/python3
rows=${PMS_BIG_ROWS:-2000000}
big=$TMPD/big.csv
awk -v n="$rows" -f "$SRC/bench/gen_payments.awk" >"$big"
bytes=$(stat -c %s "$big")

# Peak RSS of one command, in kB, from the kernel's accounting of the child.
# Its stdout goes to $PMS_BIG_OUT.
peak_kb() {
  "$PY" - "$@" <<'PYEOF'
import os, resource, subprocess, sys
with open(os.environ["PMS_BIG_OUT"], "wb") as out:
    p = subprocess.run(sys.argv[1:], stdout=out)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode)
PYEOF
}

export PMS_BIG_OUT=$TMPD/check.json
what="check on $rows generated rows"
read -r kb code < <(peak_kb "$PMS" check --data "$big" --format json)
if [ "$code" -eq 0 ]; then ok; else bad "exit $code"; fi
# Peak memory: the text buffer, 32-bit cell offsets, typed and derived columns
# come to ~2.5x the file (NOTES.md); 4x leaves room without hiding a leak per row.
limit=$((bytes * 4 / 1024 + 32768))   # + 32 MB for the program itself
if [ "$kb" -le "$limit" ]; then ok; else bad "peak RSS ${kb} kB > 4x the file (${limit} kB)"; fi
echo "big input: $rows rows, $((bytes / 1000000)) MB, check peak RSS $((kb / 1024)) MB"

# Independent totals: Python's csv module, numbers cleaned of '£' and ','.
"$PY" - "$big" "$TMPD/check.json" <<'PYEOF' || bad "totals differ from Python's csv reader"
import csv, json, math, sys
def num(s):
    s = s.strip().replace("£", "").replace(",", "")
    return None if s in ("", "-") else float(s)
tot = {}
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    r = csv.reader(f)
    h = next(r)
    ct, reg, w, pay = (h.index(k) for k in ("Contract Type",
        "Number of Registered Patients (Last Known Figure)",
        "Number of Weighted Patients (Last Known Figure)",
        "Total NHS Payments to General Practice"))
    for row in r:
        for key in (row[ct], "All"):
            t = tot.setdefault(key, {"n": 0, "reg": 0, "w": [], "pay": []})
            t["n"] += 1
            t["reg"] += int(row[reg])
            t["w"].append(num(row[w]))
            t["pay"].append(num(row[pay]))
got = {d["contract_type"]: d for d in json.load(open(sys.argv[2]))["totals"]}
bad = 0
for key, t in tot.items():
    g = got[key]
    want_w = math.fsum(t["w"])        # exactly rounded sums
    want_pay = math.fsum(t["pay"])
    checks = [("practices", g["practices"], t["n"], 0), ("registered", g["registered_patients"], t["reg"], 0),
              # weighted and payments are sums of 2-decimal values: exact sums agree to
              # rounding of the final double, 1e-12 relative.
              ("weighted", g["weighted_patients"], want_w, 1e-12),
              ("payments", g["total_payments"], round(want_pay, 2), 1e-12)]
    for name, a, b, tol in checks:
        if abs(a - b) > tol * abs(b):
            print(f"{key} {name}: pmsreview {a!r}, python {b!r}", file=sys.stderr); bad = 1
sys.exit(bad)
PYEOF
ok

# An analysis on the big table: a regression must use every row with a
# positive weighted list (one in 997 has none) and stay bounded too.
export PMS_BIG_OUT=$TMPD/regress.json
what="regress on $rows generated rows"
read -r kb code < <(peak_kb "$PMS" regress --data "$big" --y payments_per_weighted \
  --x registered_patients --robust hc3 --format json)
if [ "$code" -eq 0 ]; then ok; else bad "exit $code"; fi
if [ "$kb" -le "$limit" ]; then ok; else bad "regress peak RSS ${kb} kB > ${limit} kB"; fi
n=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["model"][0]["n"])' "$TMPD/regress.json" 2>/dev/null || echo "?")
want=$((rows - rows / 997))
if [ "$n" = "$want" ]; then ok; else bad "regress used n=$n, want $want"; fi
echo "big input: regress peak RSS $((kb / 1024)) MB"
finish
