/* GSL's default error handler calls abort(); a library must never abort
 * whoever calls it (a program, a test, a benchmark, a fuzzer).  The library
 * switches the handler off once, when it is loaded, and every GSL call in it
 * checks the status or the result instead (doc/output.md, "GSL errors").
 *
 * Why at load and not before each GSL call: the handler is one process-wide
 * pointer, so a per-call swap would race between threads, and a check in
 * front of every GSL call that can fail (cdf domains, allocation, Cholesky)
 * is a rule each new line of code could forget.  Switching it off once is
 * what GSL recommends for production code, and it reaches every entry point,
 * present or future.  A program that installs its own handler afterwards gets
 * the behaviour it installed. */
#ifndef PMS_GSL_GUARD_H
#define PMS_GSL_GUARD_H

/* Turn GSL's aborting handler off.  Thread-safe and idempotent (pthread_once):
 * runs automatically when the library is loaded; entry points may call it
 * again at no cost. */
void pms_gsl_guard(void);

#endif
