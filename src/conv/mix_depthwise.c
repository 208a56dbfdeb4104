/*
 * Depthwise channel mixing (groups = C, any multiplier O/C): no sum over
 * channels, so each output channel is the banded SIMD core (core.h) run on
 * its input channel with its own kernel and bias. The pool is split over
 * output channels and each runs the core on one thread, so every channel is
 * computed by the same operations whatever the thread count.
 */
#include <stdatomic.h>
#include <string.h>

#include "conv/conv_plan.h"
#include "conv/core.h"
#include "conv/mix_depthwise.h"
#include "common/pool_internal.h"

struct depthwise_job {
    const struct mix_problem *p;
    atomic_int failed;
};

/* The source is one channel: data points at its plane. */
static void read_plane_row(const struct conv_source *s, int ch, int r, float *dst)
{
    (void)ch;
    const float *plane = s->data;
    memcpy(dst, plane + (size_t)r * s->w, (size_t)s->w * sizeof(float));
}

/* The sink is one output plane. */
struct out_plane {
    float *data;
    int w;
};

static float *plane_row_ptr(const struct conv_sink *s, int ch, int y)
{
    (void)ch;
    const struct out_plane *out = s->data;
    return out->data + (size_t)y * out->w;
}

static void run_channel(void *ctx, size_t item, int tid)
{
    (void)tid;
    struct depthwise_job *job = ctx;
    const struct mix_problem *p = job->p;
    const convtool_geometry *g = p->g;
    int o = (int)item;
    const convtool_tensor *in = p->in;
    convtool_kernel k;
    memset(&k, 0, sizeof k);
    k.h = g->k_h;
    k.w = g->k_w;
    k.values = p->wt->values + (size_t)o * g->k_h * g->k_w; /* a view: never freed */
    k.scale = 1.0;
    struct conv_plan plan;
    convtool_status st = conv_plan_init(&plan, &k, g, p->bias ? p->bias[o] : 0.0f, 0);
    if (st == CONVTOOL_OK) {
        int ch = mix_input_channel(p, o, 0);
        struct conv_source src = {.c = 1, .h = in->h, .w = in->w, .read_row = read_plane_row,
                                  .data = in->data + (size_t)ch * in->h * in->w};
        struct out_plane out = {p->out->data + (size_t)o * g->out_h * g->out_w, g->out_w};
        struct conv_sink sink = {.row_ptr = plane_row_ptr, .data = &out};
        st = core_run(&plan, &src, &sink, NULL, NULL);
    }
    conv_plan_free(&plan);
    if (st != CONVTOOL_OK)
        atomic_store(&job->failed, (int)st);
}

convtool_status mix_depthwise_run(const struct mix_problem *p, convtool_pool *pool)
{
    struct depthwise_job job = {.p = p};
    atomic_init(&job.failed, CONVTOOL_OK);
    pool_run_tid(pool, (size_t)p->wt->o, run_channel, &job);
    return (convtool_status)atomic_load(&job.failed);
}
