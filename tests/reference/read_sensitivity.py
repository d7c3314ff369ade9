#!/usr/bin/python3
"""Check a report's Sensitivity sheet against numbers recomputed here from the
CSV files with pandas and SciPy: the four income measures, the practice rules
(written again from doc/methods/measures-and-practices.md), Spearman's rho with
IMD 2015 nationally and in the locality's base-year practices, the weighted
Gini (area form) and the concentration index (weighted fractional ranks, most
deprived first).  Also checks the rule counts on the Provenance sheet.

Usage: read_sensitivity.py REPORT_DIR DATASETS_DIR LOCALITY
Prints one line per failed check and exits 1 if any failed."""
import re
import sys

import numpy as np
import openpyxl
import pandas as pd
from scipy import stats

rep, ds, locality = sys.argv[1:4]
failures = []


def close(a, b, rel, what):
    ok = a is not None and b is not None and abs(a - b) <= rel * max(abs(b), 1e-300)
    if not ok:
        failures.append("%s: %r, want %r (rel %g)" % (what, a, b, rel))


def col(d, name):
    k = re.sub(r"[^a-z0-9]", "", name.lower())
    for c in d.columns:
        if re.sub(r"[^a-z0-9]", "", c.lower()) == k:
            return c
    return None


def num(d, name):
    s = d[col(d, name)].astype(str).str.strip().replace({"": np.nan, "-": np.nan})
    return pd.to_numeric(s)


d = pd.read_csv(ds + "/nhs-payments/nhs-payments-gp-2014-15.csv", dtype=str,
                encoding="utf-8-sig", keep_default_na=False)
code = d[col(d, "Practice Code")].str.strip()
ccg = d[col(d, "CCG Code")].str.strip()
imdl = pd.read_csv(ds + "/practice-imd/practice-imd-fingertips-93553.csv", encoding="utf-8-sig")
imdl = imdl[imdl["Year"] == 2015].drop_duplicates("AreaCode")
imd = code.map(dict(zip(imdl["AreaCode"], imdl["Value"]))).astype(float)
reg = num(d, "Number of Registered Patients (Last Known Figure)")
wt = num(d, "Number of Weighted Patients (Last Known Figure)")
tot = num(d, "Total NHS Payments to General Practice")
disp = (num(d, "Prescribing Fee Payments") + num(d, "Dispensing Fee Payments")
        + num(d, "Reimbursement of Drugs"))
core = num(d, "Global Sum") + num(d, "MPIG Correction factor") + num(d, "Balance of PMS Expenditure")
per_w = lambda v: v / wt.where(wt > 0)
measures = {
    "payments_per_weighted": per_w(tot),
    "payments_less_dispensing_per_weighted": per_w(tot - disp),
    "payments_less_dispensing_premises_per_weighted": per_w(tot - disp - num(d, "Premises Payments")),
    "core_per_weighted": per_w(core),
}

# The rules (2014/15 has no practice type or atypical columns).
date = lambda c: pd.to_datetime(d[col(d, c)].str.strip().replace({"": None, "-": None}),
                                format="%d/%m/%Y")
opened, closed = date("Practice Open Date"), date("Practice Close Date")
fy = opened.max().year if opened.max().month >= 4 else opened.max().year - 1
rules = [("nonpositive", ~((reg > 0) & (wt > 0) & (tot > 0))),
         ("part_year", (opened > pd.Timestamp(fy, 4, 1)).fillna(False)
          | (closed < pd.Timestamp(fy + 1, 3, 31)).fillna(False)),
         ("min_list", ~(reg >= 1000))]
keep = pd.Series(True, index=d.index)
first = {}
for name, fail in rules:
    fail = fail.fillna(False).astype(bool)
    first[name] = int((fail & keep).sum())
    keep &= ~fail
in_loc = ccg == locality


def wgini(x, w):
    o = np.argsort(x, kind="mergesort")
    x, w = x[o], w[o]
    P = np.concatenate([[0], np.cumsum(w) / w.sum()])
    L = np.concatenate([[0], np.cumsum(w * x) / (w * x).sum()])
    return 1 - np.sum((P[1:] - P[:-1]) * (L[1:] + L[:-1]))


def conc(x, w, rank_by):
    # most deprived first: sort by -rank_by; ties share the block's mean rank
    o = np.argsort(-rank_by, kind="mergesort")
    x, w, r = x[o], w[o], -rank_by[o]
    W = w.sum()
    R = np.empty(len(x))
    before = 0.0
    i = 0
    while i < len(x):
        j = i
        while j < len(x) and r[j] == r[i]:
            j += 1
        wb = w[i:j].sum()
        R[i:j] = (before + wb / 2) / W
        before += wb
        i = j
    mu = np.sum(w * x) / W
    Rb = np.sum(w * R) / W
    return 2 * np.sum(w * (x - mu) * (R - Rb)) / W / mu


want = {}
for rules_on in (True, False):
    sel = keep if rules_on else pd.Series(True, index=d.index)
    for m, v in measures.items():
        ok = sel & v.notna() & imd.notna()
        rho = stats.spearmanr(imd[ok], v[ok]).correlation
        lok = ok & in_loc
        lrho = stats.spearmanr(imd[lok], v[lok]).correlation if lok.sum() >= 10 else None
        g = sel & (v > 0) & (wt > 0) & imd.notna()
        want[(m, rules_on)] = (int(ok.sum()), rho, lrho, wgini(v[g].values, wt[g].values),
                               conc(v[g].values, wt[g].values, imd[g].values))

wb = openpyxl.load_workbook(rep + "/pmsreview-report.xlsx")
# One Excel Table on the sheet: headers are the keys as words ("practice rules").
rows = list(wb["Sensitivity"].iter_rows(values_only=True))
hi = [i for i, r in enumerate(rows) if r[:3] == ("measure", "column", "practice rules")][0]
head = [str(h).replace(" ", "_") for h in rows[hi]]
got = [dict(zip(head, r)) for r in rows[hi + 1:] if r[1] in measures]
if len(got) != 8:
    failures.append("Sensitivity: %d rows, want 8" % len(got))
for g in got:
    n, rho, lrho, gini, ci = want[(g["column"], g["practice_rules"] == "applied")]
    what = "%s (%s)" % (g["column"], g["practice_rules"])
    if g["practices"] != n:
        failures.append("%s: n %r, want %d" % (what, g["practices"], n))
    # Ranks and sums over ~7,800 practices: the same numbers by another route,
    # equal to rounding (1e-10 relative is thousands of ulps of headroom).
    close(g["rho_england"], rho, 1e-10, what + " national rho")
    if lrho is not None:
        close(g["rho_locality"], lrho, 1e-10, what + " locality rho")
    close(g["gini"], gini, 1e-10, what + " Gini")
    close(g["concentration_index"], ci, 1e-9, what + " concentration index")

# The rule counts in Provenance.
prov = [r for n in wb.sheetnames if n.startswith("Provenance")
        for r in wb[n].iter_rows(values_only=True)]
for name, n in first.items():
    hits = [r for r in prov if r[1] == "rule_" + name and "nhs-payments-gp-2014-15" in str(r[0])]
    if not hits or hits[0][2] != n:
        failures.append("Provenance rule_%s: %r, want %d" % (name, hits[0][2] if hits else None, n))

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
