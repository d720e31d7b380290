/* The HDF5 writer stores exactly what the buffers held, refuses to clobber output, reports I/O
 * failures clearly, and a run killed at any point resumes to data identical to an
 * uninterrupted run. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* syscall */

#include "cs_test.h"

#include "cssim/output.h"
#include "io/h5file.h"
#include "io/writer_impl.h" /* a writer's `broken` state, set as a failure sets it */

#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- a toy model: what a schema and its buffers look like ---- */

static const char *const grade_labels[] = {"outstanding", "good", "ri", "inadequate"};
static const cs_enum_def grade_enum = {"grade", 4, grade_labels};
static const char *const ev_labels[] = {"inspection", "judgement", "intervention"};
static const cs_enum_def ev_enum = {"event_type", 3, ev_labels};

static const cs_series_def toy_series[] = {
    {"open_cases", CS_VT_I32, 1, NULL, "cases", "cases open at the time point"},
    {"grade_counts", CS_VT_I32, 4, &grade_enum, "authorities", "authorities by grade"},
    {"mean_quality", CS_VT_F64, 1, NULL, "", "mean practice quality"},
};
static const cs_panel_def toy_panel[] = {
    {"grade", CS_VT_U8, &grade_enum, "", "latest grade"},
    {"quality", CS_VT_F32, NULL, "", "practice quality"},
};
static const cs_scalar_def toy_summary[] = {
    {"inspections", "count", "inspections in the run"},
    {"final_quality", "", "mean quality at the horizon"},
};
static const cs_scalar_def toy_lastat[] = {{"inspections", "count", "inspections per authority"}};

static const cs_schema toy = {.n_series = 3,
                              .series = toy_series,
                              .n_panel = 2,
                              .panel = toy_panel,
                              .n_summary = 2,
                              .summary = toy_summary,
                              .n_lastat = 1,
                              .lastat = toy_lastat,
                              .event_types = &ev_enum,
                              .event_values = &grade_enum};

#define NLA   5
#define NREP  6
#define NSCEN 2

static const char *const la_codes[NLA] = {"E06000001", "E06000002", "E06000003", "E08000001",
                                          "E09000001"};
static const char *const la_names[NLA] = {"Hartlepool", "Middlesbrough", "Redcar", "Bolton",
                                          "City"};
static const double la_pop[NLA] = {20000, 35000, 30000, 70000, 2000};
static const int32_t la_pip[NLA] = {0, 1, 0, 0, 1};
static const cs_table_col cols[] = {
    {"code", CS_VT_U8, la_codes, NULL, NULL, "ONS code"},
    {"name", CS_VT_U8, la_names, NULL, NULL, "authority name"},
    {"population", CS_VT_F64, NULL, la_pop, NULL, "population aged 0-25"},
    {"partner_in_practice", CS_VT_I32, NULL, NULL, la_pip, "Partners in Practice"},
};

static const double times_a[] = {0, 30.5, 61, 91.5, 122, 365};
static const char *const iso_a[] = {"2024-04-01", "2024-05-01", "2024-06-01",
                                    "2024-07-01", "2024-08-01", "2025-04-01"};
static const double times_b[] = {0, 182.5, 365};
static const char *const iso_b[] = {"2024-04-01", "2024-10-01", "2025-04-01"};
static const cs_kv params_a[] = {{"inspectorate.fte", "120"}, {"horizon_years", "1"}};
static const cs_kv params_b[] = {{"inspectorate.fte", "60"}, {"horizon_years", "1"}};
static const char *const unc[] = {"effects.repeat.inadequate", "inspectorate.fte"};

static cs_writer_opts opts(uint64_t reps)
{
    return (cs_writer_opts){.software_version = "0.1.0-test",
                            .git_commit = "abc123",
                            .command_line = "cssim run toy.yaml",
                            .seed = 20240401,
                            .stream_scheme = "philox4x32-10(seed, replication, authority, process)",
                            .start_date = "2024-04-01",
                            .horizon_years = 1.0,
                            .replications = reps,
                            .n_la = NLA,
                            .n_cols = 4,
                            .cols = cols,
                            .working_directory = "/work"};
}

static cs_out_scenario scen(int i)
{
    if (i == 0)
        return (cs_out_scenario){.name = "base",
                                 .text = "name: base\ninspectorate:\n  fte: 120\n",
                                 .point_desc = "",
                                 .n_resolved = 2,
                                 .resolved = params_a,
                                 .n_uncertain = 2,
                                 .uncertain_names = unc,
                                 .schema = &toy,
                                 .n_time = 6,
                                 .time_days = times_a,
                                 .time_iso = iso_a,
                                 .national = true,
                                 .panel = true,
                                 .events = true,
                                 .compression = 0};
    return (cs_out_scenario){.name = "fte=60",
                             .text = "name: base\nsweep: {inspectorate.fte: [60]}\n",
                             .point_desc = "inspectorate.fte=60",
                             .n_resolved = 2,
                             .resolved = params_b,
                             .n_uncertain = 0,
                             .schema = &toy,
                             .n_time = 3,
                             .time_days = times_b,
                             .time_iso = iso_b,
                             .national = true,
                             .panel = false,
                             .events = true,
                             .compression = 1}; /* level 1: the plane coder (deflate_planes.c) */
}

/* Deterministic contents: a function of (scenario, replication, position). */
static double series_val(int s, uint64_t r, size_t i, size_t t, size_t k)
{
    if (i == 2) return (double)r + 0.5 * (double)t + 0.25 + s;
    return (double)(r * 100 + t * 7 + k + i * 13 + (size_t)s * 1000);
}
static uint8_t grade_val(uint64_t r, size_t t, size_t la)
{
    return (uint8_t)((r + t + la) % 4);
}
static float quality_val(uint64_t r, size_t t, size_t la)
{
    return (float)(0.5 * (double)r + (double)t + 0.125 * (double)la);
}
static size_t n_events(int s, uint64_t r)
{
    return (size_t)(r % 3) + (r % 4 == 1 ? 40 : 0) + (size_t)s;
}

static void fill(cs_repbuf *b, int s, uint64_t r)
{
    const cs_out_scenario os = scen(s);
    cs_repbuf_reset(b, r);
    for (size_t i = 0; i < toy.n_series; i++)
        for (size_t t = 0; t < os.n_time; t++)
            for (size_t k = 0; k < toy.series[i].width; k++)
                b->series[i][t * toy.series[i].width + k] = series_val(s, r, i, t, k);
    for (size_t t = 0; t < os.n_time; t++)
        for (size_t la = 0; la < NLA; la++) {
            ((uint8_t *)b->panel[0])[t * NLA + la] = grade_val(r, t, la);
            ((float *)b->panel[1])[t * NLA + la] = quality_val(r, t, la);
        }
    b->summary[0] = 2.5 * (double)r;
    b->summary[1] = 1.0 / ((double)r + 1);
    for (size_t la = 0; la < NLA; la++)
        b->lastat[0][la] = (double)r + 0.5 * (double)la;
    for (size_t u = 0; u < b->n_uncertain; u++)
        b->drawn[u] = 0.1 * (double)r + (double)u;
    for (size_t j = 0; j < n_events(s, r); j++)
        assert_int_equal(cs_repbuf_event(b, (int32_t)((r + j) % NLA) - (j == 0), 1.5 * (double)j,
                                         (int)(j % 3), (int)(j % 4), (int)((j + 1) % 4),
                                         (double)r + 0.01 * (double)j),
                         CS_OK);
}

/* ---- helpers ---- */

static char tmpdir[64];

static void path_in(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
}

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static int run_cmd(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Whether Debian's python imports the modules (a comma-separated list); tests that read files
 * back through them skip without. */
static bool python_has(const char *modules)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import %s' >/dev/null 2>&1", modules);
    return run_cmd(cmd) == 0;
}

/* Opens, declares both scenarios, writes replications [from each scenario's done, upto),
 * and leaves the writer open for the caller. */
static cs_writer *open_and_write(const char *path, cs_writer_opts o, uint64_t upto,
                                 uint64_t commit_every, cs_error *err, int *rc)
{
    cs_writer *w = NULL;
    *rc = cs_writer_open(&w, path, &o, err);
    if (*rc) return NULL;
    if (commit_every > 1) cs_writer_set_commit_every(w, commit_every);
    for (int s = 0; s < NSCEN && !*rc; s++) {
        cs_out_scenario os = scen(s);
        *rc = cs_writer_add_scenario(w, &os, err);
    }
    for (int s = 0; s < NSCEN && !*rc; s++) {
        cs_out_scenario os = scen(s);
        cs_repbuf *b = cs_repbuf_create(&toy, os.n_time, NLA, os.n_uncertain, true);
        assert_non_null(b);
        for (uint64_t r = cs_writer_done(w, (size_t)s); r < upto && !*rc; r++) {
            fill(b, s, r);
            *rc = cs_writer_write(w, (size_t)s, b, err);
        }
        cs_repbuf_destroy(b, &toy);
    }
    if (*rc) {
        cs_writer_abort(w);
        return NULL;
    }
    return w;
}

static void write_complete(const char *path, cs_writer_opts o)
{
    cs_error err;
    cs_error_clear(&err);
    int rc;
    cs_writer *w = open_and_write(path, o, o.replications, 1, &err, &rc);
    if (rc) fail_msg("%s", err.msg);
    rc = cs_writer_close(w, &err);
    if (rc) fail_msg("%s", err.msg);
}

static hid_t open_ro(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    return f;
}

static void read_dims(hid_t d, int rank, hsize_t *dims)
{
    hid_t sp = H5Dget_space(d);
    assert_int_equal(H5Sget_simple_extent_ndims(sp), rank);
    H5Sget_simple_extent_dims(sp, dims, NULL);
    H5Sclose(sp);
}

static char *read_str_attr(hid_t obj, const char *name)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    assert_true(a >= 0);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *s = NULL;
    assert_true(H5Aread(a, t, &s) >= 0);
    char *out = strdup(s);
    H5free_memory(s);
    H5Tclose(t);
    H5Aclose(a);
    return out;
}

static void assert_str_attr(hid_t obj, const char *name, const char *want)
{
    char *s = read_str_attr(obj, name);
    assert_string_equal(s, want);
    free(s);
}

/* ---- tests ---- */

static void test_repbuf_grows_and_resets(void **state)
{
    (void)state;
    cs_repbuf *b = cs_repbuf_create(&toy, 6, NLA, 2, true);
    assert_non_null(b);
    assert_true(b->cap_events >= 1024);
    cs_repbuf_reset(b, 7);
    for (int j = 0; j < 3000; j++)
        assert_int_equal(cs_repbuf_event(b, j % NLA, j, j % 3, 0, 1, j), CS_OK);
    assert_int_equal(b->n_events, 3000);
    assert_true(b->cap_events >= 3000);
    assert_int_equal(b->events[2999].replication, 7);
    assert_int_equal(b->events[2999].authority, 2999 % NLA);
    size_t cap = b->cap_events;
    cs_repbuf_reset(b, 8);
    assert_int_equal(b->n_events, 0);
    assert_int_equal(b->cap_events, cap);
    assert_int_equal(cs_repbuf_event(b, 0, 0, 70000, 0, 0, 0), CS_EINVAL);
    cs_repbuf_destroy(b, &toy);
    cs_repbuf *q = cs_repbuf_create(&toy, 6, NLA, 0, false);
    assert_non_null(q);
    assert_int_equal(cs_repbuf_event(q, 0, 0, 1, 0, 0, 0), CS_OK);
    assert_int_equal(q->n_events, 0);
    cs_repbuf_destroy(q, &toy);
    cs_repbuf_destroy(NULL, &toy);
}

static void check_scenario(hid_t f, int s, uint64_t nrep)
{
    cs_out_scenario os = scen(s);
    char p[256];
    snprintf(p, sizeof p, "/scenarios/%s", os.name);
    hid_t g = H5Gopen2(f, p, H5P_DEFAULT);
    assert_true(g >= 0);
    assert_str_attr(g, "scenario_text", os.text);
    assert_str_attr(g, "sweep_point", os.point_desc);
    hid_t pg = H5Gopen2(g, "parameters", H5P_DEFAULT);
    for (size_t i = 0; i < os.n_resolved; i++)
        assert_str_attr(pg, os.resolved[i].key, os.resolved[i].value);
    H5Gclose(pg);

    uint64_t prog[2];
    hid_t d = H5Dopen2(g, "progress", H5P_DEFAULT);
    assert_true(H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, prog) >= 0);
    H5Dclose(d);
    assert_int_equal(prog[0], nrep);
    size_t nev = 0;
    for (uint64_t r = 0; r < nrep; r++)
        nev += n_events(s, r);
    assert_int_equal(prog[1], nev);

    /* axes */
    double tv[8];
    d = H5Dopen2(g, "time", H5P_DEFAULT);
    assert_true(H5DSis_scale(d) > 0);
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, tv) >= 0);
    assert_str_attr(d, "units", "days since 2024-04-01");
    H5Dclose(d);
    for (size_t t = 0; t < os.n_time; t++)
        assert_true(tv[t] == os.time_days[t]);
    d = H5Dopen2(g, "date", H5P_DEFAULT);
    hid_t dt = H5Dget_type(d);
    assert_int_equal(H5Tis_variable_str(dt), 0);
    size_t dl = H5Tget_size(dt);
    char *dates = calloc(os.n_time, dl);
    assert_true(H5Dread(d, dt, H5S_ALL, H5S_ALL, H5P_DEFAULT, dates) >= 0);
    for (size_t t = 0; t < os.n_time; t++)
        assert_memory_equal(dates + t * dl, os.time_iso[t], strlen(os.time_iso[t]));
    free(dates);
    H5Tclose(dt);
    H5Dclose(d);
    uint64_t *reps = calloc(nrep + 1, sizeof *reps);
    d = H5Dopen2(g, "replication", H5P_DEFAULT);
    hsize_t dims[3];
    read_dims(d, 1, dims);
    assert_int_equal(dims[0], nrep);
    assert_true(H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, reps) >= 0);
    for (uint64_t r = 0; r < nrep; r++)
        assert_int_equal(reps[r], r);
    free(reps);
    hid_t rep_scale = d;

    /* national */
    hid_t ng = H5Gopen2(g, "national", H5P_DEFAULT);
    for (size_t i = 0; i < toy.n_series; i++) {
        const cs_series_def *sd = &toy.series[i];
        d = H5Dopen2(ng, sd->name, H5P_DEFAULT);
        assert_true(d >= 0);
        int rank = sd->width > 1 ? 3 : 2;
        read_dims(d, rank, dims);
        assert_int_equal(dims[0], nrep);
        assert_int_equal(dims[1], os.n_time);
        if (rank == 3) assert_int_equal(dims[2], sd->width);
        assert_true(H5DSis_attached(d, rep_scale, 0) > 0);
        hid_t ft = H5Dget_type(d);
        assert_int_equal(H5Tget_class(ft), sd->type == CS_VT_I32 ? H5T_INTEGER : H5T_FLOAT);
        H5Tclose(ft);
        size_t n = (size_t)nrep * os.n_time * sd->width;
        double *v = malloc(n * sizeof *v);
        assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
        for (uint64_t r = 0; r < nrep; r++)
            for (size_t t = 0; t < os.n_time; t++)
                for (size_t k = 0; k < sd->width; k++)
                    assert_true(v[(r * os.n_time + t) * sd->width + k] ==
                                series_val(s, r, i, t, k));
        free(v);
        H5Dclose(d);
    }
    d = H5Dopen2(ng, "grade", H5P_DEFAULT); /* the label axis */
    assert_true(H5DSis_scale(d) > 0);
    H5Dclose(d);
    H5Gclose(ng);

    /* panel */
    if (os.panel) {
        hid_t pgp = H5Gopen2(g, "panel", H5P_DEFAULT);
        d = H5Dopen2(pgp, "grade", H5P_DEFAULT);
        hid_t et = H5Dget_type(d);
        assert_int_equal(H5Tget_class(et), H5T_ENUM);
        assert_int_equal(H5Tget_nmembers(et), 4);
        char nm[32];
        uint8_t v2 = 2;
        assert_true(H5Tenum_nameof(et, &v2, nm, sizeof nm) >= 0);
        assert_string_equal(nm, "ri");
        size_t n = (size_t)nrep * os.n_time * NLA;
        uint8_t *gv = malloc(n);
        assert_true(H5Dread(d, et, H5S_ALL, H5S_ALL, H5P_DEFAULT, gv) >= 0);
        for (uint64_t r = 0; r < nrep; r++)
            for (size_t t = 0; t < os.n_time; t++)
                for (size_t la = 0; la < NLA; la++)
                    assert_int_equal(gv[(r * os.n_time + t) * NLA + la], grade_val(r, t, la));
        free(gv);
        H5Tclose(et);
        H5Dclose(d);
        d = H5Dopen2(pgp, "quality", H5P_DEFAULT);
        float *qv = malloc(n * sizeof *qv);
        assert_true(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, qv) >= 0);
        for (uint64_t r = 0; r < nrep; r++)
            for (size_t t = 0; t < os.n_time; t++)
                for (size_t la = 0; la < NLA; la++)
                    assert_true(qv[(r * os.n_time + t) * NLA + la] == quality_val(r, t, la));
        free(qv);
        H5Dclose(d);
        H5Gclose(pgp);
    } else {
        assert_int_equal(H5Lexists(g, "panel", H5P_DEFAULT), 0);
    }

    /* summary, authority_stats, drawn */
    double *sv = calloc(nrep + 1, sizeof *sv), *lv = calloc((nrep + 1) * NLA, sizeof *lv);
    d = H5Dopen2(g, "summary/final_quality", H5P_DEFAULT);
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, sv) >= 0);
    H5Dclose(d);
    for (uint64_t r = 0; r < nrep; r++)
        assert_true(sv[r] == 1.0 / ((double)r + 1));
    d = H5Dopen2(g, "authority_stats/inspections", H5P_DEFAULT);
    read_dims(d, 2, dims);
    assert_int_equal(dims[1], NLA);
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, lv) >= 0);
    H5Dclose(d);
    for (uint64_t r = 0; r < nrep; r++)
        for (size_t la = 0; la < NLA; la++)
            assert_true(lv[r * NLA + la] == (double)r + 0.5 * (double)la);
    if (os.n_uncertain) {
        d = H5Dopen2(g, "drawn/effects.repeat.inadequate", H5P_DEFAULT);
        assert_true(d >= 0);
        assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, sv) >= 0);
        H5Dclose(d);
        for (uint64_t r = 0; r < nrep; r++)
            assert_true(sv[r] == 0.1 * (double)r);
    }

    /* events: read into the writer's own row struct */
    d = H5Dopen2(g, "events", H5P_DEFAULT);
    read_dims(d, 1, dims);
    assert_int_equal(dims[0], nev);
    hid_t ft = H5Dget_type(d);
    hid_t tt = H5Tget_member_type(ft, (unsigned)H5Tget_member_index(ft, "type"));
    assert_int_equal(H5Tget_class(tt), H5T_ENUM);
    char nm[32];
    int16_t v1 = 1;
    assert_true(H5Tenum_nameof(tt, &v1, nm, sizeof nm) >= 0);
    assert_string_equal(nm, "judgement");
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(cs_evrec));
    H5Tinsert(mt, "replication", offsetof(cs_evrec, replication), H5T_NATIVE_UINT32);
    H5Tinsert(mt, "time", offsetof(cs_evrec, time), H5T_NATIVE_DOUBLE);
    H5Tinsert(mt, "authority", offsetof(cs_evrec, authority), H5T_NATIVE_INT32);
    H5Tinsert(mt, "type", offsetof(cs_evrec, type), tt);
    H5Tinsert(mt, "before", offsetof(cs_evrec, before), H5T_NATIVE_INT16);
    H5Tinsert(mt, "after", offsetof(cs_evrec, after), H5T_NATIVE_INT16);
    H5Tinsert(mt, "value", offsetof(cs_evrec, value), H5T_NATIVE_DOUBLE);
    cs_evrec *ev = calloc(nev + 1, sizeof *ev);
    assert_true(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, ev) >= 0);
    size_t row = 0;
    for (uint64_t r = 0; r < nrep; r++)
        for (size_t j = 0; j < n_events(s, r); j++, row++) {
            assert_int_equal(ev[row].replication, r);
            assert_int_equal(ev[row].authority, (int32_t)((r + j) % NLA) - (j == 0));
            assert_true(ev[row].time == 1.5 * (double)j);
            assert_int_equal(ev[row].type, j % 3);
            assert_int_equal(ev[row].before, j % 4);
            assert_int_equal(ev[row].after, (j + 1) % 4);
            assert_true(ev[row].value == (double)r + 0.01 * (double)j);
        }
    free(ev);
    free(sv);
    free(lv);
    H5Tclose(mt);
    H5Tclose(tt);
    H5Tclose(ft);
    H5Dclose(d);
    H5Dclose(rep_scale);
    H5Gclose(g);
}

/* The superblock repair resume relies on: EOA raised to EOF with a checksum HDF5 accepts. */
static void test_superblock_fit_raises_eoa(void **state)
{
    (void)state;
    char path[128], cmd[400];
    path_in(path, sizeof path, "fit.h5");
    write_complete(path, opts(NREP));
    assert_int_equal(cs_h5_superblock_fit(path), 0); /* a closed file: EOA == EOF */
    snprintf(cmd, sizeof cmd, "head -c 5000 /dev/zero >> %s", path);
    assert_int_equal(run_cmd(cmd), 0);
    assert_int_equal(cs_h5_superblock_fit(path), 1); /* raised, checksum rewritten */
    assert_int_equal(cs_h5_superblock_fit(path), 0);
    hid_t f = open_ro(path); /* HDF5 checks the superblock's checksum */
    for (int s = 0; s < NSCEN; s++)
        check_scenario(f, s, NREP);
    H5Fclose(f);
    snprintf(cmd, sizeof cmd, "truncate -s -3000 %s", path); /* cut short: extended back */
    assert_int_equal(run_cmd(cmd), 0);
    assert_int_equal(cs_h5_superblock_fit(path), 1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 0);
}

static void test_writer_round_trip(void **state)
{
    (void)state;
    char path[128];
    path_in(path, sizeof path, "round.h5");
    write_complete(path, opts(NREP));
    char part[140];
    snprintf(part, sizeof part, "%s.part", path);
    assert_true(file_exists(path));
    assert_false(file_exists(part));

    hid_t f = open_ro(path);
    assert_str_attr(f, "software_version", "0.1.0-test");
    assert_str_attr(f, "git_commit", "abc123");
    assert_str_attr(f, "command_line", "cssim run toy.yaml");
    assert_str_attr(f, "start_date", "2024-04-01");
    assert_str_attr(f, "working_directory", "/work");
    char *created = read_str_attr(f, "created");
    assert_int_equal(strlen(created), 20); /* 2024-04-01T00:00:00Z */
    free(created);
    uint64_t seed = 0;
    hid_t a = H5Aopen(f, "seed", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_UINT64, &seed);
    H5Aclose(a);
    assert_int_equal(seed, 20240401);

    /* the authority table and its scale */
    hid_t d = H5Dopen2(f, "/authorities/population", H5P_DEFAULT);
    double pop[NLA];
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, pop) >= 0);
    assert_memory_equal(pop, la_pop, sizeof pop);
    H5Dclose(d);
    d = H5Dopen2(f, "/authorities/partner_in_practice", H5P_DEFAULT);
    int32_t pip[NLA];
    assert_true(H5Dread(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, pip) >= 0);
    assert_memory_equal(pip, la_pip, sizeof pip);
    H5Dclose(d);
    d = H5Dopen2(f, "/authorities/authority", H5P_DEFAULT);
    assert_true(H5DSis_scale(d) > 0);
    hid_t t = H5Dget_type(d);
    char *codes[NLA];
    assert_true(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, codes) >= 0);
    for (int i = 0; i < NLA; i++) {
        assert_string_equal(codes[i], la_codes[i]);
        H5free_memory(codes[i]);
    }
    H5Tclose(t);
    H5Dclose(d);
    for (int s = 0; s < NSCEN; s++)
        check_scenario(f, s, NREP);
    H5Fclose(f);
}

static void test_writer_refuses_existing_output(void **state)
{
    (void)state;
    char path[128];
    path_in(path, sizeof path, "exists.h5");
    FILE *fp = fopen(path, "w");
    fputs("precious", fp);
    fclose(fp);
    cs_writer_opts o = opts(NREP);
    cs_writer *w = NULL;
    cs_error err;
    cs_error_clear(&err);
    assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_EEXIST);
    assert_null(w);
    assert_non_null(strstr(err.file, "exists.h5"));
    assert_non_null(strstr(err.msg, "--force"));
    char buf[16] = {0};
    fp = fopen(path, "r");
    assert_non_null(fgets(buf, sizeof buf, fp));
    fclose(fp);
    assert_string_equal(buf, "precious");

    /* --force: the old file stays until the new one is complete, then is replaced. */
    o.force = true;
    write_complete(path, o);
    hid_t f = open_ro(path);
    check_scenario(f, 0, NREP);
    H5Fclose(f);
}

static void test_writer_refuses_part_without_resume(void **state)
{
    (void)state;
    char path[128], part[140];
    path_in(path, sizeof path, "interrupted.h5");
    snprintf(part, sizeof part, "%s.part", path);
    cs_error err;
    cs_error_clear(&err);
    int rc;
    cs_writer *w = open_and_write(path, opts(NREP), 2, 1, &err, &rc);
    assert_int_equal(rc, CS_OK);
    assert_int_equal(cs_writer_close(w, &err), CS_EINTR);
    assert_non_null(strstr(err.msg, "--resume"));
    assert_true(file_exists(part));
    assert_false(file_exists(path));

    cs_writer_opts o = opts(NREP);
    cs_error_clear(&err);
    assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_EEXIST);
    assert_non_null(strstr(err.msg, "--resume"));
    assert_non_null(strstr(err.msg, "--force"));

    /* --force starts again */
    o.force = true;
    write_complete(path, o);
    assert_false(file_exists(part));
    hid_t f = open_ro(path);
    check_scenario(f, 1, NREP);
    H5Fclose(f);
}

static void expect_eio(const char *path, const char *text)
{
    cs_writer_opts o = opts(NREP);
    cs_writer *w = NULL;
    cs_error err;
    cs_error_clear(&err);
    assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_EIO);
    assert_null(w);
    if (text && !strstr(err.msg, text)) fail_msg("message '%s' lacks '%s'", err.msg, text);
    assert_true(strlen(err.msg) > 10);
}

static void test_writer_reports_bad_directory(void **state)
{
    (void)state;
    char path[160];
    path_in(path, sizeof path, "no/such/dir/out.h5");
    expect_eio(path, "does not exist");
    /* A file used as a directory: what root cannot write through either. */
    char file[128];
    path_in(file, sizeof file, "plainfile");
    FILE *fp = fopen(file, "w");
    fclose(fp);
    snprintf(path, sizeof path, "%s/out.h5", file);
    expect_eio(path, "not a directory");
    /* /proc refuses new files even to root. */
    expect_eio("/proc/cssim-test-out.h5", NULL);
    /* The output path is a directory. */
    expect_eio(tmpdir, "directory");
}

/* output.only (cs_schema_select): the kept definitions in schema order, a group name for all
 * of it, commas or spaces between names, empty for everything, an unknown name refused and
 * named; a file written through views (cs_repbuf_view_of) holds exactly the kept datasets,
 * with the values of the full buffers. */
static void test_writer_output_only_keeps_the_named_datasets(void **state)
{
    (void)state;
    cs_schema_sel sel;
    char bad[64];
    assert_int_equal(cs_schema_select(&sel, &toy, " , ", bad, sizeof bad), CS_OK);
    assert_true(sel.all);
    assert_ptr_equal(sel.schema.series, toy.series);
    cs_schema_sel_free(&sel);
    assert_int_equal(
        cs_schema_select(&sel, &toy, "national/grade_counts,national/nope", bad, sizeof bad),
        CS_EINVAL);
    assert_string_equal(bad, "national/nope");
    assert_int_equal(cs_schema_select(&sel, &toy, "inspections", bad, sizeof bad), CS_EINVAL);
    assert_int_equal(cs_schema_select(&sel, &toy, "national/open", bad, sizeof bad), CS_EINVAL);
    assert_int_equal(cs_schema_select(&sel, &toy,
                                      "summary/inspections national/mean_quality,authority_stats, "
                                      "national/open_cases",
                                      bad, sizeof bad),
                     CS_OK);
    assert_false(sel.all);
    assert_int_equal(sel.schema.n_series, 2);
    assert_string_equal(sel.schema.series[0].name, "open_cases"); /* schema order */
    assert_string_equal(sel.schema.series[1].name, "mean_quality");
    assert_int_equal(sel.schema.n_summary, 1);
    assert_string_equal(sel.schema.summary[0].name, "inspections");
    assert_int_equal(sel.schema.n_lastat, 1);
    assert_int_equal(sel.schema.n_panel, toy.n_panel);

    char path[128];
    path_in(path, sizeof path, "only.h5");
    cs_writer *w = NULL;
    cs_error err;
    cs_error_clear(&err);
    cs_writer_opts o = opts(NREP);
    assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_OK);
    cs_out_scenario os = scen(0);
    os.schema = &sel.schema;
    assert_int_equal(cs_writer_add_scenario(w, &os, &err), CS_OK);
    cs_repbuf *b = cs_repbuf_create(&toy, os.n_time, NLA, os.n_uncertain, true);
    cs_repbuf_view v;
    assert_non_null(b);
    assert_int_equal(cs_repbuf_view_init(&v, &sel), CS_OK);
    for (uint64_t r = 0; r < NREP; r++) {
        fill(b, 0, r);
        if (cs_writer_write(w, 0, cs_repbuf_view_of(&v, &sel, b), &err)) fail_msg("%s", err.msg);
    }
    if (cs_writer_close(w, &err)) fail_msg("%s", err.msg);
    cs_repbuf_view_free(&v);
    cs_repbuf_destroy(b, &toy);

    hid_t f = open_ro(path);
    hid_t g = H5Gopen2(f, "scenarios/base", H5P_DEFAULT);
    assert_true(g >= 0);
    assert_int_equal(H5Lexists(g, "national/grade_counts", H5P_DEFAULT), 0);
    assert_int_equal(H5Lexists(g, "summary/final_quality", H5P_DEFAULT), 0);
    assert_true(H5Lexists(g, "panel/quality", H5P_DEFAULT) > 0);
    assert_true(H5Lexists(g, "authority_stats/inspections", H5P_DEFAULT) > 0);
    double mq[NREP * 6], ins[NREP];
    hid_t d = H5Dopen2(g, "national/mean_quality", H5P_DEFAULT);
    assert_true(d >= 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, mq) >= 0);
    H5Dclose(d);
    d = H5Dopen2(g, "summary/inspections", H5P_DEFAULT);
    assert_true(d >= 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, ins) >= 0);
    H5Dclose(d);
    for (uint64_t r = 0; r < NREP; r++) {
        assert_true(ins[r] == 2.5 * (double)r);
        for (size_t t = 0; t < 6; t++)
            assert_true(mq[r * 6 + t] == series_val(0, r, 2, t, 0)); /* the full schema's 2 */
    }
    H5Gclose(g);
    H5Fclose(f);
    cs_schema_sel_free(&sel);
}

/* The writer's background fdatasync (writer_pack.c) calls this one, which the test can make
 * fail as a disk that cannot write does, or slow as a busy one is; otherwise the kernel's. */
static atomic_int sync_fail_errno, sync_failed_calls, sync_delay_ms, sync_entered;

int fdatasync(int fd)
{
    int ms = atomic_load(&sync_delay_ms);
    if (ms) {
        atomic_store(&sync_entered, 1);
        struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&d, NULL);
    }
    int e = atomic_load(&sync_fail_errno);
    if (e) {
        atomic_fetch_add(&sync_failed_calls, 1);
        errno = e;
        return -1;
    }
    return (int)syscall(SYS_fdatasync, fd);
}

/* Waits (up to 10 s) until the fdatasync above has set *flag; whether it has. */
static bool sync_seen(atomic_int *flag)
{
    for (int i = 0; i < 10000 && !atomic_load(flag); i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    return atomic_load(flag) != 0;
}

/* A run of 2 replications, with a commit every commit_every of them, to name in tmpdir (path,
 * and its .part in part), left open. */
static cs_writer *write_two_every(const char *name, uint64_t commit_every, char *path, char *part,
                                  cs_error *err, int *rc)
{
    path_in(path, 128, name);
    snprintf(part, 160, "%s.part", path);
    cs_error_clear(err);
    return open_and_write(path, opts(NREP), 2, commit_every, err, rc);
}

/* The same, committed each: each commit wakes the writer's syncer. */
static cs_writer *write_two(const char *name, char *path, char *part, cs_error *err, int *rc)
{
    return write_two_every(name, 1, path, part, err, rc);
}

/* A background sync that fails (EIO: the disk could not write what the run wrote) fails the
 * run with the reason: at the next commit if the syncer has failed by then, else at the
 * close, which joins the syncer after its failing call. Either way the file is not renamed
 * into place (it may not hold what it says) and the .part is kept. */
static void test_writer_background_sync_failure_fails_the_run(void **state)
{
    (void)state;
    char path[128], part[160];
    atomic_store(&sync_failed_calls, 0);
    atomic_store(&sync_fail_errno, EIO);
    cs_error err;
    int rc;
    cs_writer *w = write_two("syncfail.h5", path, part, &err, &rc);
    if (!rc) {
        assert_true(sync_seen(&sync_failed_calls));
        rc = cs_writer_close(w, &err);
    }
    atomic_store(&sync_fail_errno, 0);
    assert_int_equal(rc, CS_EIO);
    if (!strstr(err.msg, "cannot sync") || !strstr(err.msg, strerror(EIO)))
        fail_msg("message: %s", err.msg);
    assert_false(file_exists(path));
    assert_true(file_exists(part));
    unlink(part);
}

/* A background sync that has failed by the time of a commit fails that commit before its
 * progress is written: the kept .part claims only the rows committed before the failure was
 * known (a later sync error does not say which pages were lost, so claiming rows written after
 * it would let --resume trust them). Read back with h5py in another process (skipped without
 * it): the broken writer's file stays open in this one. */
static void test_writer_known_sync_failure_claims_no_new_rows(void **state)
{
    (void)state;
    if (!python_has("h5py")) {
        skip();
        return;
    }
    char path[128], part[160], cmd[600];
    atomic_store(&sync_failed_calls, 0);
    cs_error err;
    int rc;
    cs_writer *w = write_two("syncknown.h5", path, part, &err, &rc);
    if (rc) fail_msg("%s", err.msg);
    atomic_store(&sync_fail_errno, EIO);
    cs_out_scenario os = scen(0);
    cs_repbuf *b = cs_repbuf_create(&toy, os.n_time, NLA, os.n_uncertain, true);
    assert_non_null(b);
    uint64_t r = 2;
    for (; r < 6 && !rc; r++) { /* each commit wakes the syncer, which fails */
        fill(b, 0, r);
        rc = cs_writer_write(w, 0, b, &err);
        if (!rc) assert_true(sync_seen(&sync_failed_calls));
    }
    cs_repbuf_destroy(b, &toy);
    atomic_store(&sync_fail_errno, 0);
    assert_int_equal(rc, CS_EIO);
    if (!strstr(err.msg, "cannot sync")) fail_msg("message: %s", err.msg);
    uint64_t failed_rep = r - 1; /* its commit failed: progress stops before it */
    cs_writer_abort(w);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import h5py, sys; f = h5py.File(sys.argv[1], 'r', "
             "swmr=True); p = int(f['scenarios/%s/progress'][0]); "
             "sys.exit(0 if p == %llu else 'progress %%d, expected %llu' %% p)\" %s",
             os.name, (unsigned long long)failed_rep, (unsigned long long)failed_rep, part);
    assert_int_equal(run_cmd(cmd), 0);
    unlink(part);
}

/* cs_writer_flush reports a background sync that fails while it runs. Its own fsync opens a
 * new descriptor, which does not see a write error the syncer's fdatasync has already
 * consumed, so flush must wait for the syncer and take its error: here the commit inside flush
 * wakes the syncer, whose fdatasync fails after 100 ms, well after that fsync returned. The two
 * replications written before are not committed (a commit every 16), so flush has something to
 * commit and wakes the syncer whatever it was doing: every fdatasync from then on fails. */
static void test_writer_flush_reports_a_background_sync_failure(void **state)
{
    (void)state;
    char path[128], part[160];
    cs_error err;
    int rc;
    cs_writer *w = write_two_every("flushsync.h5", 16, path, part, &err, &rc);
    if (rc) fail_msg("%s", err.msg);
    atomic_store(&sync_failed_calls, 0);
    atomic_store(&sync_delay_ms, 100);
    atomic_store(&sync_fail_errno, EIO);
    rc = cs_writer_flush(w, &err);
    bool syncer_failed = sync_seen(&sync_failed_calls);
    atomic_store(&sync_fail_errno, 0);
    atomic_store(&sync_delay_ms, 0);
    assert_true(syncer_failed);
    assert_int_equal(rc, CS_EIO);
    if (!strstr(err.msg, "cannot sync") || !strstr(err.msg, strerror(EIO)))
        fail_msg("message: %s", err.msg);
    cs_writer_abort(w);
    assert_false(file_exists(path));
    unlink(part);
}

/* A writer that failed (`broken`: an HDF5 write or a background sync failed) is freed by
 * cs_writer_abort without touching its file, and must still join its syncer first: here the
 * syncer is inside a slow fdatasync when the writer is freed. Without the join it would then
 * lock and write freed memory (AddressSanitizer, which CI runs this test under, reports it). */
static void test_writer_abort_of_a_broken_writer_joins_the_syncer(void **state)
{
    (void)state;
    char path[128], part[160];
    atomic_store(&sync_entered, 0);
    atomic_store(&sync_delay_ms, 200);
    cs_error err;
    int rc;
    cs_writer *w = write_two("brokensync.h5", path, part, &err, &rc);
    if (rc) fail_msg("%s", err.msg);
    assert_true(sync_seen(&sync_entered));
    w->failed = w->broken = true; /* as cs_wr_h5_fail leaves it */
    cs_writer_abort(w);
    atomic_store(&sync_delay_ms, 0);
    struct timespec wait = {0, 400000000L}; /* a syncer left running would wake in here */
    nanosleep(&wait, NULL);
    assert_true(file_exists(part));
    unlink(part);
}

/* A file-size limit makes writes fail as a full disk does (EFBIG instead of ENOSPC):
 * the writer reports CS_EIO with the reason and the earlier PATH is untouched. */
static void test_writer_full_disk_keeps_earlier_output(void **state)
{
    (void)state;
    char path[128], cmd[512];
    path_in(path, sizeof path, "full.h5");
    write_complete(path, opts(NREP));
    snprintf(cmd, sizeof cmd, "cp %s %s.orig", path, path);
    assert_int_equal(run_cmd(cmd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {48 * 1024, 48 * 1024};
        setrlimit(RLIMIT_FSIZE, &rl);
        cs_writer_opts o = opts(2000);
        o.force = true;
        cs_error err;
        cs_error_clear(&err);
        int rc;
        cs_writer *w = open_and_write(path, o, 2000, 1, &err, &rc);
        if (!rc) rc = cs_writer_close(w, &err);
        int code = rc == CS_EIO && strstr(err.msg, "File too large") ? 0 : 1;
        if (code) fprintf(stderr, "rc %d: %s\n", rc, err.msg);
        _exit(code);
    }
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    snprintf(cmd, sizeof cmd, "cmp -s %s %s.orig", path, path);
    assert_int_equal(run_cmd(cmd), 0);
}

static void test_writer_resume_rejects_other_run(void **state)
{
    (void)state;
    char path[128];
    path_in(path, sizeof path, "other.h5");
    cs_error err;
    cs_error_clear(&err);
    int rc;
    cs_writer *w = open_and_write(path, opts(NREP), 3, 1, &err, &rc);
    assert_int_equal(rc, CS_OK);
    assert_int_equal(cs_writer_close(w, &err), CS_EINTR);

    cs_writer_opts o = opts(NREP);
    o.resume = true;
    o.seed = 1;
    cs_error_clear(&err);
    assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_EMISMATCH);
    assert_non_null(strstr(err.msg, "seed"));

    o.seed = opts(NREP).seed;
    assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_OK);
    cs_out_scenario os = scen(0);
    os.text = "name: something else\n";
    cs_error_clear(&err);
    assert_int_equal(cs_writer_add_scenario(w, &os, &err), CS_EMISMATCH);
    assert_non_null(strstr(err.msg, "text of scenario 'base'"));
    cs_writer_abort(w);

    assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_OK);
    os = scen(0);
    cs_kv changed[2] = {{"inspectorate.fte", "121"}, {"horizon_years", "1"}};
    os.resolved = changed;
    assert_int_equal(cs_writer_add_scenario(w, &os, &err), CS_EMISMATCH);
    assert_non_null(strstr(err.msg, "inspectorate.fte"));
    cs_writer_abort(w);

    /* A key the file lacks (a version that added it resumes a file written before): accepted
     * only at its table default; a key the file has and the run lacks is refused. */
    cs_kv more[3] = {{"inspectorate.fte", "120"}, {"horizon_years", "1"}, {"output.only", "~"}};
    bool at_default[3] = {false, false, true}, set[3] = {false, false, false};
    os = scen(0);
    os.resolved = more;
    os.n_resolved = 3;
    os.resolved_default = set;
    assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_OK);
    cs_error_clear(&err);
    assert_int_equal(cs_writer_add_scenario(w, &os, &err), CS_EMISMATCH);
    assert_non_null(strstr(err.msg, "output.only"));
    cs_writer_abort(w);
    os.resolved_default = at_default;
    os.n_resolved = 1; /* the run lacks horizon_years, which the file has */
    assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_OK);
    cs_error_clear(&err);
    assert_int_equal(cs_writer_add_scenario(w, &os, &err), CS_EMISMATCH);
    cs_writer_abort(w);
    os.n_resolved = 3;
    assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_OK);
    cs_error_clear(&err);
    if (cs_writer_add_scenario(w, &os, &err)) fail_msg("%s", err.msg);
    cs_writer_abort(w);
}

/* Writes the rest of an interrupted run with --resume and closes it; found (if not NULL)
 * gets the committed prefix of each scenario. */
static void resume_and_finish(const char *path, uint64_t nrep, uint64_t *found)
{
    cs_writer_opts o = opts(nrep);
    o.resume = true;
    cs_error err;
    cs_error_clear(&err);
    int rc;
    if (found) {
        cs_writer *p = NULL;
        if (cs_writer_open(&p, path, &o, &err)) fail_msg("reopen: %s", err.msg);
        for (int s = 0; s < NSCEN; s++) {
            cs_out_scenario os = scen(s);
            if (cs_writer_add_scenario(p, &os, &err)) fail_msg("resume: %s", err.msg);
            found[s] = cs_writer_done(p, (size_t)s);
        }
        cs_writer_abort(p); /* resume is repeatable: nothing committed changes */
    }
    cs_writer *w = open_and_write(path, o, nrep, 1, &err, &rc);
    if (rc) fail_msg("resume: %s", err.msg);
    rc = cs_writer_close(w, &err);
    if (rc) fail_msg("resume close: %s", err.msg);
}

/* Waits for the writer process pid, which must have died by a signal, resumes its file and
 * finishes it (found: each scenario's committed prefix), and checks every scenario. */
static void reap_resume_check(pid_t pid, const char *path, uint64_t nrep, uint64_t *found)
{
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFSIGNALED(st));
    resume_and_finish(path, nrep, found);
    hid_t f = open_ro(path);
    for (int s = 0; s < NSCEN; s++)
        check_scenario(f, s, nrep);
    H5Fclose(f);
}

static bool have_h5diff(void)
{
    return run_cmd("h5diff --version >/dev/null 2>&1") == 0;
}

static void test_writer_resume_after_kill_equals_uninterrupted(void **state)
{
    (void)state;
    const uint64_t nrep = 40;
    char ref[128], path[128], cmd[600];
    path_in(ref, sizeof ref, "ref.h5");
    write_complete(ref, opts(nrep));
    /* Deterministic crash: 7 replications written, committed every 3, then SIGKILL. */
    path_in(path, sizeof path, "killed.h5");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        cs_error err;
        int rc;
        cs_writer *w = open_and_write(path, opts(nrep), 7, 3, &err, &rc);
        (void)w;
        raise(SIGKILL);
        _exit(3);
    }
    uint64_t found[NSCEN];
    reap_resume_check(pid, path, nrep, found);
    /* Commits are global: the commits after 3 and 6 replications of the second scenario
     * also committed all 7 of the first; the second's 7th was lost. */
    assert_int_equal(found[0], 7);
    assert_int_equal(found[1], 6);
    if (have_h5diff()) {
        snprintf(cmd, sizeof cmd, "h5diff --exclude-attribute / %s %s", ref, path);
        assert_int_equal(run_cmd(cmd), 0);
    }
}

/* Child: writes replications 0 .. upto-1 of the first scenario only, commit interval `every`
 * and work floor `floor` (cs_writer_set_commit_work), replication r reporting work(r), then dies
 * by SIGKILL. The parent then finds what was committed. */
static uint64_t killed_with_work(const char *path, uint64_t nrep, uint64_t every, uint64_t floor,
                                 uint64_t upto, uint64_t (*work)(uint64_t))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        cs_error err;
        cs_writer *w = NULL;
        cs_writer_opts o = opts(nrep);
        if (cs_writer_open(&w, path, &o, &err) || cs_writer_set_commit_every(w, every) ||
            cs_writer_set_commit_work(w, floor))
            _exit(3);
        for (int s = 0; s < NSCEN; s++) {
            cs_out_scenario os = scen(s);
            if (cs_writer_add_scenario(w, &os, &err)) _exit(3);
        }
        cs_out_scenario os = scen(0);
        cs_repbuf *b = cs_repbuf_create(&toy, os.n_time, NLA, os.n_uncertain, true);
        for (uint64_t r = 0; b && r < upto; r++) {
            fill(b, 0, r);
            b->work = work(r);
            if (cs_writer_write(w, 0, b, &err)) _exit(3);
        }
        raise(SIGKILL);
        _exit(3);
    }
    uint64_t found[NSCEN];
    reap_resume_check(pid, path, nrep, found);
    assert_int_equal(found[1], 0);
    return found[0];
}

static uint64_t work_30_then_unknown(uint64_t r)
{
    return r < 6 ? 30 : 0;
}

static uint64_t work_1(uint64_t r)
{
    (void)r;
    return 1;
}

/* Rank 0's writer of a distributed run begins scenario s, and another rank's writer without a
 * file is made from its description (blocks start at multiples of a divisor of round_rows 4);
 * twin, when not NULL, receives a second one from the same description. */
static cs_wshadow *dist_shadow_twin(cs_writer *w, int s, cs_wshadow **twin)
{
    cs_error err;
    cs_error_clear(&err);
    uint64_t align = 0;
    void *desc = NULL;
    size_t len = 0;
    assert_int_equal(cs_writer_dist_begin(w, (size_t)s, 64, &align, &desc, &len, &err), CS_OK);
    assert_true(align >= 1 && 4 % align == 0);
    cs_wshadow *sh = NULL;
    assert_int_equal(cs_wshadow_create(&sh, desc, len, &err), CS_OK);
    if (twin) assert_int_equal(cs_wshadow_create(twin, desc, len, &err), CS_OK);
    free(desc);
    return sh;
}

static cs_wshadow *dist_shadow(cs_writer *w, int s)
{
    return dist_shadow_twin(w, s, NULL);
}

/* Several ranks, in one process: rank 0's writer takes blocks that another rank staged and
 * compressed into chunks of its shapes (cs_wshadow_*, as under mpirun with the root writer),
 * in blocks of uneven sizes that do not start on chunk boundaries, so that rows shared by two
 * blocks travel raw; the file holds what one process writes. Every other round both sides
 * work eagerly, as with one thread per rank (each chunk compressed and stored, or collected
 * into the message, as soon as it fills): the message is byte for byte the one a twin shadow
 * staging the same block the other way builds. A block that does not continue the file is
 * refused. */
static void test_writer_dist_blocks_equal_one_process(void **state)
{
    (void)state;
    char path[128];
    path_in(path, sizeof path, "dist.h5");
    const uint64_t nrep = 29;
    cs_writer_opts o = opts(nrep);
    o.round_rows = 4; /* chunks along replication of 4 rows or a divisor */
    cs_error err;
    cs_error_clear(&err);
    cs_writer *w = NULL;
    assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_OK);
    for (int s = 0; s < NSCEN; s++) {
        cs_out_scenario os = scen(s);
        assert_int_equal(cs_writer_add_scenario(w, &os, &err), CS_OK);
    }
    for (int s = 0; s < NSCEN; s++) {
        cs_out_scenario os = scen(s);
        cs_wshadow *twin = NULL, *sh = dist_shadow_twin(w, s, &twin);
        cs_repbuf *b[5];
        for (int j = 0; j < 5; j++)
            assert_non_null(b[j] = cs_repbuf_create(&toy, os.n_time, NLA, os.n_uncertain, true));
        for (uint64_t r = 0; r < nrep;) {
            uint64_t k0 = nrep - r < 3 ? nrep - r : 3; /* "rank 0": 3, "rank 1": 5 */
            uint64_t k1 = nrep - r - k0 < 5 ? nrep - r - k0 : 5;
            bool eager = r / 8 % 2;
            for (uint64_t j = 0; j < k0; j++) {
                fill(b[j], s, r + j);
                assert_int_equal(eager ? cs_writer_write(w, (size_t)s, b[j], &err)
                                       : cs_writer_stage(w, (size_t)s, b[j], &err),
                                 CS_OK);
            }
            while (cs_writer_filter(w))
                ;
            assert_int_equal(cs_writer_store(w, &err), CS_OK);
            uint64_t ev0 = cs_writer_events_done(w, (size_t)s);
            for (uint64_t j = 0; j < k1; j++)
                fill(b[j], s, r + k0 + j);
            const void *msg = NULL, *msg2 = NULL;
            size_t mlen = 0, mlen2 = 0;
            assert_int_equal(cs_wshadow_stage(twin, &toy, (const cs_repbuf *const *)b, (size_t)k1,
                                              r + k0, ev0, !eager, &err),
                             CS_OK);
            while (cs_wshadow_filter(twin))
                ;
            assert_int_equal(cs_wshadow_message(twin, &msg2, &mlen2, &err), CS_OK);
            assert_int_equal(cs_wshadow_stage(sh, &toy, (const cs_repbuf *const *)b, (size_t)k1,
                                              r + k0, ev0, eager, &err),
                             CS_OK);
            while (cs_wshadow_filter(sh))
                ;
            assert_int_equal(cs_wshadow_message(sh, &msg, &mlen, &err), CS_OK);
            assert_int_equal(mlen, mlen2);
            assert_memory_equal(msg, msg2, mlen);
            assert_int_equal(cs_writer_dist_apply(w, (size_t)s, msg, mlen, &err), CS_OK);
            assert_int_equal(cs_writer_dist_round_end(w, (size_t)s, 0, &err), CS_OK);
            r += k0 + k1;
        }
        for (int j = 0; j < 5; j++)
            cs_repbuf_destroy(b[j], &toy);
        cs_wshadow_destroy(sh);
        cs_wshadow_destroy(twin);
    }
    assert_int_equal(cs_writer_close(w, &err), CS_OK);
    hid_t f = open_ro(path);
    for (int s = 0; s < NSCEN; s++)
        check_scenario(f, s, nrep);
    /* a summary's rows of a block are a few bytes: its chunks are one process's (all 29 rows),
     * not blocks' (a divisor of 4), and its rows went to rank 0 as they are */
    hsize_t ch[3] = {0};
    hid_t d = H5Dopen2(f, "scenarios/base/summary/final_quality", H5P_DEFAULT),
          pl = H5Dget_create_plist(d);
    assert_int_equal(H5Pget_chunk(pl, 1, ch), 1);
    assert_int_equal(ch[0], nrep);
    H5Pclose(pl), H5Dclose(d);
    H5Fclose(f);

    /* After rank 0's replications 0-2: a block that skips replication 3, and the block of 3-4
     * cut short (in its last record, the rows of chunk 4-7, after its event rows). Both are
     * refused, and what the failed writer still commits is replications 0-2 alone, their event
     * rows included and none of the refused block's (resume reads it back). */
    for (int bad = 0; bad < 2; bad++) {
        path_in(path, sizeof path, bad ? "dist_cut.h5" : "dist_gap.h5");
        assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_OK);
        cs_out_scenario os = scen(0);
        assert_int_equal(cs_writer_add_scenario(w, &os, &err), CS_OK);
        cs_wshadow *sh = dist_shadow(w, 0);
        cs_repbuf *b[2];
        for (int j = 0; j < 2; j++)
            assert_non_null(b[j] = cs_repbuf_create(&toy, os.n_time, NLA, os.n_uncertain, true));
        for (uint64_t r = 0; r < 3; r++) {
            fill(b[0], 0, r);
            assert_int_equal(cs_writer_stage(w, 0, b[0], &err), CS_OK);
        }
        uint64_t ev0 = cs_writer_events_done(w, 0), lo = bad ? 3 : 4;
        assert_int_equal(ev0, n_events(0, 0) + n_events(0, 1) + n_events(0, 2));
        fill(b[0], 0, lo);
        fill(b[1], 0, lo + 1);
        assert_int_equal(
            cs_wshadow_stage(sh, &toy, (const cs_repbuf *const *)b, 2, lo, ev0, bad, &err), CS_OK);
        const void *msg = NULL;
        size_t mlen = 0;
        assert_int_equal(cs_wshadow_message(sh, &msg, &mlen, &err), CS_OK);
        assert_true(mlen > 64);
        assert_int_equal(cs_writer_dist_apply(w, 0, msg, bad ? mlen - 13 : mlen, &err), CS_EINVAL);
        assert_non_null(strstr(err.msg, "do not fit"));
        assert_int_equal(cs_writer_done(w, 0), 3);
        assert_int_equal(cs_writer_events_done(w, 0), ev0);
        for (int j = 0; j < 2; j++)
            cs_repbuf_destroy(b[j], &toy);
        cs_wshadow_destroy(sh);
        cs_writer_abort(w); /* commits what is whole */
        cs_writer_opts ro = o;
        ro.resume = true;
        assert_int_equal(cs_writer_open(&w, path, &ro, &err), CS_OK);
        assert_int_equal(cs_writer_add_scenario(w, &os, &err), CS_OK);
        assert_int_equal(cs_writer_done(w, 0), 3);
        assert_int_equal(cs_writer_events_done(w, 0), ev0);
        cs_writer_abort(w);
    }
    cs_wshadow *sh = NULL;
    /* a description that is not one */
    cs_error_clear(&err);
    assert_int_equal(cs_wshadow_create(&sh, "garbage!", 8, &err), CS_EINVAL);
    assert_null(sh);
}

/* The commit floor: with intervals of 3 and a floor of 100, replications of work 30 commit at
 * 6 (90 < 100 at 3), replications that report no work count as a whole floor (commit at 9);
 * the 10th and 11th, uncommitted, are lost to the kill; below a floor of 1000 nothing is
 * committed. Cheap replications commit at the latest every CS_COMMIT_MAX_ROWS; a floor of 0
 * keeps one commit per interval. Each resumed file holds exactly what was written
 * (check_scenario). */
static void test_writer_commit_work_floor(void **state)
{
    (void)state;
    char path[128];
    path_in(path, sizeof path, "floor.h5");
    assert_int_equal(killed_with_work(path, 40, 3, 100, 11, work_30_then_unknown), 9);
    path_in(path, sizeof path, "floor0.h5");
    assert_int_equal(killed_with_work(path, 40, 3, 0, 11, work_30_then_unknown), 9);
    path_in(path, sizeof path, "floor1.h5");
    assert_int_equal(killed_with_work(path, 40, 3, 1000, 8, work_30_then_unknown), 0);
    path_in(path, sizeof path, "floorcap.h5");
    assert_int_equal(killed_with_work(path, CS_COMMIT_MAX_ROWS + 40, 16, UINT64_MAX,
                                      CS_COMMIT_MAX_ROWS + 20, work_1),
                     CS_COMMIT_MAX_ROWS);
    assert_int_equal(cs_writer_set_commit_work(NULL, 1), CS_EINVAL);
}

/* Kills a writer at random instants; each resumed file must equal the reference. */
static void test_writer_random_kills_resume_identically(void **state)
{
    (void)state;
    const uint64_t nrep = 200;
    const char *env = getenv("CSSIM_WRITER_KILL_TRIALS"); /* more for a soak run */
    int trials = env ? atoi(env) : 8;
    const char *senv = getenv("CSSIM_WRITER_KILL_SEED"); /* another series of instants */
    int failures = 0;
    char ref[128], path[128], cmd[600];
    path_in(ref, sizeof ref, "ref_kill.h5");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    write_complete(ref, opts(nrep));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double run_us = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
    unsigned seed = senv ? (unsigned)strtoul(senv, NULL, 10) : 12345u;
    int killed = 0;
    for (int trial = 0; trial < trials; trial++) {
        snprintf(path, sizeof path, "%s/kill%d.h5", tmpdir, trial);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            cs_error err;
            int rc;
            cs_writer *w = open_and_write(path, opts(nrep), nrep, 1, &err, &rc);
            if (!rc) rc = cs_writer_close(w, &err);
            _exit(rc ? 1 : 0);
        }
        seed = seed * 1103515245u + 12345u;
        double delay = (double)((seed >> 8) % 1000) / 1000.0 * run_us * 1e-6;
        struct timespec ts = {(time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9)};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        if (WIFSIGNALED(st)) {
            killed++;
            char part[140];
            snprintf(part, sizeof part, "%s.part", path);
            uint64_t found[NSCEN] = {0, 0};
            if (file_exists(part) && trial % 2) {
                /* Kill the resuming writer too: resume must be as crash-safe as a run. */
                fflush(NULL);
                pid_t p2 = fork();
                if (p2 == 0) {
                    cs_writer_opts o = opts(nrep);
                    o.resume = true;
                    cs_error err;
                    int rc;
                    cs_writer *w = open_and_write(path, o, nrep, 1, &err, &rc);
                    if (!rc) rc = cs_writer_close(w, &err);
                    _exit(rc ? 1 : 0);
                }
                struct timespec half = {0, (long)(delay * 0.5e9) % 1000000000L};
                nanosleep(&half, NULL);
                kill(p2, SIGKILL);
                waitpid(p2, &st, 0);
            }
            if (file_exists(part) && getenv("CSSIM_KEEP_TMP")) {
                /* keep what the kill left, to inspect a resume that had to recompute */
                snprintf(cmd, sizeof cmd, "cp %s %s.orig", part, part);
                run_cmd(cmd);
            }
            if (file_exists(part))
                resume_and_finish(path, nrep, found);
            else if (!file_exists(path))
                write_complete(path, opts(nrep)); /* killed before the file was created */
            print_message("kill %d after %.0f us: resumed from replications %llu, %llu\n", trial,
                          delay * 1e6, (unsigned long long)found[0], (unsigned long long)found[1]);
        } else {
            assert_int_equal(WEXITSTATUS(st), 0);
        }
        hid_t f = open_ro(path);
        for (int s = 0; s < NSCEN; s++)
            check_scenario(f, s, nrep);
        H5Fclose(f);
        if (have_h5diff()) {
            snprintf(cmd, sizeof cmd, "h5diff --exclude-attribute / %s %s", ref, path);
            if (run_cmd(cmd) != 0) {
                failures++;
                print_error("kill %d: the resumed file differs from the reference\n", trial);
            }
        }
        unlink(path);
    }
    print_message("random kills: %d trials, %d killed, %d failures\n", trials, killed, failures);
    assert_int_equal(failures, 0);
    assert_true(killed > 0);
}

static void test_writer_identical_runs_identical_bytes(void **state)
{
    (void)state;
    char a[128], b[128], cmd[300];
    path_in(a, sizeof a, "same_a.h5");
    path_in(b, sizeof b, "same_b.h5");
    write_complete(a, opts(NREP));
    sleep(1); /* a different wall clock; SOURCE_DATE_EPOCH pins `created` */
    write_complete(b, opts(NREP));
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", a, b);
    assert_int_equal(run_cmd(cmd), 0);
}

/* Writing in steps, with other threads compressing the chunks (cs_writer_stage, then
 * cs_writer_filter on any thread, cs_writer_store in turn: what `cssim run -j N` does) makes the
 * same bytes as cs_writer_write, whatever the commit interval; the buffer is free once staged. */
typedef struct filter_helper {
    cs_writer *w;
    atomic_int stop;
    atomic_long filtered;
} filter_helper;

static void *filter_thread(void *arg)
{
    filter_helper *h = arg;
    cs_writer_thread_init();
    while (!atomic_load(&h->stop)) {
        if (cs_writer_filter(h->w)) {
            h->filtered++;
        } else {
            struct timespec ts = {0, 20000};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

static void test_writer_staged_with_filter_threads_identical_bytes(void **state)
{
    (void)state;
    const uint64_t nrep = 40;
    for (uint64_t every = 1; every <= 3; every += 2) {
        char a[128], b[128], cmd[300];
        char na[32], nb[32];
        snprintf(na, sizeof na, "staged_ref%d.h5", (int)every);
        snprintf(nb, sizeof nb, "staged%d.h5", (int)every);
        path_in(a, sizeof a, na);
        path_in(b, sizeof b, nb);
        cs_error err;
        cs_error_clear(&err);
        int rc;
        cs_writer *w = open_and_write(a, opts(nrep), nrep, every, &err, &rc);
        assert_int_equal(rc, CS_OK);
        assert_int_equal(cs_writer_close(w, &err), CS_OK);

        cs_writer_opts o = opts(nrep);
        assert_int_equal(cs_writer_open(&w, b, &o, &err), CS_OK);
        assert_int_equal(cs_writer_set_commit_every(w, every), CS_OK);
        for (int s = 0; s < NSCEN; s++) {
            cs_out_scenario os = scen(s);
            assert_int_equal(cs_writer_add_scenario(w, &os, &err), CS_OK);
        }
        filter_helper h = {.w = w};
        pthread_t th[2];
        for (int t = 0; t < 2; t++)
            assert_int_equal(pthread_create(&th[t], NULL, filter_thread, &h), 0);
        for (int s = 0; s < NSCEN; s++) {
            cs_out_scenario os = scen(s);
            cs_repbuf *rb = cs_repbuf_create(&toy, os.n_time, NLA, os.n_uncertain, true);
            assert_non_null(rb);
            for (uint64_t r = 0; r < nrep; r++) {
                fill(rb, s, r); /* the same buffer every time: staging copies it */
                assert_int_equal(cs_writer_stage(w, (size_t)s, rb, &err), CS_OK);
                if (r % 3 == 0) assert_int_equal(cs_writer_store(w, &err), CS_OK);
            }
            cs_repbuf_destroy(rb, &toy);
        }
        /* whatever is queued still reaches the file, in order, once the helpers are gone */
        while (cs_writer_pending(w) & CS_WRITER_FILTER) {
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL);
        }
        atomic_store(&h.stop, 1);
        for (int t = 0; t < 2; t++)
            pthread_join(th[t], NULL);
        assert_true(h.filtered > 0);
        assert_int_equal(cs_writer_store(w, &err), CS_OK);
        assert_int_equal(cs_writer_close(w, &err), CS_OK);
        assert_int_equal(cs_writer_pending(NULL), 0u);
        snprintf(cmd, sizeof cmd, "cmp -s %s %s", a, b);
        assert_int_equal(run_cmd(cmd), 0);
        hid_t f = open_ro(b);
        for (int s = 0; s < NSCEN; s++)
            check_scenario(f, s, nrep);
        H5Fclose(f);
    }
}

/* Rows longer than a chunk may be (1 MiB): chunks split time, and the writer gathers each slab
 * of time from the staged rows before filtering it (writer_pack.c). 70000 time points: the
 * [time, 4] series and the float panel split in two slabs, the second partly padding; read
 * back through HDF5's own filters (without deflate, with level 1's plane coder and with level 4's
 * deflate) they hold what was written. */
static void test_writer_time_split_chunks_read_back(void **state)
{
    (void)state;
    enum { NT = 70000, NR = 3 };
    double *days = malloc(NT * sizeof *days);
    const char **iso = malloc(NT * sizeof *iso);
    assert_non_null(days);
    assert_non_null(iso);
    for (size_t t = 0; t < NT; t++) {
        days[t] = (double)t;
        iso[t] = "2024-04-01";
    }
    for (int comp = 0; comp <= 4; comp += comp ? 3 : 1) { /* none, the plane coder, libdeflate */
        char path[128], name[32];
        snprintf(name, sizeof name, "long%d.h5", comp);
        path_in(path, sizeof path, name);
        cs_out_scenario os = scen(0);
        os.n_uncertain = 0;
        os.n_time = NT;
        os.time_days = days;
        os.time_iso = iso;
        os.compression = comp;
        cs_writer_opts o = opts(NR);
        cs_error err;
        cs_error_clear(&err);
        cs_writer *w = NULL;
        assert_int_equal(cs_writer_open(&w, path, &o, &err), CS_OK);
        assert_int_equal(cs_writer_add_scenario(w, &os, &err), CS_OK);
        cs_repbuf *b = cs_repbuf_create(&toy, NT, NLA, 0, true);
        assert_non_null(b);
        for (uint64_t r = 0; r < NR; r++) {
            cs_repbuf_reset(b, r);
            for (size_t i = 0; i < toy.n_series; i++)
                for (size_t t = 0; t < NT; t++)
                    for (size_t k = 0; k < toy.series[i].width; k++)
                        b->series[i][t * toy.series[i].width + k] = series_val(0, r, i, t, k);
            for (size_t t = 0; t < NT; t++)
                for (size_t la = 0; la < NLA; la++) {
                    ((uint8_t *)b->panel[0])[t * NLA + la] = grade_val(r, t, la);
                    ((float *)b->panel[1])[t * NLA + la] = quality_val(r, t, la);
                }
            assert_int_equal(cs_writer_write(w, 0, b, &err), CS_OK);
        }
        cs_repbuf_destroy(b, &toy);
        assert_int_equal(cs_writer_close(w, &err), CS_OK);

        hid_t f = open_ro(path);
        hid_t d = H5Dopen2(f, "/scenarios/base/national/grade_counts", H5P_DEFAULT);
        hid_t dcpl = H5Dget_create_plist(d);
        hsize_t ch[3];
        assert_int_equal(H5Pget_chunk(dcpl, 3, ch), 3);
        assert_true(ch[1] < NT); /* time is split */
        H5Pclose(dcpl);
        int32_t *gc = malloc((size_t)NR * NT * 4 * sizeof *gc);
        assert_true(H5Dread(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, gc) >= 0);
        H5Dclose(d);
        for (uint64_t r = 0; r < NR; r++)
            for (size_t t = 0; t < NT; t++)
                for (size_t k = 0; k < 4; k++)
                    assert_true(gc[(r * NT + t) * 4 + k] == (int32_t)series_val(0, r, 1, t, k));
        free(gc);
        d = H5Dopen2(f, "/scenarios/base/panel/quality", H5P_DEFAULT);
        dcpl = H5Dget_create_plist(d);
        assert_int_equal(H5Pget_chunk(dcpl, 3, ch), 3);
        assert_true(ch[1] < NT);
        H5Pclose(dcpl);
        float *q = malloc((size_t)NR * NT * NLA * sizeof *q);
        assert_true(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, q) >= 0);
        H5Dclose(d);
        for (uint64_t r = 0; r < NR; r++)
            for (size_t t = 0; t < NT; t++)
                for (size_t la = 0; la < NLA; la++)
                    assert_true(q[(r * NT + t) * NLA + la] == quality_val(r, t, la));
        free(q);
        H5Fclose(f);
    }
    free(days);
    free(iso);
}

static void test_writer_info_prints_intervals(void **state)
{
    (void)state;
    char path[128];
    path_in(path, sizeof path, "info.h5");
    write_complete(path, opts(NREP));
    char out[128];
    path_in(out, sizeof out, "info.txt");
    FILE *fp = fopen(out, "w+");
    cs_error err;
    cs_error_clear(&err);
    assert_int_equal(cs_info_print(path, NULL, 0, fp, &err), CS_OK);
    rewind(fp);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, fp);
    text[n] = '\0';
    fclose(fp);
    assert_non_null(strstr(text, "abc123"));
    assert_non_null(strstr(text, "base"));
    assert_non_null(strstr(text, "grade_counts[good]"));
    assert_non_null(strstr(text, "2025-04-01"));

    /* an interrupted run */
    int rc;
    char ipath[128];
    path_in(ipath, sizeof ipath, "info_part.h5");
    cs_writer *w = open_and_write(ipath, opts(NREP), 2, 1, &err, &rc);
    assert_int_equal(rc, CS_OK);
    assert_int_equal(cs_writer_close(w, &err), CS_EINTR);
    fp = fopen(out, "w+");
    const char *dates[] = {"2024-06-15"};
    assert_int_equal(cs_info_print(ipath, dates, 1, fp, &err), CS_OK);
    rewind(fp);
    n = fread(text, 1, sizeof text - 1, fp);
    text[n] = '\0';
    fclose(fp);
    if (!strstr(text, "incomplete: 2 of 6 replications")) fail_msg("%s", text);
    assert_non_null(strstr(text, "2024-06-01"));
}

static const char py_check[] =
    "import sys, h5py, numpy as np, xarray as xr\n"
    "p = sys.argv[1]\n"
    "with h5py.File(p, 'r') as f:\n"
    "    g = f['scenarios/base']\n"
    "    assert g['national/grade_counts'].shape == (6, 6, 4), g['national/grade_counts'].shape\n"
    "    assert g['panel/grade'].shape == (6, 6, 5)\n"
    "    m = h5py.check_enum_dtype(g['panel/grade'].dtype)\n"
    "    assert m == {'outstanding': 0, 'good': 1, 'ri': 2, 'inadequate': 3}, m\n"
    "    ev = g['events']\n"
    "    m = h5py.check_enum_dtype(ev.dtype['type'])\n"
    "    assert m == {'inspection': 0, 'judgement': 1, 'intervention': 2}, m\n"
    "    assert g['drawn/effects.repeat.inadequate'].shape == (6,)\n"
    "    assert g.attrs['scenario_text'].startswith('name: base')\n"
    "    assert list(g['progress'][:]) == [6, ev.shape[0]]\n"
    "ds = xr.open_dataset(p, engine='h5netcdf', group='scenarios/base/national')\n"
    "gc = ds['grade_counts']\n"
    "assert gc.dims == ('replication', 'time', 'grade'), gc.dims\n"
    "assert list(gc['grade'].values) == ['outstanding', 'good', 'ri', 'inadequate'], "
    "gc['grade'].values\n"
    "assert list(ds['replication'].values) == list(range(6))\n"
    "assert str(ds['time'].values[0])[:10] == '2024-04-01', ds['time'].values\n"
    "assert 'date' in ds.coords, ds\n"
    "assert float(gc.sel(grade='good').isel(replication=1, time=2)) == 1*100 + 2*7 + 1 + 13\n"
    "ds = xr.open_dataset(p, engine='h5netcdf', group='scenarios/base/panel')\n"
    "q = ds['quality']\n"
    "assert q.dims == ('replication', 'time', 'authority'), q.dims\n"
    "assert list(q['authority'].values)[0] == 'E06000001', q['authority'].values\n"
    "ds = xr.open_dataset(p, engine='h5netcdf', group='scenarios/base/summary')\n"
    "assert ds['inspections'].dims == ('replication',)\n"
    "ds = xr.open_dataset(p, engine='h5netcdf', group='scenarios/base/authority_stats')\n"
    "assert ds['inspections'].dims == ('replication', 'authority')\n"
    "ds = xr.open_dataset(p, engine='h5netcdf', group='scenarios/base/drawn')\n"
    "assert 'effects.repeat.inadequate' in ds\n"
    "ds = xr.open_dataset(p, engine='h5netcdf', group='authorities')\n"
    "assert ds['population'].dims == ('authority',)\n"
    "import pandas as pd\n"
    "with h5py.File(p, 'r') as f:\n"
    "    df = pd.DataFrame(f['scenarios/base/events'][:])\n"
    "    assert len(df) > 0 and list(df.columns)[:2] == ['replication', 'time']\n"
    "print('python schema checks passed')\n";

static void test_writer_schema_opens_in_h5py_and_xarray(void **state)
{
    (void)state;
    if (!python_has("h5py, xarray, h5netcdf")) {
        skip();
        return;
    }
    char path[128], script[128], cmd[400];
    path_in(path, sizeof path, "py.h5");
    write_complete(path, opts(NREP));
    path_in(script, sizeof script, "check.py");
    FILE *fp = fopen(script, "w");
    fputs(py_check, fp);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", script, path);
    assert_int_equal(run_cmd(cmd), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cssim_writer_XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    setenv("SOURCE_DATE_EPOCH", "1711929600", 1); /* 2024-04-01T00:00:00Z */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    if (!getenv("CSSIM_KEEP_TMP")) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        run_cmd(cmd);
    }
    H5close();
    return 0;
}

int main(void)
{
    const char *filter = getenv("CSSIM_TEST_FILTER"); /* e.g. "*random_kills*" for a soak */
    if (filter) cmocka_set_test_filter(filter);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repbuf_grows_and_resets),
        cmocka_unit_test(test_superblock_fit_raises_eoa),
        cmocka_unit_test(test_writer_round_trip),
        cmocka_unit_test(test_writer_refuses_existing_output),
        cmocka_unit_test(test_writer_refuses_part_without_resume),
        cmocka_unit_test(test_writer_reports_bad_directory),
        cmocka_unit_test(test_writer_full_disk_keeps_earlier_output),
        cmocka_unit_test(test_writer_resume_rejects_other_run),
        cmocka_unit_test(test_writer_resume_after_kill_equals_uninterrupted),
        cmocka_unit_test(test_writer_dist_blocks_equal_one_process),
        cmocka_unit_test(test_writer_commit_work_floor),
        cmocka_unit_test(test_writer_random_kills_resume_identically),
        cmocka_unit_test(test_writer_identical_runs_identical_bytes),
        cmocka_unit_test(test_writer_staged_with_filter_threads_identical_bytes),
        cmocka_unit_test(test_writer_time_split_chunks_read_back),
        cmocka_unit_test(test_writer_info_prints_intervals),
        cmocka_unit_test(test_writer_schema_opens_in_h5py_and_xarray),
        cmocka_unit_test(test_writer_background_sync_failure_fails_the_run),
        cmocka_unit_test(test_writer_known_sync_failure_claims_no_new_rows),
        cmocka_unit_test(test_writer_output_only_keeps_the_named_datasets),
        cmocka_unit_test(test_writer_abort_of_a_broken_writer_joins_the_syncer),
        cmocka_unit_test(test_writer_flush_reports_a_background_sync_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
