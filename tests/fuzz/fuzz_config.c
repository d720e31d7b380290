/* Invariant: no scenario text crashes, hangs or leaks in the loader: load, apply every point
 * (at most 4), the model's cross-key check, one draw of the uncertain keys, dump, resolved.
 *
 * Two builds of this one file: with CSSIM_LIBFUZZER it is a libFuzzer target (tests/fuzz/run.sh,
 * clang, CMake option CSSIM_FUZZ); without, a replay program that feeds every file named on
 * its command line (directories: every file in them) through the same path, so the normal
 * test suite replays the seed corpus and every crash input once found (tests/fuzz/regressions).
 * The fuzzer writes each input to a file, because the loader reads files; CSSIM_FUZZ_DIR names
 * the directory (run.sh gives a copy of scenarios/, so that `extends:` finds real bases). */
#define _POSIX_C_SOURCE 200809L
#include "cssim/config.h"
#include "cssim/streams.h"
#include "params.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static FILE *devnull;

static void exercise(const char *file)
{
    cs_config *c = NULL;
    cs_error err;
    if (cs_config_load(&c, cs_params_keys, cs_params_nkeys, file, NULL, 0, &err)) return;
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    size_t n = cs_config_npoints(c);
    for (size_t i = 0; i < n && i < 4; i++) {
        cs_params p;
        memset(&p, 0, sizeof p);
        if (!cs_config_apply(c, i, &p, &err)) {
            (void)cs_params_check(&p, file, &err);
            (void)cs_config_origin(c, i, "inspectorate.fte", &(const char *){NULL}, &(int){0},
                                   &(int){0});
            const cs_uncertain *u;
            size_t nu = cs_config_uncertain(c, i, &u);
            if (r) cs_config_draw(cs_params_keys, u, nu, &p, r, 1, 0, 8);
            (void)cs_config_dump(c, i, &p, devnull, 1);
            char **k, **v;
            size_t nk;
            if (!cs_config_resolved(c, i, &p, &k, &v, &nk)) {
                for (size_t j = 0; j < nk; j++) {
                    free(k[j]);
                    free(v[j]);
                }
                free(k);
                free(v);
            }
        }
        cs_config_params_free(cs_params_keys, cs_params_nkeys, &p);
    }
    gsl_rng_free(r);
    cs_config_destroy(c);
}

static void open_devnull(void)
{
    if (!devnull) devnull = fopen("/dev/null", "w");
    if (!devnull) abort();
}

#ifdef CSSIM_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[4096];
    if (!path[0]) {
        const char *dir = getenv("CSSIM_FUZZ_DIR");
        snprintf(path, sizeof path, "%s/fuzz-input-%ld.yaml", dir ? dir : ".", (long)getpid());
        open_devnull();
    }
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
    exercise(path);
    return 0;
}
#else
static size_t replay(const char *path)
{
    struct stat st;
    if (stat(path, &st)) {
        perror(path);
        exit(1);
    }
    if (!S_ISDIR(st.st_mode)) {
        exercise(path);
        return 1;
    }
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        exit(1);
    }
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (e->d_name[0] != '.' && !stat(sub, &st) && S_ISREG(st.st_mode)) n += replay(sub);
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    open_devnull();
    size_t n = 0;
    for (int i = 1; i < argc; i++)
        n += replay(argv[i]);
    printf("ok: %zu inputs through the scenario loader\n", n);
    fclose(devnull);
    return n ? 0 : 1;
}
#endif
