/* convtool shape: output sizes without decoding pixels (cmd_shape.c). */
#ifndef CONVTOOL_CLI_CMD_SHAPE_H
#define CONVTOOL_CLI_CMD_SHAPE_H

/* Runs the command on its arguments (argv[0] is its name); returns the exit status. */
int cmd_shape(int argc, char **argv);

#endif
