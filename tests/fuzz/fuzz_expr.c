/* libFuzzer: --derive expressions and --where clauses, evaluated on a small
 * fixed table.  The input is split at the first newline: before it a derive
 * expression, after it a where clause. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/expr.h"
#include "io/table.h"

static const char csv[] =
    "Practice Code,CCG Code,Number of Weighted Patients (Last Known Figure),Global Sum,x\n"
    "A1,11H,4771.66,369371.16,0\nA2,00K,0,-,2.5\nA3,11H,-3,12,-1\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char *nl = strchr(s, '\n');
    const char *where = "";
    if (nl) {
        *nl = '\0';
        where = nl + 1;
    }
    pms_table *t = NULL;
    pms_err err;
    if (pms_table_load_mem("fixed.csv", csv, sizeof csv - 1, NULL, &t, &err) == PMS_OK) {
        pms_expr *e = NULL;
        if (pms_expr_parse(s, &e, &err) == PMS_OK) {
            double out[8];
            size_t undef;
            (void)pms_expr_eval(e, t, out, &undef, &err);
            pms_expr_free(e);
        }
        char name[64];
        const char *ex;
        (void)pms_derive_split(s, name, sizeof name, &ex, &err);
        unsigned char keep[8] = {1, 1, 1, 1, 1, 1, 1, 1};
        pms_where_report rep;
        (void)pms_where_apply(t, where, keep, &rep, &err);
        pms_table_free(t);
    }
    free(s);
    return 0;
}
