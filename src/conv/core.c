/*
 * The convolution engine. Work is split into bands of output rows (all
 * channels of a band in one item, so an interleaved 8-bit source row is
 * fetched while it is still in cache). For each band and channel a thread
 * builds the padded input rows the band needs in its own scratch — with a
 * horizontal stride s the rows are stored as s deinterleaved phases, so every
 * tap reads contiguous floats — and runs the SIMD row loop per output row.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "conv/core.h"
#include "conv/deinterleave.h"
#include "conv/pad.h"
#include "common/pool_internal.h"
#include "conv/simd/simd.h"

/* Padded rows a band keeps per channel: about half of a 1 MiB L2. */
#define CACHE_TARGET_BYTES (512 * 1024)
#define MAX_BAND_ROWS 64
/* Outputs of more floats than this (16 MiB, past any L3 here) use streaming stores. */
#define STREAM_MIN_VALUES ((size_t)4 << 20)

struct scratch {
    float *rows;                /* rows_cap padded rows, each stride_x phases of phase_len */
    int *slot_row;              /* the padded row each slot holds, or −1 */
    unsigned char *slot_finite; /* whether that row is free of NaN and infinity */
    float *line;                /* one padded row before deinterleaving */
    float *vertical;            /* separable: the vertical pass of one output row */
    float *out;                 /* an output row, when the sink wants rows handed over */
    const float **ptrs;         /* one source pointer per tap */
};

struct core_job {
    const struct conv_plan *plan;
    const convtool_geometry *g;
    const struct conv_source *src;
    const struct conv_sink *sink;
    rowconv_fn rowconv;
    int stream; /* rows go straight into a big output: streaming stores */
    int check_finite; /* zero taps are skipped for rows found finite (core.h) */
    finite_scan_fn all_finite;
    int wp, phase_len, row_floats, rows_cap, band_rows, bands;
    int y_begin, y_end; /* the output rows this run makes */
    struct scratch *scratch; /* one per thread */
    size_t *clipped;         /* one per band, summed in order at the end */
    atomic_int failed;
};

static void scratch_free(struct scratch *sc)
{
    free(sc->rows);
    free(sc->slot_row);
    free(sc->slot_finite);
    free(sc->line);
    free(sc->vertical);
    free(sc->out);
    free(sc->ptrs);
    memset(sc, 0, sizeof *sc);
}

static int scratch_alloc(const struct core_job *job, struct scratch *sc)
{
    const convtool_geometry *g = job->g;
    size_t row = (size_t)job->row_floats;
    /* calloc: the unused tail of each phase stays 0 for the vertical pass. */
    sc->rows = calloc((size_t)job->rows_cap * row, sizeof(float));
    sc->slot_row = malloc((size_t)job->rows_cap * sizeof(int));
    sc->slot_finite = malloc((size_t)job->rows_cap);
    sc->line = malloc((size_t)job->wp * sizeof(float));
    sc->vertical = calloc(row, sizeof(float));
    sc->out = malloc((size_t)g->out_w * sizeof(float));
    sc->ptrs = malloc((size_t)g->k_h * (size_t)g->k_w * sizeof(float *));
    if (sc->rows && sc->slot_row && sc->slot_finite && sc->line && sc->vertical && sc->out &&
        sc->ptrs)
        return 1;
    scratch_free(sc);
    return 0;
}

/* Fills the padding columns of a row whose pixels sit at [left, left + w). */
static void fill_borders(float *row, int left, int w, int wp, convtool_pad_mode mode)
{
    for (int x = 0; x < wp; x++) {
        if (x == left) {
            x = left + w - 1; /* skip the pixels themselves */
            continue;
        }
        int sx = pad_source_index(x - left, w, mode);
        row[x] = sx < 0 ? 0.0f : row[left + sx];
    }
}

/* Builds padded row r of channel ch into dst, in stride_x phases; returns
 * whether the row is finite (1 when the job does not need to know). */
static int build_row(const struct core_job *job, struct scratch *sc, int ch, int r, float *dst)
{
    const convtool_geometry *g = job->g;
    const struct conv_source *src = job->src;
    int sx = g->stride_x;
    float *line = sx == 1 ? dst : sc->line;
    int source_row = pad_source_index(r - g->pad_top, src->h, g->mode);
    int finite = 1;
    if (source_row < 0) {
        memset(line, 0, (size_t)job->wp * sizeof(float));
    } else {
        src->read_row(src, ch, source_row, line + g->pad_left);
        if (job->check_finite)
            finite = job->all_finite(line + g->pad_left, src->w);
        fill_borders(line, g->pad_left, src->w, job->wp, g->mode);
    }
    if (sx > 1)
        deinterleave_row(line, job->wp, sx, job->phase_len, dst);
    return finite;
}

/* The padded row r for a band starting at output row y0, built on first use. */
static const float *get_row(const struct core_job *job, struct scratch *sc, int ch, int r, int y0)
{
    int slot = r - y0 * job->g->stride_y;
    float *dst = sc->rows + (size_t)slot * (size_t)job->row_floats;
    if (sc->slot_row[slot] != r) {
        sc->slot_finite[slot] = (unsigned char)build_row(job, sc, ch, r, dst);
        sc->slot_row[slot] = r;
    }
    return dst;
}

/* The nonzero taps, unless output row y reads a row holding NaN or infinity. */
static const struct conv_taps *taps_for_row(const struct core_job *job, struct scratch *sc, int ch,
                                            int y, int y0)
{
    const convtool_geometry *g = job->g;
    if (!job->check_finite)
        return &job->plan->nonzero;
    for (int i = 0; i < g->k_h; i++) {
        int r = y * g->stride_y + i * g->dilation_y;
        get_row(job, sc, ch, r, y0);
        if (!sc->slot_finite[r - y0 * g->stride_y])
            return &job->plan->all;
    }
    return &job->plan->nonzero;
}

/* Where tap column j starts in a row stored as stride_x phases. */
static const float *tap_column(const struct core_job *job, const float *row, int j)
{
    int off = j * job->g->dilation_x, sx = job->g->stride_x;
    return row + (size_t)(off % sx) * job->phase_len + off / sx;
}

static void direct_row(const struct core_job *job, struct scratch *sc, int ch, int y, int y0,
                       float *out)
{
    const convtool_geometry *g = job->g;
    const struct conv_taps *taps = taps_for_row(job, sc, ch, y, y0);
    for (int t = 0; t < taps->n; t++) {
        int r = y * g->stride_y + taps->row[t] * g->dilation_y;
        sc->ptrs[t] = tap_column(job, get_row(job, sc, ch, r, y0), taps->col[t]);
    }
    job->rowconv(out, sc->ptrs, taps->w, taps->n, g->out_w, job->plan->bias, job->stream);
}

static void separable_row(const struct core_job *job, struct scratch *sc, int ch, int y, int y0,
                          float *out)
{
    const convtool_geometry *g = job->g;
    for (int i = 0; i < g->k_h; i++)
        sc->ptrs[i] = get_row(job, sc, ch, y * g->stride_y + i * g->dilation_y, y0);
    /* All phases at once: they are contiguous, and the vertical sum is per element. */
    job->rowconv(sc->vertical, sc->ptrs, job->plan->col, g->k_h, job->row_floats, 0.0f, 0);
    for (int j = 0; j < g->k_w; j++)
        sc->ptrs[j] = tap_column(job, sc->vertical, j);
    job->rowconv(out, sc->ptrs, job->plan->row, g->k_w, g->out_w, job->plan->bias, job->stream);
}

static void run_band(void *ctx, size_t item, int tid)
{
    struct core_job *job = ctx;
    struct scratch *sc = &job->scratch[tid];
    if (atomic_load(&job->failed))
        return;
    if (!sc->rows && !scratch_alloc(job, sc)) {
        atomic_store(&job->failed, 1);
        return;
    }
    const struct conv_sink *sink = job->sink;
    int y0 = job->y_begin + (int)item * job->band_rows;
    int y1 = y0 + job->band_rows < job->y_end ? y0 + job->band_rows : job->y_end;
    size_t clipped = 0;
    for (int ch = 0; ch < job->src->c; ch++) {
        for (int s = 0; s < job->rows_cap; s++)
            sc->slot_row[s] = -1;
        for (int y = y0; y < y1; y++) {
            float *out = sink->row_ptr ? sink->row_ptr(sink, ch, y) : sc->out;
            if (job->plan->separable)
                separable_row(job, sc, ch, y, y0, out);
            else
                direct_row(job, sc, ch, y, y0, out);
            if (sink->emit_row)
                clipped += sink->emit_row(sink, ch, y, out);
        }
    }
    job->clipped[item] = clipped;
#if defined(CONVTOOL_X86_64)
    if (job->stream)
        __builtin_ia32_sfence(); /* streaming stores are visible before the item ends */
#endif
}

/* Bands whose padded rows fit the cache target, and enough of them to share. */
static int choose_band_rows(const struct core_job *job, int threads)
{
    const convtool_geometry *g = job->g;
    size_t row_bytes = (size_t)job->row_floats * sizeof(float);
    long budget = (long)(CACHE_TARGET_BYTES / (row_bytes ? row_bytes : 1));
    long reach = (long)(g->k_h - 1) * g->dilation_y + 1;
    long band = (budget - reach) / g->stride_y + 1;
    long rows = (long)job->y_end - job->y_begin;
    long share = (rows + 4L * threads - 1) / (4L * threads);
    if (band > share)
        band = share;
    if (band > MAX_BAND_ROWS)
        band = MAX_BAND_ROWS;
    return band < 1 ? 1 : (int)band;
}

static convtool_status size_job(struct core_job *job, int threads)
{
    const convtool_geometry *g = job->g;
    int64_t wp = (int64_t)g->in_w + g->pad_left + g->pad_right;
    if (wp > INT32_MAX / 2)
        return CONVTOOL_EOVERFLOW;
    job->wp = (int)wp;
    job->phase_len = (int)((wp + g->stride_x - 1) / g->stride_x);
    job->row_floats = job->phase_len * g->stride_x;
    job->band_rows = choose_band_rows(job, threads);
    int64_t cap = (int64_t)(job->band_rows - 1) * g->stride_y +
                  (int64_t)(g->k_h - 1) * g->dilation_y + 1;
    if (cap > INT32_MAX || cap * job->row_floats > (int64_t)(SIZE_MAX / 8))
        return CONVTOOL_EOVERFLOW;
    job->rows_cap = (int)cap;
    job->bands = (job->y_end - job->y_begin + job->band_rows - 1) / job->band_rows;
    return CONVTOOL_OK;
}

convtool_status core_run(const struct conv_plan *plan, const struct conv_source *src,
                         const struct conv_sink *sink, convtool_pool *pool, size_t *clipped)
{
    return core_run_rows(plan, src, sink, pool, 0, plan->g->out_h, clipped);
}

convtool_status core_run_rows(const struct conv_plan *plan, const struct conv_source *src,
                              const struct conv_sink *sink, convtool_pool *pool, int y_begin,
                              int y_end, size_t *clipped)
{
    int threads = convtool_pool_threads(pool);
    struct core_job job = {.plan = plan, .g = plan->g, .src = src, .sink = sink,
                           .rowconv = simd_rowconv(), .all_finite = simd_finite_scan(),
                           .y_begin = y_begin, .y_end = y_end};
    if (y_begin < 0 || y_end > plan->g->out_h || y_begin >= y_end)
        return CONVTOOL_EINVAL;
    /* Only outputs far bigger than the caches gain from bypassing them. */
    job.stream = sink->row_ptr != NULL &&
                 (size_t)plan->g->out_h * (size_t)plan->g->out_w * (size_t)src->c > STREAM_MIN_VALUES;
    job.check_finite = !plan->finite_input && !plan->separable &&
                       plan->nonzero.n < plan->all.n;
    atomic_init(&job.failed, 0);
    convtool_status st = size_job(&job, threads);
    if (st != CONVTOOL_OK)
        return st;
    job.scratch = calloc((size_t)threads, sizeof *job.scratch);
    job.clipped = calloc((size_t)job.bands, sizeof *job.clipped);
    if (!job.scratch || !job.clipped) {
        st = CONVTOOL_ENOMEM;
    } else {
        pool_run_tid(pool, (size_t)job.bands, run_band, &job);
        st = atomic_load(&job.failed) ? CONVTOOL_ENOMEM : CONVTOOL_OK;
    }
    size_t total = 0;
    for (int b = 0; job.clipped && b < job.bands; b++)
        total += job.clipped[b];
    if (clipped)
        *clipped = total;
    for (int t = 0; job.scratch && t < threads; t++)
        scratch_free(&job.scratch[t]);
    free(job.scratch);
    free(job.clipped);
    return st;
}
