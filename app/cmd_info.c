/* cssim info: provenance and the main outcomes of an output file (also of an interrupted
 * FILE.part), with means and 95% intervals over replications at chosen dates. */
#include "cli.h"
#include "cssim/output.h"

#include <stdlib.h>

static void help(FILE *f, const cs_option *opts, size_t n)
{
    fprintf(f, "usage: cssim info OUT.h5 [--date YYYY-MM-DD]...\n\n"
               "Prints the run's provenance and, per scenario, the main national series as mean\n"
               "and 95%% interval over replications (default: the start and every 12 months).\n\n");
    cs_options_help(f, opts, n);
}

static int check_date(const char *s)
{
    int32_t d;
    return cs_date_parse(s, &d);
}

int cs_cmd_info(int argc, char **argv)
{
    const char **dates = calloc((size_t)argc + 1, sizeof *dates);
    if (!dates) return 1;
    cs_optlist date = {dates, 0};
    int want_help = 0;
    const cs_option opts[] = {{CS_OPTION("date", 'd', CS_OPT_LIST, &date, "DATE",
                                         "report at this date (nearest snapshot; repeatable)"),
                               .expect = "YYYY-MM-DD", .check = check_date, .label = "--date"},
                              {CS_OPTION("help", 'h', CS_OPT_STOP, &want_help, NULL, "this help")}};
    size_t n_opts = sizeof opts / sizeof opts[0], n_pos;
    const char *pos[1];
    int rc = cs_options_parse(opts, n_opts, argc, argv, pos, 1, &n_pos);
    if (rc == CS_OPT_USAGE) help(stderr, opts, n_opts);
    if (!rc && want_help) help(stdout, opts, n_opts);
    if (!rc && !want_help && n_pos != 1) {
        fprintf(stderr, "cssim: error: info needs exactly one OUT.h5\n\n");
        help(stderr, opts, n_opts);
        rc = CS_OPT_BAD;
    }
    if (rc || want_help) {
        free(dates);
        return rc ? 2 : 0;
    }
    size_t nd = date.n;
    cs_error err;
    cs_error_clear(&err);
    cs_cli_guard_file(pos[0]);
    int st = cs_info_print(pos[0], nd ? dates : NULL, nd, stdout, &err);
    cs_cli_guard_file(NULL);
    if (st) cs_error_print(stderr, &err);
    free(dates);
    return cs_cli_exit_status(st);
}
