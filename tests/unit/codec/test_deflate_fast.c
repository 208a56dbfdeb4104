/*
 * deflate_fast: every stream inflates to exactly its input with zlib's
 * inflate, and, wrapped in a PNG, with libdeflate (png_read_fast) and
 * stb_image (stb_codec_decode8), three independent inflaters. Covered: empty
 * and tiny inputs, runs of every length, all byte values, degenerate
 * alphabets (one literal, no distances), incompressible data (stored
 * blocks), filtered image rows, strips joined with sync flushes into one
 * stream, and the exact room needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "codec/deflate_fast.h"
#include "codec/png_filter.h"
#include "png_builder.h"
#include "codec/png_read.h"
#include "stb_check.h"
#include "test_helpers.h"

#define BLOCK ((size_t)512 * 1024) /* png_write.c's blocks */

struct stream {
    unsigned char *data;
    size_t len;
};

/* png_write.c's slot bound for n bytes (deflate_room), which deflate_fast must keep to. */
static size_t room_for(size_t n)
{
    return n + (n + 7) / 8 + (n + 63) / 64 + 32;
}

static struct stream compress_with(const unsigned char *d, size_t dict, size_t n, int last,
                                   unsigned dist, size_t block)
{
    /* Tiny blocks cost up to 5 bytes each more than their stored bytes. */
    size_t room = room_for(n) + (block < 16384 ? 5 * (n / block + 1) : 0);
    struct stream s = {malloc(room), 0};
    assert_non_null(s.data);
    deflate_fast_params p = {block, dist};
    assert_int_equal(deflate_fast(&p, d, dict, n, last, s.data, room, &s.len), CONVTOOL_OK);
    assert_true(s.len <= room);
    return s;
}

static struct stream deflate_plain(const unsigned char *d, size_t n, int last)
{
    return compress_with(d, 0, n, last, 1, BLOCK);
}

/* zlib's raw inflate, primed with the `dict` bytes before want: exactly want[0, n), then the end.
 */
static void inflate_zlib(const struct stream *s, const unsigned char *want, size_t dict, size_t n,
                         int last)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, -15), Z_OK);
    if (dict)
        assert_int_equal(inflateSetDictionary(&z, want - dict, (uInt)dict), Z_OK);
    unsigned char *got = malloc(n + 1); /* one spare byte: no more output than n */
    z.next_in = s->data;
    z.avail_in = (uInt)s->len;
    z.next_out = got;
    z.avail_out = (uInt)n + 1;
    assert_int_equal(inflate(&z, Z_SYNC_FLUSH), last ? Z_STREAM_END : Z_OK);
    assert_int_equal(z.avail_in, 0);
    assert_int_equal(z.total_out, n);
    if (n)
        assert_memory_equal(got, want, n);
    inflateEnd(&z);
    free(got);
}

/* A w×h PNG (c channels) whose image data is the final stream s of the filtered rows raw. */
static convtool_buffer wrap_png(const struct stream *s, const unsigned char *raw, int w, int h,
                                int c)
{
    static const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    static const unsigned char color_type[5] = {0, 0, 4, 2, 6};
    size_t raw_len = (size_t)h * ((size_t)w * (size_t)c + 1);
    unsigned char ihdr[13] = {0};
    pb_be32(ihdr, (uint32_t)w);
    pb_be32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;
    ihdr[9] = color_type[c];
    unsigned char *z = malloc(s->len + 6);
    z[0] = 0x78;
    z[1] = 0x01;
    memcpy(z + 2, s->data, s->len);
    pb_be32(z + 2 + s->len, (uint32_t)adler32(1, raw, (uInt)raw_len));
    convtool_buffer b = {0};
    assert_int_equal(convtool_buffer_append(&b, sig, 8), CONVTOOL_OK);
    pb_chunk(&b, "IHDR", ihdr, sizeof ihdr);
    pb_chunk(&b, "IDAT", z, s->len + 6);
    pb_chunk(&b, "IEND", NULL, 0);
    free(z);
    return b;
}

/* libdeflate (convtool's fast PNG reader) and stb_image both give back the pixels px. */
static void decode_png_both(const convtool_buffer *png, const unsigned char *px, int w, int h,
                            int c)
{
    size_t n = (size_t)w * (size_t)h * (size_t)c;
    convtool_pixels fast;
    convtool_status st = png_read_fast(png->data, png->len, NULL, &fast);
    if (st != CONVTOOL_EUNSUPPORTED) { /* a build without libdeflate leaves it all to stb */
        assert_int_equal(st, CONVTOOL_OK);
        assert_int_equal(fast.width, w);
        assert_int_equal(fast.height, h);
        assert_int_equal(fast.channels, c);
        assert_memory_equal(fast.data, px, n);
        convtool_pixels_free(&fast);
    }
    assert_stb_decodes(png->data, png->len, px, w, h, c);
}

/* Rows of px with filter type 0 (none): the stream is the pixels, a zero before each row. */
static unsigned char *unfiltered_rows(const unsigned char *px, int w, int h, int c)
{
    size_t row = (size_t)w * (size_t)c;
    unsigned char *raw = malloc((size_t)h * (row + 1));
    for (size_t y = 0; y < (size_t)h; y++) {
        raw[y * (row + 1)] = 0;
        memcpy(raw + y * (row + 1) + 1, px + y * row, row);
    }
    return raw;
}

/* The rows of px, compressed in one final stream: zlib, libdeflate and stb all decode it. */
static struct stream check_image(const unsigned char *px, int w, int h, int c, unsigned dist,
                                 size_t block)
{
    size_t n = (size_t)h * ((size_t)w * (size_t)c + 1);
    unsigned char *raw = unfiltered_rows(px, w, h, c);
    struct stream s = compress_with(raw, 0, n, 1, dist, block);
    inflate_zlib(&s, raw, 0, n, 1);
    convtool_buffer png = wrap_png(&s, raw, w, h, c);
    decode_png_both(&png, px, w, h, c);
    convtool_buffer_free(&png);
    free(raw);
    return s;
}

/* The type of the stream's first block: 0 stored, 1 fixed, 2 dynamic Huffman codes. */
static int first_block_type(const struct stream *s)
{
    return (s->data[0] >> 1) & 3;
}

/* -------------------------------------------------------------- cases */

static void test_empty_and_tiny(void **state)
{
    (void)state;
    const unsigned char bytes[2] = {42, 42};
    for (int last = 0; last <= 1; last++)
        for (size_t n = 0; n <= 2; n++) {
            struct stream s = deflate_plain(bytes, n, last);
            inflate_zlib(&s, bytes, 0, n, last);
            free(s.data);
        }
    static const unsigned char values[3] = {0, 7, 255};
    for (int i = 0; i < 3; i++) /* a 1×1 gray PNG: the stream is 0, value */
        free(check_image(&values[i], 1, 1, 1, 1, BLOCK).data);
}

/* Runs of every length: all-equal inputs, and each length 1..300 between other bytes. */
static void test_runs(void **state)
{
    (void)state;
    unsigned char *d = malloc(50000);
    memset(d, 'A', 50000);
    for (size_t n = 0; n <= 1100; n += n < 300 ? 1 : 37) {
        struct stream s = deflate_plain(d, n, 1);
        inflate_zlib(&s, d, 0, n, 1);
        free(s.data);
    }
    size_t n = 0;
    for (unsigned len = 1; len <= 300; len++) {
        memset(d + n, (int)(len % 200 + 1), len);
        d[n + len] = 0;
        n += len + 1;
    }
    struct stream s = deflate_plain(d, n, 1);
    inflate_zlib(&s, d, 0, n, 1);
    assert_true(s.len < n / 4);
    free(s.data);
    free(d);

    unsigned char *px = malloc((size_t)1000 * 50);
    memset(px, 0, (size_t)1000 * 50); /* one run across all rows */
    free(check_image(px, 1000, 50, 1, 1, BLOCK).data);
    memset(px, 9, (size_t)1000 * 50); /* the rows' zero filter bytes break the runs */
    free(check_image(px, 1000, 50, 1, 1, BLOCK).data);
    free(px);
}

static void test_all_values(void **state)
{
    (void)state;
    unsigned char px[256 * 6];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (unsigned char)(i < 512 ? i : i * 7 / 3);
    for (unsigned dist = 0; dist <= 3; dist++)
        free(check_image(px, 256, 6, 1, dist, BLOCK).data);
    free(check_image(px, 128, 4, 3, 1, BLOCK).data);
}

/*
 * Alphabets of one symbol: one literal and no distances (dist 0 on zeros),
 * one literal and one run length, two literals. Big enough that dynamic
 * codes win, so the header's degenerate codes are what the decoders see.
 */
static void test_degenerate_alphabets(void **state)
{
    (void)state;
    int w = 999, h = 3;
    unsigned char *px = calloc((size_t)w * (size_t)h, 1);
    struct stream s = check_image(px, w, h, 1, 0, BLOCK); /* zeros only, no runs sought */
    assert_int_equal(first_block_type(&s), 2);
    free(s.data);
    s = check_image(px, w, h, 1, 1, BLOCK); /* a zero, then runs of 258 */
    free(s.data);
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
        px[i] = (unsigned char)(i % 2 ? 200 : 0);
    s = check_image(px, w, h, 1, 0, BLOCK); /* two literals */
    assert_int_equal(first_block_type(&s), 2);
    free(s.data);
    s = check_image(px, w, h, 1, 2, BLOCK); /* runs at distance 2 */
    free(s.data);
    free(px);
    const unsigned char one[2] = {5, 5};
    s = compress_with(one, 0, 2, 1, 0, BLOCK); /* small: fixed codes */
    assert_int_equal(first_block_type(&s), 1);
    inflate_zlib(&s, one, 0, 2, 1);
    free(s.data);
}

/* Noise does not compress: stored blocks of at most 65535 bytes, within png_write.c's bound. */
static void test_random_is_stored(void **state)
{
    (void)state;
    size_t n = 200000;
    unsigned char *d = malloc(n);
    unsigned seed = 9;
    for (size_t i = 0; i < n; i++)
        d[i] = (unsigned char)(test_rand(&seed) >> 4);
    for (int last = 0; last <= 1; last++) {
        struct stream s = deflate_plain(d, n, last);
        assert_int_equal(first_block_type(&s), 0);
        assert_true(s.len <= n + 5 * (n / 65535 + 1) + 5 * 2 + 8);
        inflate_zlib(&s, d, 0, n, last);
        free(s.data);
    }
    free(check_image(d, 700, 280, 1, 1, BLOCK).data);
    free(check_image(d, 300, 150, 4, 1, 1000).data);
    free(d);
}

/* A photograph-like RGB image: smooth shading, fine noise, flat patches and sharp edges. */
static unsigned char *photo_pixels(int w, int h, unsigned seed)
{
    unsigned char *px = malloc((size_t)w * (size_t)h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < 3; k++) {
                int v = (x * (k + 1) + y * 2) / 5 + (int)(test_rand(&seed) % 5);
                if ((x / 40 + y / 30) % 4 == 0)
                    v = 90 + k;
                else if (x > w / 2)
                    v = 255 - v / 2;
                px[((size_t)y * (size_t)w + (size_t)x) * 3 + (size_t)k] = (unsigned char)v;
            }
    return px;
}

/* Rows through png_write's own adaptive filter, as the writer compresses them. */
static unsigned char *filtered_rows(const unsigned char *px, int w, int h, int c)
{
    size_t row = (size_t)w * (size_t)c;
    unsigned char *raw = malloc((size_t)h * (row + 1)), *zero = calloc(row, 1),
                  *scratch = malloc(row);
    for (size_t y = 0; y < (size_t)h; y++)
        png_filter_row(PNG_FILTER_ADAPTIVE, px + y * row, y ? px + (y - 1) * row : zero, row, c,
                       raw + y * (row + 1), scratch);
    free(zero);
    free(scratch);
    return raw;
}

static void test_filtered_image_rows(void **state)
{
    (void)state;
    int w = 640, h = 300;
    size_t n = (size_t)h * ((size_t)w * 3 + 1);
    unsigned char *px = photo_pixels(w, h, 4), *raw = filtered_rows(px, w, h, 3);
    static const size_t blocks[] = {BLOCK, 16384, 16385, 100000, 1000, 37};
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        struct stream s = compress_with(raw, 0, n, 1, 1, blocks[b]);
        inflate_zlib(&s, raw, 0, n, 1);
        assert_true(s.len < n / 2 || blocks[b] < 1000);
        convtool_buffer png = wrap_png(&s, raw, w, h, 3);
        decode_png_both(&png, px, w, h, 3);
        convtool_buffer_free(&png);
        free(s.data);
    }
    free(raw);
    free(px);
}

/*
 * Strips compressed one by one, each primed with the history before it and
 * ended with a sync flush (the last with the final block), joined by plain
 * concatenation: one stream that all three decoders read. Cuts fall inside
 * runs, so runs continue across strips; strips may be empty or one byte.
 */
static void test_strips_joined(void **state)
{
    (void)state;
    int w = 500, h = 400;
    size_t n = (size_t)h * ((size_t)w + 1);
    unsigned char *px = photo_pixels(w, h / 3, 8);
    unsigned char *gray = malloc((size_t)w * (size_t)h);
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
        gray[i] = (i / 3000) % 3 == 0 ? 17 : px[i % ((size_t)w * (size_t)(h / 3) * 3)];
    unsigned char *raw = unfiltered_rows(gray, w, h, 1);
    static const size_t cuts[] = {0, 0, 1, 2, 5, 3001, 3002, 3100, 70000, 70003, 150000};
    size_t ncuts = sizeof cuts / sizeof cuts[0];
    convtool_buffer joined = {0};
    for (size_t i = 0; i <= ncuts; i++) {
        size_t from = i ? cuts[i - 1] : 0, to = i < ncuts ? cuts[i] : n;
        size_t dict = from < DEFLATE_FAST_WINDOW ? from : DEFLATE_FAST_WINDOW;
        struct stream s = compress_with(raw + from, dict, to - from, i == ncuts, 1, 65536);
        if (from > 0) { /* a run needs only the byte before: one byte of history is as good */
            struct stream one = compress_with(raw + from, 1, to - from, i == ncuts, 1, 65536);
            assert_int_equal(one.len, s.len);
            assert_memory_equal(one.data, s.data, s.len);
            free(one.data);
        }
        inflate_zlib(&s, raw + from, dict, to - from, i == ncuts);
        assert_int_equal(convtool_buffer_append(&joined, s.data, s.len), CONVTOOL_OK);
        free(s.data);
    }
    struct stream all = {joined.data, joined.len};
    inflate_zlib(&all, raw, 0, n, 1);
    convtool_buffer png = wrap_png(&all, raw, w, h, 1);
    decode_png_both(&png, gray, w, h, 1);
    convtool_buffer_free(&png);
    convtool_buffer_free(&joined);
    free(raw);
    free(gray);
    free(px);
}

/* The exact size fits and gives the same bytes; a byte less fails without writing past room. */
static void check_room(const unsigned char *d, size_t n, int last)
{
    struct stream s = deflate_plain(d, n, last);
    unsigned char *out = malloc(s.len + 64);
    size_t w = 1;
    deflate_fast_params p = {BLOCK, 1};
    assert_int_equal(deflate_fast(&p, d, 0, n, last, out, s.len, &w), CONVTOOL_OK);
    assert_int_equal(w, s.len);
    assert_memory_equal(out, s.data, s.len);
    for (size_t room = s.len - 1; room + 1 > 0 && room + 9 >= s.len; room--) {
        memset(out, 0xa5, s.len + 64);
        assert_int_equal(deflate_fast(&p, d, 0, n, last, out, room, &w), CONVTOOL_EOVERFLOW);
        assert_int_equal(w, 0);
        for (size_t i = room; i < s.len + 64; i++)
            assert_int_equal(out[i], 0xa5);
    }
    free(out);
    free(s.data);
}

static void test_room_too_small(void **state)
{
    (void)state;
    int w = 300, h = 100;
    size_t n = (size_t)h * ((size_t)w * 3 + 1);
    unsigned char *px = photo_pixels(w, h, 2), *raw = filtered_rows(px, w, h, 3);
    unsigned char *noise = malloc(70000);
    unsigned seed = 3;
    for (size_t i = 0; i < 70000; i++)
        noise[i] = (unsigned char)(test_rand(&seed) >> 3);
    for (int last = 0; last <= 1; last++) {
        check_room(raw, n, last);       /* dynamic blocks */
        check_room(raw, 40, last);      /* fixed codes */
        check_room(noise, 70000, last); /* stored */
        check_room(noise, 1, last);
        check_room(noise, 0, last);
    }
    free(noise);
    free(raw);
    free(px);
}

static void test_bad_params(void **state)
{
    (void)state;
    unsigned char d[4] = {1, 2, 3, 4}, out[64];
    size_t w = 7;
    deflate_fast_params p = {0, 1};
    assert_int_equal(deflate_fast(&p, d, 0, 4, 1, out, sizeof out, &w), CONVTOOL_EINVAL);
    assert_int_equal(w, 0);
    p = (deflate_fast_params){BLOCK, DEFLATE_FAST_WINDOW + 1};
    assert_int_equal(deflate_fast(&p, d, 0, 4, 1, out, sizeof out, &w), CONVTOOL_EINVAL);
    p = (deflate_fast_params){DEFLATE_FAST_MAX_BLOCK + 1, 1}; /* counts would not fit 32 bits */
    assert_int_equal(deflate_fast(&p, d, 0, 4, 1, out, sizeof out, &w), CONVTOOL_EINVAL);
    p.block_bytes = DEFLATE_FAST_MAX_BLOCK;
    assert_int_equal(deflate_fast(&p, d, 0, 4, 1, out, sizeof out, &w), CONVTOOL_OK);
    assert_int_equal(deflate_fast(NULL, d, 0, 4, 1, out, sizeof out, &w), CONVTOOL_EINVAL);
    assert_int_equal(deflate_fast(&p, NULL, 0, 4, 1, out, sizeof out, &w), CONVTOOL_EINVAL);
    assert_int_equal(deflate_fast(&p, d, 0, 4, 1, NULL, sizeof out, &w), CONVTOOL_EINVAL);
    assert_int_equal(deflate_fast(&p, d, 0, 4, 1, out, sizeof out, NULL), CONVTOOL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_tiny),   cmocka_unit_test(test_runs),
        cmocka_unit_test(test_all_values),       cmocka_unit_test(test_degenerate_alphabets),
        cmocka_unit_test(test_random_is_stored), cmocka_unit_test(test_filtered_image_rows),
        cmocka_unit_test(test_strips_joined),    cmocka_unit_test(test_room_too_small),
        cmocka_unit_test(test_bad_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
