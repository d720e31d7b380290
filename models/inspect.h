/* The Ofsted inspectorate: a pool of inspectors of finite (possibly time-varying) capacity,
 * one queue of visits, visit slots per authority, the frameworks (SIF, ILACS) and the
 * scheduling policies (cycle, cadence, risk). Graded inspections end in an EV_PUBLISH event,
 * which the regime handles. */
#ifndef CSSIM_MODELS_INSPECT_H
#define CSSIM_MODELS_INSPECT_H

#include "model_impl.h"

extern const cs_component cs_inspect_component;

/* Schedules the next graded visit of authority la from its published grade, and its
 * monitoring or focused visits (called at publication). */
void cs_inspect_schedule_next(cs_model *m, int la);
/* A severe concern: an emergency inspection replaces the pending graded visit (unless one is
 * under way or the last visit is too recent). */
void cs_inspect_emergency(cs_model *m, int la);
/* A concern signal about la reached the inspectorate (counted for the risk policy). */
void cs_inspect_concern(cs_model *m, int la);
/* A trust of la went live at live_t: its inspection is due trust_inspect_after days later
 * (booked now, or when a graded inspection under way is published). */
void cs_inspect_book_trust(cs_model *m, int la, double live_t);
/* The latest monitoring reading of la and its time (NAN, NAN if none). */
void cs_inspect_monitoring(const cs_model *m, int la, double *y, double *t);

#endif
