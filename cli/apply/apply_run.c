/*
 * The per-file pipeline of `apply`. PNG/JPEG to PNG (8 or 16 bits), JPEG,
 * BMP or TGA with separate outputs take the fused pixel path (apply_fused.c);
 * a large .npy to a .npy streams plane by plane (apply_stream_npy.c);
 * everything else — .npy and .hdr, --combine, --chain —
 * goes through float tensors here: decode, split off alpha, optional luma,
 * one correlation per kernel (or, with --chain, each kernel on the previous
 * result), combine, map, re-attach alpha, encode, and one atomic write per
 * output.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply_bias.h"
#include "apply/apply_common.h"
#include "apply/apply_fused.h"
#include "apply/apply_stream.h"
#include "apply/apply_stream_npy.h"
#include "apply/apply_grid.h"
#include "apply/apply_limits.h"
#include "apply/apply_meta.h"
#include "apply/save_choice.h"
#include "apply/apply_mix.h"
#include "common/messages.h"

/* The input split into what gets filtered and the alpha that is carried along. */
struct planes {
    convtool_image image;
    convtool_tensor color;
    convtool_tensor alpha; /* 1 channel, or empty */
    double bound;          /* the largest |value| of color: 1 for images, -1 (unknown) for .npy */
    struct input_shape in; /* color as torch sees it: rank, batch, channels per item */
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

/* --gray on a (N, C, H, W) batch: each item's first three channels to its one luma channel. */
static convtool_status batch_luma(const convtool_tensor *t, int batch, convtool_tensor *out)
{
    int c = t->c / batch;
    size_t plane = (size_t)t->h * t->w;
    convtool_status st = convtool_tensor_alloc(out, batch, t->h, t->w);
    for (int n = 0; st == CONVTOOL_OK && n < batch; n++) {
        convtool_tensor item = {c, t->h, t->w, t->data + (size_t)n * c * plane}, luma = {0};
        st = convtool_to_luma(&item, &luma);
        if (st == CONVTOOL_OK)
            memcpy(out->data + (size_t)n * plane, luma.data, plane * sizeof(float));
        convtool_tensor_free(&luma);
    }
    return st;
}

static convtool_status split_planes(const struct apply_options *o, struct planes *p)
{
    const convtool_tensor *t = &p->image.tensor;
    int carry_alpha = p->image.has_alpha && o->alpha != ALPHA_FILTER;
    int colors = carry_alpha ? t->c - 1 : t->c;
    int batch = p->image.info.npy_batch;
    convtool_status st = CONVTOOL_OK;
    if (carry_alpha && o->alpha == ALPHA_KEEP)
        st = slice_channels(t, t->c - 1, 1, &p->alpha);
    if (st == CONVTOOL_OK && o->gray && batch > 0 && t->c / batch >= 3)
        return batch_luma(t, batch, &p->color);
    if (st == CONVTOOL_OK && o->gray && batch == 0 && colors >= 3)
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
 * Image formats hold 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) channels
 * of one picture: a batch, or a weight's O channels of another count, is
 * refused with what would work.
 */
static int check_image_channels(const struct apply_job *job, const struct output_file *out,
                                const convtool_tensor *t, const convtool_tensor *alpha,
                                const struct input_shape *in)
{
    int mixing = job->kernels[0].wt.values != NULL;
    if (in->batch > 1) {
        cli_error("%s: a batch of %d items cannot be one %s; write .npy (N, C, H, W), or add "
                  "--grid for one picture of every item and channel",
                  out->path, in->batch, convtool_format_name(out->format));
        return EXIT_USAGE;
    }
    int colors = t->c, total = t->c + (alpha->data ? 1 : 0);
    if (mixing && (colors == 2 || total > 4)) {
        cli_error("%s: the weight gives %d output channel%s%s; %s holds 1 (gray), 3 (RGB) or 4 "
                  "(RGBA): write .npy, or add --grid for a picture of each channel",
                  out->path, colors, colors == 1 ? "" : "s",
                  alpha->data ? " and the alpha carried along (--alpha drop leaves it out)" : "",
                  convtool_format_name(out->format));
        return EXIT_USAGE;
    }
    if (total > 4) {
        cli_error("%s: %d channels cannot be stored in %s (at most 4; use .npy or --grid)",
                  out->path, total, convtool_format_name(out->format));
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

static convtool_save_options save_options(const struct apply_job *job,
                                          const struct output_file *out, const convtool_tensor *t,
                                          const struct input_shape *in)
{
    convtool_save_options so = save_choice_options(job, job->choice, out);
    so.npy_rank = in->rank == 2 && t->c == 1 ? 2 : 3;
    so.metadata = job->metadata;
    if (in->rank == 4) {
        so.npy_rank = 4;
        so.npy_batch = in->batch;
    }
    return so;
}

/*
 * Maps (image formats only), attaches alpha, encodes and writes one output;
 * sum is the kernel sum behind it, for the clipping warning.
 */
static int write_output(const struct apply_job *job, const struct output_file *out,
                        convtool_tensor *t, const convtool_tensor *alpha,
                        const struct input_shape *in, double sum)
{
    const struct apply_options *o = job->opts;
    if (o->grid)
        return apply_write_grid(job, out, t, 1, in->batch);
    if (out->format != CONVTOOL_FORMAT_NPY) {
        int rc = check_image_channels(job, out, t, alpha, in);
        if (rc != EXIT_OK)
            return rc;
        convtool_map_apply(t, o->map);
        if (out->format != CONVTOOL_FORMAT_HDR)
            apply_warn_clipped(out->path, convtool_count_clipped(t), convtool_tensor_count(t),
                               sum, job->kernels[0].wt.values != NULL);
    }
    convtool_status st = attach_alpha(t, alpha);
    if (st != CONVTOOL_OK)
        return cli_report(out->path, st);
    convtool_save_options so = save_options(job, out, t, in);
    apply_meta_note_output(job, out, t->c);
    save_choice_tell(job, job->choice, out, t->c);
    convtool_buffer encoded = {0};
    st = convtool_image_encode(t, &so, &encoded);
    int rc = st == CONVTOOL_OK ? apply_write(out->path, &encoded) : cli_report(out->path, st);
    convtool_buffer_free(&encoded);
    return rc;
}

static int write_stack(const struct apply_job *job, struct result *results,
                       const struct input_shape *in)
{
    if (in->batch > 1) {
        cli_error("%s: --combine stack on a batch of %d would make a 5-D tensor; write each "
                  "kernel's (N, C, H, W) on its own (the default, separate)",
                  job->input, in->batch);
        return EXIT_USAGE;
    }
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

static int write_combined(const struct apply_job *job, struct result *results,
                          const struct input_shape *in)
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
    int rc = write_output(job, &job->outputs[0], &combined, &results[0].alpha, in,
                          apply_output_sum(job, 0));
    convtool_tensor_free(&combined);
    return rc;
}

static int write_grid(const struct apply_job *job, struct result *results,
                      const struct input_shape *in)
{
    convtool_tensor parts[APPLY_MAX_KERNELS];
    int rc = check_sizes(job, results);
    for (int k = 0; k < job->kernel_count; k++)
        parts[k] = results[k].values;
    return rc == EXIT_OK ? apply_write_grid(job, &job->outputs[0], parts, job->kernel_count,
                                            in->batch)
                         : rc;
}

static int write_results(const struct apply_job *job, struct result *results,
                         const struct input_shape *in)
{
    if (job->opts->chain)
        return write_output(job, &job->outputs[0], &results[0].values, &results[0].alpha, in,
                            apply_output_sum(job, 0));
    if (job->opts->grid && job->opts->combine == CONVTOOL_COMBINE_SEPARATE)
        return write_grid(job, results, in);
    if (job->opts->combine == CONVTOOL_COMBINE_SEPARATE) {
        int rc = EXIT_OK;
        for (int k = 0; k < job->kernel_count; k++) {
            int one = write_output(job, &job->outputs[k], &results[k].values,
                                   &results[k].alpha, in, apply_output_sum(job, k));
            rc = rc == EXIT_OK ? one : rc;
        }
        return rc;
    }
    int rc = check_sizes(job, results);
    if (rc != EXIT_OK)
        return rc;
    if (job->opts->combine == CONVTOOL_COMBINE_STACK)
        return write_stack(job, results, in);
    return write_combined(job, results, in);
}

/* --bias of one value per channel for kernels that filter each channel on its own. */
static int add_channel_biases(const struct apply_job *job, const struct input_shape *in,
                              convtool_tensor *t)
{
    const struct apply_options *o = job->opts;
    if (!o->biases)
        return EXIT_OK;
    int rc = apply_check_bias(o, job->input, in->c, "the kernel filters each channel on its own: "
                                                    "the input has");
    size_t plane = (size_t)t->h * t->w;
    for (int c = 0; rc == EXIT_OK && c < t->c; c++) {
        float b = o->biases[c % in->c];
        for (size_t i = 0; i < plane; i++)
            t->data[(size_t)c * plane + i] += b;
    }
    return rc;
}

/*
 * One kernel over values, and the alpha plane (if any) through its geometry,
 * into r. bound: the largest |value| in values, or -1 if unknown (it lets the
 * overflow check skip its pass over the result).
 */
static int filter_one(const struct apply_job *job, const struct prepared_kernel *pk,
                      const convtool_tensor *values, const convtool_tensor *alpha, double bound,
                      const struct input_shape *in, struct result *r)
{
    convtool_geometry g;
    int rc;
    convtool_status st = CONVTOOL_OK;
    if (pk->wt.values) {
        rc = apply_mix_run(job, pk, values, in, &g, &r->values);
    } else {
        rc = apply_geometry(job, pk, values->h, values->w, &g);
        if (rc == EXIT_OK)
            rc = apply_method(job, pk, &g, values->c);
        if (rc == EXIT_OK)
            st = convtool_conv2d(values, &pk->k, &g, pk->bias, job->pool, &r->values);
        if (st == CONVTOOL_OK && rc == EXIT_OK)
            rc = add_channel_biases(job, in, &r->values);
    }
    if (rc != EXIT_OK)
        return rc;
    if (st == CONVTOOL_OK && !pk->wt.values)
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
        rc = filter_one(job, &job->kernels[k], &p->color, &p->alpha, p->bound, &p->in,
                        &results[k]);
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
    int rc = filter_one(job, &job->kernels[0], &p->color, &p->alpha, p->bound, &p->in, out);
    for (int k = 1; k < job->kernel_count && rc == EXIT_OK; k++) {
        struct result prev = *out;
        memset(out, 0, sizeof *out);
        chain_note(job, k, &prev.values);
        rc = filter_one(job, &job->kernels[k], &prev.values, &prev.alpha, -1.0, &p->in, out);
        convtool_tensor_free(&prev.values);
        convtool_tensor_free(&prev.alpha);
    }
    return rc;
}

/* The planes as torch sees them: an image is (C, H, W); a .npy keeps its rank and batch. */
static struct input_shape shape_of(const struct apply_options *o, const struct planes *p)
{
    const convtool_image_info *info = &p->image.info;
    struct input_shape in = {.rank = info->format == CONVTOOL_FORMAT_NPY ? info->npy_rank : 0,
                             .batch = info->npy_batch > 0 ? info->npy_batch : 1,
                             .h = p->color.h, .w = p->color.w};
    in.c = p->color.c / in.batch;
    in.alpha = p->image.has_alpha && o->alpha != ALPHA_FILTER;
    return in;
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
    if (rc == EXIT_OK)
        p.in = shape_of(job->opts, &p);
    p.bound = p.image.info.format == CONVTOOL_FORMAT_NPY ? -1.0 : 1.0; /* images hold [0,1] */
    convtool_image_free(&p.image); /* color and alpha are copies */
    if (rc == EXIT_OK)
        rc = job->opts->chain ? filter_chain(job, &p, results) : filter_all(job, &p, results);
    if (rc == EXIT_OK)
        rc = write_results(job, results, &p.in);
    for (int k = 0; k < job->kernel_count; k++) {
        convtool_tensor_free(&results[k].values);
        convtool_tensor_free(&results[k].alpha);
    }
    free_planes(&p);
    return rc;
}

int apply_run_file(const struct apply_job *given)
{
    struct save_choice own;
    struct apply_job with_choice = *given;
    const struct apply_job *job = &with_choice;
    if (!with_choice.choice)
        with_choice.choice = &own;
    with_choice.choice->made = 0;
    convtool_metadata meta = {0}; /* read here, from the raw bytes; pixels decode contained */
    with_choice.metadata = &meta;
    int rc = apply_run_npy_stream(job); /* a large .npy to a .npy: plane by plane */
    if (rc != APPLY_STREAM_FALLBACK)
        return rc;
    convtool_buffer file = {0};
    convtool_image_info info;
    struct stream_input stream;
    int streaming = apply_stream_probe(job, &file, &info, &stream); /* a skeleton in file */
    rc = streaming ? EXIT_OK : apply_read_input(job->opts, job->input, &file, &info);
    if (rc == EXIT_OK) /* from the raw bytes: the JPEG's tables are gone once decoded */
        save_choice_make(job->opts, &file, &info, job->choice);
    if (rc == EXIT_OK)
        rc = apply_meta_read(job, &file, &meta);
    if (rc == EXIT_OK)
        apply_meta_shown_size(job, &info); /* the limits size the picture the kernels see */
    /* The route is decided once: the limits count the buffers of the path that runs. */
    int fused = rc == EXIT_OK && apply_fused_fits(job, &info);
    if (rc == EXIT_OK)
        rc = apply_check_limits(job, &info, streaming ? stream.len : file.len, fused, streaming);
    if (rc == EXIT_OK && streaming) {
        convtool_buffer_free(&file); /* the skeleton, or a JPEG's bytes: read, not needed */
        rc = apply_run_stream(job, &stream, &info);
        if (rc == APPLY_STREAM_FALLBACK) { /* a part that cannot stream: the file whole */
            convtool_buffer_free(&file);
            rc = apply_read_input(job->opts, job->input, &file, &info);
            if (rc == EXIT_OK)
                apply_meta_shown_size(job, &info);
            if (rc == EXIT_OK)
                rc = apply_check_limits(job, &info, file.len, fused, 0);
            streaming = 0;
        }
    }
    if (rc == EXIT_OK && !streaming)
        rc = fused ? apply_run_fused(job, &file, &info) : run_float(job, &file);
    if (stream.fd >= 0)
        close(stream.fd);
    convtool_buffer_free(&file);
    convtool_metadata_free(&meta);
    return rc;
}
