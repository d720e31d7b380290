/* Appending: one replication (cs_writer_write) or one block per rank (cs_writer_write_block),
 * commits (progress after a flush) and cs_writer_flush. */
#include "writer_impl.h"

#include <errno.h>

static int commit_mpi(cs_writer *w, cs_error *err);

/* Makes every written replication durable against a killed process and publishes it: one
 * process queues the commit after what is staged, then stores the whole queue. */
int cs_wr_commit(cs_writer *w, cs_error *err)
{
    if (w->mpi) return commit_mpi(w, err);
    int rc = cs_wr_queue_commit(w);
    if (rc) return cs_wr_pack_fail(w, err, rc, "cannot write a chunk");
    return cs_wr_store_ops(w, true, err);
}

uint64_t cs_writer_done(const cs_writer *w, size_t scenario)
{
    if (!w || scenario >= w->n_scen) return 0;
    return w->scen[scenario].written;
}

int cs_wr_check_events(const cs_schema *s, const char *scenario, const cs_evrec *ev, size_t n,
                       uint64_t rep, cs_error *err)
{
    const cs_enum_def *et = s->event_types;
    for (size_t i = 0; et && et->n > 0 && i < n; i++)
        if (ev[i].type < 0 || (size_t)ev[i].type >= et->n)
            return cs_error_set(err, CS_EINVAL, NULL, 0, 0, scenario,
                                "replication %llu: event type %d is not in enum '%s'",
                                (unsigned long long)rep, ev[i].type, et->name);
    return CS_OK;
}

/* n event rows by H5Dwrite at sc->ev_written (a dataset this writer does not stage). */
static int write_events(cs_writer *w, cs_wscen *sc, const cs_evrec *ev, size_t n, cs_error *err)
{
    if (n == 0) return CS_OK;
    hsize_t start = sc->ev_written, cnt = n, total = start + n;
    if (H5Dset_extent(sc->d_events, &total) < 0)
        return cs_wr_h5_fail(w, err, "cannot extend events");
    hid_t fs = H5Dget_space(sc->d_events);
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    herr_t r =
        fs < 0 || ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL);
    if (r >= 0) r = H5Dwrite(sc->d_events, sc->t_ev_mem, ms, fs, w->dxpl, ev);
    int rc = r < 0 ? cs_wr_h5_fail(w, err, "cannot write events") : CS_OK;
    if (fs >= 0) H5Sclose(fs);
    if (ms >= 0) H5Sclose(ms);
    return rc;
}

/* A failure of writer_pack.c (a cs_wr_outcome): out of memory, or an HDF5 call. */
int cs_wr_pack_fail(cs_writer *w, cs_error *err, int rc, const char *what)
{
    if (rc == CS_WR_NOMEM) {
        w->failed = true;
        return cs_error_set(err, CS_ENOMEM, w->part, 0, 0, NULL, "%s: out of memory", what);
    }
    if (rc == CS_WR_SYNC) {
        w->failed = w->broken = true;
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "%s", what);
    }
    return cs_wr_h5_fail(w, err, what);
}

/* Appends row r of d: staged into its chunk (one process), or by H5Dwrite. */
int cs_wr_put_row(cs_writer *w, cs_wdset *d, hsize_t r, const void *buf)
{
    if (!d->pk.direct) return cs_wr_wdset_append(d, w->dxpl, r, buf) < 0 ? CS_WR_H5 : CS_WR_OK;
    int rc = cs_wr_pack_put(w, &d->pk, buf, 1);
    if (!rc) d->dims[0] = r + 1;
    return rc;
}

int cs_wr_put_events(cs_writer *w, cs_wscen *sc, const cs_evrec *ev, size_t n, uint64_t rep,
                     cs_error *err)
{
    int rc = cs_wr_check_events(sc->schema, sc->name, ev, n, rep, err);
    if (rc || !sc->ev_pk.direct) return rc ? rc : write_events(w, sc, ev, n, err);
    rc = cs_wr_pack_put(w, &sc->ev_pk, ev, n);
    return rc ? cs_wr_pack_fail(w, err, rc, "cannot write events") : CS_OK;
}

/* One process, after replication sc->written - 1 was staged at cost `work`: whether to commit
 * (cs_writer_set_commit_every, cs_writer_set_commit_work). With a work floor, only at whole
 * intervals since the last commit, so that commits still fall on chunk boundaries. */
static bool commit_due(cs_writer *w, const cs_wscen *sc, uint64_t work)
{
    uint64_t since = sc->written - cs_wr_marked(sc);
    if (w->commit_work == 0) return since >= w->commit_every;
    w->work_since += work ? work : w->commit_work;
    return since % w->commit_every == 0 &&
           (w->work_since >= w->commit_work || since >= CS_COMMIT_MAX_ROWS);
}

int cs_writer_stage(cs_writer *w, size_t scenario, const cs_repbuf *b, cs_error *err)
{
    if (!w || !b || scenario >= w->n_scen)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_write: bad argument");
    if (w->failed)
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "the writer failed earlier");
    cs_wscen *sc = &w->scen[scenario];
    if (sc->written >= w->replications)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                            "all %llu replications are already written",
                            (unsigned long long)w->replications);
    if (b->replication != sc->written)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                            "replication %llu written out of order (expected %llu)",
                            (unsigned long long)b->replication, (unsigned long long)sc->written);
    if (b->n_dropped)
        return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, sc->name,
                            "replication %llu: %zu events could not be recorded (out of memory)",
                            (unsigned long long)b->replication, b->n_dropped);
    if (b->n_time != sc->n_time || b->n_la != w->n_la || b->n_uncertain != sc->n_uncertain)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                            "buffer shape (time %zu, authorities %zu, uncertain %zu) does not "
                            "match the scenario (%zu, %zu, %zu)",
                            b->n_time, b->n_la, b->n_uncertain, sc->n_time, w->n_la,
                            sc->n_uncertain);
    int rc = cs_writer_begin(w, err);
    if (rc) return rc;
    const cs_schema *sch = sc->schema;
    hsize_t r = sc->written;
    char what[200];
    snprintf(what, sizeof what, "cannot write replication %llu of scenario '%s'",
             (unsigned long long)r, sc->name);
    uint64_t rep = r;
    w->st_sc = sc; /* names the chunks this replication completes */
    w->st_rep = rep;
    if (!w->mpi && !sc->packed) {
        rc = cs_wr_pack_open_scen(sc);
        if (rc) return cs_wr_pack_fail(w, err, rc, "cannot prepare the chunks");
    }
    if (sc->events) {
        rc = cs_wr_put_events(w, sc, b->events, b->n_events, b->replication, err);
        if (rc) return rc;
    }
    rc = cs_wr_put_row(w, &sc->rep, r, &rep);
    for (size_t i = 0; !rc && sc->national && i < sch->n_series; i++)
        rc = cs_wr_put_row(w, &sc->series[i], r, b->series[i]);
    for (size_t i = 0; !rc && sc->panel && i < sch->n_panel; i++)
        rc = cs_wr_put_row(w, &sc->panels[i], r, b->panel[i]);
    for (size_t i = 0; !rc && i < sch->n_summary; i++)
        rc = cs_wr_put_row(w, &sc->summary[i], r, &b->summary[i]);
    for (size_t i = 0; !rc && i < sch->n_lastat; i++)
        rc = cs_wr_put_row(w, &sc->lastat[i], r, b->lastat[i]);
    for (size_t i = 0; !rc && i < sc->n_uncertain; i++)
        rc = cs_wr_put_row(w, &sc->drawn[i], r, &b->drawn[i]);
    if (rc) return cs_wr_pack_fail(w, err, rc, what);
    sc->written++;
    sc->ev_written += sc->events ? b->n_events : 0;
    bool complete = sc->written == w->replications;
    if (w->dist) return CS_OK; /* several ranks: commits at the end of a round */
    if (w->mpi) {
        if (complete || sc->written - sc->committed >= w->commit_every) {
            rc = cs_wr_commit(w, err);
            if (rc) return rc;
        }
        if (complete) cs_wr_scen_close(sc);
        return CS_OK;
    }
    /* one process: the commit and the close are queued after the replication's chunks */
    if (complete || commit_due(w, sc, b->work)) rc = cs_wr_queue_commit(w);
    /* Release the chunk caches of a finished scenario: memory stays bounded in sweeps. */
    if (!rc && complete) rc = cs_wr_queue_close(w, sc);
    return rc ? cs_wr_pack_fail(w, err, rc, "cannot queue a commit") : CS_OK;
}

int cs_writer_write(cs_writer *w, size_t scenario, const cs_repbuf *b, cs_error *err)
{
    int rc = cs_writer_stage(w, scenario, b, err);
    if (!rc && !w->mpi) rc = cs_wr_store_ops(w, true, err);
    return rc;
}

/* Stores the queue's head as far as it is filtered; with filter, everything queued (the
 * calling thread filtering what no other thread has taken). */
int cs_wr_store_ops(cs_writer *w, bool filter, cs_error *err)
{
    char what[200] = "cannot write a chunk";
    int rc = cs_wr_ops_store(w, filter, what, sizeof what);
    return rc ? cs_wr_pack_fail(w, err, rc, what) : CS_OK;
}

bool cs_writer_filter(cs_writer *w)
{
    return w && !w->mpi && cs_wr_ops_filter(w);
}

int cs_writer_store(cs_writer *w, cs_error *err)
{
    if (!w) return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_store: no writer");
    if (w->failed)
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "the writer failed earlier");
    return w->mpi ? CS_OK : cs_wr_store_ops(w, false, err);
}

unsigned cs_writer_pending(cs_writer *w)
{
    if (!w || w->mpi) return 0;
    pthread_mutex_lock(&w->op_mu);
    const cs_wop *o = w->op_head;
    unsigned f = (w->n_todo ? CS_WRITER_FILTER : 0) | (o ? CS_WRITER_QUEUED : 0);
    if (o && (o->kind != CS_OP_CHUNK || o->state == CS_OP_READY || o->state == CS_OP_NOMEM))
        f |= CS_WRITER_STORE;
    pthread_mutex_unlock(&w->op_mu);
    return f;
}

/* Collective commit: every rank flushes (HDF5 writes the dirty metadata collectively), rank 0
 * writes progress, and a second flush publishes it. Without SWMR a kill can still catch the
 * metadata half-written (docs/cluster.md); a clean stop (SIGTERM) always ends here. */
static int commit_mpi(cs_writer *w, cs_error *err)
{
    bool any = false;
    for (size_t i = 0; i < w->n_scen; i++)
        any = any || w->scen[i].written > w->scen[i].committed;
    if (!any) return CS_OK;
    int rc = CS_OK;
    if (H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) rc = cs_wr_h5_fail(w, err, "cannot flush");
    for (size_t i = 0; i < w->n_scen; i++) {
        cs_wscen *sc = &w->scen[i];
        if (sc->written == sc->committed) continue;
        uint64_t p[2] = {sc->written, sc->ev_written};
        hsize_t two = 2;
        hid_t fs = H5Dget_space(sc->d_progress), ms = H5Screate_simple(1, &two, NULL);
        if (!w->root) { /* one writer for 16 bytes; the others take part in the collective */
            H5Sselect_none(fs);
            H5Sselect_none(ms);
        }
        if ((fs < 0 || ms < 0 ||
             H5Dwrite(sc->d_progress, H5T_NATIVE_UINT64, ms, fs, w->dxpl, p) < 0) &&
            !rc)
            rc = cs_wr_h5_fail(w, err, "cannot record progress");
        if (fs >= 0) H5Sclose(fs);
        if (ms >= 0) H5Sclose(ms);
    }
    if (H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0 && !rc) rc = cs_wr_h5_fail(w, err, "cannot flush");
    rc = cs_wr_agree(w, rc, err);
    if (rc) {
        w->failed = true;
        return rc;
    }
    for (size_t i = 0; i < w->n_scen; i++) {
        w->scen[i].committed = w->scen[i].written;
        w->scen[i].ev_committed = w->scen[i].ev_written;
    }
    return CS_OK;
}

/* Bytes of one replication's row of d in memory. */
static size_t row_bytes(const cs_wdset *d)
{
    size_t n = H5Tget_size(d->mtype);
    for (int i = 1; i < d->rank; i++)
        n *= (size_t)d->dims[i];
    return n;
}

/* Converts n elements of buf (memory type mtype) in place to the file type of dataset d and
 * returns that type (caller closes it), or -1. A write that converts types is done
 * independently by parallel HDF5, and filtered (compressed) datasets allow only collective
 * writes; H5Tconvert is the conversion the write would have made, so the bytes are the same. */
static hid_t to_file_type(hid_t d, hid_t mtype, size_t n, void *buf)
{
    hid_t ft = H5Dget_type(d);
    if (ft < 0) return ft;
    htri_t same = H5Tequal(ft, mtype);
    herr_t r = same < 0 ? -1 : 0;
    if (!same && n > 0) {
        /* compound conversions need a background buffer of destination rows */
        size_t big = H5Tget_size(ft) > H5Tget_size(mtype) ? H5Tget_size(ft) : H5Tget_size(mtype);
        void *bkg = calloc(n, big);
        r = bkg ? H5Tconvert(mtype, ft, n, buf, bkg, H5P_DEFAULT) : -1;
        free(bkg);
    }
    if (r < 0) {
        H5Tclose(ft);
        return H5I_INVALID_HID;
    }
    return ft;
}

/* Collective: grows d to n rows and writes this rank's k rows (rows[j]) at row `first`.
 * A rank that fails keeps taking part, so that the others do not wait for it forever. */
static int wdset_put_block(cs_writer *w, cs_wdset *d, hsize_t n, hsize_t first, size_t k,
                           const void *const *rows, int rc, cs_error *err, const char *what)
{
    herr_t st = cs_wr_wdset_resize(d, n);
    size_t rb = row_bytes(d);
    char *buf = w->stage;
    for (size_t j = 0; j < k; j++)
        memcpy(buf + j * rb, rows[j], rb);
    hsize_t m[3] = {k ? k : 1, d->dims[1], d->dims[2]};
    hsize_t start[3] = {first, 0, 0}, count[3] = {k, d->dims[1], d->dims[2]};
    hid_t fs = H5Dget_space(d->id), ms = H5Screate_simple(d->rank, m, NULL);
    if (k > 0) {
        if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0) st = -1;
    } else {
        H5Sselect_none(fs);
        H5Sselect_none(ms);
    }
    uint64_t dummy = 0;
    hid_t ft = to_file_type(d->id, d->mtype, k * (rb / H5Tget_size(d->mtype)), buf);
    if (ft < 0) st = -1;
    if (H5Dwrite(d->id, ft < 0 ? d->mtype : ft, ms, fs, w->dxpl, buf ? (void *)buf : &dummy) < 0)
        st = -1;
    if (ft >= 0) H5Tclose(ft);
    if (fs >= 0) H5Sclose(fs);
    if (ms >= 0) H5Sclose(ms);
    if (st < 0 && !rc) rc = cs_wr_h5_fail(w, err, what);
    return rc;
}

/* The checks of a block write on this rank's k buffers (rows first.. of scenario sc); *n_ev
 * receives their event rows. */
static int block_check(const cs_wscen *sc, const cs_writer *w, const cs_repbuf *const *bufs,
                       size_t k, uint64_t first, uint64_t *n_ev, cs_error *err)
{
    int rc = CS_OK;
    for (size_t i = 0; !rc && i < k; i++) {
        const cs_repbuf *b = bufs[i];
        if (b->replication != first + i)
            rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                              "replication %llu written out of order (expected %llu)",
                              (unsigned long long)b->replication, (unsigned long long)(first + i));
        else if (b->n_time != sc->n_time || b->n_la != w->n_la || b->n_uncertain != sc->n_uncertain)
            rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                              "buffer shape does not match the scenario");
        else if (b->n_dropped)
            rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, sc->name,
                              "replication %llu: %zu events could not be recorded (out of memory)",
                              (unsigned long long)b->replication, b->n_dropped);
        if (!rc && sc->events)
            rc = cs_wr_check_events(sc->schema, sc->name, b->events, b->n_events, b->replication,
                                    err);
        *n_ev += sc->events ? b->n_events : 0;
    }
    return rc;
}

/* The staging buffer holds the largest of this rank's blocks (rows must be contiguous for one
 * hyperslab write per dataset); rows and idx are k + 1 pointers and indices. Agreed. */
static int block_stage(cs_writer *w, cs_wscen *sc, size_t k, uint64_t n_ev, const void ***rows,
                       uint64_t **idx, cs_error *err)
{
    size_t need = k * 8, evb = (size_t)n_ev * sizeof(cs_evrec), i = 0;
    for (cs_wdset *d; (d = cs_wr_next_wdset(sc, &i));)
        if (k * row_bytes(d) > need) need = k * row_bytes(d);
    if (evb > need) need = evb;
    if (need > w->stage_cap) {
        void *n = realloc(w->stage, need);
        if (n) {
            w->stage = n;
            w->stage_cap = need;
        }
    }
    *rows = malloc((k + 1) * sizeof **rows);
    *idx = malloc((k + 1) * sizeof **idx);
    int rc = (need > w->stage_cap || !*rows || !*idx)
                 ? cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory (write buffer)")
                 : CS_OK;
    rc = cs_wr_agree(w, rc, err);
    if (rc) {
        free(*rows);
        free(*idx);
        *rows = NULL;
        *idx = NULL;
    }
    return rc;
}

/* Collective: this rank's n_ev event rows at row ev_off of the ev_total the block adds (this
 * rank's replications are consecutive, so are their rows). */
static int block_put_events(cs_writer *w, cs_wscen *sc, const cs_repbuf *const *bufs, size_t k,
                            uint64_t n_ev, uint64_t ev_off, uint64_t ev_total, int rc,
                            cs_error *err)
{
    char *buf = w->stage;
    for (size_t i = 0; i < k; i++) {
        memcpy(buf, bufs[i]->events, bufs[i]->n_events * sizeof(cs_evrec));
        buf += bufs[i]->n_events * sizeof(cs_evrec);
    }
    hsize_t en = sc->ev_written + ev_total, estart = sc->ev_written + ev_off, ecnt = n_ev;
    hsize_t m = ecnt ? ecnt : 1;
    herr_t st = H5Dset_extent(sc->d_events, &en);
    hid_t fs = H5Dget_space(sc->d_events), ms = H5Screate_simple(1, &m, NULL);
    if (ecnt > 0) {
        if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, &estart, NULL, &ecnt, NULL) < 0) st = -1;
    } else {
        H5Sselect_none(fs);
        H5Sselect_none(ms);
    }
    uint64_t dummy = 0;
    hid_t ft = to_file_type(sc->d_events, sc->t_ev_mem, (size_t)ecnt, w->stage);
    if (ft < 0) st = -1;
    if (H5Dwrite(sc->d_events, ft < 0 ? sc->t_ev_mem : ft, ms, fs, w->dxpl,
                 w->stage ? w->stage : (void *)&dummy) < 0)
        st = -1;
    if (ft >= 0) H5Tclose(ft);
    if (fs >= 0) H5Sclose(fs);
    if (ms >= 0) H5Sclose(ms);
    if (st < 0) rc = cs_wr_h5_fail(w, err, "cannot write events");
    return rc;
}

/* Collective: every replication-indexed dataset grows to n rows and takes this rank's k rows
 * at row `first` (rows and idx: scratch of k + 1 entries). */
static int block_put_rows(cs_writer *w, cs_wscen *sc, const cs_repbuf *const *bufs, size_t k,
                          hsize_t n, hsize_t first, const void **rows, uint64_t *idx, int rc,
                          cs_error *err, const char *what)
{
    const cs_schema *sch = sc->schema;
    size_t ln[] = {sc->national ? sch->n_series : 0, sc->panel ? sch->n_panel : 0, sch->n_summary,
                   sch->n_lastat, sc->n_uncertain};
    for (size_t j = 0; j < k; j++) {
        idx[j] = first + j;
        rows[j] = &idx[j];
    }
    rc = wdset_put_block(w, &sc->rep, n, first, k, rows, rc, err, what);
    for (size_t i = 0; i < ln[0]; i++) {
        for (size_t j = 0; j < k; j++)
            rows[j] = bufs[j]->series[i];
        rc = wdset_put_block(w, &sc->series[i], n, first, k, rows, rc, err, what);
    }
    for (size_t i = 0; i < ln[1]; i++) {
        for (size_t j = 0; j < k; j++)
            rows[j] = bufs[j]->panel[i];
        rc = wdset_put_block(w, &sc->panels[i], n, first, k, rows, rc, err, what);
    }
    for (size_t i = 0; i < ln[2]; i++) {
        for (size_t j = 0; j < k; j++)
            rows[j] = &bufs[j]->summary[i];
        rc = wdset_put_block(w, &sc->summary[i], n, first, k, rows, rc, err, what);
    }
    for (size_t i = 0; i < ln[3]; i++) {
        for (size_t j = 0; j < k; j++)
            rows[j] = bufs[j]->lastat[i];
        rc = wdset_put_block(w, &sc->lastat[i], n, first, k, rows, rc, err, what);
    }
    for (size_t i = 0; i < ln[4]; i++) {
        for (size_t j = 0; j < k; j++)
            rows[j] = &bufs[j]->drawn[i];
        rc = wdset_put_block(w, &sc->drawn[i], n, first, k, rows, rc, err, what);
    }
    return rc;
}

int cs_writer_write_block(cs_writer *w, size_t scenario, const cs_repbuf *const *bufs, size_t k,
                          cs_error *err)
{
    if (!w)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_write_block: no writer");
    if (!w->mpi) {
        for (size_t i = 0; i < k; i++) {
            int rc = cs_writer_write(w, scenario, bufs[i], err);
            if (rc) return rc;
        }
        return CS_OK;
    }
    /* Rank r's rows follow those of ranks 0..r-1: file order is replication order. */
    uint64_t off = cs_par_exscan_u64(w->par, k), total = cs_par_sum_u64(w->par, k);
    int rc = CS_OK;
    cs_wscen *sc = scenario < w->n_scen ? &w->scen[scenario] : NULL;
    uint64_t n_ev = 0;
    if (!sc || (k && !bufs))
        rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_write_block: bad argument");
    else if (w->failed)
        rc = cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "the writer failed earlier");
    else if (sc->written + total > w->replications)
        rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                          "%llu replications written beyond the %llu of the run",
                          (unsigned long long)(sc->written + total - w->replications),
                          (unsigned long long)w->replications);
    if (!rc) rc = block_check(sc, w, bufs, k, sc->written + off, &n_ev, err);
    rc = cs_wr_agree(w, rc, err);
    if (rc) return rc;
    rc = cs_writer_begin(w, err); /* collective, agreed */
    if (rc) return rc;
    uint64_t ev_off = cs_par_exscan_u64(w->par, n_ev), ev_total = cs_par_sum_u64(w->par, n_ev);
    const void **rows = NULL;
    uint64_t *idx = NULL;
    rc = block_stage(w, sc, k, n_ev, &rows, &idx, err);
    if (rc) return rc;

    char what[200];
    snprintf(what, sizeof what, "cannot write replications %llu-%llu of scenario '%s'",
             (unsigned long long)(sc->written + off), (unsigned long long)(sc->written + off + k),
             sc->name);
    hsize_t n = sc->written + total, first = sc->written + off;
    if (sc->events) rc = block_put_events(w, sc, bufs, k, n_ev, ev_off, ev_total, rc, err);
    rc = block_put_rows(w, sc, bufs, k, n, first, rows, idx, rc, err, what);
    free(rows);
    free(idx);
    rc = cs_wr_agree(w, rc, err);
    if (rc) {
        w->failed = true;
        return rc;
    }
    sc->written = n;
    sc->ev_written += ev_total;
    bool complete = sc->written == w->replications;
    if (complete || sc->written - sc->committed >= w->commit_every) {
        rc = cs_wr_commit(w, err);
        if (rc) return rc;
    }
    if (complete) cs_wr_scen_close(sc);
    return CS_OK;
}

int cs_writer_rows_align(cs_writer *w, size_t scenario, uint64_t cap, uint64_t *align,
                         cs_error *err)
{
    *align = 1;
    if (!w || !w->mpi) return CS_OK;
    int rc = cs_writer_begin(w, err); /* collective, agreed: the datasets are open on every rank */
    cs_wscen *sc = scenario < w->n_scen ? &w->scen[scenario] : NULL;
    if (rc || !sc || !sc->open || sc->written >= w->replications) return rc;
    /* Every rank reads the same chunk shapes from the same file: the same answer everywhere. */
    uint64_t a = 1;
    size_t i = 0;
    for (cs_wdset *d; a <= cap && (d = cs_wr_next_wdset(sc, &i));) {
        hid_t dcpl = H5Dget_create_plist(d->id);
        hsize_t c[3] = {1, 1, 1};
        if (dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 3, c) > 0 &&
            c[0] > 0)
            a = cs_wr_lcm(a, c[0]);
        if (dcpl >= 0) H5Pclose(dcpl);
    }
    *align = a <= cap ? a : 1;
    return CS_OK;
}

int cs_writer_flush(cs_writer *w, cs_error *err)
{
    if (!w) return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_flush: no writer");
    if (w->failed)
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "the writer failed earlier");
    int rc = w->begun ? cs_wr_commit(w, err) : CS_OK;
    if (rc) return rc;
    /* The background syncer's fdatasync consumes a write error the kernel reports once: a new
     * descriptor's fsync below would not see it. So wait for the syncer, and take its error. */
    int e = cs_wr_syncer_drain(w);
    if (e) { /* failed as a commit that finds a failed sync fails */
        char what[160];
        snprintf(what, sizeof what, "cannot sync the data written so far: %s", strerror(e));
        rc = cs_wr_pack_fail(w, err, CS_WR_SYNC, what);
    } else if (w->root && cs_wr_fsync_path(w->part, false) != 0) {
        rc = cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "cannot sync: %s", strerror(errno));
    }
    return cs_wr_agree(w, rc, err);
}
