/* `cssim info`: provenance and a summary table of an output file (complete or PATH.part).
 *
 * Reads only the committed prefix of each scenario (/scenarios/<s>/progress), so it is safe
 * on a file whose writer was killed or is still running. */
#define _POSIX_C_SOURCE 200809L

#include "cssim/date.h"
#include "cssim/output.h"
#include "h5attr.h"
#include "h5file.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct info_detail {
    char text[256];
} info_detail;

static herr_t info_detail_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    info_detail *d = data;
    if (n == 0 && e->desc) snprintf(d->text, sizeof d->text, "%s", e->desc);
    return 0;
}

static int info_fail(cs_error *err, const char *path, const char *what)
{
    info_detail d = {{0}};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, info_detail_cb, &d);
    return cs_error_set(err, CS_EIO, path, 0, 0, NULL, "%s%s%s", what, d.text[0] ? ": " : "",
                        d.text);
}

static bool parse_iso(const char *s, long *y, long *m, long *d)
{
    char tail;
    if (!s || sscanf(s, "%ld-%ld-%ld%c", y, m, d, &tail) < 3) return false;
    return *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

static size_t nearest(const double *t, size_t n, double x)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (fabs(t[i] - x) < fabs(t[best] - x)) best = i;
    return best;
}

typedef struct series_ctx {
    hid_t g;
    size_t n_names, cap;
    char **names;
} series_ctx;

static herr_t collect_series(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    series_ctx *c = data;
    H5O_info_t oi;
    if (H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET) return 0;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    bool scale = d >= 0 && H5DSis_scale(d) > 0;
    bool numeric = false;
    if (d >= 0) {
        hid_t sp = H5Dget_space(d);
        hid_t t = H5Dget_type(d);
        int rank = H5Sget_simple_extent_ndims(sp);
        H5T_class_t cl = H5Tget_class(t);
        numeric = (rank == 2 || rank == 3) && (cl == H5T_INTEGER || cl == H5T_FLOAT);
        H5Tclose(t);
        H5Sclose(sp);
        H5Dclose(d);
    }
    if (scale || !numeric || !strcmp(name, "date")) return 0;
    if (c->n_names == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        char **n = realloc(c->names, cap * sizeof *n);
        if (!n) return -1;
        c->names = n;
        c->cap = cap;
    }
    c->names[c->n_names] = malloc(strlen(name) + 1);
    if (!c->names[c->n_names]) return -1;
    strcpy(c->names[c->n_names++], name);
    return 0;
}

/* Labels of the last axis of a [replication, time, width] series: the strings of its
 * dimension scale, or indices. */
static char **axis_labels(hid_t g, hid_t d, size_t width)
{
    char **out = calloc(width, sizeof *out);
    if (!out) return NULL;
    char dim[128] = "";
    H5DSget_label(d, 2, dim, sizeof dim);
    hid_t s = dim[0] && H5Lexists(g, dim, H5P_DEFAULT) > 0 ? H5Dopen2(g, dim, H5P_DEFAULT) : -1;
    char **raw = NULL;
    if (s >= 0) {
        hid_t t = H5Dget_type(s);
        if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0) {
            raw = calloc(width, sizeof *raw);
            if (raw && H5Dread(s, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
                free(raw);
                raw = NULL;
            }
        }
        H5Tclose(t);
        H5Dclose(s);
    }
    for (size_t k = 0; k < width; k++) {
        const char *lab = raw && raw[k] ? raw[k] : NULL;
        char num[24];
        if (!lab) {
            snprintf(num, sizeof num, "%zu", k);
            lab = num;
        }
        out[k] = malloc(strlen(lab) + 1);
        if (out[k]) strcpy(out[k], lab);
        if (raw && raw[k]) H5free_memory(raw[k]);
    }
    free(raw);
    return out;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* The time points to show: the nearest to each requested date, or to the start date and
 * every 12 months after it. */
static size_t pick_times(const double *t, size_t nt, const char *start, const char *const *dates,
                         size_t n_dates, size_t *idx)
{
    long sy, sm, sd;
    bool have_start = parse_iso(start, &sy, &sm, &sd);
    long s0 = have_start ? cs_date_to_days(sy, (int)sm, (int)sd) : 0;
    size_t n = 0;
    if (dates && n_dates > 0) {
        for (size_t i = 0; i < n_dates; i++) {
            long y, m, d;
            if (!parse_iso(dates[i], &y, &m, &d)) continue;
            idx[n++] = nearest(t, nt, (double)(cs_date_to_days(y, (int)m, (int)d) - s0));
        }
    } else if (nt > 0) {
        for (long k = 0;; k++) {
            double target = have_start ? (double)(cs_date_to_days(sy + k, (int)sm, (int)sd) - s0)
                                       : 365.25 * (double)k;
            if (target > t[nt - 1] + 15.0) break; /* half a month past the last point */
            idx[n++] = nearest(t, nt, target);
            if (n >= nt) break;
        }
    }
    qsort(idx, n, sizeof *idx, cmp_size);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || idx[i] != idx[u - 1]) idx[u++] = idx[i];
    return u;
}

/* Reads the values at time index ti[j] (j in [j0, j1)) of replications [0, kk) of series d
 * into out, as [kk][j1 - j0][width], in one H5Dread: HDF5 then inflates each chunk once (a read
 * per time point and column inflated every chunk again for each). */
static int read_times(hid_t d, hid_t sp, int rank, hsize_t kk, size_t width, const size_t *ti,
                      size_t j0, size_t j1, double *out)
{
    if (H5Sselect_none(sp) < 0) return -1;
    for (size_t j = j0; j < j1; j++) {
        hsize_t start[3] = {0, ti[j], 0}, count[3] = {kk, 1, width};
        if (H5Sselect_hyperslab(sp, H5S_SELECT_OR, start, NULL, count, NULL) < 0) return -1;
    }
    hsize_t mdims[3] = {kk, j1 - j0, width};
    hid_t ms = H5Screate_simple(rank == 3 ? 3 : 2, mdims, NULL);
    int rc = ms >= 0 && H5Dread(d, H5T_NATIVE_DOUBLE, ms, sp, H5P_DEFAULT, out) >= 0 ? 0 : -1;
    if (ms >= 0) H5Sclose(ms);
    return rc;
}

/* The rows of one series: for each column (a 3-D series' labels) and picked time, the mean
 * and 95% interval over the first k replications. All the picked times are read at once when
 * that takes at most 256 MiB, else a time at a time. */
static int print_series(FILE *f, hid_t g, const char *name, uint64_t k, const size_t *ti,
                        size_t nti, char *const *dates, size_t dlen, int namew, double *buf)
{
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t sp = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t dims[3] = {0, 1, 1};
    H5Sget_simple_extent_dims(sp, dims, NULL);
    size_t width = rank == 3 ? (size_t)dims[2] : 1;
    char **labels = rank == 3 ? axis_labels(g, d, width) : NULL;
    hsize_t kk = k <= dims[0] ? k : dims[0];
    size_t per_time = (size_t)kk * width;
    size_t step =
        per_time && (double)per_time * (double)nti * sizeof(double) <= 256.0 * (1 << 20) ? nti : 1;
    double *vals = per_time ? malloc(per_time * (step ? step : 1) * sizeof *vals) : NULL;
    double *st = malloc((width * nti + 1) * 4 * sizeof *st); /* mean, 2.5%, 97.5%, n */
    int rc = st && (vals || !per_time) ? 0 : -1;
    for (size_t j0 = 0; !rc && j0 < nti; j0 += step) {
        size_t j1 = j0 + step < nti ? j0 + step : nti;
        int ok = per_time && read_times(d, sp, rank, kk, width, ti, j0, j1, vals) == 0;
        for (size_t j = j0; j < j1; j++)
            for (size_t w = 0; w < width; w++) {
                double *s = st + 4 * (w * nti + j);
                size_t n = 0;
                for (size_t r = 0; ok && r < (size_t)kk; r++) {
                    double v = vals[(r * (j1 - j0) + (j - j0)) * width + w];
                    if (isfinite(v)) buf[n++] = v;
                }
                s[3] = (double)n;
                if (n == 0) continue;
                gsl_sort(buf, 1, n);
                s[0] = gsl_stats_mean(buf, 1, n);
                s[1] = gsl_stats_quantile_from_sorted_data(buf, 1, n, 0.025);
                s[2] = gsl_stats_quantile_from_sorted_data(buf, 1, n, 0.975);
            }
    }
    for (size_t w = 0; !rc && w < width; w++) {
        char label[256];
        if (labels && labels[w])
            snprintf(label, sizeof label, "%s[%s]", name, labels[w]);
        else
            snprintf(label, sizeof label, "%s", name);
        for (size_t j = 0; j < nti; j++) {
            const double *s = st + 4 * (w * nti + j);
            fprintf(f, "  %-*s  %-*.*s", namew, j == 0 ? label : "", (int)dlen, (int)dlen,
                    dates[ti[j]]);
            if (s[3] == 0)
                fprintf(f, "  %12s  %12s  %12s  %6d\n", "-", "-", "-", 0);
            else
                fprintf(f, "  %12.6g  %12.6g  %12.6g  %6zu\n", s[0], s[1], s[2], (size_t)s[3]);
        }
    }
    if (labels)
        for (size_t w = 0; w < width; w++)
            free(labels[w]);
    free(labels);
    free(vals);
    free(st);
    H5Sclose(sp);
    H5Dclose(d);
    return rc;
}

static bool selected(const char *name, const char *const *only, size_t n_only)
{
    if (!only) return true;
    for (size_t i = 0; i < n_only; i++)
        if (!strcmp(only[i], name)) return true;
    return false;
}

/* The table of national series of a scenario group sg with `reps` committed replications:
 * mean and 95% interval at the picked time points. */
static int print_national(FILE *f, hid_t sg, uint64_t reps, const char *start,
                          const char *const *dates, size_t n_dates, const char *const *only,
                          size_t n_only)
{
    int rc = 0;
    hid_t g = H5Gopen2(sg, "national", H5P_DEFAULT);
    hid_t td = H5Dopen2(sg, "time", H5P_DEFAULT);
    hid_t dd = H5Dopen2(sg, "date", H5P_DEFAULT);
    hid_t tsp = td >= 0 ? H5Dget_space(td) : -1;
    hssize_t nt = tsp >= 0 ? H5Sget_simple_extent_npoints(tsp) : -1;
    double *t = nt > 0 ? malloc((size_t)nt * sizeof *t) : NULL;
    size_t *ti = nt > 0 ? malloc((size_t)nt * sizeof *ti + n_dates * sizeof *ti) : NULL;
    hid_t dsp = dd >= 0 ? H5Dget_space(dd) : -1;
    hssize_t ndates = dsp >= 0 ? H5Sget_simple_extent_npoints(dsp) : -1;
    if (dsp >= 0) H5Sclose(dsp);
    if (ndates != nt) nt = -1; /* `date` must label `time` one to one */
    hid_t dt = dd >= 0 ? H5Dget_type(dd) : -1;
    size_t dlen = dt >= 0 ? H5Tget_size(dt) : 0;
    if (dlen > 64) dlen = 0; /* an ISO date: a longer fixed string is not ours */
    char *draw = t && dlen ? calloc((size_t)nt, dlen) : NULL;
    char **dstr = draw ? calloc((size_t)nt, sizeof *dstr) : NULL;
    double *buf = malloc((size_t)(reps ? reps : 1) * sizeof *buf);
    series_ctx c = {.g = g};
    if (g < 0 || !t || !ti || !draw || !dstr || !buf ||
        H5Dread(td, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t) < 0 ||
        H5Dread(dd, dt, H5S_ALL, H5S_ALL, H5P_DEFAULT, draw) < 0 ||
        H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, collect_series, &c) < 0) {
        rc = -1;
        goto done;
    }
    for (hssize_t i = 0; i < nt; i++)
        dstr[i] = draw + (size_t)i * dlen;
    size_t nti = pick_times(t, (size_t)nt, start, dates, n_dates, ti);
    /* Column width: the longest row label. */
    int namew = 6;
    for (size_t i = 0; i < c.n_names; i++) {
        int l = (int)strlen(c.names[i]) + 16; /* room for "[label]" */
        if (l > namew) namew = l;
    }
    if (namew > 48) namew = 48;
    int dw = (int)dlen < 4 ? 4 : (int)dlen;
    fprintf(f, "  %-*s  %-*s  %12s  %12s  %12s  %6s\n", namew, "series", dw, "date", "mean", "2.5%",
            "97.5%", "n");
    for (size_t i = 0; i < c.n_names; i++)
        if (selected(c.names[i], only, n_only))
            print_series(f, g, c.names[i], reps, ti, nti, dstr, (size_t)dw, namew, buf);
done:
    for (size_t i = 0; i < c.n_names; i++)
        free(c.names[i]);
    free(c.names);
    free(buf);
    free(dstr);
    free(draw);
    free(ti);
    free(t);
    if (dt >= 0) H5Tclose(dt);
    if (tsp >= 0) H5Sclose(tsp);
    if (dd >= 0) H5Dclose(dd);
    if (td >= 0) H5Dclose(td);
    if (g >= 0) H5Gclose(g);
    return rc;
}

static int print_scenario(FILE *f, hid_t file, const char *name, uint64_t reps, const char *start,
                          const char *const *dates, size_t n_dates, const char *const *only,
                          size_t n_only, uint64_t *done)
{
    char path[512];
    snprintf(path, sizeof path, "/scenarios/%s", name);
    hid_t sg = H5Gopen2(file, path, H5P_DEFAULT);
    if (sg < 0) return -1;
    uint64_t prog[2] = {0, 0};
    hid_t pd = H5Dopen2(sg, "progress", H5P_DEFAULT);
    if (pd >= 0) {
        H5Dread(pd, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, prog);
        H5Dclose(pd);
    }
    if (prog[0] > reps ||
        prog[0] > ((uint64_t)1 << 40)) { /* damaged: never size a buffer from it */
        H5Gclose(sg);
        return -1;
    }
    *done = prog[0];
    char *point = cs_h5_attr_text(sg, "sweep_point");
    fprintf(f, "\nscenario %s%s%s%s\n", name, point && point[0] ? " (" : "",
            point && point[0] ? point : "", point && point[0] ? ")" : "");
    free(point);
    if (prog[0] < reps)
        fprintf(f, "  incomplete: %llu of %llu replications\n", (unsigned long long)prog[0],
                (unsigned long long)reps);
    else
        fprintf(f, "  replications: %llu\n", (unsigned long long)prog[0]);
    if (H5Lexists(sg, "events", H5P_DEFAULT) > 0)
        fprintf(f, "  events: %llu\n", (unsigned long long)prog[1]);
    int rc = 0;
    if (H5Lexists(sg, "national", H5P_DEFAULT) > 0 && prog[0] > 0)
        rc = print_national(f, sg, prog[0], start, dates, n_dates, only, n_only);
    H5Gclose(sg);
    return rc;
}

typedef struct name_list {
    size_t n, cap;
    char **v;
} name_list;

static herr_t collect_group(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)info;
    name_list *l = data;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = malloc(strlen(name) + 1);
    if (!l->v[l->n]) return -1;
    strcpy(l->v[l->n++], name);
    return 0;
}

/* The scenarios in the order the run declared them (the root attribute), else by name. */
static void scenario_names(hid_t file, name_list *l)
{
    if (H5Aexists(file, "scenarios") > 0) {
        hid_t a = H5Aopen(file, "scenarios", H5P_DEFAULT);
        hid_t sp = H5Aget_space(a);
        hssize_t n = H5Sget_simple_extent_npoints(sp);
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5T_CSET_UTF8);
        char **raw = n > 0 ? calloc((size_t)n, sizeof *raw) : NULL;
        if (raw && H5Aread(a, mt, raw) >= 0) {
            for (hssize_t i = 0; i < n; i++) {
                collect_group(file, raw[i] ? raw[i] : "", NULL, l);
                H5free_memory(raw[i]);
            }
        }
        free(raw);
        H5Tclose(mt);
        H5Sclose(sp);
        H5Aclose(a);
        return;
    }
    hid_t g = H5Gopen2(file, "scenarios", H5P_DEFAULT);
    if (g < 0) return;
    H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, collect_group, l);
    H5Gclose(g);
}

int cs_info_print(const char *path, const char *const *dates, size_t n_dates, FILE *f,
                  cs_error *err)
{
    return cs_info_print_select(path, dates, n_dates, NULL, 0, f, err);
}

int cs_info_print_select(const char *path, const char *const *dates, size_t n_dates,
                         const char *const *only, size_t n_only, FILE *f, cs_error *err)
{
    if (!path || !f)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_info_print: missing argument");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    struct stat st;
    char *part = malloc(strlen(path) + 6);
    if (!part) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    strcpy(part, path);
    strcat(part, ".part");
    const char *use = path;
    if (stat(path, &st) != 0) {
        if (stat(part, &st) != 0) {
            free(part);
            return cs_error_set(err, CS_ENOTFOUND, path, 0, 0, NULL,
                                "no such file (nor an interrupted run's .part)");
        }
        use = part;
    }
    /* A file whose writer was killed (or is running) is still marked as open for SWMR
     * writing; SWMR read access opens it without modifying it. */
    hid_t fapl = cs_h5_fapl_reader();
    hid_t file = H5Fopen(use, H5F_ACC_RDONLY, fapl);
    if (file < 0) file = H5Fopen(use, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
    if (fapl >= 0) H5Pclose(fapl);
    if (file < 0) {
        int rc = info_fail(err, use, "cannot open as an HDF5 file");
        free(part);
        return rc;
    }
    fprintf(f, "file: %s\n", use);
    static const char *const keys[] = {"format",       "format_version", "software_version",
                                       "git_commit",   "command_line",   "working_directory",
                                       "created",      "seed",           "stream_scheme",
                                       "start_date",   "horizon_years",  "replications",
                                       "n_authorities"};
    size_t nk = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < nk; i++) {
        char *v = cs_h5_attr_text(file, keys[i]);
        if (v) fprintf(f, "  %-18s %s\n", keys[i], v);
        free(v);
    }
    uint64_t reps = 0;
    char *rs = cs_h5_attr_text(file, "replications");
    if (rs) reps = strtoull(rs, NULL, 10);
    free(rs);
    char *start = cs_h5_attr_text(file, "start_date");
    name_list l = {0, 0, NULL};
    scenario_names(file, &l);
    uint64_t total = 0;
    int rc = CS_OK;
    for (size_t i = 0; i < l.n; i++) {
        uint64_t done = 0;
        if (print_scenario(f, file, l.v[i], reps, start, dates, n_dates, only, n_only, &done) < 0 &&
            !rc)
            rc = info_fail(err, use, "cannot read a scenario");
        total += done;
        free(l.v[i]);
    }
    free(l.v);
    free(start);
    uint64_t want = reps * (uint64_t)l.n;
    if (use == part || total < want)
        fprintf(f, "\n%s: incomplete: %llu of %llu replications (continue with --resume)\n", use,
                (unsigned long long)total, (unsigned long long)want);
    H5Fclose(file);
    free(part);
    return rc;
}

/* The command line and working directory a run recorded in PATH.part (or PATH), for
 * `cssim run --resume PATH`. A killed writer leaves the file marked open for SWMR writing:
 * it is read as a SWMR reader, without modifying it. */
int cs_info_command(const char *path, char **line, char **cwd, cs_error *err)
{
    *line = *cwd = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char *part = malloc(strlen(path) + 6);
    if (!part) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    strcpy(part, path);
    strcat(part, ".part");
    /* The user block: written before anything else, readable even when HDF5's part is not. */
    if (cs_h5_userblock_read(part, line, cwd) == 0) {
        free(part);
        return CS_OK;
    }
    hid_t fapl = cs_h5_fapl_reader();
    hid_t file = H5Fopen(part, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
    if (file < 0) file = H5Fopen(part, H5F_ACC_RDONLY, fapl);
    if (fapl >= 0) H5Pclose(fapl);
    if (file < 0) {
        int rc = cs_error_set(err, CS_ENOTFOUND, part, 0, 0, NULL,
                              "no interrupted run to resume (cannot open it as an HDF5 file)");
        free(part);
        return rc;
    }
    *line = cs_h5_attr_text(file, "command_line");
    *cwd = cs_h5_attr_text(file, "working_directory");
    H5Fclose(file);
    int rc = *line ? CS_OK
                   : cs_error_set(err, CS_EMISMATCH, part, 0, 0, "command_line",
                                  "the file records no command line");
    free(part);
    return rc;
}
