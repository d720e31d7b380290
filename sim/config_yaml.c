/* Scenario configuration, YAML reading: scenario files read whole (bounded), libyaml's events
 * built into node trees (bounded while parsing), the growable strings every part uses, and
 * paths relative to the file naming them. */
#define _POSIX_C_SOURCE 200809L
#include "config_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

void cs_cfg_sb_add(sbuf *b, const char *s, size_t len)
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

void cs_cfg_sb_puts(sbuf *b, const char *s)
{
    cs_cfg_sb_add(b, s, strlen(s));
}

void cs_cfg_sb_printf(sbuf *b, const char *fmt, ...)
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
        cs_cfg_sb_add(b, tmp, (size_t)len);
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
    cs_cfg_sb_add(b, big, (size_t)len);
    free(big);
}

/* Hands over the string (NULL when out of memory); the buffer is left empty. */
char *cs_cfg_sb_take(sbuf *b)
{
    char *s = b->oom ? NULL : b->s;
    if (b->oom) free(b->s);
    if (!b->oom && !s) s = strdup("");
    memset(b, 0, sizeof *b);
    return s;
}

void cs_cfg_node_free(node *nd)
{
    if (!nd) return;
    size_t nk = nd->kind == N_MAP ? 2 * nd->n : nd->n;
    for (size_t i = 0; i < nk && nd->kids; i++)
        cs_cfg_node_free(nd->kids[i]);
    free(nd->kids);
    free(nd->s);
    free(nd);
}

static bool is_null_text(const char *s)
{
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* Reading builds the tree from libyaml's events with an explicit stack, so every bound holds
 * while parsing, before the document is complete: nesting (CFG_MAX_NEST levels) and the nodes
 * that aliases copy (CFG_MAX_ALIAS_NODES in all; a few hundred bytes of nested aliases would
 * otherwise expand to billions of nodes). An alias copies its anchor's subtree, positions
 * included. Collections under construction count a half-built pair as a pair (its value slot
 * NULL), so cs_cfg_node_free can free a tree abandoned at any event. */
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
            cs_cfg_node_free(nd);
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
            cs_cfg_node_free(nd);
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
        cs_cfg_node_free(nd);
        *rc = oom(rd->err);
        return NULL;
    }
    for (size_t i = 0; i < nk; i++)
        if (!(nd->kids[i] = copy_tree(rd, src->kids[i], depth + 1, rc))) {
            cs_cfg_node_free(nd); /* the kids not yet copied are NULL */
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
int cs_cfg_parse_text(const char *text, size_t len, const char *file, int fixed_line,
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

char *cs_cfg_dir_of(const char *path)
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
char *cs_cfg_path_join(const char *dir, const char *p)
{
    sbuf b = {0};
    if (p[0] != '/' && dir[0]) {
        cs_cfg_sb_puts(&b, dir);
        if (dir[strlen(dir) - 1] != '/') cs_cfg_sb_puts(&b, "/");
    }
    cs_cfg_sb_puts(&b, p);
    return cs_cfg_sb_take(&b);
}

/* Reads a whole scenario file. Refuses what is not a regular file (a FIFO would block, and
 * /dev/zero be read for ever) and files over CFG_MAX_FILE bytes (also while reading, should
 * the file grow). Returns 0, an errno value, or READ_NOT_REGULAR / READ_TOO_BIG. */
enum { READ_NOT_REGULAR = -1, READ_TOO_BIG = -2 };

int cs_cfg_read_all(const char *path, char **text, size_t *len, struct stat *st)
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
            cs_cfg_sb_add(&b, chunk, (size_t)n);
    }
    close(fd);
    *len = b.n;
    *text = cs_cfg_sb_take(&b);
    if (!e && !*text) e = ENOMEM;
    if (e) {
        free(*text);
        *text = NULL;
    }
    return e;
}

/* How a failed read reads in a message, and its status: bad input (exit 2) unless the
 * machine failed (EIO) or memory ran out. */
const char *cs_cfg_read_problem(int e)
{
    static const char too_big[] = "larger than 1 MiB (a scenario is a few kilobytes)";
    return e == READ_NOT_REGULAR ? "not a regular file" : e == READ_TOO_BIG ? too_big : strerror(e);
}

int cs_cfg_read_status(int e)
{
    return e == EIO ? CS_EIO : e == ENOENT || e == ENOTDIR ? CS_ENOTFOUND : CS_EINVAL;
}
