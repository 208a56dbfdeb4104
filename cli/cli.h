/* The convtool program: running it (commands.c), and the commands it runs. */
#ifndef CONVTOOL_CLI_H
#define CONVTOOL_CLI_H

#include "apply/cmd_apply.h"
#include "cmd_kernels.h"
#include "common/messages.h"
#include "shape/cmd_shape.h"

/*
 * The program without its process set-up (main.c: descriptors, signal
 * handlers): CONVTOOL_SIMD, --help/--version, and the command argv[1]. Returns
 * the exit status; never exits, so the fuzz CLI target calls it in a loop.
 */
int cli_run(int argc, char **argv);

#endif
