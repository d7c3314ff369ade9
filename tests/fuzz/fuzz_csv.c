/* libFuzzer: the CSV reader and the number parser on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    pms_csv c;
    pms_err err;
    if (pms_csv_parse(buf, size, "fuzz.csv", &c, &err) == PMS_OK) {
        for (size_t j = 0; j < c.ncols; j++)
            for (size_t i = 0; i < c.nrec; i++) {
                double v;
                (void)pms_parse_number(pms_csv_cell(&c, i, j), &v);
            }
        pms_csv_free(&c);
    }
    return 0;
}
