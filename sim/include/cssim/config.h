/* Scenario files: YAML (libyaml) read into a tree, composed, and applied to a parameter
 * struct through one declarative table of keys.
 *
 * Layers, later wins: the table's defaults; the file and the files it `extends:` (a path
 * relative to the file naming it; chains allowed, cycles an error; mappings merge key by key,
 * anything else is replaced); then each `--set path.to.key=value` (value parsed as YAML).
 * A top-level `sweep:` section expands one file into several points:
 *     sweep:
 *       grid:                     # the Cartesian product, first key slowest
 *         inspectorate.fte: [50, 100, 200]
 *         triggers.sharper: [true, false]
 *     # or
 *     sweep:
 *       list:                     # the points, one mapping each
 *         - {inspectorate.fte: 50}
 *         - {inspectorate.fte: 100, triggers.sharper: false}
 *       names: [low, high]        # optional, one per point
 * Point names are "<meta.name>" without a sweep, else "<meta.name>.<k>" (k from 0, zero-padded
 * to the width of the count) unless `names:` gives them.
 * Precedence, later wins: defaults < extends bases (deepest first) < the file < the sweep
 * point's overrides < --set. So --set wins everywhere, over every sweep point too (a --set of a
 * swept key makes the points equal in that key; their descriptions still show the sweep).
 * Only the top-level file may have a sweep. A key flagged CS_KEY_NO_SWEEP (the run.* keys of
 * the model: replications, seed, event cap) may not appear in a sweep: the run has one value. A
 * path value is resolved against the directory of the file that set it (a sweep: the top file's;
 * --set: the current directory).
 *
 * Bounds, checked while reading: a scenario file is a regular file of at most 1 MiB; YAML
 * nests at most 64 collections deep; aliases copy at most 10,000 nodes in all (aliases are
 * expanded, so more would let a few hundred bytes grow without limit). A point name (meta.name,
 * or a sweep's names) must be 1-128 letters, digits and _ - . , = +, not starting with . or -:
 * it names an HDF5 group.
 *
 * Validation is by the table alone: types, ranges, required keys, enum choices; unknown keys
 * are errors naming the nearest known key ("did you mean"). Every error names the file, line,
 * column and key:   scenarios/x.yaml:42:7: inspectorate.fte: expected a number >= 0, got "ten"
 * Cross-key rules are the caller's (a callback on the filled struct).
 *
 * Uncertain parameters: a CS_KEY_DOUBLE key may instead be given a distribution mapping,
 * e.g. `theta: {dist: lognormal, mean: 0.5, sd: 0.1}`. The struct then holds the mean, and
 * cs_config_uncertain() lists it so the runner can draw one value per replication
 * (cs_config_draw) from a stream keyed by the key's own path; drawn values must satisfy the key's
 * range (they are clamped into it, and the clamping is documented).
 *
 * Ownership: a cs_config owns the trees and texts; filled structs own their strings, paths,
 * arrays and dists, freed by cs_config_params_free. Thread-safety: a loaded cs_config is
 * read-only; filled parameter structs may be shared read-only. */
#ifndef CSSIM_CONFIG_H
#define CSSIM_CONFIG_H

#include "cssim/date.h" /* the values of CS_KEY_DATE keys; cs_date_parse */
#include "cssim/dist.h"
#include "cssim/status.h"

#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cs_key_type {
    CS_KEY_DOUBLE, /* double; a number, or a distribution mapping (uncertain)            */
    CS_KEY_INT,    /* int64_t                                                              */
    CS_KEY_BOOL,   /* bool; true/false/yes/no/on/off                                       */
    CS_KEY_STRING, /* char * (owned)                                                       */
    CS_KEY_PATH,   /* char * (owned): a file path, resolved against the directory of the
                      file that set it (defaults: against the current directory)           */
    CS_KEY_DATE,   /* int32_t days since 1970-01-01; YAML "2015-12-14"                     */
    CS_KEY_ENUM,   /* int: index into choices                                              */
    CS_KEY_DIST,   /* cs_dist: a number (fixed) or {dist: NAME, mean:, sd:, lo:, hi:,
                      mode:, value:, values: [..], weights: [..]}                          */
    CS_KEY_ARRAY,  /* cs_array: a flow or block sequence of numbers (nested sequences are
                      flattened row by row, so a 4x4 matrix is [[..],[..],[..],[..]])      */
    CS_KEY_STEPS,  /* cs_steps: a sequence of {from: DATE, value: NUMBER}, dates strictly
                      increasing                                                           */
} cs_key_type;

typedef struct cs_array {
    size_t n;
    double *v; /* owned */
} cs_array;

typedef struct cs_steps {
    size_t n;
    int32_t *from; /* owned; days since 1970-01-01 */
    double *value; /* owned */
} cs_steps;

enum {
    CS_KEY_REQUIRED = 1u << 0,     /* must be set by a file or --set (its default is ignored)   */
    CS_KEY_NO_UNCERTAIN = 1u << 1, /* a DOUBLE that may not be given as a distribution  */
    CS_KEY_NO_SWEEP = 1u << 2,     /* may not vary between sweep points (one value applies to
                                      the whole run, e.g. the replication count)           */
    CS_KEY_RECORD_ONLY = 1u << 3,  /* selects what is recorded, never what is simulated: left
                                      out of the key table's part of a calibration's
                                      fingerprint (calib/output.c), so adding such a key
                                      leaves a fitted fragment valid                         */
};

typedef struct cs_key {
    const char *path; /* "inspectorate.fte" (dotted; the YAML nesting)                   */
    cs_key_type type;
    size_t offset;   /* offsetof(struct, field)                                          */
    double min, max; /* inclusive range for DOUBLE, INT, ARRAY elements, STEPS values and
                        DIST means/values; use -INFINITY/INFINITY for none               */
    const char *def; /* default, as YAML text (NULL: zero / empty / NULL)                */
    const char *const *choices; /* ENUM: names, NULL-terminated                             */
    size_t len_min, len_max;    /* ARRAY: allowed length (0, 0 = any); STEPS: same          */
    unsigned flags;
    const char *help; /* one line, printed by `cssim check --keys`; say the source or
                         "GUESS" for assumptions not backed by data                        */
} cs_key;

typedef struct cs_uncertain {
    size_t key;   /* index into the table */
    cs_dist dist; /* what each replication draws from */
} cs_uncertain;

typedef struct cs_config cs_config;

/* Loads a scenario file with its extends chain and the --set overrides ("a.b=value"), and
 * expands the sweep. Nothing is applied yet. Returns CS_OK, or CS_EPARSE / CS_EINVAL /
 * CS_ENOTFOUND (bad input), CS_EIO (a device error) or CS_ENOMEM, with err naming
 * file:line:col and key (a bad --set names the file "--set" and its position
 * on the command line as the line). */
int cs_config_load(cs_config **out, const cs_key *table, size_t n_keys, const char *path,
                   const char *const *sets, size_t n_sets, cs_error *err);
void cs_config_destroy(cs_config *c); /* NULL is a no-op */

size_t cs_config_npoints(const cs_config *c);
const char *cs_config_point_name(const cs_config *c, size_t point);
/* "inspectorate.fte=50, triggers.sharper=false" ("" without a sweep). */
const char *cs_config_point_desc(const cs_config *c, size_t point);

/* Fills params (a zeroed struct of the table's type) for one point: defaults, the composed
 * files, --set, the point's overrides; validates everything. On failure params is left
 * freeable by cs_config_params_free. */
int cs_config_apply(const cs_config *c, size_t point, void *params, cs_error *err);
void cs_config_params_free(const cs_key *table, size_t n_keys, void *params);
/* Where a point's value of key was set: the file (or "--set"), line and column, for messages
 * about cross-key rules. CS_ENOTFOUND for an unknown key or a table default. */
int cs_config_origin(const cs_config *c, size_t point, const char *key, const char **file,
                     int *line, int *col);

/* The uncertain keys of a point, in table order. Valid while c lives. */
size_t cs_config_uncertain(const cs_config *c, size_t point, const cs_uncertain **list);
/* Draws every uncertain key into params (a filled struct). r must be a cs_rng_philox
 * generator: each key's draw comes from its own stream, keyed (seed, rep,
 * cs_streams_hash(key path), proc), and each joint group's shared uniform from the stream of
 * cs_streams_hash("joint:G"). So making one more key uncertain, or one fewer, leaves every
 * other key's draw unchanged (paired comparisons stay paired). */
void cs_config_draw(const cs_key *table, const cs_uncertain *list, size_t n, void *params,
                    gsl_rng *r, uint64_t seed, uint64_t rep, uint32_t proc);

/* The verbatim text of the top-level file and, concatenated with "# --- extends: PATH"
 * separators, of each file it extends. */
const char *cs_config_text(const cs_config *c);
/* Prints the fully resolved point as YAML: every key of the table with its value (and, with
 * comments != 0, its help as a trailing comment). Uncertain keys print their distribution. */
int cs_config_dump(const cs_config *c, size_t point, const void *params, FILE *f, int comments);
/* Fills *out with "key=value" lines (one per table key, resolved) for storing as attributes;
 * the caller frees each string and the array. */
int cs_config_resolved(const cs_config *c, size_t point, const void *params, char ***keys,
                       char ***values, size_t *n);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t cs_config_edit_distance(const char *a, const char *b);

#endif
