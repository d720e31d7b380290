/* The intervention regime: a state machine of governance per authority, driven by published
 * judgements (EV_PUBLISH, from the inspectorate), reviews, commissioners' reports, trusts and
 * the known events of the record. It publishes the grade into the record. */
#ifndef CSSIM_MODELS_REGIME_H
#define CSSIM_MODELS_REGIME_H

#include "model_impl.h"

extern const cs_component cs_regime_component;

/* Publishes a judgement now, as an EV_PUBLISH event with this payload would (the
 * inspectorate calls it in line when the report delay is a fixed 0). */
void cs_regime_publish(cs_model *m, int la, int64_t aux, double y);

#endif
