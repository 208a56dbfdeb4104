/*
 * Test helper: builds small PNG files in memory, so the unit tests need no
 * binary files. Image data goes into zlib "stored" (uncompressed) blocks;
 * the CRC-32 and Adler-32 are computed here. Header-only, one copy per test.
 */
#ifndef CONVTOOL_PNG_BUILDER_H
#define CONVTOOL_PNG_BUILDER_H

#include <stdint.h>
#include <string.h>

#include "convtool/convtool.h"

typedef struct png_spec {
    int w, h, depth, color, interlace;
    const unsigned char *plte; /* PLTE payload, NULL for none */
    size_t plte_len;
    const unsigned char *trns; /* tRNS payload, NULL for none */
    size_t trns_len;
} png_spec;

static inline uint32_t pb_crc32(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static inline uint32_t pb_adler32(const unsigned char *p, size_t n)
{
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return b << 16 | a;
}

static inline void pb_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static inline void pb_chunk(convtool_buffer *out, const char *type, const unsigned char *data,
                            size_t n)
{
    unsigned char hdr[8], crc[4];
    pb_be32(hdr, (uint32_t)n);
    memcpy(hdr + 4, type, 4);
    pb_be32(crc, pb_crc32(pb_crc32(0, hdr + 4, 4), data, n));
    convtool_buffer_append(out, hdr, 8);
    convtool_buffer_append(out, data, n);
    convtool_buffer_append(out, crc, 4);
}

static inline int pb_channels(int color)
{
    static const int n[7] = {1, 0, 3, 1, 2, 0, 4};
    return n[color];
}

/* One scanline (filter type 0) of the pixels x0, x0+dx, … of row y, packed MSB first. */
static inline void pb_row(convtool_buffer *raw, const png_spec *s, const uint16_t *samples, int y,
                          int x0, int dx)
{
    int n = pb_channels(s->color);
    unsigned char byte = 0;
    int bits = 0;
    convtool_buffer_append(raw, "", 1);
    for (int x = x0; x < s->w; x += dx) {
        for (int c = 0; c < n; c++) {
            unsigned v = samples[((size_t)y * (size_t)s->w + (size_t)x) * (size_t)n + (size_t)c];
            if (s->depth == 16) {
                unsigned char be[2] = {(unsigned char)(v >> 8), (unsigned char)v};
                convtool_buffer_append(raw, be, 2);
                continue;
            }
            byte = (unsigned char)(byte << s->depth | v);
            bits += s->depth;
            if (bits == 8) {
                convtool_buffer_append(raw, &byte, 1);
                byte = 0;
                bits = 0;
            }
        }
    }
    if (bits) {
        byte = (unsigned char)(byte << (8 - bits));
        convtool_buffer_append(raw, &byte, 1);
    }
}

/* The filtered image data: one pass, or Adam7's seven (empty passes have no rows). */
static inline void pb_raw(convtool_buffer *raw, const png_spec *s, const uint16_t *samples)
{
    static const int adam7[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                    {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
    if (!s->interlace) {
        for (int y = 0; y < s->h; y++)
            pb_row(raw, s, samples, y, 0, 1);
        return;
    }
    for (int p = 0; p < 7; p++) {
        if (adam7[p][0] >= s->w)
            continue;
        for (int y = adam7[p][1]; y < s->h; y += adam7[p][3])
            pb_row(raw, s, samples, y, adam7[p][0], adam7[p][2]);
    }
}

/* zlib with stored blocks of at most 65535 bytes. */
static inline void pb_zlib(convtool_buffer *z, const convtool_buffer *raw)
{
    convtool_buffer_append(z, "\x78\x01", 2);
    size_t off = 0;
    do {
        size_t n = raw->len - off > 65535 ? 65535 : raw->len - off;
        unsigned char hdr[5] = {off + n == raw->len, (unsigned char)n, (unsigned char)(n >> 8),
                                (unsigned char)~n, (unsigned char)(~n >> 8)};
        convtool_buffer_append(z, hdr, 5);
        convtool_buffer_append(z, raw->data + off, n);
        off += n;
    } while (off < raw->len);
    unsigned char adler[4];
    pb_be32(adler, pb_adler32(raw->data, raw->len));
    convtool_buffer_append(z, adler, 4);
}

static inline void pb_ihdr(convtool_buffer *out, const png_spec *s)
{
    unsigned char ihdr[13] = {0};
    pb_be32(ihdr, (uint32_t)s->w);
    pb_be32(ihdr + 4, (uint32_t)s->h);
    ihdr[8] = (unsigned char)s->depth;
    ihdr[9] = (unsigned char)s->color;
    ihdr[12] = (unsigned char)s->interlace;
    convtool_buffer_append(out, "\x89PNG\r\n\x1a\n", 8);
    pb_chunk(out, "IHDR", ihdr, 13);
}

/* Appends a PNG of s to *out; samples hold w·h·(channels in the file) values. */
static inline void png_build(convtool_buffer *out, const png_spec *s, const uint16_t *samples)
{
    convtool_buffer raw = {0}, z = {0};
    pb_raw(&raw, s, samples);
    pb_zlib(&z, &raw);
    pb_ihdr(out, s);
    if (s->plte)
        pb_chunk(out, "PLTE", s->plte, s->plte_len);
    if (s->trns)
        pb_chunk(out, "tRNS", s->trns, s->trns_len);
    pb_chunk(out, "IDAT", z.data, z.len);
    pb_chunk(out, "IEND", NULL, 0);
    convtool_buffer_free(&raw);
    convtool_buffer_free(&z);
}

#endif
