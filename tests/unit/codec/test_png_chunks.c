/*
 * png_chunks.c and png_chunks_write.c: every ancillary chunk convtool carries,
 * read from PNGs built here, written back and read again; damaged chunks
 * (bad CRC, bad zlib, over the ICC limit) dropped and flagged, never fatal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "convtool/convtool.h"
#include "codec/png_chunks.h"

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static void chunk(convtool_buffer *b, const char *type, const void *data, size_t n, int bad_crc)
{
    unsigned char head[8], crc[4];
    be32(head, (uint32_t)n);
    memcpy(head + 4, type, 4);
    uLong c = crc32(crc32(0, Z_NULL, 0), head + 4, 4);
    if (n)
        c = crc32(c, data, (uInt)n);
    be32(crc, (uint32_t)c ^ (bad_crc ? 1u : 0u));
    convtool_buffer_append(b, head, 8);
    convtool_buffer_append(b, data, n);
    convtool_buffer_append(b, crc, 4);
}

/* Signature and a 2x1 RGB IHDR. */
static void png_head(convtool_buffer *b)
{
    unsigned char ihdr[13] = {0, 0, 0, 2, 0, 0, 0, 1, 8, 2, 0, 0, 0};
    convtool_buffer_append(b, "\x89PNG\r\n\x1a\n", 8);
    chunk(b, "IHDR", ihdr, 13, 0);
}

static void png_tail(convtool_buffer *b)
{
    chunk(b, "IEND", NULL, 0, 0);
}

/* keyword\0 + zlib(data) (+ method byte): iCCP and zTXt */
static void compressed_chunk(convtool_buffer *b, const char *type, const char *keyword,
                             const void *data, size_t n, int bad_crc)
{
    uLongf room = compressBound((uLong)n);
    unsigned char *z = malloc(room + 81);
    size_t k = strlen(keyword);
    memcpy(z, keyword, k + 1);
    z[k + 1] = 0;
    assert_int_equal(compress2(z + k + 2, &room, data, (uLong)n, 9), Z_OK);
    chunk(b, type, z, k + 2 + room, bad_crc);
    free(z);
}

static const unsigned char EXIF_LE[] = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 3, 0,
                                        1,   0,   0,  0, 6, 0, 0, 0, 0, 0, 0,    0};

static void itxt(convtool_buffer *b, const char *keyword, const char *lang, const char *tr,
                 const char *text)
{
    convtool_buffer body = {0};
    convtool_buffer_append(&body, keyword, strlen(keyword) + 1);
    convtool_buffer_append(&body, "\0\0", 2);
    convtool_buffer_append(&body, lang, strlen(lang) + 1);
    convtool_buffer_append(&body, tr, strlen(tr) + 1);
    convtool_buffer_append(&body, text, strlen(text));
    chunk(b, "iTXt", body.data, body.len, 0);
    convtool_buffer_free(&body);
}

/* A PNG with one of everything. */
static void full_png(convtool_buffer *b, const unsigned char *icc, size_t icc_len)
{
    unsigned char phys[9] = {0, 0, 0x2e, 0x23, 0, 0, 0x2e, 0x23, 1}; /* 11811/m: 300 dpi */
    unsigned char gama[4] = {0, 0, 0xb1, 0x8f};
    unsigned char chrm[32];
    for (int i = 0; i < 32; i++)
        chrm[i] = (unsigned char)(i * 3);
    png_head(b);
    compressed_chunk(b, "iCCP", "my profile", icc, icc_len, 0);
    chunk(b, "gAMA", gama, 4, 0);
    chunk(b, "cHRM", chrm, 32, 0);
    chunk(b, "pHYs", phys, 9, 0);
    chunk(b, "eXIf", EXIF_LE, sizeof EXIF_LE, 0);
    itxt(b, PNG_XMP_KEYWORD, "", "", "<x:xmpmeta/>");
    chunk(b, "tEXt", "Comment\0hello", 13, 0);
    compressed_chunk(b, "zTXt", "Author", "someone", 7, 0);
    itxt(b, "Title", "fr", "Titre", "caf\xc3\xa9");
    chunk(b, "IDAT", "\x78\x01", 2, 0); /* not decoded here */
    png_tail(b);
}

static void check_full(const convtool_metadata *md, const unsigned char *icc, size_t icc_len)
{
    assert_int_equal(md->icc_len, icc_len);
    assert_memory_equal(md->icc, icc, icc_len);
    assert_int_equal(md->has_gama, 1);
    assert_int_equal(md->gama, 45455);
    assert_int_equal(md->has_chrm, 1);
    assert_int_equal(md->chrm[31], 93);
    assert_int_equal(md->density_unit, CONVTOOL_DENSITY_PER_METRE);
    assert_int_equal(md->density_x, 11811);
    assert_int_equal(md->exif_len, sizeof EXIF_LE);
    assert_int_equal(md->orientation, 6);
    assert_int_equal(md->xmp_len, 12);
    assert_memory_equal(md->xmp, "<x:xmpmeta/>", 12);
    assert_int_equal(md->text_count, 3);
    assert_string_equal(md->texts[0].keyword, "Comment");
    assert_int_equal(md->texts[0].kind, CONVTOOL_TEXT_PLAIN);
    assert_memory_equal(md->texts[0].text, "hello", 5);
    assert_int_equal(md->texts[1].kind, CONVTOOL_TEXT_COMPRESSED);
    assert_memory_equal(md->texts[1].text, "someone", 7);
    assert_int_equal(md->texts[2].kind, CONVTOOL_TEXT_INTERNATIONAL);
    assert_string_equal(md->texts[2].language, "fr");
    assert_string_equal(md->texts[2].translated, "Titre");
    assert_int_equal(md->frames, 1);
    assert_int_equal(md->dropped, 0);
}

static void test_read_and_write_back(void **state)
{
    (void)state;
    unsigned char icc[3000];
    for (size_t i = 0; i < sizeof icc; i++)
        icc[i] = (unsigned char)(i * 31 + i / 7);
    convtool_buffer png = {0}, again = {0}, parts = {0};
    full_png(&png, icc, sizeof icc);
    convtool_metadata md, back;
    assert_int_equal(convtool_metadata_read(png.data, png.len, &md), CONVTOOL_OK);
    check_full(&md, icc, sizeof icc);
    md.orientation = 1; /* as apply does once the picture was turned */
    assert_int_equal(png_chunks_write(&md, 2, 1, &parts), CONVTOOL_OK);
    png_head(&again);
    convtool_buffer_append(&again, parts.data, parts.len);
    png_tail(&again);
    assert_int_equal(convtool_metadata_read(again.data, again.len, &back), CONVTOOL_OK);
    assert_int_equal(back.orientation, 1); /* the tag was reset on the way */
    back.orientation = 6;
    check_full(&back, icc, sizeof icc);
    assert_string_equal(back.icc_name, "my profile");
    convtool_metadata_free(&md);
    convtool_metadata_free(&back);
    convtool_buffer_free(&png);
    convtool_buffer_free(&again);
    convtool_buffer_free(&parts);
}

static void test_damaged(void **state)
{
    (void)state;
    unsigned char icc[100] = {1, 2, 3};
    convtool_buffer png = {0};
    png_head(&png);
    compressed_chunk(&png, "iCCP", "p", icc, sizeof icc, 1); /* bad CRC */
    chunk(&png, "iCCP", "p\0\0\x78\x9c\xff\xff", 8, 0);     /* bad zlib */
    chunk(&png, "tEXt", "\0no keyword", 11, 0);
    chunk(&png, "eXIf", "JUNKJUNKJUNK", 12, 0);
    chunk(&png, "pHYs", "\0\0\0\0\0\0\0\0\1", 9, 0); /* zero density */
    chunk(&png, "acTL", "\0\0\0\3\0\0\0\0", 8, 0);   /* an APNG of 3 frames */
    chunk(&png, "tEXt", "Comment\0fine", 12, 0);
    png_tail(&png);
    convtool_metadata md;
    assert_int_equal(convtool_metadata_read(png.data, png.len, &md), CONVTOOL_OK);
    assert_null(md.icc);
    assert_int_equal(md.dropped, CONVTOOL_META_ICC | CONVTOOL_META_TEXT | CONVTOOL_META_EXIF |
                                     CONVTOOL_META_DENSITY);
    assert_int_equal(md.frames, 3);
    assert_int_equal(md.text_count, 1);
    convtool_metadata_free(&md);
    /* cut anywhere: never more than what is whole */
    for (size_t cut = 0; cut < png.len; cut += 3) {
        assert_int_equal(convtool_metadata_read(png.data, cut, &md), CONVTOOL_OK);
        convtool_metadata_free(&md);
    }
    convtool_buffer_free(&png);
}

static void test_icc_limit(void **state)
{
    (void)state;
    size_t n = CONVTOOL_META_MAX_ICC + 1;
    unsigned char *icc = calloc(1, n);
    convtool_buffer png = {0};
    png_head(&png);
    compressed_chunk(&png, "iCCP", "big", icc, n, 0);
    png_tail(&png);
    convtool_metadata md;
    assert_int_equal(convtool_metadata_read(png.data, png.len, &md), CONVTOOL_OK);
    assert_null(md.icc);
    assert_int_equal(md.dropped, CONVTOOL_META_ICC);
    convtool_metadata_free(&md);
    convtool_buffer_free(&png);
    free(icc);
}

/*
 * Compressed chunks cost an inflate each in the parent process: a hundred
 * zTXt of 600 kB each inflate into what is left of the 1 MiB text budget (one
 * fits), and only the first of several iCCP is tried (a damaged one, here: the
 * good one after it is not read).
 */
static void test_inflate_budget(void **state)
{
    (void)state;
    size_t n = 600 * 1024;
    unsigned char *zeros = calloc(1, n);
    convtool_buffer png = {0};
    png_head(&png);
    chunk(&png, "iCCP", "first\0\0\x78\x9c\xff\xff", 10, 0); /* bad zlib */
    for (int i = 0; i < 100; i++)
        compressed_chunk(&png, "zTXt", "Bomb", zeros, n, 0);
    compressed_chunk(&png, "iCCP", "second", zeros, 32, 0);
    png_tail(&png);
    convtool_metadata md;
    assert_int_equal(convtool_metadata_read(png.data, png.len, &md), CONVTOOL_OK);
    assert_int_equal(md.text_count, 1);
    assert_int_equal(md.texts[0].text_len, n);
    assert_int_equal(md.dropped, CONVTOOL_META_TEXT | CONVTOOL_META_ICC);
    assert_null(md.icc);
    convtool_metadata_free(&md);
    convtool_buffer_free(&png);
    free(zeros);
}

/* sRGB only without a profile; a JPEG comment becomes tEXt, UTF-8 beyond ASCII iTXt. */
static void test_srgb_and_comments(void **state)
{
    (void)state;
    convtool_metadata md = {0};
    md.has_srgb = 1;
    md.srgb_intent = 2;
    convtool_meta_text texts[2] = {
        {CONVTOOL_TEXT_COMMENT, "Comment", (unsigned char *)"plain", 5, NULL, NULL},
        {CONVTOOL_TEXT_COMMENT, "Comment", (unsigned char *)"caf\xc3\xa9", 5, NULL, NULL}};
    md.texts = texts;
    md.text_count = 2;
    convtool_buffer png = {0};
    png_head(&png);
    assert_int_equal(png_chunks_write(&md, 2, 1, &png), CONVTOOL_OK);
    png_tail(&png);
    convtool_metadata back;
    assert_int_equal(convtool_metadata_read(png.data, png.len, &back), CONVTOOL_OK);
    assert_int_equal(back.has_srgb, 1);
    assert_int_equal(back.srgb_intent, 2);
    assert_int_equal(back.text_count, 2);
    assert_int_equal(back.texts[0].kind, CONVTOOL_TEXT_PLAIN);
    assert_int_equal(back.texts[1].kind, CONVTOOL_TEXT_INTERNATIONAL);
    convtool_metadata_free(&back);
    convtool_buffer_free(&png);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_and_write_back),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_icc_limit),
        cmocka_unit_test(test_inflate_budget),
        cmocka_unit_test(test_srgb_and_comments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
