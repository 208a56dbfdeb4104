/* The PNG pass in front of stb_image: CRCs, empty IDATs, short palettes (png_precheck.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/checksum.h"
#include "codec/png_precheck.h"

#define SIG_LEN 8
#define CHUNK_OVERHEAD 12 /* length, type, CRC */
#define PALETTE_FULL (256 * 3)
#define COLOR_PALETTE 3

enum chunk_action { KEEP, DROP, PAD_PALETTE };

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* CRC of the type and data of the chunk at c (its length field), data of n bytes. */
static uint32_t chunk_crc(const unsigned char *c, uint32_t n)
{
    return checksum_crc32(0, c + 4, 4 + (size_t)n);
}

static convtool_status classify(const unsigned char *c, uint32_t n, int color,
                                enum chunk_action *action)
{
    int critical = !(c[4] & 0x20);
    *action = KEEP;
    if (chunk_crc(c, n) != be32(c + 8 + n)) {
        if (critical)
            return CONVTOOL_ECORRUPT;
        *action = DROP;
    } else if (n == 0 && memcmp(c + 4, "IDAT", 4) == 0) {
        *action = DROP;
    } else if (color == COLOR_PALETTE && memcmp(c + 4, "PLTE", 4) == 0 && n < PALETTE_FULL) {
        *action = PAD_PALETTE;
    }
    return CONVTOOL_OK;
}

/* Appends the chunk at c (data of n bytes) to out, changed as action says. */
static unsigned char *emit(unsigned char *out, const unsigned char *c, uint32_t n,
                           enum chunk_action action)
{
    if (action == DROP)
        return out;
    if (action == KEEP) {
        memcpy(out, c, CHUNK_OVERHEAD + (size_t)n);
        return out + CHUNK_OVERHEAD + n;
    }
    put_be32(out, PALETTE_FULL);
    memcpy(out + 4, c + 4, 4 + (size_t)n);
    memset(out + 8 + n, 0, PALETTE_FULL - n); /* opaque black: stb sets alpha 255 per entry */
    put_be32(out + 8 + PALETTE_FULL, chunk_crc(out, PALETTE_FULL));
    return out + CHUNK_OVERHEAD + PALETTE_FULL;
}

/*
 * Walks the chunks from IHDR to IEND. With out NULL it checks and counts the
 * changes in *changes; with out set it writes the changed file there.
 */
static convtool_status walk(const unsigned char *png, size_t len, unsigned char *out,
                            size_t *out_len, int *changes)
{
    int color = png[SIG_LEN + 8 + 9];
    size_t off = SIG_LEN;
    int padded = 0;
    unsigned char *o = out;
    if (o) {
        memcpy(o, png, SIG_LEN);
        o += SIG_LEN;
    }
    while (len - off >= CHUNK_OVERHEAD) {
        const unsigned char *c = png + off;
        uint32_t n = be32(c);
        if (n > len - off - CHUNK_OVERHEAD)
            return CONVTOOL_ECORRUPT; /* the completeness check has run: not reached */
        enum chunk_action action;
        convtool_status st = classify(c, n, color, &action);
        if (st != CONVTOOL_OK)
            return st;
        if (action == PAD_PALETTE && padded++)
            action = KEEP; /* a second PLTE is stb's to refuse; the copy has room for one */
        *changes += action != KEEP;
        if (o)
            o = emit(o, c, n, action);
        off += CHUNK_OVERHEAD + (size_t)n;
        if (memcmp(c + 4, "IEND", 4) == 0)
            break;
    }
    if (out_len && o)
        *out_len = (size_t)(o - out);
    return CONVTOOL_OK;
}

convtool_status png_precheck(const unsigned char *png, size_t len, unsigned char **fixed,
                             size_t *fixed_len)
{
    *fixed = NULL;
    *fixed_len = 0;
    if (len < SIG_LEN + CHUNK_OVERHEAD + 13)
        return CONVTOOL_ECORRUPT;
    int changes = 0;
    convtool_status st = walk(png, len, NULL, NULL, &changes);
    if (st != CONVTOOL_OK || changes == 0)
        return st;
    /* Dropping only shrinks the file; a padded palette adds at most 768 bytes. */
    unsigned char *out = malloc(len + PALETTE_FULL);
    if (!out)
        return CONVTOOL_ENOMEM;
    changes = 0;
    st = walk(png, len, out, fixed_len, &changes);
    if (st != CONVTOOL_OK) {
        free(out);
        return st;
    }
    *fixed = out;
    return CONVTOOL_OK;
}
