/* Concern signals (complaints, serious incidents, whistleblowing): genuine ones at a rate that
 * falls with latent quality, false ones at a constant rate; each reaches the inspectorate, and
 * with sharper triggers a severe one books an emergency inspection. */
#ifndef CSSIM_MODELS_SIGNALS_H
#define CSSIM_MODELS_SIGNALS_H

#include "model_impl.h"

extern const cs_component cs_signals_component;

#endif
