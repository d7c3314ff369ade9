/* What the gnuplot module's files share (plots/preload/). */
#ifndef PMS_PRELOAD_H
#define PMS_PRELOAD_H

/* zlib level of the PNGs' rows: the size of cairo's default (level 6 with
 * libpng's adaptive filters), far faster (png_level.c). */
#define PMS_PNG_LEVEL 3

/* Another library's function `name` (zlib's, cairo's): the next definition
 * after this module when it is preloaded; the program's when the module was
 * loaded with dlopen (the tests); never this module's own stand-in.  Needs
 * <dlfcn.h> with _GNU_SOURCE. */
static inline void *pms_preload_lib_fn(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) f = dlsym(RTLD_DEFAULT, name);
    Dl_info of_f, of_us;
    if (f && dladdr(f, &of_f) && dladdr((void *)pms_preload_lib_fn, &of_us) &&
        of_f.dli_fbase == of_us.dli_fbase)
        return NULL;
    return f;
}

#endif
