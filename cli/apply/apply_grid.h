/* --grid: every output channel of every kernel and batch item as a tile of one picture. */
#ifndef CONVTOOL_CLI_APPLY_GRID_H
#define CONVTOOL_CLI_APPLY_GRID_H

#include "apply/apply.h"

/*
 * Lays out parts[0..count) (one per kernel, each batch·C channels of one
 * size) as gray tiles: a row per batch item holding each kernel's channels in
 * turn (one item: rows of at most 8 tiles). Each tile is mapped on its own:
 * min-max (torchvision's make_grid(normalize=True, scale_each=True)), or by
 * --map when given; 2-pixel white lines between tiles. Writes out.
 */
int apply_write_grid(const struct apply_job *job, const struct output_file *out,
                     const convtool_tensor *parts, int count, int batch);

#endif
