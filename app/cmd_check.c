/* cssim check: validates a scenario (every sweep point, the authority table, cross-key
 * rules) and prints it fully resolved. Exit 0 valid, 2 invalid. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void help(FILE *f, const cs_option *opts, size_t n)
{
    fprintf(f, "usage: cssim check SCENARIO.yaml [--set KEY=VALUE]... [--quiet] [--keys]\n\n"
               "Validates the scenario, its extends chain, sweep and authority table, and prints\n"
               "every sweep point fully resolved (defaults included, with each key's help).\n\n");
    cs_options_help(f, opts, n);
}

static int list_keys(void)
{
    for (size_t i = 0; i < cs_params_nkeys; i++) {
        const cs_key *k = &cs_params_keys[i];
        printf("%-40s %s\n    %s\n", k->path, k->def ? k->def : "(none)", k->help);
    }
    return 0;
}

int cs_cmd_check(int argc, char **argv)
{
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    if (!sets) return 1;
    cs_optlist set = {sets, 0};
    int quiet = 0, keys = 0, want_help = 0, status = 2;
    const cs_option opts[] = {
        {CS_OPTION("set", 0, CS_OPT_LIST, &set, "KEY=VALUE", "override a key (repeatable)")},
        {CS_OPTION("quiet", 'q', CS_OPT_FLAG, &quiet, NULL,
                   "print nothing; only the exit status (0 valid, 2 invalid)")},
        {CS_OPTION("keys", 0, CS_OPT_STOP, &keys, NULL,
                   "list every scenario key with its default and help, and exit")},
        {CS_OPTION("help", 'h', CS_OPT_STOP, &want_help, NULL, "this help")}};
    size_t n_opts = sizeof opts / sizeof opts[0], n_pos;
    const char *pos[1];
    int rc = cs_options_parse(opts, n_opts, argc, argv, pos, 1, &n_pos);
    if (rc == CS_OPT_USAGE) help(stderr, opts, n_opts);
    if (!rc && keys) status = list_keys();
    if (!rc && want_help) {
        help(stdout, opts, n_opts);
        status = 0;
    }
    if (!rc && !keys && !want_help && n_pos != 1) {
        fprintf(stderr, "cssim: error: check needs exactly one SCENARIO.yaml\n\n");
        help(stderr, opts, n_opts);
    }
    if (rc || keys || want_help || n_pos != 1) {
        free(sets);
        return status;
    }
    cs_scenario sc;
    status = cs_scenario_load(&sc, pos[0], sets, set.n, 1);
    if (status == 0 && !quiet) {
        for (size_t i = 0; i < sc.n; i++) {
            const char *desc = cs_config_point_desc(sc.cfg, i);
            printf("# --- scenario %s%s%s (%zu authorities, %zu snapshots)\n",
                   cs_config_point_name(sc.cfg, i), desc[0] ? ": " : "", desc, sc.worlds[i]->n_la,
                   sc.worlds[i]->n_time);
            cs_config_dump(sc.cfg, i, &sc.params[i], stdout, 1);
        }
    }
    if (status == 0) cs_scenario_free(&sc);
    free(sets);
    return status;
}
