#!/usr/bin/env python3
"""Exact two-sided p-values of Kendall's test without ties, from the Mahonian
numbers (permutations of n by number of inversions), in integer arithmetic.

Under independence the number of concordant pairs T among n untied pairs is
distributed as the number of inversions of a uniform random permutation,
whose counts are the coefficients of prod_{m=1}^{n} (1 + x + ... + x^{m-1})
(Kendall 1938; OEIS A008302).  For every q = 0..N, N = n(n-1)/2, this prints
  n q p
with p = min(1, 2 min(P(T <= q), P(T >= q))) as cor.test(method = "kendall",
exact = TRUE) defines it, computed as an exact fraction and rounded once to
double (repr, 17 significant digits).  R is not the reference: R's ckendall
sums the upper tail as 1 - P(T <= q - 1) and cancels (issue 17).

Run: python3 tests/reference/kendall_exact.py > tests/reference/kendall_exact.out
"""
from fractions import Fraction
from math import factorial

NS = (4, 7, 12, 20, 35, 49)


def mahonian(n):
    c = [1]
    for m in range(2, n + 1):
        nxt = [0] * (len(c) + m - 1)
        for k, v in enumerate(c):
            for i in range(m):
                nxt[k + i] += v
        c = nxt
    assert sum(c) == factorial(n)
    return c


def main():
    print("# n q p  (exact two-sided Kendall p-value, T = concordant pairs = q)")
    for n in NS:
        c = mahonian(n)
        total = factorial(n)
        N = n * (n - 1) // 2
        lower = 0
        cum = []
        for v in c:
            lower += v
            cum.append(lower)
        for q in range(N + 1):
            lo = cum[q]
            hi = total - (cum[q - 1] if q > 0 else 0)
            p = min(Fraction(1), Fraction(2 * min(lo, hi), total))
            print(n, q, repr(float(p)))


if __name__ == "__main__":
    main()
