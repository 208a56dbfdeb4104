/*
 * The JPEG quality estimator (jpeg_quality.c): libjpeg's tables of every
 * quality 1..100 give that quality back; tables a little off give a quality
 * within one; files written by both encoders give their quality and chroma
 * sampling; damaged and cut headers are refused without reading past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"
#include "codec/jpeg_quality.h"
#include "codec/jpeg_turbo.h"
#include "codec/stb_codec.h"
#include "test_helpers.h"

/* libjpeg's jpeg_set_quality, written out from its documentation (jcparam.c). */
static void ijg_table(int quality, const int *std, uint16_t *t)
{
    int scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
    for (int i = 0; i < 64; i++) {
        long v = ((long)std[i] * scale + 50L) / 100L;
        t[i] = (uint16_t)(v <= 0 ? 1 : v > 255 ? 255 : v);
    }
}

static const int LUMA[64] = {16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
                             14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
                             18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
                             49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
static const int CHROMA[64] = {17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
                               24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
                               99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
                               99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

static void test_every_quality_exact(void **state)
{
    (void)state;
    for (int q = 1; q <= 100; q++) {
        uint16_t l[64], c[64], mine[64];
        ijg_table(q, LUMA, l);
        ijg_table(q, CHROMA, c);
        jpeg_quality_table(q, 0, mine);
        assert_memory_equal(mine, l, sizeof l);
        int exact = 0;
        assert_int_equal(jpeg_quality_of_tables(l, c, &exact), q);
        assert_true(exact);
        assert_int_equal(jpeg_quality_of_tables(l, NULL, &exact), q); /* a gray file */
        assert_true(exact);
        /* ImageMagick's rule, by table slot, agrees on libjpeg's own tables */
        const uint16_t *two[4] = {l, c, NULL, NULL}, *one[4] = {l, NULL, NULL, NULL};
        assert_int_equal(jpeg_quality_imagemagick(two), q);
        assert_int_equal(jpeg_quality_imagemagick(one), q);
    }
}

/* Tables between two qualities: ImageMagick's rule takes the first quality from the
 * bottom that is not coarser by either measure, and gives none below 51 unless exact. */
static void test_imagemagick_rule_between_qualities(void **state)
{
    (void)state;
    uint16_t l[64], c[64], l2[64], c2[64];
    ijg_table(80, LUMA, l);
    ijg_table(80, CHROMA, c);
    ijg_table(81, LUMA, l2);
    ijg_table(81, CHROMA, c2);
    for (int i = 0; i < 64; i++) { /* halfway: coarser than 81 by both measures, finer than 80 */
        l[i] = (uint16_t)((l[i] + l2[i] + 1) / 2);
        c[i] = (uint16_t)((c[i] + c2[i] + 1) / 2);
    }
    const uint16_t *two[4] = {l, c, NULL, NULL};
    assert_int_equal(jpeg_quality_imagemagick(two), 81);
    ijg_table(30, LUMA, l);
    ijg_table(30, CHROMA, c);
    l[10]++; /* the sum one above quality 30's, the four coefficients equal */
    assert_int_equal(jpeg_quality_imagemagick(two), 0); /* "approximate" below 51: none */
    int exact = 1;
    assert_int_equal(jpeg_quality_of_tables(l, c, &exact), 30); /* the nearest sum */
    assert_false(exact);
}

/* An encoder that rounds a few entries its own way: still within one quality. */
static void test_nearby_tables_within_one(void **state)
{
    (void)state;
    unsigned seed = 12;
    for (int q = 1; q <= 100; q++) {
        uint16_t l[64], c[64];
        ijg_table(q, LUMA, l);
        ijg_table(q, CHROMA, c);
        for (int k = 0; k < 3; k++) { /* one up, one down: the sum stays */
            int up = (int)(test_rand(&seed) % 64), down = (int)(test_rand(&seed) % 64);
            if (l[up] < 255 && l[down] > 1 && up != down) {
                l[up]++;
                l[down]--;
            }
        }
        int exact = 1;
        int got = jpeg_quality_of_tables(l, c, &exact);
        assert_true(got >= q - 1 && got <= q + 1);
    }
}

static unsigned char *picture(int w, int h, int c)
{
    unsigned char *p = malloc((size_t)w * h * c);
    unsigned seed = 5;
    for (size_t i = 0; i < (size_t)w * h * c; i++)
        p[i] = (unsigned char)(i % 251 + test_rand(&seed) % 5);
    return p;
}

static void check_file(const convtool_buffer *b, int quality, convtool_jpeg_sampling sampling)
{
    convtool_jpeg_estimate est;
    assert_int_equal(convtool_jpeg_estimate_quality(b->data, b->len, &est), CONVTOOL_OK);
    assert_int_equal(est.quality, quality);
    assert_true(est.exact);
    assert_int_equal(est.sampling, sampling);
}

static void test_files_of_both_encoders(void **state)
{
    (void)state;
    static const int qualities[] = {1, 10, 50, 75, 89, 90, 91, 95, 98, 100};
    unsigned char *rgb = picture(40, 24, 3), *gray = picture(40, 24, 1);
    for (size_t i = 0; i < sizeof qualities / sizeof qualities[0]; i++) {
        int q = qualities[i];
        convtool_buffer b = {0};
        assert_int_equal(stb_codec_write_jpg(&b, 40, 24, 3, rgb, q), CONVTOOL_OK);
        check_file(&b, q, q > 90 ? CONVTOOL_SAMPLING_444 : CONVTOOL_SAMPLING_420);
        convtool_buffer_free(&b);
        if (!jpeg_turbo_active())
            continue;
        for (int s = CONVTOOL_SAMPLING_444; s <= CONVTOOL_SAMPLING_420; s++) {
            convtool_buffer t = {0};
            assert_int_equal(jpeg_turbo_encode(&t, 40, 24, 3, rgb, q, (convtool_jpeg_sampling)s),
                             CONVTOOL_OK);
            check_file(&t, q, (convtool_jpeg_sampling)s);
            convtool_buffer_free(&t);
        }
        convtool_buffer g = {0};
        assert_int_equal(jpeg_turbo_encode(&g, 40, 24, 1, gray, q, CONVTOOL_SAMPLING_444),
                         CONVTOOL_OK);
        check_file(&g, q, CONVTOOL_SAMPLING_GRAY);
        convtool_buffer_free(&g);
    }
    free(rgb);
    free(gray);
}

/* Every cut of a file and every single-byte change: an answer or a refusal, never a read
 * past the end (ASan checks that in the sanitizer build). */
static void test_damaged_headers(void **state)
{
    (void)state;
    unsigned char *rgb = picture(16, 16, 3);
    convtool_buffer b = {0};
    assert_int_equal(stb_codec_write_jpg(&b, 16, 16, 3, rgb, 80), CONVTOOL_OK);
    convtool_jpeg_estimate est;
    for (size_t n = 0; n < b.len && n < 700; n++) {
        unsigned char *cut = malloc(n ? n : 1);
        memcpy(cut, b.data, n);
        convtool_status st = convtool_jpeg_estimate_quality(cut, n, &est);
        assert_true(st == CONVTOOL_OK || st == CONVTOOL_EUNSUPPORTED);
        free(cut);
    }
    unsigned seed = 3;
    for (int round = 0; round < 2000; round++) {
        unsigned char *copy = malloc(b.len);
        memcpy(copy, b.data, b.len);
        copy[test_rand(&seed) % 700 % b.len] = (unsigned char)test_rand(&seed);
        convtool_status st = convtool_jpeg_estimate_quality(copy, b.len, &est);
        assert_true(st == CONVTOOL_OK || st == CONVTOOL_EUNSUPPORTED);
        if (st == CONVTOOL_OK)
            assert_true(est.quality >= 1 && est.quality <= 100);
        free(copy);
    }
    static const unsigned char png[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    assert_int_equal(convtool_jpeg_estimate_quality(png, sizeof png, &est), CONVTOOL_EUNSUPPORTED);
    assert_int_equal(convtool_jpeg_estimate_quality(NULL, 0, &est), CONVTOOL_EUNSUPPORTED);
    convtool_buffer_free(&b);
    free(rgb);
}

static void test_sampling_names(void **state)
{
    (void)state;
    convtool_jpeg_sampling s;
    assert_int_equal(convtool_jpeg_sampling_parse("444", &s), CONVTOOL_OK);
    assert_int_equal(s, CONVTOOL_SAMPLING_444);
    assert_int_equal(convtool_jpeg_sampling_parse("4:2:2", &s), CONVTOOL_OK);
    assert_int_equal(s, CONVTOOL_SAMPLING_422);
    assert_int_equal(convtool_jpeg_sampling_parse("420", &s), CONVTOOL_OK);
    assert_int_equal(s, CONVTOOL_SAMPLING_420);
    assert_int_equal(convtool_jpeg_sampling_parse("411", &s), CONVTOOL_EINVAL);
    assert_string_equal(convtool_jpeg_sampling_name(CONVTOOL_SAMPLING_420), "4:2:0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_quality_exact),
        cmocka_unit_test(test_nearby_tables_within_one),
        cmocka_unit_test(test_imagemagick_rule_between_qualities),
        cmocka_unit_test(test_files_of_both_encoders),
        cmocka_unit_test(test_damaged_headers),
        cmocka_unit_test(test_sampling_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
