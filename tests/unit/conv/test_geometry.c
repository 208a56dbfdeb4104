/* Output sizes, padding resolution and padding-mode names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "convtool/convtool.h"

static int out_size(int in, int k, int pad, int stride, int dil)
{
    int out = -1;
    if (convtool_output_size(in, k, pad, pad, stride, dil, &out) != CONVTOOL_OK)
        return -1;
    return out;
}

/* SPEC seed example 4 and PyTorch's documented formula. */
static void test_seed_shapes(void **state)
{
    (void)state;
    assert_int_equal(out_size(28, 3, 0, 1, 1), 26);
    assert_int_equal(out_size(5, 3, 2, 1, 1), 7);
    assert_int_equal(out_size(4, 2, 0, 2, 1), 2);
    assert_int_equal(out_size(352, 3, 1, 2, 1), 176);
    assert_int_equal(out_size(10, 3, 0, 1, 2), 6);
    assert_int_equal(out_size(7, 3, 0, 3, 1), 2); /* floor */
}

static void test_too_small_is_geometry_error(void **state)
{
    (void)state;
    int out = 0;
    assert_int_equal(convtool_output_size(2, 3, 0, 0, 1, 1, &out), CONVTOOL_EGEOMETRY);
    assert_int_equal(convtool_output_size(5, 3, 0, 0, 1, 3, &out), CONVTOOL_EGEOMETRY);
    assert_int_equal(convtool_output_size(5, 3, 0, 0, 0, 1, &out), CONVTOOL_EINVAL);
    assert_int_equal(convtool_output_size(2147483647, 1, 2147483647, 1, 1, 1, &out),
                     CONVTOOL_EOVERFLOW);
}

static void test_same_padding_puts_odd_pixel_after(void **state)
{
    (void)state;
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_geometry_spec_default(&spec);
    assert_int_equal(convtool_geometry_resolve(&spec, 10, 10, 2, 4, &g), CONVTOOL_OK);
    assert_int_equal(g.pad_top, 0);
    assert_int_equal(g.pad_bottom, 1);
    assert_int_equal(g.pad_left, 1);
    assert_int_equal(g.pad_right, 2);
    assert_int_equal(g.out_h, 10);
    assert_int_equal(g.out_w, 10);
    spec.dilation_y = 3; /* same pads d·(k−1) */
    assert_int_equal(convtool_geometry_resolve(&spec, 10, 10, 3, 3, &g), CONVTOOL_OK);
    assert_int_equal(g.pad_top + g.pad_bottom, 6);
    assert_int_equal(g.out_h, 10);
    spec.stride_y = spec.stride_x = 2; /* same with stride follows the formula */
    assert_int_equal(convtool_geometry_resolve(&spec, 9, 9, 3, 3, &g), CONVTOOL_OK);
    assert_int_equal(g.out_w, 5);
}

static void test_reflect_needs_narrower_pad(void **state)
{
    (void)state;
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_geometry_spec_default(&spec);
    spec.padding = CONVTOOL_PADDING_EXPLICIT;
    spec.pad_y = spec.pad_x = 3;
    spec.mode = CONVTOOL_PAD_REFLECT;
    assert_int_equal(convtool_geometry_resolve(&spec, 3, 8, 1, 1, &g), CONVTOOL_EGEOMETRY);
    assert_int_equal(convtool_geometry_resolve(&spec, 4, 8, 1, 1, &g), CONVTOOL_OK);
    spec.mode = CONVTOOL_PAD_SYMMETRIC;
    assert_int_equal(convtool_geometry_resolve(&spec, 3, 8, 1, 1, &g), CONVTOOL_EGEOMETRY);
    spec.mode = CONVTOOL_PAD_REPLICATE;
    assert_int_equal(convtool_geometry_resolve(&spec, 1, 1, 1, 1, &g), CONVTOOL_OK);
    assert_int_equal(g.out_h, 7);
}

static void test_valid_padding(void **state)
{
    (void)state;
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_geometry_spec_default(&spec);
    spec.padding = CONVTOOL_PADDING_VALID;
    assert_int_equal(convtool_geometry_resolve(&spec, 5, 6, 3, 3, &g), CONVTOOL_OK);
    assert_int_equal(g.out_h, 3);
    assert_int_equal(g.out_w, 4);
}

static void test_mode_names_and_aliases(void **state)
{
    (void)state;
    convtool_pad_mode m;
    const char *names[] = {"zeros", "replicate", "reflect", "symmetric", "circular"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(convtool_pad_mode_parse(names[i], &m), CONVTOOL_OK);
        assert_string_equal(convtool_pad_mode_name(m), names[i]);
    }
    assert_int_equal(convtool_pad_mode_parse("CONSTANT", &m), CONVTOOL_OK);
    assert_int_equal(m, CONVTOOL_PAD_ZEROS);
    assert_int_equal(convtool_pad_mode_parse("edge", &m), CONVTOOL_OK);
    assert_int_equal(m, CONVTOOL_PAD_REPLICATE);
    assert_int_equal(convtool_pad_mode_parse("reflect101", &m), CONVTOOL_OK);
    assert_int_equal(m, CONVTOOL_PAD_REFLECT);
    assert_int_equal(convtool_pad_mode_parse("wrap", &m), CONVTOOL_OK);
    assert_int_equal(m, CONVTOOL_PAD_CIRCULAR);
    assert_int_equal(convtool_pad_mode_parse("bogus", &m), CONVTOOL_EINVAL);
    assert_non_null(convtool_pad_mode_aliases()[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_shapes),
        cmocka_unit_test(test_too_small_is_geometry_error),
        cmocka_unit_test(test_same_padding_puts_odd_pixel_after),
        cmocka_unit_test(test_reflect_needs_narrower_pad),
        cmocka_unit_test(test_valid_padding),
        cmocka_unit_test(test_mode_names_and_aliases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
