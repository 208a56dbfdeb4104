/* .npy reading (dtypes, byte orders, Fortran order, bad headers) and writing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"
#include "codec/npy.h"

/* A whole .npy file: preamble of `version`, the header text as given, then `data`. */
static convtool_buffer make_npy(int version, const char *header, const void *data, size_t len)
{
    convtool_buffer b = {0};
    size_t hlen = strlen(header);
    unsigned char pre[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', (unsigned char)version, 0};
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);
    pre[10] = (unsigned char)(hlen >> 16);
    pre[11] = (unsigned char)(hlen >> 24);
    assert_int_equal(convtool_buffer_append(&b, pre, version == 1 ? 10 : 12), CONVTOOL_OK);
    assert_int_equal(convtool_buffer_append(&b, header, hlen), CONVTOOL_OK);
    assert_int_equal(convtool_buffer_append(&b, data, len), CONVTOOL_OK);
    return b;
}

/* n values as float32 or float64 bytes, little- or big-endian. */
static unsigned char *encode_values(const double *v, size_t n, int itemsize, int big)
{
    unsigned char *out = malloc(n * (size_t)itemsize);
    for (size_t i = 0; i < n; i++) {
        uint64_t bits = 0;
        if (itemsize == 4) {
            float f = (float)v[i];
            uint32_t b32;
            memcpy(&b32, &f, 4);
            bits = b32;
        } else {
            memcpy(&bits, &v[i], 8);
        }
        for (int k = 0; k < itemsize; k++) {
            unsigned char byte = (unsigned char)(bits >> (8 * k));
            out[i * (size_t)itemsize + (size_t)(big ? itemsize - 1 - k : k)] = byte;
        }
    }
    return out;
}

static convtool_status decode(const convtool_buffer *b, convtool_image *img)
{
    return convtool_image_decode(b->data, b->len, NULL, img);
}

static void assert_values(const convtool_tensor *t, const double *want, size_t n)
{
    assert_int_equal(convtool_tensor_count(t), n);
    for (size_t i = 0; i < n; i++)
        assert_true(t->data[i] == (float)want[i]);
}

static void check_dtype(const char *descr, int itemsize, int big)
{
    const double v[6] = {0.5, -1.25, 3.0e10, 1.0 / 3.0, 0.0, -7.0};
    char header[128];
    snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (2, 3), }\n",
             descr);
    unsigned char *data = encode_values(v, 6, itemsize, big);
    convtool_buffer b = make_npy(1, header, data, 6 * (size_t)itemsize);
    convtool_image img;
    assert_int_equal(decode(&b, &img), CONVTOOL_OK);
    assert_int_equal(img.tensor.c, 1);
    assert_int_equal(img.tensor.h, 2);
    assert_int_equal(img.tensor.w, 3);
    assert_int_equal(img.info.bit_depth, itemsize * 8);
    assert_int_equal(img.info.npy_rank, 2);
    assert_int_equal(img.has_alpha, 0);
    assert_values(&img.tensor, v, 6);
    convtool_image_free(&img);
    convtool_buffer_free(&b);
    free(data);
}

static void test_dtypes(void **state)
{
    (void)state;
    check_dtype("<f4", 4, 0);
    check_dtype("<f8", 8, 0);
    check_dtype(">f4", 4, 1);
    check_dtype(">f8", 8, 1);
    check_dtype("|f4", 4, 0);
}

static void test_fortran_order(void **state)
{
    (void)state;
    /* (2, 2, 3) in Fortran order: element (c, y, x) is stored at c + 2·(y + 2·x). */
    double stored[12], want[12];
    for (int c = 0; c < 2; c++)
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++) {
                double v = 100 * c + 10 * y + x;
                want[(c * 2 + y) * 3 + x] = v;
                stored[c + 2 * (y + 2 * x)] = v;
            }
    unsigned char *data = encode_values(stored, 12, 4, 0);
    convtool_buffer b =
        make_npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2, 3), }\n", data, 48);
    convtool_image img;
    assert_int_equal(decode(&b, &img), CONVTOOL_OK);
    assert_int_equal(img.tensor.c, 2);
    assert_int_equal(img.info.channels, 2);
    assert_int_equal(img.info.npy_rank, 3);
    assert_values(&img.tensor, want, 12);
    convtool_image_free(&img);
    convtool_buffer_free(&b);
    free(data);
}

static void test_version2_and_spacing(void **state)
{
    (void)state;
    const double v[2] = {1, 2};
    unsigned char *data = encode_values(v, 2, 4, 0);
    const char *headers[] = {
        "{\"shape\":(1,2),\"descr\":\"<f4\",\"fortran_order\":False}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2)}   \n",
        "{'descr':'<f4','fortran_order':False,'shape':(1,2,),}\n",
    };
    for (int version = 1; version <= 3; version++) {
        for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
            convtool_buffer b = make_npy(version, headers[i], data, 8);
            convtool_image img;
            assert_int_equal(decode(&b, &img), CONVTOOL_OK);
            assert_values(&img.tensor, v, 2);
            convtool_image_free(&img);
            convtool_buffer_free(&b);
        }
    }
    free(data);
}

static void test_bad_headers(void **state)
{
    (void)state;
    struct {
        const char *header;
        convtool_status want;
    } cases[] = {
        {"", CONVTOOL_ECORRUPT},
        {"{}", CONVTOOL_ECORRUPT},
        {"{'descr': '<f4', 'fortran_order': False}", CONVTOOL_ECORRUPT},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", CONVTOOL_ECORRUPT},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}",
         CONVTOOL_ECORRUPT},
        {"{'descr': '<f4', 'fortran_order': false, 'shape': (2, 3)}", CONVTOOL_ECORRUPT},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}", CONVTOOL_ECORRUPT},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6)}", CONVTOOL_ECORRUPT},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 3)}", CONVTOOL_ECORRUPT},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} x", CONVTOOL_ECORRUPT},
        {"{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}", CONVTOOL_ECORRUPT},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", CONVTOOL_ECORRUPT},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 1)}",
         CONVTOOL_ECORRUPT},
        /* the data is 24 bytes: a shape that disagrees is corrupt */
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)}", CONVTOOL_ECORRUPT},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}", CONVTOOL_ECORRUPT},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4)}",
         CONVTOOL_ECORRUPT},
        /* valid files we do not handle */
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3)}", CONVTOOL_EUNSUPPORTED},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3)}", CONVTOOL_EUNSUPPORTED},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3)}",
         CONVTOOL_EUNSUPPORTED},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", CONVTOOL_EUNSUPPORTED},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 2, 3)}", CONVTOOL_EUNSUPPORTED},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", CONVTOOL_EUNSUPPORTED},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': ()}", CONVTOOL_EUNSUPPORTED},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3)}", CONVTOOL_EUNSUPPORTED},
    };
    unsigned char data[24] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        convtool_buffer b = make_npy(1, cases[i].header, data, sizeof data);
        convtool_image_info info;
        convtool_status got = convtool_image_probe(b.data, b.len, &info);
        if (got != cases[i].want)
            print_error("case %zu: %s\n", i, cases[i].header);
        assert_int_equal(got, cases[i].want);
        assert_int_equal(info.format, CONVTOOL_FORMAT_NPY);
        convtool_image img;
        assert_int_equal(decode(&b, &img), cases[i].want);
        assert_null(img.tensor.data);
        convtool_buffer_free(&b);
    }
}

static void test_bad_preamble(void **state)
{
    (void)state;
    const char *ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1)}";
    unsigned char data[4] = {0};
    convtool_buffer b = make_npy(4, ok, data, 4);
    convtool_image_info info;
    assert_int_equal(convtool_image_probe(b.data, b.len, &info), CONVTOOL_EUNSUPPORTED);
    b.data[6] = 1;
    b.data[7] = 1; /* minor version 1 does not exist */
    assert_int_equal(convtool_image_probe(b.data, b.len, &info), CONVTOOL_EUNSUPPORTED);
    b.data[7] = 0;
    b.data[9] = 0x7f; /* header length beyond the file */
    assert_int_equal(convtool_image_probe(b.data, b.len, &info), CONVTOOL_ECORRUPT);
    convtool_buffer_free(&b);
}

static void test_truncated(void **state)
{
    (void)state;
    const double v[6] = {1, 2, 3, 4, 5, 6};
    unsigned char *data = encode_values(v, 6, 8, 0);
    convtool_buffer b =
        make_npy(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }\n", data, 48);
    for (size_t len = 0; len < b.len; len++) {
        /* a copy of exactly len bytes, so ASan sees any read past the end */
        unsigned char *cut = malloc(len ? len : 1);
        memcpy(cut, b.data, len);
        convtool_image img;
        assert_int_equal(convtool_image_decode(cut, len, NULL, &img), CONVTOOL_ECORRUPT);
        free(cut);
    }
    convtool_buffer_free(&b);
    free(data);
}

static convtool_tensor ramp(int c, int h, int w)
{
    convtool_tensor t;
    assert_int_equal(convtool_tensor_alloc(&t, c, h, w), CONVTOOL_OK);
    for (size_t i = 0; i < convtool_tensor_count(&t); i++)
        t.data[i] = (float)i * 0.37f - 2.0f;
    return t;
}

static void check_written(const convtool_buffer *b, const char *shape)
{
    /* numpy's own layout: v1.0, data aligned to 64, header ending in '\n' */
    assert_memory_equal(b->data, "\x93NUMPY\x01\x00", 8);
    size_t hlen = (size_t)b->data[8] | (size_t)b->data[9] << 8;
    assert_int_equal((10 + hlen) % 64, 0);
    assert_int_equal(b->data[10 + hlen - 1], '\n');
    char want[128];
    snprintf(want, sizeof want, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape);
    assert_memory_equal(b->data + 10, want, strlen(want));
}

static void test_write_round_trip(void **state)
{
    (void)state;
    struct {
        int c, rank;
        const char *shape;
    } cases[] = {{3, 3, "(3, 4, 5)"}, {1, 2, "(4, 5)"}, {1, 3, "(1, 4, 5)"}, {2, 2, "(2, 4, 5)"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        convtool_tensor t = ramp(cases[i].c, 4, 5);
        convtool_save_options o = {.format = CONVTOOL_FORMAT_NPY, .npy_rank = cases[i].rank};
        convtool_buffer b = {0};
        assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_OK);
        check_written(&b, cases[i].shape);
        convtool_image img;
        assert_int_equal(decode(&b, &img), CONVTOOL_OK);
        assert_int_equal(img.tensor.c, t.c);
        assert_int_equal(img.info.npy_rank, cases[i].rank == 2 && t.c == 1 ? 2 : 3);
        assert_memory_equal(img.tensor.data, t.data, convtool_tensor_count(&t) * sizeof(float));
        convtool_image_free(&img);
        convtool_buffer_free(&b);
        convtool_tensor_free(&t);
    }
}

static void test_write_special_values(void **state)
{
    (void)state;
    convtool_tensor t = ramp(1, 1, 4);
    t.data[0] = NAN;
    t.data[1] = -INFINITY;
    t.data[2] = -0.0f;
    t.data[3] = 1e-45f;
    convtool_save_options o = {.format = CONVTOOL_FORMAT_NPY, .npy_rank = 2};
    convtool_buffer b = {0};
    assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_OK);
    convtool_image img;
    assert_int_equal(decode(&b, &img), CONVTOOL_OK);
    assert_memory_equal(img.tensor.data, t.data, 4 * sizeof(float));
    /* little-endian on disk: 1.0f would be 00 00 80 3f; check the last value's bytes */
    assert_memory_equal(b.data + b.len - 4, "\x01\x00\x00\x00", 4);
    convtool_image_free(&img);
    convtool_buffer_free(&b);
    convtool_tensor_free(&t);
}

static void test_stack(void **state)
{
    (void)state;
    convtool_tensor parts[3] = {ramp(2, 3, 4), ramp(2, 3, 4), ramp(2, 3, 4)};
    parts[1].data[0] = 42.0f;
    convtool_buffer b = {0};
    assert_int_equal(convtool_npy_encode_stack(parts, 3, &b), CONVTOOL_OK);
    check_written(&b, "(3, 2, 3, 4)");
    size_t hlen = (size_t)b.data[8] | (size_t)b.data[9] << 8;
    assert_int_equal(b.len, 10 + hlen + 3 * 24 * sizeof(float));
    float first_of_second;
    memcpy(&first_of_second, b.data + 10 + hlen + 24 * sizeof(float), sizeof(float));
    assert_true(first_of_second == 42.0f);
    /* rank 4 reads back as a batch: N = 3 items of C = 2 channels */
    convtool_image_info info;
    assert_int_equal(convtool_image_probe(b.data, b.len, &info), CONVTOOL_OK);
    assert_int_equal(info.npy_rank, 4);
    assert_int_equal(info.npy_batch, 3);
    assert_int_equal(info.channels, 2);
    convtool_image img;
    assert_int_equal(convtool_image_decode(b.data, b.len, NULL, &img), CONVTOOL_OK);
    assert_int_equal(img.tensor.c, 6);
    assert_true(img.tensor.data[24] == 42.0f);
    convtool_image_free(&img);
    convtool_buffer_free(&b);

    convtool_tensor_free(&parts[2]);
    parts[2] = ramp(2, 3, 5);
    assert_int_equal(convtool_npy_encode_stack(parts, 3, &b), CONVTOOL_EMISMATCH);
    convtool_buffer_free(&b);
    assert_int_equal(convtool_npy_encode_stack(parts, 0, &b), CONVTOOL_EINVAL);
    for (int i = 0; i < 3; i++)
        convtool_tensor_free(&parts[i]);
}

static void test_limit(void **state)
{
    (void)state;
    convtool_tensor t = ramp(1, 10, 10);
    convtool_save_options o = {.format = CONVTOOL_FORMAT_NPY, .npy_rank = 2};
    convtool_buffer b = {0};
    assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_OK);
    convtool_load_options lo = {.max_pixels = 99};
    convtool_image img;
    assert_int_equal(convtool_image_decode(b.data, b.len, &lo, &img), CONVTOOL_ELIMIT);
    assert_int_equal(img.info.width, 10); /* the caller can still name the size */
    lo.max_pixels = 100;
    assert_int_equal(convtool_image_decode(b.data, b.len, &lo, &img), CONVTOOL_OK);
    convtool_image_free(&img);
    convtool_image_free(&img); /* NULL-safe and idempotent */
    convtool_buffer_free(&b);
    convtool_tensor_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dtypes),
        cmocka_unit_test(test_fortran_order),
        cmocka_unit_test(test_version2_and_spacing),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_bad_preamble),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_write_special_values),
        cmocka_unit_test(test_stack),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
