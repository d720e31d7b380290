/* cssim run: every sweep point of a scenario, replications in parallel (OpenMP, dynamic
 * schedule), written in replication order by one thread so the file is identical whatever
 * the number of threads. Interruptible: SIGINT/SIGTERM stop new replications, the finished
 * ones are kept, and --resume completes the rest.
 *
 * Under MPI (`mpirun -np R cssim run ...`, CSSIM_MPI build) the replications are split in
 * rounds over the ranks, each rank running its block on its OpenMP threads, and all ranks
 * write each round collectively to the one file (run_point_dist); the data are those of one
 * process, whatever R and the thread counts. */
#include "cli.h"
#include "cssim/output.h"
#include "cssim/par.h"
#include "cssim/streams.h"

#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Before anything touches the output: SIGINT/SIGTERM then stop the run cleanly (what is
 * finished is kept) at any moment, even while the file is being created; SIGXFSZ is ignored so
 * that a file-size limit (`ulimit -f`, batch systems) is a write error like a full disk,
 * reported and resumable, not a silent death. */
static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGXFSZ, SIG_IGN);
}

/* Threads beyond this many per online processor only cost memory and start-up. */
#define CS_MAX_THREADS_PER_CPU 4

/* At most CS_MAX_THREADS_PER_CPU threads per online processor and one per replication to run:
 * more would only wait (results do not depend on the number of threads). */
static int cap_threads(int threads, uint64_t todo, int quiet)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long cap = (cpus > 0 ? cpus : 1) * CS_MAX_THREADS_PER_CPU;
    if (todo > 0 && (uint64_t)cap > todo) cap = (long)todo;
    if (cap < 1) cap = 1;
    if (threads > cap) {
        if (!quiet)
            fprintf(stderr,
                    "cssim: note: -j %d capped at %ld threads (%ld processors, %llu "
                    "replications to run)\n",
                    threads, cap, cpus, (unsigned long long)todo);
        return (int)cap;
    }
    return threads;
}

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

/* One process: `threads` workers run replications (handed out in order) into a bounded pool
 * of result buffers, and the calling thread alone writes them to the file in replication
 * order (every HDF5 call on one thread). A buffer is reused once written, so at most `cap`
 * replications are computed ahead of the writer; workers wait (asleep) for a free buffer and
 * the writer for the next replication. After a stop request the replications already begun
 * are finished and written: nothing computed is thrown away. */
typedef struct rep_pool {
    pthread_mutex_t mu;
    pthread_cond_t ready, freed; /* a buffer was filled / released */
    size_t cap;
    cs_repbuf **buf;    /* [cap]: replication r lives in slot r % cap while outstanding */
    int *state;         /* [cap]: 0 free, 1 computing, 2 done */
    int *rc;            /* [cap]: the replication's status */
    uint64_t *events;   /* [cap]: events dispatched */
    cs_error *err;      /* [cap]: the replication's error */
    uint64_t next, end; /* next replication to hand out; one past the last */
    uint64_t written;   /* replications written so far (the writer's position) */
    int done_workers;   /* workers that have returned */
    int failed;         /* a replication or the writer failed: hand out nothing more */
} rep_pool;

typedef struct point_ctx {
    const cs_params *p;
    const cs_world *world;
    const cs_uncertain *unc;
    size_t n_unc;
} point_ctx;

static void pool_free(rep_pool *q, const cs_schema *schema)
{
    for (size_t i = 0; q->buf && i < q->cap; i++)
        cs_repbuf_destroy(q->buf[i], schema);
    free(q->buf), free(q->state), free(q->rc), free(q->events), free(q->err);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->ready);
    pthread_cond_destroy(&q->freed);
}

static int pool_init(rep_pool *q, size_t cap, const point_ctx *c, uint64_t start)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->ready, NULL);
    pthread_cond_init(&q->freed, NULL);
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

/* A worker: takes the next replication and a free buffer, runs it, hands it to the writer. */
static void pool_work(rep_pool *q, const point_ctx *c)
{
    cs_model *m = cs_model_create(c->world, (size_t)c->p->max_pending);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    pthread_mutex_lock(&q->mu);
    if (!m || !r) {
        if (!q->failed) {
            q->failed = 1;
            q->rc[0] = CS_ENOMEM;
            cs_error_set(&q->err[0], CS_ENOMEM, NULL, 0, 0, NULL,
                         "out of memory (replication context)");
        }
        pthread_cond_broadcast(&q->ready);
    }
    for (;;) {
        /* the slot of the next replication is free once the writer is within cap of it */
        while (!q->failed && !stop_requested && q->next < q->end && q->next >= q->written + q->cap)
            pthread_cond_wait(&q->freed, &q->mu);
        if (q->failed || stop_requested || q->next >= q->end) break;
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
        q->state[k] = 2;
        pthread_cond_broadcast(&q->ready);
    }
    pthread_cond_broadcast(&q->ready); /* the writer may be waiting for what we will not do */
    pthread_mutex_unlock(&q->mu);
    gsl_rng_free(r);
    cs_model_destroy(m);
}

/* The writer: replications in order, as they complete. */
static int pool_write(rep_pool *q, cs_writer *w, size_t pt, progress *pg, int workers,
                      cs_error *err)
{
    int rc = CS_OK;
    pthread_mutex_lock(&q->mu);
    while (q->written < q->end) {
        size_t k = (size_t)(q->written % q->cap);
        /* wait while replication `written` is being (or will be) computed */
        while (q->state[k] != 2 && !q->failed && (q->written < q->next || !stop_requested) &&
               q->done_workers < workers)
            pthread_cond_wait(&q->ready, &q->mu);
        if (q->state[k] != 2) {
            if (q->failed) {
                *err = q->err[0];
                rc = q->rc[0] ? q->rc[0] : CS_EMODEL;
            } else {
                rc = CS_EINTR;
            }
            break;
        }
        if (q->rc[k] != CS_OK) {
            rc = q->rc[k];
            *err = q->err[k];
            if (!err->msg[0])
                cs_error_set(err, rc, NULL, 0, 0, NULL, "replication %llu failed: %s",
                             (unsigned long long)q->written, cs_strerror(rc));
            q->failed = 1;
            pthread_cond_broadcast(&q->freed);
            break;
        }
        pthread_mutex_unlock(&q->mu); /* workers go on while we write */
        rc = cs_writer_write(w, pt, q->buf[k], err);
        pthread_mutex_lock(&q->mu);
        if (rc != CS_OK) {
            q->failed = 1;
            pthread_cond_broadcast(&q->freed);
            break;
        }
        pg->done++;
        pg->events += q->events[k];
        q->state[k] = 0;
        q->written++;
        pthread_cond_broadcast(&q->freed);
        progress_show(pg, 0);
    }
    if (rc == CS_OK && stop_requested && q->written < q->end) rc = CS_EINTR;
    q->failed = q->failed || rc != CS_OK;
    pthread_cond_broadcast(&q->freed);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

static int run_point(cs_writer *w, size_t pt, const cs_scenario *sc, int threads, progress *pg,
                     cs_error *err)
{
    point_ctx c = {.p = &sc->params[pt], .world = sc->worlds[pt]};
    c.n_unc = cs_config_uncertain(sc->cfg, pt, &c.unc);
    uint64_t start = cs_writer_done(w, pt);
    if (start >= (uint64_t)c.p->replications) return stop_requested ? CS_EINTR : CS_OK;
    rep_pool q;
    /* two buffers per worker: each computes the next while the writer writes the last */
    int rc = pool_init(&q, 2 * (size_t)threads + 1, &c, start);
    if (rc) {
        cs_error_set(err, rc, NULL, 0, 0, NULL, "out of memory (result buffers)");
        pool_free(&q, cs_model_schema());
        return rc;
    }
#pragma omp parallel num_threads(threads + 1)
    {
        int workers = omp_get_num_threads() - 1; /* the runtime may give fewer threads */
        if (workers == 0) {
            /* alone: compute each replication, then write it */
            uint64_t end = q.end;
            while (rc == CS_OK && q.written < end && !stop_requested) {
                q.end = q.written + 1; /* one replication: compute it, then write it */
                pool_work(&q, &c);
                rc = pool_write(&q, w, pt, pg, 1, err);
            }
            if (rc == CS_OK && stop_requested && q.written < end) rc = CS_EINTR;
        } else if (omp_get_thread_num() == 0) {
            rc = pool_write(&q, w, pt, pg, workers, err);
        } else {
            pool_work(&q, &c);
            pthread_mutex_lock(&q.mu);
            q.done_workers++;
            pthread_cond_broadcast(&q.ready);
            pthread_mutex_unlock(&q.mu);
        }
    }
    pool_free(&q, cs_model_schema());
    return rc;
}

/* Where the time of a distributed run goes, per rank (CSSIM_MPI_STATS=1 prints it). */
typedef struct dist_stats {
    uint64_t rounds;
    double compute; /* running this rank's blocks */
    double wait;    /* waiting at the round's agreement for the slowest rank (load imbalance) */
    double write;   /* collective extension, hyperslab writes and commit */
} dist_stats;

/* Replications per rank and round: enough per thread that one slow replication matters
 * little (load balance) and the collective write is amortised, few enough that SIGTERM is
 * answered within a few replication times. CSSIM_MPI_BLOCK overrides it. */
static uint64_t dist_block(int threads)
{
    const char *e = getenv("CSSIM_MPI_BLOCK");
    long long v = e && *e ? strtoll(e, NULL, 10) : 0;
    if (v > 0) return (uint64_t)v;
    return threads * 4 > 8 ? (uint64_t)threads * 4 : 8;
}

/* Several processes. The replications still to do go in rounds: the next M = min(R*B, left)
 * are split into R contiguous blocks, rank r taking [base + r*M/R, base + (r+1)*M/R), run on
 * its OpenMP threads; then every rank writes its block collectively (cs_writer_write_block).
 * File order is replication order, so the data are those of one process. Ranks stop together:
 * failures and the stop flag (SIGINT/SIGTERM on any rank) are agreed at every round. */
static int run_point_dist(cs_writer *w, const cs_par *par, size_t pt, const cs_scenario *sc,
                          int threads, progress *pg, dist_stats *st, cs_error *err)
{
    const cs_params *p = &sc->params[pt];
    const cs_world *world = sc->worlds[pt];
    const cs_schema *schema = cs_model_schema();
    const cs_uncertain *unc = NULL;
    size_t n_unc = cs_config_uncertain(sc->cfg, pt, &unc);
    uint64_t n = (uint64_t)p->replications, R = (uint64_t)cs_par_size(par),
             me = (uint64_t)cs_par_rank(par), B = dist_block(threads);
    if (B > n) B = n ? n : 1;
    /* each rank's block is at most ceil(M/R) <= B */
    cs_repbuf **bufs = calloc(B, sizeof *bufs);
    cs_model **models = calloc((size_t)threads, sizeof *models);
    gsl_rng **rngs = calloc((size_t)threads, sizeof *rngs);
    int rc = bufs && models && rngs ? CS_OK : CS_ENOMEM;
    for (uint64_t i = 0; !rc && i < B; i++)
        if (!(bufs[i] = cs_repbuf_create(schema, world->n_time, world->n_la, n_unc, p->out_events)))
            rc = CS_ENOMEM;
    for (int t = 0; !rc && t < threads; t++) {
        models[t] = cs_model_create(world, (size_t)p->max_pending);
        rngs[t] = gsl_rng_alloc(cs_rng_philox);
        if (!models[t] || !rngs[t]) rc = CS_ENOMEM;
    }
    if (rc) cs_error_set(err, rc, NULL, 0, 0, NULL, "out of memory (replication contexts)");
    rc = cs_par_agree(par, rc, err);
    while (rc == CS_OK) {
        uint64_t base = cs_writer_done(w, pt);
        if (base >= n) break;
        if (cs_par_max_u64(par, stop_requested ? 1 : 0)) {
            rc = CS_EINTR;
            break;
        }
        uint64_t M = n - base < R * B ? n - base : R * B;
        uint64_t lo = base + M * me / R, hi = base + M * (me + 1) / R, k = hi - lo;
        double t0 = now_s();
        int failed = 0;
        uint64_t events = 0;
        cs_error ferr;
        cs_error_clear(&ferr);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) reduction(+ : events)
        for (uint64_t i = 0; i < k; i++) {
            int t = omp_get_thread_num();
            cs_error rerr;
            cs_error_clear(&rerr);
            int r1 = cs_run_rep(models[t], rngs[t], p, world, unc, n_unc, lo + i, bufs[i], &rerr);
            if (r1 != CS_OK) {
#pragma omp critical(cs_fail)
                if (!failed) {
                    failed = 1;
                    ferr = rerr;
                    if (!ferr.msg[0])
                        cs_error_set(&ferr, r1, NULL, 0, 0, NULL, "replication %llu failed: %s",
                                     (unsigned long long)(lo + i), cs_strerror(r1));
                    if (!ferr.status) ferr.status = r1;
                }
            } else {
                events += cs_model_events(models[t]);
            }
        }
        double t1 = now_s();
        rc = cs_par_agree(par, failed ? ferr.status : CS_OK, &ferr);
        double t2 = now_s();
        if (rc) {
            *err = ferr;
            break;
        }
        rc = cs_writer_write_block(w, pt, (const cs_repbuf *const *)bufs, (size_t)k, err);
        double t3 = now_s();
        st->rounds++;
        st->compute += t1 - t0;
        st->wait += t2 - t1;
        st->write += t3 - t2;
        if (rc) break;
        pg->done += M;
        pg->events += cs_par_sum_u64(par, events);
        progress_show(pg, 0);
    }
    for (uint64_t i = 0; bufs && i < B; i++)
        cs_repbuf_destroy(bufs[i], schema);
    for (int t = 0; models && rngs && t < threads; t++) {
        cs_model_destroy(models[t]);
        if (rngs[t]) gsl_rng_free(rngs[t]);
    }
    free(bufs);
    free(models);
    free(rngs);
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

/* The arguments of one `cssim run`. */
typedef struct run_args {
    const char *out, *n_arg, *s_arg; /* -o, -n, -s */
    int threads, force, resume, quiet, help;
    cs_optlist sets;  /* --set, then -n and -s as run.replications=N and run.seed=S */
    char *extra[2];   /* those two, allocated */
    const char *scen; /* the operand: SCENARIO.yaml, or OUT.h5 with --resume alone */
    size_t n_pos;
} run_args;

static void help(FILE *f, const cs_option *opts, size_t n)
{
    fprintf(f, "usage: cssim run SCENARIO.yaml -o OUT.h5 [options]\n"
               "       cssim run --resume OUT.h5          (continue an interrupted run)\n\n"
               "Runs every point of the scenario (and its sweep) for the given replications and\n"
               "writes one HDF5 file (docs/output.md), then prints a summary.\n\n"
               "options:\n");
    cs_options_help(f, opts, n);
    fprintf(f, "\nExit status: 0 complete, 1 run failed or interrupted (finished replications are\n"
               "kept in FILE.part), 2 bad usage or input (nothing is written).\n");
}

/* "KEY=VALUE" for -n and -s. */
static char *key_value(const char *key, const char *value)
{
    size_t len = strlen(key) + strlen(value) + 2;
    char *s = malloc(len);
    if (s) snprintf(s, len, "%s=%s", key, value);
    return s;
}

/* Returns -1 to go on, else the exit status. */
static int run_parse(run_args *a, int argc, char **argv)
{
    const cs_option opts[] = {
        {CS_OPTION("output", 'o', CS_OPT_STRING, &a->out, "FILE",
                   "output file (written as FILE.part, renamed when complete)")},
        {CS_OPTION("replications", 'n', CS_OPT_NUMARG, &a->n_arg, "N",
                   "replications per scenario point (run.replications)"),
         .min = 1, .max = LLONG_MAX, .expect = "a positive integer"},
        {CS_OPTION("seed", 's', CS_OPT_NUMARG, &a->s_arg, "SEED", "master seed (run.seed)"),
         .min = 0, .max = LLONG_MAX, .expect = "a non-negative integer"},
        {CS_OPTION("threads", 'j', CS_OPT_INT, &a->threads, "N",
                   "OpenMP threads (default: all cores)"),
         .min = 1, .max = CS_MAX_THREADS, .expect = CS_THREADS_EXPECT},
        {CS_OPTION("set", 0, CS_OPT_LIST, &a->sets, "KEY=VALUE",
                   "override a scenario key (repeatable; YAML value)")},
        {CS_OPTION("force", 'f', CS_OPT_FLAG, &a->force, NULL,
                   "overwrite an existing output file")},
        {CS_OPTION("resume", 'r', CS_OPT_FLAG, &a->resume, NULL,
                   "continue FILE.part after an interruption")},
        {CS_OPTION("quiet", 'q', CS_OPT_FLAG, &a->quiet, NULL, "no progress line and no summary")},
        {CS_OPTION("help", 'h', CS_OPT_STOP, &a->help, NULL, "this help")}};
    size_t n_opts = sizeof opts / sizeof opts[0];
    int rc = cs_options_parse(opts, n_opts, argc, argv, &a->scen, 1, &a->n_pos);
    if (rc == CS_OPT_USAGE) help(stderr, opts, n_opts);
    if (rc) return 2;
    if (a->help) {
        help(stdout, opts, n_opts);
        return 0;
    }
    if (a->n_arg && !(a->extra[0] = key_value("run.replications", a->n_arg))) return 2;
    if (a->s_arg && !(a->extra[1] = key_value("run.seed", a->s_arg))) return 2;
    if (a->resume && !a->out && a->scen && a->n_pos == 1) return -1; /* run --resume OUT.h5 */
    if (!a->scen || a->n_pos != 1 || !a->out) {
        fprintf(stderr, "cssim: error: run needs one SCENARIO.yaml and -o OUT.h5\n\n");
        help(stderr, opts, n_opts);
        return 2;
    }
    for (int k = 0; k < 2; k++)
        if (a->extra[k]) a->sets.v[a->sets.n++] = a->extra[k];
    return -1;
}

/* OUT as an absolute path (it need not exist), so that it survives the chdir of a resume. */
static char *realpath_out(const char *out)
{
    if (out[0] == '/') return strdup(out);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return NULL;
    size_t n = strlen(cwd) + strlen(out) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", cwd, out);
    return p;
}

static int run_cmd(cs_par *par, int argc, char **argv);

/* cssim run --resume OUT.h5: the interrupted run's stored command line, run again with
 * --resume (argv[-1] stays valid); only -j and -q of this invocation apply. */
static int run_replay(cs_par *par, const run_args *a)
{
    const char *file = a->scen;
    char *stored = NULL, *stored_cwd = NULL, **sargv = NULL, *here = realpath_out(file);
    char **nargv = NULL;
    int sargc = 0, status = 2;
    cs_error cerr;
    cs_error_clear(&cerr);
    if (cs_info_command(file, &stored, &stored_cwd, &cerr) != CS_OK) {
        cs_error_print(stderr, &cerr);
        status = cs_cli_exit_status(cerr.status);
        goto done;
    }
    sargv = cs_cli_split_argv(stored, &sargc);
    if (!sargv || sargc < 2 || (stored_cwd && stored_cwd[0] && chdir(stored_cwd) != 0)) {
        fprintf(stderr, "cssim: error: %s: stored command line unusable: %s\n", file, stored);
        goto done;
    }
    if (a->sets.n || a->extra[0] || a->extra[1] || a->force) {
        fprintf(stderr,
                "cssim: error: run --resume %s replays the interrupted run's own "
                "options; give only -j/--threads and -q/--quiet\n",
                file);
        goto done;
    }
    char jbuf[32];
    snprintf(jbuf, sizeof jbuf, "--threads=%d", a->threads);
    nargv = calloc((size_t)sargc + 6, sizeof *nargv);
    if (!nargv || !here) goto done;
    int k = 0;
    for (int i = 0; i < sargc; i++)
        nargv[k++] = sargv[i];
    /* the output is the file named now (it may have been moved since): the last -o wins */
    nargv[k++] = "--output";
    nargv[k++] = here;
    nargv[k++] = "--resume";
    if (a->threads > 0) nargv[k++] = jbuf;
    if (a->quiet) nargv[k++] = "--quiet";
    k--; /* without the program name */
    status = run_cmd(par, k, nargv + 1);
done:
    free(nargv);
    if (sargv) {
        for (int i = 0; i < sargc; i++)
            free(sargv[i]);
        free(sargv);
    }
    free(stored);
    free(stored_cwd);
    free(here);
    return status;
}

/* The authority table written to /authorities (from the first point's world). */
typedef struct la_table {
    const char **codes, **names, **regions, **types, **grades0, **govs0;
    double *pop, *posts;
    int32_t *pip;
    cs_table_col cols[9];
} la_table;

static void la_table_free(la_table *t)
{
    free(t->codes), free(t->names), free(t->regions), free(t->types), free(t->grades0);
    free(t->govs0), free(t->pop), free(t->posts), free(t->pip);
}

/* 0, or CS_ENOMEM. */
static int la_table_init(la_table *t, const cs_world *w0)
{
    const cs_authority *rows = w0->table.rows;
    size_t nla = w0->n_la;
    t->codes = calloc(nla, sizeof *t->codes), t->names = calloc(nla, sizeof *t->names);
    t->regions = calloc(nla, sizeof *t->regions), t->types = calloc(nla, sizeof *t->types);
    t->grades0 = calloc(nla, sizeof *t->grades0), t->govs0 = calloc(nla, sizeof *t->govs0);
    t->pop = calloc(nla, sizeof *t->pop), t->posts = calloc(nla, sizeof *t->posts);
    t->pip = calloc(nla, sizeof *t->pip);
    int have = t->codes && t->names && t->regions && t->types && t->grades0 && t->govs0 && t->pop &&
               t->posts && t->pip;
    for (size_t i = 0; have && i < nla; i++) {
        t->codes[i] = rows[i].code;
        t->names[i] = rows[i].name;
        t->regions[i] = rows[i].region;
        t->types[i] = rows[i].type;
        t->grades0[i] = cs_grade_names[rows[i].grade];
        t->govs0[i] = cs_gov_names[rows[i].governance];
        t->pop[i] = rows[i].population;
        t->posts[i] = rows[i].posts_fte;
        t->pip[i] = rows[i].pip;
    }
    const cs_table_col cols[9] = {
        {"code", CS_VT_U8, t->codes, NULL, NULL, "ONS code"},
        {"name", CS_VT_U8, t->names, NULL, NULL, "authority name"},
        {"region", CS_VT_U8, t->regions, NULL, NULL, "region"},
        {"type", CS_VT_U8, t->types, NULL, NULL, "LA type"},
        {"initial_grade", CS_VT_U8, t->grades0, NULL, NULL, "latest judgement at the start"},
        {"initial_governance", CS_VT_U8, t->govs0, NULL, NULL, "governance at the start"},
        {"population", CS_VT_F64, NULL, t->pop, NULL, "ONS population aged 0-25"},
        {"posts_fte", CS_VT_F64, NULL, t->posts, NULL, "social-worker posts (FTE)"},
        {"partner_in_practice", CS_VT_I32, NULL, NULL, t->pip, "Partners in Practice (Dec 2015)"},
    };
    memcpy(t->cols, cols, sizeof cols);
    return have ? CS_OK : CS_ENOMEM;
}

/* Declares sweep point pt to the writer (created, or checked against the file on resume). */
static int add_point(cs_writer *w, const cs_scenario *sc, size_t pt, cs_error *err)
{
    const cs_params *p = &sc->params[pt];
    const cs_world *wd = sc->worlds[pt];
    size_t nk = 0;
    char **keys = NULL, **vals = NULL;
    int rc = cs_config_resolved(sc->cfg, pt, p, &keys, &vals, &nk);
    cs_kv *kv = rc ? NULL : calloc(nk ? nk : 1, sizeof *kv);
    const cs_uncertain *unc = NULL;
    size_t n_unc = cs_config_uncertain(sc->cfg, pt, &unc);
    const char **unames = calloc(n_unc ? n_unc : 1, sizeof *unames);
    for (size_t k = 0; kv && k < nk; k++)
        kv[k] = (cs_kv){keys[k], vals[k]};
    for (size_t k = 0; unames && k < n_unc; k++)
        unames[k] = cs_params_keys[unc[k].key].path;
    if (!rc && (!kv || !unames)) rc = CS_ENOMEM;
    if (!rc) {
        cs_out_scenario os = {.name = cs_config_point_name(sc->cfg, pt),
                              .text = cs_config_text(sc->cfg),
                              .point_desc = cs_config_point_desc(sc->cfg, pt),
                              .n_resolved = nk,
                              .resolved = kv,
                              .n_uncertain = n_unc,
                              .uncertain_names = unames,
                              .schema = cs_model_schema(),
                              .n_time = wd->n_time,
                              .time_days = wd->time_days,
                              .time_iso = (const char *const *)wd->time_iso,
                              .national = p->out_national,
                              .panel = p->out_panel,
                              .events = p->out_events,
                              .compression = (int)p->out_compression};
        rc = cs_writer_add_scenario(w, &os, err);
    }
    for (size_t k = 0; k < nk; k++)
        free(keys[k]), free(vals[k]);
    free(keys);
    free(vals);
    free(kv);
    free(unames);
    return rc;
}

/* Opens the output and declares every point; *total: the replications still to run. */
static int open_output(cs_writer **w, cs_par *par, const run_args *a, const cs_scenario *sc,
                       const char *cmdline, la_table *t, int threads, uint64_t *total,
                       cs_error *err)
{
    const cs_params *p0 = &sc->params[0];
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
    char start_iso[11];
    cs_date_format(p0->start, start_iso);
    int have = la_table_init(t, sc->worlds[0]) == CS_OK;
    cs_writer_opts wo = {.force = a->force,
                         .resume = a->resume,
                         .software_version = CSSIM_VERSION,
                         .git_commit = CSSIM_GIT_COMMIT,
                         .command_line = cmdline ? cmdline : "",
                         .working_directory = cwd,
                         .seed = (uint64_t)p0->seed,
                         .stream_scheme = CS_STREAMS_SCHEME,
                         .start_date = start_iso,
                         .horizon_years = p0->horizon_years,
                         .replications = (uint64_t)p0->replications,
                         .n_la = sc->worlds[0]->n_la,
                         .n_cols = sizeof t->cols / sizeof t->cols[0],
                         .cols = t->cols,
                         .par = par};
    if (cs_par_size(par) > 1) wo.round_rows = (uint64_t)cs_par_size(par) * dist_block(threads);
    if (a->resume) cs_cli_guard_file(a->out); /* reading the interrupted file (and its prefix) */
    int rc = have ? cs_writer_open(w, a->out, &wo, err) : CS_ENOMEM;
    /* commit (flush the progress marker) every 16 replications: a kill loses at most 15, and
     * compressed files do not fill with replaced partial chunks (docs/output.md) */
    if (rc == CS_OK) cs_writer_set_commit_every(*w, 16);
    *total = 0;
    for (size_t pt = 0; rc == CS_OK && pt < sc->n; pt++) {
        rc = add_point(*w, sc, pt, err);
        *total += (uint64_t)sc->params[pt].replications - (rc ? 0 : cs_writer_done(*w, pt));
    }
    cs_cli_guard_file(NULL); /* the interrupted file is read: a crash from here on is a bug */
    return rc;
}

/* Runs every point into the open writer and closes it (w is consumed). */
static int run_points(cs_writer *w, cs_par *par, const cs_scenario *sc, int threads,
                      int show_progress, uint64_t total, cs_error *err)
{
    progress pg = {.on = show_progress, .t0 = now_s(), .total = total};
    dist_stats dst = {0};
    int rc = CS_OK;
    for (size_t pt = 0; rc == CS_OK && pt < sc->n; pt++)
        rc = cs_par_size(par) > 1 ? run_point_dist(w, par, pt, sc, threads, &pg, &dst, err)
                                  : run_point(w, pt, sc, threads, &pg, err);
    progress_show(&pg, 1);
    if (cs_par_size(par) > 1) dist_report(par, &dst, threads);
    if (rc == CS_OK) return cs_writer_close(w, err);
    cs_error e2;
    cs_writer_flush(w, &e2);
    cs_writer_close(w, &e2);
    return rc;
}

/* The main outcomes every two years; `cssim info OUT.h5` prints every series. */
static void print_outcomes(const char *out, const cs_scenario *sc)
{
    cs_error e3;
    cs_error_clear(&e3);
    static const char *const main_series[] = {
        "grade_counts",           "governance_counts", "commissioners_appointed",
        "trusts_created",         "queue_length",      "overdue_inspections",
        "inspector_utilisation",  "mean_grade_age",    "undetected_failure_years",
        "detection_latency_mean", "vacancy_rate"};
    const cs_world *wl = sc->worlds[0];
    size_t step = 24 / (size_t)sc->params[0].out_snapshot_months, nd = 0;
    const char **when = calloc(wl->n_time / (step ? step : 1) + 2, sizeof *when);
    for (size_t k = 0; when && k < wl->n_time; k += step ? step : 1)
        when[nd++] = wl->time_iso[k];
    if (when && nd && strcmp(when[nd - 1], wl->time_iso[wl->n_time - 1]))
        when[nd++] = wl->time_iso[wl->n_time - 1];
    if (cs_info_print_select(out, when, nd, main_series, sizeof main_series / sizeof main_series[0],
                             stdout, &e3))
        cs_error_print(stderr, &e3);
    printf("\n(every series at any date: cssim info %s [--date YYYY-MM-DD]...)\n", out);
    free(when);
}

/* The exit status of a run that ended with rc, and what rank 0 says about it. */
static int run_status(int root, int rc, const run_args *a, const cs_scenario *sc, cs_error *err)
{
    if (!root) /* every rank has the same status and message: rank 0 speaks */
        return rc == CS_OK ? 0 : rc == CS_EINTR ? 1 : cs_cli_exit_status(rc);
    if (rc == CS_EINTR) {
        fprintf(stderr,
                "cssim: interrupted: finished replications are kept in %s.part; "
                "continue with: cssim run --resume %s\n",
                a->out, a->out);
        return 1;
    }
    if (rc != CS_OK) {
        if (err->status == CS_OK) /* a bare status (an allocation): say what it means */
            cs_error_set(err, rc, a->out, 0, 0, NULL, "%s", cs_strerror(rc));
        cs_error_print(stderr, err);
        return cs_cli_exit_status(rc);
    }
    if (!a->quiet) print_outcomes(a->out, sc);
    return 0;
}

/* Loads the scenario, runs it to the output, reports. */
static int run_scenario(cs_par *par, run_args *a, const char *cmdline)
{
    int root = cs_par_rank(par) == 0;
    cs_scenario sc;
    int status = cs_scenario_load(&sc, a->scen, a->sets.v, a->sets.n, 1);
    if (status) return status;
    cs_error err;
    cs_error_clear(&err);
    int threads = a->threads;
    if (threads < 1) threads = omp_get_max_threads();
    uint64_t asked = 0;
    for (size_t pt = 0; pt < sc.n; pt++)
        asked += (uint64_t)sc.params[pt].replications;
    threads = cap_threads(threads, asked, a->quiet || !root);
    la_table t = {0};
    cs_writer *w = NULL;
    uint64_t total = 0;
    int rc = open_output(&w, par, a, &sc, cmdline, &t, threads, &total, &err);
    if (rc == CS_OK) {
        rc = run_points(w, par, &sc, threads, root && !a->quiet && isatty(2), total, &err);
        w = NULL;
    }
    cs_writer_abort(w);
    status = run_status(root, rc, a, &sc, &err);
    la_table_free(&t);
    cs_scenario_free(&sc);
    return status;
}

int cs_cmd_run(int argc, char **argv)
{
    /* MPI starts here, not in main: the other commands stay single-process programs. */
    install_handlers(); /* first: MPI start-up can take seconds */
    cs_par *par = NULL;
    if (cs_par_create(&par, NULL, NULL) != CS_OK) {
        fprintf(stderr, "cssim: error: cannot start MPI\n");
        return 1;
    }
    int status = run_cmd(par, argc, argv);
    cs_par_destroy(par);
    return status;
}

static int run_cmd(cs_par *par, int argc, char **argv)
{
    install_handlers();
    run_args a = {0};
    a.sets.v = calloc((size_t)argc + 2, sizeof *a.sets.v);
    if (!a.sets.v) return 1;
    char *cmdline = cs_cli_join_argv(argc + 1, argv - 1); /* the command line as typed */
    int status = run_parse(&a, argc, argv);
    if (status < 0)
        status = a.resume && !a.out ? run_replay(par, &a) : run_scenario(par, &a, cmdline);
    free(a.extra[0]);
    free(a.extra[1]);
    free(a.sets.v);
    free(cmdline);
    return status;
}
