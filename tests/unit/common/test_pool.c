/* The thread pool: every item runs exactly once, for any pool size, job after job. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

#include <cmocka.h>

#include "convtool/convtool.h"

#define ITEMS 1000

struct counts {
    atomic_int hits[ITEMS];
};

static void count_item(void *ctx, size_t i)
{
    struct counts *c = ctx;
    atomic_fetch_add(&c->hits[i], 1);
}

static void test_each_item_once(void **state)
{
    (void)state;
    const int sizes[] = {1, 2, 3, 16};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        convtool_pool *pool;
        assert_int_equal(convtool_pool_create(sizes[s], &pool), CONVTOOL_OK);
        assert_int_equal(convtool_pool_threads(pool), sizes[s]);
        for (int job = 0; job < 50; job++) { /* reuse catches lost wake-ups */
            static struct counts c;
            for (int i = 0; i < ITEMS; i++)
                atomic_store(&c.hits[i], 0);
            size_t n = (size_t)(job * 37 % ITEMS);
            convtool_pool_run(pool, n, count_item, &c);
            for (int i = 0; i < ITEMS; i++)
                assert_int_equal(atomic_load(&c.hits[i]), (size_t)i < n ? 1 : 0);
        }
        convtool_pool_free(pool);
    }
}

static void test_bad_sizes_and_null(void **state)
{
    (void)state;
    convtool_pool *pool = (convtool_pool *)1;
    assert_int_equal(convtool_pool_create(0, &pool), CONVTOOL_EINVAL);
    assert_null(pool);
    convtool_pool_free(NULL);
    static struct counts c;
    convtool_pool_run(NULL, 3, count_item, &c); /* NULL pool runs on the caller */
    assert_int_equal(atomic_load(&c.hits[2]), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_item_once),
        cmocka_unit_test(test_bad_sizes_and_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
