#!/usr/bin/env python3
"""The best any double-precision program can do on the NIST StRD regression sets.

NIST certifies the least-squares solution of the data *as decimals*.  A program
reading them into doubles solves a slightly different problem: each value is
rounded to binary (relative error up to 1.1e-16), and an ill-conditioned design
amplifies that.  This script solves the rounded (binary) problem exactly, in
rational arithmetic (Python fractions, normal equations solved by exact
Gaussian elimination), and prints the LRE of that exact answer against the
certified values: the ceiling for an error-free algorithm on double inputs.

tests/test_nist_regress.c requires pmsreview's LRE to be at least
min(R's LRE, this ceiling); an LRE above the ceiling is luck, not accuracy
(R's 14.00 on Norris's se0 is above its ceiling of 13.92).

Run from the source tree:
    python3 tests/reference/nist_exact.py > tests/reference/nist_exact.out
"""
import math
import re
import sys
from fractions import Fraction as F

SETS = ["Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley",
        "Wampler1", "Wampler2", "Wampler3", "Wampler4", "Wampler5"]


def lre(got, want):
    d = abs(got - want)
    if d == 0:
        return 15.0
    l = -math.log10(d / abs(want)) if want != 0 else -math.log10(d)
    return max(0.0, min(15.0, l))


def frac_lre(got, want):
    """LRE of an exact rational `got` against a certified float `want`."""
    w = F(want)
    d = abs(got - w)
    if d == 0:
        return 15.0
    rel = d / abs(w) if w != 0 else d
    return max(0.0, min(15.0, -math.log10(float(rel)) if rel > 0 else 15.0))


def load(name):
    lines = open(f"datasets/nist-strd/linear-regression/{name}.dat").read().split("\n")
    beta, sd = {}, {}
    rsd = r2 = None
    start = max(i for i, l in enumerate(lines) if l.startswith("Data:"))
    for l in lines[:start]:
        t = l.split()
        if len(t) == 3 and re.fullmatch(r"B\d+", t[0]):
            beta[int(t[0][1:])] = float(t[1])
            sd[int(t[0][1:])] = float(t[2])
        elif len(t) == 3 and t[0] == "Standard" and t[1] == "Deviation":
            rsd = float(t[2])
        elif len(t) == 2 and t[0] == "R-Squared":
            r2 = float(t[1])
    rows = [l.split() for l in lines[start + 1:] if l.strip()]
    # The binary problem: every value rounded to double, then taken exactly.
    data = [[F(float(v)) for v in r] for r in rows]
    return beta, sd, rsd, r2, data


def solve(A, b):
    """Exact Gaussian elimination with row pivoting on a nonzero pivot."""
    n = len(A)
    M = [row[:] + [b[i]] for i, row in enumerate(A)]
    for c in range(n):
        p = next(r for r in range(c, n) if M[r][c] != 0)
        M[c], M[p] = M[p], M[c]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c] / M[c][c]
                M[r] = [a - f * e for a, e in zip(M[r], M[c])]
    return [M[i][n] / M[i][i] for i in range(n)]


def inverse(A):
    n = len(A)
    cols = [solve(A, [F(int(i == j)) for i in range(n)]) for j in range(n)]
    return [[cols[j][i] for j in range(n)] for i in range(n)]


def main():
    for name in SETS:
        beta, sd, rsd, r2, data = load(name)
        idx = sorted(beta)
        icpt = 0 in idx
        slopes = len(idx) - icpt
        y = [r[0] for r in data]
        if len(data[0]) == 2:
            # NIST's polynomial model; the program forms x^j in double, but
            # x (integers, or Filip's 8-digit decimals) to the power j is what
            # the certified model means, so take exact powers of the binary x.
            X = [[r[1] ** j for j in range(1, slopes + 1)] for r in data]
        else:
            X = [r[1:] for r in data]
        Z = [([F(1)] if icpt else []) + row for row in X]
        n, p = len(Z), len(Z[0])
        ZtZ = [[sum(Z[i][a] * Z[i][c] for i in range(n)) for c in range(p)] for a in range(p)]
        Zty = [sum(Z[i][a] * y[i] for i in range(n)) for a in range(p)]
        b = solve(ZtZ, Zty)
        e = [y[i] - sum(Z[i][a] * b[a] for a in range(p)) for i in range(n)]
        rss = sum(v * v for v in e)
        s2 = rss / (n - p)
        Cinv = inverse(ZtZ)
        if icpt:
            ybar = sum(y) / n
            tss = sum((v - ybar) ** 2 for v in y)
        else:
            tss = sum(v * v for v in y)
        for j, k in enumerate(idx):
            print(f"{name}.b{k} {frac_lre(b[j], beta[k]):.2f}")
            se = math.sqrt(float(s2 * Cinv[j][j]))
            print(f"{name}.se{k} {lre(se, sd[k]):.2f}")
        print(f"{name}.resid_sd {lre(math.sqrt(float(s2)), rsd):.2f}")
        print(f"{name}.r2 {frac_lre(1 - rss / tss, r2):.2f}")
        if name == "Filip":
            filip_double_powers(beta, data)
        sys.stdout.flush()


def filip_double_powers(beta, data):
    """Filip's ceiling when x^j is formed in double by repeated multiplication,
    as any program that passes a design matrix of doubles does (R's lm, ours):
    the rounding of the powers alone limits every coefficient to ~7.9 digits."""
    y = [r[0] for r in data]
    Z = []
    for r in data:
        row, p = [F(1)], 1.0
        for _ in range(10):
            p *= float(r[1])
            row.append(F(p))
        Z.append(row)
    n, p = len(Z), len(Z[0])
    ZtZ = [[sum(Z[i][a] * Z[i][c] for i in range(n)) for c in range(p)] for a in range(p)]
    Zty = [sum(Z[i][a] * y[i] for i in range(n)) for a in range(p)]
    b = solve(ZtZ, Zty)
    for k in range(p):
        print(f"Filip.b{k}.dpow {frac_lre(b[k], beta[k]):.2f}")


if __name__ == "__main__":
    main()
