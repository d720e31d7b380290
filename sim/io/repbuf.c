/* Per-replication result buffers (see cssim/output.h).
 *
 * Invariants: every buffer is allocated once, in cs_repbuf_create, with the shapes the schema
 * gives (series [n_time * width] doubles, panels [n_time * n_la] of their element type,
 * summaries, per-authority statistics [n_la], draws [n_uncertain]); only the event table grows,
 * by doubling, and it never shrinks, so after the first few replications a model runs without
 * allocating. 0 <= n_events <= cap_events. */
#include "cssim/output.h"

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
