/* What a calibration leaves behind: the fitted fragment (with the fingerprint of its inputs),
 * the report and its tables, and simulated targets for recovery tests. Outputs are written
 * to NAME.part and renamed, and never replace an existing file unless forced. */
#include "calib_impl.h"
#include "cssim/streams.h"
#include "params.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Bump when the method changes what a given input produces. */
#define CS_CALIB_METHOD "calibrate-v2: two-step SMM, shrunk synthetic likelihood, adaptive chains"

/* ---- fingerprint: FNV-1a 64 over length-prefixed parts ---- */

static void fnv(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ b[i]) * 1099511628211ULL;
}

static void fnv_part(uint64_t *h, const char *s)
{
    uint64_t n = s ? strlen(s) : UINT64_MAX;
    fnv(h, &n, sizeof n);
    if (s) fnv(h, s, strlen(s));
}

static int fnv_file(uint64_t *h, const char *path, cs_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return cs_error_set(err, CS_EIO, path, 0, 0, NULL, "cannot read (fingerprint)");
    char buf[1 << 14];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fnv(h, buf, n), total += n;
    fclose(f);
    fnv(h, &total, sizeof total);
    return CS_OK;
}

int cs_calib_fingerprint(const cs_calib *c, char out[CS_CALIB_FP_LEN], cs_error *err)
{
    uint64_t h = 14695981039346656037ULL;
    fnv_part(&h, CS_CALIB_METHOD);
    int rc = fnv_file(&h, c->config_path, err);
    for (size_t i = 0; i < c->n_sets; i++)
        fnv_part(&h, c->sets[i]);
    if (!rc) rc = fnv_file(&h, c->cfg.targets, err);
    if (!rc) rc = fnv_file(&h, c->cfg.scenario, err);
    fnv_part(&h, CS_STREAMS_SCHEME);
    fnv_part(&h, CSSIM_VERSION);
    for (size_t i = 0; i < cs_params_nkeys; i++) {
        const cs_key *k = &cs_params_keys[i];
        if (k->flags & CS_KEY_RECORD_ONLY) continue; /* changes no simulated value */
        char num[96];
        snprintf(num, sizeof num, "%d %.17g %.17g %zu %zu %u", (int)k->type, k->min, k->max,
                 k->len_min, k->len_max, k->flags);
        fnv_part(&h, k->path);
        fnv_part(&h, num);
        fnv_part(&h, k->def);
        for (size_t j = 0; k->choices && k->choices[j]; j++)
            fnv_part(&h, k->choices[j]);
    }
    snprintf(out, CS_CALIB_FP_LEN, "fnv1a64:%016llx", (unsigned long long)h);
    return rc;
}

int cs_calib_read_fingerprint(const char *fragment, char out[CS_CALIB_FP_LEN], cs_error *err)
{
    FILE *f = fopen(fragment, "r");
    if (!f) return cs_error_set(err, CS_EIO, fragment, 0, 0, NULL, "cannot open");
    char line[4096];
    int rc = cs_error_set(err, CS_ENOTFOUND, fragment, 0, 0, NULL, "no '# fingerprint:' line");
    for (int ln = 1; fgets(line, sizeof line, f) && line[0] == '#'; ln++) {
        char fp[CS_CALIB_FP_LEN];
        if (sscanf(line, "# fingerprint: %39s", fp) == 1) {
            snprintf(out, CS_CALIB_FP_LEN, "%s", fp);
            cs_error_clear(err);
            rc = CS_OK;
            break;
        }
    }
    fclose(f);
    return rc;
}

/* ---- safe outputs ---- */

static int exists(const char *path)
{
    struct stat st;
    return !stat(path, &st);
}

int cs_calib_check_outputs(const cs_calib_opts *o, const char *report, cs_error *err)
{
    if (!o->output || !*o->output)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "no output named (-o FILE)");
    char rep[4096], dir[4096];
    snprintf(rep, sizeof rep, "%s/report.md", report);
    const char *paths[] = {o->output, rep};
    for (size_t i = 0; i < 2 && !o->force; i++)
        if (exists(paths[i]))
            return cs_error_set(err, CS_EEXIST, paths[i], 0, 0, NULL,
                                "exists; not overwritten (use --force to replace it)");
    snprintf(dir, sizeof dir, "%s", o->output);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    struct stat st;
    if (slash && slash != dir && (stat(dir, &st) || !S_ISDIR(st.st_mode)))
        return cs_error_set(err, CS_EIO, o->output, 0, 0, NULL, "its folder does not exist");
    return CS_OK;
}

/* Opens PATH.part for writing; commit() closes and renames it over PATH. */
static FILE *open_part(const char *path, char *part, size_t n)
{
    snprintf(part, n, "%s.part", path);
    return fopen(part, "w");
}

static int commit(FILE *f, const char *part, const char *path, cs_error *err)
{
    int bad = ferror(f);
    if (fclose(f) || bad || rename(part, path)) {
        remove(part);
        return cs_error_set(err, CS_EIO, path, 0, 0, NULL, "cannot write: %s", strerror(errno));
    }
    return CS_OK;
}

/* Prints key as nested YAML below the previous key (keys sorted so shared prefixes nest). */
static void yaml_key(FILE *f, const char *key, const char *prev)
{
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
            return;
        }
        fprintf(f, "%.*s:\n", (int)(dot - rest), rest);
        rest = dot + 1;
        depth++;
    }
}

static int weakly(const cs_calib *c, const cs_calib_summary *s, size_t j)
{
    return s->q95[j] - s->q05[j] > 0.5 * (c->cfg.upper.v[j] - c->cfg.lower.v[j]);
}

int cs_calib_write_fragment(const cs_calib *c, const char *path, const cs_calib_summary *s,
                            const double *draws, const char *fingerprint, cs_error *err)
{
    char part[4096];
    FILE *f = open_part(path, part, sizeof part);
    if (!f) return cs_error_set(err, CS_EIO, part, 0, 0, NULL, "cannot write");
    size_t N = s->n_chains * s->n_kept, K = (size_t)c->cfg.posterior_samples;
    if (K > N) K = N;
    fprintf(f,
            "# Fitted by `cssim calibrate` (cssim %s) from %s; targets %s.\n"
            "# fingerprint: %s\n"
            "# Each parameter is its posterior sample (%zu draws thinned evenly from %zu chains x "
            "%zu;\n# synthetic likelihood, uniform prior on the bounds): `joint: 1` makes every "
            "replication\n# draw one whole posterior sample, keeping the parameters' "
            "correlations. Convergence:\n# %s (report next to this file). docs/calibration.md. "
            "Regenerate, do not edit.\n",
            CSSIM_VERSION, c->config_path, c->cfg.targets, fingerprint, K, s->n_chains, s->n_kept,
            s->converged ? "met" : "NOT MET");
    if (c->cfg.fragment_extends && *c->cfg.fragment_extends)
        fprintf(f, "extends: %s\n", c->cfg.fragment_extends);
    size_t order[CS_CALIB_MAXP];
    for (size_t j = 0; j < c->np; j++)
        order[j] = j;
    for (size_t a = 0; a < c->np; a++)
        for (size_t b = a + 1; b < c->np; b++)
            if (strcmp(c->keys[order[b]], c->keys[order[a]]) < 0) {
                size_t t = order[a];
                order[a] = order[b], order[b] = t;
            }
    const char *prev = "";
    for (size_t a = 0; a < c->np; a++) {
        size_t j = order[a];
        yaml_key(f, c->keys[j], prev);
        prev = c->keys[j];
        if (!K) {
            fprintf(f, "%.6g   # fit (no chains)\n", s->best[j]);
            continue;
        }
        fprintf(f, "{dist: empirical, values: [");
        for (size_t i = 0; i < K; i++) {
            size_t at = (size_t)((double)i * (double)N / (double)K);
            fprintf(f, "%s%.5g", i ? ", " : "", draws[at * c->np + j]);
        }
        fprintf(f, "], joint: 1}   # posterior; fit %.5g%s\n", s->best[j],
                weakly(c, s, j) ? "; weakly identified" : "");
    }
    return commit(f, part, path, err);
}

static void report_params(FILE *f, const cs_calib *c, const cs_calib_summary *s,
                          const double *accept)
{
    fprintf(f,
            "## Parameters\n\nFit (Nelder-Mead on the synthetic likelihood) and the posterior "
            "of %zu chains x %zu draws after burn-in: median, 90%% interval, rank-normalised "
            "split R-hat (target <= %.3g), bulk effective sample size (target >= %.0f) and "
            "the lag-1 autocorrelation within chains.\n\n| parameter | fit | posterior median "
            "| posterior 90%% | R-hat | ESS | lag-1 | bounds | identified |\n"
            "|---|---|---|---|---|---|---|---|---|\n",
            s->n_chains, s->n_kept, c->cfg.rhat_max, c->cfg.ess_min);
    for (size_t j = 0; j < c->np; j++) {
        int bad = !(s->rhat[j] <= c->cfg.rhat_max && s->ess[j] >= c->cfg.ess_min);
        fprintf(f,
                "| %s | %.4g | %.4g | [%.4g, %.4g] | %s%.3f%s | %s%.0f%s | %.2f | [%g, %g] | %s "
                "|\n",
                c->keys[j], s->best[j], s->median[j], s->q05[j], s->q95[j], bad ? "**" : "",
                s->rhat[j], bad ? "**" : "", bad ? "**" : "", s->ess[j], bad ? "**" : "",
                s->lag1[j], c->cfg.lower.v[j], c->cfg.upper.v[j],
                weakly(c, s, j) ? "**weakly**" : "yes");
    }
    fprintf(f, "\nAcceptance by chain:");
    for (size_t m = 0; m < s->n_chains; m++)
        fprintf(f, " %.2f", accept[m]);
    fprintf(f, ".\n\n");
}

static int write_tables(const cs_calib *c, const char *dir, const cs_calib_summary *s,
                        const double *draws, const double *mean, const double *q05,
                        const double *q95, cs_error *err)
{
    char path[4096], part[4200];
    snprintf(path, sizeof path, "%s/targets.csv", dir);
    FILE *f = open_part(path, part, sizeof part);
    if (!f) return cs_error_set(err, CS_EIO, part, 0, 0, NULL, "cannot write");
    fprintf(f, "series,date,real,mean,q05,q95\n");
    for (size_t k = 0; k < c->nt; k++)
        fprintf(f, "%s,%s,%.10g,%.10g,%.10g,%.10g\n", c->t[k].series, c->t[k].date, c->t[k].value,
                mean[k], q05[k], q95[k]);
    int rc = commit(f, part, path, err);
    snprintf(path, sizeof path, "%s/chains.csv", dir);
    if (rc || !(f = open_part(path, part, sizeof part)))
        return rc ? rc : cs_error_set(err, CS_EIO, part, 0, 0, NULL, "cannot write");
    fprintf(f, "chain,draw");
    for (size_t j = 0; j < c->np; j++)
        fprintf(f, ",%s", c->keys[j]);
    fputc('\n', f);
    for (size_t m = 0; m < s->n_chains; m++)
        for (size_t i = 0; i < s->n_kept; i++) {
            fprintf(f, "%zu,%zu", m, i);
            for (size_t j = 0; j < c->np; j++)
                fprintf(f, ",%.6g", draws[(m * s->n_kept + i) * c->np + j]);
            fputc('\n', f);
        }
    return commit(f, part, path, err);
}

int cs_calib_write_report(const cs_calib *c, const char *dir, const cs_calib_summary *s,
                          const double *draws, const double *accept, const double *mean,
                          const double *q05, const double *q95, const char *fingerprint,
                          cs_error *err)
{
    char path[4096], part[4200];
    snprintf(path, sizeof path, "%s/report.md", dir);
    FILE *f = open_part(path, part, sizeof part);
    if (!f) return cs_error_set(err, CS_EIO, part, 0, 0, NULL, "cannot write");
    fprintf(f,
            "# Calibration report\n\nConfig `%s`, scenario `%s`, targets `%s`; %lld "
            "replications per evaluation, seed %lld, %zu evaluations (%zu in the fits); "
            "fingerprint `%s`.\n\n",
            c->config_path, c->cfg.scenario, c->cfg.targets, (long long)c->cfg.replications,
            (long long)c->cfg.seed, s->evals, s->nm_evals, fingerprint);
    if (s->n_chains && !s->converged)
        fprintf(f,
                "**WARNING: the chains have not converged** (some R-hat above %.3g or ESS "
                "below %.0f, in bold below): the posterior is not to be trusted; run longer "
                "chains (calibrate.mcmc_steps).\n\n",
                c->cfg.rhat_max, c->cfg.ess_min);
    else if (s->n_chains)
        fprintf(f, "Convergence met: every R-hat <= %.3g and every ESS >= %.0f.\n\n",
                c->cfg.rhat_max, c->cfg.ess_min);
    fprintf(f,
            "Synthetic likelihood: distance %.4f over %zu targets at the fit (the fit %s); "
            "target covariance from %lld replications at the fit, shrunk toward its diagonal "
            "with weight %.3f.\n\n",
            s->objective, c->nt, s->fit_converged ? "converged" : "stopped at max_evals",
            (long long)c->cfg.cov_replications, s->shrinkage);
    if (s->n_chains) report_params(f, c, s, accept);
    fprintf(f,
            "## Targets\n\nAt the fit, over %lld replications (no parameter uncertainty).\n\n"
            "| series | date | real | simulated mean | 90%% interval | inside |\n"
            "|---|---|---|---|---|---|\n",
            (long long)c->cfg.cov_replications);
    size_t outside = 0;
    for (size_t k = 0; k < c->nt; k++) {
        int in = c->t[k].value >= q05[k] && c->t[k].value <= q95[k];
        outside += !in;
        fprintf(f, "| %s | %s | %g | %.2f | [%g, %g] | %s |\n", c->t[k].series, c->t[k].date,
                c->t[k].value, mean[k], q05[k], q95[k], in ? "yes" : "**no**");
    }
    fprintf(f,
            "\n%zu of %zu targets lie outside their 90%% interval at the fit. Tables: "
            "targets.csv, chains.csv (every kept draw).\n",
            outside, c->nt);
    int rc = commit(f, part, path, err);
    return rc ? rc : write_tables(c, dir, s, draws, mean, q05, q95, err);
}

int cs_calib_write_targets(cs_calib *c, const char *path, int force, cs_error *err)
{
    if (!force && exists(path))
        return cs_error_set(err, CS_EEXIST, path, 0, 0, NULL,
                            "exists; not overwritten (use --force to replace it)");
    double theta[CS_CALIB_MAXP];
    cs_calib_clamp_start(c, theta);
    size_t R = (size_t)c->cfg.replications;
    double *vals = calloc(R * c->nt, sizeof *vals), *mean = calloc(c->nt, sizeof *mean),
           *sd = calloc(c->nt, sizeof *sd);
    int rc = vals && mean && sd ? CS_OK
                                : cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    if (!rc) rc = c->sim(c->sim_ctx, c, theta, R, vals, err);
    char part[4096];
    FILE *f = rc ? NULL : open_part(path, part, sizeof part);
    if (!rc && !f) rc = cs_error_set(err, CS_EIO, path, 0, 0, NULL, "cannot write");
    if (!rc) {
        cs_calib_moments(vals, R, c->nt, mean, sd, NULL, NULL);
        fprintf(f, "series,date,value,source\n");
        for (size_t k = 0; k < c->nt; k++)
            fprintf(f, "%s,%s,%.10g,\"simulated mean at calibrate.start\"\n", c->t[k].series,
                    c->t[k].date, mean[k]);
        rc = commit(f, part, path, err);
    }
    free(vals), free(mean), free(sd);
    return rc;
}
