/*
 * Metadata through convtool_image_encode and convtool_pixels_encode: spliced
 * into the encoders' files (PNG after IHDR, JPEG after SOI/JFIF, with
 * libjpeg-turbo and with stb), read back whole by convtool_metadata_read, and
 * the files still decode to exactly the pixels of the same file without it.
 * The EXIF that goes out says the orientation of the record and the output's size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"

/* IFD0: Orientation 6 and the Exif IFD pointer; the Exif IFD: PixelX/YDimension (LONG). */
static const unsigned char EXIF[] = {
    'I', 'I', 42, 0, 8, 0, 0, 0,                      /* header */
    2, 0,                                             /* IFD0: 2 entries */
    0x12, 1, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0,            /* Orientation 6 */
    0x69, 0x87, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0,        /* Exif IFD at 38 */
    0, 0, 0, 0,                                       /* no next IFD */
    2, 0,                                             /* Exif IFD: 2 entries */
    2, 0xA0, 4, 0, 1, 0, 0, 0, 0x10, 0x27, 0, 0,      /* PixelXDimension 10000 */
    3, 0xA0, 4, 0, 1, 0, 0, 0, 0x10, 0x27, 0, 0,      /* PixelYDimension 10000 */
    0, 0, 0, 0};

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void make_record(convtool_metadata *md, unsigned char *icc, size_t icc_len,
                        unsigned char *exif, convtool_meta_text *comment)
{
    memset(md, 0, sizeof *md);
    for (size_t i = 0; i < icc_len; i++)
        icc[i] = (unsigned char)(i * 7 + 3);
    memcpy(exif, EXIF, sizeof EXIF);
    md->icc = icc, md->icc_len = icc_len;
    md->exif = exif, md->exif_len = sizeof EXIF;
    md->orientation = 1; /* applied: the tag goes out as 1 */
    md->xmp = (unsigned char *)"<x:xmpmeta/>", md->xmp_len = 12;
    md->density_unit = CONVTOOL_DENSITY_PER_INCH, md->density_x = md->density_y = 300;
    *comment = (convtool_meta_text){CONVTOOL_TEXT_COMMENT, "Comment",
                                    (unsigned char *)"made here", 9, NULL, NULL};
    md->texts = comment, md->text_count = 1;
}

static void check_back(const convtool_buffer *file, const convtool_metadata *md, int w, int h)
{
    convtool_metadata back;
    assert_int_equal(convtool_metadata_read(file->data, file->len, &back), CONVTOOL_OK);
    assert_int_equal(back.icc_len, md->icc_len);
    assert_memory_equal(back.icc, md->icc, md->icc_len);
    assert_int_equal(back.xmp_len, md->xmp_len);
    assert_int_equal(back.orientation, 1);
    assert_int_equal(back.exif_len, sizeof EXIF);
    assert_int_equal(le32(back.exif + 48), (uint32_t)w);
    assert_int_equal(le32(back.exif + 60), (uint32_t)h);
    assert_true(back.density_unit == CONVTOOL_DENSITY_PER_INCH ? back.density_x == 300
                                                             : back.density_x == 11811);
    assert_int_equal(back.text_count, 1);
    assert_memory_equal(back.texts[0].text, "made here", 9);
    assert_int_equal(back.dropped, 0);
    convtool_metadata_free(&back);
}

/* Both files decode to the same tensor: the metadata changed no pixel. */
static void check_same_pixels(const convtool_buffer *a, const convtool_buffer *b)
{
    convtool_load_options lo = {.no_sandbox = 1};
    convtool_image ia, ib;
    assert_int_equal(convtool_image_decode(a->data, a->len, &lo, &ia), CONVTOOL_OK);
    assert_int_equal(convtool_image_decode(b->data, b->len, &lo, &ib), CONVTOOL_OK);
    assert_int_equal(convtool_tensor_count(&ia.tensor), convtool_tensor_count(&ib.tensor));
    assert_memory_equal(ia.tensor.data, ib.tensor.data,
                        convtool_tensor_count(&ia.tensor) * sizeof(float));
    convtool_image_free(&ia);
    convtool_image_free(&ib);
}

static void test_encode(void **state)
{
    (void)state;
    const int w = 37, h = 23;
    unsigned char *icc = malloc(70000), exif[sizeof EXIF];
    convtool_meta_text comment;
    convtool_metadata md;
    make_record(&md, icc, 70000, exif, &comment);
    convtool_tensor t;
    assert_int_equal(convtool_tensor_alloc(&t, 3, h, w), CONVTOOL_OK);
    for (size_t i = 0; i < convtool_tensor_count(&t); i++)
        t.data[i] = (float)((i * 37) % 256) / 255.0f;
    convtool_pixels px;
    assert_int_equal(convtool_pixels_alloc(&px, w, h, 3, 8), CONVTOOL_OK);
    for (size_t i = 0; i < (size_t)w * h * 3; i++)
        ((unsigned char *)px.data)[i] = (unsigned char)(i * 11);
    const char *codecs[2] = {NULL, "stb"};
    for (int f = 0; f < 2; f++)
        for (int c = 0; c < 2; c++) {
            if (codecs[c])
                setenv("CONVTOOL_JPEG_CODEC", codecs[c], 1);
            else
                unsetenv("CONVTOOL_JPEG_CODEC");
            convtool_save_options o = {.format = f ? CONVTOOL_FORMAT_JPEG : CONVTOOL_FORMAT_PNG,
                                       .jpeg_quality = 90};
            convtool_buffer plain = {0}, with = {0}, pplain = {0}, pwith = {0};
            assert_int_equal(convtool_image_encode(&t, &o, &plain), CONVTOOL_OK);
            assert_int_equal(convtool_pixels_encode(&px, &o, &pplain), CONVTOOL_OK);
            o.metadata = &md;
            assert_int_equal(convtool_image_encode(&t, &o, &with), CONVTOOL_OK);
            assert_int_equal(convtool_pixels_encode(&px, &o, &pwith), CONVTOOL_OK);
            check_back(&with, &md, w, h);
            check_back(&pwith, &md, w, h);
            check_same_pixels(&plain, &with);
            check_same_pixels(&pplain, &pwith);
            convtool_buffer_free(&plain);
            convtool_buffer_free(&with);
            convtool_buffer_free(&pplain);
            convtool_buffer_free(&pwith);
        }
    unsetenv("CONVTOOL_JPEG_CODEC");
    /* formats that hold nothing: everything the record has is named */
    assert_int_equal(convtool_metadata_unsupported(&md, CONVTOOL_FORMAT_BMP),
                     CONVTOOL_META_ICC | CONVTOOL_META_EXIF | CONVTOOL_META_XMP |
                         CONVTOOL_META_DENSITY | CONVTOOL_META_TEXT);
    assert_int_equal(convtool_metadata_unsupported(&md, CONVTOOL_FORMAT_PNG), 0);
    assert_int_equal(convtool_metadata_unsupported(&md, CONVTOOL_FORMAT_JPEG), 0);
    convtool_pixels_free(&px);
    convtool_tensor_free(&t);
    free(icc);
}

/* A 128-byte ICC header: colour space `space` at 16, "acsp" at 36. */
static void icc_header(unsigned char *icc, const char *space)
{
    memset(icc, 0, 128);
    icc[3] = 128;
    memcpy(icc + 16, space, 4);
    memcpy(icc + 36, "acsp", 4);
}

/* The profile in a file of `channels` encoded with md, read back (NULL: none went out). */
static size_t icc_out(const convtool_metadata *md, convtool_format fmt, int channels)
{
    convtool_tensor t;
    assert_int_equal(convtool_tensor_alloc(&t, channels, 5, 7), CONVTOOL_OK);
    memset(t.data, 0, convtool_tensor_count(&t) * sizeof(float));
    convtool_save_options o = {.format = fmt, .jpeg_quality = 90, .metadata = md};
    convtool_buffer out = {0};
    assert_int_equal(convtool_image_encode(&t, &o, &out), CONVTOOL_OK);
    convtool_metadata back;
    assert_int_equal(convtool_metadata_read(out.data, out.len, &back), CONVTOOL_OK);
    size_t len = back.icc ? back.icc_len : 0;
    convtool_metadata_free(&back);
    convtool_buffer_free(&out);
    convtool_tensor_free(&t);
    return len;
}

/*
 * An RGB profile stays out of gray files (1, 2 channels), a gray one out of
 * colour files (3, 4); bytes that are no ICC header go into any.
 */
static void test_icc_fits_channels(void **state)
{
    (void)state;
    unsigned char rgb[128], gray[128], other[128];
    icc_header(rgb, "RGB ");
    icc_header(gray, "GRAY");
    memset(other, 7, sizeof other);
    convtool_metadata md = {.icc_len = 128};
    for (int f = 0; f < 2; f++) {
        convtool_format fmt = f ? CONVTOOL_FORMAT_JPEG : CONVTOOL_FORMAT_PNG;
        md.icc = rgb;
        assert_int_equal(icc_out(&md, fmt, 1), 0);
        assert_int_equal(icc_out(&md, fmt, 2), 0);
        assert_int_equal(icc_out(&md, fmt, 3), 128);
        assert_int_equal(icc_out(&md, fmt, 4), 128);
        md.icc = gray;
        assert_int_equal(icc_out(&md, fmt, 1), 128);
        assert_int_equal(icc_out(&md, fmt, 3), 0);
        md.icc = other;
        assert_int_equal(icc_out(&md, fmt, 1), 128);
        assert_int_equal(icc_out(&md, fmt, 3), 128);
    }
    md.icc = rgb;
    assert_false(convtool_metadata_icc_fits(&md, 1));
    assert_true(convtool_metadata_icc_fits(&md, 3));
    assert_true(convtool_metadata_icc_fits(NULL, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_icc_fits_channels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
