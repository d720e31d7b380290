/* The cssim command line: a table of subcommands, one file each (git's way). Each command
 * returns the process exit status: 0 ok, 1 run failed, 2 bad usage or input. */
#ifndef CSSIM_APP_CLI_H
#define CSSIM_APP_CLI_H

#include "cssim/config.h"
#include "cssim/output.h"
#include "cssim/par.h"
#include "model.h"
#include "params.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

typedef struct cs_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cs_command;

/* Backs the heap's first CSSIM_HEAP_MB MiB (default 64) with transparent huge pages where the
 * kernel grants them: far fewer page faults (app/heap.c). First thing in main. */
void cs_heap_prepare(void);

int cs_cmd_run(int argc, char **argv);
int cs_cmd_check(int argc, char **argv);
int cs_cmd_info(int argc, char **argv);
int cs_cmd_calibrate(int argc, char **argv);

/* A scenario file loaded and resolved: one parameter struct and one world per sweep point. */
typedef struct cs_scenario {
    cs_config *cfg;
    size_t n;
    cs_params *params;  /* [n] */
    cs_world **worlds;  /* [n] */
    cs_schema_sel *sel; /* [n]: what each point's output keeps (output.only) */
} cs_scenario;

/* Loads, applies and checks every point (and builds the worlds if build_worlds). Prints the
 * error and returns 2 on bad input, 1 on other failures, 0 on success. */
int cs_scenario_load(cs_scenario *s, const char *path, const char *const *sets, size_t n_sets,
                     int build_worlds);
void cs_scenario_free(cs_scenario *s);

/* Runs replication `rep` of a point (parameters p, world) into b: draws its uncertain
 * parameters, each from its own stream keyed (seed, rep, hash of its key path,
 * CS_PROC_PARAMS; cs_config_draw), so any thread, rank or command draws the same, records them in
 * b->drawn, then runs the model. r is a philox gsl_rng owned by the calling thread. */
int cs_run_rep(cs_model *m, gsl_rng *r, const cs_params *p, const cs_world *world,
               const cs_uncertain *unc, size_t n_unc, uint64_t rep, cs_repbuf *b, cs_error *err);

/* Runs every point of sc into the open writer w (cs_writer_add_scenario done for each) and
 * closes it: w is consumed whatever the outcome. One process: `threads` workers and a bounded
 * reorder pool, the calling thread the only writer. Several ranks (par): rounds of blocks of
 * cs_points_block(threads) replications per rank, each rank compressing its own; rank 0 holds
 * the writer (w is NULL on the others) and writes them all, or with `collective` every rank
 * holds it and writes its block with parallel HDF5 (--mpi-writer). A progress line on
 * stderr if show_progress (total: the replications still to run). While *stop is 0 the run
 * goes on; once set (a signal handler), no replication begins and the status is CS_EINTR.
 * Not thread-safe: call from one thread. */
int cs_points_run(cs_writer *w, const cs_par *par, int collective, const cs_scenario *sc,
                  int threads, int show_progress, uint64_t total, const volatile sig_atomic_t *stop,
                  cs_error *err);
/* Replications per rank and round of a distributed run (CSSIM_MPI_BLOCK overrides it). */
uint64_t cs_points_block(int threads);

/* Exit status for a status code: 2 for bad input (parse, invalid, exists, mismatch), else 1. */
int cs_cli_exit_status(int status);
/* While path is not NULL, a crash (SIGSEGV, SIGBUS: HDF5 reading a damaged file) ends the
 * process with "PATH: cannot be read (the file is damaged)" and status 1. NULL restores the
 * default. */
void cs_cli_guard_file(const char *path);

/* Joins argv into a shell-quoted command line (caller frees). */
char *cs_cli_join_argv(int argc, char **argv);
/* Splits a shell-quoted command line (single quotes and plain words) into a NULL-terminated
 * array (caller frees the array and each string); NULL on malformed input. */
char **cs_cli_split_argv(const char *line, int *argc);

/* ---- options: one table per command (app/options.c) ---- */

typedef enum cs_opt_kind {
    CS_OPT_FLAG,   /* int *: set to 1 */
    CS_OPT_STOP,   /* int *: set to 1, and parsing stops there (--help, --keys) */
    CS_OPT_INT,    /* int *: a whole number in [min, max] */
    CS_OPT_NUMARG, /* const char **: the argument itself, once it reads as a whole number in
                      [min, max] (a value passed on as text, e.g. to --set) */
    CS_OPT_STRING, /* const char **: the argument (the last one given wins) */
    CS_OPT_LIST,   /* cs_optlist *: every argument, in order (repeatable) */
} cs_opt_kind;

/* Arguments of a repeatable option; v has room for argc entries (the caller allocates). */
typedef struct cs_optlist {
    const char **v;
    size_t n;
} cs_optlist;

typedef struct cs_option {
    const char *name; /* long name, without "--" */
    char short_name;  /* 0: none */
    cs_opt_kind kind;
    void *dest;                    /* see cs_opt_kind */
    const char *arg;               /* the argument's name in --help ("FILE"), or NULL */
    const char *help;              /* one line */
    long long min, max;            /* CS_OPT_INT, CS_OPT_NUMARG */
    const char *expect;            /* a bad value: "-j: expected <expect>, got "2x"" */
    int (*check)(const char *arg); /* optional: 0 when the argument is acceptable */
    const char *label;             /* how messages name the option (default "-x", else "--name") */
} cs_option;

/* The fields every row names, in a designated initializer: {CS_OPTION(...), .min = 1, ...}. */
#define CS_OPTION(n, s, k, d, a, h)                                                                \
    .name = (n), .short_name = (s), .kind = (k), .dest = (d), .arg = (a), .help = (h)

enum { CS_OPT_OK = 0, CS_OPT_USAGE = 1, CS_OPT_BAD = 2 };

/* -j N of every command: threads beyond this many only cost memory and start-up. */
#define CS_MAX_THREADS    1024
#define CS_STR_(x)        #x
#define CS_STR(x)         CS_STR_(x)
#define CS_THREADS_EXPECT "a whole number of threads from 1 to " CS_STR(CS_MAX_THREADS)

/* Parses argv[1..argc) (argv[0] names the command in messages) against the n options:
 * options anywhere among the operands, "--" ends them, clustered short flags, "-jN", "-j N",
 * "--name=VALUE", "--name VALUE", unique prefixes of long names. The first cap_pos operands go
 * to pos, their count to *n_pos. Returns CS_OPT_OK (also when a CS_OPT_STOP option was seen),
 * CS_OPT_USAGE after getopt's message for an unknown option or a missing argument (the caller
 * prints its help), or CS_OPT_BAD after "cssim: error: -j: expected ..., got "2x"". Never
 * allocates; not thread-safe only in that it writes the destinations. */
int cs_options_parse(const cs_option *opts, size_t n, int argc, char **argv, const char **pos,
                     size_t cap_pos, size_t *n_pos);
/* The options section of --help: one line per option, in the table's order. */
void cs_options_help(FILE *f, const cs_option *opts, size_t n);

#endif
