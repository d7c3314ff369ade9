/* Placeholder until the report subcommand lands. */
#include <stdio.h>

#include "cli/commands.h"
#include "analysis/status.h"

int pms_cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "pmsreview: 'report' is not implemented yet\n");
    return PMS_EXIT_USAGE;
}
