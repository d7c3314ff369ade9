#!/usr/bin/env python3
"""Peer of pmsreview's fairness bootstrap for bench_gini_boot.sh: a weighted
Gini bootstrap in plain NumPy, written as a NumPy user would write it well:
the practices sorted by amount once, each resample as counts over that order
(np.bincount of n uniform draws), the Gini from cumulative sums (the same
area form as analysis/fairness.c), percentile interval.  It computes the Gini
only; pmsreview computes the Gini and Theil T with percentile and BCa
intervals, so the comparison favours NumPy.
Usage: gini_boot_numpy.py DATASETS_DIR RESAMPLES
Prints: n, wall seconds, CPU seconds, the Gini and its 95% percentile interval."""
import sys
import time

import numpy as np
import pandas as pd

d, R = sys.argv[1], int(sys.argv[2])
p = pd.read_csv(f"{d}/nhs-payments/nhs-payments-gp-2014-15.csv", encoding="utf-8-sig",
                low_memory=False)
w = pd.to_numeric(p["Number of Weighted Patients (Last Known Figure)"], errors="coerce").to_numpy(float)
tot = pd.to_numeric(p["Total NHS Payments to General Practice"], errors="coerce").to_numpy(float)
with np.errstate(divide="ignore", invalid="ignore"):
    x = tot / w
keep = (w > 0) & np.isfinite(x) & (x > 0)
x, w = x[keep], w[keep]
o = np.argsort(x, kind="stable")
x, w = x[o], w[o]
a = w * x
n = len(x)


def gini(m):
    wi, ai = m * w, m * a
    ca = np.cumsum(ai)
    W, Y = wi.sum(), ca[-1]
    return 1.0 - np.dot(wi, 2.0 * (ca - ai) + ai) / (W * Y)


rng = np.random.default_rng(2015)
t0, c0 = time.perf_counter(), time.process_time()
reps = np.empty(R)
for r in range(R):
    reps[r] = gini(np.bincount(rng.integers(0, n, n), minlength=n))
lo, hi = np.percentile(reps, [2.5, 97.5])
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(f"{n} {wall:.4f} {cpu:.4f} {gini(np.ones(n)):.6f} {lo:.6f} {hi:.6f}")
