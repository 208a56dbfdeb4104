/*
 * Channel mixing by Winograd F(2×2, 3×3) for 3×3 kernels at stride 1 and
 * dilation 1. The output is cut into 2×2 tiles, whose 4×4 input windows
 * overlap by two; tiles are grouped in bands (a few tile rows, or a piece of
 * one long tile row). Per (group, band): the padded input rows of the group's
 * channels (mix_padded_rows: every padding mode as the GEMM path builds it),
 * V = Bᵀ·d·B of every tile and channel, then for each of the 16 positions
 * M[p] (O/G × tiles) = U[p] (O/G × C/G) · V[p] (C/G × tiles) by mix_gemm, and
 * Y = Aᵀ·M·A + bias into the output. Bands depend on the geometry only: every
 * output is the same sequence of operations on any number of threads.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "conv/mix_gemm.h"
#include "conv/mix_im2col.h"
#include "conv/mix_winograd.h"
#include "conv/mix_winograd_transforms.h"
#include "common/pool_internal.h"

/* Tiles per band: V and M (16 positions × channels × tiles) and U within a core's L2 at 64
 * channels (two tile rows at 56 columns; 28–168 measured alike within this machine's noise). */
#define BAND_TARGET_TILES 56
/* Output channels per task of the weight transform. */
#define WEIGHT_CHUNK 8

struct wino_job {
    const struct mix_problem *p;
    struct mix_rows rows;
    float *u;                 /* 16 × O × c_per_group transformed weights */
    int tiles_y, tiles_x;     /* 2×2 tiles over the output */
    int band_ty, band_tx;     /* a band: band_ty tile rows × band_tx tile columns */
    int chunks, bands;        /* bands per band row; per group */
    size_t padded_floats, v_floats, scratch_floats; /* per thread: padded rows, V, M */
    float **scratch;
    atomic_int failed;
    atomic_int spread;        /* an input window held NaN, infinity or a huge value */
};

static atomic_int forced = MIX_WINOGRAD_AUTO;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static enum mix_winograd_choice from_env = MIX_WINOGRAD_AUTO;

void mix_winograd_prefer(enum mix_winograd_choice choice)
{
    atomic_store(&forced, choice);
}

static void read_env(void)
{
    const char *env = getenv("CONVTOOL_WINOGRAD");
    if (env && strcmp(env, "0") == 0)
        from_env = MIX_WINOGRAD_NEVER;
    else if (env && strcmp(env, "1") == 0)
        from_env = MIX_WINOGRAD_ALWAYS;
}

static enum mix_winograd_choice preference(void)
{
    enum mix_winograd_choice want = (enum mix_winograd_choice)atomic_load(&forced);
    if (want == MIX_WINOGRAD_AUTO) {
        pthread_once(&env_once, read_env);
        want = from_env;
    }
    return want;
}

static int all_small(const float *v, size_t n)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= fabsf(v[i]) < WINO_VALUE_LIMIT; /* false for NaN too */
    return ok;
}

int mix_winograd_suits(const struct mix_problem *p)
{
    const convtool_geometry *g = p->g;
    if (g->k_h != 3 || g->k_w != 3 || g->stride_y != 1 || g->stride_x != 1 ||
        g->dilation_y != 1 || g->dilation_x != 1)
        return 0;
    enum mix_winograd_choice want = preference();
    if (want == MIX_WINOGRAD_NEVER)
        return 0;
    if (want == MIX_WINOGRAD_AUTO && (p->wt->c_per_group < MIX_WINOGRAD_MIN_IN_CHANNELS ||
                                      p->o_per_group < MIX_WINOGRAD_MIN_OUT_CHANNELS ||
                                      (long)g->out_h * g->out_w < MIX_WINOGRAD_MIN_OUTPUTS))
        return 0;
    /* The input is checked as it is transformed (mix_winograd_run's `spread`). */
    const convtool_weight *wt = p->wt;
    return all_small(wt->values, (size_t)wt->o * wt->c_per_group * 9) &&
           (!p->bias || all_small(p->bias, (size_t)wt->o));
}

/* Bands of about BAND_TARGET_TILES tiles: whole tile rows when they fit, else pieces of one. */
static void choose_bands(struct wino_job *job)
{
    if (job->tiles_x <= BAND_TARGET_TILES) {
        int rows = (BAND_TARGET_TILES + job->tiles_x - 1) / job->tiles_x;
        job->band_ty = rows > job->tiles_y ? job->tiles_y : rows;
        job->band_tx = job->tiles_x;
        job->chunks = 1;
    } else {
        job->band_ty = 1;
        job->chunks = (job->tiles_x + BAND_TARGET_TILES - 1) / BAND_TARGET_TILES;
        job->band_tx = (job->tiles_x + job->chunks - 1) / job->chunks;
    }
    job->bands = (job->tiles_y + job->band_ty - 1) / job->band_ty * job->chunks;
}

/* Band index's tiles, and the outputs they cover (cut at the output's edges). */
static void band_at(const struct wino_job *job, int index, int *ty0, int *ty1, int *tx0,
                    int *tx1, struct mix_tile *t)
{
    const convtool_geometry *g = job->p->g;
    int band_row = index / job->chunks, chunk = index % job->chunks;
    *ty0 = band_row * job->band_ty;
    *ty1 = *ty0 + job->band_ty < job->tiles_y ? *ty0 + job->band_ty : job->tiles_y;
    *tx0 = chunk * job->band_tx;
    *tx1 = *tx0 + job->band_tx < job->tiles_x ? *tx0 + job->band_tx : job->tiles_x;
    t->y0 = 2 * *ty0;
    t->y1 = 2 * *ty1 < g->out_h ? 2 * *ty1 : g->out_h;
    t->x0 = 2 * *tx0;
    t->x1 = 2 * *tx1 < g->out_w ? 2 * *tx1 : g->out_w;
}

/* Zeros where the last tiles' windows reach past what mix_padded_rows built
 * (an odd output size): those outputs are dropped, but NaN-free garbage is not
 * enough — the transforms would mix it into the kept ones. */
static void zero_beyond(const struct wino_job *job, const struct mix_tile *t, float *padded)
{
    const struct mix_rows *rows = &job->rows;
    int built_rows = t->y1 - t->y0 + 2, built_cols = t->x1 - t->x0 + 2;
    size_t channel = (size_t)rows->span * rows->row_floats;
    for (int c = 0; c < job->p->wt->c_per_group; c++) {
        float *plane = padded + (size_t)c * channel;
        for (int r = 0; r < built_rows; r++)
            memset(plane + (size_t)r * rows->row_floats + built_cols, 0,
                   (size_t)(rows->row_floats - built_cols) * sizeof(float));
        memset(plane + (size_t)built_rows * rows->row_floats, 0,
               (size_t)(rows->span - built_rows) * rows->row_floats * sizeof(float));
    }
}

static void run_band(void *ctx, size_t item, int tid)
{
    struct wino_job *job = ctx;
    const struct mix_problem *p = job->p;
    const convtool_geometry *g = p->g;
    if (!job->scratch[tid])
        job->scratch[tid] = malloc(job->scratch_floats * sizeof(float));
    float *padded = job->scratch[tid];
    if (!padded) {
        atomic_store(&job->failed, 1);
        return;
    }
    if (atomic_load_explicit(&job->spread, memory_order_relaxed))
        return; /* the direct path redoes the whole output */
    int group = (int)(item / (size_t)job->bands), ty0, ty1, tx0, tx1;
    struct mix_tile t;
    band_at(job, (int)(item % (size_t)job->bands), &ty0, &ty1, &tx0, &tx1, &t);
    int cpg = p->wt->c_per_group, opg = p->o_per_group;
    int c0 = group * cpg, o0 = group * opg, ntx = tx1 - tx0, n = (ty1 - ty0) * ntx;
    float *v = padded + job->padded_floats, *m = v + job->v_floats;
    const struct mix_rows *rows = &job->rows;
    mix_padded_rows(p, rows, c0, &t, padded);
    zero_beyond(job, &t, padded);
    size_t channel = (size_t)rows->span * rows->row_floats;
    int small = 1;
    for (int c = 0; c < cpg; c++)
        for (int ty = 0; ty < ty1 - ty0; ty++)
            small &= wino_input_row(padded + c * channel + (size_t)(2 * ty) * rows->row_floats,
                                    (size_t)rows->row_floats, ntx,
                                    v + (size_t)c * n + (size_t)ty * ntx, (size_t)cpg * n);
    if (!small) {
        atomic_store(&job->spread, 1);
        return;
    }
    memset(m, 0, (size_t)WINO_POSITIONS * opg * n * sizeof(float));
    size_t u_plane = (size_t)p->wt->o * cpg;
    for (int pos = 0; pos < WINO_POSITIONS; pos++)
        mix_gemm(opg, n, cpg, job->u + pos * u_plane + (size_t)o0 * cpg, cpg,
                 v + (size_t)pos * cpg * n, n, m + (size_t)pos * opg * n, n);
    size_t plane = (size_t)g->out_h * g->out_w;
    for (int o = 0; o < opg; o++) {
        float bias = p->bias ? p->bias[o0 + o] : 0.0f;
        float *out = p->out->data + (size_t)(o0 + o) * plane + t.x0;
        for (int ty = ty0; ty < ty1; ty++) {
            int y = 2 * ty, height = y + 1 < g->out_h ? 2 : 1;
            wino_output_row(m + (size_t)o * n + (size_t)(ty - ty0) * ntx, (size_t)opg * n, ntx,
                            bias, out + (size_t)y * g->out_w, (size_t)g->out_w, t.x1 - t.x0,
                            height);
        }
    }
}

static convtool_status prepare(struct wino_job *job)
{
    const struct mix_problem *p = job->p;
    const convtool_geometry *g = p->g;
    job->tiles_y = (g->out_h + 1) / 2;
    job->tiles_x = (g->out_w + 1) / 2;
    choose_bands(job);
    convtool_status st = mix_rows_init(&job->rows, g, 2 * job->band_ty, 2 * job->band_tx);
    if (st != CONVTOOL_OK)
        return st;
    size_t cpg = (size_t)p->wt->c_per_group, opg = (size_t)p->o_per_group;
    size_t tiles = (size_t)job->band_ty * job->band_tx;
    /* Every channel's padded rows and a line (mix_padded_rows), V, then M. */
    job->padded_floats = (cpg * job->rows.span + 1) * job->rows.row_floats;
    job->v_floats = WINO_POSITIONS * cpg * tiles;
    job->scratch_floats = job->padded_floats + job->v_floats + WINO_POSITIONS * opg * tiles;
    job->u = malloc((size_t)WINO_POSITIONS * p->wt->o * cpg * sizeof(float));
    return job->u ? CONVTOOL_OK : CONVTOOL_ENOMEM;
}

static void transform_weights(void *ctx, size_t item, int tid)
{
    (void)tid;
    struct wino_job *job = ctx;
    const convtool_weight *wt = job->p->wt;
    int o_begin = (int)item * WEIGHT_CHUNK;
    int o_end = o_begin + WEIGHT_CHUNK < wt->o ? o_begin + WEIGHT_CHUNK : wt->o;
    wino_weights(wt->values, o_begin, o_end, wt->o, wt->c_per_group, job->u);
}

convtool_status mix_winograd_run(const struct mix_problem *p, convtool_pool *pool, int *spread)
{
    int threads = convtool_pool_threads(pool);
    struct wino_job job = {.p = p};
    atomic_init(&job.failed, 0);
    atomic_init(&job.spread, 0);
    convtool_status st = prepare(&job);
    if (st == CONVTOOL_OK) {
        pool_run_tid(pool, (size_t)(p->wt->o + WEIGHT_CHUNK - 1) / WEIGHT_CHUNK,
                     transform_weights, &job);
        job.scratch = calloc((size_t)threads, sizeof *job.scratch);
        if (!job.scratch) {
            st = CONVTOOL_ENOMEM;
        } else {
            pool_run_tid(pool, (size_t)p->groups * job.bands, run_band, &job);
            st = atomic_load(&job.failed) ? CONVTOOL_ENOMEM : CONVTOOL_OK;
            for (int t = 0; t < threads; t++)
                free(job.scratch[t]);
        }
        free(job.scratch);
    }
    free(job.u);
    *spread = atomic_load(&job.spread);
    return st;
}
