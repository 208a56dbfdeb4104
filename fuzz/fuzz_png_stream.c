/*
 * Fuzz target: the PNG strip decoder (src/codec/png_stream_read.c). One
 * input is a file's bytes (so the image corpus serves as seeds); a hash of
 * them chooses the strip height (1-7 rows, or all) and how many bytes each
 * pull gives (1, 3, 64, 4096 or 65536). It is decoded in strips and, when
 * the probe and the completeness check take it (the pipeline runs them
 * first), compared with the whole-file path (png_precheck, then
 * png_read_fast, both given the probe's info):
 *
 *  - a file the whole path decodes decodes here to the same bytes;
 *  - a file decoded here is one the whole path decodes, or leaves to stb
 *    (EUNSUPPORTED: a zlib stream longer than the rows), and then stb's
 *    pixels, when stb takes it, are these;
 *  - the status is OK, ECORRUPT, EUNSUPPORTED or ENOMEM, never anything else;
 *  - run again with the pull failing at a byte the hash chooses: EIO, or a
 *    verdict reached before that byte, or OK with the same pixels;
 *  - the file's skeleton (png_skeleton.c, read from a memfd) gets the same
 *    answers from the probe, the completeness check and the metadata reader
 *    as the file, or is ECORRUPT where the file is refused too.
 *
 * Images over 4 Mpixels are skipped (the whole path holds them in memory).
 */
#define _GNU_SOURCE /* memfd_create */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "codec/png_inflate.h"
#include "codec/png_precheck.h"
#include "codec/png_read.h"
#include "codec/png_skeleton.h"
#include "codec/png_stream_read.h"
#include "codec/stb_codec.h"
#include "fuzz_common.h"
#include "image/image_probe.h"

#define MAX_PIXELS ((uint64_t)4 << 20)

struct source {
    const uint8_t *data;
    size_t size, at, step, fail_at;
};

static ssize_t pull(void *ctx, unsigned char *dst, size_t n)
{
    struct source *s = ctx;
    if (s->at >= s->fail_at)
        return -1;
    size_t k = s->size - s->at;
    k = k < n ? k : n;
    k = k < s->step ? k : s->step;
    k = k < s->fail_at - s->at ? k : s->fail_at - s->at;
    memcpy(dst, s->data + s->at, k);
    s->at += k;
    return (ssize_t)k;
}

/* The strip decoder's status; its pixels in *out (malloc'ed, NULL on failure), *len bytes. */
static convtool_status stream_decode(struct source *src, const convtool_image_info *info, int strip,
                                     unsigned char **out, size_t *len)
{
    struct png_stream *s = NULL;
    *out = NULL;
    *len = 0;
    convtool_status st = png_stream_open(pull, src, info, &s);
    if (st != CONVTOOL_OK)
        return st;
    int w, h, c, depth;
    png_stream_shape(s, &w, &h, &c, &depth);
    size_t row = (size_t)w * (size_t)c * (size_t)(depth / 8);
    unsigned char *px = malloc(row * (size_t)h);
    FUZZ_CHECK(px != NULL);
    int step = strip ? strip : h;
    for (int y = 0; y < h && st == CONVTOOL_OK; y += step)
        st = png_stream_rows(s, px + (size_t)y * row, h - y < step ? h - y : step);
    if (st == CONVTOOL_OK)
        st = png_stream_finish(s);
    png_stream_close(s);
    if (st != CONVTOOL_OK) {
        free(px);
        return st;
    }
    *out = px;
    *len = row * (size_t)h;
    return st;
}

/* The whole-file path after the probe: CRCs and empty IDATs first, as decode_contained.c does. */
static convtool_status whole_decode(const uint8_t *data, size_t size,
                                    const convtool_image_info *info, convtool_pixels *px,
                                    unsigned char **fixed, size_t *fixed_len)
{
    convtool_status st = png_precheck(data, size, fixed, fixed_len);
    if (st == CONVTOOL_OK)
        st = png_read_fast(*fixed ? *fixed : data, *fixed ? *fixed_len : size, info, px);
    return st;
}

/* stb on the checked bytes: when it decodes them, its pixels must be ours. */
static void check_stb_agrees(const uint8_t *bytes, size_t n, int depth, const unsigned char *ours,
                             size_t len)
{
    int w = 0, h = 0, c = 0;
    void *ref = NULL;
    convtool_status st = depth == 16
                             ? stb_codec_decode16(bytes, n, &w, &h, &c, (uint16_t **)&ref)
                             : stb_codec_decode8(bytes, n, &w, &h, &c, (unsigned char **)&ref);
    if (st == CONVTOOL_OK) {
        FUZZ_CHECK((size_t)w * (size_t)h * (size_t)c * (size_t)(depth / 8) == len);
        FUZZ_CHECK(memcmp(ref, ours, len) == 0);
    }
    stb_codec_free(ref);
}

static uint64_t be32(const uint8_t *p)
{
    return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
}

static uint32_t hash(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    return h;
}

/* What the pipeline does before decoding: the probe and the completeness check. */
static int probe_ok(const uint8_t *data, size_t size, convtool_image_info *info)
{
    return convtool_image_probe(data, size, info) == CONVTOOL_OK &&
           info->format == CONVTOOL_FORMAT_PNG &&
           image_check_complete(data, size, info) == CONVTOOL_OK;
}

/* The strip decoder's verdict st (and its pixels) against the whole path's on a probed file. */
static void compare_with_whole(const uint8_t *data, size_t size, const convtool_image_info *info,
                               convtool_status st, const unsigned char *ours, size_t len)
{
    convtool_pixels px = {0};
    unsigned char *fixed = NULL;
    size_t fixed_len = 0;
    convtool_status whole = whole_decode(data, size, info, &px, &fixed, &fixed_len);
    if (whole == CONVTOOL_OK && st != CONVTOOL_ENOMEM) {
        FUZZ_CHECK(st == CONVTOOL_OK);
        FUZZ_CHECK(len == (size_t)px.width * px.height * px.channels * (px.depth / 8));
        FUZZ_CHECK(memcmp(ours, px.data, len) == 0);
    }
    if (st == CONVTOOL_OK && whole != CONVTOOL_OK && whole != CONVTOOL_ENOMEM) {
        FUZZ_CHECK(whole == CONVTOOL_EUNSUPPORTED);
        check_stb_agrees(fixed ? fixed : data, fixed ? fixed_len : size, info->bit_depth, ours,
                         len);
    }
    free(fixed);
    convtool_pixels_free(&px);
}

/* ------------------------------------------------------------ skeleton */

/* What the parent asks of a file before decoding it. */
struct answers {
    convtool_status probe, complete;
    convtool_image_info info;
    convtool_metadata md;
};

static void ask(const unsigned char *b, size_t len, struct answers *a)
{
    a->probe = convtool_image_probe(b, len, &a->info);
    a->complete = a->probe == CONVTOOL_OK ? image_check_complete(b, len, &a->info) : a->probe;
    FUZZ_CHECK(convtool_metadata_read(b, len, &a->md) == CONVTOOL_OK);
}

static int same_bytes(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

static int same_text(const convtool_meta_text *x, const convtool_meta_text *y)
{
    return x->kind == y->kind && strcmp(x->keyword, y->keyword) == 0 &&
           same_bytes(x->text, x->text_len, y->text, y->text_len) &&
           (x->language == NULL) == (y->language == NULL) &&
           (!x->language ||
            (strcmp(x->language, y->language) == 0 && strcmp(x->translated, y->translated) == 0));
}

static void check_same_metadata(const convtool_metadata *a, const convtool_metadata *b)
{
    FUZZ_CHECK(a->orientation == b->orientation);
    FUZZ_CHECK(same_bytes(a->icc, a->icc_len, b->icc, b->icc_len));
    FUZZ_CHECK(strcmp(a->icc_name, b->icc_name) == 0);
    FUZZ_CHECK(same_bytes(a->exif, a->exif_len, b->exif, b->exif_len));
    FUZZ_CHECK(same_bytes(a->xmp, a->xmp_len, b->xmp, b->xmp_len));
    FUZZ_CHECK(a->density_unit == b->density_unit && a->density_x == b->density_x &&
               a->density_y == b->density_y);
    FUZZ_CHECK(a->has_srgb == b->has_srgb && a->has_gama == b->has_gama &&
               a->has_chrm == b->has_chrm && a->srgb_intent == b->srgb_intent &&
               a->gama == b->gama && memcmp(a->chrm, b->chrm, sizeof a->chrm) == 0);
    FUZZ_CHECK(a->text_count == b->text_count);
    for (size_t i = 0; i < a->text_count; i++)
        FUZZ_CHECK(same_text(&a->texts[i], &b->texts[i]));
    FUZZ_CHECK(a->frames == b->frames && a->dropped == b->dropped);
}

static void check_skeleton(const uint8_t *data, size_t size)
{
    if (size < 8 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0)
        return;
    int fd = memfd_create("png", 0);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
    convtool_buffer skel = {0};
    convtool_status st = png_skeleton_read(fd, size, &skel);
    close(fd);
    FUZZ_CHECK(st == CONVTOOL_OK || st == CONVTOOL_ECORRUPT);
    struct answers whole, part;
    ask(data, size, &whole);
    if (st == CONVTOOL_ECORRUPT) {
        FUZZ_CHECK(skel.len == 0 && whole.complete != CONVTOOL_OK);
    } else {
        FUZZ_CHECK(skel.len <= size);
        ask(skel.data, skel.len, &part);
        FUZZ_CHECK(whole.probe == part.probe && whole.complete == part.complete);
        FUZZ_CHECK(memcmp(&whole.info, &part.info, sizeof whole.info) == 0);
        check_same_metadata(&whole.md, &part.md);
        convtool_metadata_free(&part.md);
    }
    convtool_metadata_free(&whole.md);
    convtool_buffer_free(&skel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 24 && be32(data + 16) * be32(data + 20) > MAX_PIXELS)
        return 0;
    static const size_t steps[] = {1, 3, 64, 4096, 65536};
    uint32_t hv = hash(data, size);
    int strip = (int)(hv % 8); /* 0: all rows */
    /* The probe comes first, as in the real pipeline, whose order matters: png_precheck would
     * drop a damaged ancillary "chunk" in IHDR's place, which the probe refuses. */
    convtool_image_info info;
    const convtool_image_info *known = probe_ok(data, size, &info) ? &info : NULL;
    struct source src = {data, size, 0, steps[(hv >> 3) % 5], SIZE_MAX};
    unsigned char *ours = NULL;
    size_t len = 0;
    convtool_status st = stream_decode(&src, known, strip, &ours, &len);
    FUZZ_CHECK(st == CONVTOOL_OK || st == CONVTOOL_ECORRUPT || st == CONVTOOL_EUNSUPPORTED ||
               st == CONVTOOL_ENOMEM);
    if (!png_inflate_available(PNG_INFLATE_ISAL)) /* no strips: the whole path decodes them all */
        FUZZ_CHECK(st != CONVTOOL_OK);
    else if (known)
        compare_with_whole(data, size, known, st, ours, len);

    /* The same through a pull that fails at some byte. */
    struct source failing = {data, size, 0, src.step, size ? (hv >> 6) % (size + 1) : 0};
    unsigned char *again = NULL;
    size_t again_len = 0;
    convtool_status st2 = stream_decode(&failing, known, strip, &again, &again_len);
    FUZZ_CHECK(st2 == CONVTOOL_EIO || st2 == st || st2 == CONVTOOL_ENOMEM);
    if (st2 == CONVTOOL_OK)
        FUZZ_CHECK(again_len == len && memcmp(again, ours, len) == 0);
    free(again);
    free(ours);
    check_skeleton(data, size);
    return 0;
}
