/* Scenario configuration, private to sim/config*.c: the shared types (node trees, values, the
 * config itself) and the functions one part of the module calls in another. The parts:
 *   config_yaml.c    YAML reading: files, node trees, growable strings, paths
 *   config_keys.c    the key table: lookups, value conversion and checks, messages, formatting,
 *                    storing into a parameter struct; dates; edit distance
 *   config_dist.c    distributions: parsing, formatting, per-replication draws
 *   config_layers.c  layering (defaults, extends, --set) and sweeps; cs_config_load
 *   config.c         the public face: lifecycle, accessors, apply, dump, resolved
 *
 * Invariants:
 *  - Every value that any layer assigns is converted and validated once, at load, into a
 *    cs_val owned by the config's pool; a value that fails validation fails the load even
 *    if a later layer would override it (a typo in a base file is still a typo).
 *  - A point resolves key k as: --set, else the point's sweep override, else the merged
 *    files (deepest `extends` base first, the top file last), else the table default.
 *    So --set wins everywhere, including over a sweep point.
 *  - Node trees exist only during cs_config_load; values keep their file/line/col (file
 *    names are interned in c->files) so later messages can still point at the source.
 *  - Status: YAML syntax, a --set without '=' and a document past the parser's bounds
 *    (nesting, alias expansion) are CS_EPARSE; everything the table rejects (unknown keys,
 *    types, ranges, missing required keys) is CS_EINVAL; a file that cannot be read is
 *    CS_ENOTFOUND (missing), CS_EIO (the device failed) or CS_EINVAL (anything else: not a
 *    regular file, over 1 MiB, no permission). Only CS_EIO and CS_ENOMEM are not bad input. */
#ifndef CSSIM_CONFIG_IMPL_H
#define CSSIM_CONFIG_IMPL_H

#include "cssim/config.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    CFG_MAX_EXTENDS = 16,        /* files below the top one in an extends chain */
    CFG_MAX_NEST = 64,           /* YAML nesting, checked while parsing */
    CFG_MAX_ALIAS_NODES = 10000, /* nodes copied by YAML aliases, in all (an alias bomb) */
    CFG_MAX_FILE = 1 << 20,      /* bytes of one scenario file */
    CFG_MAX_POINTS = 1000000,    /* sweep points; each holds its own name and description */
    CFG_PATH_MAX = 512,          /* dotted key paths */
    CFG_NAME_MAX = 128,          /* point names */
};

#if defined(__GNUC__)
#define CFG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CFG_PRINTF(a, b)
#endif

typedef struct sbuf {
    char *s;
    size_t n, cap;
    bool oom;
} sbuf;

typedef enum node_kind { N_NULL, N_SCALAR, N_MAP, N_SEQ } node_kind;

typedef struct node node;

struct node {
    node_kind kind;
    const char *file; /* interned in the config (or a literal such as "--set") */
    int line, col;    /* 1-based; line is the --set index for --set values */
    char *s;          /* scalar text (also set for N_NULL) */
    size_t n;         /* N_SEQ: items; N_MAP: pairs */
    node **kids;      /* N_SEQ: n items; N_MAP: 2n, key then value */
};

static inline int oom(cs_error *err)
{
    return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
}

typedef struct cs_val cs_val;

struct cs_val {
    cs_val *next; /* the config's pool of every value it owns */
    size_t key;
    const char *file;
    int line, col;
    bool uncertain; /* a DOUBLE given as a distribution: udist is built */
    bool built;     /* a DIST: u.dist is built */
    cs_dist udist;
    union {
        double d;
        int64_t i;
        bool b;
        char *s;
        int32_t date;
        int e;
        cs_dist dist;
        cs_array arr;
        cs_steps steps;
    } u;
};

typedef struct cfg_ovr {
    size_t key;
    const cs_val *v;
} cfg_ovr;

typedef struct cfg_point {
    char *name, *desc;
    size_t n_ovr;
    cfg_ovr *ovr;
    size_t n_unc;
    cs_uncertain *unc;
} cfg_point;

struct cs_config {
    const cs_key *table;
    size_t n_keys;
    const char *top; /* interned path of the top-level file */
    char *top_dir;   /* its directory ("" for the current one) */
    char **files;    /* interned file names */
    size_t n_files;
    sbuf text; /* cs_config_text */
    cs_val *pool;
    const cs_val **defaults, **base, **sets; /* n_keys each */
    const node *sweep;                       /* during load only */
    node **trees;                            /* during load only */
    size_t n_trees;
    cfg_point *points;
    size_t n_points;
};

typedef struct dbuf {
    size_t n, cap;
    double *v;
} dbuf;

/* config_yaml.c */
void cs_cfg_sb_add(sbuf *b, const char *s, size_t len);
void cs_cfg_sb_puts(sbuf *b, const char *s);
void cs_cfg_sb_printf(sbuf *b, const char *fmt, ...) CFG_PRINTF(2, 3);
char *cs_cfg_sb_take(sbuf *b);
void cs_cfg_node_free(node *nd);
int cs_cfg_parse_text(const char *text, size_t len, const char *file, int fixed_line,
                      const char *key, node **out, cs_error *err);
char *cs_cfg_dir_of(const char *path);
char *cs_cfg_path_join(const char *dir, const char *p);
int cs_cfg_read_all(const char *path, char **text, size_t *len, struct stat *st);
const char *cs_cfg_read_problem(int e);
int cs_cfg_read_status(int e);

/* config_keys.c */
bool cs_cfg_find_key(const cs_config *c, const char *path, size_t *ki);
const char *cs_cfg_key_below(const cs_config *c, const char *path);
bool cs_cfg_has_range(const cs_key *k);
bool cs_cfg_in_range(const cs_key *k, double x);
void cs_cfg_range_text(const cs_key *k, char *buf, size_t size);
const char *cs_cfg_got(const node *v, char *buf, size_t size);
int cs_cfg_verr(cs_error *err, const node *v, const char *key, const char *fmt, ...)
    CFG_PRINTF(4, 5);
int cs_cfg_unknown_key(const cs_config *c, const node *k, const char *path, cs_error *err);
bool cs_cfg_parse_number(const node *v, double *x);
int cs_cfg_collect_numbers(const cs_key *k, const char *key, const node *v, dbuf *out,
                           cs_error *err);
const node *cs_cfg_map_get(const node *m, const char *name);
int cs_cfg_convert(cs_config *c, size_t ki, const node *v, const char *dir, const cs_val **out,
                   cs_error *err);
int cs_cfg_check_table(const cs_config *c, cs_error *err);
void cs_cfg_fmt_field(sbuf *b, const cs_key *k, const void *field, bool abs_paths);
void cs_cfg_fmt_val(sbuf *b, const cs_config *c, const cs_val *v);
int cs_cfg_store(const cs_key *k, void *f, const cs_val *v);
size_t cs_cfg_field_size(cs_key_type t);

/* config_dist.c */
int cs_cfg_parse_dist(const cs_key *k, const node *v, cs_dist *d, cs_error *err);
void cs_cfg_fmt_dist(sbuf *b, const cs_dist *d);

/* config_layers.c */
void cs_cfg_free_trees(cs_config *c);
const cs_val *cs_cfg_resolve(const cs_config *c, size_t p, size_t ki);

#endif
