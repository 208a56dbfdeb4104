/*
 * The per-file pipeline of `apply`: decode, split off alpha, optional luma,
 * one correlation per kernel, combine, map, re-attach alpha, encode, and one
 * atomic write per output.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cli.h"
#include "geometry_opts.h"

/* Reading more than this is refused before decoding (a 100-Mpixel 16-bit RGBA PNG fits). */
#define MAX_INPUT_BYTES ((size_t)2 << 30)
/* SPEC: warn when clamping cuts off more than 10 % of the values. */
#define CLIP_WARN_SHARE 0.10

/* The input split into what gets filtered and the alpha that is carried along. */
struct planes {
    convtool_image image;
    convtool_tensor color; /* views or copies, owned */
    convtool_tensor alpha; /* 1 channel, or empty */
    int npy_rank;
};

static int report(const char *path, convtool_status st)
{
    if (st == CONVTOOL_EIO || st == CONVTOOL_ENOENT)
        cli_error("%s: %s", path, strerror(errno));
    else if (st == CONVTOOL_EUNSUPPORTED)
        cli_error("%s: unsupported format (convtool reads PNG, JPEG and .npy)", path);
    else
        cli_error("%s: %s", path, convtool_strerror(st));
    return cli_exit_code(st) == EXIT_USAGE ? EXIT_USAGE : EXIT_RUNTIME;
}

static int decode_input(const struct apply_options *o, const char *path, convtool_image *img)
{
    convtool_buffer buf = {0};
    convtool_image_info info;
    convtool_status st = convtool_read_file(path, MAX_INPUT_BYTES, &buf);
    if (st == CONVTOOL_ELIMIT) {
        cli_error("%s: larger than %zu bytes; refused", path, MAX_INPUT_BYTES);
        return EXIT_RUNTIME;
    }
    if (st == CONVTOOL_OK)
        st = convtool_image_probe(buf.data, buf.len, &info);
    if (st == CONVTOOL_OK && (uint64_t)info.width * (uint64_t)info.height > o->max_pixels) {
        cli_error("%s: %dx%d = %" PRIu64 " pixels is over the limit of %" PRIu64
                  " (raise it with --max-pixels)",
                  path, info.width, info.height, (uint64_t)info.width * (uint64_t)info.height,
                  o->max_pixels);
        convtool_buffer_free(&buf);
        return EXIT_RUNTIME;
    }
    convtool_load_options lo = {.max_pixels = o->max_pixels};
    if (st == CONVTOOL_OK)
        st = convtool_image_decode(buf.data, buf.len, &lo, img);
    convtool_buffer_free(&buf);
    return st == CONVTOOL_OK ? EXIT_OK : report(path, st);
}

/* Copies channels [from, from+n) of t into a new tensor. */
static convtool_status slice_channels(const convtool_tensor *t, int from, int n,
                                      convtool_tensor *out)
{
    convtool_status st = convtool_tensor_alloc(out, n, t->h, t->w);
    if (st == CONVTOOL_OK)
        memcpy(out->data, t->data + (size_t)from * t->h * t->w,
               (size_t)n * t->h * t->w * sizeof(float));
    return st;
}

static convtool_status split_planes(const struct apply_options *o, struct planes *p)
{
    const convtool_tensor *t = &p->image.tensor;
    int carry_alpha = p->image.has_alpha && o->alpha != ALPHA_FILTER;
    int colors = carry_alpha ? t->c - 1 : t->c;
    convtool_status st = CONVTOOL_OK;
    if (carry_alpha && o->alpha == ALPHA_KEEP)
        st = slice_channels(t, t->c - 1, 1, &p->alpha);
    if (st == CONVTOOL_OK && o->gray && colors >= 3)
        return convtool_to_luma(t, &p->color);
    if (st == CONVTOOL_OK)
        st = slice_channels(t, 0, colors, &p->color);
    return st;
}

static void free_planes(struct planes *p)
{
    convtool_image_free(&p->image);
    convtool_tensor_free(&p->color);
    convtool_tensor_free(&p->alpha);
}

/* Alpha follows the colours' geometry as a delta at the kernel's anchor tap. */
static convtool_status carry_alpha(const struct apply_job *job, const convtool_tensor *alpha,
                                   const convtool_geometry *g, convtool_tensor *out)
{
    convtool_kernel delta = {.h = g->k_h, .w = g->k_w, .scale = 1.0};
    delta.values = calloc((size_t)g->k_h * g->k_w, sizeof(float));
    if (!delta.values)
        return CONVTOOL_ENOMEM;
    delta.values[(g->k_h - 1) / 2 * g->k_w + (g->k_w - 1) / 2] = 1.0f;
    convtool_status st = convtool_conv2d(alpha, &delta, g, 0.0f, job->pool, out);
    convtool_kernel_free(&delta);
    return st;
}

/* Appends the alpha plane (if any) as a last channel; frees *t's old data. */
static convtool_status attach_alpha(convtool_tensor *t, const convtool_tensor *alpha)
{
    if (!alpha->data)
        return CONVTOOL_OK;
    convtool_tensor joined;
    convtool_status st = convtool_tensor_alloc(&joined, t->c + 1, t->h, t->w);
    if (st != CONVTOOL_OK)
        return st;
    size_t plane = (size_t)t->h * t->w;
    memcpy(joined.data, t->data, (size_t)t->c * plane * sizeof(float));
    memcpy(joined.data + (size_t)t->c * plane, alpha->data, plane * sizeof(float));
    convtool_tensor_free(t);
    *t = joined;
    return CONVTOOL_OK;
}

static void warn_if_clipped(const char *path,
                            const convtool_tensor *t)
{
    size_t n = convtool_tensor_count(t), clipped = convtool_count_clipped(t);
    if (n == 0 || (double)clipped / (double)n <= CLIP_WARN_SHARE)
        return;
    cli_warn("%s: %.1f%% of the values fell outside [0,1] and were clipped; for edge kernels "
             "try --map abs or --map shift",
             path, 100.0 * (double)clipped / (double)n);
}

/* Maps (image formats only), attaches alpha, encodes and writes one output. */
static int write_output(const struct apply_job *job, const struct output_file *out,
                        convtool_tensor *t, const convtool_tensor *alpha, int npy_rank)
{
    const struct apply_options *o = job->opts;
    if (out->format != CONVTOOL_FORMAT_NPY) {
        convtool_map_apply(t, o->map);
        if (out->format != CONVTOOL_FORMAT_HDR)
            warn_if_clipped(out->path, t);
    }
    convtool_status st = attach_alpha(t, alpha);
    if (st != CONVTOOL_OK)
        return report(out->path, st);
    if (t->c > 4 && out->format != CONVTOOL_FORMAT_NPY) {
        cli_error("%s: %d channels cannot be stored in %s (at most 4; use .npy)", out->path,
                  t->c, convtool_format_name(out->format));
        return EXIT_RUNTIME;
    }
    convtool_save_options so = {.format = out->format, .jpeg_quality = o->quality,
                                .npy_rank = npy_rank == 2 && t->c == 1 ? 2 : 3,
                                .png_level = o->png_level, .pool = job->pool};
    convtool_buffer buf = {0};
    st = convtool_image_encode(t, &so, &buf);
    if (st == CONVTOOL_OK && convtool_write_file_atomic(out->path, buf.data, buf.len) != CONVTOOL_OK) {
        cli_error("%s: cannot write: %s", out->path, strerror(errno));
        convtool_buffer_free(&buf);
        return EXIT_RUNTIME;
    }
    convtool_buffer_free(&buf);
    return st == CONVTOOL_OK ? EXIT_OK : report(out->path, st);
}

static int write_stack(const struct apply_job *job, convtool_tensor *results,
                       const convtool_tensor *alpha)
{
    convtool_status st = CONVTOOL_OK;
    for (int k = 0; k < job->kernel_count && st == CONVTOOL_OK; k++)
        st = attach_alpha(&results[k], alpha);
    convtool_buffer buf = {0};
    if (st == CONVTOOL_OK)
        st = convtool_npy_encode_stack(results, (size_t)job->kernel_count, &buf);
    if (st == CONVTOOL_OK &&
        convtool_write_file_atomic(job->outputs[0].path, buf.data, buf.len) != CONVTOOL_OK) {
        cli_error("%s: cannot write: %s", job->outputs[0].path, strerror(errno));
        convtool_buffer_free(&buf);
        return EXIT_RUNTIME;
    }
    convtool_buffer_free(&buf);
    return st == CONVTOOL_OK ? EXIT_OK : report(job->outputs[0].path, st);
}

static int check_sizes(const struct apply_job *job, const convtool_tensor *results)
{
    for (int k = 1; k < job->kernel_count; k++) {
        if (results[k].h != results[0].h || results[k].w != results[0].w) {
            cli_error("%s: --combine needs outputs of one size, but kernel %s gives %dx%d and "
                      "%s gives %dx%d",
                      job->input, job->kernels[0].k.name, results[0].w, results[0].h,
                      job->kernels[k].k.name, results[k].w, results[k].h);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

static int write_results(const struct apply_job *job, convtool_tensor *results,
                         const convtool_tensor *alpha, int npy_rank)
{
    const struct apply_options *o = job->opts;
    if (o->combine == CONVTOOL_COMBINE_SEPARATE) {
        int rc = EXIT_OK;
        for (int k = 0; k < job->kernel_count; k++) {
            int one = write_output(job, &job->outputs[k], &results[k], alpha, npy_rank);
            rc = rc == EXIT_OK ? one : rc;
        }
        return rc;
    }
    int rc = check_sizes(job, results);
    if (rc != EXIT_OK)
        return rc;
    if (o->combine == CONVTOOL_COMBINE_STACK)
        return write_stack(job, results, alpha);
    convtool_tensor combined;
    convtool_status st =
        convtool_combine_tensors(results, (size_t)job->kernel_count, o->combine, &combined);
    if (st != CONVTOOL_OK)
        return report(job->input, st);
    rc = write_output(job, &job->outputs[0], &combined, alpha, npy_rank);
    convtool_tensor_free(&combined);
    return rc;
}

/* Runs every kernel; the alpha plane follows the first kernel's geometry. */
static int filter_all(const struct apply_job *job, struct planes *p, convtool_tensor *results,
                      convtool_tensor *alpha_out)
{
    const convtool_geometry_spec *spec = &job->opts->geometry;
    for (int k = 0; k < job->kernel_count; k++) {
        const struct prepared_kernel *pk = &job->kernels[k];
        convtool_geometry g;
        convtool_status st =
            convtool_geometry_resolve(spec, p->color.h, p->color.w, pk->k.h, pk->k.w, &g);
        if (st != CONVTOOL_OK) {
            geometry_explain_error(job->input, spec, p->color.h, p->color.w, &pk->k);
            return cli_exit_code(st);
        }
        st = convtool_conv2d(&p->color, &pk->k, &g, pk->bias, job->pool, &results[k]);
        if (st == CONVTOOL_OK && k == 0 && p->alpha.data)
            st = carry_alpha(job, &p->alpha, &g, alpha_out);
        if (st != CONVTOOL_OK)
            return report(job->input, st);
    }
    return EXIT_OK;
}

int apply_run_file(const struct apply_job *job)
{
    struct planes p = {0};
    convtool_tensor results[APPLY_MAX_KERNELS] = {0}, alpha_out = {0};
    int rc = decode_input(job->opts, job->input, &p.image);
    if (rc == EXIT_OK) {
        convtool_status st = split_planes(job->opts, &p);
        rc = st == CONVTOOL_OK ? EXIT_OK : report(job->input, st);
    }
    if (rc == EXIT_OK)
        rc = filter_all(job, &p, results, &alpha_out);
    if (rc == EXIT_OK)
        rc = write_results(job, results, &alpha_out, p.image.info.npy_rank);
    for (int k = 0; k < job->kernel_count; k++)
        convtool_tensor_free(&results[k]);
    convtool_tensor_free(&alpha_out);
    free_planes(&p);
    return rc;
}
