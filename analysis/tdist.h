/* Student's t distribution tail, accurate to about 1e-14 relative everywhere.
 *
 * Why not gsl_cdf_tdist_Q: for df > 30 and t^2 < 10 df GSL uses an
 * asymptotic series whose relative error reaches 1.1e-6 where the tail is
 * about 1e-17 (df = 31, t^2 just under 310; issue 17).  Here the tail is
 * always the regularised incomplete beta function,
 *   Q(t; df) = P(T > t) = I_x(df/2, 1/2) / 2,  x = df/(df + t^2),  t >= 0,
 * (Abramowitz & Stegun 26.7.1 with 26.5.27), evaluated by its continued
 * fraction (A&S 26.5.8, modified Lentz) in long double on whichever side of
 * the peak converges, with x and 1 - x = t^2/(df + t^2) formed separately so
 * neither is lost to rounding.  Tested against 400-digit mpmath values
 * (tests/reference/tdist_tail.py) for df = 1 .. 1e6 and t from 1e-3 to 1e5:
 * see doc/methods/correlation.md for the measured error. */
#ifndef PMS_TDIST_H
#define PMS_TDIST_H

/* P(T > t) for Student's t on df > 0 degrees of freedom (df need not be an
 * integer).  NaN if t or df is NaN or df <= 0; t = +-Inf gives 0 or 1. */
double pms_tdist_Q(double t, double df);

/* Two-sided p-value 2 P(T > |t|), at most 1; NaN as pms_tdist_Q. */
double pms_tdist_p2(double t, double df);

#endif
