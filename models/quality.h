/* Latent practice quality: an Ornstein-Uhlenbeck process per authority around a mean set by
 * governance, the workforce's stability and a drift, sampled exactly at the national tick and
 * whenever another component needs a reading; leadership changes jump it. The judgement
 * thresholds on its scale are here too. */
#ifndef CSSIM_MODELS_QUALITY_H
#define CSSIM_MODELS_QUALITY_H

#include "model_impl.h"

extern const cs_component cs_quality_component;

/* Advances quality of authority i exactly to time t (no-op if t is not after its last sample;
 * markov grades: only the time moves). */
void cs_quality_sample(cs_model *m, int i, double t);
/* Recomputes the mean of authority i (after its governance or workforce changed). */
void cs_quality_set_mean(cs_model *m, int i);
/* Quality of i at its last sample (NAN with markov grades). */
double cs_quality_value(const cs_model *m, int i);
/* Threshold k (0 wholesale, 1 inadequate, 2 RI, 3 good) of the current framework. */
double cs_quality_cut(const cs_model *m, int k);
/* ... of a graded inspection kind (cs_kind). */
double cs_quality_cut_kind(const cs_model *m, int kind, int k);

/* For tests: set the state of authority i (mean, value, time of its last sample), and read the
 * OU factors of one tick (e = exp(-theta dt), sd of the increment). */
void cs_quality_set_state(cs_model *m, int i, double mean, double q, double t);
double cs_quality_sample_time(const cs_model *m, int i);
void cs_quality_tick_factors(const cs_model *m, double *e, double *sd);

#endif
