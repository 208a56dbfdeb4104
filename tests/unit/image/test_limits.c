/* Limit arithmetic (src/image/limits.c) and the decoder's refusals from the header alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"
#include "png_builder.h"

static void test_mul_u64(void **state)
{
    (void)state;
    uint64_t r = 0;
    assert_int_equal(convtool_mul_u64(1u << 20, 1u << 20, 1u << 20, 1, &r), CONVTOOL_OK);
    assert_true(r == (uint64_t)1 << 60);
    assert_int_equal(convtool_mul_u64(1u << 20, 1u << 20, 1u << 20, 16, &r), CONVTOOL_EOVERFLOW);
    assert_int_equal(convtool_mul_u64(0, UINT64_MAX, UINT64_MAX, 2, &r), CONVTOOL_OK);
    assert_true(r == 0);
}

static void test_estimate(void **state)
{
    (void)state;
    convtool_image_info png = {CONVTOOL_FORMAT_PNG, 1000, 1000, 3, 8, 0, 0, 0};
    uint64_t need = 0;
    assert_int_equal(convtool_decode_memory_estimate(&png, 5000, &need), CONVTOOL_OK);
    /* at least the pixels it returns, at most a small multiple of them */
    assert_true(need >= 3000000 && need < 4 * 3000000 + (2u << 20));
    convtool_image_info huge = {CONVTOOL_FORMAT_PNG, INT32_MAX, INT32_MAX, 4, 16, 0, 0, 0};
    assert_int_equal(convtool_decode_memory_estimate(&huge, UINT64_MAX / 2, &need),
                     CONVTOOL_EOVERFLOW);
    convtool_image_info jpeg = {CONVTOOL_FORMAT_JPEG, 65500, 65500, 3, 8, 0, 0, 0};
    assert_int_equal(convtool_decode_memory_estimate(&jpeg, 1000, &need), CONVTOOL_OK);
    assert_true(need > (uint64_t)65500 * 65500 * 3);
    convtool_image_info empty = {CONVTOOL_FORMAT_PNG, 0, 5, 3, 8, 0, 0, 0};
    assert_int_equal(convtool_decode_memory_estimate(&empty, 10, &need), CONVTOOL_EINVAL);
}

static void test_default_max_memory(void **state)
{
    (void)state;
    uint64_t m = convtool_default_max_memory();
    assert_true(m > 0);
    assert_true(m <= (uint64_t)8 << 30);
}

/* A header that declares 15000x15000 RGBA (900 MB of samples) in a tiny file: refused from
 * the header, before anything is allocated. */
static void test_refused_from_header(void **state)
{
    (void)state;
    png_spec s = {15000, 15000, 8, 6, 0, NULL, 0, NULL, 0};
    convtool_buffer b = {0};
    pb_ihdr(&b, &s);
    pb_chunk(&b, "IDAT", (const unsigned char *)"\x78\x01", 2);
    pb_chunk(&b, "IEND", NULL, 0);
    convtool_load_options lo = {.max_pixels = 0, .max_memory = (uint64_t)1 << 30, .no_sandbox = 0};
    convtool_image img;
    assert_int_equal(convtool_image_decode(b.data, b.len, &lo, &img), CONVTOOL_EMEMLIMIT);
    lo.max_pixels = 1000;
    assert_int_equal(convtool_image_decode(b.data, b.len, &lo, &img), CONVTOOL_ELIMIT);
    convtool_buffer_free(&b);
}

int main(void)
{
    (void)png_build; /* the builder's pieces are used one by one */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mul_u64),
        cmocka_unit_test(test_estimate),
        cmocka_unit_test(test_default_max_memory),
        cmocka_unit_test(test_refused_from_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
