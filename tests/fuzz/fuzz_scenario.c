/* libFuzzer: the scenario reader (INI through inih and io/config), and
 * every savings scenario it accepts run through the model on a fixed
 * four-practice base (checks, protection, extension, apportionment), plus one
 * sweep point; every pace scenario (method = pace) run on a fixed
 * four-practice target input, asserting that each year's money adds up to
 * the pot plus overspend less held back, and its final year scored. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/pace.h"
#include "analysis/savings.h"
#include "analysis/target.h"
#include "io/scenario.h"

static const double gs[] = {0, 0, 110340, 5000}, mpig[] = {0, 0, 7000, -20},
                    pb[] = {100000, 150000, 0, 0}, w[] = {1000, 2000, 1500, 37.5},
                    imd[] = {12.5, 40.25, 7, 33};
static const char *const ct[] = {"PMS", "PMS", "GMS", "GMS"}, *const loc[] = {"X", "Y", "X", "Z"},
                         *const reg[] = {"R1", "R1", "R2", "R2"};
static const unsigned char flags[] = {1, 0, 1, 0};

static void run_pace(const pms_scenario_file *f)
{
    static const int64_t actual[4] = {250000, 90000, 123457, 40000}, units[4] = {3, 1, 2, 1};
    static const size_t pool[4] = {0, 0, 1, 1}, locs[4] = {0, 1, 1, 0};
    pms_target_input in = {4, actual, units, pool, 2, NULL, locs, 2, NULL};
    pms_err err;
    for (size_t k = 0; k < f->npace && k < 8; k++) {
        pms_pace_result r;
        if (pms_pace_run(&in, &f->pace[k], 0, &r, &err) != PMS_OK) continue;
        for (size_t t = 0; t < r.nyears; t++) {
            int64_t sum = 0;
            for (size_t i = 0; i < 4; i++) sum += r.money[(t + 1) * 4 + i];
            if (sum != r.year[t].pot + r.year[t].overspend - r.year[t].held_back) abort();
        }
        pms_target_score sc;
        (void)pms_target_score_of(&in, r.money + r.nyears * 4, 1, &sc, &err);
        pms_pace_result_free(&r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pms_scenario_file *f = NULL;
    pms_err err;
    if (pms_scenario_load_mem("fuzz.ini", (const char *)data, size, &f, &err) != PMS_OK) return 0;
    run_pace(f);
    pms_sav_data d = {4, gs, mpig, pb, w, ct, loc, loc, reg, imd, NULL, NULL};
    pms_sav_base b;
    if (pms_sav_prepare(&d, &f->settings, &b, &err) == PMS_OK) {
        pms_sav_ws *ws = pms_sav_ws_new(&b);
        for (size_t k = 0; ws && k < f->n && k < 8; k++) {
            pms_sav_scenario sc = f->s[k];
            sc.retain = sc.retention_column[0] ? flags : NULL;
            pms_sav_result r;
            if (pms_sav_run(&b, &sc, ws, &r, &err) == PMS_OK) {
                /* the identities must hold for anything the reader accepts */
                for (size_t y = 0; y < r.nyears; y++)
                    if (r.year[y].released != r.year[y].reinvested + r.year[y].net_saving) abort();
                pms_sav_result_free(&r);
            }
            pms_sav_sweep_row row;
            (void)pms_sav_sweep_point(&b, &sc, PMS_SWEEP_PROTECT_PCT, 7.5, ws, &row, &err);
        }
        pms_sav_ws_free(ws);
        pms_sav_base_free(&b);
    }
    pms_scenario_free(f);
    return 0;
}
