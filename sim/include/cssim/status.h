/* cssim status codes and the error record.
 *
 * One list, defined once: the X-macro below generates the enum and cs_strerror().
 * 0 is success, negative is failure. Library code never exits; only main() turns a
 * status into an exit code (0 ok, 1 run failed, 2 bad usage or input).
 * Thread-safety: cs_strerror is reentrant; a cs_error belongs to one thread. */
#ifndef CSSIM_STATUS_H
#define CSSIM_STATUS_H

#include <stdio.h>

#define CS_STATUS_LIST(X)                                                                          \
    X(CS_OK, 0, "success")                                                                         \
    X(CS_ENOMEM, -1, "out of memory")                                                              \
    X(CS_EINVAL, -2, "invalid argument")                                                           \
    X(CS_EIO, -3, "input/output error")                                                            \
    X(CS_EPARSE, -4, "malformed input")                                                            \
    X(CS_ECAPACITY, -5, "a fixed capacity was exhausted")                                          \
    X(CS_ENOTFOUND, -6, "not found")                                                               \
    X(CS_EEXIST, -7, "already exists")                                                             \
    X(CS_EINTR, -8, "interrupted")                                                                 \
    X(CS_ESTALE, -9, "stale handle")                                                               \
    X(CS_EMODEL, -10, "model error")                                                               \
    X(CS_EMISMATCH, -11, "does not match")

enum cs_status {
#define CS_STATUS_ENUM(name, value, text) name = value,
    CS_STATUS_LIST(CS_STATUS_ENUM)
#undef CS_STATUS_ENUM
};

/* A static, human-readable string for a status code. */
const char *cs_strerror(int status);

/* The details of the last failure, owned by whoever reports it (a parser, a writer, a
 * replication context): never a global. Messages print as
 *   file:line:col: key: message            (fields that are unknown are left out) */
typedef struct cs_error {
    int status;
    int line, col;
    char file[512];
    char key[160];
    char msg[768];
} cs_error;

void cs_error_clear(cs_error *e);
/* Records a failure and returns status (so callers can `return cs_error_set(...)`).
 * e may be NULL. file/key may be NULL; line/col 0 when unknown. */
int cs_error_set(cs_error *e, int status, const char *file, int line, int col, const char *key,
                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;
/* Prints "cssim: error: file:line:col: key: message\n". */
void cs_error_print(FILE *f, const cs_error *e);

#endif
