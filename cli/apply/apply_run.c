/*
 * The per-file pipeline of `apply`. PNG/JPEG to 8-bit formats with separate
 * outputs take the fused 8-bit path (apply_fused.c); everything else — .npy
 * and .hdr, --combine, --chain, --map normalize — goes through float tensors
 * here: decode, split off alpha, optional luma, one correlation per kernel
 * (or, with --chain, each kernel on the previous result), combine, map,
 * re-attach alpha, encode, and one atomic write per output.
 */
#include <stdlib.h>
#include <string.h>

#include "apply/apply_common.h"
#include "apply/apply_fused.h"
#include "apply/apply_limits.h"
#include "common/messages.h"

/* The input split into what gets filtered and the alpha that is carried along. */
struct planes {
    convtool_image image;
    convtool_tensor color;
    convtool_tensor alpha; /* 1 channel, or empty */
    double bound;          /* the largest |value| of color: 1 for images, -1 (unknown) for .npy */
};

/* One kernel's result, with the alpha plane carried through its geometry. */
struct result {
    convtool_tensor values;
    convtool_tensor alpha;
};

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

static convtool_status carry_alpha(const struct apply_job *job, const convtool_tensor *alpha,
                                   const convtool_geometry *g, convtool_tensor *out)
{
    convtool_kernel delta;
    convtool_geometry direct = *g; /* one tap: exact, whatever --method the colours use */
    direct.method = CONVTOOL_METHOD_DIRECT;
    convtool_status st = apply_delta_kernel(g, &delta);
    if (st == CONVTOOL_OK)
        st = convtool_conv2d(alpha, &delta, &direct, 0.0f, job->pool, out);
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

/*
 * Maps (image formats only), attaches alpha, encodes and writes one output;
 * sum is the kernel sum behind it, for the clipping warning.
 */
static int write_output(const struct apply_job *job, const struct output_file *out,
                        convtool_tensor *t, const convtool_tensor *alpha, int npy_rank, double sum)
{
    const struct apply_options *o = job->opts;
    if (out->format != CONVTOOL_FORMAT_NPY) {
        convtool_map_apply(t, o->map);
        if (out->format != CONVTOOL_FORMAT_HDR)
            apply_warn_clipped(out->path, convtool_count_clipped(t), convtool_tensor_count(t),
                               sum);
    }
    convtool_status st = attach_alpha(t, alpha);
    if (st != CONVTOOL_OK)
        return cli_report(out->path, st);
    if (t->c > 4 && out->format != CONVTOOL_FORMAT_NPY) {
        cli_error("%s: %d channels cannot be stored in %s (at most 4; use .npy)", out->path,
                  t->c, convtool_format_name(out->format));
        return EXIT_RUNTIME;
    }
    convtool_save_options so = {.format = out->format, .jpeg_quality = o->quality,
                                .npy_rank = npy_rank == 2 && t->c == 1 ? 2 : 3,
                                .png_level = o->png_level, .pool = job->pool};
    convtool_buffer encoded = {0};
    st = convtool_image_encode(t, &so, &encoded);
    int rc = st == CONVTOOL_OK ? apply_write(out->path, &encoded) : cli_report(out->path, st);
    convtool_buffer_free(&encoded);
    return rc;
}

static int write_stack(const struct apply_job *job, struct result *results)
{
    convtool_status st = CONVTOOL_OK;
    for (int k = 0; k < job->kernel_count && st == CONVTOOL_OK; k++)
        st = attach_alpha(&results[k].values, &results[k].alpha);
    convtool_tensor parts[APPLY_MAX_KERNELS];
    for (int k = 0; k < job->kernel_count; k++)
        parts[k] = results[k].values;
    convtool_buffer encoded = {0};
    if (st == CONVTOOL_OK)
        st = convtool_npy_encode_stack(parts, (size_t)job->kernel_count, &encoded);
    const char *path = job->outputs[0].path;
    int rc = st == CONVTOOL_OK ? apply_write(path, &encoded) : cli_report(path, st);
    convtool_buffer_free(&encoded);
    return rc;
}

static int check_sizes(const struct apply_job *job, const struct result *results)
{
    for (int k = 1; k < job->kernel_count; k++) {
        const convtool_tensor *a = &results[0].values, *b = &results[k].values;
        if (b->h != a->h || b->w != a->w) {
            cli_error("%s: --combine needs outputs of one size, but kernel %s gives %dx%d and "
                      "%s gives %dx%d",
                      job->input, job->kernels[0].k.name, a->w, a->h, job->kernels[k].k.name,
                      b->w, b->h);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

static int write_combined(const struct apply_job *job, struct result *results, int npy_rank)
{
    convtool_tensor parts[APPLY_MAX_KERNELS], combined;
    for (int k = 0; k < job->kernel_count; k++)
        parts[k] = results[k].values;
    convtool_status st = convtool_combine_tensors(parts, (size_t)job->kernel_count,
                                                  job->opts->combine, &combined);
    if (st != CONVTOOL_OK)
        return cli_report(job->input, st);
    apply_warn_combine_overflow(job, parts, (size_t)job->kernel_count, &combined);
    /* all results have one size, so the first kernel's alpha fits them all */
    int rc = write_output(job, &job->outputs[0], &combined, &results[0].alpha, npy_rank,
                          apply_output_sum(job, 0));
    convtool_tensor_free(&combined);
    return rc;
}

static int write_results(const struct apply_job *job, struct result *results, int npy_rank)
{
    if (job->opts->chain)
        return write_output(job, &job->outputs[0], &results[0].values, &results[0].alpha,
                            npy_rank, apply_output_sum(job, 0));
    if (job->opts->combine == CONVTOOL_COMBINE_SEPARATE) {
        int rc = EXIT_OK;
        for (int k = 0; k < job->kernel_count; k++) {
            int one = write_output(job, &job->outputs[k], &results[k].values,
                                   &results[k].alpha, npy_rank, apply_output_sum(job, k));
            rc = rc == EXIT_OK ? one : rc;
        }
        return rc;
    }
    int rc = check_sizes(job, results);
    if (rc != EXIT_OK)
        return rc;
    if (job->opts->combine == CONVTOOL_COMBINE_STACK)
        return write_stack(job, results);
    return write_combined(job, results, npy_rank);
}

/*
 * One kernel over values, and the alpha plane (if any) through its geometry,
 * into r. bound: the largest |value| in values, or -1 if unknown (it lets the
 * overflow check skip its pass over the result).
 */
static int filter_one(const struct apply_job *job, const struct prepared_kernel *pk,
                      const convtool_tensor *values, const convtool_tensor *alpha, double bound,
                      struct result *r)
{
    convtool_geometry g;
    int rc = apply_geometry(job, pk, values->h, values->w, &g);
    if (rc == EXIT_OK)
        rc = apply_method(job, pk, &g, values->c);
    if (rc != EXIT_OK)
        return rc;
    convtool_status st = convtool_conv2d(values, &pk->k, &g, pk->bias, job->pool, &r->values);
    if (st == CONVTOOL_OK)
        apply_warn_overflow(job, pk, bound, values, &r->values);
    if (st == CONVTOOL_OK && alpha->data)
        st = carry_alpha(job, alpha, &g, &r->alpha);
    return st == CONVTOOL_OK ? EXIT_OK : cli_report(job->input, st);
}

/* Runs every kernel on the input, each with the alpha plane carried through its geometry. */
static int filter_all(const struct apply_job *job, const struct planes *p,
                      struct result *results)
{
    int rc = EXIT_OK;
    for (int k = 0; k < job->kernel_count && rc == EXIT_OK; k++)
        rc = filter_one(job, &job->kernels[k], &p->color, &p->alpha, p->bound, &results[k]);
    return rc;
}

/* A geometry error of a later step shows that step's input size, not the file's: say why. */
static void chain_note(const struct apply_job *job, int k, const convtool_tensor *in)
{
    const convtool_kernel *kn = &job->kernels[k].k;
    convtool_geometry g;
    if (convtool_geometry_resolve(&job->opts->geometry, in->h, in->w, kn->h, kn->w, &g) ==
        CONVTOOL_OK)
        return;
    cli_error("%s: --chain step %d (kernel %s) filters the %dx%d result of the steps before it",
              job->input, k + 1, kn->name, in->w, in->h);
}

/*
 * --chain: each kernel filters the previous kernel's float result (no
 * rounding between steps, so the chain is the composed kernel but for the
 * padding at the borders); out ends with the last result.
 */
static int filter_chain(const struct apply_job *job, const struct planes *p, struct result *out)
{
    int rc = filter_one(job, &job->kernels[0], &p->color, &p->alpha, p->bound, out);
    for (int k = 1; k < job->kernel_count && rc == EXIT_OK; k++) {
        struct result prev = *out;
        memset(out, 0, sizeof *out);
        chain_note(job, k, &prev.values);
        rc = filter_one(job, &job->kernels[k], &prev.values, &prev.alpha, -1.0, out);
        convtool_tensor_free(&prev.values);
        convtool_tensor_free(&prev.alpha);
    }
    return rc;
}

static int run_float(const struct apply_job *job, convtool_buffer *file)
{
    struct planes p = {0};
    struct result results[APPLY_MAX_KERNELS] = {0};
    convtool_load_options lo = apply_load_options(job->opts);
    convtool_status st = convtool_image_decode(file->data, file->len, &lo, &p.image);
    convtool_buffer_free(file); /* the compressed bytes are not needed past here */
    if (st == CONVTOOL_OK)
        st = split_planes(job->opts, &p);
    int rc = st == CONVTOOL_OK ? EXIT_OK : cli_report(job->input, st);
    int npy_rank = p.image.info.npy_rank;
    p.bound = p.image.info.format == CONVTOOL_FORMAT_NPY ? -1.0 : 1.0; /* images hold [0,1] */
    convtool_image_free(&p.image); /* color and alpha are copies */
    if (rc == EXIT_OK)
        rc = job->opts->chain ? filter_chain(job, &p, results) : filter_all(job, &p, results);
    if (rc == EXIT_OK)
        rc = write_results(job, results, npy_rank);
    for (int k = 0; k < job->kernel_count; k++) {
        convtool_tensor_free(&results[k].values);
        convtool_tensor_free(&results[k].alpha);
    }
    free_planes(&p);
    return rc;
}

int apply_run_file(const struct apply_job *job)
{
    convtool_buffer file = {0};
    convtool_image_info info;
    int rc = apply_read_input(job->opts, job->input, &file, &info);
    /* The route is decided once: the limits count the buffers of the path that runs. */
    int fused = rc == EXIT_OK && apply_fused_fits(job, &info);
    if (rc == EXIT_OK)
        rc = apply_check_limits(job, &info, file.len, fused);
    if (rc == EXIT_OK)
        rc = fused ? apply_run_fused(job, &file, &info) : run_float(job, &file);
    convtool_buffer_free(&file);
    return rc;
}
