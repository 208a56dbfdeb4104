/*
 * The whole-image PNG writer as it was before the streaming writer
 * (src/codec/png_writer.c) replaced it, kept verbatim but for its names: the
 * tests check the new code writes the very bytes this wrote. It still uses
 * the library's deflate_fast, filters and checksums.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "codec/checksum.h"
#include "codec/deflate_fast.h"
#include "codec/png_filter.h"
#include "png_write_ref.h"

/* Raw bytes per strip: small enough to balance two or more threads on a 1-Mpixel image. */
#define STRIP_BYTES ((size_t)512 * 1024)
/* Deflate's window: each strip is primed with this much of the data before it. */
#define WINDOW_BYTES ((size_t)32768)
/* deflate_fast's runs repeat the previous byte: it needs just that byte of history. */
#define FAST_RUN_DIST 1
/* zlib counts its input in uInt; a strip is at most one row plus STRIP_BYTES. */
#define MAX_ROW_BYTES ((size_t)UINT_MAX / 4)
/* A chunk's length, type and CRC, and the zlib header and Adler-32 trailer. */
#define CHUNK_OVERHEAD 12
#define ZLIB_HEADER 2
#define ZLIB_TRAILER 4

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
struct level_params {
    enum png_filter filter;
    int zlib_level, strategy;
    int also_rle; /* keep level 2's coding of a strip when it is smaller */
    int flevel;   /* the zlib header's FLEVEL: 0 fastest .. 3 maximum */
    int fast;     /* deflate_fast, runs of the previous byte only, instead of zlib */
};

static const struct level_params LEVELS[PNG_LEVEL_MAX + 1] = {
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
static const struct level_params RUNS = {PNG_FILTER_ADAPTIVE, 1, Z_RLE, 0, 0, 1};

struct strip {
    size_t y0, y1;    /* rows [y0, y1) */
    size_t slot, cap; /* where its chunk is written in the buffer, and the room there */
    size_t chunk_len; /* bytes written: length, type, data and (not for the last) CRC */
    size_t raw_len;   /* filtered bytes compressed */
    unsigned long adler, crc;
    convtool_status status;
};

struct job {
    const png_source *src;
    const struct level_params *lp;
    size_t row_bytes, prime_rows;
    unsigned char *base;
    struct strip *strips;
    size_t count;
};

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Grows b so that `extra` more bytes fit, without touching the new memory. */
static convtool_status reserve(convtool_buffer *b, size_t extra)
{
    if (b->failed)
        return CONVTOOL_ENOMEM;
    if (extra > SIZE_MAX - b->len)
        return CONVTOOL_EOVERFLOW;
    if (b->len + extra <= b->cap)
        return CONVTOOL_OK;
    unsigned char *grown = realloc(b->data, b->len + extra);
    if (!grown)
        return CONVTOOL_ENOMEM;
    b->data = grown;
    b->cap = b->len + extra;
    return CONVTOOL_OK;
}

/* Writes a whole chunk at p; returns its size. */
static size_t put_chunk(unsigned char *p, const char *type, const unsigned char *data, size_t len)
{
    put32(p, (uint32_t)len);
    memcpy(p + 4, type, 4);
    if (len)
        memcpy(p + 8, data, len);
    put32(p + 8 + len, checksum_crc32(0, p + 4, len + 4));
    return len + CHUNK_OVERHEAD;
}

/* Bytes per sample: 1, or 2 for 16-bit sources. */
static size_t sample_bytes(const png_source *src)
{
    return src->depth == 16 ? 2 : 1;
}

static size_t put_header(unsigned char *p, const png_source *src)
{
    static const unsigned char signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    static const unsigned char color_type[5] = {0, 0, 4, 2, 6};
    unsigned char ihdr[13];
    put32(ihdr, (uint32_t)src->width);
    put32(ihdr + 4, (uint32_t)src->height);
    ihdr[8] = (unsigned char)(8 * sample_bytes(src)); /* bit depth */
    ihdr[9] = color_type[src->channels];
    ihdr[10] = ihdr[11] = ihdr[12] = 0; /* deflate, adaptive filtering, no interlace */
    memcpy(p, signature, sizeof signature);
    return sizeof signature + put_chunk(p + sizeof signature, "IHDR", ihdr, sizeof ihdr);
}

/* A bound on raw deflate output for n input bytes, any level or strategy, plus a sync flush. */
static size_t deflate_room(size_t n)
{
    return n + (n + 7) / 8 + (n + 63) / 64 + 32;
}

/* Filters rows [from, y1) of the strip into buf; `rows` holds three row buffers. */
static void filter_rows(const struct job *j, size_t from, size_t y1, unsigned char *rows,
                        unsigned char *buf)
{
    const png_source *src = j->src;
    size_t n = j->row_bytes;
    unsigned char *prev = rows, *cur = rows + n, *scratch = rows + 2 * n;
    if (from == 0)
        memset(prev, 0, n); /* the row above the first is zeros */
    else
        src->row(src->ctx, from - 1, prev);
    for (size_t y = from; y < y1; y++) {
        src->row(src->ctx, y, cur);
        png_filter_row(j->lp->filter, cur, prev, n, src->channels * (int)sample_bytes(src), buf,
                       scratch);
        buf += n + 1;
        unsigned char *t = prev;
        prev = cur;
        cur = t;
    }
}

/* Raw-deflates data[0, len) after `dict` bytes of history into out; *written: bytes written. */
static convtool_status deflate_strip(const struct level_params *lp, const unsigned char *data,
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
static convtool_status encode_strip(const struct level_params *lp, const unsigned char *data,
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

static convtool_status compress_strip(const struct job *j, struct strip *s, int first, int last)
{
    size_t fr = j->row_bytes + 1;
    size_t from = s->y0 > j->prime_rows ? s->y0 - j->prime_rows : 0;
    size_t dict = (s->y0 - from) * fr;
    dict = dict < WINDOW_BYTES ? dict : WINDOW_BYTES;
    s->raw_len = (s->y1 - s->y0) * fr;
    unsigned char *buf = malloc((s->y1 - from) * fr);
    unsigned char *rows = malloc(3 * j->row_bytes);
    convtool_status st = buf && rows ? CONVTOOL_OK : CONVTOOL_ENOMEM;
    if (st != CONVTOOL_OK)
        goto cleanup;
    filter_rows(j, from, s->y1, rows, buf);
    const unsigned char *data = buf + (s->y0 - from) * fr;
    s->adler = checksum_adler32(1, data, s->raw_len);

    unsigned char *chunk = j->base + s->slot, *p = chunk + 8;
    if (first) { /* CMF: deflate with a 32 KiB window; FLG: FLEVEL, then FCHECK */
        unsigned flg = (unsigned)j->lp->flevel << 6;
        flg += 31 - (0x7800u + flg) % 31;
        *p++ = 0x78;
        *p++ = (unsigned char)flg;
    }
    size_t used = (size_t)(p - chunk) + (last ? ZLIB_TRAILER : 0) + 4;
    size_t written = 0;
    st = encode_strip(j->lp, data, dict, s->raw_len, last, p, s->cap - used, &written);
    if (st == CONVTOOL_OK && j->lp->also_rle)
        st = keep_smaller_rle(data, dict, s->raw_len, last, p, s->cap - used, &written);
    if (st != CONVTOOL_OK)
        goto cleanup;
    size_t data_len = (size_t)(p - chunk) - 8 + written;
    put32(chunk, (uint32_t)data_len);
    memcpy(chunk + 4, "IDAT", 4);
    s->crc = checksum_crc32(0, chunk + 4, data_len + 4);
    s->chunk_len = 8 + data_len;
    if (!last) { /* the last chunk's CRC waits for the Adler-32 of the whole stream */
        put32(chunk + s->chunk_len, (uint32_t)s->crc);
        s->chunk_len += 4;
    }
cleanup:
    free(buf);
    free(rows);
    return st;
}

static void strip_task(void *ctx, size_t i)
{
    struct job *j = ctx;
    j->strips[i].status = compress_strip(j, &j->strips[i], i == 0, i + 1 == j->count);
}

/* Cuts the image into strips and gives each a slot after `at`; returns the end of the slots. */
static convtool_status plan_strips(struct job *j, size_t at, size_t *end)
{
    size_t fr = j->row_bytes + 1, h = (size_t)j->src->height;
    size_t per = STRIP_BYTES / fr > 0 ? STRIP_BYTES / fr : 1;
    size_t history = j->lp->fast ? FAST_RUN_DIST : WINDOW_BYTES;
    j->prime_rows = (history + fr - 1) / fr;
    j->count = (h + per - 1) / per;
    j->strips = calloc(j->count, sizeof *j->strips);
    if (!j->strips)
        return CONVTOOL_ENOMEM;
    for (size_t i = 0; i < j->count; i++) {
        struct strip *s = &j->strips[i];
        s->y0 = i * per;
        s->y1 = s->y0 + per < h ? s->y0 + per : h;
        s->slot = at;
        s->cap = CHUNK_OVERHEAD + ZLIB_HEADER + ZLIB_TRAILER + deflate_room((s->y1 - s->y0) * fr);
        if (s->cap > SIZE_MAX - at)
            return CONVTOOL_EOVERFLOW;
        at += s->cap;
    }
    *end = at;
    return CONVTOOL_OK;
}

/* Packs the chunks after `at`, finishes the stream and appends IEND; returns the file's end. */
static size_t join_strips(const struct job *j, size_t at)
{
    unsigned long adler = 1;
    for (size_t i = 0; i < j->count; i++) {
        const struct strip *s = &j->strips[i];
        memmove(j->base + at, j->base + s->slot, s->chunk_len);
        at += s->chunk_len;
        adler = adler32_combine(adler, s->adler, (z_off_t)s->raw_len);
    }
    const struct strip *last = &j->strips[j->count - 1];
    unsigned char *chunk = j->base + at - last->chunk_len;
    put32(j->base + at, (uint32_t)adler);
    uint32_t crc = checksum_crc32((uint32_t)last->crc, j->base + at, ZLIB_TRAILER);
    put32(chunk, (uint32_t)(last->chunk_len - 8 + ZLIB_TRAILER));
    put32(j->base + at + ZLIB_TRAILER, (uint32_t)crc);
    at += ZLIB_TRAILER + 4;
    return at + put_chunk(j->base + at, "IEND", NULL, 0);
}

static convtool_status check_source(const png_source *src, int level)
{
    if (!src || !src->row || src->width < 1 || src->height < 1 || src->channels < 1 ||
        src->channels > 4 || level < 0 || level > PNG_LEVEL_MAX ||
        (src->depth != 0 && src->depth != 8 && src->depth != 16))
        return CONVTOOL_EINVAL;
    if ((size_t)src->width > MAX_ROW_BYTES / (size_t)src->channels / sample_bytes(src))
        return CONVTOOL_ELIMIT;
    return CONVTOOL_OK;
}

convtool_status png_write_ref(const png_source *src, int level, convtool_pool *pool,
                          convtool_buffer *out)
{
    convtool_status st = check_source(src, level);
    if (st != CONVTOOL_OK || !out)
        return st != CONVTOOL_OK ? st : CONVTOOL_EINVAL;
    struct job j = {.src = src,
                    .lp = &LEVELS[level ? level : PNG_LEVEL_DEFAULT],
                    .row_bytes = (size_t)src->width * (size_t)src->channels * sample_bytes(src)};
    size_t start = out->len, header = 8 + CHUNK_OVERHEAD + 13, end = 0;
    st = plan_strips(&j, start + header, &end);
    if (st == CONVTOOL_OK)
        st = end > SIZE_MAX - CHUNK_OVERHEAD ? CONVTOOL_EOVERFLOW
                                             : reserve(out, end - start + CHUNK_OVERHEAD);
    if (st != CONVTOOL_OK)
        goto cleanup;
    j.base = out->data;
    put_header(out->data + start, src);
    convtool_pool_run(pool, j.count, strip_task, &j);
    for (size_t i = 0; i < j.count && st == CONVTOOL_OK; i++)
        st = j.strips[i].status;
    if (st == CONVTOOL_OK)
        out->len = join_strips(&j, start + header);
cleanup:
    free(j.strips);
    return st;
}

struct interleaved {
    const unsigned char *pixels;
    size_t row_bytes;
};

static void interleaved_row(const void *ctx, size_t y, unsigned char *row)
{
    const struct interleaved *s = ctx;
    memcpy(row, s->pixels + y * s->row_bytes, s->row_bytes);
}

convtool_status png_write_ref_interleaved(const unsigned char *pixels, int w, int h, int channels,
                                      int level, convtool_pool *pool, convtool_buffer *out)
{
    if (!pixels || w < 1 || channels < 1)
        return CONVTOOL_EINVAL;
    struct interleaved s = {pixels, (size_t)w * (size_t)channels};
    png_source src = {w, h, channels, interleaved_row, &s, 8};
    return png_write_ref(&src, level, pool, out);
}

struct interleaved16 {
    const uint16_t *samples;
    size_t row_samples;
};

static void interleaved16_row(const void *ctx, size_t y, unsigned char *row)
{
    const struct interleaved16 *s = ctx;
    const uint16_t *src = s->samples + y * s->row_samples;
    for (size_t i = 0; i < s->row_samples; i++) { /* PNG stores the high byte first */
        row[2 * i] = (unsigned char)(src[i] >> 8);
        row[2 * i + 1] = (unsigned char)src[i];
    }
}

convtool_status png_write_ref_interleaved16(const uint16_t *samples, int w, int h, int channels,
                                        int level, convtool_pool *pool, convtool_buffer *out)
{
    if (!samples || w < 1 || channels < 1)
        return CONVTOOL_EINVAL;
    struct interleaved16 s = {samples, (size_t)w * (size_t)channels};
    png_source src = {w, h, channels, interleaved16_row, &s, 16};
    return png_write_ref(&src, level, pool, out);
}
