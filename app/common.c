/* Shared by the commands: loading a scenario into parameters and worlds, exit codes, and
 * command-line quoting. */
#include "cli.h"
#include "cssim/streams.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cs_cli_exit_status(int status)
{
    switch (status) {
    case CS_OK:
        return 0;
    case CS_EPARSE:
    case CS_EINVAL:
    case CS_EEXIST:
    case CS_EMISMATCH:
    case CS_ENOTFOUND:
        return 2;
    default:
        return 1;
    }
}

/* A cross-key rule names its key but not where it was set: point there when a file or --set
 * set it (a table default has no place). */
static void locate(const cs_config *cfg, size_t point, cs_error *err)
{
    const char *file;
    int line, col;
    if (err->line || !err->key[0] || cs_config_origin(cfg, point, err->key, &file, &line, &col))
        return;
    snprintf(err->file, sizeof err->file, "%s", file);
    err->line = line;
    err->col = col;
}

/* Reading a damaged HDF5 file can crash inside the HDF5 library (1.10.8 does on some
 * corrupted object headers). While cs_cli_guard_file names a file, SIGSEGV and SIGBUS end the
 * process with a message naming it and status 1, not a bare crash. */
static const char *guarded; /* the file being read, or NULL */

static void on_fault(int sig)
{
    static const char a[] = "cssim: error: ", b[] = ": cannot be read (the file is damaged)\n";
    ssize_t r = write(2, a, sizeof a - 1);
    if (guarded) r = write(2, guarded, strlen(guarded));
    r = write(2, b, sizeof b - 1);
    (void)r, (void)sig;
    _exit(1);
}

void cs_cli_guard_file(const char *path)
{
    guarded = path;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = path ? on_fault : SIG_DFL;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

int cs_scenario_load(cs_scenario *s, const char *path, const char *const *sets, size_t n_sets,
                     int build_worlds)
{
    memset(s, 0, sizeof *s);
    cs_error err;
    cs_error_clear(&err);
    int rc = cs_config_load(&s->cfg, cs_params_keys, cs_params_nkeys, path, sets, n_sets, &err);
    if (rc) goto fail;
    s->n = cs_config_npoints(s->cfg);
    s->params = calloc(s->n, sizeof *s->params);
    s->worlds = calloc(s->n, sizeof *s->worlds);
    s->sel = calloc(s->n, sizeof *s->sel);
    if (!s->params || !s->worlds || !s->sel) {
        rc = cs_error_set(&err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < s->n; i++) {
        rc = cs_config_apply(s->cfg, i, &s->params[i], &err);
        if (!rc && (rc = cs_params_check(&s->params[i], path, &err))) locate(s->cfg, i, &err);
        if (!rc && build_worlds) rc = cs_world_create(&s->worlds[i], &s->params[i], &err);
        if (!rc && cs_schema_select(&s->sel[i], cs_model_schema(), s->params[i].out_only, NULL, 0))
            rc = cs_error_set(&err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        if (rc) goto fail;
    }
    return 0;
fail:
    cs_error_print(stderr, &err);
    cs_scenario_free(s);
    return cs_cli_exit_status(rc == CS_EIO && err.line == 0 && err.key[0] == 0 ? CS_EPARSE : rc);
}

void cs_scenario_free(cs_scenario *s)
{
    if (s->params)
        for (size_t i = 0; i < s->n; i++) {
            if (s->worlds) cs_world_destroy(s->worlds[i]);
            cs_config_params_free(cs_params_keys, cs_params_nkeys, &s->params[i]);
        }
    for (size_t i = 0; s->sel && i < s->n; i++)
        cs_schema_sel_free(&s->sel[i]);
    free(s->sel);
    free(s->params);
    free(s->worlds);
    cs_config_destroy(s->cfg);
    memset(s, 0, sizeof *s);
}

static int plain(const char *a)
{
    if (!*a) return 0;
    for (const char *c = a; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *c))
            return 0;
    return 1;
}

char *cs_cli_join_argv(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += 4 * strlen(argv[i]) + 3;
    char *out = malloc(len), *o = out;
    if (!out) return NULL;
    for (int i = 0; i < argc; i++) {
        if (i) *o++ = ' ';
        if (plain(argv[i])) {
            o += sprintf(o, "%s", argv[i]);
            continue;
        }
        *o++ = '\'';
        for (const char *c = argv[i]; *c; c++) {
            if (*c == '\'')
                o += sprintf(o, "'\\''");
            else
                *o++ = *c;
        }
        *o++ = '\'';
    }
    *o = 0;
    return out;
}

char **cs_cli_split_argv(const char *line, int *argc)
{
    size_t cap = strlen(line) / 2 + 2, n = 0;
    char **v = calloc(cap + 1, sizeof *v);
    char *buf = malloc(strlen(line) + 1);
    if (!v || !buf) goto fail;
    const char *c = line;
    for (;;) {
        while (*c == ' ')
            c++;
        if (!*c) break;
        char *b = buf;
        while (*c && *c != ' ') {
            if (*c == '\'') {
                c++;
                while (*c && *c != '\'')
                    *b++ = *c++;
                if (*c != '\'') goto fail;
                c++;
            } else if (*c == '\\' && c[1]) {
                *b++ = c[1];
                c += 2;
            } else {
                *b++ = *c++;
            }
        }
        *b = 0;
        if (n == cap) goto fail;
        v[n] = strdup(buf);
        if (!v[n++]) goto fail;
    }
    free(buf);
    *argc = (int)n;
    return v;
fail:
    if (v)
        for (size_t i = 0; i < n; i++)
            free(v[i]);
    free(v);
    free(buf);
    return NULL;
}

int cs_run_rep(cs_model *m, gsl_rng *r, const cs_params *p, const cs_world *world,
               const cs_uncertain *unc, size_t n_unc, uint64_t rep, cs_repbuf *b, cs_error *err)
{
    uint64_t seed = (uint64_t)p->seed;
    if (!n_unc) return cs_model_run(m, p, seed, rep, b, err);
    cs_params mine = *p; /* shallow: only DOUBLE keys are ever redrawn */
    (void)world;         /* draws are keyed by key path, not by the (filtered) authority count */
    cs_config_draw(cs_params_keys, unc, n_unc, &mine, r, seed, rep, CS_PROC_PARAMS);
    for (size_t k = 0; k < n_unc; k++)
        b->drawn[k] = *(const double *)((const char *)&mine + cs_params_keys[unc[k].key].offset);
    return cs_model_run(m, &mine, seed, rep, b, err);
}
