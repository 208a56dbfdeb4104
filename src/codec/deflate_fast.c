/*
 * A fast raw-deflate encoder (see deflate_fast.h), written from RFC 1951.
 *
 * Each block is scanned once for repeats (of the byte `dist` back, length
 * 3..258), and its bytes are counted; then the exact size of the block is
 * known for dynamic codes, fixed codes and a stored copy, and the smallest is
 * checked against the room left and written with no bounds checks per
 * symbol. The bytes between repeats are coded straight from the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/deflate_fast.h"
#include "codec/huffman.h"

#define LITLEN_SYMS 288 /* 0-255 literals, 256 end of block, 257-285 lengths (286, 287 unused) */
#define DIST_SYMS 30
#define CL_SYMS 19 /* the code-length alphabet of a dynamic header */
#define END_BLOCK 256
#define CL_MAX_BITS 7
#define MIN_RUN 3
#define MAX_RUN 258
#define STORED_MAX 65535
/* Blocks are made of segments of this many bytes... */
#define SEGMENT_BYTES ((size_t)16384)
/* ...and split where two codes would save more than about a header's bits. */
#define SPLIT_BITS 800.0f

static const uint8_t LEN_EXTRA[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint8_t DIST_EXTRA[DIST_SYMS] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                              6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
static const uint8_t CL_ORDER[CL_SYMS] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                          11, 4,  12, 3, 13, 2, 14, 1, 15};
static const uint8_t CL_EXTRA[3] = {2, 3, 7}; /* for code-length symbols 16, 17, 18 */

/*
 * The output: bits are sent least significant first. Each put stores all 8
 * bytes of the buffer and advances over the whole ones, so up to 56 bits go
 * in per call, but it needs 8 bytes of room past the end of its output.
 */
struct bitw {
    unsigned char *p;
    uint64_t buf;
    unsigned n; /* bits in buf, below 8 between calls */
};
/* One code: the bit-reversed canonical code of each symbol, and its length (0: unused). */
struct code {
    uint16_t bits[LITLEN_SYMS];
    uint8_t len[LITLEN_SYMS];
};

/* A dynamic block's header: code lengths, run-length coded with symbols 16-18. */
struct header {
    unsigned hlit, hdist, hclen, ops;
    uint8_t op[LITLEN_SYMS + DIST_SYMS], extra[LITLEN_SYMS + DIST_SYMS];
    struct code cl;
    uint64_t bits;
};

/* A repeat of the bytes `dist` back, at data[pos]. */
struct run {
    size_t pos;
    unsigned len;
};

struct encoder {
    const deflate_fast_params *p;
    const unsigned char *data;
    size_t dict;
    struct run *runs; /* the repeats of the block, in order */
    size_t count, from, to;
    uint32_t lit_freq[LITLEN_SYMS], dist_freq[DIST_SYMS];
    unsigned run_sym[MAX_RUN - MIN_RUN + 1]; /* length symbol of each run length */
    unsigned dist_sym;
    struct code fixed_lit, fixed_dist, lit, dist;
    struct header h;
    struct bitw w;
    unsigned char *out;
    size_t room;
};

static void put(struct bitw *w, uint64_t bits, unsigned n)
{
    w->buf |= bits << w->n;
    w->n += n;
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(w->p, &w->buf, 8);
#else
    for (int k = 0; k < 8; k++)
        w->p[k] = (unsigned char)(w->buf >> 8 * k);
#endif
    w->p += w->n >> 3;
    w->buf >>= w->n & ~7u;
    w->n &= 7;
}

/* Flushes the pending bits, padding the last byte with zeros; stores only what it writes. */
static void align(struct bitw *w)
{
    if (w->n > 0)
        *w->p++ = (unsigned char)w->buf;
    w->buf = 0;
    w->n = 0;
}

static uint64_t bit_pos(const struct encoder *e)
{
    return (uint64_t)(e->w.p - e->out) * 8 + e->w.n;
}

/* Where the output ends if bit `pos` ends the blocks: after the sync flush's empty stored block
 * (3 bits, padding to a byte, LEN and NLEN) unless the last block was the final one. */
static uint64_t output_end(uint64_t pos, int last)
{
    return last ? (pos + 7) / 8 : (pos + 3 + 7) / 8 + 4;
}

/* ------------------------------------------------------------- codes */

static void fixed_codes(struct encoder *e)
{
    for (unsigned s = 0; s < LITLEN_SYMS; s++)
        e->fixed_lit.len[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
    for (unsigned s = 0; s < DIST_SYMS; s++)
        e->fixed_dist.len[s] = 5;
    huffman_codes(e->fixed_lit.len, e->fixed_lit.bits, LITLEN_SYMS);
    huffman_codes(e->fixed_dist.len, e->fixed_dist.bits, DIST_SYMS);
}

/* --------------------------------------------------------- the header */

static void add_op(struct header *h, unsigned op, unsigned extra, uint32_t *freq)
{
    h->op[h->ops] = (uint8_t)op;
    h->extra[h->ops++] = (uint8_t)extra;
    freq[op]++;
}

/* Run-length codes the lengths of both codes as one sequence, as RFC 1951 3.2.7 allows. */
static void code_lengths_ops(struct header *h, const uint8_t *seq, unsigned n, uint32_t *freq)
{
    h->ops = 0;
    for (unsigned i = 0; i < n;) {
        unsigned v = seq[i], run = 1;
        while (i + run < n && seq[i + run] == v)
            run++;
        i += run;
        if (v == 0) {
            for (; run >= 11; run -= run < 138 ? run : 138)
                add_op(h, 18, (run < 138 ? run : 138) - 11, freq);
            if (run >= 3) {
                add_op(h, 17, run - 3, freq);
                run = 0;
            }
        } else {
            add_op(h, v, 0, freq);
            for (run--; run >= 3; run -= run < 6 ? run : 6)
                add_op(h, 16, (run < 6 ? run : 6) - 3, freq);
        }
        for (; run > 0; run--)
            add_op(h, v, 0, freq);
    }
}

static void plan_header(struct encoder *e)
{
    struct header *h = &e->h;
    uint8_t seq[LITLEN_SYMS + DIST_SYMS];
    uint32_t freq[CL_SYMS] = {0};
    for (h->hlit = 286; h->hlit > 257 && !e->lit.len[h->hlit - 1]; h->hlit--)
        ;
    for (h->hdist = DIST_SYMS; h->hdist > 1 && !e->dist.len[h->hdist - 1]; h->hdist--)
        ;
    memcpy(seq, e->lit.len, h->hlit);
    memcpy(seq + h->hlit, e->dist.len, h->hdist);
    code_lengths_ops(h, seq, h->hlit + h->hdist, freq);
    huffman_lengths(freq, CL_SYMS, CL_MAX_BITS, h->cl.len);
    huffman_codes(h->cl.len, h->cl.bits, CL_SYMS);
    for (h->hclen = CL_SYMS; h->hclen > 4 && !h->cl.len[CL_ORDER[h->hclen - 1]]; h->hclen--)
        ;
    h->bits = 3 + 5 + 5 + 4 + 3 * (uint64_t)h->hclen;
    for (unsigned s = 0; s < CL_SYMS; s++)
        h->bits += (uint64_t)freq[s] * (h->cl.len[s] + (s >= 16 ? CL_EXTRA[s - 16] : 0));
}

static void put_header(struct encoder *e, int bfinal)
{
    const struct header *h = &e->h;
    put(&e->w, (unsigned)bfinal | 2u << 1, 3);
    put(&e->w, h->hlit - 257, 5);
    put(&e->w, h->hdist - 1, 5);
    put(&e->w, h->hclen - 4, 4);
    for (unsigned i = 0; i < h->hclen; i++)
        put(&e->w, h->cl.len[CL_ORDER[i]], 3);
    for (unsigned i = 0; i < h->ops; i++) {
        unsigned op = h->op[i];
        put(&e->w, h->cl.bits[op], h->cl.len[op]);
        if (op >= 16)
            put(&e->w, h->extra[i], CL_EXTRA[op - 16]);
    }
}

/* ----------------------------------------------------------- parsing */

/* How many bytes at p equal those at q, up to max; the loads stay inside [p, p + max). */
static size_t match_len(const unsigned char *p, const unsigned char *q, size_t max)
{
    size_t n = 0;
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; n + 8 <= max; n += 8) {
        uint64_t a, b;
        memcpy(&a, p + n, 8);
        memcpy(&b, q + n, 8);
        if (a != b)
            return n + (size_t)__builtin_ctzll(a ^ b) / 8;
    }
#endif
    while (n < max && p[n] == q[n])
        n++;
    return n;
}

/* The first i' >= i where 3 bytes repeat those `dist` back, inside [i, to); or to. */
static size_t find_repeat(const unsigned char *data, size_t i, size_t to, size_t dist)
{
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* 8 bytes compared at once settle 6 starting positions. */
    for (; i + 8 <= to; i += 6) {
        const uint64_t low7 = 0x7f7f7f7f7f7f7f7fu, high = 0x8080808080808080u;
        uint64_t a, b;
        memcpy(&a, data + i, 8);
        memcpy(&b, data + i - dist, 8);
        uint64_t x = a ^ b;
        uint64_t zero = ~(((x & low7) + low7) | x) & high; /* 0x80 where the bytes agree */
        uint64_t three = zero & zero >> 8 & zero >> 16 & 0x0000808080808080u;
        if (three)
            return i + (size_t)__builtin_ctzll(three) / 8;
    }
#endif
    for (; i + MIN_RUN <= to; i++) {
        /* q may be in the history before data: data[i - dist] would wrap the unsigned index. */
        const unsigned char *p = data + i, *q = p - dist;
        if (p[0] == q[0] && p[1] == q[1] && p[2] == q[2])
            return i;
    }
    return to;
}

/* Adds the byte counts of d[0, n) to freq; four tables, so equal neighbours do not stall. */
static void count_bytes(const unsigned char *d, size_t n, uint32_t *freq)
{
    uint32_t t[4][256];
    memset(t, 0, sizeof t);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        t[0][d[i]]++;
        t[1][d[i + 1]]++;
        t[2][d[i + 2]]++;
        t[3][d[i + 3]]++;
    }
    for (; i < n; i++)
        t[0][d[i]]++;
    for (unsigned s = 0; s < 256; s++)
        freq[s] += t[0][s] + t[1][s] + t[2][s] + t[3][s];
}

/*
 * The runs of data[from, to), greedy, each as long as it goes, and the symbol
 * counts: lit_freq holds the byte counts of data[from, to) on entry.
 */
static void parse(struct encoder *e, size_t from, size_t to)
{
    const unsigned char *data = e->data;
    size_t dist = e->p->dist, n = 0;
    /* Before `first` a repeat would reach back beyond the history. */
    size_t first = !dist ? to : dist > e->dict ? dist - e->dict : 0;
    for (size_t i = from > first ? from : first; i < to;) {
        i = find_repeat(data, i, to, dist);
        if (i >= to)
            break;
        size_t max = to - i < MAX_RUN ? to - i : MAX_RUN;
        unsigned r = (unsigned)match_len(data + i, data + i - dist, max);
        e->runs[n++] = (struct run){i, r};
        if (dist == 1) { /* the bytes of a run are all the same */
            e->lit_freq[data[i]] -= r;
        } else {
            for (size_t k = i; k < i + r; k++)
                e->lit_freq[data[k]]--;
        }
        e->lit_freq[e->run_sym[r - MIN_RUN]]++;
        e->dist_freq[e->dist_sym]++;
        i += r;
    }
    e->count = n;
}

/* ----------------------------------------------------------- writing */

/* Bits of the block's symbols and the end of block with codes lit and dist. */
static uint64_t data_bits(const struct encoder *e, const struct code *lit, const struct code *dist)
{
    uint64_t bits = 0;
    for (unsigned s = 0; s < 286; s++)
        bits += (uint64_t)e->lit_freq[s] * (lit->len[s] + (s > 256 ? LEN_EXTRA[s - 257] : 0));
    for (unsigned s = 0; s < DIST_SYMS; s++)
        bits += (uint64_t)e->dist_freq[s] * (dist->len[s] + DIST_EXTRA[s]);
    return bits;
}

/* The bits of n bytes stored from bit position pos: a block per 65535 bytes. */
static uint64_t stored_bits(uint64_t pos, size_t n)
{
    uint64_t start = pos;
    do {
        size_t k = n < STORED_MAX ? n : STORED_MAX;
        pos = (pos + 3 + 7) / 8 * 8 + 32 + 8 * (uint64_t)k;
        n -= k;
    } while (n > 0);
    return pos - start;
}

/* Stored blocks are written byte by byte, exactly: no slack needed past them. */
static void put_stored(struct bitw *w, const unsigned char *data, size_t n, int bfinal)
{
    do {
        size_t k = n < STORED_MAX ? n : STORED_MAX;
        w->buf |= (uint64_t)(bfinal && k == n) << w->n; /* BTYPE 00 */
        w->n += 3;
        for (; w->n > 0; w->n = w->n > 8 ? w->n - 8 : 0) {
            *w->p++ = (unsigned char)w->buf;
            w->buf >>= 8;
        }
        w->buf = 0;
        w->p[0] = (unsigned char)k;
        w->p[1] = (unsigned char)(k >> 8);
        w->p[2] = (unsigned char)~k;
        w->p[3] = (unsigned char)(~k >> 8);
        if (k) { /* data is NULL for the sync flush's empty block: no NULL + 0 */
            memcpy(w->p + 4, data, k);
            data += k;
        }
        w->p += 4 + k;
        n -= k;
    } while (n > 0);
}

/* The extra bits of a run of r + 3 bytes, above its length symbol's base. */
static unsigned run_extra(unsigned r)
{
    if (r < 8 || r == MAX_RUN - MIN_RUN)
        return 0;
    unsigned b = 31 - (unsigned)__builtin_clz(r);
    return r & ((1u << (b - 2)) - 1);
}

/*
 * Literals three at a time (3·15 bits fit in a put), or four when no code is
 * longer than 14 bits (as usual). lit[v]: code | length << 16.
 */
static void put_literals(struct bitw *w, const unsigned char *d, size_t n, const uint32_t *lit,
                         int four)
{
    size_t i = 0;
    if (four) {
        for (; i + 4 <= n; i += 4) {
            uint32_t a = lit[d[i]], b = lit[d[i + 1]], c = lit[d[i + 2]], e = lit[d[i + 3]];
            unsigned la = a >> 16, lb = b >> 16, lc = c >> 16, le = e >> 16;
            uint64_t ab = (a & 0xffff) | (uint64_t)(b & 0xffff) << la;
            uint64_t ce = (c & 0xffff) | (uint64_t)(e & 0xffff) << lc;
            put(w, ab | ce << (la + lb), la + lb + lc + le);
        }
    }
    for (; i + 3 <= n; i += 3) {
        uint32_t a = lit[d[i]], b = lit[d[i + 1]], c = lit[d[i + 2]];
        unsigned la = a >> 16, lb = b >> 16, lc = c >> 16;
        uint64_t bits =
            (a & 0xffff) | (uint64_t)(b & 0xffff) << la | (uint64_t)(c & 0xffff) << (la + lb);
        put(w, bits, la + lb + lc);
    }
    for (; i < n; i++)
        put(w, lit[d[i]] & 0xffff, lit[d[i]] >> 16);
}

/* The codes of the block's symbols and its end, after the header. */
static void put_symbols(struct encoder *e, const struct code *lit, const struct code *dist)
{
    uint32_t litc[256];
    uint64_t run_bits[MAX_RUN - MIN_RUN + 1];
    uint8_t run_len[MAX_RUN - MIN_RUN + 1];
    unsigned longest = 0;
    for (unsigned v = 0; v < 256; v++) {
        litc[v] = lit->bits[v] | (uint32_t)lit->len[v] << 16;
        longest = lit->len[v] > longest ? lit->len[v] : longest;
    }
    int four = longest <= 14;
    unsigned ds = e->dist_sym, dx = e->p->dist ? e->p->dist - 1 : 0;
    dx = ds >= 4 ? dx & ((1u << DIST_EXTRA[ds]) - 1) : 0; /* what is left above the base */
    uint64_t dbits = dist->bits[ds] | (uint64_t)dx << dist->len[ds];
    unsigned dlen = dist->len[ds] + DIST_EXTRA[ds];
    /* A run and its distance in one put: at most 15 + 5 + 15 + 13 bits. */
    for (unsigned r = 0; r <= MAX_RUN - MIN_RUN; r++) {
        unsigned s = e->run_sym[r], l = lit->len[s] + LEN_EXTRA[s - 257];
        run_bits[r] = lit->bits[s] | (uint64_t)run_extra(r) << lit->len[s] | dbits << l;
        run_len[r] = (uint8_t)(l + dlen);
    }
    struct bitw w = e->w; /* a local copy stays in registers */
    size_t at = e->from;
    for (size_t k = 0; k < e->count; k++) {
        const struct run *r = &e->runs[k];
        put_literals(&w, e->data + at, r->pos - at, litc, four);
        put(&w, run_bits[r->len - MIN_RUN], run_len[r->len - MIN_RUN]);
        at = r->pos + r->len;
    }
    put_literals(&w, e->data + at, e->to - at, litc, four);
    put(&w, lit->bits[END_BLOCK], lit->len[END_BLOCK]);
    e->w = w;
}

static void put_huffman(struct encoder *e, int bfinal, int dynamic)
{
    if (dynamic) {
        put_header(e, bfinal);
        put_symbols(e, &e->lit, &e->dist);
    } else {
        put(&e->w, (unsigned)bfinal | 1u << 1, 3);
        put_symbols(e, &e->fixed_lit, &e->fixed_dist);
    }
}

/* A Huffman block ending `end` bytes in; through a copy when the slack of put is not there. */
static convtool_status put_huffman_within(struct encoder *e, size_t end, int bfinal, int dynamic)
{
    if (end <= e->room && e->room - end >= 8) {
        put_huffman(e, bfinal, dynamic);
        return CONVTOOL_OK;
    }
    size_t at = (size_t)(e->w.p - e->out);
    unsigned char *tmp = malloc(end - at + 8);
    if (!tmp)
        return CONVTOOL_ENOMEM;
    e->w.p = tmp;
    put_huffman(e, bfinal, dynamic);
    size_t got = (size_t)(e->w.p - tmp);
    memcpy(e->out + at, tmp, got);
    e->w.p = e->out + at + got;
    free(tmp);
    return CONVTOOL_OK;
}

/* Codes data[from, to) as the smallest of a dynamic, fixed or stored block, if it fits. */
static convtool_status encode_block(struct encoder *e, size_t from, size_t to, int bfinal, int last)
{
    e->from = from;
    e->to = to;
    memset(e->lit_freq + 256, 0, sizeof e->lit_freq - 256 * sizeof e->lit_freq[0]);
    memset(e->dist_freq, 0, sizeof e->dist_freq);
    parse(e, from, to);
    e->lit_freq[END_BLOCK] = 1;
    huffman_lengths(e->lit_freq, LITLEN_SYMS, HUFFMAN_MAX_BITS, e->lit.len);
    huffman_lengths(e->dist_freq, DIST_SYMS, HUFFMAN_MAX_BITS, e->dist.len);
    huffman_codes(e->lit.len, e->lit.bits, LITLEN_SYMS);
    huffman_codes(e->dist.len, e->dist.bits, DIST_SYMS);
    plan_header(e);
    uint64_t pos = bit_pos(e);
    uint64_t dynamic = e->h.bits + data_bits(e, &e->lit, &e->dist);
    uint64_t fixed = 3 + data_bits(e, &e->fixed_lit, &e->fixed_dist);
    uint64_t stored = stored_bits(pos, to - from);
    uint64_t best = dynamic < fixed ? dynamic : fixed;
    best = stored < best ? stored : best;
    uint64_t end = (pos + best + 7) / 8;
    if (output_end(pos + best, last) > e->room)
        return CONVTOOL_EOVERFLOW;
    if (best == stored) {
        put_stored(&e->w, e->data + from, to - from, bfinal);
        return CONVTOOL_OK;
    }
    return put_huffman_within(e, (size_t)end, bfinal, best == dynamic);
}

/* ------------------------------------------------------ block splits */

/* log2(x) for x >= 1 to about 0.01: the exponent, and a parabola through the mantissa. */
static float approx_log2(float x)
{
    uint32_t i;
    memcpy(&i, &x, sizeof i);
    float e = (float)((int)(i >> 23) - 127);
    i = (i & 0x7fffffu) | 0x3f800000u;
    float m;
    memcpy(&m, &i, sizeof m);
    return e + (-0.34484843f * m + 2.02466578f) * m - 0.67487759f;
}

/* The entropy in bits of bytes counted in h (n in all): what a Huffman code nearly reaches. */
static float entropy_bits(const uint32_t *h, uint32_t n)
{
    float sum = 0.0f;
    for (unsigned s = 0; s < 256; s++)
        if (h[s])
            sum += (float)h[s] * approx_log2((float)h[s]);
    return n ? (float)n * approx_log2((float)n) - sum : 0.0f;
}

/*
 * Where the block from `at` ends, at most max bytes on: segments are added
 * while the bytes of both code about as well with one code as with two, by
 * their entropy, give or take the cost of another header. On return
 * e->lit_freq holds the byte counts of the block.
 */
static size_t block_end(struct encoder *e, size_t at, size_t len, size_t max)
{
    uint32_t seg[256];
    size_t first = max < SEGMENT_BYTES ? max : SEGMENT_BYTES;
    size_t end = at + (len - at < first ? len - at : first);
    memset(e->lit_freq, 0, 256 * sizeof e->lit_freq[0]);
    count_bytes(e->data + at, end - at, e->lit_freq);
    float block_bits = entropy_bits(e->lit_freq, (uint32_t)(end - at));
    while (end < len && end - at < max) {
        size_t n = len - end < SEGMENT_BYTES ? len - end : SEGMENT_BYTES;
        n = n < max - (end - at) ? n : max - (end - at);
        uint32_t both[256];
        memset(seg, 0, sizeof seg);
        count_bytes(e->data + end, n, seg);
        for (unsigned s = 0; s < 256; s++)
            both[s] = e->lit_freq[s] + seg[s];
        float joined = entropy_bits(both, (uint32_t)(end - at + n));
        if (joined > block_bits + entropy_bits(seg, (uint32_t)n) + SPLIT_BITS)
            break;
        memcpy(e->lit_freq, both, sizeof both);
        block_bits = joined;
        end += n;
    }
    return end;
}

/* ------------------------------------------------------------- setup */

static unsigned length_symbol(unsigned r) /* r: run length − 3 */
{
    if (r < 8)
        return 257 + r;
    if (r == MAX_RUN - MIN_RUN)
        return 285;
    unsigned b = 31 - (unsigned)__builtin_clz(r);
    return 257 + 4 * (b - 1) + ((r >> (b - 2)) & 3);
}

static unsigned distance_symbol(unsigned d)
{
    unsigned x = d - 1;
    if (x < 4)
        return x;
    unsigned b = 31 - (unsigned)__builtin_clz(x);
    return 2 * b + ((x >> (b - 1)) & 1);
}

static void init_encoder(struct encoder *e)
{
    for (unsigned r = 0; r <= MAX_RUN - MIN_RUN; r++)
        e->run_sym[r] = length_symbol(r);
    e->dist_sym = e->p->dist ? distance_symbol(e->p->dist) : 0;
    fixed_codes(e);
    e->w.p = e->out;
    e->w.buf = 0;
    e->w.n = 0;
}

convtool_status deflate_fast(const deflate_fast_params *p, const unsigned char *data, size_t dict,
                             size_t len, int last, unsigned char *out, size_t room, size_t *written)
{
    if (written)
        *written = 0;
    if (!p || !written || !out || (!data && len) || p->block_bytes == 0 ||
        p->block_bytes > DEFLATE_FAST_MAX_BLOCK || p->dist > DEFLATE_FAST_WINDOW)
        return CONVTOOL_EINVAL;
    size_t block = p->block_bytes < len ? p->block_bytes : len;
    struct encoder *e = calloc(1, sizeof *e);
    /* A run takes at least 3 bytes. */
    size_t max_runs = block / MIN_RUN + 1;
    struct run *runs = max_runs <= SIZE_MAX / sizeof *runs ? malloc(max_runs * sizeof *runs) : NULL;
    convtool_status st = e && runs ? CONVTOOL_OK : CONVTOOL_ENOMEM;
    if (st != CONVTOOL_OK)
        goto cleanup;
    *e = (struct encoder){
        .p = p, .data = data, .dict = dict, .runs = runs, .out = out, .room = room};
    init_encoder(e);
    size_t at = 0;
    do {
        size_t end = block_end(e, at, len, block);
        if (end == at && !last)
            break;
        st = encode_block(e, at, end, last && end == len, last);
        at = end;
    } while (st == CONVTOOL_OK && at < len);
    if (st == CONVTOOL_OK && !last) { /* room for it was kept by encode_block */
        if (output_end(bit_pos(e), 0) > room)
            st = CONVTOOL_EOVERFLOW;
        else
            put_stored(&e->w, NULL, 0, 0);
    }
    if (st == CONVTOOL_OK) {
        align(&e->w);
        *written = (size_t)(e->w.p - out);
    }
cleanup:
    free(runs);
    free(e);
    return st;
}
