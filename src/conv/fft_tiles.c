/*
 * Overlap-save correlation in tiles. With P the padded input and K' the
 * kernel with its dilation scattered into a sparse larger kernel, the
 * full-resolution correlation Z[u][v] = Σ K'[a][b]·P[u+a][v+b] of an n0×n1
 * block of P is exact, without wrap-around, in the first t0×t1 values of the
 * circular correlation IFFT(FFT(block)·conj(FFT(K'))). out[y][x] =
 * Z[y·sy][x·sx] + bias: a stride subsamples Z (method_choice.c weighs that
 * waste against the direct core).
 *
 * Work is a band: one row of tiles, every channel. A thread builds the band's
 * n0 padded rows once per channel (the padding logic of pad.c), then runs its
 * tiles left to right; memory per thread is n0 padded rows and two tile
 * buffers, whatever the image height, so a strip engine can feed bands.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/pool_internal.h"
#include "conv/conv_plan.h"
#include "conv/core.h"
#include "conv/fft_plan.h"
#include "conv/fft_tiles.h"
#include "conv/pad.h"
#include "conv/simd/simd.h"

struct fft_scratch {
    float *band;     /* n0 padded rows of band_w floats */
    float *real;     /* one n0×n1 tile, fft-aligned */
    float *spectrum; /* its n0×(n1/2+1) complex transform */
    float *out;      /* out rows of a band, for sinks that take rows handed over */
};

struct fft_job {
    const struct fft_tiling *t;
    const struct fft_plan *plan;
    const convtool_kernel *k;
    const convtool_geometry *g;
    const struct conv_source *src;
    const struct conv_sink *sink;
    const float *kernel_spectrum; /* conj(FFT(K')) / (n0·n1) */
    float bias;
    int check_finite;
    finite_scan_fn all_finite;
    int padded_h, padded_w; /* P */
    int band_w;             /* columns of a band row: P's, or more for the last tile */
    int band_out_rows;      /* output rows a band can hold */
    int tile_cols, bands;
    size_t half;            /* complex values of one spectrum */
    struct fft_scratch *scratch;
    size_t *clipped;
    atomic_int failed;
};

static void scratch_free(struct fft_scratch *sc)
{
    free(sc->band);
    fft_free(sc->real);
    fft_free(sc->spectrum);
    free(sc->out);
    memset(sc, 0, sizeof *sc);
}

static int scratch_alloc(const struct fft_job *job, struct fft_scratch *sc)
{
    size_t n = (size_t)job->t->n0 * (size_t)job->t->n1;
    sc->band = malloc((size_t)job->t->n0 * (size_t)job->band_w * sizeof(float));
    sc->real = fft_alloc_real(n);
    sc->spectrum = fft_alloc_complex(job->half);
    sc->out = malloc((size_t)job->band_out_rows * (size_t)job->g->out_w * sizeof(float));
    if (sc->band && sc->real && sc->spectrum && sc->out)
        return 1;
    scratch_free(sc);
    return 0;
}

/* Row u of P (channel ch) into dst, band_w wide: padding by pad.c, zeros past P. */
static void build_row(const struct fft_job *job, int ch, int u, float *dst)
{
    const convtool_geometry *g = job->g;
    const struct conv_source *src = job->src;
    int source_row = u < job->padded_h ? pad_source_index(u - g->pad_top, src->h, g->mode) : -1;
    if (source_row < 0) {
        memset(dst, 0, (size_t)job->band_w * sizeof(float));
        return;
    }
    src->read_row(src, ch, source_row, dst + g->pad_left);
    for (int x = 0; x < job->band_w; x++) {
        if (x == g->pad_left) {
            x = g->pad_left + src->w - 1; /* the pixels themselves */
            continue;
        }
        int sx = x < job->padded_w ? pad_source_index(x - g->pad_left, src->w, g->mode) : -1;
        dst[x] = sx < 0 ? 0.0f : dst[g->pad_left + sx];
    }
}

/* Whether the n0×n1 block of the band at column v0 is free of NaN and infinity. */
static int block_finite(const struct fft_job *job, const float *band, int v0)
{
    for (int i = 0; i < job->t->n0; i++)
        if (!job->all_finite(band + (size_t)i * job->band_w + v0, job->t->n1))
            return 0;
    return 1;
}

/* Where output row y of channel ch is assembled. */
static float *out_row(const struct fft_job *job, struct fft_scratch *sc, int ch, int y, int y0)
{
    if (job->sink->row_ptr)
        return job->sink->row_ptr(job->sink, ch, y);
    return sc->out + (size_t)(y - y0) * (size_t)job->g->out_w;
}

/* S ← S·H, complex, elementwise. */
static void multiply_spectra(float *restrict s, const float *restrict h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float re = s[2 * i] * h[2 * i] - s[2 * i + 1] * h[2 * i + 1];
        float im = s[2 * i] * h[2 * i + 1] + s[2 * i + 1] * h[2 * i];
        s[2 * i] = re;
        s[2 * i + 1] = im;
    }
}

/* The outputs [y0,y1)×[x0,x1) read band rows from u0 and columns from v0. */
struct tile_span {
    int u0, v0, y0, y1, x0, x1;
};

static void fft_tile(const struct fft_job *job, struct fft_scratch *sc, int ch,
                     const struct tile_span *s)
{
    const convtool_geometry *g = job->g;
    int n0 = job->t->n0, n1 = job->t->n1;
    for (int i = 0; i < n0; i++)
        memcpy(sc->real + (size_t)i * n1, sc->band + (size_t)i * job->band_w + s->v0,
               (size_t)n1 * sizeof(float));
    fft_forward(job->plan, sc->real, sc->spectrum);
    multiply_spectra(sc->spectrum, job->kernel_spectrum, job->half);
    fft_inverse(job->plan, sc->spectrum, sc->real);
    for (int y = s->y0; y < s->y1; y++) {
        const float *z = sc->real + (size_t)(y * g->stride_y - s->u0) * n1;
        float *dst = out_row(job, sc, ch, y, s->y0);
        for (int x = s->x0; x < s->x1; x++)
            dst[x] = z[x * g->stride_x - s->v0] + job->bias;
    }
}

/* A window of the band as a conv_source for the direct core. */
struct window {
    const struct fft_job *job;
    const float *band;
    int row0, col0;
    float **rows; /* the tile's output rows */
    int y0, x0;
};

static void read_window_row(const struct conv_source *s, int ch, int r, float *dst)
{
    const struct window *w = s->data;
    memcpy(dst, w->band + (size_t)(w->row0 + r) * w->job->band_w + w->col0,
           (size_t)s->w * sizeof(float));
}

static float *window_row_ptr(const struct conv_sink *s, int ch, int y)
{
    const struct window *w = s->data;
    return w->rows[y] + w->x0;
}

/* The tile by the direct core on its window of P: the direct path's NaN and infinity. */
static convtool_status direct_tile(const struct fft_job *job, struct fft_scratch *sc, int ch,
                                   const struct tile_span *s)
{
    const convtool_geometry *g = job->g;
    float **rows = malloc((size_t)(s->y1 - s->y0) * sizeof *rows);
    if (!rows)
        return CONVTOOL_ENOMEM;
    for (int y = s->y0; y < s->y1; y++)
        rows[y - s->y0] = out_row(job, sc, ch, y, s->y0);
    convtool_geometry wg = *g;
    wg.out_h = s->y1 - s->y0;
    wg.out_w = s->x1 - s->x0;
    wg.in_h = (wg.out_h - 1) * g->stride_y + (g->k_h - 1) * g->dilation_y + 1;
    wg.in_w = (wg.out_w - 1) * g->stride_x + (g->k_w - 1) * g->dilation_x + 1;
    wg.pad_top = wg.pad_bottom = wg.pad_left = wg.pad_right = 0;
    struct window w = {job, sc->band, s->y0 * g->stride_y - s->u0,
                       s->x0 * g->stride_x, rows, s->y0, s->x0};
    struct conv_source src = {.c = 1, .h = wg.in_h, .w = wg.in_w,
                              .read_row = read_window_row, .data = &w};
    struct conv_sink sink = {.row_ptr = window_row_ptr, .data = &w};
    struct conv_plan plan;
    convtool_status st =
        conv_plan_init_method(&plan, job->k, &wg, job->bias, 0, CONVTOOL_METHOD_DIRECT);
    if (st == CONVTOOL_OK)
        st = core_run(&plan, &src, &sink, NULL, NULL);
    conv_plan_free(&plan);
    free(rows);
    return st;
}

static int ceil_div(int a, int b)
{
    return (a + b - 1) / b;
}

static void run_band(void *ctx, size_t item, int tid)
{
    struct fft_job *job = ctx;
    struct fft_scratch *sc = &job->scratch[tid];
    if (atomic_load(&job->failed))
        return;
    if (!sc->band && !scratch_alloc(job, sc)) {
        atomic_store(&job->failed, 1);
        return;
    }
    const convtool_geometry *g = job->g;
    const struct conv_sink *sink = job->sink;
    int u0 = (int)item * job->t->t0;
    int y0 = ceil_div(u0, g->stride_y);
    int y1 = ceil_div(u0 + job->t->t0, g->stride_y);
    if (y1 > g->out_h)
        y1 = g->out_h;
    size_t clipped = 0;
    for (int ch = 0; ch < job->src->c; ch++) {
        for (int i = 0; i < job->t->n0; i++)
            build_row(job, ch, u0 + i, sc->band + (size_t)i * job->band_w);
        for (int tc = 0; tc < job->tile_cols && y0 < y1; tc++) {
            int v0 = tc * job->t->t1;
            struct tile_span s = {u0, v0, y0, y1, ceil_div(v0, g->stride_x),
                                  ceil_div(v0 + job->t->t1, g->stride_x)};
            if (s.x1 > g->out_w)
                s.x1 = g->out_w;
            if (s.x0 >= s.x1)
                continue;
            if (!job->check_finite || block_finite(job, sc->band, v0))
                fft_tile(job, sc, ch, &s);
            else if (direct_tile(job, sc, ch, &s) != CONVTOOL_OK)
                atomic_store(&job->failed, 1);
        }
        for (int y = y0; y < y1 && sink->emit_row; y++)
            clipped += sink->emit_row(sink, ch, y, out_row(job, sc, ch, y, y0));
    }
    job->clipped[item] = clipped;
}

/* conj(FFT(K')) / (n0·n1), K' the kernel with its dilation, at the tile's size. */
static float *kernel_spectrum(const struct fft_job *job)
{
    const convtool_geometry *g = job->g;
    int n0 = job->t->n0, n1 = job->t->n1;
    float *real = fft_alloc_real((size_t)n0 * (size_t)n1);
    float *spectrum = fft_alloc_complex(job->half);
    if (!real || !spectrum) {
        fft_free(real);
        fft_free(spectrum);
        return NULL;
    }
    memset(real, 0, (size_t)n0 * (size_t)n1 * sizeof(float));
    float scale = 1.0f / ((float)n0 * (float)n1);
    for (int i = 0; i < job->k->h; i++)
        for (int j = 0; j < job->k->w; j++)
            real[(size_t)i * g->dilation_y * n1 + (size_t)j * g->dilation_x] =
                job->k->values[i * job->k->w + j] * scale;
    fft_forward(job->plan, real, spectrum);
    for (size_t i = 0; i < job->half; i++)
        spectrum[2 * i + 1] = -spectrum[2 * i + 1];
    fft_free(real);
    return spectrum;
}

static convtool_status size_job(struct fft_job *job)
{
    const convtool_geometry *g = job->g;
    const struct fft_tiling *t = job->t;
    int reach_y = (g->k_h - 1) * g->dilation_y + 1, reach_x = (g->k_w - 1) * g->dilation_x + 1;
    if (t->t0 != t->n0 - reach_y + 1 || t->t1 != t->n1 - reach_x + 1 || t->t0 < 1 || t->t1 < 1)
        return CONVTOOL_EINVAL;
    int64_t zrows = (int64_t)(g->out_h - 1) * g->stride_y + 1;
    int64_t zcols = (int64_t)(g->out_w - 1) * g->stride_x + 1;
    job->padded_h = g->in_h + g->pad_top + g->pad_bottom;
    job->padded_w = g->in_w + g->pad_left + g->pad_right;
    job->bands = (int)((zrows + t->t0 - 1) / t->t0);
    job->tile_cols = (int)((zcols + t->t1 - 1) / t->t1);
    int64_t band_w = (int64_t)job->tile_cols * t->t1 + reach_x - 1;
    if (band_w < job->padded_w)
        band_w = job->padded_w;
    if (band_w > INT32_MAX / 2)
        return CONVTOOL_EOVERFLOW;
    job->band_w = (int)band_w;
    job->band_out_rows = ceil_div(t->t0, g->stride_y) + 1;
    job->half = (size_t)t->n0 * (size_t)(t->n1 / 2 + 1);
    return CONVTOOL_OK;
}

convtool_status fft_run(const struct fft_tiling *tiling, const convtool_kernel *k,
                        const convtool_geometry *g, float bias, int finite_input,
                        const struct conv_source *src, const struct conv_sink *sink,
                        convtool_pool *pool, size_t *clipped)
{
    if (clipped)
        *clipped = 0;
    if (!fft_available())
        return CONVTOOL_EUNSUPPORTED;
    struct fft_job job = {.t = tiling, .k = k, .g = g, .src = src, .sink = sink,
                          .bias = bias + 0.0f, .check_finite = !finite_input,
                          .all_finite = simd_finite_scan()};
    atomic_init(&job.failed, 0);
    convtool_status st = size_job(&job);
    if (st != CONVTOOL_OK)
        return st;
    job.plan = fft_plan_get(tiling->n0, tiling->n1);
    if (!job.plan)
        return CONVTOOL_ENOMEM;
    int threads = convtool_pool_threads(pool);
    float *spectrum = kernel_spectrum(&job);
    job.kernel_spectrum = spectrum;
    job.scratch = calloc((size_t)threads, sizeof *job.scratch);
    job.clipped = calloc((size_t)job.bands, sizeof *job.clipped);
    if (!spectrum || !job.scratch || !job.clipped) {
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
    for (int i = 0; job.scratch && i < threads; i++)
        scratch_free(&job.scratch[i]);
    free(job.scratch);
    free(job.clipped);
    fft_free(spectrum);
    return st;
}
