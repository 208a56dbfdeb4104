/* The fused pixel path of `apply` (apply_fused.c): no float image in memory. */
#ifndef CONVTOOL_CLI_APPLY_FUSED_H
#define CONVTOOL_CLI_APPLY_FUSED_H

#include "apply/apply.h"

/*
 * Whether the fused path can run this job (PNG/JPEG in, PNG/JPEG/BMP/TGA out,
 * no combine, no --chain, no kernel that can overflow float32;
 * CONVTOOL_FUSED=0 says no). apply_run_file asks once per file and hands the
 * answer to the limits check and the route.
 */
int apply_fused_fits(const struct apply_job *job, const convtool_image_info *info);

/*
 * The same without the outputs: whether the pixel passes can compute this
 * job's values (PNG/JPEG in, one result per kernel, no weight, bias list or
 * --grid, no kernel that can overflow). The strip engine also takes a .npy
 * output on them (apply_stream.c).
 */
int apply_pixel_passes_fit(const struct apply_job *job, const convtool_image_info *info);

/* Runs the job on the fused path: decode to samples, convolve, quantize, encode, write. */
int apply_run_fused(const struct apply_job *job, convtool_buffer *file,
                    const convtool_image_info *info);

/* Which input channels become which output channels (as split_planes does). */
struct channel_plan {
    convtool_pixel_pass color;
    int keep_alpha; /* carried as a delta into the last output channel */
    int out_channels;
};
struct channel_plan apply_plan_channels(const struct apply_options *o, int channels);
/* The pass that carries alpha (the input's last channel) into the output's last. */
convtool_pixel_pass apply_alpha_pass(const struct channel_plan *cp, int in_channels);

#endif
