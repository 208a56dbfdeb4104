/*
 * One set of transformed weights kept process-wide (mix_winograd_weights.h).
 * A call finds it by comparing its weights byte for byte with the copy kept
 * (a 64→64 layer's 147 KiB take microseconds, the transform a quarter of a
 * millisecond), so changing the weights in place between calls is safe. A set
 * in use by one call is never freed under it: the last user of a replaced set
 * frees it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/pool_internal.h"
#include "conv/mix_winograd_transforms.h"
#include "conv/mix_winograd_weights.h"

/* Output channels per task of the transform. */
#define WEIGHT_CHUNK 8

struct wino_weights {
    int o, c_per_group;
    float *weights; /* the O × c_per_group × 3 × 3 values U was made from */
    float *u;
    int users;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct wino_weights *kept;

static void free_set(struct wino_weights *set)
{
    free(set->weights);
    free(set->u);
    free(set);
}

static int same_weights(const struct wino_weights *set, const convtool_weight *wt)
{
    return set->o == wt->o && set->c_per_group == wt->c_per_group &&
           memcmp(set->weights, wt->values, (size_t)wt->o * wt->c_per_group * 9 * sizeof(float)) ==
               0;
}

struct transform_job {
    const convtool_weight *wt;
    float *u;
};

static void transform_chunk(void *ctx, size_t item, int tid)
{
    (void)tid;
    const struct transform_job *job = ctx;
    const convtool_weight *wt = job->wt;
    int o_begin = (int)item * WEIGHT_CHUNK;
    int o_end = o_begin + WEIGHT_CHUNK < wt->o ? o_begin + WEIGHT_CHUNK : wt->o;
    wino_weights(wt->values, o_begin, o_end, wt->o, wt->c_per_group, job->u);
}

/* A new set for wt, transformed on the pool; NULL when out of memory. */
static struct wino_weights *make_set(const convtool_weight *wt, convtool_pool *pool)
{
    size_t count = (size_t)wt->o * wt->c_per_group;
    struct wino_weights *set = calloc(1, sizeof *set);
    if (!set)
        return NULL;
    set->o = wt->o;
    set->c_per_group = wt->c_per_group;
    set->weights = malloc(count * 9 * sizeof(float));
    set->u = malloc(count * WINO_POSITIONS * sizeof(float));
    if (!set->weights || !set->u) {
        free_set(set);
        return NULL;
    }
    memcpy(set->weights, wt->values, count * 9 * sizeof(float));
    struct transform_job job = {wt, set->u};
    pool_run_tid(pool, (size_t)(wt->o + WEIGHT_CHUNK - 1) / WEIGHT_CHUNK, transform_chunk, &job);
    set->users = 1;
    return set;
}

convtool_status wino_weights_acquire(const convtool_weight *wt, convtool_pool *pool,
                                     const float **u, struct wino_weights **held)
{
    pthread_mutex_lock(&lock);
    struct wino_weights *set = kept && same_weights(kept, wt) ? kept : NULL;
    if (set)
        set->users++;
    pthread_mutex_unlock(&lock);
    if (!set) {
        set = make_set(wt, pool);
        if (!set)
            return CONVTOOL_ENOMEM;
        if ((size_t)wt->o * wt->c_per_group * WINO_POSITIONS * sizeof(float) <= WINO_KEPT_BYTES) {
            pthread_mutex_lock(&lock);
            if (kept && kept->users == 0)
                free_set(kept);
            kept = set; /* a replaced set still in use is freed by its last user */
            pthread_mutex_unlock(&lock);
        }
    }
    *u = set->u;
    *held = set;
    return CONVTOOL_OK;
}

void wino_weights_release(struct wino_weights *held)
{
    pthread_mutex_lock(&lock);
    int unused = --held->users == 0 && held != kept;
    pthread_mutex_unlock(&lock);
    if (unused)
        free_set(held);
}
