/* The writer's schema: HDF5 types, attributes, appendable datasets and the per-scenario
 * set of them (cs_wscen). No file-level decisions here: the other writer files call these. */
#include "writer_impl.h"

/* No object timestamps, no attribute creation order: identical data, identical bytes. */
hid_t cs_wr_plist_untimed(hid_t cls)
{
    hid_t p = H5Pcreate(cls);
    if (p >= 0 && H5Pset_obj_track_times(p, 0) < 0) {
        H5Pclose(p);
        return H5I_INVALID_HID;
    }
    return p;
}

hid_t cs_wr_file_type(cs_vtype t)
{
    switch (t) {
    case CS_VT_I32:
        return H5T_STD_I32LE;
    case CS_VT_F64:
        return H5T_IEEE_F64LE;
    case CS_VT_F32:
        return H5T_IEEE_F32LE;
    case CS_VT_U8:
        return H5T_STD_U8LE;
    }
    return H5T_IEEE_F64LE;
}

static hid_t mem_type(cs_vtype t)
{
    switch (t) {
    case CS_VT_I32:
        return H5T_NATIVE_INT32;
    case CS_VT_F64:
        return H5T_NATIVE_DOUBLE;
    case CS_VT_F32:
        return H5T_NATIVE_FLOAT;
    case CS_VT_U8:
        return H5T_NATIVE_UINT8;
    }
    return H5T_NATIVE_DOUBLE;
}

size_t cs_wr_vt_size(cs_vtype t)
{
    switch (t) {
    case CS_VT_I32:
        return 4;
    case CS_VT_F64:
        return 8;
    case CS_VT_F32:
        return 4;
    case CS_VT_U8:
        return 1;
    }
    return 8;
}

/* An enum type on `base` (H5T_STD_U8LE or H5T_STD_I16LE) with value i named labels[i]. */
static hid_t enum_type(const cs_enum_def *e, hid_t base)
{
    hid_t t = H5Tenum_create(base);
    if (t < 0) return t;
    bool wide = H5Tget_size(base) == 2;
    for (size_t i = 0; i < e->n; i++) {
        uint8_t v8 = (uint8_t)i;
        int16_t v16 = (int16_t)i;
        if (H5Tenum_insert(t, e->labels[i], wide ? (const void *)&v16 : (const void *)&v8) < 0) {
            H5Tclose(t);
            return H5I_INVALID_HID;
        }
    }
    return t;
}

static int add_type(cs_wscen *sc, hid_t t)
{
    hid_t *n = realloc(sc->types, (sc->n_types + 1) * sizeof *n);
    if (!n) return CS_ENOMEM;
    sc->types = n;
    sc->types[sc->n_types++] = t;
    return CS_OK;
}

herr_t cs_wr_attr_write(hid_t obj, const char *name, hid_t ftype, hid_t mtype, hid_t space,
                        const void *buf)
{
    hid_t a = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t r = H5Awrite(a, mtype, buf);
    H5Aclose(a);
    return r;
}

herr_t cs_wr_attr_scalar(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    herr_t r = cs_wr_attr_write(obj, name, ftype, mtype, s, v);
    H5Sclose(s);
    return r;
}

herr_t cs_wr_attr_str(const cs_writer *w, hid_t obj, const char *name, const char *v)
{
    const char *p = v ? v : "";
    return cs_wr_attr_scalar(obj, name, w->t_str, w->t_str, &p);
}

herr_t cs_wr_attr_strs(const cs_writer *w, hid_t obj, const char *name, size_t n,
                       const char *const *v)
{
    hsize_t d = n;
    hid_t s = H5Screate_simple(1, &d, NULL);
    herr_t r = cs_wr_attr_write(obj, name, w->t_str, w->t_str, s, v);
    H5Sclose(s);
    return r;
}

herr_t cs_wr_attr_u64(hid_t obj, const char *name, uint64_t v)
{
    return cs_wr_attr_scalar(obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
}

herr_t cs_wr_attr_f64(hid_t obj, const char *name, double v)
{
    return cs_wr_attr_scalar(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

herr_t cs_wr_attr_i32(hid_t obj, const char *name, int32_t v)
{
    return cs_wr_attr_scalar(obj, name, H5T_STD_I32LE, H5T_NATIVE_INT32, &v);
}

int cs_wr_attr_read_num(hid_t obj, const char *name, hid_t mtype, void *v)
{
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t r = H5Aread(a, mtype, v);
    H5Aclose(a);
    return r < 0 ? -1 : 0;
}

/* Reads a 1-D variable-length string attribute; *n strings, free with cs_wr_free_strs. */
char **cs_wr_attr_read_strs(hid_t obj, const char *name, size_t *n)
{
    *n = 0;
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t sp = H5Aget_space(a);
    hssize_t cnt = H5Sget_simple_extent_npoints(sp);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    char **raw = cnt > 0 ? calloc((size_t)cnt, sizeof *raw) : NULL;
    char **out = cnt > 0 ? calloc((size_t)cnt, sizeof *out) : NULL;
    bool ok = raw && out && H5Aread(a, mt, raw) >= 0;
    for (hssize_t i = 0; ok && i < cnt; i++) {
        out[i] = cs_wr_dup_str(raw[i] ? raw[i] : "");
        ok = out[i] != NULL;
    }
    if (raw && ok) H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, raw);
    H5Tclose(mt);
    H5Sclose(sp);
    H5Aclose(a);
    free(raw);
    if (!ok) {
        if (out)
            for (hssize_t i = 0; i < cnt; i++)
                free(out[i]);
        free(out);
        return NULL;
    }
    *n = (size_t)cnt;
    return out;
}

void cs_wr_free_strs(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* early: allocate chunks when the dataset is extended (several ranks: parallel HDF5 writes
 * only to allocated chunks, and creates its own datasets so). */
hid_t cs_wr_dset_create(hid_t loc, const char *name, hid_t ftype, int rank, const hsize_t *dims,
                        const hsize_t *chunk, int compression, bool early)
{
    hid_t dcpl = cs_wr_plist_untimed(H5P_DATASET_CREATE);
    if (dcpl < 0) return dcpl;
    if (early && H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0) goto fail;
    hsize_t maxd[3];
    for (int i = 0; i < rank; i++)
        maxd[i] = dims[i];
    if (chunk) {
        maxd[0] = H5S_UNLIMITED;
        if (H5Pset_chunk(dcpl, rank, chunk) < 0) goto fail;
        if (compression > 0 &&
            (H5Pset_shuffle(dcpl) < 0 ||
             H5Pset_deflate(dcpl, (unsigned)(compression > 9 ? 9 : compression)) < 0))
            goto fail;
        /* Every chunk carries a Fletcher-32 checksum, the growing last one included: a damaged
         * chunk fails to read (resume reads the whole file back first) instead of returning
         * wrong numbers. The last chunk is filtered anew at each commit, written to fresh
         * space (SWMR does not reuse space): a reader sees its old or new version, whole. */
        if (H5Pset_fletcher32(dcpl) < 0) goto fail;
    }
    hid_t sp = H5Screate_simple(rank, dims, maxd);
    hid_t d =
        sp < 0 ? H5I_INVALID_HID : H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (sp >= 0) H5Sclose(sp);
    H5Pclose(dcpl);
    return d;
fail:
    H5Pclose(dcpl);
    return H5I_INVALID_HID;
}

/* A fixed, fully written 1-D dataset. */
hid_t cs_wr_dset_fixed(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hsize_t n,
                       const void *buf)
{
    hid_t d = cs_wr_dset_create(loc, name, ftype, 1, &n, NULL, 0, false);
    if (d < 0 || n == 0) return d;
    /* A conversion buffer the size of the data (HDF5 1.10 would calloc 1 MiB by default for
     * each of these writes: 15 MiB zeroed at every file creation, a tenth of a short run). */
    size_t ms = H5Tget_size(mtype), fs = H5Tget_size(ftype);
    size_t bytes = (size_t)n * (ms > fs ? ms : fs);
    hid_t x = H5Pcreate(H5P_DATASET_XFER);
    herr_t r = x < 0 || H5Pset_buffer(x, bytes < 4096 ? 4096 : bytes, NULL, NULL) < 0
                   ? -1
                   : H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, x, buf);
    if (x >= 0) H5Pclose(x);
    if (r < 0) {
        H5Dclose(d);
        return H5I_INVALID_HID;
    }
    return d;
}

hid_t cs_wr_dset_strings(const cs_writer *w, hid_t loc, const char *name, size_t n,
                         const char *const *v)
{
    return cs_wr_dset_fixed(loc, name, w->t_str, w->t_str, n, v);
}

/* k rows of `row_bytes` per chunk: ~CS_CHUNK_TARGET, at most the run's replications. */
static hsize_t rows_per_chunk(size_t row_bytes, uint64_t replications, hsize_t cap)
{
    hsize_t k = row_bytes ? CS_CHUNK_TARGET / row_bytes : cap;
    if (k > cap) k = cap;
    if (replications > 0 && k > replications) k = replications;
    return k ? k : 1;
}

/* One process: a chunk holds whole commit intervals, the fewest that make CS_CHUNK_MIN_ROWS
 * rows and CS_CHUNK_MIN_BYTES bytes (the rows at most CS_COMMIT_MAX_ROWS), at most CS_CHUNK_MAX
 * bytes (writer_pack.c writes each chunk once, whole, when its last replication arrives; a
 * commit within a chunk writes it again). Several ranks: each writes blocks of round_rows
 * replications (the last round's shorter), and parallel HDF5 compresses a chunk on one rank, after
 * gathering its rows there, and again at every write that leaves it partial: chunks of a divisor of
 * round_rows rows, at most a rank's share of the run, are each written whole by one rank, so the
 * ranks compress in parallel and once (cs_writer_rows_align tells the runner where blocks may
 * start). */
/* With replications per rank and round m (0: none), the largest divisor of m that is at most
 * k rows (k itself when m is 0, or when k is 0 or 1). */
static hsize_t divisor_at_most(uint64_t m, hsize_t k)
{
    if (m == 0) return k;
    if (k >= m) return (hsize_t)m;
    while (k > 1 && m % k)
        k--;
    return k;
}

hsize_t cs_wr_rows_chunk(const cs_writer *w, size_t row_bytes, hsize_t cap)
{
    if (!w->mpi) {
        hsize_t c = w->commit_every ? w->commit_every : 1, want = CS_CHUNK_MIN_ROWS;
        if (row_bytes && want * row_bytes < CS_CHUNK_MIN_BYTES)
            want = (CS_CHUNK_MIN_BYTES + row_bytes - 1) / row_bytes;
        if (want > CS_COMMIT_MAX_ROWS) want = CS_COMMIT_MAX_ROWS;
        hsize_t k = (want + c - 1) / c * c;
        if (row_bytes && k * row_bytes > CS_CHUNK_MAX) k = CS_CHUNK_MAX / row_bytes;
        if (k > cap) k = cap;
        if (w->replications > 0 && k > w->replications) k = w->replications;
        /* rank 0 of several (writer_dist.c): the other ranks' blocks hold whole chunks they
         * filter themselves; but a dataset whose block would be a chunk of a few bytes (a
         * summary, the replication index: 128 bytes a block) keeps one process's chunks, and
         * its rows travel to rank 0 as they are: one chunk per 1024 replications rather than
         * one per block */
        if (w->round_rows && (uint64_t)row_bytes * w->round_rows >= CS_DIST_CHUNK_MIN)
            k = divisor_at_most(w->round_rows, k);
        return k ? k : 1;
    }
    uint64_t ranks = (uint64_t)cs_par_size(w->par);
    return divisor_at_most(w->round_rows,
                           rows_per_chunk(row_bytes, (w->replications + ranks - 1) / ranks, cap));
}

/* Creates an appendable dataset [0, dims[1], dims[2]] and prepares its memory slab. */
int cs_wr_wdset_create(cs_wdset *d, hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                       const hsize_t *row, const hsize_t *chunk, int compression, bool early)
{
    d->rank = rank;
    d->dims[0] = 0;
    for (int i = 1; i < rank; i++)
        d->dims[i] = row[i];
    d->mtype = mtype;
    d->id = cs_wr_dset_create(loc, name, ftype, rank, d->dims, chunk, compression, early);
    return d->id < 0 ? -1 : 0;
}

static int wdset_prepare(cs_wdset *d)
{
    hsize_t m[3] = {1, d->dims[1], d->dims[2]};
    d->mspace = H5Screate_simple(d->rank, m, NULL);
    return d->mspace < 0 ? -1 : 0;
}

/* Opens an existing appendable dataset (resume), checking the fixed dimensions. */
int cs_wr_wdset_open(cs_wdset *d, hid_t loc, const char *name, hid_t mtype, int rank,
                     const hsize_t *row)
{
    d->id = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d->id < 0) return -1;
    hid_t sp = H5Dget_space(d->id);
    int r = H5Sget_simple_extent_ndims(sp);
    hsize_t cur[3] = {0, 0, 0};
    if (r == rank) H5Sget_simple_extent_dims(sp, cur, NULL);
    H5Sclose(sp);
    if (r != rank) return -2;
    for (int i = 1; i < rank; i++)
        if (cur[i] != row[i]) return -2;
    d->rank = rank;
    d->mtype = mtype;
    for (int i = 0; i < rank; i++)
        d->dims[i] = cur[i];
    return 0;
}

static void wdset_close(cs_wdset *d)
{
    if (d->mspace > 0) H5Sclose(d->mspace);
    if (d->id > 0) H5Dclose(d->id);
    d->mspace = d->id = H5I_INVALID_HID;
}

/* Sets the length along dimension 0 (grow for a write, shrink on resume). */
herr_t cs_wr_wdset_resize(cs_wdset *d, hsize_t n)
{
    hsize_t dims[3] = {n, d->dims[1], d->dims[2]};
    if (H5Dset_extent(d->id, dims) < 0) return -1;
    d->dims[0] = n;
    return 0;
}

/* Appends row `r` (which must equal the current length). */
herr_t cs_wr_wdset_append(cs_wdset *d, hid_t dxpl, hsize_t r, const void *buf)
{
    if (cs_wr_wdset_resize(d, r + 1) < 0) return -1;
    hid_t fs = H5Dget_space(d->id);
    if (fs < 0) return -1;
    hsize_t start[3] = {r, 0, 0}, count[3] = {1, d->dims[1], d->dims[2]};
    herr_t st = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    if (st >= 0) st = H5Dwrite(d->id, d->mtype, d->mspace, fs, dxpl, buf);
    H5Sclose(fs);
    return st;
}

static hid_t event_file_type(hid_t t_type)
{
    /* Packed little-endian rows (30 bytes) so the table has the same bytes on every host. */
    hid_t t = H5Tcreate(H5T_COMPOUND, CS_EVENT_SIZE);
    if (t < 0) return t;
    if (H5Tinsert(t, "replication", 0, H5T_STD_U32LE) < 0 ||
        H5Tinsert(t, "time", 4, H5T_IEEE_F64LE) < 0 ||
        H5Tinsert(t, "authority", 12, H5T_STD_I32LE) < 0 || H5Tinsert(t, "type", 16, t_type) < 0 ||
        H5Tinsert(t, "before", 18, H5T_STD_I16LE) < 0 ||
        H5Tinsert(t, "after", 20, H5T_STD_I16LE) < 0 ||
        H5Tinsert(t, "value", 22, H5T_IEEE_F64LE) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

static hid_t event_mem_type(hid_t t_type)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(cs_evrec));
    if (t < 0) return t;
    if (H5Tinsert(t, "replication", offsetof(cs_evrec, replication), H5T_NATIVE_UINT32) < 0 ||
        H5Tinsert(t, "time", offsetof(cs_evrec, time), H5T_NATIVE_DOUBLE) < 0 ||
        H5Tinsert(t, "authority", offsetof(cs_evrec, authority), H5T_NATIVE_INT32) < 0 ||
        H5Tinsert(t, "type", offsetof(cs_evrec, type), t_type) < 0 ||
        H5Tinsert(t, "before", offsetof(cs_evrec, before), H5T_NATIVE_INT16) < 0 ||
        H5Tinsert(t, "after", offsetof(cs_evrec, after), H5T_NATIVE_INT16) < 0 ||
        H5Tinsert(t, "value", offsetof(cs_evrec, value), H5T_NATIVE_DOUBLE) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

int cs_wr_scen_alloc(cs_wscen *sc, const cs_out_scenario *s)
{
    const cs_schema *sch = s->schema;
    sc->series = calloc(sch->n_series + 1, sizeof *sc->series);
    sc->panels = calloc(sch->n_panel + 1, sizeof *sc->panels);
    sc->summary = calloc(sch->n_summary + 1, sizeof *sc->summary);
    sc->lastat = calloc(sch->n_lastat + 1, sizeof *sc->lastat);
    sc->drawn = calloc(s->n_uncertain + 1, sizeof *sc->drawn);
    sc->name = cs_wr_dup_str(s->name);
    if (!sc->series || !sc->panels || !sc->summary || !sc->lastat || !sc->drawn || !sc->name) {
        sc->open = false; /* no handles to close: cs_wr_scen_free only frees */
        return CS_ENOMEM;
    }
    sc->d_events = sc->d_progress = sc->t_ev_mem = H5I_INVALID_HID;
    sc->rep.id = sc->rep.mspace = H5I_INVALID_HID;
    cs_wdset *all[] = {sc->series, sc->panels, sc->summary, sc->lastat, sc->drawn};
    size_t ns[] = {sch->n_series, sch->n_panel, sch->n_summary, sch->n_lastat, s->n_uncertain};
    for (int k = 0; k < 5; k++)
        for (size_t i = 0; i < ns[k]; i++)
            all[k][i].id = all[k][i].mspace = H5I_INVALID_HID;
    return CS_OK;
}

/* Closes the dataset handles (not the types). */
void cs_wr_scen_close_dsets(cs_wscen *sc)
{
    const cs_schema *sch = sc->schema;
    wdset_close(&sc->rep);
    for (size_t i = 0; i < sch->n_series; i++)
        wdset_close(&sc->series[i]);
    for (size_t i = 0; i < sch->n_panel; i++)
        wdset_close(&sc->panels[i]);
    for (size_t i = 0; i < sch->n_summary; i++)
        wdset_close(&sc->summary[i]);
    for (size_t i = 0; i < sch->n_lastat; i++)
        wdset_close(&sc->lastat[i]);
    for (size_t i = 0; i < sc->n_uncertain; i++)
        wdset_close(&sc->drawn[i]);
    if (sc->d_events > 0) H5Dclose(sc->d_events);
    if (sc->d_progress > 0) H5Dclose(sc->d_progress);
    sc->d_events = sc->d_progress = H5I_INVALID_HID;
}

void cs_wr_scen_close(cs_wscen *sc)
{
    if (!sc->open) return;
    cs_wr_pack_close_scen(sc);
    cs_wr_scen_close_dsets(sc);
    if (sc->t_ev_mem > 0) H5Tclose(sc->t_ev_mem);
    for (size_t i = 0; i < sc->n_types; i++)
        H5Tclose(sc->types[i]);
    sc->n_types = 0;
    sc->d_events = sc->d_progress = sc->t_ev_mem = H5I_INVALID_HID;
    sc->open = false;
}

void cs_wr_scen_free(cs_wscen *sc)
{
    cs_wr_scen_close(sc);
    cs_wr_pack_close_scen(sc); /* a broken writer's scenarios are no longer `open` */
    free(sc->name);
    free(sc->series);
    free(sc->panels);
    free(sc->summary);
    free(sc->lastat);
    free(sc->drawn);
    free(sc->types);
    cs_wr_free_strs(sc->drawn_names, sc->n_uncertain);
}

/* The memory/file type of panel variable i (an owned enum type, or a predefined one). */
int cs_wr_panel_types(cs_wscen *sc, const cs_panel_def *pd, hid_t *ft, hid_t *mt)
{
    if (pd->type == CS_VT_U8 && pd->enumdef && pd->enumdef->n > 0) {
        hid_t t = enum_type(pd->enumdef, H5T_STD_U8LE);
        if (t < 0) return -1;
        if (add_type(sc, t)) {
            H5Tclose(t);
            return -1;
        }
        *ft = *mt = t; /* a one-byte enum has no byte order to convert */
    } else {
        *ft = cs_wr_file_type(pd->type);
        *mt = mem_type(pd->type);
    }
    return 0;
}

int cs_wr_event_types(cs_wscen *sc, const cs_schema *sch, hid_t *ft)
{
    hid_t tf = H5T_STD_I16LE, tm = H5T_NATIVE_INT16;
    if (sch->event_types && sch->event_types->n > 0) {
        tf = enum_type(sch->event_types, H5T_STD_I16LE);
        tm = enum_type(sch->event_types, H5T_NATIVE_INT16);
        if (tf < 0 || tm < 0 || add_type(sc, tf) || add_type(sc, tm)) return -1;
    }
    sc->t_ev_mem = event_mem_type(tm);
    *ft = event_file_type(tf);
    return sc->t_ev_mem < 0 || *ft < 0 ? -1 : 0;
}

cs_wdset *cs_wr_next_wdset(cs_wscen *sc, size_t *i)
{
    const cs_schema *s = sc->schema;
    cs_wdset *lists[] = {sc->series, sc->panels, sc->summary, sc->lastat, sc->drawn};
    size_t n[] = {sc->national ? s->n_series : 0, sc->panel ? s->n_panel : 0, s->n_summary,
                  s->n_lastat, sc->n_uncertain};
    size_t k = (*i)++;
    if (k == 0) return &sc->rep;
    k--;
    for (int g = 0; g < 5; g++) {
        if (k < n[g]) return &lists[g][k];
        k -= n[g];
    }
    return NULL;
}

int cs_wr_prepare_slabs(cs_wscen *sc)
{
    size_t i = 0;
    for (cs_wdset *d; (d = cs_wr_next_wdset(sc, &i));)
        if (wdset_prepare(d) < 0) return -1;
    return 0;
}
