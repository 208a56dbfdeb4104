/*
 * Reads image headers without decoding pixels. The checks mirror what
 * stb_image 2.27 will accept, so a file that probes well also decodes, and
 * the channel count is the one stb's decoder will produce.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "convtool/convtool.h"
#include "image/image_probe.h"
#include "codec/exif_tiff.h"
#include "codec/jpeg_markers.h"
#include "codec/npy.h"
#include "codec/png_chunks.h"

#define PNG_SIG_LEN 8
#define PNG_IHDR_END 33 /* signature, chunk length and type, 13 bytes of IHDR, CRC */
#define PNG_MAX_CHUNK 0x7fffffffu
#define PNG_COLOR_PALETTE 3

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* ------------------------------------------------------------------ PNG */

/* The PNG specification's table of allowed colour type / bit depth pairs. */
static int png_depth_ok(int color, int depth)
{
    switch (color) {
    case 0:
        return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3:
        return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:
    case 4:
    case 6:
        return depth == 8 || depth == 16;
    default:
        return 0;
    }
}

static convtool_status png_ihdr(const unsigned char *b, size_t len, convtool_image_info *info,
                                int *color)
{
    if (len < PNG_IHDR_END)
        return CONVTOOL_ECORRUPT;
    /* Apple's CgBI "PNG" puts its own chunk first and is not standard zlib. */
    if (memcmp(b + 12, "CgBI", 4) == 0)
        return CONVTOOL_EUNSUPPORTED;
    if (be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) != 0)
        return CONVTOOL_ECORRUPT;
    uint32_t w = be32(b + 16), h = be32(b + 20);
    int depth = b[24];
    *color = b[25];
    if (w == 0 || h == 0 || w > INT_MAX || h > INT_MAX || !png_depth_ok(*color, depth))
        return CONVTOOL_ECORRUPT;
    if (b[26] != 0 || b[27] != 0 || b[28] > 1) /* compression, filter, interlace */
        return CONVTOOL_ECORRUPT;
    info->width = (int)w;
    info->height = (int)h;
    info->bit_depth = depth == 16 ? 16 : 8;
    return CONVTOOL_OK;
}

static int png_type_ok(const unsigned char *t)
{
    for (int i = 0; i < 4; i++)
        if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
            return 0;
    return 1;
}

/* tRNS as stb accepts it: after PLTE for palettes, one sample per channel otherwise. */
static convtool_status png_trns(int color, uint32_t clen, int plte_entries)
{
    if (color == PNG_COLOR_PALETTE)
        return plte_entries > 0 && clen <= (uint32_t)plte_entries ? CONVTOOL_OK : CONVTOOL_ECORRUPT;
    if (color == 0)
        return clen == 2 ? CONVTOOL_OK : CONVTOOL_ECORRUPT;
    if (color == 2)
        return clen == 6 ? CONVTOOL_OK : CONVTOOL_ECORRUPT;
    return CONVTOOL_ECORRUPT; /* gray+alpha and RGBA already have alpha */
}

struct png_scan {
    int plte_entries; /* 0 until a PLTE chunk is seen */
    int trns;
};

static convtool_status png_chunk(const unsigned char *c, uint32_t clen, int color,
                                 struct png_scan *scan)
{
    if (memcmp(c + 4, "IHDR", 4) == 0 || memcmp(c + 4, "IEND", 4) == 0)
        return CONVTOOL_ECORRUPT; /* a second IHDR, or no image data at all */
    if (memcmp(c + 4, "PLTE", 4) == 0) {
        if (clen == 0 || clen % 3 != 0 || clen > 256 * 3)
            return CONVTOOL_ECORRUPT;
        scan->plte_entries = (int)(clen / 3);
        return CONVTOOL_OK;
    }
    if (memcmp(c + 4, "tRNS", 4) == 0) {
        scan->trns = 1;
        return png_trns(color, clen, scan->plte_entries);
    }
    /* Bit 5 of the first letter clear: a critical chunk we would have to understand. */
    return (c[4] & 0x20) ? CONVTOOL_OK : CONVTOOL_EUNSUPPORTED;
}

/* Walks the chunks between IHDR and the first IDAT, all of which must lie inside the file. */
static convtool_status png_walk(const unsigned char *b, size_t len, int color,
                                struct png_scan *scan)
{
    size_t off = PNG_IHDR_END;
    for (;;) {
        if (len - off < 12)
            return CONVTOOL_ECORRUPT;
        uint32_t clen = be32(b + off);
        if (clen > PNG_MAX_CHUNK || !png_type_ok(b + off + 4) || clen > len - off - 12)
            return CONVTOOL_ECORRUPT;
        if (memcmp(b + off + 4, "IDAT", 4) == 0)
            return color == PNG_COLOR_PALETTE && !scan->plte_entries ? CONVTOOL_ECORRUPT
                                                                     : CONVTOOL_OK;
        convtool_status st = png_chunk(b + off, clen, color, scan);
        if (st != CONVTOOL_OK)
            return st;
        off += 12 + (size_t)clen;
    }
}

static convtool_status probe_png(const unsigned char *b, size_t len, convtool_image_info *info)
{
    int color;
    struct png_scan scan = {0, 0};
    convtool_status st = png_ihdr(b, len, info, &color);
    if (st == CONVTOOL_OK)
        st = png_walk(b, len, color, &scan);
    if (st != CONVTOOL_OK)
        return st;
    /* stb expands palettes to RGB(A) and turns a tRNS colour key into an alpha channel. */
    static const int base[7] = {1, 0, 3, 3, 2, 0, 4};
    info->channels = base[color] + (scan.trns && color != 4 && color != 6);
    return CONVTOOL_OK;
}

/* ----------------------------------------------------------------- JPEG */

enum {
    JPEG_SOF0 = 0xc0, /* baseline */
    JPEG_SOF2 = 0xc2, /* progressive */
    JPEG_DHT = 0xc4,
    JPEG_JPG = 0xc8, /* reserved */
    JPEG_RST0 = 0xd0,
    JPEG_RST7 = 0xd7,
    JPEG_EOI = 0xd9,
    JPEG_SOS = 0xda,
    JPEG_DQT = 0xdb,
    JPEG_DRI = 0xdd,
    JPEG_APP0 = 0xe0,
    JPEG_APP15 = 0xef,
    JPEG_COM = 0xfe
};

/* SOF3 (lossless), SOF5-7 (hierarchical) and SOF9-15 (arithmetic): stb stops at them. */
static int jpeg_sof_unsupported(int m)
{
    return m >= 0xc3 && m <= 0xcf && m != JPEG_DHT && m != JPEG_JPG; /* DAC (0xcc) too */
}

/* The segments stb reads before the frame header; anything else there is an error to it. */
static int jpeg_segment_known(int m)
{
    return m == JPEG_DQT || m == JPEG_DHT || m == JPEG_DRI || (m >= JPEG_APP0 && m <= JPEG_APP15) ||
           m == JPEG_COM;
}

/* Validates the SOF segment at b[off] (its length field) as stb_image does. */
static convtool_status jpeg_frame(const unsigned char *b, size_t len, size_t off,
                                  convtool_image_info *info)
{
    if (len - off < 2)
        return CONVTOOL_ECORRUPT;
    unsigned lf = be16(b + off);
    if (lf < 11 || lf > len - off)
        return CONVTOOL_ECORRUPT;
    const unsigned char *f = b + off;
    if (f[2] != 8 || be16(f + 3) == 0) /* 12-bit precision; height deferred to a DNL marker */
        return CONVTOOL_EUNSUPPORTED;
    int n = f[7], hmax = 1, vmax = 1;
    if (be16(f + 5) == 0 || (n != 1 && n != 3 && n != 4) || lf != 8u + 3u * (unsigned)n)
        return CONVTOOL_ECORRUPT;
    for (int i = 0; i < n; i++) {
        int hs = f[9 + 3 * i] >> 4, vs = f[9 + 3 * i] & 15;
        if (hs < 1 || hs > 4 || vs < 1 || vs > 4 || f[10 + 3 * i] > 3)
            return CONVTOOL_ECORRUPT;
        hmax = hs > hmax ? hs : hmax;
        vmax = vs > vmax ? vs : vmax;
    }
    for (int i = 0; i < n; i++) /* stb cannot resample fractional ratios */
        if (hmax % (f[9 + 3 * i] >> 4) || vmax % (f[9 + 3 * i] & 15))
            return CONVTOOL_ECORRUPT;
    info->height = (int)be16(f + 3);
    info->width = (int)be16(f + 5);
    info->channels = n == 1 ? 1 : 3; /* stb converts CMYK and YCCK to RGB */
    info->bit_depth = 8;
    return CONVTOOL_OK;
}

/*
 * stb_image pads a truncated entropy-coded stream with zeros and "succeeds", so a
 * file cut short is caught here: an EOI marker must follow the frame header.
 * Entropy-coded data escapes 0xFF as FF 00, so FF D9 there is a real marker.
 */
static convtool_status jpeg_complete(const unsigned char *b, size_t len, size_t off)
{
    for (; off + 1 < len; off++) {
        const unsigned char *p = memchr(b + off, 0xff, len - off - 1);
        if (!p)
            break;
        off = (size_t)(p - b);
        if (p[1] == JPEG_EOI)
            return CONVTOOL_OK;
    }
    return CONVTOOL_ECORRUPT;
}

/* Where the next marker code is: like stb, stray bytes between segments and
 * 0xFF fill bytes are skipped. len when there is none. */
static size_t jpeg_marker_at(const unsigned char *b, size_t len, size_t off)
{
    while (off < len && b[off] != 0xff)
        off++;
    while (off < len && b[off] == 0xff)
        off++;
    return off;
}

/* Walks the segments to the frame header; *frame is the offset just after its marker. */
static convtool_status jpeg_find_frame(const unsigned char *b, size_t len,
                                       convtool_image_info *info, size_t *frame)
{
    size_t off = 2; /* after SOI */
    for (;;) {
        off = jpeg_marker_at(b, len, off);
        if (off >= len)
            return CONVTOOL_ECORRUPT;
        int m = b[off++];
        if (m >= JPEG_SOF0 && m <= JPEG_SOF2) {
            *frame = off;
            return jpeg_frame(b, len, off, info);
        }
        if (jpeg_sof_unsupported(m))
            return CONVTOOL_EUNSUPPORTED;
        if (!jpeg_segment_known(m) || len - off < 2)
            return CONVTOOL_ECORRUPT;
        unsigned seg = be16(b + off);
        if (seg < 2 || seg > len - off || (m == JPEG_DRI && seg != 4))
            return CONVTOOL_ECORRUPT;
        off += seg;
    }
}

/*
 * Where the entropy-coded data that starts at b[off] ends: at the first 0xFF that is
 * not a stuffed FF 00, a restart marker or a fill byte. stb's bit reader stops there too.
 */
static size_t jpeg_skip_entropy(const unsigned char *b, size_t len, size_t off)
{
    while (off + 1 < len) {
        const unsigned char *p = memchr(b + off, 0xff, len - off - 1);
        if (!p)
            return len;
        size_t next = (size_t)(p - b) + 1;
        while (next < len && b[next] == 0xff)
            next++;
        if (next < len && b[next] != 0 && !(b[next] >= JPEG_RST0 && b[next] <= JPEG_RST7))
            return (size_t)(p - b);
        off = next;
    }
    return len;
}

/* What the walk over the segments has seen of the tables (bit t: table t). */
struct jpeg_tables {
    unsigned quant_defined, quant_used, dc_defined, ac_defined;
    unsigned scans;
    int progressive;
    int components;              /* in the frame header, 0 before it */
    unsigned char component_id[4];
};

/* stb matches a scan's component selectors against the frame's ids; one that
 * names no component is refused here, before stb indexes anything with it. */
static int jpeg_scan_components_ok(const unsigned char *s, const struct jpeg_tables *t)
{
    int ns = s[0];
    if (ns < 1 || ns > 4 || ns > t->components)
        return 0;
    for (int i = 0; i < ns; i++) {
        int found = 0;
        for (int c = 0; c < t->components; c++)
            found |= s[1 + 2 * i] == t->component_id[c];
        if (!found)
            return 0;
    }
    return 1;
}

/*
 * stb_image 2.27 trusts the 16 code counts of a Huffman table: more than 256 codes
 * write past its tables (upstream issue #1289), and it reads a table past the end of
 * its segment. s is a DHT segment's payload of n bytes; marks the tables it defines.
 */
static int jpeg_dht_ok(const unsigned char *s, size_t n, struct jpeg_tables *t)
{
    while (n > 0) {
        if (n < 17 || (s[0] >> 4) > 1 || (s[0] & 15) > 3)
            return 0;
        size_t codes = 0;
        for (int i = 1; i <= 16; i++)
            codes += s[i];
        if (codes > 256 || codes > n - 17)
            return 0;
        if (s[0] >> 4)
            t->ac_defined |= 1u << (s[0] & 15);
        else
            t->dc_defined |= 1u << (s[0] & 15);
        s += 17 + codes;
        n -= 17 + codes;
    }
    return 1;
}

/*
 * stb_image never clears its Huffman tables either: a scan that names a table no DHT
 * defined decodes with uninitialised lookup tables and reads far out of bounds. A
 * baseline scan uses both tables of each component, a progressive DC scan only the
 * DC table (none when refining), an AC scan only the AC table.
 */
static int jpeg_scan_ok(const unsigned char *s, size_t n, const struct jpeg_tables *t)
{
    if ((t->quant_used & ~t->quant_defined) != 0 || n < 1 || n < 4 + 2 * (size_t)s[0])
        return 0;
    if (!jpeg_scan_components_ok(s, t))
        return 0;
    int ns = s[0], ss = s[1 + 2 * ns], ah = s[3 + 2 * ns] >> 4;
    int need_dc = !t->progressive || (ss == 0 && ah == 0), need_ac = !t->progressive || ss > 0;
    for (int i = 0; i < ns; i++) {
        int td = s[2 + 2 * i] >> 4, ta = s[2 + 2 * i] & 15;
        if (need_dc && (td > 3 || !(t->dc_defined >> td & 1u)))
            return 0;
        if (need_ac && (ta > 3 || !(t->ac_defined >> ta & 1u)))
            return 0;
    }
    return 1;
}

/*
 * stb_image never clears its quantization tables: a component whose table no DQT
 * defined is dequantized with uninitialised heap bytes, which end up in the pixels
 * (and overflow int). 16-bit tables are only for 12-bit JPEGs, which we refuse; in
 * an 8-bit one they overflow stb's arithmetic too. Marks the tables s defines.
 */
static int jpeg_dqt_ok(const unsigned char *s, size_t n, unsigned *defined)
{
    while (n > 0) {
        if (n < 65 || (s[0] >> 4) != 0 || (s[0] & 15) > 3)
            return 0;
        *defined |= 1u << (s[0] & 15);
        s += 65;
        n -= 65;
    }
    return 1;
}

/* Checks one segment's payload s (n bytes) of marker m. */
static int jpeg_segment_ok(int m, const unsigned char *s, size_t n, struct jpeg_tables *t)
{
    if (m == JPEG_DHT)
        return jpeg_dht_ok(s, n, t);
    if (m == JPEG_DQT)
        return jpeg_dqt_ok(s, n, &t->quant_defined);
    if (m >= JPEG_SOF0 && m <= JPEG_SOF2 && n >= 6) {
        t->progressive = m == JPEG_SOF2;
        t->components = 0;
        for (size_t i = 0; i < s[5] && i < 4 && 6 + 3 * i + 2 < n; i++) {
            t->quant_used |= 1u << (s[6 + 3 * i + 2] & 3);
            t->component_id[t->components++] = s[6 + 3 * i];
        }
        return 1;
    }
    if (m == JPEG_SOS) /* decoding starts: every table the scan uses must exist */
        return jpeg_scan_ok(s, n, t);
    return 1;
}

/* One scan more: past JPEG_MAX_SCANS a decompression bomb (see image_probe.h). */
static convtool_status jpeg_count_scan(struct jpeg_tables *t)
{
    if (++t->scans <= JPEG_MAX_SCANS)
        return CONVTOOL_OK;
    return t->progressive ? CONVTOOL_ESCANS : CONVTOOL_ECORRUPT;
}

/*
 * Checks every table stb would read, those between the scans of a progressive
 * file included, by walking the segments as stb does, and counts the scans.
 * The walk stops (and leaves the refusal to the decoder) where stb itself
 * would stop with an error; libjpeg-turbo stops there too, as every warning
 * is an error to it (TJFLAG_STOPONWARNING), so no scan hides past that point.
 */
static convtool_status jpeg_check_tables(const unsigned char *b, size_t len)
{
    struct jpeg_tables tables = {0};
    size_t off = 2; /* after SOI */
    for (;;) {
        off = jpeg_marker_at(b, len, off);
        if (off + 2 >= len || b[off] == JPEG_EOI)
            return CONVTOOL_OK;
        int m = b[off++];
        if (m == 0 || (m >= JPEG_RST0 && m <= JPEG_RST7))
            continue; /* no segment: stb refuses these between segments */
        unsigned seg = be16(b + off);
        int checked = m == JPEG_DHT || m == JPEG_DQT || m == JPEG_SOS;
        if (seg < 2 || seg > len - off)
            return checked ? CONVTOOL_ECORRUPT : CONVTOOL_OK;
        if (!jpeg_segment_ok(m, b + off + 2, seg - 2, &tables))
            return CONVTOOL_ECORRUPT;
        off += seg;
        if (m != JPEG_SOS)
            continue;
        convtool_status st = jpeg_count_scan(&tables);
        if (st != CONVTOOL_OK)
            return st;
        off = jpeg_skip_entropy(b, len, off);
    }
}

static convtool_status probe_jpeg(const unsigned char *b, size_t len, convtool_image_info *info)
{
    size_t frame;
    return jpeg_find_frame(b, len, info, &frame);
}

/* A PNG is complete when its chunks, all inside the file, run to a whole IEND. */
static convtool_status png_complete(const unsigned char *b, size_t len)
{
    size_t off = PNG_IHDR_END;
    while (len - off >= 12) {
        uint32_t clen = be32(b + off);
        if (clen > PNG_MAX_CHUNK || clen > len - off - 12)
            return CONVTOOL_ECORRUPT;
        if (memcmp(b + off + 4, "IEND", 4) == 0)
            return CONVTOOL_OK;
        off += 12 + (size_t)clen;
    }
    return CONVTOOL_ECORRUPT;
}

convtool_status image_check_complete(const unsigned char *b, size_t len,
                                     const convtool_image_info *info)
{
    convtool_image_info again;
    size_t frame;
    switch (info->format) {
    case CONVTOOL_FORMAT_PNG:
        return png_complete(b, len);
    case CONVTOOL_FORMAT_JPEG: {
        convtool_status st = jpeg_find_frame(b, len, &again, &frame);
        if (st == CONVTOOL_OK)
            st = jpeg_complete(b, len, frame);
        return st == CONVTOOL_OK ? jpeg_check_tables(b, len) : st;
    }
    default:
        return CONVTOOL_OK; /* .npy sizes are checked exactly by its decoder */
    }
}

/* ------------------------------------------------------------------ NPY */

static convtool_status probe_npy(const unsigned char *b, size_t len, convtool_image_info *info)
{
    npy_header h;
    convtool_status st = npy_parse_header(b, len, &h);
    if (st != CONVTOOL_OK)
        return st;
    if (h.rank == 1)
        return CONVTOOL_EUNSUPPORTED; /* a vector is no image: (H, W), (C, H, W), (N, C, H, W) */
    info->npy_rank = h.rank;
    info->npy_batch = h.rank == 4 ? (int)h.shape[0] : 0;
    info->channels = h.rank >= 3 ? (int)h.shape[h.rank - 3] : 1;
    info->height = (int)h.shape[h.rank - 2];
    info->width = (int)h.shape[h.rank - 1];
    info->bit_depth = h.itemsize * 8;
    return CONVTOOL_OK;
}

/* ----------------------------------------------------------------- entry */

/* A file cut inside its own magic number is damaged, not of an unknown kind. */
static int truncated_magic(const unsigned char *b, size_t len)
{
    static const char *const magics[] = {"\x89PNG\r\n\x1a\n", "\xff\xd8\xff", "\x93NUMPY"};
    if (len == 0)
        return 1;
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (len < strlen(magics[i]) && memcmp(b, magics[i], len) == 0)
            return 1;
    return 0;
}

static convtool_status probe_format(const unsigned char *b, size_t len, convtool_format fmt,
                                    convtool_image_info *info)
{
    switch (fmt) {
    case CONVTOOL_FORMAT_PNG:
        return probe_png(b, len, info);
    case CONVTOOL_FORMAT_JPEG:
        return probe_jpeg(b, len, info);
    case CONVTOOL_FORMAT_NPY:
        return probe_npy(b, len, info);
    default:
        /* GIF, BMP, PSD, PNM, HDR, TGA: stb's decoders for these are not compiled in. */
        return CONVTOOL_EUNSUPPORTED;
    }
}

/* The EXIF orientation: a walk over the chunks or marker segments, nothing copied. */
static int probe_orientation(const unsigned char *b, size_t len, convtool_format fmt)
{
    size_t n = 0;
    const unsigned char *exif = fmt == CONVTOOL_FORMAT_PNG    ? png_chunks_find_exif(b, len, &n)
                                : fmt == CONVTOOL_FORMAT_JPEG ? jpeg_markers_find_exif(b, len, &n)
                                                              : NULL;
    return exif ? exif_orientation(exif, n) : 0;
}

convtool_status convtool_image_probe(const unsigned char *bytes, size_t len,
                                     convtool_image_info *info)
{
    if (!info || (!bytes && len))
        return CONVTOOL_EINVAL;
    memset(info, 0, sizeof *info);
    if (!bytes || truncated_magic(bytes, len))
        return CONVTOOL_ECORRUPT;
    convtool_format fmt = convtool_format_sniff(bytes, len);
    convtool_status st = probe_format(bytes, len, fmt, info);
    if (st != CONVTOOL_OK)
        memset(info, 0, sizeof *info);
    else
        info->orientation = probe_orientation(bytes, len, fmt);
    info->format = fmt; /* kept on failure, so a message can name the format */
    return st;
}
