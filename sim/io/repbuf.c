/* Per-replication result buffers (see cssim/output.h).
 *
 * Invariants: every buffer is allocated once, in cs_repbuf_create, with the shapes the schema
 * gives (series [n_time * width] doubles, panels [n_time * n_la] of their element type,
 * summaries, per-authority statistics [n_la], draws [n_uncertain]); only the event table grows,
 * by doubling, and it never shrinks, so after the first few replications a model runs without
 * allocating. 0 <= n_events <= cap_events. */
#include "cssim/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t panel_elsize(cs_vtype t)
{
    switch (t) {
    case CS_VT_U8:
        return sizeof(uint8_t);
    case CS_VT_F32:
        return sizeof(float);
    case CS_VT_I32:
        return sizeof(int32_t);
    case CS_VT_F64:
        return sizeof(double);
    }
    return sizeof(double);
}

/* Counts are small and come from the schema, but a product could still overflow. */
static void *alloc_array(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    return calloc(n ? n : 1, size);
}

cs_repbuf *cs_repbuf_create(const cs_schema *s, size_t n_time, size_t n_la, size_t n_uncertain,
                            bool keep_events)
{
    if (!s) return NULL;
    cs_repbuf *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->n_time = n_time;
    b->n_la = n_la;
    b->n_uncertain = n_uncertain;
    b->keep_events = keep_events;
    bool ok = true;

    b->series = alloc_array(s->n_series, sizeof *b->series);
    ok = ok && b->series;
    for (size_t i = 0; ok && i < s->n_series; i++) {
        size_t w = s->series[i].width ? s->series[i].width : 1;
        ok = n_time <= SIZE_MAX / w;
        if (ok) b->series[i] = alloc_array(n_time * w, sizeof(double));
        ok = ok && b->series[i];
    }
    b->panel = ok ? alloc_array(s->n_panel, sizeof *b->panel) : NULL;
    ok = ok && b->panel;
    for (size_t i = 0; ok && i < s->n_panel; i++) {
        ok = n_la == 0 || n_time <= SIZE_MAX / n_la;
        if (ok) b->panel[i] = alloc_array(n_time * n_la, panel_elsize(s->panel[i].type));
        ok = ok && b->panel[i];
    }
    b->summary = ok ? alloc_array(s->n_summary, sizeof(double)) : NULL;
    ok = ok && b->summary;
    b->lastat = ok ? alloc_array(s->n_lastat, sizeof *b->lastat) : NULL;
    ok = ok && b->lastat;
    for (size_t i = 0; ok && i < s->n_lastat; i++) {
        b->lastat[i] = alloc_array(n_la, sizeof(double));
        ok = ok && b->lastat[i];
    }
    b->drawn = ok ? alloc_array(n_uncertain, sizeof(double)) : NULL;
    ok = ok && b->drawn;
    if (ok && keep_events) {
        /* 1024 rows (40 KiB) covers a quiet replication without any regrowth. */
        b->cap_events = 1024;
        b->events = alloc_array(b->cap_events, sizeof *b->events);
        ok = b->events != NULL;
    }
    if (!ok) {
        cs_repbuf_destroy(b, s);
        return NULL;
    }
    return b;
}

void cs_repbuf_destroy(cs_repbuf *b, const cs_schema *s)
{
    if (!b) return;
    if (b->series)
        for (size_t i = 0; i < s->n_series; i++)
            free(b->series[i]);
    if (b->panel)
        for (size_t i = 0; i < s->n_panel; i++)
            free(b->panel[i]);
    if (b->lastat)
        for (size_t i = 0; i < s->n_lastat; i++)
            free(b->lastat[i]);
    free(b->series);
    free(b->panel);
    free(b->summary);
    free(b->lastat);
    free(b->drawn);
    free(b->events);
    free(b);
}

void cs_repbuf_reset(cs_repbuf *b, uint64_t replication)
{
    /* Only the counts: models overwrite every value they record, and clearing megabytes of
     * panel per replication would cost more than it protects. */
    b->replication = replication;
    b->n_events = 0;
    b->n_dropped = 0;
    b->work = 0;
}

int cs_repbuf_event(cs_repbuf *b, int32_t la, double time, int type, int before, int after,
                    double value)
{
    if (!b->keep_events) return CS_OK;
    if (b->n_events == b->cap_events) {
        size_t cap = b->cap_events ? 2 * b->cap_events : 1024;
        cs_evrec *e =
            cap > SIZE_MAX / sizeof *b->events ? NULL : realloc(b->events, cap * sizeof *e);
        if (!e) {
            b->n_dropped++; /* the writer refuses this replication: no event vanishes silently */
            return CS_ENOMEM;
        }
        b->events = e;
        b->cap_events = cap;
    }
    if (type < INT16_MIN || type > INT16_MAX || before < INT16_MIN || before > INT16_MAX ||
        after < INT16_MIN || after > INT16_MAX) {
        b->n_dropped++;
        return CS_EINVAL;
    }
    cs_evrec *e = &b->events[b->n_events++];
    e->replication = (uint32_t)b->replication;
    e->authority = la;
    e->time = time;
    e->type = (int16_t)type;
    e->before = (int16_t)before;
    e->after = (int16_t)after;
    e->value = value;
    return CS_OK;
}

/* ---- selections (output.only) ---- */

/* Whether token t (length n) names group g, or g/name. */
static bool names(const char *t, size_t n, const char *g, const char *name)
{
    size_t gl = strlen(g);
    if (n < gl || strncmp(t, g, gl)) return false;
    if (!name) return n == gl;
    size_t nl = strlen(name);
    return n == gl + 1 + nl && t[gl] == '/' && !strncmp(t + gl + 1, name, nl);
}

/* Marks what token t keeps in the three groups; false when it names nothing. */
static bool mark(const cs_schema *s, const char *t, size_t n, bool *ser, bool *sum, bool *lat)
{
    static const char *const groups[3] = {"national", "summary", "authority_stats"};
    size_t cnt[3] = {s->n_series, s->n_summary, s->n_lastat};
    bool *on[3] = {ser, sum, lat};
    for (int g = 0; g < 3; g++) {
        if (names(t, n, groups[g], NULL)) {
            for (size_t i = 0; i < cnt[g]; i++)
                on[g][i] = true;
            return true;
        }
        for (size_t i = 0; i < cnt[g]; i++) {
            const char *nm = g == 0   ? s->series[i].name
                             : g == 1 ? s->summary[i].name
                                      : s->lastat[i].name;
            if (names(t, n, groups[g], nm)) {
                on[g][i] = true;
                return true;
            }
        }
    }
    return false;
}

/* The kept indices of on[0..n) into *of (allocated), their count returned. */
static size_t kept(const bool *on, size_t n, size_t **of)
{
    size_t k = 0;
    *of = alloc_array(n, sizeof **of);
    for (size_t i = 0; *of && i < n; i++)
        if (on[i]) (*of)[k++] = i;
    return k;
}

int cs_schema_select(cs_schema_sel *sel, const cs_schema *full, const char *only, char *bad,
                     size_t nbad)
{
    memset(sel, 0, sizeof *sel);
    sel->schema = *full;
    sel->all = true;
    if (bad && nbad) bad[0] = '\0';
    const char *sep = ", \t\n";
    if (!only || !only[strspn(only, sep)]) return CS_OK;
    bool *ser = alloc_array(full->n_series, sizeof *ser);
    bool *sum = alloc_array(full->n_summary, sizeof *sum);
    bool *lat = alloc_array(full->n_lastat, sizeof *lat);
    int rc = ser && sum && lat ? CS_OK : CS_ENOMEM;
    for (const char *t = only + strspn(only, sep); !rc && *t; t += strspn(t, sep)) {
        size_t n = strcspn(t, sep);
        if (!mark(full, t, n, ser, sum, lat)) {
            if (bad && nbad) snprintf(bad, nbad, "%.*s", (int)n, t);
            rc = CS_EINVAL;
        }
        t += n;
    }
    if (!rc) {
        size_t ns = kept(ser, full->n_series, &sel->of_series);
        size_t nu = kept(sum, full->n_summary, &sel->of_summary);
        size_t nl = kept(lat, full->n_lastat, &sel->of_lastat);
        cs_series_def *sd = alloc_array(ns, sizeof *sd);
        cs_scalar_def *ud = alloc_array(nu, sizeof *ud), *ld = alloc_array(nl, sizeof *ld);
        if (!sel->of_series || !sel->of_summary || !sel->of_lastat || !sd || !ud || !ld) {
            free(sd), free(ud), free(ld);
            rc = CS_ENOMEM;
        } else {
            for (size_t i = 0; i < ns; i++)
                sd[i] = full->series[sel->of_series[i]];
            for (size_t i = 0; i < nu; i++)
                ud[i] = full->summary[sel->of_summary[i]];
            for (size_t i = 0; i < nl; i++)
                ld[i] = full->lastat[sel->of_lastat[i]];
            sel->schema.n_series = ns, sel->schema.series = sd;
            sel->schema.n_summary = nu, sel->schema.summary = ud;
            sel->schema.n_lastat = nl, sel->schema.lastat = ld;
            sel->all = false; /* only now does sel own the arrays it frees */
        }
    }
    free(ser), free(sum), free(lat);
    if (rc) cs_schema_sel_free(sel);
    return rc;
}

void cs_schema_sel_free(cs_schema_sel *sel)
{
    if (!sel->all) {
        free((void *)sel->schema.series);
        free((void *)sel->schema.summary);
        free((void *)sel->schema.lastat);
    }
    free(sel->of_series), free(sel->of_summary), free(sel->of_lastat);
    memset(sel, 0, sizeof *sel);
    sel->all = true;
}

int cs_repbuf_view_init(cs_repbuf_view *v, const cs_schema_sel *sel)
{
    memset(v, 0, sizeof *v);
    v->series = alloc_array(sel->schema.n_series, sizeof *v->series);
    v->summary = alloc_array(sel->schema.n_summary, sizeof *v->summary);
    v->lastat = alloc_array(sel->schema.n_lastat, sizeof *v->lastat);
    if (v->series && v->summary && v->lastat) return CS_OK;
    cs_repbuf_view_free(v);
    return CS_ENOMEM;
}

void cs_repbuf_view_free(cs_repbuf_view *v)
{
    free(v->series), free(v->summary), free(v->lastat);
    memset(v, 0, sizeof *v);
}

const cs_repbuf *cs_repbuf_view_of(cs_repbuf_view *v, const cs_schema_sel *sel,
                                   const cs_repbuf *full)
{
    if (sel->all) return full;
    v->b = *full;
    for (size_t i = 0; i < sel->schema.n_series; i++)
        v->series[i] = full->series[sel->of_series[i]];
    for (size_t i = 0; i < sel->schema.n_summary; i++)
        v->summary[i] = full->summary[sel->of_summary[i]];
    for (size_t i = 0; i < sel->schema.n_lastat; i++)
        v->lastat[i] = full->lastat[sel->of_lastat[i]];
    v->b.series = v->series, v->b.summary = v->summary, v->b.lastat = v->lastat;
    return &v->b;
}
