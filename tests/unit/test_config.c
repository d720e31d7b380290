/* Invariant: the key table alone decides validity; later layers win; errors name file:line:col. */
#define _POSIX_C_SOURCE 200809L
#include "cs_test.h"

#include "cssim/config.h"
#include "cssim/dist.h"
#include "cssim/status.h"
#include "cssim/streams.h"

#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the example parameter struct and its table, one key of every type ---- */

typedef struct ex {
    char *name;
    double fte, cap, tau;
    cs_dist duration, delay;
    cs_steps budget;
    cs_array weights;
    bool sharper;
    int64_t seed, replications;
    int32_t start;
    int mode;
    char *label, *data, *notes;
} ex;

static const char *const modes[] = {"fast", "exact", "lazy", NULL};

#define K(p, t, f, lo, hi, d)                                                                      \
    .path = p, .type = t, .offset = offsetof(ex, f), .min = lo, .max = hi, .def = d

static const cs_key keys[] = {
    {K("meta.name", CS_KEY_STRING, name, 0, 0, NULL), .help = "scenario name"},
    {K("inspectorate.fte", CS_KEY_DOUBLE, fte, 0, INFINITY, "10"), .help = "inspectors (GUESS)"},
    {K("inspectorate.cap", CS_KEY_DOUBLE, cap, 0, 100, "1"), .flags = CS_KEY_NO_UNCERTAIN,
     .help = "a cap that may not be uncertain"},
    {K("inspectorate.duration", CS_KEY_DIST, duration, 0, INFINITY, "{dist: exponential, mean: 3}"),
     .help = "days on site"},
    {K("inspectorate.budget", CS_KEY_STEPS, budget, 0, INFINITY, NULL), .len_max = 10,
     .help = "budget by date"},
    {K("judgement.sif.tau", CS_KEY_DOUBLE, tau, 0, 1, "0.5"), .help = "a probability"},
    {K("judgement.weights", CS_KEY_ARRAY, weights, 0, 1, "[0.5, 0.5]"), .len_min = 2, .len_max = 4,
     .help = "weights"},
    {K("judgement.delay", CS_KEY_DIST, delay, 0, INFINITY,
       "{dist: empirical, values: [1, 2, 3], weights: [1, 1, 2]}"),
     .help = "delay in days"},
    {K("triggers.sharper", CS_KEY_BOOL, sharper, 0, 0, "false"), .help = "sharper triggers"},
    {K("run.seed", CS_KEY_INT, seed, 0, INFINITY, NULL), .flags = CS_KEY_REQUIRED, .help = "seed"},
    {K("run.replications", CS_KEY_INT, replications, 1, 1e6, "100"), .help = "replications"},
    {K("run.start", CS_KEY_DATE, start, 0, 0, "2015-01-01"), .help = "start date"},
    {K("run.mode", CS_KEY_ENUM, mode, 0, 0, "fast"), .choices = modes, .flags = CS_KEY_NO_SWEEP,
     .help = "mode (one per run: not in a sweep)"},
    {K("run.label", CS_KEY_STRING, label, 0, 0, NULL), .help = "free text"},
    {K("run.notes", CS_KEY_PATH, notes, 0, 0, NULL), .help = "notes file"},
    /* Out of table order on purpose: the dump still groups it under meta. */
    {K("meta.data", CS_KEY_PATH, data, 0, 0, NULL), .help = "input data"},
};
enum { NKEYS = sizeof keys / sizeof keys[0] };

#define DATA "tests/data/config/"

/* ---- helpers ---- */

static char tmpdir[64];
static char tmpfiles[64][192];
static int ntmp;

static int group_setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/cssim_cfg_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < ntmp; i++)
        unlink(tmpfiles[i]);
    rmdir(tmpdir);
    return 0;
}

/* Writes text to tmpdir/name and returns its path (valid until the group ends). */
static const char *write_tmp(const char *name, const char *text)
{
    int slot = ntmp;
    for (int i = 0; i < ntmp; i++)
        if (!strcmp(strrchr(tmpfiles[i], '/') + 1, name)) slot = i;
    if (slot == ntmp) {
        assert_true(ntmp < (int)(sizeof tmpfiles / sizeof tmpfiles[0]));
        ntmp++;
    }
    snprintf(tmpfiles[slot], sizeof tmpfiles[slot], "%s/%s", tmpdir, name);
    FILE *f = fopen(tmpfiles[slot], "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return tmpfiles[slot];
}

static cs_config *load_ok(const char *path, const char *const *sets, size_t n_sets)
{
    cs_config *c = NULL;
    cs_error err;
    int rc = cs_config_load(&c, keys, NKEYS, path, sets, n_sets, &err);
    if (rc) {
        cs_error_print(stderr, &err);
        fail();
    }
    return c;
}

static void apply_ok(const cs_config *c, size_t point, ex *p)
{
    cs_error err;
    memset(p, 0, sizeof *p);
    int rc = cs_config_apply(c, point, p, &err);
    if (rc) cs_error_print(stderr, &err);
    assert_int_equal(rc, CS_OK);
}

static void free_ex(ex *p)
{
    cs_config_params_free(keys, NKEYS, p);
}

/* Loads text (or path when text is NULL) and expects a failure with these details;
 * file == NULL means the temporary file, line/col < 0 are not checked. */
static void expect_error_at(const char *path, const char *const *sets, size_t n_sets, int status,
                            const char *file, int line, int col, const char *key, const char *msg)
{
    cs_config *c = NULL;
    cs_error err;
    int rc = cs_config_load(&c, keys, NKEYS, path, sets, n_sets, &err);
    if (rc != status || !strstr(err.msg, msg) || strcmp(err.key, key) ||
        (line >= 0 && err.line != line) || (col >= 0 && err.col != col) ||
        !strstr(err.file, file ? file : path)) {
        fprintf(stderr, "rc %d (want %d); got: ", rc, status);
        if (rc) cs_error_print(stderr, &err);
        fprintf(stderr, "want: %s:%d:%d: %s: %s\n", file ? file : path, line, col, key, msg);
        fail();
    }
    assert_null(c);
}

static void expect_error(const char *text, int status, int line, int col, const char *key,
                         const char *msg)
{
    expect_error_at(write_tmp("t.yaml", text), NULL, 0, status, NULL, line, col, key, msg);
}

/* ---- defaults, layers, precedence ---- */

static void test_config_defaults_fill_unset_keys(void **state)
{
    (void)state;
    cs_config *c = load_ok(write_tmp("min.yaml", "run: {seed: 7}\n"), NULL, 0);
    ex p;
    apply_ok(c, 0, &p);
    assert_int_equal(p.seed, 7);
    assert_int_equal(p.replications, 100);
    CS_ASSERT_CLOSE(p.fte, 10, 0, 0);
    CS_ASSERT_CLOSE(p.tau, 0.5, 0, 0);
    assert_int_equal(p.duration.kind, CS_DIST_EXPONENTIAL);
    CS_ASSERT_CLOSE(cs_dist_mean(&p.duration), 3, 1e-12, 0);
    assert_int_equal(p.delay.kind, CS_DIST_EMPIRICAL);
    CS_ASSERT_CLOSE(cs_dist_mean(&p.delay), 2.25, 1e-12, 0);
    assert_int_equal(p.weights.n, 2);
    assert_int_equal(p.budget.n, 0);
    assert_false(p.sharper);
    assert_int_equal(p.mode, 0);
    assert_null(p.label);
    assert_null(p.data);
    char d[11];
    cs_date_format(p.start, d);
    assert_string_equal(d, "2015-01-01");
    /* No meta.name: the point is named after the file. */
    assert_int_equal(cs_config_npoints(c), 1);
    assert_string_equal(cs_config_point_name(c, 0), "min");
    assert_string_equal(cs_config_point_desc(c, 0), "");
    free_ex(&p);
    cs_config_destroy(c);
}

static void test_config_precedence_defaults_base_file_sweep_set(void **state)
{
    (void)state;
    cs_config *c = load_ok(DATA "prec.yaml", NULL, 0);
    assert_int_equal(cs_config_npoints(c), 2);
    ex p;
    for (size_t i = 0; i < 2; i++) {
        apply_ok(c, i, &p);
        assert_int_equal(p.replications, 100);       /* default */
        CS_ASSERT_CLOSE(p.cap, 5, 0, 0);             /* base.yaml */
        assert_int_equal(p.seed, 1);                 /* base.yaml */
        CS_ASSERT_CLOSE(p.fte, 20, 0, 0);            /* prec.yaml over base.yaml */
        CS_ASSERT_CLOSE(p.tau, i ? 0.5 : 0.4, 0, 0); /* the sweep over the file */
        assert_string_equal(p.name, "prec");
        free_ex(&p);
    }
    cs_config_destroy(c);

    const char *sets[] = {"judgement.sif.tau=0.9", "inspectorate.cap=7", "inspectorate.fte=30",
                          "run.replications=5", "inspectorate.cap=8"};
    c = load_ok(DATA "prec.yaml", sets, 5);
    for (size_t i = 0; i < 2; i++) {
        apply_ok(c, i, &p);
        CS_ASSERT_CLOSE(p.tau, 0.9, 0, 0); /* --set over the sweep */
        CS_ASSERT_CLOSE(p.cap, 8, 0, 0);   /* the later --set of a key wins */
        CS_ASSERT_CLOSE(p.fte, 30, 0, 0);
        assert_int_equal(p.replications, 5);
        free_ex(&p);
    }
    assert_string_equal(cs_config_point_desc(c, 1), "judgement.sif.tau=0.5");
    cs_config_destroy(c);
}

static void test_config_dotted_and_nested_keys_are_equivalent(void **state)
{
    (void)state;
    cs_config *c =
        load_ok(write_tmp("dots.yaml", "run.seed: 1\njudgement: {sif.tau: 0.25}\ninspectorate:\n"),
                NULL, 0);
    ex p;
    apply_ok(c, 0, &p);
    CS_ASSERT_CLOSE(p.tau, 0.25, 0, 0);
    free_ex(&p);
    cs_config_destroy(c);
}

static void test_config_paths_resolve_against_the_setting_file(void **state)
{
    (void)state;
    const char *sets[] = {"meta.data=here.csv"};
    cs_config *c = load_ok(DATA "sub/child.yaml", NULL, 0);
    ex p;
    apply_ok(c, 0, &p);
    assert_string_equal(p.data, DATA "sub/../data/base.csv");
    assert_string_equal(p.notes, DATA "sub/notes.txt");
    assert_string_equal(p.label, "child");
    free_ex(&p);
    cs_config_destroy(c);
    c = load_ok(DATA "sub/child.yaml", sets, 1);
    apply_ok(c, 0, &p);
    assert_string_equal(p.data, "here.csv"); /* --set: the current directory */
    free_ex(&p);
    cs_config_destroy(c);
}

static void test_config_text_concatenates_the_extends_chain(void **state)
{
    (void)state;
    cs_config *c = load_ok(DATA "prec.yaml", NULL, 0);
    const char *t = cs_config_text(c);
    assert_non_null(strstr(t, "# Precedence: defaults"));
    const char *sep = strstr(t, "# --- extends: " DATA "base.yaml\n");
    assert_non_null(sep);
    assert_true(sep > strstr(t, "judgement.sif.tau: 0.3"));
    assert_non_null(strstr(sep, "# Base layer for the config tests"));
    cs_config_destroy(c);
}

/* ---- sweeps ---- */

static void test_config_sweep_grid_is_the_product_first_key_slowest(void **state)
{
    (void)state;
    cs_config *c = load_ok(DATA "grid.yaml", NULL, 0);
    assert_int_equal(cs_config_npoints(c), 6);
    assert_string_equal(cs_config_point_name(c, 0), "grid.0");
    assert_string_equal(cs_config_point_name(c, 5), "grid.5");
    assert_string_equal(cs_config_point_desc(c, 0), "inspectorate.fte=50, triggers.sharper=true");
    assert_string_equal(cs_config_point_desc(c, 1), "inspectorate.fte=50, triggers.sharper=false");
    assert_string_equal(cs_config_point_desc(c, 4), "inspectorate.fte=200, triggers.sharper=true");
    ex p;
    apply_ok(c, 3, &p);
    CS_ASSERT_CLOSE(p.fte, 100, 0, 0);
    assert_false(p.sharper);
    free_ex(&p);
    assert_null(cs_config_point_name(c, 6));
    cs_error err;
    assert_int_equal(cs_config_apply(c, 6, &p, &err), CS_EINVAL);
    cs_config_destroy(c);
}

static void test_config_sweep_names_are_zero_padded(void **state)
{
    (void)state;
    cs_config *c = load_ok(write_tmp("pad.yaml", "meta: {name: pad}\nrun: {seed: 1}\n"
                                                 "sweep: {grid: {run.replications: "
                                                 "[1,2,3,4,5,6,7,8,9,10]}}\n"),
                           NULL, 0);
    assert_int_equal(cs_config_npoints(c), 10);
    assert_string_equal(cs_config_point_name(c, 0), "pad.00");
    assert_string_equal(cs_config_point_name(c, 9), "pad.09");
    assert_string_equal(cs_config_point_desc(c, 9), "run.replications=10");
    cs_config_destroy(c);
}

static void test_config_sweep_list_with_names(void **state)
{
    (void)state;
    cs_config *c = load_ok(DATA "list.yaml", NULL, 0);
    assert_int_equal(cs_config_npoints(c), 2);
    assert_string_equal(cs_config_point_name(c, 0), "low");
    assert_string_equal(cs_config_point_name(c, 1), "high");
    assert_string_equal(cs_config_point_desc(c, 0), "inspectorate.fte=50");
    assert_string_equal(cs_config_point_desc(c, 1), "inspectorate.fte=100, triggers.sharper=false");
    ex p;
    apply_ok(c, 0, &p);
    CS_ASSERT_CLOSE(p.fte, 50, 0, 0);
    assert_false(p.sharper);
    free_ex(&p);
    apply_ok(c, 1, &p);
    CS_ASSERT_CLOSE(p.fte, 100, 0, 0);
    free_ex(&p);
    cs_config_destroy(c);
}

static void test_config_sweep_rejects_unknown_key_at_its_line(void **state)
{
    (void)state;
    expect_error_at(DATA "sweep_unknown.yaml", NULL, 0, CS_EINVAL, NULL, 5, 5, "inspectorate.ftee",
                    "unknown key (did you mean inspectorate.fte?)");
}

static void test_config_sweep_rejects_malformed_sections(void **state)
{
    (void)state;
    expect_error("run: {seed: 1}\nsweep:\n  grid: {run.seed: [1]}\n  list: [{run.seed: 2}]\n",
                 CS_EINVAL, 3, 3, "sweep", "either grid or list");
    expect_error("run: {seed: 1}\nsweep:\n  gird: {run.seed: [1]}\n", CS_EINVAL, 3, 3, "sweep",
                 "unknown or repeated sweep field \"gird\"");
    expect_error("run: {seed: 1}\nsweep:\n  grid: {run.seed: 4}\n", CS_EINVAL, 3, 20, "run.seed",
                 "expected a non-empty sequence of values to sweep over");
    expect_error("run: {seed: 1}\nsweep:\n  list: [{run.seed: 2}]\n  names: [a, b]\n", CS_EINVAL, 4,
                 10, "sweep.names", "expected 1 names");
    expect_error("run: {seed: 1}\nsweep:\n  list: [{run.seed: 2}, {run.seed: 3}]\n"
                 "  names: [a, a]\n",
                 CS_EINVAL, 4, 14, "sweep.names", "duplicate point name \"a\"");
    expect_error("run: {seed: 1}\nsweep:\n  grid: {run.seed: [1, -2]}\n", CS_EINVAL, 3, 24,
                 "run.seed", "expected an integer >= 0, got -2");
    const char *top = write_tmp("swtop.yaml", "extends: swbase.yaml\nrun: {seed: 1}\n");
    write_tmp("swbase.yaml", "sweep: {grid: {run.seed: [1, 2]}}\n");
    expect_error_at(top, NULL, 0, CS_EINVAL, "swbase.yaml", 1, 8, "sweep",
                    "only the top-level file");
}

/* ---- errors: files and syntax ---- */

static void test_config_sweep_rejects_a_no_sweep_key(void **state)
{
    (void)state;
    expect_error("run: {seed: 1}\nsweep:\n  grid: {run.mode: [fast, lazy]}\n", CS_EINVAL, 3, 10,
                 "run.mode", "may not vary in a sweep");
    expect_error(
        "run: {seed: 1}\nsweep:\n  list:\n    - {run.seed: 2}\n    - {run: {mode: lazy}}\n",
        CS_EINVAL, 5, 14, "run.mode", "may not vary in a sweep");
    /* outside the sweep, and by --set, it is an ordinary key */
    const char *set[] = {"run.mode=exact"};
    cs_config *c = load_ok(write_tmp("nosweep.yaml", "run: {seed: 1, mode: lazy}\nsweep:\n  grid: "
                                                     "{run.seed: [1, 2]}\n"),
                           set, 1);
    ex p;
    apply_ok(c, 1, &p);
    assert_int_equal(p.mode, 1);
    free_ex(&p);
    cs_config_destroy(c);
}

static void test_config_rejects_unsafe_point_names(void **state)
{
    (void)state;
    expect_error("run: {seed: 1}\nmeta: {name: 'a/b'}\n", CS_EINVAL, 2, 14, "meta.name",
                 "expected a name of letters, digits");
    expect_error("run: {seed: 1}\nmeta: {name: ..}\n", CS_EINVAL, 2, 14, "meta.name", "got \"..\"");
    expect_error("run: {seed: 1}\nmeta: {name: \"\"}\n", CS_EINVAL, 2, 14, "meta.name", "got \"\"");
    expect_error("run: {seed: 1}\nsweep:\n  list: [{run.seed: 1}, {run.seed: 2}]\n  names: [ok, "
                 "-rf]\n",
                 CS_EINVAL, 4, 15, "sweep.names", "got \"-rf\"");
    cs_config *c = load_ok(write_tmp("names.yaml", "run: {seed: 1}\nmeta: {name: "
                                                   "'a_b-c.d,e=f+g'}\n"),
                           NULL, 0);
    assert_string_equal(cs_config_point_name(c, 0), "a_b-c.d,e=f+g");
    cs_config_destroy(c);
}

static void test_config_origin_names_where_a_key_was_set(void **state)
{
    (void)state;
    const char *set[] = {"run.seed=3"};
    cs_config *c = load_ok(DATA "prec.yaml", set, 1);
    const char *file = NULL;
    int line = -1, col = -1;
    assert_int_equal(cs_config_origin(c, 0, "inspectorate.fte", &file, &line, &col), CS_OK);
    assert_non_null(strstr(file, "prec.yaml"));
    assert_int_equal(line, 6);
    assert_int_equal(col, 8);
    assert_int_equal(cs_config_origin(c, 0, "inspectorate.cap", &file, &line, &col), CS_OK);
    assert_non_null(strstr(file, "base.yaml")); /* set by the base, not overridden */
    /* a sweep point's override is where the point's value comes from */
    assert_int_equal(cs_config_origin(c, 1, "judgement.sif.tau", &file, &line, &col), CS_OK);
    assert_int_equal(line, 10);
    assert_int_equal(cs_config_origin(c, 0, "run.seed", &file, &line, &col), CS_OK);
    assert_string_equal(file, "--set");
    assert_int_equal(line, 1);
    /* a table default has no place; nor has an unknown key */
    assert_int_equal(cs_config_origin(c, 0, "run.mode", &file, &line, &col), CS_ENOTFOUND);
    assert_int_equal(cs_config_origin(c, 0, "no.such", &file, &line, &col), CS_ENOTFOUND);
    cs_config_destroy(c);
}

static void test_config_reports_yaml_syntax_error_position(void **state)
{
    (void)state;
    expect_error_at(DATA "syntax.yaml", NULL, 0, CS_EPARSE, NULL, 3, 2, "",
                    "did not find expected key");
}

static void test_config_rejects_multiple_documents(void **state)
{
    (void)state;
    expect_error("run: {seed: 1}\n---\nrun: {seed: 2}\n", CS_EPARSE, 3, 1, "",
                 "only one YAML document is allowed");
}

static void test_config_rejects_inconsistent_tables(void **state)
{
    (void)state;
    const cs_key dup[] = {{.path = "a.b", .type = CS_KEY_INT}, {.path = "a.b", .type = CS_KEY_INT}};
    const cs_key group[] = {{.path = "a", .type = CS_KEY_INT}, {.path = "a.b", .type = CS_KEY_INT}};
    const cs_key baddef[] = {{.path = "a", .type = CS_KEY_INT, .def = "x"}};
    const char *path = write_tmp("empty.yaml", "");
    cs_config *c;
    cs_error err;
    assert_int_equal(cs_config_load(&c, dup, 2, path, NULL, 0, &err), CS_EINVAL);
    assert_string_equal(err.file, "(table)");
    assert_non_null(strstr(err.msg, "key appears twice"));
    assert_int_equal(cs_config_load(&c, group, 2, path, NULL, 0, &err), CS_EINVAL);
    assert_non_null(strstr(err.msg, "key is also a group (a.b)"));
    assert_int_equal(cs_config_load(&c, baddef, 1, path, NULL, 0, &err), CS_EINVAL);
    assert_string_equal(err.file, "(default)");
    assert_string_equal(err.key, "a");
    assert_null(c);
}

static void test_config_reports_missing_file(void **state)
{
    (void)state;
    expect_error_at(DATA "nonexistent.yaml", NULL, 0, CS_ENOTFOUND, NULL, 0, 0, "",
                    "No such file or directory");
    /* an unreadable extends is bad input at the extends key, whatever the reason */
    expect_error("extends: nope.yaml\n", CS_ENOTFOUND, 1, 10, "extends", "cannot read");
    expect_error("extends: /dev/zero\n", CS_EINVAL, 1, 10, "extends", "not a regular file");
    expect_error("extends: /\n", CS_EINVAL, 1, 10, "extends", "not a regular file");
}

/* Bounds hold while parsing: input size, file type, nesting depth and alias expansion. */
static void test_config_parser_bounds(void **state)
{
    (void)state;
    /* /dev/zero would be read for ever; a FIFO would block with no writer */
    expect_error_at("/dev/zero", NULL, 0, CS_EINVAL, NULL, 0, 0, "", "not a regular file");
    char fifo[128];
    snprintf(fifo, sizeof fifo, "%s/fifo.yaml", tmpdir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_error_at(fifo, NULL, 0, CS_EINVAL, NULL, 0, 0, "", "not a regular file");
    unlink(fifo);
    /* over 1 MiB: refused before parsing */
    size_t big = (1u << 20) + 1;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, '#', big);
    text[big] = '\0';
    expect_error(text, CS_EINVAL, 0, 0, "", "larger than 1 MiB");
    free(text);
    /* 64 levels are allowed, 65 are not, reported where the 65th opens */
    char deep[512];
    for (int levels = 64; levels <= 65; levels++) {
        int n = snprintf(deep, sizeof deep, "run: {seed: 1}\nx: ");
        for (int i = 0; i < levels - 1; i++)
            deep[n++] = '[';
        for (int i = 0; i < levels - 1; i++)
            deep[n++] = ']';
        strcpy(deep + n, "\n");
        if (levels == 64)
            expect_error(deep, CS_EINVAL, 2, 1, "x", "unknown key"); /* parsed whole */
        else
            expect_error(deep, CS_EPARSE, 2, 4 + 63, "", "nesting deeper than 64 levels");
    }
    /* a billion laughs in 432 bytes: nine levels of nine aliases */
    char bomb[1024] = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int i = 1; i < 9; i++) {
        size_t n = strlen(bomb);
        n += (size_t)snprintf(bomb + n, sizeof bomb - n, "a%d: &a%d [", i, i);
        for (int j = 0; j < 9; j++)
            n += (size_t)snprintf(bomb + n, sizeof bomb - n, "%s*a%d", j ? ", " : "", i - 1);
        snprintf(bomb + n, sizeof bomb - n, "]\n");
    }
    expect_error(bomb, CS_EPARSE, 5, -1, "", "aliases expand to more than 10000 nodes");
    expect_error("a: &x [1, *x]\n", CS_EPARSE, 1, 11, "", "recursive alias *x");
    expect_error("a: *y\n", CS_EPARSE, 1, 4, "", "undefined alias *y");
    /* an alias within the bounds is a copy of its anchor */
    cs_config *c =
        load_ok(write_tmp("alias.yaml", "run: {seed: &s 7, replications: *s}\n"), NULL, 0);
    ex p;
    apply_ok(c, 0, &p);
    assert_int_equal(p.seed, 7);
    assert_int_equal(p.replications, 7);
    free_ex(&p);
    cs_config_destroy(c);
}

static void test_config_rejects_non_mapping_top_level(void **state)
{
    (void)state;
    expect_error("- 1\n- 2\n", CS_EINVAL, 1, 1, "", "expected a mapping of keys at the top level");
}

static void test_config_extends_cycle_is_an_error(void **state)
{
    (void)state;
    expect_error_at(DATA "cycle_a.yaml", NULL, 0, CS_EINVAL, DATA "cycle_b.yaml", 2, 10, "extends",
                    "extends cycle: " DATA "cycle_a.yaml -> " DATA "cycle_b.yaml -> " DATA
                    "cycle_a.yaml");
    expect_error("extends: t.yaml\n", CS_EINVAL, 1, 10, "extends", "extends cycle");
}

static void test_config_extends_depth_is_limited(void **state)
{
    (void)state;
    char name[32], text[64];
    for (int i = 0; i <= 17; i++) {
        snprintf(name, sizeof name, "deep%02d.yaml", i);
        snprintf(text, sizeof text, "extends: deep%02d.yaml\n", i + 1);
        write_tmp(name, i == 17 ? "run: {seed: 1}\n" : text);
    }
    /* 16 files below the top one are allowed, 17 are not. */
    char path[160];
    snprintf(path, sizeof path, "%s/deep01.yaml", tmpdir);
    cs_config *c = load_ok(path, NULL, 0);
    cs_config_destroy(c);
    snprintf(path, sizeof path, "%s/deep00.yaml", tmpdir);
    expect_error_at(path, NULL, 0, CS_EINVAL, "deep16.yaml", 1, 10, "extends",
                    "extends chain deeper than 16");
}

/* ---- errors: keys ---- */

static void test_config_unknown_key_suggests_nearest(void **state)
{
    (void)state;
    expect_error_at(DATA "typo.yaml", NULL, 0, CS_EINVAL, NULL, 3, 3, "inspectorate.ftee",
                    "unknown key (did you mean inspectorate.fte?)");
    expect_error("inspectorat:\n  fte: 3\n", CS_EINVAL, 1, 1, "inspectorat",
                 "unknown key (did you mean inspectorate?)");
    expect_error("run: {seed: 1}\ncompletely_different: 3\n", CS_EINVAL, 2, 1,
                 "completely_different", "unknown key");
    cs_error err;
    cs_config *c;
    assert_int_equal(
        cs_config_load(&c, keys, NKEYS, write_tmp("t.yaml", "zzz: 1\n"), NULL, 0, &err), CS_EINVAL);
    assert_null(strstr(err.msg, "did you mean"));
}

static void test_config_rejects_group_given_a_value(void **state)
{
    (void)state;
    expect_error("inspectorate: 5\n", CS_EINVAL, 1, 15, "inspectorate",
                 "expected a mapping of keys such as inspectorate.fte");
}

static void test_config_rejects_key_given_twice(void **state)
{
    (void)state;
    expect_error("inspectorate.fte: 1\ninspectorate:\n  fte: 2\n", CS_EINVAL, 3, 3,
                 "inspectorate.fte", "key given twice (first at line 1)");
}

static void test_config_required_key_missing(void **state)
{
    (void)state;
    expect_error("inspectorate: {fte: 1}\n", CS_EINVAL, 0, 0, "run.seed", "required key missing");
}

/* ---- errors: types and ranges ---- */

static void test_config_rejects_bad_numbers(void **state)
{
    (void)state;
    expect_error("inspectorate:\n  fte: ten\n", CS_EINVAL, 2, 8, "inspectorate.fte",
                 "expected a number >= 0, got \"ten\"");
    expect_error("judgement.sif.tau: 1.5\n", CS_EINVAL, 1, 20, "judgement.sif.tau",
                 "expected a number in [0, 1], got 1.5");
    expect_error("judgement.sif.tau: [1]\n", CS_EINVAL, 1, 20, "judgement.sif.tau",
                 "expected a number in [0, 1], got a sequence");
    expect_error("run.replications: 2.5\n", CS_EINVAL, 1, 19, "run.replications",
                 "expected an integer in [1, 1e+06], got 2.5");
    expect_error("run.replications: 0\n", CS_EINVAL, 1, 19, "run.replications",
                 "expected an integer in [1, 1e+06], got 0");
}

static void test_config_rejects_bad_bool_date_enum(void **state)
{
    (void)state;
    expect_error("triggers.sharper: maybe\n", CS_EINVAL, 1, 19, "triggers.sharper",
                 "expected true or false, got \"maybe\"");
    expect_error("run.start: 2015-02-30\n", CS_EINVAL, 1, 12, "run.start",
                 "expected a date YYYY-MM-DD, got \"2015-02-30\"");
    expect_error("run.mode: slow\n", CS_EINVAL, 1, 11, "run.mode",
                 "expected one of fast, exact, lazy, got \"slow\"");
    expect_error("run.label: {a: 1}\n", CS_EINVAL, 1, 12, "run.label",
                 "expected a string, got a mapping");
}

static void test_config_rejects_bad_arrays(void **state)
{
    (void)state;
    expect_error("judgement.weights: [0.1, 0.2, 0.3, 0.2, 0.2]\n", CS_EINVAL, 1, 20,
                 "judgement.weights", "expected between 2 and 4 numbers, got 5");
    expect_error("judgement.weights: [0.1, 2]\n", CS_EINVAL, 1, 26, "judgement.weights",
                 "expected a number in [0, 1], got 2");
    expect_error("judgement.weights: [0.1, x]\n", CS_EINVAL, 1, 26, "judgement.weights",
                 "expected a number in [0, 1], got \"x\"");
    expect_error("judgement.weights: 0.5\n", CS_EINVAL, 1, 20, "judgement.weights",
                 "expected a sequence of numbers, got \"0.5\"");
}

static void test_config_rejects_bad_steps(void **state)
{
    (void)state;
    expect_error("inspectorate.budget:\n  - {from: 2016-03-01, value: 1}\n"
                 "  - {from: 2016-01-01, value: 2}\n",
                 CS_EINVAL, 3, 12, "inspectorate.budget",
                 "step dates must increase strictly: 2016-01-01 is not after 2016-03-01");
    expect_error("inspectorate.budget: [{from: 2016-03-01, value: 1, extra: 3}]\n", CS_EINVAL, 1,
                 52, "inspectorate.budget", "unknown or repeated field \"extra\" in a step");
    expect_error("inspectorate.budget: [{from: 2016-03-01}]\n", CS_EINVAL, 1, 23,
                 "inspectorate.budget", "a step needs both from and value");
    expect_error("inspectorate.budget: [{from: 2016-13-01, value: 1}]\n", CS_EINVAL, 1, 30,
                 "inspectorate.budget", "expected a date YYYY-MM-DD, got \"2016-13-01\"");
    expect_error("inspectorate.budget: [{from: 2016-01-01, value: -1}]\n", CS_EINVAL, 1, 49,
                 "inspectorate.budget", "expected a number >= 0, got -1");
}

static void test_config_rejects_bad_distributions(void **state)
{
    (void)state;
    expect_error("inspectorate.duration: {dist: gama, mean: 3, sd: 1}\n", CS_EINVAL, 1, 31,
                 "inspectorate.duration", "unknown distribution \"gama\" (expected one of fixed,");
    expect_error("inspectorate.duration: {dist: gamma, mean: 3, mode: 1}\n", CS_EINVAL, 1, 47,
                 "inspectorate.duration", "gamma: unknown parameter \"mode\" (expected mean, sd)");
    expect_error("inspectorate.duration: {dist: triangular, lo: 1, hi: 3}\n", CS_EINVAL, 1, 24,
                 "inspectorate.duration", "triangular: missing parameter mode");
    expect_error("inspectorate.duration: {dist: gamma, mean: 3, sd: -1}\n", CS_EINVAL, 1, 24,
                 "inspectorate.duration", "invalid gamma distribution (mean 3, sd -1)");
    expect_error("inspectorate.duration: {dist: normal, mean: -1, sd: 1}\n", CS_EINVAL, 1, 24,
                 "inspectorate.duration", "expected a distribution with mean >= 0, got mean -1");
    expect_error("inspectorate.duration: {dist: empirical, values: [1, -2]}\n", CS_EINVAL, 1, 54,
                 "inspectorate.duration", "expected a number >= 0, got -2");
    expect_error("inspectorate.duration: {dist: empirical, values: [1, 2], weights: [1]}\n",
                 CS_EINVAL, 1, 67, "inspectorate.duration", "empirical: expected 2 weights, got 1");
    expect_error("inspectorate.duration: {mean: 3}\n", CS_EINVAL, 1, 24, "inspectorate.duration",
                 "expected a distribution {dist: NAME, ...}");
    expect_error("inspectorate.duration: {dist: fixed, value: 3, mean: 3}\n", CS_EINVAL, 1, 48,
                 "inspectorate.duration", "fixed: unknown parameter \"mean\" (expected value)");
}

static void test_config_rejects_bad_uncertain_parameters(void **state)
{
    (void)state;
    expect_error("inspectorate.cap: {dist: gamma, mean: 3, sd: 1}\n", CS_EINVAL, 1, 19,
                 "inspectorate.cap", "may not be given as a distribution");
    expect_error("judgement.sif.tau: {dist: normal, mean: 2, sd: 0.1}\n", CS_EINVAL, 1, 20,
                 "judgement.sif.tau", "expected a distribution with mean in [0, 1], got mean 2");
    expect_error("judgement.sif.tau: {mean: 0.2}\n", CS_EINVAL, 1, 20, "judgement.sif.tau",
                 "got a mapping without dist");
}

/* ---- --set ---- */

static void test_config_set_errors_name_their_position(void **state)
{
    (void)state;
    const char *path = write_tmp("s.yaml", "run: {seed: 1}\n");
    const char *noeq[] = {"run.seed=2", "inspectorate.fte"};
    expect_error_at(path, noeq, 2, CS_EPARSE, "--set", 2, 0, "inspectorate.fte",
                    "expected KEY=VALUE");
    const char *unknown[] = {"inspectorate.ftee=3"};
    expect_error_at(path, unknown, 1, CS_EINVAL, "--set", 1, 0, "inspectorate.ftee",
                    "unknown key (did you mean inspectorate.fte?)");
    const char *bad[] = {"run.seed=2", "run.seed=3", "inspectorate.fte=ten"};
    expect_error_at(path, bad, 3, CS_EINVAL, "--set", 3, 0, "inspectorate.fte",
                    "expected a number >= 0, got \"ten\"");
    const char *syntax[] = {"judgement.weights=[0.1, 0.2"};
    expect_error_at(path, syntax, 1, CS_EPARSE, "--set", 1, -1, "judgement.weights",
                    "did not find expected");
}

static void test_config_set_takes_flow_values_and_groups(void **state)
{
    (void)state;
    const char *path = write_tmp("s.yaml", "run: {seed: 1}\n");
    const char *sets[] = {"judgement.weights=[0.1, 0.2, 0.3]",
                          "inspectorate={fte: {dist: gamma, mean: 4, sd: 1}, cap: 2}",
                          "run.label=", "run.mode = lazy"};
    cs_config *c = load_ok(path, sets, 4);
    ex p;
    apply_ok(c, 0, &p);
    assert_int_equal(p.weights.n, 3);
    CS_ASSERT_CLOSE(p.weights.v[2], 0.3, 0, 0);
    CS_ASSERT_CLOSE(p.fte, 4, 1e-12, 0);
    CS_ASSERT_CLOSE(p.cap, 2, 0, 0);
    assert_null(p.label);
    assert_int_equal(p.mode, 2);
    free_ex(&p);
    cs_config_destroy(c);
}

/* ---- uncertain parameters ---- */

static void test_config_uncertain_draws_match_the_distribution(void **state)
{
    (void)state;
    cs_config *c = load_ok(DATA "full.yaml", NULL, 0);
    const cs_uncertain *u;
    size_t n = cs_config_uncertain(c, 0, &u);
    assert_int_equal(n, 2); /* table order: fte, then tau */
    assert_string_equal(keys[u[0].key].path, "inspectorate.fte");
    assert_string_equal(keys[u[1].key].path, "judgement.sif.tau");
    ex p;
    apply_ok(c, 0, &p);
    CS_ASSERT_CLOSE(p.fte, 30, 1e-12, 0); /* the struct holds the mean */
    CS_ASSERT_CLOSE(p.tau, 0.3, 1e-12, 0);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    enum { N = 20000 };
    double s_fte = 0, s_tau = 0;
    for (int i = 0; i < N; i++) {
        cs_config_draw(keys, u, n, &p, r, 12345, (uint64_t)i, 8);
        assert_true(p.tau >= 0 && p.tau <= 1);
        s_fte += p.fte;
        s_tau += p.tau;
    }
    CS_ASSERT_WITHIN_SE(s_fte / N, 30, 5 / sqrt(N), 4);
    CS_ASSERT_WITHIN_SE(s_tau / N, 0.3, 0.1 / sqrt(N), 4);
    free_ex(&p);
    cs_config_destroy(c);
    gsl_rng_free(r);
}

static void test_config_uncertain_draws_are_clamped_into_range(void **state)
{
    (void)state;
    cs_config *c =
        load_ok(write_tmp("clamp.yaml", "run.seed: 1\njudgement.sif.tau: {dist: normal, mean: 0.5, "
                                        "sd: 2}\ninspectorate.fte: {dist: fixed, value: 4}\n"),
                NULL, 0);
    const cs_uncertain *u;
    size_t n = cs_config_uncertain(c, 0, &u);
    assert_int_equal(n, 1); /* a fixed "distribution" is just a number */
    ex p;
    apply_ok(c, 0, &p);
    CS_ASSERT_CLOSE(p.fte, 4, 0, 0);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    int at_bounds = 0;
    for (int i = 0; i < 1000; i++) {
        cs_config_draw(keys, u, n, &p, r, 1, (uint64_t)i, 8);
        assert_true(p.tau >= 0 && p.tau <= 1);
        at_bounds += p.tau == 0 || p.tau == 1;
    }
    assert_true(at_bounds > 500);
    free_ex(&p);
    cs_config_destroy(c);
    gsl_rng_free(r);
}

/* Draws key `which` (an offset into ex) for replications 0..n-1 of the file's one point. */
static void draw_reps(const char *path, size_t which, double *out, int n)
{
    cs_config *c = load_ok(path, NULL, 0);
    const cs_uncertain *u;
    size_t nu = cs_config_uncertain(c, 0, &u);
    ex p;
    apply_ok(c, 0, &p);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    for (int i = 0; i < n; i++) {
        cs_config_draw(keys, u, nu, &p, r, 2024, (uint64_t)i, 8);
        out[i] = *(double *)((char *)&p + which);
    }
    gsl_rng_free(r);
    free_ex(&p);
    cs_config_destroy(c);
}

static void test_config_uncertain_draws_are_keyed_by_key_path(void **state)
{
    (void)state;
    enum { N = 50 };
    double alone[N], with_fte[N], fte[N];
    /* fte comes first in table order: before keying by path, making it uncertain shifted
     * every draw of tau. */
    draw_reps(write_tmp("ua.yaml", "run.seed: 1\njudgement.sif.tau: {dist: beta, mean: 0.3, sd: "
                                   "0.1}\n"),
              offsetof(ex, tau), alone, N);
    draw_reps(write_tmp("ub.yaml", "run.seed: 1\njudgement.sif.tau: {dist: beta, mean: 0.3, sd: "
                                   "0.1}\ninspectorate.fte: {dist: gamma, mean: 30, sd: 5}\n"),
              offsetof(ex, tau), with_fte, N);
    assert_memory_equal(alone, with_fte, sizeof alone);
    /* ... and the draws do differ from replication to replication and between keys */
    draw_reps(write_tmp("ub.yaml", "run.seed: 1\njudgement.sif.tau: {dist: beta, mean: 0.3, sd: "
                                   "0.1}\ninspectorate.fte: {dist: uniform, lo: 0, hi: 1}\n"),
              offsetof(ex, fte), fte, N);
    int differ = 0;
    for (int i = 1; i < N; i++)
        differ += alone[i] != alone[0];
    assert_int_equal(differ, N - 1);
    /* the key's stream, not tau's: a uniform(0, 1) on tau's stream would track tau's draws */
    double corr_x = 0;
    for (int i = 0; i < N; i++)
        corr_x += fte[i] == alone[i];
    assert_true(corr_x == 0);
}

static void test_config_joint_groups_share_an_index_keyed_by_group(void **state)
{
    (void)state;
    enum { N = 200 };
    double fte[N], tau[N], tau_alone[N], tau_g2[N];
    const char *both =
        "run.seed: 1\n"
        "inspectorate.fte: {dist: empirical, values: [10, 20, 30, 40], joint: 1}\n"
        "judgement.sif.tau: {dist: empirical, values: [0.1, 0.2, 0.3, 0.4], joint: 1}\n";
    draw_reps(write_tmp("ua.yaml", both), offsetof(ex, fte), fte, N);
    draw_reps(write_tmp("ua.yaml", both), offsetof(ex, tau), tau, N);
    int seen[4] = {0};
    for (int i = 0; i < N; i++) {
        CS_ASSERT_CLOSE(fte[i], 100 * tau[i], 1e-12, 0); /* one shared index per replication */
        seen[(int)(fte[i] / 10) - 1]++;
    }
    for (int j = 0; j < 4; j++) /* binomial(200, 1/4): mean 50, sd 6.1 */
        CS_ASSERT_WITHIN_SE(seen[j], 50, 6.1, 4);
    /* the group's stream is keyed by the group: dropping fte leaves tau's draws unchanged */
    draw_reps(write_tmp("ub.yaml",
                        "run.seed: 1\njudgement.sif.tau: {dist: empirical, values: [0.1, "
                        "0.2, 0.3, 0.4], joint: 1}\n"),
              offsetof(ex, tau), tau_alone, N);
    assert_memory_equal(tau, tau_alone, sizeof tau);
    /* another group is another stream */
    draw_reps(write_tmp("ub.yaml",
                        "run.seed: 1\njudgement.sif.tau: {dist: empirical, values: [0.1, "
                        "0.2, 0.3, 0.4], joint: 2}\n"),
              offsetof(ex, tau), tau_g2, N);
    int same = 0;
    for (int i = 0; i < N; i++)
        same += tau_g2[i] == tau[i];
    assert_true(same < N / 2); /* independent: about N / 4 agree */
}

/* ---- dump and resolved ---- */

static char *slurp(FILE *f)
{
    long n = ftell(f);
    rewind(f);
    char *s = calloc(1, (size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    return s;
}

static void test_config_dump_round_trips(void **state)
{
    (void)state;
    char dump1[160];
    snprintf(dump1, sizeof dump1, "%s/dump1.yaml", tmpdir);
    cs_config *c = load_ok(DATA "full.yaml", NULL, 0);
    ex a, b;
    apply_ok(c, 0, &a);
    FILE *f = fopen(dump1, "w+");
    assert_non_null(f);
    assert_int_equal(cs_config_dump(c, 0, &a, f, 1), CS_OK);
    char *text1 = slurp(f);
    fclose(f);
    assert_true(ntmp < (int)(sizeof tmpfiles / sizeof tmpfiles[0]));
    snprintf(tmpfiles[ntmp++], sizeof tmpfiles[0], "%s", dump1);
    /* Grouped by prefix even when the table interleaves them; help as comments. */
    const char *meta = strstr(text1, "\nmeta:\n  name: \"full\"  # scenario name\n  data: \"/");
    assert_non_null(meta);
    assert_non_null(strstr(text1, "fte: {dist: gamma, mean: 30, sd: 5}"));
    assert_non_null(strstr(text1, "  sif:\n    tau: {dist: beta"));

    cs_config *c2 = load_ok(dump1, NULL, 0);
    apply_ok(c2, 0, &b);
    CS_ASSERT_CLOSE(b.fte, a.fte, 1e-12, 0);
    CS_ASSERT_CLOSE(b.cap, a.cap, 0, 0);
    CS_ASSERT_CLOSE(b.tau, a.tau, 1e-12, 0);
    assert_int_equal(b.duration.kind, a.duration.kind);
    CS_ASSERT_CLOSE(cs_dist_mean(&b.duration), cs_dist_mean(&a.duration), 1e-12, 0);
    CS_ASSERT_CLOSE(cs_dist_mean(&b.delay), cs_dist_mean(&a.delay), 1e-12, 0);
    assert_int_equal(b.budget.n, 2);
    assert_int_equal(b.budget.from[1], a.budget.from[1]);
    CS_ASSERT_CLOSE(b.budget.value[1], 120.5, 0, 0);
    assert_int_equal(b.weights.n, 4);
    CS_ASSERT_CLOSE(b.weights.v[3], 0.4, 0, 0);
    assert_true(b.sharper);
    assert_int_equal(b.seed, 42);
    assert_int_equal(b.replications, 250);
    assert_int_equal(b.start, a.start);
    assert_int_equal(b.mode, 1);
    assert_string_equal(b.label, a.label);
    assert_string_equal(b.name, "full");
    assert_non_null(strstr(b.data, DATA "data/full.csv"));
    assert_null(b.notes);
    const cs_uncertain *u;
    assert_int_equal(cs_config_uncertain(c2, 0, &u), 2);

    /* Dumping the reloaded point gives the same text. */
    f = tmpfile();
    assert_int_equal(cs_config_dump(c2, 0, NULL, f, 1), CS_OK);
    char *text2 = slurp(f);
    fclose(f);
    assert_string_equal(text1, text2);
    free(text1);
    free(text2);
    free_ex(&a);
    free_ex(&b);
    cs_config_destroy(c);
    cs_config_destroy(c2);
}

static void test_config_resolved_lists_every_key(void **state)
{
    (void)state;
    cs_config *c = load_ok(DATA "grid.yaml", NULL, 0);
    char **k, **v;
    size_t n;
    assert_int_equal(cs_config_resolved(c, 2, NULL, &k, &v, &n), CS_OK);
    assert_int_equal(n, NKEYS);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(k[i], "inspectorate.fte")) seen += !strcmp(v[i], "100");
        if (!strcmp(k[i], "triggers.sharper")) seen += !strcmp(v[i], "true");
        if (!strcmp(k[i], "run.start")) seen += !strcmp(v[i], "2015-01-01");
        if (!strcmp(k[i], "run.mode")) seen += !strcmp(v[i], "fast");
        if (!strcmp(k[i], "run.label")) seen += !strcmp(v[i], "~");
        if (!strcmp(k[i], "judgement.weights")) seen += !strcmp(v[i], "[0.5, 0.5]");
        free(k[i]);
        free(v[i]);
    }
    assert_int_equal(seen, 6);
    free(k);
    free(v);
    cs_config_destroy(c);
}

/* ---- edit distance (dates: test_date.c) ---- */

static void test_config_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(cs_config_edit_distance("", ""), 0);
    assert_int_equal(cs_config_edit_distance("abc", ""), 3);
    assert_int_equal(cs_config_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(cs_config_edit_distance("inspectorate.ftee", "inspectorate.fte"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults_fill_unset_keys),
        cmocka_unit_test(test_config_precedence_defaults_base_file_sweep_set),
        cmocka_unit_test(test_config_dotted_and_nested_keys_are_equivalent),
        cmocka_unit_test(test_config_paths_resolve_against_the_setting_file),
        cmocka_unit_test(test_config_text_concatenates_the_extends_chain),
        cmocka_unit_test(test_config_sweep_grid_is_the_product_first_key_slowest),
        cmocka_unit_test(test_config_sweep_names_are_zero_padded),
        cmocka_unit_test(test_config_sweep_list_with_names),
        cmocka_unit_test(test_config_sweep_rejects_unknown_key_at_its_line),
        cmocka_unit_test(test_config_sweep_rejects_malformed_sections),
        cmocka_unit_test(test_config_sweep_rejects_a_no_sweep_key),
        cmocka_unit_test(test_config_rejects_unsafe_point_names),
        cmocka_unit_test(test_config_origin_names_where_a_key_was_set),
        cmocka_unit_test(test_config_reports_yaml_syntax_error_position),
        cmocka_unit_test(test_config_rejects_multiple_documents),
        cmocka_unit_test(test_config_rejects_inconsistent_tables),
        cmocka_unit_test(test_config_reports_missing_file),
        cmocka_unit_test(test_config_parser_bounds),
        cmocka_unit_test(test_config_rejects_non_mapping_top_level),
        cmocka_unit_test(test_config_extends_cycle_is_an_error),
        cmocka_unit_test(test_config_extends_depth_is_limited),
        cmocka_unit_test(test_config_unknown_key_suggests_nearest),
        cmocka_unit_test(test_config_rejects_group_given_a_value),
        cmocka_unit_test(test_config_rejects_key_given_twice),
        cmocka_unit_test(test_config_required_key_missing),
        cmocka_unit_test(test_config_rejects_bad_numbers),
        cmocka_unit_test(test_config_rejects_bad_bool_date_enum),
        cmocka_unit_test(test_config_rejects_bad_arrays),
        cmocka_unit_test(test_config_rejects_bad_steps),
        cmocka_unit_test(test_config_rejects_bad_distributions),
        cmocka_unit_test(test_config_rejects_bad_uncertain_parameters),
        cmocka_unit_test(test_config_set_errors_name_their_position),
        cmocka_unit_test(test_config_set_takes_flow_values_and_groups),
        cmocka_unit_test(test_config_uncertain_draws_match_the_distribution),
        cmocka_unit_test(test_config_uncertain_draws_are_clamped_into_range),
        cmocka_unit_test(test_config_uncertain_draws_are_keyed_by_key_path),
        cmocka_unit_test(test_config_joint_groups_share_an_index_keyed_by_group),
        cmocka_unit_test(test_config_dump_round_trips),
        cmocka_unit_test(test_config_resolved_lists_every_key),
        cmocka_unit_test(test_config_edit_distance),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
