/* The Ofsted inspectorate: a pool of inspectors of finite (possibly time-varying) capacity,
 * one queue ordered by (priority class, target date, arrival), visit slots per authority,
 * frameworks (SIF, ILACS) and scheduling policies (cycle, cadence, risk).
 *
 * Queue invariant: a binary heap on (prio, target, seq); entries whose slot token no longer
 * matches are stale (superseded) and are dropped when they reach the top; q_live counts the
 * live ones. Capacity shortfall never drops a visit: it waits, and shows as queue length,
 * overdue visits and stale grades. The head of the queue blocks those behind it (strict
 * priority, no overtaking by smaller teams). */
#include "inspect.h"

#include "quality.h"
#include "workforce.h"

#include "cssim/rng.h"

#include <gsl/gsl_randist.h>
#include <string.h>

/* A visit slot: each LA has a graded slot (routine, re-inspection, emergency, trust) and a
 * visit slot (monitoring, focused). */
enum { SLOT_NONE = 0, SLOT_SCHEDULED, SLOT_QUEUED, SLOT_RUNNING };
typedef struct cs_slot {
    uint8_t state, reason;
    uint32_t token; /* bumps on supersede: stale queue entries are skipped */
    cs_evhandle ev; /* the pending EV_REQUEST while SCHEDULED */
    double target;
} cs_slot;

typedef struct cs_qentry {
    double target;
    uint64_t seq;
    uint32_t prio, token;
    int32_t la;
    uint8_t slot, reason;
} cs_qentry;

struct cs_inspect {
    cs_slot *graded, *visit;
    cs_qentry *queue; /* the heap */
    size_t q_len, q_cap, q_live;
    uint64_t q_seq;
    double cap, used; /* effective inspectors available and in use */
    double busy_int, cap_int, acct_t;
    double prev_busy, prev_cap; /* at the previous snapshot */
    double wait_total, overdue_days;
    int64_t starts, waited, monitoring, emergencies;
    /* per authority */
    double *last_graded;   /* end of the last graded inspection */
    double *last_visit;    /* end of the last visit of any kind */
    double *mon_y, *mon_t; /* latest monitoring reading and its time */
    uint8_t *trust_due;    /* a live trust awaits its 12-month inspection */
    double *trust_live;    /* ... its go-live time */
    int32_t *signals;      /* concern signals since the last graded inspection */
    int32_t *n_insp;       /* graded inspections completed */
};

static int before(const cs_qentry *a, const cs_qentry *b)
{
    if (a->prio != b->prio) return a->prio < b->prio;
    if (a->target != b->target) return a->target < b->target;
    return a->seq < b->seq;
}

static void q_push(cs_model *m, cs_qentry e)
{
    struct cs_inspect *in = m->insp;
    /* q_cap = 2n + 8 bounds the live entries (two slots per authority); stale entries are
     * compacted away before the heap could overflow. */
    if (in->q_len == in->q_cap) {
        size_t k = 0;
        for (size_t j = 0; j < in->q_len; j++) {
            cs_qentry *x = &in->queue[j];
            cs_slot *s = x->slot ? &in->visit[x->la] : &in->graded[x->la];
            if (s->token == x->token && s->state == SLOT_QUEUED) in->queue[k++] = *x;
        }
        in->q_len = k;
        for (size_t j = 1; j < k; j++) { /* re-heapify by sift-up */
            size_t c = j;
            while (c > 0 && before(&in->queue[c], &in->queue[(c - 1) / 2])) {
                cs_qentry t = in->queue[c];
                in->queue[c] = in->queue[(c - 1) / 2];
                in->queue[(c - 1) / 2] = t;
                c = (c - 1) / 2;
            }
        }
    }
    size_t c = in->q_len++;
    while (c > 0) {
        size_t par = (c - 1) / 2;
        if (!before(&e, &in->queue[par])) break;
        in->queue[c] = in->queue[par];
        c = par;
    }
    in->queue[c] = e;
}

static void q_pop(cs_model *m)
{
    struct cs_inspect *in = m->insp;
    cs_qentry last = in->queue[--in->q_len];
    size_t c = 0, n = in->q_len;
    for (;;) {
        size_t l = 2 * c + 1, best = c;
        const cs_qentry *bp = &last;
        if (l < n && before(&in->queue[l], bp)) best = l, bp = &in->queue[l];
        if (l + 1 < n && before(&in->queue[l + 1], bp)) best = l + 1;
        if (best == c) break;
        in->queue[c] = in->queue[best];
        c = best;
    }
    if (n) in->queue[c] = last;
}

static int is_live(const cs_model *m, const cs_qentry *e)
{
    const struct cs_inspect *in = m->insp;
    const cs_slot *s = e->slot ? &in->visit[e->la] : &in->graded[e->la];
    return s->token == e->token && s->state == SLOT_QUEUED;
}

static double capacity_at(const cs_model *m, double t)
{
    const cs_params *p = m->p;
    if (p->unlimited) return INFINITY;
    double mult = 1.0, day = (double)p->start + t;
    for (size_t k = 0; k < p->capacity_path.n; k++)
        if (day >= p->capacity_path.from[k]) mult = p->capacity_path.value[k];
    return p->fte * p->fte_scale * p->working_days / 365.25 * mult;
}

/* Integrates inspectors in use and available up to now. */
static void account(cs_model *m)
{
    struct cs_inspect *in = m->insp;
    double t = cs_model_now(m), dt = t - in->acct_t;
    if (dt > 0) {
        in->busy_int += in->used * dt;
        if (!m->p->unlimited) in->cap_int += in->cap * dt;
        in->acct_t = t;
    }
}

/* The kind of a graded inspection starting now: the framework in force, except that after the
 * switch an authority the SIF judged inadequate is re-inspected under the SIF until
 * inspectorate.sif.reinspect_until (as the record's 14 SIF re-inspections of 2018). */
static int graded_kind(const cs_model *m, int la, int reason)
{
    if (m->fw == CS_FW_SIF) return CS_KIND_SIF;
    if (reason == CS_REASON_REINSPECTION && m->jfw[la] == CS_JFW_SIF &&
        m->grade[la] == CS_GRADE_INADEQUATE &&
        (double)m->p->start + cs_model_now(m) < (double)m->p->sif_reinspect_until)
        return CS_KIND_SIF;
    return m->grade[la] <= CS_GRADE_GOOD ? CS_KIND_ILACS_SHORT : CS_KIND_ILACS_STANDARD;
}

static int visit_kind(int reason)
{
    return reason == CS_REASON_MONITORING ? CS_KIND_MONITORING : CS_KIND_FOCUSED;
}

/* Withdraws whatever the slot holds, unless a team is already at work. */
static void supersede(cs_model *m, int la, int slot)
{
    struct cs_inspect *in = m->insp;
    cs_slot *s = slot ? &in->visit[la] : &in->graded[la];
    if (s->state == SLOT_SCHEDULED) cs_engine_cancel(m->eng, s->ev);
    if (s->state == SLOT_QUEUED) in->q_live--;
    if (s->state != SLOT_RUNNING) {
        s->state = SLOT_NONE;
        s->token++;
        s->ev = 0;
    }
}

/* Puts a visit request on the slot: an EV_REQUEST at the target date (or the queue now). */
/* Days from its last graded inspection to an authority's next routine ILACS inspection. */
static double ilacs_gap(const cs_params *p, int g, gsl_rng *r)
{
    double d = cs_dist_sample(&p->ilacs_interval[g], r);
    return g == CS_GRADE_INADEQUATE ? d : d * p->ilacs_interval_scale;
}

static void request(cs_model *m, int la, int slot, int reason, double target)
{
    struct cs_inspect *in = m->insp;
    cs_slot *s = slot ? &in->visit[la] : &in->graded[la];
    if (s->state == SLOT_RUNNING) return; /* a team is at work: its end reschedules */
    supersede(m, la, slot);
    double now = cs_model_now(m);
    if (target < now) target = now;
    s->reason = (uint8_t)reason;
    s->target = target;
    s->state = SLOT_SCHEDULED;
    s->ev = cs_engine_schedule(m->eng, target, PRIO_VISIT, EV_REQUEST, la, slot, 0);
}

static void try_start(cs_model *m)
{
    struct cs_inspect *in = m->insp;
    while (in->q_len) {
        cs_qentry *e = &in->queue[0];
        if (!is_live(m, e)) {
            q_pop(m);
            continue;
        }
        int la = e->la, slot = e->slot;
        int kind = slot ? visit_kind(e->reason) : graded_kind(m, la, e->reason);
        double team = m->p->kind[kind].team;
        if (in->used + team > in->cap + 1e-9) return; /* the head waits; so do those behind it */
        cs_slot *s = slot ? &in->visit[la] : &in->graded[la];
        double now = cs_model_now(m);
        account(m);
        in->used += team;
        s->state = SLOT_RUNNING;
        in->q_live--;
        double wait = now - e->target;
        in->wait_total += wait;
        in->starts++;
        in->waited += wait > 0;
        if (wait > m->p->overdue_after) in->overdue_days += wait - m->p->overdue_after;
        int reason = e->reason;
        if (reason == CS_REASON_TRUST) in->trust_due[la] = 0;
        q_pop(m);
        gsl_rng *r = cs_model_rng(m, la, CS_PROC_INSPECT);
        double d = cs_dist_sample(&m->p->kind[kind].duration, r);
        cs_model_log(m, la, CS_EV_INSPECTION_STARTED, reason, kind, wait);
        cs_engine_schedule(m->eng, now + (d > 0 ? d : 0), PRIO_VISIT, EV_VISIT_END, la,
                           kind | (reason << 8) | (slot << 16), team);
    }
}

static int on_request(cs_model *m, const cs_event *ev)
{
    struct cs_inspect *in = m->insp;
    int la = ev->la, slot = (int)ev->aux;
    cs_slot *s = slot ? &in->visit[la] : &in->graded[la];
    s->state = SLOT_QUEUED;
    s->ev = 0;
    in->q_live++;
    cs_qentry e = {s->target,     in->q_seq++, (uint32_t)m->p->priority[s->reason], s->token, la,
                   (uint8_t)slot, s->reason};
    q_push(m, e);
    cs_model_log(m, la, CS_EV_INSPECTION_REQUESTED, s->reason, -1, s->target);
    try_start(m);
    return CS_OK;
}

static double reading(cs_model *m, int la, double tau)
{
    cs_quality_sample(m, la, cs_model_now(m));
    return cs_quality_value(m, la) +
           (tau > 0 ? cs_rng_gaussian(cs_model_rng(m, la, CS_PROC_JUDGE), tau) : 0);
}

static int markov_grade(cs_model *m, int la)
{
    const cs_params *p = m->p;
    size_t off = p->markov.n == 16 ? 0 : (size_t)m->gov[la] * 16;
    const double *row = p->markov.v + off + 4 * (size_t)m->grade[la];
    double u = cs_rng_uniform(cs_model_rng(m, la, CS_PROC_JUDGE)), acc = 0;
    for (int g = 0; g < CS_NGRADES - 1; g++) {
        acc += row[g];
        if (u < acc) return g;
    }
    return CS_NGRADES - 1;
}

static int on_end(cs_model *m, const cs_event *ev)
{
    struct cs_inspect *in = m->insp;
    int la = ev->la, kind = (int)(ev->aux & 0xff), reason = (int)((ev->aux >> 8) & 0xff);
    int slot = (int)(ev->aux >> 16);
    double now = cs_model_now(m);
    const cs_params *p = m->p;
    account(m);
    in->used -= ev->value;
    if (in->used < 1e-9) in->used = 0;
    cs_slot *s = slot ? &in->visit[la] : &in->graded[la];
    s->state = SLOT_NONE;
    s->token++;
    in->last_visit[la] = now;
    if (slot) { /* monitoring or focused visit: a reading, no grade */
        double y = p->grade_model == CS_GM_PROBIT ? reading(m, la, p->monitor_tau) : NAN;
        if (kind == CS_KIND_MONITORING) {
            in->monitoring++;
            in->mon_y[la] = y;
            in->mon_t[la] = now;
            cs_model_log(m, la, CS_EV_MONITORING_VISIT, -1, -1, y);
            if (m->grade[la] == CS_GRADE_INADEQUATE)
                request(m, la, 1, CS_REASON_MONITORING,
                        now + cs_dist_sample(&p->monitoring_interval,
                                             cs_model_rng(m, la, CS_PROC_INSPECT)));
        } else {
            cs_model_log(m, la, CS_EV_FOCUSED_VISIT, -1, -1, y);
            if (!isnan(y) && y <= cs_quality_cut(m, 1) + p->focused_escalation &&
                in->graded[la].state != SLOT_RUNNING && in->graded[la].state != SLOT_QUEUED)
                request(m, la, 0, CS_REASON_REINSPECTION, now);
        }
        try_start(m);
        return CS_OK;
    }
    /* a graded inspection: the judgement, published after the report delay */
    in->last_graded[la] = now;
    in->signals[la] = 0;
    in->n_insp[la]++;
    int grade, wholesale = 0;
    double y = NAN;
    if (p->grade_model == CS_GM_MARKOV) {
        grade = markov_grade(m, la);
    } else {
        y = reading(m, la, p->judge[kind == CS_KIND_SIF ? CS_FW_SIF : CS_FW_ILACS].tau);
        grade = y <= cs_quality_cut_kind(m, kind, 1)   ? CS_GRADE_INADEQUATE
                : y <= cs_quality_cut_kind(m, kind, 2) ? CS_GRADE_RI
                : y <= cs_quality_cut_kind(m, kind, 3) ? CS_GRADE_GOOD
                                                       : CS_GRADE_OUTSTANDING;
        wholesale = y <= cs_quality_cut_kind(m, kind, 0);
    }
    cs_model_log(m, la, CS_EV_INSPECTION_COMPLETED, reason, grade, y);
    int64_t aux = grade | (wholesale << 8) | (kind << 16);
    if (p->report_delay.kind == CS_DIST_FIXED && !(p->report_delay.p1 > 0)) {
        /* published in line: the event at now + 0 would be the next to fire but for events
         * at this same instant, which a continuous-time model has with probability 0 */
        int rc = cs_model_deliver(m, EV_PUBLISH, la, aux, y);
        if (rc) return rc;
    } else {
        double delay = cs_dist_sample(&p->report_delay, cs_model_rng(m, la, CS_PROC_INSPECT));
        cs_engine_schedule(m->eng, now + (delay > 0 ? delay : 0), PRIO_STATE, EV_PUBLISH, la, aux,
                           y);
    }
    try_start(m);
    return CS_OK;
}

/* Schedules the next graded visit of an authority from its published grade (called at
 * publication), and its monitoring or focused visits. */
void cs_inspect_schedule_next(cs_model *m, int la)
{
    struct cs_inspect *in = m->insp;
    const cs_params *p = m->p;
    double now = cs_model_now(m);
    gsl_rng *r = cs_model_rng(m, la, CS_PROC_INSPECT);
    int g = m->grade[la];
    if (in->graded[la].state == SLOT_NONE && in->trust_due[la]) {
        request(m, la, 0, CS_REASON_TRUST, in->trust_live[la] + p->trust_inspect_after);
    } else if (in->graded[la].state == SLOT_NONE) {
        int reason = g == CS_GRADE_INADEQUATE ? CS_REASON_REINSPECTION : CS_REASON_ROUTINE;
        double gap;
        if (m->fw == CS_FW_SIF && p->policy == CS_POL_CYCLE)
            gap = cs_dist_sample(g == CS_GRADE_INADEQUATE ? &p->sif_reinspect : &p->sif_cycle, r);
        else
            gap = ilacs_gap(p, g, r);
        request(m, la, 0, reason, in->last_graded[la] + gap);
    }
    double day = (double)p->start + now;
    if (g == CS_GRADE_INADEQUATE) {
        if (day >= p->monitoring_from && in->visit[la].state == SLOT_NONE)
            request(m, la, 1, CS_REASON_MONITORING,
                    now + cs_dist_sample(&p->monitoring_interval, r));
    } else {
        if (in->visit[la].state != SLOT_RUNNING) supersede(m, la, 1);
        if (m->fw == CS_FW_ILACS) {
            double at = now + cs_dist_sample(&p->ilacs_focused_after, r);
            if (in->graded[la].state == SLOT_SCHEDULED && at < in->graded[la].target)
                request(m, la, 1, CS_REASON_FOCUSED, at);
        }
    }
}

/* Emergency inspection after a severe signal: it replaces the pending graded visit. */
void cs_inspect_emergency(cs_model *m, int la)
{
    struct cs_inspect *in = m->insp;
    double now = cs_model_now(m);
    cs_slot *s = &in->graded[la];
    if (s->state == SLOT_RUNNING || (s->state == SLOT_QUEUED && s->reason == CS_REASON_EMERGENCY))
        return;
    if (now - in->last_visit[la] < m->p->sig_min_gap) return;
    in->emergencies++;
    cs_model_log(m, la, CS_EV_EMERGENCY_BOOKED, -1, -1, 0);
    request(m, la, 0, CS_REASON_EMERGENCY, now);
}

static int32_t overdue(const cs_model *m)
{
    const struct cs_inspect *in = m->insp;
    double now = cs_model_now(m);
    int32_t k = 0;
    for (size_t j = 0; j < in->q_len; j++)
        if (is_live(m, &in->queue[j]) && now - in->queue[j].target > m->p->overdue_after) k++;
    return k;
}

static void set_capacity(cs_model *m, double cap)
{
    account(m);
    m->insp->cap = cap;
    cs_model_log(m, -1, CS_EV_CAPACITY_CHANGE, -1, -1, cap);
    try_start(m);
}

/* The framework switch: routine targets follow the new cadence from the last graded
 * inspection (scheduled ones, and queued ones of authorities the SIF has judged); those
 * already past are spread over the transition. */
static int on_switch(cs_model *m, const cs_event *ev)
{
    const cs_params *p = m->p;
    double now = cs_model_now(m);
    m->fw = CS_FW_ILACS;
    cs_model_log(m, -1, CS_EV_FRAMEWORK_SWITCH, CS_FW_SIF, CS_FW_ILACS, 0);
    for (size_t i = 0; i < m->n; i++) {
        cs_slot *s = &m->insp->graded[i];
        /* scheduled, or queued for a second SIF inspection the inspectorate had no team for
         * (ILACS replaces it on its own cadence); a first inspection still queued stays in
         * the queue, overdue as it is */
        if (s->reason != CS_REASON_ROUTINE || s->state == SLOT_NONE || s->state == SLOT_RUNNING ||
            (s->state == SLOT_QUEUED && !m->sif_ever[i]))
            continue;
        gsl_rng *r = cs_model_rng(m, (int)i, CS_PROC_INSPECT);
        double t = m->insp->last_graded[i] + ilacs_gap(p, m->grade[i], r);
        if (t < now) t = now + p->ilacs_transition_spread * cs_rng_uniform(r);
        request(m, (int)i, 0, CS_REASON_ROUTINE, t);
    }
    (void)ev;
    return CS_OK;
}

static void monitor_start(cs_model *m)
{
    double now = cs_model_now(m);
    for (size_t i = 0; i < m->n; i++)
        if (m->grade[i] == CS_GRADE_INADEQUATE && m->insp->visit[i].state == SLOT_NONE)
            request(m, (int)i, 1, CS_REASON_MONITORING,
                    now + cs_dist_sample(&m->p->monitoring_interval,
                                         cs_model_rng(m, (int)i, CS_PROC_INSPECT)));
}

/* Risk policy: an annual assessment scores every authority on concern signals since its
 * last inspection, its vacancy rate and the age of its grade; a score over the threshold
 * brings its routine inspection forward to now. */
static int on_risk(cs_model *m, const cs_event *ev)
{
    struct cs_inspect *in = m->insp;
    const cs_params *p = m->p;
    double now = cs_model_now(m);
    for (size_t i = 0; i < m->n; i++) {
        cs_slot *s = &in->graded[i];
        if (s->state != SLOT_SCHEDULED || s->reason != CS_REASON_ROUTINE) continue;
        if (now - in->last_graded[i] < p->risk_min_gap) continue;
        double vac = cs_workforce_vacancy(m, (int)i);
        double score = p->risk_w_signals * in->signals[i] + p->risk_w_vacancy * vac +
                       p->risk_w_age * cs_days_to_years(now - in->last_graded[i]);
        if (score > p->risk_threshold) request(m, (int)i, 0, CS_REASON_ROUTINE, now);
    }
    if (now + p->risk_interval <= m->w->t_end)
        cs_engine_schedule(m->eng, now + p->risk_interval, PRIO_TICK, EV_RISK, -1, 0, 0);
    (void)ev;
    return CS_OK;
}

/* The first targets: LAs without a SIF judgement are spread to the SIF deadline; the others
 * follow their grade from its date (targets already past join the queue at once, in target
 * order). */
static void first_targets(cs_model *m)
{
    const cs_params *p = m->p;
    const cs_world *w = m->w;
    m->insp->cap = capacity_at(m, 0);
    /* The SIF's planned cycle gives each of the country's authorities a slot, evenly spread;
     * those judged before the start took the first slots (their share of the whole table: a
     * national plan, the same whatever subset of authorities a run keeps), so the others take
     * the remaining ones (uniformly, in random order): targets already past queue at once, and
     * any slip beyond the plan comes from finite capacity. */
    double plan_from = (double)(p->sif_first_from - p->start);
    double plan_span = (double)(p->sif_first_deadline - p->sif_first_from);
    if (plan_span < 0) plan_span = 0;
    double first_from = plan_from + plan_span * w->sif_done_share;
    double first_span = plan_from + plan_span - first_from;
    for (size_t i = 0; i < m->n; i++) {
        const cs_authority *a = &w->table.rows[i];
        gsl_rng *r = cs_model_rng(m, (int)i, CS_PROC_INSPECT);
        int g = a->grade;
        double t;
        int reason = g == CS_GRADE_INADEQUATE ? CS_REASON_REINSPECTION : CS_REASON_ROUTINE;
        if (m->fw == CS_FW_SIF && p->policy == CS_POL_CYCLE) {
            if (!a->sif_done) {
                t = first_from + first_span * cs_rng_uniform(r);
                reason = CS_REASON_ROUTINE;
            } else {
                t = m->insp->last_graded[i] +
                    cs_dist_sample(g == CS_GRADE_INADEQUATE ? &p->sif_reinspect : &p->sif_cycle, r);
            }
        } else {
            t = m->insp->last_graded[i] + ilacs_gap(p, g, r);
            if (t < 0) t = p->ilacs_transition_spread * cs_rng_uniform(r);
        }
        request(m, (int)i, 0, reason, t < 0 ? 0 : t);
    }
    double t_switch = (double)(p->ilacs_from - p->start);
    if (m->fw == CS_FW_SIF && t_switch > 0 && t_switch <= w->t_end)
        cs_engine_schedule(m->eng, t_switch, PRIO_STATE, EV_SWITCH, -1, 0, 0);
    for (size_t k = 0; k < p->capacity_path.n; k++) {
        double t = (double)(p->capacity_path.from[k] - p->start);
        if (t > 0 && t <= w->t_end)
            cs_engine_schedule(m->eng, t, PRIO_STATE, EV_CAPACITY, -1, (int64_t)k, 0);
    }
    double t_mon = (double)(p->monitoring_from - p->start);
    if (t_mon <= 0)
        monitor_start(m);
    else if (t_mon <= w->t_end)
        cs_engine_schedule(m->eng, t_mon, PRIO_STATE, EV_MONITOR_START, -1, 0, 0);
    if (p->policy == CS_POL_RISK && p->risk_interval <= w->t_end)
        cs_engine_schedule(m->eng, p->risk_interval, PRIO_TICK, EV_RISK, -1, 0, 0);
}

static void init(cs_model *m)
{
    struct cs_inspect *s = m->insp;
    size_t n = m->n;
    s->q_cap = 2 * n + 8; /* the queue's length in its array table */
    s->q_len = s->q_live = 0;
    s->q_seq = 0;
    s->used = 0;
    s->busy_int = s->cap_int = s->acct_t = s->prev_busy = s->prev_cap = 0;
    s->wait_total = s->overdue_days = 0;
    s->starts = s->waited = s->monitoring = s->emergencies = 0;
    memset(s->graded, 0, n * sizeof *s->graded);
    memset(s->visit, 0, n * sizeof *s->visit);
    memset(s->trust_due, 0, n);
    memset(s->signals, 0, n * sizeof *s->signals);
    memset(s->n_insp, 0, n * sizeof *s->n_insp);
    for (size_t i = 0; i < n; i++) {
        s->last_graded[i] = s->last_visit[i] = m->grade_t[i];
        s->mon_y[i] = s->mon_t[i] = s->trust_live[i] = NAN;
    }
    first_targets(m);
}

void cs_inspect_concern(cs_model *m, int la)
{
    m->insp->signals[la]++;
}

void cs_inspect_book_trust(cs_model *m, int la, double live_t)
{
    struct cs_inspect *in = m->insp;
    in->trust_due[la] = 1;
    in->trust_live[la] = live_t;
    request(m, la, 0, CS_REASON_TRUST, live_t + m->p->trust_inspect_after);
}

void cs_inspect_monitoring(const cs_model *m, int la, double *y, double *t)
{
    const struct cs_inspect *in = m->insp;
    *y = in->mon_y[la];
    *t = in->mon_t[la];
}

static int on_capacity(cs_model *m, const cs_event *ev)
{
    set_capacity(m, capacity_at(m, ev->time));
    return CS_OK;
}

static int on_monitor_start(cs_model *m, const cs_event *ev)
{
    (void)ev;
    monitor_start(m);
    return CS_OK;
}

static void snapshot(cs_model *m, size_t k)
{
    (void)k;
    struct cs_inspect *s = m->insp;
    int unlimited = m->p->unlimited;
    account(m);
    *cs_model_series(m, S_QUEUE) = (double)s->q_live;
    *cs_model_series(m, S_OVERDUE) = overdue(m);
    double dcap = s->cap_int - s->prev_cap, dbusy = s->busy_int - s->prev_busy;
    *cs_model_series(m, S_UTIL) = (unlimited || dcap <= 0) ? NAN : dbusy / dcap;
    s->prev_cap = s->cap_int;
    s->prev_busy = s->busy_int;
    *cs_model_series(m, S_CAPACITY) = unlimited ? INFINITY : s->cap;
    *cs_model_series(m, S_MONITORING) = (double)s->monitoring;
    *cs_model_series(m, S_EMERGENCIES) = (double)s->emergencies;
}

static void finalize(cs_model *m, double t_end)
{
    (void)t_end;
    account(m);
}

static void summarize(const cs_model *m, cs_repbuf *b)
{
    const struct cs_inspect *s = m->insp;
    b->summary[M_OVERDUE_DAYS] = s->overdue_days;
    b->summary[M_MEAN_WAIT] = s->starts ? s->wait_total / (double)s->starts : NAN;
    b->summary[M_UTIL] = (!m->p->unlimited && s->cap_int > 0) ? s->busy_int / s->cap_int : NAN;
    b->summary[M_INSPECTOR_DAYS] = s->busy_int;
    b->summary[M_STARTS] = (double)s->starts;
    b->summary[M_WAIT_PROB] = s->starts ? (double)s->waited / (double)s->starts : NAN;
    for (size_t i = 0; i < m->n; i++)
        b->lastat[L_INSP][i] = s->n_insp[i];
}

/* Capacity in use never negative. */
static int check(const cs_model *m)
{
    return m->insp->used < -1e-9 ? CS_EMODEL : CS_OK;
}

static const cs_handler handlers[] = {
    {EV_REQUEST, on_request},
    {EV_VISIT_END, on_end},
    {EV_SWITCH, on_switch},
    {EV_CAPACITY, on_capacity},
    {EV_MONITOR_START, on_monitor_start},
    {EV_RISK, on_risk},
};

static const cs_array_def arrays[] = {
    CS_ARRAY(struct cs_inspect, queue, 2, 8),      CS_ARRAY(struct cs_inspect, graded, 1, 0),
    CS_ARRAY(struct cs_inspect, visit, 1, 0),      CS_ARRAY(struct cs_inspect, last_graded, 1, 0),
    CS_ARRAY(struct cs_inspect, last_visit, 1, 0), CS_ARRAY(struct cs_inspect, mon_y, 1, 0),
    CS_ARRAY(struct cs_inspect, mon_t, 1, 0),      CS_ARRAY(struct cs_inspect, trust_due, 1, 0),
    CS_ARRAY(struct cs_inspect, trust_live, 1, 0), CS_ARRAY(struct cs_inspect, signals, 1, 0),
    CS_ARRAY(struct cs_inspect, n_insp, 1, 0),
};

const cs_component cs_inspect_component = {
    .name = "inspectorate",
    .state_size = sizeof(struct cs_inspect),
    .state_offset = offsetof(cs_model, insp),
    .n_arrays = sizeof arrays / sizeof arrays[0],
    .arrays = arrays,
    .init = init,
    .snapshot = snapshot,
    .finalize = finalize,
    .summarize = summarize,
    .check = check,
    .n_handlers = sizeof handlers / sizeof handlers[0],
    .handlers = handlers,
};
