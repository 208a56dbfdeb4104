/*
 * jpeg_markers.c and jpeg_markers_write.c: JFIF density, Exif, XMP, ICC over
 * several APP2 markers (reassembled by sequence number, in any order; a
 * missing or repeated chunk drops the profile), COM, MPF; the writer's
 * splitting of a big profile and where the segments go in an encoded file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"
#include "codec/jpeg_markers.h"

static void segment(convtool_buffer *b, int marker, const void *id, size_t id_len,
                    const void *data, size_t n)
{
    size_t len = id_len + n + 2;
    unsigned char head[4] = {0xFF, (unsigned char)marker, (unsigned char)(len >> 8),
                             (unsigned char)len};
    convtool_buffer_append(b, head, 4);
    convtool_buffer_append(b, id, id_len);
    convtool_buffer_append(b, data, n);
}

static void icc_chunk(convtool_buffer *b, int seq, int count, const unsigned char *data, size_t n)
{
    unsigned char id[14] = "ICC_PROFILE";
    id[12] = (unsigned char)seq, id[13] = (unsigned char)count;
    segment(b, 0xE2, id, 14, data, n);
}

static const unsigned char EXIF_BE[] = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 1, 0x12, 0, 3,
                                        0,   0,   0, 1,  0, 8, 0, 0, 0, 0, 0, 0};

static void test_read(void **state)
{
    (void)state;
    unsigned char icc[300];
    for (size_t i = 0; i < sizeof icc; i++)
        icc[i] = (unsigned char)(i * 13);
    convtool_buffer j = {0};
    convtool_buffer_append(&j, "\xff\xd8", 2);
    segment(&j, 0xE0, "JFIF\0\1\2\2\0\x48\0\x48\0\0", 14, NULL, 0); /* 72 per cm */
    segment(&j, 0xE1, "Exif\0", 6, EXIF_BE, sizeof EXIF_BE);
    segment(&j, 0xE1, "http://ns.adobe.com/xap/1.0/", 29, "<xmp/>", 6);
    icc_chunk(&j, 3, 3, icc + 200, 100); /* out of order */
    icc_chunk(&j, 1, 3, icc, 100);
    icc_chunk(&j, 2, 3, icc + 100, 100);
    segment(&j, 0xFE, NULL, 0, "a comment", 9);
    convtool_buffer_append(&j, "\xff\xda\0\x02", 4); /* SOS: the walk ends */
    segment(&j, 0xFE, NULL, 0, "after the scan", 14);
    convtool_metadata md;
    assert_int_equal(convtool_metadata_read(j.data, j.len, &md), CONVTOOL_OK);
    assert_int_equal(md.density_unit, CONVTOOL_DENSITY_PER_CM);
    assert_int_equal(md.density_x, 72);
    assert_int_equal(md.exif_len, sizeof EXIF_BE);
    assert_int_equal(md.orientation, 8);
    assert_int_equal(md.xmp_len, 6);
    assert_int_equal(md.icc_len, sizeof icc);
    assert_memory_equal(md.icc, icc, sizeof icc);
    assert_int_equal(md.text_count, 1);
    assert_int_equal(md.texts[0].kind, CONVTOOL_TEXT_COMMENT);
    assert_int_equal(md.dropped, 0);
    size_t n;
    assert_non_null(jpeg_markers_find_exif(j.data, j.len, &n));
    assert_int_equal(n, sizeof EXIF_BE);
    convtool_metadata_free(&md);
    convtool_buffer_free(&j);
}

static void test_broken_icc(void **state)
{
    (void)state;
    unsigned char icc[10] = {0};
    for (int variant = 0; variant < 3; variant++) {
        convtool_buffer j = {0};
        convtool_buffer_append(&j, "\xff\xd8", 2);
        icc_chunk(&j, 1, 2, icc, 10);
        if (variant == 1)
            icc_chunk(&j, 1, 2, icc, 10); /* repeated */
        if (variant == 2)
            icc_chunk(&j, 2, 3, icc, 10); /* counts disagree */
        segment(&j, 0xE2, "MPF", 4, "\0\0", 2);
        convtool_metadata md;
        assert_int_equal(convtool_metadata_read(j.data, j.len, &md), CONVTOOL_OK);
        assert_null(md.icc);
        assert_int_equal(md.dropped, CONVTOOL_META_ICC);
        assert_int_equal(md.frames, 2);
        convtool_metadata_free(&md);
        convtool_buffer_free(&j);
    }
}

/* A 200 000-byte profile goes out in 4 markers of at most 65519 bytes and comes back whole. */
static void test_write_split(void **state)
{
    (void)state;
    size_t n = 200000;
    unsigned char *icc = malloc(n);
    for (size_t i = 0; i < n; i++)
        icc[i] = (unsigned char)(i % 253);
    convtool_metadata md = {0};
    md.icc = icc, md.icc_len = n;
    md.density_unit = CONVTOOL_DENSITY_PER_METRE, md.density_x = md.density_y = 11811;
    md.has_gama = 1; /* PNG only: reported, not written */
    convtool_meta_text t = {CONVTOOL_TEXT_PLAIN, "Title", (unsigned char *)"x", 1, NULL, NULL};
    md.texts = &t, md.text_count = 1;
    convtool_buffer j = {0};
    unsigned left_out = 0;
    convtool_buffer_append(&j, "\xff\xd8", 2);
    assert_int_equal(jpeg_markers_write(&md, 10, 10, 1, &j, &left_out), CONVTOOL_OK);
    assert_int_equal(left_out, CONVTOOL_META_COLOR | CONVTOOL_META_TEXT);
    convtool_buffer_append(&j, "\xff\xd9", 2);
    int app2 = 0;
    for (size_t i = 0; i + 1 < j.len; i++)
        app2 += j.data[i] == 0xFF && j.data[i + 1] == 0xE2 && i + 6 < j.len &&
                memcmp(j.data + i + 4, "ICC_PROFILE", 11) == 0;
    assert_int_equal(app2, 4);
    convtool_metadata back;
    assert_int_equal(convtool_metadata_read(j.data, j.len, &back), CONVTOOL_OK);
    assert_int_equal(back.icc_len, n);
    assert_memory_equal(back.icc, icc, n);
    assert_int_equal(back.density_unit, CONVTOOL_DENSITY_PER_INCH);
    assert_int_equal(back.density_x, 300);
    convtool_metadata_free(&back);
    convtool_buffer_free(&j);
    free(icc);
}

static void test_insert_at(void **state)
{
    (void)state;
    size_t jfif;
    const unsigned char with[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1,
                                  0,    0,    1,    0,    1, 0, 0, 0xFF, 0xDB};
    assert_int_equal(jpeg_markers_insert_at(with, sizeof with, &jfif), 20);
    assert_int_equal(jfif, 6);
    const unsigned char without[] = {0xFF, 0xD8, 0xFF, 0xDB, 0, 2};
    assert_int_equal(jpeg_markers_insert_at(without, sizeof without, &jfif), 2);
    assert_int_equal(jfif, 0);
    assert_int_equal(jpeg_markers_insert_at((const unsigned char *)"\x89PNG", 4, &jfif), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_broken_icc),
        cmocka_unit_test(test_write_split),
        cmocka_unit_test(test_insert_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
