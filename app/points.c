/* Running the points of a scenario into an open writer: the replications of each point on
 * OpenMP threads, written in replication order by whichever thread has the writer's turn (one
 * at a time), so the file is identical whatever the number of threads; under MPI, rounds of
 * blocks split over the ranks, each compressing its own, written by rank 0 (run_point_dist) or
 * collectively with parallel HDF5 (run_point_coll, --mpi-writer collective). */
#include "cli.h"
#include "cssim/output.h"
#include "cssim/par.h"
#include "cssim/streams.h"

#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct progress {
    int on;
    double t0, last;
    uint64_t done, total, events;
} progress;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void progress_show(progress *pg, int final)
{
    if (!pg->on) return;
    double t = now_s();
    if (!final && t - pg->last < 0.2) return;
    pg->last = t;
    double el = t - pg->t0, rate = el > 0 ? (double)pg->events / el : 0;
    double eta = pg->done ? el * (double)(pg->total - pg->done) / (double)pg->done : 0;
    fprintf(stderr, "\r%llu/%llu replications  %.2fM events/s  ETA %.0fs   ",
            (unsigned long long)pg->done, (unsigned long long)pg->total, rate / 1e6, eta);
    if (final) fputc('\n', stderr);
    fflush(stderr);
}

/* One process: `threads` threads, and no thread only waits. Each takes the next replication
 * (handed out in order) and a free buffer of a bounded pool, runs it, and then, if that made
 * the next replication in order ready and no other thread is writing, takes the writer's turn:
 * it stages every finished replication in order (cs_writer_stage: copies into the chunks being
 * filled, which frees the buffer) and stores what is ready (cs_writer_store: the file's HDF5
 * calls, in order). Compressing the chunks staged, most of the cost of writing, is not part of
 * the turn: any thread does it (cs_writer_filter), before computing more. So the only serial
 * work is copying rows and HDF5's own calls, and the file is written in replication order,
 * the same whatever the number of threads. HDF5 is called by one thread at a time: the turn
 * passes under the pool's mutex, which orders each turn's HDF5 calls after the last (the
 * library is not thread-safe; its thread-safe build only serialises). At most `cap`
 * replications are computed ahead of the file; a thread that can neither write, compress nor
 * compute sleeps on a condition variable until a replication or a compression ends or a turn
 * does. After a stop request the replications already begun are finished and written:
 * nothing computed is thrown away. */
typedef struct rep_pool {
    pthread_mutex_t mu;
    pthread_cond_t changed; /* a replication or a compression ended, or the writer's turn */
    size_t cap;
    cs_repbuf **buf;    /* [cap]: replication r lives in slot r % cap while outstanding */
    int *state;         /* [cap]: 0 free, 1 computing, 2 done */
    int *rc;            /* [cap]: the replication's status */
    uint64_t *events;   /* [cap]: events dispatched */
    cs_error *err;      /* [cap]: the replication's error */
    uint64_t next, end; /* next replication to hand out; one past the last */
    uint64_t written;   /* replications staged so far (the file's position) */
    int writing;        /* a thread has the writer's turn */
    int failed;         /* a replication or the writer failed: hand out nothing more */
    int fail_rc;        /* the first failure, reported by run_point */
    cs_error fail_err;
    const volatile sig_atomic_t *stop; /* set (by a signal handler): begin no replication */
} rep_pool;

typedef struct point_ctx {
    const cs_params *p;
    const cs_world *world;
    const cs_uncertain *unc;
    size_t n_unc;
    cs_writer *w;
    size_t pt;
    progress *pg;
    const cs_schema_sel *sel; /* output.only: each buffer is staged through view */
    cs_repbuf_view *view;     /* used in the writer's turn only, one thread at a time */
} point_ctx;

static void pool_free(rep_pool *q, const cs_schema *schema)
{
    for (size_t i = 0; q->buf && i < q->cap; i++)
        cs_repbuf_destroy(q->buf[i], schema);
    free(q->buf), free(q->state), free(q->rc), free(q->events), free(q->err);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->changed);
}

static int pool_init(rep_pool *q, size_t cap, const point_ctx *c, uint64_t start,
                     const volatile sig_atomic_t *stop)
{
    memset(q, 0, sizeof *q);
    q->stop = stop;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->changed, NULL);
    q->cap = cap;
    q->next = q->written = start;
    q->end = (uint64_t)c->p->replications;
    q->buf = calloc(cap, sizeof *q->buf);
    q->state = calloc(cap, sizeof *q->state);
    q->rc = calloc(cap, sizeof *q->rc);
    q->events = calloc(cap, sizeof *q->events);
    q->err = calloc(cap, sizeof *q->err);
    if (!q->buf || !q->state || !q->rc || !q->events || !q->err) return CS_ENOMEM;
    for (size_t i = 0; i < cap; i++)
        if (!(q->buf[i] = cs_repbuf_create(cs_model_schema(), c->world->n_time, c->world->n_la,
                                           c->n_unc, c->p->out_events)))
            return CS_ENOMEM;
    return CS_OK;
}

/* The first failure stops the pool (lock held). */
static void pool_fail(rep_pool *q, int rc, const cs_error *e)
{
    if (!q->failed) {
        q->failed = 1;
        q->fail_rc = rc;
        q->fail_err = *e;
    }
    pthread_cond_broadcast(&q->changed);
}

/* The writer's turn (lock held on entry and on return): stages every finished replication, in
 * order, from the file's position on, and stores what the compressions have made ready. */
static void pool_write_turn(rep_pool *q, const point_ctx *c)
{
    q->writing = 1;
    while (!q->failed) {
        size_t k = (size_t)(q->written % q->cap);
        if (q->written < q->end && q->state[k] == 2) {
            if (q->rc[k] != CS_OK) {
                if (!q->err[k].msg[0])
                    cs_error_set(&q->err[k], q->rc[k], NULL, 0, 0, NULL,
                                 "replication %llu failed: %s", (unsigned long long)q->written,
                                 cs_strerror(q->rc[k]));
                pool_fail(q, q->rc[k], &q->err[k]);
                break;
            }
            pthread_mutex_unlock(&q->mu); /* the others go on computing while we write */
            cs_error e;
            cs_error_clear(&e);
            int rc =
                cs_writer_stage(c->w, c->pt, cs_repbuf_view_of(c->view, c->sel, q->buf[k]), &e);
            pthread_mutex_lock(&q->mu);
            if (rc != CS_OK) {
                pool_fail(q, rc, &e);
                break;
            }
            c->pg->done++;
            c->pg->events += q->events[k];
            q->state[k] = 0;
            q->written++;
            progress_show(c->pg, 0);
            pthread_cond_broadcast(&q->changed); /* chunks to compress, a buffer free */
            continue;
        }
        if (!(cs_writer_pending(c->w) & CS_WRITER_STORE)) break;
        pthread_mutex_unlock(&q->mu);
        cs_error e;
        cs_error_clear(&e);
        int rc = cs_writer_store(c->w, &e);
        pthread_mutex_lock(&q->mu);
        if (rc != CS_OK) {
            pool_fail(q, rc, &e);
            break;
        }
    }
    q->writing = 0;
    pthread_cond_broadcast(&q->changed);
}

/* One thread of the pool: writes, compresses and computes until nothing is left for it. In
 * that order of preference: the file's turn first (it frees buffers and starts compressions),
 * compressions before new replications (they bound what waits in memory). */
static void pool_thread(rep_pool *q, const point_ctx *c)
{
    cs_writer_thread_init(); /* this thread may take the writer's turn */
    /* this thread's replication context (engine, streams, allocator, errors) and its model */
    cs_ctx *x = cs_model_ctx_create(c->world, (size_t)c->p->max_pending, NULL);
    cs_model *m = x ? cs_model_create(x, c->world) : NULL;
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    pthread_mutex_lock(&q->mu);
    if (!m || !r) {
        cs_error e;
        cs_error_clear(&e);
        cs_error_set(&e, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory (replication context)");
        pool_fail(q, CS_ENOMEM, &e);
    }
    while (!q->failed) {
        unsigned wp = cs_writer_pending(c->w);
        if (!q->writing && ((q->written < q->end && q->state[q->written % q->cap] == 2) ||
                            (wp & CS_WRITER_STORE))) {
            pool_write_turn(q, c);
            continue;
        }
        if (wp & CS_WRITER_FILTER) {
            pthread_mutex_unlock(&q->mu);
            bool did = cs_writer_filter(c->w);
            pthread_mutex_lock(&q->mu);
            if (did) pthread_cond_broadcast(&q->changed); /* the file's turn may go on */
            continue;
        }
        if (!*q->stop && q->next < q->end && q->next < q->written + q->cap) {
            uint64_t rep = q->next++;
            size_t k = (size_t)(rep % q->cap);
            q->state[k] = 1;
            pthread_mutex_unlock(&q->mu);
            cs_error e;
            cs_error_clear(&e);
            int rc = cs_run_rep(m, r, c->p, c->world, c->unc, c->n_unc, rep, q->buf[k], &e);
            uint64_t ev = rc == CS_OK ? cs_model_events(m) : 0;
            pthread_mutex_lock(&q->mu);
            q->rc[k] = rc;
            q->err[k] = e;
            q->events[k] = ev;
            q->state[k] = 2; /* staged by this thread (next turn of the loop) or the writer */
            continue;
        }
        /* Nothing to do now. Done when every replication handed out is staged and the queue
         * stored (a stop hands out no more); else something in flight will wake us. */
        if (q->written == q->next && (*q->stop || q->next >= q->end) && !q->writing &&
            !(wp & CS_WRITER_QUEUED))
            break;
        pthread_cond_wait(&q->changed, &q->mu);
    }
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
    gsl_rng_free(r);
    cs_model_destroy(m);
    cs_ctx_destroy(x);
}

static int run_point(cs_writer *w, size_t pt, const cs_scenario *sc, int threads, progress *pg,
                     const volatile sig_atomic_t *stop, cs_error *err)
{
    cs_repbuf_view view;
    point_ctx c = {.p = &sc->params[pt],
                   .world = sc->worlds[pt],
                   .w = w,
                   .pt = pt,
                   .pg = pg,
                   .sel = &sc->sel[pt],
                   .view = &view};
    c.n_unc = cs_config_uncertain(sc->cfg, pt, &c.unc);
    uint64_t start = cs_writer_done(w, pt);
    if (start >= (uint64_t)c.p->replications) return *stop ? CS_EINTR : CS_OK;
    rep_pool q;
    /* two buffers per thread: each computes the next while the last waits for its turn */
    int rc = pool_init(&q, 2 * (size_t)threads + 1, &c, start, stop);
    if (!rc) rc = cs_repbuf_view_init(&view, c.sel);
    if (rc) {
        cs_error_set(err, rc, NULL, 0, 0, NULL, "out of memory (result buffers)");
        pool_free(&q, cs_model_schema());
        return rc;
    }
#pragma omp parallel num_threads(threads)
    pool_thread(&q, &c);
    if (q.failed) {
        rc = q.fail_rc ? q.fail_rc : CS_EMODEL;
        *err = q.fail_err;
    } else if (q.written < q.end) {
        rc = CS_EINTR; /* stopped (only a stop leaves replications unwritten) */
    }
    pool_free(&q, cs_model_schema());
    cs_repbuf_view_free(&view);
    return rc;
}

/* Where the time of a distributed run goes, per rank (CSSIM_MPI_STATS=1 prints it). */
typedef struct dist_stats {
    uint64_t rounds;
    double compute; /* running this rank's blocks */
    double wait;    /* waiting at the round's agreement for the slowest rank (load imbalance) */
    double write;   /* staging, compressing, the exchange with rank 0 (or the collective
                       writes) and commits */
} dist_stats;

/* Replications per rank and round: enough per thread that one slow replication matters
 * little (load balance) and a round's fixed cost (its agreements and exchange; with parallel
 * HDF5 an extension and a write per dataset) is amortised, few enough that SIGTERM is answered
 * within a few replication times and the B result buffers stay small. It is also the writer's
 * round_rows: chunks along replication hold a divisor of it, but (root writer) those of
 * datasets whose block is a few bytes. CSSIM_MPI_BLOCK overrides it. */
uint64_t cs_points_block(int threads)
{
    const char *e = getenv("CSSIM_MPI_BLOCK");
    long long v = e && *e ? strtoll(e, NULL, 10) : 0;
    if (v > 0) return (uint64_t)v;
    return threads * 4 > 16 ? (uint64_t)threads * 4 : 16;
}

/* The contexts of a distributed point: B result buffers and one model and stream per thread. */
typedef struct dist_ctx {
    const cs_params *p;
    const cs_world *world;
    const cs_uncertain *unc;
    size_t n_unc;
    uint64_t B;  /* replications per rank and round, at most */
    uint64_t nb; /* buffers: min(B, the run rounded up to whole blocks) */
    int threads;
    cs_repbuf **bufs;         /* [nb] */
    const cs_schema_sel *sel; /* output.only */
    cs_repbuf_view *views;    /* [nb]: bufs through sel */
    const cs_repbuf **staged; /* [nb]: what is staged (views, or bufs themselves) */
    cs_model **models;        /* [threads] */
    cs_ctx **ctxs;            /* [threads]: the threads' replication contexts */
    gsl_rng **rngs;           /* [threads] */
} dist_ctx;

static void dist_free(dist_ctx *d)
{
    for (uint64_t i = 0; d->bufs && i < d->nb; i++)
        cs_repbuf_destroy(d->bufs[i], cs_model_schema());
    for (int t = 0; d->models && d->ctxs && d->rngs && t < d->threads; t++) {
        cs_model_destroy(d->models[t]);
        cs_ctx_destroy(d->ctxs[t]);
        if (d->rngs[t]) gsl_rng_free(d->rngs[t]);
    }
    for (uint64_t i = 0; d->views && i < d->nb; i++)
        cs_repbuf_view_free(&d->views[i]);
    free(d->views);
    free(d->staged);
    free(d->bufs);
    free(d->models);
    free(d->ctxs);
    free(d->rngs);
}

/* CS_OK or CS_ENOMEM (with its message); the caller agrees on it and frees. Blocks start at
 * multiples of `align` (which B is rounded up to), and a rank's is at most B rows. */
static int dist_init(dist_ctx *d, const cs_scenario *sc, size_t pt, int threads, uint64_t align,
                     cs_error *err)
{
    d->p = &sc->params[pt];
    d->world = sc->worlds[pt];
    d->n_unc = cs_config_uncertain(sc->cfg, pt, &d->unc);
    d->threads = threads;
    uint64_t n = (uint64_t)d->p->replications;
    d->B = (cs_points_block(threads) + align - 1) / align * align;
    uint64_t run = (n + align - 1) / align * align; /* the run in whole units */
    uint64_t nb = d->B < run ? d->B : run;
    d->bufs = calloc(nb ? nb : 1, sizeof *d->bufs);
    d->sel = &sc->sel[pt];
    d->views = calloc(nb ? nb : 1, sizeof *d->views);
    d->staged = calloc(nb ? nb : 1, sizeof *d->staged);
    d->models = calloc((size_t)threads, sizeof *d->models);
    d->ctxs = calloc((size_t)threads, sizeof *d->ctxs);
    d->rngs = calloc((size_t)threads, sizeof *d->rngs);
    int rc =
        d->bufs && d->views && d->staged && d->models && d->ctxs && d->rngs ? CS_OK : CS_ENOMEM;
    d->nb = nb;
    for (uint64_t i = 0; !rc && i < nb; i++)
        rc = cs_repbuf_view_init(&d->views[i], d->sel);
    for (uint64_t i = 0; !rc && i < nb; i++)
        if (!(d->bufs[i] = cs_repbuf_create(cs_model_schema(), d->world->n_time, d->world->n_la,
                                            d->n_unc, d->p->out_events)))
            rc = CS_ENOMEM;
    for (int t = 0; !rc && t < threads; t++) {
        d->ctxs[t] = cs_model_ctx_create(d->world, (size_t)d->p->max_pending, NULL);
        d->models[t] = d->ctxs[t] ? cs_model_create(d->ctxs[t], d->world) : NULL;
        d->rngs[t] = gsl_rng_alloc(cs_rng_philox);
        if (!d->models[t] || !d->rngs[t]) rc = CS_ENOMEM;
    }
    if (rc) cs_error_set(err, rc, NULL, 0, 0, NULL, "out of memory (replication contexts)");
    return rc;
}

/* Runs replications lo..lo+k-1 into bufs[0..k) on the threads; the first failure goes to
 * *ferr (returns its status), the events dispatched to *events. */
static int dist_compute(dist_ctx *d, uint64_t lo, uint64_t k, uint64_t *events, cs_error *ferr)
{
    int failed = 0;
    uint64_t ev = 0;
    cs_error_clear(ferr);
#pragma omp parallel for schedule(dynamic, 1) num_threads(d->threads) reduction(+ : ev)
    for (uint64_t i = 0; i < k; i++) {
        int t = omp_get_thread_num();
        cs_error rerr;
        cs_error_clear(&rerr);
        int r1 = cs_run_rep(d->models[t], d->rngs[t], d->p, d->world, d->unc, d->n_unc, lo + i,
                            d->bufs[i], &rerr);
        if (r1 != CS_OK) {
#pragma omp critical(cs_fail)
            if (!failed) {
                failed = 1;
                *ferr = rerr;
                if (!ferr->msg[0])
                    cs_error_set(ferr, r1, NULL, 0, 0, NULL, "replication %llu failed: %s",
                                 (unsigned long long)(lo + i), cs_strerror(r1));
                if (!ferr->status) ferr->status = r1;
            }
        } else {
            ev += cs_model_events(d->models[t]);
        }
    }
    *events = ev;
    return failed ? ferr->status : CS_OK;
}

/* The first k buffers as they are staged: through the point's output.only (no allocation). */
static const cs_repbuf *const *staged(dist_ctx *d, uint64_t k)
{
    for (uint64_t i = 0; i < k; i++)
        d->staged[i] = cs_repbuf_view_of(&d->views[i], d->sel, d->bufs[i]);
    return d->staged;
}

/* One round's block of this rank, simulated (both writers): the stop flag, then the block,
 * replications [lo, lo + k) of the round's [base, end), then any failure, agreed by all. */
typedef struct round {
    uint64_t end, lo, k, events;
    double t_agreed; /* when the agreement after the simulation ended */
} round;

static int round_run(dist_ctx *d, const cs_par *par, uint64_t base, uint64_t align, uint64_t n,
                     const volatile sig_atomic_t *stop, round *rd, dist_stats *st, cs_error *err)
{
    uint64_t R = (uint64_t)cs_par_size(par), me = (uint64_t)cs_par_rank(par);
    if (cs_par_max_u64(par, *stop ? 1 : 0)) return CS_EINTR;
    uint64_t u0 = base / align, end = u0 * align + R * d->B;
    if (end > n) end = n;
    uint64_t nu = (end + align - 1) / align - u0;
    uint64_t lo = (u0 + nu * me / R) * align, hi = (u0 + nu * (me + 1) / R) * align;
    lo = lo < base ? base : lo > end ? end : lo;
    hi = hi < base ? base : hi > end ? end : hi;
    *rd = (round){.end = end, .lo = lo, .k = hi - lo};
    cs_error ferr;
    double t0 = now_s();
    int failed = dist_compute(d, lo, rd->k, &rd->events, &ferr);
    double t1 = now_s();
    int rc = cs_par_agree(par, failed, &ferr);
    rd->t_agreed = now_s();
    st->rounds++;
    st->compute += t1 - t0;
    st->wait += rd->t_agreed - t1;
    if (rc) *err = ferr;
    return rc;
}

/* Several processes. Rank 0 holds the writer (that of one process); the others describe
 * nothing to HDF5. The replications still to do go in rounds of up to R*B, cut into units of
 * `align` rows counted from the start of the file (so that a rank's block fills whole chunks
 * of most datasets); rank r takes units [u0 + nu*r/R, u0 + nu*(r+1)/R) of the round's nu
 * (clipped to what is left), a contiguous block, run on its OpenMP threads. Then rank 0
 * stages its block as one process would, every other rank stages its own into chunks of the
 * file's shapes (cs_wshadow_stage), all compress on all their threads (with one thread, each
 * chunk as soon as it fills, so that a block's raw chunks are not all held at once: fewer
 * fresh pages, and a chunk compressed while it is still in cache), the others send rank 0
 * their chunks (cs_wshadow_message), and rank 0 applies them in rank order, stores and commits
 * (cs_writer_dist_apply, cs_writer_dist_round_end): file order is replication order, so the
 * data are those of one process. A full round gives every rank B rows; the last spreads what
 * is left over the ranks to within one unit. Ranks stop together: failures and the stop flag
 * (SIGINT/SIGTERM on any rank) are agreed at every round. */
static int run_point_dist(cs_writer *w, const cs_par *par, size_t pt, const cs_scenario *sc,
                          int threads, progress *pg, dist_stats *st,
                          const volatile sig_atomic_t *stop, cs_error *err)
{
    dist_ctx d = {0};
    int root = cs_par_rank(par) == 0;
    uint64_t n = (uint64_t)sc->params[pt].replications, R = (uint64_t)cs_par_size(par),
             me = (uint64_t)cs_par_rank(par);
    /* rank 0's writer: replications and event rows done, the block unit, the description */
    uint64_t hdr[4] = {0, 0, 1, 0};
    void *desc = NULL;
    size_t dlen = 0;
    int rc = CS_OK;
    if (root) {
        hdr[0] = cs_writer_done(w, pt);
        hdr[1] = cs_writer_events_done(w, pt);
        if (hdr[0] < n)
            rc = cs_writer_dist_begin(w, pt, 4 * cs_points_block(threads), &hdr[2], &desc, &dlen,
                                      err);
        hdr[3] = dlen;
    }
    rc = cs_par_agree(par, rc, err);
    if (rc == CS_OK) cs_par_bcast(par, hdr, sizeof hdr, 0);
    if (rc || hdr[0] >= n) {
        free(desc);
        return rc;
    }
    if (!root && !(desc = malloc(hdr[3] ? hdr[3] : 1)))
        rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    rc = cs_par_agree(par, rc, err);
    cs_wshadow *shadow = NULL;
    if (rc == CS_OK) {
        cs_par_bcast(par, desc, (size_t)hdr[3], 0);
        if (!root) rc = cs_wshadow_create(&shadow, desc, (size_t)hdr[3], err);
    }
    free(desc);
    uint64_t align = hdr[2], base = hdr[0], evb = hdr[1];
    uint64_t *lens = calloc(R, sizeof *lens);
    unsigned char *in = NULL; /* rank 0: the block of one other rank */
    size_t in_cap = 0;
    if (rc == CS_OK && !lens) rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    rc = cs_par_agree(par, rc, err);
    if (rc == CS_OK) rc = cs_par_agree(par, dist_init(&d, sc, pt, threads, align, err), err);
    while (rc == CS_OK && base < n) {
        round rd;
        rc = round_run(&d, par, base, align, n, stop, &rd, st, err);
        if (rc) break;
        uint64_t lo = rd.lo, k = rd.k, events = rd.events;
        /* rank 0 stages its block; the others stage and compress theirs into one message */
        uint64_t nev = 0, work = cs_par_sum_u64(par, events);
        for (uint64_t i = 0; i < k; i++)
            nev += d.bufs[i]->n_events;
        uint64_t ev0 = evb + cs_par_exscan_u64(par, nev);
        const void *msg = NULL;
        size_t mlen = 0;
        int wr = CS_OK;
        const cs_repbuf *const *blk = staged(&d, k);
        /* one thread: each chunk compressed (and stored or collected) as soon as it fills;
         * cs_writer_write is the stage, the filtering on this thread and the store */
        bool eager = d.threads == 1;
        for (uint64_t i = 0; root && wr == CS_OK && i < k; i++)
            wr = eager ? cs_writer_write(w, pt, blk[i], err) : cs_writer_stage(w, pt, blk[i], err);
        if (!root)
            wr = cs_wshadow_stage(shadow, &d.sel->schema, blk, (size_t)k, lo, ev0, eager, err);
#pragma omp parallel num_threads(d.threads)
        { /* every rank compresses its block's chunks on all its threads, at the same time */
            cs_writer_thread_init();
            while (root ? cs_writer_filter(w) : cs_wshadow_filter(shadow))
                ;
        }
        if (root && wr == CS_OK) wr = cs_writer_store(w, err);
        if (!root && wr == CS_OK) wr = cs_wshadow_message(shadow, &msg, &mlen, err);
        rc = cs_par_agree(par, wr, err);
        if (rc == CS_OK) { /* the sizes first: rank 0 takes the blocks only if it can hold them */
            uint64_t mx = 0;
            lens[me] = mlen;
            if (!root) cs_par_send(par, 0, &lens[me], sizeof lens[me]);
            for (uint64_t r = 1; root && r < R; r++) {
                cs_par_recv(par, (int)r, &lens[r], sizeof lens[r]);
                mx = lens[r] > mx ? lens[r] : mx;
            }
            if (root && mx > in_cap) {
                free(in);
                in_cap = (in = malloc(mx)) ? mx : 0;
                if (!in)
                    wr = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL,
                                      "out of memory (a block from another rank)");
            }
            rc = cs_par_agree(par, wr, err);
        }
        if (rc == CS_OK) {
            if (!root) cs_par_send(par, 0, msg, mlen);
            for (uint64_t r = 1; root && r < R; r++) {
                cs_par_recv(par, (int)r, in, (size_t)lens[r]); /* all, even after a failure */
                if (wr == CS_OK) wr = cs_writer_dist_apply(w, pt, in, (size_t)lens[r], err);
            }
            if (root && wr == CS_OK) wr = cs_writer_dist_round_end(w, pt, work, err);
            rc = cs_par_agree(par, wr, err);
        }
        st->write += now_s() - rd.t_agreed;
        if (rc) break;
        pg->done += rd.end - base;
        base = rd.end;
        evb += cs_par_sum_u64(par, nev);
        pg->events += work;
        progress_show(pg, 0);
    }
    cs_wshadow_destroy(shadow);
    free(lens);
    free(in);
    dist_free(&d);
    return rc;
}

/* Several processes, --mpi-writer collective: every rank has the file open with parallel HDF5.
 * The replications still to do go in rounds of up to R*B, cut into units of
 * `align` rows (cs_writer_rows_align: no chunk spans two units) counted from the start of the
 * file; rank r takes units [u0 + nu*r/R, u0 + nu*(r+1)/R) of the round's nu (clipped to what is
 * left), a contiguous block, run on its OpenMP threads; then every rank writes its block
 * collectively (cs_writer_write_block), each compressing its own chunks. A full round gives
 * every rank B rows; the last spreads what is left over the ranks to within one unit. File
 * order is replication order, so the data are those of one process. Ranks stop together:
 * failures and the stop flag (SIGINT/SIGTERM on any rank) are agreed at every round. */
static int run_point_coll(cs_writer *w, const cs_par *par, size_t pt, const cs_scenario *sc,
                          int threads, progress *pg, dist_stats *st,
                          const volatile sig_atomic_t *stop, cs_error *err)
{
    dist_ctx d = {0};
    uint64_t n = (uint64_t)sc->params[pt].replications, align = 1;
    int rc = cs_writer_rows_align(w, pt, 4 * cs_points_block(threads), &align, err);
    if (rc == CS_OK) rc = cs_par_agree(par, dist_init(&d, sc, pt, threads, align, err), err);
    for (uint64_t base; rc == CS_OK && (base = cs_writer_done(w, pt)) < n;) {
        round rd;
        rc = round_run(&d, par, base, align, n, stop, &rd, st, err);
        if (rc) break;
        rc = cs_writer_write_block(w, pt, staged(&d, rd.k), (size_t)rd.k, err);
        st->write += now_s() - rd.t_agreed;
        if (rc) break;
        pg->done += rd.end - base;
        pg->events += cs_par_sum_u64(par, rd.events);
        progress_show(pg, 0);
    }
    dist_free(&d);
    return rc;
}

/* CSSIM_MPI_STATS=1: rank 0 prints where the time went (bench/mpi_scaling.sh reads it). */
static void dist_report(const cs_par *par, const dist_stats *st, int threads)
{
    const char *e = getenv("CSSIM_MPI_STATS");
    if (!e || !*e || !strcmp(e, "0")) return;
    int R = cs_par_size(par);
    double cmax = cs_par_max_f64(par, st->compute), cmin = cs_par_min_f64(par, st->compute),
           csum = cs_par_sum_f64(par, st->compute), wsum = cs_par_sum_f64(par, st->wait),
           wrmax = cs_par_max_f64(par, st->write), wrsum = cs_par_sum_f64(par, st->write);
    if (cs_par_rank(par) != 0) return;
    fprintf(stderr,
            "mpi-stats: ranks=%d threads=%d rounds=%llu compute_mean=%.3f compute_min=%.3f "
            "compute_max=%.3f imbalance_wait_mean=%.3f write_mean=%.3f write_max=%.3f\n",
            R, threads, (unsigned long long)st->rounds, csum / R, cmin, cmax, wsum / R, wrsum / R,
            wrmax);
}

/* Runs every point into the open writer and closes it (w is consumed). */
int cs_points_run(cs_writer *w, const cs_par *par, int collective, const cs_scenario *sc,
                  int threads, int show_progress, uint64_t total, const volatile sig_atomic_t *stop,
                  cs_error *err)
{
    progress pg = {.on = show_progress, .t0 = now_s(), .total = total};
    dist_stats dst = {0};
    int rc = CS_OK, dist = cs_par_size(par) > 1;
    for (size_t pt = 0; rc == CS_OK && pt < sc->n; pt++)
        rc = !dist        ? run_point(w, pt, sc, threads, &pg, stop, err)
             : collective ? run_point_coll(w, par, pt, sc, threads, &pg, &dst, stop, err)
                          : run_point_dist(w, par, pt, sc, threads, &pg, &dst, stop, err);
    progress_show(&pg, 1);
    if (dist) dist_report(par, &dst, threads);
    if (dist && !collective) {
        /* only rank 0 has a writer: it closes, and every rank returns its outcome */
        if (rc == CS_OK) {
            int c = cs_par_rank(par) == 0 ? cs_writer_close(w, err) : CS_OK;
            return cs_par_agree(par, c, err);
        }
    } else if (rc == CS_OK) {
        return cs_writer_close(w, err); /* (collective: on every rank, agreed) */
    }
    cs_error e2;
    if (w) {
        cs_writer_flush(w, &e2);
        cs_writer_close(w, &e2);
    }
    return rc;
}
