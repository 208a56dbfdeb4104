/*
 * Channel mixing by Winograd F(4×4, 3×3) for 3×3 kernels at stride 1 and
 * dilation 1. The output is cut into 4×4 tiles, whose 6×6 input windows
 * overlap by two; a band is a run of BAND_TILES tiles in row-major order (so
 * the products have a whole number of the GEMM's 16-column blocks), made of
 * pieces of tile rows. Per (group, band): for each piece and channel of the
 * group, its 6 padded input rows (every padding mode, pad.h) and V = Bᵀ·d·B
 * of every tile; then for each of the 36 positions M[p] (O/G × tiles) =
 * U[p] (O/G × C/G) · V[p] (C/G × tiles) by mix_gemm; then Y = Aᵀ·M·A + bias
 * into the output. U is made once for a batch (mix_winograd_weights.h). Bands
 * depend on the geometry only: every output is the same sequence of
 * operations on any number of threads.
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
#include "conv/mix_winograd_weights.h"
#include "conv/pad.h"
#include "common/pool_internal.h"

/* Tiles per band, a multiple of the AVX2 kernel's 16 columns (16, 32, 48 and 64 measured
 * alike within this machine's noise at 64 channels on 56×56; 32 gives 7 bands an item,
 * which two threads share evenly). */
#define BAND_TILES 32
/* V's and M's rows: a band's tiles and the room the transforms write and read past them. */
#define BAND_ROW (BAND_TILES + WINO_LANES)

struct wino_job {
    const struct mix_problem *p;
    int row_floats;           /* a piece's padded row: 4·(its most tiles, rounded up to 8) + 2 */
    const float *u;           /* 36 × O × c_per_group transformed weights */
    int tiles_y, tiles_x;     /* 4×4 tiles over the output */
    int bands;                /* per group: runs of BAND_TILES tiles in row-major order */
    size_t padded_floats, v_floats, scratch_floats; /* per thread: 6 padded rows, V, M */
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

/* AUTO's rule on channels, plane and the transformed weights' size (mix_winograd.h). */
static int pays_off(const struct mix_problem *p)
{
    long outputs = (long)p->g->out_h * p->g->out_w;
    int channels = p->wt->c_per_group < p->o_per_group ? p->wt->c_per_group : p->o_per_group;
    int enough = (channels >= MIX_WINOGRAD_MIN_CHANNELS && outputs >= MIX_WINOGRAD_MIN_OUTPUTS) ||
                 (channels >= MIX_WINOGRAD_WIDE_CHANNELS &&
                  outputs >= MIX_WINOGRAD_WIDE_MIN_OUTPUTS);
    double u_bytes = (double)p->wt->o * p->wt->c_per_group * WINO_POSITIONS * sizeof(float);
    return enough && u_bytes <= WINO_KEPT_BYTES;
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
    if (want == MIX_WINOGRAD_AUTO && !pays_off(p))
        return 0;
    /* The input is checked as it is transformed (mix_winograd_run's `spread`). */
    const convtool_weight *wt = p->wt;
    return all_small(wt->values, (size_t)wt->o * wt->c_per_group * 9) &&
           (!p->bias || all_small(p->bias, (size_t)wt->o));
}

/* A band's piece of one tile row: tiles [tx, tx + count) of tile row ty, at column `at`
 * of the band's V and M. */
struct piece {
    int ty, tx, count, at;
};

/* The piece of band [t, t_end) that starts at tile t (row-major over the output's tiles). */
static struct piece piece_at(const struct wino_job *job, int t, int t_end, int band_first)
{
    struct piece pc = {t / job->tiles_x, t % job->tiles_x, 0, t - band_first};
    pc.count = job->tiles_x - pc.tx < t_end - t ? job->tiles_x - pc.tx : t_end - t;
    return pc;
}

/* The outputs a piece covers, cut at the output's edges. */
static struct mix_tile piece_outputs(const struct wino_job *job, const struct piece *pc)
{
    const convtool_geometry *g = job->p->g;
    struct mix_tile t = {WINO_TILE * pc->ty, WINO_TILE * (pc->ty + 1), WINO_TILE * pc->tx,
                         WINO_TILE * (pc->tx + pc->count)};
    t.y1 = t.y1 < g->out_h ? t.y1 : g->out_h;
    t.x1 = t.x1 < g->out_w ? t.x1 : g->out_w;
    return t;
}

/* Padded columns [q0, q1) of source row src (in_w values) from column `at` of row. */
static void padded_columns(const convtool_geometry *g, int in_w, const float *src, int q0,
                           int q1, float *row)
{
    for (int q = q0; q < q1; q++) {
        int sx = pad_source_index(q - g->pad_left, in_w, g->mode);
        row[q - q0] = sx < 0 ? 0.0f : src[sx];
    }
}

/*
 * The 6 padded rows a piece's tiles read from input channel ch, `cols` columns each
 * (its tiles rounded up to WINO_LANES), at dst (row pitch `pitch`). Zeros past the
 * output's edge (an output size not a multiple of 4, or the room up to a whole group):
 * those outputs are dropped, but whatever stands there is mixed into the kept ones by
 * the transforms, so it must be zero.
 */
static void piece_rows(const struct wino_job *job, const struct mix_tile *t, int ch, int cols,
                       float *dst, size_t pitch)
{
    const convtool_geometry *g = job->p->g;
    const convtool_tensor *in = job->p->in;
    const float *plane = in->data + (size_t)ch * in->h * in->w;
    int built_rows = t->y1 - t->y0 + 2, built_cols = t->x1 - t->x0 + 2;
    /* Columns [inside, inside_end) of the piece read the source row in place. */
    int inside = g->pad_left - t->x0, inside_end = g->pad_left + in->w - t->x0;
    inside = inside < 0 ? 0 : inside > built_cols ? built_cols : inside;
    inside_end = inside_end < inside ? inside : inside_end > built_cols ? built_cols : inside_end;
    for (int k = 0; k < WINO_WINDOW; k++) {
        float *row = dst + (size_t)k * pitch;
        int sy = k < built_rows ? pad_source_index(t->y0 + k - g->pad_top, in->h, g->mode) : -1;
        if (sy < 0) {
            memset(row, 0, (size_t)cols * sizeof(float));
            continue;
        }
        const float *src = plane + (size_t)sy * in->w;
        padded_columns(g, in->w, src, t->x0, t->x0 + inside, row);
        memcpy(row + inside, src + (t->x0 + inside - g->pad_left),
               (size_t)(inside_end - inside) * sizeof(float));
        padded_columns(g, in->w, src, t->x0 + inside_end, t->x0 + built_cols, row + inside_end);
        memset(row + built_cols, 0, (size_t)(cols - built_cols) * sizeof(float));
    }
}

/* V of a piece's tiles for every channel of the group from c0; 0 when an input is not small.
 * Writes past the piece's tiles (WINO_LANES): into the next piece's, written after. */
static int transform_piece(const struct wino_job *job, const struct piece *pc, int c0,
                           float *rows, float *v)
{
    int cpg = job->p->wt->c_per_group;
    struct mix_tile t = piece_outputs(job, pc);
    int lanes = (pc->count + WINO_LANES - 1) / WINO_LANES * WINO_LANES;
    int small = 1;
    for (int c = 0; c < cpg; c++) {
        piece_rows(job, &t, c0 + c, WINO_TILE * lanes + 2, rows, (size_t)job->row_floats);
        small &= wino_input_row(rows, (size_t)job->row_floats, pc->count,
                                v + (size_t)c * BAND_ROW + pc->at, (size_t)cpg * BAND_ROW);
    }
    return small;
}

/* Y = Aᵀ·M·A + bias of a piece's tiles for the group's output channels from o0. */
static void output_piece_of(const struct wino_job *job, const struct piece *pc, int o0,
                            const float *m)
{
    const struct mix_problem *p = job->p;
    const convtool_geometry *g = p->g;
    struct mix_tile t = piece_outputs(job, pc);
    size_t plane = (size_t)g->out_h * g->out_w;
    for (int o = 0; o < p->o_per_group; o++) {
        float bias = p->bias ? p->bias[o0 + o] : 0.0f;
        float *out = p->out->data + (size_t)(o0 + o) * plane + (size_t)t.y0 * g->out_w + t.x0;
        wino_output_row(m + (size_t)o * BAND_ROW + pc->at, (size_t)p->o_per_group * BAND_ROW,
                        pc->count, bias, out, (size_t)g->out_w, t.x1 - t.x0, t.y1 - t.y0);
    }
}

static void run_band(void *ctx, size_t item, int tid)
{
    struct wino_job *job = ctx;
    const struct mix_problem *p = job->p;
    if (!job->scratch[tid]) /* zeros: M's room past a band (read, then dropped) is never garbage */
        job->scratch[tid] = calloc(job->scratch_floats, sizeof(float));
    float *padded = job->scratch[tid];
    if (!padded) {
        atomic_store(&job->failed, 1);
        return;
    }
    if (atomic_load_explicit(&job->spread, memory_order_relaxed))
        return; /* the direct path redoes the whole output */
    int group = (int)(item / (size_t)job->bands), band = (int)(item % (size_t)job->bands);
    int total = job->tiles_y * job->tiles_x, first = band * BAND_TILES;
    int end = first + BAND_TILES < total ? first + BAND_TILES : total, n = end - first;
    int cpg = p->wt->c_per_group, opg = p->o_per_group;
    int c0 = group * cpg, o0 = group * opg;
    float *v = padded + job->padded_floats, *m = v + job->v_floats;
    for (int t = first; t < end;) {
        struct piece pc = piece_at(job, t, end, first);
        if (!transform_piece(job, &pc, c0, padded, v)) {
            atomic_store(&job->spread, 1);
            return;
        }
        t += pc.count;
    }
    size_t u_plane = (size_t)p->wt->o * cpg;
    for (int pos = 0; pos < WINO_POSITIONS; pos++)
        mix_gemm_fresh(opg, n, cpg, job->u + pos * u_plane + (size_t)o0 * cpg, cpg,
                 v + (size_t)pos * cpg * BAND_ROW, BAND_ROW, m + (size_t)pos * opg * BAND_ROW,
                 BAND_ROW);
    for (int t = first; t < end;) {
        struct piece pc = piece_at(job, t, end, first);
        output_piece_of(job, &pc, o0, m);
        t += pc.count;
    }
}

static void prepare(struct wino_job *job)
{
    const struct mix_problem *p = job->p;
    const convtool_geometry *g = p->g;
    job->tiles_y = (g->out_h + WINO_TILE - 1) / WINO_TILE;
    job->tiles_x = (g->out_w + WINO_TILE - 1) / WINO_TILE;
    job->bands = (int)(((long)job->tiles_y * job->tiles_x + BAND_TILES - 1) / BAND_TILES);
    int piece_tiles = job->tiles_x < BAND_TILES ? job->tiles_x : BAND_TILES;
    piece_tiles = (piece_tiles + WINO_LANES - 1) / WINO_LANES * WINO_LANES; /* room to read */
    job->row_floats = WINO_TILE * piece_tiles + 2;
    size_t cpg = (size_t)p->wt->c_per_group, opg = (size_t)p->o_per_group;
    job->padded_floats = (size_t)WINO_WINDOW * job->row_floats;
    job->v_floats = WINO_POSITIONS * cpg * BAND_ROW;
    job->scratch_floats = job->padded_floats + job->v_floats + WINO_POSITIONS * opg * BAND_ROW;
}

convtool_status mix_winograd_run(const struct mix_problem *p, convtool_pool *pool, int *spread)
{
    int threads = convtool_pool_threads(pool);
    struct wino_job job = {.p = p};
    struct wino_weights *held = NULL;
    atomic_init(&job.failed, 0);
    atomic_init(&job.spread, 0);
    prepare(&job);
    convtool_status st = wino_weights_acquire(p->wt, pool, &job.u, &held);
    if (st == CONVTOOL_OK) {
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
        wino_weights_release(held);
    }
    *spread = atomic_load(&job.spread);
    return st;
}
