/* The authority table loader reads the real table and rejects each malformed input with its
 * documented file:line: column: message. */
#include "cs_test.h"

#include "authorities.h"
#include "enums.h"

#include <stdlib.h>
#include <string.h>

#define FIX "tests/data/authorities/"

/* "file:line: key: msg" as cs_error_print writes it (without the "cssim: error: " prefix). */
static const char *error_text(const cs_error *e)
{
    static char buf[2048];
    int n = snprintf(buf, sizeof buf, "%s", e->file);
    if (e->line > 0) n += snprintf(buf + n, sizeof buf - (size_t)n, ":%d", e->line);
    n += snprintf(buf + n, sizeof buf - (size_t)n, ": ");
    if (e->key[0]) n += snprintf(buf + n, sizeof buf - (size_t)n, "%s: ", e->key);
    snprintf(buf + n, sizeof buf - (size_t)n, "%s", e->msg);
    return buf;
}

static void expect_error(const char *path, int status, const char *text)
{
    cs_authority_table t = {99, (cs_authority *)&t};
    cs_error err;
    cs_error_clear(&err);
    assert_int_equal(cs_authorities_load(&t, path, &err), status);
    assert_int_equal(err.status, status);
    assert_string_equal(error_text(&err), text);
    assert_int_equal(t.n, 0); /* left empty */
    assert_null(t.rows);
    cs_authorities_free(&t);
}

static void test_authorities_loads_real_table(void **state)
{
    (void)state;
    cs_authority_table t;
    cs_error err;
    cs_error_clear(&err);
    int st = cs_authorities_load(&t, "data/authorities_2015-12-14.csv", &err);
    if (st) cs_error_print(stderr, &err);
    assert_int_equal(st, CS_OK);
    assert_int_equal(t.n, 152);
    int grades[CS_NGRADES] = {0}, sif = 0, pip = 0;
    const cs_authority *bristol = NULL, *norfolk = NULL;
    for (size_t i = 0; i < t.n; i++) {
        const cs_authority *a = &t.rows[i];
        assert_true(a->grade >= 0 && a->grade < CS_NGRADES);
        assert_true(a->governance >= 0 && a->governance < CS_NGOV);
        assert_true(a->population > 0);
        assert_true(a->permanent_fte + a->agency_fte <= a->posts_fte + 0.015);
        if (i) assert_true(strcmp(t.rows[i - 1].code, a->code) < 0); /* sorted, unique */
        grades[a->grade]++;
        sif += a->sif_done;
        pip += a->pip;
        if (!strcmp(a->code, "E06000023")) bristol = a;
        if (!strcmp(a->code, "E10000020")) norfolk = a;
    }
    assert_int_equal(grades[0] + grades[1] + grades[2] + grades[3], 152);
    assert_int_equal(pip, 9);
    assert_true(sif > 0 && sif < 152);
    /* a quoted name with a comma */
    assert_non_null(bristol);
    assert_string_equal(bristol->name, "Bristol, City of");
    /* Norfolk: three inadequate judgements in five years (CPI Feb 2013, TLAC Aug 2013, SIF
     * 19 Oct 2015), inadequate, SIF published 2015-10-19 = day 16727 */
    assert_non_null(norfolk);
    assert_int_equal(norfolk->grade, CS_GRADE_INADEQUATE);
    assert_int_equal(norfolk->grade_date, 16727);
    assert_int_equal(norfolk->n_inadequate, 3);
    assert_int_equal(norfolk->inadequate_dates[2], 16727);
    assert_string_equal(norfolk->framework, "sif");
    assert_string_equal(norfolk->workforce_source, "census2017");
    cs_authorities_free(&t);
    assert_int_equal(t.n, 0);
    cs_authorities_free(&t); /* twice is harmless */
}

static void test_authorities_reads_quoted_reordered_crlf(void **state)
{
    (void)state;
    cs_authority_table t;
    cs_error err;
    cs_error_clear(&err);
    assert_int_equal(cs_authorities_load(&t, FIX "ok_quoted.csv", &err), CS_OK);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.rows[2].name, "Kingston \"upon\" Hull,\nCity of");
    assert_string_equal(t.rows[2].code, "E06000003");
    assert_string_equal(t.rows[0].workforce_source, "census2017");
    CS_ASSERT_CLOSE(t.rows[0].turnover_rate, 0.214, 0, 1e-12);
    CS_ASSERT_CLOSE(t.rows[1].posts_fte, 171.7, 0, 1e-9);
    assert_int_equal(t.rows[1].grade, CS_GRADE_RI);
    assert_int_equal(t.rows[0].n_inadequate, 0);
    cs_authorities_free(&t);
}

static void test_authorities_rejects_missing_column(void **state)
{
    (void)state;
    expect_error(FIX "missing_column.csv", CS_EPARSE,
                 FIX "missing_column.csv:1: grade: missing column in the header");
}

static void test_authorities_rejects_bad_grade(void **state)
{
    (void)state;
    expect_error(FIX "bad_grade.csv", CS_EPARSE,
                 FIX "bad_grade.csv:3: grade: expected one of outstanding, good, ri, inadequate, "
                     "got \"adequate\"");
}

static void test_authorities_rejects_bad_date(void **state)
{
    (void)state;
    expect_error(FIX "bad_date.csv", CS_EPARSE,
                 FIX "bad_date.csv:2: grade_date: expected a date YYYY-MM-DD, got \"2015-02-30\"");
}

static void test_authorities_rejects_duplicate_code(void **state)
{
    (void)state;
    expect_error(FIX "duplicate_code.csv", CS_EPARSE,
                 FIX "duplicate_code.csv:5: code: duplicate code E06000001 (first on line 2)");
}

static void test_authorities_rejects_missing_file(void **state)
{
    (void)state;
    expect_error(FIX "no_such_file.csv", CS_EIO,
                 FIX "no_such_file.csv: cannot open: No such file or directory");
}

static void expect_events_error(const char *path, const char *text)
{
    cs_known_events k;
    cs_error err;
    cs_error_clear(&err);
    assert_int_equal(cs_known_events_load(&k, path, &err), CS_EPARSE);
    assert_string_equal(error_text(&err), text);
    assert_int_equal(k.n, 0);
    assert_null(k.ev);
}

static void test_authorities_loads_known_events(void **state)
{
    (void)state;
    cs_known_events k;
    cs_error err;
    cs_error_clear(&err);
    assert_int_equal(cs_known_events_load(&k, "data/known_events.csv", &err), CS_OK);
    int norfolk = 0, pip = 0;
    for (size_t i = 0; i < k.n; i++) {
        assert_true(k.ev[i].decided <= k.ev[i].date);
        pip += k.ev[i].kind == CS_KNOWN_PIP;
        if (!strcmp(k.ev[i].code, "E10000020") && k.ev[i].kind == CS_KNOWN_COMMISSIONER) {
            norfolk++;
            assert_int_equal(k.ev[i].date, 16808);    /* 2016-01-08 */
            assert_int_equal(k.ev[i].decided, 16783); /* 2015-12-14 */
        }
    }
    assert_int_equal(norfolk, 1);
    assert_int_equal(pip, 9); /* six partners; the Tri-borough is three LAs, AfC two */
    cs_known_events_free(&k);
}

static void test_authorities_rejects_bad_known_events(void **state)
{
    (void)state;
    expect_events_error(FIX "events_bad_kind.csv",
                        FIX "events_bad_kind.csv:3: event: expected one of commissioner, "
                            "trust_setup, trust, partner, pip, got \"takeover\"");
    expect_events_error(FIX "events_decided_late.csv",
                        FIX "events_decided_late.csv:2: decided: the decision (2016-02-01) comes "
                            "after the event (2016-01-08)");
    expect_events_error(FIX "events_no_decided.csv",
                        FIX "events_no_decided.csv:1: decided: missing column in the header");
}

static void test_enums_names_and_parse(void **state)
{
    (void)state;
    assert_null(cs_grade_names[CS_NGRADES]);
    assert_null(cs_gov_names[CS_NGOV]);
    assert_string_equal(cs_grade_names[CS_GRADE_RI], "ri");
    assert_string_equal(cs_gov_names[CS_GOV_TRUST_SETUP], "trust_setup");
    for (int i = 0; i < CS_NGRADES; i++)
        assert_int_equal(cs_grade_parse(cs_grade_names[i]), i);
    for (int i = 0; i < CS_NGOV; i++)
        assert_int_equal(cs_gov_parse(cs_gov_names[i]), i);
    assert_int_equal(cs_grade_parse("Requires improvement to be good"), CS_GRADE_RI);
    assert_int_equal(cs_grade_parse("adequate"), CS_GRADE_RI);
    assert_int_equal(cs_grade_parse("Inadequate"), CS_GRADE_INADEQUATE);
    assert_int_equal(cs_grade_parse("excellent"), -1);
    assert_int_equal(cs_grade_parse(NULL), -1);
    assert_int_equal(cs_gov_parse("trust setup"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authorities_loads_real_table),
        cmocka_unit_test(test_authorities_reads_quoted_reordered_crlf),
        cmocka_unit_test(test_authorities_rejects_missing_column),
        cmocka_unit_test(test_authorities_rejects_bad_grade),
        cmocka_unit_test(test_authorities_rejects_bad_date),
        cmocka_unit_test(test_authorities_rejects_duplicate_code),
        cmocka_unit_test(test_authorities_rejects_missing_file),
        cmocka_unit_test(test_authorities_loads_known_events),
        cmocka_unit_test(test_authorities_rejects_bad_known_events),
        cmocka_unit_test(test_enums_names_and_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
