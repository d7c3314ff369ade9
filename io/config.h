/* INI configuration files (the report's settings), read with inih and kept
 * with their line numbers so that every complaint names FILE:LINE. */
#ifndef PMS_CONFIG_H
#define PMS_CONFIG_H

#include <stddef.h>

#include "base/status.h"

typedef struct {
    char *section, *key, *value;
    int line;
} pms_config_entry;

typedef struct {
    char *path;
    pms_config_entry *e;   /* in file order; a section's entries are contiguous */
    size_t n;
    struct pms_config_index *idx; /* private: hash of section/key, sections seen */
} pms_config;

/* Parse; a syntax error, a repeated key or a repeated [section] is
 * "FILE:LINE: message".  Loading and pms_config_find are O(1) per key. */
pms_status pms_config_load(const char *path, pms_config **out, pms_err *err);
/* The same from bytes in memory (not copied); `display` names them in messages. */
pms_status pms_config_load_mem(const char *display, const char *data, size_t len,
                               pms_config **out, pms_err *err);
void pms_config_free(pms_config *c);

/* The entry for section/key, or NULL. */
const pms_config_entry *pms_config_find(const pms_config *c, const char *section,
                                        const char *key);

/* Every key of `section` must be in `allowed` (NULL-terminated); every section
 * must be in `sections` (NULL-terminated; an entry ending in '*' matches a prefix). */
pms_status pms_config_check(const pms_config *c, const char *const *sections,
                            const char *section, const char *const *allowed, pms_err *err);

/* Typed getters: absent -> *out unchanged and PMS_OK; bad value -> FILE:LINE error. */
pms_status pms_config_double(const pms_config *c, const char *section, const char *key,
                             double lo, double hi, double *out, pms_err *err);
pms_status pms_config_ulong(const pms_config *c, const char *section, const char *key,
                            unsigned long lo, unsigned long hi, unsigned long *out, pms_err *err);
const char *pms_config_str(const pms_config *c, const char *section, const char *key,
                           const char *dflt);

#endif
