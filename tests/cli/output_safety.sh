#!/usr/bin/env bash
# End-to-end: output safety (issue 11 items 4, 5, 8, 9): names cut on a
# character boundary in the workbook, charts and summary.txt; no nan/inf in
# any format (JSON parsed strictly); the CSV formula guard; control
# characters shown escaped; repeated [section]s refused; write errors on
# stdout reported once.  Messages and exit codes pinned under LC_ALL=C.
source "$(dirname "$0")/lib.bash" "$@"

PY=/usr/bin/python3
P14=$DS/nhs-payments/nhs-payments-gp-2014-15.csv
IMD=$DS/practice-imd/practice-imd-fingertips-93553.csv

# --- 5. Non-finite values: one practice with total payments of 1e150 / 1e200.
"$PY" - "$P14" "$TMPD" <<'PYEOF'
import csv, io, sys
src, out = sys.argv[1], sys.argv[2]
rows = list(csv.reader(open(src, encoding="utf-8-sig", newline="")))
h = rows[0]
tot = h.index("Total NHS Payments to General Practice")
for v in ("1e150", "1e200"):
    rows[1][tot] = v
    with open("%s/big%s.csv" % (out, v), "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
PYEOF
STRICT='import json, sys
def bad(c): raise ValueError("not JSON: " + c)
json.loads(sys.stdin.read(), parse_constant=bad)'
FUN=(--value payments_per_weighted --size weighted_patients)
what="funnel 1e200"
run funnel --data "$TMPD/big1e200.csv" "${FUN[@]}" --format json
expect_rc 2
expect_err "pmsreview: funnel: limits not computed: the spread of the values overflows (values too large for double precision)"
expect_out_empty
for fmt in csv text; do
  run funnel --data "$TMPD/big1e200.csv" "${FUN[@]}" --format $fmt
  expect_rc 2
done
what="funnel 1e150"
for fmt in json csv text; do
  run funnel --data "$TMPD/big1e150.csv" "${FUN[@]}" --format $fmt
  expect_rc 0
  if printf '%s' "$out" | grep -Eiq '(^|[^a-z_])[-+]?(inf|infinity|nan)([^a-z_]|$)'; then
    bad "$fmt output holds inf or nan: $(printf '%s' "$out" | grep -Eio '.{20}(^|[^a-z_])[-+]?(inf|infinity|nan)([^a-z_]|$).{5}' | head -1)"
  else ok; fi
  [ $fmt = json ] && { printf '%s' "$out" | "$PY" -c "$STRICT" && ok || bad "JSON does not parse strictly"; }
done
# Every command's JSON parses strictly on the real data.
for cmd in "check" "fairness --value payments_per_weighted --weight weighted_patients --group ccg_code --rank-by imd2015" \
           "correlate --x imd2015 --y payments_per_weighted"; do
  what="pmsreview $cmd --format json"
  # shellcheck disable=SC2086
  "$PMS" $cmd --format json 2>/dev/null | "$PY" -c "$STRICT" && ok || bad "JSON does not parse strictly"
done

# --- 4 and 5 in the report: CCG names with a multibyte character across the
# 34-byte cut (2-, 3- and 4-byte characters, every split), the locality's name
# across the 150-byte cut, and the 1e150 practice (BCa interval undefined).
"$PY" - "$TMPD/big1e150.csv" "$TMPD/cut.csv" <<'PYEOF'
import csv, sys
from collections import defaultdict
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
h = rows[0]
ccg, name = h.index("CCG Code"), h.index("CCG NAME")
tot, wp = h.index("Total NHS Payments to General Practice"), h.index("Number of Weighted Patients (Last Known Figure)")
pay, wt = defaultdict(float), defaultdict(float)
for r in rows[1:]:
    try:
        w = float(r[wp])
        if w > 0:
            pay[r[ccg]] += float(r[tot]); wt[r[ccg]] += w
    except ValueError:
        pass
order = sorted(pay, key=lambda c: pay[c] / wt[c])
# the character and the byte where it starts: every way of splitting it at byte 34
combos = [("\u00e9", 33), ("\u20ac", 32), ("\u20ac", 33), ("\U0001F3E5", 31), ("\U0001F3E5", 32), ("\U0001F3E5", 33)]
names = {}
for i, c in enumerate(order):
    ch, at = combos[min(i, len(order) - 1 - i) % len(combos)]
    names[c] = "NHS " + "a" * (at - 4) + ch + " CCG " + c
names["11H"] = "b" * 148 + "\U0001F3E5" + " CCG"   # the 150-byte cut splits it after 2 bytes
for r in rows[1:]:
    if r[ccg] in names:
        r[name] = names[r[ccg]]
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows(rows)
PYEOF
what="report with names cut at every position"
run report --data "$TMPD/cut.csv" --data "$IMD" --out "$TMPD/cut"
expect_rc 0
"$PY" - "$TMPD/cut" <<'PYEOF' && ok || bad "workbook, charts or summary.txt not well-formed"
import glob, sys, zipfile, xml.etree.ElementTree as ET
import openpyxl
d = sys.argv[1]
z = zipfile.ZipFile(d + "/pmsreview-report.xlsx")
for n in z.namelist():
    if n.endswith(".xml") or n.endswith(".rels"):
        ET.fromstring(z.read(n))              # strict XML: fails on a cut character
wb = openpyxl.load_workbook(d + "/pmsreview-report.xlsx")
labels = [c.value for n in wb.sheetnames if n.startswith("CCGs") for c in wb[n]["A"] if isinstance(c.value, str) and c.value.endswith(")") and "(#" in c.value]
assert len(labels) >= 12, labels
# cut labels: NHS aaa... then "..." right after the last whole character
assert all("\ufffd" not in v for v in labels)
cut = []
for v in labels:
    name = v.split(" ", 1)[1].rsplit(" (#", 1)[0]
    if name.endswith("..."):
        base = name[:-3]
        b = len(base.encode("utf-8"))
        assert 31 <= b <= 34 and base.startswith(("NHS aaaa", "bbbb")), (v, b)   # cut between characters
        cut.append(b)
assert len(cut) >= 12 and len(set(cut)) >= 3, cut   # splits of 2-, 3- and 4-byte characters
summary = open(d + "/summary.txt", "rb").read().decode("utf-8")   # strict
assert "nan" not in summary and "inf " not in summary, summary
assert "95% interval not computed (the jackknife acceleration is undefined" in summary \
    or "95% interval not computed (every bootstrap resample" in summary, summary
assert "b" * 148 + " (11H)" in summary, "locality label not cut on a boundary"
for f in glob.glob(d + "/charts/*"):
    if f.endswith((".dat", ".gp", ".svg")):
        open(f, "rb").read().decode("utf-8")
for ws in wb.worksheets:
    for row in ws.iter_rows(values_only=True):
        for v in row:
            assert not (isinstance(v, float) and (v != v or v in (float("inf"), float("-inf")))), ws.title
PYEOF

# --- 8. The CSV formula guard on a real command's output: practice codes
# that look like formulas, and a bypass the old guard let through.
"$PY" - "$SRC/tests/fixtures/funnel-prop.csv" "$TMPD/formula.csv" <<'PYEOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
evil = ["-2+3+cmd|' /C calc'!A0", "\r=1+1", "\t=2+2", "@SUM(A1)", "+1+cmd", "=HYPERLINK(\"x\")"]
for i, r in enumerate(rows[1:7]):
    r[0] = evil[i]
with open(sys.argv[2], "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows(rows)
PYEOF
what="formula guard"
run funnel --data "$TMPD/formula.csv" --value exceptions --size eligible --type proportion --format csv
expect_rc 0
printf '%s\n' "$out" | "$PY" -c '
import csv, re, sys
num = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\Z")
n = 0
for row in csv.reader(sys.stdin):
    for c in row:
        if c and c[0] in "=+-@\t\r":
            assert num.match(c), repr(c)
        if c.startswith("'"'"'"):
            n += 1
assert n >= 6, n
' && ok || bad "a CSV cell would run as a formula"

# --- 9b. Control characters and ANSI escapes are shown, not sent.
what="escapes in messages"
run funnel --data "$FIX/funnel-prop.csv" --value $'\e[31mred\e[0m' --size eligible
expect_rc 1
expect_err "pmsreview: no column '\\x1b[31mred\\x1b[0m' in the data"

# --- 9d. A repeated [section] is an error with FILE:LINE, like a repeated key.
what="repeated section"
printf '[report]\ntitle = a\n[data.main]\npayments = %s\n[report]\nseed = 1\n' "$P14" >"$TMPD/rep.ini"
run report --config "$TMPD/rep.ini" --out "$TMPD/rep"
expect_rc 2
expect_err "pmsreview: $TMPD/rep.ini:5: section [report] repeats [report] from line 1 (put its keys under one [report])"
[ ! -e "$TMPD/rep" ] && ok || bad "a report was written"
printf '[model]\nfirst_year = 2014\n[a]\nstart_year = 2015\nyears = 2\nmethod = none\n[a]\nyears = 3\n' >"$TMPD/rep-sc.ini"
run savings --scenarios "$TMPD/rep-sc.ini"
expect_rc 2
expect_err "pmsreview: $TMPD/rep-sc.ini:7: section [a] repeats [a] from line 3 (put its keys under one [a])"
# A header after a form feed (inih skips any isspace()) is a header too: fuzzing found it merging.
printf '\f[report]\ntitle = a\n[data.main]\npayments = %s\n[report]\nseed = 1\n' "$P14" >"$TMPD/rep-ff.ini"
run report --config "$TMPD/rep-ff.ini" --out "$TMPD/rep"
expect_rc 2
expect_err "pmsreview: $TMPD/rep-ff.ini:5: section [report] repeats [report] from line 1 (put its keys under one [report])"

# "[]" names the section of the keys before the first header: refused (fuzzing found it merging).
printf 'title = a\n[data.main]\npayments = x.csv\n[]\nseed = 1\n' >"$TMPD/empty.ini"
run report --config "$TMPD/empty.ini" --out "$TMPD/rep"
expect_rc 2
expect_err "pmsreview: $TMPD/empty.ini:4: empty section name []"

# --- 9e. Write errors on standard output: one message, exit 1.
what="--help > /dev/full"
for args in "--help" "--version" "check --help" "report --help" "savings --help"; do
  # shellcheck disable=SC2086
  "$PMS" $args >/dev/full 2>"$TMPD/err"; rc=$?
  err=$(cat "$TMPD/err")
  expect_rc 1
  expect_err "pmsreview: write error on standard output: No space left on device"
done
what="check > /dev/full"
"$PMS" check >/dev/full 2>"$TMPD/err"; rc=$?
err=$(cat "$TMPD/err")
expect_rc 1
expect_err "pmsreview: write error on standard output: No space left on device"

finish
