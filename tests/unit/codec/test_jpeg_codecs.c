/*
 * libjpeg-turbo against stb, the built-in codec: both decoders read the same
 * files to nearly the same samples (their IDCTs and chroma upsampling differ
 * by a level or two here and there), both encoders keep a picture equally well at the same
 * quality, and both subsample chroma by the same rule. Skipped when the
 * library is built without libjpeg-turbo.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"
#include "codec/jpeg_turbo.h"
#include "codec/stb_codec.h"
#include "test_helpers.h"

#define W 160
#define H 120

/* A photo-like picture: gradients, a sharp-edged disc and fine texture. */
static unsigned char *picture(int c)
{
    unsigned char *p = malloc((size_t)W * H * (size_t)c);
    unsigned seed = 9;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int disc = (x - 60) * (x - 60) + (y - 50) * (y - 50) < 900;
            for (int k = 0; k < c; k++) {
                int v = 40 + x + y / 2 + k * 30 + (disc ? 60 : 0) + (int)(test_rand(&seed) % 7);
                p[((size_t)y * W + (size_t)x) * (size_t)c + (size_t)k] =
                    (unsigned char)(v > 255 ? 255 : v);
            }
        }
    return p;
}

static convtool_buffer encode_with(int turbo, const unsigned char *px, int c, int quality)
{
    convtool_buffer b = {0};
    /* turbo asked for the sampling stb ties to the quality, so the two compare */
    convtool_jpeg_sampling stb_rule = quality > 90 ? CONVTOOL_SAMPLING_444 : CONVTOOL_SAMPLING_420;
    convtool_status st = turbo ? jpeg_turbo_encode(&b, W, H, c, px, quality, stb_rule)
                               : stb_codec_write_jpg(&b, W, H, c, px, quality);
    assert_int_equal(st, CONVTOOL_OK);
    return b;
}

/* Decodes with one codec; the caller frees with free() (stb's allocator is malloc). */
static unsigned char *decode_with(int turbo, const convtool_buffer *b, int *channels)
{
    int w = 0, h = 0;
    unsigned char *px = NULL;
    convtool_status st = turbo ? jpeg_turbo_decode(b->data, b->len, &w, &h, channels, &px)
                               : stb_codec_decode8(b->data, b->len, &w, &h, channels, &px);
    assert_int_equal(st, CONVTOOL_OK);
    assert_int_equal(w, W);
    assert_int_equal(h, H);
    return px;
}

static double psnr(const unsigned char *a, const unsigned char *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++)
        se += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return se == 0 ? 99.0 : 10.0 * log10(255.0 * 255.0 * (double)n / se);
}

static int setup(void **state)
{
    (void)state;
    unsetenv("CONVTOOL_JPEG_CODEC");
    return 0;
}

static void need_turbo(void)
{
    if (!jpeg_turbo_active())
        skip();
}

/* Both decoders agree on files from both encoders, gray and colour, 4:2:0 and 4:4:4. */
static void test_decoders_agree(void **state)
{
    (void)state;
    need_turbo();
    static const int qualities[] = {50, 90, 95};
    for (int c = 1; c <= 3; c += 2) {
        unsigned char *src = picture(c);
        for (int writer = 0; writer <= 1; writer++)
            for (size_t q = 0; q < sizeof qualities / sizeof qualities[0]; q++) {
                convtool_buffer b = encode_with(writer, src, c, qualities[q]);
                int n_stb = 0, n_tj = 0;
                unsigned char *a = decode_with(0, &b, &n_stb), *t = decode_with(1, &b, &n_tj);
                assert_int_equal(n_stb, n_tj);
                size_t n = (size_t)W * H * (size_t)n_stb;
                double sum = 0;
                int worst = 0;
                for (size_t i = 0; i < n; i++) {
                    int d = abs((int)a[i] - (int)t[i]);
                    sum += d;
                    worst = d > worst ? d : worst;
                }
                /* measured: at most 0.03 levels on average, 2 at worst */
                assert_true(sum / (double)n < 0.5);
                assert_true(worst <= 4);
                free(a);
                free(t);
                convtool_buffer_free(&b);
            }
        free(src);
    }
}

/* At the same quality both encoders keep the picture about equally well. */
static void test_encoders_agree(void **state)
{
    (void)state;
    need_turbo();
    unsigned char *src = picture(3);
    size_t n = (size_t)W * H * 3;
    static const struct {
        int quality;
        double min_psnr;
    } cases[] = {{30, 34.0}, {75, 37.0}, {90, 39.0}, {95, 40.0}}; /* measured 37, 40, 41, 42 */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double p[2];
        for (int turbo = 0; turbo <= 1; turbo++) {
            convtool_buffer b = encode_with(turbo, src, 3, cases[i].quality);
            int ch = 0;
            unsigned char *back = decode_with(0, &b, &ch); /* one decoder for both */
            assert_int_equal(ch, 3);
            p[turbo] = psnr(src, back, n);
            assert_true(p[turbo] > cases[i].min_psnr);
            free(back);
            convtool_buffer_free(&b);
        }
        assert_true(fabs(p[0] - p[1]) < 1.0);
    }
    free(src);
}

/* The components of the first frame header: count, and the first one's sampling byte. */
static void frame_components(const convtool_buffer *b, int *count, int *luma_sampling)
{
    size_t at = 2;
    while (at + 4 <= b->len) {
        assert_int_equal(b->data[at], 0xff);
        int marker = b->data[at + 1];
        size_t seg = (size_t)b->data[at + 2] << 8 | b->data[at + 3];
        if (marker == 0xc0 || marker == 0xc2) {
            *count = b->data[at + 9];
            *luma_sampling = b->data[at + 11];
            return;
        }
        at += 2 + seg;
    }
    fail_msg("no frame header");
}

/* 4:2:0 up to quality 90, 4:4:4 above, for both; gray is one component with libjpeg-turbo. */
static void test_subsampling(void **state)
{
    (void)state;
    need_turbo();
    unsigned char *rgb = picture(3), *gray = picture(1);
    for (int turbo = 0; turbo <= 1; turbo++) {
        int count, sampling;
        convtool_buffer b = encode_with(turbo, rgb, 3, 90);
        frame_components(&b, &count, &sampling);
        assert_int_equal(count, 3);
        assert_int_equal(sampling, 0x22);
        convtool_buffer_free(&b);
        b = encode_with(turbo, rgb, 3, 91);
        frame_components(&b, &count, &sampling);
        assert_int_equal(sampling, 0x11);
        convtool_buffer_free(&b);
        b = encode_with(turbo, gray, 1, 90);
        frame_components(&b, &count, &sampling);
        assert_int_equal(count, turbo ? 1 : 3);
        convtool_buffer_free(&b);
    }
    free(rgb);
    free(gray);
}

/* A file missing part of its scan (its end marker kept) is refused, not half decoded. */
static void test_damaged_refused(void **state)
{
    (void)state;
    need_turbo();
    unsigned char *src = picture(3);
    convtool_buffer b = encode_with(1, src, 3, 90), cut = {0};
    size_t keep = b.len / 2;
    convtool_buffer_append(&cut, b.data, keep);
    convtool_buffer_append(&cut, b.data + b.len - 2, 2); /* EOI */
    int w, h, c;
    unsigned char *px = NULL;
    assert_int_equal(jpeg_turbo_decode(cut.data, cut.len, &w, &h, &c, &px), CONVTOOL_ECORRUPT);
    assert_null(px);
    convtool_image img;
    assert_int_equal(convtool_image_decode(cut.data, cut.len, NULL, &img), CONVTOOL_ECORRUPT);
    convtool_buffer_free(&cut);
    convtool_buffer_free(&b);
    free(src);
}

/* CONVTOOL_JPEG_CODEC=stb switches both directions to stb at run time. */
static void test_environment_switch(void **state)
{
    (void)state;
    need_turbo();
    convtool_tensor t;
    assert_int_equal(convtool_tensor_alloc(&t, 1, H, W), CONVTOOL_OK);
    for (size_t i = 0; i < convtool_tensor_count(&t); i++)
        t.data[i] = (float)(i % W) / (float)W;
    convtool_save_options o = {.format = CONVTOOL_FORMAT_JPEG, .jpeg_quality = 90};
    convtool_image img;
    for (int stb = 0; stb <= 1; stb++) {
        if (stb)
            setenv("CONVTOOL_JPEG_CODEC", "stb", 1);
        assert_int_equal(jpeg_turbo_active(), !stb);
        convtool_buffer b = {0};
        assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_OK);
        assert_int_equal(convtool_image_decode(b.data, b.len, NULL, &img), CONVTOOL_OK);
        assert_int_equal(img.tensor.c, stb ? 3 : 1); /* stb's writer stores gray as RGB */
        convtool_image_free(&img);
        convtool_buffer_free(&b);
    }
    unsetenv("CONVTOOL_JPEG_CODEC");
    convtool_tensor_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_decoders_agree, setup),
        cmocka_unit_test_setup(test_encoders_agree, setup),
        cmocka_unit_test_setup(test_subsampling, setup),
        cmocka_unit_test_setup(test_damaged_refused, setup),
        cmocka_unit_test_setup(test_environment_switch, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
