/* Placeholder until the regress subcommand lands. */
#include <stdio.h>

#include "cli/commands.h"
#include "analysis/status.h"

int pms_cmd_regress(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "pmsreview: 'regress' is not implemented yet\n");
    return PMS_EXIT_USAGE;
}
