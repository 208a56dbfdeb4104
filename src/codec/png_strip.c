/*
 * One strip of a PNG, filtered and deflated on its own (png_strip.h): the
 * levels, the filters, convtool's deflate_fast or zlib, and the IDAT chunk.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "codec/checksum.h"
#include "codec/deflate_fast.h"
#include "codec/png_filter.h"
#include "codec/png_strip.h"

/* Raw bytes per strip: small enough to balance two or more threads on a 1-Mpixel image. */
#define STRIP_BYTES ((size_t)512 * 1024)
/* Deflate's window: each strip is primed with this much of the data before it. */
#define WINDOW_BYTES ((size_t)32768)
/* deflate_fast's runs repeat the previous byte: it needs just that byte of history. */
#define FAST_RUN_DIST 1
/* zlib counts its input in uInt; a strip is at most one row plus STRIP_BYTES. */
#define MAX_ROW_BYTES ((size_t)UINT_MAX / 4)
#define IEND_BYTES 12

/*
 * What each --png-level does, chosen by measurement (README, "PNG output").
 * Run-length matching (Z_RLE) compresses filtered photographs better than
 * zlib's own fast levels 1-4, and several times faster than its lazy levels;
 * on some pictures it even beats level 9. Levels 1 and 2 use deflate_fast,
 * which codes the same runs with per-block Huffman codes about 5 times faster
 * than zlib (and a little smaller). From level 3 up each strip is also coded
 * as level 2 codes it, and the smaller result is kept: a higher level never
 * gives a bigger file than the default.
 */
struct png_level {
    enum png_filter filter;
    int zlib_level, strategy;
    int also_rle; /* keep level 2's coding of a strip when it is smaller */
    int flevel;   /* the zlib header's FLEVEL: 0 fastest .. 3 maximum */
    int fast;     /* deflate_fast, runs of the previous byte only, instead of zlib */
};

static const struct png_level LEVELS[] = {
    [1] = {PNG_FILTER_UP, 1, Z_RLE, 0, 0, 1},
    [2] = {PNG_FILTER_ADAPTIVE, 1, Z_RLE, 0, 0, 1},
    [3] = {PNG_FILTER_ADAPTIVE, 5, Z_FILTERED, 1, 1, 0},
    [4] = {PNG_FILTER_ADAPTIVE, 6, Z_FILTERED, 1, 2, 0},
    [5] = {PNG_FILTER_ADAPTIVE, 7, Z_FILTERED, 1, 2, 0},
    [6] = {PNG_FILTER_ADAPTIVE, 8, Z_FILTERED, 1, 3, 0},
    [7] = {PNG_FILTER_ADAPTIVE, 9, Z_FILTERED, 1, 3, 0},
    [8] = {PNG_FILTER_ADAPTIVE, 9, Z_FILTERED, 1, 3, 0},
    [9] = {PNG_FILTER_ADAPTIVE, 9, Z_FILTERED, 1, 3, 0},
};
/* The runs of level 2, tried on every strip of the higher levels. */
static const struct png_level RUNS = {PNG_FILTER_ADAPTIVE, 1, Z_RLE, 0, 0, 1};

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

convtool_status png_strip_layout_init(png_strip_layout *l, int width, int height, int channels,
                                      int depth, int level)
{
    size_t sample = depth == 16 ? 2 : 1;
    if ((size_t)width > MAX_ROW_BYTES / (size_t)channels / sample)
        return CONVTOOL_ELIMIT;
    l->row_bytes = (size_t)width * (size_t)channels * sample;
    l->bpp = channels * (int)sample;
    l->height = (size_t)height;
    l->level = &LEVELS[level];
    size_t fr = l->row_bytes + 1;
    l->rows = STRIP_BYTES / fr > 0 ? STRIP_BYTES / fr : 1;
    size_t history = l->level->fast ? FAST_RUN_DIST : WINDOW_BYTES;
    l->prime_rows = (history + fr - 1) / fr;
    l->count = (l->height + l->rows - 1) / l->rows;
    return CONVTOOL_OK;
}

void png_strip_rows(const png_strip_layout *l, size_t i, size_t *y0, size_t *y1)
{
    *y0 = i * l->rows;
    *y1 = *y0 + l->rows < l->height ? *y0 + l->rows : l->height;
}

/* The first row whose filtered bytes strip i's deflate is primed with. */
static size_t prime_from(const png_strip_layout *l, size_t y0)
{
    return y0 > l->prime_rows ? y0 - l->prime_rows : 0;
}

size_t png_strip_first_row(const png_strip_layout *l, size_t i)
{
    size_t from = prime_from(l, i * l->rows);
    return from > 0 ? from - 1 : 0;
}

/* Writes a whole chunk at p; returns its size. */
static size_t put_chunk(unsigned char *p, const char *type, const unsigned char *data, size_t len)
{
    put32(p, (uint32_t)len);
    memcpy(p + 4, type, 4);
    if (len)
        memcpy(p + 8, data, len);
    put32(p + 8 + len, checksum_crc32(0, p + 4, len + 4));
    return len + PNG_STRIP_CHUNK_OVERHEAD;
}

void png_strip_header(unsigned char *p, int width, int height, int channels, int depth)
{
    static const unsigned char signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    static const unsigned char color_type[5] = {0, 0, 4, 2, 6};
    unsigned char ihdr[13];
    put32(ihdr, (uint32_t)width);
    put32(ihdr + 4, (uint32_t)height);
    ihdr[8] = (unsigned char)(depth == 16 ? 16 : 8); /* bit depth */
    ihdr[9] = color_type[channels];
    ihdr[10] = ihdr[11] = ihdr[12] = 0; /* deflate, adaptive filtering, no interlace */
    memcpy(p, signature, sizeof signature);
    put_chunk(p + sizeof signature, "IHDR", ihdr, sizeof ihdr);
}

/* A bound on raw deflate output for n input bytes, any level or strategy, plus a sync flush. */
static size_t deflate_room(size_t n)
{
    return n + (n + 7) / 8 + (n + 63) / 64 + 32;
}

/* Filters rows [from, y1) into buf; `rows` holds three row buffers. */
static void filter_rows(const png_strip_layout *l, png_strip_row_fn row, const void *ctx,
                        size_t from, size_t y1, unsigned char *rows, unsigned char *buf)
{
    size_t n = l->row_bytes;
    unsigned char *scratch = rows + 2 * n;
    /* Row y is fetched into rows[y % 2], so the row above stays where it is. */
    const unsigned char *prev;
    if (from == 0) {
        memset(rows + n, 0, n); /* the row above the first is zeros */
        prev = rows + n;
    } else {
        prev = row(ctx, from - 1, rows + ((from - 1) % 2) * n);
    }
    for (size_t y = from; y < y1; y++) {
        const unsigned char *cur = row(ctx, y, rows + (y % 2) * n);
        png_filter_row(l->level->filter, cur, prev, n, l->bpp, buf, scratch);
        buf += n + 1;
        prev = cur;
    }
}

/* Raw-deflates data[0, len) after `dict` bytes of history into out; *written: bytes written. */
static convtool_status deflate_strip(const struct png_level *lp, const unsigned char *data,
                                     size_t dict, size_t len, int last, unsigned char *out,
                                     size_t room, size_t *written)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    /* memLevel 9: bigger blocks, so fewer Huffman tables, and a bigger hash. */
    if (deflateInit2(&z, lp->zlib_level, Z_DEFLATED, -15, 9, lp->strategy) != Z_OK)
        return CONVTOOL_ENOMEM;
    convtool_status st = CONVTOOL_OK;
    if (dict && deflateSetDictionary(&z, data - dict, (uInt)dict) != Z_OK)
        st = CONVTOOL_ENOMEM;
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)room;
    int rc = st == CONVTOOL_OK ? deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH) : Z_STREAM_ERROR;
    /* A sync flush is complete only if it left room unused. */
    if (st == CONVTOOL_OK && (last ? rc != Z_STREAM_END : rc != Z_OK || z.avail_out == 0))
        st = CONVTOOL_EOVERFLOW;
    *written = room - z.avail_out;
    deflateEnd(&z);
    return st;
}

/* The fast levels' own encoder, or zlib. */
static convtool_status encode_strip(const struct png_level *lp, const unsigned char *data,
                                    size_t dict, size_t len, int last, unsigned char *out,
                                    size_t room, size_t *written)
{
    if (!lp->fast)
        return deflate_strip(lp, data, dict, len, last, out, room, written);
    /* Blocks of up to a whole strip: deflate_fast splits them where the statistics change. */
    deflate_fast_params p = {.block_bytes = STRIP_BYTES, .dist = FAST_RUN_DIST};
    return deflate_fast(&p, data, dict, len, last, out, room, written);
}

/* Codes the strip as level 2 does too, and puts that in `out` if it is shorter than *written. */
static convtool_status keep_smaller_rle(const unsigned char *data, size_t dict, size_t len,
                                        int last, unsigned char *out, size_t room, size_t *written)
{
    unsigned char *rle = malloc(room);
    if (!rle)
        return CONVTOOL_ENOMEM;
    size_t n = 0;
    convtool_status st = encode_strip(&RUNS, data, dict, len, last, rle, room, &n);
    if (st == CONVTOOL_OK && n < *written) {
        memcpy(out, rle, n);
        *written = n;
    }
    free(rle);
    return st;
}

/* Makes p->*buf hold at least n bytes (its contents are not kept). */
static convtool_status ensure(unsigned char **buf, size_t *cap, size_t n)
{
    if (*cap >= n)
        return CONVTOOL_OK;
    free(*buf);
    *buf = malloc(n);
    *cap = *buf ? n : 0;
    return *buf ? CONVTOOL_OK : CONVTOOL_ENOMEM;
}

/* Grows o's buffers for strip rows [from, y1) of which `raw` bytes are coded. */
static convtool_status make_room(const png_strip_layout *l, size_t from, size_t y1, size_t raw,
                                 png_strip_out *o)
{
    size_t fr = l->row_bytes + 1, cap = PNG_STRIP_CHUNK_OVERHEAD + PNG_STRIP_ZLIB_HEADER +
                                        PNG_STRIP_ZLIB_TRAILER + IEND_BYTES + deflate_room(raw);
    convtool_status st = ensure(&o->chunk, &o->cap, cap);
    if (st == CONVTOOL_OK)
        st = ensure(&o->work, &o->work_cap, (y1 - from) * fr + 3 * l->row_bytes);
    return st;
}

convtool_status png_strip_compress(const png_strip_layout *l, size_t i, png_strip_row_fn row,
                                   const void *ctx, png_strip_out *o)
{
    const struct png_level *lp = l->level;
    size_t y0, y1, fr = l->row_bytes + 1;
    png_strip_rows(l, i, &y0, &y1);
    size_t from = prime_from(l, y0);
    size_t dict = (y0 - from) * fr;
    dict = dict < WINDOW_BYTES ? dict : WINDOW_BYTES;
    o->raw_len = (y1 - y0) * fr;
    o->len = 0;
    convtool_status st = make_room(l, from, y1, o->raw_len, o);
    if (st != CONVTOOL_OK)
        return st;
    unsigned char *buf = o->work, *rows = o->work + (y1 - from) * fr;
    filter_rows(l, row, ctx, from, y1, rows, buf);
    const unsigned char *data = buf + (y0 - from) * fr;
    o->adler = checksum_adler32(1, data, o->raw_len);

    int last = i + 1 == l->count;
    unsigned char *chunk = o->chunk, *p = chunk + 8;
    if (i == 0) { /* CMF: deflate with a 32 KiB window; FLG: FLEVEL, then FCHECK */
        unsigned flg = (unsigned)lp->flevel << 6;
        flg += 31 - (0x7800u + flg) % 31;
        *p++ = 0x78;
        *p++ = (unsigned char)flg;
    }
    size_t room = o->cap - (size_t)(p - chunk) - PNG_STRIP_ZLIB_TRAILER - 4 - IEND_BYTES;
    size_t written = 0;
    st = encode_strip(lp, data, dict, o->raw_len, last, p, room, &written);
    if (st == CONVTOOL_OK && lp->also_rle)
        st = keep_smaller_rle(data, dict, o->raw_len, last, p, room, &written);
    if (st != CONVTOOL_OK)
        return st;
    size_t data_len = (size_t)(p - chunk) - 8 + written;
    put32(chunk, (uint32_t)data_len);
    memcpy(chunk + 4, "IDAT", 4);
    o->crc = checksum_crc32(0, chunk + 4, data_len + 4);
    o->len = 8 + data_len;
    if (!last) { /* the last chunk's CRC waits for the Adler-32 of the whole stream */
        put32(chunk + o->len, o->crc);
        o->len += 4;
    }
    return CONVTOOL_OK;
}

void png_strip_seal(png_strip_out *o, uint32_t adler)
{
    unsigned char *end = o->chunk + o->len;
    put32(end, adler);
    put32(o->chunk, (uint32_t)(o->len - 8 + PNG_STRIP_ZLIB_TRAILER));
    put32(end + PNG_STRIP_ZLIB_TRAILER, checksum_crc32(o->crc, end, PNG_STRIP_ZLIB_TRAILER));
    o->len += PNG_STRIP_ZLIB_TRAILER + 4;
    o->len += put_chunk(o->chunk + o->len, "IEND", NULL, 0);
}

void png_strip_out_free(png_strip_out *o)
{
    free(o->chunk);
    free(o->work);
    memset(o, 0, sizeof *o);
}
