/* The pool as the library uses it inside: tasks that know their thread. */
#ifndef CONVTOOL_POOL_INTERNAL_H
#define CONVTOOL_POOL_INTERNAL_H

#include "convtool/convtool.h"

/* tid is 0 for the calling thread and 1..threads-1 for the workers, so a task
 * can use per-thread scratch without locking. */
typedef void (*pool_task_fn)(void *ctx, size_t i, int tid);

void pool_run_tid(convtool_pool *pool, size_t n, pool_task_fn fn, void *ctx);

#endif
