/* Resuming PATH.part: the superblock repaired (h5file.c), the run checked against the file,
 * and the committed prefix kept: copied into a new file (one process; a chunk torn by a kill
 * is rescued by salvage.c when it can be proved, and otherwise the longest prefix that reads
 * back is kept, by bisection) or truncated in place (MPI). */
#include "salvage.h"
#include "writer_impl.h"

#include <stdio.h>
#include <sys/stat.h>

int cs_wr_mismatch(cs_writer *w, cs_error *err, const char *what)
{
    w->failed = true;
    return cs_error_set(err, CS_EMISMATCH, w->part, 0, 0, NULL,
                        "cannot resume: %s differs from this run (start again with --force)", what);
}

static bool streq(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

/* True when PATH.part cannot hold a committed replication: it is empty or a bare superblock,
 * or its superblock (v2/v3: byte 11 holds the status flags) never had the SWMR-writing flag
 * (0x04) that cs_writer_begin sets before the first commit. A writer killed while creating
 * objects leaves such a file, which HDF5 may be unable to open. */
static bool never_began(const char *path)
{
    unsigned char sb[48];
    struct stat st;
    if (stat(path, &st) != 0) return false;
    if (st.st_size == 0) return true;
    char *cmd, *cwd;
    bool ours = cs_h5_userblock_read(path, &cmd, &cwd) == 0;
    free(cmd), free(cwd);
    FILE *fp = fopen(path, "rb");
    if (!fp) return false;
    long at = cs_h5_superblock_find(fp, sb);
    fclose(fp);
    if (at < 0) return ours; /* our user block alone: stopped inside H5Fcreate */
    return sb[8] >= 2 && (sb[11] & 0x04) == 0;
}

/* Reopens PATH.part. Returns 1 when the file holds nothing committed (the run died before
 * cs_writer_begin) and should be recreated. */
static int reopen_check(cs_writer *w, const cs_writer_opts *o, const h5_detail *dp, cs_error *err);

int cs_wr_reopen_file(cs_writer *w, const cs_writer_opts *o, cs_error *err)
{
    /* One process: the superblock's end of allocation is made to agree with the file's size
     * (cs_h5_superblock_fit: one checksummed 48-byte write, or the file extended with zeros),
     * and the file is then only read, as a SWMR reader: the committed prefix is copied into a
     * new file (cs_writer_add_scenario). HDF5 never opens the interrupted file for writing, so
     * a resume killed at any instant leaves it as it was.
     * Several processes (MPI-IO, no SWMR): reopened for writing and truncated in place. */
    cs_h5_superblock_fit(w->part);
    if (!w->mpi) {
        hid_t rfapl = cs_h5_fapl_reader();
        w->file = rfapl < 0 ? H5I_INVALID_HID
                            : H5Fopen(w->part, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, rfapl);
        if (w->file < 0 && rfapl >= 0) w->file = H5Fopen(w->part, H5F_ACC_RDONLY, rfapl);
        h5_detail d;
        cs_wr_h5_get_detail(&d);
        if (rfapl >= 0) H5Pclose(rfapl);
        return reopen_check(w, o, &d, err);
    }
    hid_t fapl = cs_wr_make_fapl(true, NULL);
    if (fapl >= 0 && H5Pset_metadata_read_attempts(fapl, CS_METADATA_READ_ATTEMPTS) < 0) {
        H5Pclose(fapl);
        fapl = H5I_INVALID_HID;
    }
    w->file =
        fapl < 0 ? H5I_INVALID_HID : H5Fopen(w->part, H5F_ACC_RDWR | H5F_ACC_SWMR_WRITE, fapl);
    h5_detail d;
    cs_wr_h5_get_detail(&d); /* before any other call clears the error stack */
    if (fapl >= 0) H5Pclose(fapl);
    if (w->file >= 0 && H5Fincrement_filesize(w->file, 0) < 0) {
        cs_wr_h5_get_detail(&d);
        H5Fclose(w->file);
        w->file = H5I_INVALID_HID;
    }
    return reopen_check(w, o, &d, err);
}

/* The checks of cs_wr_reopen_file on the opened (or not) PATH.part. */
static int reopen_check(cs_writer *w, const cs_writer_opts *o, const h5_detail *dp, cs_error *err)
{
    h5_detail d = *dp;
    if (w->file < 0 && never_began(w->part)) return 1;
    if (w->file < 0) {
        w->failed = true;
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL,
                            "cannot reopen to resume: the file is damaged (%s); remove it or "
                            "start again with --force",
                            d.text);
    }
    w->file_scen = cs_wr_attr_read_strs(w->file, "scenarios", &w->n_file_scen);
    if (!w->file_scen) return 1;
    hid_t r = w->file;
    uint64_t seed = 0, reps = 0, nla = 0;
    double horizon = 0;
    if (cs_wr_attr_read_num(r, "seed", H5T_NATIVE_UINT64, &seed) || seed != o->seed)
        return cs_wr_mismatch(w, err, "the master seed");
    if (cs_wr_attr_read_num(r, "replications", H5T_NATIVE_UINT64, &reps) || reps != o->replications)
        return cs_wr_mismatch(w, err, "the number of replications");
    if (cs_wr_attr_read_num(r, "n_authorities", H5T_NATIVE_UINT64, &nla) || nla != o->n_la)
        return cs_wr_mismatch(w, err, "the number of authorities");
    if (cs_wr_attr_read_num(r, "horizon_years", H5T_NATIVE_DOUBLE, &horizon) ||
        horizon != o->horizon_years)
        return cs_wr_mismatch(w, err, "the horizon");
    const char *keys[] = {"start_date", "stream_scheme"};
    const char *vals[] = {o->start_date, o->stream_scheme};
    for (int i = 0; i < 2; i++) {
        char *s = cs_h5_attr_text(r, keys[i]);
        bool same = s && streq(s, vals[i]);
        free(s);
        if (!same) return cs_wr_mismatch(w, err, keys[i]);
    }
    w->resumed = true;
    if (!w->mpi) { /* the new file is created beside it (open_local) */
        w->old = w->file;
        w->file = H5I_INVALID_HID;
    }
    return CS_OK;
}

static herr_t count_attr(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)loc;
    (void)name;
    (void)info;
    ++*(size_t *)data;
    return 0;
}

/* The scenario in the file is the one declared: same text, sweep point, compression, resolved
 * parameters and time axis. CS_WR_MISMATCH names what differs in `what`. */
static int scen_same(hid_t sg, const cs_out_scenario *s, char *what, size_t n)
{
    char *txt = cs_h5_attr_text(sg, "scenario_text");
    char *pt = cs_h5_attr_text(sg, "sweep_point");
    bool same = txt && pt && streq(txt, s->text) && streq(pt, s->point_desc);
    free(txt);
    free(pt);
    int32_t comp = -1;
    if (!same) {
        snprintf(what, n, "the text of scenario '%s'", s->name);
        return CS_WR_MISMATCH;
    }
    if (cs_wr_attr_read_num(sg, "compression", H5T_NATIVE_INT32, &comp) || comp != s->compression) {
        snprintf(what, n, "the compression of scenario '%s'", s->name);
        return CS_WR_MISMATCH;
    }
    hid_t g = H5Gopen2(sg, "parameters", H5P_DEFAULT);
    size_t n_attr = 0, n_new = 0; /* keys the file lacks, at their defaults */
    int rc = CS_WR_OK;
    if (g < 0 || H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, count_attr, &n_attr) < 0) {
        snprintf(what, n, "the resolved parameters of scenario '%s'", s->name);
        rc = CS_WR_MISMATCH;
    }
    for (size_t i = 0; !rc && i < s->n_resolved; i++) {
        const char *key = s->resolved[i].key;
        htri_t has = H5Aexists(g, key);
        if (has < 0) {
            snprintf(what, n, "the parameters of scenario '%s' (unreadable)", s->name);
            rc = CS_WR_MISMATCH;
            break;
        }
        if (!has && s->resolved_default && s->resolved_default[i]) {
            n_new++;
            continue;
        }
        char *v = cs_h5_attr_text(g, key);
        bool eq = v && streq(v, s->resolved[i].value);
        free(v);
        if (!eq) {
            snprintf(what, n, "parameter '%s' of scenario '%s'", key, s->name);
            rc = CS_WR_MISMATCH;
        }
    }
    if (!rc && n_attr + n_new != s->n_resolved) { /* the file has keys this run does not */
        snprintf(what, n, "the resolved parameters of scenario '%s'", s->name);
        rc = CS_WR_MISMATCH;
    }
    if (g >= 0) H5Gclose(g);
    if (rc) return rc;
    hid_t td = H5Dopen2(sg, "time", H5P_DEFAULT);
    hid_t sp = td < 0 ? td : H5Dget_space(td);
    hssize_t nt = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    double *tv = nt >= 0 ? malloc(((size_t)nt + 1) * sizeof *tv) : NULL;
    bool ok = tv && (size_t)nt == s->n_time &&
              (nt == 0 || H5Dread(td, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, tv) >= 0);
    for (size_t t = 0; ok && t < s->n_time; t++)
        ok = tv[t] == s->time_days[t];
    free(tv);
    if (sp >= 0) H5Sclose(sp);
    if (td >= 0) H5Dclose(td);
    if (!ok) {
        snprintf(what, n, "the time axis of scenario '%s'", s->name);
        return CS_WR_MISMATCH;
    }
    return CS_WR_OK;
}

/* Opens the appendable datasets of the scenario (resume in place, MPI), checking their shapes:
 * CS_WR_MISMATCH when the layout is not this run's. */
static int scen_open_dsets(cs_writer *w, cs_wscen *sc, hid_t sg, const cs_out_scenario *s)
{
    const cs_schema *sch = s->schema;
    hsize_t row[3] = {0, 0, 0};
    int st = cs_wr_wdset_open(&sc->rep, sg, "replication", H5T_NATIVE_UINT64, 1, row);
    if (st == -2) return CS_WR_MISMATCH;
    if (st < 0) return CS_WR_H5;
    if ((H5Lexists(sg, "national", H5P_DEFAULT) > 0) != s->national ||
        (H5Lexists(sg, "panel", H5P_DEFAULT) > 0) != (s->panel && sch->n_panel > 0) ||
        (H5Lexists(sg, "events", H5P_DEFAULT) > 0) != s->events)
        return CS_WR_MISMATCH;
    int rc = CS_WR_OK;
    hid_t g;
    if (s->national) {
        g = H5Gopen2(sg, "national", H5P_DEFAULT);
        rc = g < 0 ? CS_WR_MISMATCH : CS_WR_OK;
        for (size_t i = 0; !rc && i < sch->n_series; i++) {
            const cs_series_def *sd = &sch->series[i];
            uint32_t wd = sd->width ? sd->width : 1;
            row[1] = s->n_time;
            row[2] = wd;
            if (cs_wr_wdset_open(&sc->series[i], g, sd->name, H5T_NATIVE_DOUBLE, wd > 1 ? 3 : 2,
                                 row))
                rc = CS_WR_MISMATCH;
        }
        if (g >= 0) H5Gclose(g);
    }
    if (!rc && s->panel && sch->n_panel > 0) {
        g = H5Gopen2(sg, "panel", H5P_DEFAULT);
        rc = g < 0 ? CS_WR_MISMATCH : CS_WR_OK;
        for (size_t i = 0; !rc && i < sch->n_panel; i++) {
            hid_t ft, mt;
            if (cs_wr_panel_types(sc, &sch->panel[i], &ft, &mt) < 0) {
                rc = CS_WR_H5;
                break;
            }
            row[1] = s->n_time;
            row[2] = w->n_la;
            if (cs_wr_wdset_open(&sc->panels[i], g, sch->panel[i].name, mt, 3, row))
                rc = CS_WR_MISMATCH;
        }
        if (g >= 0) H5Gclose(g);
    }
    const char *gname[] = {"summary", "authority_stats", "drawn"};
    size_t gn[] = {sch->n_summary, sch->n_lastat, s->n_uncertain};
    cs_wdset *gd[] = {sc->summary, sc->lastat, sc->drawn};
    for (int k = 0; !rc && k < 3; k++) {
        if (gn[k] == 0) continue;
        g = H5Gopen2(sg, gname[k], H5P_DEFAULT);
        if (g < 0) return CS_WR_MISMATCH;
        row[1] = w->n_la;
        for (size_t i = 0; !rc && i < gn[k]; i++) {
            const char *nm = k == 0   ? sch->summary[i].name
                             : k == 1 ? sch->lastat[i].name
                                      : s->uncertain_names[i];
            if (cs_wr_wdset_open(&gd[k][i], g, nm, H5T_NATIVE_DOUBLE, k == 1 ? 2 : 1, row))
                rc = CS_WR_MISMATCH;
        }
        H5Gclose(g);
    }
    if (!rc && s->events) {
        hid_t ft;
        if (cs_wr_event_types(sc, sch, &ft) < 0) return CS_WR_H5;
        H5Tclose(ft);
        sc->d_events = H5Dopen2(sg, "events", H5P_DEFAULT);
        if (sc->d_events < 0) return CS_WR_MISMATCH;
    }
    return rc;
}

/* Shrinks every dataset past the committed prefix (a partly written replication). */
static int scen_truncate(cs_wscen *sc, const cs_out_scenario *s)
{
    const cs_schema *sch = s->schema;
    cs_wdset *lists[] = {sc->series, sc->panels, sc->summary, sc->lastat, sc->drawn};
    size_t ln[] = {s->national ? sch->n_series : 0, s->panel ? sch->n_panel : 0, sch->n_summary,
                   sch->n_lastat, s->n_uncertain};
    if (cs_wr_wdset_resize(&sc->rep, sc->committed) < 0) return CS_WR_H5;
    for (int k = 0; k < 5; k++)
        for (size_t i = 0; i < ln[k]; i++)
            if (cs_wr_wdset_resize(&lists[k][i], sc->committed) < 0) return CS_WR_H5;
    if (s->events) {
        hsize_t n = sc->ev_committed;
        if (H5Dset_extent(sc->d_events, &n) < 0) return CS_WR_H5;
    }
    return CS_WR_OK;
}

/* Resume: checks that the scenario in the file is the one declared, reads its progress, and
 * (in place, MPI) opens its datasets and shrinks them to the committed prefix. */
int cs_wr_reopen_scenario(cs_writer *w, cs_wscen *sc, const cs_out_scenario *s, cs_error *err)
{
    size_t idx = w->n_scen;
    char what[300];
    snprintf(what, sizeof what, "scenario '%s'", s->name);
    if (idx >= w->n_file_scen || strcmp(w->file_scen[idx], s->name))
        return cs_wr_mismatch(w, err, "the list of scenarios");
    bool copy = w->old >= 0; /* only check and read progress: the data are copied */
    hid_t root = H5Gopen2(copy ? w->old : w->file, "scenarios", H5P_DEFAULT);
    hid_t sg = root < 0 ? root : H5Gopen2(root, s->name, H5P_DEFAULT);
    if (root >= 0) H5Gclose(root);
    if (sg < 0) return cs_wr_mismatch(w, err, what);
    int rc = scen_same(sg, s, what, sizeof what);
    /* Progress and the committed prefix. */
    uint64_t prog[2] = {0, 0};
    if (!rc) {
        sc->d_progress = H5Dopen2(sg, "progress", H5P_DEFAULT);
        if (sc->d_progress < 0 ||
            H5Dread(sc->d_progress, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, prog) < 0)
            rc = CS_WR_H5;
    }
    if (!rc && prog[0] > w->replications) {
        snprintf(what, sizeof what, "the progress of scenario '%s'", s->name);
        rc = CS_WR_MISMATCH;
    }
    if (!rc) {
        sc->written = sc->committed = prog[0];
        sc->ev_written = sc->ev_committed = prog[1];
    }
    if (!rc && copy) {
        H5Dclose(sc->d_progress);
        sc->d_progress = H5I_INVALID_HID;
    } else if (!rc) {
        snprintf(what, sizeof what, "the datasets of scenario '%s'", s->name);
        rc = scen_open_dsets(w, sc, sg, s);
        if (!rc) {
            snprintf(what, sizeof what, "cannot truncate scenario '%s' to its committed prefix",
                     s->name);
            rc = scen_truncate(sc, s);
        }
        /* (cs_writer_begin reads the whole truncated file back before anything is written) */
    }
    H5Gclose(sg);
    if (rc == CS_WR_MISMATCH) return cs_wr_mismatch(w, err, what);
    if (rc) return cs_wr_h5_fail(w, err, what);
    return CS_OK;
}

/* Copies rows [0, n) of dataset `from` into `to` (same shape but along dimension 0, and the
 * same type), a few MiB at a time. */
static herr_t copy_rows(hid_t from, hid_t to, hsize_t n)
{
    hid_t t = H5Dget_type(to), fs = H5Dget_space(from), ts = H5I_INVALID_HID;
    hsize_t dims[3] = {0, 1, 1}, tdims[3] = {0, 1, 1};
    int rank = fs < 0 ? -1 : H5Sget_simple_extent_ndims(fs);
    herr_t r = t < 0 || rank < 1 || rank > 3 ? -1 : 0;
    if (r >= 0) H5Sget_simple_extent_dims(fs, dims, NULL);
    if (r >= 0 && (dims[0] < n || H5Dset_extent(to, (hsize_t[3]){n, dims[1], dims[2]}) < 0)) r = -1;
    if (r >= 0) {
        ts = H5Dget_space(to);
        if (ts < 0 || H5Sget_simple_extent_ndims(ts) != rank) r = -1;
        if (r >= 0) H5Sget_simple_extent_dims(ts, tdims, NULL);
        for (int i = 1; r >= 0 && i < rank; i++)
            if (tdims[i] != dims[i]) r = -1;
    }
    size_t row = r >= 0 ? H5Tget_size(t) : 0;
    for (int i = 1; i < rank; i++)
        row *= (size_t)dims[i];
    hsize_t step = row ? (hsize_t)((4u << 20) / row) : 1;
    if (step < 1) step = 1;
    void *buf = r >= 0 && n > 0 ? malloc((size_t)(step < n ? step : n) * row) : NULL;
    if (n > 0 && !buf) r = -1;
    for (hsize_t at = 0; r >= 0 && at < n; at += step) {
        hsize_t start[3] = {at, 0, 0}, cnt[3] = {n - at < step ? n - at : step, dims[1], dims[2]};
        hid_t ms = H5Screate_simple(rank, cnt, NULL);
        r = ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, cnt, NULL);
        if (r >= 0) r = H5Sselect_hyperslab(ts, H5S_SELECT_SET, start, NULL, cnt, NULL);
        if (r >= 0 && H5Dread(from, t, ms, fs, H5P_DEFAULT, buf) < 0) /* a torn chunk? */
            r = cs_h5_salvage_read(from, t, rank, dims, at, cnt[0], buf);
        if (r >= 0) r = H5Dwrite(to, t, ms, ts, H5P_DEFAULT, buf);
        if (ms >= 0) H5Sclose(ms);
    }
    free(buf);
    if (ts >= 0) H5Sclose(ts);
    if (fs >= 0) H5Sclose(fs);
    if (t >= 0) H5Tclose(t);
    return r;
}

typedef struct copy_ctx {
    hid_t from; /* the interrupted file's scenario group */
    hsize_t rows, events;
    bool missing; /* a dataset of the new layout is not in the old file: another run */
} copy_ctx;

/* Every appendable dataset of the new scenario group gets its committed rows from the old. */
static herr_t copy_cb(hid_t loc, const char *name, const H5O_info_t *info, void *data)
{
    copy_ctx *c = data;
    if (info->type != H5O_TYPE_DATASET) return 0;
    hid_t to = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t sp = to < 0 ? to : H5Dget_space(to);
    hsize_t maxd[3] = {0, 0, 0};
    int rank = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, NULL, maxd);
    if (sp >= 0) H5Sclose(sp);
    herr_t r = rank < 0 ? -1 : 0;
    if (r >= 0 && rank >= 1 && maxd[0] == H5S_UNLIMITED) {
        hid_t from = H5Lexists(c->from, name, H5P_DEFAULT) > 0
                         ? H5Dopen2(c->from, name, H5P_DEFAULT)
                         : H5I_INVALID_HID;
        if (from < 0) {
            c->missing = true;
            r = -1;
        } else {
            r = copy_rows(from, to, strcmp(name, "events") ? c->rows : c->events);
            H5Dclose(from);
        }
    }
    if (to >= 0) H5Dclose(to);
    return r < 0 ? -1 : 0;
}

/* Resume by copy: the committed prefix of scenario sc, created afresh in the new file, is
 * copied from the interrupted one (every chunk read back: checksums and decompression) and
 * recorded as the new file's progress. */
/* Copies the first `rows` replications (and `events` event rows) of the scenario at `path`:
 * 0, or -1 when something of them cannot be read back. */
static herr_t copy_rows_of(cs_writer *w, const char *path, uint64_t rows, uint64_t events)
{
    copy_ctx c = {.from = H5Gopen2(w->old, path, H5P_DEFAULT), .rows = rows, .events = events};
    hid_t to = H5Gopen2(w->file, path, H5P_DEFAULT);
    herr_t r = c.from < 0 || to < 0
                   ? -1
                   : H5Ovisit2(to, H5_INDEX_NAME, H5_ITER_INC, copy_cb, &c, H5O_INFO_BASIC);
    if (c.from >= 0) H5Gclose(c.from);
    if (to >= 0) H5Gclose(to);
    return r < 0 || c.missing ? -1 : 0;
}

/* The event rows of the first n replications (events are in replication order): the rows
 * before the first whose replication is n or more; false when they cannot be read. */
static bool events_before(cs_writer *w, const char *path, uint64_t ev, uint64_t n, uint64_t *out)
{
    *out = 0;
    if (ev == 0) return true;
    char p[700];
    snprintf(p, sizeof p, "%s/events", path);
    hid_t d = H5Dopen2(w->old, p, H5P_DEFAULT);
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(uint32_t));
    uint32_t *rep = malloc((size_t)ev * sizeof *rep);
    hid_t fs = d < 0 ? d : H5Dget_space(d);
    hsize_t start = 0, cnt = ev;
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    bool ok = d >= 0 && mt >= 0 && rep && fs >= 0 && ms >= 0 &&
              H5Tinsert(mt, "replication", 0, H5T_NATIVE_UINT32) >= 0 &&
              H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL) >= 0 &&
              H5Dread(d, mt, ms, fs, H5P_DEFAULT, rep) >= 0;
    if (ok)
        while (*out < ev && rep[*out] < n)
            (*out)++;
    free(rep);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (mt >= 0) H5Tclose(mt);
    if (d >= 0) H5Dclose(d);
    return ok;
}

int cs_wr_copy_prefix(cs_writer *w, cs_wscen *sc, const char *name, cs_error *err)
{
    uint64_t rows = sc->committed, events = sc->ev_committed;
    char path[600];
    snprintf(path, sizeof path, "/scenarios/%s", name);
    if (copy_rows_of(w, path, rows, events) < 0) {
        /* Part of the committed prefix does not read back: a writer killed while HDF5 was
         * flushing can, rarely, leave it so (HDF5 1.10.8). Every chunk is checksummed, so what
         * reads back is right: keep the longest prefix that does (bisection) and run the
         * rest again. The data are still those of an uninterrupted run. */
        uint64_t lo = 0, hi = rows, ev_lo = 0;
        while (hi - lo > 1) {
            uint64_t mid = lo + (hi - lo) / 2, ev = 0;
            if (events_before(w, path, events, mid, &ev) && copy_rows_of(w, path, mid, ev) == 0)
                lo = mid, ev_lo = ev;
            else
                hi = mid;
        }
        /* Nothing of it reads back (a kill can also leave a dataset's header unreadable): the
         * new file's datasets are still empty, so the scenario starts afresh. */
        if (copy_rows_of(w, path, lo, ev_lo) < 0) {
            if (lo > 0) return cs_wr_h5_fail(w, err, "cannot resume: the file is damaged");
            ev_lo = 0; /* every dataset it reached is back to 0 rows; the rest were never touched */
        }
        fprintf(stderr,
                "cssim: warning: %s: only %llu of the %llu finished replications of scenario "
                "'%s' could be read back (the run was killed mid-write); the others are run "
                "again\n",
                w->part, (unsigned long long)lo, (unsigned long long)rows, name);
        rows = lo;
        events = ev_lo;
    }
    size_t i = 0;
    for (cs_wdset *d; (d = cs_wr_next_wdset(sc, &i));)
        d->dims[0] = rows;
    sc->written = sc->committed = rows;
    sc->ev_written = sc->ev_committed = events;
    uint64_t p[2] = {rows, events};
    if (H5Dwrite(sc->d_progress, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, p) < 0)
        return cs_wr_h5_fail(w, err, "cannot record progress");
    return CS_OK;
}
