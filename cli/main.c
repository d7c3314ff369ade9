/* pmsreview: statistics for reviewing how English general practices are funded.
 * The CLI is a thin layer: each subcommand parses options and calls the library. */
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "base/status.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} pms_command;

static const pms_command commands[] = {
    {"check", pms_cmd_check, "load and validate data files; national totals"},
    {"correlate", pms_cmd_correlate, "correlations with intervals, power and verdicts"},
    {"regress", pms_cmd_regress, "least-squares regression with robust standard errors"},
    {"fairness", pms_cmd_fairness, "inequality, concentration and decomposition indices"},
    {"funnel", pms_cmd_funnel, "funnel-plot limits and outliers"},
    {"savings", pms_cmd_savings, "PMS premium savings scenarios year by year"},
    {"premium", pms_cmd_premium, "the PMS premium, its distribution and the 2014 review figures"},
    {"target", pms_cmd_target, "fair shares: distance from a need-based target"},
    {"report", pms_cmd_report, "the board report: Excel workbook and charts"},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: pmsreview SUBCOMMAND [OPTIONS]\n\n"
               "Statistics for reviewing how English general practices are funded.\n\n"
               "Subcommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'pmsreview SUBCOMMAND --help' for a subcommand's options.\n\n"
               "Exit status: 0 success; 1 usage or analysis error; 2 bad input data.\n");
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; the library checks its inputs and statuses instead. */
    gsl_set_error_handler_off();
    if (argc < 2) {
        usage(stderr);
        return PMS_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return pms_cli_stdout_done();
    }
    if (!strcmp(argv[1], "--version")) {
        printf("pmsreview %s\n", PMS_VERSION);
        return pms_cli_stdout_done();
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "pmsreview: unknown subcommand '%s'\nTry 'pmsreview --help'\n", argv[1]);
    return PMS_EXIT_USAGE;
}
