/* One function per subcommand, each in cli/cmd_NAME.c; argv[0] is the subcommand. */
#ifndef PMS_CLI_COMMANDS_H
#define PMS_CLI_COMMANDS_H

int pms_cmd_check(int argc, char **argv);
int pms_cmd_correlate(int argc, char **argv);
int pms_cmd_regress(int argc, char **argv);
int pms_cmd_fairness(int argc, char **argv);
int pms_cmd_funnel(int argc, char **argv);
int pms_cmd_savings(int argc, char **argv);
int pms_cmd_premium(int argc, char **argv);
int pms_cmd_report(int argc, char **argv);
int pms_cmd_target(int argc, char **argv);

#endif
