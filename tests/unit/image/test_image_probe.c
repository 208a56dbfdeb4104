/* Header probing: PNG colour types, tRNS, JPEG frames, refused formats, damaged files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"
#include "image/image_probe.h"
#include "png_builder.h"

static const unsigned char plte[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9};

/* A PNG of s with all-zero samples. */
static convtool_buffer build(const png_spec *s)
{
    convtool_buffer b = {0};
    uint16_t *zeros = calloc((size_t)s->w * (size_t)s->h * 4, sizeof *zeros);
    png_build(&b, s, zeros);
    free(zeros);
    return b;
}

static convtool_status probe(const convtool_buffer *b, convtool_image_info *info)
{
    return convtool_image_probe(b->data, b->len, info);
}

static void test_png_colour_types(void **state)
{
    (void)state;
    struct {
        int depth, color;
        const unsigned char *trns;
        size_t trns_len;
        int channels, bit_depth;
    } cases[] = {
        {1, 0, NULL, 0, 1, 8},
        {2, 0, NULL, 0, 1, 8},
        {4, 0, NULL, 0, 1, 8},
        {8, 0, NULL, 0, 1, 8},
        {16, 0, NULL, 0, 1, 16},
        {8, 2, NULL, 0, 3, 8},
        {16, 2, NULL, 0, 3, 16},
        {1, 3, NULL, 0, 3, 8},
        {8, 3, NULL, 0, 3, 8},
        {8, 3, (const unsigned char *)"\x80\x00", 2, 4, 8},
        {8, 4, NULL, 0, 2, 8},
        {16, 4, NULL, 0, 2, 16},
        {8, 6, NULL, 0, 4, 8},
        {16, 6, NULL, 0, 4, 16},
        /* a tRNS colour key becomes an alpha channel in stb */
        {8, 0, (const unsigned char *)"\x00\x07", 2, 2, 8},
        {16, 0, (const unsigned char *)"\x01\x07", 2, 2, 16},
        {8, 2, (const unsigned char *)"\x00\x01\x00\x02\x00\x03", 6, 4, 8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        png_spec s = {5, 3, cases[i].depth, cases[i].color, 0, NULL, 0, NULL, 0};
        if (cases[i].color == 3) {
            s.plte = plte;
            s.plte_len = sizeof plte;
        }
        s.trns = cases[i].trns;
        s.trns_len = cases[i].trns_len;
        convtool_buffer b = build(&s);
        convtool_image_info info;
        assert_int_equal(probe(&b, &info), CONVTOOL_OK);
        assert_int_equal(info.format, CONVTOOL_FORMAT_PNG);
        assert_int_equal(info.width, 5);
        assert_int_equal(info.height, 3);
        assert_int_equal(info.channels, cases[i].channels);
        assert_int_equal(info.bit_depth, cases[i].bit_depth);
        assert_int_equal(info.npy_rank, 0);
        convtool_buffer_free(&b);
    }
}

static void test_png_bad_headers(void **state)
{
    (void)state;
    struct {
        int w, h, depth, color, interlace;
        int with_plte;
        const char *trns;
        size_t trns_len;
        convtool_status want;
    } cases[] = {
        {0, 3, 8, 0, 0, 0, NULL, 0, CONVTOOL_ECORRUPT},
        {3, 0, 8, 0, 0, 0, NULL, 0, CONVTOOL_ECORRUPT},
        {3, 3, 3, 0, 0, 0, NULL, 0, CONVTOOL_ECORRUPT},
        {3, 3, 4, 2, 0, 0, NULL, 0, CONVTOOL_ECORRUPT},
        {3, 3, 16, 3, 0, 1, NULL, 0, CONVTOOL_ECORRUPT},
        {3, 3, 8, 1, 0, 0, NULL, 0, CONVTOOL_ECORRUPT},
        {3, 3, 8, 7, 0, 0, NULL, 0, CONVTOOL_ECORRUPT},
        {3, 3, 8, 0, 2, 0, NULL, 0, CONVTOOL_ECORRUPT},
        {3, 3, 8, 3, 0, 0, NULL, 0, CONVTOOL_ECORRUPT},                   /* palette without PLTE */
        {3, 3, 8, 3, 0, 0, "\x01", 1, CONVTOOL_ECORRUPT},                 /* tRNS before PLTE */
        {3, 3, 8, 3, 0, 1, "\x01\x01\x01\x01\x01", 5, CONVTOOL_ECORRUPT}, /* more than PLTE */
        {3, 3, 8, 6, 0, 0, "\x00\x01", 2, CONVTOOL_ECORRUPT}, /* RGBA already has alpha */
        {3, 3, 8, 4, 0, 0, "\x00\x01", 2, CONVTOOL_ECORRUPT},
        {3, 3, 8, 0, 0, 0, "\x00\x01\x00", 3, CONVTOOL_ECORRUPT}, /* wrong key length */
        {3, 3, 8, 2, 0, 0, "\x00\x01", 2, CONVTOOL_ECORRUPT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        png_spec s = {cases[i].w,
                      cases[i].h,
                      cases[i].depth,
                      cases[i].color,
                      cases[i].interlace,
                      NULL,
                      0,
                      (const unsigned char *)cases[i].trns,
                      cases[i].trns_len};
        if (cases[i].with_plte) {
            s.plte = plte;
            s.plte_len = sizeof plte;
        }
        /* the pixel data does not matter: the header is refused first */
        png_spec data = s;
        data.w = data.h = 1;
        data.depth = 8;
        data.color = 0;
        data.interlace = 0;
        convtool_buffer raw = build(&data);
        convtool_buffer b = {0};
        pb_ihdr(&b, &s);
        if (s.plte)
            pb_chunk(&b, "PLTE", s.plte, s.plte_len);
        if (s.trns)
            pb_chunk(&b, "tRNS", s.trns, s.trns_len);
        convtool_buffer_append(&b, raw.data + 33, raw.len - 33); /* IDAT, IEND */
        convtool_image_info info;
        assert_int_equal(probe(&b, &info), cases[i].want);
        assert_int_equal(info.format, CONVTOOL_FORMAT_PNG);
        assert_int_equal(info.width, 0);
        convtool_buffer_free(&b);
        convtool_buffer_free(&raw);
    }
}

/* A valid 2×2 gray PNG with one extra chunk inserted before IDAT. */
static convtool_status probe_with_chunk(const char *type, const unsigned char *data, size_t n)
{
    png_spec s = {2, 2, 8, 0, 0, NULL, 0, NULL, 0};
    convtool_buffer full = build(&s), b = {0};
    convtool_buffer_append(&b, full.data, 33);
    pb_chunk(&b, type, data, n);
    convtool_buffer_append(&b, full.data + 33, full.len - 33);
    convtool_image_info info;
    convtool_status st = probe(&b, &info);
    convtool_buffer_free(&b);
    convtool_buffer_free(&full);
    return st;
}

static void test_png_chunks(void **state)
{
    (void)state;
    assert_int_equal(probe_with_chunk("tEXt", (const unsigned char *)"a\0b", 3), CONVTOOL_OK);
    assert_int_equal(probe_with_chunk("gAMA", (const unsigned char *)"\0\0\0\1", 4), CONVTOOL_OK);
    assert_int_equal(probe_with_chunk("XXXX", NULL, 0), CONVTOOL_EUNSUPPORTED);
    assert_int_equal(probe_with_chunk("IHDR", NULL, 0), CONVTOOL_ECORRUPT);
    assert_int_equal(probe_with_chunk("IEND", NULL, 0), CONVTOOL_ECORRUPT);
    assert_int_equal(probe_with_chunk("a1bc", NULL, 0), CONVTOOL_ECORRUPT);
    assert_int_equal(probe_with_chunk("PLTE", (const unsigned char *)"\1\2", 2), CONVTOOL_ECORRUPT);
}

static void test_png_damaged(void **state)
{
    (void)state;
    png_spec s = {4, 4, 8, 2, 0, NULL, 0, NULL, 0};
    convtool_buffer b = build(&s);
    convtool_image_info info;
    /* IHDR declared with 12 bytes */
    b.data[11] = 12;
    assert_int_equal(probe(&b, &info), CONVTOOL_ECORRUPT);
    b.data[11] = 13;
    /* Apple's CgBI variant */
    memcpy(b.data + 12, "CgBI", 4);
    assert_int_equal(probe(&b, &info), CONVTOOL_EUNSUPPORTED);
    memcpy(b.data + 12, "IHDR", 4);
    /* IDAT length beyond the end of the file */
    b.data[33] = 0x40;
    assert_int_equal(probe(&b, &info), CONVTOOL_ECORRUPT);
    b.data[33] = 0;
    assert_int_equal(probe(&b, &info), CONVTOOL_OK);
    /* width ≥ 2^31 */
    b.data[16] = 0x80;
    assert_int_equal(probe(&b, &info), CONVTOOL_ECORRUPT);
    convtool_buffer_free(&b);
}

/* The stb JPEG writer's output, to edit its frame header. */
static convtool_buffer jpeg_file(int c)
{
    convtool_tensor t;
    assert_int_equal(convtool_tensor_alloc(&t, c, 8, 16), CONVTOOL_OK);
    for (size_t i = 0; i < convtool_tensor_count(&t); i++)
        t.data[i] = (float)(i % 7) / 7.0f;
    convtool_save_options o = {.format = CONVTOOL_FORMAT_JPEG, .jpeg_quality = 90};
    convtool_buffer b = {0};
    /* the edits below follow stb's layout, so stb writes even when libjpeg-turbo is built in */
    setenv("CONVTOOL_JPEG_CODEC", "stb", 1);
    assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_OK);
    unsetenv("CONVTOOL_JPEG_CODEC");
    convtool_tensor_free(&t);
    return b;
}

static size_t find_sof(const convtool_buffer *b)
{
    for (size_t i = 2; i + 1 < b->len; i++)
        if (b->data[i] == 0xff && b->data[i + 1] == 0xc0)
            return i;
    fail();
    return 0;
}

static void test_jpeg(void **state)
{
    (void)state;
    convtool_buffer b = jpeg_file(3);
    convtool_image_info info;
    assert_int_equal(probe(&b, &info), CONVTOOL_OK);
    assert_int_equal(info.format, CONVTOOL_FORMAT_JPEG);
    assert_int_equal(info.width, 16);
    assert_int_equal(info.height, 8);
    assert_int_equal(info.channels, 3);
    assert_int_equal(info.bit_depth, 8);
    size_t sof = find_sof(&b);
    struct {
        size_t at;
        unsigned char value;
        convtool_status want;
    } edits[] = {
        {1, 0xc1, CONVTOOL_OK},           /* extended sequential */
        {1, 0xc2, CONVTOOL_OK},           /* progressive */
        {1, 0xc3, CONVTOOL_EUNSUPPORTED}, /* lossless */
        {1, 0xc5, CONVTOOL_EUNSUPPORTED}, /* hierarchical */
        {1, 0xc9, CONVTOOL_EUNSUPPORTED}, /* arithmetic */
        {1, 0xcd, CONVTOOL_EUNSUPPORTED},
        {1, 0xc8, CONVTOOL_ECORRUPT},   /* reserved */
        {1, 0xda, CONVTOOL_ECORRUPT},   /* a scan before any frame */
        {4, 12, CONVTOOL_EUNSUPPORTED}, /* 12-bit precision */
        {5, 1, CONVTOOL_OK},            /* height 256 + 8 */
        {6, 0, CONVTOOL_EUNSUPPORTED},  /* height 0: deferred to a DNL marker */
        {8, 0, CONVTOOL_ECORRUPT},      /* width 0 */
        {9, 2, CONVTOOL_ECORRUPT},      /* two components */
        {9, 1, CONVTOOL_ECORRUPT},      /* one component but a 3-component length */
        {11, 0x51, CONVTOOL_ECORRUPT},  /* sampling factor 5 */
        {11, 0x10, CONVTOOL_ECORRUPT},  /* sampling factor 0 */
        {14, 0x31, CONVTOOL_ECORRUPT},  /* 3 does not divide the luma's 2 */
        {12, 4, CONVTOOL_ECORRUPT},     /* quantisation table 4 */
        {3, 5, CONVTOOL_ECORRUPT},      /* frame length too short */
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        unsigned char saved = b.data[sof + edits[i].at];
        b.data[sof + edits[i].at] = edits[i].value;
        assert_int_equal(probe(&b, &info), edits[i].want);
        b.data[sof + edits[i].at] = saved;
    }
    convtool_buffer_free(&b);
}

static void test_jpeg_segments(void **state)
{
    (void)state;
    convtool_buffer b = jpeg_file(1);
    convtool_image_info info;
    assert_int_equal(probe(&b, &info), CONVTOOL_OK);
    /* stb's writer always stores three components, so gray comes back as RGB */
    assert_int_equal(info.channels, 3);
    /* the first segment (APP0) with a length below 2, then beyond the file */
    assert_int_equal(b.data[3], 0xe0);
    b.data[5] = 1;
    assert_int_equal(probe(&b, &info), CONVTOOL_ECORRUPT);
    b.data[4] = 0xff;
    assert_int_equal(probe(&b, &info), CONVTOOL_ECORRUPT);
    convtool_buffer_free(&b);

    /* fill bytes and stray bytes between segments are skipped, as stb does */
    convtool_buffer orig = jpeg_file(3), padded = {0};
    size_t app0_end = 4 + (size_t)(orig.data[4] << 8 | orig.data[5]);
    convtool_buffer_append(&padded, orig.data, app0_end);
    convtool_buffer_append(&padded, "\x00\x12\xff\xff", 4);
    convtool_buffer_append(&padded, orig.data + app0_end, orig.len - app0_end);
    assert_int_equal(probe(&padded, &info), CONVTOOL_OK);
    /* but not where the first marker must be */
    padded.data[2] = 0x00;
    assert_int_equal(probe(&padded, &info), CONVTOOL_EUNSUPPORTED); /* no longer JPEG magic */
    convtool_buffer_free(&padded);
    convtool_buffer_free(&orig);
}

/*
 * An 8x8 gray JPEG (SOF2 when progressive, else SOF0) of `scans` DC scans, each
 * one entropy-coded byte: enough for the probe and the completeness check,
 * which count the scans; not a file a decoder would accept.
 */
static convtool_buffer jpeg_of_scans(int progressive, int scans)
{
    static const unsigned char sof[] = {0xff, 0xc0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0};
    /* a DC and an AC table (a sequential scan needs both), each of one 1-bit code */
    static const unsigned char dht[] = {0xff, 0xc4, 0, 38, 0x00, 1, 0, 0, 0,    0, 0, 0, 0, 0,
                                        0,    0,    0, 0,  0,    0, 0, 0, 0x10, 1, 0, 0, 0, 0,
                                        0,    0,    0, 0,  0,    0, 0, 0, 0,    0, 0, 0};
    static const unsigned char sos[] = {0xff, 0xda, 0, 8, 1, 1, 0x00, 0, 0, 0, 0x00};
    unsigned char dqt[4 + 65] = {0xff, 0xdb, 0, 67, 0x00};
    for (int i = 0; i < 64; i++)
        dqt[5 + i] = 1;
    convtool_buffer b = {0};
    convtool_buffer_append(&b, "\xff\xd8", 2);
    convtool_buffer_append(&b, dqt, sizeof dqt);
    convtool_buffer_append(&b, sof, sizeof sof);
    b.data[b.len - sizeof sof + 1] = progressive ? 0xc2 : 0xc0;
    convtool_buffer_append(&b, dht, sizeof dht);
    for (int i = 0; i < scans; i++)
        convtool_buffer_append(&b, sos, sizeof sos);
    convtool_buffer_append(&b, "\xff\xd9", 2);
    return b;
}

static convtool_status check_jpeg(const convtool_buffer *b)
{
    convtool_image_info info;
    convtool_status st = probe(b, &info);
    return st == CONVTOOL_OK ? image_check_complete(b->data, b->len, &info) : st;
}

/* Issue 9: the scans of a JPEG are counted before decoding; past JPEG_MAX_SCANS a
 * progressive file is a decompression bomb (ESCANS), a sequential one corrupt. */
static void test_jpeg_scan_limit(void **state)
{
    (void)state;
    struct {
        int progressive, scans;
        convtool_status want;
    } cases[] = {
        {1, 10, CONVTOOL_OK},
        {1, JPEG_MAX_SCANS, CONVTOOL_OK},
        {1, JPEG_MAX_SCANS + 1, CONVTOOL_ESCANS},
        {1, 4 * JPEG_MAX_SCANS, CONVTOOL_ESCANS},
        {0, 1, CONVTOOL_OK},
        {0, JPEG_MAX_SCANS + 1, CONVTOOL_ECORRUPT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        convtool_buffer b = jpeg_of_scans(cases[i].progressive, cases[i].scans);
        assert_int_equal(check_jpeg(&b), cases[i].want);
        if (cases[i].want == CONVTOOL_ESCANS) { /* refused before any decoding */
            convtool_image img;
            assert_int_equal(convtool_image_decode(b.data, b.len, NULL, &img), CONVTOOL_ESCANS);
        }
        convtool_buffer_free(&b);
    }
    assert_non_null(strstr(convtool_strerror(CONVTOOL_ESCANS), "more than 500 scans"));
}

/* Every proper prefix of a file is refused as corrupt, never read past its end:
 * by the header probe, or (past the header) by the completeness check. */
static void check_prefixes(const convtool_buffer *b, size_t keep_tail)
{
    for (size_t len = 0; len + keep_tail < b->len; len++) {
        unsigned char *cut = malloc(len ? len : 1);
        memcpy(cut, b->data, len);
        convtool_image_info info;
        convtool_status st = convtool_image_probe(cut, len, &info);
        if (st == CONVTOOL_OK)
            st = image_check_complete(cut, len, &info);
        assert_int_equal(st, CONVTOOL_ECORRUPT);
        free(cut);
    }
}

static void test_truncated(void **state)
{
    (void)state;
    convtool_buffer j = jpeg_file(3);
    check_prefixes(&j, 0); /* the EOI marker is required */
    convtool_buffer_free(&j);
    /* a PNG probe reads up to the end of the first IDAT chunk */
    png_spec s = {6, 5, 8, 3, 0, plte, sizeof plte, (const unsigned char *)"\1\2", 2};
    convtool_buffer p = build(&s);
    check_prefixes(&p, 12);
    convtool_buffer_free(&p);
}

static void test_refused_formats(void **state)
{
    (void)state;
    struct {
        const char *bytes;
        size_t len;
        convtool_format fmt;
        convtool_status want;
    } cases[] = {
        {"GIF89a\x01\x00\x01\x00", 10, CONVTOOL_FORMAT_GIF, CONVTOOL_EUNSUPPORTED},
        {"BM\x3a\x00\x00\x00", 6, CONVTOOL_FORMAT_BMP, CONVTOOL_EUNSUPPORTED},
        {"8BPS\x00\x01", 6, CONVTOOL_FORMAT_PSD, CONVTOOL_EUNSUPPORTED},
        {"P5\n1 1\n255\n\x00", 12, CONVTOOL_FORMAT_PNM, CONVTOOL_EUNSUPPORTED},
        {"#?RADIANCE\n", 11, CONVTOOL_FORMAT_HDR, CONVTOOL_EUNSUPPORTED},
        {"\x00\x00\x02\x00\x00\x00\x00\x00", 8, CONVTOOL_FORMAT_UNKNOWN, CONVTOOL_EUNSUPPORTED},
        {"hello, world", 12, CONVTOOL_FORMAT_UNKNOWN, CONVTOOL_EUNSUPPORTED},
        {"", 0, CONVTOOL_FORMAT_UNKNOWN, CONVTOOL_ECORRUPT},
        {"\x89PN", 3, CONVTOOL_FORMAT_UNKNOWN, CONVTOOL_ECORRUPT},
        {"\xff\xd8", 2, CONVTOOL_FORMAT_UNKNOWN, CONVTOOL_ECORRUPT},
        {"\x93NUM", 4, CONVTOOL_FORMAT_UNKNOWN, CONVTOOL_ECORRUPT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        convtool_image_info info;
        const unsigned char *bytes = (const unsigned char *)cases[i].bytes;
        assert_int_equal(convtool_image_probe(bytes, cases[i].len, &info), cases[i].want);
        assert_int_equal(info.format, cases[i].fmt);
        convtool_image img;
        assert_int_equal(convtool_image_decode(bytes, cases[i].len, NULL, &img), cases[i].want);
    }
    convtool_image_info info;
    assert_int_equal(convtool_image_probe(NULL, 0, &info), CONVTOOL_ECORRUPT);
    assert_int_equal(convtool_image_probe(NULL, 4, &info), CONVTOOL_EINVAL);
    assert_int_equal(convtool_image_probe((const unsigned char *)"x", 1, NULL), CONVTOOL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_colour_types),
        cmocka_unit_test(test_png_bad_headers),
        cmocka_unit_test(test_png_chunks),
        cmocka_unit_test(test_png_damaged),
        cmocka_unit_test(test_jpeg),
        cmocka_unit_test(test_jpeg_segments),
        cmocka_unit_test(test_jpeg_scan_limit),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_refused_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
