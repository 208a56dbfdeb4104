/*
 * The PNG decoder as a pull API (png_stream_read.h). A chunk walker reads the
 * file through the caller's pull callback into a small buffer; the IDAT
 * payloads go from that buffer straight to ISA-L (as a png_zsource), their
 * CRCs computed on the way; a few rows are inflated at a time and
 * unfiltered into the caller's strip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/checksum.h"
#include "codec/png_inflate.h"
#include "codec/png_rules.h"
#include "codec/png_stream_read.h"
#include "codec/png_unfilter.h"

#define CHUNK_HEADER 8 /* length and type */
#define CRC_LEN 4

/* What happens to the current chunk's data. */
enum chunk_kind {
    CHUNK_NONE,    /* between chunks (or after IEND) */
    CHUNK_IDAT,    /* given to the inflater piece by piece */
    CHUNK_CHECKED, /* skipped, its CRC checked: critical chunks, and tRNS (judged only if intact) */
    CHUNK_SKIPPED, /* skipped unread: an ancillary chunk with a bad CRC only drops out */
};

struct png_stream {
    /* the input */
    byte_pull_fn pull;
    void *ctx;
    unsigned char *in;
    size_t in_pos, in_len;
    int eof;
    /* the chunk walk */
    enum chunk_kind kind;
    unsigned char chunk[CHUNK_HEADER]; /* the current chunk's length and type */
    uint32_t left;                     /* its data bytes not read yet */
    uint32_t crc;                      /* of its type and the data read so far */
    int ended;                         /* IEND has been read, CRC and all */
    convtool_status failed;            /* the first error, for good (the walk's or the rows') */
    /* the image */
    struct png_header h;
    struct png_inflate *z;
    unsigned char *raw;  /* up to raw_rows filtered rows (type byte and row_bytes each) */
    uint32_t raw_rows;   /* its room */
    uint32_t have, next; /* rows in raw, and the next of them to unfilter */
    uint32_t inflated;   /* rows inflated so far */
    uint32_t y;          /* rows handed out so far */
    unsigned char *prev; /* the last row handed out, unfiltered, in PNG's byte order */
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int chunk_is(const struct png_stream *s, const char *type)
{
    return memcmp(s->chunk + 4, type, 4) == 0;
}

/* Records the first error; returns the one that stays. */
static convtool_status fail(struct png_stream *s, convtool_status st)
{
    if (s->failed == CONVTOOL_OK)
        s->failed = st;
    return s->failed;
}

/* ------------------------------------------------------------- input */

/* Bytes ready at in + in_pos, pulling more when none are: 0 at the end, or on a failed pull. */
static size_t available(struct png_stream *s)
{
    if (s->in_pos < s->in_len)
        return s->in_len - s->in_pos;
    if (s->eof || s->failed != CONVTOOL_OK)
        return 0;
    ssize_t got = s->pull(s->ctx, s->in, PNG_STREAM_INPUT);
    if (got < 0 || (size_t)got > PNG_STREAM_INPUT) {
        fail(s, CONVTOOL_EIO);
        return 0;
    }
    s->eof = got == 0;
    s->in_pos = 0;
    s->in_len = (size_t)got;
    return s->in_len;
}

/* Exactly n bytes into dst (NULL: skipped), added to the CRC when crc is set. */
static convtool_status take(struct png_stream *s, unsigned char *dst, size_t n, uint32_t *crc)
{
    while (n > 0) {
        size_t k = available(s);
        if (k == 0)
            return fail(s, CONVTOOL_ECORRUPT); /* truncated, unless the pull failed first */
        k = k < n ? k : n;
        const unsigned char *p = s->in + s->in_pos;
        if (crc)
            *crc = checksum_crc32(*crc, p, k);
        if (dst) {
            memcpy(dst, p, k);
            dst += k;
        }
        s->in_pos += k;
        n -= k;
    }
    return CONVTOOL_OK;
}

/* ------------------------------------------------------------- chunks */

/* Reads the next chunk's header and decides what to do with its data. */
static convtool_status begin_chunk(struct png_stream *s)
{
    convtool_status st = take(s, s->chunk, CHUNK_HEADER, NULL);
    if (st != CONVTOOL_OK)
        return st;
    s->left = be32(s->chunk);
    if (s->left > PNG_RULES_MAX_CHUNK)
        return fail(s, CONVTOOL_ECORRUPT);
    s->crc = checksum_crc32(0, s->chunk + 4, 4);
    int critical = !(s->chunk[4] & 0x20);
    s->kind = chunk_is(s, "IDAT")               ? CHUNK_IDAT
              : critical || chunk_is(s, "tRNS") ? CHUNK_CHECKED
                                                : CHUNK_SKIPPED;
    return CONVTOOL_OK;
}

/*
 * Reads the rest of the current chunk and its CRC, and judges it as
 * png_precheck and then png_read_fast would: a bad CRC in a critical chunk
 * is ECORRUPT, an ancillary chunk with a bad CRC drops out unjudged.
 */
static convtool_status end_chunk(struct png_stream *s)
{
    int checked = s->kind != CHUNK_SKIPPED;
    unsigned char crc[CRC_LEN];
    convtool_status st = take(s, NULL, s->left, checked ? &s->crc : NULL);
    if (st == CONVTOOL_OK)
        st = take(s, crc, CRC_LEN, NULL);
    if (st != CONVTOOL_OK)
        return st;
    s->left = 0;
    enum chunk_kind kind = s->kind;
    s->kind = CHUNK_NONE;
    if (chunk_is(s, "IEND"))
        s->ended = 1;
    if (!checked)
        return CONVTOOL_OK;
    if (s->crc != be32(crc)) /* an ancillary chunk (tRNS) drops out; a critical one is fatal */
        return (s->chunk[4] & 0x20) ? CONVTOOL_OK : fail(s, CONVTOOL_ECORRUPT);
    if (kind == CHUNK_IDAT || s->ended)
        return CONVTOOL_OK;
    st = png_rules_chunk(s->chunk, be32(s->chunk));
    return st == CONVTOOL_OK ? st : fail(s, st);
}

/* Ends the current chunk (if any) and starts the next: one step of the walk to IEND. */
static convtool_status step_chunk(struct png_stream *s)
{
    convtool_status st = s->kind == CHUNK_NONE ? CONVTOOL_OK : end_chunk(s);
    if (st == CONVTOOL_OK && !s->ended)
        st = begin_chunk(s);
    return st;
}

/*
 * The png_zsource the inflater reads: the IDAT payloads in file order, over
 * any chunks between them (png_read_fast joins them so too), each a piece of
 * the input buffer. 0 at IEND or after an error, which stays in s->failed.
 * The inflater asks again only once it has used the last piece, so the
 * buffer may then be refilled.
 */
static size_t next_piece(void *ctx, const unsigned char **piece)
{
    struct png_stream *s = ctx;
    for (;;) {
        if (s->failed != CONVTOOL_OK || s->ended)
            return 0;
        if (s->kind == CHUNK_IDAT && s->left > 0) {
            size_t n = available(s);
            if (n == 0) {
                fail(s, CONVTOOL_ECORRUPT); /* unless the pull failed first */
                return 0;
            }
            n = n < s->left ? n : s->left;
            *piece = s->in + s->in_pos;
            s->crc = checksum_crc32(s->crc, *piece, n);
            s->in_pos += n;
            s->left -= (uint32_t)n;
            return n;
        }
        if (step_chunk(s) != CONVTOOL_OK)
            return 0;
    }
}

/* ---------------------------------------------------------------- open */

/* The signature and IHDR, judged as png_precheck (the CRC) and png_read_fast (the rest) do. */
static convtool_status read_header(struct png_stream *s, const convtool_image_info *info)
{
    unsigned char b[PNG_RULES_IHDR_END];
    size_t got = 0;
    while (got < sizeof b) {
        size_t k = available(s);
        if (k == 0)
            break;
        k = k < sizeof b - got ? k : sizeof b - got;
        memcpy(b + got, s->in + s->in_pos, k);
        s->in_pos += k;
        got += k;
    }
    if (s->failed != CONVTOOL_OK)
        return s->failed;
    convtool_status st = png_rules_header(b, got, 0, &s->h);
    if (st == CONVTOOL_OK && checksum_crc32(0, b + 12, 4 + 13) != be32(b + 29))
        st = CONVTOOL_ECORRUPT;
    if (st == CONVTOOL_OK)
        st = png_rules_info(&s->h, info);
    return st;
}

/* Walks to the first IDAT: IEND before it means there is no image data. */
static convtool_status walk_to_idat(struct png_stream *s)
{
    while (s->kind != CHUNK_IDAT) {
        convtool_status st = step_chunk(s);
        if (st != CONVTOOL_OK)
            return st;
        if (s->ended)
            return fail(s, CONVTOOL_ECORRUPT);
    }
    return CONVTOOL_OK;
}

/* The row buffers: max(2 rows, PNG_STREAM_INPUT) of image data, so that narrow images inflate
 * in pieces as large as wide ones, and the last row. */
static convtool_status alloc_rows(struct png_stream *s)
{
    size_t row = s->h.row_bytes + 1, fit = PNG_STREAM_INPUT / row;
    s->raw_rows = fit > 2 ? (uint32_t)(fit < s->h.height ? fit : s->h.height) : 2;
    s->raw = malloc((size_t)s->raw_rows * row);
    s->prev = malloc(s->h.row_bytes);
    return s->raw && s->prev ? CONVTOOL_OK : CONVTOOL_ENOMEM;
}

static convtool_status start(struct png_stream *s, const convtool_image_info *info)
{
    if (!(s->in = malloc(PNG_STREAM_INPUT)))
        return CONVTOOL_ENOMEM;
    convtool_status st = read_header(s, info);
    if (st == CONVTOOL_OK && !png_inflate_available(PNG_INFLATE_ISAL))
        st = CONVTOOL_EUNSUPPORTED; /* the whole-file path has libdeflate or stb */
    if (st == CONVTOOL_OK)
        st = walk_to_idat(s);
    if (st == CONVTOOL_OK)
        st = alloc_rows(s);
    if (st == CONVTOOL_OK && !(s->z = png_inflate_open(next_piece, s)))
        st = CONVTOOL_ENOMEM;
    if (st == CONVTOOL_OK)
        st = s->failed; /* the zlib header's bytes were pulled */
    return st;
}

convtool_status png_stream_open(byte_pull_fn pull, void *ctx, const convtool_image_info *info,
                                struct png_stream **out)
{
    if (!out)
        return CONVTOOL_EINVAL;
    *out = NULL;
    if (!pull)
        return CONVTOOL_EINVAL;
    struct png_stream *s = calloc(1, sizeof *s);
    if (!s)
        return CONVTOOL_ENOMEM;
    s->pull = pull;
    s->ctx = ctx;
    convtool_status st = start(s, info);
    if (st != CONVTOOL_OK) {
        png_stream_close(s);
        return st;
    }
    *out = s;
    return CONVTOOL_OK;
}

void png_stream_shape(const struct png_stream *s, int *w, int *h, int *channels, int *depth)
{
    if (w)
        *w = (int)s->h.width;
    if (h)
        *h = (int)s->h.height;
    if (channels)
        *channels = s->h.channels;
    if (depth)
        *depth = s->h.depth;
}

/* ---------------------------------------------------------------- rows */

/* The next rows of image data into raw: as many as it holds, or as are left. */
static convtool_status inflate_rows(struct png_stream *s)
{
    uint32_t left = s->h.height - s->inflated;
    uint32_t k = left < s->raw_rows ? left : s->raw_rows;
    convtool_status st = png_inflate_read(s->z, s->raw, (size_t)k * (s->h.row_bytes + 1));
    if (s->failed != CONVTOOL_OK) /* the walk's own error (a CRC, a pull) says more */
        return s->failed;
    if (st != CONVTOOL_OK)
        return fail(s, st);
    s->have = k;
    s->next = 0;
    s->inflated += k;
    return CONVTOOL_OK;
}

/* 16-bit rows [from, to) of a strip to native byte order. */
static void strip_native(const struct png_stream *s, unsigned char *strip, uint32_t from,
                         uint32_t to)
{
    for (uint32_t r = from; s->h.depth == 16 && r < to; r++)
        png_unfilter_native16(strip + (size_t)r * s->h.row_bytes, s->h.row_bytes);
}

/*
 * Each row is unfiltered into dst, in PNG's byte order, and turned native
 * once the row below it is made (it is that row's "up"); the strip's last
 * row is kept in PNG's order for the next strip.
 */
convtool_status png_stream_rows(struct png_stream *s, void *dst, int rows)
{
    if (!s || rows < 0 || (rows > 0 && !dst))
        return CONVTOOL_EINVAL;
    if (s->failed != CONVTOOL_OK)
        return s->failed;
    if ((uint32_t)rows > s->h.height - s->y)
        return CONVTOOL_EINVAL;
    const size_t n = s->h.row_bytes;
    unsigned char *strip = dst;
    const unsigned char *prev = s->y ? s->prev : NULL;
    for (uint32_t done = 0; done < (uint32_t)rows;) {
        if (s->next == s->have) {
            convtool_status st = inflate_rows(s);
            if (st != CONVTOOL_OK)
                return st;
        }
        uint32_t k =
            s->have - s->next < (uint32_t)rows - done ? s->have - s->next : (uint32_t)rows - done;
        const unsigned char *src = s->raw + (size_t)s->next * (n + 1);
        convtool_status st = png_unfilter_rows(&s->h, prev, src, strip + (size_t)done * n, k);
        if (st != CONVTOOL_OK)
            return fail(s, st);
        strip_native(s, strip, done ? done - 1 : 0, done + k - 1);
        prev = strip + (size_t)(done + k - 1) * n;
        s->next += k;
        s->y += k;
        done += k;
    }
    if (rows > 0) {
        memcpy(s->prev, prev, n);
        strip_native(s, strip, (uint32_t)rows - 1, (uint32_t)rows);
    }
    return CONVTOOL_OK;
}

/* -------------------------------------------------------------- finish */

convtool_status png_stream_finish(struct png_stream *s)
{
    if (!s)
        return CONVTOOL_EINVAL;
    if (s->failed != CONVTOOL_OK)
        return s->failed;
    if (s->y < s->h.height)
        return CONVTOOL_EINVAL;
    convtool_status st = png_inflate_end(s->z);
    if (s->failed != CONVTOOL_OK)
        return s->failed;
    /* More image data than the rows need: the whole-file path's (png_stream_read.h). */
    if (st != CONVTOOL_OK)
        return fail(s, st);
    while (st == CONVTOOL_OK && !s->ended)
        st = step_chunk(s);
    return st == CONVTOOL_OK ? st : fail(s, st);
}

void png_stream_close(struct png_stream *s)
{
    if (!s)
        return;
    png_inflate_close(s->z);
    free(s->raw);
    free(s->prev);
    free(s->in);
    free(s);
}
