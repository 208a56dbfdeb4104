/*
 * A JPEG's quality and chroma sampling, read from its header (see
 * convtool_jpeg_estimate_quality in convtool.h).
 *
 * libjpeg (and every encoder that follows its quality scale: libjpeg-turbo,
 * ImageMagick, GIMP, PIL, stb) writes the standard tables of the JPEG
 * specification's Annex K scaled by 5000/Q % below quality 50 and by
 * (200 − 2Q) % from 50 up. Tables that are exactly those of one quality give
 * that quality. For other tables (cameras, Photoshop, PIL's presets) the rule
 * is ImageMagick's (coders/jpeg.c), so that `identify -format %Q` reads the
 * same number from the input and from the output written at it: going from
 * the lowest quality up, the first quality whose scaled tables are not
 * coarser than the file's, by the sum of all its tables or by four telling
 * coefficients (luma 2 and 53, chroma 0 and 63; luma 2 and 53 alone for one
 * table). ImageMagick's two constant arrays are exactly those measures of the
 * scaled tables, so they are computed here. Where ImageMagick gives no answer
 * (an inexact match below quality 51) the quality with the nearest table sum
 * is taken, the higher one on a tie.
 *
 * The walk reads only the segments before the first scan, each bounds-checked
 * against its own length; it never trusts a length past the buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/jpeg_quality.h"

#define DCT_SIZE2 64
#define QUANT_TABLES 4

/* Annex K.1, natural (row-major) order. */
static const uint16_t STD_LUMA[DCT_SIZE2] = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
static const uint16_t STD_CHROMA[DCT_SIZE2] = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

/* Where the k-th coefficient of a DQT segment (zig-zag order) sits in natural order. */
static const unsigned char NATURAL_ORDER[DCT_SIZE2] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

void jpeg_quality_table(int quality, int chroma, uint16_t table[64])
{
    const uint16_t *std = chroma ? STD_CHROMA : STD_LUMA;
    long scale = quality < 50 ? 5000 / quality : 200 - 2L * quality;
    for (int i = 0; i < DCT_SIZE2; i++) {
        long v = ((long)std[i] * scale + 50) / 100;
        table[i] = (uint16_t)(v < 1 ? 1 : v > 255 ? 255 : v); /* libjpeg's baseline limit */
    }
}

/* What the header walk collects. */
struct header {
    uint16_t table[QUANT_TABLES][DCT_SIZE2]; /* natural order */
    unsigned defined;                          /* bit t: table t seen */
    int components;                            /* in the frame header; 0 before it */
    unsigned char h[4], v[4], tq[4];           /* sampling factors and table of each */
};

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* A DQT payload of n bytes: one or more tables, 8- or 16-bit entries. 0 if malformed. */
static int read_dqt(const unsigned char *s, size_t n, struct header *hd)
{
    while (n > 0) {
        int precision = s[0] >> 4, id = s[0] & 15;
        size_t size = 1 + (size_t)DCT_SIZE2 * (precision ? 2 : 1);
        if (precision > 1 || id >= QUANT_TABLES || n < size)
            return 0;
        for (int k = 0; k < DCT_SIZE2; k++)
            hd->table[id][NATURAL_ORDER[k]] =
                (uint16_t)(precision ? be16(s + 1 + 2 * k) : s[1 + k]);
        hd->defined |= 1u << id;
        s += size;
        n -= size;
    }
    return 1;
}

/* A frame header payload of n bytes. 0 if malformed. */
static int read_sof(const unsigned char *s, size_t n, struct header *hd)
{
    if (n < 6 || s[5] < 1 || s[5] > 4 || n < 6 + 3 * (size_t)s[5])
        return 0;
    hd->components = s[5];
    for (int i = 0; i < hd->components; i++) {
        hd->h[i] = s[7 + 3 * i] >> 4;
        hd->v[i] = s[7 + 3 * i] & 15;
        hd->tq[i] = s[8 + 3 * i];
        if (hd->h[i] < 1 || hd->v[i] < 1 || hd->tq[i] >= QUANT_TABLES)
            return 0;
    }
    return 1;
}

static int is_frame_marker(int m)
{
    return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

/* Walks SOI .. the first SOS (or EOI, or the end). 0 if the file is not a JPEG. */
static int read_header(const unsigned char *b, size_t len, struct header *hd)
{
    if (len < 4 || b[0] != 0xff || b[1] != 0xd8)
        return 0;
    size_t off = 2;
    while (off + 4 <= len) {
        if (b[off] != 0xff)
            return hd->components > 0; /* garbage between segments: stop reading */
        int m = b[off + 1];
        if (m == 0xff) { /* a fill byte */
            off++;
            continue;
        }
        if (m == 0xd9 || m == 0xda) /* EOI, SOS: the tables a decoder starts with are known */
            break;
        if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) { /* TEM, RSTn: no length */
            off += 2;
            continue;
        }
        size_t seg = be16(b + off + 2);
        if (seg < 2 || seg > len - off - 2)
            break; /* truncated: keep what was read */
        const unsigned char *s = b + off + 4;
        if (m == 0xdb && !read_dqt(s, seg - 2, hd))
            return 0;
        if (is_frame_marker(m) && !read_sof(s, seg - 2, hd))
            return 0;
        off += 2 + seg;
    }
    return 1;
}

static convtool_jpeg_sampling sampling_of(const struct header *hd)
{
    if (hd->components == 1)
        return CONVTOOL_SAMPLING_GRAY;
    if (hd->components < 3 || hd->h[1] != hd->h[2] || hd->v[1] != hd->v[2] ||
        hd->h[0] % hd->h[1] || hd->v[0] % hd->v[1])
        return CONVTOOL_SAMPLING_OTHER;
    int across = hd->h[0] / hd->h[1], down = hd->v[0] / hd->v[1];
    if (across == 1 && down == 1)
        return CONVTOOL_SAMPLING_444;
    if (across == 2 && down == 1)
        return CONVTOOL_SAMPLING_422;
    if (across == 2 && down == 2)
        return CONVTOOL_SAMPLING_420;
    return CONVTOOL_SAMPLING_OTHER;
}

static long table_sum(const uint16_t *t)
{
    long sum = 0;
    for (int i = 0; i < DCT_SIZE2; i++)
        sum += t[i];
    return sum;
}

/* ImageMagick's rule, from its measures of the file: 0 where it gives no quality. */
static int imagemagick_rule(long qvalue, long sum, int two_tables)
{
    for (int q = 1; q <= 100; q++) {
        uint16_t l[DCT_SIZE2], c[DCT_SIZE2];
        jpeg_quality_table(q, 0, l);
        jpeg_quality_table(q, 1, c);
        long hash = l[2] + l[53] + (two_tables ? c[0] + c[63] : 0);
        long sums = table_sum(l) + (two_tables ? table_sum(c) : 0);
        if (qvalue < hash && sum < sums)
            continue;
        return (qvalue <= hash && sum <= sums) || q > 50 ? q : 0;
    }
    return 0;
}

int jpeg_quality_imagemagick(const uint16_t *tables[4])
{
    long sum = 0;
    for (int t = 0; t < QUANT_TABLES; t++)
        if (tables[t])
            sum += table_sum(tables[t]);
    if (!tables[0])
        return 0;
    long qvalue = tables[0][2] + tables[0][53];
    if (tables[1])
        qvalue += tables[1][0] + tables[1][DCT_SIZE2 - 1];
    return imagemagick_rule(qvalue, sum, tables[1] != NULL);
}

int jpeg_quality_of_tables(const uint16_t *luma, const uint16_t *chroma, int *exact)
{
    long sum = table_sum(luma) + (chroma ? table_sum(chroma) : 0);
    long best_diff = -1;
    int best = 0;
    *exact = 0;
    for (int q = 100; q >= 1; q--) { /* from the top: a tie keeps the higher quality */
        uint16_t l[DCT_SIZE2], c[DCT_SIZE2];
        jpeg_quality_table(q, 0, l);
        jpeg_quality_table(q, 1, c);
        if (memcmp(l, luma, sizeof l) == 0 && (!chroma || memcmp(c, chroma, sizeof c) == 0)) {
            *exact = 1;
            return q;
        }
        long diff = labs(table_sum(l) + (chroma ? table_sum(c) : 0) - sum);
        if (best_diff < 0 || diff < best_diff) {
            best_diff = diff;
            best = q;
        }
    }
    return best;
}

convtool_status convtool_jpeg_estimate_quality(const unsigned char *bytes, size_t len,
                                               convtool_jpeg_estimate *est)
{
    if (!est)
        return CONVTOOL_EINVAL;
    memset(est, 0, sizeof *est);
    struct header *hd = calloc(1, sizeof *hd);
    if (!hd)
        return CONVTOOL_ENOMEM;
    convtool_status st = CONVTOOL_EUNSUPPORTED;
    if (bytes && read_header(bytes, len, hd) && hd->components > 0 &&
        (hd->defined >> hd->tq[0] & 1u)) {
        const uint16_t *chroma = NULL;
        if (hd->components >= 3 && hd->tq[1] != hd->tq[0] && (hd->defined >> hd->tq[1] & 1u))
            chroma = hd->table[hd->tq[1]];
        est->quality = jpeg_quality_of_tables(hd->table[hd->tq[0]], chroma, &est->exact);
        const uint16_t *slots[QUANT_TABLES]; /* ImageMagick reads the tables by slot */
        for (int t = 0; t < QUANT_TABLES; t++)
            slots[t] = hd->defined >> t & 1u ? hd->table[t] : NULL;
        int im = est->exact ? 0 : jpeg_quality_imagemagick(slots);
        est->quality = im ? im : est->quality;
        est->sampling = sampling_of(hd);
        st = CONVTOOL_OK;
    }
    free(hd);
    return st;
}

const char *convtool_jpeg_sampling_name(convtool_jpeg_sampling s)
{
    switch (s) {
    case CONVTOOL_SAMPLING_444: return "4:4:4";
    case CONVTOOL_SAMPLING_422: return "4:2:2";
    case CONVTOOL_SAMPLING_420: return "4:2:0";
    case CONVTOOL_SAMPLING_GRAY: return "gray";
    case CONVTOOL_SAMPLING_OTHER: return "other";
    default: return "auto";
    }
}

convtool_status convtool_jpeg_sampling_parse(const char *text, convtool_jpeg_sampling *s)
{
    static const struct {
        const char *a, *b;
        convtool_jpeg_sampling s;
    } names[] = {{"444", "4:4:4", CONVTOOL_SAMPLING_444},
                 {"422", "4:2:2", CONVTOOL_SAMPLING_422},
                 {"420", "4:2:0", CONVTOOL_SAMPLING_420}};
    for (size_t i = 0; text && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i].a) == 0 || strcmp(text, names[i].b) == 0) {
            *s = names[i].s;
            return CONVTOOL_OK;
        }
    return CONVTOOL_EINVAL;
}
