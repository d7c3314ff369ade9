"""SciPy's Theil-Sen on the pairs written by bench_theilsen: CPU time of one
scipy.stats.theilslopes call (slope, 95% interval, intercept), repeated REPS
times; prints "cpu_seconds_per_fit slope".  Usage: theilsen_scipy.py FILE [REPS]"""
import sys
import time

import numpy as np
from scipy import stats

xy = np.loadtxt(sys.argv[1])
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 1
x, y = xy[:, 0], xy[:, 1]
t0 = time.process_time()
for _ in range(reps):
    r = stats.theilslopes(y, x, 0.95)
t = (time.process_time() - t0) / reps
print(f"{t:.6f} {r[0]:.17g}")
