/* Dates (cssim/date.h): Howard Hinnant's days_from_civil / civil_from_days, proleptic
 * Gregorian, eras of 400 years = 146097 days; 719468 is 1970-03-01 counted from 0000-03-01.
 * The one copy of date arithmetic in cssim. */
#include "cssim/date.h"
#include "cssim/status.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int64_t cs_date_to_days(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void cs_date_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

bool cs_date_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int cs_date_days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && cs_date_is_leap(y) ? 29 : dim[m - 1];
}

int cs_date_parse(const char *s, int32_t *days)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return CS_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return CS_EINVAL;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > cs_date_days_in_month(y, m)) return CS_EINVAL;
    if (days) *days = (int32_t)cs_date_to_days(y, m, d);
    return CS_OK;
}

void cs_date_format(int32_t days, char buf[11])
{
    int64_t y;
    int m, d;
    cs_date_from_days(days, &y, &m, &d);
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%04" PRId64 "-%02d-%02d", y, m, d);
    memcpy(buf, tmp, 10); /* years past 9999 do not fit the contract's buffer: truncated */
    buf[10] = '\0';
}

int32_t cs_date_add_months(int32_t days, int months)
{
    int64_t y;
    int m, d;
    cs_date_from_days(days, &y, &m, &d);
    int64_t total = y * 12 + (m - 1) + months;
    int64_t ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
    int nm = (int)(total - ny * 12) + 1;
    int dim = cs_date_days_in_month(ny, nm);
    return (int32_t)cs_date_to_days(ny, nm, d > dim ? dim : d);
}

void cs_date_format_timestamp(int64_t seconds, char buf[21])
{
    int64_t day = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
    int64_t sec = seconds - day * 86400, y;
    int m, d;
    cs_date_from_days(day, &y, &m, &d);
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60));
    memcpy(buf, tmp, 20); /* years past 9999 do not fit: truncated, as cs_date_format */
    buf[20] = '\0';
}
