/*
 * Fuzz target: deflate_fast (src/codec/deflate_fast.c), our raw-deflate encoder for
 * PNG's fast levels. The first bytes choose the parameters (block_bytes, dist,
 * how many strips and where they are cut, how much history each strip gets,
 * whether the last strip is final, how the data is tiled), the rest is the
 * data. Each strip is encoded, as png_write.c does, into a buffer of exactly
 * the documented bound, from its own copy with exactly `dict` bytes of history
 * before it (so the sanitizers see a read beyond the history); the strips are
 * joined with a zlib header and Adler-32 and inflated with zlib, which must
 * give the input back. One strip is also encoded into exactly its size (must
 * succeed, same bytes) and into less (must be CONVTOOL_EOVERFLOW and leave a
 * guard region after the room untouched).
 */
#include <string.h>
#include <zlib.h>

#include "codec/deflate_fast.h"
#include "fuzz_common.h"

#define MAX_STRIPS 8
#define GUARD_BYTES 64
#define GUARD_VALUE 0xa5
#define SEGMENT_BYTES ((size_t)16384) /* deflate_fast's least block, as its header says */

struct setup {
    deflate_fast_params p;
    int strips, last, dict_mode;
    size_t cut[MAX_STRIPS + 1];
    int probe_strip;  /* the strip encoded again into too little room */
    uint8_t probe_at; /* how little: written·probe_at/256, or written − 1 for 255 */
};

static unsigned read_u16(struct fuzz_reader *r)
{
    unsigned hi = fuzz_byte(r);
    return hi << 8 | fuzz_byte(r);
}

/* Tiny blocks (many of them), up to a segment, past a stored block's 65535 bytes, the most. */
static size_t read_block_bytes(struct fuzz_reader *r)
{
    unsigned v = read_u16(r), x = v & 0x3fff;
    switch (v >> 14) {
    case 0:
        return 1 + x % 300;
    case 1:
        return 1 + x;
    case 2:
        return SEGMENT_BYTES + (size_t)x * 4;
    default:
        return DEFLATE_FAST_MAX_BLOCK;
    }
}

/* No repeats, short distances (runs of the previous byte above all), any, the window's edge. */
static unsigned read_dist(struct fuzz_reader *r)
{
    unsigned v = read_u16(r), x = v & 0x3fff;
    switch (v >> 14) {
    case 0:
        return x % 5;
    case 1:
        return 1 + x % 64;
    case 2:
        return 1 + (unsigned)(v % DEFLATE_FAST_WINDOW);
    default:
        return (unsigned)DEFLATE_FAST_WINDOW - x % 8;
    }
}

/* The data: the rest of the input, tiled 1-128 times, tile k with k·step added to its bytes. */
static unsigned char *read_data(struct fuzz_reader *r, unsigned tiles, uint8_t step, size_t *len)
{
    size_t n = r->size - r->pos;
    unsigned char *d = malloc(n * tiles + 1);
    if (!d)
        return NULL;
    for (unsigned k = 0; k < tiles; k++)
        for (size_t i = 0; i < n; i++)
            d[k * n + i] = (unsigned char)(r->data[r->pos + i] + k * step);
    r->pos = r->size;
    *len = n * tiles;
    return d;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static unsigned char *read_setup(struct fuzz_reader *r, struct setup *s, size_t *len)
{
    s->p.block_bytes = read_block_bytes(r);
    s->p.dist = read_dist(r);
    uint8_t flags = fuzz_byte(r);
    s->strips = 1 + (flags & 7);
    s->last = !(flags & 8);
    s->dict_mode = flags >> 4 & 3;
    uint8_t tiles = fuzz_byte(r), step = fuzz_byte(r);
    uint8_t cuts[MAX_STRIPS];
    for (int i = 0; i < s->strips - 1; i++)
        cuts[i] = fuzz_byte(r);
    s->probe_strip = fuzz_byte(r) % s->strips;
    s->probe_at = fuzz_byte(r);
    unsigned char *data = read_data(r, 1u << (tiles % 8), step, len);
    s->cut[0] = 0;
    for (int i = 0; i < s->strips - 1; i++)
        s->cut[i + 1] = *len * cuts[i] / 255;
    qsort(s->cut + 1, (size_t)s->strips - 1, sizeof s->cut[0], cmp_size);
    s->cut[s->strips] = *len;
    return data;
}

/* History for a strip starting at `start`: the whole window, short of or just what a run
 * at the strip's start needs, or none. */
static size_t strip_dict(const struct setup *s, size_t start)
{
    size_t want;
    switch (s->dict_mode) {
    case 0:
        want = DEFLATE_FAST_WINDOW;
        break;
    case 1:
        want = s->p.dist ? s->p.dist - 1 : 0;
        break;
    case 2:
        want = s->p.dist;
        break;
    default:
        want = 0;
    }
    return want < start ? want : start;
}

/* deflate_fast.h: out never needs more than len + 5·⌈len/65535⌉ + 5·blocks + 6. */
static size_t output_bound(const deflate_fast_params *p, size_t len)
{
    size_t least = p->block_bytes < SEGMENT_BYTES ? p->block_bytes : SEGMENT_BYTES;
    size_t blocks = len ? (len + least - 1) / least : 1;
    return len + 5 * ((len + 65534) / 65535) + 5 * blocks + 6;
}

/* Too little room: an overflow error, and not a byte written past the room. */
static void check_small_room(const struct setup *s, const unsigned char *strip, size_t dict,
                             size_t len, int last, size_t written)
{
    size_t room = s->probe_at == 255 ? written - 1 : written * s->probe_at / 256;
    unsigned char *out = malloc(room + GUARD_BYTES);
    FUZZ_CHECK(out != NULL);
    memset(out, GUARD_VALUE, room + GUARD_BYTES);
    size_t got = 1;
    convtool_status st = deflate_fast(&s->p, strip, dict, len, last, out, room, &got);
    FUZZ_CHECK(st == CONVTOOL_EOVERFLOW);
    FUZZ_CHECK(got == 0);
    for (size_t i = room; i < room + GUARD_BYTES; i++)
        FUZZ_CHECK(out[i] == GUARD_VALUE);
    free(out);
}

/* Exactly the room the output takes: it fits, and the bytes are the same. */
static void check_exact_room(const struct setup *s, const unsigned char *strip, size_t dict,
                             size_t len, int last, const unsigned char *want, size_t written)
{
    unsigned char *out = malloc(written);
    FUZZ_CHECK(out != NULL);
    size_t got = 0;
    convtool_status st = deflate_fast(&s->p, strip, dict, len, last, out, written, &got);
    FUZZ_CHECK(st == CONVTOOL_OK);
    FUZZ_CHECK(got == written && memcmp(out, want, written) == 0);
    free(out);
}

/* Encodes strip i of data and appends it to the stream at *at. */
static void encode_strip(const struct setup *s, const unsigned char *data, int i,
                         unsigned char *stream, size_t *at)
{
    size_t start = s->cut[i], len = s->cut[i + 1] - start, dict = strip_dict(s, start);
    int last = s->last && i == s->strips - 1;
    /* Its own copy with just `dict` bytes before it, and an output of exactly the bound. */
    unsigned char *copy = malloc(dict + len + 1);
    size_t bound = output_bound(&s->p, len), written = 0;
    unsigned char *out = malloc(bound);
    FUZZ_CHECK(copy != NULL && out != NULL);
    memcpy(copy, data + start - dict, dict + len);
    convtool_status st = deflate_fast(&s->p, copy + dict, dict, len, last, out, bound, &written);
    FUZZ_CHECK(st == CONVTOOL_OK);
    FUZZ_CHECK(written > 0 && written <= bound);
    if (i == s->probe_strip) {
        check_exact_room(s, copy + dict, dict, len, last, out, written);
        check_small_room(s, copy + dict, dict, len, last, written);
    }
    memcpy(stream + *at, out, written);
    *at += written;
    free(out);
    free(copy);
}

/* The joined stream must inflate to exactly the data, and end where it ends. */
static void check_inflate(const unsigned char *stream, size_t n, const unsigned char *data,
                          size_t len)
{
    unsigned char *back = malloc(len + 1);
    FUZZ_CHECK(back != NULL);
    z_stream z = {0};
    FUZZ_CHECK(inflateInit(&z) == Z_OK);
    z.next_in = (unsigned char *)stream;
    z.avail_in = (uInt)n;
    z.next_out = back;
    z.avail_out = (uInt)(len + 1);
    int zs = inflate(&z, Z_FINISH);
    if (zs != Z_STREAM_END)
        fprintf(stderr, "inflate: %d (%s) after %lu bytes in, %lu out of %zu\n", zs,
                z.msg ? z.msg : "", z.total_in, z.total_out, len);
    FUZZ_CHECK(zs == Z_STREAM_END);
    FUZZ_CHECK(z.avail_in == 0 && z.total_out == len);
    FUZZ_CHECK(len == 0 || memcmp(back, data, len) == 0);
    inflateEnd(&z);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
    struct fuzz_reader r = {input, size, 0};
    struct setup s;
    size_t len = 0;
    unsigned char *data = read_setup(&r, &s, &len);
    FUZZ_CHECK(data != NULL);
    size_t room = 2 + 2 + 4;
    for (int i = 0; i < s.strips; i++)
        room += output_bound(&s.p, s.cut[i + 1] - s.cut[i]);
    unsigned char *stream = malloc(room);
    FUZZ_CHECK(stream != NULL);
    size_t at = 0;
    stream[at++] = 0x78; /* CMF: deflate, 32 KiB window; FLG: FCHECK */
    stream[at++] = 0x01;
    for (int i = 0; i < s.strips; i++)
        encode_strip(&s, data, i, stream, &at);
    if (!s.last) { /* the stream ends with a final empty block in fixed codes */
        stream[at++] = 0x03;
        stream[at++] = 0x00;
    }
    uLong adler = adler32(adler32(0, Z_NULL, 0), data, (uInt)len);
    for (int k = 3; k >= 0; k--)
        stream[at++] = (unsigned char)(adler >> 8 * k);
    check_inflate(stream, at, data, len);
    free(stream);
    free(data);
    return 0;
}
