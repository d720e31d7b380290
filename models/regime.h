/* The intervention regime: a state machine of governance per authority, driven by published
 * judgements (EV_PUBLISH, from the inspectorate), reviews, commissioners' reports, trusts and
 * the known events of the record. It publishes the grade into the record. */
#ifndef CSSIM_MODELS_REGIME_H
#define CSSIM_MODELS_REGIME_H

#include "model_impl.h"

extern const cs_component cs_regime_component;

#endif
