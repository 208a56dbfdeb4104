/*
 * The strip engine for .npy: a .npy of 4 MiB of values or more going to one
 * .npy with one 2-D kernel. A .npy stores its planes one after the other and
 * such a kernel filters each plane on its own, so the run goes plane by
 * plane and each plane strip by strip: the window of input rows a strip
 * reads comes from the file at its offset (convtool_npy_reader), the strip
 * is convolved from it (convtool_conv2d_rows, by the method the whole
 * tensor gets), stored as float32 and appended to the output's temp. Both
 * files are read and written in order; memory is one plane's window and
 * strip, never the array. The values are the whole path's (apply_run.c) bit
 * for bit: the same core and plan, the per-channel --bias added after, the
 * same overflow warning (tests/cli/cases/stream_npy.sh compares the bytes).
 *
 * What goes whole (apply_run.c): several kernels or outputs, a 4-D weight
 * (its outputs mix the planes), --chain, --combine, --grid, --gray, image
 * outputs, stdin, Fortran order, circular padding (its first rows read the
 * last ones), and kernels for the FFT tiles.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply_bias.h"
#include "apply/apply_common.h"
#include "apply/apply_limits.h"
#include "apply/apply_meta.h"
#include "apply/apply_stream.h"
#include "apply/apply_stream_npy.h"
#include "apply/batch.h"
#include "apply/save_choice.h"
#include "common/messages.h"

/* The reader's conversion buffer and header read (npy_reader.c), for --max-memory. */
#define READER_BYTES ((uint64_t)128 << 10)

struct npy_run {
    const struct apply_job *job;
    const struct prepared_kernel *pk;
    int fd;
    uint64_t len;
    convtool_npy_reader *reader;
    convtool_image_info info;
    convtool_geometry g; /* its method pinned to the whole tensor's */
    int planes;          /* N·C */
    int per_item;        /* C: the period of a --bias list */
    int strip_rows, window_cap;
    float *window; /* input rows [wlo, whi) of the current plane */
    int wlo, whi;
    float *strip;
    unsigned char *stored; /* a strip as the file stores it */
    convtool_write_stream *out;
    int write_errno;
    size_t nonfinite, nans;
    struct progress *progress;
};

/* What the options allow, before the file is looked at. */
static int options_fit(const struct apply_job *job)
{
    const struct apply_options *o = job->opts;
    return apply_stream_setting() != 0 && strcmp(job->input, "-") != 0 &&
           job->kernel_count == 1 && !job->kernels[0].wt.values && job->output_count == 1 &&
           job->outputs[0].format == CONVTOOL_FORMAT_NPY && !o->chain && !o->grid && !o->gray &&
           o->combine == CONVTOOL_COMBINE_SEPARATE;
}

/* The input, if it is a .npy this path takes: reader open, info filled. */
static int open_input(struct npy_run *r)
{
    const struct apply_options *o = r->job->opts;
    r->fd = apply_open_regular(r->job->input, &r->len);
    if (r->fd < 0 || (o->max_input_bytes && r->len > o->max_input_bytes))
        return APPLY_STREAM_FALLBACK; /* the whole path says what is wrong */
    if (convtool_npy_reader_open(r->fd, r->len, &r->info, &r->reader) != CONVTOOL_OK)
        return APPLY_STREAM_FALLBACK;
    const convtool_image_info *info = &r->info;
    r->per_item = info->channels;
    r->planes = info->channels * (info->npy_batch > 0 ? info->npy_batch : 1);
    uint64_t values = (uint64_t)r->planes * (uint64_t)info->height * (uint64_t)info->width;
    if ((apply_stream_setting() != 2 && values * sizeof(float) < APPLY_STREAM_MIN_BYTES) ||
        (uint64_t)info->width * (uint64_t)info->height > o->max_pixels)
        return APPLY_STREAM_FALLBACK;
    return EXIT_OK;
}


/* The strips over the output's rows (counted in 64 bits: a .npy may be INT_MAX rows tall). */
static int strip_count(const struct npy_run *r)
{
    return (int)(((int64_t)r->g.out_h + r->strip_rows - 1) / r->strip_rows);
}

/* Output rows [y0, y1) of strip k. */
static void strip_span(const struct npy_run *r, int k, int *y0, int *y1)
{
    int64_t first = (int64_t)k * r->strip_rows, end = first + r->strip_rows;
    *y0 = (int)first;
    *y1 = end < r->g.out_h ? (int)end : r->g.out_h;
}

/*
 * The most input rows a strip reads, or −1 when that is most of the plane:
 * circular padding, whose first rows read the last ones. Rows read again
 * (reflected padding at the bottom) are read again from the file.
 */
static int window_cap(const struct npy_run *r)
{
    int most = 1;
    for (int k = 0; k < strip_count(r); k++) {
        int y0, y1, lo, hi;
        strip_span(r, k, &y0, &y1);
        convtool_conv2d_rows_needed(&r->g, y0, y1, &lo, &hi);
        most = hi - lo > most ? hi - lo : most;
    }
    return apply_stream_window_fits(most, &r->g, r->strip_rows) ? most : -1;
}

/*
 * The geometry (silently: the whole path explains one that does not
 * resolve), the method the whole tensor gets (the FFT tiles go whole), the
 * strips and the window, the output's kind.
 */
static int plan_run(struct npy_run *r)
{
    const struct apply_job *job = r->job;
    const convtool_kernel *k = &r->pk->k;
    convtool_method_choice c;
    if (convtool_geometry_resolve(&job->opts->geometry, r->info.height, r->info.width, k->h, k->w,
                                  &r->g) != CONVTOOL_OK ||
        convtool_method_choose(k, &r->g, r->planes, convtool_pool_threads(job->pool), &c) !=
            CONVTOOL_OK ||
        c.method == CONVTOOL_METHOD_FFT || !apply_stream_output_ok(job->outputs[0].path))
        return APPLY_STREAM_FALLBACK;
    r->strip_rows = apply_stream_strip_rows((size_t)r->g.out_w * sizeof(float), r->g.out_h);
    r->window_cap = window_cap(r);
    if (r->window_cap < 0)
        return APPLY_STREAM_FALLBACK;
    return EXIT_OK;
}

/* The footprint against --max-memory and --max-work: the window, a strip twice, the reader. */
static int check_limits(const struct npy_run *r)
{
    uint64_t window, strip, work;
    const convtool_geometry *g = &r->g;
    int overflow =
        convtool_mul_u64((uint64_t)r->window_cap, (uint64_t)g->in_w, sizeof(float), 1,
                         &window) != CONVTOOL_OK ||
        convtool_mul_u64((uint64_t)r->strip_rows, (uint64_t)g->out_w, 2 * sizeof(float), 1,
                         &strip) != CONVTOOL_OK ||
        convtool_mul_u64((uint64_t)g->out_h * (uint64_t)g->out_w, (uint64_t)r->planes,
                         (uint64_t)g->k_h, (uint64_t)g->k_w, &work) != CONVTOOL_OK;
    return apply_check_footprint(r->job, &r->info, READER_BYTES, overflow ? 0 : window + strip,
                                 overflow ? 0 : work, overflow);
}

/* What the whole path prints or refuses before it writes: geometry notes, -v, the --bias count. */
static int check_job(struct npy_run *r)
{
    const struct apply_job *job = r->job;
    convtool_geometry resolved;
    int rc = apply_geometry(job, r->pk, r->info.height, r->info.width, &resolved);
    if (rc == EXIT_OK)
        rc = apply_method(job, r->pk, &resolved, r->planes);
    if (rc == EXIT_OK && job->opts->biases)
        rc = apply_check_bias(job->opts, job->input, r->per_item,
                              "the kernel filters each channel on its own: the input has");
    if (rc == EXIT_OK) { /* the method the whole tensor gets, for every plane on its own */
        convtool_method_choice c;
        convtool_method_choose(&r->pk->k, &r->g, r->planes, convtool_pool_threads(job->pool),
                               &c);
        r->g.method = c.method;
    }
    return rc;
}

static int write_failed(struct npy_run *r)
{
    convtool_write_detail detail;
    convtool_write_stream_abort(r->out, &detail);
    r->out = NULL;
    apply_explain_write_failure(r->job->outputs[0].path, &detail, r->write_errno);
    return EXIT_RUNTIME;
}

static int push(struct npy_run *r, const void *bytes, size_t n)
{
    if (convtool_write_stream_write(r->out, bytes, n) == CONVTOOL_OK)
        return EXIT_OK;
    r->write_errno = errno;
    return write_failed(r);
}

/* The buffers, the output's temp and the .npy header (the shape the whole path writes). */
static int open_output(struct npy_run *r)
{
    const struct apply_job *job = r->job;
    const struct output_file *out = &job->outputs[0];
    const convtool_geometry *g = &r->g;
    r->window = malloc((size_t)r->window_cap * (size_t)g->in_w * sizeof(float));
    r->strip = malloc((size_t)r->strip_rows * (size_t)g->out_w * sizeof(float));
    r->stored = malloc((size_t)r->strip_rows * (size_t)g->out_w * sizeof(float));
    if (!r->window || !r->strip || !r->stored)
        return cli_report(job->input, CONVTOOL_ENOMEM);
    int rank = r->info.npy_rank == 4 ? 4 : r->info.npy_rank == 2 && r->planes == 1 ? 2 : 3;
    convtool_buffer header = {0};
    convtool_status st = convtool_npy_header(r->planes, g->out_h, g->out_w, rank,
                                             r->info.npy_batch, &header);
    if (st != CONVTOOL_OK) {
        convtool_buffer_free(&header);
        return cli_report(out->path, st);
    }
    apply_meta_note_output(job, out, r->planes);
    save_choice_tell(job, job->choice, out, r->planes);
    convtool_write_detail detail;
    st = convtool_write_stream_open(out->path, &r->out, &detail);
    int rc = EXIT_OK;
    if (st != CONVTOOL_OK) {
        apply_explain_write_failure(out->path, &detail, errno);
        rc = EXIT_RUNTIME;
    } else {
        rc = push(r, header.data, header.len);
    }
    convtool_buffer_free(&header);
    return rc;
}

/* Makes the window hold input rows [lo, hi) of plane p, reading only what it lacks. */
static convtool_status fill_window(struct npy_run *r, int p, int lo, int hi)
{
    size_t row = (size_t)r->g.in_w;
    if (lo < r->wlo || lo >= r->whi)
        r->wlo = r->whi = lo; /* nothing to keep (or rows above: read again) */
    if (lo > r->wlo) {
        memmove(r->window, r->window + (size_t)(lo - r->wlo) * row,
                (size_t)(r->whi - lo) * row * sizeof(float));
        r->wlo = lo;
    }
    if (hi <= r->whi)
        return CONVTOOL_OK;
    convtool_status st = convtool_npy_reader_rows(r->reader, p, r->whi, hi - r->whi,
                                                  r->window + (size_t)(r->whi - r->wlo) * row);
    if (st == CONVTOOL_OK)
        r->whi = hi;
    return st;
}

/* One strip of plane p: window, convolution, the channel's bias, the tally, the file. */
static int run_strip(struct npy_run *r, int p, int k)
{
    const struct apply_job *job = r->job;
    int y0, y1, lo, hi;
    strip_span(r, k, &y0, &y1);
    convtool_conv2d_rows_needed(&r->g, y0, y1, &lo, &hi);
    convtool_status st = hi > lo ? fill_window(r, p, lo, hi) : CONVTOOL_OK;
    if (st != CONVTOOL_OK)
        return cli_report(job->input, st);
    int held = r->whi - r->wlo;
    convtool_tensor win = {1, held > 0 ? held : 1, r->g.in_w, r->window};
    convtool_tensor strip = {1, y1 - y0, r->g.out_w, r->strip};
    st = convtool_conv2d_rows(&win, r->wlo, &r->pk->k, &r->g, r->pk->bias, job->pool, &strip, y0);
    if (st != CONVTOOL_OK)
        return cli_report(job->input, st);
    size_t n = (size_t)(y1 - y0) * (size_t)r->g.out_w;
    if (job->opts->biases) { /* as apply_run.c adds it: after the sums, per channel */
        float b = job->opts->biases[p % r->per_item];
        for (size_t i = 0; i < n; i++)
            r->strip[i] += b;
    }
    apply_count_nonfinite(r->strip, n, &r->nonfinite, &r->nans);
    convtool_npy_store(r->strip, n, r->stored);
    return push(r, r->stored, n * sizeof(float));
}

static int run_planes(struct npy_run *r)
{
    int rc = EXIT_OK;
    size_t done = 0;
    for (int p = 0; p < r->planes && rc == EXIT_OK; p++) {
        r->wlo = r->whi = 0;
        for (int k = 0; k < strip_count(r) && rc == EXIT_OK; k++) {
            int y0, y1;
            strip_span(r, k, &y0, &y1);
            rc = run_strip(r, p, k);
            done += (size_t)(y1 - y0);
            progress_rows_done(r->progress, done);
        }
    }
    return rc;
}

/*
 * The whole path's overflow warning: only when a result is inf or NaN, and
 * not when the input held one (then the whole input is read again for its
 * largest value, as the whole path scans its tensor).
 */
static int warn_overflow(struct npy_run *r)
{
    if (r->nonfinite == 0)
        return EXIT_OK;
    double peak = 0.0;
    int rows = r->window_cap, h = r->info.height;
    for (int p = 0; p < r->planes && peak >= 0.0; p++) {
        for (int64_t y = 0; y < h && peak >= 0.0; y += rows) {
            int n = h - y < rows ? (int)(h - y) : rows;
            convtool_status st = convtool_npy_reader_rows(r->reader, p, (int)y, n, r->window);
            if (st != CONVTOOL_OK)
                return cli_report(r->job->input, st);
            peak = apply_finite_peak(r->window, (size_t)n * (size_t)r->info.width, peak);
        }
    }
    apply_warn_overflow_found(r->job, r->pk, r->nonfinite, r->nans, peak);
    return EXIT_OK;
}

static int commit(struct npy_run *r)
{
    convtool_write_detail detail;
    convtool_status st = convtool_write_stream_commit(r->out, &detail);
    r->out = NULL;
    if (st != CONVTOOL_OK) {
        apply_explain_write_failure(r->job->outputs[0].path, &detail, errno);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

static void close_run(struct npy_run *r)
{
    progress_finish(r->progress);
    convtool_write_stream_abort(r->out, NULL); /* nothing is left of a run that failed */
    convtool_npy_reader_close(r->reader);
    if (r->fd >= 0)
        close(r->fd);
    free(r->window);
    free(r->strip);
    free(r->stored);
}

int apply_run_npy_stream(const struct apply_job *job)
{
    if (!options_fit(job))
        return APPLY_STREAM_FALLBACK;
    struct npy_run r;
    memset(&r, 0, sizeof r);
    r.job = job, r.pk = &job->kernels[0], r.fd = -1;
    int rc = open_input(&r);
    if (rc == EXIT_OK)
        rc = plan_run(&r);
    if (rc == EXIT_OK) { /* from here on this path answers: nothing falls back */
        convtool_buffer none = {0};
        save_choice_make(job->opts, &none, &r.info, job->choice);
        rc = check_limits(&r);
    }
    if (rc == EXIT_OK)
        rc = check_job(&r);
    if (rc == EXIT_OK)
        rc = open_output(&r);
    if (rc == EXIT_OK) {
        r.progress = apply_stream_progress(job, (size_t)r.planes * (size_t)r.g.out_h);
        rc = run_planes(&r);
    }
    if (rc == EXIT_OK)
        rc = warn_overflow(&r);
    if (rc == EXIT_OK)
        rc = commit(&r);
    close_run(&r);
    return rc;
}
