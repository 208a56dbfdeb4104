/*
 * Before any work, every path an `apply` run touches gets its role: an input,
 * the --files-from list, a kernel file, an output, the --report file. A file
 * that plays two roles would be destroyed by one of them (`--report *.png`
 * turns the first image into JSON; a batch output that is a later input
 * makes the result depend on -J), so that is refused, naming both roles.
 */
#ifndef CONVTOOL_CLI_PATH_ROLES_H
#define CONVTOOL_CLI_PATH_ROLES_H

#include "apply/apply.h"

/*
 * Checks the run's paths, comparing existing regular files by device and
 * inode and new ones by their directory's real path and name. The one pair
 * allowed is single-file mode's INPUT == OUTPUT (an in-place filter: the
 * input is read whole before the result is renamed over it). Prints; returns
 * an exit code (2 on a collision).
 */
int path_roles_check(const struct apply_options *o, const struct output_file *outputs,
                     int output_count);

#endif
