/* Scenario configuration, distributions: a number or {dist: NAME, ...} parsed into a cs_dist
 * (CS_KEY_DIST keys, and DOUBLE keys given as uncertain), their YAML form, and the
 * per-replication draws of uncertain keys from streams keyed by key path. */
#define _POSIX_C_SOURCE 200809L
#include "config_impl.h"
#include "cssim/streams.h"

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

/* A bare number: a fixed law, bounded by the key's range. */
static int parse_fixed(const cs_key *k, const node *v, cs_dist *d, cs_error *err)
{
    char r[96], g[80];
    cs_cfg_range_text(k, r, sizeof r);
    double x;
    if (!cs_cfg_parse_number(v, &x))
        return cs_cfg_verr(err, v, k->path,
                           "expected a number%s or a distribution {dist: NAME, ...}, got %s", r,
                           cs_cfg_got(v, g, sizeof g));
    if (!cs_cfg_in_range(k, x))
        return cs_cfg_verr(err, v, k->path, "expected a number%s, got %s", r, v->s);
    return cs_dist_fixed(d, x) ? cs_cfg_verr(err, v, k->path, "invalid value %s", v->s) : CS_OK;
}

/* The law a mapping names with `dist:`. */
static int dist_law(const cs_key *k, const node *v, const node **name, int *kind, cs_error *err)
{
    *name = cs_cfg_map_get(v, "dist");
    if (!*name || (*name)->kind != N_SCALAR)
        return cs_cfg_verr(err, *name ? *name : v, k->path,
                           "expected a distribution {dist: NAME, ...} naming its law");
    *kind = cs_dist_kind_parse((*name)->s);
    if (*kind >= 0 && *kind < CS_DIST_NKINDS) return CS_OK;
    char names[256] = "";
    for (int j = 0; j < CS_DIST_NKINDS; j++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", j ? ", " : "",
                 cs_dist_kind_name((cs_dist_kind)j));
    return cs_cfg_verr(err, *name, k->path, "unknown distribution \"%s\" (expected one of %s)",
                       (*name)->s, names);
}

/* The law's parameters, by position in dist_params: each known, given once, the required
 * ones present (empirical needs only its values). */
static int dist_given(const cs_key *k, const node *v, const char *law, int kind,
                      const node *given[3], cs_error *err)
{
    char plist[64];
    param_list(kind, plist, sizeof plist);
    for (size_t i = 0; i < v->n; i++) {
        const node *pk = v->kids[2 * i];
        if (pk->kind == N_SCALAR && !strcmp(pk->s, "dist")) continue;
        int j = 0;
        while (j < 3 && dist_params[kind][j] &&
               !(pk->kind == N_SCALAR && !strcmp(pk->s, dist_params[kind][j])))
            j++;
        if (j == 3 || !dist_params[kind][j])
            return cs_cfg_verr(err, pk, k->path, "%s: unknown parameter \"%s\" (expected %s)", law,
                               pk->s ? pk->s : "?", plist);
        if (given[j])
            return cs_cfg_verr(err, pk, k->path, "%s: parameter %s given twice", law, pk->s);
        given[j] = v->kids[2 * i + 1];
    }
    int nreq = kind == CS_DIST_EMPIRICAL ? 1 : 3;
    for (int j = 0; j < nreq && dist_params[kind][j]; j++)
        if (!given[j])
            return cs_cfg_verr(err, v, k->path, "%s: missing parameter %s (expected %s)", law,
                               dist_params[kind][j], plist);
    return CS_OK;
}

/* {dist: empirical, values: [...], weights: [...] | joint: G}; values within the key's range. */
static int build_empirical(const cs_key *k, const node *v, const node *given[3], cs_dist *d,
                           cs_error *err)
{
    dbuf vals = {0}, wts = {0};
    int rc = cs_cfg_collect_numbers(k, k->path, given[0], &vals, err);
    if (!rc && given[1]) rc = cs_cfg_collect_numbers(NULL, k->path, given[1], &wts, err);
    if (!rc && vals.n == 0)
        rc = cs_cfg_verr(err, given[0], k->path, "empirical: values must not be empty");
    if (!rc && given[1] && wts.n != vals.n)
        rc = cs_cfg_verr(err, given[1], k->path, "empirical: expected %zu weights, got %zu", vals.n,
                         wts.n);
    double joint = 0;
    if (!rc && given[2] &&
        (!cs_cfg_parse_number(given[2], &joint) || joint < 1 || joint != floor(joint) || given[1]))
        rc = cs_cfg_verr(err, given[2], k->path,
                         "empirical: joint: expected a group number >= 1 (and no weights)");
    if (!rc) {
        rc = cs_dist_empirical(d, vals.v, given[1] ? wts.v : NULL, vals.n);
        if (rc == CS_ENOMEM)
            oom(err);
        else if (rc)
            cs_cfg_verr(err, v, k->path, "empirical: invalid values or weights");
        else
            d->joint = (int)joint;
    }
    free(vals.v);
    free(wts.v);
    return rc;
}

static int build(cs_dist *d, int kind, const double p[3])
{
    switch ((cs_dist_kind)kind) {
    case CS_DIST_FIXED:
        return cs_dist_fixed(d, p[0]);
    case CS_DIST_EXPONENTIAL:
        return cs_dist_exponential(d, p[0]);
    case CS_DIST_GAMMA:
        return cs_dist_gamma(d, p[0], p[1]);
    case CS_DIST_LOGNORMAL:
        return cs_dist_lognormal(d, p[0], p[1]);
    case CS_DIST_NORMAL:
        return cs_dist_normal(d, p[0], p[1]);
    case CS_DIST_UNIFORM:
        return cs_dist_uniform(d, p[0], p[1]);
    case CS_DIST_TRIANGULAR:
        return cs_dist_triangular(d, p[0], p[1], p[2]);
    case CS_DIST_BETA:
        return cs_dist_beta(d, p[0], p[1]);
    default:
        return CS_EINVAL;
    }
}

/* A parametric law: numeric parameters, a valid law, its mean within the key's range. */
static int build_law(const cs_key *k, const node *v, const char *law, int kind,
                     const node *given[3], cs_dist *d, cs_error *err)
{
    char r[96], g[80];
    double p[3] = {0, 0, 0};
    for (int j = 0; j < 3 && given[j]; j++)
        if (!cs_cfg_parse_number(given[j], &p[j]))
            return cs_cfg_verr(err, given[j], k->path, "%s: %s: expected a number, got %s", law,
                               dist_params[kind][j], cs_cfg_got(given[j], g, sizeof g));
    if (build(d, kind, p)) {
        char ps[160] = "";
        for (int j = 0; j < 3 && given[j]; j++)
            snprintf(ps + strlen(ps), sizeof ps - strlen(ps), "%s%s %g", j ? ", " : "",
                     dist_params[kind][j], p[j]);
        return cs_cfg_verr(err, v, k->path, "invalid %s distribution (%s)", law, ps);
    }
    double m = kind == CS_DIST_FIXED ? p[0] : cs_dist_mean(d);
    if (!cs_cfg_in_range(k, m)) {
        cs_dist_fini(d);
        cs_cfg_range_text(k, r, sizeof r);
        return cs_cfg_verr(err, v, k->path, "expected a distribution with mean%s, got mean %g", r,
                           m);
    }
    return CS_OK;
}

/* A number (fixed) or {dist: NAME, params...}; the key's range bounds the fixed value, the
 * empirical values, or the mean. */
int cs_cfg_parse_dist(const cs_key *k, const node *v, cs_dist *d, cs_error *err)
{
    if (v->kind != N_MAP) return parse_fixed(k, v, d, err);
    const node *name, *given[3] = {NULL, NULL, NULL};
    int kind = 0;
    int rc = dist_law(k, v, &name, &kind, err);
    if (!rc) rc = dist_given(k, v, name->s, kind, given, err);
    if (rc) return rc;
    if (kind == CS_DIST_EMPIRICAL) return build_empirical(k, v, given, d, err);
    return build_law(k, v, name->s, kind, given, d, err);
}

void cs_cfg_fmt_dist(sbuf *b, const cs_dist *d)
{
    char buf[256];
    int n = cs_dist_format(d, buf, sizeof buf);
    if (n < 0) {
        cs_cfg_sb_puts(b, "~");
    } else if ((size_t)n < sizeof buf) {
        cs_cfg_sb_puts(b, buf);
    } else {
        char *big = malloc((size_t)n + 1);
        if (!big) {
            b->oom = true;
            return;
        }
        cs_dist_format(d, big, (size_t)n + 1);
        cs_cfg_sb_puts(b, big);
        free(big);
    }
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
        if (cs_cfg_has_range(k)) x = x < k->min ? k->min : x > k->max ? k->max : x;
        *(double *)((char *)params + k->offset) = x;
    }
}
