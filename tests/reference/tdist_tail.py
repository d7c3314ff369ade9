#!/usr/bin/env python3
"""Upper tail of Student's t, Q(t; df) = P(T > t), to 17 significant digits
from mpmath at 400 decimal digits (at least 100 correct):
  Q(t; df) = I_{df/(df+t^2)}(df/2, 1/2) / 2          for t >= 0,
  Q(t; df) = 1 - Q(-t; df)                            for t < 0,
with I the regularised incomplete beta from its hypergeometric series
(checked against mpmath.betainc(regularized=True) to 1e-30 relative wherever that converges),
t taken as the exact value of the double printed (repr).  The grid covers
df = 1 .. 1e6 (integer and not) and t from 1e-3 to far in the tail, with a
dense band at t^2 just under and over 10 df, where GSL's gsl_cdf_tdist_Q
switches to an asymptotic series for df > 30 (relative error up to 1.1e-6,
issue 17).

Needs mpmath (pip's mpmath 1.3.0 here; Debian: python3-mpmath).
Run: python3 tests/reference/tdist_tail.py > tests/reference/tdist_tail.out
Output lines: df t Q
"""
import math

import mpmath

# 400 digits: the complement 1 - I_{1-x}(b, a) (small t^2 against a large df)
# cancels down to the size of the answer, which can be 1e-300; 100 digits remain.
mpmath.mp.dps = 400

DFS = [1, 2, 3, 4.5, 5, 10, 29, 30, 30.5, 31, 37, 50, 97, 100, 250, 1000, 7800, 49998,
       1e5, 1e6]
T_FIXED = [1e-3, 0.1, 0.6744897501960817, 1.0, 1.6448536269514722, 1.959963984540054,
           2.5758293035489004, 3.0, 4.0, 6.0, 10.0, 20.0, 40.0, 100.0, 1e3, 1e5]
BAND = [0.5, 0.9, 0.99, 0.999, 0.999999, 1.0, 1.000001, 1.01, 1.5, 2.0]


def ibeta(a, b, x, xc):
    """I_x(a, b), xc = 1 - x, from I_x = x^a (1-x)^b 2F1(a+b, 1; a+1; x) / (a B(a, b))
    (Abramowitz & Stegun 26.5.23 with 15.3.3): positive terms, ratio < x <= 1/2."""
    if x > 0.5:
        # the complement cancels down to the size of the answer (as small as
        # 1e-300 here): the working precision (400 digits) covers it
        return 1 - ibeta(b, a, xc, x)
    pre = mpmath.exp(a * mpmath.log(x) + b * mpmath.log(xc) - mpmath.log(a) - mpmath.log(mpmath.beta(a, b)))
    return pre * mpmath.hyp2f1(a + b, 1, a + 1, x)


def q_tail(t, df):
    t = mpmath.mpf(t)
    df = mpmath.mpf(df)
    if t < 0:
        return 1 - q_tail(-t, df)
    x = df / (df + t * t)
    xc = t * t / (df + t * t)
    q = ibeta(df / 2, mpmath.mpf(1) / 2, x, xc) / 2
    if q < mpmath.mpf("1e-300"):
        return q   # not printed: below the normal doubles (and past 100 digits)
    # independent check by mpmath's own betainc where it converges (60 digits)
    try:
        alt = mpmath.betainc(df / 2, mpmath.mpf(1) / 2, 0, x, regularized=True) / 2
        assert abs(alt - q) <= mpmath.mpf("1e-30") * q, (df, t, q, alt)
    except ValueError:
        pass
    return q


def main():
    print("# df t Q  (Q = P(T > t), Student t; hypergeometric series, 400 digits)")
    for df in DFS:
        ts = list(T_FIXED) + [-2.385, -0.5]
        ts += [math.sqrt(10 * df * f) for f in BAND]
        for t in ts:
            q = q_tail(t, df)
            if q < mpmath.mpf("1e-300"):
                continue
            print(repr(float(df)), repr(float(t)), mpmath.nstr(q, 17, min_fixed=1, max_fixed=0))


if __name__ == "__main__":
    main()
