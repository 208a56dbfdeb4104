/*
 * Reading JPEG's metadata segments (see jpeg_markers.h). Markers are walked
 * from SOI: each segment has a 16-bit length that counts itself; fill bytes
 * (0xFF runs) between segments are skipped; the walk ends at SOS or EOI,
 * or at a segment that does not fit the file.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/jpeg_markers.h"
#include "codec/meta_common.h"

#define M_SOI 0xD8
#define M_EOI 0xD9
#define M_SOS 0xDA
#define M_APP0 0xE0
#define M_APP1 0xE1
#define M_APP2 0xE2
#define M_COM 0xFE

static const char EXIF_ID[6] = "Exif\0";   /* "Exif\0\0" */
static const char XMP_ID[] = "http://ns.adobe.com/xap/1.0/"; /* and its NUL */
static const char ICC_ID[] = "ICC_PROFILE";                  /* and its NUL */

struct segment {
    int marker;
    const unsigned char *data;
    size_t len;
};

/* The segment at *at (moving *at past it); 0 at SOS, EOI or the end of what can be read. */
static int next_segment(const unsigned char *b, size_t len, size_t *at, struct segment *s)
{
    while (*at < len && b[*at] == 0xFF && *at + 1 < len && b[*at + 1] == 0xFF)
        (*at)++; /* fill bytes */
    if (len - *at < 4 || b[*at] != 0xFF)
        return 0;
    int m = b[*at + 1];
    if (m == M_SOS || m == M_EOI || m == M_SOI || (m >= 0xD0 && m <= 0xD7) || m == 0x01)
        return 0;
    size_t n = meta_be16(b + *at + 2);
    if (n < 2 || n > len - *at - 2)
        return 0;
    *s = (struct segment){m, b + *at + 4, n - 2};
    *at += 2 + n;
    return 1;
}

static int starts_with(const struct segment *s, const void *id, size_t id_len)
{
    return s->len >= id_len && memcmp(s->data, id, id_len) == 0;
}

/* JFIF: "JFIF\0", version (2), units, x density (2), y density (2). */
static void read_jfif(const struct segment *s, convtool_metadata *md)
{
    if (md->density_unit != CONVTOOL_DENSITY_NONE || s->len < 12)
        return;
    const unsigned char *d = s->data;
    unsigned units = d[7], x = meta_be16(d + 8), y = meta_be16(d + 10);
    if (units > 2 || !x || !y) {
        md->dropped |= CONVTOOL_META_DENSITY;
        return;
    }
    /* 1:1 without units is what encoders write when they know nothing: no density. */
    if (units == 0 && x == y)
        return;
    md->density_unit = units == 0   ? CONVTOOL_DENSITY_ASPECT
                       : units == 1 ? CONVTOOL_DENSITY_PER_INCH
                                    : CONVTOOL_DENSITY_PER_CM;
    md->density_x = x, md->density_y = y;
}

/* The ICC chunks seen so far: by sequence number 1..count. */
struct icc_parts {
    const unsigned char *data[256];
    size_t len[256];
    int count;  /* the count every chunk must agree on; 0 before the first */
    int broken; /* a chunk out of range, repeated or disagreeing */
};

static void read_icc_chunk(const struct segment *s, struct icc_parts *icc)
{
    if (s->len < 14) {
        icc->broken = 1;
        return;
    }
    int seq = s->data[12], count = s->data[13];
    if (count == 0 || seq == 0 || seq > count || (icc->count && icc->count != count) ||
        icc->data[seq]) {
        icc->broken = 1;
        return;
    }
    icc->count = count;
    icc->data[seq] = s->data + 14;
    icc->len[seq] = s->len - 14;
}

static convtool_status join_icc(const struct icc_parts *icc, convtool_metadata *md)
{
    size_t total = 0;
    if (!icc->count)
        return CONVTOOL_OK;
    for (int i = 1; i <= icc->count; i++) {
        if (!icc->data[i]) {
            md->dropped |= CONVTOOL_META_ICC; /* a chunk is missing */
            return CONVTOOL_OK;
        }
        total += icc->len[i];
    }
    if (icc->broken || total == 0 || total > CONVTOOL_META_MAX_ICC) {
        md->dropped |= CONVTOOL_META_ICC;
        return CONVTOOL_OK;
    }
    md->icc = malloc(total);
    if (!md->icc)
        return CONVTOOL_ENOMEM;
    for (int i = 1; i <= icc->count; i++) {
        memcpy(md->icc + md->icc_len, icc->data[i], icc->len[i]);
        md->icc_len += icc->len[i];
    }
    return CONVTOOL_OK;
}

static convtool_status read_segment(const struct segment *s, convtool_metadata *md,
                                    struct icc_parts *icc)
{
    if (s->marker == M_APP0 && starts_with(s, "JFIF", 5))
        read_jfif(s, md);
    else if (s->marker == M_APP1 && starts_with(s, EXIF_ID, 6))
        return meta_set_exif(md, s->data + 6, s->len - 6);
    else if (s->marker == M_APP1 && starts_with(s, XMP_ID, sizeof XMP_ID))
        return meta_set_xmp(md, s->data + sizeof XMP_ID, s->len - sizeof XMP_ID);
    else if (s->marker == M_APP2 && starts_with(s, ICC_ID, sizeof ICC_ID))
        read_icc_chunk(s, icc);
    else if (s->marker == M_APP2 && starts_with(s, "MPF", 4))
        md->frames = md->frames > 2 ? md->frames : 2; /* a multi-picture file (CIPA DC-007) */
    else if (s->marker == M_COM)
        return meta_add_text(md, CONVTOOL_TEXT_COMMENT, "Comment", 7, s->data, s->len, NULL,
                             NULL);
    return CONVTOOL_OK;
}

static int is_jpeg(const unsigned char *b, size_t len)
{
    return len >= 4 && b[0] == 0xFF && b[1] == M_SOI;
}

convtool_status jpeg_markers_read(const unsigned char *jpeg, size_t len, convtool_metadata *md)
{
    if (!is_jpeg(jpeg, len))
        return CONVTOOL_OK;
    struct icc_parts *icc = calloc(1, sizeof *icc);
    if (!icc)
        return CONVTOOL_ENOMEM;
    size_t at = 2;
    struct segment s;
    convtool_status st = CONVTOOL_OK;
    while (st == CONVTOOL_OK && next_segment(jpeg, len, &at, &s))
        st = read_segment(&s, md, icc);
    if (st == CONVTOOL_OK)
        st = join_icc(icc, md);
    free(icc);
    return st;
}

const unsigned char *jpeg_markers_find_exif(const unsigned char *jpeg, size_t len,
                                            size_t *exif_len)
{
    if (!is_jpeg(jpeg, len))
        return NULL;
    size_t at = 2;
    struct segment s;
    while (next_segment(jpeg, len, &at, &s))
        if (s.marker == M_APP1 && starts_with(&s, EXIF_ID, 6) &&
            meta_is_exif(s.data + 6, s.len - 6)) { /* the block jpeg_markers_read keeps */
            *exif_len = s.len - 6;
            return s.data + 6;
        }
    return NULL;
}

size_t jpeg_markers_insert_at(const unsigned char *jpeg, size_t len, size_t *jfif_at)
{
    *jfif_at = 0;
    if (!is_jpeg(jpeg, len))
        return 0;
    size_t at = 2;
    struct segment s;
    if (next_segment(jpeg, len, &at, &s) && s.marker == M_APP0 && starts_with(&s, "JFIF", 5) &&
        s.len >= 12) {
        *jfif_at = (size_t)(s.data - jpeg);
        return at;
    }
    return 2;
}
