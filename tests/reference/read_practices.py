#!/usr/bin/python3
"""Check the report's Practices sheet and practices.csv (issue 14) against
the payments CSV read here with the csv module, the practice rules recomputed
independently (io/select.h's order: nonpositive, practice_type, atypical,
part_year, min_list; 2014/15 has no practice type or atypical columns).

Usage: read_practices.py REPORT_DIR PAYMENTS_CSV LOCALITY [YEAR]
Prints one line per failed check and exits 1 if any failed."""
import csv
import datetime
import sys

import openpyxl

rep, payments, loc = sys.argv[1:4]
year = int(sys.argv[4]) if len(sys.argv) > 4 else 2014
fails = []


def check(cond, what):
    if not cond:
        fails.append(what)


def num(s):
    try:
        return float(s.replace(",", ""))
    except (ValueError, AttributeError):
        return None


def date(s):
    s = (s or "").strip()
    # "-" or empty: no date (io/select.c treats them as missing).
    return datetime.datetime.strptime(s, "%d/%m/%Y").date() if s and s != "-" else None


start, end = datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)
src = {}
order = []
with open(payments, encoding="utf-8-sig", newline="") as f:
    for row in csv.DictReader(f):
        code = row["Practice Code"].strip()
        reg = num(row["Number of Registered Patients (Last Known Figure)"])
        wt = num(row["Number of Weighted Patients (Last Known Figure)"])
        tot = num(row["Total NHS Payments to General Practice"])
        op, cl = date(row["Practice Open Date"]), date(row["Practice Close Date"])
        if any(v is None or v <= 0 for v in (reg, wt, tot)):
            rule = "nonpositive"
        elif (op and op > start) or (cl and cl < end):
            rule = "part_year"
        elif reg < 1000:
            rule = "min_list"
        else:
            rule = None
        src[code] = (row["CCG Code"].strip(), rule, tot)
        order.append(code)

wb = openpyxl.load_workbook(rep + "/pmsreview-report.xlsx", read_only=True)
check("Practices" in wb.sheetnames, "no Practices sheet")
rows = list(wb["Practices"].iter_rows(values_only=True)) if "Practices" in wb.sheetnames else []
# The sheet is one Excel Table: headers are the keys as words ("practice code"),
# and an empty cell says "[x]".
def key(h):
    return str(h).replace(" ", "_")


hi = next((i for i, r in enumerate(rows) if r and key(r[0]) == "practice_code"), None)
check(hi is not None, "Practices: no header row")
head = [key(h) for h in rows[hi]] if hi is not None else ()
data = []
for r in rows[hi + 1:] if hi is not None else []:
    if r[0] is None or not any(r[1:]):  # the end, or the footnote below the table
        break
    data.append(dict(zip(head, [None if v == "[x]" else v for v in r])))

# One row per practice of the main year, each once.
check(len(data) == len(src), "Practices: %d rows, the file has %d practices" % (len(data), len(src)))
check(sorted(d["practice_code"] for d in data) == sorted(order), "Practices: codes differ")
# The locality's practices first, then the rest, each in file order.
nloc = sum(1 for c in order if src[c][0] == loc)
want = [c for c in order if src[c][0] == loc] + [c for c in order if src[c][0] != loc]
check([d["practice_code"] for d in data] == want, "Practices: not locality first in file order")
check(nloc > 0 and all(d["in_locality"] in (True, 1) for d in data[:nloc]) and
      not any(d["in_locality"] in (True, 1) for d in data[nloc:]), "Practices: in_locality")
# The rule that removed each practice, recomputed.
for d in data:
    c = d["practice_code"]
    if c in src and (d["removed_by_rule"] or None) != src[c][1]:
        fails.append("Practices: %s removed_by_rule %r, want %r" % (c, d["removed_by_rule"], src[c][1]))
        break
counts = {}
for c in order:
    counts[src[c][1]] = counts.get(src[c][1], 0) + 1
got = {}
for d in data:
    got[d["removed_by_rule"] or None] = got.get(d["removed_by_rule"] or None, 0) + 1
check(got == counts, "Practices: rule counts %r, want %r" % (got, counts))
# Money: whole pounds as the file gives them.
for d in data[:200]:
    t = src[d["practice_code"]][2]
    if t is not None and (d["total_payments"] is None or abs(d["total_payments"] - t) > 0.005):
        fails.append("Practices: %s total_payments %r, want %r" % (d["practice_code"], d["total_payments"], t))
        break

# practices.csv: the same rows in the same order.
try:
    with open(rep + "/practices.csv", encoding="utf-8", newline="") as f:
        c = [r for r in csv.DictReader(f)]
except OSError as e:
    fails.append("practices.csv: %s" % e)
    c = []
check([r["practice_code"] for r in c] == [d["practice_code"] for d in data],
      "practices.csv rows differ from the sheet")
check([r["removed_by_rule"] or None for r in c] == [d["removed_by_rule"] or None for d in data],
      "practices.csv rules differ from the sheet")

for m in fails:
    print("read_practices: " + m)
print("read_practices: %d practices, %d in %s first, removed: %r" % (len(data), nloc, loc, counts),
      file=sys.stderr)
sys.exit(1 if fails else 0)
