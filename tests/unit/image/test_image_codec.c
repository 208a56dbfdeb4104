/* Decoding (PNG variants built in memory, JPEG) and encoding (PNG/JPEG/BMP/TGA/HDR). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"
#include "codec/jpeg_turbo.h"
#include "png_builder.h"

static const unsigned char plte[12] = {255, 0, 0, 0, 128, 0, 10, 20, 30, 200, 201, 202};

/* ------------------------------------------------------------ PNG decoding */

/* The value the decoder must give for channel k of pixel i, from the file's samples. */
static float expected(const png_spec *s, const uint16_t *samples, size_t i, int k)
{
    if (s->color == 3) {
        unsigned idx = samples[i];
        if (k < 3)
            return (float)s->plte[idx * 3 + (unsigned)k] / 255.0f;
        return idx < s->trns_len ? (float)s->trns[idx] / 255.0f : 1.0f;
    }
    int n = pb_channels(s->color);
    if (k < n) {
        unsigned v = samples[i * (size_t)n + (size_t)k];
        if (s->depth == 16)
            return (float)v / 65535.0f;
        unsigned scale = 255u / ((1u << s->depth) - 1u); /* stb widens 1/2/4-bit gray */
        return (float)(v * scale) / 255.0f;
    }
    for (int c = 0; c < n; c++) { /* alpha from a tRNS colour key */
        unsigned key = (unsigned)s->trns[2 * c] << 8 | s->trns[2 * c + 1];
        if (samples[i * (size_t)n + (size_t)c] != key)
            return 1.0f;
    }
    return 0.0f;
}

static void check_png(const png_spec *s, int channels, unsigned range)
{
    size_t npix = (size_t)s->w * (size_t)s->h, n = (size_t)pb_channels(s->color);
    uint16_t *samples = malloc(npix * n * sizeof *samples);
    unsigned seed = 7;
    for (size_t i = 0; i < npix * n; i++) {
        seed = seed * 1103515245u + 12345u;
        samples[i] = (uint16_t)((seed >> 8) % range);
    }
    convtool_buffer b = {0};
    png_build(&b, s, samples);
    convtool_image img;
    assert_int_equal(convtool_image_decode(b.data, b.len, NULL, &img), CONVTOOL_OK);
    assert_int_equal(img.tensor.c, channels);
    assert_int_equal(img.tensor.h, s->h);
    assert_int_equal(img.tensor.w, s->w);
    assert_int_equal(img.info.channels, channels);
    assert_int_equal(img.info.bit_depth, s->depth == 16 ? 16 : 8);
    assert_int_equal(img.has_alpha, channels == 2 || channels == 4);
    for (int k = 0; k < channels; k++)
        for (size_t i = 0; i < npix; i++)
            assert_true(img.tensor.data[(size_t)k * npix + i] == expected(s, samples, i, k));
    convtool_image_free(&img);
    convtool_buffer_free(&b);
    free(samples);
}

static void test_png_variants(void **state)
{
    (void)state;
    const unsigned char *key8 = (const unsigned char *)"\x00\x05";
    const unsigned char *key_rgb = (const unsigned char *)"\x00\x01\x00\x02\x00\x01";
    const unsigned char *key16 = (const unsigned char *)"\x00\x03\x00\x01\x00\x02";
    const unsigned char *pal_alpha = (const unsigned char *)"\x00\x80";
    struct {
        png_spec spec;
        int channels;
        unsigned range;
    } cases[] = {
        {{9, 5, 8, 0, 0, NULL, 0, NULL, 0}, 1, 256},
        {{9, 5, 16, 0, 0, NULL, 0, NULL, 0}, 1, 65536},
        {{9, 5, 1, 0, 0, NULL, 0, NULL, 0}, 1, 2},
        {{9, 5, 2, 0, 0, NULL, 0, NULL, 0}, 1, 4},
        {{9, 5, 4, 0, 0, NULL, 0, NULL, 0}, 1, 16},
        {{9, 5, 8, 2, 0, NULL, 0, NULL, 0}, 3, 256},
        {{9, 5, 16, 2, 0, NULL, 0, NULL, 0}, 3, 65536},
        {{9, 5, 8, 4, 0, NULL, 0, NULL, 0}, 2, 256},
        {{9, 5, 16, 4, 0, NULL, 0, NULL, 0}, 2, 65536},
        {{9, 5, 8, 6, 0, NULL, 0, NULL, 0}, 4, 256},
        {{9, 5, 16, 6, 0, NULL, 0, NULL, 0}, 4, 65536},
        {{9, 5, 8, 3, 0, plte, sizeof plte, NULL, 0}, 3, 4},
        {{9, 5, 2, 3, 0, plte, sizeof plte, NULL, 0}, 3, 4},
        {{9, 5, 8, 3, 0, plte, sizeof plte, pal_alpha, 2}, 4, 4},
        {{9, 5, 8, 0, 0, NULL, 0, key8, 2}, 2, 8},
        {{9, 5, 8, 2, 0, NULL, 0, key_rgb, 6}, 4, 3},
        {{9, 5, 16, 2, 0, NULL, 0, key16, 6}, 4, 4},
        /* Adam7: sizes that leave some passes empty, and ones that use all seven */
        {{7, 5, 8, 2, 1, NULL, 0, NULL, 0}, 3, 256},
        {{1, 1, 8, 0, 1, NULL, 0, NULL, 0}, 1, 256},
        {{3, 2, 1, 0, 1, NULL, 0, NULL, 0}, 1, 2},
        {{13, 11, 16, 6, 1, NULL, 0, NULL, 0}, 4, 65536},
        {{10, 9, 4, 3, 1, plte, sizeof plte, pal_alpha, 2}, 4, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_png(&cases[i].spec, cases[i].channels, cases[i].range);
}

static convtool_buffer gray_png(int w, int h)
{
    png_spec s = {w, h, 8, 0, 0, NULL, 0, NULL, 0};
    uint16_t *zeros = calloc((size_t)w * (size_t)h, sizeof *zeros);
    convtool_buffer b = {0};
    png_build(&b, &s, zeros);
    free(zeros);
    return b;
}

static void test_decode_limits(void **state)
{
    (void)state;
    convtool_buffer b = gray_png(20, 10);
    convtool_load_options lo = {.max_pixels = 199};
    convtool_image img;
    assert_int_equal(convtool_image_decode(b.data, b.len, &lo, &img), CONVTOOL_ELIMIT);
    assert_int_equal(img.info.width, 20);
    assert_null(img.tensor.data);
    lo.max_pixels = 200;
    assert_int_equal(convtool_image_decode(b.data, b.len, &lo, &img), CONVTOOL_OK);
    convtool_image_free(&img);
    /* Headers claiming huge sizes are refused before stb allocates anything. */
    lo.max_pixels = 0;
    b.data[16 + 1] = 0x03; /* width 0x30014 > stb's 2^17 */
    assert_int_equal(convtool_image_decode(b.data, b.len, &lo, &img), CONVTOOL_ELIMIT);
    memcpy(b.data + 16, "\x00\x00\x80\x00\x00\x00\x80\x00", 8); /* 32768² > 2^28 pixels */
    assert_int_equal(convtool_image_decode(b.data, b.len, &lo, &img), CONVTOOL_ELIMIT);
    lo.max_pixels = CONVTOOL_DEFAULT_MAX_PIXELS;
    assert_int_equal(convtool_image_decode(b.data, b.len, &lo, &img), CONVTOOL_ELIMIT);
    convtool_buffer_free(&b);
}

/* Every proper prefix decodes to ECORRUPT, never reading past its end. */
static void check_prefixes(const convtool_buffer *b, size_t tolerated_tail)
{
    for (size_t len = 0; len + tolerated_tail < b->len; len++) {
        unsigned char *cut = malloc(len ? len : 1);
        memcpy(cut, b->data, len);
        convtool_image img;
        assert_int_equal(convtool_image_decode(cut, len, NULL, &img), CONVTOOL_ECORRUPT);
        free(cut);
    }
}

static convtool_buffer encode(const convtool_tensor *t, convtool_format fmt, int quality)
{
    convtool_save_options o = {.format = fmt, .jpeg_quality = quality, .npy_rank = 3};
    convtool_buffer b = {0};
    assert_int_equal(convtool_image_encode(t, &o, &b), CONVTOOL_OK);
    return b;
}

/* A smooth test picture: gradients JPEG can keep. */
static convtool_tensor picture(int c, int h, int w)
{
    convtool_tensor t;
    assert_int_equal(convtool_tensor_alloc(&t, c, h, w), CONVTOOL_OK);
    for (int k = 0; k < c; k++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                t.data[((size_t)k * (size_t)h + (size_t)y) * (size_t)w + (size_t)x] =
                    0.2f + 0.6f * (float)(x + 2 * y + 5 * k) / (float)(w + 2 * h + 5 * c);
    return t;
}

static void test_truncated(void **state)
{
    (void)state;
    png_spec s = {6, 5, 16, 6, 1, NULL, 0, NULL, 0};
    uint16_t samples[6 * 5 * 4];
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        samples[i] = (uint16_t)(i * 2000);
    convtool_buffer p = {0};
    png_build(&p, &s, samples);
    /* stb does not read the final IEND's CRC, so only those 4 bytes may be missing */
    check_prefixes(&p, 4);
    convtool_buffer_free(&p);

    convtool_tensor t = picture(3, 16, 24);
    convtool_buffer j = encode(&t, CONVTOOL_FORMAT_JPEG, 90);
    check_prefixes(&j, 0);
    convtool_buffer_free(&j);
    convtool_tensor_free(&t);
}

static void test_corrupt_png_data(void **state)
{
    (void)state;
    convtool_buffer b = gray_png(8, 8);
    convtool_image img;
    /* the stored block's length no longer matches its complement */
    b.data[33 + 8 + 3] ^= 0xff;
    assert_int_equal(convtool_image_decode(b.data, b.len, NULL, &img), CONVTOOL_ECORRUPT);
    assert_null(img.tensor.data);
    convtool_buffer_free(&b);
}

/* ------------------------------------------------------------------ encoding */

/* Values k/255 survive an 8-bit round trip exactly. */
static convtool_tensor exact_levels(int c, int h, int w)
{
    convtool_tensor t;
    assert_int_equal(convtool_tensor_alloc(&t, c, h, w), CONVTOOL_OK);
    for (size_t i = 0; i < convtool_tensor_count(&t); i++)
        t.data[i] = (float)((i * 37) % 256) / 255.0f;
    return t;
}

static void test_png_round_trip(void **state)
{
    (void)state;
    for (int c = 1; c <= 4; c++) {
        convtool_tensor t = exact_levels(c, 7, 11);
        convtool_buffer b = encode(&t, CONVTOOL_FORMAT_PNG, 90);
        convtool_image img;
        assert_int_equal(convtool_image_decode(b.data, b.len, NULL, &img), CONVTOOL_OK);
        assert_int_equal(img.tensor.c, c);
        assert_int_equal(img.has_alpha, c == 2 || c == 4);
        assert_memory_equal(img.tensor.data, t.data, convtool_tensor_count(&t) * sizeof(float));
        convtool_image_free(&img);
        convtool_buffer_free(&b);
        convtool_tensor_free(&t);
    }
}

static void test_quantize(void **state)
{
    (void)state;
    const float in[] = {-1.0f, NAN,  0.0f,     0.49f / 255, 0.5f / 255,   0.5f,  254.5f / 255,
                        1.0f,  1.5f, INFINITY, -INFINITY,   100.4f / 255, 0.999f};
    const int want[] = {0, 0, 0, 0, 1, 128, 255, 255, 255, 255, 0, 100, 255};
    size_t n = sizeof in / sizeof in[0];
    convtool_tensor t;
    assert_int_equal(convtool_tensor_alloc(&t, 1, 1, (int)n), CONVTOOL_OK);
    memcpy(t.data, in, sizeof in);
    convtool_buffer b = encode(&t, CONVTOOL_FORMAT_PNG, 90);
    convtool_image img;
    assert_int_equal(convtool_image_decode(b.data, b.len, NULL, &img), CONVTOOL_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(img.tensor.data[i] == (float)want[i] / 255.0f);
    convtool_image_free(&img);
    convtool_buffer_free(&b);
    convtool_tensor_free(&t);
}

static unsigned le(const unsigned char *p, int bytes)
{
    unsigned v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static unsigned char q8(float v)
{
    return (unsigned char)lroundf(v * 255.0f);
}

/* stb writes BMP bottom-up: 24-bit BGR rows padded to 4 bytes, or 32-bit BGRA for 4 channels. */
static void check_bmp(const convtool_tensor *t, const convtool_buffer *b)
{
    size_t hw = (size_t)t->h * (size_t)t->w;
    int bpp = t->c == 4 ? 4 : 3;
    size_t stride = ((size_t)t->w * (size_t)bpp + 3) / 4 * 4;
    assert_memory_equal(b->data, "BM", 2);
    assert_int_equal(le(b->data + 18, 4), t->w);
    assert_int_equal(le(b->data + 22, 4), t->h);
    assert_int_equal(le(b->data + 28, 2), bpp * 8);
    size_t off = le(b->data + 10, 4);
    assert_int_equal(b->len, off + stride * (size_t)t->h);
    for (int y = 0; y < t->h; y++) {
        const unsigned char *row = b->data + off + (size_t)(t->h - 1 - y) * stride;
        for (int x = 0; x < t->w; x++) {
            size_t i = (size_t)y * (size_t)t->w + (size_t)x;
            int gray = t->c < 3;
            for (int k = 0; k < 3; k++) {
                int ch = gray ? 0 : 2 - k;
                assert_int_equal(row[x * bpp + k], q8(t->data[(size_t)ch * hw + i]));
            }
            if (bpp == 4)
                assert_int_equal(row[x * 4 + 3], q8(t->data[3 * hw + i]));
        }
    }
}

static void test_bmp(void **state)
{
    (void)state;
    for (int c = 1; c <= 4; c++) {
        convtool_tensor t = exact_levels(c, 5, 7); /* odd width: rows need padding */
        convtool_buffer b = encode(&t, CONVTOOL_FORMAT_BMP, 90);
        check_bmp(&t, &b);
        convtool_buffer_free(&b);
        convtool_tensor_free(&t);
    }
}

/* Expands stb's run-length-encoded TGA (bottom-up rows, BGR(A) or gray(+alpha)). */
static unsigned char *tga_pixels(const convtool_buffer *b, int w, int h, int comp)
{
    unsigned char *px = malloc((size_t)w * (size_t)h * (size_t)comp);
    size_t off = 18 + b->data[0], n = (size_t)w * (size_t)h, i = 0;
    while (i < n) {
        unsigned char head = b->data[off++];
        size_t count = (size_t)(head & 0x7f) + 1;
        for (size_t k = 0; k < count && i < n; k++, i++) {
            size_t y = (size_t)h - 1 - i / (size_t)w, x = i % (size_t)w;
            memcpy(px + (y * (size_t)w + x) * (size_t)comp, b->data + off, (size_t)comp);
            if (!(head & 0x80))
                off += (size_t)comp;
        }
        if (head & 0x80)
            off += (size_t)comp;
    }
    assert_int_equal(off, b->len);
    return px;
}

static void test_tga(void **state)
{
    (void)state;
    for (int c = 1; c <= 4; c++) {
        convtool_tensor t = exact_levels(c, 4, 6);
        for (int i = 0; i < 6; i++) /* a run, so both packet kinds appear */
            for (int k = 0; k < c; k++)
                t.data[(size_t)k * 24 + (size_t)i] = 0.5f;
        convtool_buffer b = encode(&t, CONVTOOL_FORMAT_TGA, 90);
        assert_int_equal(b.data[2], c < 3 ? 11 : 10); /* RLE gray / RLE true colour */
        assert_int_equal(le(b.data + 12, 2), 6);
        assert_int_equal(le(b.data + 14, 2), 4);
        assert_int_equal(b.data[16], c * 8);
        unsigned char *px = tga_pixels(&b, 6, 4, c);
        for (size_t i = 0; i < 24; i++)
            for (int k = 0; k < c; k++) {
                int ch = c >= 3 && k < 3 ? 2 - k : k; /* BGR order */
                assert_int_equal(px[i * (size_t)c + (size_t)k], q8(t.data[(size_t)ch * 24 + i]));
            }
        free(px);
        convtool_buffer_free(&b);
        convtool_tensor_free(&t);
    }
}

static void check_jpeg(int c, int quality, float max_err)
{
    convtool_tensor t = picture(c, 24, 32);
    convtool_buffer b = encode(&t, CONVTOOL_FORMAT_JPEG, quality);
    convtool_image img;
    assert_int_equal(convtool_image_decode(b.data, b.len, NULL, &img), CONVTOOL_OK);
    /* alpha is dropped; stb's writer always stores three components, libjpeg-turbo
     * stores gray as one */
    int gray = c < 3 && jpeg_turbo_active();
    assert_int_equal(img.tensor.c, gray ? 1 : 3);
    assert_int_equal(img.has_alpha, 0);
    size_t hw = 24 * 32;
    float worst = 0;
    for (int k = 0; k < img.tensor.c; k++) {
        int src = c >= 3 ? k : 0;
        for (size_t i = 0; i < hw; i++) {
            float d = img.tensor.data[(size_t)k * hw + i] - t.data[(size_t)src * hw + i];
            worst = fmaxf(worst, fabsf(d));
        }
    }
    assert_true(worst < max_err);
    convtool_image_free(&img);
    convtool_buffer_free(&b);
    convtool_tensor_free(&t);
}

static void test_jpeg_round_trip(void **state)
{
    (void)state;
    check_jpeg(3, 95, 0.03f);
    check_jpeg(4, 95, 0.03f);
    check_jpeg(1, 95, 0.03f);
    check_jpeg(2, 90, 0.03f);
    check_jpeg(3, 100, 0.03f);
    check_jpeg(3, 1, 0.3f);
}

/* Reads stb's flat (width < 8) RGBE scanlines back into floats. */
static void test_hdr(void **state)
{
    (void)state;
    const float in[2][4] = {{0.25f, -1.0f, 2.5f, NAN}, {1e-3f, 1000.0f, INFINITY, 0.0f}};
    convtool_tensor t;
    assert_int_equal(convtool_tensor_alloc(&t, 1, 2, 4), CONVTOOL_OK);
    memcpy(t.data, in, sizeof in);
    convtool_buffer b = encode(&t, CONVTOOL_FORMAT_HDR, 90);
    const char *head = "#?RADIANCE\n";
    assert_memory_equal(b.data, head, strlen(head));
    const char *dims = "-Y 2 +X 4\n";
    const unsigned char *end = b.data + b.len - 2 * 4 * 4;
    assert_memory_equal(end - strlen(dims), dims, strlen(dims));
    const float want[8] = {0.25f, 0, 2.5f, 0, 1e-3f, 1000.0f, 1e38f, 0};
    for (int i = 0; i < 8; i++) {
        const unsigned char *p = end + 4 * i;
        assert_true(p[0] == p[1] && p[1] == p[2]); /* gray is stored as R = G = B */
        float v = p[3] ? ldexpf((float)p[0] + 0.5f, p[3] - 136) : 0.0f;
        assert_true(fabsf(v - want[i]) <= 0.01f * want[i]);
    }
    convtool_buffer_free(&b);
    convtool_tensor_free(&t);
}

static void test_encode_errors(void **state)
{
    (void)state;
    convtool_tensor t = exact_levels(5, 2, 2), wide = exact_levels(1, 1, 65536);
    convtool_save_options o = {.format = CONVTOOL_FORMAT_PNG, .jpeg_quality = 90, .npy_rank = 3};
    convtool_buffer b = {0};
    assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_EUNSUPPORTED);
    o.format = CONVTOOL_FORMAT_NPY; /* .npy takes any channel count */
    assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_OK);
    convtool_buffer_free(&b);
    t.c = 3;
    o.format = CONVTOOL_FORMAT_GIF;
    assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_EUNSUPPORTED);
    o.format = CONVTOOL_FORMAT_UNKNOWN;
    assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_EUNSUPPORTED);
    o.format = CONVTOOL_FORMAT_JPEG;
    o.jpeg_quality = 0;
    assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_EINVAL);
    o.jpeg_quality = 101;
    assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_EINVAL);
    o.jpeg_quality = 90;
    assert_int_equal(convtool_image_encode(&wide, &o, &b), CONVTOOL_ELIMIT);
    o.format = CONVTOOL_FORMAT_TGA;
    assert_int_equal(convtool_image_encode(&wide, &o, &b), CONVTOOL_ELIMIT);
    assert_int_equal(b.len, 0);
    o.format = CONVTOOL_FORMAT_PNG;
    b.failed = 1; /* an append that failed earlier: the writer must report it */
    assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_ENOMEM);
    b.failed = 0;
    convtool_tensor empty = {0, 0, 0, NULL};
    assert_int_equal(convtool_image_encode(&empty, &o, &b), CONVTOOL_EINVAL);
    assert_int_equal(convtool_image_encode(NULL, &o, &b), CONVTOOL_EINVAL);
    convtool_buffer_free(&b);
    t.c = 5;
    convtool_tensor_free(&t);
    convtool_tensor_free(&wide);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_variants),
        cmocka_unit_test(test_decode_limits),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt_png_data),
        cmocka_unit_test(test_png_round_trip),
        cmocka_unit_test(test_quantize),
        cmocka_unit_test(test_bmp),
        cmocka_unit_test(test_tga),
        cmocka_unit_test(test_jpeg_round_trip),
        cmocka_unit_test(test_hdr),
        cmocka_unit_test(test_encode_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
