/*
 * The vector row filters against the plain C ones: png_unfilter.c is compiled
 * a second time into this test with PNG_UNFILTER_PORTABLE (as
 * png_unfilter_image_portable, see tests/CMakeLists.txt), and both undo the
 * same random filtered data — every filter type on every row pairing, every
 * pixel size, widths around the vector and pair boundaries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/png_unfilter.h"
#include "test_helpers.h"

convtool_status png_unfilter_image_portable(const struct png_header *h, unsigned char *raw);

/* Random image data one row into a buffer, filter types drawn per row (some bad). */
static unsigned char *make_raw(const struct png_header *h, unsigned *seed, int allow_bad,
                               size_t *len)
{
    size_t row = h->row_bytes + 1;
    *len = (h->height + 1) * row;
    unsigned char *raw = malloc(*len);
    assert_non_null(raw);
    memset(raw, 0xEE, row);
    for (uint32_t y = 0; y < h->height; y++) {
        unsigned char *r = raw + (y + 1) * row;
        r[0] = (unsigned char)test_rand_range(seed, 0, allow_bad ? 5 : 4);
        for (size_t i = 1; i < row; i++)
            r[i] = (unsigned char)test_rand(seed);
    }
    return raw;
}

static void check_case(int bpp, int depth, uint32_t w, uint32_t h, unsigned *seed, int allow_bad)
{
    struct png_header hd = {.width = w, .height = h, .depth = depth,
                            .channels = bpp / (depth / 8), .row_bytes = (size_t)w * bpp,
                            .bpp = bpp};
    size_t len;
    unsigned char *fast = make_raw(&hd, seed, allow_bad, &len);
    unsigned char *plain = malloc(len);
    assert_non_null(plain);
    memcpy(plain, fast, len);
    convtool_status a = png_unfilter_image(&hd, fast);
    convtool_status b = png_unfilter_image_portable(&hd, plain);
    assert_int_equal(a, b);
    if (a == CONVTOOL_OK)
        assert_memory_equal(fast, plain, (size_t)h * hd.row_bytes);
    free(fast);
    free(plain);
}

static void test_vector_matches_portable(void **state)
{
    (void)state;
    const int sizes[][2] = {{1, 8}, {2, 8}, {3, 8}, {4, 8}, {2, 16}, {4, 16}, {6, 16}, {8, 16}};
    unsigned seed = 99;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (uint32_t w = 1; w <= 37; w += 3)
            for (uint32_t h = 1; h <= 9; h++)
                for (int rep = 0; rep < 4; rep++)
                    check_case(sizes[s][0], sizes[s][1], w, h, &seed, 0);
}

static void test_bad_filter_types_agree(void **state)
{
    (void)state;
    unsigned seed = 7;
    for (int rep = 0; rep < 200; rep++)
        check_case(3, 8, 5, (uint32_t)test_rand_range(&seed, 1, 6), &seed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_matches_portable),
        cmocka_unit_test(test_bad_filter_types_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
