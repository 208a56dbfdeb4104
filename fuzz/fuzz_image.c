/*
 * Fuzz target: the image read path as `apply` runs it — sniff, header probe,
 * decode (PNG, JPEG, .npy) under a small pixel limit — then the decoded
 * tensor encoded to PNG in memory and read back, which must give the
 * quantized values exactly. A PNG the fast decoder (libdeflate + png_unfilter)
 * accepts must give stb_image's samples exactly.
 */
#include <math.h>
#include <string.h>

#include "convtool/convtool.h"
#include "fuzz_common.h"
#include "codec/png_read.h"
#include "codec/stb_codec.h"

/* Small enough for fast runs, big enough for real images (stb needs 4 B/pixel). */
#define FUZZ_MAX_PIXELS (4u << 20)
/* stb's PNG writer is slow; larger results are only decoded, not re-encoded. */
#define FUZZ_MAX_ROUNDTRIP_PIXELS (256u << 10)

/* Decoding in this process, not in the sandbox's child: the sanitizers and the
 * coverage feedback must see stb itself. */
static const convtool_load_options load_options = {.max_pixels = FUZZ_MAX_PIXELS, .no_sandbox = 1};

static float quantized(float v)
{
    if (!(v > 0.0f))
        return 0.0f;
    if (v >= 1.0f)
        return 1.0f;
    return (float)(unsigned char)roundf(v * 255.0f) / 255.0f;
}

static void check_decoded(const convtool_image *img, const convtool_image_info *probed)
{
    const convtool_tensor *t = &img->tensor;
    FUZZ_CHECK(t->data != NULL);
    FUZZ_CHECK(img->info.format == probed->format);
    FUZZ_CHECK(t->w == probed->width && t->h == probed->height);
    FUZZ_CHECK((uint64_t)t->w * (uint64_t)t->h <= FUZZ_MAX_PIXELS);
    if (probed->format == CONVTOOL_FORMAT_NPY)
        return; /* channels are whatever the array says; values are stored floats */
    FUZZ_CHECK(t->c == probed->channels && t->c >= 1 && t->c <= 4);
    size_t n = convtool_tensor_count(t);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(t->data[i] >= 0.0f && t->data[i] <= 1.0f);
}

/* Our own PNG of the result must decode to the quantized values. */
static void check_png_roundtrip(const convtool_tensor *t)
{
    convtool_save_options so = {.format = CONVTOOL_FORMAT_PNG, .jpeg_quality = 90, .npy_rank = 3};
    convtool_buffer png = {0};
    convtool_image back = {0};
    convtool_status st = convtool_image_encode(t, &so, &png);
    if (t->c > 4) {
        FUZZ_CHECK(st == CONVTOOL_EUNSUPPORTED);
        goto cleanup;
    }
    if (st != CONVTOOL_OK)
        goto cleanup; /* only an allocation may fail here */
    FUZZ_CHECK(convtool_format_sniff(png.data, png.len) == CONVTOOL_FORMAT_PNG);
    st = convtool_image_decode(png.data, png.len, &load_options, &back);
    FUZZ_CHECK(st == CONVTOOL_OK || st == CONVTOOL_ENOMEM);
    if (st != CONVTOOL_OK)
        goto cleanup;
    FUZZ_CHECK(back.tensor.c == t->c && back.tensor.h == t->h && back.tensor.w == t->w);
    size_t n = convtool_tensor_count(t);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(back.tensor.data[i] == quantized(t->data[i]));
cleanup:
    convtool_buffer_free(&png);
    convtool_image_free(&back);
}

/* The fast PNG decoder against stb on the raw input (no pre-check): same samples when both decode. */
static void check_fast_png_matches_stb(const uint8_t *data, size_t size,
                                       const convtool_image_info *info)
{
    if ((uint64_t)info->width * (uint64_t)info->height > FUZZ_MAX_PIXELS)
        return;
    convtool_pixels fast;
    if (png_read_fast(data, size, info, &fast) != CONVTOOL_OK)
        return;
    int w = 0, h = 0, c = 0;
    void *ref = NULL;
    convtool_status st =
        fast.depth == 16
            ? stb_codec_decode16(data, size, &w, &h, &c, (uint16_t **)&ref)
            : stb_codec_decode8(data, size, &w, &h, &c, (unsigned char **)&ref);
    if (st == CONVTOOL_OK) {
        FUZZ_CHECK(w == fast.width && h == fast.height && c == fast.channels);
        size_t bytes = (size_t)w * (size_t)h * (size_t)c * (size_t)(fast.depth / 8);
        FUZZ_CHECK(memcmp(ref, fast.data, bytes) == 0);
        stb_codec_free(ref);
    }
    convtool_pixels_free(&fast);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    convtool_image_info info;
    convtool_format sniffed = convtool_format_sniff(data, size);
    convtool_status probed = convtool_image_probe(data, size, &info);
    if (probed == CONVTOOL_OK) {
        FUZZ_CHECK(info.format == sniffed);
        FUZZ_CHECK(info.width >= 1 && info.height >= 1);
        if (info.format == CONVTOOL_FORMAT_PNG)
            check_fast_png_matches_stb(data, size, &info);
    }
    convtool_image img;
    convtool_status st = convtool_image_decode(data, size, &load_options, &img);
    if (st != CONVTOOL_OK) {
        FUZZ_CHECK(img.tensor.data == NULL);
        return 0;
    }
    FUZZ_CHECK(probed == CONVTOOL_OK); /* decoding never accepts what the probe refuses */
    check_decoded(&img, &info);
    if ((uint64_t)info.width * (uint64_t)info.height <= FUZZ_MAX_ROUNDTRIP_PIXELS)
        check_png_roundtrip(&img.tensor);
    convtool_image_free(&img);
    return 0;
}
