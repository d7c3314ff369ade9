/* libFuzzer: the sweep specification parser (PARAM=FROM:TO:STEP, what
 * `savings --sweep` takes).  Anything accepted must describe a finite grid of
 * 1 to PMS_SAV_SWEEP_MAX points from FROM to at most TO; anything refused must
 * say why. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/savings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    pms_sav_sweep_spec sp;
    pms_err err;
    err.msg[0] = 0;
    if (pms_sav_sweep_parse(s, &sp, &err) == PMS_OK) {
        if (sp.npoints < 1 || sp.npoints > PMS_SAV_SWEEP_MAX) abort();
        if (!(sp.from >= 0 && sp.from <= sp.to && sp.step > 0) || !isfinite(sp.to)) abort();
        if (!pms_sav_param_name(sp.param) || !strcmp(pms_sav_param_name(sp.param), "?")) abort();
        double first = pms_sav_sweep_value(&sp, 0), last = pms_sav_sweep_value(&sp, sp.npoints - 1);
        if (!isfinite(first) || !isfinite(last)) abort();
        /* the grid stays within TO (up to the 1e-9 rounding of the values) */
        if (last > sp.to + 1e-6 * (1 + fabs(sp.to))) abort();
    } else if (!err.msg[0]) {
        abort();
    }
    free(s);
    return 0;
}
