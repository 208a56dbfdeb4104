/*
 * Writing JPEG's metadata segments (see jpeg_markers.h), in the order
 * exiftool and libjpeg expect: JFIF, Exif, XMP, ICC, comments.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec/jpeg_markers.h"
#include "codec/meta_common.h"

#define METRES_PER_INCH 0.0254

static convtool_status put_segment(convtool_buffer *out, int marker, const void *id, size_t id_len,
                                   const void *data, size_t len)
{
    unsigned char head[4] = {0xFF, (unsigned char)marker, 0, 0};
    size_t n = id_len + len + 2;
    if (n > JPEG_SEGMENT_MAX + 2)
        return CONVTOOL_ELIMIT;
    head[2] = (unsigned char)(n >> 8), head[3] = (unsigned char)n;
    convtool_buffer_append(out, head, 4);
    convtool_buffer_append(out, id, id_len);
    return convtool_buffer_append(out, data, len);
}

/*
 * JFIF's units and 16-bit densities for md: per metre (PNG) becomes dots per
 * inch, rounded (11811/m is 300 dpi). 0 when it does not fit 16 bits.
 */
static int jfif_density(const convtool_metadata *md, unsigned char d[5])
{
    double x = md->density_x, y = md->density_y;
    int units = md->density_unit == CONVTOOL_DENSITY_ASPECT     ? 0
                : md->density_unit == CONVTOOL_DENSITY_PER_CM ? 2
                                                              : 1;
    if (md->density_unit == CONVTOOL_DENSITY_PER_METRE)
        x = round(x * METRES_PER_INCH), y = round(y * METRES_PER_INCH);
    if (x < 1 || y < 1 || x > 65535 || y > 65535)
        return 0;
    unsigned ux = (unsigned)x, uy = (unsigned)y; /* a double past 255 is no unsigned char */
    d[0] = (unsigned char)units;
    d[1] = (unsigned char)(ux >> 8), d[2] = (unsigned char)(ux & 0xff);
    d[3] = (unsigned char)(uy >> 8), d[4] = (unsigned char)(uy & 0xff);
    return 1;
}

void jpeg_markers_set_density(unsigned char *jfif, size_t room, const convtool_metadata *md)
{
    unsigned char d[5];
    if (room >= 12 && md->density_unit != CONVTOOL_DENSITY_NONE && jfif_density(md, d))
        memcpy(jfif + 7, d, 5); /* after "JFIF\0" and the version */
}

static convtool_status put_jfif(const convtool_metadata *md, convtool_buffer *out)
{
    unsigned char body[14] = {'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};
    jpeg_markers_set_density(body, sizeof body, md);
    return put_segment(out, 0xE0, NULL, 0, body, sizeof body);
}

static convtool_status put_exif(const convtool_metadata *md, uint32_t w, uint32_t h,
                                convtool_buffer *out)
{
    unsigned char *copy = meta_exif_for_output(md, w, h);
    if (!copy)
        return CONVTOOL_ENOMEM;
    convtool_status st = put_segment(out, 0xE1, "Exif\0", 6, copy, md->exif_len);
    free(copy);
    return st;
}

static convtool_status put_icc(const convtool_metadata *md, convtool_buffer *out)
{
    size_t count = (md->icc_len + JPEG_ICC_CHUNK_MAX - 1) / JPEG_ICC_CHUNK_MAX;
    if (count > 255)
        return CONVTOOL_ELIMIT;
    convtool_status st = CONVTOOL_OK;
    for (size_t i = 0; i < count && st == CONVTOOL_OK; i++) {
        unsigned char id[14] = "ICC_PROFILE";
        id[12] = (unsigned char)(i + 1), id[13] = (unsigned char)count;
        size_t at = i * JPEG_ICC_CHUNK_MAX;
        size_t n = md->icc_len - at < JPEG_ICC_CHUNK_MAX ? md->icc_len - at : JPEG_ICC_CHUNK_MAX;
        st = put_segment(out, 0xE2, id, sizeof id, md->icc + at, n);
    }
    return st;
}

int jpeg_markers_is_comment(const convtool_meta_text *t)
{
    return t->kind == CONVTOOL_TEXT_COMMENT || strcasecmp(t->keyword, "Comment") == 0;
}

static int fits_com(const convtool_meta_text *t)
{
    return jpeg_markers_is_comment(t) && t->text_len <= JPEG_SEGMENT_MAX;
}

unsigned jpeg_markers_cannot_hold(const convtool_metadata *md)
{
    unsigned char d[5];
    unsigned parts = md->has_srgb || md->has_gama || md->has_chrm ? CONVTOOL_META_COLOR : 0;
    if (md->density_unit != CONVTOOL_DENSITY_NONE && !jfif_density(md, d))
        parts |= CONVTOOL_META_DENSITY;
    for (size_t i = 0; i < md->text_count; i++)
        if (!fits_com(&md->texts[i]))
            parts |= CONVTOOL_META_TEXT;
    return parts;
}

static convtool_status put_comments(const convtool_metadata *md, convtool_buffer *out)
{
    convtool_status st = CONVTOOL_OK;
    for (size_t i = 0; i < md->text_count && st == CONVTOOL_OK; i++)
        if (fits_com(&md->texts[i]))
            st = put_segment(out, 0xFE, NULL, 0, md->texts[i].text, md->texts[i].text_len);
    return st;
}

convtool_status jpeg_markers_write(const convtool_metadata *md, uint32_t w, uint32_t h,
                                   int need_jfif, convtool_buffer *out, unsigned *left_out)
{
    convtool_status st = CONVTOOL_OK;
    *left_out = jpeg_markers_cannot_hold(md);
    if (need_jfif && md->density_unit != CONVTOOL_DENSITY_NONE &&
        !(*left_out & CONVTOOL_META_DENSITY))
        st = put_jfif(md, out);
    if (st == CONVTOOL_OK && md->exif)
        st = put_exif(md, w, h, out);
    if (st == CONVTOOL_OK && md->xmp)
        st = put_segment(out, 0xE1, "http://ns.adobe.com/xap/1.0/", 29, md->xmp, md->xmp_len);
    if (st == CONVTOOL_OK && md->icc)
        st = put_icc(md, out);
    if (st == CONVTOOL_OK)
        st = put_comments(md, out);
    return st == CONVTOOL_OK && out->failed ? CONVTOOL_ENOMEM : st;
}
