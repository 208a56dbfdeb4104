/*
 * png_skeleton.c: the probe (convtool_image_probe, image_check_complete) and
 * the metadata reader give the same answers on a PNG's skeleton as on the
 * whole file: PNGs built here with metadata before and after the image data,
 * APNG chunks, IDAT runs split by other chunks, damaged chunks, and every PNG
 * of the fuzz corpora (fuzz/corpus/image, fuzz/corpus/metadata). The
 * skeleton holds no image data; a cut file is ECORRUPT, too many bytes of
 * chunks ELIMIT, a failing read EIO.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "convtool/convtool.h"
#include "codec/png_skeleton.h"
#include "codec/png_write.h"
#include "image/image_probe.h"
#include "png_builder.h"

/* ------------------------------------------------------------ helpers */

/* A temporary file holding bytes, open for reading; removed at once (the descriptor keeps it). */
static int temp_file(const unsigned char *bytes, size_t len)
{
    char path[] = "/tmp/test_png_skeleton_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, bytes, len), (ssize_t)len);
    return fd;
}

static convtool_status skeleton_of(const unsigned char *bytes, size_t len, convtool_buffer *out)
{
    int fd = temp_file(bytes, len);
    convtool_status st = png_skeleton_read(fd, len, out);
    close(fd);
    return st;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The skeleton's chunks: whole, each IDAT empty with a valid CRC, no fdAT, IEND last. */
static void check_shape(const convtool_buffer *s)
{
    size_t off = 8;
    const unsigned char *last = NULL;
    while (off < s->len) {
        assert_true(s->len - off >= 12);
        uint32_t n = be32(s->data + off);
        assert_true(n <= s->len - off - 12);
        const unsigned char *type = s->data + off + 4;
        if (memcmp(type, "IDAT", 4) == 0) {
            assert_int_equal(n, 0);
            assert_int_equal(be32(s->data + off + 8), (uint32_t)crc32(0, type, 4));
            assert_true(!last || memcmp(last, "IDAT", 4) != 0); /* one per run */
        }
        assert_true(memcmp(type, "fdAT", 4) != 0);
        last = type;
        off += 12 + (size_t)n;
    }
    assert_non_null(last);
    assert_memory_equal(last, "IEND", 4);
}

static void assert_same_texts(const convtool_metadata *a, const convtool_metadata *b)
{
    assert_int_equal(a->text_count, b->text_count);
    for (size_t i = 0; i < a->text_count; i++) {
        const convtool_meta_text *x = &a->texts[i], *y = &b->texts[i];
        assert_int_equal(x->kind, y->kind);
        assert_string_equal(x->keyword, y->keyword);
        assert_int_equal(x->text_len, y->text_len);
        if (x->text_len)
            assert_memory_equal(x->text, y->text, x->text_len);
        assert_true((x->language == NULL) == (y->language == NULL));
        if (x->language) {
            assert_string_equal(x->language, y->language);
            assert_string_equal(x->translated, y->translated);
        }
    }
}

static void assert_same_bytes(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
    assert_int_equal(na, nb);
    if (na)
        assert_memory_equal(a, b, na);
}

static void assert_same_metadata(const convtool_metadata *a, const convtool_metadata *b)
{
    assert_int_equal(a->orientation, b->orientation);
    assert_same_bytes(a->icc, a->icc_len, b->icc, b->icc_len);
    assert_string_equal(a->icc_name, b->icc_name);
    assert_same_bytes(a->exif, a->exif_len, b->exif, b->exif_len);
    assert_same_bytes(a->xmp, a->xmp_len, b->xmp, b->xmp_len);
    assert_int_equal(a->density_unit, b->density_unit);
    assert_int_equal(a->density_x, b->density_x);
    assert_int_equal(a->density_y, b->density_y);
    assert_int_equal(a->has_srgb, b->has_srgb);
    assert_int_equal(a->has_gama, b->has_gama);
    assert_int_equal(a->has_chrm, b->has_chrm);
    assert_int_equal(a->srgb_intent, b->srgb_intent);
    assert_int_equal(a->gama, b->gama);
    assert_memory_equal(a->chrm, b->chrm, sizeof a->chrm);
    assert_same_texts(a, b);
    assert_int_equal(a->frames, b->frames);
    assert_int_equal(a->dropped, b->dropped);
}

/* What the parent asks of a file: the probe, the completeness check, the metadata. */
struct answers {
    convtool_status probe, complete, meta;
    convtool_image_info info;
    convtool_metadata md;
};

static void ask(const unsigned char *b, size_t len, struct answers *a)
{
    a->probe = convtool_image_probe(b, len, &a->info);
    a->complete = a->probe == CONVTOOL_OK ? image_check_complete(b, len, &a->info) : a->probe;
    a->meta = convtool_metadata_read(b, len, &a->md);
}

/*
 * The skeleton gives the file's answers, or is ECORRUPT where the file is
 * refused too (cut, or a chunk past its end). Returns the skeleton's status.
 */
static convtool_status check_same_answers(const unsigned char *bytes, size_t len)
{
    convtool_buffer skel = {0};
    convtool_status st = skeleton_of(bytes, len, &skel);
    struct answers whole, part;
    ask(bytes, len, &whole);
    if (st == CONVTOOL_ECORRUPT) {
        assert_int_equal(skel.len, 0);
        assert_int_not_equal(whole.complete, CONVTOOL_OK);
    } else {
        assert_int_equal(st, CONVTOOL_OK);
        assert_true(skel.len <= len);
        check_shape(&skel);
        ask(skel.data, skel.len, &part);
        assert_int_equal(whole.probe, part.probe);
        assert_memory_equal(&whole.info, &part.info, sizeof whole.info);
        assert_int_equal(whole.complete, part.complete);
        assert_int_equal(whole.meta, part.meta);
        assert_same_metadata(&whole.md, &part.md);
        convtool_metadata_free(&part.md);
    }
    convtool_metadata_free(&whole.md);
    convtool_buffer_free(&skel);
    return st;
}

/* ------------------------------------------------------- files made here */

static void chunk(convtool_buffer *b, const char *type, const void *data, size_t n)
{
    pb_chunk(b, type, (const unsigned char *)data, n);
}

/* keyword, NUL, method 0, zlib(data): iCCP and zTXt */
static void compressed_chunk(convtool_buffer *b, const char *type, const char *keyword,
                             const void *data, size_t n)
{
    uLongf room = compressBound((uLong)n);
    size_t k = strlen(keyword);
    unsigned char *z = malloc(room + k + 2);
    assert_non_null(z);
    memcpy(z, keyword, k + 1);
    z[k + 1] = 0;
    assert_int_equal(compress2(z + k + 2, &room, data, (uLong)n, 9), Z_OK);
    chunk(b, type, z, k + 2 + room);
    free(z);
}

static void itxt(convtool_buffer *b, const char *keyword, const char *lang, const char *tr,
                 const char *text)
{
    convtool_buffer body = {0};
    convtool_buffer_append(&body, keyword, strlen(keyword) + 1);
    convtool_buffer_append(&body, "\0\0", 2);
    convtool_buffer_append(&body, lang, strlen(lang) + 1);
    convtool_buffer_append(&body, tr, strlen(tr) + 1);
    convtool_buffer_append(&body, text, strlen(text));
    chunk(b, "iTXt", body.data, body.len);
    convtool_buffer_free(&body);
}

/* EXIF (little-endian TIFF) with orientation `o`. */
static void exif(convtool_buffer *b, int o)
{
    unsigned char e[] = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 3,
                         0,   1,   0,  0, 0, 0, 0, 0, 0, 0, 0,    0, 0};
    e[18] = (unsigned char)o;
    chunk(b, "eXIf", e, sizeof e);
}

/* Every metadata chunk convtool reads; `second` changes their values. */
static void metadata_chunks(convtool_buffer *b, int second)
{
    unsigned char phys[9] = {0, 0, 0x2e, 0x23, 0, 0, 0x2e, 0x23, 1};
    unsigned char gama[4] = {0, 0, 0xb1, (unsigned char)(0x8f + second)};
    unsigned char chrm[32], icc[300];
    for (int i = 0; i < 32; i++)
        chrm[i] = (unsigned char)(i * 3 + second);
    for (int i = 0; i < 300; i++)
        icc[i] = (unsigned char)(i * 7 + second);
    compressed_chunk(b, "iCCP", second ? "later profile" : "profile", icc, sizeof icc);
    chunk(b, "gAMA", gama, 4);
    chunk(b, "cHRM", chrm, 32);
    chunk(b, "pHYs", phys, 9);
    exif(b, second ? 3 : 6);
    itxt(b, "XML:com.adobe.xmp", "", "", second ? "<x:later/>" : "<x:xmpmeta/>");
    chunk(b, "tEXt", second ? "Comment\0after" : "Comment\0before", second ? 13 : 14);
    compressed_chunk(b, "zTXt", "Author", "someone", 7);
    itxt(b, "Title", "fr", "Titre", "caf\xc3\xa9");
    chunk(b, "tIME", "\x07\xea\x0c\x03\x0f\x00\x00", 7);
}

/* The image data of a real w×h RGB image in IDATs of `split` bytes, each run of IDATs after
 * `runs` - 1 splits broken by a tEXt chunk. */
static void image_data(convtool_buffer *b, int w, int h, size_t split, int runs)
{
    unsigned char *px = malloc((size_t)w * (size_t)h * 3);
    assert_non_null(px);
    for (size_t i = 0; i < (size_t)w * (size_t)h * 3; i++)
        px[i] = (unsigned char)(i * 13 ^ i >> 5);
    convtool_buffer png = {0};
    assert_int_equal(png_write_interleaved(px, w, h, 3, 0, NULL, &png), CONVTOOL_OK);
    /* its IDATs' payloads, joined */
    convtool_buffer z = {0};
    for (size_t off = 8; off + 12 <= png.len;) {
        uint32_t n = be32(png.data + off);
        if (memcmp(png.data + off + 4, "IDAT", 4) == 0)
            convtool_buffer_append(&z, png.data + off + 8, n);
        off += 12 + (size_t)n;
    }
    size_t chunks = (z.len + split - 1) / split;
    for (size_t i = 0, off = 0; off < z.len; i++, off += split) {
        if (i > 0 && runs > 1 && i % (chunks / (size_t)runs + 1) == 0)
            chunk(b, "tEXt", "Between\0runs", 12);
        chunk(b, "IDAT", z.data + off, z.len - off < split ? z.len - off : split);
    }
    free(px);
    convtool_buffer_free(&png);
    convtool_buffer_free(&z);
}

static void head(convtool_buffer *b, int w, int h, int depth, int color)
{
    png_spec spec = {w, h, depth, color, 0, NULL, 0, NULL, 0};
    pb_ihdr(b, &spec);
}

/* Metadata before the image data, after it, or both; the data in one IDAT or many, in runs. */
static void test_metadata_around_idat(void **state)
{
    (void)state;
    for (int where = 1; where <= 3; where++)
        for (int runs = 1; runs <= 3; runs++) {
            convtool_buffer b = {0};
            head(&b, 40, 30, 8, 2);
            if (where & 1)
                metadata_chunks(&b, 0);
            image_data(&b, 40, 30, runs == 1 ? 1 << 20 : 100, runs);
            if (where & 2)
                metadata_chunks(&b, 1);
            chunk(&b, "IEND", NULL, 0);
            assert_int_equal(check_same_answers(b.data, b.len), CONVTOOL_OK);
            convtool_buffer_free(&b);
        }
}

/* APNG: acTL, fcTL, the default image in IDATs, frames in fcTL + fdAT (left out). */
static void test_apng(void **state)
{
    (void)state;
    unsigned char actl[8] = {0, 0, 0, 3, 0, 0, 0, 0}, fctl[26] = {0}, fdat[40] = {0};
    convtool_buffer b = {0};
    head(&b, 40, 30, 8, 2);
    chunk(&b, "acTL", actl, 8);
    chunk(&b, "fcTL", fctl, 26);
    image_data(&b, 40, 30, 200, 1);
    for (int f = 1; f < 3; f++) {
        fctl[3] = fdat[3] = (unsigned char)(2 * f);
        chunk(&b, "fcTL", fctl, 26);
        chunk(&b, "fdAT", fdat, sizeof fdat);
    }
    chunk(&b, "tEXt", "Comment\0frames", 14);
    chunk(&b, "IEND", NULL, 0);
    assert_int_equal(check_same_answers(b.data, b.len), CONVTOOL_OK);
    struct answers a;
    ask(b.data, b.len, &a);
    assert_int_equal(a.md.frames, 3);
    convtool_metadata_free(&a.md);
    convtool_buffer_free(&b);
}

/* Colour types the probe counts differently (tRNS, palettes), 16 bits, bad CRCs in ancillary
 * chunks after IDAT (dropped alike), garbage after IEND. */
static void test_probe_cases(void **state)
{
    (void)state;
    static const unsigned char plte[6] = {0, 0, 0, 255, 255, 255}, trns_gray[2] = {0, 7};
    for (int k = 0; k < 5; k++) {
        convtool_buffer b = {0};
        int color = k == 0 ? 3 : k == 1 ? 0 : 2, depth = k == 1 ? 16 : 8;
        head(&b, 40, 30, depth, color);
        if (color == 3)
            chunk(&b, "PLTE", plte, 6);
        if (k <= 1)
            chunk(&b, "tRNS", color == 3 ? plte : trns_gray, 2);
        image_data(&b, 40, 30, 500, 1);
        if (k == 2) { /* an EXIF orientation after IDAT, and a damaged text */
            exif(&b, 8);
            chunk(&b, "tEXt", "Comment\0damaged", 15);
            b.data[b.len - 1] ^= 1;
        }
        chunk(&b, "IEND", NULL, 0);
        if (k == 3)
            convtool_buffer_append(&b, "trailing garbage, not a chunk", 29);
        if (k == 4) /* a chunk whose type is no letters, after IDAT */
            b.len -= 12, chunk(&b, "a\x01\x02z", "x", 1), chunk(&b, "IEND", NULL, 0);
        assert_int_equal(check_same_answers(b.data, b.len), CONVTOOL_OK);
        convtool_buffer_free(&b);
    }
}

/* Cut files: every prefix is ECORRUPT (a chunk past the end, or no IEND). */
static void test_cut(void **state)
{
    (void)state;
    convtool_buffer b = {0};
    head(&b, 9, 9, 8, 0);
    metadata_chunks(&b, 0);
    image_data(&b, 9, 9, 50, 2);
    chunk(&b, "tEXt", "Comment\0x", 9);
    chunk(&b, "IEND", NULL, 0);
    for (size_t len = 0; len < b.len; len++) {
        convtool_buffer skel = {0};
        assert_int_equal(skeleton_of(b.data, len, &skel), CONVTOOL_ECORRUPT);
        assert_int_equal(skel.len, 0);
        convtool_buffer_free(&skel);
        check_same_answers(b.data, len);
    }
    convtool_buffer_free(&b);
}

/* A chunk longer than 2^31 - 1, or running past the end; not a PNG at all: ECORRUPT. */
static void test_bad_lengths(void **state)
{
    (void)state;
    convtool_buffer b = {0}, skel = {0};
    head(&b, 9, 9, 8, 0);
    chunk(&b, "tEXt", "Comment\0x", 9);
    image_data(&b, 9, 9, 50, 1);
    chunk(&b, "IEND", NULL, 0);
    b.data[33] = 0x80; /* tEXt's length */
    assert_int_equal(skeleton_of(b.data, b.len, &skel), CONVTOOL_ECORRUPT);
    b.data[33] = 0;
    b.data[36] = 200;
    assert_int_equal(skeleton_of(b.data, b.len, &skel), CONVTOOL_ECORRUPT);
    b.data[36] = 9;
    assert_int_equal(skeleton_of(b.data, b.len, &skel), CONVTOOL_OK);
    skel.len = 0;
    b.data[1] = 'Q';
    assert_int_equal(skeleton_of(b.data, b.len, &skel), CONVTOOL_ECORRUPT);
    assert_int_equal(skel.len, 0);
    convtool_buffer_free(&skel);
    convtool_buffer_free(&b);
}

/* A file whose chunk `type` holds `n` zero bytes (a hole in the file: nothing written), then
 * IEND; the skeleton reads only around it. */
static int sparse_file(const char *type, uint64_t n, uint64_t *len)
{
    convtool_buffer b = {0};
    head(&b, 9, 9, 8, 0);
    unsigned char h[8] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                          (unsigned char)(n >> 8), (unsigned char)n};
    memcpy(h + 4, type, 4);
    convtool_buffer_append(&b, h, 8);
    int fd = temp_file(b.data, b.len);
    off_t end = (off_t)(b.len + n);
    unsigned char tail[16] = {0}; /* the CRC (not checked here) and IEND */
    memcpy(tail + 4 + 4, "IEND", 4);
    pb_be32(tail + 12, (uint32_t)crc32(0, (const unsigned char *)"IEND", 4));
    assert_int_equal(pwrite(fd, tail, sizeof tail, end), (ssize_t)sizeof tail);
    *len = (uint64_t)end + sizeof tail;
    convtool_buffer_free(&b);
    return fd;
}

/* Image data is skipped, not read: a 1 GiB IDAT makes a skeleton of a few bytes. Chunks to copy
 * past PNG_SKELETON_MAX_KEPT: ELIMIT, and out as it was. */
static void test_sizes(void **state)
{
    (void)state;
    uint64_t len;
    int fd = sparse_file("IDAT", (uint64_t)1 << 30, &len);
    convtool_buffer skel = {0};
    assert_int_equal(png_skeleton_read(fd, len, &skel), CONVTOOL_OK);
    assert_int_equal(skel.len, 33 + 12 + 12);
    close(fd);
    fd = sparse_file("teXt", PNG_SKELETON_MAX_KEPT, &len);
    assert_int_equal(png_skeleton_read(fd, len, &skel), CONVTOOL_ELIMIT);
    assert_int_equal(skel.len, 33 + 12 + 12);
    close(fd);
    convtool_buffer_free(&skel);
}

/* A descriptor that cannot be read: EIO. */
static void test_read_fails(void **state)
{
    (void)state;
    char path[] = "/tmp/test_png_skeleton_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int wfd = open(path, O_WRONLY);
    unlink(path);
    close(fd);
    convtool_buffer skel = {0};
    assert_int_equal(png_skeleton_read(wfd, 100, &skel), CONVTOOL_EIO);
    assert_int_equal(png_skeleton_read(-1, 100, &skel), CONVTOOL_EINVAL);
    close(wfd);
}

/* Every PNG of the fuzz corpora: found, fuzzed and hand-made files of every kind. */
static void test_fuzz_corpora(void **state)
{
    (void)state;
    static const char *const dirs[] = {CONVTOOL_SOURCE_DIR "/fuzz/corpus/image",
                                       CONVTOOL_SOURCE_DIR "/fuzz/corpus/metadata",
                                       CONVTOOL_SOURCE_DIR "/fuzz/regressions/image"};
    int pngs = 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        DIR *d = opendir(dirs[i]);
        assert_non_null(d);
        for (struct dirent *e; (e = readdir(d));) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dirs[i], e->d_name);
            convtool_buffer b = {0};
            if (e->d_name[0] == '.' || convtool_read_file(path, 1 << 24, &b) != CONVTOOL_OK)
                continue;
            if (b.len >= 8 && memcmp(b.data, "\x89PNG\r\n\x1a\n", 8) == 0) {
                check_same_answers(b.data, b.len);
                pngs++;
            }
            convtool_buffer_free(&b);
        }
        closedir(d);
    }
    assert_true(pngs >= 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metadata_around_idat), cmocka_unit_test(test_apng),
        cmocka_unit_test(test_probe_cases),          cmocka_unit_test(test_cut),
        cmocka_unit_test(test_bad_lengths),          cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_read_fails),           cmocka_unit_test(test_fuzz_corpora),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
