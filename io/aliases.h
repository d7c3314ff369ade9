/* Canonical column names for every layout of the data the toolkit reads.
 *
 * NHS Digital renamed its payment columns from year to year ("Number of
 * Registered Patients (Last Known Figure)", "NumberOfRegisteredPatients
 * LastKnownFigure", "GlobalSum_£", "Doctors.Retainer.Scheme.Payments"), so
 * columns are found by name through this table, never by position.  Headers
 * are compared by a key made of their lower-cased letters and digits only,
 * with a trailing "_£"/"£" unit marker dropped, which already unifies most
 * spellings; the table adds the genuinely different names. */
#ifndef PMS_ALIASES_H
#define PMS_ALIASES_H

#include <stddef.h>

typedef enum { PMS_KIND_INFER = 0, PMS_KIND_NUM, PMS_KIND_TEXT } pms_colkind;

typedef struct {
    const char *canonical;
    pms_colkind kind;
    const char *meaning;   /* one line, for `check` and the README */
} pms_alias_info;

/* Canonical name for a header, or NULL when the header is not in the table. */
const pms_alias_info *pms_alias_lookup(const char *header);

/* Lower-case snake_case form of any header ("Total QOF Payments" ->
 * "total_qof_payments", "LocalEnhancedServices_NHAIS_" ->
 * "local_enhanced_services_nhais"); writes at most cap bytes. */
void pms_snake_case(const char *header, char *out, size_t cap);

/* The comparison key described above. */
void pms_alias_key(const char *header, char *out, size_t cap);

/* The i-th canonical entry (for documentation), NULL past the end. */
const pms_alias_info *pms_alias_at(size_t i);

/* Known layouts whose headers lie about a column (NHS Digital's 2022/23 file).
 * Fills canonical[0..n-1] with the name to use for each header, or NULL to
 * look it up as usual, and returns a sentence saying what was remapped, or
 * NULL when the headers are not a known layout. */
const char *pms_alias_layout(const char *const *headers, size_t n, const char **canonical);

#endif
