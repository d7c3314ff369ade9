/* libFuzzer: typing, canonical names, the long-format pivot and the join.
 * The input is split at the first 0xFF byte into a practice table and a
 * second file that is left-joined to it. */
#include <stdint.h>
#include <string.h>

#include "io/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *cut = memchr(data, 0xFF, size);
    size_t n1 = cut ? (size_t)(cut - data) : size;
    pms_table *a = NULL, *b = NULL;
    pms_err err;
    if (pms_table_load_mem("left.csv", data, n1, NULL, &a, &err) != PMS_OK) return 0;
    if (cut && pms_table_load_mem("right.csv", cut + 1, size - n1 - 1, NULL, &b, &err) == PMS_OK)
        (void)pms_table_join(a, b, &err);
    (void)pms_table_derive_standard(a, &err);
    const double *v;
    for (size_t j = 0; j < a->ncols; j++) (void)pms_table_numeric(a, a->cols[j].name, &v, &err);
    pms_table_free(b);
    pms_table_free(a);
    return 0;
}
