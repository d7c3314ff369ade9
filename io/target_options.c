/* The savings scenarios on the fair-shares axis (see target_options.h). */
#include "io/target_options.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/savings.h"

void pms_target_options_free(pms_target_options *o)
{
    if (!o) return;
    for (size_t k = 0; o->runs && k < o->n; k++) pms_sav_result_free(&o->runs[k]);
    free(o->runs);
    free(o->o);
    memset(o, 0, sizeof *o);
}

/* The practices both in the model (b) and in the rows (r), as a target input
 * over them (pointers into the arrays of `w`), with bi[m] their base index. */
typedef struct {
    int64_t *actual, *units, *after;
    size_t *pool, *loc, *bi, m;
} joined;

static void joined_free(joined *j)
{
    free(j->actual), free(j->units), free(j->after), free(j->pool), free(j->loc), free(j->bi);
}

static pms_status join(const pms_table *t, const pms_target_rows *r, const pms_sav_base *b,
                       joined *j, pms_err *err)
{
    memset(j, 0, sizeof *j);
    size_t n = b->n ? b->n : 1, *tix = malloc((t->nrows ? t->nrows : 1) * sizeof *tix);
    j->actual = malloc(n * sizeof *j->actual), j->units = malloc(n * sizeof *j->units);
    j->after = malloc(n * sizeof *j->after), j->pool = calloc(n, sizeof *j->pool);
    j->loc = malloc(n * sizeof *j->loc), j->bi = malloc(n * sizeof *j->bi);
    if (!tix || !j->actual || !j->units || !j->after || !j->pool || !j->loc || !j->bi) {
        free(tix);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->nrows; i++) tix[i] = (size_t)-1;
    for (size_t k = 0; k < r->n; k++) tix[r->row[k]] = k;
    for (size_t i = 0; i < b->n; i++) {
        size_t k = b->row[i] < t->nrows ? tix[b->row[i]] : (size_t)-1;
        if (k == (size_t)-1) continue;
        j->actual[j->m] = r->actual[k];
        j->units[j->m] = r->need_units[k];
        j->pool[j->m] = r->pool ? r->pool[k] : 0;
        j->loc[j->m] = r->loc[k];
        j->bi[j->m++] = i;
    }
    free(tix);
    return PMS_OK;
}

/* Scenario k of f through the model, scored. */
static pms_status score_one(const pms_table *t, const pms_scenario_file *f, size_t k,
                            const pms_sav_base *b, pms_sav_ws *ws, joined *j,
                            const pms_target_input *in, size_t focus, int bloc,
                            pms_target_option *o, pms_sav_result *keep, pms_err *err)
{
    unsigned char *flags = NULL;
    pms_sav_result res;
    memset(&res, 0, sizeof res);
    pms_sav_scenario sc = f->s[k];
    pms_status st = pms_scenario_flags(f, k, t, &flags, err);
    sc.retain = flags;
    if (!st) st = pms_sav_check(b, &sc, f->path, err);
    if (!st) st = pms_sav_run(b, &sc, ws, &res, err);
    if (!st) {
        const int64_t *last = res.core + res.nyears * res.n;
        for (size_t m = 0; m < j->m; m++)
            j->after[m] = j->actual[m] + (last[j->bi[m]] - b->core0[j->bi[m]]);
        o->sc = &f->s[k];
        o->final_year = res.nyears ? res.year[res.nyears - 1].year : b->settings.base_year;
        pms_sav_effects e;
        pms_sav_effects_of(&res, b, (size_t)-1, 1, &e);
        o->net_saving = e.full_net;
        if (bloc >= 0) {
            pms_sav_effects_of(&res, b, (size_t)bloc, 1, &e);
            o->loc_net_saving = e.full_net;
        }
        st = pms_target_score_of(in, j->after, focus, &o->score, err);
    }
    if (!st && keep) {
        *keep = res; /* moved: the caller frees it */
        /* Its scenario pointed at our copy and its retain flags, freed here:
         * point it at the file's scenario instead (borrowed, valid while f is). */
        keep->scenario = f->s[k];
        memset(&res, 0, sizeof res);
    }
    pms_sav_result_free(&res);
    free(flags);
    return st;
}

pms_status pms_target_options_run(const pms_table *t, const pms_target_rows *r,
                                  const pms_scenario_file *f, const char *locality,
                                  pms_target_options *out, pms_err *err)
{
    return pms_target_options_run_keep(t, r, f, locality, 0, out, err);
}

pms_status pms_target_options_run_keep(const pms_table *t, const pms_target_rows *r,
                                       const pms_scenario_file *f, const char *locality,
                                       int keep_runs, pms_target_options *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    out->focus = pms_target_rows_find_locality(r, locality);
    pms_sav_data d;
    pms_sav_base b;
    memset(&b, 0, sizeof b);
    joined j;
    memset(&j, 0, sizeof j);
    pms_sav_ws *ws = NULL;
    pms_status st = pms_scenario_bind(f, t, &d, err);
    if (!st) st = pms_sav_prepare(&d, &f->settings, &b, err);
    if (!st) st = join(t, r, &b, &j, err);
    if (st) goto done;
    out->model = b.n, out->scored = j.m, out->outside_model = r->n - j.m;
    if (!j.m) {
        st = pms_err_set(err, PMS_ETOOFEW, "no practice is both in the savings model and in the "
                                           "fair-shares analysis");
        goto done;
    }
    if (!(ws = pms_sav_ws_new(&b)) || !(out->o = calloc(f->n ? f->n : 1, sizeof *out->o)) ||
        (keep_runs && !(out->runs = calloc(f->n ? f->n : 1, sizeof *out->runs)))) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    pms_target_input in = {j.m, j.actual, j.units, r->pool ? j.pool : NULL, r->npool,
                           r->pool_name, j.loc, r->nloc, NULL};
    /* The model's own locality index (its locality column) for the saving. */
    int bloc = locality ? pms_scenario_locality_find(&b, locality) : -1;
    for (size_t k = 0; k < f->n && !st; k++)
        if (!(st = score_one(t, f, k, &b, ws, &j, &in, out->focus, bloc, &out->o[k],
                             out->runs ? &out->runs[k] : NULL, err)))
            out->n++;
done:
    pms_sav_ws_free(ws);
    pms_sav_base_free(&b);
    joined_free(&j);
    if (st) pms_target_options_free(out);
    return st;
}

/* Column order: what a board reads first (the option's name, the saving, the
 * distance removed), then the counts and pots, the identifier last; the
 * report prints the first PMS_TARGET_OPTIONS_PRINTED columns. */
enum { O_LABEL, O_AREA, O_YEAR, O_SAVE, O_MOVE0, O_MOVE1, O_REM, O_DP0, O_DP1, O_OV0, O_OV1,
       O_UN0, O_UN1, O_N, O_POT0, O_POT1, O_SCEN, O_NCOL };

static void option_row(pms_out *o, const int *c, const pms_target_option *op, const char *area,
                       const pms_target_axis *a0, const pms_target_axis *a1, int64_t saving,
                       double rem, double dp0, double dp1)
{
    char yr[16];
    pms_out_set_text(o, c[O_SCEN], op->sc->name);
    pms_out_set_text(o, c[O_LABEL], pms_sav_label(op->sc));
    pms_out_set_text(o, c[O_AREA], area);
    pms_out_set_text(o, c[O_YEAR], pms_sav_year_label(op->final_year, yr, sizeof yr));
    pms_out_set_int(o, c[O_N], (long long)a0->n);
    pms_out_set_num(o, c[O_POT0], (double)a0->pot / 100);
    pms_out_set_num(o, c[O_POT1], (double)a1->pot / 100);
    pms_out_set_num(o, c[O_SAVE], (double)saving / 100);
    pms_out_set_num(o, c[O_MOVE0], (double)a0->to_move / 100);
    pms_out_set_num(o, c[O_MOVE1], (double)a1->to_move / 100);
    pms_out_set_num(o, c[O_REM], rem);
    pms_out_set_int(o, c[O_OV0], (long long)a0->bands.over10);
    pms_out_set_int(o, c[O_OV1], (long long)a1->bands.over10);
    pms_out_set_int(o, c[O_UN0], (long long)a0->bands.under10);
    pms_out_set_int(o, c[O_UN1], (long long)a1->bands.under10);
    pms_out_set_num(o, c[O_DP0], dp0);
    pms_out_set_num(o, c[O_DP1], dp1);
}

pms_out *pms_target_out_options(const pms_target_options *o, const char *everyone,
                                const char *local)
{
    static const char *const key[O_NCOL] = {
        "label", "area", "final_year", "net_saving", "to_move_before", "to_move_after", "removed",
        "distance_pct_before", "distance_pct_after", "over10_before", "over10_after",
        "under10_before", "under10_after", "practices", "pot_before", "pot_after", "scenario"};
    static const pms_outkind kind[O_NCOL] = {
        PMS_OUT_TEXT,  PMS_OUT_TEXT, PMS_OUT_TEXT, PMS_OUT_MONEY, PMS_OUT_MONEY, PMS_OUT_MONEY,
        PMS_OUT_PCT,   PMS_OUT_PCT,  PMS_OUT_PCT,  PMS_OUT_INT,   PMS_OUT_INT,   PMS_OUT_INT,
        PMS_OUT_INT,   PMS_OUT_INT,  PMS_OUT_MONEY, PMS_OUT_MONEY, PMS_OUT_TEXT};
    pms_out *t = pms_out_new("options", "Savings scenarios on the fair-shares axis: the distance "
                                        "from target before and after each scenario's final year");
    int c[O_NCOL];
    for (int k = 0; t && k < O_NCOL; k++)
        if ((c[k] = pms_out_col(t, key[k], kind[k], kind[k] == PMS_OUT_PCT ? 1 : 2)) < 0) {
            pms_out_free(t);
            return NULL;
        }
    int loc = o->focus != (size_t)-1 && local;
    for (size_t s = 0; t && s < o->n; s++) {
        const pms_target_option *op = &o->o[s];
        const pms_target_score *sc = &op->score;
        if (pms_out_row(t)) goto fail;
        option_row(t, c, op, everyone, &sc->before, &sc->after, op->net_saving, sc->removed, NAN,
                   NAN);
        if (!loc) continue;
        if (pms_out_row(t)) goto fail;
        option_row(t, c, op, local, &sc->loc_before, &sc->loc_after, op->loc_net_saving,
                   sc->loc_removed, sc->loc_distance_pct_before, sc->loc_distance_pct_after);
    }
    if (t && pms_out_footnote(t, "Fair share = the pot x need / total need, the pot being the "
                                 "practices' own money before and after (so a saving is judged "
                                 "on how what is left is shared); net_saving = the scenario's "
                                 "net saving in its final year (pot_before - pot_after also "
                                 "holds the GMS MPIG taper). "
                                 "to_move = half the sum of |actual - fair share|; removed = the "
                                 "share of to_move the scenario removes; over10/under10 = "
                                 "practices more than 10%% above/below their fair share. The "
                                 "locality's rows share its own money among its practices; its "
                                 "distance_pct is against its share of %s. %zu practices of the "
                                 "savings model scored; %zu in the analysis are outside the "
                                 "model (APMS, no core funding figure).",
                              everyone, o->scored, o->outside_model))
        goto fail;
    return t;
fail:
    pms_out_free(t);
    return NULL;
}
