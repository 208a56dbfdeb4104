/*
 * EXIF's TIFF structure (see exif_tiff.h): a header giving the byte order
 * and IFD0's offset; an IFD is a 16-bit count of 12-byte entries (tag, type,
 * count, value or offset). Values of 4 bytes or less sit in the entry.
 */
#include "codec/exif_tiff.h"

#define TAG_ORIENTATION 0x0112
#define TAG_EXIF_IFD 0x8769
#define TAG_PIXEL_X 0xA002
#define TAG_PIXEL_Y 0xA003
#define TYPE_SHORT 3
#define TYPE_LONG 4
#define ENTRY_BYTES 12

struct tiff {
    unsigned char *p;
    size_t len;
    int big; /* "MM": big-endian */
};

static unsigned get16(const struct tiff *t, size_t at)
{
    const unsigned char *p = t->p + at;
    return t->big ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t get32(const struct tiff *t, size_t at)
{
    const unsigned char *p = t->p + at;
    return t->big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                  : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void put16(const struct tiff *t, size_t at, unsigned v)
{
    unsigned char *p = t->p + at;
    p[t->big ? 0 : 1] = (unsigned char)(v >> 8);
    p[t->big ? 1 : 0] = (unsigned char)v;
}

static void put32(const struct tiff *t, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        t->p[at + (size_t)(t->big ? 3 - i : i)] = (unsigned char)(v >> (8 * i));
}

/* Byte order and IFD0's offset; 0 when the header is not TIFF. */
static int open_tiff(struct tiff *t, const unsigned char *p, size_t len, size_t *ifd0)
{
    *t = (struct tiff){(unsigned char *)p, len, 0};
    if (len < 8)
        return 0;
    if (p[0] == 'I' && p[1] == 'I')
        t->big = 0;
    else if (p[0] == 'M' && p[1] == 'M')
        t->big = 1;
    else
        return 0;
    if (get16(t, 2) != 42)
        return 0;
    *ifd0 = get32(t, 4);
    return 1;
}

/* The offset of tag's entry in the IFD at `ifd`, or 0 when it has none (0 is never an entry). */
static size_t find_entry(const struct tiff *t, size_t ifd, unsigned tag)
{
    if (ifd < 8 || ifd > t->len - 2)
        return 0;
    size_t n = get16(t, ifd);
    for (size_t i = 0; i < n; i++) {
        size_t e = ifd + 2 + i * ENTRY_BYTES;
        if (t->len < ENTRY_BYTES || e > t->len - ENTRY_BYTES) /* a block of 8..11 bytes too */
            return 0;
        if (get16(t, e) == tag)
            return e;
    }
    return 0;
}

/* An entry of one SHORT or LONG: its value, or -1. */
static int64_t entry_value(const struct tiff *t, size_t e)
{
    if (!e || get32(t, e + 4) != 1)
        return -1;
    unsigned type = get16(t, e + 2);
    if (type == TYPE_SHORT)
        return get16(t, e + 8);
    if (type == TYPE_LONG)
        return get32(t, e + 8);
    return -1;
}

static void set_entry(const struct tiff *t, size_t e, uint32_t v)
{
    if (entry_value(t, e) < 0)
        return;
    if (get16(t, e + 2) == TYPE_LONG)
        put32(t, e + 8, v);
    else if (v <= 0xffff)
        put16(t, e + 8, v);
}

int exif_orientation(const unsigned char *tiff, size_t len)
{
    struct tiff t;
    size_t ifd0;
    if (!open_tiff(&t, tiff, len, &ifd0))
        return 0;
    int64_t v = entry_value(&t, find_entry(&t, ifd0, TAG_ORIENTATION));
    return v >= 1 && v <= 8 ? (int)v : 0;
}

void exif_set_orientation(unsigned char *tiff, size_t len, int value)
{
    struct tiff t;
    size_t ifd0;
    if (open_tiff(&t, tiff, len, &ifd0) && value >= 1 && value <= 8)
        set_entry(&t, find_entry(&t, ifd0, TAG_ORIENTATION), (uint32_t)value);
}

void exif_set_dimensions(unsigned char *tiff, size_t len, uint32_t w, uint32_t h)
{
    struct tiff t;
    size_t ifd0;
    if (!open_tiff(&t, tiff, len, &ifd0))
        return;
    int64_t sub = entry_value(&t, find_entry(&t, ifd0, TAG_EXIF_IFD));
    if (sub <= 0)
        return;
    set_entry(&t, find_entry(&t, (size_t)sub, TAG_PIXEL_X), w);
    set_entry(&t, find_entry(&t, (size_t)sub, TAG_PIXEL_Y), h);
}
