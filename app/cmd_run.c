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
#include <getopt.h>
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
#define CS_MAX_THREADS         1024

/* -j N: a whole number from 1 to CS_MAX_THREADS, nothing else ("2x" and "" are refused). */
static int parse_threads(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < 1 || v > CS_MAX_THREADS) {
        fprintf(stderr,
                "cssim: error: -j: expected a whole number of threads from 1 to %d, got "
                "\"%s\"\n",
                CS_MAX_THREADS, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

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

static void help(FILE *f)
{
    fprintf(f,
            "usage: cssim run SCENARIO.yaml -o OUT.h5 [options]\n"
            "       cssim run --resume OUT.h5          (continue an interrupted run)\n\n"
            "Runs every point of the scenario (and its sweep) for the given replications and\n"
            "writes one HDF5 file (docs/output.md), then prints a summary.\n\n"
            "options:\n"
            "  -o, --output FILE      output file (written as FILE.part, renamed when complete)\n"
            "  -n, --replications N   replications per scenario point (run.replications)\n"
            "  -s, --seed SEED        master seed (run.seed)\n"
            "  -j, --threads N        OpenMP threads (default: all cores)\n"
            "      --set KEY=VALUE    override a scenario key (repeatable; YAML value)\n"
            "  -f, --force            overwrite an existing output file\n"
            "  -r, --resume           continue FILE.part after an interruption\n"
            "  -q, --quiet            no progress line and no summary\n"
            "  -h, --help             this help\n\n"
            "Exit status: 0 complete, 1 run failed or interrupted (finished replications are\n"
            "kept in FILE.part), 2 bad usage or input (nothing is written).\n");
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

static int run_cmd(cs_par *par, int argc, char **argv);

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
    int root = cs_par_rank(par) == 0;
    install_handlers();
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"replications", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},   {"threads", required_argument, NULL, 'j'},
        {"set", required_argument, NULL, 'S'},    {"force", no_argument, NULL, 'f'},
        {"resume", no_argument, NULL, 'r'},       {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *out = NULL;
    int threads = 0, force = 0, resume = 0, quiet = 0, c;
    char **sets = calloc((size_t)argc + 2, sizeof *sets);
    char *extra[2] = {NULL, NULL};
    size_t n_sets = 0;
    int status = 2;
    char *stored = NULL, *stored_cwd = NULL, **sargv = NULL, *here = NULL;
    int sargc = 0;
    if (!sets) return 1;
    char *cmdline = cs_join_argv(argc + 1, argv - 1); /* before getopt permutes argv */
    optind = 0; /* GNU getopt: full re-initialisation (run may call itself for --resume) */
    while ((c = getopt_long(argc, argv, "o:n:s:j:fqrh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'n':
        case 's': {
            char *end;
            errno = 0;
            long long v = strtoll(optarg, &end, 10);
            if (*optarg == 0 || *end || v < (c == 'n' ? 1 : 0)) {
                fprintf(stderr, "cssim: error: -%c: expected a %s integer, got \"%s\"\n", c,
                        c == 'n' ? "positive" : "non-negative", optarg);
                goto done;
            }
            size_t len = strlen(optarg) + 32;
            char *s = malloc(len);
            if (!s) goto done;
            snprintf(s, len, "%s=%s", c == 'n' ? "run.replications" : "run.seed", optarg);
            extra[c == 'n' ? 0 : 1] = s;
            break;
        }
        case 'j':
            if (parse_threads(optarg, &threads)) goto done;
            break;
        case 'S':
            sets[n_sets++] = optarg;
            break;
        case 'f':
            force = 1;
            break;
        case 'r':
            resume = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            help(stdout);
            status = 0;
            goto done;
        default:
            help(stderr);
            goto done;
        }
    }
    const char *scen = optind < argc ? argv[optind] : NULL;
    if (resume && !out && scen && optind + 1 == argc) {
        /* cssim run --resume OUT.h5: replay the stored command line */
        cs_error cerr;
        cs_error_clear(&cerr);
        here = realpath_out(scen);
        if (cs_info_command(scen, &stored, &stored_cwd, &cerr) != CS_OK) {
            cs_error_print(stderr, &cerr);
            status = cs_exit_status(cerr.status);
            goto done;
        }
        sargv = cs_split_argv(stored, &sargc);
        if (!sargv || sargc < 2 || (stored_cwd && stored_cwd[0] && chdir(stored_cwd) != 0)) {
            fprintf(stderr, "cssim: error: %s: stored command line unusable: %s\n", scen, stored);
            goto done;
        }
        /* sargv = "cssim run ...": run it again with --resume (argv[-1] stays valid); only
         * -j and -q of this invocation apply, the run's own options are replayed */
        if (n_sets || extra[0] || extra[1] || force) {
            fprintf(stderr,
                    "cssim: error: run --resume %s replays the interrupted run's own "
                    "options; give only -j/--threads and -q/--quiet\n",
                    scen);
            goto done;
        }
        char jbuf[32];
        snprintf(jbuf, sizeof jbuf, "--threads=%d", threads);
        char **nargv = calloc((size_t)sargc + 6, sizeof *nargv);
        if (!nargv || !here) {
            free(nargv);
            goto done;
        }
        int k = 0;
        for (int i = 0; i < sargc; i++)
            nargv[k++] = sargv[i];
        /* the output is the file named now (it may have been moved since): the last -o wins */
        nargv[k++] = "--output";
        nargv[k++] = here;
        nargv[k++] = "--resume";
        if (threads > 0) nargv[k++] = jbuf;
        if (quiet) nargv[k++] = "--quiet";
        k--; /* without the program name */
        status = run_cmd(par, k, nargv + 1);
        free(nargv);
        goto done;
    }
    if (!scen || optind + 1 != argc || !out) {
        fprintf(stderr, "cssim: error: run needs one SCENARIO.yaml and -o OUT.h5\n\n");
        help(stderr);
        goto done;
    }
    for (int k = 0; k < 2; k++)
        if (extra[k]) sets[n_sets++] = extra[k];

    cs_scenario sc;
    status = cs_scenario_load(&sc, scen, (const char *const *)sets, n_sets, 1);
    if (status) goto done;

    /* the output */
    cs_error err;
    cs_error_clear(&err);
    const cs_params *p0 = &sc.params[0];
    const cs_world *w0 = sc.worlds[0];
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
    char start_iso[11];
    cs_date_format(p0->start, start_iso);
    const cs_authority *rows = w0->table.rows;
    size_t nla = w0->n_la;
    const char **codes = calloc(nla, sizeof *codes), **names = calloc(nla, sizeof *names),
               **regions = calloc(nla, sizeof *regions), **types = calloc(nla, sizeof *types),
               **grades0 = calloc(nla, sizeof *grades0), **govs0 = calloc(nla, sizeof *govs0);
    double *pop = calloc(nla, sizeof *pop), *posts = calloc(nla, sizeof *posts);
    int32_t *pip = calloc(nla, sizeof *pip);
    int have = codes && names && regions && types && grades0 && govs0 && pop && posts && pip;
    for (size_t i = 0; have && i < nla; i++) {
        codes[i] = rows[i].code;
        names[i] = rows[i].name;
        regions[i] = rows[i].region;
        types[i] = rows[i].type;
        grades0[i] = cs_grade_names[rows[i].grade];
        govs0[i] = cs_gov_names[rows[i].governance];
        pop[i] = rows[i].population;
        posts[i] = rows[i].posts_fte;
        pip[i] = rows[i].pip;
    }
    cs_table_col cols[] = {
        {"code", CS_VT_U8, codes, NULL, NULL, "ONS code"},
        {"name", CS_VT_U8, names, NULL, NULL, "authority name"},
        {"region", CS_VT_U8, regions, NULL, NULL, "region"},
        {"type", CS_VT_U8, types, NULL, NULL, "LA type"},
        {"initial_grade", CS_VT_U8, grades0, NULL, NULL, "latest judgement at the start"},
        {"initial_governance", CS_VT_U8, govs0, NULL, NULL, "governance at the start"},
        {"population", CS_VT_F64, NULL, pop, NULL, "ONS population aged 0-25"},
        {"posts_fte", CS_VT_F64, NULL, posts, NULL, "social-worker posts (FTE)"},
        {"partner_in_practice", CS_VT_I32, NULL, NULL, pip, "Partners in Practice (Dec 2015)"},
    };
    cs_writer_opts wo = {.force = force,
                         .resume = resume,
                         .software_version = CSSIM_VERSION,
                         .git_commit = CSSIM_GIT_COMMIT,
                         .command_line = cmdline ? cmdline : "",
                         .working_directory = cwd,
                         .seed = (uint64_t)p0->seed,
                         .stream_scheme = CS_STREAMS_SCHEME,
                         .start_date = start_iso,
                         .horizon_years = p0->horizon_years,
                         .replications = (uint64_t)p0->replications,
                         .n_la = nla,
                         .n_cols = sizeof cols / sizeof cols[0],
                         .cols = cols,
                         .par = par};
    if (threads < 1) threads = omp_get_max_threads();
    uint64_t asked = 0;
    for (size_t pt = 0; pt < sc.n; pt++)
        asked += (uint64_t)sc.params[pt].replications;
    threads = cap_threads(threads, asked, quiet || !root);
    if (cs_par_size(par) > 1) wo.round_rows = (uint64_t)cs_par_size(par) * dist_block(threads);
    cs_writer *w = NULL;
    if (resume) cs_guard_file(out); /* reading the interrupted file (and copying its prefix) */
    int rc = have ? cs_writer_open(&w, out, &wo, &err) : CS_ENOMEM;
    /* commit (flush the progress marker) every 16 replications: a kill loses at most 15, and
     * compressed files do not fill with replaced partial chunks (docs/output.md) */
    if (rc == CS_OK) cs_writer_set_commit_every(w, 16);
    uint64_t total = 0;
    for (size_t pt = 0; rc == CS_OK && pt < sc.n; pt++) {
        const cs_params *p = &sc.params[pt];
        const cs_world *wd = sc.worlds[pt];
        size_t nk = 0;
        char **keys = NULL, **vals = NULL;
        rc = cs_config_resolved(sc.cfg, pt, p, &keys, &vals, &nk);
        cs_kv *kv = rc ? NULL : calloc(nk ? nk : 1, sizeof *kv);
        const cs_uncertain *unc = NULL;
        size_t n_unc = cs_config_uncertain(sc.cfg, pt, &unc);
        const char **unames = calloc(n_unc ? n_unc : 1, sizeof *unames);
        for (size_t k = 0; kv && k < nk; k++)
            kv[k] = (cs_kv){keys[k], vals[k]};
        for (size_t k = 0; unames && k < n_unc; k++)
            unames[k] = cs_params_keys[unc[k].key].path;
        if (!rc && (!kv || !unames)) rc = CS_ENOMEM;
        if (!rc) {
            cs_out_scenario os = {.name = cs_config_point_name(sc.cfg, pt),
                                  .text = cs_config_text(sc.cfg),
                                  .point_desc = cs_config_point_desc(sc.cfg, pt),
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
            rc = cs_writer_add_scenario(w, &os, &err);
        }
        for (size_t k = 0; k < nk; k++)
            free(keys[k]), free(vals[k]);
        free(keys);
        free(vals);
        free(kv);
        free(unames);
        total += (uint64_t)p->replications - (rc ? 0 : cs_writer_done(w, pt));
    }
    cs_guard_file(NULL); /* the interrupted file is read: a crash from here on is a bug */
    if (rc == CS_OK) {
        progress pg = {.on = root && !quiet && isatty(2), .t0 = now_s(), .total = total};

        dist_stats dst = {0};
        for (size_t pt = 0; rc == CS_OK && pt < sc.n; pt++)
            rc = cs_par_size(par) > 1 ? run_point_dist(w, par, pt, &sc, threads, &pg, &dst, &err)
                                      : run_point(w, pt, &sc, threads, &pg, &err);
        progress_show(&pg, 1);
        if (cs_par_size(par) > 1) dist_report(par, &dst, threads);
        if (rc == CS_OK)
            rc = cs_writer_close(w, &err);
        else {
            cs_error e2;
            cs_writer_flush(w, &e2);
            cs_writer_close(w, &e2);
        }
        w = NULL;
    }
    cs_writer_abort(w);
    if (!root) { /* every rank has the same status and message: rank 0 speaks */
        status = rc == CS_OK ? 0 : rc == CS_EINTR ? 1 : cs_exit_status(rc);
    } else if (rc == CS_EINTR) {
        fprintf(stderr,
                "cssim: interrupted: finished replications are kept in %s.part; "
                "continue with: cssim run --resume %s\n",
                out, out);
        status = 1;
    } else if (rc != CS_OK) {
        if (err.status == CS_OK) /* a bare status (an allocation): say what it means */
            cs_error_set(&err, rc, out, 0, 0, NULL, "%s", cs_strerror(rc));
        cs_error_print(stderr, &err);
        status = cs_exit_status(rc);
    } else {
        status = 0;
        if (!quiet) {
            cs_error e3;
            cs_error_clear(&e3);
            /* the main outcomes every two years; `cssim info OUT.h5` prints every series */
            static const char *const main_series[] = {
                "grade_counts",           "governance_counts", "commissioners_appointed",
                "trusts_created",         "queue_length",      "overdue_inspections",
                "inspector_utilisation",  "mean_grade_age",    "undetected_failure_years",
                "detection_latency_mean", "vacancy_rate"};
            const cs_world *wl = sc.worlds[0];
            size_t step = 24 / (size_t)sc.params[0].out_snapshot_months, nd = 0;
            const char **when = calloc(wl->n_time / (step ? step : 1) + 2, sizeof *when);
            for (size_t k = 0; when && k < wl->n_time; k += step ? step : 1)
                when[nd++] = wl->time_iso[k];
            if (when && nd && strcmp(when[nd - 1], wl->time_iso[wl->n_time - 1]))
                when[nd++] = wl->time_iso[wl->n_time - 1];
            if (cs_info_print_select(out, when, nd, main_series,
                                     sizeof main_series / sizeof main_series[0], stdout, &e3))
                cs_error_print(stderr, &e3);
            printf("\n(every series at any date: cssim info %s [--date YYYY-MM-DD]...)\n", out);
            free(when);
        }
    }
    free(codes), free(names), free(regions), free(types), free(grades0), free(govs0);
    free(pop), free(posts), free(pip);
    cs_scenario_free(&sc);
done:
    if (sargv) {
        for (int i = 0; i < sargc; i++)
            free(sargv[i]);
        free(sargv);
    }
    free(stored);
    free(stored_cwd);
    free(here);
    free(extra[0]);
    free(extra[1]);
    free(sets);
    free(cmdline);
    return status;
}
