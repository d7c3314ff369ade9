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
PENCE = "\u00a3#,##0.00;-\u00a3#,##0.00"
POUNDS = "\u00a3#,##0;-\u00a3#,##0"
MILLIONS = '\u00a3#,##0.0,,"m";-\u00a3#,##0.0,,"m"'
z = zipfile.ZipFile(xlsx)
names = z.namelist()

# The Government Analysis Function's layout: Cover_sheet, Table_of_contents
# and Notes first, then one table per sheet.
check(wb.sheetnames[:3] == ["Cover_sheet", "Table_of_contents", "Notes"],
      "front sheets %r" % wb.sheetnames[:3])
check(wb.sheetnames[3] == "Summary", "Summary is the fourth sheet: %r" % wb.sheetnames[3])
for s in ("Deprivation coefficients", "Correlations national", "Fairness inequality", "Funnel",
          "CCGs", "Savings by year", "Savings by locality", "Savings by practice",
          "National review", "Trend", "Practices", "Methods", "Provenance inputs"):
    check(s in wb.sheetnames, "no sheet %r" % s)
check(all(len(n) <= 31 for n in wb.sheetnames), "a sheet name over 31 characters")
cover = wb["Cover_sheet"]
check("2014/15" in str(cover["A1"].value) and "England" in str(cover["A1"].value),
      "Cover_sheet A1 lacks period or geography: %r" % cover["A1"].value)
cover_text = " ".join(str(c.value) for c in cover["A"] if c.value)
for w in ("Source:", "Contact:", "[note 1]", "[x]"):
    check(w in cover_text, "Cover_sheet does not say " + w)

# Table_of_contents: one linked row per sheet after it, each link working.
toc = wb["Table_of_contents"]
check(list(toc.tables.keys()) == ["Table_of_contents"], "ToC table %r" % list(toc.tables.keys()))
linked = []
for row in toc.iter_rows(min_row=4):
    c = row[0]
    if c.value is None:
        continue
    loc = c.hyperlink.location if c.hyperlink is not None else None
    m = re.fullmatch(r"'(.+)'!A1", loc or "")
    check(m is not None and m.group(1) == c.value, "ToC link of %r: %r" % (c.value, loc))
    check(row[1].value not in (None, ""), "ToC row %r has no description" % c.value)
    linked.append(c.value)
check(linked == wb.sheetnames[2:], "ToC lists %r, sheets are %r" % (linked, wb.sheetnames[2:]))

# Notes: [note N] markers in order, then the glossary.
notes = wb["Notes"]
check(list(notes.tables.keys()) == ["Notes_table"], "Notes table")
nrows = [r for r in notes.iter_rows(min_row=4, values_only=True) if r[0]]
marks = [r[0] for r in nrows if str(r[0]).startswith("[note")]
check(marks == ["[note %d]" % (i + 1) for i in range(len(marks))] and len(marks) > 10,
      "note markers %r" % marks[:5])
check(any(r[1] == "Glossary" for r in nrows), "no glossary on the Notes sheet")
# Every term of the summary's glossary is on the Notes sheet too.
noted = {str(r[2]).split(":")[0] for r in nrows if r[1] == "Glossary"}
summ = open(rep + "/summary.txt", encoding="utf-8").read().splitlines()
if "Glossary" in summ:
    for l in summ[summ.index("Glossary") + 1:]:
        if l.startswith("- "):
            check(l[2:].split(":")[0] in noted, "glossary term %r not on the Notes sheet" % l[2:40])

# Document properties: title, subject, organisation as author, language.
check(wb.properties.title and wb.properties.title.startswith("PMS contract review"),
      "document title %r" % wb.properties.title)
check(bool(wb.properties.subject), "no document subject")
check(bool(wb.properties.creator), "no document author")
app = z.read("docProps/app.xml").decode()
check("<Company>" in app, "no Company (organisation) in docProps/app.xml")
custom = z.read("docProps/custom.xml").decode() if "docProps/custom.xml" in names else ""
check('name="Language"' in custom and "en-GB" in custom, "no en-GB language property")


def find_table(title):
    """The sheet whose A1 is `title` and the rows of its one Excel Table as
    dicts keyed by column name ("p value" -> "p_value"); "[x]" reads as None."""
    for ws in wb.worksheets:
        if ws["A1"].value == title and ws.tables:
            ref = list(ws.tables.values())[0].ref
            rows = list(ws[ref])
            head = [str(c.value).replace(" ", "_") for c in rows[0]]
            return ws, [dict(zip(head, [None if c.value == "[x]" else c.value for c in r]))
                        for r in rows[1:]]
    failures.append("no table %r" % title)
    return None, []


def table(ws, title):
    return find_table(title)[1]


# Every sheet after Notes: a table sheet holds exactly one Excel Table with its
# title in A1, a description in A2, the header repeated on every printed page,
# the panes frozen under it, nothing below it, a page footer and a print scale
# of 75-100% (never fit-to-page shrinking).
ntables = nfig = 0
for ws in wb.worksheets[3:]:
    name = ws.title
    check(ws["A1"].value not in (None, ""), "%s: no title in A1" % name)
    check("&P of &N" in (ws.oddFooter.center.text or ""), "%s: no page N of M footer" % name)
    check(ws.page_setup.orientation == "landscape", "%s: not landscape" % name)
    if name in ("Summary", "Methods") or str(ws["A2"].value).startswith("A chart;"):
        check(not ws.tables, "%s: holds a table" % name)
        nfig += name not in ("Summary", "Methods")
        continue
    ntables += 1
    check(len(ws.tables) == 1, "%s: %d Excel Tables" % (name, len(ws.tables)))
    if len(ws.tables) != 1:
        continue
    t = list(ws.tables.values())[0]
    check(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", t.name) is not None,
          "%s: table name %r" % (name, t.name))
    first = int(re.match(r"A(\d+):", t.ref).group(1))
    last = int(re.search(r":[A-Z]+(\d+)$", t.ref).group(1))
    check(ws["A2"].value not in (None, ""), "%s: no description in A2" % name)
    check(ws.print_title_rows == "$%d:$%d" % (first, first),
          "%s: print titles %r, header row %d" % (name, ws.print_title_rows, first))
    check(ws.freeze_panes == "A%d" % (first + 1), "%s: frozen panes %r" % (name, ws.freeze_panes))
    check(ws.max_row == last, "%s: %d rows below the table" % (name, ws.max_row - last))
    check(all(c.value is not None for r in ws[t.ref] for c in r),
          "%s: an empty cell in the table" % name)
    scale = ws.page_setup.scale or 100  # 100 is the default, left out of the file
    fit = ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
    check(not fit and scale is not None and 75 <= int(scale) <= 100,
          "%s: print scale %r, fit to page %r" % (name, scale, fit))
    check(ws.column_dimensions["A"].width >= 8, "%s: column A too narrow" % name)
check(ntables >= 20, "only %d table sheets" % ntables)
# Money per weighted patient keeps its pence in every table, even where a tiny
# practice is paid thousands per weighted patient.
for ws in wb.worksheets[3:]:
    for t in ws.tables.values():
        rows = list(ws[t.ref])
        for j, h in enumerate(rows[0]):
            if "per weighted" not in str(h.value):
                continue
            for r in rows[1:]:
                f = r[j].number_format
                check(not f.startswith("\u00a3") or f == PENCE,
                      "%s %s: %r formatted %r" % (ws.title, r[j].coordinate, r[j].value, f))
# Every number formatted by what it is, walked cell by cell against its
# column header: never money (a format starting with the pound sign) in a
# column that counts, ranks or measures something else, nor in a row on a
# log scale ("England, log-log": a residual SD of 0.31 is not 31p); every
# p-value column ("p value", "p holm", "tost p", "robust wald p") as "< 0.001"
# or three significant figures.
NOT_MONEY = {"p", "rho", "gini", "theil", "pct", "share", "practices", "patients", "imd",
             "imd2015", "need", "z", "phi", "rank", "n", "excluded", "losing", "gaining",
             "squared", "wald", "t", "concentration", "years", "found", "sigma", "elasticity"}
for ws in wb.worksheets[3:]:
    for t in ws.tables.values():
        rows = list(ws[t.ref])
        for j, h in enumerate(rows[0]):
            words = set(str(h.value).lower().split())
            for r in rows[1:]:
                c = r[j]
                if not isinstance(c.value, (int, float)) or isinstance(c.value, bool):
                    continue
                f = c.number_format
                where = "%s %s (%s) %r formatted %r" % (ws.title, c.coordinate, h.value, c.value, f)
                logrow = any(isinstance(x.value, str) and "log-log" in x.value for x in r)
                check(not f.startswith("\u00a3") or not (words & NOT_MONEY or logrow),
                      "money format for a non-money value: " + where)
                if "p" in words:
                    want = ('[<0.001]"< 0.001";0.000' if abs(c.value) < 0.001 else "0.00000"
                            if abs(c.value) < 0.01 else "0.0000" if abs(c.value) < 0.1 else "0.000")
                    check(f == want, "p-value not as '< 0.001' or 3 significant figures: " + where)
check(nfig == 4 + int(sys.argv[5]), "%d chart sheets" % nfig)
# Every chart and image carries alt text (xdr:cNvPr descr).
for n in names:
    if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n):
        d = z.read(n).decode()
        check(d.count("<xdr:cNvPr") == d.count('descr="'), n + ": an object without alt text")

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



# Deprivation: the coefficients are the regress subcommand's, to the last digit
# printed (%.17g in JSON; the workbook stores the same doubles).
dep = None
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
dws, _ = find_table("Payments per weighted patient on deprivation: least squares, HC3 robust intervals")
t = list(dws.tables.values())[0]
hrow = int(re.match(r"A(\d+):", t.ref).group(1))
hdr = [c.value for c in dws[hrow]]
check(hdr[:3] == ["scope", "term", "estimate"], "Deprivation header %r" % hdr[:3])
# p-values: "< 0.001" below 0.001, else three significant figures.
pcol = hdr.index("p value") + 1
for r in range(hrow + 1, dws.max_row + 1):
    c = dws.cell(row=r, column=pcol)
    if isinstance(c.value, float):
        want = ('[<0.001]"< 0.001";0.000' if abs(c.value) < 0.001 else "0.00000"
                if abs(c.value) < 0.01 else "0.0000" if abs(c.value) < 0.1 else "0.000")
        check(c.number_format == want, "p-value %r formatted %r" % (c.value, c.number_format))

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
cor = table(None, "England: payments per weighted patient against ...")
sp = [r for r in cor if r["method"] == "spearman" and r["year"] == "2014/15"][0]
rho = stats.spearmanr(x, y).correlation
close(sp["estimate"], rho, 1e-12, "national Spearman rho")
check(sp["n"] == len(x), "Spearman n %r, want %d" % (sp["n"], len(x)))
check(isinstance(sp["verdict"], str) and sp["verdict"], "verdict text")
byccg = table(None, "By CCG: Spearman's rho of payments per weighted patient and deprivation")
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
fair = table(None, "Inequality of payments per weighted patient (practices weighted by weighted patients)")
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
fs = table(None, "Funnel: payments per weighted patient against weighted patients")[0]
fr = fj["funnel"][0]
check(fs["practices"] == fr["n"], "funnel n")
close(fs["target"], fr["target"], 1e-15, "funnel target")
close(fs["phi"], fr["phi"], 1e-15, "funnel phi")
for k in ("outside_95", "outside_99_8", "above_99_8", "below_99_8"):
    check(fs[k] == fr[k], "funnel " + k)
fo = table(None, "Practices outside the 99.8% limits, most extreme first")
want = [o["practice_code"] for o in fj["outliers"] if o["outside"] == "99.8"]
check([o["practice_code"] for o in fo] == want, "funnel outliers differ from the funnel command")

# CCGs: pooled payments per weighted patient of Bristol, and the ranking.
ccgs = table(None, "Payments per weighted patient by CCG (pooled), highest first")
b = [r for r in ccgs if r["ccg_code"] == "11H"][0]
close(b["payments_per_weighted"], ccg_t["11H"] / ccg_w["11H"], 1e-13, "11H pooled")
vals = [r["payments_per_weighted"] for r in ccgs]
check(vals == sorted(vals, reverse=True), "CCGs not sorted highest first")
close(b["difference_from_england"], ccg_t["11H"] / ccg_w["11H"] / (all_t / all_w) - 1, 1e-12,
      "11H difference from England")
# Money by what it is: pence for £ per weighted patient, whole pounds or £m
# for totals; percentages as percentages.
cws, _ = find_table("Payments per weighted patient by CCG (pooled), highest first")
ct = list(cws.tables.values())[0]
ch = int(re.match(r"A(\d+):", ct.ref).group(1))
chead = [c.value for c in cws[ch]]
cell = cws.cell(row=ch + 1, column=chead.index("payments per weighted") + 1)
check(cell.number_format == PENCE, "money format %r" % cell.number_format)
cell = cws.cell(row=ch + 1, column=chead.index("difference from england") + 1)
check(cell.number_format == "0.0%", "percent format %r" % cell.number_format)

# Trend: 2014/15 "All" pooled = every practice with weighted patients.
trend = table(None, "Total NHS payments per weighted patient by contract type")
a = [r for r in trend if r["year"] == "2014/15" and r["contract_type"] == "All"][0]
close(a["payments_per_weighted"], all_t / all_w, 1e-13, "trend 2014/15 All")
check(len({r["year"] for r in trend}) == 6, "trend years")

# Savings: released = reinvested + net saving in every year, to the penny.
sav = table(None, "Savings by year (pounds)")
check(len(sav) > 10, "savings years")
sws, _ = find_table("Savings by year (pounds)")
for row in sws.iter_rows():
    for c in row:
        if isinstance(c.value, float) and c.column_letter in ("C", "D", "E"):
            want = MILLIONS if abs(c.value) >= 1e6 else POUNDS
            check(c.number_format == want, "savings %s%d %r formatted %r"
                  % (c.column_letter, c.row, c.value, c.number_format))
for r in sav:
    check(abs(r["released"] - r["reinvested"] - r["net_saving"]) < 0.005,
          "released != reinvested + net in %s %s" % (r["scenario"], r["year"]))
prac = table(None, "Practices of the locality: core funding before and after")
check(len(prac) > 0 and len({r["practice_code"] for r in prac}) <= 55, "practice rows of 11H")

# Fair shares: Bristol's locality row against the exact recomputation
# (tests/reference/target.out: need weighted, value core_payments, national),
# and every practice's fair share adding up to the pot to the penny.
fref = {}
for l in open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "target.out")):
    f = l.split()
    if f[1:4] == ["weighted", "core_payments", "national"] and f[0] in ("bristol", "config"):
        fref[f[0]] = [int(x) for x in f[4:]]
floc = table(None, "Localities: practices' actual and fair shares summed")
fpr = table(None, "Practices: actual against fair share")
check(bool(floc) and floc[0]["locality"] == "11H", "Fair_shares: Bristol does not lead")
if floc and fref:
    b = floc[0]
    check([b["practices"], round(b["actual"] * 100), round(b["target"] * 100)] ==
          fref["bristol"][:3], "Fair_shares: Bristol %r, want %r" % (b, fref["bristol"]))
    check(len(fpr) == fref["config"][0], "Fair_shares: %d practices" % len(fpr))
    check(sum(round(r["target"] * 100) for r in fpr) == fref["config"][2] ==
          sum(round(r["actual"] * 100) for r in fpr), "Fair_shares: targets do not add up to the pot")

# Fair shares of the savings options: England's rows and Bristol's own, to the
# penny, against tests/reference/target_options.out (national).
oref = [l.split() for l in open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                             "target_options.out")) if l.split()[1] == "national"]
opt = table(None, "Savings scenarios on the fair-shares axis: the distance from target before "
            "and after each scenario's final year")
check(len(opt) == 2 * len(oref), "Fair_shares_options: %d rows" % len(opt))
for k, f in enumerate(oref[:len(opt) // 2]):
    for r, want in ((opt[2 * k], f[4:14]), (opt[2 * k + 1], f[15:25])):
        got = [r["practices"]] + [round(r[c] * 100) for c in ("pot_before", "pot_after",
               "net_saving", "to_move_before", "to_move_after")] + \
              [r[c] for c in ("over10_before", "over10_after", "under10_before", "under10_after")]
        check(r["scenario"] == f[2] and got == [int(x) for x in want],
              "Fair_shares_options: %s %s %r, want %r" % (f[2], r["area"], got, want))

# Methods and Provenance.
meth = [c.value for c in wb["Methods"]["A"] if c.value]
for key in ("Deprivation:", "Correlations:", "Fairness:", "CCGs:", "Fair shares:", "Savings:",
            "Trend:"):
    check(any(m.startswith(key) for m in meth), "Methods lacks " + key)
prov = [r for n in wb.sheetnames if n.startswith("Provenance")
        for r in wb[n].iter_rows(values_only=True)]
shas = [v for r in prov for v in r if v and re.fullmatch(r"[0-9a-f]{64}", str(v))]
check(len(shas) >= 9, "Provenance SHA-256 rows: %d" % len(shas))
check(any(r[0] == "toolkit" for r in prov), "Provenance toolkit version")

# Charts and images, from the package itself.
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
rv = table(None,
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
