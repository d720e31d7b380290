/* Yardsticks: truth-based measures that no one in the system observes (latent failure hidden
 * behind a better published grade, its duration, how long until a judgement detects it, time
 * judged inadequate). Quality reports each exact sample; the regime reports publications. */
#ifndef CSSIM_MODELS_YARDSTICKS_H
#define CSSIM_MODELS_YARDSTICKS_H

#include "model_impl.h"

extern const cs_component cs_yardsticks_component;

/* Quality of authority i is about to move over dt days from its last sample: undetected failure
 * accrues by the state at the left end (states change only at samples). */
void cs_yardsticks_accrue(cs_model *m, int i, double dt);
/* Quality of i sampled at t: latent is whether it lies in the inadequate band. Starts and ends
 * latent-inadequate episodes. */
void cs_yardsticks_observe(cs_model *m, int i, double t, double q, int latent);
/* The latent state of i at the start (before any sample). */
void cs_yardsticks_start(cs_model *m, int i, int latent);
/* A judgement of i is about to replace the published grade (which is still the old one). */
void cs_yardsticks_before_publish(cs_model *m, int i, double now);
/* A judgement of i with this grade was published at now (the record already shows it). */
void cs_yardsticks_published(cs_model *m, int i, int grade, double now);

#endif
