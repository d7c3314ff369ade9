#!/usr/bin/env python3
"""Independent computation of the income measures (pandas) on the real files.

For every year's NHS Payments to General Practice file in datasets/nhs-payments,
computes the measures of doc/methods/measures-and-practices.md straight from the
published headers (found here by their own spelling, not through the toolkit's
alias table) and prints, per measure: rows with a value, the sum, the sum of
squares, and the value for a few practices.  tests/test_measures.c reads the
output (measures.out) and compares the toolkit's columns with it.

Run:  /usr/bin/python3 tests/reference/measures.py datasets > tests/reference/measures.out
"""
import re
import sys

import numpy as np
import pandas as pd

YEARS = ["2014-15", "2015-16", "2016-17", "2017-18", "2018-19", "2019-20",
         "2020-21", "2021-22", "2022-23"]
PRACTICES = ["Y02873", "A81001", "L81004", "D82044"]  # tiny, urban, Bristol, rural dispensing


def key(h):
    return re.sub(r"[^a-z0-9]", "", h.lower())


def col(d, *names):
    keys = {key(c): c for c in d.columns}
    for n in names:
        if key(n) in keys:
            return keys[key(n)]
    raise KeyError(names)


def num(d, *names):
    # Missing markers as the files write them; anything else must be a number.
    s = d[col(d, *names)].astype(str).str.strip()
    s = s.replace({"": np.nan, "-": np.nan, "nan": np.nan, "NA": np.nan, "..": np.nan, "*": np.nan})
    return pd.to_numeric(s.str.replace(",", "", regex=False), errors="raise")


def main(ds):
    for y in YEARS:
        d = pd.read_csv(f"{ds}/nhs-payments/nhs-payments-gp-{y}.csv", dtype=str,
                        encoding="utf-8-sig", keep_default_na=False)
        # The practice code is the column headed "Practice Code" in every year.
        code = d[col(d, "Practice Code")].str.strip().str.upper()
        total = num(d, "Total NHS Payments to General Practice")
        disp = (num(d, "Prescribing Fee Payments") + num(d, "Dispensing Fee Payments")
                + num(d, "Reimbursement of Drugs"))
        less = total - disp
        less_prem = less - num(d, "Premises Payments")
        core = num(d, "Global Sum") + num(d, "MPIG Correction factor") + num(d, "Balance of PMS Expenditure")
        reg = num(d, "Number of Registered Patients (Last Known Figure)")
        wt = num(d, "Number of Weighted Patients (Last Known Figure)")
        per = lambda v, den: v / den.where(den > 0)
        m = {
            "dispensing_payments": disp,
            "payments_less_dispensing": less,
            "payments_less_dispensing_premises": less_prem,
            "core_payments": core,
        }
        for name, v in list(m.items()):
            base = "core" if name == "core_payments" else name
            m[f"{base}_per_weighted"] = per(v, wt)
            m[f"{base}_per_registered"] = per(v, reg)
        m["payments_per_weighted"] = per(total, wt)
        for name, v in m.items():
            ok = v.notna()
            print(f"{y} {name} n {int(ok.sum())}")
            print(f"{y} {name} sum {v[ok].sum():.17g}")
            print(f"{y} {name} sumsq {(v[ok] ** 2).sum():.17g}")
            for p in PRACTICES:
                idx = np.flatnonzero(code.values == p)
                if len(idx):
                    print(f"{y} {name} at {p} {v.iloc[idx[0]]:.17g}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "datasets")
