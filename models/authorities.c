/* The authority table loader (models/authorities.h).
 *
 * CSV as written by scripts/build_authorities.py and by spreadsheets: comma-separated, a
 * header row, fields optionally double-quoted ("" inside quotes is a quote; a quoted field may
 * span lines), LF or CRLF line ends, blank lines skipped. Lines are counted physically, so an
 * error names the line where the offending record starts. The loader is strict about values:
 * grades and governance must be the canonical names (the builder maps "adequate" and the
 * like), so a table that reaches the model has been through the documented rules. */
#define _POSIX_C_SOURCE 200809L /* getline */

#include "authorities.h"

#include "cssim/config.h" /* cs_date_parse */
#include "enums.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    COL_CODE,
    COL_NAME,
    COL_REGION,
    COL_TYPE,
    COL_POPULATION,
    COL_GRADE,
    COL_GRADE_DATE,
    COL_FRAMEWORK,
    COL_SIF_DONE,
    COL_INADEQUATE_DATES,
    COL_GOVERNANCE,
    COL_PIP,
    COL_POSTS,
    COL_PERMANENT,
    COL_AGENCY,
    COL_TURNOVER,
    COL_WORKFORCE_SOURCE,
    NCOLS
};

static const char *const col_names[NCOLS] = {"code",
                                             "name",
                                             "region",
                                             "type",
                                             "population",
                                             "grade",
                                             "grade_date",
                                             "grade_framework",
                                             "sif_done",
                                             "inadequate_dates",
                                             "governance",
                                             "pip",
                                             "posts_fte",
                                             "permanent_fte",
                                             "agency_fte",
                                             "turnover_rate",
                                             "workforce_source"};

/* One parsed record: fields point into buf. */
typedef struct record {
    char *buf;
    size_t cap;
    size_t *offs; /* field starts in buf while reading (buf may move) */
    char **fields;
    size_t nfields, fcap;
} record;

typedef struct reader {
    FILE *f;
    const char *path;
    int line;   /* physical lines read so far */
    char *lbuf; /* getline buffer */
    size_t lcap;
} reader;

static void record_free(record *r)
{
    free(r->buf);
    free(r->offs);
    free(r->fields);
    memset(r, 0, sizeof *r);
}

static int push_field(record *r, size_t start)
{
    if (r->nfields == r->fcap) {
        size_t n = r->fcap ? 2 * r->fcap : 32;
        size_t *o = realloc(r->offs, n * sizeof *o);
        if (!o) return -1;
        r->offs = o;
        char **p = realloc(r->fields, n * sizeof *p);
        if (!p) return -1;
        r->fields = p;
        r->fcap = n;
    }
    r->offs[r->nfields++] = start;
    return 0;
}

static int ensure(record *r, size_t need)
{
    if (need <= r->cap) return 0;
    size_t n = r->cap ? r->cap : 256;
    while (n < need)
        n *= 2;
    char *p = realloc(r->buf, n);
    if (!p) return -1;
    r->buf = p;
    r->cap = n;
    return 0;
}

/* Reads the next non-blank record. Returns 1 on a record (*start_line set), 0 at end of file,
 * or a negative status with err set. */
static int read_record(reader *rd, record *r, int *start_line, cs_error *err)
{
    size_t len = 0;
    int inq = 0, have = 0;
    r->nfields = 0;
    for (;;) {
        errno = 0;
        ssize_t n = getline(&rd->lbuf, &rd->lcap, rd->f);
        if (n < 0) {
            if (ferror(rd->f))
                return cs_error_set(err, CS_EIO, rd->path, rd->line, 0, NULL, "read failed: %s",
                                    strerror(errno ? errno : EIO));
            if (inq)
                return cs_error_set(err, CS_EPARSE, rd->path, *start_line, 0, NULL,
                                    "unterminated quoted field");
            return 0;
        }
        rd->line++;
        if (!have) {
            /* strip the line end and skip blank lines between records */
            size_t m = (size_t)n;
            while (m && (rd->lbuf[m - 1] == '\n' || rd->lbuf[m - 1] == '\r'))
                m--;
            if (m == 0) continue;
            *start_line = rd->line;
            have = 1;
            if (push_field(r, 0)) goto oom;
        }
        if (ensure(r, len + (size_t)n + 1)) goto oom;
        for (ssize_t i = 0; i < n; i++) {
            char c = rd->lbuf[i];
            if (inq) {
                if (c == '"') {
                    if (i + 1 < n && rd->lbuf[i + 1] == '"') {
                        r->buf[len++] = '"';
                        i++;
                    } else {
                        inq = 0;
                    }
                } else {
                    r->buf[len++] = c;
                }
            } else if (c == '"') {
                inq = 1;
            } else if (c == ',') {
                r->buf[len++] = '\0';
                if (push_field(r, len)) goto oom;
            } else if (c == '\n' || c == '\r') {
                /* end of record (outside quotes) */
            } else {
                r->buf[len++] = c;
            }
        }
        if (!inq) break;
    }
    r->buf[len] = '\0';
    for (size_t i = 0; i < r->nfields; i++)
        r->fields[i] = r->buf + r->offs[i];
    return 1;
oom:
    return cs_error_set(err, CS_ENOMEM, rd->path, rd->line, 0, NULL, "out of memory");
}

static int parse_double(const char *s, double *out)
{
    char *end;
    if (!*s) return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static int parse_flag(const char *s, int *out)
{
    if ((s[0] == '0' || s[0] == '1') && !s[1]) {
        *out = s[0] - '0';
        return 0;
    }
    return -1;
}

static int valid_code(const char *s)
{
    /* ^E(06|08|09|10)[0-9]{6}$ */
    if (strlen(s) != 9 || s[0] != 'E') return 0;
    if (strncmp(s + 1, "06", 2) && strncmp(s + 1, "08", 2) && strncmp(s + 1, "09", 2) &&
        strncmp(s + 1, "10", 2))
        return 0;
    for (int i = 3; i < 9; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

static int strict_lookup(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], s)) return i;
    return -1;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static void free_row(cs_authority *a)
{
    free(a->name);
    free(a->region);
    free(a->type);
    free(a->framework);
    free(a->workforce_source);
}

void cs_authorities_free(cs_authority_table *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n; i++)
        free_row(&t->rows[i]);
    free(t->rows);
    t->rows = NULL;
    t->n = 0;
}

#define FAIL(col, ...) cs_error_set(err, CS_EPARSE, path, line, 0, col_names[col], __VA_ARGS__)

/* Fills a from the record's fields (already mapped to columns). */
static int parse_row(cs_authority *a, char **v, const char *path, int line, cs_error *err)
{
    memset(a, 0, sizeof *a);
    if (!valid_code(v[COL_CODE]))
        return FAIL(COL_CODE, "expected an ONS code E06/E08/E09/E10 and six digits, got \"%s\"",
                    v[COL_CODE]);
    memcpy(a->code, v[COL_CODE], strlen(v[COL_CODE]) + 1);
    static const int nonempty[] = {COL_NAME, COL_REGION, COL_TYPE, COL_FRAMEWORK,
                                   COL_WORKFORCE_SOURCE};
    for (size_t i = 0; i < sizeof nonempty / sizeof *nonempty; i++)
        if (!v[nonempty[i]][0]) return FAIL(nonempty[i], "expected a value, got \"\"");
    if (parse_double(v[COL_POPULATION], &a->population) || !(a->population > 0))
        return FAIL(COL_POPULATION, "expected a number > 0, got \"%s\"", v[COL_POPULATION]);
    if ((a->grade = strict_lookup(cs_grade_names, v[COL_GRADE])) < 0)
        return FAIL(COL_GRADE, "expected one of outstanding, good, ri, inadequate, got \"%s\"",
                    v[COL_GRADE]);
    if (cs_date_parse(v[COL_GRADE_DATE], &a->grade_date))
        return FAIL(COL_GRADE_DATE, "expected a date YYYY-MM-DD, got \"%s\"", v[COL_GRADE_DATE]);
    if (parse_flag(v[COL_SIF_DONE], &a->sif_done))
        return FAIL(COL_SIF_DONE, "expected 0 or 1, got \"%s\"", v[COL_SIF_DONE]);
    for (char *p = v[COL_INADEQUATE_DATES]; *p;) {
        char *semi = strchr(p, ';');
        if (semi) *semi = '\0';
        if (a->n_inadequate == CS_MAX_PRIOR_INADEQUATE)
            return FAIL(COL_INADEQUATE_DATES, "more than %d dates (CS_MAX_PRIOR_INADEQUATE)",
                        CS_MAX_PRIOR_INADEQUATE);
        int32_t d;
        if (cs_date_parse(p, &d))
            return FAIL(COL_INADEQUATE_DATES,
                        "expected dates YYYY-MM-DD separated by ';', got \"%s\"", p);
        if (a->n_inadequate && d < a->inadequate_dates[a->n_inadequate - 1])
            return FAIL(COL_INADEQUATE_DATES,
                        "dates must be oldest first, got \"%s\" after a later date", p);
        a->inadequate_dates[a->n_inadequate++] = d;
        if (!semi) break;
        p = semi + 1;
    }
    if ((a->governance = strict_lookup(cs_gov_names, v[COL_GOVERNANCE])) < 0)
        return FAIL(COL_GOVERNANCE,
                    "expected one of council, notice, commissioner, partner, trust_setup, trust, "
                    "got \"%s\"",
                    v[COL_GOVERNANCE]);
    if (parse_flag(v[COL_PIP], &a->pip))
        return FAIL(COL_PIP, "expected 0 or 1, got \"%s\"", v[COL_PIP]);
    double *fte[] = {&a->posts_fte, &a->permanent_fte, &a->agency_fte};
    for (int i = 0; i < 3; i++)
        if (parse_double(v[COL_POSTS + i], fte[i]) || *fte[i] < 0)
            return FAIL(COL_POSTS + i, "expected a number >= 0, got \"%s\"", v[COL_POSTS + i]);
    /* posts = permanent + agency + uncovered vacancies; the CSV has two decimals */
    if (a->permanent_fte + a->agency_fte > a->posts_fte + 0.015)
        return FAIL(COL_AGENCY, "permanent_fte + agency_fte (%g) exceeds posts_fte (%g)",
                    a->permanent_fte + a->agency_fte, a->posts_fte);
    if (parse_double(v[COL_TURNOVER], &a->turnover_rate) || a->turnover_rate < 0 ||
        a->turnover_rate > 1)
        return FAIL(COL_TURNOVER, "expected a fraction in [0, 1], got \"%s\"", v[COL_TURNOVER]);
    if (!(a->name = dup_str(v[COL_NAME])) || !(a->region = dup_str(v[COL_REGION])) ||
        !(a->type = dup_str(v[COL_TYPE])) || !(a->framework = dup_str(v[COL_FRAMEWORK])) ||
        !(a->workforce_source = dup_str(v[COL_WORKFORCE_SOURCE]))) {
        free_row(a);
        return cs_error_set(err, CS_ENOMEM, path, line, 0, NULL, "out of memory");
    }
    a->judged_fw = !strcmp(a->framework, "sif")     ? CS_JFW_SIF
                   : !strcmp(a->framework, "ilacs") ? CS_JFW_ILACS
                                                    : CS_JFW_OLDER;
    return CS_OK;
}

/* Reads the header row and finds each of the n named columns (idx[c]: its field); a missing
 * column is an error, and so is a repeated one when dup_error is set (else the last counts). */
static int read_header(reader *rd, record *rec, int *line, const char *const *names, int n,
                       int *idx, int dup_error, cs_error *err)
{
    int st = read_record(rd, rec, line, err);
    if (st == 0)
        st = cs_error_set(err, CS_EPARSE, rd->path, 1, 0, NULL, "empty file: no header row");
    if (st < 0) return st;
    for (int c = 0; c < n; c++) {
        idx[c] = -1;
        for (size_t i = 0; i < rec->nfields; i++)
            if (!strcmp(rec->fields[i], names[c])) {
                if (idx[c] >= 0 && dup_error)
                    return cs_error_set(err, CS_EPARSE, rd->path, *line, 0, names[c],
                                        "column appears twice in the header");
                idx[c] = (int)i;
            }
        if (idx[c] < 0)
            return cs_error_set(err, CS_EPARSE, rd->path, *line, 0, names[c],
                                "missing column in the header");
    }
    return CS_OK;
}

int cs_authorities_load(cs_authority_table *t, const char *path, cs_error *err)
{
    t->n = 0;
    t->rows = NULL;
    FILE *f = fopen(path, "r");
    if (!f) return cs_error_set(err, CS_EIO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
    reader rd = {f, path, 0, NULL, 0};
    record rec = {0};
    int *lines = NULL; /* start line of each row, for duplicate messages */
    size_t cap = 0;
    int idx[NCOLS], line = 0, st;

    if ((st = read_header(&rd, &rec, &line, col_names, NCOLS, idx, 1, err)) < 0) goto fail;
    size_t nheader = rec.nfields;

    while ((st = read_record(&rd, &rec, &line, err)) == 1) {
        if (rec.nfields != nheader) {
            st =
                cs_error_set(err, CS_EPARSE, path, line, 0, NULL,
                             "expected %zu fields as in the header, got %zu", nheader, rec.nfields);
            goto fail;
        }
        if (t->n == cap) {
            size_t n = cap ? 2 * cap : 160;
            cs_authority *p = realloc(t->rows, n * sizeof *p);
            int *q = realloc(lines, n * sizeof *q);
            if (p) t->rows = p;
            if (q) lines = q;
            if (!p || !q) {
                st = cs_error_set(err, CS_ENOMEM, path, line, 0, NULL, "out of memory");
                goto fail;
            }
            cap = n;
        }
        char *v[NCOLS];
        for (int c = 0; c < NCOLS; c++)
            v[c] = rec.fields[idx[c]];
        if ((st = parse_row(&t->rows[t->n], v, path, line, err)) < 0) goto fail;
        t->n++;
        lines[t->n - 1] = line;
        /* The table is small (152 rows): a linear scan keeps the loader simple. */
        for (size_t i = 0; i + 1 < t->n; i++)
            if (!strcmp(t->rows[i].code, t->rows[t->n - 1].code)) {
                st =
                    cs_error_set(err, CS_EPARSE, path, line, 0, "code",
                                 "duplicate code %s (first on line %d)", t->rows[i].code, lines[i]);
                goto fail;
            }
    }
    if (st < 0) goto fail;
    if (t->n == 0) {
        st = cs_error_set(err, CS_EPARSE, path, line, 0, NULL, "no authorities after the header");
        goto fail;
    }
    free(lines);
    record_free(&rec);
    free(rd.lbuf);
    fclose(f);
    return CS_OK;
fail:
    cs_authorities_free(t);
    free(lines);
    record_free(&rec);
    free(rd.lbuf);
    fclose(f);
    return st;
}

/* ---- known events ---- */

static const char *const known_names[] = {"commissioner", "trust_setup", "trust",
                                          "partner",      "pip",         NULL};

void cs_known_events_free(cs_known_events *k)
{
    free(k->ev);
    k->ev = NULL;
    k->n = 0;
}

/* One row of the known events (columns at idx: date, code, event, decided). */
static int parse_known(cs_known_event *e, const record *rec, const int *idx, const char *path,
                       int line, cs_error *err)
{
    enum { K_DATE, K_CODE, K_EVENT, K_DECIDED };
    const char *code = rec->fields[idx[K_CODE]], *kind = rec->fields[idx[K_EVENT]];
    if (!valid_code(code)) {
        return cs_error_set(err, CS_EPARSE, path, line, 0, "code",
                            "expected an ONS code like E09000002, got \"%s\"", code);
    }
    memcpy(e->code, code, strlen(code) + 1);
    if ((e->kind = strict_lookup(known_names, kind)) < 0) {
        return cs_error_set(err, CS_EPARSE, path, line, 0, "event",
                            "expected one of commissioner, trust_setup, trust, partner, pip, "
                            "got \"%s\"",
                            kind);
    }
    if (cs_date_parse(rec->fields[idx[K_DATE]], &e->date)) {
        return cs_error_set(err, CS_EPARSE, path, line, 0, "date",
                            "expected a date YYYY-MM-DD, got \"%s\"", rec->fields[idx[K_DATE]]);
    }
    if (cs_date_parse(rec->fields[idx[K_DECIDED]], &e->decided)) {
        return cs_error_set(err, CS_EPARSE, path, line, 0, "decided",
                            "expected a date YYYY-MM-DD, got \"%s\"", rec->fields[idx[K_DECIDED]]);
    }
    if (e->decided > e->date) {
        return cs_error_set(err, CS_EPARSE, path, line, 0, "decided",
                            "the decision (%s) comes after the event (%s)",
                            rec->fields[idx[K_DECIDED]], rec->fields[idx[K_DATE]]);
    }
    return CS_OK;
}

int cs_known_events_load(cs_known_events *k, const char *path, cs_error *err)
{
    enum { K_DATE, K_CODE, K_EVENT, K_DECIDED, NK };
    static const char *const kcols[NK] = {"date", "code", "event", "decided"};
    k->n = 0;
    k->ev = NULL;
    FILE *f = fopen(path, "r");
    if (!f) return cs_error_set(err, CS_EIO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
    reader rd = {f, path, 0, NULL, 0};
    record rec = {0};
    size_t cap = 0;
    int idx[NK], line = 0, st;
    if ((st = read_header(&rd, &rec, &line, kcols, NK, idx, 0, err)) < 0) goto fail;
    size_t nheader = rec.nfields;
    while ((st = read_record(&rd, &rec, &line, err)) == 1) {
        if (rec.nfields != nheader) {
            st =
                cs_error_set(err, CS_EPARSE, path, line, 0, NULL,
                             "expected %zu fields as in the header, got %zu", nheader, rec.nfields);
            goto fail;
        }
        if (k->n == cap) {
            size_t n = cap ? 2 * cap : 64;
            cs_known_event *p = realloc(k->ev, n * sizeof *p);
            if (!p) {
                st = cs_error_set(err, CS_ENOMEM, path, line, 0, NULL, "out of memory");
                goto fail;
            }
            k->ev = p;
            cap = n;
        }
        if ((st = parse_known(&k->ev[k->n], &rec, idx, path, line, err)) < 0) goto fail;
        k->n++;
    }
    if (st < 0) goto fail;
    record_free(&rec);
    free(rd.lbuf);
    fclose(f);
    return CS_OK;
fail:
    cs_known_events_free(k);
    record_free(&rec);
    free(rd.lbuf);
    fclose(f);
    return st;
}
