#include "analysis/gsl_guard.h"

#include <pthread.h>

#include <gsl/gsl_errno.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void handler_off(void)
{
    gsl_set_error_handler_off();
}

void pms_gsl_guard(void)
{
    pthread_once(&once, handler_off);
}

/* Run when the library is loaded, before main.  With the static library the
 * link pulls this file in through "-u pms_gsl_guard" (CMakeLists.txt), so every
 * program linking pmsreview_core gets it, whichever functions it calls. */
__attribute__((constructor)) static void guard_at_load(void)
{
    pms_gsl_guard();
}
