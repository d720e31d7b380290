/* The cssim command line: a table of subcommands, one file each (git's way). Each command
 * returns the process exit status: 0 ok, 1 run failed, 2 bad usage or input. */
#ifndef CSSIM_APP_CLI_H
#define CSSIM_APP_CLI_H

#include "cssim/config.h"
#include "model.h"
#include "params.h"

#include <stddef.h>
#include <stdio.h>

typedef struct cs_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cs_command;

int cs_cmd_run(int argc, char **argv);
int cs_cmd_check(int argc, char **argv);
int cs_cmd_info(int argc, char **argv);
int cs_cmd_calibrate(int argc, char **argv);

/* A scenario file loaded and resolved: one parameter struct and one world per sweep point. */
typedef struct cs_scenario {
    cs_config *cfg;
    size_t n;
    cs_params *params; /* [n] */
    cs_world **worlds; /* [n] */
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

/* Exit status for a status code: 2 for bad input (parse, invalid, exists, mismatch), else 1. */
int cs_exit_status(int status);
/* While path is not NULL, a crash (SIGSEGV, SIGBUS: HDF5 reading a damaged file) ends the
 * process with "PATH: cannot be read (the file is damaged)" and status 1. NULL restores the
 * default. */
void cs_guard_file(const char *path);

/* Joins argv into a shell-quoted command line (caller frees). */
char *cs_join_argv(int argc, char **argv);
/* Splits a shell-quoted command line (single quotes and plain words) into a NULL-terminated
 * array (caller frees the array and each string); NULL on malformed input. */
char **cs_split_argv(const char *line, int *argc);

#endif
