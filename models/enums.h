/* The domain's enumerations, stored in HDF5 as enum types with these names. */
#ifndef CSSIM_MODELS_ENUMS_H
#define CSSIM_MODELS_ENUMS_H

/* Grades, in the order of national/grade_counts. */
typedef enum cs_grade {
    CS_GRADE_OUTSTANDING = 0,
    CS_GRADE_GOOD = 1,
    CS_GRADE_RI = 2,
    CS_GRADE_INADEQUATE = 3,
    CS_NGRADES = 4
} cs_grade;

typedef enum cs_gov {
    CS_GOV_COUNCIL = 0,
    CS_GOV_NOTICE,
    CS_GOV_COMMISSIONER,
    CS_GOV_PARTNER,
    CS_GOV_TRUST_SETUP,
    CS_GOV_TRUST,
    CS_NGOV
} cs_gov;

extern const char *const cs_grade_names[CS_NGRADES + 1];
extern const char *const cs_gov_names[CS_NGOV + 1];

/* "outstanding"/"good"/"ri"/"inadequate" (also "requires improvement", "adequate" -> ri);
 * -1 when unknown. */
int cs_grade_parse(const char *s);
int cs_gov_parse(const char *s);

#endif
