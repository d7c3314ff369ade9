/* Inequality measures against tests/reference/inequality.R (base-R forms of
 * R's ineq package, and independent pairwise / repeated-unit forms), on small
 * hand-checkable sets and on the real 2014/15 payments per weighted patient.
 * Then the known values (equal amounts -> 0, one unit holds all -> (n-1)/n),
 * the decomposition identity, and every error path. */
/* ctest-labels: unit reference */
#include "testutil.h"

#include "analysis/inequality.h"
#include "fair_data.h"

static char *ref;
static fair_data fd;

static int setup(void **state)
{
    (void)state;
    return fair_data_load_with_ref(&fd, &ref);
}

static int teardown(void **state)
{
    (void)state;
    free(ref);
    fair_data_free(&fd);
    return 0;
}

#define REF(k) pms_ref_value(ref, k)

static const double x5[] = {2.385, 7.1, 0.45, 13.9, 7.1};
static const double w5[] = {1.5, 0.25, 3.75, 2.0, 1.125};
static const size_t g5[] = {0, 1, 0, 1, 1};

/* Tolerance 1e-14 relative on five values: R sums in double (error ~1e-16
 * per term), we in long double; the results agree to a few ulps. */
static void test_gini_small(void **state)
{
    (void)state;
    double xc[5], wc[5], g;
    memcpy(xc, x5, sizeof xc);
    memcpy(wc, w5, sizeof wc);
    pms_err err = {{0}};
    assert_int_equal(pms_ineq_gini(x5, NULL, 5, &g, &err), PMS_OK);
    assert_rel(g, REF("small.gini_unit"), 1e-14);
    assert_int_equal(pms_ineq_gini(x5, w5, 5, &g, &err), PMS_OK);
    assert_rel(g, REF("small.gini_w"), 1e-14);
    assert_rel(g, REF("small.gini_w_pairs"), 1e-14);
    assert_memory_equal(x5, xc, sizeof xc);   /* inputs untouched (x5 has a tie) */
    assert_memory_equal(w5, wc, sizeof wc);
    /* Integer weights are masses: the same as repeating each unit. */
    const double xi[] = {3.5, 1.25, 9.0}, wi[] = {2, 3, 1};
    assert_int_equal(pms_ineq_gini(xi, wi, 3, &g, &err), PMS_OK);
    assert_rel(g, REF("rep.gini_repeated"), 1e-14);
}

static void test_gini_known(void **state)
{
    (void)state;
    pms_err err = {{0}};
    double g;
    const double eq[] = {4.75, 4.75, 4.75, 4.75}, w[] = {1.5, 2.25, 0.5, 3.0};
    assert_int_equal(pms_ineq_gini(eq, w, 4, &g, &err), PMS_OK);
    assert_abs(g, 0.0, 1e-15);   /* equal amounts: rounding only */
    /* One unit of n holds everything: (n-1)/n with unit weights. */
    const double one[] = {0, 0, 0, 0, 0, 0, 12.5};
    assert_int_equal(pms_ineq_gini(one, NULL, 7, &g, &err), PMS_OK);
    assert_rel(g, 6.0 / 7.0, 1e-15);
    /* ... and 1 - w_top/W with weights (the Lorenz curve jumps at the end). */
    const double wo[] = {1, 2, 1, 1, 3, 1, 0.5};
    assert_int_equal(pms_ineq_gini(one, wo, 7, &g, &err), PMS_OK);
    assert_rel(g, 1 - 0.5 / 9.5, 1e-15);
    assert_int_equal(pms_ineq_gini(one + 6, NULL, 1, &g, &err), PMS_OK);
    assert_abs(g, 0.0, 0);
}

/* National: 7,922 practices. R's area form and its pairwise O(n^2) form
 * differ by 2e-15 relative (summation order); 1e-13 covers both. */
static void test_gini_national(void **state)
{
    (void)state;
    assert_int_equal(fd.rows, (size_t)REF("rows"));
    assert_int_equal(fd.n, (size_t)REF("n"));
    assert_int_equal(fd.missing, (size_t)REF("missing_value"));
    assert_int_equal(fd.nonpositive, (size_t)REF("nonpositive_value"));
    pms_err err = {{0}};
    double g;
    assert_int_equal(pms_ineq_gini(fd.x, NULL, fd.n, &g, &err), PMS_OK);
    assert_rel(g, REF("nat.gini_unit"), 1e-13);
    assert_int_equal(pms_ineq_gini(fd.x, fd.w, fd.n, &g, &err), PMS_OK);
    assert_rel(g, REF("nat.gini_w"), 1e-13);
    assert_rel(g, REF("nat.gini_w_pairs"), 1e-13);
}

/* The presorted Gini: the national data sorted by value (ties by index, as
 * the savings sweep orders them) gives R's value and, to the bit, what
 * pms_ineq_gini gives on the same sequence; out-of-order input is refused. */
typedef struct { double x, w; size_t i; } xwi;
static int cmp_xwi(const void *a, const void *b)
{
    const xwi *u = a, *v = b;
    if (u->x != v->x) return u->x < v->x ? -1 : 1;
    return (u->i > v->i) - (u->i < v->i);
}

static void test_gini_sorted(void **state)
{
    (void)state;
    size_t n = fd.n;
    xwi *p = malloc(n * sizeof *p);
    double *xs = malloc(n * sizeof *xs), *ws = malloc(n * sizeof *ws);
    for (size_t i = 0; i < n; i++) p[i] = (xwi){fd.x[i], fd.w[i], i};
    qsort(p, n, sizeof *p, cmp_xwi);
    for (size_t i = 0; i < n; i++) xs[i] = p[i].x, ws[i] = p[i].w;
    pms_err err = {{0}};
    double a, b;
    assert_int_equal(pms_ineq_gini_sorted(xs, ws, n, &a, &err), PMS_OK);
    assert_int_equal(pms_ineq_gini(xs, ws, n, &b, &err), PMS_OK);
    assert_true(a == b);
    assert_rel(a, REF("nat.gini_w"), 1e-13);
    assert_int_equal(pms_ineq_gini_sorted(xs, NULL, n, &a, &err), PMS_OK);
    assert_rel(a, REF("nat.gini_unit"), 1e-13);
    /* One pair out of order anywhere is an error naming it. */
    double t = xs[n / 2];
    xs[n / 2] = xs[n / 2 + 1] + 1;
    assert_int_equal(pms_ineq_gini_sorted(xs, ws, n, &a, &err), PMS_EUSAGE);
    assert_non_null(strstr(err.msg, "not in ascending order"));
    xs[n / 2] = t;
    assert_int_equal(pms_ineq_gini_sorted(xs, ws, 0, &a, &err), PMS_ETOOFEW);
    const double neg[2] = {-1.5, 2.25}, zero[2] = {0, 0};
    assert_int_equal(pms_ineq_gini_sorted(neg, NULL, 2, &a, &err), PMS_EDOMAIN);
    assert_int_equal(pms_ineq_gini_sorted(zero, NULL, 2, &a, &err), PMS_EDOMAIN);
    free(p), free(xs), free(ws);
}

/* Theil: logs of ratios near 1 lose a few digits in R's double sums;
 * 1e-13 relative on the totals, 1e-12 on the smaller parts. */
static void test_theil_t(void **state)
{
    (void)state;
    pms_err err = {{0}};
    pms_ineq_decomp d;
    assert_int_equal(pms_ineq_theil_t(x5, NULL, NULL, 0, 5, &d, &err), PMS_OK);
    assert_rel(d.total, REF("small.theil_t_unit"), 1e-14);
    assert_rel(d.total, REF("small.theil_t_ineq"), 1e-14);
    assert_abs(d.between, 0.0, 0);
    assert_rel(d.within, d.total, 1e-15);
    assert_int_equal(pms_ineq_theil_t(x5, w5, g5, 2, 5, &d, &err), PMS_OK);
    assert_rel(d.total, REF("small.theil_t_w"), 1e-14);
    assert_rel(d.between, REF("small.theil_t_between"), 1e-14);
    assert_rel(d.within, REF("small.theil_t_within"), 1e-13);
    assert_rel(d.between + d.within, d.total, 1e-15);   /* identity, parts computed apart */

    assert_int_equal(pms_ineq_theil_t(fd.x, fd.w, fd.group, fd.ngroups, fd.n, &d, &err), PMS_OK);
    assert_int_equal(fd.ngroups, (size_t)REF("nat.ngroups"));
    assert_rel(d.total, REF("nat.theil_t_w"), 1e-13);
    assert_rel(d.between, REF("nat.theil_t_between"), 1e-12);
    assert_rel(d.within, REF("nat.theil_t_within"), 1e-12);
    assert_rel(d.between + d.within, d.total, 1e-14);
    assert_int_equal(pms_ineq_theil_t(fd.x, NULL, NULL, 0, fd.n, &d, &err), PMS_OK);
    assert_rel(d.total, REF("nat.theil_t_unit"), 1e-13);

    /* Equal amounts: 0; one group per unit: all between. Unused groups ignored. */
    const double eq[] = {3.25, 3.25, 3.25};
    const size_t gi[] = {0, 3, 1};
    assert_int_equal(pms_ineq_theil_t(eq, NULL, gi, 4, 3, &d, &err), PMS_OK);
    assert_abs(d.total, 0.0, 1e-16);
    assert_abs(d.between, 0.0, 1e-16);
    assert_abs(d.within, 0.0, 1e-16);
    const size_t own[] = {0, 1, 2, 3, 4};
    assert_int_equal(pms_ineq_theil_t(x5, w5, own, 5, 5, &d, &err), PMS_OK);
    assert_rel(d.between, REF("small.theil_t_w"), 1e-14);
    assert_abs(d.within, 0.0, 1e-16);
}

static void test_errors(void **state)
{
    (void)state;
    pms_err err = {{0}};
    double g;
    pms_ineq_decomp d;
    const double bad_neg[] = {1.5, -0.25}, zero[] = {0.0, 0.0}, nanx[] = {1.5, NAN};
    const double inf_w[] = {1.0, INFINITY}, neg_w[] = {1.0, -2.0}, one[] = {1.5, 2.5};
    assert_int_equal(pms_ineq_gini(one, NULL, 0, &g, &err), PMS_ETOOFEW);
    assert_string_equal(err.msg, "Gini: no observations");
    assert_int_equal(pms_ineq_gini(bad_neg, NULL, 2, &g, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Gini: value 2 is negative (-0.25)");
    assert_int_equal(pms_ineq_gini(zero, NULL, 2, &g, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Gini: the values sum to zero");
    assert_int_equal(pms_ineq_gini(nanx, NULL, 2, &g, &err), PMS_ENONFINITE);
    assert_string_equal(err.msg, "Gini: value 2 is not finite");
    assert_int_equal(pms_ineq_gini(one, inf_w, 2, &g, &err), PMS_ENONFINITE);
    assert_string_equal(err.msg, "Gini: weight 2 is not finite");
    assert_int_equal(pms_ineq_gini(one, neg_w, 2, &g, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Gini: weight 2 is not positive (-2)");

    assert_int_equal(pms_ineq_theil_t(one, NULL, NULL, 0, 0, &d, &err), PMS_ETOOFEW);
    assert_int_equal(pms_ineq_theil_t(zero, NULL, NULL, 0, 2, &d, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Theil T: value 1 is not positive (0)");
    assert_int_equal(pms_ineq_theil_t(nanx, NULL, NULL, 0, 2, &d, &err), PMS_ENONFINITE);
    assert_int_equal(pms_ineq_theil_t(one, neg_w, NULL, 0, 2, &d, &err), PMS_EDOMAIN);
    const size_t gbad[] = {0, 2};
    assert_int_equal(pms_ineq_theil_t(one, NULL, gbad, 2, 2, &d, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Theil T: group 2 of value 2 is not below 2");
    assert_int_equal(pms_ineq_theil_t(one, NULL, gbad, 0, 2, &d, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Theil T: no groups");
}


/* The other measures against the R forms, unit and weighted, on the small
 * set: 1e-13 relative (a handful of pow/log terms in both). */
static void check_summary(const char *tag, const double *w)
{
    char k[96];
#define RK(name) (snprintf(k, sizeof k, "%s.%s", tag, name), REF(k))
    pms_err err = {{0}};
    pms_ineq_summary s;
    assert_int_equal(pms_ineq_summarise(x5, w, g5, 2, 5, &s, &err), PMS_OK);
    assert_int_equal(s.n, 5);
    assert_rel(s.mean, RK("mean"), 1e-15);
    assert_rel(s.cv, RK("cv"), 1e-13);
    assert_rel(s.hoover, RK("hoover"), 1e-13);
    assert_rel(s.palma, RK("palma"), 1e-13);
    assert_rel(s.p10, RK("p10"), 0);
    assert_rel(s.p90, RK("p90"), 0);
    assert_rel(s.theil_l.total, RK("theil_l"), 1e-13);
    assert_rel(s.theil_l.between, RK("theil_l_between"), 1e-13);
    assert_rel(s.theil_l.within, RK("theil_l_within"), 1e-13);
    assert_rel(s.ge2.total, RK("ge2"), 1e-13);
    assert_rel(s.ge2.between, RK("ge2_between"), 1e-13);
    assert_rel(s.ge2.within, RK("ge2_within"), 1e-13);
    assert_rel(s.atkinson_0_5, RK("atkinson_0.5"), 1e-13);
    assert_rel(s.atkinson_1, RK("atkinson_1"), 1e-13);
    assert_rel(s.atkinson_2, RK("atkinson_2"), 1e-13);
    /* The parts are computed apart: the identity is a real check. */
    assert_rel(s.theil_l.between + s.theil_l.within, s.theil_l.total, 1e-14);
    assert_rel(s.ge2.between + s.ge2.within, s.ge2.total, 1e-14);
    assert_rel(s.theil_t.between + s.theil_t.within, s.theil_t.total, 1e-14);
#undef RK
}

static void test_summary_small(void **state)
{
    (void)state;
    check_summary("small", NULL);
    check_summary("smallw", w5);
    /* Unit weights equal the ineq package's own forms and R's quantile(type = 1). */
    pms_err err = {{0}};
    pms_ineq_summary s;
    assert_int_equal(pms_ineq_summarise(x5, NULL, NULL, 0, 5, &s, &err), PMS_OK);
    assert_rel(s.cv, REF("small.cv_ineq"), 1e-13);
    assert_rel(s.hoover, REF("small.rs_ineq"), 1e-13);
    assert_rel(s.p10, REF("small.p10_type1"), 0);
    assert_rel(s.p90, REF("small.p90_type1"), 0);
    assert_rel(s.atkinson_0_5, REF("small.atkinson_ineq_0.5"), 1e-13);
    assert_rel(s.atkinson_1, REF("small.atkinson_ineq_1"), 1e-13);
    assert_rel(s.atkinson_2, REF("small.atkinson_ineq_2"), 1e-13);
    assert_rel(s.theil_l.total, REF("small.theil_l_ineq"), 1e-13);
    assert_rel(s.ge2.total, REF("small.ge2_ineq"), 1e-13);
    assert_abs(s.ge2.between, 0, 0);
    /* p = k/n lands on a cumulative weight: R's fuzz keeps x_(k). */
    const double x10[] = {5.5, 1.25, 3.75, 9.5, 2.25, 7.75, 4.5, 8.25, 6.5, 0.75};
    double q;
    assert_int_equal(pms_ineq_quantile(x10, NULL, 10, 0.1, &q, &err), PMS_OK);
    assert_rel(q, REF("q10.p10"), 0);
    assert_int_equal(pms_ineq_quantile(x10, NULL, 10, 0.9, &q, &err), PMS_OK);
    assert_rel(q, REF("q10.p90"), 0);
    assert_int_equal(pms_ineq_quantile(x10, NULL, 10, 0.4, &q, &err), PMS_OK);
    assert_rel(q, REF("q10.p40"), 0);
    assert_int_equal(pms_ineq_quantile(x10, NULL, 10, 0.0, &q, &err), PMS_OK);
    assert_rel(q, 0.75, 0);
    assert_int_equal(pms_ineq_quantile(x10, NULL, 10, 1.0, &q, &err), PMS_OK);
    assert_rel(q, 9.5, 0);
}

static void test_known_all(void **state)
{
    (void)state;
    pms_err err = {{0}};
    pms_ineq_summary s;
    const double eq[] = {4.75, 4.75, 4.75, 4.75}, w[] = {1.5, 2.25, 0.5, 3.0};
    const size_t g[] = {0, 1, 1, 0};
    assert_int_equal(pms_ineq_summarise(eq, w, g, 2, 4, &s, &err), PMS_OK);
    /* Equal amounts: every index 0, ratios 1 (rounding only). */
    double zeros[] = {s.cv, s.hoover, s.gini, s.theil_t.total, s.theil_t.between,
                      s.theil_t.within, s.theil_l.total, s.theil_l.between, s.theil_l.within,
                      s.ge2.total, s.ge2.between, s.ge2.within, s.atkinson_0_5, s.atkinson_1,
                      s.atkinson_2};
    for (size_t i = 0; i < sizeof zeros / sizeof zeros[0]; i++) assert_abs(zeros[i], 0, 1e-15);
    assert_rel(s.p90_p10, 1, 0);
    assert_rel(s.palma, 0.1 / 0.4, 1e-15);
    /* One of n holds (nearly) all: Hoover -> (n-1)/n, Atkinson(2) -> 1. */
    const double one[] = {1e-12, 1e-12, 1e-12, 1e-12, 50.0};
    assert_int_equal(pms_ineq_summarise(one, NULL, NULL, 0, 5, &s, &err), PMS_OK);
    assert_rel(s.hoover, 0.8, 1e-12);
    assert_rel(s.gini, 0.8, 1e-12);
    assert_rel(s.atkinson_2, 1, 1e-10);
    assert_rel(s.theil_t.total, log(5.0), 1e-11);   /* Theil T's maximum ln n */
    assert_rel(s.ge2.total, (5.0 - 1) / 2, 1e-11);  /* GE(2)'s maximum (n-1)/2 */
}

static void test_lorenz(void **state)
{
    (void)state;
    pms_err err = {{0}};
    double P[6], L[6];
    assert_int_equal(pms_ineq_lorenz(x5, w5, 5, P, L, &err), PMS_OK);
    assert_abs(P[0], 0, 0);
    assert_abs(L[5], 1, 0);
    for (int i = 1; i <= 5; i++) {
        assert_true(P[i] > P[i - 1]);
        assert_true(L[i] >= L[i - 1]);
        assert_true(L[i] <= P[i]);
    }
    /* Vertices are exact on the curve; between them it is linear. */
    assert_rel(pms_ineq_lorenz_at(P, L, 6, P[2]), L[2], 1e-15);
    assert_rel(pms_ineq_lorenz_at(P, L, 6, (P[2] + P[3]) / 2), (L[2] + L[3]) / 2, 1e-15);
    assert_abs(pms_ineq_lorenz_at(P, L, 6, -0.5), 0, 0);
    assert_abs(pms_ineq_lorenz_at(P, L, 6, 1.5), 1, 0);
}

/* National: the same tolerances as above, widened to 1e-12 for the parts
 * (sums of 211 group terms) and 1e-11 where a part is a small difference of
 * logs (Theil L between = sum v ln(mu/mu_g), each term ~1e-3). */
static void test_summary_national(void **state)
{
    (void)state;
    pms_err err = {{0}};
    pms_ineq_summary s;
    double *xc = malloc(fd.n * sizeof *xc);
    assert_non_null(xc);
    memcpy(xc, fd.x, fd.n * sizeof *xc);
    assert_int_equal(pms_ineq_summarise(fd.x, fd.w, fd.group, fd.ngroups, fd.n, &s, &err), PMS_OK);
    assert_memory_equal(fd.x, xc, fd.n * sizeof *xc);
    free(xc);
    assert_rel(s.mean, REF("nat.mean"), 1e-14);
    assert_rel(s.cv, REF("nat.cv"), 1e-13);
    assert_rel(s.hoover, REF("nat.hoover"), 1e-13);
    assert_rel(s.palma, REF("nat.palma"), 1e-13);
    assert_rel(s.p10, REF("nat.p10"), 0);
    assert_rel(s.p90, REF("nat.p90"), 0);
    assert_rel(s.gini, REF("nat.gini_w"), 1e-13);
    assert_rel(s.theil_l.total, REF("nat.theil_l"), 1e-12);
    assert_rel(s.theil_l.between, REF("nat.theil_l_between"), 1e-11);
    assert_rel(s.theil_l.within, REF("nat.theil_l_within"), 1e-11);
    assert_rel(s.ge2.total, REF("nat.ge2"), 1e-12);
    assert_rel(s.ge2.between, REF("nat.ge2_between"), 1e-12);
    assert_rel(s.ge2.within, REF("nat.ge2_within"), 1e-12);
    assert_rel(s.atkinson_0_5, REF("nat.atkinson_0.5"), 1e-12);
    assert_rel(s.atkinson_1, REF("nat.atkinson_1"), 1e-12);
    assert_rel(s.atkinson_2, REF("nat.atkinson_2"), 1e-12);
    assert_rel(s.ge2.between + s.ge2.within, s.ge2.total, 1e-13);
    assert_rel(s.theil_l.between + s.theil_l.within, s.theil_l.total, 1e-13);
    assert_int_equal(pms_ineq_summarise(fd.x, NULL, NULL, 0, fd.n, &s, &err), PMS_OK);
    assert_rel(s.cv, REF("nat.cv_unit"), 1e-12);
    assert_rel(s.p10, REF("nat.p10_unit"), 0);
    assert_rel(s.p90, REF("nat.p90_unit"), 0);

    double *P = malloc((fd.n + 1) * sizeof *P), *L = malloc((fd.n + 1) * sizeof *L);
    assert_non_null(P);
    assert_non_null(L);
    assert_int_equal(pms_ineq_lorenz(fd.x, fd.w, fd.n, P, L, &err), PMS_OK);
    assert_rel(pms_ineq_lorenz_at(P, L, fd.n + 1, 0.4), REF("nat.L40"), 1e-13);
    assert_rel(pms_ineq_lorenz_at(P, L, fd.n + 1, 0.9), REF("nat.L90"), 1e-13);
    free(P);
    free(L);
}

/* 1e-13: a group's Gini is the same walk over 22 to 94 units. */
static void test_groups(void **state)
{
    (void)state;
    pms_err err = {{0}};
    pms_ineq_group *rows = malloc(fd.ngroups * sizeof *rows);
    assert_non_null(rows);
    assert_int_equal(pms_ineq_groups(fd.x, fd.w, fd.group, fd.ngroups, fd.n, rows, &err), PMS_OK);
    const char *codes[] = {"11H", "01C", "99A", "08H"};
    for (size_t c = 0; c < 4; c++) {
        size_t g = fair_group(&fd, codes[c]);
        assert_true(g < fd.ngroups);
        char k[64];
#define RG(f) (snprintf(k, sizeof k, "grp.%s.%s", codes[c], f), REF(k))
        assert_int_equal(rows[g].n, (size_t)RG("n"));
        assert_rel(rows[g].mean, RG("mean"), 1e-14);
        assert_rel(rows[g].share_weight, RG("share_weight"), 1e-13);
        assert_rel(rows[g].share_amount, RG("share_amount"), 1e-13);
        assert_rel(rows[g].gini, RG("gini"), 1e-13);
#undef RG
    }
    double sw = 0, sa = 0;
    size_t sn = 0;
    for (size_t g = 0; g < fd.ngroups; g++) {
        sw += rows[g].share_weight;
        sa += rows[g].share_amount;
        sn += rows[g].n;
    }
    assert_rel(sw, 1, 1e-13);
    assert_rel(sa, 1, 1e-13);
    assert_int_equal(sn, fd.n);
    free(rows);
    /* An empty group has n = 0 and no mean or Gini. */
    pms_ineq_group r3[3];
    const size_t g[] = {0, 2, 0, 2, 2};
    assert_int_equal(pms_ineq_groups(x5, w5, g, 3, 5, r3, &err), PMS_OK);
    assert_int_equal(r3[1].n, 0);
    assert_true(isnan(r3[1].gini) && isnan(r3[1].mean));
    assert_int_equal(pms_ineq_groups(x5, w5, NULL, 3, 5, r3, &err), PMS_EDOMAIN);
    assert_int_equal(pms_ineq_groups(x5, w5, g, 3, 0, r3, &err), PMS_ETOOFEW);
}

static void test_errors2(void **state)
{
    (void)state;
    pms_err err = {{0}};
    double a, q, P[3], L[3];
    pms_ineq_decomp d;
    pms_ineq_summary s;
    const double x[] = {1.5, 0.0}, ok[] = {1.5, 2.5}, nanx[] = {NAN, 1.0}, negw[] = {1, -1};
    assert_int_equal(pms_ineq_ge(ok, NULL, NULL, 0, 2, 3, &d, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "GE(3): only alpha = 0, 1, 2 are provided");
    assert_int_equal(pms_ineq_ge(x, NULL, NULL, 0, 2, 0, &d, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Theil L: value 2 is not positive (0)");
    assert_int_equal(pms_ineq_ge(x, NULL, NULL, 0, 2, 2, &d, &err), PMS_OK);   /* 0 allowed */
    const double zz[] = {0.0, 0.0};
    assert_int_equal(pms_ineq_ge(zz, NULL, NULL, 0, 2, 2, &d, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "GE(2): the values sum to zero");
    assert_int_equal(pms_ineq_ge(ok, NULL, NULL, 0, 0, 2, &d, &err), PMS_ETOOFEW);
    const size_t gb[] = {0, 5};
    assert_int_equal(pms_ineq_ge(ok, NULL, gb, 2, 2, 2, &d, &err), PMS_EDOMAIN);
    assert_int_equal(pms_ineq_atkinson(ok, NULL, 2, -0.5, &a, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Atkinson: aversion -0.5 is not a finite number >= 0");
    assert_int_equal(pms_ineq_atkinson(x, NULL, 2, 1.0, &a, &err), PMS_EDOMAIN);
    assert_int_equal(pms_ineq_atkinson(x, NULL, 2, 0.5, &a, &err), PMS_OK);
    assert_int_equal(pms_ineq_atkinson(zz, NULL, 2, 0.5, &a, &err), PMS_EDOMAIN);
    assert_int_equal(pms_ineq_atkinson(ok, NULL, 0, 0.5, &a, &err), PMS_ETOOFEW);
    assert_int_equal(pms_ineq_quantile(ok, NULL, 2, 1.5, &q, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "quantile: p = 1.5 is not in [0, 1]");
    assert_int_equal(pms_ineq_quantile(nanx, NULL, 2, 0.5, &q, &err), PMS_ENONFINITE);
    assert_int_equal(pms_ineq_quantile(ok, nanx, 2, 0.5, &q, &err), PMS_ENONFINITE);
    assert_int_equal(pms_ineq_quantile(ok, negw, 2, 0.5, &q, &err), PMS_EDOMAIN);
    assert_int_equal(pms_ineq_quantile(ok, NULL, 0, 0.5, &q, &err), PMS_ETOOFEW);
    assert_int_equal(pms_ineq_lorenz(zz, NULL, 2, P, L, &err), PMS_EDOMAIN);
    assert_int_equal(pms_ineq_lorenz(ok, NULL, 0, P, L, &err), PMS_ETOOFEW);
    assert_int_equal(pms_ineq_summarise(x, NULL, NULL, 0, 2, &s, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "inequality: value 2 is not positive (0)");
    assert_int_equal(pms_ineq_summarise(ok, NULL, NULL, 0, 0, &s, &err), PMS_ETOOFEW);
    assert_int_equal(pms_ineq_summarise(ok, NULL, gb, 2, 2, &s, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "inequality: group 5 of value 2 is not below 2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gini_small),    cmocka_unit_test(test_gini_known),
        cmocka_unit_test(test_gini_national), cmocka_unit_test(test_gini_sorted),
        cmocka_unit_test(test_theil_t),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_summary_small),
        cmocka_unit_test(test_known_all),     cmocka_unit_test(test_lorenz),
        cmocka_unit_test(test_summary_national), cmocka_unit_test(test_groups),
        cmocka_unit_test(test_errors2),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
