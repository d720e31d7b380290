/* Scenario configuration: YAML -> node trees -> typed values -> parameter structs. This file is
 * the module's public face (the config's lifecycle and accessors, filling parameter structs,
 * dumping); config_impl.h lists the other parts and states the invariants. */
#define _POSIX_C_SOURCE 200809L
#include "config_impl.h"

#include <stdio.h>

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

void cs_config_destroy(cs_config *c)
{
    if (!c) return;
    cs_cfg_free_trees(c);
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

int cs_config_apply(const cs_config *c, size_t point, void *params, cs_error *err)
{
    if (point >= c->n_points)
        return cs_error_set(err, CS_EINVAL, c->top, 0, 0, NULL,
                            "no sweep point %zu (there are %zu)", point, c->n_points);
    for (size_t i = 0; i < c->n_keys; i++) {
        const cs_val *v = cs_cfg_resolve(c, point, i);
        if (!v) continue;
        int rc = cs_cfg_store(&c->table[i], (char *)params + c->table[i].offset, v);
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
    if (point >= c->n_points || !cs_cfg_find_key(c, key, &ki)) return CS_ENOTFOUND;
    const cs_val *v = cs_cfg_resolve(c, point, ki);
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

/* With params == NULL, fills a scratch struct (big enough for every field) to print. */
static void *scratch_params(const cs_config *c, size_t point, int *rc)
{
    size_t size = 1;
    for (size_t i = 0; i < c->n_keys; i++) {
        size_t end = c->table[i].offset + cs_cfg_field_size(c->table[i].type);
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
            cs_cfg_fmt_dist(b, &pt->unc[u].dist);
            return;
        }
    cs_cfg_fmt_field(b, &c->table[ki], (const char *)params + c->table[ki].offset, abs_paths);
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
        cs_cfg_sb_printf(b, "%*s%.*s:", 2 * depth, "", (int)slen, seg);
        if (seg[slen] == '.') {
            cs_cfg_sb_puts(b, "\n");
            char sub[CFG_PATH_MAX];
            snprintf(sub, sizeof sub, "%.*s.", (int)(plen + slen), path);
            dump_group(b, c, point, params, sub, depth + 1, comments);
            continue;
        }
        cs_cfg_sb_puts(b, " ");
        fmt_key(b, c, point, i, params, true);
        if (comments && c->table[i].help && *c->table[i].help) {
            cs_cfg_sb_puts(b, "  # ");
            for (const char *h = c->table[i].help; *h; h++)
                cs_cfg_sb_add(b, *h == '\n' || *h == '\r' ? " " : h, 1);
        }
        cs_cfg_sb_puts(b, "\n");
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
        cs_cfg_sb_printf(&b, "# cssim scenario point %s", c->points[point].name);
        if (*c->points[point].desc) cs_cfg_sb_printf(&b, " (%s)", c->points[point].desc);
        cs_cfg_sb_puts(&b, "\n");
    }
    dump_group(&b, c, point, params ? params : scratch, "", 0, comments);
    cs_config_params_free(c->table, c->n_keys, scratch);
    free(scratch);
    char *s = cs_cfg_sb_take(&b);
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
        v[i] = cs_cfg_sb_take(&b);
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
