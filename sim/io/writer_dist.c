/* Several processes without parallel HDF5: rank 0 writes, every rank compresses.
 *
 * Rank 0 holds the writer of one process (the file, SWMR, its commits, resume by copy: all as
 * `cssim run` without mpirun). At the start of a scenario it describes the chunks of each of
 * its datasets (cs_writer_dist_begin: rows per chunk, filters, file and memory types); every
 * other rank builds from that description a writer without a file (cs_wshadow), and in each
 * round stages its block of replications into chunks of exactly those shapes and filters them
 * itself (shuffle, deflate, Fletcher-32: most of what writing costs). Only the chunks wholly
 * inside its block are filtered there; the rows of a chunk its block shares with a neighbour's
 * are sent as they are, in memory layout. Rank 0 then takes the blocks in replication order:
 * its own staged as one process stages them, each other rank's message applied as it comes
 * (cs_writer_dist_apply: filtered chunks written to the file as they are, rows staged), and
 * its writer stores what it staged and commits (cs_writer_dist_round_end). So the data, the chunk
 * shapes and the file's checksums are those of one process; only the bytes of the deflate
 * streams and the layout of the file may differ (as between two thread counts).
 *
 * Rank 0 checks that every block starts where the last ended and that each dataset's rows
 * come in order, so a rank that sent the wrong rows fails the run instead of writing them.
 * The ranks are assumed to share one binary format (byte order, sizes), as the processes of
 * one MPI job on a cluster do. */
#include "writer_impl.h"

_Static_assert(sizeof(size_t) == sizeof(uint64_t), "a message's u64 lengths are read as size_t");

#define GEO_MAGIC 0x31676463u /* "cdg1" */
#define MSG_MAGIC 0x31736463u /* "cds1" */
enum { REC_RAW = 1, REC_CHUNK = 2 };

/* ---- a growable byte buffer, and reading one back ---- */

typedef struct bytes {
    unsigned char *p;
    size_t n, cap;
    bool nomem;
} bytes;

static void put(bytes *b, const void *v, size_t n)
{
    if (b->nomem || n == 0) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->nomem = true;
            return;
        }
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->n, v, n);
    b->n += n;
}

static void put_u64(bytes *b, uint64_t v)
{
    put(b, &v, sizeof v);
}

/* Zeros up to a multiple of 8 bytes: every record of a message starts 8-aligned, so that its
 * rows (event rows hold doubles) are read in place. */
static void pad8(bytes *b)
{
    static const unsigned char zero[8];
    if (b->n % 8) put(b, zero, 8 - b->n % 8);
}

typedef struct reader {
    const unsigned char *p, *end;
    bool bad;
} reader;

static const unsigned char *take(reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const unsigned char *q = r->p;
    r->p += n;
    return q;
}

/* Past the padding after a record (offsets from base, the message's start). */
static void skip8(reader *r, const unsigned char *base)
{
    size_t off = (size_t)(r->p - base);
    if (off % 8) take(r, 8 - off % 8);
}

static uint64_t get_u64(reader *r)
{
    uint64_t v = 0;
    const unsigned char *q = take(r, sizeof v);
    if (q) memcpy(&v, q, sizeof v);
    return v;
}

/* ---- the description of a scenario's chunks ---- */

/* Groups of datasets along replication, in cs_wr_next_wdset's order. */
enum { G_REP, G_SERIES, G_PANEL, G_SUMMARY, G_LASTAT, G_DRAWN, G_N };

typedef struct geo_pack {
    uint64_t direct, convert, shuffle, level, rank;
    uint64_t d1, inner, c0, c1, fsize, msize, row, nslab, slab, n_move;
    uint64_t mrow; /* bytes of a row in memory */
} geo_pack;

static int encode_type(bytes *b, hid_t t)
{
    size_t n = 0;
    if (H5Tencode(t, NULL, &n) < 0) return -1;
    unsigned char *q = malloc(n ? n : 1);
    if (!q) {
        b->nomem = true;
        return 0;
    }
    int rc = H5Tencode(t, q, &n) < 0 ? -1 : 0;
    put_u64(b, n);
    put(b, q, n);
    free(q);
    return rc;
}

/* Bytes of one row of d in memory (d->mtype, the dataset's dimensions after the first). */
static uint64_t mem_row(hid_t mtype, int rank, const hsize_t *dims)
{
    uint64_t el = (rank >= 2 ? dims[1] : 1) * (rank == 3 ? dims[2] : 1);
    return el * H5Tget_size(mtype);
}

static int describe(bytes *b, const cs_wpack *p, hid_t mtype, uint64_t mrow)
{
    geo_pack g = {.direct = p->direct, .mrow = mrow};
    if (p->direct) {
        g.convert = p->convert, g.shuffle = p->shuffle, g.level = (uint64_t)p->level;
        g.rank = (uint64_t)p->rank, g.d1 = p->d1, g.inner = p->inner, g.c0 = p->c0;
        g.c1 = p->c1, g.fsize = p->fsize, g.msize = p->msize, g.row = p->row;
        g.nslab = p->nslab, g.slab = p->slab, g.n_move = p->n_move;
    }
    put(b, &g, sizeof g);
    for (size_t m = 0; p->direct && m < p->n_move; m++) {
        put_u64(b, p->move[m].from);
        put_u64(b, p->move[m].to);
        put_u64(b, p->move[m].n);
    }
    if (encode_type(b, mtype) < 0) return -1;
    return p->direct && encode_type(b, p->ftype) < 0 ? -1 : 0;
}

int cs_writer_dist_begin(cs_writer *w, size_t scenario, uint64_t cap, uint64_t *align, void **desc,
                         size_t *len, cs_error *err)
{
    *desc = NULL, *len = 0, *align = 1;
    if (!w || w->mpi || scenario >= w->n_scen)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_dist_begin: bad call");
    int rc = cs_writer_begin(w, err);
    if (rc) return rc;
    cs_wscen *sc = &w->scen[scenario];
    if (!sc->open)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name, "the scenario is complete");
    w->dist = true;
    if (!sc->packed && (rc = cs_wr_pack_open_scen(sc)))
        return cs_wr_pack_fail(w, err, rc, "cannot prepare the chunks");
    const cs_schema *s = sc->schema;
    uint64_t n[G_N] = {1,
                       sc->national ? s->n_series : 0,
                       sc->panel ? s->n_panel : 0,
                       s->n_summary,
                       s->n_lastat,
                       sc->n_uncertain};
    bytes b = {0};
    put_u64(&b, GEO_MAGIC);
    put(&b, n, sizeof n);
    put_u64(&b, sc->events);
    uint64_t a = 1;
    size_t i = 0;
    int h5 = 0;
    for (cs_wdset *d; !h5 && (d = cs_wr_next_wdset(sc, &i));) {
        h5 = describe(&b, &d->pk, d->mtype, mem_row(d->mtype, d->rank, d->dims));
        uint64_t c = d->pk.direct ? d->pk.c0 : 0;
        /* blocks that share no chunk made for blocks (one that does not divide the rows per
         * rank and round, a summary's, is rank 0's: cs_wr_rows_chunk) */
        if (c > 1 && c <= cap && cs_wr_lcm(a, c) <= cap &&
            (!w->round_rows || w->round_rows % c == 0))
            a = cs_wr_lcm(a, c);
    }
    if (!h5 && sc->events) h5 = describe(&b, &sc->ev_pk, sc->t_ev_mem, H5Tget_size(sc->t_ev_mem));
    if (h5 || b.nomem) {
        free(b.p);
        return h5 ? cs_wr_h5_fail(w, err, "cannot describe the datasets' chunks")
                  : cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    *desc = b.p, *len = b.n, *align = a;
    return CS_OK;
}

uint64_t cs_writer_events_done(const cs_writer *w, size_t scenario)
{
    return w && scenario < w->n_scen ? w->scen[scenario].ev_written : 0;
}

/* ---- the other ranks: a writer without a file ---- */

struct cs_wshadow {
    cs_writer *w;    /* the queue and scratch of staging; no file */
    uint64_t n[G_N]; /* datasets per group */
    bool events;
    size_t n_pack; /* the datasets along replication, then the events' */
    cs_wpack *pk;
    uint64_t *mrow;                /* [n_pack] */
    hid_t *mtype;                  /* [n_pack]: decoded, owned */
    bytes head, chunks, tail, msg; /* kept from round to round: no allocation once warm */
    uint64_t lo, k, nev;           /* the block staged (cs_wshadow_stage) */
    int rc;                        /* its staging's outcome (a cs_wr_outcome) */
};

void cs_wshadow_destroy(cs_wshadow *s)
{
    if (!s) return;
    for (size_t i = 0; s->pk && i < s->n_pack; i++) {
        cs_wr_pack_fini(&s->pk[i]);
        if (s->mtype[i] > 0) H5Tclose(s->mtype[i]);
    }
    if (s->w) {
        cs_wr_ops_free(s->w);
        free(s->w);
    }
    free(s->pk), free(s->mrow), free(s->mtype);
    free(s->head.p), free(s->chunks.p), free(s->tail.p), free(s->msg.p);
    free(s);
}

static hid_t decode_type(reader *r)
{
    uint64_t n = get_u64(r);
    const unsigned char *q = take(r, (size_t)n);
    return q ? H5Tdecode(q) : H5I_INVALID_HID;
}

static int read_pack(reader *r, cs_wpack *p, uint64_t *mrow, hid_t *mtype)
{
    const unsigned char *q = take(r, sizeof(geo_pack));
    if (!q) return CS_WR_FAIL;
    geo_pack g;
    memcpy(&g, q, sizeof g);
    *mrow = g.mrow;
    if (g.direct) {
        p->convert = g.convert, p->shuffle = g.shuffle, p->level = (int)g.level;
        p->rank = (int)g.rank, p->d1 = g.d1, p->inner = g.inner, p->c0 = g.c0, p->c1 = g.c1;
        p->fsize = g.fsize, p->msize = g.msize, p->row = g.row, p->nslab = g.nslab;
        p->slab = g.slab, p->n_move = g.n_move;
        if (g.c0 == 0 || g.nslab == 0 || g.row == 0 || g.fsize == 0 ||
            g.mrow != g.row / g.fsize * g.msize || g.n_move > 4096)
            return CS_WR_FAIL;
        if (g.n_move && !(p->move = calloc(g.n_move, sizeof *p->move))) return CS_WR_NOMEM;
        for (size_t m = 0; m < g.n_move; m++) {
            p->move[m].from = get_u64(r);
            p->move[m].to = get_u64(r);
            p->move[m].n = get_u64(r);
        }
    }
    *mtype = decode_type(r);
    p->mtype = *mtype;
    if (g.direct) p->ftype = decode_type(r);
    if (r->bad || *mtype < 0 || (g.direct && p->ftype < 0)) return CS_WR_FAIL;
    p->direct = g.direct; /* last: cs_wr_pack_start and the staging need the rest */
    return CS_WR_OK;
}

int cs_wshadow_create(cs_wshadow **out, const void *desc, size_t len, cs_error *err)
{
    *out = NULL;
    cs_wshadow *s = calloc(1, sizeof *s);
    reader r = {desc, (const unsigned char *)desc + len, false};
    int rc = s && (s->w = calloc(1, sizeof *s->w)) ? cs_wr_ops_init(s->w) : CS_WR_NOMEM;
    if (!rc && get_u64(&r) != GEO_MAGIC) rc = CS_WR_FAIL;
    const unsigned char *q = rc ? NULL : take(&r, sizeof s->n);
    if (q) memcpy(s->n, q, sizeof s->n);
    if (!rc) {
        s->events = get_u64(&r) != 0;
        uint64_t total = 0;
        for (int g = 0; g < G_N; g++)
            total += s->n[g];
        if (r.bad || total > (1u << 20)) rc = CS_WR_FAIL;
        s->n_pack = (size_t)total + s->events;
    }
    if (!rc) {
        s->pk = calloc(s->n_pack, sizeof *s->pk);
        s->mrow = calloc(s->n_pack, sizeof *s->mrow);
        s->mtype = calloc(s->n_pack, sizeof *s->mtype);
        if (!s->pk || !s->mrow || !s->mtype) rc = CS_WR_NOMEM;
        for (size_t i = 0; !rc && i < s->n_pack; i++) {
            cs_wr_pack_init(&s->pk[i]);
            s->mtype[i] = H5I_INVALID_HID;
        }
        for (size_t i = 0; !rc && i < s->n_pack; i++)
            rc = read_pack(&r, &s->pk[i], &s->mrow[i], &s->mtype[i]);
    }
    if (!rc && r.p != r.end) rc = CS_WR_FAIL;
    if (rc) {
        cs_wshadow_destroy(s);
        return rc == CS_WR_NOMEM
                   ? cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory")
                   : cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                                  "rank 0's description of the datasets cannot be read here "
                                  "(a different cssim or HDF5 on this rank?)");
    }
    *out = s;
    return CS_OK;
}

/* Row i of group g of replication b, in memory layout (*idx: the replication number). */
static const void *row_of(int g, size_t i, const cs_repbuf *b, uint64_t *idx)
{
    switch (g) {
    case G_REP:
        *idx = b->replication;
        return idx;
    case G_SERIES:
        return b->series[i];
    case G_PANEL:
        return b->panel[i];
    case G_SUMMARY:
        return &b->summary[i];
    case G_LASTAT:
        return b->lastat[i];
    default:
        return &b->drawn[i];
    }
}

static void rec_head(bytes *b, size_t pack, uint64_t kind, uint64_t first, uint64_t count)
{
    put_u64(b, pack);
    put_u64(b, kind);
    put_u64(b, first);
    put_u64(b, count);
}

/* Rows [a, e) of a dataset whose chunks hold c0 rows (0: not written chunk by chunk here):
 * [a, *h) share a chunk with the block before, [*h, *f) fill whole chunks, [*f, e) share one
 * with the block after. */
static void split(uint64_t a, uint64_t e, uint64_t c0, uint64_t *h, uint64_t *f)
{
    if (c0 == 0) {
        *h = *f = e;
        return;
    }
    uint64_t up = (a + c0 - 1) / c0 * c0;
    *h = up < e ? up : e;
    *f = *h + (e - *h) / c0 * c0;
}

/* cs_wr_ops_drain's emit: a filtered chunk into the message's chunk records. */
static int emit_chunk(void *ctx, const cs_wop *o)
{
    cs_wshadow *s = ctx;
    const cs_wpack *p = o->p;
    const cs_wbuf *b = o->buf;
    rec_head(&s->chunks, (size_t)(p - s->pk), REC_CHUNK, o->first, p->nslab);
    for (size_t k = 0; k < p->nslab; k++)
        put_u64(&s->chunks, b->len[k]);
    for (size_t k = 0; k < p->nslab; k++)
        put(&s->chunks, b->out ? b->out + k * b->slot : b->raw, b->len[k]);
    pad8(&s->chunks);
    return s->chunks.nomem ? CS_WR_NOMEM : CS_WR_OK;
}

/* Event rows [g0, g0 + n) of one replication, from ev: to the head, the stage or the tail. */
static int events_part(cs_wshadow *s, size_t pi, const cs_evrec *ev, uint64_t g0, uint64_t n,
                       uint64_t h, uint64_t f)
{
    cs_wpack *p = &s->pk[pi];
    uint64_t e = g0 + n, mrow = s->mrow[pi];
    uint64_t a1 = g0 < h ? (e < h ? e : h) : g0; /* [g0, a1) in the head */
    uint64_t a2 = a1 < f ? (e < f ? e : f) : a1; /* [a1, a2) staged, [a2, e) in the tail */
    put(&s->head, ev, (size_t)((a1 - g0) * mrow));
    int rc = a2 > a1 ? cs_wr_pack_put(s->w, p, ev + (a1 - g0), (size_t)(a2 - a1)) : CS_WR_OK;
    put(&s->tail, ev + (a2 - g0), (size_t)((e - a2) * mrow));
    return rc;
}

/* A failure of another rank's staging (a cs_wr_outcome) as a status and message. */
static int staging_fail(int rc, cs_error *err)
{
    return rc == CS_WR_H5
               ? cs_error_set(err, CS_EIO, NULL, 0, 0, NULL,
                              "cannot convert rows to the file's types")
               : cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory (staging a block)");
}

int cs_wshadow_stage(cs_wshadow *s, const cs_schema *schema, const cs_repbuf *const *bufs, size_t k,
                     uint64_t lo, uint64_t ev0, bool eager, cs_error *err)
{
    s->lo = lo, s->k = k, s->nev = 0, s->rc = CS_WR_OK;
    s->head.n = s->chunks.n = s->tail.n = s->msg.n = 0;
    s->head.nomem = s->chunks.nomem = s->tail.nomem = s->msg.nomem = false;
    uint64_t nev = 0;
    for (size_t j = 0; j < k; j++) {
        const cs_repbuf *b = bufs[j];
        if (b->replication != lo + j)
            return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                                "replication %llu out of order in its block",
                                (unsigned long long)b->replication);
        if (b->n_dropped)
            return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL,
                                "replication %llu: %zu events could not be recorded (out of "
                                "memory)",
                                (unsigned long long)b->replication, b->n_dropped);
        int bad = s->events ? cs_wr_check_events(schema, NULL, b->events, b->n_events,
                                                 b->replication, err)
                            : CS_OK;
        if (bad) return bad;
        nev += s->events ? b->n_events : 0;
    }
    int rc = CS_WR_OK;
    /* the datasets along replication: rows lo .. lo + k - 1 */
    size_t pi = 0;
    for (int g = 0; g < G_N; g++)
        for (size_t i = 0; i < s->n[g]; i++, pi++) {
            cs_wpack *p = &s->pk[pi];
            uint64_t h, f, idx, e = lo + k;
            split(lo, e, p->direct ? p->c0 : 0, &h, &f);
            if (h > lo) rec_head(&s->head, pi, REC_RAW, lo, h - lo);
            for (uint64_t r = lo; r < h; r++)
                put(&s->head, row_of(g, i, bufs[r - lo], &idx), (size_t)s->mrow[pi]);
            pad8(&s->head);
            if (!rc && f > h) rc = cs_wr_pack_start(p, h);
            for (uint64_t r = h; !rc && r < f; r++) {
                rc = cs_wr_pack_put(s->w, p, row_of(g, i, bufs[r - lo], &idx), 1);
                if (!rc && eager && p->rows == 0) /* that row completed a chunk */
                    rc = cs_wr_ops_drain(s->w, emit_chunk, s);
            }
            if (e > f) rec_head(&s->tail, pi, REC_RAW, f, e - f);
            for (uint64_t r = f; r < e; r++)
                put(&s->tail, row_of(g, i, bufs[r - lo], &idx), (size_t)s->mrow[pi]);
            pad8(&s->tail);
        }
    /* the events: rows ev0 .. ev0 + nev - 1, across the replications */
    if (s->events) {
        cs_wpack *p = &s->pk[pi];
        uint64_t h, f, e = ev0 + nev, g0 = ev0;
        split(ev0, e, p->direct ? p->c0 : 0, &h, &f);
        if (h > ev0) rec_head(&s->head, pi, REC_RAW, ev0, h - ev0);
        if (e > f) rec_head(&s->tail, pi, REC_RAW, f, e - f);
        if (!rc && f > h) rc = cs_wr_pack_start(p, h);
        for (size_t j = 0; !rc && j < k; g0 += bufs[j]->n_events, j++) {
            rc = events_part(s, pi, bufs[j]->events, g0, bufs[j]->n_events, h, f);
            if (!rc && eager) rc = cs_wr_ops_drain(s->w, emit_chunk, s);
        }
        pad8(&s->head);
        pad8(&s->tail);
    }
    s->nev = nev;
    s->rc = rc;
    return rc ? staging_fail(rc, err) : CS_OK;
}

bool cs_wshadow_filter(cs_wshadow *s)
{
    return cs_wr_ops_filter(s->w);
}

int cs_wshadow_message(cs_wshadow *s, const void **msg, size_t *len, cs_error *err)
{
    *msg = NULL, *len = 0;
    int rc = s->rc;
    if (!rc) rc = cs_wr_ops_drain(s->w, emit_chunk, s);
    bytes *m = &s->msg;
    m->n = 0;
    put_u64(m, MSG_MAGIC);
    put_u64(m, s->lo);
    put_u64(m, s->k);
    put_u64(m, s->nev);
    put(m, s->head.p, s->head.n);
    put(m, s->chunks.p, s->chunks.n);
    put(m, s->tail.p, s->tail.n);
    if (rc || m->nomem || s->head.nomem || s->chunks.nomem || s->tail.nomem)
        return staging_fail(rc == CS_WR_H5 ? rc : CS_WR_NOMEM, err);
    *msg = m->p, *len = m->n;
    return CS_OK;
}

/* ---- rank 0: the other ranks' blocks, and the end of a round ---- */

int cs_writer_dist_apply(cs_writer *w, size_t scenario, const void *msg, size_t len, cs_error *err)
{
    cs_wscen *sc = scenario < w->n_scen ? &w->scen[scenario] : NULL;
    if (!sc || !w->dist)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_dist_apply: bad call");
    reader r = {msg, (const unsigned char *)msg + len, false};
    bool ok = get_u64(&r) == MSG_MAGIC;
    uint64_t lo = get_u64(&r), k = get_u64(&r), nev = get_u64(&r);
    ok = ok && !r.bad && lo == sc->written && k <= w->replications - sc->written;
    /* sc->ev_written advances with each record of events; on a failure it goes back, so that
     * what the failed writer still commits (cs_writer_abort) claims no row of this block */
    uint64_t ev_start = sc->ev_written, ev_end = ev_start + nev;
    size_t n_rep = 0, i = 0;
    while (cs_wr_next_wdset(sc, &i))
        n_rep++;
    w->st_sc = sc;
    w->st_rep = lo + (k ? k - 1 : 0);
    int rc = CS_WR_OK;
    char what[200];
    snprintf(what, sizeof what, "cannot write replications %llu-%llu of scenario '%s'",
             (unsigned long long)lo, (unsigned long long)(lo + k), sc->name);
    while (ok && !rc && r.p < r.end) {
        uint64_t pi = get_u64(&r), kind = get_u64(&r), first = get_u64(&r), cnt = get_u64(&r);
        bool ev = pi == n_rep;
        cs_wdset *d = NULL;
        if (!ev) {
            i = (size_t)pi;
            d = pi < n_rep ? cs_wr_next_wdset(sc, &i) : NULL;
        }
        cs_wpack *p = ev ? &sc->ev_pk : d ? &d->pk : NULL;
        if (r.bad || !p || (ev && !sc->events)) {
            ok = false;
            break;
        }
        if (kind == REC_CHUNK) {
            /* the slabs' lengths, read in place (8-aligned u64, as size_t here) */
            const size_t *lens =
                cnt == p->nslab && cnt <= (size_t)(r.end - r.p) / sizeof(uint64_t)
                    ? (const size_t *)(const void *)take(&r, (size_t)cnt * sizeof(uint64_t))
                    : NULL;
            size_t total = 0;
            for (size_t s = 0; lens && s < cnt && total != SIZE_MAX; s++)
                total = lens[s] > (size_t)(r.end - r.p) - total ? SIZE_MAX : total + lens[s];
            if (!lens || total == SIZE_MAX) {
                ok = false;
                break;
            }
            const unsigned char *data = take(&r, total);
            skip8(&r, msg);
            bool at = ev ? first == sc->ev_written : first >= lo && first + p->c0 <= lo + k;
            if (!data || !at) {
                ok = false;
                break;
            }
            rc = cs_wr_pack_store_chunk(p, first, lens, data);
            if (rc == CS_WR_FAIL) ok = false, rc = CS_WR_OK;
            if (rc) w->broken = true; /* as cs_wr_ops_store: the file is left as it is */
            if (!rc && ev) sc->ev_written += p->c0;
            if (!rc && !ev && d->dims[0] < first + p->c0) d->dims[0] = first + p->c0;
            continue;
        }
        size_t mrow = ev ? H5Tget_size(sc->t_ev_mem) : (size_t)mem_row(d->mtype, d->rank, d->dims);
        const unsigned char *rows = kind == REC_RAW && mrow && cnt <= (size_t)(r.end - r.p) / mrow
                                        ? take(&r, (size_t)cnt * mrow)
                                        : NULL;
        skip8(&r, msg);
        if (!rows) {
            ok = false;
            break;
        }
        if (ev) {
            if (first != sc->ev_written || cnt > ev_end - sc->ev_written) {
                ok = false;
                break;
            }
            rc = cs_wr_put_events(w, sc, (const cs_evrec *)rows, (size_t)cnt, w->st_rep, err);
            if (rc) {
                sc->ev_written = ev_start;
                w->failed = true;
                return rc;
            }
            sc->ev_written += cnt;
            continue;
        }
        if (first < lo || first + cnt > lo + k || (p->direct && first != p->first + p->rows)) {
            ok = false;
            break;
        }
        for (uint64_t j = 0; !rc && j < cnt; j++)
            rc = cs_wr_put_row(w, d, first + j, rows + j * mrow);
    }
    bool fits = ok && sc->ev_written == ev_end;
    if (rc || !fits) sc->ev_written = ev_start;
    if (rc) return cs_wr_pack_fail(w, err, rc, what);
    if (!fits) {
        w->failed = true;
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                            "replications %llu-%llu from another rank do not fit the file (rows "
                            "out of order or missing)",
                            (unsigned long long)lo, (unsigned long long)(lo + k));
    }
    sc->written += k;
    return CS_OK;
}

int cs_writer_dist_round_end(cs_writer *w, size_t scenario, uint64_t work, cs_error *err)
{
    cs_wscen *sc = scenario < w->n_scen ? &w->scen[scenario] : NULL;
    if (!sc || !w->dist)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_dist_round_end: bad call");
    bool complete = sc->written == w->replications;
    uint64_t since = sc->written - cs_wr_marked(sc);
    w->work_since += work;
    bool due =
        complete || (w->commit_work ? w->work_since >= w->commit_work || since >= CS_COMMIT_MAX_ROWS
                                    : since >= w->commit_every);
    int rc = due && since ? cs_wr_queue_commit(w) : CS_WR_OK;
    if (!rc && complete) rc = cs_wr_queue_close(w, sc);
    if (rc) return cs_wr_pack_fail(w, err, rc, "cannot queue a commit");
    return cs_wr_store_ops(w, true, err);
}
