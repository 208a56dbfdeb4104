/*
 * orient.c: the eight EXIF orientations on pixels (8/16-bit, 1-4 channels) and
 * tensors, against a slow reference that follows the EXIF definitions: where
 * the stored picture's row 0 and column 0 are shown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"

/* The stored (sx, sy) shown at (x, y) of the upright picture (EXIF 2.3, tag 0x0112). */
static void source_of(int o, int w, int h, int x, int y, int *sx, int *sy)
{
    switch (o) {
    case 1: *sx = x, *sy = y; break;
    case 2: *sx = w - 1 - x, *sy = y; break;
    case 3: *sx = w - 1 - x, *sy = h - 1 - y; break;
    case 4: *sx = x, *sy = h - 1 - y; break;
    case 5: *sx = y, *sy = x; break;
    case 6: *sx = y, *sy = h - 1 - x; break;
    case 7: *sx = w - 1 - y, *sy = h - 1 - x; break;
    default: *sx = w - 1 - y, *sy = x; break;
    }
}

static void test_pixels(void **state)
{
    (void)state;
    const int w = 5, h = 3;
    for (int depth = 8; depth <= 16; depth += 8)
        for (int c = 1; c <= 4; c++)
            for (int o = 1; o <= 8; o++) {
                convtool_pixels px;
                assert_int_equal(convtool_pixels_alloc(&px, w, h, c, depth), CONVTOOL_OK);
                size_t n = (size_t)w * h * c;
                for (size_t i = 0; i < n; i++) {
                    if (depth == 8)
                        ((unsigned char *)px.data)[i] = (unsigned char)(i * 7 + 1);
                    else
                        ((uint16_t *)px.data)[i] = (uint16_t)(i * 977 + 3);
                }
                uint16_t copy16[5 * 3 * 4];
                unsigned char *copy = (unsigned char *)copy16;
                memcpy(copy, px.data, n * (size_t)(depth / 8));
                assert_int_equal(convtool_pixels_orient(&px, o), CONVTOOL_OK);
                int turned = o >= 5;
                assert_int_equal(px.width, turned ? h : w);
                assert_int_equal(px.height, turned ? w : h);
                for (int y = 0; y < px.height; y++)
                    for (int x = 0; x < px.width; x++)
                        for (int k = 0; k < c; k++) {
                            int sx, sy;
                            source_of(o, w, h, x, y, &sx, &sy);
                            size_t at = ((size_t)y * px.width + x) * c + k;
                            size_t from = ((size_t)sy * w + sx) * c + k;
                            if (depth == 8)
                                assert_int_equal(((unsigned char *)px.data)[at], copy[from]);
                            else
                                assert_int_equal(((uint16_t *)px.data)[at],
                                                 copy16[from]);
                        }
                convtool_pixels_free(&px);
            }
}

static void test_tensor(void **state)
{
    (void)state;
    const int w = 4, h = 7, c = 2;
    for (int o = 0; o <= 8; o++) {
        convtool_tensor t;
        assert_int_equal(convtool_tensor_alloc(&t, c, h, w), CONVTOOL_OK);
        for (size_t i = 0; i < convtool_tensor_count(&t); i++)
            t.data[i] = (float)i;
        assert_int_equal(convtool_tensor_orient(&t, o), CONVTOOL_OK);
        int turned = o >= 5;
        assert_int_equal(t.w, turned ? h : w);
        assert_int_equal(t.h, turned ? w : h);
        for (int k = 0; k < c; k++)
            for (int y = 0; y < t.h; y++)
                for (int x = 0; x < t.w; x++) {
                    int sx, sy;
                    source_of(o ? o : 1, w, h, x, y, &sx, &sy);
                    assert_true(t.data[((size_t)k * t.h + y) * t.w + x] ==
                                (float)(((size_t)k * h + sy) * w + sx));
                }
        convtool_tensor_free(&t);
    }
    convtool_tensor t = {0};
    assert_int_equal(convtool_tensor_orient(&t, 9), CONVTOOL_EINVAL);
    assert_int_equal(convtool_tensor_orient(&t, -1), CONVTOOL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pixels),
        cmocka_unit_test(test_tensor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
