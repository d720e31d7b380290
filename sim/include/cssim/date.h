/* Dates: days since 1970-01-01 in the proleptic Gregorian calendar (what scenarios, the
 * authority table and the output's time axis count in). Pure functions: thread-safe, no
 * allocation, no dependence on the locale or the time zone. */
#ifndef CSSIM_DATE_H
#define CSSIM_DATE_H

#include <stdbool.h>
#include <stdint.h>

/* Days since 1970-01-01 of year y, month m (1..12), day d. A day past the month's end counts on
 * into the next month (2015-02-30 is 2015-03-02): callers that need a real date check
 * cs_date_days_in_month, as cs_date_parse does. */
int64_t cs_date_to_days(int64_t y, int m, int d);
/* The civil date of a day count: the inverse of cs_date_to_days on real dates. */
void cs_date_from_days(int64_t days, int64_t *y, int *m, int *d);
bool cs_date_is_leap(int64_t y);
int cs_date_days_in_month(int64_t y, int m); /* m in 1..12 */

/* "YYYY-MM-DD" (exactly: ten characters, a real date) -> days; CS_OK or CS_EINVAL. days may be
 * NULL (a check only). */
int cs_date_parse(const char *s, int32_t *days);
/* days -> "YYYY-MM-DD" (years past 9999 are truncated to the buffer). */
void cs_date_format(int32_t days, char buf[11]);
/* Adds months to a date, clamping the day to the month's length (2016-01-31 + 1 = 02-29). */
int32_t cs_date_add_months(int32_t days, int months);
/* Seconds since 1970-01-01T00:00:00Z -> "YYYY-MM-DDTHH:MM:SSZ" (UTC, as gmtime and strftime
 * give for years 1000..9999). */
void cs_date_format_timestamp(int64_t seconds, char buf[21]);

#endif
