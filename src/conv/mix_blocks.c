/*
 * Channel mixing as a matrix product per group and tile of outputs:
 *   out[o in group][tile] = bias[o] + W[group rows] (O/G × K) · B (K × tile),
 * K = c_per_group·k_h·k_w, B the tile's im2col (mix_im2col.c), built in
 * per-thread scratch small enough to stay in cache. A tile is a band of whole
 * output rows, or a piece of one row when rows are long. Tiles depend on the
 * geometry only, never on the thread count, so each output value is computed
 * by the same operations on any pool. A 1×1 kernel at stride 1 without
 * padding needs no im2col: B is the input itself. With the AVX2 kernel
 * (mix_gemm.h) there is no im2col copy at all: B's rows are pointers into the
 * tile's padded input rows (mix_padded_rows, mix_row_pointers).
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
    int by_rows;      /* the GEMM reads B by row pointers into padded rows: no im2col copy */
    int k;            /* c_per_group·k_h·k_w */
    int band_rows, band_cols; /* a tile: several whole rows, or a piece of one row */
    int chunks, tiles;        /* tiles per row band; per group */
    float **scratch;  /* per thread, made on first use: B, then the padded rows */
    size_t b_floats, scratch_floats;
    atomic_int failed;
};

/* Tiles of about BAND_TARGET_FLOATS / k outputs: whole rows when they fit, else pieces of one. */
static void choose_tiles(struct blocks_job *job, const convtool_geometry *g)
{
    long columns = BAND_TARGET_FLOATS / job->k;
    if (columns < BAND_MIN_COLUMNS)
        columns = BAND_MIN_COLUMNS;
    if (columns >= g->out_w) {
        long rows = (columns + g->out_w - 1) / g->out_w;
        job->band_rows = rows > g->out_h ? g->out_h : (int)rows;
        job->band_cols = g->out_w;
        job->chunks = 1;
    } else {
        job->band_rows = 1;
        job->chunks = (int)((g->out_w + columns - 1) / columns);
        job->band_cols = (g->out_w + job->chunks - 1) / job->chunks;
    }
    job->tiles = (g->out_h + job->band_rows - 1) / job->band_rows * job->chunks;
}

static struct mix_tile tile_at(const struct blocks_job *job, const convtool_geometry *g, int index)
{
    struct mix_tile t;
    int band = index / job->chunks, chunk = index % job->chunks;
    t.y0 = band * job->band_rows;
    t.y1 = t.y0 + job->band_rows < g->out_h ? t.y0 + job->band_rows : g->out_h;
    t.x0 = chunk * job->band_cols;
    t.x1 = t.x0 + job->band_cols < g->out_w ? t.x0 + job->band_cols : g->out_w;
    return t;
}

static void fill_bias(const struct mix_problem *p, int o0, float *c, int n, size_t ldc)
{
    for (int o = 0; o < p->o_per_group; o++, c += ldc) {
        float b = p->bias ? p->bias[o0 + o] : 0.0f;
        for (int x = 0; x < n; x++)
            c[x] = b;
    }
}

/* Per-thread scratch, made on first use; NULL (and the job failed) when out of memory. */
static float *thread_scratch(struct blocks_job *job, int tid)
{
    if (!job->scratch[tid])
        job->scratch[tid] = malloc(job->scratch_floats * sizeof(float));
    if (!job->scratch[tid])
        atomic_store(&job->failed, 1);
    return job->scratch[tid];
}

/* B's rows pointing into the tile's padded input rows, two output rows at a time. */
static void run_by_rows(struct blocks_job *job, const struct mix_tile *t, int c0, int o0,
                        float *scratch)
{
    const struct mix_problem *p = job->p;
    const convtool_geometry *g = p->g;
    size_t plane = (size_t)g->out_h * g->out_w;
    const float **b = (const float **)scratch; /* 2k pointers, then the padded rows */
    float *padded = scratch + job->b_floats;
    mix_padded_rows(p, &job->rows, c0, t, padded);
    const float *a = p->wt->values + (size_t)o0 * job->k;
    const float **b_next = b + job->k;
    int n = t->x1 - t->x0;
    for (int y = t->y0; y < t->y1; y += 2) {
        mix_row_pointers(p, &job->rows, t, y, padded, b);
        float *c = p->out->data + (size_t)o0 * plane + (size_t)y * g->out_w + t->x0;
        fill_bias(p, o0, c, n, plane);
        if (y + 1 < t->y1) { /* two rows at once: their narrow tails share one block */
            mix_row_pointers(p, &job->rows, t, y + 1, padded, b_next);
            fill_bias(p, o0, c + g->out_w, n, plane);
            mix_gemm_rows2(p->o_per_group, n, job->k, a, job->k, b, b_next, c, c + g->out_w,
                           (int)plane);
        } else {
            mix_gemm_rows(p->o_per_group, n, job->k, a, job->k, b, c, (int)plane);
        }
    }
}

static void run_block(void *ctx, size_t item, int tid)
{
    struct blocks_job *job = ctx;
    const struct mix_problem *p = job->p;
    const convtool_geometry *g = p->g;
    int group = (int)(item / (size_t)job->tiles);
    struct mix_tile t = tile_at(job, g, (int)(item % (size_t)job->tiles));
    int c0 = group * p->wt->c_per_group, o0 = group * p->o_per_group;
    if (job->by_rows) {
        float *scratch = thread_scratch(job, tid);
        if (scratch)
            run_by_rows(job, &t, c0, o0, scratch);
        return;
    }
    /* Whole rows or one row's piece: the tile's outputs are contiguous in each plane. */
    size_t first = (size_t)t.y0 * g->out_w + (size_t)t.x0, plane = (size_t)g->out_h * g->out_w;
    int n = (t.y1 - t.y0) * (t.x1 - t.x0);
    const float *b;
    int ldb;
    if (job->direct_input) {
        b = p->in->data + (size_t)c0 * plane + first;
        ldb = (int)plane;
    } else {
        float *scratch = thread_scratch(job, tid);
        if (!scratch)
            return;
        mix_im2col(p, &job->rows, c0, &t, scratch + job->b_floats, scratch);
        b = scratch;
        ldb = n;
    }
    float *c = p->out->data + (size_t)o0 * plane + first;
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
    job.by_rows = !job.direct_input && mix_gemm_takes_rows();
    size_t plane = (size_t)g->out_h * g->out_w;
    size_t k = (size_t)p->wt->c_per_group * g->k_h * g->k_w;
    if (k > INT32_MAX || plane > INT32_MAX)
        return CONVTOOL_EOVERFLOW; /* BLAS takes int sizes */
    job.k = (int)k;
    choose_tiles(&job, g);
    atomic_init(&job.failed, 0);
    convtool_status st = mix_rows_init(&job.rows, g, job.band_rows, job.band_cols);
    if (st != CONVTOOL_OK)
        return st;
    size_t span = (size_t)job.rows.span * job.rows.row_floats;
    if (job.by_rows) {
        /* 2k row pointers (two output rows; as floats, rounded up), then every channel's
         * padded rows and a line. */
        job.b_floats = (2 * k * sizeof(float *) + sizeof(float) - 1) / sizeof(float);
        job.scratch_floats = job.b_floats + (size_t)p->wt->c_per_group * span + job.rows.row_floats;
    } else {
        /* B (k × tile), then one channel's padded rows and a line for deinterleaving. */
        job.b_floats = k * (size_t)job.band_rows * (size_t)job.band_cols;
        job.scratch_floats = job.b_floats + span + job.rows.row_floats;
    }
    job.scratch = calloc((size_t)threads, sizeof *job.scratch);
    if (!job.scratch) {
        st = CONVTOOL_ENOMEM;
    } else {
        pool_run_tid(pool, (size_t)p->groups * job.tiles, run_block, &job);
        st = atomic_load(&job.failed) ? CONVTOOL_ENOMEM : CONVTOOL_OK;
        for (int t = 0; t < threads; t++)
            free(job.scratch[t]);
    }
    free(job.scratch);
    return st;
}
