/* Table-driven option parsing shared by the commands (git's parse-options, in small): one
 * table of {long name, short letter, kind, destination, help} parses argv and prints the
 * options section of --help. Behaves as glibc's getopt_long did for the commands (options
 * anywhere among the operands, "--" ends them, clustered short flags, "-jN" and "--name=VALUE",
 * unique prefixes of long names, the same messages), and checks whole numbers strictly. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* How messages about a bad value name the option. */
static const char *label(const cs_option *o, char *buf, size_t n)
{
    if (o->label) return o->label;
    if (o->short_name)
        snprintf(buf, n, "-%c", o->short_name);
    else
        snprintf(buf, n, "--%s", o->name);
    return buf;
}

/* A whole number in [min, max]: digits only (an optional sign), nothing else ("2x", "" and
 * out-of-range values are refused). */
static int whole(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < min || v > max) return -1;
    *out = v;
    return 0;
}

static int takes_arg(const cs_option *o)
{
    return o->kind != CS_OPT_FLAG && o->kind != CS_OPT_STOP;
}

/* Stores the option's value; CS_OPT_BAD after reporting a bad one. */
static int store(const cs_option *o, const char *arg)
{
    long long v = 0;
    char buf[64];
    int ok = 1;
    if (o->kind == CS_OPT_INT || o->kind == CS_OPT_NUMARG) ok = whole(arg, o->min, o->max, &v) == 0;
    if (ok && o->check) ok = o->check(arg) == 0;
    if (!ok) {
        fprintf(stderr, "cssim: error: %s: expected %s, got \"%s\"\n", label(o, buf, sizeof buf),
                o->expect ? o->expect : "a valid value", arg);
        return CS_OPT_BAD;
    }
    switch (o->kind) {
    case CS_OPT_FLAG:
    case CS_OPT_STOP:
        *(int *)o->dest = 1;
        break;
    case CS_OPT_INT:
        *(int *)o->dest = (int)v;
        break;
    case CS_OPT_NUMARG:
    case CS_OPT_STRING:
        *(const char **)o->dest = arg;
        break;
    case CS_OPT_LIST: {
        cs_optlist *l = o->dest;
        l->v[l->n++] = arg;
        break;
    }
    }
    return CS_OPT_OK;
}

/* The option named by `name` (len characters): an exact long name, or a unique prefix. */
static const cs_option *find_long(const cs_option *opts, size_t n, const char *cmd,
                                  const char *name, size_t len, const char *word)
{
    const cs_option *hit = NULL;
    int many = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(opts[i].name, name, len)) continue;
        if (strlen(opts[i].name) == len) return &opts[i];
        many += hit != NULL;
        hit = &opts[i];
    }
    if (many) {
        fprintf(stderr, "%s: option '%s' is ambiguous\n", cmd, word);
        return NULL;
    }
    if (!hit) fprintf(stderr, "%s: unrecognized option '%s'\n", cmd, word);
    return hit;
}

/* One "--name[=value]" word at argv[*i]. */
static int parse_long(const cs_option *opts, size_t n, int argc, char **argv, int *i, int *stop)
{
    const char *word = argv[*i], *name = word + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const cs_option *o = find_long(opts, n, argv[0], name, len, word);
    if (!o) return CS_OPT_USAGE;
    if (!takes_arg(o) && eq) {
        fprintf(stderr, "%s: option '--%s' doesn't allow an argument\n", argv[0], o->name);
        return CS_OPT_USAGE;
    }
    const char *arg = eq ? eq + 1 : NULL;
    if (takes_arg(o) && !arg) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "%s: option '--%s' requires an argument\n", argv[0], o->name);
            return CS_OPT_USAGE;
        }
        arg = argv[++*i];
    }
    *stop = o->kind == CS_OPT_STOP;
    return store(o, arg);
}

/* One word of short options ("-q", "-fq", "-j2", "-j 2") at argv[*i]. */
static int parse_short(const cs_option *opts, size_t n, int argc, char **argv, int *i, int *stop)
{
    for (const char *c = argv[*i] + 1; *c; c++) {
        const cs_option *o = NULL;
        for (size_t k = 0; !o && k < n; k++)
            if (opts[k].short_name == *c) o = &opts[k];
        if (!o) {
            fprintf(stderr, "%s: invalid option -- '%c'\n", argv[0], *c);
            return CS_OPT_USAGE;
        }
        if (!takes_arg(o)) {
            int rc = store(o, NULL);
            *stop = o->kind == CS_OPT_STOP;
            if (rc || *stop) return rc;
            continue;
        }
        const char *arg = c[1] ? c + 1 : NULL;
        if (!arg) {
            if (*i + 1 >= argc) {
                fprintf(stderr, "%s: option requires an argument -- '%c'\n", argv[0], *c);
                return CS_OPT_USAGE;
            }
            arg = argv[++*i];
        }
        return store(o, arg);
    }
    return CS_OPT_OK;
}

int cs_options_parse(const cs_option *opts, size_t n, int argc, char **argv, const char **pos,
                     size_t cap_pos, size_t *n_pos)
{
    *n_pos = 0;
    int only_operands = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = CS_OPT_OK, stop = 0;
        if (only_operands || a[0] != '-' || !a[1]) {
            if (*n_pos < cap_pos) pos[*n_pos] = a;
            ++*n_pos;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_operands = 1;
            continue;
        }
        rc = a[1] == '-' ? parse_long(opts, n, argc, argv, &i, &stop)
                         : parse_short(opts, n, argc, argv, &i, &stop);
        if (rc || stop) return rc;
    }
    return CS_OPT_OK;
}

void cs_options_help(FILE *f, const cs_option *opts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const cs_option *o = &opts[i];
        char head[64];
        int k = o->short_name ? snprintf(head, sizeof head, "  -%c, --%s", o->short_name, o->name)
                              : snprintf(head, sizeof head, "      --%s", o->name);
        if (o->arg && k > 0 && (size_t)k < sizeof head)
            snprintf(head + k, sizeof head - (size_t)k, " %s", o->arg);
        fprintf(f, "%-25s%s\n", head, o->help);
    }
}
