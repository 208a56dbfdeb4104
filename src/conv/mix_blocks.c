/*
 * Channel mixing as a matrix product per group and band of output rows:
 *   out[o in group][band] = bias[o] + W[group rows] (O/G × K) · B (K × band),
 * K = c_per_group·k_h·k_w, B the band's im2col (mix_im2col.c), built in
 * per-thread scratch small enough to stay in cache. The bands depend on the
 * geometry only, never on the thread count, so each output value is computed
 * by the same operations on any pool. A 1×1 kernel at stride 1 without
 * padding needs no im2col: B is the input itself.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "conv/mix_blocks.h"
#include "conv/mix_gemm.h"
#include "conv/mix_im2col.h"
#include "common/pool_internal.h"

/* B of about this many floats per band (384 KiB): with the weights, within a core's L2. */
#define BAND_TARGET_FLOATS (96 * 1024)
#define BAND_MIN_COLUMNS 64

struct blocks_job {
    const struct mix_problem *p;
    struct mix_rows rows;
    int direct_input; /* 1×1, stride 1, no padding: B is the input */
    int k;            /* c_per_group·k_h·k_w */
    int band_rows, bands;
    float **scratch;  /* per thread, made on first use: B, then the padded rows */
    size_t b_floats, scratch_floats;
    atomic_int failed;
};

static int choose_band_rows(const convtool_geometry *g, int k)
{
    long columns = BAND_TARGET_FLOATS / k;
    if (columns < BAND_MIN_COLUMNS)
        columns = BAND_MIN_COLUMNS;
    long rows = (columns + g->out_w - 1) / g->out_w;
    return rows > g->out_h ? g->out_h : (int)rows;
}

static void fill_bias(const struct mix_problem *p, int o0, float *c, int n, size_t ldc)
{
    for (int o = 0; o < p->o_per_group; o++, c += ldc) {
        float b = p->bias ? p->bias[o0 + o] : 0.0f;
        for (int x = 0; x < n; x++)
            c[x] = b;
    }
}

static void run_block(void *ctx, size_t item, int tid)
{
    struct blocks_job *job = ctx;
    const struct mix_problem *p = job->p;
    const convtool_geometry *g = p->g;
    int group = (int)(item / (size_t)job->bands), band = (int)(item % (size_t)job->bands);
    int y0 = band * job->band_rows;
    int y1 = y0 + job->band_rows < g->out_h ? y0 + job->band_rows : g->out_h;
    int n = (y1 - y0) * g->out_w, c0 = group * p->wt->c_per_group, o0 = group * p->o_per_group;
    size_t plane = (size_t)g->out_h * g->out_w;
    const float *b;
    int ldb;
    if (job->direct_input) {
        b = p->in->data + (size_t)c0 * plane + (size_t)y0 * g->out_w;
        ldb = (int)plane;
    } else {
        if (!job->scratch[tid])
            job->scratch[tid] = malloc(job->scratch_floats * sizeof(float));
        if (!job->scratch[tid]) {
            atomic_store(&job->failed, 1);
            return;
        }
        b = job->scratch[tid];
        mix_im2col(p, &job->rows, c0, y0, y1, job->scratch[tid] + job->b_floats,
                   job->scratch[tid]);
        ldb = n;
    }
    float *c = p->out->data + (size_t)o0 * plane + (size_t)y0 * g->out_w;
    fill_bias(p, o0, c, n, plane);
    const float *a = p->wt->values + (size_t)o0 * job->k;
    mix_gemm(p->o_per_group, n, job->k, a, job->k, b, ldb, c, (int)plane);
}

static int is_direct_input(const convtool_geometry *g)
{
    return g->k_h == 1 && g->k_w == 1 && g->stride_y == 1 && g->stride_x == 1 &&
           g->pad_top == 0 && g->pad_bottom == 0 && g->pad_left == 0 && g->pad_right == 0;
}

convtool_status mix_blocks_run(const struct mix_problem *p, convtool_pool *pool)
{
    const convtool_geometry *g = p->g;
    int threads = convtool_pool_threads(pool);
    struct blocks_job job = {.p = p, .direct_input = is_direct_input(g)};
    size_t plane = (size_t)g->out_h * g->out_w;
    size_t k = (size_t)p->wt->c_per_group * g->k_h * g->k_w;
    if (k > INT32_MAX || plane > INT32_MAX)
        return CONVTOOL_EOVERFLOW; /* BLAS takes int sizes */
    job.k = (int)k;
    job.band_rows = choose_band_rows(g, job.k);
    job.bands = (g->out_h + job.band_rows - 1) / job.band_rows;
    atomic_init(&job.failed, 0);
    convtool_status st = mix_rows_init(&job.rows, g, job.band_rows);
    if (st != CONVTOOL_OK)
        return st;
    /* B (k × band), then span + 1 padded rows (the last a line for deinterleaving). */
    job.b_floats = k * (size_t)job.band_rows * (size_t)g->out_w;
    job.scratch_floats = job.b_floats + (size_t)(job.rows.span + 1) * job.rows.row_floats;
    job.scratch = calloc((size_t)threads, sizeof *job.scratch);
    if (!job.scratch) {
        st = CONVTOOL_ENOMEM;
    } else {
        pool_run_tid(pool, (size_t)p->groups * job.bands, run_block, &job);
        st = atomic_load(&job.failed) ? CONVTOOL_ENOMEM : CONVTOOL_OK;
        for (int t = 0; t < threads; t++)
            free(job.scratch[t]);
    }
    free(job.scratch);
    return st;
}
