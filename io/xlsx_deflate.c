/* The zlib level of the workbook's parts.
 *
 * Why: libxlsxwriter 1.1.4 deflates every part of the .xlsx at zlib's
 * default level 6 and has no setting for it.  The default report's
 * workbook holds 15 MB of XML, and level 6 cost about 0.35 CPU-s of the
 * report's 1.8 (charts off); level 1 costs a third of that and makes the
 * file about 20% larger (3.4 MB instead of 2.8, bench/RESULTS.md).  The
 * charts' PNGs are stored rather than deflated.  The unzipped parts are
 * byte for byte the same.
 *
 * How: libxlsxwriter opens each part through minizip's
 * zipOpenNewFileInZip4_64, which it takes from the shared libminizip.  A
 * program's own definition comes first in the dynamic linker's lookup, so
 * libxlsxwriter's call lands here; this passes every argument on to
 * minizip's (found with RTLD_NEXT) with the level changed.  CMake pulls this
 * file into every program linking the library ("-u").  Against a
 * libxlsxwriter with minizip built in, nothing here is called and the
 * workbook is written at level 6 as before: only its size and speed differ.
 * The prototype is minizip 1.1's (zip.h): zipFile and zip_fileinfo * are
 * pointers, uInt and uLong are unsigned int and unsigned long (zconf.h). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>

#define PMS_XLSX_LEVEL 1       /* zlib's fastest */
#define ZIP_INTERNALERROR -104 /* zip.h */
#define Z_DEFLATED 8           /* zlib.h; method 0 is "stored" */

typedef int (*open_fn)(void *, const char *, const void *, const void *, unsigned, const void *,
                       unsigned, const char *, int, int, int, int, int, int, const char *,
                       unsigned long, unsigned long, unsigned long, int);

int zipOpenNewFileInZip4_64(void *file, const char *name, const void *info, const void *extra,
                            unsigned nextra, const void *gextra, unsigned ngextra,
                            const char *comment, int method, int level, int raw, int wbits,
                            int memlevel, int strategy, const char *password,
                            unsigned long crc, unsigned long made_by, unsigned long flags,
                            int zip64);

static int is_media(const char *name)
{
    return name && strncmp(name, "xl/media/", 9) == 0;
}

int zipOpenNewFileInZip4_64(void *file, const char *name, const void *info, const void *extra,
                            unsigned nextra, const void *gextra, unsigned ngextra,
                            const char *comment, int method, int level, int raw, int wbits,
                            int memlevel, int strategy, const char *password,
                            unsigned long crc, unsigned long made_by, unsigned long flags,
                            int zip64)
{
    open_fn real = (open_fn)dlsym(RTLD_NEXT, "zipOpenNewFileInZip4_64");
    if (!real) return ZIP_INTERNALERROR; /* cannot happen: our caller linked against it */
    /* A picture (xl/media/, the charts' PNGs) is already compressed: it is
     * stored, which costs a copy, instead of deflated for nothing (1.8 MB,
     * 0.05 CPU-s at level 1).  Only a deflated part at a real level changes:
     * a stored part or raw data stays as asked. */
    if (method == Z_DEFLATED && !raw && level != 0) {
        if (is_media(name))
            method = level = 0;
        else
            level = PMS_XLSX_LEVEL;
    }
    return real(file, name, info, extra, nextra, gextra, ngextra, comment, method, level, raw,
                wbits, memlevel, strategy, password, crc, made_by, flags, zip64);
}
