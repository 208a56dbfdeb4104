/*
 * A fixed pool of worker threads running "for i in [0, n)" jobs. The caller
 * takes part in every job, so a pool of N threads starts N − 1 workers.
 * Items are handed out by an atomic counter: which thread runs an item never
 * changes what the item computes, so results do not depend on thread count.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "convtool/convtool.h"
#include "common/pool_internal.h"

struct worker_arg {
    struct convtool_pool *pool;
    int id; /* 1..threads-1; the caller is 0 */
};

struct convtool_pool {
    int threads;
    pthread_t *workers;
    struct worker_arg *args;
    int started;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    unsigned long generation; /* bumped per job so sleepers know a new one came */
    int quit;
    int busy;                 /* workers still inside the current job */
    /* the current job */
    pool_task_fn fn;
    void *ctx;
    size_t n;
    atomic_size_t next;
};

static void run_items(convtool_pool *p, int id)
{
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            return;
        p->fn(p->ctx, i, id);
    }
}

static void *worker_main(void *arg)
{
    const struct worker_arg *self = arg;
    convtool_pool *p = self->pool;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->quit && p->generation == seen)
            pthread_cond_wait(&p->wake, &p->lock);
        if (p->quit)
            break;
        seen = p->generation;
        pthread_mutex_unlock(&p->lock);
        run_items(p, self->id);
        pthread_mutex_lock(&p->lock);
        if (--p->busy == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

convtool_status convtool_pool_create(int threads, convtool_pool **pool)
{
    *pool = NULL;
    if (threads < 1 || threads > 1024)
        return CONVTOOL_EINVAL;
    convtool_pool *p = calloc(1, sizeof *p);
    if (!p)
        return CONVTOOL_ENOMEM;
    p->threads = threads;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    if (threads > 1) {
        p->workers = calloc((size_t)threads - 1, sizeof *p->workers);
        p->args = calloc((size_t)threads - 1, sizeof *p->args);
        if (!p->workers || !p->args) {
            convtool_pool_free(p);
            return CONVTOOL_ENOMEM;
        }
        for (int t = 0; t < threads - 1; t++) {
            p->args[t] = (struct worker_arg){p, t + 1};
            if (pthread_create(&p->workers[t], NULL, worker_main, &p->args[t]) != 0)
                break; /* fewer workers only means less parallelism */
            p->started++;
        }
    }
    *pool = p;
    return CONVTOOL_OK;
}

int convtool_pool_threads(const convtool_pool *pool)
{
    return pool ? pool->threads : 1;
}

void pool_run_tid(convtool_pool *pool, size_t n, pool_task_fn fn, void *ctx)
{
    if (!pool || pool->started == 0 || n < 2) {
        for (size_t i = 0; i < n; i++)
            fn(ctx, i, 0);
        return;
    }
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->ctx = ctx;
    pool->n = n;
    atomic_store(&pool->next, 0);
    pool->busy = pool->started;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);

    run_items(pool, 0);

    pthread_mutex_lock(&pool->lock);
    while (pool->busy > 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

struct plain_task {
    void (*fn)(void *ctx, size_t i);
    void *ctx;
};

static void run_plain(void *ctx, size_t i, int tid)
{
    (void)tid;
    const struct plain_task *task = ctx;
    task->fn(task->ctx, i);
}

void convtool_pool_run(convtool_pool *pool, size_t n, void (*fn)(void *ctx, size_t i),
                       void *ctx)
{
    struct plain_task task = {fn, ctx};
    pool_run_tid(pool, n, run_plain, &task);
}

void convtool_pool_free(convtool_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->quit = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int t = 0; t < pool->started; t++)
        pthread_join(pool->workers[t], NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool->args);
    free(pool);
}
