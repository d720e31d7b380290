/* The social-work workforce: posts, permanent and agency staff per authority, leavers by
 * grade and vacancies, and one national supply pool hired from by attractiveness. */
#ifndef CSSIM_MODELS_WORKFORCE_H
#define CSSIM_MODELS_WORKFORCE_H

#include "model_impl.h"

extern const cs_component cs_workforce_component;

/* Permanent share of authority i's posts (1 with no posts). */
double cs_workforce_stability(const cs_model *m, int i);
/* Vacant share of authority i's posts, agency-covered or not (0 with no posts). */
double cs_workforce_vacancy(const cs_model *m, int i);

#endif
