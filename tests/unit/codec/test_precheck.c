/*
 * The checks in front of stb: the PNG pass (CRC policy, empty IDATs, short
 * palettes; src/codec/png_precheck.c) and the JPEG table checks of the probe (DHT,
 * DQT, SOF, SOS; src/image/image_probe.c), through png_precheck() and the decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"
#include "png_builder.h"
#include "codec/png_precheck.h"
#include "codec/stb_codec.h"

enum { W = 6, H = 4 };

static convtool_status decode_px(const convtool_buffer *b, convtool_pixels *px)
{
    convtool_image_info info;
    convtool_load_options lo = {.max_pixels = 0, .max_memory = 0, .no_sandbox = 0};
    return convtool_image_decode_pixels(b->data, b->len, &lo, px, &info);
}

static void rgb_png(convtool_buffer *out, const char *before_idat, size_t extra_len)
{
    uint16_t samples[W * H * 3];
    for (int i = 0; i < W * H * 3; i++)
        samples[i] = (uint16_t)(i * 7 % 256);
    png_spec s = {W, H, 8, 2, 0, NULL, 0, NULL, 0};
    convtool_buffer raw = {0}, z = {0};
    pb_raw(&raw, &s, samples);
    pb_zlib(&z, &raw);
    pb_ihdr(out, &s);
    if (before_idat)
        pb_chunk(out, before_idat, (const unsigned char *)"Comment\0hi", extra_len);
    pb_chunk(out, "IDAT", z.data, z.len);
    pb_chunk(out, "IEND", NULL, 0);
    convtool_buffer_free(&raw);
    convtool_buffer_free(&z);
}

/* The offset of the first chunk of this type. */
static size_t chunk_at(const convtool_buffer *b, const char *type)
{
    for (size_t off = 8; off + 8 <= b->len;) {
        size_t n = (size_t)b->data[off] << 24 | (size_t)b->data[off + 1] << 16 |
                   (size_t)b->data[off + 2] << 8 | b->data[off + 3];
        if (memcmp(b->data + off + 4, type, 4) == 0)
            return off;
        off += 12 + n;
    }
    fail();
    return 0;
}

static void test_clean_file_untouched(void **state)
{
    (void)state;
    convtool_buffer b = {0};
    rgb_png(&b, NULL, 0);
    unsigned char *fixed;
    size_t n;
    assert_int_equal(png_precheck(b.data, b.len, &fixed, &n), CONVTOOL_OK);
    assert_null(fixed);
    convtool_buffer_free(&b);
}

static void test_critical_crc_is_corrupt(void **state)
{
    (void)state;
    const char *critical[] = {"IHDR", "IDAT", "IEND"};
    for (int i = 0; i < 3; i++) {
        convtool_buffer b = {0};
        rgb_png(&b, NULL, 0);
        size_t off = chunk_at(&b, critical[i]);
        size_t n = (size_t)b.data[off + 2] << 8 | b.data[off + 3];
        b.data[off + 8 + n] ^= 0x01; /* the CRC's first byte */
        unsigned char *fixed;
        size_t len;
        assert_int_equal(png_precheck(b.data, b.len, &fixed, &len), CONVTOOL_ECORRUPT);
        convtool_pixels px;
        assert_int_equal(decode_px(&b, &px), CONVTOOL_ECORRUPT);
        convtool_buffer_free(&b);
    }
}

static void test_ancillary_crc_drops_chunk(void **state)
{
    (void)state;
    convtool_buffer b = {0}, clean = {0};
    rgb_png(&b, "tEXt", 10);
    rgb_png(&clean, NULL, 0);
    size_t off = chunk_at(&b, "tEXt");
    b.data[off + 8 + 10] ^= 0xff;
    unsigned char *fixed;
    size_t len;
    assert_int_equal(png_precheck(b.data, b.len, &fixed, &len), CONVTOOL_OK);
    assert_non_null(fixed);
    assert_int_equal(len, clean.len); /* the chunk is gone, the rest is as it was */
    assert_memory_equal(fixed, clean.data, len);
    free(fixed);
    convtool_pixels a, c;
    assert_int_equal(decode_px(&b, &a), CONVTOOL_OK);
    assert_int_equal(decode_px(&clean, &c), CONVTOOL_OK);
    assert_memory_equal(a.data, c.data, W * H * 3);
    convtool_pixels_free(&a);
    convtool_pixels_free(&c);
    convtool_buffer_free(&b);
    convtool_buffer_free(&clean);
}

static void test_empty_idat_dropped(void **state)
{
    (void)state;
    convtool_buffer b = {0};
    rgb_png(&b, "IDAT", 0); /* an empty IDAT before the real one */
    unsigned char *fixed;
    size_t len;
    assert_int_equal(png_precheck(b.data, b.len, &fixed, &len), CONVTOOL_OK);
    assert_non_null(fixed);
    assert_int_equal(len, b.len - 12);
    free(fixed);
    convtool_pixels px;
    assert_int_equal(decode_px(&b, &px), CONVTOOL_OK);
    convtool_pixels_free(&px);
    convtool_buffer_free(&b);
}

/* Indices past a 2-entry palette decode to opaque black, the same every time (stb #1861). */
static void test_palette_index_out_of_range(void **state)
{
    (void)state;
    static const unsigned char plte[6] = {10, 20, 30, 200, 210, 220};
    static const unsigned char trns[1] = {128};
    uint16_t idx[W * H] = {0};
    idx[1] = 1;
    idx[2] = 200;
    idx[3] = 255;
    for (int with_trns = 0; with_trns <= 1; with_trns++) {
        png_spec s = {W, H, 8, 3, 0, plte, 6, with_trns ? trns : NULL, (size_t)with_trns};
        convtool_buffer b = {0};
        png_build(&b, &s, idx);
        convtool_pixels px;
        assert_int_equal(decode_px(&b, &px), CONVTOOL_OK);
        int n = 3 + with_trns;
        const unsigned char *p = px.data;
        assert_int_equal(px.channels, n);
        assert_int_equal(p[n + 0], 200);
        for (int k = 0; k < 3; k++) {
            assert_int_equal(p[2 * n + k], 0);
            assert_int_equal(p[3 * n + k], 0);
        }
        if (with_trns) {
            assert_int_equal(p[3], 128); /* entry 0's alpha from tRNS */
            assert_int_equal(p[2 * n + 3], 255);
        }
        convtool_pixels_free(&px);
        convtool_buffer_free(&b);
    }
}

/* ------------------------------------------------------------------ JPEG */

static convtool_buffer good_jpeg(void)
{
    unsigned char px[16 * 16 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (unsigned char)(i * 13);
    convtool_buffer b = {0};
    assert_int_equal(stb_codec_write_jpg(&b, 16, 16, 3, px, 90), CONVTOOL_OK);
    return b;
}

static size_t marker_at(const convtool_buffer *b, unsigned char m)
{
    for (size_t i = 2; i + 1 < b->len; i++)
        if (b->data[i] == 0xff && b->data[i + 1] == m)
            return i;
    fail();
    return 0;
}

static void expect_corrupt(convtool_buffer *b)
{
    convtool_pixels px;
    setenv("CONVTOOL_JPEG_CODEC", "stb", 1);
    assert_int_equal(decode_px(b, &px), CONVTOOL_ECORRUPT);
    unsetenv("CONVTOOL_JPEG_CODEC");
    assert_int_equal(decode_px(b, &px), CONVTOOL_ECORRUPT);
    convtool_buffer_free(b);
}

static void test_jpeg_good(void **state)
{
    (void)state;
    convtool_buffer b = good_jpeg();
    convtool_pixels px;
    assert_int_equal(decode_px(&b, &px), CONVTOOL_OK);
    convtool_pixels_free(&px);
    convtool_buffer_free(&b);
}

/* Upstream stb #1289: code counts that sum past 256 write out of bounds. */
static void test_jpeg_dht_oversized(void **state)
{
    (void)state;
    convtool_buffer b = good_jpeg();
    size_t dht = marker_at(&b, 0xc4);
    for (int i = 0; i < 16; i++)
        b.data[dht + 5 + i] = 200; /* the counts: 3200 codes in one table */
    expect_corrupt(&b);
}

static void test_jpeg_dqt_id(void **state)
{
    (void)state;
    convtool_buffer b = good_jpeg();
    b.data[marker_at(&b, 0xdb) + 4] = 0x0f; /* table id 15 */
    expect_corrupt(&b);
}

static void test_jpeg_sof_sampling(void **state)
{
    (void)state;
    convtool_buffer b = good_jpeg();
    b.data[marker_at(&b, 0xc0) + 11] = 0x51; /* the first component's sampling: 5x1 */
    expect_corrupt(&b);
}

static void test_jpeg_sos_component(void **state)
{
    (void)state;
    convtool_buffer b = good_jpeg();
    b.data[marker_at(&b, 0xda) + 5] = 9; /* a scan of component 9, which the frame lacks */
    expect_corrupt(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_file_untouched),
        cmocka_unit_test(test_critical_crc_is_corrupt),
        cmocka_unit_test(test_ancillary_crc_drops_chunk),
        cmocka_unit_test(test_empty_idat_dropped),
        cmocka_unit_test(test_palette_index_out_of_range),
        cmocka_unit_test(test_jpeg_good),
        cmocka_unit_test(test_jpeg_dht_oversized),
        cmocka_unit_test(test_jpeg_dqt_id),
        cmocka_unit_test(test_jpeg_sof_sampling),
        cmocka_unit_test(test_jpeg_sos_component),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
