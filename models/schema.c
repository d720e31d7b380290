/* What the children's services model records: the enums, and the series, panel, summary and
 * per-authority statistic definitions (docs/output.md). */
#include "model.h"
#include "schema.h"

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

static const cs_panel_def panel_defs[P_N] = {
    {"grade", CS_VT_U8, &cs_enum_grade, NULL, "published grade"},
    {"governance", CS_VT_U8, &cs_enum_gov, NULL, "governance state"},
    {"quality", CS_VT_F32, NULL, "latent scale", "latent practice quality (last exact sample)"},
    {"stability", CS_VT_F32, NULL, "fraction", "permanent share of posts"},
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
    {"visits_started", "count", "visits started (graded or not)"},
    {"wait_probability", "fraction",
     "share of the started visits that waited for a team (started after their target; NaN if "
     "none)"},
};

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
