/* --map modes, the clipping count, --combine and the luma conversion. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "test_helpers.h"

static void test_maps(void **state)
{
    (void)state;
    const float v[4] = {-1, -0.5f, 0.5f, 1};
    struct {
        const char *name;
        float want[4];
    } cases[] = {
        {"clamp", {-1, -0.5f, 0.5f, 1}},
        {"abs", {1, 0.5f, 0.5f, 1}},
        {"shift", {0, 0.25f, 0.75f, 1}},
        {"normalize", {0, 0.25f, 0.75f, 1}},
    };
    for (int c = 0; c < 4; c++) {
        convtool_map map;
        assert_int_equal(convtool_map_parse(cases[c].name, &map), CONVTOOL_OK);
        convtool_tensor t = test_tensor(1, 2, 2, v);
        convtool_map_apply(&t, map);
        for (int i = 0; i < 4; i++)
            assert_true(fabsf(t.data[i] - cases[c].want[i]) < 1e-6f);
        convtool_tensor_free(&t);
    }
    convtool_map map;
    assert_int_equal(convtool_map_parse("bogus", &map), CONVTOOL_EINVAL);
}

static void test_normalize_is_per_channel_and_constant_goes_to_zero(void **state)
{
    (void)state;
    const float v[4] = {2, 4, 7, 7};
    convtool_tensor t = test_tensor(2, 1, 2, v);
    convtool_map_apply(&t, CONVTOOL_MAP_NORMALIZE);
    assert_true(t.data[0] == 0 && t.data[1] == 1 && t.data[2] == 0 && t.data[3] == 0);
    convtool_tensor_free(&t);
}

static void test_count_clipped(void **state)
{
    (void)state;
    const float v[5] = {-0.1f, 0, 0.5f, 1, 1.01f};
    convtool_tensor t = test_tensor(1, 1, 5, v);
    assert_int_equal(convtool_count_clipped(&t), 2);
    t.data[2] = NAN;
    assert_int_equal(convtool_count_clipped(&t), 3);
    convtool_tensor_free(&t);
}

static void test_combine(void **state)
{
    (void)state;
    const float a[2] = {3, -1}, b[2] = {4, 2};
    convtool_tensor parts[2] = {test_tensor(1, 1, 2, a), test_tensor(1, 1, 2, b)}, out;
    assert_int_equal(convtool_combine_tensors(parts, 2, CONVTOOL_COMBINE_MAGNITUDE, &out),
                     CONVTOOL_OK);
    assert_true(fabsf(out.data[0] - 5) < 1e-6f && fabsf(out.data[1] - sqrtf(5)) < 1e-6f);
    convtool_tensor_free(&out);
    assert_int_equal(convtool_combine_tensors(parts, 2, CONVTOOL_COMBINE_MAX, &out), CONVTOOL_OK);
    assert_true(out.data[0] == 4 && out.data[1] == 2);
    convtool_tensor_free(&out);
    assert_int_equal(convtool_combine_tensors(parts, 2, CONVTOOL_COMBINE_SUM, &out), CONVTOOL_OK);
    assert_true(out.data[0] == 7 && out.data[1] == 1);
    convtool_tensor_free(&out);
    convtool_tensor other = test_tensor(2, 1, 1, a);
    parts[1].c = 2, parts[1].w = 1;
    assert_int_equal(convtool_combine_tensors(parts, 2, CONVTOOL_COMBINE_SUM, &out),
                     CONVTOOL_EMISMATCH);
    convtool_tensor_free(&other);
    convtool_tensor_free(&parts[0]);
    convtool_tensor_free(&parts[1]);
    convtool_combine mode;
    assert_int_equal(convtool_combine_parse("STACK", &mode), CONVTOOL_OK);
    assert_int_equal(mode, CONVTOOL_COMBINE_STACK);
}

static void test_luma_uses_601_weights(void **state)
{
    (void)state;
    const float rgb[6] = {1, 0, 0, 1, 0, 1}; /* pixels (1,0,0) and (0,1,1) */
    convtool_tensor t = test_tensor(3, 1, 2, rgb), l;
    assert_int_equal(convtool_to_luma(&t, &l), CONVTOOL_OK);
    assert_true(fabsf(l.data[0] - 0.299f) < 1e-6f && fabsf(l.data[1] - 0.701f) < 1e-6f);
    convtool_tensor_free(&l);
    convtool_tensor_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maps),
        cmocka_unit_test(test_normalize_is_per_channel_and_constant_goes_to_zero),
        cmocka_unit_test(test_count_clipped),
        cmocka_unit_test(test_combine),
        cmocka_unit_test(test_luma_uses_601_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
