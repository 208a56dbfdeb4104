/* A 4-D weight on an input: channel mixing, groups, and the messages torch gives. */
#ifndef CONVTOOL_CLI_APPLY_MIX_H
#define CONVTOOL_CLI_APPLY_MIX_H

#include "apply/apply.h"

/* What the input is, for messages in torch's terms. */
struct input_shape {
    int rank;  /* .npy: 2, 3 or 4; an image: 0 */
    int batch; /* N of a rank-4 .npy, else 1 */
    int c, h, w; /* per item (an image's colour channels, alpha apart unless filtered) */
    int alpha; /* an image whose alpha is set apart (not filtered) */
};

/* "(64, 1, 28, 28)" for a .npy; "(3, 512, 768)" with "image" for a picture. */
void apply_shape_text(const struct input_shape *in, char *text, size_t size);

/*
 * The groups a weight gets on `in` (--groups, or C_in / the weight's C/groups
 * as torch infers none: groups=1 needs C_in == C/groups), checked as torch
 * checks them; prints what is wrong and what would work. Returns an exit code.
 */
int apply_mix_groups(const struct apply_job *job, const struct prepared_kernel *pk,
                     const struct input_shape *in, int *groups);

/*
 * Runs the weight over every item of values (batch·C channels) into out
 * (batch·O channels, allocated), biases from --bias and the file's offset.
 */
int apply_mix_run(const struct apply_job *job, const struct prepared_kernel *pk,
                  const convtool_tensor *values, const struct input_shape *in,
                  convtool_geometry *g, convtool_tensor *out);

#endif
