/* cssim calibrate: the command line of the calibration module (calib/calib.h). It parses the
 * arguments, calls the library and prints its summary; the method is in calib/ and
 * docs/calibration.md. */
#include "calib.h"
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

static void help(FILE *f, const cs_option *opts, size_t n)
{
    fprintf(f,
            "usage: cssim calibrate CONFIG.yaml -o FILE.yaml [--report DIR] [--force]\n"
            "                       [-j THREADS] [--set KEY=VALUE]... [--quiet]\n"
            "       cssim calibrate CONFIG.yaml --write-targets FILE [--force]\n"
            "       cssim calibrate CONFIG.yaml --fingerprint\n\n"
            "Fits the parameters listed in CONFIG.yaml to the targets CSV by simulated method of\n"
            "moments (same seed for every candidate; GSL Nelder-Mead), then samples their\n"
            "posterior under a synthetic likelihood with several adaptive Metropolis chains, and\n"
            "writes the fitted fragment to FILE.yaml and a report (report.md, targets.csv,\n"
            "chains.csv, the evaluation cache) to DIR, by default FILE.calibration/ next to it.\n"
            "Existing files are never overwritten without --force. An interrupted run continues\n"
            "from its cache when run again. Warns when R-hat or ESS miss their targets.\n\n");
    cs_options_help(f, opts, n);
    fprintf(f, "See docs/calibration.md.\n");
}

typedef struct args {
    cs_optlist sets;
    const char *write_targets, *config;
    int fingerprint, show_summary, help;
    cs_calib_opts o;
} args;

/* Returns -1 to go on, else the exit status. */
static int parse(args *a, int argc, char **argv)
{
    const cs_option opts[] = {
        {CS_OPTION("output", 'o', CS_OPT_STRING, &a->o.output, "FILE",
                   "the fitted fragment (required)")},
        {CS_OPTION("report", 0, CS_OPT_STRING, &a->o.report, "DIR",
                   "folder of the report (default: next to FILE)")},
        {CS_OPTION("force", 0, CS_OPT_FLAG, &a->o.force, NULL, "overwrite existing outputs")},
        {CS_OPTION("threads", 'j', CS_OPT_INT, &a->o.threads, "N",
                   "OpenMP threads (default: all cores)"),
         .min = 1, .max = CS_MAX_THREADS, .expect = CS_THREADS_EXPECT},
        {CS_OPTION("set", 0, CS_OPT_LIST, &a->sets, "KEY=VALUE",
                   "override a key of CONFIG.yaml (calibrate.*)")},
        {CS_OPTION("write-targets", 0, CS_OPT_STRING, &a->write_targets, "F",
                   "write simulated targets at calibrate.start to F and exit")},
        {CS_OPTION("fingerprint", 0, CS_OPT_FLAG, &a->fingerprint, NULL,
                   "print the fingerprint of the inputs and exit")},
        {CS_OPTION("quiet", 'q', CS_OPT_FLAG, &a->o.quiet, NULL, "no progress")},
        {CS_OPTION("help", 'h', CS_OPT_STOP, &a->help, NULL, "this help")}};
    size_t n_opts = sizeof opts / sizeof opts[0], n_pos;
    const char *pos[1];
    int rc = cs_options_parse(opts, n_opts, argc, argv, pos, 1, &n_pos);
    if (rc == CS_OPT_USAGE) help(stderr, opts, n_opts);
    if (rc) return 2;
    if (a->help) {
        help(stdout, opts, n_opts);
        return 0;
    }
    const char *why = n_pos != 1 ? "calibrate needs exactly one CONFIG.yaml"
                      : !a->o.output && !a->write_targets && !a->fingerprint
                          ? "calibrate needs -o FILE (the fitted fragment)"
                          : NULL;
    if (why) {
        fprintf(stderr, "cssim: error: %s\n\n", why);
        help(stderr, opts, n_opts);
        return 2;
    }
    a->config = pos[0];
    a->show_summary = !a->o.quiet;
    if (!isatty(2)) a->o.quiet = 1; /* progress only on a terminal */
    return -1;
}

static void summary(const cs_calib *c, const cs_calib_opts *o, const cs_calib_summary *s)
{
    printf("fit %s after %zu evaluations (%zu in all): synthetic-likelihood distance %.4f over "
           "%zu targets\n",
           s->fit_converged ? "converged" : "stopped", s->nm_evals, s->evals, s->objective, s->nt);
    for (size_t j = 0; j < s->np && !s->n_chains; j++)
        printf("  %-32s fit %10.4g\n", cs_calib_param(c, j), s->best[j]);
    for (size_t j = 0; j < s->np && s->n_chains; j++)
        printf("  %-32s fit %10.4g  posterior %10.4g [%10.4g, %10.4g]  R-hat %6.3f  ESS %6.0f\n",
               cs_calib_param(c, j), s->best[j], s->median[j], s->q05[j], s->q95[j], s->rhat[j],
               s->ess[j]);
    printf("fragment: %s\n", o->output);
}

int cs_cmd_calibrate(int argc, char **argv)
{
    args a = {0};
    a.sets.v = calloc((size_t)argc + 1, sizeof *a.sets.v);
    if (!a.sets.v) return 1;
    int status = parse(&a, argc, argv);
    if (status >= 0) {
        free(a.sets.v);
        return status;
    }
    cs_error err;
    cs_error_clear(&err);
    cs_calib *c = NULL;
    cs_calib_summary s;
    char fp[CS_CALIB_FP_LEN];
    int rc = cs_calib_create(&c, a.config, a.sets.v, a.sets.n, &err);
    if (!rc) cs_calib_set_threads(c, a.o.threads);
    if (!rc && a.fingerprint) {
        rc = cs_calib_fingerprint(c, fp, &err);
        if (!rc) printf("%s\n", fp);
    } else if (!rc && a.write_targets) {
        rc = cs_calib_write_targets(c, a.write_targets, a.o.force, &err);
    } else if (!rc) {
        rc = cs_calib_run(c, &a.o, &s, &err);
        if (!rc && a.show_summary) summary(c, &a.o, &s);
        if (!rc && s.n_chains && !s.converged)
            fprintf(stderr, "\ncssim: WARNING: THE CHAINS HAVE NOT CONVERGED (R-hat or ESS miss "
                            "their targets; see the report). The posterior is not to be "
                            "trusted: run longer chains (calibrate.mcmc_steps).\n\n");
    }
    if (rc) cs_error_print(stderr, &err);
    cs_calib_destroy(c);
    free(a.sets.v);
    return rc ? cs_cli_exit_status(rc) : 0;
}
