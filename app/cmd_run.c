/* cssim run: every sweep point of a scenario, replications in parallel (OpenMP, dynamic
 * schedule), written in replication order by one thread so the file is identical whatever
 * the number of threads. Interruptible: SIGINT/SIGTERM stop new replications, the finished
 * ones are kept, and --resume completes the rest.
 *
 * Under MPI (`mpirun -np R cssim run ...`, CSSIM_MPI build) the replications are split in
 * rounds over the ranks, each rank running its block on its OpenMP threads, and all ranks
 * write each round collectively to the one file; the data are those of one process, whatever
 * R and the thread counts. This file parses the arguments, opens the output and reports;
 * running the points is app/points.c (cs_points_run). */
#include "cli.h"
#include "cssim/output.h"
#include "cssim/par.h"
#include "cssim/streams.h"

#include <errno.h>
#include <limits.h>
#include <omp.h>
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

/* The default of --commit-events: about half a second of the baseline on one core. */
#define CSSIM_COMMIT_EVENTS (1ull << 20)

/* The arguments of one `cssim run`. */
typedef struct run_args {
    const char *out, *n_arg, *s_arg; /* -o, -n, -s */
    const char *commit_arg;          /* --commit-events */
    const char *mpi_writer;          /* --mpi-writer: NULL or "root", or "collective" */
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
        {CS_OPTION("commit-events", 0, CS_OPT_NUMARG, &a->commit_arg, "N",
                   "commit (keep through a kill) once N events were simulated since the "
                   "last commit (default 1048576; 0: every 16 replications)"),
         .min = 0, .max = LLONG_MAX, .expect = "a non-negative integer"},
        {CS_OPTION("mpi-writer", 0, CS_OPT_STRING, &a->mpi_writer, "MODE",
                   "under mpirun: 'root' (default: rank 0 writes the file as one process, "
                   "SWMR-safe, every rank compressing its own chunks) or 'collective' (every "
                   "rank writes with parallel HDF5; docs/cluster.md)")},
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
    if (a->mpi_writer && strcmp(a->mpi_writer, "root") && strcmp(a->mpi_writer, "collective")) {
        fprintf(stderr,
                "cssim: error: --mpi-writer: '%s' is not a writer mode (root or collective)\n",
                a->mpi_writer);
        return 2;
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
    bool *dflt = rc ? NULL : calloc(nk ? nk : 1, sizeof *dflt);
    const cs_uncertain *unc = NULL;
    size_t n_unc = cs_config_uncertain(sc->cfg, pt, &unc);
    const char **unames = calloc(n_unc ? n_unc : 1, sizeof *unames);
    for (size_t k = 0; kv && dflt && k < nk; k++) {
        kv[k] = (cs_kv){keys[k], vals[k]};
        const char *file;
        int line, col;
        dflt[k] = cs_config_origin(sc->cfg, pt, keys[k], &file, &line, &col) == CS_ENOTFOUND;
    }
    for (size_t k = 0; unames && k < n_unc; k++)
        unames[k] = cs_params_keys[unc[k].key].path;
    if (!rc && (!kv || !dflt || !unames)) rc = CS_ENOMEM;
    if (!rc) {
        cs_out_scenario os = {.name = cs_config_point_name(sc->cfg, pt),
                              .text = cs_config_text(sc->cfg),
                              .point_desc = cs_config_point_desc(sc->cfg, pt),
                              .n_resolved = nk,
                              .resolved = kv,
                              .resolved_default = dflt,
                              .n_uncertain = n_unc,
                              .uncertain_names = unames,
                              .schema = &sc->sel[pt].schema, /* output.only */
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
    free(dflt);
    free(unames);
    return rc;
}

/* Several ranks writing with parallel HDF5 (--mpi-writer collective). */
static int collective(const cs_par *par, const run_args *a)
{
    return cs_par_size(par) > 1 && a->mpi_writer && !strcmp(a->mpi_writer, "collective");
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
                         .cols = t->cols};
    /* Several ranks: rank 0 alone opens the file, as one process with chunks that the other
     * ranks' blocks fill, but for the smallest rows (points.c, run_point_dist; writer_schema.c,
     * cs_wr_rows_chunk), and the others have no writer; or, with
     * --mpi-writer collective, every rank opens it with parallel HDF5 (collective calls). */
    int coll = collective(par, a), dist = cs_par_size(par) > 1 && !coll;
    int opens = cs_par_rank(par) == 0 || coll; /* this rank holds a writer */
    if (cs_par_size(par) > 1) wo.round_rows = cs_points_block(threads); /* per rank */
    if (coll) wo.par = par;
    if (a->resume) cs_cli_guard_file(a->out); /* reading the interrupted file (and its prefix) */
    int rc = !have ? CS_ENOMEM : opens ? cs_writer_open(w, a->out, &wo, err) : CS_OK;
    /* Commit (flush the progress marker) at multiples of 16 replications, the chunks' unit
     * (compressed files do not fill with replaced partial chunks, docs/output.md), once the
     * replications since the last commit simulated CSSIM_COMMIT_EVENTS events (--commit-events):
     * a kill loses about that much work, half a second of the baseline on one core, whether a
     * replication takes 50 us or a minute, and cheap replications do not spend a quarter of
     * their time committing (R1). */
    if (rc == CS_OK && opens) {
        cs_writer_set_commit_every(*w, 16);
        cs_writer_set_commit_work(*w, a->commit_arg ? strtoull(a->commit_arg, NULL, 10)
                                                    : CSSIM_COMMIT_EVENTS);
    }
    *total = 0;
    for (size_t pt = 0; rc == CS_OK && opens && pt < sc->n; pt++) {
        rc = add_point(*w, sc, pt, err);
        *total += (uint64_t)sc->params[pt].replications - (rc ? 0 : cs_writer_done(*w, pt));
    }
    if (dist) { /* rank 0's outcome, and what is left to do, on every rank */
        rc = cs_par_agree(par, rc, err);
        cs_par_bcast(par, total, sizeof *total, 0);
    }
    cs_cli_guard_file(NULL); /* the interrupted file is read: a crash from here on is a bug */
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
        rc = cs_points_run(w, par, collective(par, a), &sc, threads, root && !a->quiet && isatty(2),
                           total, &stop_requested, &err);
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
