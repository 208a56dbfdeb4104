/*
 * The metadata front door (convtool.h): read a PNG's or JPEG's metadata from
 * its raw bytes (codec/png_chunks.c, codec/jpeg_markers.c), free, drop
 * parts, and say what an output format cannot hold.
 */
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"
#include "codec/jpeg_markers.h"
#include "codec/png_chunks.h"

convtool_status convtool_metadata_read(const unsigned char *bytes, size_t len,
                                       convtool_metadata *md)
{
    if (!md || (!bytes && len))
        return CONVTOOL_EINVAL;
    memset(md, 0, sizeof *md);
    md->frames = 1;
    switch (convtool_format_sniff(bytes, len)) {
    case CONVTOOL_FORMAT_PNG:
        return png_chunks_read(bytes, len, md);
    case CONVTOOL_FORMAT_JPEG:
        return jpeg_markers_read(bytes, len, md);
    default:
        return CONVTOOL_OK;
    }
}

static void free_texts(convtool_metadata *md)
{
    for (size_t i = 0; i < md->text_count; i++) {
        free(md->texts[i].text);
        free(md->texts[i].language);
        free(md->texts[i].translated);
    }
    free(md->texts);
    md->texts = NULL;
    md->text_count = 0;
}

void convtool_metadata_free(convtool_metadata *md)
{
    if (!md)
        return;
    free(md->icc);
    free(md->exif);
    free(md->xmp);
    free_texts(md);
    memset(md, 0, sizeof *md);
}

void convtool_metadata_drop(convtool_metadata *md, unsigned parts)
{
    if (!md)
        return;
    if (parts & CONVTOOL_META_ICC) {
        free(md->icc);
        md->icc = NULL, md->icc_len = 0, md->icc_name[0] = '\0';
    }
    if (parts & CONVTOOL_META_EXIF) {
        free(md->exif);
        md->exif = NULL, md->exif_len = 0;
    }
    if (parts & CONVTOOL_META_XMP) {
        free(md->xmp);
        md->xmp = NULL, md->xmp_len = 0;
    }
    if (parts & CONVTOOL_META_DENSITY)
        md->density_unit = CONVTOOL_DENSITY_NONE, md->density_x = md->density_y = 0;
    if (parts & CONVTOOL_META_TEXT)
        free_texts(md);
    if (parts & CONVTOOL_META_COLOR)
        md->has_srgb = md->has_gama = md->has_chrm = 0;
    if (parts & CONVTOOL_META_ORIENTATION)
        md->orientation = md->orientation ? 1 : 0;
}

unsigned convtool_metadata_parts(const convtool_metadata *md)
{
    if (!md)
        return 0;
    return (md->icc ? CONVTOOL_META_ICC : 0u) | (md->exif ? CONVTOOL_META_EXIF : 0u) |
           (md->xmp ? CONVTOOL_META_XMP : 0u) |
           (md->density_unit != CONVTOOL_DENSITY_NONE ? CONVTOOL_META_DENSITY : 0u) |
           (md->text_count ? CONVTOOL_META_TEXT : 0u) |
           (md->has_srgb || md->has_gama || md->has_chrm ? CONVTOOL_META_COLOR : 0u) |
           (md->orientation > 1 ? CONVTOOL_META_ORIENTATION : 0u);
}

unsigned convtool_metadata_unsupported(const convtool_metadata *md, convtool_format fmt)
{
    if (fmt == CONVTOOL_FORMAT_PNG || !md)
        return 0;
    if (fmt == CONVTOOL_FORMAT_JPEG)
        return jpeg_markers_cannot_hold(md);
    return convtool_metadata_parts(md);
}

/* An ICC header is 128 bytes: the data colour space at 16, the signature "acsp" at 36. */
#define ICC_HEADER_BYTES 128
#define ICC_SPACE_AT 16
#define ICC_SIGNATURE_AT 36

int convtool_metadata_icc_fits(const convtool_metadata *md, int channels)
{
    if (!md || !md->icc || md->icc_len < ICC_HEADER_BYTES ||
        memcmp(md->icc + ICC_SIGNATURE_AT, "acsp", 4) != 0)
        return 1;
    const char *space = channels <= 2 ? "GRAY" : "RGB ";
    return memcmp(md->icc + ICC_SPACE_AT, space, 4) == 0;
}

const char *convtool_metadata_part_name(unsigned part)
{
    switch (part) {
    case CONVTOOL_META_ICC: return "icc";
    case CONVTOOL_META_EXIF: return "exif";
    case CONVTOOL_META_XMP: return "xmp";
    case CONVTOOL_META_DENSITY: return "density";
    case CONVTOOL_META_TEXT: return "text";
    case CONVTOOL_META_COLOR: return "gamma/chromaticity";
    case CONVTOOL_META_ORIENTATION: return "orientation";
    default: return "?";
    }
}
