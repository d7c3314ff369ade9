#!/usr/bin/env python3
"""Independent count (pandas) of the selection step (io/cases.h) on every
year's payments file: the complete cases of total NHS payments and weighted
patients (> 0), among the practices with at least 1,000 registered patients
(the keep mask), grouped by CCG code (the group tested last), each excluded
practice counted once under its first reason:
  rule (fewer than 1,000 registered, or none), missing total, missing
  weighted, weighted <= 0, no CCG code.
Then the groups (CCGs with a kept practice, sorted by code), their case and
excluded counts for the first and last CCG, and the sum of the cases' total
payments.

Run:  /usr/bin/python3 tests/reference/cases.py datasets > tests/reference/cases.out
"""
import re
import sys

import numpy as np
import pandas as pd

# The year list and the column helpers are select.py's (same files, same
# header matching).
import importlib.util  # noqa: E402
import os  # noqa: E402

_spec = importlib.util.spec_from_file_location(  # "select" is also a standard module
    "select_ref", os.path.join(os.path.dirname(os.path.abspath(__file__)), "select.py"))
_sel = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sel)
YEARS, find, num = _sel.YEARS, _sel.find, _sel.num


def main(ds):
    for y in YEARS:
        d = pd.read_csv(f"{ds}/nhs-payments/nhs-payments-gp-{y}.csv", dtype=str,
                        encoding="utf-8-sig", keep_default_na=False)
        reg = num(d, "Number of Registered Patients (Last Known Figure)")
        wt = num(d, "Number of Weighted Patients (Last Known Figure)")
        tot = num(d, "Total NHS Payments to General Practice")
        ccg = d[find(d, "CCG Code")].str.strip()
        left = pd.Series(True, index=d.index)
        counts = {}
        for name, fail in [("rule", ~(reg >= 1000)), ("missing_total", tot.isna()),
                           ("missing_weighted", wt.isna()), ("nonpositive_weighted", ~(wt > 0)),
                           ("no_group", ccg == "")]:
            fail = fail.fillna(False).astype(bool)
            counts[name] = int((fail & left).sum())
            left &= ~fail
        print(f"{y} n {int(left.sum())}")
        for name, c in counts.items():
            print(f"{y} {name} {c}")
        kept = (reg >= 1000).fillna(False)
        groups = sorted(set(ccg[kept & (ccg != "")]))
        print(f"{y} ngroups {len(groups)}")
        for g in (groups[0], groups[-1]):
            ing = kept & (ccg == g)
            print(f"{y} group {g} n {int((ing & left).sum())} excluded {int((ing & ~left).sum())}")
        print(f"{y} sum_total {tot[left].sum():.2f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "datasets")
