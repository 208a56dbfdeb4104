/* Turning a -k SPEC (name, file, inline matrix, number or size) into a kernel. */
#ifndef CONVTOOL_CLI_KERNEL_SPEC_H
#define CONVTOOL_CLI_KERNEL_SPEC_H

#include <stddef.h>

#include "convtool/convtool.h"

enum kernel_spec_use {
    SPEC_FOR_APPLY, /* a bare number is a 1×1 kernel with that value */
    SPEC_FOR_SHAPE  /* a bare size ("3", "5x3", width first) is a kernel size */
};

/*
 * Loads the kernel SPEC names, printing any error. inline_index numbers the
 * inline kernels (k1, k2, …) for output names. kernels_dir (may be NULL) is
 * searched before the built-in library. Returns an exit code: 0, 1 (a bad
 * kernel file) or 2 (a bad name or inline matrix).
 */
int kernel_spec_load(const char *spec, const char *kernels_dir, int inline_index,
                     enum kernel_spec_use use, convtool_kernel *k);

/*
 * Loads every kernel SPEC holds: a bank file or name gives several, an
 * ImageMagick list "3x3: ...; 3x3: ..." too. Inline kernels are named
 * k<first_index>, k<first_index+1>, … Printing any error, returns an exit
 * code as kernel_spec_load does; the caller frees the bank.
 */
int kernel_spec_load_bank(const char *spec, const char *kernels_dir, int first_index,
                          convtool_kernel_bank *bank);

/*
 * kernel_spec_load_bank, but a 4-D weight ((O, C/groups, kH, kW) from a .npy,
 * pasted nested lists or a printed tensor) comes back as out->weight with
 * out->is_weight set; a bank in out->bank. In `shape` a bare size is a
 * one-kernel bank without values. Free with convtool_kernel_spec_free.
 */
int kernel_spec_load_any(const char *spec, const char *kernels_dir, int first_index,
                         enum kernel_spec_use use, convtool_kernel_spec *out);

/*
 * The file `apply -k SPEC` reads (a path, or a name found in kernels_dir)
 * into path: 1, or 0 when SPEC is inline, a number or a built-in name.
 */
int kernel_spec_file(const char *spec, const char *kernels_dir, char *path, size_t size);

#endif
