#include "cssim/status.h"

#include <stdarg.h>
#include <string.h>

const char *cs_strerror(int status)
{
    switch (status) {
#define CS_STATUS_CASE(name, value, text)                                                          \
    case name:                                                                                     \
        return text;
        CS_STATUS_LIST(CS_STATUS_CASE)
#undef CS_STATUS_CASE
    }
    return "unknown status";
}

void cs_error_clear(cs_error *e)
{
    if (e) memset(e, 0, sizeof *e);
}

int cs_error_set(cs_error *e, int status, const char *file, int line, int col, const char *key,
                 const char *fmt, ...)
{
    if (!e) return status;
    e->status = status;
    e->line = line;
    e->col = col;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    snprintf(e->key, sizeof e->key, "%s", key ? key : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return status;
}

void cs_error_print(FILE *f, const cs_error *e)
{
    fputs("cssim: error: ", f);
    if (e->file[0]) {
        fputs(e->file, f);
        if (e->line > 0) fprintf(f, ":%d", e->line);
        if (e->line > 0 && e->col > 0) fprintf(f, ":%d", e->col);
        fputs(": ", f);
    }
    if (e->key[0]) fprintf(f, "%s: ", e->key);
    fprintf(f, "%s\n", e->msg[0] ? e->msg : cs_strerror(e->status));
}
