/* Scenario configuration, layering and sweeps: the table defaults, a file and the files it
 * extends, --set, and the sweep's points; resolving a key for a point; naming the points;
 * cs_config_load, which runs them in that order. */
#define _POSIX_C_SOURCE 200809L
#include "config_impl.h"

#include <sys/stat.h>

void cs_cfg_free_trees(cs_config *c)
{
    for (size_t i = 0; i < c->n_trees; i++)
        cs_cfg_node_free(c->trees[i]);
    free(c->trees);
    c->trees = NULL;
    c->n_trees = 0;
    c->sweep = NULL;
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
        cs_cfg_node_free(root);
        return oom(err);
    }
    c->trees = t;
    t[c->n_trees++] = root;
    return CS_OK;
}

typedef int (*leaf_fn)(cs_config *c, size_t ki, const node *k, const node *v, void *ctx,
                       cs_error *err);

/* "prefix.key" (or "key") into dst, truncated to n - 1 characters as snprintf would: a path
 * that long names no key and is reported as unknown. (Written out because GCC's
 * -Wformat-truncation flags the snprintf at every call site of the recursion.) */
static void key_path(char *dst, size_t n, const char *prefix, const char *key)
{
    size_t at = 0;
    for (const char *s = prefix; *s && at + 1 < n; s++)
        dst[at++] = *s;
    if (*prefix && at + 1 < n) dst[at++] = '.';
    for (const char *s = key; *s && at + 1 < n; s++)
        dst[at++] = *s;
    dst[at] = '\0';
}

static int flatten(cs_config *c, const node *map, const char *prefix, bool top, leaf_fn fn,
                   void *ctx, cs_error *err)
{
    for (size_t i = 0; map->kind == N_MAP && i < map->n; i++) {
        const node *k = map->kids[2 * i], *v = map->kids[2 * i + 1];
        char path[CFG_PATH_MAX], gbuf[80];
        if (k->kind != N_SCALAR)
            return cs_cfg_verr(err, k, prefix, "expected a key name, got %s",
                               cs_cfg_got(k, path, sizeof path));
        if (top && (!strcmp(k->s, "extends") || !strcmp(k->s, "sweep"))) continue;
        key_path(path, sizeof path, prefix, k->s);
        size_t ki;
        const char *below;
        int rc;
        if (cs_cfg_find_key(c, path, &ki)) {
            rc = fn(c, ki, k, v, ctx, err);
        } else if ((below = cs_cfg_key_below(c, path))) {
            if (v->kind == N_MAP || v->kind == N_NULL)
                rc = flatten(c, v, path, false, fn, ctx, err);
            else
                rc = cs_cfg_verr(err, v, path, "expected a mapping of keys such as %s, got %s",
                                 below, cs_cfg_got(v, gbuf, sizeof gbuf));
        } else {
            rc = cs_cfg_unknown_key(c, k, path, err);
        }
        if (rc) return rc;
    }
    return CS_OK;
}

/* A CS_KEY_NO_SWEEP key in a sweep point: the run has one value of it for every point. */
static int no_sweep(const cs_config *c, size_t ki, const node *k, cs_error *err)
{
    return cs_cfg_verr(err, k, c->table[ki].path,
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
        return cs_cfg_verr(err, k, c->table[ki].path, "key given twice (first at line %d)",
                           x->set[ki]->line);
    const cs_val *val = NULL;
    int rc = cs_cfg_convert(c, ki, v, x->dir, &val, err);
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

static int load_defaults(cs_config *c, cs_error *err)
{
    for (size_t i = 0; i < c->n_keys; i++) {
        const cs_key *k = &c->table[i];
        if (!k->def || (k->flags & CS_KEY_REQUIRED)) continue;
        node *v;
        int rc = cs_cfg_parse_text(k->def, strlen(k->def), "(default)", 0, k->path, &v, err);
        if (!rc) rc = cs_cfg_convert(c, i, v, "", &c->defaults[i], err);
        cs_cfg_node_free(v);
        if (rc) return rc;
        c->base[i] = c->defaults[i];
    }
    return CS_OK;
}

typedef struct chain_link {
    dev_t dev;
    ino_t ino;
    const char *file;
} chain_link;

/* The file (by device and inode) is not already in the extends chain above it. */
static int check_cycle(const char *path, const struct stat *st, const node *from, int depth,
                       const chain_link *chain, cs_error *err)
{
    for (int j = 0; j < depth; j++) {
        if (chain[j].dev != st->st_dev || chain[j].ino != st->st_ino) continue;
        sbuf b = {0};
        for (int i = j; i < depth; i++)
            cs_cfg_sb_printf(&b, "%s -> ", chain[i].file);
        cs_cfg_sb_puts(&b, path);
        char *cyc = cs_cfg_sb_take(&b);
        int rc = cyc ? cs_error_set(err, CS_EINVAL, from->file, from->line, from->col, "extends",
                                    "extends cycle: %s", cyc)
                     : oom(err);
        free(cyc);
        return rc;
    }
    return CS_OK;
}

static int load_file(cs_config *c, const char *path, const node *from, int depth, chain_link *chain,
                     cs_error *err)
{
    const char *file = intern_file(c, path);
    if (!file) return oom(err);
    char *text;
    size_t len;
    struct stat st;
    int e = cs_cfg_read_all(path, &text, &len, &st);
    if (e == ENOMEM) return oom(err);
    if (e && from)
        return cs_error_set(err, cs_cfg_read_status(e), from->file, from->line, from->col,
                            "extends", "cannot read %s: %s", path, cs_cfg_read_problem(e));
    if (e)
        return cs_error_set(err, cs_cfg_read_status(e), path, 0, 0, NULL, "cannot read: %s",
                            cs_cfg_read_problem(e));
    int rc = check_cycle(path, &st, from, depth, chain, err);
    if (rc) {
        free(text);
        return rc;
    }
    chain[depth] = (chain_link){st.st_dev, st.st_ino, file};
    if (depth > 0) {
        if (c->text.n && c->text.s[c->text.n - 1] != '\n') cs_cfg_sb_puts(&c->text, "\n");
        cs_cfg_sb_printf(&c->text, "# --- extends: %s\n", path);
    }
    cs_cfg_sb_add(&c->text, text, len);
    node *root;
    rc = cs_cfg_parse_text(text, len, file, -1, NULL, &root, err);
    free(text);
    if (rc) {
        cs_cfg_node_free(root); /* a partial tree when building failed */
        return rc;
    }
    if ((rc = keep_tree(c, root, err))) return rc;
    if (root->kind != N_MAP && root->kind != N_NULL)
        return cs_cfg_verr(err, root, NULL, "expected a mapping of keys at the top level, got %s",
                           root->kind == N_SEQ ? "a sequence" : "a scalar");
    const node *ext = cs_cfg_map_get(root, "extends"), *sweep = cs_cfg_map_get(root, "sweep");
    char *dir = cs_cfg_dir_of(path);
    if (!dir) return oom(err);
    if (sweep && depth > 0)
        rc = cs_cfg_verr(err, sweep, "sweep", "only the top-level file may have a sweep");
    if (!rc && ext) {
        if (ext->kind != N_SCALAR || !*ext->s) {
            char g[80];
            rc = cs_cfg_verr(err, ext, "extends", "expected a file path, got %s",
                             cs_cfg_got(ext, g, sizeof g));
        } else if (depth >= CFG_MAX_EXTENDS) {
            rc = cs_cfg_verr(err, ext, "extends", "extends chain deeper than %d files",
                             CFG_MAX_EXTENDS);
        } else {
            char *basep = cs_cfg_path_join(dir, ext->s);
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
        int rc = cs_cfg_parse_text(eq + 1, strlen(eq + 1), "--set", line, key, &v, err);
        if (!rc) {
            node *kids[2] = {&kn_node, v};
            map = (node){N_MAP, "--set", line, 0, NULL, 1, kids};
            layer_ctx x = {c->sets, "", true, NULL, NULL};
            rc = flatten(c, &map, "", false, layer_leaf, &x, err);
        }
        cs_cfg_node_free(v);
        if (rc) return rc;
    }
    return CS_OK;
}

const cs_val *cs_cfg_resolve(const cs_config *c, size_t p, size_t ki)
{
    if (c->sets[ki]) return c->sets[ki];
    const cfg_point *pt = &c->points[p];
    for (size_t i = pt->n_ovr; i-- > 0;)
        if (pt->ovr[i].key == ki) return pt->ovr[i].v;
    return c->base[ki];
}

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
            return cs_cfg_verr(err, k, c->table[ki].path, "key swept twice in the grid");
    if (v->kind != N_SEQ || v->n == 0)
        return cs_cfg_verr(err, v, c->table[ki].path,
                           "expected a non-empty sequence of values to sweep over, got %s",
                           v->kind == N_SEQ ? "[]" : cs_cfg_got(v, g, sizeof g));
    grid_key *gk = realloc(x->g, (x->n + 1) * sizeof *gk);
    if (!gk) return oom(err);
    x->g = gk;
    gk = &x->g[x->n++];
    *gk = (grid_key){ki, 0, calloc(v->n, sizeof *gk->vals)};
    if (!gk->vals) return oom(err);
    for (; gk->n < v->n; gk->n++) {
        int rc = cs_cfg_convert(c, ki, v->kids[gk->n], x->dir, &gk->vals[gk->n], err);
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
        cs_cfg_sb_printf(&b, "%s%s=", i ? ", " : "", c->table[pt->ovr[i].key].path);
        cs_cfg_fmt_val(&b, c, pt->ovr[i].v);
    }
    pt->desc = cs_cfg_sb_take(&b);
    return pt->desc ? CS_OK : oom(err);
}

static int sweep_grid(cs_config *c, const node *grid, cs_error *err)
{
    char g[80];
    if (grid->kind != N_MAP)
        return cs_cfg_verr(err, grid, "sweep.grid",
                           "expected a mapping of keys to value lists, got %s",
                           cs_cfg_got(grid, g, sizeof g));
    grid_ctx x = {NULL, 0, c->top_dir};
    int rc = flatten(c, grid, "", false, grid_leaf, &x, err);
    size_t count = 1;
    for (size_t i = 0; !rc && i < x.n; i++) {
        if (count > CFG_MAX_POINTS / x.g[i].n)
            rc = cs_cfg_verr(err, grid, "sweep.grid", "the grid has more than %d points",
                             CFG_MAX_POINTS);
        else
            count *= x.g[i].n;
    }
    if (!rc && x.n == 0) rc = cs_cfg_verr(err, grid, "sweep.grid", "the grid sweeps over no keys");
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
        return cs_cfg_verr(err, list, "sweep.list",
                           "expected a non-empty sequence of points, got %s",
                           list->kind == N_SEQ ? "[]" : cs_cfg_got(list, g, sizeof g));
    if (list->n > CFG_MAX_POINTS)
        return cs_cfg_verr(err, list, "sweep.list", "more than %d points", CFG_MAX_POINTS);
    int rc = make_points(c, list->n, err);
    const cs_val **seen = calloc(c->n_keys ? c->n_keys : 1, sizeof *seen);
    if (!rc && !seen) rc = oom(err);
    for (size_t p = 0; !rc && p < list->n; p++) {
        const node *item = list->kids[p];
        if (item->kind != N_MAP) {
            rc =
                cs_cfg_verr(err, item, "sweep.list", "expected a mapping of keys to values, got %s",
                            cs_cfg_got(item, g, sizeof g));
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
        return cs_cfg_verr(
            err, names, "sweep.names", "expected %zu names (one per point), got %s", c->n_points,
            names->kind == N_SEQ ? "a different number" : cs_cfg_got(names, g, sizeof g));
    for (size_t i = 0; i < names->n; i++) {
        const node *nm = names->kids[i];
        if (nm->kind != N_SCALAR || !*nm->s)
            return cs_cfg_verr(err, nm, "sweep.names", "expected a name, got %s",
                               cs_cfg_got(nm, g, sizeof g));
        if (!safe_name(nm->s)) return cs_cfg_verr(err, nm, "sweep.names", CFG_UNSAFE_NAME, nm->s);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(names->kids[j]->s, nm->s))
                return cs_cfg_verr(err, nm, "sweep.names", "duplicate point name \"%s\"", nm->s);
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
        return cs_cfg_verr(err, sw, "sweep", "expected a mapping with grid or list, got %s",
                           cs_cfg_got(sw, g, sizeof g));
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
            return cs_cfg_verr(err, k, "sweep",
                               "unknown or repeated sweep field \"%s\" (expected grid, "
                               "list, names)",
                               name);
    }
    if (grid && list) return cs_cfg_verr(err, sw, "sweep", "give either grid or list, not both");
    if (!grid && !list) return cs_cfg_verr(err, sw, "sweep", "expected grid or list");
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
        cs_cfg_find_key(c, "meta.name", &name_key) && c->table[name_key].type == CS_KEY_STRING;
    for (size_t n = c->n_points; n >= 10; n /= 10)
        width++;
    for (size_t p = 0; p < c->n_points; p++) {
        cfg_point *pt = &c->points[p];
        for (size_t i = 0; i < c->n_keys; i++)
            if ((c->table[i].flags & CS_KEY_REQUIRED) && !cs_cfg_resolve(c, p, i)) {
                if (c->n_points > 1)
                    return cs_error_set(err, CS_EINVAL, c->top, 0, 0, c->table[i].path,
                                        "required key missing (sweep point %zu)", p);
                return cs_error_set(err, CS_EINVAL, c->top, 0, 0, c->table[i].path,
                                    "required key missing");
            }
        for (size_t i = 0; i < c->n_keys; i++) {
            const cs_val *v = cs_cfg_resolve(c, p, i);
            if (!v || !v->uncertain) continue;
            cs_uncertain *u = realloc(pt->unc, (pt->n_unc + 1) * sizeof *u);
            if (!u) return oom(err);
            pt->unc = u;
            u[pt->n_unc++] = (cs_uncertain){i, v->udist};
        }
        if (pt->name) continue;
        const cs_val *nv = have_name ? cs_cfg_resolve(c, p, name_key) : NULL;
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
            cs_cfg_sb_printf(&b, "%s.%0*zu", base, (int)width, p);
        else
            cs_cfg_sb_puts(&b, base);
        free(base);
        if (!(pt->name = cs_cfg_sb_take(&b))) return oom(err);
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
    if (!rc) rc = cs_cfg_check_table(c, err);
    if (!rc) rc = load_defaults(c, err);
    if (!rc) rc = load_file(c, path, NULL, 0, chain, err);
    if (!rc) c->top = c->files[0];
    if (!rc) rc = load_sets(c, sets, n_sets, err);
    if (!rc) rc = load_sweep(c, err);
    if (!rc) rc = finish_points(c, err);
    cs_cfg_free_trees(c);
    if (!rc && c->text.oom) rc = oom(err);
    if (rc) {
        cs_config_destroy(c);
        return rc;
    }
    *out = c;
    return CS_OK;
}
