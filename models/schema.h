/* Private: the indices of what the model records (series, panel, run summaries, per-authority
 * statistics), in the order of their definitions in schema.c. Each component fills its own. */
#ifndef CSSIM_MODELS_SCHEMA_H
#define CSSIM_MODELS_SCHEMA_H

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

enum { P_GRADE, P_GOV, P_QUALITY, P_STABILITY, P_N };

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
    M_STARTS,
    M_WAIT_PROB,
    M_N
};

enum { L_UND, L_LAT, L_INAD_YEARS, L_INSP, L_N };

#endif
