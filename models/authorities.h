/* The authority table: one row per English local authority with children's services, as at
 * the scenario's start date, read from a CSV built by scripts/build_authorities.py from the
 * real public data in data/raw (see data/SOURCES.md).
 *
 * CSV columns (header row required, order free, extra columns ignored):
 *   code               ONS code, e.g. E09000002 (unique; /^E(06|08|09|10)[0-9]{6}$/)
 *   name               authority name
 *   region             region name
 *   type               LA type (London Borough, Metropolitan District, Unitary, County...)
 *   population         ONS population aged 0-25 (> 0)
 *   grade              latest overall judgement at the start date: outstanding, good, ri,
 *                      inadequate (earlier frameworks mapped: adequate -> ri)
 *   grade_date         its publication date, YYYY-MM-DD
 *   grade_framework    sif, slac, cpi, ... (framework of that judgement)
 *   sif_done           1 if a SIF judgement was published before the start date, else 0
 *   inadequate_dates   publication dates of inadequate judgements (any framework) in the
 *                      five years before the start date, ';'-separated, oldest first ("" if none)
 *   governance         council, notice, commissioner, partner, trust_setup, trust (at start)
 *   pip                1 for a Partners in Practice authority, else 0
 *   posts_fte          social-worker establishment (FTE posts)
 *   permanent_fte      permanent social workers in post (FTE)
 *   agency_fte         agency workers covering vacancies (FTE)
 *   turnover_rate      annual turnover of permanent staff (fraction, e.g. 0.134)
 *   workforce_source   census2017 or fallback (national rates scaled by population)
 *
 * Errors name the file, the line and the column (key): "data/x.csv:17: grade: expected one of
 * outstanding, good, ri, inadequate, got "adequate"". */
#ifndef CSSIM_MODELS_AUTHORITIES_H
#define CSSIM_MODELS_AUTHORITIES_H

#include "cssim/status.h"

#include <stddef.h>
#include <stdint.h>

enum { CS_MAX_PRIOR_INADEQUATE = 8 };

/* The framework class of a judgement: the frameworks before the SIF (SLAC, CPI, CPRI, TLAC)
 * graded on their own scales; the SIF (Nov 2013 - 2017, and its 2018 re-inspections); ILACS
 * (2018 on). */
typedef enum cs_judged_fw { CS_JFW_OLDER = 0, CS_JFW_SIF = 1, CS_JFW_ILACS = 2 } cs_judged_fw;

typedef struct cs_authority {
    char code[16];
    char *name, *region, *type, *framework, *workforce_source; /* owned by the table */
    double population;
    int grade;          /* cs_grade */
    int32_t grade_date; /* days since 1970-01-01 */
    int sif_done;
    int judged_fw;    /* cs_judged_fw of grade_framework: older (slac, cpi, ...), sif, ilacs */
    int n_inadequate; /* dates in inadequate_dates */
    int32_t inadequate_dates[CS_MAX_PRIOR_INADEQUATE];
    int governance; /* cs_gov */
    int pip;
    double posts_fte, permanent_fte, agency_fte, turnover_rate;
} cs_authority;

typedef struct cs_authority_table {
    size_t n;
    cs_authority *rows;
} cs_authority_table;

/* Reads the CSV. On failure returns CS_EIO/CS_EPARSE with err set; *t is left empty. */
int cs_authorities_load(cs_authority_table *t, const char *path, cs_error *err);
void cs_authorities_free(cs_authority_table *t);

/* Known events (data/known_events.csv, docs/model.md section 6): one row per dated event of
 * the real record with its source. Columns (header required, order free, extra ignored):
 *   date     YYYY-MM-DD the event took effect
 *   code     ONS code of the authority (codes absent from the run's table are ignored)
 *   event    commissioner (appointed), trust_setup (trust decided), trust (trust live),
 *            partner (run by a partner LA), pip (Partners in Practice)
 *   decided  YYYY-MM-DD the event was decided and public (<= date): a run applies the events
 *            decided on or before its start that take effect after it
 * The authority table is built from the same file, so it already holds the events before
 * the start. Errors name the file, the line and the column. */
typedef enum cs_known_kind {
    CS_KNOWN_COMMISSIONER = 0,
    CS_KNOWN_TRUST_SETUP,
    CS_KNOWN_TRUST,
    CS_KNOWN_PARTNER,
    CS_KNOWN_PIP,
    CS_NKNOWN
} cs_known_kind;

typedef struct cs_known_event {
    char code[16];
    int kind;              /* cs_known_kind */
    int32_t date, decided; /* days since 1970-01-01 */
} cs_known_event;

typedef struct cs_known_events {
    size_t n;
    cs_known_event *ev;
} cs_known_events;

int cs_known_events_load(cs_known_events *k, const char *path, cs_error *err);
void cs_known_events_free(cs_known_events *k);

#endif
