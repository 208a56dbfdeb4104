/*
 * ISA-L's streaming inflate against libdeflate's whole-buffer one, which was
 * the fast PNG decoder's only inflater before: for PNGs of every colour type,
 * bit depth and interlace, zlib level and strategy, and image data split over
 * many IDAT chunks or at every byte, both give the same status and the same
 * pixels; so do damaged, truncated and overlong streams, byte by byte, and
 * the stream read back in pieces of any size. Skipped when either inflater is
 * not built in. Run under the Asan build for the damaged streams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "convtool/convtool.h"
#include "codec/png_inflate.h"
#include "codec/png_read.h"
#include "codec/stb_codec.h"
#include "test_helpers.h"

#define MAX_PIECES 4096

/* ------------------------------------------------------------ streams */

/* Image-like data: runs, ramps and noise, so that DEFLATE finds matches of every kind. */
static unsigned char *make_data(size_t n, unsigned seed)
{
    unsigned char *d = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        switch ((i / 97 + seed) % 4) {
        case 0: d[i] = (unsigned char)(i / 13); break;
        case 1: d[i] = (unsigned char)test_rand(&seed); break;
        case 2: d[i] = (unsigned char)(i % 7 * 31); break;
        default: d[i] = i >= 300 ? d[i - 300 + test_rand(&seed) % 5] : 0; break;
        }
    }
    return d;
}

static unsigned char *deflate_zlib(const unsigned char *d, size_t n, int level, int strategy,
                                   size_t *zlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, level, Z_DEFLATED, 15, 8, strategy), Z_OK);
    size_t cap = deflateBound(&zs, (uLong)n) + 16;
    unsigned char *z = malloc(cap);
    zs.next_in = (Bytef *)d;
    zs.avail_in = (uInt)n;
    zs.next_out = z;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *zlen = zs.total_out;
    deflateEnd(&zs);
    return z;
}

/* A png_zsource over a list of pieces. */
struct pieces {
    const unsigned char *p[MAX_PIECES];
    size_t n[MAX_PIECES];
    size_t count, next, total;
};

static size_t next_piece(void *ctx, const unsigned char **piece)
{
    struct pieces *s = ctx;
    if (s->next == s->count)
        return 0;
    *piece = s->p[s->next];
    return s->n[s->next++];
}

/* z cut at the given offsets (increasing, inside z). */
static void cut(struct pieces *s, const unsigned char *z, size_t zlen, const size_t *at, size_t k)
{
    memset(s, 0, sizeof *s);
    size_t from = 0;
    for (size_t i = 0; i <= k; i++) {
        size_t to = i < k ? at[i] : zlen;
        if (to > from) {
            s->p[s->count] = z + from;
            s->n[s->count++] = to - from;
        }
        from = to;
    }
    s->total = zlen;
}

/*
 * Both inflaters on the pieces into n bytes: the same status and bytes. On a
 * damaged stream (damaged != 0) one difference is allowed: where the input
 * ends inside the stream, libdeflate decodes the zeros it reads past the end,
 * and when they overflow the output it says EUNSUPPORTED (then stb decodes
 * the file, and fails on it too: test_png_data_cut); ISA-L says ECORRUPT.
 */
static convtool_status inflate_both(const struct pieces *s, size_t n, int damaged,
                                    unsigned char **out)
{
    struct pieces a = *s, b = *s;
    unsigned char *x = malloc(n + 1), *y = malloc(n + 1);
    convtool_status sx =
        png_inflate_whole(PNG_INFLATE_LIBDEFLATE, next_piece, &a, s->total, x, n);
    convtool_status sy = png_inflate_whole(PNG_INFLATE_ISAL, next_piece, &b, s->total, y, n);
    if (!(damaged && sx == CONVTOOL_EUNSUPPORTED && sy == CONVTOOL_ECORRUPT))
        assert_int_equal(sy, sx);
    if (sx == CONVTOOL_OK)
        assert_memory_equal(x, y, n);
    free(y);
    if (out)
        *out = x;
    else
        free(x);
    return sx;
}

static int both_built(void)
{
    return png_inflate_available(PNG_INFLATE_ISAL) &&
           png_inflate_available(PNG_INFLATE_LIBDEFLATE);
}

#define NEED_BOTH()                                                                            \
    do {                                                                                       \
        if (!both_built())                                                                     \
            skip();                                                                            \
    } while (0)

/* Every level and strategy, exact, short and long output sizes. */
static void test_levels_and_sizes(void **state)
{
    NEED_BOTH();
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
                                     Z_FIXED};
    static const size_t sizes[] = {0, 1, 2, 100, 32768, 32769, 70000, 200000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int level = 0; level <= 9; level += 3)
            for (size_t k = 0; k < sizeof strategies / sizeof *strategies; k++) {
                size_t n = sizes[i], zlen;
                unsigned char *d = make_data(n, (unsigned)(i + k));
                unsigned char *z = deflate_zlib(d, n, level, strategies[k], &zlen);
                struct pieces s;
                cut(&s, z, zlen, NULL, 0);
                unsigned char *out;
                assert_int_equal(inflate_both(&s, n, 0, &out), CONVTOOL_OK);
                assert_memory_equal(out, d, n);
                free(out);
                if (n > 0) { /* asking for less: the stream is longer (stb's to decode) */
                    assert_int_equal(inflate_both(&s, n - 1, 0, NULL), CONVTOOL_EUNSUPPORTED);
                }
                assert_int_equal(inflate_both(&s, n + 1, 0, NULL), CONVTOOL_ECORRUPT);
                free(z);
                free(d);
            }
}

/* A small stream cut in two at every byte, and in pieces of every size up to 40. */
static void test_every_split(void **state)
{
    NEED_BOTH();
    size_t n = 3000, zlen;
    unsigned char *d = make_data(n, 7);
    unsigned char *z = deflate_zlib(d, n, 6, Z_DEFAULT_STRATEGY, &zlen);
    struct pieces s;
    for (size_t at = 0; at <= zlen; at++) {
        cut(&s, z, zlen, &at, 1);
        assert_int_equal(inflate_both(&s, n, 0, NULL), CONVTOOL_OK);
    }
    for (size_t step = 1; step <= 40; step++) {
        size_t at[MAX_PIECES], k = 0;
        for (size_t off = step; off < zlen && k < MAX_PIECES; off += step)
            at[k++] = off;
        cut(&s, z, zlen, at, k);
        assert_int_equal(inflate_both(&s, n, 0, NULL), CONVTOOL_OK);
    }
    free(z);
    free(d);
}

/* The streaming reader gives the same bytes in output pieces of any size. */
static void test_read_in_pieces(void **state)
{
    if (!png_inflate_available(PNG_INFLATE_ISAL))
        skip();
    size_t n = 150000, zlen;
    unsigned char *d = make_data(n, 3);
    unsigned char *z = deflate_zlib(d, n, 9, Z_DEFAULT_STRATEGY, &zlen);
    unsigned char *out = malloc(n);
    static const size_t steps[] = {1, 3, 255, 4096, 65535, 65536, 150000};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        struct pieces s;
        size_t at[] = {5, 1000, 1001, 40000};
        cut(&s, z, zlen, at, 4);
        struct png_inflate *st = png_inflate_open(next_piece, &s);
        assert_non_null(st);
        memset(out, 0, n);
        for (size_t off = 0; off < n; off += steps[i]) {
            size_t k = n - off < steps[i] ? n - off : steps[i];
            assert_int_equal(png_inflate_read(st, out + off, k), CONVTOOL_OK);
        }
        assert_int_equal(png_inflate_end(st), CONVTOOL_OK);
        assert_memory_equal(out, d, n);
        png_inflate_close(st);
    }
    free(out);
    free(z);
    free(d);
}

/* Truncated anywhere, and bytes flipped anywhere: the same verdict, never a crash. */
static void test_damaged_streams(void **state)
{
    NEED_BOTH();
    static const unsigned char flips[] = {0x01, 0x10, 0x80, 0xff};
    static const int levels[] = {1, 9};
    for (int l = 0; l < 2; l++) {
        size_t n = 2500, zlen;
        unsigned char *d = make_data(n, 11);
        unsigned char *z = deflate_zlib(d, n, levels[l], l ? Z_DEFAULT_STRATEGY : Z_FIXED, &zlen);
        struct pieces s;
        for (size_t len = 0; len < zlen; len++) {
            cut(&s, z, len, NULL, 0);
            convtool_status st = inflate_both(&s, n, 1, NULL);
            if (len + 4 < zlen) /* DEFLATE data missing, not just the Adler-32 (unchecked) */
                assert_int_not_equal(st, CONVTOOL_OK);
        }
        for (size_t off = 0; off < zlen; off++)
            for (size_t k = 0; k < sizeof flips; k++) {
                z[off] ^= flips[k];
                size_t at = off / 2;
                cut(&s, z, zlen, &at, 1);
                inflate_both(&s, n, 1, NULL);
                z[off] ^= flips[k];
            }
        free(z);
        free(d);
    }
}

/* Random garbage after a valid zlib header: whatever it is, the same verdict. */
static void test_random_streams(void **state)
{
    NEED_BOTH();
    unsigned seed = 99;
    unsigned char z[600];
    for (int t = 0; t < 20000; t++) {
        size_t zlen = 2 + (size_t)test_rand_range(&seed, 0, 598);
        z[0] = 0x78, z[1] = 0x9c;
        for (size_t i = 2; i < zlen; i++)
            z[i] = (unsigned char)test_rand(&seed);
        if (t % 2) /* a dynamic-Huffman block header, so that code tables get built */
            z[2] = (unsigned char)((z[2] & ~6u) | 4u);
        struct pieces s;
        cut(&s, z, zlen, NULL, 0);
        inflate_both(&s, (size_t)test_rand_range(&seed, 0, 3000), 1, NULL);
    }
}

/* ---------------------------------------------------------------- PNGs */

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static void chunk(convtool_buffer *out, const char *type, const void *data, size_t n)
{
    unsigned char head[8], crc[4];
    put32(head, (uint32_t)n);
    memcpy(head + 4, type, 4);
    uLong c = crc32(crc32(0, head + 4, 4), data, (uInt)n);
    put32(crc, (uint32_t)c);
    convtool_buffer_append(out, head, 8);
    if (n)
        convtool_buffer_append(out, data, n);
    convtool_buffer_append(out, crc, 4);
}

static size_t filtered_bytes(uint32_t w, uint32_t h, int bits_per_px)
{
    return h * (1 + ((size_t)w * (size_t)bits_per_px + 7) / 8);
}

/* The image data's size: one pass, or Adam7's seven. */
static size_t data_size(uint32_t w, uint32_t h, int bits_per_px, int interlace)
{
    if (!interlace)
        return filtered_bytes(w, h, bits_per_px);
    static const int x0[7] = {0, 4, 0, 2, 0, 1, 0}, y0[7] = {0, 0, 4, 0, 2, 0, 1};
    static const int dx[7] = {8, 8, 4, 4, 2, 2, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
    size_t n = 0;
    for (int p = 0; p < 7; p++) {
        uint32_t pw = (w + (uint32_t)(dx[p] - x0[p] - 1)) / (uint32_t)dx[p];
        uint32_t ph = (h + (uint32_t)(dy[p] - y0[p] - 1)) / (uint32_t)dy[p];
        if (pw && ph)
            n += filtered_bytes(pw, ph, bits_per_px);
    }
    return n;
}

/* A PNG with random rows (filter types 0..4) of the given kind, its data in IDATs of `split`. */
static void make_png_cut(convtool_buffer *out, uint32_t w, uint32_t h, int color, int depth,
                         int interlace, size_t split, unsigned seed, size_t keep)
{
    static const int channels[7] = {1, 0, 3, 1, 2, 0, 4};
    unsigned char hdr[13];
    put32(hdr, w), put32(hdr + 4, h);
    hdr[8] = (unsigned char)depth, hdr[9] = (unsigned char)color;
    hdr[10] = hdr[11] = 0, hdr[12] = (unsigned char)interlace;
    convtool_buffer_append(out, "\x89PNG\r\n\x1a\n", 8);
    chunk(out, "IHDR", hdr, 13);
    if (color == 3) {
        unsigned char plte[3 * 256];
        for (int i = 0; i < 3 * 256; i++)
            plte[i] = (unsigned char)(i * 7);
        chunk(out, "PLTE", plte, (size_t)3 << depth);
    }
    size_t n = data_size(w, h, channels[color] * depth, interlace), zlen;
    unsigned char *raw = make_data(n, seed);
    size_t row = 1 + ((size_t)w * (size_t)(channels[color] * depth) + 7) / 8;
    for (size_t i = 0; i < n; i++) /* palette indices stay inside the palette when small */
        if (color == 3 && depth == 8)
            raw[i] &= 0x7f;
    for (size_t i = 0; !interlace && i < n; i += row)
        raw[i] = (unsigned char)(i / row % 5);
    unsigned char *z = deflate_zlib(raw, n, 6, Z_DEFAULT_STRATEGY, &zlen);
    if (keep < zlen)
        zlen = keep;
    size_t step = split ? split : zlen;
    for (size_t off = 0; off < zlen; off += step)
        chunk(out, "IDAT", z + off, zlen - off < step ? zlen - off : step);
    chunk(out, "IEND", NULL, 0);
    free(z);
    free(raw);
}

static void make_png(convtool_buffer *out, uint32_t w, uint32_t h, int color, int depth,
                     int interlace, size_t split, unsigned seed)
{
    make_png_cut(out, w, h, color, depth, interlace, split, seed, SIZE_MAX);
}

static size_t pixel_bytes(const convtool_pixels *px)
{
    return (size_t)px->width * (size_t)px->height * (size_t)px->channels *
           (size_t)(px->depth / 8);
}

/* The fast decoder with each inflater: the same status and the same pixels. */
static convtool_status decode_both(const convtool_buffer *b)
{
    convtool_pixels x, y;
    convtool_status sx = png_read_fast_using(PNG_INFLATE_LIBDEFLATE, b->data, b->len, NULL, &x);
    convtool_status sy = png_read_fast_using(PNG_INFLATE_ISAL, b->data, b->len, NULL, &y);
    assert_int_equal(sy, sx);
    if (sx == CONVTOOL_OK) {
        assert_int_equal(x.width, y.width);
        assert_int_equal(x.channels, y.channels);
        assert_memory_equal(x.data, y.data, pixel_bytes(&x));
        convtool_pixels_free(&x);
        convtool_pixels_free(&y);
    }
    return sx;
}

/*
 * Every colour type, depth and interlace. The fast decoder takes 8- and
 * 16-bit gray, gray+alpha, RGB and RGBA without interlace (OK); the rest is
 * stb's with either inflater (EUNSUPPORTED from both).
 */
static void test_png_kinds(void **state)
{
    NEED_BOTH();
    static const int kinds[][2] = {{0, 1}, {0, 2}, {0, 4}, {0, 8}, {0, 16}, {2, 8}, {2, 16},
                                   {3, 1}, {3, 2}, {3, 4}, {3, 8}, {4, 8}, {4, 16}, {6, 8},
                                   {6, 16}};
    static const size_t splits[] = {0, 1, 2, 7, 64, 1000};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        for (int interlace = 0; interlace <= 1; interlace++)
            for (size_t s = 0; s < sizeof splits / sizeof *splits; s++) {
                convtool_buffer b = {0};
                make_png(&b, 37, 23, kinds[k][0], kinds[k][1], interlace, splits[s],
                         (unsigned)(k * 7 + s));
                int ours = !interlace && kinds[k][0] != 3 && kinds[k][1] >= 8;
                assert_int_equal(decode_both(&b), ours ? CONVTOOL_OK : CONVTOOL_EUNSUPPORTED);
                convtool_buffer_free(&b);
            }
}

/*
 * What the program gets with an inflater: the fast decoder's result, or stb's
 * when the fast decoder leaves the file to it (as image/decode_contained.c does).
 */
static convtool_status decode_as_program(enum png_inflater which, const convtool_buffer *b,
                                         int depth, convtool_pixels *px)
{
    convtool_status st = png_read_fast_using(which, b->data, b->len, NULL, px);
    if (st != CONVTOOL_EUNSUPPORTED)
        return st;
    int w = 0, h = 0, n = 0;
    void *data = NULL;
    st = depth == 16 ? stb_codec_decode16(b->data, b->len, &w, &h, &n, (uint16_t **)&data)
                     : stb_codec_decode8(b->data, b->len, &w, &h, &n, (unsigned char **)&data);
    *px = (convtool_pixels){w, h, n, depth, NULL};
    if (st == CONVTOOL_OK) { /* into malloc'ed memory, as the fast decoder's */
        px->data = malloc(pixel_bytes(px));
        memcpy(px->data, data, pixel_bytes(px));
    }
    stb_codec_free(data);
    return st;
}

/* The program's result with either inflater, x and y, agree (pixels included). */
static void same_result(const convtool_buffer *b, int depth)
{
    convtool_pixels x, y;
    convtool_status sx = decode_as_program(PNG_INFLATE_LIBDEFLATE, b, depth, &x);
    convtool_status sy = decode_as_program(PNG_INFLATE_ISAL, b, depth, &y);
    assert_int_equal(sy, sx);
    if (sx == CONVTOOL_OK)
        assert_memory_equal(x.data, y.data, pixel_bytes(&x));
    convtool_pixels_free(&x);
    convtool_pixels_free(&y);
}

/*
 * The image data cut at every byte inside an intact file: the inflaters may
 * differ on who reports it (libdeflate's verdict depends on what it decodes
 * from the zeros it reads past the end, ISA-L's does not), but the program's
 * result, after stb's for the files left to it, is the same.
 */
static void test_png_data_cut(void **state)
{
    NEED_BOTH();
    static const int kinds[][2] = {{0, 8}, {2, 8}, {6, 16}};
    for (size_t k = 0; k < 3; k++) {
        convtool_buffer full = {0};
        make_png(&full, 29, 13, kinds[k][0], kinds[k][1], 0, 0, (unsigned)k);
        for (size_t keep = 0; keep < full.len; keep++) {
            convtool_buffer b = {0};
            make_png_cut(&b, 29, 13, kinds[k][0], kinds[k][1], 0, 0, (unsigned)k, keep);
            if (b.len >= full.len) {
                convtool_buffer_free(&b);
                break;
            }
            same_result(&b, kinds[k][1]);
            convtool_buffer_free(&b);
        }
        convtool_buffer_free(&full);
    }
}


/* A PNG truncated at every byte and damaged at every byte: the same result from both. */
static void test_png_damaged(void **state)
{
    NEED_BOTH();
    static const unsigned char flips[] = {0x01, 0x21, 0xff};
    convtool_buffer b = {0};
    make_png(&b, 19, 11, 2, 16, 0, 50, 5);
    for (size_t len = 0; len < b.len; len++) {
        convtool_buffer t = {b.data, len, len, 0};
        same_result(&t, 16);
    }
    for (size_t off = 0; off < b.len; off++)
        for (size_t k = 0; k < sizeof flips; k++) {
            b.data[off] ^= flips[k];
            same_result(&b, 16);
            b.data[off] ^= flips[k];
        }
    convtool_buffer_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels_and_sizes), cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_read_in_pieces),   cmocka_unit_test(test_damaged_streams),
        cmocka_unit_test(test_random_streams),   cmocka_unit_test(test_png_kinds),
        cmocka_unit_test(test_png_data_cut),     cmocka_unit_test(test_png_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
