/* Placeholder until the fairness subcommand lands. */
#include <stdio.h>

#include "cli/commands.h"
#include "analysis/status.h"

int pms_cmd_fairness(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "pmsreview: 'fairness' is not implemented yet\n");
    return PMS_EXIT_USAGE;
}
