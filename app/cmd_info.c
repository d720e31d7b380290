/* cssim info: provenance and the main outcomes of an output file (also of an interrupted
 * FILE.part), with means and 95% intervals over replications at chosen dates. */
#include "cli.h"
#include "cssim/output.h"

#include <getopt.h>
#include <stdlib.h>

static void help(FILE *f)
{
    fprintf(f, "usage: cssim info OUT.h5 [--date YYYY-MM-DD]...\n\n"
               "Prints the run's provenance and, per scenario, the main national series as mean\n"
               "and 95%% interval over replications (default: the start and every 12 months).\n\n"
               "  -d, --date DATE  report at this date (nearest snapshot; repeatable)\n"
               "  -h, --help       this help\n");
}

int cs_cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {{"date", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char **dates = calloc((size_t)argc + 1, sizeof *dates);
    size_t nd = 0;
    int c;
    if (!dates) return 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': {
            int32_t d;
            if (cs_date_parse(optarg, &d)) {
                fprintf(stderr, "cssim: error: --date: expected YYYY-MM-DD, got \"%s\"\n", optarg);
                free(dates);
                return 2;
            }
            dates[nd++] = optarg;
            break;
        }
        case 'h':
            help(stdout);
            free(dates);
            return 0;
        default:
            help(stderr);
            free(dates);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "cssim: error: info needs exactly one OUT.h5\n\n");
        help(stderr);
        free(dates);
        return 2;
    }
    cs_error err;
    cs_error_clear(&err);
    cs_guard_file(argv[optind]);
    int rc = cs_info_print(argv[optind], nd ? dates : NULL, nd, stdout, &err);
    cs_guard_file(NULL);
    if (rc) cs_error_print(stderr, &err);
    free(dates);
    return cs_exit_status(rc);
}
