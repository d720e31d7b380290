/* The Ofsted inspectorate: a pool of inspectors of finite (possibly time-varying) capacity,
 * one queue ordered by (priority class, target date, arrival), visit slots per authority,
 * frameworks (SIF, ILACS) and scheduling policies (cycle, cadence, risk).
 *
 * Queue invariant: a binary heap on (prio, target, seq); entries whose slot token no longer
 * matches are stale (superseded) and are dropped when they reach the top; q_live counts the
 * live ones. Capacity shortfall never drops a visit: it waits, and shows as queue length,
 * overdue visits and stale grades. The head of the queue blocks those behind it (strict
 * priority, no overtaking by smaller teams). */
#include "model_impl.h"

#include <gsl/gsl_randist.h>

static int before(const cs_qentry *a, const cs_qentry *b)
{
    if (a->prio != b->prio) return a->prio < b->prio;
    if (a->target != b->target) return a->target < b->target;
    return a->seq < b->seq;
}

static void q_push(cs_model *m, cs_qentry e)
{
    /* q_cap = 2n + 8 bounds the live entries (two slots per authority); stale entries are
     * compacted away before the heap could overflow. */
    if (m->q_len == m->q_cap) {
        size_t k = 0;
        for (size_t j = 0; j < m->q_len; j++) {
            cs_qentry *x = &m->queue[j];
            cs_slot *s = x->slot ? &m->visit[x->la] : &m->graded[x->la];
            if (s->token == x->token && s->state == SLOT_QUEUED) m->queue[k++] = *x;
        }
        m->q_len = k;
        for (size_t j = 1; j < k; j++) { /* re-heapify by sift-up */
            size_t c = j;
            while (c > 0 && before(&m->queue[c], &m->queue[(c - 1) / 2])) {
                cs_qentry t = m->queue[c];
                m->queue[c] = m->queue[(c - 1) / 2];
                m->queue[(c - 1) / 2] = t;
                c = (c - 1) / 2;
            }
        }
    }
    size_t c = m->q_len++;
    while (c > 0) {
        size_t par = (c - 1) / 2;
        if (!before(&e, &m->queue[par])) break;
        m->queue[c] = m->queue[par];
        c = par;
    }
    m->queue[c] = e;
}

static void q_pop(cs_model *m)
{
    cs_qentry last = m->queue[--m->q_len];
    size_t c = 0, n = m->q_len;
    for (;;) {
        size_t l = 2 * c + 1, best = c;
        const cs_qentry *bp = &last;
        if (l < n && before(&m->queue[l], bp)) best = l, bp = &m->queue[l];
        if (l + 1 < n && before(&m->queue[l + 1], bp)) best = l + 1;
        if (best == c) break;
        m->queue[c] = m->queue[best];
        c = best;
    }
    if (n) m->queue[c] = last;
}

static int is_live(const cs_model *m, const cs_qentry *e)
{
    const cs_slot *s = e->slot ? &m->visit[e->la] : &m->graded[e->la];
    return s->token == e->token && s->state == SLOT_QUEUED;
}

double cs_capacity_at(const cs_model *m, double t)
{
    const cs_params *p = m->p;
    if (p->unlimited) return INFINITY;
    double mult = 1.0, day = (double)p->start + t;
    for (size_t k = 0; k < p->capacity_path.n; k++)
        if (day >= p->capacity_path.from[k]) mult = p->capacity_path.value[k];
    return p->fte * p->fte_scale * p->working_days / 365.25 * mult;
}

/* Integrates inspectors in use and available up to now. */
void cs_insp_account(cs_model *m)
{
    double t = cs_engine_now(m->eng), dt = t - m->acct_t;
    if (dt > 0) {
        m->busy_int += m->used * dt;
        if (!m->p->unlimited) m->cap_int += m->cap * dt;
        m->acct_t = t;
    }
}

static int graded_kind(const cs_model *m, int la)
{
    if (m->fw == CS_FW_SIF) return CS_KIND_SIF;
    return m->grade[la] <= CS_GRADE_GOOD ? CS_KIND_ILACS_SHORT : CS_KIND_ILACS_STANDARD;
}

static int visit_kind(int reason)
{
    return reason == CS_REASON_MONITORING ? CS_KIND_MONITORING : CS_KIND_FOCUSED;
}

/* Puts a visit request on the slot: an EV_REQUEST at the target date (or the queue now). */
void cs_insp_request(cs_model *m, int la, int slot, int reason, double target)
{
    cs_slot *s = slot ? &m->visit[la] : &m->graded[la];
    if (s->state == SLOT_RUNNING) return; /* a team is at work: its end reschedules */
    cs_insp_supersede(m, la, slot);
    double now = cs_engine_now(m->eng);
    if (target < now) target = now;
    s->reason = (uint8_t)reason;
    s->target = target;
    s->state = SLOT_SCHEDULED;
    s->ev = cs_engine_schedule(m->eng, target, PRIO_VISIT, EV_REQUEST, la, slot, 0);
}

/* Withdraws whatever the slot holds, unless a team is already at work. */
void cs_insp_supersede(cs_model *m, int la, int slot)
{
    cs_slot *s = slot ? &m->visit[la] : &m->graded[la];
    if (s->state == SLOT_SCHEDULED) cs_engine_cancel(m->eng, s->ev);
    if (s->state == SLOT_QUEUED) m->q_live--;
    if (s->state != SLOT_RUNNING) {
        s->state = SLOT_NONE;
        s->token++;
        s->ev = 0;
    }
}

int cs_insp_on_request(cs_model *m, const cs_event *ev)
{
    int la = ev->la, slot = (int)ev->aux;
    cs_slot *s = slot ? &m->visit[la] : &m->graded[la];
    s->state = SLOT_QUEUED;
    s->ev = 0;
    m->q_live++;
    cs_qentry e = {s->target,     m->q_seq++, (uint32_t)m->p->priority[s->reason], s->token, la,
                   (uint8_t)slot, s->reason};
    q_push(m, e);
    cs_log(m, la, CS_EV_INSPECTION_REQUESTED, s->reason, -1, s->target);
    cs_insp_try_start(m);
    return CS_OK;
}

void cs_insp_try_start(cs_model *m)
{
    while (m->q_len) {
        cs_qentry *e = &m->queue[0];
        if (!is_live(m, e)) {
            q_pop(m);
            continue;
        }
        int la = e->la, slot = e->slot;
        int kind = slot ? visit_kind(e->reason) : graded_kind(m, la);
        double team = m->p->kind[kind].team;
        if (m->used + team > m->cap + 1e-9) return; /* the head waits; so do those behind it */
        cs_slot *s = slot ? &m->visit[la] : &m->graded[la];
        double now = cs_engine_now(m->eng);
        cs_insp_account(m);
        m->used += team;
        s->state = SLOT_RUNNING;
        m->q_live--;
        double wait = now - e->target;
        m->wait_total += wait;
        m->starts++;
        if (wait > m->p->overdue_after) m->overdue_days += wait - m->p->overdue_after;
        int reason = e->reason;
        if (reason == CS_REASON_TRUST) m->trust_due[la] = 0;
        q_pop(m);
        gsl_rng *r = cs_rng(m, la, CS_PROC_INSPECT);
        double d = cs_dist_sample(&m->p->kind[kind].duration, r);
        cs_log(m, la, CS_EV_INSPECTION_STARTED, reason, kind, wait);
        cs_engine_schedule(m->eng, now + (d > 0 ? d : 0), PRIO_VISIT, EV_VISIT_END, la,
                           kind | (reason << 8) | (slot << 16), team);
    }
}

static double reading(cs_model *m, int la, double tau)
{
    cs_q_sample(m, la, cs_engine_now(m->eng));
    return m->q[la] + (tau > 0 ? gsl_ran_gaussian_ziggurat(cs_rng(m, la, CS_PROC_JUDGE), tau) : 0);
}

static int markov_grade(cs_model *m, int la)
{
    const cs_params *p = m->p;
    size_t off = p->markov.n == 16 ? 0 : (size_t)m->gov[la] * 16;
    const double *row = p->markov.v + off + 4 * (size_t)m->grade[la];
    double u = gsl_rng_uniform(cs_rng(m, la, CS_PROC_JUDGE)), acc = 0;
    for (int g = 0; g < CS_NGRADES - 1; g++) {
        acc += row[g];
        if (u < acc) return g;
    }
    return CS_NGRADES - 1;
}

int cs_insp_on_end(cs_model *m, const cs_event *ev)
{
    int la = ev->la, kind = (int)(ev->aux & 0xff), reason = (int)((ev->aux >> 8) & 0xff);
    int slot = (int)(ev->aux >> 16);
    double now = cs_engine_now(m->eng);
    const cs_params *p = m->p;
    cs_insp_account(m);
    m->used -= ev->value;
    if (m->used < 1e-9) m->used = 0;
    cs_slot *s = slot ? &m->visit[la] : &m->graded[la];
    s->state = SLOT_NONE;
    s->token++;
    m->last_visit[la] = now;
    if (slot) { /* monitoring or focused visit: a reading, no grade */
        double y = p->grade_model == CS_GM_PROBIT ? reading(m, la, p->monitor_tau) : NAN;
        if (kind == CS_KIND_MONITORING) {
            m->monitoring++;
            m->mon_y[la] = y;
            m->mon_t[la] = now;
            cs_log(m, la, CS_EV_MONITORING_VISIT, -1, -1, y);
            if (m->grade[la] == CS_GRADE_INADEQUATE)
                cs_insp_request(
                    m, la, 1, CS_REASON_MONITORING,
                    now + cs_dist_sample(&p->monitoring_interval, cs_rng(m, la, CS_PROC_INSPECT)));
        } else {
            cs_log(m, la, CS_EV_FOCUSED_VISIT, -1, -1, y);
            if (!isnan(y) && y <= cs_cut(m, 1) + p->focused_escalation &&
                m->graded[la].state != SLOT_RUNNING && m->graded[la].state != SLOT_QUEUED)
                cs_insp_request(m, la, 0, CS_REASON_REINSPECTION, now);
        }
        cs_insp_try_start(m);
        return CS_OK;
    }
    /* a graded inspection: the judgement, published after the report delay */
    m->last_graded[la] = now;
    m->signals[la] = 0;
    m->n_insp[la]++;
    int grade, wholesale = 0;
    double y = NAN;
    if (p->grade_model == CS_GM_MARKOV) {
        grade = markov_grade(m, la);
    } else {
        y = reading(m, la, p->judge[m->fw].tau);
        grade = y <= cs_cut_kind(m, kind, 1)   ? CS_GRADE_INADEQUATE
                : y <= cs_cut_kind(m, kind, 2) ? CS_GRADE_RI
                : y <= cs_cut_kind(m, kind, 3) ? CS_GRADE_GOOD
                                               : CS_GRADE_OUTSTANDING;
        wholesale = y <= cs_cut_kind(m, kind, 0);
    }
    cs_log(m, la, CS_EV_INSPECTION_COMPLETED, reason, grade, y);
    double delay = cs_dist_sample(&p->report_delay, cs_rng(m, la, CS_PROC_INSPECT));
    cs_engine_schedule(m->eng, now + (delay > 0 ? delay : 0), PRIO_STATE, EV_PUBLISH, la,
                       grade | (wholesale << 8) | (kind << 16), y);
    cs_insp_try_start(m);
    return CS_OK;
}

/* Schedules the next graded visit of an authority from its published grade (called at
 * publication), and its monitoring or focused visits. */
void cs_insp_schedule_next(cs_model *m, int la)
{
    const cs_params *p = m->p;
    double now = cs_engine_now(m->eng);
    gsl_rng *r = cs_rng(m, la, CS_PROC_INSPECT);
    int g = m->grade[la];
    if (m->graded[la].state == SLOT_NONE && m->trust_due[la]) {
        cs_insp_request(m, la, 0, CS_REASON_TRUST, m->live_t[la] + p->trust_inspect_after);
    } else if (m->graded[la].state == SLOT_NONE) {
        int reason = g == CS_GRADE_INADEQUATE ? CS_REASON_REINSPECTION : CS_REASON_ROUTINE;
        double gap;
        if (m->fw == CS_FW_SIF && p->policy == CS_POL_CYCLE)
            gap = cs_dist_sample(g == CS_GRADE_INADEQUATE ? &p->sif_reinspect : &p->sif_cycle, r);
        else
            gap = cs_dist_sample(&p->ilacs_interval[g], r);
        cs_insp_request(m, la, 0, reason, m->last_graded[la] + gap);
    }
    double day = (double)p->start + now;
    if (g == CS_GRADE_INADEQUATE) {
        if (day >= p->monitoring_from && m->visit[la].state == SLOT_NONE)
            cs_insp_request(m, la, 1, CS_REASON_MONITORING,
                            now + cs_dist_sample(&p->monitoring_interval, r));
    } else {
        if (m->visit[la].state != SLOT_RUNNING) cs_insp_supersede(m, la, 1);
        if (m->fw == CS_FW_ILACS) {
            double at = now + cs_dist_sample(&p->ilacs_focused_after, r);
            if (m->graded[la].state == SLOT_SCHEDULED && at < m->graded[la].target)
                cs_insp_request(m, la, 1, CS_REASON_FOCUSED, at);
        }
    }
}

/* Emergency inspection after a severe signal: it replaces the pending graded visit. */
void cs_insp_emergency(cs_model *m, int la)
{
    double now = cs_engine_now(m->eng);
    cs_slot *s = &m->graded[la];
    if (s->state == SLOT_RUNNING || (s->state == SLOT_QUEUED && s->reason == CS_REASON_EMERGENCY))
        return;
    if (now - m->last_visit[la] < m->p->sig_min_gap) return;
    m->emergencies++;
    cs_log(m, la, CS_EV_EMERGENCY_BOOKED, -1, -1, 0);
    cs_insp_request(m, la, 0, CS_REASON_EMERGENCY, now);
}

int32_t cs_insp_overdue(const cs_model *m)
{
    double now = cs_engine_now(m->eng);
    int32_t k = 0;
    for (size_t j = 0; j < m->q_len; j++)
        if (is_live(m, &m->queue[j]) && now - m->queue[j].target > m->p->overdue_after) k++;
    return k;
}

void cs_insp_capacity(cs_model *m, double cap)
{
    cs_insp_account(m);
    m->cap = cap;
    cs_log(m, -1, CS_EV_CAPACITY_CHANGE, -1, -1, cap);
    cs_insp_try_start(m);
}

/* The framework switch: routine targets follow the new cadence from the last graded
 * inspection (scheduled ones, and queued ones of authorities the SIF has judged); those
 * already past are spread over the transition. */
void cs_insp_switch(cs_model *m)
{
    const cs_params *p = m->p;
    double now = cs_engine_now(m->eng);
    m->fw = CS_FW_ILACS;
    cs_log(m, -1, CS_EV_FRAMEWORK_SWITCH, CS_FW_SIF, CS_FW_ILACS, 0);
    for (size_t i = 0; i < m->n; i++) {
        cs_slot *s = &m->graded[i];
        /* scheduled, or queued for a second SIF inspection the inspectorate had no team for
         * (ILACS replaces it on its own cadence); a first inspection still queued stays in
         * the queue, overdue as it is */
        if (s->reason != CS_REASON_ROUTINE || s->state == SLOT_NONE || s->state == SLOT_RUNNING ||
            (s->state == SLOT_QUEUED && !m->sif_ever[i]))
            continue;
        gsl_rng *r = cs_rng(m, (int)i, CS_PROC_INSPECT);
        double t = m->last_graded[i] + cs_dist_sample(&p->ilacs_interval[m->grade[i]], r);
        if (t < now) t = now + p->ilacs_transition_spread * gsl_rng_uniform(r);
        cs_insp_request(m, (int)i, 0, CS_REASON_ROUTINE, t);
    }
}

void cs_insp_monitor_start(cs_model *m)
{
    double now = cs_engine_now(m->eng);
    for (size_t i = 0; i < m->n; i++)
        if (m->grade[i] == CS_GRADE_INADEQUATE && m->visit[i].state == SLOT_NONE)
            cs_insp_request(m, (int)i, 1, CS_REASON_MONITORING,
                            now + cs_dist_sample(&m->p->monitoring_interval,
                                                 cs_rng(m, (int)i, CS_PROC_INSPECT)));
}

/* Risk policy: an annual assessment scores every authority on concern signals since its
 * last inspection, its vacancy rate and the age of its grade; a score over the threshold
 * brings its routine inspection forward to now. */
void cs_insp_risk(cs_model *m)
{
    const cs_params *p = m->p;
    double now = cs_engine_now(m->eng);
    for (size_t i = 0; i < m->n; i++) {
        cs_slot *s = &m->graded[i];
        if (s->state != SLOT_SCHEDULED || s->reason != CS_REASON_ROUTINE) continue;
        if (now - m->last_graded[i] < p->risk_min_gap) continue;
        double vac = m->posts[i] > 0 ? (m->posts[i] - m->perm[i]) / m->posts[i] : 0;
        double score = p->risk_w_signals * m->signals[i] + p->risk_w_vacancy * vac +
                       p->risk_w_age * cs_days_to_years(now - m->last_graded[i]);
        if (score > p->risk_threshold) cs_insp_request(m, (int)i, 0, CS_REASON_ROUTINE, now);
    }
    if (now + p->risk_interval <= m->w->t_end)
        cs_engine_schedule(m->eng, now + p->risk_interval, PRIO_TICK, EV_RISK, -1, 0, 0);
}

/* The first targets: LAs without a SIF judgement are spread to the SIF deadline; the others
 * follow their grade from its date (targets already past join the queue at once, in target
 * order). */
void cs_insp_init(cs_model *m)
{
    const cs_params *p = m->p;
    const cs_world *w = m->w;
    m->cap = cs_capacity_at(m, 0);
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
        gsl_rng *r = cs_rng(m, (int)i, CS_PROC_INSPECT);
        int g = a->grade;
        double t;
        int reason = g == CS_GRADE_INADEQUATE ? CS_REASON_REINSPECTION : CS_REASON_ROUTINE;
        if (m->fw == CS_FW_SIF && p->policy == CS_POL_CYCLE) {
            if (!a->sif_done) {
                t = first_from + first_span * gsl_rng_uniform(r);
                reason = CS_REASON_ROUTINE;
            } else {
                t = m->last_graded[i] +
                    cs_dist_sample(g == CS_GRADE_INADEQUATE ? &p->sif_reinspect : &p->sif_cycle, r);
            }
        } else {
            t = m->last_graded[i] + cs_dist_sample(&p->ilacs_interval[g], r);
            if (t < 0) t = p->ilacs_transition_spread * gsl_rng_uniform(r);
        }
        cs_insp_request(m, (int)i, 0, reason, t < 0 ? 0 : t);
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
        cs_insp_monitor_start(m);
    else if (t_mon <= w->t_end)
        cs_engine_schedule(m->eng, t_mon, PRIO_STATE, EV_MONITOR_START, -1, 0, 0);
    if (p->policy == CS_POL_RISK && p->risk_interval <= w->t_end)
        cs_engine_schedule(m->eng, p->risk_interval, PRIO_TICK, EV_RISK, -1, 0, 0);
}
