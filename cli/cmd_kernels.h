/* convtool kernels: list the named kernels or show their values (cmd_kernels.c). */
#ifndef CONVTOOL_CLI_CMD_KERNELS_H
#define CONVTOOL_CLI_CMD_KERNELS_H

/* Runs the command on its arguments (argv[0] is its name); returns the exit status. */
int cmd_kernels(int argc, char **argv);

#endif
