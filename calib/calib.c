/* The calibration object: its configuration table, the targets, the evaluation cache and the
 * driver cs_calib_run (fit, covariance, chains, outputs). docs/calibration.md. */
#include "calib_impl.h"
#include "params.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define COFF(f) offsetof(cs_calib_cfg, f)
/* clang-format off */
static const cs_key cal_keys[] = {
    {"calibrate.scenario", CS_KEY_PATH, COFF(scenario), 0, 0, NULL, NULL, 0, 0, CS_KEY_REQUIRED,
     "the scenario whose parameters are fitted"},
    {"calibrate.targets", CS_KEY_PATH, COFF(targets), 0, 0, NULL, NULL, 0, 0, CS_KEY_REQUIRED,
     "CSV of targets (series,date,value,source), e.g. data/calibration_targets.csv"},
    {"calibrate.parameters", CS_KEY_STRING, COFF(parameters), 0, 0, NULL, NULL, 0, 0,
     CS_KEY_REQUIRED, "comma-separated scenario keys (numbers) to fit"},
    {"calibrate.lower", CS_KEY_ARRAY, COFF(lower), -1e12, 1e12, NULL, NULL, 1, 32, CS_KEY_REQUIRED,
     "lower bound of each parameter (the prior is uniform on the bounds)"},
    {"calibrate.upper", CS_KEY_ARRAY, COFF(upper), -1e12, 1e12, NULL, NULL, 1, 32, CS_KEY_REQUIRED,
     "upper bound of each parameter"},
    {"calibrate.start", CS_KEY_ARRAY, COFF(start), -1e12, 1e12, "[]", NULL, 0, 32, 0,
     "starting values of the fit (default: the middle of the bounds)"},
    {"calibrate.replications", CS_KEY_INT, COFF(replications), 2, 1e6, "40", NULL, 0, 0, 0,
     "replications per evaluation"},
    {"calibrate.seed", CS_KEY_INT, COFF(seed), 0, 9e15, "1", NULL, 0, 0, 0,
     "seed shared by every evaluation (common random numbers); chains are keyed from it"},
    {"calibrate.max_evals", CS_KEY_INT, COFF(max_evals), 1, 1e6, "200", NULL, 0, 0, 0,
     "evaluations at most in each of the two Nelder-Mead fits"},
    {"calibrate.tolerance", CS_KEY_DOUBLE, COFF(tolerance), 1e-9, 10, "0.01", NULL, 0, 0, 0,
     "stop a fit when the simplex size (logit scale) falls below this"},
    {"calibrate.horizon_years", CS_KEY_DOUBLE, COFF(horizon_years), 0.1, 100, "2.01", NULL, 0, 0,
     0, "years simulated per replication (to the last target date)"},
    {"calibrate.sd_floor", CS_KEY_DOUBLE, COFF(sd_floor), 1e-9, 1e9, "0.5", NULL, 0, 0, 0,
     "floor on a target's simulated sd (objective and covariance)"},
    {"calibrate.cov_replications", CS_KEY_INT, COFF(cov_replications), 10, 1e6, "200", NULL, 0,
     0, 0, "replications at the fit that estimate the covariance of the targets"},
    {"calibrate.chains", CS_KEY_INT, COFF(chains), 0, 64, "4", NULL, 0, 0, 0,
     "Metropolis chains from dispersed starts (0: fit only, no posterior)"},
    {"calibrate.mcmc_steps", CS_KEY_INT, COFF(mcmc_steps), 8, 1e6, "1000", NULL, 0, 0, 0,
     "Metropolis steps per chain, burn-in included"},
    {"calibrate.burn_in", CS_KEY_DOUBLE, COFF(burn_in), 0.1, 0.9, "0.5", NULL, 0, 0, 0,
     "share of each chain's steps spent adapting the proposal, then discarded"},
    {"calibrate.start_spread", CS_KEY_DOUBLE, COFF(start_spread), 0, 10, "1", NULL, 0, 0, 0,
     "sd of the chains' starts around the fit, on the logit scale of the bounds"},
    {"calibrate.posterior_samples", CS_KEY_INT, COFF(posterior_samples), 10, 100000, "200", NULL,
     0, 0, 0, "posterior draws written to the fragment (evenly thinned from all chains)"},
    {"calibrate.rhat_max", CS_KEY_DOUBLE, COFF(rhat_max), 1, 10, "1.05", NULL, 0, 0, 0,
     "convergence: split R-hat at most this for every parameter"},
    {"calibrate.ess_min", CS_KEY_DOUBLE, COFF(ess_min), 0, 1e9, "200", NULL, 0, 0, 0,
     "convergence: bulk effective sample size at least this for every parameter"},
    {"calibrate.targets_until", CS_KEY_STRING, COFF(targets_until), 0, 0, "", NULL, 0, 0, 0,
     "YYYY-MM-DD: only targets dated on or before this day are fitted (a time-split fit)"},
    {"calibrate.fragment_extends", CS_KEY_STRING, COFF(fragment_extends), 0, 0, "", NULL, 0, 0,
     0, "the fragment written begins `extends: this` (a scenario it completes)"},
};
/* clang-format on */
#define N_CAL_KEYS (sizeof cal_keys / sizeof cal_keys[0])

static int read_targets(cs_calib *c, cs_error *err)
{
    int32_t until;
    if (c->cfg.targets_until && *c->cfg.targets_until &&
        (strlen(c->cfg.targets_until) != 10 || cs_date_parse(c->cfg.targets_until, &until)))
        return cs_error_set(err, CS_EPARSE, c->config_path, 0, 0, "calibrate.targets_until",
                            "'%s' is not a date YYYY-MM-DD", c->cfg.targets_until);
    FILE *f = fopen(c->cfg.targets, "r");
    if (!f) return cs_error_set(err, CS_EIO, c->cfg.targets, 0, 0, NULL, "cannot open");
    char line[1024];
    size_t cap = 0, ln = 0;
    int rc = CS_OK;
    while (!rc && fgets(line, sizeof line, f)) {
        ln++;
        if (ln == 1) {
            if (strncmp(line, "series,date,value", 17))
                rc = cs_error_set(err, CS_EPARSE, c->cfg.targets, 1, 1, NULL,
                                  "expected the header series,date,value,source");
            continue;
        }
        if (line[0] == '\n' || line[0] == '#') continue;
        if (c->nt == cap) {
            cap = cap ? 2 * cap : 32;
            cal_target *nt = realloc(c->t, cap * sizeof *nt);
            if (!nt) {
                rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
                break;
            }
            c->t = nt;
        }
        cal_target *t = &c->t[c->nt];
        memset(t, 0, sizeof *t);
        char *s1 = strchr(line, ','), *s2 = s1 ? strchr(s1 + 1, ',') : NULL, *end = NULL;
        if (s2) t->value = strtod(s2 + 1, &end);
        int32_t day;
        if (!s1 || !s2 || (size_t)(s1 - line) >= sizeof t->series || s2 - s1 - 1 != 10 ||
            end == s2 + 1 || !isfinite(t->value)) {
            rc = cs_error_set(err, CS_EPARSE, c->cfg.targets, (int)ln, 1, NULL,
                              "expected series,date(YYYY-MM-DD),value,source");
            break;
        }
        memcpy(t->series, line, (size_t)(s1 - line));
        memcpy(t->date, s1 + 1, 10);
        if (cs_date_parse(t->date, &day)) {
            rc = cs_error_set(err, CS_EPARSE, c->cfg.targets, (int)ln, (int)(s1 - line) + 2, NULL,
                              "'%s' is not a date YYYY-MM-DD", t->date);
            break;
        }
        if (c->cfg.targets_until && *c->cfg.targets_until &&
            strcmp(t->date, c->cfg.targets_until) > 0)
            continue;
        c->nt++;
    }
    fclose(f);
    if (!rc && !c->nt) rc = cs_error_set(err, CS_EPARSE, c->cfg.targets, 0, 0, NULL, "no targets");
    return rc;
}

/* Splits calibrate.parameters and checks each against the model's key table and bounds. */
static int read_parameters(cs_calib *c, cs_error *err)
{
    const char *cfg = c->config_path;
    char *plist = strdup(c->cfg.parameters);
    if (!plist) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    int rc = CS_OK;
    char *save = NULL;
    for (char *tok = strtok_r(plist, ", \n", &save); !rc && tok;
         tok = strtok_r(NULL, ", \n", &save)) {
        if (c->np == CS_CALIB_MAXP) {
            rc = cs_error_set(err, CS_EINVAL, cfg, 0, 0, "calibrate.parameters",
                              "at most %d parameters", CS_CALIB_MAXP);
            break;
        }
        int found = -1;
        for (size_t i = 0; i < cs_params_nkeys; i++)
            if (!strcmp(cs_params_keys[i].path, tok)) found = (int)i;
        if (found < 0 || cs_params_keys[found].type != CS_KEY_DOUBLE)
            rc = cs_error_set(err, CS_EINVAL, cfg, 0, 0, "calibrate.parameters",
                              "'%s' is not a numeric scenario key (see cssim check --keys)", tok);
        c->keys[c->np++] = strdup(tok);
    }
    free(plist);
    const cs_calib_cfg *g = &c->cfg;
    if (!rc && (g->lower.n != c->np || g->upper.n != c->np || (g->start.n && g->start.n != c->np)))
        rc = cs_error_set(err, CS_EINVAL, cfg, 0, 0, "calibrate.lower",
                          "lower, upper (and start) need one value per parameter (%zu)", c->np);
    for (size_t j = 0; !rc && j < c->np; j++)
        if (!(g->lower.v[j] < g->upper.v[j]))
            rc = cs_error_set(err, CS_EINVAL, cfg, 0, 0, "calibrate.lower",
                              "lower must be below upper for %s", c->keys[j]);
    return rc;
}

int cs_calib_create(cs_calib **out, const char *config, const char *const *sets, size_t n_sets,
                    cs_error *err)
{
    *out = NULL;
    cs_calib *c = calloc(1, sizeof *c);
    if (!c) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    c->sim = cs_calib_sim_model;
    c->quiet = 1;
    c->config_path = strdup(config);
    c->sets = calloc(n_sets + 1, sizeof *c->sets);
    int rc = c->config_path && c->sets ? CS_OK : CS_ENOMEM;
    for (size_t i = 0; !rc && i < n_sets; i++)
        if (!(c->sets[c->n_sets++] = strdup(sets[i]))) rc = CS_ENOMEM;
    if (rc) {
        cs_calib_destroy(c);
        return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    rc = cs_config_load(&c->file, cal_keys, N_CAL_KEYS, config, sets, n_sets, err);
    if (!rc) rc = cs_config_apply(c->file, 0, &c->cfg, err);
    if (!rc) rc = read_parameters(c, err);
    if (!rc) rc = read_targets(c, err);
    if (rc) {
        cs_calib_destroy(c);
        return rc;
    }
    *out = c;
    return CS_OK;
}

void cs_calib_destroy(cs_calib *c)
{
    if (!c) return;
    for (size_t j = 0; j < c->np; j++)
        free(c->keys[j]);
    for (size_t i = 0; i < c->n_sets; i++)
        free(c->sets[i]);
    free(c->sets);
    free(c->config_path);
    free(c->t);
    free(c->cached);
    free(c->prec);
    if (c->cache) fclose(c->cache);
    if (c->file) {
        cs_config_params_free(cal_keys, N_CAL_KEYS, &c->cfg);
        cs_config_destroy(c->file);
    }
    free(c);
}

void cs_calib_set_simulator(cs_calib *c, cs_calib_sim_fn fn, void *ctx)
{
    c->sim = fn ? fn : cs_calib_sim_model;
    c->sim_ctx = fn ? ctx : NULL;
}

void cs_calib_set_threads(cs_calib *c, int threads)
{
    c->threads = threads;
}

size_t cs_calib_nparams(const cs_calib *c)
{
    return c->np;
}
size_t cs_calib_ntargets(const cs_calib *c)
{
    return c->nt;
}
const char *cs_calib_param(const cs_calib *c, size_t j)
{
    return j < c->np ? c->keys[j] : NULL;
}
const char *cs_calib_target(const cs_calib *c, size_t k)
{
    return k < c->nt ? c->t[k].series : NULL;
}
const char *cs_calib_target_date(const cs_calib *c, size_t k)
{
    return k < c->nt ? c->t[k].date : NULL;
}
double cs_calib_target_value(const cs_calib *c, size_t k)
{
    return k < c->nt ? c->t[k].value : NAN;
}
uint64_t cs_calib_seed(const cs_calib *c)
{
    return (uint64_t)c->cfg.seed;
}
double cs_calib_horizon(const cs_calib *c)
{
    return c->cfg.horizon_years;
}
const char *cs_calib_scenario(const cs_calib *c)
{
    return c->cfg.scenario;
}

void cs_calib_clamp_start(const cs_calib *c, double *theta)
{
    for (size_t j = 0; j < c->np; j++) {
        double lo = c->cfg.lower.v[j], hi = c->cfg.upper.v[j], eps = 1e-6 * (hi - lo);
        theta[j] = c->cfg.start.n ? c->cfg.start.v[j] : 0.5 * (lo + hi);
        if (theta[j] <= lo) theta[j] = lo + eps;
        if (theta[j] >= hi) theta[j] = hi - eps;
    }
}

/* ---- the evaluation cache: one row per evaluation, "%a" so a replay is exact ---- */

static size_t row_len(const cs_calib *c)
{
    return c->np + 2 * c->nt;
}

static double *cache_push(cs_calib *c, const double *row)
{
    if (c->n_cached == c->cap_cached) {
        size_t cap = c->cap_cached ? 2 * c->cap_cached : 256;
        double *n = realloc(c->cached, cap * row_len(c) * sizeof *n);
        if (!n) return NULL;
        c->cached = n, c->cap_cached = cap;
    }
    double *dst = c->cached + c->n_cached++ * row_len(c);
    memcpy(dst, row, row_len(c) * sizeof *dst);
    return dst;
}

/* Replays a cache whose first line names this fingerprint; a cache of other inputs is
 * replaced (it is a cache, not an output). Returns the cache opened for appending. */
static FILE *cache_open(cs_calib *c, const char *path, const char *fp)
{
    char head[128];
    snprintf(head, sizeof head, "# cssim calibrate cache %s np=%zu nt=%zu\n", fp, c->np, c->nt);
    FILE *f = fopen(path, "r");
    char line[1 << 14];
    if (f && fgets(line, sizeof line, f) && !strcmp(line, head)) {
        double row[CS_CALIB_MAXP + 2048];
        while (row_len(c) <= sizeof row / sizeof row[0] && fgets(line, sizeof line, f)) {
            char *s = line, *end;
            size_t k = 0;
            for (; k < row_len(c); k++) {
                row[k] = strtod(s, &end);
                if (end == s) break;
                s = end + (*end == ',');
            }
            if (k == row_len(c) && *s == '\n') cache_push(c, row); /* a torn last line: skip */
        }
        fclose(f);
        return fopen(path, "a");
    }
    if (f) fclose(f);
    f = fopen(path, "w");
    if (f) fputs(head, f), fflush(f);
    return f;
}

const double *cs_calib_eval(cs_calib *c, const double *theta)
{
    size_t L = row_len(c);
    for (size_t i = 0; i < c->n_cached; i++) {
        const double *row = c->cached + i * L;
        if (!memcmp(row, theta, c->np * sizeof *theta)) {
            c->evals++;
            return row + c->np;
        }
    }
    size_t R = (size_t)c->cfg.replications;
    double *vals = calloc(R * c->nt, sizeof *vals), *row = calloc(L, sizeof *row);
    const double *res = NULL;
    int rc = vals && row ? c->sim(c->sim_ctx, c, theta, R, vals, c->err) : CS_ENOMEM;
    if (rc >= 0) {
        memcpy(row, theta, c->np * sizeof *row);
        if (rc == CS_OK)
            cs_calib_moments(vals, R, c->nt, row + c->np, row + c->np + c->nt, NULL, NULL);
        for (size_t k = c->np; rc > 0 && k < L; k++)
            row[k] = NAN; /* outside the support */
        double *dst = cache_push(c, row);
        if (dst) res = dst + c->np;
        for (size_t k = 0; dst && c->cache && k < L; k++)
            fprintf(c->cache, "%a%c", row[k], k + 1 < L ? ',' : '\n');
        if (c->cache) fflush(c->cache);
    }
    if (!res) {
        c->failed = 1;
        if (c->err && !c->err->status)
            cs_error_set(c->err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    free(vals), free(row);
    c->evals++;
    return res;
}

double cs_calib_objective(cs_calib *c, const double *theta)
{
    const double *m = cs_calib_eval(c, theta);
    if (!m) return NAN;
    if (isnan(m[0])) return INFINITY;
    const double *sd = m + c->nt;
    double obj = 0, *d = malloc(c->nt * sizeof *d);
    if (!d) return NAN;
    for (size_t k = 0; k < c->nt; k++)
        d[k] = c->t[k].value - m[k];
    if (!c->prec) {
        for (size_t k = 0; k < c->nt; k++) {
            double s = fmax(sd[k], c->cfg.sd_floor);
            obj += d[k] * d[k] / (s * s);
        }
    } else {
        for (size_t a = 0; a < c->nt; a++)
            for (size_t b = 0; b < c->nt; b++)
                obj += d[a] * c->prec[a * c->nt + b] * d[b];
    }
    free(d);
    return obj;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double cs_calib_quantile(double *x, size_t n, double q)
{
    if (!n) return NAN;
    qsort(x, n, sizeof *x, cmp_double);
    double h = q * (double)(n - 1);
    size_t i = (size_t)floor(h);
    return i + 1 < n ? x[i] + (h - (double)i) * (x[i + 1] - x[i]) : x[n - 1];
}

/* ---- the driver ---- */

static int is_dir(const char *path)
{
    struct stat st;
    return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static char *default_report(const char *output)
{
    size_t n = strlen(output);
    char *r = malloc(n + 16);
    if (!r) return NULL;
    memcpy(r, output, n + 1);
    if (n > 5 && !strcmp(r + n - 5, ".yaml")) r[n - 5] = 0;
    strcat(r, ".calibration");
    return r;
}

/* Summarises the pooled draws of every parameter: quantiles, moments and diagnostics. */
static void summarise(const cs_calib *c, const double *draws, cs_calib_summary *s)
{
    size_t M = s->n_chains, n = s->n_kept, N = M * n;
    double *x = malloc(N * sizeof *x);
    for (size_t j = 0; x && j < c->np; j++) {
        double sum = 0, s2 = 0, lag = 0;
        for (size_t i = 0; i < N; i++)
            x[i] = draws[i * c->np + j], sum += x[i];
        s->mean[j] = sum / (double)N;
        for (size_t i = 0; i < N; i++)
            s2 += (x[i] - s->mean[j]) * (x[i] - s->mean[j]);
        s->sd[j] = N > 1 ? sqrt(s2 / (double)(N - 1)) : NAN;
        for (size_t m = 0; m < M; m++)
            lag += cs_calib_lag1(x + m * n, n) / (double)M;
        s->lag1[j] = lag;
        s->rhat[j] = cs_calib_rhat(x, M, n);
        s->ess[j] = cs_calib_ess_bulk(x, M, n);
        s->median[j] = cs_calib_quantile(x, N, 0.5);
        s->q05[j] = cs_calib_quantile(x, N, 0.05);
        s->q95[j] = cs_calib_quantile(x, N, 0.95);
    }
    free(x);
    s->converged = M >= 2;
    for (size_t j = 0; j < c->np; j++)
        if (!(s->rhat[j] <= c->cfg.rhat_max && s->ess[j] >= c->cfg.ess_min)) s->converged = 0;
}

/* Step 1: fit with diagonal weights; step 2: covariance at that fit, refit on the synthetic
 * likelihood (two-step efficient simulated method of moments). */
static int fit_twice(cs_calib *c, double *theta, double *mean, double *q05, double *q95,
                     cs_calib_summary *s)
{
    double obj = cs_calib_objective(c, theta);
    int conv = 0, rc = CS_OK;
    if (isinf(obj))
        rc = cs_error_set(c->err, CS_EINVAL, c->config_path, 0, 0, "calibrate.start",
                          "the model rejects the starting values (cssim check the scenario "
                          "with them set)");
    else if (isnan(obj))
        rc = c->err && c->err->status ? c->err->status : CS_EMODEL;
    if (!rc) rc = cs_calib_fit(c, theta, 1.0, &obj, &conv);
    if (!rc) rc = cs_calib_covariance(c, theta, mean, q05, q95);
    if (!rc) rc = cs_calib_fit(c, theta, 0.25, &obj, &conv);
    /* the covariance the chains use is the one at the final fit */
    if (!rc) rc = cs_calib_covariance(c, theta, mean, q05, q95);
    if (!rc) obj = cs_calib_objective(c, theta);
    s->objective = obj;
    s->fit_converged = conv;
    s->shrinkage = c->shrinkage;
    s->nm_evals = c->evals;
    memcpy(s->best, theta, c->np * sizeof *theta);
    return rc;
}

int cs_calib_run(cs_calib *c, const cs_calib_opts *o, cs_calib_summary *s, cs_error *err)
{
    memset(s, 0, sizeof *s);
    s->np = c->np, s->nt = c->nt;
    c->err = err, c->quiet = o->quiet, c->threads = o->threads;
    char fp[CS_CALIB_FP_LEN], cpath[4096];
    char *report = o->report ? strdup(o->report) : default_report(o->output);
    if (!report) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    int rc = cs_calib_fingerprint(c, fp, err);
    if (!rc) rc = cs_calib_check_outputs(o, report, err);
    if (!rc && mkdir(report, 0777) && !is_dir(report))
        rc = cs_error_set(err, CS_EIO, report, 0, 0, NULL, "cannot create the report folder");
    snprintf(cpath, sizeof cpath, "%s/cache.csv", report);
    if (!rc && !(c->cache = cache_open(c, cpath, fp)))
        rc = cs_error_set(err, CS_EIO, cpath, 0, 0, NULL, "cannot write the cache");
    if (!rc && !c->quiet && c->n_cached)
        fprintf(stderr, "resuming: %zu cached evaluations in %s\n", c->n_cached, cpath);
    double theta[CS_CALIB_MAXP], *mean = calloc(c->nt, sizeof *mean),
                                 *q05 = calloc(c->nt, sizeof *q05),
                                 *q95 = calloc(c->nt, sizeof *q95);
    size_t M = (size_t)c->cfg.chains, steps = (size_t)c->cfg.mcmc_steps;
    size_t n_kept = steps - (size_t)floor(c->cfg.burn_in * (double)steps);
    double *draws = calloc(M * n_kept * c->np + 1, sizeof *draws), accept[64] = {0};
    if (!rc && (!mean || !q05 || !q95 || !draws))
        rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    cs_calib_clamp_start(c, theta);
    if (!rc) rc = fit_twice(c, theta, mean, q05, q95, s);
    if (!rc && M) rc = cs_calib_chains(c, theta, draws, n_kept, accept);
    s->n_chains = M, s->n_kept = M ? n_kept : 0, s->evals = c->evals;
    if (!rc && M) summarise(c, draws, s);
    if (!rc) rc = cs_calib_write_fragment(c, o->output, s, draws, fp, err);
    if (!rc) rc = cs_calib_write_report(c, report, s, draws, accept, mean, q05, q95, fp, err);
    if (c->cache) fclose(c->cache);
    c->cache = NULL;
    free(mean), free(q05), free(q95), free(draws), free(report);
    return rc;
}
