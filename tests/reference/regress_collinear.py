#!/usr/bin/env python3
"""Exact least squares and HC0-HC3 covariances for nearly collinear designs,
in rational arithmetic (fractions.Fraction), for tests/test_regress.c.

Each design has n = 14 rows, an intercept and two predictors x1 and
x2 = x1 + d z (z fixed, d = 1e-3, 1e-5, 1e-7, 1e-8, 1e-9, rounded to double):
the condition number of the centred, scaled design grows as 1/d.  One more
design (w7) is weighted (precision weights w, d = 1e-7), one (o5) has no
intercept (d = 1e-5).  y has heteroscedastic errors.  Every input is the exact
value of a double (printed with repr), so the exact solution below is the
exact least-squares solution of the numbers the C code reads.

Formulas (as sandwich::vcovHC for lm and lmtest::waldtest, see regress.R):
  B = (X'WX)^-1,  b = B X'Wy,  e = y - Xb,  h_i = w_i x_i' B x_i,
  omega_i = (w_i e_i)^2 times 1 | n/(n-p) | 1/(1-h_i) | 1/(1-h_i)^2 (HC0..HC3),
  V = B (sum omega_i x_i x_i') B,  classical V = s^2 B, s^2 = sum w e^2/(n-p),
  Wald F of the slopes = b_s' V_ss^-1 b_s / q.
Square roots (SEs) are taken once, at 40 digits (decimal), then rounded to
double; everything else is an exact fraction rounded once to double.

Run: python3 tests/reference/regress_collinear.py > tests/reference/regress_collinear.out
Output: "key value" lines; tag.x1_i / tag.x2_i / tag.y_i / tag.w_i are the data
(i = 0..n-1), tag.coefJ, tag.{cl,hc0,hc1,hc2,hc3}.seJ, tag.hcN.wald_f.
"""
from decimal import Decimal, getcontext
from fractions import Fraction as F

getcontext().prec = 40

N = 14
X1 = [1.25, 2.5, 2.875, 3.625, 4.0, 4.75, 5.5, 5.875, 6.5, 7.25, 8.0, 8.625, 9.375, 10.5]
Z = [0.31, -1.2, 0.77, 0.05, -0.46, 1.38, -0.92, 0.64, -0.13, 1.05, -1.51, 0.22, 0.88, -0.59]
ERR = [0.42, -0.77, 1.31, -0.18, 0.95, -1.62, 0.27, -0.49, 2.08, -1.14, 0.66, -2.37, 1.79, -0.85]
WTS = [1.5, 0.75, 2.25, 1.0, 3.5, 0.5, 1.25, 2.0, 0.875, 1.75, 2.5, 0.625, 1.125, 3.0]


def design(d):
    x1 = list(X1)
    x2 = [a + d * z for a, z in zip(X1, Z)]           # rounded to double
    # y = 1.5 + 2 x1 - 0.75 x2 + error growing with x1 (heteroscedastic)
    y = [1.5 + 2 * a - 0.75 * b + e * (0.3 + 0.25 * a) for a, b, e in zip(x1, x2, ERR)]
    return x1, x2, y


def solve(A, b):
    """Exact Gauss-Jordan solve A x = b (A square, nonsingular), b a matrix."""
    n = len(A)
    M = [list(A[i]) + list(b[i]) for i in range(n)]
    for c in range(n):
        piv = next(r for r in range(c, n) if M[r][c] != 0)
        M[c], M[piv] = M[piv], M[c]
        pv = M[c][c]
        M[c] = [v / pv for v in M[c]]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c]
                M[r] = [a - f * bb for a, bb in zip(M[r], M[c])]
    return [row[n:] for row in M]


def fit(x1, x2, y, w, icpt):
    n = len(y)
    X = [([F(1)] if icpt else []) + [F(a), F(b)] for a, b in zip(x1, x2)]
    Y = [F(v) for v in y]
    W = [F(v) for v in w] if w else [F(1)] * n
    p = len(X[0])
    XtWX = [[sum(W[i] * X[i][a] * X[i][c] for i in range(n)) for c in range(p)] for a in range(p)]
    I = [[F(int(a == c)) for c in range(p)] for a in range(p)]
    B = solve(XtWX, I)
    XtWy = [sum(W[i] * X[i][a] * Y[i] for i in range(n)) for a in range(p)]
    b = [sum(B[a][c] * XtWy[c] for c in range(p)) for a in range(p)]
    e = [Y[i] - sum(X[i][a] * b[a] for a in range(p)) for i in range(n)]
    h = [W[i] * sum(X[i][a] * B[a][c] * X[i][c] for a in range(p) for c in range(p))
         for i in range(n)]
    rss = sum(W[i] * e[i] ** 2 for i in range(n))
    res = {"coef": b, "cl": [[rss / (n - p) * B[a][c] for c in range(p)] for a in range(p)]}
    for hc in ("hc0", "hc1", "hc2", "hc3"):
        om = []
        for i in range(n):
            o = (W[i] * e[i]) ** 2
            if hc == "hc1":
                o *= F(n, n - p)
            elif hc == "hc2":
                o /= 1 - h[i]
            elif hc == "hc3":
                o /= (1 - h[i]) ** 2
            om.append(o)
        M = [[sum(om[i] * X[i][a] * X[i][c] for i in range(n)) for c in range(p)]
             for a in range(p)]
        BM = [[sum(B[a][l] * M[l][c] for l in range(p)) for c in range(p)] for a in range(p)]
        V = [[sum(BM[a][l] * B[l][c] for l in range(p)) for c in range(p)] for a in range(p)]
        res[hc] = V
    return res, p, icpt


def sqrt_dbl(v):
    return float((Decimal(v.numerator) / Decimal(v.denominator)).sqrt())


def wald(b, V, first):
    q = len(b) - first
    Vs = [[V[first + a][first + c] for c in range(q)] for a in range(q)]
    bs = [[b[first + a]] for a in range(q)]
    x = solve(Vs, bs)
    return sum(bs[a][0] * x[a][0] for a in range(q)) / q


def emit(tag, x1, x2, y, w, icpt):
    for i in range(N):
        print(f"{tag}.x1_{i} {x1[i]!r}")
        print(f"{tag}.x2_{i} {x2[i]!r}")
        print(f"{tag}.y_{i} {y[i]!r}")
        if w:
            print(f"{tag}.w_{i} {w[i]!r}")
    res, p, icpt = fit(x1, x2, y, w, icpt)
    for j in range(p):
        print(f"{tag}.coef{j} {float(res['coef'][j])!r}")
    for kind in ("cl", "hc0", "hc1", "hc2", "hc3"):
        V = res[kind]
        for j in range(p):
            print(f"{tag}.{kind}.se{j} {sqrt_dbl(V[j][j])!r}")
        if kind != "cl":
            print(f"{tag}.{kind}.wald_f {float(wald(res['coef'], V, 1 if icpt else 0))!r}")


def main():
    for tag, d in (("d3", 1e-3), ("d5", 1e-5), ("d7", 1e-7), ("d8", 1e-8), ("d9", 1e-9)):
        x1, x2, y = design(d)
        emit(tag, x1, x2, y, None, True)
    x1, x2, y = design(1e-7)
    emit("w7", x1, x2, y, WTS, True)
    x1, x2, y = design(1e-5)
    emit("o5", x1, x2, y, None, False)


if __name__ == "__main__":
    main()
