/*
 * The fused pixel path of `apply`: a PNG or JPEG going to PNG (8 or 16 bits:
 * save_choice.c), JPEG, BMP or TGA is decoded to its interleaved samples,
 * each kernel's result is quantized row by row inside the core
 * (convtool_conv2d_pixels), and the 8- or 16-bit pixels are encoded. No
 * whole-image float tensor exists, so memory is about the input and output
 * pixels, and the bytes equal those of the float path (CONVTOOL_FUSED=0 turns
 * this path off, to compare). --map normalize convolves twice: once for each
 * channel's min and max, once to write (cheaper than the float image: half
 * the memory, no more time).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply_common.h"
#include "apply/apply_fused.h"
#include "apply/apply_limits.h"
#include "apply/apply_meta.h"
#include "apply/save_choice.h"
#include "common/messages.h"

static int is_8bit_format(convtool_format f)
{
    return f == CONVTOOL_FORMAT_PNG || f == CONVTOOL_FORMAT_JPEG || f == CONVTOOL_FORMAT_BMP ||
           f == CONVTOOL_FORMAT_TGA;
}

int apply_fused_fits(const struct apply_job *job, const convtool_image_info *info)
{
    if (!apply_pixel_passes_fit(job, info))
        return 0;
    for (int i = 0; i < job->output_count; i++)
        if (!is_8bit_format(job->outputs[i].format))
            return 0;
    return 1;
}

int apply_pixel_passes_fit(const struct apply_job *job, const convtool_image_info *info)
{
    const char *env = getenv("CONVTOOL_FUSED");
    if (env && strcmp(env, "0") == 0)
        return 0;
    if (info->format != CONVTOOL_FORMAT_PNG && info->format != CONVTOOL_FORMAT_JPEG)
        return 0;
    /* combine needs every kernel's whole result first (--map normalize: a first pass
     * finds each channel's bounds, run_kernel) */
    if (job->opts->combine != CONVTOOL_COMBINE_SEPARATE)
        return 0;
    /* --chain keeps the float result between steps: no 8-bit rounding in between */
    if (job->opts->chain)
        return 0;
    /* a 4-D weight mixes channels, a bias list differs per channel, --grid maps tiles */
    if (job->kernels[0].wt.values || job->opts->biases || job->opts->grid)
        return 0;
    /*
     * 8- and 16-bit results keep no inf to count: a kernel whose sums can
     * overflow float32 over inputs in [0,1] takes the float path, which
     * counts them and warns (its bytes are the same).
     */
    for (int k = 0; k < job->kernel_count; k++)
        if (apply_may_overflow(&job->kernels[k], 1.0))
            return 0;
    return 1;
}

struct channel_plan apply_plan_channels(const struct apply_options *o, int channels)
{
    int has_alpha = channels == 2 || channels == 4;
    int carry = has_alpha && o->alpha != ALPHA_FILTER;
    int colors = carry ? channels - 1 : channels;
    int luma = o->gray && colors >= 3;
    struct channel_plan cp = {.color = {.in_channel = 0, .channels = luma ? 1 : colors,
                                        .luma = luma, .out_channel = 0, .map = o->map},
                              .keep_alpha = carry && o->alpha == ALPHA_KEEP};
    cp.out_channels = cp.color.channels + cp.keep_alpha;
    return cp;
}

convtool_pixel_pass apply_alpha_pass(const struct channel_plan *cp, int in_channels)
{
    return (convtool_pixel_pass){.in_channel = in_channels - 1, .channels = 1,
                                 .out_channel = cp->color.channels, .map = CONVTOOL_MAP_CLAMP};
}

static convtool_status carry_alpha(const struct apply_job *job, const convtool_pixels *px,
                                   const struct channel_plan *cp, const convtool_geometry *g,
                                   convtool_pixels *out)
{
    convtool_kernel delta;
    convtool_pixel_pass pass = apply_alpha_pass(cp, px->channels);
    convtool_geometry direct = *g; /* one tap: exact, whatever --method the colours use */
    direct.method = CONVTOOL_METHOD_DIRECT;
    convtool_status st = apply_delta_kernel(g, &delta);
    if (st == CONVTOOL_OK)
        st = convtool_conv2d_pixels(px, &pass, &delta, &direct, 0.0f, job->pool, out, NULL);
    convtool_kernel_free(&delta);
    return st;
}

/*
 * --map normalize: the colours' min and max per channel, from a first pass
 * that writes nothing (the float path stretches its whole result), into
 * bounds; the pass then maps by them.
 */
static convtool_status find_bounds(const struct apply_job *job, const struct prepared_kernel *pk,
                                   const convtool_pixels *px, const convtool_geometry *g,
                                   convtool_pixel_pass *color, float bounds[8])
{
    if (color->map != CONVTOOL_MAP_NORMALIZE)
        return CONVTOOL_OK;
    for (int c = 0; c < color->channels; c++)
        bounds[2 * c] = INFINITY, bounds[2 * c + 1] = -INFINITY;
    color->bounds = bounds;
    return convtool_conv2d_pixels_bounds(px, 0, color, &pk->k, g, pk->bias, job->pool, 0,
                                         g->out_h, bounds);
}

/* One kernel: filter, carry alpha, encode, write. */
static int run_kernel(const struct apply_job *job, const struct prepared_kernel *pk,
                      const struct output_file *out, const convtool_pixels *px)
{
    const struct channel_plan cp = apply_plan_channels(job->opts, px->channels);
    convtool_geometry g;
    int rc = apply_geometry(job, pk, px->height, px->width, &g);
    if (rc == EXIT_OK)
        rc = apply_method(job, pk, &g, cp.color.channels);
    if (rc != EXIT_OK)
        return rc;
    convtool_pixels result;
    size_t clipped = 0;
    convtool_save_options so = save_choice_options(job, job->choice, out);
    convtool_pixel_pass color = cp.color;
    float bounds[8];
    convtool_status st = convtool_pixels_alloc(&result, g.out_w, g.out_h, cp.out_channels,
                                               so.depth == 16 ? 16 : 8);
    if (st == CONVTOOL_OK)
        st = find_bounds(job, pk, px, &g, &color, bounds);
    if (st == CONVTOOL_OK)
        st = convtool_conv2d_pixels(px, &color, &pk->k, &g, pk->bias, job->pool, &result,
                                    &clipped);
    if (st == CONVTOOL_OK && cp.keep_alpha)
        st = carry_alpha(job, px, &cp, &g, &result);
    if (st != CONVTOOL_OK) {
        convtool_pixels_free(&result);
        return cli_report(job->input, st);
    }
    apply_warn_clipped(out->path, clipped,
                       (size_t)g.out_w * (size_t)g.out_h * (size_t)cp.color.channels,
                       convtool_kernel_sum(&pk->k), 0); /* weights never take this path */
    save_choice_tell(job, job->choice, out, result.channels);
    so.metadata = job->metadata;
    apply_meta_note_output(job, out, result.channels);
    convtool_buffer encoded = {0};
    st = convtool_pixels_encode(&result, &so, &encoded);
    convtool_pixels_free(&result);
    rc = st == CONVTOOL_OK ? apply_write(out->path, &encoded) : cli_report(out->path, st);
    convtool_buffer_free(&encoded);
    return rc;
}

int apply_run_fused(const struct apply_job *job, convtool_buffer *file,
                    const convtool_image_info *info)
{
    convtool_pixels px;
    convtool_image_info decoded;
    convtool_load_options lo = apply_load_options(job->opts);
    convtool_status st = convtool_image_decode_pixels(file->data, file->len, &lo, &px, &decoded);
    convtool_buffer_free(file); /* the compressed bytes are not needed past here */
    if (st != CONVTOOL_OK)
        return cli_report(job->input, st);
    (void)info;
    int rc = EXIT_OK;
    /* Every geometry first: a usage error must come before any output is written. */
    for (int k = 0; k < job->kernel_count && rc == EXIT_OK; k++) {
        convtool_geometry g;
        rc = apply_geometry(job, &job->kernels[k], px.height, px.width, &g);
    }
    for (int k = 0; k < job->kernel_count && rc != EXIT_USAGE; k++) {
        int one = run_kernel(job, &job->kernels[k], &job->outputs[k], &px);
        rc = rc == EXIT_OK ? one : rc;
    }
    convtool_pixels_free(&px);
    return rc;
}
