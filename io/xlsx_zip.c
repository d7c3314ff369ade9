/* The workbook's parts deflated by libdeflate, in one call each.
 *
 * Why: closing the workbook is the report's last step, beside gnuplot's last
 * pictures, and zlib was half of it: the default report's 15 MB of XML cost
 * 0.09 CPU-s at zlib's fastest level (io/xlsx_deflate.c).  libdeflate
 * compresses a whole buffer at once, at its level 1 in about half the time,
 * and smaller (3.14 MB against 3.38; bench/RESULTS.md).
 *
 * How: libxlsxwriter 1.1.4 writes each part to a temporary file and copies it
 * into the zip with its own _add_file_to_zip, which it exports and calls
 * through the dynamic linker, so a program's own definition comes first
 * (as with zipOpenNewFileInZip4_64 in io/xlsx_deflate.c; CMake pulls this
 * file in with "-u").  This one reads the part whole, deflates it with
 * libdeflate, and hands minizip the deflated bytes as a raw entry with their
 * CRC-32 and size (zipCloseFileInZipRaw64): the zip holds the same parts,
 * byte for byte once unzipped.  A picture (xl/media/, stored), a part that
 * cannot be read whole or deflated, goes through libxlsxwriter's own copy
 * (found with RTLD_NEXT).  A zip error is returned as libxlsxwriter returns
 * it (RETURN_ON_ZIP_ERROR), without its message on stderr: the library
 * reports the failure of the whole workbook itself.  The structures read are
 * those of the installed <xlsxwriter/packager.h>, and this follows
 * libxlsxwriter 1.1.4's packager.c. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <libdeflate.h>
#include <xlsxwriter.h>
#include <xlsxwriter/packager.h>

typedef lxw_error (*add_file_fn)(lxw_packager *, FILE *, const char *);

lxw_error _add_file_to_zip(lxw_packager *self, FILE *file, const char *filename);

/* The temporary file's bytes (*n of them), or NULL. */
static unsigned char *whole_file(FILE *f, size_t *n)
{
    if (fflush(f) != 0 || fseeko(f, 0, SEEK_END) != 0) return NULL;
    off_t end = ftello(f);
    if (end < 0 || (unsigned long long)end > UINT_MAX || fseeko(f, 0, SEEK_SET) != 0) return NULL;
    unsigned char *b = malloc(end ? (size_t)end : 1);
    if (b && fread(b, 1, (size_t)end, f) != (size_t)end) {
        free(b);
        return NULL;
    }
    *n = (size_t)end;
    return b;
}

/* in[0..n) deflated into a new buffer (*m bytes), or NULL. */
static unsigned char *deflated(const unsigned char *in, size_t n, size_t *m)
{
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
    if (!c) return NULL;
    size_t cap = libdeflate_deflate_compress_bound(c, n);
    unsigned char *out = malloc(cap);
    *m = out ? libdeflate_deflate_compress(c, in, n, out, cap) : 0;
    libdeflate_free_compressor(c);
    if (*m == 0) {
        free(out);
        return NULL;
    }
    return out;
}

typedef int (*write_fn)(zipFile, const void *, unsigned);
typedef int (*close_raw_fn)(zipFile, ZPOS64_T, uLong);

/* minizip's functions, found at run time in the libminizip that
 * libxlsxwriter loaded (Debian ships no minizip.pc to link it by). */
typedef struct {
    write_fn write;
    close_raw_fn close_raw;
} minizip;

static int find_minizip(minizip *z)
{
    z->write = (write_fn)dlsym(RTLD_DEFAULT, "zipWriteInFileInZip");
    z->close_raw = (close_raw_fn)dlsym(RTLD_DEFAULT, "zipCloseFileInZipRaw64");
    return z->write && z->close_raw;
}

/* The deflated part as a raw entry: libxlsxwriter's calls, level 1 recorded
 * (minizip's "super fast" flag, as io/xlsx_deflate.c sets for every part). */
static int add_raw(lxw_packager *self, const minizip *z, const char *filename,
                   const unsigned char *in, size_t n, const unsigned char *out, size_t m)
{
    int err = zipOpenNewFileInZip4_64(self->zipfile, filename, &self->zipfile_info, NULL, 0, NULL,
                                      0, NULL, Z_DEFLATED, 1, 1, -MAX_WBITS, DEF_MEM_LEVEL,
                                      Z_DEFAULT_STRATEGY, NULL, 0, 0, 0, self->use_zip64);
    if (err == ZIP_OK) err = z->write(self->zipfile, out, (unsigned)m);
    if (err == ZIP_OK) err = z->close_raw(self->zipfile, n, libdeflate_crc32(0, in, n));
    return err;
}

static lxw_error zip_status(int err)
{
    if (err == ZIP_OK) return LXW_NO_ERROR;
    RETURN_ON_ZIP_ERROR(err, LXW_ERROR_ZIP_FILE_ADD);
}

lxw_error _add_file_to_zip(lxw_packager *self, FILE *file, const char *filename)
{
    size_t n = 0, m = 0;
    unsigned char *in = NULL, *out = NULL;
    minizip z;
    if (filename && strncmp(filename, "xl/media/", 9) != 0 && find_minizip(&z) &&
        (in = whole_file(file, &n)))
        out = deflated(in, n, &m);
    if (!out) {
        free(in);
        add_file_fn real = (add_file_fn)dlsym(RTLD_NEXT, "_add_file_to_zip");
        return real ? real(self, file, filename) : LXW_ERROR_ZIP_FILE_ADD;
    }
    int err = add_raw(self, &z, filename, in, n, out, m);
    free(in);
    free(out);
    return zip_status(err);
}
