/* Invariant: cs_date_to_days and cs_date_from_days are inverse on every real date, parse and
 * format agree with them, and only real "YYYY-MM-DD" strings parse. */
#include "cs_test.h"

#include "cssim/date.h"
#include "cssim/status.h"

#include <string.h>
#include <time.h>

static void test_date_parse_handles_leap_years(void **state)
{
    (void)state;
    int32_t d;
    assert_int_equal(cs_date_parse("1970-01-01", &d), CS_OK);
    assert_int_equal(d, 0);
    assert_int_equal(cs_date_parse("2000-03-01", &d), CS_OK);
    assert_int_equal(d, 11017);
    assert_int_equal(cs_date_parse("1969-12-31", &d), CS_OK);
    assert_int_equal(d, -1);
    assert_int_equal(cs_date_parse("2016-02-29", &d), CS_OK);
    assert_int_equal(cs_date_parse("2000-02-29", &d), CS_OK);
    assert_int_equal(cs_date_parse("2015-02-29", &d), CS_EINVAL);
    assert_int_equal(cs_date_parse("1900-02-29", &d), CS_EINVAL);
    assert_int_equal(cs_date_parse("2015-04-31", &d), CS_EINVAL);
    assert_int_equal(cs_date_parse("2015-4-01", &d), CS_EINVAL);
    assert_int_equal(cs_date_parse("2015-04-01T00", &d), CS_EINVAL);
    char buf[11];
    for (int32_t x = -719528; x <= 2932896; x += 997) { /* 0000-01-01 .. 9999-12-31 */
        cs_date_format(x, buf);
        assert_int_equal(cs_date_parse(buf, &d), CS_OK);
        assert_int_equal(d, x);
    }
}

static void test_date_add_months_clamps_the_day(void **state)
{
    (void)state;
    static const struct {
        const char *from;
        int months;
        const char *want;
    } cases[] = {
        {"2016-01-31", 1, "2016-02-29"},   {"2015-01-31", 1, "2015-02-28"},
        {"2016-03-31", -1, "2016-02-29"},  {"2016-12-15", 1, "2017-01-15"},
        {"2016-01-15", -13, "2014-12-15"}, {"2015-08-31", 1, "2015-09-30"},
        {"1970-01-01", 0, "1970-01-01"},   {"2000-02-29", 12, "2001-02-28"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t d;
        char buf[11];
        assert_int_equal(cs_date_parse(cases[i].from, &d), CS_OK);
        cs_date_format(cs_date_add_months(d, cases[i].months), buf);
        assert_string_equal(buf, cases[i].want);
    }
}

static void test_date_round_trip_every_day_1900_2100(void **state)
{
    (void)state;
    int64_t first = cs_date_to_days(1900, 1, 1), last = cs_date_to_days(2100, 12, 31);
    assert_int_equal(first, -25567); /* 1900-01-01 */
    assert_int_equal(last, 47846);   /* 2100-12-31 */
    int64_t day = first;
    for (int64_t y = 1900; y <= 2100; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= cs_date_days_in_month(y, m); d++, day++) {
                /* consecutive real dates are consecutive days */
                assert_int_equal(cs_date_to_days(y, m, d), day);
                int64_t yy;
                int mm, dd;
                cs_date_from_days(day, &yy, &mm, &dd);
                assert_int_equal(yy, y);
                assert_int_equal(mm, m);
                assert_int_equal(dd, d);
                char buf[11], want[48];
                snprintf(want, sizeof want, "%04d-%02d-%02d", (int)y, m, d);
                cs_date_format((int32_t)day, buf);
                assert_string_equal(buf, want);
                int32_t back;
                assert_int_equal(cs_date_parse(buf, &back), CS_OK);
                assert_int_equal(back, day);
            }
    assert_int_equal(day, last + 1);
}

static void test_date_leap_years(void **state)
{
    (void)state;
    assert_true(cs_date_is_leap(2000));
    assert_true(cs_date_is_leap(2016));
    assert_false(cs_date_is_leap(1900));
    assert_false(cs_date_is_leap(2100));
    assert_false(cs_date_is_leap(2015));
    assert_int_equal(cs_date_days_in_month(2016, 2), 29);
    assert_int_equal(cs_date_days_in_month(2100, 2), 28);
    assert_int_equal(cs_date_to_days(2001, 1, 1) - cs_date_to_days(2000, 1, 1), 366);
    assert_int_equal(cs_date_to_days(2101, 1, 1) - cs_date_to_days(2100, 1, 1), 365);
    /* a day past the month's end counts on into the next month */
    assert_int_equal(cs_date_to_days(2015, 2, 30), cs_date_to_days(2015, 3, 2));
}

static void test_date_rejects_bad_strings(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "2015",
                                      "2015-01",
                                      "2015-1-01",
                                      "2015-01-1",
                                      "15-01-01",
                                      "2015/01/01",
                                      "2015-00-10",
                                      "2015-13-01",
                                      "2015-01-00",
                                      "2015-01-32",
                                      "2015-02-29",
                                      "2100-02-29",
                                      "2015-06-31",
                                      " 2015-01-01",
                                      "2015-01-01 ",
                                      "2015-01-0x",
                                      "+015-01-01",
                                      "2015-01-01T00:00:00Z",
                                      "abcd-ef-gh"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t d = 12345;
        assert_int_equal(cs_date_parse(bad[i], &d), CS_EINVAL);
        assert_int_equal(d, 12345); /* untouched */
    }
    assert_int_equal(cs_date_parse(NULL, NULL), CS_EINVAL);
    assert_int_equal(cs_date_parse("2016-02-29", NULL), CS_OK);
}

static void test_date_timestamp_matches_gmtime(void **state)
{
    (void)state;
    static const int64_t at[] = {0,          1,          86399, 86400,  951782400,  1700000000,
                                 4102444799, 4102444800, -1,    -86401, -2208988800};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        char got[21], want[32];
        time_t t = (time_t)at[i];
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
        cs_date_format_timestamp(at[i], got);
        assert_string_equal(got, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_parse_handles_leap_years),
        cmocka_unit_test(test_date_add_months_clamps_the_day),
        cmocka_unit_test(test_date_round_trip_every_day_1900_2100),
        cmocka_unit_test(test_date_leap_years),
        cmocka_unit_test(test_date_rejects_bad_strings),
        cmocka_unit_test(test_date_timestamp_matches_gmtime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
