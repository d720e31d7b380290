/* The world: everything shared and read-only for one scenario point (the selected
 * authorities, the horizon, the snapshot grid, the known events, the sponsor slots). */
#include "model.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int keep_row(const cs_params *p, const cs_authority *a)
{
    if (!p->only || !p->only[0]) return 1;
    const char *s = p->only;
    size_t len = strlen(a->code);
    while (*s) {
        const char *e = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == len && strncmp(s, a->code, l) == 0) return 1;
        if (!e) break;
        s = e + 1;
    }
    return 0;
}

static int due_cmp(const void *a, const void *b)
{
    const struct cs_due *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    if (x->la != y->la) return x->la < y->la ? -1 : 1;
    return (x->kind > y->kind) - (x->kind < y->kind);
}

/* Known events: the go-live of each trust in the start table (for its 12-month inspection
 * and its return), and the events decided by the start that take effect after it. */
static int load_known(cs_world *w, const cs_params *p, cs_error *err)
{
    w->trust_live = malloc(w->n_la * sizeof *w->trust_live);
    if (!w->trust_live) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    for (size_t i = 0; i < w->n_la; i++)
        w->trust_live[i] = NAN;
    const char *path = p->events;
    size_t len = path ? strlen(path) : 0;
    if (len == 0 || path[len - 1] == '/') return CS_OK; /* "" (joined to a folder): none */
    int rc = cs_known_events_load(&w->known, path, err);
    if (rc) return rc;
    w->due = calloc(w->known.n + 1, sizeof *w->due);
    if (!w->due) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    for (size_t k = 0; k < w->known.n; k++) {
        const cs_known_event *e = &w->known.ev[k];
        size_t i = 0;
        while (i < w->n_la && strcmp(w->table.rows[i].code, e->code))
            i++;
        if (i == w->n_la) continue; /* not in this run */
        double t = (double)(e->date - p->start);
        if (e->kind == CS_KNOWN_TRUST && t <= 0 && w->table.rows[i].governance == CS_GOV_TRUST &&
            (isnan(w->trust_live[i]) || t > w->trust_live[i]))
            w->trust_live[i] = t;
        if (t > 0 && e->decided <= p->start && e->kind != CS_KNOWN_PIP)
            w->due[w->n_due++] = (struct cs_due){(int32_t)i, e->kind, t};
    }
    qsort(w->due, w->n_due, sizeof *w->due, due_cmp);
    return CS_OK;
}

/* authorities.grade_counts: a fresh record at the start, for verification models (R1 of
 * issue 15): the kept authorities, in table order, take the counts' grades, dated at the
 * start, under their councils, with no earlier inadequate or SIF judgement. */
static int fresh_record(cs_world *w, const cs_params *p, cs_error *err)
{
    if (p->grade_counts.n == 0) return CS_OK;
    double total = 0;
    for (size_t g = 0; g < p->grade_counts.n; g++)
        total += p->grade_counts.v[g];
    if (total != (double)w->n_la)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, "authorities.grade_counts",
                            "the counts add up to %g, not to the %zu authorities kept", total,
                            w->n_la);
    size_t i = 0;
    for (int g = 0; g < CS_NGRADES; g++)
        for (double c = 0; c < p->grade_counts.v[g]; c++, i++) {
            cs_authority *a = &w->table.rows[i];
            a->grade = g;
            a->grade_date = p->start;
            a->sif_done = 0;
            a->judged_fw = CS_JFW_ILACS;
            a->n_inadequate = 0;
            a->governance = CS_GOV_COUNCIL;
        }
    return CS_OK;
}

/* The horizon t_end and the snapshot grid (time_days, time_iso, n_time). */
static int time_grid(cs_world *w, const cs_params *p, cs_error *err)
{
    /* the horizon in calendar months from the start (10 years from 2015-12-14 end on
     * 2025-12-14), plus any fraction of a month at 365.25 / 12 days; or time.horizon_days */
    double months = p->horizon_years * 12.0, whole = floor(months + 1e-9);
    w->t_end = (double)(cs_date_add_months(p->start, (int)whole) - p->start) +
               (months - whole > 0 ? (months - whole) * 365.25 / 12.0 : 0.0);
    if (p->horizon_days > 0) w->t_end = p->horizon_days;
    /* snapshot grid: calendar months from the start (with time.horizon_days, one more at
     * exactly the horizon when the grid does not end there) */
    double grid_years = fmax(p->horizon_years, w->t_end / 365.25) + 0.1;
    size_t cap = (size_t)(grid_years * 12.0 / (double)p->out_snapshot_months) + 3;
    w->time_days = calloc(cap, sizeof *w->time_days);
    w->time_iso = calloc(cap, sizeof *w->time_iso);
    if (!w->time_days || !w->time_iso) {
        return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    for (size_t s = 0; s < cap; s++) {
        int32_t d = cs_date_add_months(p->start, (int)(s * (size_t)p->out_snapshot_months));
        double t = (double)(d - p->start);
        if (t > w->t_end + 1e-9) break;
        w->time_days[s] = t;
        w->time_iso[s] = malloc(11);
        if (!w->time_iso[s]) {
            return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        }
        cs_date_format(d, w->time_iso[s]);
        w->n_time = s + 1;
    }
    if (p->horizon_days > 0 && (w->n_time == 0 || w->time_days[w->n_time - 1] < w->t_end)) {
        size_t s = w->n_time;
        w->time_days[s] = w->t_end;
        w->time_iso[s] = malloc(11);
        if (!w->time_iso[s]) {
            return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        }
        cs_date_format(p->start + (int32_t)floor(w->t_end), w->time_iso[s]);
        w->n_time = s + 1;
    }
    return CS_OK;
}

int cs_world_create(cs_world **out, const cs_params *p, cs_error *err)
{
    *out = NULL;
    cs_world *w = calloc(1, sizeof *w);
    if (!w) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    w->p = p;
    int rc = cs_authorities_load(&w->table, p->table, err);
    if (rc) {
        free(w);
        return rc;
    }
    size_t n_done = 0;
    for (size_t i = 0; i < w->table.n; i++)
        n_done += w->table.rows[i].sif_done != 0;
    w->sif_done_share = w->table.n ? (double)n_done / (double)w->table.n : 0;
    /* keep the selected rows, in table order */
    size_t k = 0;
    for (size_t i = 0; i < w->table.n; i++) {
        if (!keep_row(p, &w->table.rows[i]) || (p->limit > 0 && k >= (size_t)p->limit)) continue;
        if (k != i) {
            cs_authority tmp = w->table.rows[k];
            w->table.rows[k] = w->table.rows[i];
            w->table.rows[i] = tmp;
        }
        k++;
    }
    if (k == 0) {
        cs_world_destroy(w);
        return cs_error_set(err, CS_EINVAL, p->table, 0, 0, "authorities.only",
                            "no authority selected");
    }
    w->n_la = k;
    if ((rc = fresh_record(w, p, err))) {
        cs_world_destroy(w);
        return rc;
    }
    if ((rc = time_grid(w, p, err))) {
        cs_world_destroy(w);
        return rc;
    }
    if ((rc = load_known(w, p, err))) {
        cs_world_destroy(w);
        return rc;
    }
    int64_t pip = 0;
    for (size_t i = 0; i < w->n_la; i++)
        pip += w->table.rows[i].pip;
    w->sponsor_slots =
        p->sponsors_unlimited ? INT64_MAX : (pip + p->sponsors_extra) * p->sponsors_k;
    *out = w;
    return CS_OK;
}

void cs_world_destroy(cs_world *w)
{
    if (!w) return;
    cs_authorities_free(&w->table);
    cs_known_events_free(&w->known);
    free(w->trust_live);
    free(w->due);
    if (w->time_iso)
        for (size_t s = 0; s < w->n_time; s++)
            free(w->time_iso[s]);
    free(w->time_iso);
    free(w->time_days);
    free(w);
}
