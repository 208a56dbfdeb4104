/* convtool apply: filter images (cmd_apply.c). */
#ifndef CONVTOOL_CLI_CMD_APPLY_H
#define CONVTOOL_CLI_CMD_APPLY_H

/* Runs the command on its arguments (argv[0] is its name); returns the exit status. */
int cmd_apply(int argc, char **argv);

#endif
