/* Scenario configuration, the key table: the table's own checks, looking keys up, converting
 * and validating one YAML value by its key (every type but distributions), the messages that
 * name file:line:col and key, formatting values back as YAML, storing them into a parameter
 * struct, and the dates and edit distance the keys need. */
#define _POSIX_C_SOURCE 200809L
#include "config_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <unistd.h>

bool cs_cfg_find_key(const cs_config *c, const char *path, size_t *ki)
{
    for (size_t i = 0; i < c->n_keys; i++)
        if (!strcmp(c->table[i].path, path)) {
            *ki = i;
            return true;
        }
    return false;
}

/* Some key lies below path ("a.b" for "a"); returns it, or NULL. */
const char *cs_cfg_key_below(const cs_config *c, const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < c->n_keys; i++)
        if (!strncmp(c->table[i].path, path, n) && c->table[i].path[n] == '.')
            return c->table[i].path;
    return NULL;
}

bool cs_cfg_has_range(const cs_key *k)
{
    /* min == max == 0 is what a table entry that left the range out holds: no range. */
    return !(k->min == 0.0 && k->max == 0.0);
}

bool cs_cfg_in_range(const cs_key *k, double x)
{
    return !cs_cfg_has_range(k) || (x >= k->min && x <= k->max);
}

void cs_cfg_range_text(const cs_key *k, char *buf, size_t size)
{
    bool lo = cs_cfg_has_range(k) && isfinite(k->min), hi = cs_cfg_has_range(k) && isfinite(k->max);
    if (lo && hi)
        snprintf(buf, size, " in [%g, %g]", k->min, k->max);
    else if (lo)
        snprintf(buf, size, " >= %g", k->min);
    else if (hi)
        snprintf(buf, size, " <= %g", k->max);
    else
        buf[0] = '\0';
}

/* How a node reads in "got ..." (scalars quoted and shortened). */
const char *cs_cfg_got(const node *v, char *buf, size_t size)
{
    switch (v->kind) {
    case N_MAP:
        return "a mapping";
    case N_SEQ:
        return "a sequence";
    case N_NULL:
        return "nothing";
    default:
        if (strlen(v->s) > 60)
            snprintf(buf, size, "\"%.57s...\"", v->s);
        else
            snprintf(buf, size, "\"%s\"", v->s);
        return buf;
    }
}

int cs_cfg_verr(cs_error *err, const node *v, const char *key, const char *fmt, ...)
{
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cs_error_set(err, CS_EINVAL, v->file, v->line, v->col, key, "%s", msg);
}

int cs_cfg_unknown_key(const cs_config *c, const node *k, const char *path, cs_error *err)
{
    /* Candidates are every key and every group above it ("inspectorate"), so a misspelt
     * group is matched too; "reasonably close" is a quarter of the typed length, >= 2. */
    size_t typed = strlen(path), best = SIZE_MAX;
    char cand[CFG_PATH_MAX], best_s[CFG_PATH_MAX] = "";
    for (size_t i = 0; i < c->n_keys; i++) {
        const char *p = c->table[i].path;
        for (size_t j = 0;; j++) {
            if (p[j] != '.' && p[j] != '\0') continue;
            if (j >= sizeof cand) break;
            memcpy(cand, p, j);
            cand[j] = '\0';
            size_t d = cs_config_edit_distance(path, cand);
            if (d < best) {
                best = d;
                snprintf(best_s, sizeof best_s, "%s", cand);
            }
            if (p[j] == '\0') break;
        }
    }
    size_t limit = typed / 4 > 2 ? typed / 4 : 2;
    if (best <= limit && best > 0)
        return cs_cfg_verr(err, k, path, "unknown key (did you mean %s?)", best_s);
    return cs_cfg_verr(err, k, path, "unknown key");
}

bool cs_cfg_parse_number(const node *v, double *x)
{
    if (v->kind != N_SCALAR) return false;
    const char *s = v->s;
    const char *t = (*s == '+' || *s == '-') ? s + 1 : s;
    if (!strcmp(t, ".inf") || !strcmp(t, ".Inf") || !strcmp(t, ".INF")) {
        *x = *s == '-' ? -INFINITY : INFINITY;
        return true;
    }
    if (!*s || strspn(s, "0123456789+-.eE") != strlen(s)) return false;
    errno = 0;
    char *end;
    *x = strtod(s, &end);
    if (end == s || *end) return false;
    if (errno == ERANGE && fabs(*x) > 1.0) return false;
    return true;
}

static int want_number(const cs_key *k, const node *v, double *x, cs_error *err)
{
    char r[96], g[80];
    cs_cfg_range_text(k, r, sizeof r);
    if (!cs_cfg_parse_number(v, x))
        return cs_cfg_verr(err, v, k->path, "expected a number%s, got %s", r,
                           cs_cfg_got(v, g, sizeof g));
    if (!cs_cfg_in_range(k, *x))
        return cs_cfg_verr(err, v, k->path, "expected a number%s, got %s", r, v->s);
    return CS_OK;
}

static bool db_push(dbuf *b, double x)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 8;
        double *p = realloc(b->v, cap * sizeof *p);
        if (!p) return false;
        b->v = p;
        b->cap = cap;
    }
    b->v[b->n++] = x;
    return true;
}

/* Numbers of a (nested) sequence, row by row; k == NULL: no range check. */
int cs_cfg_collect_numbers(const cs_key *k, const char *key, const node *v, dbuf *out,
                           cs_error *err)
{
    char g[80];
    if (v->kind != N_SEQ)
        return cs_cfg_verr(err, v, key, "expected a sequence of numbers, got %s",
                           cs_cfg_got(v, g, sizeof g));
    for (size_t i = 0; i < v->n; i++) {
        const node *e = v->kids[i];
        double x;
        int rc;
        if (e->kind == N_SEQ) {
            rc = cs_cfg_collect_numbers(k, key, e, out, err);
        } else if (k) {
            rc = want_number(k, e, &x, err);
        } else {
            rc = cs_cfg_parse_number(e, &x) ? CS_OK
                                            : cs_cfg_verr(err, e, key, "expected a number, got %s",
                                                          cs_cfg_got(e, g, sizeof g));
        }
        if (rc) return rc;
        if (e->kind != N_SEQ && !db_push(out, x)) return oom(err);
    }
    return CS_OK;
}

static int check_length(const cs_key *k, const node *v, size_t n, const char *what, cs_error *err)
{
    size_t lo = k->len_min, hi = k->len_max;
    if (lo == 0 && hi == 0) return CS_OK;
    if (hi == 0 && n >= lo) return CS_OK;
    if (n >= lo && n <= hi) return CS_OK;
    if (lo == hi) return cs_cfg_verr(err, v, k->path, "expected %zu %s, got %zu", lo, what, n);
    if (hi == 0)
        return cs_cfg_verr(err, v, k->path, "expected at least %zu %s, got %zu", lo, what, n);
    if (lo == 0)
        return cs_cfg_verr(err, v, k->path, "expected at most %zu %s, got %zu", hi, what, n);
    return cs_cfg_verr(err, v, k->path, "expected between %zu and %zu %s, got %zu", lo, hi, what,
                       n);
}

const node *cs_cfg_map_get(const node *m, const char *name)
{
    if (m->kind != N_MAP) return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (m->kids[2 * i]->kind == N_SCALAR && !strcmp(m->kids[2 * i]->s, name))
            return m->kids[2 * i + 1];
    return NULL;
}

static int parse_bool(const node *v, bool *b)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    if (v->kind != N_SCALAR) return -1;
    for (int i = 0; i < 3; i++) {
        char lower[8];
        size_t n = strlen(v->s);
        if (n >= sizeof lower) return -1;
        for (size_t j = 0; j <= n; j++)
            lower[j] = (char)(v->s[j] >= 'A' && v->s[j] <= 'Z' ? v->s[j] - 'A' + 'a' : v->s[j]);
        if (!strcmp(lower, yes[i])) return *b = true, 0;
        if (!strcmp(lower, no[i])) return *b = false, 0;
    }
    return -1;
}

static int convert_steps(const cs_key *k, const node *v, cs_steps *st, cs_error *err)
{
    char g[80];
    if (v->kind != N_SEQ)
        return cs_cfg_verr(err, v, k->path,
                           "expected a sequence of {from: DATE, value: NUMBER}, got %s",
                           cs_cfg_got(v, g, sizeof g));
    int rc = check_length(k, v, v->n, "steps", err);
    if (rc) return rc;
    if (v->n) {
        st->from = malloc(v->n * sizeof *st->from);
        st->value = malloc(v->n * sizeof *st->value);
        if (!st->from || !st->value) return oom(err);
    }
    for (size_t i = 0; i < v->n; i++) {
        const node *s = v->kids[i], *from = NULL, *val = NULL;
        if (s->kind != N_MAP)
            return cs_cfg_verr(err, s, k->path,
                               "expected a step {from: DATE, value: NUMBER}, got %s",
                               cs_cfg_got(s, g, sizeof g));
        for (size_t j = 0; j < s->n; j++) {
            const node *f = s->kids[2 * j];
            const char *fname = f->kind == N_SCALAR ? f->s : "";
            if (!strcmp(fname, "from") && !from)
                from = s->kids[2 * j + 1];
            else if (!strcmp(fname, "value") && !val)
                val = s->kids[2 * j + 1];
            else
                return cs_cfg_verr(
                    err, f, k->path,
                    "unknown or repeated field \"%s\" in a step (expected from, value)", fname);
        }
        if (!from || !val) return cs_cfg_verr(err, s, k->path, "a step needs both from and value");
        if (from->kind != N_SCALAR || cs_date_parse(from->s, &st->from[i]))
            return cs_cfg_verr(err, from, k->path, "expected a date YYYY-MM-DD, got %s",
                               cs_cfg_got(from, g, sizeof g));
        if ((rc = want_number(k, val, &st->value[i], err))) return rc;
        if (i > 0 && st->from[i] <= st->from[i - 1]) {
            char a[11], b[11];
            cs_date_format(st->from[i], a);
            cs_date_format(st->from[i - 1], b);
            return cs_cfg_verr(err, from, k->path,
                               "step dates must increase strictly: %s is not after %s", a, b);
        }
        st->n = i + 1;
    }
    return CS_OK;
}

/* A number, or (unless the key forbids it) a distribution: an uncertain parameter whose
 * struct value is the mean. */
static int convert_double(const cs_key *k, const node *v, cs_val *val, cs_error *err)
{
    char r[96];
    cs_cfg_range_text(k, r, sizeof r);
    if (v->kind != N_MAP) return want_number(k, v, &val->u.d, err);
    if (!cs_cfg_map_get(v, "dist"))
        return cs_cfg_verr(err, v, k->path,
                           "expected a number%s or a distribution {dist: NAME, ...}, got a "
                           "mapping without dist",
                           r);
    if (k->flags & CS_KEY_NO_UNCERTAIN)
        return cs_cfg_verr(err, v, k->path,
                           "may not be given as a distribution: expected a number%s", r);
    cs_dist d;
    int rc = cs_cfg_parse_dist(k, v, &d, err);
    if (rc) return rc;
    if (d.kind == CS_DIST_FIXED) {
        /* {dist: fixed, value: x} is just x: nothing to draw. */
        val->u.d = cs_dist_mean(&d);
        cs_dist_fini(&d);
    } else {
        val->udist = d;
        val->uncertain = true;
        val->u.d = cs_dist_mean(&d);
    }
    return CS_OK;
}

static int convert_int(const cs_key *k, const node *v, cs_val *val, cs_error *err)
{
    char r[96], g[80];
    cs_cfg_range_text(k, r, sizeof r);
    double x;
    const char *digits = v->kind == N_SCALAR ? v->s + (v->s[0] == '-' || v->s[0] == '+') : "";
    if (*digits && strspn(digits, "0123456789") == strlen(digits)) {
        errno = 0;
        long long ll = strtoll(v->s, NULL, 10);
        if (errno == ERANGE)
            return cs_cfg_verr(err, v, k->path, "expected an integer%s, got %s", r, v->s);
        val->u.i = ll;
    } else if (cs_cfg_parse_number(v, &x) && x == floor(x) && fabs(x) < 9.2e18) {
        val->u.i = (int64_t)x;
    } else {
        /* A number that is not whole reads unquoted ("got 2.5"), anything else quoted. */
        return cs_cfg_verr(err, v, k->path, "expected an integer%s, got %s", r,
                           cs_cfg_parse_number(v, &x) ? v->s : cs_cfg_got(v, g, sizeof g));
    }
    if (!cs_cfg_in_range(k, (double)val->u.i))
        return cs_cfg_verr(err, v, k->path, "expected an integer%s, got %s", r, v->s);
    return CS_OK;
}

static int convert_enum(const cs_key *k, const node *v, cs_val *val, cs_error *err)
{
    char g[80];
    for (int i = 0; k->choices && k->choices[i]; i++)
        if (v->kind == N_SCALAR && !strcmp(v->s, k->choices[i])) {
            val->u.e = i;
            return CS_OK;
        }
    sbuf b = {0};
    for (int i = 0; k->choices && k->choices[i]; i++)
        cs_cfg_sb_printf(&b, "%s%s", i ? ", " : "", k->choices[i]);
    char *list = cs_cfg_sb_take(&b);
    int rc = list ? cs_cfg_verr(err, v, k->path, "expected one of %s, got %s", list,
                                cs_cfg_got(v, g, sizeof g))
                  : oom(err);
    free(list);
    return rc;
}

static int convert_into(const cs_key *k, const node *v, const char *dir, cs_val *val, cs_error *err)
{
    char g[80];
    switch (k->type) {
    case CS_KEY_DOUBLE:
        return convert_double(k, v, val, err);
    case CS_KEY_INT:
        return convert_int(k, v, val, err);
    case CS_KEY_BOOL:
        if (parse_bool(v, &val->u.b))
            return cs_cfg_verr(err, v, k->path, "expected true or false, got %s",
                               cs_cfg_got(v, g, sizeof g));
        return CS_OK;
    case CS_KEY_STRING:
    case CS_KEY_PATH:
        if (v->kind == N_NULL) return CS_OK;
        if (v->kind != N_SCALAR)
            return cs_cfg_verr(err, v, k->path, "expected a %s, got %s",
                               k->type == CS_KEY_PATH ? "file path" : "string",
                               cs_cfg_got(v, g, sizeof g));
        val->u.s = k->type == CS_KEY_PATH ? cs_cfg_path_join(dir, v->s) : strdup(v->s);
        return val->u.s ? CS_OK : oom(err);
    case CS_KEY_DATE:
        if (v->kind != N_SCALAR || cs_date_parse(v->s, &val->u.date))
            return cs_cfg_verr(err, v, k->path, "expected a date YYYY-MM-DD, got %s",
                               cs_cfg_got(v, g, sizeof g));
        return CS_OK;
    case CS_KEY_ENUM:
        return convert_enum(k, v, val, err);
    case CS_KEY_DIST: {
        int rc = cs_cfg_parse_dist(k, v, &val->u.dist, err);
        val->built = rc == CS_OK;
        return rc;
    }
    case CS_KEY_ARRAY: {
        dbuf b = {0};
        int rc = cs_cfg_collect_numbers(k, k->path, v, &b, err);
        if (!rc) rc = check_length(k, v, b.n, "numbers", err);
        val->u.arr.n = b.n;
        val->u.arr.v = b.v;
        return rc;
    }
    case CS_KEY_STEPS:
        return convert_steps(k, v, &val->u.steps, err);
    }
    return cs_cfg_verr(err, v, k->path, "key has an unknown type %d in the table", (int)k->type);
}

/* Converts and validates one value, owned by the pool from the start (so a failure frees
 * whatever was half-built). */
int cs_cfg_convert(cs_config *c, size_t ki, const node *v, const char *dir, const cs_val **out,
                   cs_error *err)
{
    cs_val *val = calloc(1, sizeof *val);
    if (!val) return oom(err);
    val->next = c->pool;
    c->pool = val;
    val->key = ki;
    val->file = v->file;
    val->line = v->line;
    val->col = v->col;
    *out = val;
    return convert_into(&c->table[ki], v, dir, val, err);
}

int cs_cfg_check_table(const cs_config *c, cs_error *err)
{
    for (size_t i = 0; i < c->n_keys; i++) {
        const cs_key *k = &c->table[i];
        if (!k->path || !*k->path || strlen(k->path) >= CFG_PATH_MAX)
            return cs_error_set(err, CS_EINVAL, "(table)", 0, 0, NULL, "key %zu has a bad path", i);
        size_t seg = strcspn(k->path, ".");
        if ((seg == 7 && !strncmp(k->path, "extends", 7)) ||
            (seg == 5 && !strncmp(k->path, "sweep", 5)))
            return cs_error_set(err, CS_EINVAL, "(table)", 0, 0, k->path, "reserved name");
        if (k->type == CS_KEY_ENUM && (!k->choices || !k->choices[0]))
            return cs_error_set(err, CS_EINVAL, "(table)", 0, 0, k->path, "enum without choices");
        if (cs_cfg_has_range(k) && !(k->min <= k->max))
            return cs_error_set(err, CS_EINVAL, "(table)", 0, 0, k->path, "min > max");
        size_t n = strlen(k->path);
        for (size_t j = 0; j < c->n_keys; j++) {
            if (j == i) continue;
            if (!strcmp(c->table[j].path, k->path))
                return cs_error_set(err, CS_EINVAL, "(table)", 0, 0, k->path, "key appears twice");
            if (!strncmp(c->table[j].path, k->path, n) && c->table[j].path[n] == '.')
                return cs_error_set(err, CS_EINVAL, "(table)", 0, 0, k->path,
                                    "key is also a group (%s)", c->table[j].path);
        }
    }
    return CS_OK;
}

static void fmt_double(sbuf *b, double x)
{
    if (isnan(x)) {
        cs_cfg_sb_puts(b, ".nan");
        return;
    }
    if (isinf(x)) {
        cs_cfg_sb_puts(b, x > 0 ? ".inf" : "-.inf");
        return;
    }
    /* The shortest text that reads back as the same double. */
    char buf[48];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    /* %g writes 100 as "1e+02": within plain magnitudes prefer the fixed form. */
    if (strchr(buf, 'e') && fabs(x) >= 1e-4 && fabs(x) < 1e15)
        for (int prec = 0; prec <= 20; prec++) {
            snprintf(buf, sizeof buf, "%.*f", prec, x);
            if (strtod(buf, NULL) == x) break;
        }
    cs_cfg_sb_puts(b, buf);
}

static void fmt_string(sbuf *b, const char *s)
{
    cs_cfg_sb_puts(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            cs_cfg_sb_printf(b, "\\%c", ch);
        else if (ch == '\n')
            cs_cfg_sb_puts(b, "\\n");
        else if (ch == '\t')
            cs_cfg_sb_puts(b, "\\t");
        else if (ch < 0x20 || ch == 0x7f)
            cs_cfg_sb_printf(b, "\\x%02x", ch);
        else
            cs_cfg_sb_add(b, (const char *)&ch, 1);
    }
    cs_cfg_sb_puts(b, "\"");
}

/* Formats one field (its storage, as in the params struct) as a YAML value. */
void cs_cfg_fmt_field(sbuf *b, const cs_key *k, const void *field, bool abs_paths)
{
    char date[11];
    switch (k->type) {
    case CS_KEY_DOUBLE:
        fmt_double(b, *(const double *)field);
        break;
    case CS_KEY_INT:
        cs_cfg_sb_printf(b, "%" PRId64, *(const int64_t *)field);
        break;
    case CS_KEY_BOOL:
        cs_cfg_sb_puts(b, *(const bool *)field ? "true" : "false");
        break;
    case CS_KEY_STRING:
    case CS_KEY_PATH: {
        const char *s = *(char *const *)field;
        if (!s) {
            cs_cfg_sb_puts(b, "~");
        } else if (k->type == CS_KEY_PATH && abs_paths && s[0] != '/') {
            /* A dump may be read from anywhere: make a relative path absolute. */
            char cwd[4096];
            sbuf full = {0};
            if (getcwd(cwd, sizeof cwd)) cs_cfg_sb_printf(&full, "%s/", cwd);
            cs_cfg_sb_puts(&full, s);
            fmt_string(b, full.oom ? s : full.s);
            free(full.s);
        } else {
            fmt_string(b, s);
        }
        break;
    }
    case CS_KEY_DATE:
        cs_date_format(*(const int32_t *)field, date);
        cs_cfg_sb_puts(b, date);
        break;
    case CS_KEY_ENUM: {
        int e = *(const int *)field, n = 0;
        while (k->choices && k->choices[n])
            n++;
        if (e >= 0 && e < n)
            cs_cfg_sb_puts(b, k->choices[e]);
        else
            cs_cfg_sb_printf(b, "%d", e);
        break;
    }
    case CS_KEY_DIST:
        cs_cfg_fmt_dist(b, (const cs_dist *)field);
        break;
    case CS_KEY_ARRAY: {
        const cs_array *a = field;
        cs_cfg_sb_puts(b, "[");
        for (size_t i = 0; i < a->n; i++) {
            if (i) cs_cfg_sb_puts(b, ", ");
            fmt_double(b, a->v[i]);
        }
        cs_cfg_sb_puts(b, "]");
        break;
    }
    case CS_KEY_STEPS: {
        const cs_steps *s = field;
        cs_cfg_sb_puts(b, "[");
        for (size_t i = 0; i < s->n; i++) {
            cs_date_format(s->from[i], date);
            cs_cfg_sb_printf(b, "%s{from: %s, value: ", i ? ", " : "", date);
            fmt_double(b, s->value[i]);
            cs_cfg_sb_puts(b, "}");
        }
        cs_cfg_sb_puts(b, "]");
        break;
    }
    }
}

void cs_cfg_fmt_val(sbuf *b, const cs_config *c, const cs_val *v)
{
    if (v->uncertain)
        cs_cfg_fmt_dist(b, &v->udist);
    else
        cs_cfg_fmt_field(b, &c->table[v->key], &v->u, false);
}

int cs_cfg_store(const cs_key *k, void *f, const cs_val *v)
{
    switch (k->type) {
    case CS_KEY_DOUBLE:
        *(double *)f = v->u.d;
        return CS_OK;
    case CS_KEY_INT:
        *(int64_t *)f = v->u.i;
        return CS_OK;
    case CS_KEY_BOOL:
        *(bool *)f = v->u.b;
        return CS_OK;
    case CS_KEY_STRING:
    case CS_KEY_PATH:
        if (!v->u.s) return CS_OK;
        *(char **)f = strdup(v->u.s);
        return *(char **)f ? CS_OK : CS_ENOMEM;
    case CS_KEY_DATE:
        *(int32_t *)f = v->u.date;
        return CS_OK;
    case CS_KEY_ENUM:
        *(int *)f = v->u.e;
        return CS_OK;
    case CS_KEY_DIST:
        return cs_dist_copy(f, &v->u.dist);
    case CS_KEY_ARRAY: {
        cs_array *a = f;
        if (!v->u.arr.n) return CS_OK;
        if (!(a->v = malloc(v->u.arr.n * sizeof *a->v))) return CS_ENOMEM;
        memcpy(a->v, v->u.arr.v, v->u.arr.n * sizeof *a->v);
        a->n = v->u.arr.n;
        return CS_OK;
    }
    case CS_KEY_STEPS: {
        cs_steps *s = f;
        size_t n = v->u.steps.n;
        if (!n) return CS_OK;
        s->from = malloc(n * sizeof *s->from);
        s->value = malloc(n * sizeof *s->value);
        if (!s->from || !s->value) return CS_ENOMEM; /* freeable: n stays 0, pointers kept */
        memcpy(s->from, v->u.steps.from, n * sizeof *s->from);
        memcpy(s->value, v->u.steps.value, n * sizeof *s->value);
        s->n = n;
        return CS_OK;
    }
    }
    return CS_EINVAL;
}

size_t cs_cfg_field_size(cs_key_type t)
{
    switch (t) {
    case CS_KEY_DOUBLE:
        return sizeof(double);
    case CS_KEY_INT:
        return sizeof(int64_t);
    case CS_KEY_BOOL:
        return sizeof(bool);
    case CS_KEY_STRING:
    case CS_KEY_PATH:
        return sizeof(char *);
    case CS_KEY_DATE:
        return sizeof(int32_t);
    case CS_KEY_ENUM:
        return sizeof(int);
    case CS_KEY_DIST:
        return sizeof(cs_dist);
    case CS_KEY_ARRAY:
        return sizeof(cs_array);
    case CS_KEY_STEPS:
        return sizeof(cs_steps);
    }
    return sizeof(double);
}

size_t cs_config_edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    size_t *row = malloc((nb + 1) * sizeof *row);
    if (!row) return SIZE_MAX;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[nb];
    free(row);
    return d;
}
