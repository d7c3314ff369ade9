#!/usr/bin/env python3
"""Independent count (pandas) of the practices each selection rule removes
(io/select.h, doc/methods/measures-and-practices.md) in every year's file.

Rules in order; a practice is counted under the first it fails ("first") and
under every rule it fails ("alone"):
  nonpositive, practice_type, atypical, part_year, min_list (< 1000 registered).
part_year uses the financial year holding the latest opening date in the file.

Run:  /usr/bin/python3 tests/reference/select.py datasets > tests/reference/select.out
"""
import re
import sys

import numpy as np
import pandas as pd

YEARS = ["2014-15", "2015-16", "2016-17", "2017-18", "2018-19", "2019-20",
         "2020-21", "2021-22", "2022-23"]


def find(d, name):
    k = re.sub(r"[^a-z0-9]", "", name.lower())
    for c in d.columns:
        if re.sub(r"[^a-z0-9]", "", c.lower()) == k:
            return c
    return None


def num(d, name):
    s = d[find(d, name)].astype(str).str.strip().replace({"": np.nan, "-": np.nan})
    return pd.to_numeric(s)


def main(ds):
    for y in YEARS:
        d = pd.read_csv(f"{ds}/nhs-payments/nhs-payments-gp-{y}.csv", dtype=str,
                        encoding="utf-8-sig", keep_default_na=False)
        reg = num(d, "Number of Registered Patients (Last Known Figure)")
        wt = num(d, "Number of Weighted Patients (Last Known Figure)")
        tot = num(d, "Total NHS Payments to General Practice")
        date = lambda c: pd.to_datetime(d[find(d, c)].str.strip().replace({"": None, "-": None}),
                                        format="%d/%m/%Y")
        opened, closed = date("Practice Open Date"), date("Practice Close Date")
        latest = opened.max()
        fy = latest.year if latest.month >= 4 else latest.year - 1
        start, end = pd.Timestamp(fy, 4, 1), pd.Timestamp(fy + 1, 3, 31)
        rules = {"nonpositive": ~((reg > 0) & (wt > 0) & (tot > 0))}
        pt, at = find(d, "Practice type"), find(d, "Atypical characteristics")
        if pt:
            v = d[pt].str.strip()
            rules["practice_type"] = (v != "") & (v.str.lower() != "gp practice")
        if at:
            rules["atypical"] = d[at].str.strip().str.strip("| ") != ""
        rules["part_year"] = (opened > start).fillna(False) | (closed < end).fillna(False)
        rules["min_list"] = ~(reg >= 1000)
        left = pd.Series(True, index=d.index)
        print(f"{y} year {fy}")
        for name, fail in rules.items():
            fail = fail.fillna(False).astype(bool)
            print(f"{y} {name} alone {int(fail.sum())}")
            print(f"{y} {name} first {int((fail & left).sum())}")
            left &= ~fail
        print(f"{y} kept {int(left.sum())}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "datasets")
