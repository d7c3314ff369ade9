#!/usr/bin/python3
"""Open a pmsreview report independently (openpyxl for the cells, zipfile for
the charts and images openpyxl does not load) and check it against the
library's own CLI results and against numbers recomputed here from the CSV
files with SciPy.

Usage: read_report.py REPORT_DIR DATASETS_DIR REGRESS_JSON FUNNEL_JSON N_IMAGES
Prints one line per failed check and exits 1 if any failed."""
import csv
import json
import os
import re
import sys
import zipfile

import numpy as np
import openpyxl
from scipy import stats

rep, ds, regress_json, funnel_json = sys.argv[1:5]
xlsx = rep + "/pmsreview-report.xlsx"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def close(a, b, rel, what):
    ok = a is not None and b is not None and abs(a - b) <= rel * max(abs(b), 1e-300)
    check(ok, "%s: %r, want %r (rel %g)" % (what, a, b, rel))


wb = openpyxl.load_workbook(xlsx)
want_sheets = ["Summary", "Deprivation", "Correlations", "Fairness", "Funnel", "CCGs", "Savings",
               "Savings by locality", "Savings by practice", "The national review, reproduced",
               "Trend", "Sensitivity", "Practices", "Methods", "Provenance"]
check(wb.sheetnames == want_sheets, "sheets %r" % wb.sheetnames)

# Summary: the title, then summary.txt line by line (headings as they are,
# bullets without their "- ", no blank lines), in order.
summary = open(rep + "/summary.txt", encoding="utf-8").read().splitlines()
sheet = wb["Summary"]
cells = [c.value for c in sheet["A"] if c.value is not None]
check(cells[0] == summary[0], "Summary title")
sentences = [l[2:] for l in summary if l.startswith("- ")]
want = [l[2:] if l.startswith("- ") else l for l in summary[1:] if l]
check(cells[1:] == want, "Summary sheet differs from summary.txt")
check(len(sentences) >= 12, "only %d summary sentences" % len(sentences))


def table(ws, title):
    """Rows of the table headed `title` on ws as dicts (header on the next row)."""
    rows = list(ws.iter_rows(values_only=True))
    for i, r in enumerate(rows):
        if r[0] == title:
            head = rows[i + 1]
            out = []
            for r2 in rows[i + 2:]:
                if r2[0] is None or (isinstance(r2[0], str) and r2[1] is None and
                                     not any(r2[1:])):
                    break
                out.append(dict(zip(head, r2)))
            return out
    failures.append("no table %r on %s" % (title, ws.title))
    return []


# Every analysis sheet: a frozen header row and an autofilter on it.
for name in want_sheets[1:-2]:
    ws = wb[name]
    check(ws.freeze_panes == "A3", "%s: frozen panes %r" % (name, ws.freeze_panes))
    check(ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A2:"),
          "%s: autofilter %r" % (name, ws.auto_filter.ref))
    check(ws.column_dimensions["A"].width >= 8, "%s: column A too narrow" % name)

MONEY = "\u00a3#,##0.00;[Red]-\u00a3#,##0.00"

# Deprivation: the coefficients are the regress subcommand's, to the last digit
# printed (%.17g in JSON; the workbook stores the same doubles).
dep = wb["Deprivation"]
coef = table(dep, "Payments per weighted patient on deprivation: least squares, HC3 robust intervals")
ref = json.load(open(regress_json))
rc = ref["coefficients"]
eng = [r for r in coef if r["scope"] == "England"]
check(len(eng) == 2, "England coefficient rows")
for row, want in zip(eng, rc):
    close(row["estimate"], want["estimate"], 1e-15, "coefficient " + want["term"])
    close(row["std_error_hc3"], want["std_error"], 1e-15, "HC3 SE " + want["term"])
    close(row["ci_low"], want["ci_low"], 1e-15, "CI low " + want["term"])
    close(row["p_value"], want["p_value"], 1e-12, "p " + want["term"])
model = table(dep, "Fit")
close(model[0]["r_squared"], ref["model"][0]["r_squared"], 1e-15, "R squared")
check(model[0]["n"] == ref["model"][0]["n"], "n %r" % model[0]["n"])
# Number formats: money in pounds with thousands separators, frozen, filtered.
hdr = [c.value for c in dep[2]]
check(hdr[:3] == ["scope", "term", "estimate"], "Deprivation header %r" % hdr[:3])

# Independent data for the rest: 2014/15 payments joined to IMD 2015.
def load_payments(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        rd = csv.DictReader(f)
        rows = list(rd)
    return rows

pay = load_payments(ds + "/nhs-payments/nhs-payments-gp-2014-15.csv")
imd = {}
with open(ds + "/practice-imd/practice-imd-fingertips-93553.csv", encoding="utf-8-sig") as f:
    for r in csv.DictReader(f):
        if r["Year"] == "2015" and r["Value"] not in ("",):
            imd[r["AreaCode"]] = float(r["Value"])


def num(s):
    s = s.strip().replace(",", "")
    try:
        return float(s)
    except ValueError:
        return float("nan")


T = "Total NHS Payments to General Practice"
W = "Number of Weighted Patients (Last Known Figure)"
x, y = [], []
ccg_t, ccg_w = {}, {}
all_t = all_w = 0.0
ppw_all, w_all = [], []
for r in pay:
    t, w = num(r[T]), num(r[W])
    if not (w > 0) or np.isnan(t):
        continue
    c = r["CCG Code"]
    ccg_t[c] = ccg_t.get(c, 0) + t
    ccg_w[c] = ccg_w.get(c, 0) + w
    all_t += t
    all_w += w
    if t / w > 0:
        ppw_all.append(t / w)
        w_all.append(w)
    code = r["Practice Code"]
    if code in imd:
        x.append(imd[code])
        y.append(t / w)

# Elasticity: log-log OLS with HC3 SEs recomputed in NumPy from the raw files
# (1e-10: normal equations in double against Householder QR in long double).
xa, ya = np.array(x), np.array(y)
keep = (xa > 0) & (ya > 0)
Xl = np.column_stack([np.ones(keep.sum()), np.log(xa[keep])])
yl = np.log(ya[keep])
XtXi = np.linalg.inv(Xl.T @ Xl)
b = XtXi @ Xl.T @ yl
e = yl - Xl @ b
h = np.einsum("ij,jk,ik->i", Xl, XtXi, Xl)
V = XtXi @ (Xl.T * (e / (1 - h)) ** 2) @ Xl @ XtXi
el = [r for r in coef if r["scope"] == "England, log-log (elasticity)"]
check(len(el) == 2, "elasticity rows")
if len(el) == 2:
    close(el[1]["estimate"], b[1], 1e-10, "elasticity")
    close(el[1]["std_error_hc3"], float(np.sqrt(V[1, 1])), 1e-9, "elasticity HC3 SE")
elfit = [r for r in model if r["scope"] == "England, log-log (elasticity)"]
check(len(elfit) == 1 and elfit[0]["n"] == int(keep.sum()), "elasticity n")

# Correlations: Spearman's rho of payments per weighted patient with IMD 2015,
# recomputed with SciPy (1e-12: both are Pearson r of mid-ranks in double).
cor = table(wb["Correlations"], "England: payments per weighted patient against ...")
sp = [r for r in cor if r["method"] == "spearman" and r["year"] == "2014/15"][0]
rho = stats.spearmanr(x, y).correlation
close(sp["estimate"], rho, 1e-12, "national Spearman rho")
check(sp["n"] == len(x), "Spearman n %r, want %d" % (sp["n"], len(x)))
check(isinstance(sp["verdict"], str) and sp["verdict"], "verdict text")
byccg = table(wb["Correlations"], "By CCG: Spearman's rho of payments per weighted patient and deprivation")
bris = [r for r in byccg if r["ccg_code"] == "11H"]
check(len(bris) == 1 and bris[0]["is_locality"] is True, "11H row in the per-CCG correlations")
bx = [imd[r["Practice Code"]] for r in pay if r["CCG Code"] == "11H" and num(r[W]) > 0
      and r["Practice Code"] in imd]
by = [num(r[T]) / num(r[W]) for r in pay if r["CCG Code"] == "11H" and num(r[W]) > 0
      and r["Practice Code"] in imd]
close(bris[0]["rho"], stats.spearmanr(bx, by).correlation, 1e-12, "11H Spearman rho")
check(all(0 <= r["p_bh"] <= 1 and r["p_bh"] >= r["p_value"] - 1e-15 for r in byccg),
      "BH-adjusted p below raw p")

# Fairness: weighted Gini by the area form, recomputed with NumPy (1e-12:
# different summation order over 7,922 terms).
fair = table(wb["Fairness"], "Inequality of payments per weighted patient (practices weighted by weighted patients)")
xs, ws = np.array(ppw_all), np.array(w_all)
o = np.argsort(xs, kind="stable")
xs, ws = xs[o], ws[o]
P = np.concatenate([[0], np.cumsum(ws) / ws.sum()])
L = np.concatenate([[0], np.cumsum(xs * ws) / (xs * ws).sum()])
gini = 1 - np.sum((P[1:] - P[:-1]) * (L[1:] + L[:-1]))
close(fair[0]["value"], gini, 1e-12, "Gini")
check(fair[0]["bca_low"] < fair[0]["value"] < fair[0]["bca_high"], "Gini BCa interval")
parts = {r["measure"]: r["value"] for r in fair}
close(parts["Theil T: between CCGs"] + parts["Theil T: within CCGs"], parts["Theil T"], 1e-12,
      "Theil parts add up")

# Funnel: the same as `pmsreview funnel ... --overdispersion multiplicative`.
fj = json.load(open(funnel_json))
fs = table(wb["Funnel"], "Funnel: payments per weighted patient against weighted patients")[0]
fr = fj["funnel"][0]
check(fs["practices"] == fr["n"], "funnel n")
close(fs["target"], fr["target"], 1e-15, "funnel target")
close(fs["phi"], fr["phi"], 1e-15, "funnel phi")
for k in ("outside_95", "outside_99_8", "above_99_8", "below_99_8"):
    check(fs[k] == fr[k], "funnel " + k)
fo = table(wb["Funnel"], "Practices outside the 99.8% limits, most extreme first")
want = [o["practice_code"] for o in fj["outliers"] if o["outside"] == "99.8"]
check([o["practice_code"] for o in fo] == want, "funnel outliers differ from the funnel command")

# CCGs: pooled payments per weighted patient of Bristol, and the ranking.
ccgs = table(wb["CCGs"], "Payments per weighted patient by CCG (pooled), highest first")
b = [r for r in ccgs if r["ccg_code"] == "11H"][0]
close(b["payments_per_weighted"], ccg_t["11H"] / ccg_w["11H"], 1e-13, "11H pooled")
vals = [r["payments_per_weighted"] for r in ccgs]
check(vals == sorted(vals, reverse=True), "CCGs not sorted highest first")
close(b["difference_from_england"], ccg_t["11H"] / ccg_w["11H"] / (all_t / all_w) - 1, 1e-12,
      "11H difference from England")
cell = wb["CCGs"].cell(row=3, column=7)
check(cell.number_format == MONEY, "money format %r" % cell.number_format)
check(wb["CCGs"].cell(row=3, column=8).number_format == "0.0%", "percent format")

# Trend: 2014/15 "All" pooled = every practice with weighted patients.
trend = table(wb["Trend"], "Payments per weighted patient by contract type")
a = [r for r in trend if r["year"] == "2014/15" and r["contract_type"] == "All"][0]
close(a["payments_per_weighted"], all_t / all_w, 1e-13, "trend 2014/15 All")
check(len({r["year"] for r in trend}) == 6, "trend years")

# Savings: released = reinvested + net saving in every year, to the penny.
sav = table(wb["Savings"], "Savings by year (pounds)")
check(len(sav) > 10, "savings years")
for r in sav:
    check(abs(r["released"] - r["reinvested"] - r["net_saving"]) < 0.005,
          "released != reinvested + net in %s %s" % (r["scenario"], r["year"]))
prac = table(wb["Savings by practice"], "Practices of the locality: core funding before and after")
check(len(prac) > 0 and len({r["practice_code"] for r in prac}) <= 55, "practice rows of 11H")

# Methods and Provenance.
meth = [c.value for c in wb["Methods"]["A"] if c.value]
for key in ("Deprivation:", "Correlations:", "Fairness:", "CCGs:", "Savings:", "Trend:"):
    check(any(m.startswith(key) for m in meth), "Methods lacks " + key)
prov = [r for r in wb["Provenance"].iter_rows(values_only=True)]
shas = [r[4] for r in prov if r[4] and re.fullmatch(r"[0-9a-f]{64}", str(r[4]))]
check(len(shas) >= 9, "Provenance SHA-256 rows: %d" % len(shas))
check(any(r[0] == "toolkit" for r in prov), "Provenance toolkit version")

# Charts and images, from the package itself.
z = zipfile.ZipFile(xlsx)
names = z.namelist()
charts = [n for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
images = [n for n in names if re.fullmatch(r"xl/media/image\d+\.png", n)]
check(len(charts) == 4, "native charts: %d" % len(charts))
want_images = int(sys.argv[5])
check(len(images) == want_images, "embedded images: %d, want %d" % (len(images), want_images))
kinds = "".join(z.read(n).decode() for n in charts)
for k in ("c:scatterChart", "c:barChart", "c:lineChart"):
    check(k in kinds, "no " + k)
# No cell of the workbook is a formula.
for n in names:
    if n.startswith("xl/worksheets/sheet"):
        check("<f>" not in z.read(n).decode(), n + " holds a formula")

# The national review, reproduced: the premium at 2013/14 prices equals the
# pandas recomputation (tests/reference/premium.out) to the penny.
pref = {tuple(l.split()[:2]): l.split() for l in
        open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "premium.out"))}
rv = table(wb["The national review, reproduced"],
           "The national review, reproduced from public data (2013/14 global sum prices)")
check(len(rv) == 6, "national review rows: %d" % len(rv))
if rv:
    check(rv[0]["nhs_england"] == 325000000, "review: NHS England's premium")
    check(round(rv[0]["pmsreview_public_data"] * 100) == int(pref[("national", "2013")][6]),
          "review: our premium %r" % rv[0]["pmsreview_public_data"])
    check(round((rv[3]["pmsreview_public_data"]) * 100) == int(pref[("national", "2013")][7]),
          "review: after the taper %r" % rv[3]["pmsreview_public_data"])

for f in failures:
    print("FAIL:", f)
print("%d checks failed" % len(failures))
sys.exit(1 if failures else 0)
