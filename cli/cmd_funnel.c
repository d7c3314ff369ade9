/* Placeholder until the funnel subcommand lands. */
#include <stdio.h>

#include "cli/commands.h"
#include "analysis/status.h"

int pms_cmd_funnel(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "pmsreview: 'funnel' is not implemented yet\n");
    return PMS_EXIT_USAGE;
}
