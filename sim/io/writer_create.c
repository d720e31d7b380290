/* Creating the output: the new file (user block, root attributes, the authority table), each
 * scenario's groups and datasets, and cs_writer_begin (scenario list, SWMR start; with several
 * ranks, every rank opening the datasets). */
#include "writer_impl.h"

#include "cssim/date.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void iso_now(char buf[21])
{
    /* SOURCE_DATE_EPOCH (the reproducible-builds convention) pins `created`, so that two
     * runs can be compared byte for byte. */
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (!*end) t = (time_t)v;
    }
    cs_date_format_timestamp((int64_t)t, buf);
}

static int write_authorities(cs_writer *w, const cs_writer_opts *o, cs_error *err)
{
    hid_t gcpl = cs_wr_plist_untimed(H5P_GROUP_CREATE);
    hid_t g = H5Gcreate2(w->file, "authorities", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    if (g < 0) return cs_wr_h5_fail(w, err, "cannot create /authorities");
    int rc = CS_OK;
    size_t n = o->n_la;
    char **idx = NULL;
    const char *const *codes = NULL;
    if (o->n_cols > 0 && o->cols[0].type == CS_VT_U8 && o->cols[0].strs) {
        codes = o->cols[0].strs;
    } else {
        /* No code column: the authorities are labelled by their index. */
        idx = calloc(n ? n : 1, sizeof *idx);
        for (size_t i = 0; idx && i < n; i++) {
            idx[i] = malloc(24);
            if (!idx[i]) break;
            snprintf(idx[i], 24, "%zu", i);
        }
        codes = (const char *const *)idx;
    }
    hid_t sc = H5I_INVALID_HID;
    if (!codes) {
        rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto done;
    }
    sc = cs_wr_dset_strings(w, g, "authority", n, codes);
    if (sc < 0 || H5DSset_scale(sc, "authority") < 0 ||
        cs_wr_attr_str(w, sc, "long_name", "local authority code") < 0) {
        rc = cs_wr_h5_fail(w, err, "cannot create /authorities/authority");
        goto done;
    }
    for (size_t c = 0; c < o->n_cols; c++) {
        const cs_table_col *col = &o->cols[c];
        hid_t d = H5I_INVALID_HID;
        if (!col->name || !col->name[0] || strchr(col->name, '/') ||
            !strcmp(col->name, "authority")) {
            rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                              "authority table: invalid column name '%s'",
                              col->name ? col->name : "(null)");
            goto done;
        }
        if (col->type == CS_VT_U8 && col->strs)
            d = cs_wr_dset_strings(w, g, col->name, n, col->strs);
        else if (col->type == CS_VT_F64 && col->f64)
            d = cs_wr_dset_fixed(g, col->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, col->f64);
        else if (col->type == CS_VT_I32 && col->i32)
            d = cs_wr_dset_fixed(g, col->name, H5T_STD_I32LE, H5T_NATIVE_INT32, n, col->i32);
        else {
            rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                              "authority table: column '%s' has no data of its type", col->name);
            goto done;
        }
        if (d < 0 || H5DSattach_scale(d, sc, 0) < 0 ||
            (col->doc && cs_wr_attr_str(w, d, "long_name", col->doc) < 0)) {
            if (d >= 0) H5Dclose(d);
            rc = cs_wr_h5_fail(w, err, "cannot write the authority table");
            goto done;
        }
        H5Dclose(d);
    }
done:
    if (sc >= 0) H5Dclose(sc);
    H5Gclose(g);
    if (idx)
        for (size_t i = 0; i < n; i++)
            free(idx[i]);
    free(idx);
    return rc;
}

/* Creates PATH.part: made as PATH.part.new with its user block (how the run was started)
 * written, then renamed, so that every PATH.part that exists says how to resume it. */
int cs_wr_create_file(cs_writer *w, const cs_writer_opts *o, bool publish, cs_error *err)
{
    const char *cmd = o->command_line ? o->command_line : "";
    const char *cwd = o->working_directory ? o->working_directory : "";
    size_t ub = cs_h5_userblock_size(cmd, cwd);
    size_t n = strlen(w->part) + 5;
    char *tmp = malloc(n);
    if (!tmp) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    snprintf(tmp, n, "%s.new", w->part);
    unlink(tmp); /* left by a run stopped inside H5Fcreate: it holds nothing */
    hid_t fcpl = cs_wr_plist_untimed(H5P_FILE_CREATE); /* also untimes the root group */
    hid_t fapl = cs_wr_make_fapl(false, NULL);
    /* Freed file space is never reused (no free-space managers, no aggregators: allocation
     * only at the end of the file): a chunk rewritten at a commit or evicted from the chunk
     * cache leaves its old version in place, so a chunk index that a killed writer left on
     * disk cannot point at another dataset's newer bytes. (This guards against one suspected
     * cause of damaged prefixes after a kill; the soak test still sees about 1 in 70 kills
     * leave part of the committed prefix unreadable, which resume detects by checksum and
     * recovers from: cs_wr_copy_prefix.) */
    if (fcpl >= 0 && H5Pset_file_space_strategy(fcpl, H5F_FSPACE_STRATEGY_NONE, 0, 1) < 0) {
        H5Pclose(fcpl);
        fcpl = H5I_INVALID_HID;
    }
    if (fcpl >= 0 && H5Pset_userblock(fcpl, (hsize_t)ub) < 0) {
        H5Pclose(fcpl);
        fcpl = H5I_INVALID_HID;
    }
    w->file = fcpl < 0 || fapl < 0 ? H5I_INVALID_HID : H5Fcreate(tmp, H5F_ACC_EXCL, fcpl, fapl);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    if (w->file < 0) {
        free(tmp);
        return cs_wr_h5_fail(w, err, "cannot create the file");
    }
    int fd = open(tmp, O_WRONLY);
    int ok = fd >= 0 && cs_h5_userblock_write(fd, ub, cmd, cwd) == 0;
    if (fd >= 0) close(fd);
    if (!ok || (publish && rename(tmp, w->part) != 0)) {
        int e = errno;
        H5Fclose(w->file);
        w->file = H5I_INVALID_HID;
        unlink(tmp);
        free(tmp);
        w->failed = true;
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "cannot create the file: %s",
                            strerror(e));
    }
    if (publish)
        free(tmp);
    else
        w->fresh_path = tmp; /* renamed over PATH.part at cs_writer_begin */
    char created[32];
    iso_now(created);
    hid_t r = w->file;
    if (cs_wr_attr_str(w, r, "format", CS_FORMAT_NAME) < 0 ||
        cs_wr_attr_i32(r, "format_version", CS_FORMAT_VERSION) < 0 ||
        cs_wr_attr_str(w, r, "software_version", o->software_version) < 0 ||
        cs_wr_attr_str(w, r, "git_commit", o->git_commit) < 0 ||
        cs_wr_attr_str(w, r, "command_line", o->command_line) < 0 ||
        cs_wr_attr_str(w, r, "working_directory", o->working_directory) < 0 ||
        cs_wr_attr_str(w, r, "created", created) < 0 || cs_wr_attr_u64(r, "seed", o->seed) < 0 ||
        cs_wr_attr_str(w, r, "stream_scheme", o->stream_scheme) < 0 ||
        cs_wr_attr_str(w, r, "start_date", o->start_date) < 0 ||
        cs_wr_attr_f64(r, "horizon_years", o->horizon_years) < 0 ||
        cs_wr_attr_u64(r, "replications", o->replications) < 0 ||
        cs_wr_attr_u64(r, "n_authorities", (uint64_t)o->n_la) < 0)
        return cs_wr_h5_fail(w, err, "cannot write the root attributes");
    int rc = write_authorities(w, o, err);
    if (rc) return rc;
    hid_t gcpl = cs_wr_plist_untimed(H5P_GROUP_CREATE);
    hid_t g = H5Gcreate2(w->file, "scenarios", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    if (g < 0) return cs_wr_h5_fail(w, err, "cannot create /scenarios");
    H5Gclose(g);
    return CS_OK;
}

static int check_name(const char *kind, const char *name, cs_error *err)
{
    if (!name || !name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                            "%s name '%s' cannot name an HDF5 object (empty, '.', or has '/')",
                            kind, name ? name : "(null)");
    return CS_OK;
}

static hid_t group_new(hid_t loc, const char *name)
{
    hid_t gcpl = cs_wr_plist_untimed(H5P_GROUP_CREATE);
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    return g;
}

/* Hard links to the scenario's axes, so that each group opens in xarray with its
 * coordinates (h5netcdf only reads a group's own datasets as variables). */
static herr_t link_axes(hid_t sg, hid_t g, bool time, bool authority, hid_t file)
{
    if (H5Lcreate_hard(sg, "replication", g, "replication", H5P_DEFAULT, H5P_DEFAULT) < 0)
        return -1;
    if (time && (H5Lcreate_hard(sg, "time", g, "time", H5P_DEFAULT, H5P_DEFAULT) < 0 ||
                 H5Lcreate_hard(sg, "date", g, "date", H5P_DEFAULT, H5P_DEFAULT) < 0))
        return -1;
    if (authority && H5Lcreate_hard(file, "/authorities/authority", g, "authority", H5P_DEFAULT,
                                    H5P_DEFAULT) < 0)
        return -1;
    return 0;
}

/* Attaches scales (by name, in g) to the dims of d, labels the dims, and writes the
 * descriptive attributes. */
static herr_t annotate(const cs_writer *w, hid_t g, hid_t d, const char *const *dims, int rank,
                       const char *units, const char *doc, bool has_time)
{
    for (int i = 0; i < rank; i++) {
        hid_t s = H5Dopen2(g, dims[i], H5P_DEFAULT);
        if (s < 0) return -1;
        herr_t r = H5DSattach_scale(d, s, (unsigned)i);
        H5Dclose(s);
        if (r < 0 || H5DSset_label(d, (unsigned)i, dims[i]) < 0) return -1;
    }
    if (units && units[0] && cs_wr_attr_str(w, d, "units", units) < 0) return -1;
    if (doc && doc[0] && cs_wr_attr_str(w, d, "long_name", doc) < 0) return -1;
    /* CF: lets xarray carry the ISO dates along the time axis as a coordinate. */
    if (has_time && cs_wr_attr_str(w, d, "coordinates", "date") < 0) return -1;
    return 0;
}

static herr_t enum_flags(hid_t d, const cs_enum_def *e)
{
    /* CF's flag_values / flag_meanings describe the categories to tools that ignore HDF5
     * enums. */
    uint8_t vals[256];
    size_t n = e->n > 256 ? 256 : e->n;
    size_t len = 1;
    for (size_t i = 0; i < n; i++) {
        vals[i] = (uint8_t)i;
        len += strlen(e->labels[i]) + 1;
    }
    char *m = calloc(len, 1);
    if (!m) return -1;
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(m, " ");
        strcat(m, e->labels[i]);
    }
    hsize_t hn = n;
    hid_t sp = H5Screate_simple(1, &hn, NULL);
    herr_t r = cs_wr_attr_write(d, "flag_values", H5T_STD_U8LE, H5T_NATIVE_UINT8, sp, vals);
    H5Sclose(sp);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    const char *mp = m;
    if (r >= 0) r = cs_wr_attr_scalar(d, "flag_meanings", t, t, &mp);
    H5Tclose(t);
    free(m);
    return r;
}

static char *series_dim(const cs_series_def *sd)
{
    if (sd->labels) return cs_wr_dup_str(sd->labels->name);
    char *s = malloc(strlen(sd->name) + 7);
    if (s) {
        strcpy(s, sd->name);
        strcat(s, "_index");
    }
    return s;
}

/* The scenario group's attributes and its resolved parameters. */
static int scen_header(cs_writer *w, hid_t sg, const cs_out_scenario *s)
{
    if (cs_wr_attr_str(w, sg, "scenario_text", s->text) < 0 ||
        cs_wr_attr_str(w, sg, "sweep_point", s->point_desc) < 0 ||
        cs_wr_attr_i32(sg, "compression", s->compression) < 0)
        return CS_WR_H5;
    hid_t g = group_new(sg, "parameters");
    if (g < 0) return CS_WR_H5;
    int rc = CS_WR_OK;
    for (size_t i = 0; !rc && i < s->n_resolved; i++)
        if (cs_wr_attr_str(w, g, s->resolved[i].key, s->resolved[i].value) < 0) rc = CS_WR_H5;
    H5Gclose(g);
    return rc;
}

/* The time axis (days, CF units) and its ISO dates. */
static int scen_time_axes(cs_writer *w, hid_t sg, const cs_out_scenario *s)
{
    hid_t d =
        cs_wr_dset_fixed(sg, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, s->n_time, s->time_days);
    if (d < 0 || H5DSset_scale(d, "time") < 0) goto h5err_d;
    char units[96];
    /* CF units: xarray decodes the axis to dates. */
    char *start = cs_h5_attr_text(w->file, "start_date");
    if (start && start[0])
        snprintf(units, sizeof units, "days since %.60s", start);
    else
        snprintf(units, sizeof units, "days");
    free(start);
    if (cs_wr_attr_str(w, d, "units", units) < 0 ||
        cs_wr_attr_str(w, d, "calendar", "proleptic_gregorian") < 0 ||
        cs_wr_attr_str(w, d, "long_name", "days since the start date") < 0)
        goto h5err_d;
    hid_t time_scale = d;
    size_t dlen = 1;
    for (size_t t = 0; t < s->n_time; t++) {
        size_t l = strlen(s->time_iso[t]);
        if (l > dlen) dlen = l;
    }
    char *dates = calloc(s->n_time ? s->n_time : 1, dlen);
    if (!dates) {
        H5Dclose(time_scale);
        return CS_WR_NOMEM;
    }
    for (size_t t = 0; t < s->n_time; t++)
        memcpy(dates + t * dlen, s->time_iso[t], strlen(s->time_iso[t]));
    hid_t tdate = H5Tcopy(H5T_C_S1);
    H5Tset_size(tdate, dlen);
    H5Tset_strpad(tdate, H5T_STR_NULLPAD);
    d = cs_wr_dset_fixed(sg, "date", tdate, tdate, s->n_time, dates);
    H5Tclose(tdate);
    free(dates);
    herr_t r = d < 0 ? -1 : H5DSattach_scale(d, time_scale, 0);
    if (r >= 0) r = H5DSset_label(d, 0, "time");
    if (r >= 0) r = cs_wr_attr_str(w, d, "long_name", "date of the time point (ISO 8601)");
    H5Dclose(time_scale);
    if (r < 0) goto h5err_d;
    H5Dclose(d);
    return CS_WR_OK;
h5err_d:
    if (d >= 0) H5Dclose(d);
    return CS_WR_H5;
}

/* The replication axis and the progress dataset. */
static int scen_rep_progress(cs_writer *w, cs_wscen *sc, hid_t sg)
{
    hsize_t row[3] = {0, 0, 0}, chunk[3];
    chunk[0] = cs_wr_rows_chunk(w, 8, CS_CHUNK_1D);
    if (cs_wr_wdset_create(&sc->rep, sg, "replication", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, row,
                           chunk, 0, w->mpi) < 0 ||
        H5DSset_scale(sc->rep.id, "replication") < 0 ||
        cs_wr_attr_str(w, sc->rep.id, "long_name", "replication index") < 0)
        return CS_WR_H5;
    /* Progress: contiguous and allocated now, so committing is a 16-byte overwrite. */
    hid_t dcpl = cs_wr_plist_untimed(H5P_DATASET_CREATE);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    hsize_t two = 2;
    hid_t sp = H5Screate_simple(1, &two, NULL);
    sc->d_progress = H5Dcreate2(sg, "progress", H5T_STD_U64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Sclose(sp);
    H5Pclose(dcpl);
    uint64_t zero[2] = {0, 0};
    const char *fields[] = {"replications_done", "events_done"};
    if (sc->d_progress < 0 ||
        H5Dwrite(sc->d_progress, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero) < 0 ||
        cs_wr_attr_strs(w, sc->d_progress, "fields", 2, fields) < 0)
        return CS_WR_H5;
    return CS_WR_OK;
}

/* The label axis of a series of width wd > 1, created in g by the first series that names it;
 * *dim receives its name (the caller frees it). */
static int series_axis(cs_writer *w, hid_t g, const cs_series_def *sd, uint32_t wd, char **dim,
                       cs_error *err)
{
    if (sd->labels && sd->labels->n != wd) {
        cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                     "series '%s': width %u but %zu labels in '%s'", sd->name, (unsigned)wd,
                     sd->labels->n, sd->labels->name);
        return CS_WR_FAIL;
    }
    *dim = series_dim(sd);
    if (!*dim) return CS_WR_NOMEM;
    if (check_name("label axis", *dim, err)) return CS_WR_FAIL;
    if (H5Lexists(g, *dim, H5P_DEFAULT) > 0) return CS_WR_OK;
    hid_t ld;
    if (sd->labels) {
        ld = cs_wr_dset_strings(w, g, *dim, wd, sd->labels->labels);
    } else {
        uint32_t *ix = malloc(wd * sizeof *ix);
        for (uint32_t k = 0; ix && k < wd; k++)
            ix[k] = k;
        ld = ix ? cs_wr_dset_fixed(g, *dim, H5T_STD_U32LE, H5T_NATIVE_UINT32, wd, ix)
                : H5I_INVALID_HID;
        free(ix);
    }
    if (ld < 0 || H5DSset_scale(ld, *dim) < 0) {
        if (ld >= 0) H5Dclose(ld);
        return CS_WR_H5;
    }
    H5Dclose(ld);
    return CS_WR_OK;
}

/* national/<series i>: [replication, time] or [replication, time, label]. */
static int scen_series(cs_writer *w, cs_wscen *sc, hid_t g, const cs_out_scenario *s, size_t i,
                       cs_error *err)
{
    const cs_series_def *sd = &s->schema->series[i];
    uint32_t wd = sd->width ? sd->width : 1;
    int rank = wd > 1 ? 3 : 2;
    char *dim = NULL;
    if (check_name("series", sd->name, err)) return CS_WR_FAIL;
    int rc = rank == 3 ? series_axis(w, g, sd, wd, &dim, err) : CS_WR_OK;
    if (rc) {
        free(dim);
        return rc;
    }
    size_t es = cs_wr_vt_size(sd->type);
    hsize_t row[3] = {0, s->n_time, wd}, chunk[3] = {0, s->n_time, wd};
    size_t rowb = s->n_time * wd * es;
    chunk[0] = cs_wr_rows_chunk(w, rowb, CS_CHUNK_1D);
    if (rowb > CS_CHUNK_MAX) /* very long series: split time too */
        chunk[1] = CS_CHUNK_MAX / (wd * es) ? CS_CHUNK_MAX / (wd * es) : 1;
    if (chunk[1] == 0) chunk[1] = 1;
    const char *dims[3] = {"replication", "time", dim};
    if (cs_wr_wdset_create(&sc->series[i], g, sd->name, cs_wr_file_type(sd->type),
                           H5T_NATIVE_DOUBLE, rank, row, chunk, s->compression, w->mpi) < 0 ||
        annotate(w, g, sc->series[i].id, dims, rank, sd->units, sd->doc, true) < 0)
        rc = CS_WR_H5;
    free(dim);
    return rc;
}

static int scen_national(cs_writer *w, cs_wscen *sc, hid_t sg, const cs_out_scenario *s,
                         cs_error *err)
{
    hid_t g = group_new(sg, "national");
    int rc = g < 0 || link_axes(sg, g, true, false, w->file) < 0 ? CS_WR_H5 : CS_WR_OK;
    for (size_t i = 0; !rc && i < s->schema->n_series; i++)
        rc = scen_series(w, sc, g, s, i, err);
    if (g >= 0) H5Gclose(g);
    return rc;
}

/* panel/<variable>: [replication, time, authority], one replication per chunk. */
static int scen_panel(cs_writer *w, cs_wscen *sc, hid_t sg, const cs_out_scenario *s, cs_error *err)
{
    const cs_schema *sch = s->schema;
    size_t n_la = w->n_la;
    hid_t g = group_new(sg, "panel");
    int rc = g < 0 || link_axes(sg, g, true, true, w->file) < 0 ? CS_WR_H5 : CS_WR_OK;
    for (size_t i = 0; !rc && i < sch->n_panel; i++) {
        const cs_panel_def *pd = &sch->panel[i];
        if (check_name("panel variable", pd->name, err)) {
            rc = CS_WR_FAIL;
            break;
        }
        hid_t ft, mt;
        if (cs_wr_panel_types(sc, pd, &ft, &mt) < 0) {
            rc = CS_WR_H5;
            break;
        }
        size_t es = cs_wr_vt_size(pd->type), slice = (n_la ? n_la : 1) * es;
        hsize_t row[3] = {0, s->n_time, n_la};
        hsize_t chunk[3] = {1, s->n_time ? s->n_time : 1, n_la ? n_la : 1};
        if (chunk[1] * slice > CS_CHUNK_MAX)
            chunk[1] = CS_CHUNK_MAX / slice ? CS_CHUNK_MAX / slice : 1;
        const char *dims[3] = {"replication", "time", "authority"};
        if (cs_wr_wdset_create(&sc->panels[i], g, pd->name, ft, mt, 3, row, chunk, s->compression,
                               w->mpi) < 0 ||
            annotate(w, g, sc->panels[i].id, dims, 3, pd->units, pd->doc, true) < 0 ||
            (pd->enumdef && pd->type == CS_VT_U8 && enum_flags(sc->panels[i].id, pd->enumdef) < 0))
            rc = CS_WR_H5;
    }
    if (g >= 0) H5Gclose(g);
    return rc;
}

/* A group of per-replication float64 datasets: summary/ and drawn/ ([replication]: rank 1) or
 * authority_stats/ ([replication, authority]: rank 2). Named by defs (with units and doc), or
 * by names (drawn/). */
typedef struct scalar_group {
    const char *group, *kind;
    int rank;
    size_t n;
    const cs_scalar_def *defs;
    const char *const *names;
} scalar_group;

static int scen_scalars(cs_writer *w, cs_wdset *ds, hid_t sg, const scalar_group *sg_def,
                        int compression, cs_error *err)
{
    size_t n_la = w->n_la;
    int rank = sg_def->rank;
    hid_t g = group_new(sg, sg_def->group);
    int rc = g < 0 || link_axes(sg, g, false, rank == 2, w->file) < 0 ? CS_WR_H5 : CS_WR_OK;
    hsize_t row[3] = {0, n_la, 0}, chunk[3] = {0, n_la ? n_la : 1, 0};
    chunk[0] = cs_wr_rows_chunk(w, rank == 2 ? (n_la ? n_la : 1) * 8 : 8, CS_CHUNK_1D);
    const char *dims[2] = {"replication", "authority"};
    for (size_t i = 0; !rc && i < sg_def->n; i++) {
        const cs_scalar_def *sd = sg_def->defs ? &sg_def->defs[i] : NULL;
        const char *name = sd ? sd->name : sg_def->names[i];
        if (check_name(sg_def->kind, name, err)) {
            rc = CS_WR_FAIL;
            break;
        }
        if (cs_wr_wdset_create(&ds[i], g, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, row, chunk,
                               compression, w->mpi) < 0 ||
            annotate(w, g, ds[i].id, dims, rank, sd ? sd->units : NULL,
                     sd ? sd->doc : "value drawn for this replication", false) < 0)
            rc = CS_WR_H5;
    }
    if (g >= 0) H5Gclose(g);
    return rc;
}

/* events: one row per recorded event, in replication order. */
static int scen_events(cs_writer *w, cs_wscen *sc, hid_t sg, const cs_schema *sch, int compression)
{
    hid_t ft;
    if (cs_wr_event_types(sc, sch, &ft) < 0) return CS_WR_H5;
    hsize_t zero = 0, ch = CS_EVENT_CHUNK;
    sc->d_events = cs_wr_dset_create(sg, "events", ft, 1, &zero, &ch, compression, w->mpi);
    H5Tclose(ft);
    if (sc->d_events < 0) return CS_WR_H5;
    if (sch->event_values && sch->event_values->n > 0 &&
        cs_wr_attr_strs(w, sc->d_events, "before_after_labels", sch->event_values->n,
                        sch->event_values->labels) < 0)
        return CS_WR_H5;
    if (cs_wr_attr_str(w, sc->d_events, "long_name",
                       "one row per recorded event, in replication order") < 0)
        return CS_WR_H5;
    return CS_WR_OK;
}

/* Creates /scenarios/<name> and every dataset of it. Each part closes what it opened and
 * returns a CS_WR_* outcome; the HDF5 failure is reported once the group is closed. */
static int create_scenario(cs_writer *w, cs_wscen *sc, const cs_out_scenario *s, cs_error *err)
{
    const cs_schema *sch = s->schema;
    int c = s->compression;
    char what[256];
    snprintf(what, sizeof what, "cannot create scenario '%s'", s->name);
    hid_t sg = H5I_INVALID_HID;
    hid_t root = H5Gopen2(w->file, "scenarios", H5P_DEFAULT);
    if (root >= 0) sg = group_new(root, s->name);
    if (root >= 0) H5Gclose(root);
    int rc = sg < 0 ? CS_WR_H5 : scen_header(w, sg, s);
    if (!rc) rc = scen_time_axes(w, sg, s);
    if (!rc) rc = scen_rep_progress(w, sc, sg);
    if (!rc && s->national) rc = scen_national(w, sc, sg, s, err);
    if (!rc && s->panel && sch->n_panel > 0) rc = scen_panel(w, sc, sg, s, err);
    const scalar_group groups[3] = {
        {"summary", "summary", 1, sch->n_summary, sch->summary, NULL},
        {"authority_stats", "authority statistic", 2, sch->n_lastat, sch->lastat, NULL},
        {"drawn", "uncertain parameter", 1, s->n_uncertain, NULL, s->uncertain_names}};
    cs_wdset *gd[3] = {sc->summary, sc->lastat, sc->drawn};
    for (int k = 0; !rc && k < 3; k++)
        if (groups[k].n > 0) rc = scen_scalars(w, gd[k], sg, &groups[k], c, err);
    if (!rc && s->events) rc = scen_events(w, sc, sg, sch, c);
    if (sg >= 0) H5Gclose(sg);
    switch (rc) {
    case CS_WR_OK:
        return CS_OK;
    case CS_WR_H5:
        return cs_wr_h5_fail(w, err, what);
    case CS_WR_NOMEM:
        return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    default:
        w->failed = true;
        return err ? err->status : CS_EINVAL;
    }
}

int cs_writer_add_scenario(cs_writer *w, const cs_out_scenario *s, cs_error *err)
{
    if (!w || !s || !s->schema)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                            "cs_writer_add_scenario: missing argument");
    if (w->begun)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                            "scenario '%s' added after the first write", s->name);
    if (w->failed)
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "the writer failed earlier");
    int rc = check_name("scenario", s->name, err);
    if (rc) return rc;
    if (s->n_time > 0 && (!s->time_days || !s->time_iso))
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, s->name, "scenario has no time axis");
    for (size_t i = 0; i < w->n_scen; i++)
        if (!strcmp(w->scen[i].name, s->name))
            return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "scenario '%s' declared twice",
                                s->name);
    if (w->n_scen == w->cap_scen) {
        size_t cap = w->cap_scen ? 2 * w->cap_scen : 8;
        cs_wscen *n = realloc(w->scen, cap * sizeof *n);
        if (!n) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        w->scen = n;
        w->cap_scen = cap;
    }
    cs_wscen *sc = &w->scen[w->n_scen];
    memset(sc, 0, sizeof *sc);
    sc->schema = s->schema;
    sc->n_time = s->n_time;
    sc->n_uncertain = s->n_uncertain;
    sc->national = s->national;
    sc->panel = s->panel && s->schema->n_panel > 0;
    sc->events = s->events;
    sc->open = true;
    if (cs_wr_scen_alloc(sc, s)) {
        cs_wr_scen_free(sc);
        return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    sc->drawn_names = calloc(s->n_uncertain + 1, sizeof *sc->drawn_names);
    for (size_t i = 0; sc->drawn_names && i < s->n_uncertain; i++)
        if (!(sc->drawn_names[i] =
                  cs_wr_dup_str(s->uncertain_names[i] ? s->uncertain_names[i] : "")))
            rc = CS_ENOMEM;
    if (rc || !sc->drawn_names)
        rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    rc = cs_wr_agree(w, rc, err);
    if (rc) {
        cs_wr_scen_free(sc);
        return rc;
    }
    /* With several ranks rank 0 creates (or checks) the scenario alone, as a single process
     * would; the others open its datasets at cs_writer_begin. */
    if (w->root) {
        if (w->resumed && w->old >= 0) { /* resume by copy: check, create, copy */
            rc = cs_wr_reopen_scenario(w, sc, s, err);
            uint64_t cnt[2] = {sc->committed, sc->ev_committed};
            if (!rc) rc = create_scenario(w, sc, s, err);
            sc->committed = cnt[0], sc->ev_committed = cnt[1];
            /* nothing committed, nothing to copy (a writer killed while HDF5 was starting SWMR
             * mode can leave the rest of that scenario's objects unreadable) */
            if (!rc && (cnt[0] || cnt[1])) rc = cs_wr_copy_prefix(w, sc, s->name, err);
        } else {
            rc = w->resumed ? cs_wr_reopen_scenario(w, sc, s, err) : create_scenario(w, sc, s, err);
        }
        if (!rc && cs_wr_prepare_slabs(sc) < 0)
            rc = cs_wr_h5_fail(w, err, "cannot allocate a dataspace");
    }
    rc = cs_wr_agree(w, rc, err);
    if (rc) {
        w->failed = true;
        cs_wr_scen_free(sc);
        return rc;
    }
    uint64_t counts[4] = {sc->written, sc->committed, sc->ev_written, sc->ev_committed};
    cs_par_bcast(w->par, counts, sizeof counts, 0); /* a resumed prefix, for every rank */
    sc->written = counts[0], sc->committed = counts[1];
    sc->ev_written = counts[2], sc->ev_committed = counts[3];
    w->n_scen++;
    /* A scenario already complete in PATH.part needs no handles. */
    if (sc->written == w->replications) cs_wr_scen_close(sc);
    return CS_OK;
}

static int begin_mpi(cs_writer *w, cs_error *err);

int cs_writer_begin(cs_writer *w, cs_error *err)
{
    if (!w) return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_begin: no writer");
    if (w->begun) return CS_OK;
    if (w->failed)
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "the writer failed earlier");
    if (w->mpi) return begin_mpi(w, err);
    bool copy = w->old >= 0;
    if (w->resumed && w->n_scen != w->n_file_scen)
        return cs_wr_mismatch(w, err, "the list of scenarios");
    if (!w->resumed || copy) {
        const char **names = malloc((w->n_scen + 1) * sizeof *names);
        if (!names) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        for (size_t i = 0; i < w->n_scen; i++)
            names[i] = w->scen[i].name;
        herr_t r = cs_wr_attr_strs(w, w->file, "scenarios", w->n_scen, names);
        free(names);
        if (r < 0) return cs_wr_h5_fail(w, err, "cannot write the list of scenarios");
    }
    /* From here on only raw data are written: the file stays readable at every instant.
     * (A resumed file was opened in SWMR mode.) */
    if (copy) {
        /* The copy is whole and on disk: it replaces the interrupted file, atomically. */
        if (H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0) return cs_wr_h5_fail(w, err, "cannot flush");
        if (cs_wr_fsync_path(w->fresh_path, false) != 0 || rename(w->fresh_path, w->part) != 0)
            return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "cannot replace: %s",
                                strerror(errno));
        free(w->fresh_path);
        w->fresh_path = NULL;
        H5Fclose(w->old);
        w->old = H5I_INVALID_HID;
    }
    if ((!w->resumed || copy) && H5Fstart_swmr_write(w->file) < 0)
        return cs_wr_h5_fail(w, err, "cannot start SWMR writing");
    w->begun = true;
    return CS_OK;
}

/* Every rank opens the datasets of a scenario still to be written (after rank 0 made them). */
static int scen_open_par(cs_writer *w, cs_wscen *sc)
{
    const cs_schema *sch = sc->schema;
    hid_t root = H5Gopen2(w->file, "scenarios", H5P_DEFAULT);
    hid_t sg = root < 0 ? root : H5Gopen2(root, sc->name, H5P_DEFAULT);
    if (root >= 0) H5Gclose(root);
    if (sg < 0) return -1;
    hsize_t row[3] = {0, sc->n_time, 0};
    int st = cs_wr_wdset_open(&sc->rep, sg, "replication", H5T_NATIVE_UINT64, 1, row);
    char name[512];
    for (size_t i = 0; !st && sc->national && i < sch->n_series; i++) {
        uint32_t wd = sch->series[i].width ? sch->series[i].width : 1;
        row[2] = wd;
        snprintf(name, sizeof name, "national/%s", sch->series[i].name);
        st = cs_wr_wdset_open(&sc->series[i], sg, name, H5T_NATIVE_DOUBLE, wd > 1 ? 3 : 2, row);
    }
    row[2] = w->n_la;
    for (size_t i = 0; !st && sc->panel && i < sch->n_panel; i++) {
        hid_t ft, mt;
        snprintf(name, sizeof name, "panel/%s", sch->panel[i].name);
        st = cs_wr_panel_types(sc, &sch->panel[i], &ft, &mt);
        if (!st) st = cs_wr_wdset_open(&sc->panels[i], sg, name, mt, 3, row);
    }
    row[1] = w->n_la;
    for (size_t i = 0; !st && i < sch->n_summary; i++) {
        snprintf(name, sizeof name, "summary/%s", sch->summary[i].name);
        st = cs_wr_wdset_open(&sc->summary[i], sg, name, H5T_NATIVE_DOUBLE, 1, row);
    }
    for (size_t i = 0; !st && i < sch->n_lastat; i++) {
        snprintf(name, sizeof name, "authority_stats/%s", sch->lastat[i].name);
        st = cs_wr_wdset_open(&sc->lastat[i], sg, name, H5T_NATIVE_DOUBLE, 2, row);
    }
    for (size_t i = 0; !st && i < sc->n_uncertain; i++) {
        hid_t g = H5Gopen2(sg, "drawn", H5P_DEFAULT); /* keys may contain '.', never '/' */
        st = g < 0 ? -1
                   : cs_wr_wdset_open(&sc->drawn[i], g, sc->drawn_names[i], H5T_NATIVE_DOUBLE, 1,
                                      row);
        if (g >= 0) H5Gclose(g);
    }
    if (!st && sc->events) {
        hid_t ft = H5I_INVALID_HID;
        if (sc->t_ev_mem < 0 && cs_wr_event_types(sc, sch, &ft) < 0) st = -1;
        if (ft >= 0) H5Tclose(ft);
        sc->d_events = st ? H5I_INVALID_HID : H5Dopen2(sg, "events", H5P_DEFAULT);
        if (sc->d_events < 0) st = -1;
    }
    if (!st) sc->d_progress = H5Dopen2(sg, "progress", H5P_DEFAULT);
    if (sc->d_progress < 0) st = -1;
    H5Gclose(sg);
    return st ? -1 : 0;
}

/* Several ranks: rank 0 finishes its single-process phase (the list of scenarios) and closes
 * the file; then all ranks open it with MPI-IO and open every unfinished scenario. From here
 * on, as in SWMR mode, only extents, raw data and progress change. */
static int begin_mpi(cs_writer *w, cs_error *err)
{
    int rc = CS_OK;
    if (w->root) {
        if (w->resumed) {
            if (w->n_scen != w->n_file_scen) rc = cs_wr_mismatch(w, err, "the list of scenarios");
            /* A .part begun by a single process has incrementally allocated chunks, which
             * parallel HDF5 cannot write (it would hang): resume it as it was begun. */
            for (size_t i = 0; !rc && i < w->n_scen; i++) {
                cs_wscen *sc = &w->scen[i];
                if (sc->written == w->replications || sc->rep.id < 0) continue;
                hid_t dcpl = H5Dget_create_plist(sc->rep.id);
                H5D_alloc_time_t at = H5D_ALLOC_TIME_ERROR;
                if (dcpl >= 0) H5Pget_alloc_time(dcpl, &at);
                if (dcpl >= 0) H5Pclose(dcpl);
                if (at != H5D_ALLOC_TIME_EARLY) {
                    w->failed = true;
                    rc = cs_error_set(err, CS_EMISMATCH, w->part, 0, 0, NULL,
                                      "cannot resume with MPI a run begun by a single process: "
                                      "resume it without mpirun (or start again with --force)");
                }
            }
        } else {
            const char **names = malloc((w->n_scen + 1) * sizeof *names);
            for (size_t i = 0; names && i < w->n_scen; i++)
                names[i] = w->scen[i].name;
            if (!names)
                rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            else if (cs_wr_attr_strs(w, w->file, "scenarios", w->n_scen, names) < 0)
                rc = cs_wr_h5_fail(w, err, "cannot write the list of scenarios");
            free(names);
        }
        for (size_t i = 0; i < w->n_scen; i++)
            cs_wr_scen_close_dsets(&w->scen[i]);
        if (H5Fclose(w->file) < 0 && !rc) rc = cs_wr_h5_fail(w, err, "cannot close");
        w->file = H5I_INVALID_HID;
    }
    rc = cs_wr_agree(w, rc, err);
    if (!rc) {
        hid_t fapl = cs_wr_make_fapl(false, w->par);
        w->file = fapl < 0 ? H5I_INVALID_HID : H5Fopen(w->part, H5F_ACC_RDWR, fapl);
        if (fapl >= 0) H5Pclose(fapl);
        rc = cs_wr_agree(w, w->file < 0 ? cs_wr_h5_fail(w, err, "cannot open with MPI-IO") : CS_OK,
                         err);
    }
    for (size_t i = 0; !rc && i < w->n_scen; i++) {
        cs_wscen *sc = &w->scen[i];
        if (sc->written == w->replications) continue;
        char what[300];
        snprintf(what, sizeof what, "cannot open the datasets of scenario '%s'", sc->name);
        rc = cs_wr_agree(w, scen_open_par(w, sc) < 0 ? cs_wr_h5_fail(w, err, what) : CS_OK, err);
    }
    if (rc) {
        w->failed = true;
        return rc;
    }
    w->begun = true;
    return CS_OK;
}
