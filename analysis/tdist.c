/* Student's t tail from the incomplete beta function; see tdist.h. */
#include "analysis/tdist.h"

#include <math.h>

#include <gsl/gsl_sf_gamma.h>

typedef long double ld;

/* Continued fraction of I_x(a, b) (A&S 26.5.8) by the modified Lentz method
 * (Numerical Recipes 6.4 "betacf"), in long double; it converges fast for
 * x < (a + 1)/(a + b + 2).  Returns NaN if it has not converged. */
static ld beta_cf(ld a, ld b, ld x)
{
    const ld tiny = 1e-4000L, eps = 1e-19L;
    ld qab = a + b, qap = a + 1, qam = a - 1;
    ld c = 1, d = 1 - qab * x / qap;
    if (fabsl(d) < tiny) d = tiny;
    d = 1 / d;
    ld h = d;
    for (int m = 1; m <= 200000; m++) {
        ld m2 = 2.0L * m;
        ld aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        if (fabsl(d) < tiny) d = tiny;
        c = 1 + aa / c;
        if (fabsl(c) < tiny) c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        if (fabsl(d) < tiny) d = tiny;
        c = 1 + aa / c;
        if (fabsl(c) < tiny) c = tiny;
        d = 1 / d;
        ld del = d * c;
        h *= del;
        if (fabsl(del - 1) < eps) return h;
    }
    return NAN;
}

/* I_x(a, b) with xc = 1 - x and the logs of both given separately (x, xc in
 * (0, 1)): near x = 1, a log(x) from a rounded x would be off by a times its
 * rounding error (5e-14 relative at df = 1e6), so the caller passes log1p. */
static ld ibeta(ld a, ld b, ld x, ld xc, ld lx, ld lxc)
{
    /* log of x^a (1-x)^b / B(a, b): lnbeta from GSL (about 1e-15 absolute,
     * its large-argument correction avoids lgamma's cancellation). */
    ld lpre = a * lx + b * lxc - (ld)gsl_sf_lnbeta((double)a, (double)b);
    if (x < (a + 1) / (a + b + 2)) return expl(lpre) * beta_cf(a, b, x) / a;
    return 1 - expl(lpre) * beta_cf(b, a, xc) / b;
}

double pms_tdist_Q(double t, double df)
{
    if (isnan(t) || isnan(df) || !(df > 0)) return NAN;
    if (t == 0) return 0.5;
    if (isinf(t)) return t > 0 ? 0 : 1;
    ld at = fabsl((ld)t), t2 = at * at, s = (ld)df + t2;
    ld x = (ld)df / s, xc = t2 / s;
    /* Q = I_x(df/2, 1/2)/2 for |t|.  Where x is past the continued fraction's
     * switch point, ibeta forms 1 - I_{1-x}(1/2, df/2): that is only for
     * t^2 < 3 df/(df + 2), where Q > 0.04, so the subtraction costs nothing. */
    ld q = ibeta((ld)df / 2, 0.5L, x, xc, -log1pl(t2 / (ld)df), -log1pl((ld)df / t2)) / 2;
    if (isnan(q)) return NAN;
    return (double)(t > 0 ? q : 1 - q);
}

double pms_tdist_p2(double t, double df)
{
    double q = pms_tdist_Q(fabs(t), df);
    return isnan(q) ? NAN : fmin(1.0, 2 * q);
}
