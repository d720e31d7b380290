/* The children's services model: state, latent quality, the national tick (quality samples,
 * workforce, concern signals), snapshots and the truth-based yardsticks. The inspectorate is
 * in inspect.c, the intervention regime in regime.c. */
#include "model_impl.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- enums and schema ---- */

static const char *const grade_labels[] = {"outstanding", "good", "ri", "inadequate"};
static const char *const gov_labels[] = {"council", "notice",      "commissioner",
                                         "partner", "trust_setup", "trust"};
static const char *const event_labels[] = {"inspection_requested",
                                           "inspection_started",
                                           "inspection_completed",
                                           "judgement_published",
                                           "monitoring_visit",
                                           "focused_visit",
                                           "signal",
                                           "emergency_booked",
                                           "governance_change",
                                           "commissioner_appointed",
                                           "review",
                                           "commissioner_report",
                                           "sponsor_taken",
                                           "sponsor_released",
                                           "leadership_change",
                                           "framework_switch",
                                           "capacity_change",
                                           "latent_inadequate",
                                           "latent_recovered",
                                           "failure_detected"};

const cs_enum_def cs_enum_grade = {"grade", CS_NGRADES, grade_labels};
const cs_enum_def cs_enum_gov = {"governance", CS_NGOV, gov_labels};
const cs_enum_def cs_enum_event = {"event_type", CS_NEVTYPES, event_labels};

/* National series, in this order in the replication buffer. */
enum {
    S_GRADE,
    S_GOV,
    S_COMMISSIONERS,
    S_TRUSTS_CREATED,
    S_SPONSORS,
    S_QUEUE,
    S_OVERDUE,
    S_UTIL,
    S_CAPACITY,
    S_INSPECTIONS,
    S_MONITORING,
    S_EMERGENCIES,
    S_SIGNALS,
    S_GRADE_AGE,
    S_MISGRADED,
    S_LATENT,
    S_UNDETECTED,
    S_UND_YEARS,
    S_DETECTIONS,
    S_LATENCY,
    S_VACANCY,
    S_AGENCY,
    S_TURNOVER,
    S_STABILITY,
    S_GRADUATES,
    S_POOL,
    S_SIF_GRADES,
    S_REINSPECTED,
    S_IMPROVED,
    S_SIF_JUDGED,
    S_JUDGED_SIF,
    S_JUDGED_STANDARD,
    S_JUDGED_SHORT,
    S_TRANSITIONS,
    S_N
};

/* Labels of national/transitions: previous grade _to_ next grade, from*4 + to. */
static const char *const transition_labels[] = {"outstanding_to_outstanding",
                                                "outstanding_to_good",
                                                "outstanding_to_ri",
                                                "outstanding_to_inadequate",
                                                "good_to_outstanding",
                                                "good_to_good",
                                                "good_to_ri",
                                                "good_to_inadequate",
                                                "ri_to_outstanding",
                                                "ri_to_good",
                                                "ri_to_ri",
                                                "ri_to_inadequate",
                                                "inadequate_to_outstanding",
                                                "inadequate_to_good",
                                                "inadequate_to_ri",
                                                "inadequate_to_inadequate"};
static const cs_enum_def enum_transition = {"transition", 16, transition_labels};

static const cs_series_def series_defs[S_N] = {
    {"grade_counts", CS_VT_I32, 4, &cs_enum_grade, "authorities", "published grade counts"},
    {"governance_counts", CS_VT_I32, 6, &cs_enum_gov, "authorities", "counts by governance"},
    {"commissioners_appointed", CS_VT_I32, 1, NULL, "count", "cumulative commissioners"},
    {"trusts_created", CS_VT_I32, 1, NULL, "count", "cumulative trusts gone live"},
    {"sponsors_in_use", CS_VT_I32, 1, NULL, "count", "sponsor slots in use"},
    {"queue_length", CS_VT_I32, 1, NULL, "visits", "visits waiting for a team"},
    {"overdue_inspections", CS_VT_I32, 1, NULL, "visits",
     "queued visits more than inspectorate.overdue_after days past their target"},
    {"inspector_utilisation", CS_VT_F64, 1, NULL, "fraction",
     "inspector-days used / available since the previous snapshot (NaN if unlimited)"},
    {"inspector_capacity", CS_VT_F64, 1, NULL, "inspectors", "effective inspectors available"},
    {"inspections_completed", CS_VT_I32, 1, NULL, "count", "cumulative graded inspections"},
    {"monitoring_visits", CS_VT_I32, 1, NULL, "count", "cumulative monitoring visits"},
    {"emergency_inspections", CS_VT_I32, 1, NULL, "count", "cumulative emergency inspections"},
    {"signals", CS_VT_I32, 1, NULL, "count", "cumulative concern signals"},
    {"mean_grade_age", CS_VT_F64, 1, NULL, "days", "mean age of published grades"},
    {"misgraded_share", CS_VT_F64, 1, NULL, "fraction",
     "share of authorities whose latent band differs from their published grade"},
    {"latent_inadequate", CS_VT_I32, 1, NULL, "authorities",
     "latent quality in the inadequate band"},
    {"undetected_inadequate", CS_VT_I32, 1, NULL, "authorities",
     "latent inadequate, published grade better"},
    {"undetected_failure_years", CS_VT_F64, 1, NULL, "authority-years",
     "cumulative undetected-failure authority-years"},
    {"detections", CS_VT_I32, 1, NULL, "count", "cumulative detected failure episodes"},
    {"detection_latency_mean", CS_VT_F64, 1, NULL, "days",
     "mean detection latency of the episodes detected so far"},
    {"vacancy_rate", CS_VT_F64, 1, NULL, "fraction",
     "vacant posts / posts (agency-covered or not)"},
    {"agency_rate", CS_VT_F64, 1, NULL, "fraction", "agency / (agency + permanent)"},
    {"turnover_rate", CS_VT_F64, 1, NULL, "per year",
     "permanent leavers per permanent FTE-year since the previous snapshot"},
    {"stability_mean", CS_VT_F64, 1, NULL, "fraction", "mean permanent share of posts"},
    {"graduates_placed", CS_VT_F64, 1, NULL, "FTE", "cumulative fast-track expansion hires"},
    {"supply_pool", CS_VT_F64, 1, NULL, "FTE", "national supply not yet placed"},
    {"sif_grade_counts", CS_VT_I32, 4, &cs_enum_grade, "authorities",
     "grade counts of authorities whose latest judgement was made under the SIF (as Ofsted's "
     "SIF-era national statistics count them)"},
    {"inadequate_reinspected", CS_VT_I32, 1, NULL, "count",
     "cumulative judgements published for authorities whose previous grade was inadequate"},
    {"inadequate_improved", CS_VT_I32, 1, NULL, "count",
     "... of which graded better than inadequate"},
    {"sif_judged", CS_VT_I32, 1, NULL, "authorities",
     "authorities with a SIF judgement (before the start or since): the SIF's completion"},
    {"judgements_sif", CS_VT_I32, 4, &cs_enum_grade, "count",
     "cumulative SIF judgements published since the start, by grade"},
    {"judgements_ilacs_standard", CS_VT_I32, 4, &cs_enum_grade, "count",
     "cumulative ILACS standard-inspection judgements published since the start, by grade"},
    {"judgements_ilacs_short", CS_VT_I32, 4, &cs_enum_grade, "count",
     "cumulative ILACS short-inspection judgements published since the start, by grade"},
    {"transitions", CS_VT_I32, 16, &enum_transition, "count",
     "cumulative judgements published since the start whose previous judgement was a SIF or "
     "ILACS one, by (previous grade, grade): the record's table of consecutive judgements"},
};

enum { P_GRADE, P_GOV, P_QUALITY, P_STABILITY, P_N };
static const cs_panel_def panel_defs[P_N] = {
    {"grade", CS_VT_U8, &cs_enum_grade, NULL, "published grade"},
    {"governance", CS_VT_U8, &cs_enum_gov, NULL, "governance state"},
    {"quality", CS_VT_F32, NULL, "latent scale", "latent practice quality (last exact sample)"},
    {"stability", CS_VT_F32, NULL, "fraction", "permanent share of posts"},
};

enum {
    M_EVENTS,
    M_COMMISSIONERS,
    M_TRUSTS,
    M_INSPECTIONS,
    M_OVERDUE_DAYS,
    M_MEAN_WAIT,
    M_UTIL,
    M_INSPECTOR_DAYS,
    M_LATENCY,
    M_DETECTIONS,
    M_UND_YEARS,
    M_N
};
static const cs_scalar_def summary_defs[M_N] = {
    {"events", "count", "events dispatched"},
    {"commissioners_appointed", "count", "commissioners appointed"},
    {"trusts_created", "count", "trusts gone live"},
    {"inspections_completed", "count", "graded inspections completed"},
    {"overdue_days", "days", "sum over started visits of days past target + overdue_after"},
    {"mean_wait", "days", "mean days from target to start over started visits"},
    {"inspector_utilisation", "fraction", "inspector-days used / available over the run"},
    {"inspector_days_used", "inspector-days", "inspector-days used"},
    {"detection_latency_mean", "days", "mean detection latency (NaN if no detection)"},
    {"detections", "count", "failure episodes detected"},
    {"undetected_failure_years", "authority-years", "undetected-failure authority-years"},
};

enum { L_UND, L_LAT, L_INAD_YEARS, L_INSP, L_N };
static const cs_scalar_def lastat_defs[L_N] = {
    {"undetected_failure_years", "years", "latent inadequate while published better"},
    {"detection_latency_mean", "days", "mean detection latency (NaN if none)"},
    {"years_judged_inadequate", "years", "time with a published inadequate grade"},
    {"inspections", "count", "graded inspections completed"},
};

static const cs_schema schema = {S_N,          series_defs, P_N,         panel_defs,     M_N,
                                 summary_defs, L_N,         lastat_defs, &cs_enum_event, NULL};

const cs_schema *cs_model_schema(void)
{
    return &schema;
}

/* ---- the world ---- */

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
    /* the horizon in calendar months from the start (10 years from 2015-12-14 end on
     * 2025-12-14), plus any fraction of a month at 365.25 / 12 days */
    double months = p->horizon_years * 12.0, whole = floor(months + 1e-9);
    w->t_end = (double)(cs_date_add_months(p->start, (int)whole) - p->start) +
               (months - whole > 0 ? (months - whole) * 365.25 / 12.0 : 0.0);
    /* snapshot grid: calendar months from the start */
    size_t cap = (size_t)(p->horizon_years * 12.0 / (double)p->out_snapshot_months) + 2;
    w->time_days = calloc(cap, sizeof *w->time_days);
    w->time_iso = calloc(cap, sizeof *w->time_iso);
    if (!w->time_days || !w->time_iso) {
        cs_world_destroy(w);
        return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    for (size_t s = 0; s < cap; s++) {
        int32_t d = cs_date_add_months(p->start, (int)(s * (size_t)p->out_snapshot_months));
        double t = (double)(d - p->start);
        if (t > w->t_end + 1e-9) break;
        w->time_days[s] = t;
        w->time_iso[s] = malloc(11);
        if (!w->time_iso[s]) {
            cs_world_destroy(w);
            return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        }
        cs_date_format(d, w->time_iso[s]);
        w->n_time = s + 1;
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

/* ---- context ---- */

static const cs_model_type model_type;

#define ALLOC(field, count)                                                                        \
    do {                                                                                           \
        m->field = calloc((count), sizeof *m->field);                                              \
        if (!m->field) goto fail;                                                                  \
    } while (0)

cs_model *cs_model_create(const cs_world *w, size_t max_pending)
{
    cs_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    size_t n = w->n_la;
    m->w = w;
    m->n = n;
    ALLOC(q, n);
    ALLOC(q_t, n);
    ALLOC(u, n);
    ALLOC(m, n);
    ALLOC(grade, n);
    ALLOC(gov, n);
    ALLOC(latent, n);
    ALLOC(sif_j, n);
    ALLOC(jfw, n);
    ALLOC(sif_ever, n);
    ALLOC(trust_due, n);
    ALLOC(sig_left, n);
    ALLOC(grade_t, n);
    ALLOC(last_graded, n);
    ALLOC(last_visit, n);
    ALLOC(mon_y, n);
    ALLOC(mon_t, n);
    ALLOC(notice_t, n);
    ALLOC(cross_t, n);
    ALLOC(live_t, n);
    ALLOC(signals, n);
    ALLOC(n_inad, n);
    ALLOC(inad_t, n * CS_MAX_PRIOR_INADEQUATE);
    ALLOC(sponsor, n);
    ALLOC(graded, n);
    ALLOC(visit, n);
    ALLOC(h_review, n);
    ALLOC(h_appoint, n);
    ALLOC(h_lift, n);
    ALLOC(h_report, n);
    ALLOC(h_live, n);
    ALLOC(posts, n);
    ALLOC(perm, n);
    ALLOC(agency, n);
    ALLOC(h0, n);
    ALLOC(h_ref, n);
    ALLOC(stab, n);
    ALLOC(und_years, n);
    ALLOC(lat_sum, n);
    ALLOC(inad_years, n);
    ALLOC(lat_n, n);
    ALLOC(n_insp, n);
    m->q_cap = 2 * n + 8;
    ALLOC(queue, m->q_cap);
    m->st = cs_streams_create((uint32_t)n + 1, CS_NPROCS);
    /* Keyed by ONS code (E09000002 -> 9000002: codes are unique and validated), not by row:
     * a subset run shares each authority's random numbers with the full run. */
    for (size_t i = 0; m->st && i < n; i++)
        cs_streams_set_id(m->st, (uint32_t)i,
                          (uint32_t)strtoul(w->table.rows[i].code + 1, NULL, 10));
    if (m->st) cs_streams_set_id(m->st, CS_STREAMS_NATIONAL, CS_STREAMS_NATIONAL);
    m->eng = cs_engine_create(&model_type, m, 8 * n + 64, max_pending);
    if (!m->st || !m->eng) goto fail;
    return m;
fail:
    cs_model_destroy(m);
    return NULL;
}

void cs_model_destroy(cs_model *m)
{
    if (!m) return;
    free(m->jfw);
    free(m->u);
    free(m->sif_ever);
    void *fields[] = {m->h_ref,     m->trust_due,   m->sif_j,      m->sig_left, m->q,
                      m->q_t,       m->m,           m->grade,      m->gov,      m->latent,
                      m->grade_t,   m->last_graded, m->last_visit, m->mon_y,    m->mon_t,
                      m->notice_t,  m->cross_t,     m->live_t,     m->signals,  m->n_inad,
                      m->inad_t,    m->sponsor,     m->graded,     m->visit,    m->h_review,
                      m->h_appoint, m->h_lift,      m->h_report,   m->h_live,   m->posts,
                      m->perm,      m->agency,      m->h0,         m->stab,     m->und_years,
                      m->lat_sum,   m->inad_years,  m->lat_n,      m->n_insp,   m->queue};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        free(fields[i]);
    cs_streams_destroy(m->st);
    cs_engine_destroy(m->eng);
    free(m);
}

uint64_t cs_model_events(const cs_model *m)
{
    return m->events;
}

gsl_rng *cs_rng(cs_model *m, int la, int proc)
{
    return cs_streams_get(m->st, la < 0 ? CS_STREAMS_NATIONAL : (uint32_t)la, (uint32_t)proc);
}

void cs_log(cs_model *m, int la, int type, int before, int after, double value)
{
    if (m->buf->keep_events)
        cs_repbuf_event(m->buf, la, cs_engine_now(m->eng), type, before, after, value);
}

/* Threshold k of framework fw (ILACS: a standard [sub 0] or short [sub 1] inspection): the
 * ILACS thresholds are the SIF's plus shifts, so they follow this replication's SIF draw. */
static double cut_of(const cs_params *p, int fw, int sub, int k)
{
    double c = p->judge[CS_FW_SIF].c[k] + p->judge[CS_FW_SIF].shift;
    if (fw == CS_FW_ILACS) c += p->judge[CS_FW_ILACS].shift + p->ilacs_d[sub][k ? k : 1];
    return c;
}

double cs_cut(const cs_model *m, int k)
{
    return cut_of(m->p, m->fw, 0, k);
}

double cs_cut_kind(const cs_model *m, int kind, int k)
{
    return kind == CS_KIND_SIF ? cut_of(m->p, CS_FW_SIF, 0, k)
                               : cut_of(m->p, CS_FW_ILACS, kind == CS_KIND_ILACS_SHORT, k);
}

/* ---- latent quality ---- */

static int band(const cs_model *m, double q)
{
    if (q <= cs_cut(m, 1)) return CS_GRADE_INADEQUATE;
    if (q <= cs_cut(m, 2)) return CS_GRADE_RI;
    if (q <= cs_cut(m, 3)) return CS_GRADE_GOOD;
    return CS_GRADE_OUTSTANDING;
}

void cs_set_mean(cs_model *m, int i)
{
    const cs_params *p = m->p;
    double t = cs_engine_now(m->eng);
    m->m[i] = p->base + m->u[i] + p->gov_effect[m->gov[i]] +
              p->beta_workforce * (m->stab[i] - p->stability_ref) + p->drift * cs_days_to_years(t);
}

/* Advances quality exactly to t (the OU transition is Gaussian) and keeps the truth-based
 * yardsticks: undetected-failure time accrues over [q_t, t] by the state at q_t (the left
 * end; states change only at samples), and episodes start and end at samples. */
void cs_q_sample(cs_model *m, int i, double t)
{
    if (m->p->grade_model == CS_GM_MARKOV) {
        m->q_t[i] = t;
        return;
    }
    double dt = t - m->q_t[i];
    if (dt <= 0) return;
    if (m->latent[i] && m->grade[i] != CS_GRADE_INADEQUATE) {
        double y = cs_days_to_years(dt);
        m->und_years[i] += y;
        m->und_total += y;
    }
    double e, sd;
    if (fabs(dt - m->p->sample_days) < 1e-9) {
        e = m->tick_e;
        sd = m->tick_sd;
    } else {
        double th = m->p->theta;
        e = exp(-th * cs_days_to_years(dt));
        sd = m->p->qsd * sqrt((1.0 - m->p->persist) * (1.0 - e * e));
    }
    double z = gsl_ran_gaussian_ziggurat(cs_rng(m, i, CS_PROC_QUALITY), 1.0);
    m->q[i] = m->m[i] + (m->q[i] - m->m[i]) * e + sd * z;
    m->q_t[i] = t;
    int lat = m->q[i] <= cs_cut(m, 1);
    if (lat && !m->latent[i]) {
        m->latent_n++;
        if (m->grade[i] != CS_GRADE_INADEQUATE) {
            m->cross_t[i] = t;
            cs_log(m, i, CS_EV_LATENT_INADEQUATE, -1, -1, m->q[i]);
        }
    } else if (!lat && m->latent[i]) {
        m->latent_n--;
        if (!isnan(m->cross_t[i])) cs_log(m, i, CS_EV_LATENT_RECOVERED, -1, -1, t - m->cross_t[i]);
        m->cross_t[i] = NAN;
    }
    m->latent[i] = (uint8_t)lat;
}

/* Initial quality given the real grade: (q, y) are jointly normal at the judgement, the
 * reading y lay in the grade's interval of the framework that gave it (SIF; ILACS, short for
 * good or better, standard otherwise, as ILACS assigns them; older frameworks: the SIF's
 * thresholds + judgement.older.shift); draw y from its truncated normal, q given y, the
 * persistent effect u given q (Cov(u, q) = Var u = persist * sd^2), then carry q forward to the
 * start by the OU transition around the authority's own mean. */
static void init_quality(cs_model *m, int i)
{
    const cs_params *p = m->p;
    const cs_authority *a = &m->w->table.rows[i];
    gsl_rng *r = cs_rng(m, i, CS_PROC_INIT);
    double s2 = p->qsd * p->qsd;
    double mu = m->m[i];
    int ilacs = a->judged_fw == CS_JFW_ILACS;
    double tau = p->judge[ilacs ? CS_FW_ILACS : CS_FW_SIF].tau;
    double c[4];
    for (int k = 0; k < 4; k++)
        c[k] = ilacs ? cut_of(p, CS_FW_ILACS, a->grade <= CS_GRADE_GOOD, k)
                     : cut_of(p, CS_FW_SIF, 0, k) +
                           (a->judged_fw == CS_JFW_OLDER ? p->older_shift : 0);
    double lo = -INFINITY, hi = INFINITY;
    switch (a->grade) {
    case CS_GRADE_INADEQUATE:
        hi = c[1];
        break;
    case CS_GRADE_RI:
        lo = c[1], hi = c[2];
        break;
    case CS_GRADE_GOOD:
        lo = c[2], hi = c[3];
        break;
    default:
        lo = c[3];
        break;
    }
    double sy = sqrt(s2 + tau * tau);
    double q = mu; /* with no spread at all, quality sits at its mean */
    if (sy > 0) {
        double plo = gsl_cdf_ugaussian_P((lo - mu) / sy), phi = gsl_cdf_ugaussian_P((hi - mu) / sy);
        double u = plo + (phi - plo) * gsl_rng_uniform_pos(r);
        if (u <= 0) u = 1e-300;
        if (u >= 1) u = 1 - 1e-16;
        double y = mu + sy * gsl_cdf_ugaussian_Pinv(u);
        double k = s2 / (s2 + tau * tau);
        q = mu + k * (y - mu) + sqrt(s2 * (1 - k)) * gsl_ran_gaussian_ziggurat(r, 1.0);
        double rho = p->persist;
        if (rho > 0) {
            m->u[i] =
                rho * (q - mu) + sqrt(s2 * rho * (1 - rho)) * gsl_ran_gaussian_ziggurat(r, 1.0);
            mu += m->u[i];
        }
        double age = -(double)(a->grade_date - p->start); /* days before the start */
        if (age > 0) {
            double e = exp(-p->theta * cs_days_to_years(age));
            q = mu + (q - mu) * e +
                sqrt(s2 * (1 - rho) * (1 - e * e)) * gsl_ran_gaussian_ziggurat(r, 1.0);
        }
    }
    m->q[i] = q;
    m->q_t[i] = 0;
    m->latent[i] = (uint8_t)(q <= cs_cut(m, 1));
    if (m->latent[i]) {
        m->latent_n++;
        if (m->grade[i] != CS_GRADE_INADEQUATE) m->cross_t[i] = 0;
    }
}

/* ---- workforce ---- */

static void init_workforce(cs_model *m, int i)
{
    const cs_authority *a = &m->w->table.rows[i];
    m->posts[i] = a->posts_fte;
    m->perm[i] = a->permanent_fte;
    m->agency[i] = a->agency_fte;
    m->h0[i] = a->turnover_rate;
    double vac0 = a->posts_fte > 0 ? (a->posts_fte - a->permanent_fte) / a->posts_fte : 0;
    m->h_ref[i] = (1 + m->p->wf_turnover_inadequate * (a->grade == CS_GRADE_INADEQUATE)) *
                  (1 + m->p->wf_turnover_vacancy * vac0);
    m->stab[i] = a->posts_fte > 0 ? a->permanent_fte / a->posts_fte : 1.0;
}

static double supply_per_year(const cs_model *m, double t, double *grads)
{
    const cs_params *p = m->p;
    double day = (double)p->start + t;
    *grads = (day >= p->wf_grad_from && day <= p->wf_grad_to) ? p->wf_grad_extra : 0.0;
    return p->wf_nq + p->wf_frontline + p->wf_stepup + *grads;
}

/* Poisson by inversion (one uniform); the means here are small (a few leavers a month). */
static double poisson_small(gsl_rng *r, double mu)
{
    if (mu > 30) return (double)gsl_ran_poisson(r, mu);
    double u = gsl_rng_uniform(r), pk = exp(-mu), cdf = pk;
    unsigned k = 0;
    while (u > cdf && k < 1000) {
        k++;
        pk *= mu / k;
        cdf += pk;
    }
    return (double)k;
}

static void workforce_tick(cs_model *m, double t, double dt)
{
    const cs_params *p = m->p;
    double dy = cs_days_to_years(dt);
    double leavers_total = 0, demand = 0;
    for (size_t i = 0; i < m->n; i++) {
        double vac = m->posts[i] > 0 ? (m->posts[i] - m->perm[i]) / m->posts[i] : 0;
        /* the census turnover h0 was measured in the authority's start state: the response
         * scales it by the change of grade and vacancies since then */
        double h = m->h0[i] *
                   (1 + p->wf_turnover_inadequate * (m->grade[i] == CS_GRADE_INADEQUATE)) *
                   (1 + p->wf_turnover_vacancy * vac) / m->h_ref[i];
        m->perm_int += m->perm[i] * dy;
        double mean = m->perm[i] * h * dy;
        double lv = mean > 0 ? poisson_small(cs_rng(m, (int)i, CS_PROC_WORKFORCE), mean) : 0;
        if (lv > m->perm[i]) lv = m->perm[i];
        m->perm[i] -= lv;
        leavers_total += lv;
        demand += (m->posts[i] - m->perm[i]) * p->wf_attract.v[m->grade[i]];
    }
    m->leavers_acc += leavers_total;
    double grads;
    double inflow = supply_per_year(m, t, &grads) * dy;
    m->pool = m->pool * exp(-p->wf_pool_decay * dy) + inflow + p->wf_movers * leavers_total;
    double hired = 0;
    if (demand > 0 && m->pool > 0) {
        double share = m->pool / demand;
        for (size_t i = 0; i < m->n; i++) {
            double open = m->posts[i] - m->perm[i];
            double hi = open * p->wf_attract.v[m->grade[i]] * share;
            if (hi > open) hi = open;
            m->perm[i] += hi;
            hired += hi;
        }
    }
    if (hired > m->pool) hired = m->pool;
    m->pool -= hired;
    if (m->pool < 0) m->pool = 0;
    double total_in = inflow + p->wf_movers * leavers_total;
    if (total_in > 0) m->grad_placed += hired * (grads * dy) / total_in;
    double adj = 1 - exp(-p->wf_agency_adjust * dy);
    for (size_t i = 0; i < m->n; i++) {
        double open = m->posts[i] - m->perm[i];
        double a = m->agency[i] + (p->wf_agency_cover * open - m->agency[i]) * adj;
        m->agency[i] = a < 0 ? 0 : (a > open ? open : a);
        m->stab[i] = m->posts[i] > 0 ? m->perm[i] / m->posts[i] : 1.0;
    }
}

/* ---- signals ---- */

/* Concern signals: the rate is constant over each tick interval, so arrivals are exact by the
 * integrated hazard: each authority carries the Exp(1) budget left until its next signal and
 * spends rate * dt per interval; only an arrival draws random numbers. */
static void draw_signals(cs_model *m, int i, double t, double dt)
{
    const cs_params *p = m->p;
    double genuine =
        p->grade_model == CS_GM_PROBIT ? p->sig_rate * exp(-p->sig_slope * m->q[i]) : 0;
    double rate = genuine + p->sig_false_rate;
    if (rate <= 0) return;
    double h = rate * cs_days_to_years(dt), used = 0;
    if (!isfinite(h)) return; /* a non-finite quality reading is caught by its own check */
    unsigned guard = 0;
    while (m->sig_left[i] <= h - used && guard++ < 10000) {
        gsl_rng *r = cs_rng(m, i, CS_PROC_SIGNALS);
        used += m->sig_left[i];
        double at = t + dt * used / h;
        int real = gsl_rng_uniform(r) * rate < genuine;
        double sev = gsl_ran_exponential(r, real ? p->sig_sev_genuine : p->sig_sev_false);
        cs_engine_schedule(m->eng, at, PRIO_STATE, EV_SIGNAL, i, real, sev);
        m->sig_left[i] = gsl_ran_exponential(r, 1.0);
    }
    m->sig_left[i] -= h - used;
}

static void on_signal(cs_model *m, const cs_event *ev)
{
    int i = ev->la;
    m->n_signals++;
    m->signals[i]++;
    cs_log(m, i, CS_EV_SIGNAL, (int)ev->aux, -1, ev->value);
    if (m->p->sharper && ev->value > m->p->sig_threshold) cs_insp_emergency(m, i);
}

/* ---- the tick and snapshots ---- */

static void on_tick(cs_model *m)
{
    const cs_params *p = m->p;
    double t = cs_engine_now(m->eng), dt = p->sample_days;
    if (p->workforce_on) workforce_tick(m, t, dt);
    for (size_t i = 0; i < m->n; i++) {
        cs_q_sample(m, (int)i, t);
        cs_set_mean(m, (int)i);
        if (t + dt <= m->w->t_end) draw_signals(m, (int)i, t, dt);
    }
    if (t + dt <= m->w->t_end) cs_engine_schedule(m->eng, t + dt, PRIO_TICK, EV_TICK, -1, 0, 0);
}

/* Panel floats keep 12 significant bits (relative precision 2^-12 = 2.4e-4, far finer than
 * anything the model resolves): the 11 low mantissa bits of the float are zeroed, so the
 * shuffle + deflate filters compress the panel several times faster and smaller. Exact values
 * stay in the model; docs/output.md says so. */
static float panel_float(double x)
{
    union {
        float f;
        uint32_t u;
    } v = {(float)x};
    if (isfinite(v.f)) v.u = (v.u + 0x400u) & ~0x7ffu; /* round to nearest, then truncate */
    return v.f;
}

static void put(cs_model *m, int s, double v)
{
    const cs_series_def *d = &series_defs[s];
    m->buf->series[s][m->snap * d->width] = v;
}

static void on_snapshot(cs_model *m)
{
    double t = cs_engine_now(m->eng);
    size_t k = m->snap, n = m->n;
    cs_repbuf *b = m->buf;
    cs_insp_account(m);
    for (int g = 0; g < CS_NGRADES; g++)
        b->series[S_GRADE][k * 4 + (size_t)g] = m->grade_n[g];
    for (int g = 0; g < CS_NGOV; g++)
        b->series[S_GOV][k * 6 + (size_t)g] = m->gov_n[g];
    put(m, S_COMMISSIONERS, (double)m->commissioners);
    put(m, S_TRUSTS_CREATED, (double)m->trusts_created);
    put(m, S_SPONSORS, (double)m->sponsors_used);
    put(m, S_QUEUE, (double)m->q_live);
    put(m, S_OVERDUE, cs_insp_overdue(m));
    double dcap = m->cap_int - m->prev_cap, dbusy = m->busy_int - m->prev_busy;
    put(m, S_UTIL, (m->p->unlimited || dcap <= 0) ? NAN : dbusy / dcap);
    m->prev_cap = m->cap_int;
    m->prev_busy = m->busy_int;
    put(m, S_CAPACITY, m->p->unlimited ? INFINITY : m->cap);
    put(m, S_INSPECTIONS, (double)m->inspections);
    put(m, S_MONITORING, (double)m->monitoring);
    put(m, S_EMERGENCIES, (double)m->emergencies);
    put(m, S_SIGNALS, (double)m->n_signals);
    int probit = m->p->grade_model == CS_GM_PROBIT;
    double age = 0, mis = 0, posts = 0, perm = 0, agency = 0, stab = 0;
    int32_t und = 0;
    uint8_t *pg = (uint8_t *)b->panel[P_GRADE] + k * n, *pv = (uint8_t *)b->panel[P_GOV] + k * n;
    float *pq = (float *)b->panel[P_QUALITY] + k * n, *ps = (float *)b->panel[P_STABILITY] + k * n;
    for (size_t i = 0; i < n; i++) {
        age += t - m->grade_t[i];
        if (probit) {
            mis += band(m, m->q[i]) != m->grade[i];
            und += m->latent[i] && m->grade[i] != CS_GRADE_INADEQUATE;
        }
        posts += m->posts[i];
        perm += m->perm[i];
        agency += m->agency[i];
        stab += m->stab[i];
    }
    if (m->p->out_panel) /* the panel is only filled when it is recorded */
        for (size_t i = 0; i < n; i++) {
            pg[i] = m->grade[i];
            pv[i] = m->gov[i];
            pq[i] = probit ? panel_float(m->q[i]) : NAN;
            ps[i] = panel_float(m->stab[i]);
        }
    put(m, S_GRADE_AGE, age / (double)n);
    put(m, S_MISGRADED, probit ? mis / (double)n : NAN);
    put(m, S_LATENT, probit ? (double)m->latent_n : NAN);
    put(m, S_UNDETECTED, probit ? (double)und : NAN);
    put(m, S_UND_YEARS, probit ? m->und_total : NAN);
    put(m, S_DETECTIONS, (double)m->detections);
    put(m, S_LATENCY, m->detections ? m->lat_total / (double)m->detections : NAN);
    put(m, S_VACANCY, posts > 0 ? (posts - perm) / posts : NAN);
    put(m, S_AGENCY, agency + perm > 0 ? agency / (agency + perm) : NAN);
    put(m, S_TURNOVER, m->perm_int > 0 ? m->leavers_acc / m->perm_int : NAN);
    m->leavers_acc = 0;
    m->perm_int = 0;
    put(m, S_STABILITY, stab / (double)n);
    put(m, S_GRADUATES, m->grad_placed);
    put(m, S_POOL, m->pool);
    for (int g = 0; g < CS_NGRADES; g++)
        b->series[S_SIF_GRADES][k * 4 + (size_t)g] = m->sif_n[g];
    put(m, S_REINSPECTED, (double)m->reinspected);
    put(m, S_IMPROVED, (double)m->improved);
    put(m, S_SIF_JUDGED, (double)m->sif_judged);
    for (int g = 0; g < CS_NGRADES; g++) {
        b->series[S_JUDGED_SIF][k * 4 + (size_t)g] = m->judged_n[0][g];
        b->series[S_JUDGED_STANDARD][k * 4 + (size_t)g] = m->judged_n[1][g];
        b->series[S_JUDGED_SHORT][k * 4 + (size_t)g] = m->judged_n[2][g];
    }
    for (int j = 0; j < CS_NGRADES * CS_NGRADES; j++)
        b->series[S_TRANSITIONS][k * 16 + (size_t)j] = m->trans_n[j];
    m->snap++;
    if (m->snap < m->w->n_time)
        cs_engine_schedule(m->eng, m->w->time_days[m->snap], PRIO_SNAPSHOT, EV_SNAPSHOT, -1, 0, 0);
}

/* ---- engine callbacks ---- */

static void reset_state(cs_model *m)
{
    size_t n = m->n;
    memset(m->grade_n, 0, sizeof m->grade_n);
    memset(m->gov_n, 0, sizeof m->gov_n);
    memset(m->sif_n, 0, sizeof m->sif_n);
    memset(m->judged_n, 0, sizeof m->judged_n);
    memset(m->trans_n, 0, sizeof m->trans_n);
    m->sif_judged = 0;
    m->reinspected = m->improved = 0;
    memset(m->sif_j, 0, n);
    memset(m->trust_due, 0, n);
    m->commissioners = m->trusts_created = m->sponsors_used = m->inspections = 0;
    m->monitoring = m->emergencies = m->n_signals = m->detections = m->latent_n = m->starts = 0;
    m->und_total = m->lat_total = m->wait_total = m->overdue_days = m->grad_placed = 0;
    m->leavers_acc = m->perm_int = m->prev_busy = m->prev_cap = 0;
    m->busy_int = m->cap_int = m->acct_t = 0;
    m->pool = 0;
    m->snap = 0;
    m->q_len = m->q_live = 0;
    m->q_seq = 0;
    m->used = 0;
    memset(m->graded, 0, n * sizeof *m->graded);
    memset(m->visit, 0, n * sizeof *m->visit);
    size_t hs = n * sizeof(cs_evhandle);
    memset(m->h_review, 0, hs);
    memset(m->h_appoint, 0, hs);
    memset(m->h_lift, 0, hs);
    memset(m->h_report, 0, hs);
    memset(m->h_live, 0, hs);
    memset(m->sponsor, 0, n);
    memset(m->latent, 0, n);
    memset(m->signals, 0, n * sizeof *m->signals);
    memset(m->n_inad, 0, n * sizeof *m->n_inad);
    memset(m->lat_n, 0, n * sizeof *m->lat_n);
    memset(m->n_insp, 0, n * sizeof *m->n_insp);
    for (size_t i = 0; i < n; i++) {
        m->und_years[i] = m->lat_sum[i] = m->inad_years[i] = 0;
        m->cross_t[i] = m->mon_t[i] = m->live_t[i] = m->notice_t[i] = NAN;
        m->mon_y[i] = NAN;
    }
}

static int model_init(void *vm, cs_engine *eng)
{
    cs_model *m = vm;
    const cs_params *p = m->p;
    const cs_world *w = m->w;
    reset_state(m);
    double th = p->theta;
    m->tick_e = exp(-th * cs_days_to_years(p->sample_days));
    m->tick_sd = p->qsd * sqrt((1.0 - p->persist) * (1.0 - m->tick_e * m->tick_e));
    m->fw = p->first_framework;
    if (p->first_framework == CS_FW_SIF && p->ilacs_from <= p->start) m->fw = CS_FW_ILACS;
    for (size_t i = 0; i < m->n; i++) {
        const cs_authority *a = &w->table.rows[i];
        m->grade[i] = (uint8_t)a->grade;
        m->grade_n[a->grade]++;
        m->gov[i] = (uint8_t)a->governance;
        m->jfw[i] = (uint8_t)a->judged_fw;
        m->sif_j[i] = (uint8_t)(a->judged_fw == CS_JFW_SIF);
        if (m->sif_j[i]) m->sif_n[a->grade]++;
        m->sif_ever[i] = (uint8_t)(a->sif_done != 0);
        m->sif_judged += m->sif_ever[i];
        m->gov_n[a->governance]++;
        m->grade_t[i] = (double)(a->grade_date - p->start);
        m->last_graded[i] = m->last_visit[i] = m->grade_t[i];
        for (int j = 0; j < a->n_inadequate && j < CS_MAX_PRIOR_INADEQUATE; j++)
            m->inad_t[i * CS_MAX_PRIOR_INADEQUATE + (size_t)j] =
                (double)(a->inadequate_dates[j] - p->start);
        m->n_inad[i] = a->n_inadequate;
        init_workforce(m, (int)i);
        m->u[i] = 0;
        cs_set_mean(m, (int)i);
        if (p->grade_model == CS_GM_PROBIT) {
            init_quality(m, (int)i);
            cs_set_mean(m, (int)i); /* with the persistent effect drawn */
        } else
            m->q[i] = NAN, m->q_t[i] = 0;
        if (p->lead_rate > 0)
            cs_engine_schedule(
                eng,
                gsl_ran_exponential(cs_rng(m, (int)i, CS_PROC_LEADERSHIP), 365.25 / p->lead_rate),
                PRIO_STATE, EV_LEADERSHIP, (int)i, 0, 0);
        if (m->gov[i] == CS_GOV_NOTICE) m->notice_t[i] = 0;
    }
    for (size_t i = 0; i < m->n; i++) {
        m->sig_left[i] = gsl_ran_exponential(cs_rng(m, (int)i, CS_PROC_SIGNALS), 1.0);
        draw_signals(m, (int)i, 0, p->sample_days);
    }
    cs_insp_init(m);
    cs_regime_init(m);
    cs_engine_schedule(eng, 0, PRIO_SNAPSHOT, EV_SNAPSHOT, -1, 0, 0);
    /* The tick samples quality, moves the workforce and draws signals; with markov grades,
     * no workforce and no signals it has nothing to do, and is not scheduled. */
    int tick = p->grade_model == CS_GM_PROBIT || p->workforce_on || p->sig_false_rate > 0;
    if (tick && p->sample_days <= w->t_end)
        cs_engine_schedule(eng, p->sample_days, PRIO_TICK, EV_TICK, -1, 0, 0);
    return CS_OK;
}

/* The model's invariants, checked after every event when cs_model_set_checks is on (tests):
 * workforce accounting (posts = permanent + agency + uncovered vacancies, none negative), a
 * national supply pool never negative, counts that add up to the authorities, capacity in use
 * within bounds. */
static int check_invariants(const cs_model *m)
{
    const double eps = 1e-9;
    int32_t ng = 0, nv = 0;
    for (int g = 0; g < CS_NGRADES; g++)
        ng += m->grade_n[g];
    for (int g = 0; g < CS_NGOV; g++)
        nv += m->gov_n[g];
    if (ng != (int32_t)m->n || nv != (int32_t)m->n) return CS_EMODEL;
    if (m->pool < -eps || m->used < -eps) return CS_EMODEL;
    for (size_t i = 0; i < m->n; i++) {
        double v = m->posts[i] - m->perm[i] - m->agency[i];
        if (m->perm[i] < -eps || m->agency[i] < -eps || v < -eps * (1 + m->posts[i]))
            return CS_EMODEL;
    }
    return CS_OK;
}

void cs_model_set_checks(cs_model *m, int on)
{
    m->checks = on;
}

static int dispatch(cs_model *m, const cs_event *ev);

static int model_handle(void *vm, cs_engine *eng, const cs_event *ev)
{
    cs_model *m = vm;
    (void)eng;
    int rc = dispatch(m, ev);
    if (rc == CS_OK && m->checks) {
        rc = check_invariants(m);
        if (rc)
            cs_error_set(cs_engine_error(m->eng), rc, NULL, 0, 0, NULL,
                         "model invariant broken after event type %d at t=%g", (int)ev->type,
                         ev->time);
    }
    return rc;
}

static int dispatch(cs_model *m, const cs_event *ev)
{
    switch (ev->type) {
    case EV_TICK:
        on_tick(m);
        return CS_OK;
    case EV_SNAPSHOT:
        on_snapshot(m);
        return CS_OK;
    case EV_SIGNAL:
        on_signal(m, ev);
        return CS_OK;
    case EV_LEADERSHIP: {
        int i = ev->la;
        cs_q_sample(m, i, ev->time);
        gsl_rng *r = cs_rng(m, i, CS_PROC_LEADERSHIP);
        double jump = cs_dist_sample(&m->p->lead_jump, r);
        if (m->p->grade_model == CS_GM_PROBIT) m->q[i] += jump;
        cs_log(m, i, CS_EV_LEADERSHIP_CHANGE, -1, -1, jump);
        cs_engine_schedule(m->eng, ev->time + gsl_ran_exponential(r, 365.25 / m->p->lead_rate),
                           PRIO_STATE, EV_LEADERSHIP, i, 0, 0);
        return CS_OK;
    }
    case EV_REQUEST:
        return cs_insp_on_request(m, ev);
    case EV_VISIT_END:
        return cs_insp_on_end(m, ev);
    case EV_SWITCH:
        cs_insp_switch(m);
        return CS_OK;
    case EV_CAPACITY:
        cs_insp_capacity(m, cs_capacity_at(m, ev->time));
        return CS_OK;
    case EV_MONITOR_START:
        cs_insp_monitor_start(m);
        return CS_OK;
    case EV_RISK:
        cs_insp_risk(m);
        return CS_OK;
    default:
        return cs_regime_handle(m, ev);
    }
}

static int model_finalize(void *vm, cs_engine *eng, double t_end)
{
    cs_model *m = vm;
    (void)eng;
    for (size_t i = 0; i < m->n; i++) {
        cs_q_sample(m, (int)i, t_end);
        if (m->grade[i] == CS_GRADE_INADEQUATE)
            m->inad_years[i] += cs_days_to_years(t_end - fmax(m->grade_t[i], 0));
    }
    cs_insp_account(m);
    return CS_OK;
}

static const cs_model_type model_type = {"children's services", model_init, model_handle,
                                         model_finalize};

int cs_model_run(cs_model *m, const cs_params *p, uint64_t seed, uint64_t rep, cs_repbuf *buf,
                 cs_error *err)
{
    m->p = p;
    m->buf = buf;
    cs_repbuf_reset(buf, rep);
    cs_streams_reset(m->st, seed, rep);
    cs_engine_reset(m->eng);
    int rc = cs_engine_run(m->eng, m->w->t_end);
    m->events = cs_engine_events(m->eng);
    if (rc) {
        if (err) *err = *cs_engine_error(m->eng);
        return rc;
    }
    double *s = buf->summary;
    s[M_EVENTS] = (double)m->events;
    s[M_COMMISSIONERS] = (double)m->commissioners;
    s[M_TRUSTS] = (double)m->trusts_created;
    s[M_INSPECTIONS] = (double)m->inspections;
    s[M_OVERDUE_DAYS] = m->overdue_days;
    s[M_MEAN_WAIT] = m->starts ? m->wait_total / (double)m->starts : NAN;
    s[M_UTIL] = (!p->unlimited && m->cap_int > 0) ? m->busy_int / m->cap_int : NAN;
    s[M_INSPECTOR_DAYS] = m->busy_int;
    s[M_LATENCY] = m->detections ? m->lat_total / (double)m->detections : NAN;
    s[M_DETECTIONS] = (double)m->detections;
    s[M_UND_YEARS] = p->grade_model == CS_GM_PROBIT ? m->und_total : NAN;
    for (size_t i = 0; i < m->n; i++) {
        buf->lastat[L_UND][i] = p->grade_model == CS_GM_PROBIT ? m->und_years[i] : NAN;
        buf->lastat[L_LAT][i] = m->lat_n[i] ? m->lat_sum[i] / m->lat_n[i] : NAN;
        buf->lastat[L_INAD_YEARS][i] = m->inad_years[i];
        buf->lastat[L_INSP][i] = m->n_insp[i];
    }
    return CS_OK;
}
