/* cssim: parallel Monte Carlo discrete-event simulation of England's children's services
 * intervention system. `cssim help` lists the commands. */
#include "cli.h"
#include "cssim/output.h"

#include <gsl/gsl_errno.h>
#include <string.h>

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const cs_command commands[] = {
    {"run", cs_cmd_run, "run a scenario (and its sweep) to an HDF5 file"},
    {"check", cs_cmd_check, "validate a scenario and print it fully resolved"},
    {"info", cs_cmd_info, "provenance and main outcomes of an output file"},
    {"calibrate", cs_cmd_calibrate, "fit parameters to the real record (simulated moments)"},
    {"help", cmd_help, "this help"},
    {"version", cmd_version, "print the version"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: cssim COMMAND [OPTIONS]\n\n"
               "Simulates England's children's services intervention system: authorities,\n"
               "Ofsted inspections of finite capacity, the 2015 intervention regime and the\n"
               "social-work workforce, over many replications, to HDF5.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n`cssim COMMAND --help` describes each command. Docs: README.md, docs/.\n");
}

static int cmd_help(int argc, char **argv)
{
    (void)argc, (void)argv;
    usage(stdout);
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("cssim %s (commit %s)\n", CSSIM_VERSION, CSSIM_GIT_COMMIT);
    return 0;
}

int main(int argc, char **argv)
{
    cs_heap_prepare();           /* before anything allocates */
    gsl_set_error_handler_off(); /* library code reports statuses; it never aborts */
    cs_writer_library_init();    /* before any HDF5 call: no error stacks, no flush at exit */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) name = "help";
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) name = "version";
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "cssim: error: unknown command '%s'\n\n", name);
    usage(stderr);
    return 2;
}
