/* Placeholder until the correlate subcommand lands. */
#include <stdio.h>

#include "cli/commands.h"
#include "analysis/status.h"

int pms_cmd_correlate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "pmsreview: 'correlate' is not implemented yet\n");
    return PMS_EXIT_USAGE;
}
