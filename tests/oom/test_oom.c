/* Allocation failure, in the manner of SQLite's malloc tests: a whole `cssim run` (scenario
 * loading, authority table, model, replications on two worker threads, the HDF5 writer) is
 * repeated with the N-th allocation made by cssim's own code failing: every N up to 300, then N
 * growing by 2% until a run makes fewer than N allocations (CSSIM_OOM_ALL=1: every N, a few
 * thousand runs). Each run must end with an exit status (0 if the failure was absorbed, else 1 or
 * 2), never a crash; under AddressSanitizer (CI) nothing may leak.
 *
 * The failing allocator: malloc, calloc, realloc and strdup of cssim's objects are wrapped at
 * link time (-Wl,--wrap, see tests/CMakeLists.txt); the libraries' own allocations (HDF5,
 * libyaml, GSL, libgomp) are not. */
#include "cli.h"
#include "cssim/output.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static atomic_long n_alloc;    /* allocations since the counter was reset */
static atomic_long fail_at;    /* the allocation that fails (0: none) */
static atomic_int failed_once; /* the failure happened */

static int fail_now(void)
{
    long k = atomic_fetch_add(&n_alloc, 1) + 1;
    long f = atomic_load(&fail_at);
    if (f > 0 && k == f) {
        atomic_store(&failed_once, 1);
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t k, size_t n)
{
    return fail_now() ? NULL : __real_calloc(k, n);
}
void *__wrap_realloc(void *p, size_t n)
{
    return fail_now() ? NULL : __real_realloc(p, n);
}
char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

static char tmpdir[64];

static int run_once(long fail, long *made)
{
    char out[128];
    snprintf(out, sizeof out, "%s/oom.h5", tmpdir);
    char *argv[] = {"cssim", /* cs_cmd_run reads argv[-1] (the program) for the command line */
                    "run",     "scenarios/baseline.yaml",
                    "-o",      out,
                    "--force", "-q",
                    "-n",      "3",
                    "-j",      "2",
                    "--set",   "authorities.limit=6",
                    "--set",   "time.horizon_years=1",
                    NULL};
    int argc = (int)(sizeof argv / sizeof argv[0]) - 2;
    FILE *saved = stderr;
    FILE *sink = fopen("/dev/null", "w");
    if (sink && !getenv("CSSIM_OOM_VERBOSE")) stderr = sink; /* each failing run explains itself */
    atomic_store(&n_alloc, 0);
    atomic_store(&failed_once, 0);
    atomic_store(&fail_at, fail);
    int rc = cs_cmd_run(argc, argv + 1);
    atomic_store(&fail_at, 0);
    *made = atomic_load(&n_alloc);
    if (sink) {
        stderr = saved;
        fclose(sink);
    }
    char part[140];
    snprintf(part, sizeof part, "%s.part", out);
    unlink(out);
    unlink(part);
    return rc;
}

static void test_every_allocation_failure_ends_cleanly(void **state)
{
    (void)state;
    long made = 0;
    assert_int_equal(run_once(0, &made), 0); /* the run works, and makes `made` allocations */
    assert_true(made > 100);
    long tried = 0, absorbed = 0;
    const char *only = getenv("CSSIM_OOM_ONLY"); /* one failure point, for a debugger */
    long first = only ? atol(only) : 1, last = only ? first : made + 1;
    /* every N up to 300, then N grows by 2% (about 450 runs; CSSIM_OOM_ALL=1: every N) */
    int all = getenv("CSSIM_OOM_ALL") != NULL;
    for (long n = first; n <= last; n = all || n < 300 ? n + 1 : n + n / 50) {
        long m = 0;
        int rc = run_once(n, &m);
        tried++;
        if (rc != 0 && rc != 1 && rc != 2)
            fail_msg("allocation %ld failing: exit status %d", n, rc);
        if (rc == 0) absorbed++;
        if (getenv("CSSIM_OOM_VERBOSE")) fprintf(stderr, "[N=%ld rc=%d]\n", n, rc);
        if (!atomic_load(&failed_once)) break; /* this run made fewer than n allocations */
    }
    print_message("%ld allocations in a run; %ld failure points tried; %ld absorbed (status 0)\n",
                  made, tried, absorbed);
}

int main(void)
{
    cs_writer_library_init();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cssim_oom_XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_failure_ends_cleanly),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char lock[128];
    snprintf(lock, sizeof lock, "%s/oom.h5.lock", tmpdir);
    unlink(lock);
    rmdir(tmpdir);
    return rc;
}
