/* cssim calibrate: fits scenario parameters to targets from the real record by simulated
 * method of moments. Every candidate is run with the same seed (common random numbers), so
 * the objective is a smooth, deterministic function of the parameters, minimised by GSL's
 * Nelder-Mead (nmsimplex2) on logit-transformed bounds. Each evaluation is cached on disk:
 * an interrupted fit re-run with the same configuration replays the cache and continues.
 *
 * Objective: sum over targets of ((simulated mean - real) / simulated sd)^2, the real record
 * being one realisation of the system (docs/calibration.md). Uncertainty: the sandwich
 * (G'WG)^-1 (1 + 1/R) with G the Jacobian of the simulated means (central differences, same
 * seed); parameters whose standard error spans more than a quarter of their bounds, or lie in
 * a direction the targets do not constrain, are reported as not identified and get their
 * whole range as a uniform distribution in the fitted fragment. */
#include "cli.h"
#include "cssim/streams.h"

#include <getopt.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct cal_cfg {
    char *scenario, *targets, *parameters, *output, *report;
    cs_array lower, upper, start;
    int64_t replications, seed, max_evals, mcmc_steps;
    double horizon_years, tolerance, sd_floor;
} cal_cfg;

#define COFF(f) offsetof(cal_cfg, f)
/* clang-format off */
static const cs_key cal_keys[] = {
    {"calibrate.scenario", CS_KEY_PATH, COFF(scenario), 0, 0, NULL, NULL, 0, 0, CS_KEY_REQUIRED,
     "the scenario whose parameters are fitted"},
    {"calibrate.targets", CS_KEY_PATH, COFF(targets), 0, 0, NULL, NULL, 0, 0, CS_KEY_REQUIRED,
     "CSV of targets (series,date,value,source), e.g. data/calibration_targets.csv"},
    {"calibrate.parameters", CS_KEY_STRING, COFF(parameters), 0, 0, NULL, NULL, 0, 0,
     CS_KEY_REQUIRED, "comma-separated scenario keys (numbers) to fit"},
    {"calibrate.lower", CS_KEY_ARRAY, COFF(lower), -1e12, 1e12, NULL, NULL, 1, 32, CS_KEY_REQUIRED,
     "lower bound of each parameter"},
    {"calibrate.upper", CS_KEY_ARRAY, COFF(upper), -1e12, 1e12, NULL, NULL, 1, 32, CS_KEY_REQUIRED,
     "upper bound of each parameter"},
    {"calibrate.start", CS_KEY_ARRAY, COFF(start), -1e12, 1e12, "[]", NULL, 0, 32, 0,
     "starting values (default: the middle of the bounds)"},
    {"calibrate.replications", CS_KEY_INT, COFF(replications), 2, 1e6, "40", NULL, 0, 0, 0,
     "replications per evaluation"},
    {"calibrate.seed", CS_KEY_INT, COFF(seed), 0, 9e15, "1", NULL, 0, 0, 0,
     "seed shared by every evaluation (common random numbers)"},
    {"calibrate.max_evals", CS_KEY_INT, COFF(max_evals), 1, 1e6, "200", NULL, 0, 0, 0,
     "evaluations at most (Nelder-Mead)"},
    {"calibrate.tolerance", CS_KEY_DOUBLE, COFF(tolerance), 1e-9, 10, "0.01", NULL, 0, 0, 0,
     "stop when the simplex size (logit scale) falls below this"},
    {"calibrate.horizon_years", CS_KEY_DOUBLE, COFF(horizon_years), 0.1, 100, "2.01", NULL, 0, 0,
     0, "years simulated per replication (to the last target date)"},
    {"calibrate.sd_floor", CS_KEY_DOUBLE, COFF(sd_floor), 1e-9, 1e9, "0.5", NULL, 0, 0, 0,
     "floor on a target's simulated sd in the objective"},
    {"calibrate.mcmc_steps", CS_KEY_INT, COFF(mcmc_steps), 0, 1e6, "600", NULL, 0, 0, 0,
     "random-walk Metropolis steps from the fit on exp(-objective/2), for parameter uncertainty "
     "(0: local sandwich only)"},
    {"calibrate.output", CS_KEY_PATH, COFF(output), 0, 0, "calibrated.yaml", NULL, 0, 0, 0,
     "the fitted YAML fragment (baseline.yaml extends it)"},
    {"calibrate.report", CS_KEY_PATH, COFF(report), 0, 0, "calibration", NULL, 0, 0, 0,
     "folder for report.md, targets.csv, path.csv and the evaluation cache"},
};
/* clang-format on */
#define N_CAL_KEYS (sizeof cal_keys / sizeof cal_keys[0])

enum { MAXP = 32 };

typedef struct target {
    char series[96], date[11];
    double value;
    int s, col;  /* series index in the schema and column */
    size_t snap; /* snapshot index */
} target;

typedef struct cal {
    cal_cfg cfg;
    size_t np, nt;
    char *keys[MAXP];
    int param_key[MAXP];
    target *t;
    const char *const *extra_sets;
    size_t n_extra;
    int threads, quiet;
    size_t evals;
    double best;
    FILE *cache;
    /* cache in memory */
    size_t n_cached, cap_cached;
    double *cached; /* [n_cached][np + 1]: theta..., objective */
    int failed;
} cal;

static void help(FILE *f)
{
    fprintf(f,
            "usage: cssim calibrate CONFIG.yaml [-j THREADS] [--set KEY=VALUE]... [--quiet]\n"
            "       cssim calibrate CONFIG.yaml --write-targets FILE   (targets simulated at\n"
            "                                   calibrate.start: for parameter-recovery tests)\n\n"
            "Fits the parameters listed in CONFIG.yaml to the targets CSV by simulated method of\n"
            "moments (same seed for every candidate; GSL Nelder-Mead), then writes the fitted\n"
            "fragment (calibrate.output) and a report (calibrate.report/report.md). Progress goes\n"
            "to stderr; an interrupted fit continues from its cache when run again.\n\n"
            "  -j, --threads N        OpenMP threads (default: all cores)\n"
            "      --set KEY=VALUE    override a key of CONFIG.yaml (calibrate.*)\n"
            "      --write-targets F  write simulated targets at calibrate.start to F and exit\n"
            "  -q, --quiet            no progress\n"
            "  -h, --help             this help\n"
            "See docs/calibration.md.\n");
}

static int read_targets(cal *c, cs_error *err)
{
    FILE *f = fopen(c->cfg.targets, "r");
    if (!f) return cs_error_set(err, CS_EIO, c->cfg.targets, 0, 0, NULL, "cannot open");
    char line[1024];
    size_t cap = 0, ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (ln == 1) {
            if (strncmp(line, "series,date,value", 17)) {
                fclose(f);
                return cs_error_set(err, CS_EPARSE, c->cfg.targets, 1, 1, NULL,
                                    "expected the header series,date,value,source");
            }
            continue;
        }
        if (line[0] == '\n' || line[0] == '#') continue;
        if (c->nt == cap) {
            cap = cap ? 2 * cap : 32;
            target *nt = realloc(c->t, cap * sizeof *nt);
            if (!nt) {
                fclose(f);
                return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            }
            c->t = nt;
        }
        target *t = &c->t[c->nt];
        memset(t, 0, sizeof *t);
        char *s1 = strchr(line, ','), *s2 = s1 ? strchr(s1 + 1, ',') : NULL;
        char *end = NULL;
        if (s2) {
            t->value = strtod(s2 + 1, &end);
        }
        if (!s1 || !s2 || (size_t)(s1 - line) >= sizeof t->series || s2 - s1 - 1 != 10 ||
            end == s2 + 1) {
            fclose(f);
            return cs_error_set(err, CS_EPARSE, c->cfg.targets, (int)ln, 1, NULL,
                                "expected series,date(YYYY-MM-DD),value,source");
        }
        memcpy(t->series, line, (size_t)(s1 - line));
        memcpy(t->date, s1 + 1, 10);
        c->nt++;
    }
    fclose(f);
    if (!c->nt) return cs_error_set(err, CS_EPARSE, c->cfg.targets, 0, 0, NULL, "no targets");
    return CS_OK;
}

/* Resolves each target's series, column and snapshot against a world. */
static int resolve_targets(cal *c, const cs_world *w, cs_error *err)
{
    const cs_schema *sc = cs_model_schema();
    for (size_t k = 0; k < c->nt; k++) {
        target *t = &c->t[k];
        char name[96];
        snprintf(name, sizeof name, "%s", t->series);
        char *br = strchr(name, '['), *label = NULL;
        if (br) {
            *br = 0;
            label = br + 1;
            char *e = strchr(label, ']');
            if (e) *e = 0;
        }
        t->s = -1;
        for (size_t s = 0; s < sc->n_series; s++)
            if (!strcmp(sc->series[s].name, name)) t->s = (int)s;
        if (t->s < 0)
            return cs_error_set(err, CS_EINVAL, c->cfg.targets, (int)k + 2, 1, t->series,
                                "no such national series (docs/output.md)");
        const cs_series_def *d = &sc->series[t->s];
        t->col = 0;
        if (label) {
            t->col = -1;
            for (size_t j = 0; d->labels && j < d->labels->n; j++)
                if (!strcmp(d->labels->labels[j], label)) t->col = (int)j;
            if (t->col < 0)
                return cs_error_set(err, CS_EINVAL, c->cfg.targets, (int)k + 2, 1, t->series,
                                    "no such label");
        } else if (d->width != 1) {
            return cs_error_set(err, CS_EINVAL, c->cfg.targets, (int)k + 2, 1, t->series,
                                "this series has %u columns: name one as series[label]", d->width);
        }
        size_t i = 0;
        while (i < w->n_time && strcmp(w->time_iso[i], t->date))
            i++;
        if (i == w->n_time)
            return cs_error_set(err, CS_EINVAL, c->cfg.targets, (int)k + 2, 1, t->series,
                                "%s is not a snapshot date of the run (start %s, monthly)", t->date,
                                w->time_iso[0]);
        t->snap = i;
    }
    return CS_OK;
}

/* Runs R replications at theta; vals[r * nt + k] is target k in replication r. */
static int simulate(cal *c, const double *theta, double *vals, cs_error *err)
{
    size_t nsets = c->n_extra + c->np + 6;
    char **sets = calloc(nsets, sizeof *sets);
    if (!sets) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < c->n_extra; i++)
        sets[k++] = strdup(c->extra_sets[i]);
    char buf[256];
    for (size_t j = 0; j < c->np; j++) {
        snprintf(buf, sizeof buf, "%s=%.17g", c->keys[j], theta[j]);
        sets[k++] = strdup(buf);
    }
    snprintf(buf, sizeof buf, "time.horizon_years=%.17g", c->cfg.horizon_years);
    sets[k++] = strdup(buf);
    sets[k++] = strdup("output.panel=false");
    sets[k++] = strdup("output.events=false");
    sets[k++] = strdup("output.snapshot_months=1");
    snprintf(buf, sizeof buf, "run.seed=%lld", (long long)c->cfg.seed);
    sets[k++] = strdup(buf);
    cs_scenario sc;
    int status = cs_scenario_load(&sc, c->cfg.scenario, (const char *const *)sets, k, 1);
    for (size_t i = 0; i < k; i++)
        free(sets[i]);
    free(sets);
    if (status)
        return cs_error_set(err, CS_EINVAL, c->cfg.scenario, 0, 0, NULL,
                            "the scenario does not load with these parameters");
    int rc = CS_OK;
    if (sc.n != 1)
        rc = cs_error_set(err, CS_EINVAL, c->cfg.scenario, 0, 0, "sweep",
                          "calibrate needs a scenario without a sweep");
    if (!rc) rc = resolve_targets(c, sc.worlds[0], err);
    if (rc) {
        cs_scenario_free(&sc);
        return rc;
    }
    const cs_params *p = &sc.params[0];
    const cs_world *w = sc.worlds[0];
    const cs_uncertain *unc = NULL;
    size_t n_unc = cs_config_uncertain(sc.cfg, 0, &unc);
    uint64_t R = (uint64_t)c->cfg.replications;
    int failed = 0;
#pragma omp parallel num_threads(c->threads)
    {
        cs_model *m = cs_model_create(w, (size_t)p->max_pending);
        cs_repbuf *b = cs_repbuf_create(cs_model_schema(), w->n_time, w->n_la, n_unc, false);
        gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
        if (!m || !b || !r) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (uint64_t rep = 0; rep < R; rep++) {
            if (failed) continue;
            if (cs_run_rep(m, r, p, w, unc, n_unc, rep, b, NULL)) {
                failed = 1;
                continue;
            }
            for (size_t j = 0; j < c->nt; j++) {
                const target *t = &c->t[j];
                unsigned width = cs_model_schema()->series[t->s].width;
                vals[rep * c->nt + j] = b->series[t->s][t->snap * width + (size_t)t->col];
            }
        }
        gsl_rng_free(r);
        cs_repbuf_destroy(b, cs_model_schema());
        cs_model_destroy(m);
    }
    cs_scenario_free(&sc);
    if (failed)
        return cs_error_set(err, CS_EMODEL, c->cfg.scenario, 0, 0, NULL,
                            "a replication failed during calibration");
    return CS_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean, sd and 5%/95% quantiles of each target over replications. */
static void moments(const cal *c, const double *vals, double *mean, double *sd, double *q05,
                    double *q95)
{
    size_t R = (size_t)c->cfg.replications;
    double *col = malloc(R * sizeof *col);
    for (size_t k = 0; k < c->nt; k++) {
        double s = 0, s2 = 0;
        for (size_t r = 0; r < R; r++) {
            double v = vals[r * c->nt + k];
            s += v;
            col[r] = v;
        }
        mean[k] = s / (double)R;
        for (size_t r = 0; r < R; r++)
            s2 += (col[r] - mean[k]) * (col[r] - mean[k]);
        sd[k] = sqrt(s2 / (double)(R - 1));
        if (q05 && col) {
            qsort(col, R, sizeof *col, cmp_double);
            q05[k] = col[(size_t)floor(0.05 * (double)(R - 1))];
            q95[k] = col[(size_t)ceil(0.95 * (double)(R - 1))];
        }
    }
    free(col);
}

static double objective_of(const cal *c, const double *mean, const double *sd)
{
    double obj = 0;
    for (size_t k = 0; k < c->nt; k++) {
        double s = sd[k] > c->cfg.sd_floor ? sd[k] : c->cfg.sd_floor;
        double z = (mean[k] - c->t[k].value) / s;
        obj += z * z;
    }
    return obj;
}

static double logistic(double u)
{
    return 1.0 / (1.0 + exp(-u));
}

static void to_theta(const cal *c, const gsl_vector *u, double *theta)
{
    for (size_t j = 0; j < c->np; j++)
        theta[j] = c->cfg.lower.v[j] +
                   (c->cfg.upper.v[j] - c->cfg.lower.v[j]) * logistic(gsl_vector_get(u, j));
}

static double eval_theta(cal *c, const double *theta, cs_error *err)
{
    for (size_t i = 0; i < c->n_cached; i++) {
        const double *row = c->cached + i * (c->np + 1);
        if (!memcmp(row, theta, c->np * sizeof *theta)) {
            c->evals++;
            return row[c->np];
        }
    }
    size_t R = (size_t)c->cfg.replications;
    double *vals = calloc(R * c->nt, sizeof *vals), *mean = calloc(c->nt, sizeof *mean),
           *sd = calloc(c->nt, sizeof *sd);
    double obj = NAN;
    if (vals && mean && sd && simulate(c, theta, vals, err) == CS_OK) {
        moments(c, vals, mean, sd, NULL, NULL);
        obj = objective_of(c, mean, sd);
    } else {
        c->failed = 1;
    }
    free(vals), free(mean), free(sd);
    c->evals++;
    if (c->n_cached == c->cap_cached) {
        c->cap_cached = c->cap_cached ? 2 * c->cap_cached : 64;
        c->cached = realloc(c->cached, c->cap_cached * (c->np + 1) * sizeof *c->cached);
    }
    if (c->cached && !isnan(obj)) {
        double *row = c->cached + c->n_cached * (c->np + 1);
        memcpy(row, theta, c->np * sizeof *theta);
        row[c->np] = obj;
        c->n_cached++;
        if (c->cache) {
            for (size_t j = 0; j < c->np; j++)
                fprintf(c->cache, "%a,", theta[j]);
            fprintf(c->cache, "%a\n", obj);
            fflush(c->cache);
        }
    }
    return obj;
}

static cs_error *nm_err;

static double nm_f(const gsl_vector *u, void *params)
{
    cal *c = params;
    double theta[MAXP];
    to_theta(c, u, theta);
    if (c->failed) return GSL_POSINF;
    double obj = eval_theta(c, theta, nm_err);
    if (isnan(obj)) return GSL_POSINF;
    if (obj < c->best) c->best = obj;
    if (!c->quiet) {
        fprintf(stderr, "\reval %3zu  objective %10.4f  best %10.4f  ", c->evals, obj, c->best);
        for (size_t j = 0; j < c->np && j < 4; j++)
            fprintf(stderr, " %s=%.4g", c->keys[j], theta[j]);
        fprintf(stderr, "   ");
        fflush(stderr);
    }
    return obj;
}

static void load_cache(cal *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        double row[MAXP + 1];
        char *s = line, *end;
        size_t k = 0;
        for (; k < c->np + 1; k++) {
            row[k] = strtod(s, &end);
            if (end == s) break;
            s = end + (*end == ',');
        }
        if (k != c->np + 1) continue; /* a torn last line after a kill */
        if (c->n_cached == c->cap_cached) {
            c->cap_cached = c->cap_cached ? 2 * c->cap_cached : 64;
            c->cached = realloc(c->cached, c->cap_cached * (c->np + 1) * sizeof *c->cached);
            if (!c->cached) break;
        }
        memcpy(c->cached + c->n_cached * (c->np + 1), row, (c->np + 1) * sizeof *row);
        c->n_cached++;
    }
    fclose(f);
}

/* Writes the fitted fragment as nested YAML (keys sorted so shared prefixes nest). */
static int write_fragment(const cal *c, const double *theta, const double *se, const int *ident,
                          const double *post, size_t npost)
{
    FILE *f = fopen(c->cfg.output, "w");
    if (!f) return -1;
    fprintf(
        f,
        "# Fitted by `cssim calibrate` (cssim %s, commit %s) to %s.\n"
        "# Each parameter is its posterior sample (random-walk Metropolis on the simulated-\n"
        "# moments objective, uniform prior on the bounds): `joint: 1` makes every replication\n"
        "# draw one whole posterior sample, keeping the parameters' correlations. Without\n"
        "# MCMC: normal(estimate, local standard error). docs/calibration.md. Regenerate,\n"
        "# do not edit.\n",
        CSSIM_VERSION, CSSIM_GIT_COMMIT, c->cfg.targets);
    size_t order[MAXP];
    for (size_t j = 0; j < c->np; j++)
        order[j] = j;
    for (size_t a = 0; a < c->np; a++)
        for (size_t b = a + 1; b < c->np; b++)
            if (strcmp(c->keys[order[b]], c->keys[order[a]]) < 0) {
                size_t t = order[a];
                order[a] = order[b];
                order[b] = t;
            }
    const char *prev = "";
    for (size_t a = 0; a < c->np; a++) {
        size_t j = order[a];
        const char *key = c->keys[j];
        /* common prefix (whole components) with the previous key */
        size_t common = 0, depth = 0;
        for (size_t i = 0; key[i] && prev[i] == key[i]; i++)
            if (key[i] == '.') common = i + 1, depth++;
        const char *rest = key + common;
        for (;;) {
            const char *dot = strchr(rest, '.');
            for (size_t d = 0; d < depth; d++)
                fputs("  ", f);
            if (!dot) {
                fprintf(f, "%s: ", rest);
                break;
            }
            fprintf(f, "%.*s:\n", (int)(dot - rest), rest);
            rest = dot + 1;
            depth++;
        }
        if (post) {
            fprintf(f, "{dist: empirical, values: [");
            for (size_t i = 0; i < npost; i++)
                fprintf(f, "%s%.5g", i ? ", " : "", post[i * c->np + j]);
            fprintf(f, "], joint: 1}   # posterior; best fit %.5g%s\n", theta[j],
                    ident[j] ? "" : "; weakly identified");
        } else if (ident[j]) {
            fprintf(f, "{dist: normal, mean: %.6g, sd: %.3g}   # fitted\n", theta[j], se[j]);
        } else {
            fprintf(f, "{dist: uniform, lo: %.6g, hi: %.6g}   # not identified (fit %.4g)\n",
                    c->cfg.lower.v[j], c->cfg.upper.v[j], theta[j]);
        }
        prev = key;
    }
    return fclose(f);
}

static int write_report(const cal *c, const double *theta, const double *se, const int *ident,
                        const double *mean, const double *q05, const double *q95, double obj,
                        const double *sv, size_t nsv, const double *post, size_t npost,
                        double accept)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/report.md", c->cfg.report);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f,
            "# Calibration report\n\nScenario `%s`, targets `%s`, %lld replications per "
            "evaluation, seed %lld, %zu evaluations; objective %.4f over %zu targets.\n\n",
            c->cfg.scenario, c->cfg.targets, (long long)c->cfg.replications, (long long)c->cfg.seed,
            c->evals, obj, c->nt);
    fprintf(f,
            "## Parameters\n\nBest fit (Nelder-Mead), local sandwich standard error, and the "
            "posterior of %zu thinned Metropolis samples (acceptance %.2f): median and 90%% "
            "interval.\n\n| parameter | best fit | local se | posterior median | posterior 90%% "
            "| bounds | identified |\n|---|---|---|---|---|---|---|\n",
            npost, accept);
    for (size_t j = 0; j < c->np; j++) {
        double med = NAN, lo = NAN, hi = NAN;
        if (post && npost) {
            double *col = malloc(npost * sizeof *col);
            for (size_t i = 0; col && i < npost; i++)
                col[i] = post[i * c->np + j];
            if (col) {
                qsort(col, npost, sizeof *col, cmp_double);
                med = col[npost / 2];
                lo = col[(size_t)floor(0.05 * (double)(npost - 1))];
                hi = col[(size_t)ceil(0.95 * (double)(npost - 1))];
                free(col);
            }
        }
        fprintf(f, "| %s | %.4g | %.3g | %.4g | [%.4g, %.4g] | [%g, %g] | %s |\n", c->keys[j],
                theta[j], se[j], med, lo, hi, c->cfg.lower.v[j], c->cfg.upper.v[j],
                ident[j] ? "yes" : "**weakly**");
    }
    fprintf(f, "\nSingular values of W^1/2 G (parameters scaled to their bounds):");
    for (size_t i = 0; i < nsv; i++)
        fprintf(f, " %.3g", sv[i]);
    fprintf(f, "\n\n## Targets\n\n| series | date | real | simulated mean | 90%% interval | "
               "inside |\n|---|---|---|---|---|---|\n");
    for (size_t k = 0; k < c->nt; k++) {
        int in = c->t[k].value >= q05[k] && c->t[k].value <= q95[k];
        fprintf(f, "| %s | %s | %g | %.2f | [%g, %g] | %s |\n", c->t[k].series, c->t[k].date,
                c->t[k].value, mean[k], q05[k], q95[k], in ? "yes" : "**no**");
    }
    fprintf(f, "\nThe objective's path is in path.csv (plot: path.png, targets.png, made by "
               "analysis/calibration_plot.py).\n");
    fclose(f);
    snprintf(path, sizeof path, "%s/targets.csv", c->cfg.report);
    f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "series,date,real,mean,q05,q95\n");
    for (size_t k = 0; k < c->nt; k++)
        fprintf(f, "%s,%s,%.10g,%.10g,%.10g,%.10g\n", c->t[k].series, c->t[k].date, c->t[k].value,
                mean[k], q05[k], q95[k]);
    fclose(f);
    snprintf(path, sizeof path, "%s/path.csv", c->cfg.report);
    f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "eval,objective");
    for (size_t j = 0; j < c->np; j++)
        fprintf(f, ",%s", c->keys[j]);
    fprintf(f, "\n");
    for (size_t i = 0; i < c->n_cached; i++) {
        const double *row = c->cached + i * (c->np + 1);
        fprintf(f, "%zu,%.10g", i + 1, row[c->np]);
        for (size_t j = 0; j < c->np; j++)
            fprintf(f, ",%.10g", row[j]);
        fprintf(f, "\n");
    }
    fclose(f);
    return 0;
}

/* Standard errors by the sandwich with a central-difference Jacobian (same seed). */
static int uncertainty(cal *c, const double *theta, const double *sd, double *se, int *ident,
                       double *sv, cs_error *err)
{
    size_t np = c->np, nt = c->nt, R = (size_t)c->cfg.replications;
    gsl_matrix *A = gsl_matrix_alloc(nt, np); /* W^1/2 G, columns scaled by the bound width */
    double *vals = calloc(R * nt, sizeof *vals), *mp = calloc(nt, sizeof *mp),
           *mm = calloc(nt, sizeof *mm), *tmp = calloc(nt, sizeof *tmp);
    int rc = (!A || !vals || !mp || !mm || !tmp) ? CS_ENOMEM : CS_OK;
    for (size_t j = 0; rc == CS_OK && j < np; j++) {
        double w = c->cfg.upper.v[j] - c->cfg.lower.v[j], h = 0.02 * w;
        double th[MAXP];
        memcpy(th, theta, np * sizeof *th);
        th[j] = fmin(theta[j] + h, c->cfg.upper.v[j]);
        double hp = th[j] - theta[j];
        rc = simulate(c, th, vals, err);
        if (rc) break;
        moments(c, vals, mp, tmp, NULL, NULL);
        th[j] = fmax(theta[j] - h, c->cfg.lower.v[j]);
        double hm = theta[j] - th[j];
        rc = simulate(c, th, vals, err);
        if (rc) break;
        moments(c, vals, mm, tmp, NULL, NULL);
        for (size_t k = 0; k < nt; k++) {
            double s = sd[k] > c->cfg.sd_floor ? sd[k] : c->cfg.sd_floor;
            gsl_matrix_set(A, k, j, (mp[k] - mm[k]) / (hp + hm) * w / s);
        }
    }
    if (rc == CS_OK) {
        /* Cov(theta/w) = (A'A)^-1 (1 + 1/R), through the SVD A = U S V' */
        gsl_matrix *V = gsl_matrix_alloc(np, np);
        gsl_vector *S = gsl_vector_alloc(np), *work = gsl_vector_alloc(np);
        gsl_matrix *U = gsl_matrix_alloc(nt, np);
        gsl_matrix_memcpy(U, A);
        if (nt >= np && !gsl_linalg_SV_decomp(U, V, S, work)) {
            double smax = gsl_vector_get(S, 0);
            for (size_t i = 0; i < np; i++)
                sv[i] = gsl_vector_get(S, i);
            for (size_t j = 0; j < np; j++) {
                double var = 0;
                int weak = 0;
                for (size_t i = 0; i < np; i++) {
                    double s = gsl_vector_get(S, i), v = gsl_matrix_get(V, j, i);
                    if (s < 1e-6 * smax || s == 0) {
                        if (fabs(v) > 0.1) weak = 1;
                        continue;
                    }
                    var += v * v / (s * s);
                }
                double w = c->cfg.upper.v[j] - c->cfg.lower.v[j];
                se[j] = sqrt(var * (1.0 + 1.0 / (double)R)) * w;
                ident[j] = !weak && se[j] <= 0.25 * w;
            }
        } else {
            for (size_t j = 0; j < np; j++)
                se[j] = NAN, ident[j] = 0;
        }
        gsl_matrix_free(V), gsl_matrix_free(U), gsl_vector_free(S), gsl_vector_free(work);
    }
    gsl_matrix_free(A);
    free(vals), free(mp), free(mm), free(tmp);
    return rc;
}

/* Random-walk Metropolis on the pseudo-likelihood exp(-J/2) (uniform prior on the bounds),
 * started at the fit; proposals N(0, (0.025 * width)^2) per parameter, reflected into the bounds.
 * Keeps every evaluation in the cache, so a re-run replays it. Returns thinned samples. */
static int mcmc(cal *c, const double *theta0, double j0, double *samples, size_t *n_samples,
                double *accept, cs_error *err)
{
    size_t steps = (size_t)c->cfg.mcmc_steps, burn = steps / 3, keep = 0, acc = 0;
    size_t thin = (steps - burn) / 100 ? (steps - burn) / 100 : 1;
    double cur[MAXP], prop[MAXP], jc = j0;
    memcpy(cur, theta0, c->np * sizeof *cur);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    if (!r) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    /* its own stream: unit and process numbers no simulation stream uses (unit 0, process 1
     * would be authority 0's quality stream of replication 0) */
    cs_rng_key(r, (uint64_t)c->cfg.seed, 0, UINT32_MAX - 1, CS_NPROCS);
    for (size_t it = 0; it < steps && !c->failed; it++) {
        for (size_t j = 0; j < c->np; j++) {
            double lo = c->cfg.lower.v[j], hi = c->cfg.upper.v[j], w = hi - lo;
            double x = cur[j] + gsl_ran_gaussian(r, 0.025 * w);
            while (x < lo || x > hi)
                x = x < lo ? 2 * lo - x : 2 * hi - x;
            prop[j] = x;
        }
        double jp = eval_theta(c, prop, err);
        if (!isnan(jp) && log(gsl_rng_uniform_pos(r)) < -(jp - jc) / 2) {
            memcpy(cur, prop, c->np * sizeof *cur);
            jc = jp;
            acc++;
        }
        if (!c->quiet)
            fprintf(stderr, "\rmcmc %zu/%zu  acceptance %.2f  objective %.3f   ", it + 1, steps,
                    (double)acc / (double)(it + 1), jc);
        if (it >= burn && (it - burn) % thin == 0 && keep < 100) {
            memcpy(samples + keep * c->np, cur, c->np * sizeof *cur);
            keep++;
        }
    }
    if (!c->quiet) fputc('\n', stderr);
    gsl_rng_free(r);
    *n_samples = keep;
    *accept = steps ? (double)acc / (double)steps : 0;
    return c->failed ? CS_EMODEL : CS_OK;
}

int cs_cmd_calibrate(int argc, char **argv)
{
    static const struct option opts[] = {{"threads", required_argument, NULL, 'j'},
                                         {"set", required_argument, NULL, 'S'},
                                         {"write-targets", required_argument, NULL, 'W'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    cal c;
    memset(&c, 0, sizeof c);
    c.best = INFINITY;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    size_t n_sets = 0;
    const char *write_targets = NULL;
    int ch, status = 2;
    if (!sets) return 1;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "j:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'j':
            c.threads = atoi(optarg);
            break;
        case 'S':
            sets[n_sets++] = optarg;
            break;
        case 'W':
            write_targets = optarg;
            break;
        case 'q':
            c.quiet = 1;
            break;
        case 'h':
            help(stdout);
            free(sets);
            return 0;
        default:
            help(stderr);
            free(sets);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "cssim: error: calibrate needs exactly one CONFIG.yaml\n\n");
        help(stderr);
        free(sets);
        return 2;
    }
    if (c.threads < 1) c.threads = omp_get_max_threads();
    int show_summary = !c.quiet;
    if (!isatty(2)) c.quiet = 1; /* progress only on a terminal */
    cs_error err;
    cs_error_clear(&err);
    cs_config *cfgfile = NULL;
    int rc = cs_config_load(&cfgfile, cal_keys, N_CAL_KEYS, argv[optind], sets, n_sets, &err);
    if (!rc) rc = cs_config_apply(cfgfile, 0, &c.cfg, &err);
    /* split and check the parameter list */
    char *plist = rc ? NULL : strdup(c.cfg.parameters);
    for (char *tok = plist ? strtok(plist, ", ") : NULL; !rc && tok; tok = strtok(NULL, ", ")) {
        if (c.np == MAXP) {
            rc = cs_error_set(&err, CS_EINVAL, argv[optind], 0, 0, "calibrate.parameters",
                              "at most %d parameters", MAXP);
            break;
        }
        int found = -1;
        for (size_t i = 0; i < cs_params_nkeys; i++)
            if (!strcmp(cs_params_keys[i].path, tok)) found = (int)i;
        if (found < 0 || cs_params_keys[found].type != CS_KEY_DOUBLE)
            rc = cs_error_set(&err, CS_EINVAL, argv[optind], 0, 0, "calibrate.parameters",
                              "'%s' is not a numeric scenario key (see cssim check --keys)", tok);
        c.param_key[c.np] = found;
        c.keys[c.np++] = strdup(tok);
    }
    if (!rc && (c.cfg.lower.n != c.np || c.cfg.upper.n != c.np ||
                (c.cfg.start.n && c.cfg.start.n != c.np)))
        rc = cs_error_set(&err, CS_EINVAL, argv[optind], 0, 0, "calibrate.lower",
                          "lower, upper (and start) need one value per parameter (%zu)", c.np);
    for (size_t j = 0; !rc && j < c.np; j++)
        if (!(c.cfg.lower.v[j] < c.cfg.upper.v[j]))
            rc = cs_error_set(&err, CS_EINVAL, argv[optind], 0, 0, "calibrate.lower",
                              "lower must be below upper for %s", c.keys[j]);
    if (!rc) rc = read_targets(&c, &err);
    if (rc) {
        cs_error_print(stderr, &err);
        status = cs_exit_status(rc);
        goto done;
    }
    double theta[MAXP];
    for (size_t j = 0; j < c.np; j++) {
        theta[j] = c.cfg.start.n ? c.cfg.start.v[j] : 0.5 * (c.cfg.lower.v[j] + c.cfg.upper.v[j]);
        double lo = c.cfg.lower.v[j], hi = c.cfg.upper.v[j], eps = 1e-6 * (hi - lo);
        if (theta[j] <= lo) theta[j] = lo + eps;
        if (theta[j] >= hi) theta[j] = hi - eps;
    }
    size_t R = (size_t)c.cfg.replications;
    double *vals = calloc(R * c.nt, sizeof *vals), *mean = calloc(c.nt, sizeof *mean),
           *sd = calloc(c.nt, sizeof *sd), *q05 = calloc(c.nt, sizeof *q05),
           *q95 = calloc(c.nt, sizeof *q95);
    if (write_targets) {
        rc = simulate(&c, theta, vals, &err);
        FILE *f = rc ? NULL : fopen(write_targets, "w");
        if (!rc && !f) rc = cs_error_set(&err, CS_EIO, write_targets, 0, 0, NULL, "cannot write");
        if (!rc) {
            moments(&c, vals, mean, sd, NULL, NULL);
            fprintf(f, "series,date,value,source\n");
            for (size_t k = 0; k < c.nt; k++)
                fprintf(f, "%s,%s,%.10g,\"simulated mean at calibrate.start\"\n", c.t[k].series,
                        c.t[k].date, mean[k]);
            fclose(f);
        }
        status = rc ? cs_exit_status(rc) : 0;
        if (rc) cs_error_print(stderr, &err);
        free(vals), free(mean), free(sd), free(q05), free(q95);
        goto done;
    }
    mkdir(c.cfg.report, 0777);
    char cpath[4096];
    snprintf(cpath, sizeof cpath, "%s/cache.csv", c.cfg.report);
    load_cache(&c, cpath);
    c.cache = fopen(cpath, "a");
    if (!c.cache) {
        cs_error_set(&err, CS_EIO, cpath, 0, 0, "calibrate.report", "cannot write the cache");
        cs_error_print(stderr, &err);
        status = 1;
        free(vals), free(mean), free(sd), free(q05), free(q95);
        goto done;
    }
    if (!c.quiet && c.n_cached)
        fprintf(stderr, "resuming: %zu cached evaluations in %s\n", c.n_cached, cpath);
    nm_err = &err;
    gsl_multimin_function fn = {nm_f, c.np, &c};
    gsl_vector *u = gsl_vector_alloc(c.np), *step = gsl_vector_alloc(c.np);
    for (size_t j = 0; j < c.np; j++) {
        double x = (theta[j] - c.cfg.lower.v[j]) / (c.cfg.upper.v[j] - c.cfg.lower.v[j]);
        gsl_vector_set(u, j, log(x / (1 - x)));
        gsl_vector_set(step, j, 1.0);
    }
    gsl_multimin_fminimizer *nm =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, c.np);
    gsl_multimin_fminimizer_set(nm, &fn, u, step);
    int iter_status = GSL_CONTINUE;
    while (iter_status == GSL_CONTINUE && c.evals < (size_t)c.cfg.max_evals && !c.failed) {
        if (gsl_multimin_fminimizer_iterate(nm)) break;
        iter_status = gsl_multimin_test_size(gsl_multimin_fminimizer_size(nm), c.cfg.tolerance);
    }
    if (!c.quiet) fputc('\n', stderr);
    to_theta(&c, gsl_multimin_fminimizer_x(nm), theta);
    double obj = gsl_multimin_fminimizer_minimum(nm);
    size_t nm_evals = c.evals;
    gsl_multimin_fminimizer_free(nm);
    gsl_vector_free(u);
    gsl_vector_free(step);
    fclose(c.cache);
    c.cache = NULL;
    if (c.failed) {
        cs_error_print(stderr, &err);
        status = 1;
        free(vals), free(mean), free(sd), free(q05), free(q95);
        goto done;
    }
    double se[MAXP], sv[MAXP];
    int ident[MAXP];
    rc = simulate(&c, theta, vals, &err);
    if (!rc) {
        moments(&c, vals, mean, sd, q05, q95);
        rc = uncertainty(&c, theta, sd, se, ident, sv, &err);
    }
    double *post = calloc(100 * (c.np ? c.np : 1), sizeof *post), accept = 0;
    double pmean[MAXP], psd[MAXP];
    size_t npost = 0;
    if (!rc && c.cfg.mcmc_steps > 0 && post) {
        rc = mcmc(&c, theta, obj, post, &npost, &accept, &err);
        for (size_t j = 0; !rc && j < c.np; j++) {
            double sm = 0, s2 = 0;
            for (size_t i = 0; i < npost; i++)
                sm += post[i * c.np + j];
            pmean[j] = sm / (double)npost;
            for (size_t i = 0; i < npost; i++)
                s2 += (post[i * c.np + j] - pmean[j]) * (post[i * c.np + j] - pmean[j]);
            psd[j] = npost > 1 ? sqrt(s2 / (double)(npost - 1)) : NAN;
            /* identified: the posterior is much narrower than the bounds */
            ident[j] = psd[j] <= 0.25 * (c.cfg.upper.v[j] - c.cfg.lower.v[j]) / sqrt(12.0) * 2;
        }
    }
    if (!rc && write_fragment(&c, theta, se, ident, npost ? post : NULL, npost))
        rc = cs_error_set(&err, CS_EIO, c.cfg.output, 0, 0, "calibrate.output", "cannot write");
    if (!rc && write_report(&c, theta, se, ident, mean, q05, q95, obj, sv, c.np,
                            npost ? post : NULL, npost, accept))
        rc = cs_error_set(&err, CS_EIO, c.cfg.report, 0, 0, "calibrate.report", "cannot write");
    if (rc) {
        cs_error_print(stderr, &err);
        status = cs_exit_status(rc);
    } else {
        status = 0;
        if (show_summary) {
            printf("%s after %zu evaluations (then %zu for the posterior): objective %.4f (%s)\n",
                   iter_status == GSL_SUCCESS ? "converged" : "stopped", nm_evals,
                   c.evals - nm_evals, obj,
                   iter_status == GSL_SUCCESS ? "simplex below tolerance" : "evaluation limit");
            for (size_t j = 0; j < c.np; j++)
                printf("  %-36s %10.4g  local se %8.3g  posterior %8.4g +- %-8.3g %s\n", c.keys[j],
                       theta[j], se[j], npost ? pmean[j] : NAN, npost ? psd[j] : NAN,
                       ident[j] ? "" : "(weakly identified)");
            printf("fragment: %s\nreport:   %s/report.md\n", c.cfg.output, c.cfg.report);
        }
    }
    free(post);
    free(vals), free(mean), free(sd), free(q05), free(q95);
done:
    for (size_t j = 0; j < c.np; j++)
        free(c.keys[j]);
    free(plist);
    free(c.t);
    free(c.cached);
    if (cfgfile) {
        cs_config_params_free(cal_keys, N_CAL_KEYS, &c.cfg);
        cs_config_destroy(cfgfile);
    }
    free(sets);
    return status;
}
