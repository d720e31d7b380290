/* Scenario configuration: YAML -> node trees -> typed values -> parameter structs.
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
#define _POSIX_C_SOURCE 200809L
#include "cssim/config.h"
#include "cssim/streams.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

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

/* ---- growable strings ---------------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t len)
{
    if (b->oom) return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, len);
    b->n += len;
    b->s[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_printf(sbuf *b, const char *fmt, ...) CFG_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (len < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)len < sizeof tmp) {
        sb_add(b, tmp, (size_t)len);
        return;
    }
    char *big = malloc((size_t)len + 1);
    if (!big) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)len + 1, fmt, ap);
    va_end(ap);
    sb_add(b, big, (size_t)len);
    free(big);
}

/* Hands over the string (NULL when out of memory); the buffer is left empty. */
static char *sb_take(sbuf *b)
{
    char *s = b->oom ? NULL : b->s;
    if (b->oom) free(b->s);
    if (!b->oom && !s) s = strdup("");
    memset(b, 0, sizeof *b);
    return s;
}

/* ---- YAML node trees ----------------------------------------------------------------- */

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

static void node_free(node *nd)
{
    if (!nd) return;
    size_t nk = nd->kind == N_MAP ? 2 * nd->n : nd->n;
    for (size_t i = 0; i < nk && nd->kids; i++)
        node_free(nd->kids[i]);
    free(nd->kids);
    free(nd->s);
    free(nd);
}

static bool is_null_text(const char *s)
{
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static int oom(cs_error *err)
{
    return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
}

/* Reading builds the tree from libyaml's events with an explicit stack, so every bound holds
 * while parsing, before the document is complete: nesting (CFG_MAX_NEST levels) and the nodes
 * that aliases copy (CFG_MAX_ALIAS_NODES in all; a few hundred bytes of nested aliases would
 * otherwise expand to billions of nodes). An alias copies its anchor's subtree, positions
 * included. Collections under construction count a half-built pair as a pair (its value slot
 * NULL), so node_free can free a tree abandoned at any event. */
typedef struct anchor {
    char *name;
    node *nd;
    bool open; /* its collection has not ended yet: an alias to it would be recursive */
} anchor;

typedef struct frame {
    node *nd;
    size_t len, cap; /* kids attached, and allocated */
    size_t anch;     /* index of the anchor it opened, or SIZE_MAX */
} frame;

typedef struct reader {
    const char *file, *key;
    int fixed_line;
    frame stack[CFG_MAX_NEST];
    int depth;
    anchor *anchors;
    size_t n_anchors, alias_nodes;
    int at_line, at_col; /* the alias being copied */
    node *root;
    int docs; /* documents begun */
    cs_error *err;
} reader;

static int rd_line(const reader *rd, yaml_mark_t m)
{
    return rd->fixed_line >= 0 ? rd->fixed_line : (int)m.line + 1;
}

static int rd_col(const reader *rd, yaml_mark_t m)
{
    return rd->fixed_line >= 0 ? 0 : (int)m.column + 1;
}

static node *new_node(const reader *rd, node_kind kind, yaml_mark_t m)
{
    node *nd = calloc(1, sizeof *nd);
    if (!nd) return NULL;
    *nd = (node){kind, rd->file, rd_line(rd, m), rd_col(rd, m), NULL, 0, NULL};
    return nd;
}

/* Hangs nd under the open collection (or makes it the root); the tree owns it from here. */
static int attach(reader *rd, node *nd)
{
    if (rd->depth == 0) {
        if (rd->root) { /* a second document */
            int rc = cs_error_set(rd->err, CS_EPARSE, rd->file, nd->line, nd->col, rd->key,
                                  "only one YAML document is allowed");
            node_free(nd);
            return rc;
        }
        rd->root = nd;
        return CS_OK;
    }
    frame *f = &rd->stack[rd->depth - 1];
    if (f->len == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 8;
        node **k = realloc(f->nd->kids, cap * sizeof *k);
        if (!k) {
            node_free(nd);
            return oom(rd->err);
        }
        memset(k + f->cap, 0, (cap - f->cap) * sizeof *k);
        f->nd->kids = k;
        f->cap = cap;
    }
    f->nd->kids[f->len++] = nd;
    f->nd->n = f->nd->kind == N_MAP ? (f->len + 1) / 2 : f->len;
    return CS_OK;
}

static node *copy_tree(reader *rd, const node *src, int depth, int *rc)
{
    if (++rd->alias_nodes > CFG_MAX_ALIAS_NODES || depth > CFG_MAX_NEST) {
        *rc = cs_error_set(rd->err, CS_EPARSE, rd->file, rd->at_line, rd->at_col, rd->key,
                           depth > CFG_MAX_NEST ? "nesting deeper than %d levels"
                                                : "aliases expand to more than %d nodes",
                           depth > CFG_MAX_NEST ? CFG_MAX_NEST : CFG_MAX_ALIAS_NODES);
        return NULL;
    }
    node *nd = calloc(1, sizeof *nd);
    size_t nk = src->kind == N_MAP ? 2 * src->n : src->kind == N_SEQ ? src->n : 0;
    if (nd) *nd = (node){src->kind, src->file, src->line, src->col, NULL, src->n, NULL};
    if (!nd || (src->s && !(nd->s = strdup(src->s))) ||
        !(nd->kids = calloc(nk ? nk : 1, sizeof *nd->kids))) {
        node_free(nd);
        *rc = oom(rd->err);
        return NULL;
    }
    for (size_t i = 0; i < nk; i++)
        if (!(nd->kids[i] = copy_tree(rd, src->kids[i], depth + 1, rc))) {
            node_free(nd); /* the kids not yet copied are NULL */
            return NULL;
        }
    return nd;
}

static int add_anchor(reader *rd, const yaml_char_t *name, node *nd, bool open, size_t *index)
{
    *index = SIZE_MAX;
    if (!name) return CS_OK;
    anchor *a = realloc(rd->anchors, (rd->n_anchors + 1) * sizeof *a);
    if (!a) return oom(rd->err);
    rd->anchors = a;
    a[rd->n_anchors] = (anchor){strdup((const char *)name), nd, open};
    if (!a[rd->n_anchors].name) return oom(rd->err);
    *index = rd->n_anchors++;
    return CS_OK;
}

static int on_alias(reader *rd, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    int line = rd_line(rd, ev->start_mark), col = rd_col(rd, ev->start_mark);
    for (size_t i = rd->n_anchors; i-- > 0;) { /* the latest anchor of a name wins */
        const anchor *a = &rd->anchors[i];
        if (strcmp(a->name, name)) continue;
        if (a->open)
            return cs_error_set(rd->err, CS_EPARSE, rd->file, line, col, rd->key,
                                "recursive alias *%s", name);
        int rc = CS_OK;
        rd->at_line = line;
        rd->at_col = col;
        node *cp = copy_tree(rd, a->nd, rd->depth, &rc);
        return cp ? attach(rd, cp) : rc;
    }
    return cs_error_set(rd->err, CS_EPARSE, rd->file, line, col, rd->key, "undefined alias *%s",
                        name);
}

static int on_scalar(reader *rd, const yaml_event_t *ev)
{
    node *nd = new_node(rd, N_SCALAR, ev->start_mark);
    size_t len = ev->data.scalar.length, idx;
    if (!nd || !(nd->s = malloc(len + 1))) {
        free(nd);
        return oom(rd->err);
    }
    memcpy(nd->s, ev->data.scalar.value, len);
    nd->s[len] = '\0';
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && is_null_text(nd->s)) nd->kind = N_NULL;
    int rc = attach(rd, nd);
    return rc ? rc : add_anchor(rd, ev->data.scalar.anchor, nd, false, &idx);
}

static int on_open(reader *rd, const yaml_event_t *ev)
{
    bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
    if (rd->depth >= CFG_MAX_NEST)
        return cs_error_set(rd->err, CS_EPARSE, rd->file, rd_line(rd, ev->start_mark),
                            rd_col(rd, ev->start_mark), rd->key, "nesting deeper than %d levels",
                            CFG_MAX_NEST);
    node *nd = new_node(rd, seq ? N_SEQ : N_MAP, ev->start_mark);
    if (!nd || !(nd->kids = calloc(2, sizeof *nd->kids))) { /* even: room for a half pair */
        free(nd);
        return oom(rd->err);
    }
    int rc = attach(rd, nd);
    size_t idx = SIZE_MAX;
    if (!rc)
        rc = add_anchor(rd, seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor,
                        nd, true, &idx);
    if (!rc) rd->stack[rd->depth++] = (frame){nd, 0, 2, idx};
    return rc;
}

/* One event: CS_OK, an error, or 1 at the end of the stream. */
static int on_event(reader *rd, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
        return 1;
    case YAML_ALIAS_EVENT:
        return on_alias(rd, ev);
    case YAML_SCALAR_EVENT:
        return on_scalar(rd, ev);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return on_open(rd, ev);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        const frame *f = &rd->stack[--rd->depth];
        if (f->anch != SIZE_MAX) rd->anchors[f->anch].open = false;
        return CS_OK;
    }
    default:
        return CS_OK;
    }
}

static int syntax_error(const yaml_parser_t *p, const char *file, int fixed_line, const char *key,
                        cs_error *err)
{
    int line = fixed_line >= 0 ? fixed_line : (int)p->problem_mark.line + 1;
    int col = (int)p->problem_mark.column + 1;
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->context)
        return cs_error_set(err, CS_EPARSE, file, line, col, key, "%s (%s)", problem, p->context);
    return cs_error_set(err, CS_EPARSE, file, line, col, key, "%s", problem);
}

/* Parses one YAML document (an empty text is one null node). fixed_line >= 0 gives every node
 * that line (for --set values and defaults, which have no file lines of their own). */
static int parse_text(const char *text, size_t len, const char *file, int fixed_line,
                      const char *key, node **out, cs_error *err)
{
    *out = NULL;
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) return oom(err);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    reader rd = {.file = file, .key = key, .fixed_line = fixed_line, .err = err};
    int rc = CS_OK;
    while (rc == CS_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(&p, file, fixed_line, key, err);
            break;
        }
        rc = on_event(&rd, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    for (size_t i = 0; i < rd.n_anchors; i++)
        free(rd.anchors[i].name);
    free(rd.anchors);
    if (rc == 1) rc = CS_OK;
    if (!rc && !rd.root) {
        yaml_mark_t start = {0, 0, 0};
        if (!(rd.root = new_node(&rd, N_NULL, start))) rc = oom(err);
    }
    if (!rc && !rd.root->s && rd.root->kind != N_MAP && rd.root->kind != N_SEQ &&
        !(rd.root->s = strdup("")))
        rc = oom(err);
    *out = rd.root; /* on failure, a partial tree for the caller to free */
    return rc;
}

/* ---- the config ---------------------------------------------------------------------- */

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

static void val_free(const cs_key *k, cs_val *v)
{
    switch (k->type) {
    case CS_KEY_STRING:
    case CS_KEY_PATH:
        free(v->u.s);
        break;
    case CS_KEY_DIST:
        if (v->built) cs_dist_fini(&v->u.dist);
        break;
    case CS_KEY_ARRAY:
        free(v->u.arr.v);
        break;
    case CS_KEY_STEPS:
        free(v->u.steps.from);
        free(v->u.steps.value);
        break;
    default:
        break;
    }
    if (v->uncertain) cs_dist_fini(&v->udist);
    free(v);
}

static void free_trees(cs_config *c)
{
    for (size_t i = 0; i < c->n_trees; i++)
        node_free(c->trees[i]);
    free(c->trees);
    c->trees = NULL;
    c->n_trees = 0;
    c->sweep = NULL;
}

void cs_config_destroy(cs_config *c)
{
    if (!c) return;
    free_trees(c);
    while (c->pool) {
        cs_val *v = c->pool;
        c->pool = v->next;
        val_free(&c->table[v->key], v);
    }
    for (size_t i = 0; i < c->n_points; i++) {
        free(c->points[i].name);
        free(c->points[i].desc);
        free(c->points[i].ovr);
        free(c->points[i].unc);
    }
    free(c->points);
    for (size_t i = 0; i < c->n_files; i++)
        free(c->files[i]);
    free(c->files);
    free(c->top_dir);
    free(c->text.s);
    free(c->defaults);
    free(c->base);
    free(c->sets);
    free(c);
}

static const char *intern_file(cs_config *c, const char *path)
{
    char **f = realloc(c->files, (c->n_files + 1) * sizeof *f);
    if (!f) return NULL;
    c->files = f;
    if (!(f[c->n_files] = strdup(path))) return NULL;
    return f[c->n_files++];
}

static int keep_tree(cs_config *c, node *root, cs_error *err)
{
    node **t = realloc(c->trees, (c->n_trees + 1) * sizeof *t);
    if (!t) {
        node_free(root);
        return oom(err);
    }
    c->trees = t;
    t[c->n_trees++] = root;
    return CS_OK;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) + (slash == path) : 0;
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}

/* dir + "/" + p, or p itself when it is absolute or dir is the current directory. */
static char *path_join(const char *dir, const char *p)
{
    sbuf b = {0};
    if (p[0] != '/' && dir[0]) {
        sb_puts(&b, dir);
        if (dir[strlen(dir) - 1] != '/') sb_puts(&b, "/");
    }
    sb_puts(&b, p);
    return sb_take(&b);
}

/* ---- the key table ------------------------------------------------------------------- */

static bool find_key(const cs_config *c, const char *path, size_t *ki)
{
    for (size_t i = 0; i < c->n_keys; i++)
        if (!strcmp(c->table[i].path, path)) {
            *ki = i;
            return true;
        }
    return false;
}

/* Some key lies below path ("a.b" for "a"); returns it, or NULL. */
static const char *key_below(const cs_config *c, const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < c->n_keys; i++)
        if (!strncmp(c->table[i].path, path, n) && c->table[i].path[n] == '.')
            return c->table[i].path;
    return NULL;
}

static bool has_range(const cs_key *k)
{
    /* min == max == 0 is what a table entry that left the range out holds: no range. */
    return !(k->min == 0.0 && k->max == 0.0);
}

static bool in_range(const cs_key *k, double x)
{
    return !has_range(k) || (x >= k->min && x <= k->max);
}

static void range_text(const cs_key *k, char *buf, size_t size)
{
    bool lo = has_range(k) && isfinite(k->min), hi = has_range(k) && isfinite(k->max);
    if (lo && hi)
        snprintf(buf, size, " in [%g, %g]", k->min, k->max);
    else if (lo)
        snprintf(buf, size, " >= %g", k->min);
    else if (hi)
        snprintf(buf, size, " <= %g", k->max);
    else
        buf[0] = '\0';
}

/* How a node reads in "got ..." (scalars quoted and shortened). */
static const char *got(const node *v, char *buf, size_t size)
{
    switch (v->kind) {
    case N_MAP:
        return "a mapping";
    case N_SEQ:
        return "a sequence";
    case N_NULL:
        return "nothing";
    default:
        if (strlen(v->s) > 60)
            snprintf(buf, size, "\"%.57s...\"", v->s);
        else
            snprintf(buf, size, "\"%s\"", v->s);
        return buf;
    }
}

static int verr(cs_error *err, const node *v, const char *key, const char *fmt, ...)
    CFG_PRINTF(4, 5);
static int verr(cs_error *err, const node *v, const char *key, const char *fmt, ...)
{
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cs_error_set(err, CS_EINVAL, v->file, v->line, v->col, key, "%s", msg);
}

static int unknown_key(const cs_config *c, const node *k, const char *path, cs_error *err)
{
    /* Candidates are every key and every group above it ("inspectorate"), so a misspelt
     * group is matched too; "reasonably close" is a quarter of the typed length, >= 2. */
    size_t typed = strlen(path), best = SIZE_MAX;
    char cand[CFG_PATH_MAX], best_s[CFG_PATH_MAX] = "";
    for (size_t i = 0; i < c->n_keys; i++) {
        const char *p = c->table[i].path;
        for (size_t j = 0;; j++) {
            if (p[j] != '.' && p[j] != '\0') continue;
            if (j >= sizeof cand) break;
            memcpy(cand, p, j);
            cand[j] = '\0';
            size_t d = cs_edit_distance(path, cand);
            if (d < best) {
                best = d;
                snprintf(best_s, sizeof best_s, "%s", cand);
            }
            if (p[j] == '\0') break;
        }
    }
    size_t limit = typed / 4 > 2 ? typed / 4 : 2;
    if (best <= limit && best > 0)
        return verr(err, k, path, "unknown key (did you mean %s?)", best_s);
    return verr(err, k, path, "unknown key");
}

/* ---- typed values -------------------------------------------------------------------- */

static bool parse_number(const node *v, double *x)
{
    if (v->kind != N_SCALAR) return false;
    const char *s = v->s;
    const char *t = (*s == '+' || *s == '-') ? s + 1 : s;
    if (!strcmp(t, ".inf") || !strcmp(t, ".Inf") || !strcmp(t, ".INF")) {
        *x = *s == '-' ? -INFINITY : INFINITY;
        return true;
    }
    if (!*s || strspn(s, "0123456789+-.eE") != strlen(s)) return false;
    errno = 0;
    char *end;
    *x = strtod(s, &end);
    if (end == s || *end) return false;
    if (errno == ERANGE && fabs(*x) > 1.0) return false;
    return true;
}

static int want_number(const cs_key *k, const node *v, double *x, cs_error *err)
{
    char r[96], g[80];
    range_text(k, r, sizeof r);
    if (!parse_number(v, x))
        return verr(err, v, k->path, "expected a number%s, got %s", r, got(v, g, sizeof g));
    if (!in_range(k, *x)) return verr(err, v, k->path, "expected a number%s, got %s", r, v->s);
    return CS_OK;
}

typedef struct dbuf {
    size_t n, cap;
    double *v;
} dbuf;

static bool db_push(dbuf *b, double x)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 8;
        double *p = realloc(b->v, cap * sizeof *p);
        if (!p) return false;
        b->v = p;
        b->cap = cap;
    }
    b->v[b->n++] = x;
    return true;
}

/* Numbers of a (nested) sequence, row by row; k == NULL: no range check. */
static int collect_numbers(const cs_key *k, const char *key, const node *v, dbuf *out,
                           cs_error *err)
{
    char g[80];
    if (v->kind != N_SEQ)
        return verr(err, v, key, "expected a sequence of numbers, got %s", got(v, g, sizeof g));
    for (size_t i = 0; i < v->n; i++) {
        const node *e = v->kids[i];
        double x;
        int rc;
        if (e->kind == N_SEQ) {
            rc = collect_numbers(k, key, e, out, err);
        } else if (k) {
            rc = want_number(k, e, &x, err);
        } else {
            rc = parse_number(e, &x)
                     ? CS_OK
                     : verr(err, e, key, "expected a number, got %s", got(e, g, sizeof g));
        }
        if (rc) return rc;
        if (e->kind != N_SEQ && !db_push(out, x)) return oom(err);
    }
    return CS_OK;
}

static int check_length(const cs_key *k, const node *v, size_t n, const char *what, cs_error *err)
{
    size_t lo = k->len_min, hi = k->len_max;
    if (lo == 0 && hi == 0) return CS_OK;
    if (hi == 0 && n >= lo) return CS_OK;
    if (n >= lo && n <= hi) return CS_OK;
    if (lo == hi) return verr(err, v, k->path, "expected %zu %s, got %zu", lo, what, n);
    if (hi == 0) return verr(err, v, k->path, "expected at least %zu %s, got %zu", lo, what, n);
    if (lo == 0) return verr(err, v, k->path, "expected at most %zu %s, got %zu", hi, what, n);
    return verr(err, v, k->path, "expected between %zu and %zu %s, got %zu", lo, hi, what, n);
}

static const node *map_get(const node *m, const char *name)
{
    if (m->kind != N_MAP) return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (m->kids[2 * i]->kind == N_SCALAR && !strcmp(m->kids[2 * i]->s, name))
            return m->kids[2 * i + 1];
    return NULL;
}

/* Parameter names per law, in builder order; empirical's weights are optional. */
static const char *const dist_params[CS_DIST_NKINDS][3] = {
    [CS_DIST_FIXED] = {"value"},
    [CS_DIST_EXPONENTIAL] = {"mean"},
    [CS_DIST_GAMMA] = {"mean", "sd"},
    [CS_DIST_LOGNORMAL] = {"mean", "sd"},
    [CS_DIST_NORMAL] = {"mean", "sd"},
    [CS_DIST_UNIFORM] = {"lo", "hi"},
    [CS_DIST_TRIANGULAR] = {"lo", "mode", "hi"},
    [CS_DIST_BETA] = {"mean", "sd"},
    [CS_DIST_EMPIRICAL] = {"values", "weights", "joint"},
};

static void param_list(int kind, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int j = 0; j < 3 && dist_params[kind][j]; j++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", j ? ", " : "",
                 dist_params[kind][j]);
}

/* A number (fixed) or {dist: NAME, params...}; the key's range bounds the fixed value, the
 * empirical values, or the mean. */
static int parse_dist(const cs_key *k, const node *v, cs_dist *d, cs_error *err)
{
    char r[96], g[80];
    range_text(k, r, sizeof r);
    if (v->kind != N_MAP) {
        double x;
        if (!parse_number(v, &x))
            return verr(err, v, k->path,
                        "expected a number%s or a distribution {dist: NAME, ...}, got %s", r,
                        got(v, g, sizeof g));
        if (!in_range(k, x)) return verr(err, v, k->path, "expected a number%s, got %s", r, v->s);
        return cs_dist_fixed(d, x) ? verr(err, v, k->path, "invalid value %s", v->s) : CS_OK;
    }
    const node *name = map_get(v, "dist");
    if (!name || name->kind != N_SCALAR)
        return verr(err, name ? name : v, k->path,
                    "expected a distribution {dist: NAME, ...} naming its law");
    int kind = cs_dist_kind_parse(name->s);
    if (kind < 0 || kind >= CS_DIST_NKINDS) {
        char names[256] = "";
        for (int j = 0; j < CS_DIST_NKINDS; j++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", j ? ", " : "",
                     cs_dist_kind_name((cs_dist_kind)j));
        return verr(err, name, k->path, "unknown distribution \"%s\" (expected one of %s)", name->s,
                    names);
    }
    char plist[64];
    param_list(kind, plist, sizeof plist);
    const node *given[3] = {NULL, NULL, NULL};
    for (size_t i = 0; i < v->n; i++) {
        const node *pk = v->kids[2 * i];
        if (pk->kind == N_SCALAR && !strcmp(pk->s, "dist")) continue;
        int j = 0;
        while (j < 3 && dist_params[kind][j] &&
               !(pk->kind == N_SCALAR && !strcmp(pk->s, dist_params[kind][j])))
            j++;
        if (j == 3 || !dist_params[kind][j])
            return verr(err, pk, k->path, "%s: unknown parameter \"%s\" (expected %s)", name->s,
                        pk->s ? pk->s : "?", plist);
        if (given[j]) return verr(err, pk, k->path, "%s: parameter %s given twice", name->s, pk->s);
        given[j] = v->kids[2 * i + 1];
    }
    int nreq = kind == CS_DIST_EMPIRICAL ? 1 : 3;
    for (int j = 0; j < nreq && dist_params[kind][j]; j++)
        if (!given[j])
            return verr(err, v, k->path, "%s: missing parameter %s (expected %s)", name->s,
                        dist_params[kind][j], plist);
    int rc;
    if (kind == CS_DIST_EMPIRICAL) {
        dbuf vals = {0}, wts = {0};
        rc = collect_numbers(k, k->path, given[0], &vals, err);
        if (!rc && given[1]) rc = collect_numbers(NULL, k->path, given[1], &wts, err);
        if (!rc && vals.n == 0)
            rc = verr(err, given[0], k->path, "empirical: values must not be empty");
        if (!rc && given[1] && wts.n != vals.n)
            rc = verr(err, given[1], k->path, "empirical: expected %zu weights, got %zu", vals.n,
                      wts.n);
        double joint = 0;
        if (!rc && given[2] &&
            (!parse_number(given[2], &joint) || joint < 1 || joint != floor(joint) || given[1]))
            rc = verr(err, given[2], k->path,
                      "empirical: joint: expected a group number >= 1 (and no weights)");
        if (!rc) {
            rc = cs_dist_empirical(d, vals.v, given[1] ? wts.v : NULL, vals.n);
            if (rc == CS_ENOMEM)
                oom(err);
            else if (rc)
                verr(err, v, k->path, "empirical: invalid values or weights");
            else
                d->joint = (int)joint;
        }
        free(vals.v);
        free(wts.v);
        return rc;
    }
    double p[3] = {0, 0, 0};
    for (int j = 0; j < 3 && given[j]; j++)
        if (!parse_number(given[j], &p[j]))
            return verr(err, given[j], k->path, "%s: %s: expected a number, got %s", name->s,
                        dist_params[kind][j], got(given[j], g, sizeof g));
    switch ((cs_dist_kind)kind) {
    case CS_DIST_FIXED:
        rc = cs_dist_fixed(d, p[0]);
        break;
    case CS_DIST_EXPONENTIAL:
        rc = cs_dist_exponential(d, p[0]);
        break;
    case CS_DIST_GAMMA:
        rc = cs_dist_gamma(d, p[0], p[1]);
        break;
    case CS_DIST_LOGNORMAL:
        rc = cs_dist_lognormal(d, p[0], p[1]);
        break;
    case CS_DIST_NORMAL:
        rc = cs_dist_normal(d, p[0], p[1]);
        break;
    case CS_DIST_UNIFORM:
        rc = cs_dist_uniform(d, p[0], p[1]);
        break;
    case CS_DIST_TRIANGULAR:
        rc = cs_dist_triangular(d, p[0], p[1], p[2]);
        break;
    case CS_DIST_BETA:
        rc = cs_dist_beta(d, p[0], p[1]);
        break;
    default:
        rc = CS_EINVAL;
        break;
    }
    if (rc) {
        char ps[160] = "";
        for (int j = 0; j < 3 && given[j]; j++)
            snprintf(ps + strlen(ps), sizeof ps - strlen(ps), "%s%s %g", j ? ", " : "",
                     dist_params[kind][j], p[j]);
        return verr(err, v, k->path, "invalid %s distribution (%s)", name->s, ps);
    }
    double m = kind == CS_DIST_FIXED ? p[0] : cs_dist_mean(d);
    if (!in_range(k, m)) {
        cs_dist_fini(d);
        return verr(err, v, k->path, "expected a distribution with mean%s, got mean %g", r, m);
    }
    return CS_OK;
}

static int parse_bool(const node *v, bool *b)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    if (v->kind != N_SCALAR) return -1;
    for (int i = 0; i < 3; i++) {
        char lower[8];
        size_t n = strlen(v->s);
        if (n >= sizeof lower) return -1;
        for (size_t j = 0; j <= n; j++)
            lower[j] = (char)(v->s[j] >= 'A' && v->s[j] <= 'Z' ? v->s[j] - 'A' + 'a' : v->s[j]);
        if (!strcmp(lower, yes[i])) return *b = true, 0;
        if (!strcmp(lower, no[i])) return *b = false, 0;
    }
    return -1;
}

static int convert_steps(const cs_key *k, const node *v, cs_steps *st, cs_error *err)
{
    char g[80];
    if (v->kind != N_SEQ)
        return verr(err, v, k->path, "expected a sequence of {from: DATE, value: NUMBER}, got %s",
                    got(v, g, sizeof g));
    int rc = check_length(k, v, v->n, "steps", err);
    if (rc) return rc;
    if (v->n) {
        st->from = malloc(v->n * sizeof *st->from);
        st->value = malloc(v->n * sizeof *st->value);
        if (!st->from || !st->value) return oom(err);
    }
    for (size_t i = 0; i < v->n; i++) {
        const node *s = v->kids[i], *from = NULL, *val = NULL;
        if (s->kind != N_MAP)
            return verr(err, s, k->path, "expected a step {from: DATE, value: NUMBER}, got %s",
                        got(s, g, sizeof g));
        for (size_t j = 0; j < s->n; j++) {
            const node *f = s->kids[2 * j];
            const char *fname = f->kind == N_SCALAR ? f->s : "";
            if (!strcmp(fname, "from") && !from)
                from = s->kids[2 * j + 1];
            else if (!strcmp(fname, "value") && !val)
                val = s->kids[2 * j + 1];
            else
                return verr(err, f, k->path,
                            "unknown or repeated field \"%s\" in a step (expected from, value)",
                            fname);
        }
        if (!from || !val) return verr(err, s, k->path, "a step needs both from and value");
        if (from->kind != N_SCALAR || cs_date_parse(from->s, &st->from[i]))
            return verr(err, from, k->path, "expected a date YYYY-MM-DD, got %s",
                        got(from, g, sizeof g));
        if ((rc = want_number(k, val, &st->value[i], err))) return rc;
        if (i > 0 && st->from[i] <= st->from[i - 1]) {
            char a[11], b[11];
            cs_date_format(st->from[i], a);
            cs_date_format(st->from[i - 1], b);
            return verr(err, from, k->path, "step dates must increase strictly: %s is not after %s",
                        a, b);
        }
        st->n = i + 1;
    }
    return CS_OK;
}

static int convert_into(const cs_key *k, const node *v, const char *dir, cs_val *val, cs_error *err)
{
    char r[96], g[80];
    range_text(k, r, sizeof r);
    switch (k->type) {
    case CS_KEY_DOUBLE:
        if (v->kind == N_MAP) {
            if (!map_get(v, "dist"))
                return verr(err, v, k->path,
                            "expected a number%s or a distribution {dist: NAME, ...}, got a "
                            "mapping without dist",
                            r);
            if (k->flags & CS_KEY_NO_UNCERTAIN)
                return verr(err, v, k->path,
                            "may not be given as a distribution: expected a number%s", r);
            cs_dist d;
            int rc = parse_dist(k, v, &d, err);
            if (rc) return rc;
            if (d.kind == CS_DIST_FIXED) {
                /* {dist: fixed, value: x} is just x: nothing to draw. */
                val->u.d = cs_dist_mean(&d);
                cs_dist_fini(&d);
            } else {
                val->udist = d;
                val->uncertain = true;
                val->u.d = cs_dist_mean(&d);
            }
            return CS_OK;
        }
        return want_number(k, v, &val->u.d, err);
    case CS_KEY_INT: {
        double x;
        const char *digits = v->kind == N_SCALAR ? v->s + (v->s[0] == '-' || v->s[0] == '+') : "";
        if (*digits && strspn(digits, "0123456789") == strlen(digits)) {
            errno = 0;
            long long ll = strtoll(v->s, NULL, 10);
            if (errno == ERANGE)
                return verr(err, v, k->path, "expected an integer%s, got %s", r, v->s);
            val->u.i = ll;
        } else if (parse_number(v, &x) && x == floor(x) && fabs(x) < 9.2e18) {
            val->u.i = (int64_t)x;
        } else {
            /* A number that is not whole reads unquoted ("got 2.5"), anything else quoted. */
            return verr(err, v, k->path, "expected an integer%s, got %s", r,
                        parse_number(v, &x) ? v->s : got(v, g, sizeof g));
        }
        if (!in_range(k, (double)val->u.i))
            return verr(err, v, k->path, "expected an integer%s, got %s", r, v->s);
        return CS_OK;
    }
    case CS_KEY_BOOL:
        if (parse_bool(v, &val->u.b))
            return verr(err, v, k->path, "expected true or false, got %s", got(v, g, sizeof g));
        return CS_OK;
    case CS_KEY_STRING:
    case CS_KEY_PATH:
        if (v->kind == N_NULL) return CS_OK;
        if (v->kind != N_SCALAR)
            return verr(err, v, k->path, "expected a %s, got %s",
                        k->type == CS_KEY_PATH ? "file path" : "string", got(v, g, sizeof g));
        val->u.s = k->type == CS_KEY_PATH ? path_join(dir, v->s) : strdup(v->s);
        return val->u.s ? CS_OK : oom(err);
    case CS_KEY_DATE:
        if (v->kind != N_SCALAR || cs_date_parse(v->s, &val->u.date))
            return verr(err, v, k->path, "expected a date YYYY-MM-DD, got %s", got(v, g, sizeof g));
        return CS_OK;
    case CS_KEY_ENUM:
        for (int i = 0; k->choices && k->choices[i]; i++)
            if (v->kind == N_SCALAR && !strcmp(v->s, k->choices[i])) {
                val->u.e = i;
                return CS_OK;
            }
        {
            sbuf b = {0};
            for (int i = 0; k->choices && k->choices[i]; i++)
                sb_printf(&b, "%s%s", i ? ", " : "", k->choices[i]);
            char *list = sb_take(&b);
            int rc = list ? verr(err, v, k->path, "expected one of %s, got %s", list,
                                 got(v, g, sizeof g))
                          : oom(err);
            free(list);
            return rc;
        }
    case CS_KEY_DIST: {
        int rc = parse_dist(k, v, &val->u.dist, err);
        val->built = rc == CS_OK;
        return rc;
    }
    case CS_KEY_ARRAY: {
        dbuf b = {0};
        int rc = collect_numbers(k, k->path, v, &b, err);
        if (!rc) rc = check_length(k, v, b.n, "numbers", err);
        val->u.arr.n = b.n;
        val->u.arr.v = b.v;
        return rc;
    }
    case CS_KEY_STEPS:
        return convert_steps(k, v, &val->u.steps, err);
    }
    return verr(err, v, k->path, "key has an unknown type %d in the table", (int)k->type);
}

/* Converts and validates one value, owned by the pool from the start (so a failure frees
 * whatever was half-built). */
static int convert(cs_config *c, size_t ki, const node *v, const char *dir, const cs_val **out,
                   cs_error *err)
{
    cs_val *val = calloc(1, sizeof *val);
    if (!val) return oom(err);
    val->next = c->pool;
    c->pool = val;
    val->key = ki;
    val->file = v->file;
    val->line = v->line;
    val->col = v->col;
    *out = val;
    return convert_into(&c->table[ki], v, dir, val, err);
}

/* ---- walking a file's mapping onto table keys ---------------------------------------- */

typedef int (*leaf_fn)(cs_config *c, size_t ki, const node *k, const node *v, void *ctx,
                       cs_error *err);

static int flatten(cs_config *c, const node *map, const char *prefix, bool top, leaf_fn fn,
                   void *ctx, cs_error *err)
{
    for (size_t i = 0; map->kind == N_MAP && i < map->n; i++) {
        const node *k = map->kids[2 * i], *v = map->kids[2 * i + 1];
        char path[CFG_PATH_MAX], gbuf[80];
        if (k->kind != N_SCALAR)
            return verr(err, k, prefix, "expected a key name, got %s", got(k, path, sizeof path));
        if (top && (!strcmp(k->s, "extends") || !strcmp(k->s, "sweep"))) continue;
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k->s);
        size_t ki;
        const char *below;
        int rc;
        if (find_key(c, path, &ki)) {
            rc = fn(c, ki, k, v, ctx, err);
        } else if ((below = key_below(c, path))) {
            if (v->kind == N_MAP || v->kind == N_NULL)
                rc = flatten(c, v, path, false, fn, ctx, err);
            else
                rc = verr(err, v, path, "expected a mapping of keys such as %s, got %s", below,
                          got(v, gbuf, sizeof gbuf));
        } else {
            rc = unknown_key(c, k, path, err);
        }
        if (rc) return rc;
    }
    return CS_OK;
}

/* A CS_KEY_NO_SWEEP key in a sweep point: the run has one value of it for every point. */
static int no_sweep(const cs_config *c, size_t ki, const node *k, cs_error *err)
{
    return verr(err, k, c->table[ki].path,
                "may not vary in a sweep (one value applies to every point: set it outside "
                "sweep:, or with --set)");
}

typedef struct layer_ctx {
    const cs_val **set; /* n_keys */
    const char *dir;
    bool allow_repeat; /* --set: a later --set of the same key wins */
    cfg_ovr **ovr;     /* sweep list points: also record the order */
    size_t *n_ovr;
} layer_ctx;

static int layer_leaf(cs_config *c, size_t ki, const node *k, const node *v, void *vctx,
                      cs_error *err)
{
    layer_ctx *x = vctx;
    if (x->ovr && (c->table[ki].flags & CS_KEY_NO_SWEEP)) return no_sweep(c, ki, k, err);
    if (x->set[ki] && !x->allow_repeat)
        return verr(err, k, c->table[ki].path, "key given twice (first at line %d)",
                    x->set[ki]->line);
    const cs_val *val = NULL;
    int rc = convert(c, ki, v, x->dir, &val, err);
    if (rc) return rc;
    x->set[ki] = val;
    if (x->ovr) {
        cfg_ovr *o = realloc(*x->ovr, (*x->n_ovr + 1) * sizeof *o);
        if (!o) return oom(err);
        *x->ovr = o;
        o[(*x->n_ovr)++] = (cfg_ovr){ki, val};
    }
    return CS_OK;
}

/* ---- loading ------------------------------------------------------------------------- */

static int check_table(const cs_config *c, cs_error *err)
{
    for (size_t i = 0; i < c->n_keys; i++) {
        const cs_key *k = &c->table[i];
        if (!k->path || !*k->path || strlen(k->path) >= CFG_PATH_MAX)
            return cs_error_set(err, CS_EINVAL, "(table)", 0, 0, NULL, "key %zu has a bad path", i);
        size_t seg = strcspn(k->path, ".");
        if ((seg == 7 && !strncmp(k->path, "extends", 7)) ||
            (seg == 5 && !strncmp(k->path, "sweep", 5)))
            return cs_error_set(err, CS_EINVAL, "(table)", 0, 0, k->path, "reserved name");
        if (k->type == CS_KEY_ENUM && (!k->choices || !k->choices[0]))
            return cs_error_set(err, CS_EINVAL, "(table)", 0, 0, k->path, "enum without choices");
        if (has_range(k) && !(k->min <= k->max))
            return cs_error_set(err, CS_EINVAL, "(table)", 0, 0, k->path, "min > max");
        size_t n = strlen(k->path);
        for (size_t j = 0; j < c->n_keys; j++) {
            if (j == i) continue;
            if (!strcmp(c->table[j].path, k->path))
                return cs_error_set(err, CS_EINVAL, "(table)", 0, 0, k->path, "key appears twice");
            if (!strncmp(c->table[j].path, k->path, n) && c->table[j].path[n] == '.')
                return cs_error_set(err, CS_EINVAL, "(table)", 0, 0, k->path,
                                    "key is also a group (%s)", c->table[j].path);
        }
    }
    return CS_OK;
}

static int load_defaults(cs_config *c, cs_error *err)
{
    for (size_t i = 0; i < c->n_keys; i++) {
        const cs_key *k = &c->table[i];
        if (!k->def || (k->flags & CS_KEY_REQUIRED)) continue;
        node *v;
        int rc = parse_text(k->def, strlen(k->def), "(default)", 0, k->path, &v, err);
        if (!rc) rc = convert(c, i, v, "", &c->defaults[i], err);
        node_free(v);
        if (rc) return rc;
        c->base[i] = c->defaults[i];
    }
    return CS_OK;
}

/* Reads a whole scenario file. Refuses what is not a regular file (a FIFO would block, and
 * /dev/zero be read for ever) and files over CFG_MAX_FILE bytes (also while reading, should
 * the file grow). Returns 0, an errno value, or READ_NOT_REGULAR / READ_TOO_BIG. */
enum { READ_NOT_REGULAR = -1, READ_TOO_BIG = -2 };

static int read_all(const char *path, char **text, size_t *len, struct stat *st)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* O_NONBLOCK: a FIFO opens at once */
    if (fd < 0) return errno ? errno : EIO;
    int e = fstat(fd, st) ? (errno ? errno : EIO) : 0;
    if (!e && !S_ISREG(st->st_mode)) e = READ_NOT_REGULAR;
    if (!e && st->st_size > CFG_MAX_FILE) e = READ_TOO_BIG;
    sbuf b = {0};
    char chunk[8192];
    while (!e) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) e = errno ? errno : EIO;
        if (n <= 0) break;
        if (b.n + (size_t)n > CFG_MAX_FILE)
            e = READ_TOO_BIG;
        else
            sb_add(&b, chunk, (size_t)n);
    }
    close(fd);
    *len = b.n;
    *text = sb_take(&b);
    if (!e && !*text) e = ENOMEM;
    if (e) {
        free(*text);
        *text = NULL;
    }
    return e;
}

/* How a failed read reads in a message, and its status: bad input (exit 2) unless the
 * machine failed (EIO) or memory ran out. */
static const char *read_problem(int e)
{
    static const char too_big[] = "larger than 1 MiB (a scenario is a few kilobytes)";
    return e == READ_NOT_REGULAR ? "not a regular file" : e == READ_TOO_BIG ? too_big : strerror(e);
}

static int read_status(int e)
{
    return e == EIO ? CS_EIO : e == ENOENT || e == ENOTDIR ? CS_ENOTFOUND : CS_EINVAL;
}

typedef struct chain_link {
    dev_t dev;
    ino_t ino;
    const char *file;
} chain_link;

static int load_file(cs_config *c, const char *path, const node *from, int depth, chain_link *chain,
                     cs_error *err)
{
    const char *file = intern_file(c, path);
    if (!file) return oom(err);
    char *text;
    size_t len;
    struct stat st;
    int e = read_all(path, &text, &len, &st);
    if (e == ENOMEM) return oom(err);
    if (e && from)
        return cs_error_set(err, read_status(e), from->file, from->line, from->col, "extends",
                            "cannot read %s: %s", path, read_problem(e));
    if (e)
        return cs_error_set(err, read_status(e), path, 0, 0, NULL, "cannot read: %s",
                            read_problem(e));
    for (int j = 0; j < depth; j++)
        if (chain[j].dev == st.st_dev && chain[j].ino == st.st_ino) {
            free(text);
            sbuf b = {0};
            for (int i = j; i < depth; i++)
                sb_printf(&b, "%s -> ", chain[i].file);
            sb_puts(&b, path);
            char *cyc = sb_take(&b);
            int rc = cyc ? cs_error_set(err, CS_EINVAL, from->file, from->line, from->col,
                                        "extends", "extends cycle: %s", cyc)
                         : oom(err);
            free(cyc);
            return rc;
        }
    chain[depth] = (chain_link){st.st_dev, st.st_ino, file};
    if (depth > 0) {
        if (c->text.n && c->text.s[c->text.n - 1] != '\n') sb_puts(&c->text, "\n");
        sb_printf(&c->text, "# --- extends: %s\n", path);
    }
    sb_add(&c->text, text, len);
    node *root;
    int rc = parse_text(text, len, file, -1, NULL, &root, err);
    free(text);
    if (rc) {
        node_free(root); /* a partial tree when building failed */
        return rc;
    }
    if ((rc = keep_tree(c, root, err))) return rc;
    if (root->kind != N_MAP && root->kind != N_NULL)
        return verr(err, root, NULL, "expected a mapping of keys at the top level, got %s",
                    root->kind == N_SEQ ? "a sequence" : "a scalar");
    const node *ext = map_get(root, "extends"), *sweep = map_get(root, "sweep");
    char *dir = dir_of(path);
    if (!dir) return oom(err);
    if (sweep && depth > 0)
        rc = verr(err, sweep, "sweep", "only the top-level file may have a sweep");
    if (!rc && ext) {
        if (ext->kind != N_SCALAR || !*ext->s) {
            char g[80];
            rc = verr(err, ext, "extends", "expected a file path, got %s", got(ext, g, sizeof g));
        } else if (depth >= CFG_MAX_EXTENDS) {
            rc = verr(err, ext, "extends", "extends chain deeper than %d files", CFG_MAX_EXTENDS);
        } else {
            char *basep = path_join(dir, ext->s);
            rc = basep ? load_file(c, basep, ext, depth + 1, chain, err) : oom(err);
            free(basep);
        }
    }
    if (!rc) {
        const cs_val **set = calloc(c->n_keys ? c->n_keys : 1, sizeof *set);
        layer_ctx x = {set, dir, false, NULL, NULL};
        rc = set ? flatten(c, root, "", true, layer_leaf, &x, err) : oom(err);
        for (size_t i = 0; !rc && i < c->n_keys; i++)
            if (set[i]) c->base[i] = set[i];
        free(set);
    }
    if (!rc && depth == 0) {
        c->sweep = sweep;
        c->top_dir = dir;
        dir = NULL;
    }
    free(dir);
    return rc;
}

static int load_sets(cs_config *c, const char *const *sets, size_t n_sets, cs_error *err)
{
    for (size_t i = 0; i < n_sets; i++) {
        const char *s = sets[i], *eq = strchr(s, '=');
        int line = (int)i + 1;
        if (!eq)
            return cs_error_set(err, CS_EPARSE, "--set", line, 0, s,
                                "expected KEY=VALUE, got \"%s\"", s);
        while (*s == ' ')
            s++;
        size_t kn = (size_t)(eq - s);
        while (kn && s[kn - 1] == ' ')
            kn--;
        if (!kn || kn >= CFG_PATH_MAX)
            return cs_error_set(err, CS_EPARSE, "--set", line, 0, NULL,
                                "expected KEY=VALUE, got \"%s\"", sets[i]);
        char key[CFG_PATH_MAX];
        memcpy(key, s, kn);
        key[kn] = '\0';
        node *v = NULL, kn_node = {N_SCALAR, "--set", line, 0, key, 0, NULL}, map;
        int rc = parse_text(eq + 1, strlen(eq + 1), "--set", line, key, &v, err);
        if (!rc) {
            node *kids[2] = {&kn_node, v};
            map = (node){N_MAP, "--set", line, 0, NULL, 1, kids};
            layer_ctx x = {c->sets, "", true, NULL, NULL};
            rc = flatten(c, &map, "", false, layer_leaf, &x, err);
        }
        node_free(v);
        if (rc) return rc;
    }
    return CS_OK;
}

static const cs_val *resolve(const cs_config *c, size_t p, size_t ki)
{
    if (c->sets[ki]) return c->sets[ki];
    const cfg_point *pt = &c->points[p];
    for (size_t i = pt->n_ovr; i-- > 0;)
        if (pt->ovr[i].key == ki) return pt->ovr[i].v;
    return c->base[ki];
}

/* ---- formatting values --------------------------------------------------------------- */

static void fmt_double(sbuf *b, double x)
{
    if (isnan(x)) {
        sb_puts(b, ".nan");
        return;
    }
    if (isinf(x)) {
        sb_puts(b, x > 0 ? ".inf" : "-.inf");
        return;
    }
    /* The shortest text that reads back as the same double. */
    char buf[48];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    /* %g writes 100 as "1e+02": within plain magnitudes prefer the fixed form. */
    if (strchr(buf, 'e') && fabs(x) >= 1e-4 && fabs(x) < 1e15)
        for (int prec = 0; prec <= 20; prec++) {
            snprintf(buf, sizeof buf, "%.*f", prec, x);
            if (strtod(buf, NULL) == x) break;
        }
    sb_puts(b, buf);
}

static void fmt_string(sbuf *b, const char *s)
{
    sb_puts(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            sb_printf(b, "\\%c", ch);
        else if (ch == '\n')
            sb_puts(b, "\\n");
        else if (ch == '\t')
            sb_puts(b, "\\t");
        else if (ch < 0x20 || ch == 0x7f)
            sb_printf(b, "\\x%02x", ch);
        else
            sb_add(b, (const char *)&ch, 1);
    }
    sb_puts(b, "\"");
}

static void fmt_dist(sbuf *b, const cs_dist *d)
{
    char buf[256];
    int n = cs_dist_format(d, buf, sizeof buf);
    if (n < 0) {
        sb_puts(b, "~");
    } else if ((size_t)n < sizeof buf) {
        sb_puts(b, buf);
    } else {
        char *big = malloc((size_t)n + 1);
        if (!big) {
            b->oom = true;
            return;
        }
        cs_dist_format(d, big, (size_t)n + 1);
        sb_puts(b, big);
        free(big);
    }
}

/* Formats one field (its storage, as in the params struct) as a YAML value. */
static void fmt_field(sbuf *b, const cs_key *k, const void *field, bool abs_paths)
{
    char date[11];
    switch (k->type) {
    case CS_KEY_DOUBLE:
        fmt_double(b, *(const double *)field);
        break;
    case CS_KEY_INT:
        sb_printf(b, "%" PRId64, *(const int64_t *)field);
        break;
    case CS_KEY_BOOL:
        sb_puts(b, *(const bool *)field ? "true" : "false");
        break;
    case CS_KEY_STRING:
    case CS_KEY_PATH: {
        const char *s = *(char *const *)field;
        if (!s) {
            sb_puts(b, "~");
        } else if (k->type == CS_KEY_PATH && abs_paths && s[0] != '/') {
            /* A dump may be read from anywhere: make a relative path absolute. */
            char cwd[4096];
            sbuf full = {0};
            if (getcwd(cwd, sizeof cwd)) sb_printf(&full, "%s/", cwd);
            sb_puts(&full, s);
            fmt_string(b, full.oom ? s : full.s);
            free(full.s);
        } else {
            fmt_string(b, s);
        }
        break;
    }
    case CS_KEY_DATE:
        cs_date_format(*(const int32_t *)field, date);
        sb_puts(b, date);
        break;
    case CS_KEY_ENUM: {
        int e = *(const int *)field, n = 0;
        while (k->choices && k->choices[n])
            n++;
        if (e >= 0 && e < n)
            sb_puts(b, k->choices[e]);
        else
            sb_printf(b, "%d", e);
        break;
    }
    case CS_KEY_DIST:
        fmt_dist(b, (const cs_dist *)field);
        break;
    case CS_KEY_ARRAY: {
        const cs_array *a = field;
        sb_puts(b, "[");
        for (size_t i = 0; i < a->n; i++) {
            if (i) sb_puts(b, ", ");
            fmt_double(b, a->v[i]);
        }
        sb_puts(b, "]");
        break;
    }
    case CS_KEY_STEPS: {
        const cs_steps *s = field;
        sb_puts(b, "[");
        for (size_t i = 0; i < s->n; i++) {
            cs_date_format(s->from[i], date);
            sb_printf(b, "%s{from: %s, value: ", i ? ", " : "", date);
            fmt_double(b, s->value[i]);
            sb_puts(b, "}");
        }
        sb_puts(b, "]");
        break;
    }
    }
}

static void fmt_val(sbuf *b, const cs_config *c, const cs_val *v)
{
    if (v->uncertain)
        fmt_dist(b, &v->udist);
    else
        fmt_field(b, &c->table[v->key], &v->u, false);
}

/* ---- sweeps and points --------------------------------------------------------------- */

typedef struct grid_key {
    size_t key;
    size_t n;
    const cs_val **vals;
} grid_key;

typedef struct grid_ctx {
    grid_key *g;
    size_t n;
    const char *dir;
} grid_ctx;

static int grid_leaf(cs_config *c, size_t ki, const node *k, const node *v, void *vctx,
                     cs_error *err)
{
    grid_ctx *x = vctx;
    char g[80];
    if (c->table[ki].flags & CS_KEY_NO_SWEEP) return no_sweep(c, ki, k, err);
    for (size_t i = 0; i < x->n; i++)
        if (x->g[i].key == ki)
            return verr(err, k, c->table[ki].path, "key swept twice in the grid");
    if (v->kind != N_SEQ || v->n == 0)
        return verr(err, v, c->table[ki].path,
                    "expected a non-empty sequence of values to sweep over, got %s",
                    v->kind == N_SEQ ? "[]" : got(v, g, sizeof g));
    grid_key *gk = realloc(x->g, (x->n + 1) * sizeof *gk);
    if (!gk) return oom(err);
    x->g = gk;
    gk = &x->g[x->n++];
    *gk = (grid_key){ki, 0, calloc(v->n, sizeof *gk->vals)};
    if (!gk->vals) return oom(err);
    for (; gk->n < v->n; gk->n++) {
        int rc = convert(c, ki, v->kids[gk->n], x->dir, &gk->vals[gk->n], err);
        if (rc) return rc;
    }
    return CS_OK;
}

static int make_points(cs_config *c, size_t n, cs_error *err)
{
    c->points = calloc(n, sizeof *c->points);
    if (!c->points) return oom(err);
    c->n_points = n;
    return CS_OK;
}

static int set_desc(cfg_point *pt, const cs_config *c, cs_error *err)
{
    sbuf b = {0};
    for (size_t i = 0; i < pt->n_ovr; i++) {
        sb_printf(&b, "%s%s=", i ? ", " : "", c->table[pt->ovr[i].key].path);
        fmt_val(&b, c, pt->ovr[i].v);
    }
    pt->desc = sb_take(&b);
    return pt->desc ? CS_OK : oom(err);
}

static int sweep_grid(cs_config *c, const node *grid, cs_error *err)
{
    char g[80];
    if (grid->kind != N_MAP)
        return verr(err, grid, "sweep.grid", "expected a mapping of keys to value lists, got %s",
                    got(grid, g, sizeof g));
    grid_ctx x = {NULL, 0, c->top_dir};
    int rc = flatten(c, grid, "", false, grid_leaf, &x, err);
    size_t count = 1;
    for (size_t i = 0; !rc && i < x.n; i++) {
        if (count > CFG_MAX_POINTS / x.g[i].n)
            rc = verr(err, grid, "sweep.grid", "the grid has more than %d points", CFG_MAX_POINTS);
        else
            count *= x.g[i].n;
    }
    if (!rc && x.n == 0) rc = verr(err, grid, "sweep.grid", "the grid sweeps over no keys");
    if (!rc) rc = make_points(c, count, err);
    for (size_t p = 0; !rc && p < count; p++) {
        cfg_point *pt = &c->points[p];
        pt->ovr = calloc(x.n, sizeof *pt->ovr);
        if (!pt->ovr) {
            rc = oom(err);
            break;
        }
        pt->n_ovr = x.n;
        /* First key slowest: key j cycles every product of the later keys' lengths. */
        size_t rest = p;
        for (size_t j = x.n; j-- > 0;) {
            pt->ovr[j] = (cfg_ovr){x.g[j].key, x.g[j].vals[rest % x.g[j].n]};
            rest /= x.g[j].n;
        }
        rc = set_desc(pt, c, err);
    }
    for (size_t i = 0; i < x.n; i++)
        free(x.g[i].vals);
    free(x.g);
    return rc;
}

static int sweep_list(cs_config *c, const node *list, cs_error *err)
{
    char g[80];
    if (list->kind != N_SEQ || list->n == 0)
        return verr(err, list, "sweep.list", "expected a non-empty sequence of points, got %s",
                    list->kind == N_SEQ ? "[]" : got(list, g, sizeof g));
    if (list->n > CFG_MAX_POINTS)
        return verr(err, list, "sweep.list", "more than %d points", CFG_MAX_POINTS);
    int rc = make_points(c, list->n, err);
    const cs_val **seen = calloc(c->n_keys ? c->n_keys : 1, sizeof *seen);
    if (!rc && !seen) rc = oom(err);
    for (size_t p = 0; !rc && p < list->n; p++) {
        const node *item = list->kids[p];
        if (item->kind != N_MAP) {
            rc = verr(err, item, "sweep.list", "expected a mapping of keys to values, got %s",
                      got(item, g, sizeof g));
            break;
        }
        memset(seen, 0, (c->n_keys ? c->n_keys : 1) * sizeof *seen);
        cfg_point *pt = &c->points[p];
        layer_ctx x = {seen, c->top_dir, false, &pt->ovr, &pt->n_ovr};
        rc = flatten(c, item, "", false, layer_leaf, &x, err);
        if (!rc) rc = set_desc(pt, c, err);
    }
    free(seen);
    return rc;
}

/* A point name names an HDF5 group and the files made from it: 1 to CFG_NAME_MAX letters,
 * digits and _ - . , = +, not starting with '.' or '-' (so never "/", "." or "..", nor an
 * option). */
static bool safe_name(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= CFG_NAME_MAX && s[0] != '.' && s[0] != '-' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.,=+") == n;
}

#define CFG_UNSAFE_NAME                                                                            \
    "expected a name of letters, digits and _ - . , = + (not starting with . or -, at most 128 "   \
    "characters), got \"%s\""

static int sweep_names(cs_config *c, const node *names, cs_error *err)
{
    char g[80];
    if (names->kind != N_SEQ || names->n != c->n_points)
        return verr(err, names, "sweep.names", "expected %zu names (one per point), got %s",
                    c->n_points,
                    names->kind == N_SEQ ? "a different number" : got(names, g, sizeof g));
    for (size_t i = 0; i < names->n; i++) {
        const node *nm = names->kids[i];
        if (nm->kind != N_SCALAR || !*nm->s)
            return verr(err, nm, "sweep.names", "expected a name, got %s", got(nm, g, sizeof g));
        if (!safe_name(nm->s)) return verr(err, nm, "sweep.names", CFG_UNSAFE_NAME, nm->s);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(names->kids[j]->s, nm->s))
                return verr(err, nm, "sweep.names", "duplicate point name \"%s\"", nm->s);
        if (!(c->points[i].name = strdup(nm->s))) return oom(err);
    }
    return CS_OK;
}

static int load_sweep(cs_config *c, cs_error *err)
{
    const node *sw = c->sweep;
    if (!sw || sw->kind == N_NULL) {
        int rc = make_points(c, 1, err);
        if (!rc && !(c->points[0].desc = strdup(""))) rc = oom(err);
        return rc;
    }
    char g[80];
    if (sw->kind != N_MAP)
        return verr(err, sw, "sweep", "expected a mapping with grid or list, got %s",
                    got(sw, g, sizeof g));
    const node *grid = NULL, *list = NULL, *names = NULL;
    for (size_t i = 0; i < sw->n; i++) {
        const node *k = sw->kids[2 * i], *v = sw->kids[2 * i + 1];
        const char *name = k->kind == N_SCALAR ? k->s : "";
        if (!strcmp(name, "grid") && !grid)
            grid = v;
        else if (!strcmp(name, "list") && !list)
            list = v;
        else if (!strcmp(name, "names") && !names)
            names = v;
        else
            return verr(err, k, "sweep",
                        "unknown or repeated sweep field \"%s\" (expected grid, "
                        "list, names)",
                        name);
    }
    if (grid && list) return verr(err, sw, "sweep", "give either grid or list, not both");
    if (!grid && !list) return verr(err, sw, "sweep", "expected grid or list");
    int rc = grid ? sweep_grid(c, grid, err) : sweep_list(c, list, err);
    if (!rc && names) rc = sweep_names(c, names, err);
    return rc;
}

static char *stem(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, base, n);
        s[n] = '\0';
    }
    return s;
}

static int finish_points(cs_config *c, cs_error *err)
{
    size_t name_key = 0, width = 1;
    bool have_name =
        find_key(c, "meta.name", &name_key) && c->table[name_key].type == CS_KEY_STRING;
    for (size_t n = c->n_points; n >= 10; n /= 10)
        width++;
    for (size_t p = 0; p < c->n_points; p++) {
        cfg_point *pt = &c->points[p];
        for (size_t i = 0; i < c->n_keys; i++)
            if ((c->table[i].flags & CS_KEY_REQUIRED) && !resolve(c, p, i)) {
                if (c->n_points > 1)
                    return cs_error_set(err, CS_EINVAL, c->top, 0, 0, c->table[i].path,
                                        "required key missing (sweep point %zu)", p);
                return cs_error_set(err, CS_EINVAL, c->top, 0, 0, c->table[i].path,
                                    "required key missing");
            }
        for (size_t i = 0; i < c->n_keys; i++) {
            const cs_val *v = resolve(c, p, i);
            if (!v || !v->uncertain) continue;
            cs_uncertain *u = realloc(pt->unc, (pt->n_unc + 1) * sizeof *u);
            if (!u) return oom(err);
            pt->unc = u;
            u[pt->n_unc++] = (cs_uncertain){i, v->udist};
        }
        if (pt->name) continue;
        const cs_val *nv = have_name ? resolve(c, p, name_key) : NULL;
        char *base = nv && nv->u.s ? strdup(nv->u.s) : stem(c->top);
        if (!base) return oom(err);
        if (!safe_name(base)) {
            int rc = nv && nv->u.s
                         ? cs_error_set(err, CS_EINVAL, nv->file, nv->line, nv->col,
                                        c->table[name_key].path, CFG_UNSAFE_NAME, base)
                         : cs_error_set(err, CS_EINVAL, c->top, 0, 0, NULL,
                                        "the file's name is no scenario name: %s", "set meta.name");
            free(base);
            return rc;
        }
        sbuf b = {0};
        if (c->sweep && c->sweep->kind != N_NULL)
            sb_printf(&b, "%s.%0*zu", base, (int)width, p);
        else
            sb_puts(&b, base);
        free(base);
        if (!(pt->name = sb_take(&b))) return oom(err);
    }
    return CS_OK;
}

int cs_config_load(cs_config **out, const cs_key *table, size_t n_keys, const char *path,
                   const char *const *sets, size_t n_sets, cs_error *err)
{
    *out = NULL;
    cs_error_clear(err);
    cs_config *c = calloc(1, sizeof *c);
    if (!c) return oom(err);
    c->table = table;
    c->n_keys = n_keys;
    size_t nk = n_keys ? n_keys : 1;
    c->defaults = calloc(nk, sizeof *c->defaults);
    c->base = calloc(nk, sizeof *c->base);
    c->sets = calloc(nk, sizeof *c->sets);
    chain_link chain[CFG_MAX_EXTENDS + 1];
    int rc = c->defaults && c->base && c->sets ? CS_OK : oom(err);
    if (!rc) rc = check_table(c, err);
    if (!rc) rc = load_defaults(c, err);
    if (!rc) rc = load_file(c, path, NULL, 0, chain, err);
    if (!rc) c->top = c->files[0];
    if (!rc) rc = load_sets(c, sets, n_sets, err);
    if (!rc) rc = load_sweep(c, err);
    if (!rc) rc = finish_points(c, err);
    free_trees(c);
    if (!rc && c->text.oom) rc = oom(err);
    if (rc) {
        cs_config_destroy(c);
        return rc;
    }
    *out = c;
    return CS_OK;
}

size_t cs_config_npoints(const cs_config *c)
{
    return c->n_points;
}

const char *cs_config_point_name(const cs_config *c, size_t point)
{
    return point < c->n_points ? c->points[point].name : NULL;
}

const char *cs_config_point_desc(const cs_config *c, size_t point)
{
    return point < c->n_points ? c->points[point].desc : NULL;
}

const char *cs_config_text(const cs_config *c)
{
    return c->text.s ? c->text.s : "";
}

/* ---- filling parameter structs ------------------------------------------------------- */

static int store(const cs_key *k, void *f, const cs_val *v)
{
    switch (k->type) {
    case CS_KEY_DOUBLE:
        *(double *)f = v->u.d;
        return CS_OK;
    case CS_KEY_INT:
        *(int64_t *)f = v->u.i;
        return CS_OK;
    case CS_KEY_BOOL:
        *(bool *)f = v->u.b;
        return CS_OK;
    case CS_KEY_STRING:
    case CS_KEY_PATH:
        if (!v->u.s) return CS_OK;
        *(char **)f = strdup(v->u.s);
        return *(char **)f ? CS_OK : CS_ENOMEM;
    case CS_KEY_DATE:
        *(int32_t *)f = v->u.date;
        return CS_OK;
    case CS_KEY_ENUM:
        *(int *)f = v->u.e;
        return CS_OK;
    case CS_KEY_DIST:
        return cs_dist_copy(f, &v->u.dist);
    case CS_KEY_ARRAY: {
        cs_array *a = f;
        if (!v->u.arr.n) return CS_OK;
        if (!(a->v = malloc(v->u.arr.n * sizeof *a->v))) return CS_ENOMEM;
        memcpy(a->v, v->u.arr.v, v->u.arr.n * sizeof *a->v);
        a->n = v->u.arr.n;
        return CS_OK;
    }
    case CS_KEY_STEPS: {
        cs_steps *s = f;
        size_t n = v->u.steps.n;
        if (!n) return CS_OK;
        s->from = malloc(n * sizeof *s->from);
        s->value = malloc(n * sizeof *s->value);
        if (!s->from || !s->value) return CS_ENOMEM; /* freeable: n stays 0, pointers kept */
        memcpy(s->from, v->u.steps.from, n * sizeof *s->from);
        memcpy(s->value, v->u.steps.value, n * sizeof *s->value);
        s->n = n;
        return CS_OK;
    }
    }
    return CS_EINVAL;
}

int cs_config_apply(const cs_config *c, size_t point, void *params, cs_error *err)
{
    if (point >= c->n_points)
        return cs_error_set(err, CS_EINVAL, c->top, 0, 0, NULL,
                            "no sweep point %zu (there are %zu)", point, c->n_points);
    for (size_t i = 0; i < c->n_keys; i++) {
        const cs_val *v = resolve(c, point, i);
        if (!v) continue;
        int rc = store(&c->table[i], (char *)params + c->table[i].offset, v);
        if (rc) return cs_error_set(err, rc, c->top, 0, 0, c->table[i].path, "out of memory");
    }
    return CS_OK;
}

void cs_config_params_free(const cs_key *table, size_t n_keys, void *params)
{
    if (!params) return;
    for (size_t i = 0; i < n_keys; i++) {
        void *f = (char *)params + table[i].offset;
        switch (table[i].type) {
        case CS_KEY_STRING:
        case CS_KEY_PATH:
            free(*(char **)f);
            *(char **)f = NULL;
            break;
        case CS_KEY_DIST:
            cs_dist_fini(f);
            memset(f, 0, sizeof(cs_dist));
            break;
        case CS_KEY_ARRAY:
            free(((cs_array *)f)->v);
            memset(f, 0, sizeof(cs_array));
            break;
        case CS_KEY_STEPS:
            free(((cs_steps *)f)->from);
            free(((cs_steps *)f)->value);
            memset(f, 0, sizeof(cs_steps));
            break;
        default:
            break;
        }
    }
}

int cs_config_origin(const cs_config *c, size_t point, const char *key, const char **file,
                     int *line, int *col)
{
    size_t ki;
    if (point >= c->n_points || !find_key(c, key, &ki)) return CS_ENOTFOUND;
    const cs_val *v = resolve(c, point, ki);
    if (!v || v == c->defaults[ki]) return CS_ENOTFOUND;
    *file = v->file;
    *line = v->line;
    *col = v->col;
    return CS_OK;
}

size_t cs_config_uncertain(const cs_config *c, size_t point, const cs_uncertain **list)
{
    if (point >= c->n_points) {
        *list = NULL;
        return 0;
    }
    *list = c->points[point].unc;
    return c->points[point].n_unc;
}

void cs_config_draw(const cs_key *table, const cs_uncertain *list, size_t n, void *params,
                    gsl_rng *r, uint64_t seed, uint64_t rep, uint32_t proc)
{
    for (size_t i = 0; i < n; i++) {
        const cs_key *k = &table[list[i].key];
        const cs_dist *d = &list[i].dist;
        double x;
        if (d->kind == CS_DIST_EMPIRICAL && d->joint > 0 && !d->alias) {
            /* A joint group's members all take the first uniform of the group's own stream:
             * one shared index, a joint posterior sample. */
            char group[32];
            snprintf(group, sizeof group, "joint:%d", d->joint);
            cs_rng_key(r, seed, rep, cs_streams_hash(group), proc);
            size_t idx = (size_t)(gsl_rng_uniform(r) * (double)d->n);
            x = d->values[idx < d->n ? idx : d->n - 1];
        } else {
            cs_rng_key(r, seed, rep, cs_streams_hash(k->path), proc);
            x = cs_dist_sample(d, r);
        }
        /* Clamped into the key's range: a normal around a probability can stray past 1. */
        if (has_range(k)) x = x < k->min ? k->min : x > k->max ? k->max : x;
        *(double *)((char *)params + k->offset) = x;
    }
}

/* ---- dumping ------------------------------------------------------------------------- */

static size_t field_size(cs_key_type t)
{
    switch (t) {
    case CS_KEY_DOUBLE:
        return sizeof(double);
    case CS_KEY_INT:
        return sizeof(int64_t);
    case CS_KEY_BOOL:
        return sizeof(bool);
    case CS_KEY_STRING:
    case CS_KEY_PATH:
        return sizeof(char *);
    case CS_KEY_DATE:
        return sizeof(int32_t);
    case CS_KEY_ENUM:
        return sizeof(int);
    case CS_KEY_DIST:
        return sizeof(cs_dist);
    case CS_KEY_ARRAY:
        return sizeof(cs_array);
    case CS_KEY_STEPS:
        return sizeof(cs_steps);
    }
    return sizeof(double);
}

/* With params == NULL, fills a scratch struct (big enough for every field) to print. */
static void *scratch_params(const cs_config *c, size_t point, int *rc)
{
    size_t size = 1;
    for (size_t i = 0; i < c->n_keys; i++) {
        size_t end = c->table[i].offset + field_size(c->table[i].type);
        if (end > size) size = end;
    }
    void *p = calloc(1, size);
    if (!p) {
        *rc = CS_ENOMEM;
        return NULL;
    }
    *rc = cs_config_apply(c, point, p, NULL);
    return p;
}

static void fmt_key(sbuf *b, const cs_config *c, size_t point, size_t ki, const void *params,
                    bool abs_paths)
{
    const cfg_point *pt = &c->points[point];
    for (size_t u = 0; u < pt->n_unc; u++)
        if (pt->unc[u].key == ki) {
            fmt_dist(b, &pt->unc[u].dist);
            return;
        }
    fmt_field(b, &c->table[ki], (const char *)params + c->table[ki].offset, abs_paths);
}

static void dump_group(sbuf *b, const cs_config *c, size_t point, const void *params,
                       const char *prefix, int depth, int comments)
{
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < c->n_keys; i++) {
        const char *path = c->table[i].path;
        if (strncmp(path, prefix, plen)) continue;
        const char *seg = path + plen;
        size_t slen = strcspn(seg, ".");
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            const char *q = c->table[j].path;
            seen =
                !strncmp(q, path, plen + slen) && (q[plen + slen] == '.' || q[plen + slen] == '\0');
        }
        if (seen) continue;
        sb_printf(b, "%*s%.*s:", 2 * depth, "", (int)slen, seg);
        if (seg[slen] == '.') {
            sb_puts(b, "\n");
            char sub[CFG_PATH_MAX];
            snprintf(sub, sizeof sub, "%.*s.", (int)(plen + slen), path);
            dump_group(b, c, point, params, sub, depth + 1, comments);
            continue;
        }
        sb_puts(b, " ");
        fmt_key(b, c, point, i, params, true);
        if (comments && c->table[i].help && *c->table[i].help) {
            sb_puts(b, "  # ");
            for (const char *h = c->table[i].help; *h; h++)
                sb_add(b, *h == '\n' || *h == '\r' ? " " : h, 1);
        }
        sb_puts(b, "\n");
    }
}

int cs_config_dump(const cs_config *c, size_t point, const void *params, FILE *f, int comments)
{
    if (point >= c->n_points) return CS_EINVAL;
    int rc = CS_OK;
    void *scratch = params ? NULL : scratch_params(c, point, &rc);
    if (rc) {
        cs_config_params_free(c->table, c->n_keys, scratch);
        free(scratch);
        return rc;
    }
    sbuf b = {0};
    if (comments) {
        sb_printf(&b, "# cssim scenario point %s", c->points[point].name);
        if (*c->points[point].desc) sb_printf(&b, " (%s)", c->points[point].desc);
        sb_puts(&b, "\n");
    }
    dump_group(&b, c, point, params ? params : scratch, "", 0, comments);
    cs_config_params_free(c->table, c->n_keys, scratch);
    free(scratch);
    char *s = sb_take(&b);
    if (!s) return CS_ENOMEM;
    rc = fputs(s, f) < 0 || ferror(f) ? CS_EIO : CS_OK;
    free(s);
    return rc;
}

int cs_config_resolved(const cs_config *c, size_t point, const void *params, char ***keys,
                       char ***values, size_t *n)
{
    *keys = NULL;
    *values = NULL;
    *n = 0;
    if (point >= c->n_points) return CS_EINVAL;
    int rc = CS_OK;
    void *scratch = params ? NULL : scratch_params(c, point, &rc);
    const void *src = params ? params : scratch;
    char **k = calloc(c->n_keys ? c->n_keys : 1, sizeof *k);
    char **v = calloc(c->n_keys ? c->n_keys : 1, sizeof *v);
    if (!rc && (!k || !v)) rc = CS_ENOMEM;
    for (size_t i = 0; !rc && i < c->n_keys; i++) {
        sbuf b = {0};
        fmt_key(&b, c, point, i, src, false);
        k[i] = strdup(c->table[i].path);
        v[i] = sb_take(&b);
        if (!k[i] || !v[i]) rc = CS_ENOMEM;
    }
    cs_config_params_free(c->table, c->n_keys, scratch);
    free(scratch);
    if (rc) {
        for (size_t i = 0; i < c->n_keys && k && v; i++) {
            free(k[i]);
            free(v[i]);
        }
        free(k);
        free(v);
        return rc;
    }
    *keys = k;
    *values = v;
    *n = c->n_keys;
    return CS_OK;
}

/* ---- dates --------------------------------------------------------------------------- */

/* Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, eras of 400
 * years = 146097 days; 719468 is 1970-03-01 counted from 0000-03-01). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

int cs_date_parse(const char *s, int32_t *days)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return CS_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return CS_EINVAL;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return CS_EINVAL;
    if (days) *days = (int32_t)days_from_civil(y, m, d);
    return CS_OK;
}

void cs_date_format(int32_t days, char buf[11])
{
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%04" PRId64 "-%02d-%02d", y, m, d);
    memcpy(buf, tmp, 10); /* years past 9999 do not fit the contract's buffer: truncated */
    buf[10] = '\0';
}

int32_t cs_date_add_months(int32_t days, int months)
{
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int64_t total = y * 12 + (m - 1) + months;
    int64_t ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
    int nm = (int)(total - ny * 12) + 1;
    int dim = days_in_month(ny, nm);
    return (int32_t)days_from_civil(ny, nm, d > dim ? dim : d);
}

/* ---- edit distance ------------------------------------------------------------------- */

size_t cs_edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    size_t *row = malloc((nb + 1) * sizeof *row);
    if (!row) return SIZE_MAX;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[nb];
    free(row);
    return d;
}
