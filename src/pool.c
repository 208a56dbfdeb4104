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

struct convtool_pool {
    int threads;
    pthread_t *workers;
    int started;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    unsigned long generation; /* bumped per job so sleepers know a new one came */
    int quit;
    int busy;                 /* workers still inside the current job */
    /* the current job */
    void (*fn)(void *ctx, size_t i);
    void *ctx;
    size_t n;
    atomic_size_t next;
};

static void run_items(convtool_pool *p)
{
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            return;
        p->fn(p->ctx, i);
    }
}

static void *worker_main(void *arg)
{
    convtool_pool *p = arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->quit && p->generation == seen)
            pthread_cond_wait(&p->wake, &p->lock);
        if (p->quit)
            break;
        seen = p->generation;
        pthread_mutex_unlock(&p->lock);
        run_items(p);
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
        if (!p->workers) {
            convtool_pool_free(p);
            return CONVTOOL_ENOMEM;
        }
        for (int t = 0; t < threads - 1; t++) {
            if (pthread_create(&p->workers[t], NULL, worker_main, p) != 0)
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

void convtool_pool_run(convtool_pool *pool, size_t n, void (*fn)(void *ctx, size_t i),
                       void *ctx)
{
    if (!pool || pool->started == 0 || n < 2) {
        for (size_t i = 0; i < n; i++)
            fn(ctx, i);
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

    run_items(pool);

    pthread_mutex_lock(&pool->lock);
    while (pool->busy > 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
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
    free(pool);
}
