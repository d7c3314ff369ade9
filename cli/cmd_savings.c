/* Placeholder until the savings subcommand lands. */
#include <stdio.h>

#include "cli/commands.h"
#include "analysis/status.h"

int pms_cmd_savings(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "pmsreview: 'savings' is not implemented yet\n");
    return PMS_EXIT_USAGE;
}
