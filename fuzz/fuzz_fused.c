/*
 * Fuzz target: the fused pixel path (convtool_conv2d_pixels, src/conv/conv_pixels.c
 * with the AVX2 row conversions of src/conv/simd/pixel_rows_avx2.c). The input bytes
 * choose an interleaved 8- or 16-bit image (C 1-4, W 1-80 so every vector
 * width and tail is hit, H 1-12), a kernel (1-5 each way, some zero taps),
 * the geometry (stride 1-3, dilation 1-2, explicit/same/valid padding, every
 * pad mode), a pixel pass (channels or luma, written into a possibly wider
 * output at out_channel, map clamp/abs/shift), an 8- or 16-bit output and a
 * bias, then the samples.
 *
 * The pass runs at the best SIMD level (or AVX2) and at scalar, into outputs
 * pre-filled with a pattern. At each level the bytes (and the clipped count)
 * must be exactly those of the float path at that level (s/255 tensor →
 * convtool_conv2d → convtool_map_apply → quantize8, or quantize16 for a 16-bit
 * output), as the header promises,
 * and the channels the pass does not own must keep the pattern. Both levels
 * must match a model built from tests/reference/ref_conv.c: exactly where the
 * value is clearly away from a rounding boundary, within one level near one.
 * The levels themselves may differ only where the float path's do (FMA).
 */
#include <math.h>
#include <string.h>

#include "convtool/convtool.h"
#include "fuzz_common.h"
#include "common/quantize.h"
#include "ref_conv.h"

struct problem {
    convtool_pixels in;
    convtool_pixel_pass pass;
    int out_channels;
    convtool_kernel k;
    convtool_geometry_spec spec;
    float bias;
    int three_threads;    /* also run on a 3-thread pool: the same bytes */
    int out_depth;        /* 8 or 16 */
    convtool_simd vector; /* the level compared with scalar */
};

/* One pass of the fused path and what came out of it. */
struct result {
    convtool_pixels out;
    size_t clipped;
};

/* What a float-path value may quantize to, from the reference. */
struct expected {
    convtool_tensor ref; /* ref_conv2d of the s/255 tensor */
    convtool_tensor mag; /* ref_conv2d of the same tensor with |k|, bias 0: the error scale */
};

/* Channels or luma of `in_c` input channels, into a possibly wider 8-bit output. */
static void read_pass(struct fuzz_reader *r, int in_c, struct problem *p)
{
    convtool_pixel_pass *pass = &p->pass;
    pass->luma = in_c >= 3 && fuzz_byte(r) % 3 == 0;
    int read = pass->luma ? 3 : 1;
    pass->in_channel = fuzz_range(r, 0, in_c - read);
    pass->channels = pass->luma ? 1 : fuzz_range(r, 1, in_c - pass->in_channel);
    p->out_channels = fuzz_range(r, pass->channels, 4);
    pass->out_channel = fuzz_range(r, 0, p->out_channels - pass->channels);
    pass->map = fuzz_range(r, CONVTOOL_MAP_CLAMP, CONVTOOL_MAP_SHIFT);
}

/* Multiples of 1/32 in [-4, 4), and a zero for one byte in eight. */
static int read_kernel(struct fuzz_reader *r, convtool_kernel *k)
{
    k->h = fuzz_range(r, 1, 5);
    k->w = fuzz_range(r, 1, 5);
    k->scale = 1.0;
    k->values = malloc((size_t)k->h * (size_t)k->w * sizeof(float));
    if (!k->values)
        return -1;
    for (int i = 0; i < k->h * k->w; i++) {
        uint8_t b = fuzz_byte(r);
        k->values[i] = (b & 7) == 0 ? 0.0f : (float)(int8_t)b / 32.0f;
    }
    return 0;
}

/* The samples: the rest of the input, then a generator seeded by it, so short inputs
 * still give busy images. */
static void read_samples(struct fuzz_reader *r, convtool_pixels *px)
{
    size_t n = (size_t)px->width * (size_t)px->height * (size_t)px->channels;
    uint32_t seed = 2166136261u;
    for (size_t i = r->pos; i < r->size; i++)
        seed = (seed ^ r->data[i]) * 16777619u;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (r->pos + (px->depth == 16 ? 1 : 0) < r->size) {
            v = fuzz_byte(r);
            if (px->depth == 16)
                v = v << 8 | fuzz_byte(r);
        } else {
            seed = seed * 1664525u + 1013904223u;
            v = seed >> 16;
        }
        if (px->depth == 16)
            ((uint16_t *)px->data)[i] = (uint16_t)v;
        else
            ((unsigned char *)px->data)[i] = (unsigned char)v;
    }
}

static int read_problem(struct fuzz_reader *r, struct problem *p)
{
    uint8_t flags = fuzz_byte(r);
    int depth = (flags & 3) == 3 ? 16 : 8;
    p->three_threads = (flags & 4) != 0;
    p->vector = (flags & 8) ? CONVTOOL_SIMD_AVX2 : CONVTOOL_SIMD_AUTO;
    p->out_depth = (flags & 16) ? 16 : 8;
    int c = fuzz_range(r, 1, 4), w = fuzz_range(r, 1, 80), h = fuzz_range(r, 1, 12);
    read_pass(r, c, p);
    fuzz_read_geometry(r, &p->spec, 3, 2, 6);
    p->bias = (float)(int8_t)fuzz_byte(r) / 64.0f;
    if (read_kernel(r, &p->k) != 0 || convtool_pixels_alloc(&p->in, w, h, c, depth) != CONVTOOL_OK)
        return -1;
    read_samples(r, &p->in);
    return 0;
}

/* Sample i of channel c at pixel x of row y, as convtool_image_decode scales it. */
static float sample(const convtool_pixels *px, int c, int y, int x)
{
    size_t i = ((size_t)y * (size_t)px->width + (size_t)x) * (size_t)px->channels + (size_t)c;
    if (px->depth == 16)
        return (float)((const uint16_t *)px->data)[i] / 65535.0f;
    return (float)((const unsigned char *)px->data)[i] / 255.0f;
}

/* Channel c of the pass at (y, x): a sample, or the luma exactly as convtool_to_luma. */
static float pass_value(const convtool_pixels *px, const convtool_pixel_pass *pass, int c, int y,
                        int x)
{
    int c0 = pass->in_channel;
    if (!pass->luma)
        return sample(px, c0 + c, y, x);
    float r = sample(px, c0, y, x), g = sample(px, c0 + 1, y, x), b = sample(px, c0 + 2, y, x);
    return 0.299f * r + 0.587f * g + 0.114f * b;
}

/* The float tensor the pass reads, as decode (and --luma) make it. */
static convtool_status pass_tensor(const convtool_pixels *px, const convtool_pixel_pass *pass,
                                   convtool_tensor *t)
{
    convtool_status st = convtool_tensor_alloc(t, pass->channels, px->height, px->width);
    if (st != CONVTOOL_OK)
        return st;
    float *d = t->data;
    for (int c = 0; c < pass->channels; c++)
        for (int y = 0; y < px->height; y++)
            for (int x = 0; x < px->width; x++)
                *d++ = pass_value(px, pass, c, y, x);
    return CONVTOOL_OK;
}

/* The pre-fill of output sample i (its low byte, or all 16 bits). */
static unsigned pattern(const convtool_pixels *out, size_t i)
{
    return out->depth == 16 ? (unsigned)(uint16_t)(i * 4099 + 11) : (unsigned char)(i * 37 + 11);
}

static unsigned sample_at(const convtool_pixels *out, size_t i)
{
    if (out->depth == 16)
        return ((const uint16_t *)out->data)[i];
    return ((const unsigned char *)out->data)[i];
}

/* The float path's rounding for the problem's output depth. */
static unsigned quantize_out(const struct problem *p, float v)
{
    return p->out_depth == 16 ? quantize16(v) : quantize8(v);
}

/* Bytes of an output of n samples. */
static size_t out_bytes(const struct problem *p, size_t n)
{
    return n * (size_t)(p->out_depth / 8);
}

/* Pools outlive the runs: creating threads per input would dominate the time. */
static convtool_pool *pool_of(int threads)
{
    static convtool_pool *pools[4];
    if (!pools[threads])
        FUZZ_CHECK(convtool_pool_create(threads, &pools[threads]) == CONVTOOL_OK);
    return pools[threads];
}

/* The fused pass at one SIMD level into a patterned output; the channels it does not
 * own must keep the pattern. */
static void run_fused(const struct problem *p, const convtool_geometry *g, convtool_simd level,
                      int threads, struct result *res)
{
    convtool_pixels *out = &res->out;
    FUZZ_CHECK(convtool_pixels_alloc(out, g->out_w, g->out_h, p->out_channels, p->out_depth) ==
               CONVTOOL_OK);
    size_t n = (size_t)g->out_w * (size_t)g->out_h * (size_t)p->out_channels;
    for (size_t i = 0; i < n; i++) {
        if (out->depth == 16)
            ((uint16_t *)out->data)[i] = (uint16_t)pattern(out, i);
        else
            ((unsigned char *)out->data)[i] = (unsigned char)pattern(out, i);
    }
    FUZZ_CHECK(convtool_simd_force(level) == CONVTOOL_OK);
    convtool_status st = convtool_conv2d_pixels(&p->in, &p->pass, &p->k, g, p->bias,
                                                pool_of(threads), out, &res->clipped);
    FUZZ_CHECK(convtool_simd_force(CONVTOOL_SIMD_AUTO) == CONVTOOL_OK);
    FUZZ_CHECK(st == CONVTOOL_OK);
    int first = p->pass.out_channel, last = first + p->pass.channels;
    for (size_t i = 0; i < n; i++) {
        int c = (int)(i % (size_t)p->out_channels);
        if (c < first || c >= last)
            FUZZ_CHECK(sample_at(out, i) == pattern(out, i));
    }
}

/* Output value of channel c at pixel i of the pass's float result, written by the pass. */
static int out_byte(const struct problem *p, const struct result *r, int c, size_t i)
{
    size_t at = i * (size_t)p->out_channels + (size_t)(p->pass.out_channel + c);
    return (int)sample_at(&r->out, at);
}

/* decode → conv2d → map → quantize8/16 at the same level gives exactly the fused bytes. */
static void check_float_path(const struct problem *p, const convtool_tensor *in,
                             const convtool_geometry *g, convtool_simd level,
                             const struct result *res, convtool_tensor *conv)
{
    FUZZ_CHECK(convtool_simd_force(level) == CONVTOOL_OK);
    convtool_status st = convtool_conv2d(in, &p->k, g, p->bias, pool_of(1), conv);
    FUZZ_CHECK(convtool_simd_force(CONVTOOL_SIMD_AUTO) == CONVTOOL_OK);
    FUZZ_CHECK(st == CONVTOOL_OK);
    convtool_map_apply(conv, (convtool_map)p->pass.map);
    FUZZ_CHECK(convtool_count_clipped(conv) == res->clipped);
    size_t plane = (size_t)g->out_w * (size_t)g->out_h;
    for (int c = 0; c < conv->c; c++)
        for (size_t i = 0; i < plane; i++) {
            float v = conv->data[(size_t)c * plane + i];
            if ((int)quantize_out(p, v) != out_byte(p, res, c, i)) {
                fprintf(stderr, "channel %d pixel %zu at %s: float path %.9g → %u, fused %d\n", c,
                        i, convtool_simd_name(level), v, quantize_out(p, v),
                        out_byte(p, res, c, i));
                FUZZ_CHECK(!"fused bytes differ from the float path");
            }
        }
}

static double map_value(double v, int map)
{
    if (map == CONVTOOL_MAP_ABS)
        return fabs(v);
    if (map == CONVTOOL_MAP_SHIFT)
        return (v + 1.0) * 0.5;
    return v;
}

/*
 * How far (in units of one level) the core's float value may be from the reference:
 * a few roundings of each running sum (bounded by Σ|k|·s + |bias|), of the value stored
 * as float, of the map and of v·255 (v·65535).
 */
static double level_tolerance(double levels, double mag, float bias)
{
    return levels * (1e-6 + 4e-6 * (mag + fabsf(bias)));
}

/* The fused bytes and clipped count against ref_conv2d, mapped and rounded in double. */
static void check_model(const struct problem *p, const struct expected *e, const struct result *res)
{
    size_t plane = (size_t)e->ref.h * (size_t)e->ref.w, sure = 0, unsure = 0;
    double levels = p->out_depth == 16 ? 65535.0 : 255.0;
    for (int c = 0; c < e->ref.c; c++)
        for (size_t i = 0; i < plane; i++) {
            double m = map_value(e->ref.data[(size_t)c * plane + i], p->pass.map);
            double tol = level_tolerance(levels, e->mag.data[(size_t)c * plane + i], p->bias);
            double x = fmin(fmax(m * levels, 0.0), levels);
            int want = (int)floor(x + 0.5), got = out_byte(p, res, c, i);
            /* the nearest rounding boundary k + 0.5 */
            int near = fabs(x - (floor(x) + 0.5)) < tol;
            if (got != want && !(near && abs(got - want) <= 1 && fabs(got - x) < 0.5 + tol)) {
                fprintf(stderr, "channel %d pixel %zu: reference %.9g → %.6f levels, fused %d\n", c,
                        i, e->ref.data[(size_t)c * plane + i], x, got);
                FUZZ_CHECK(!"fused bytes differ from the reference");
            }
            double tol_v = tol / levels;
            if (m < -tol_v || m > 1.0 + tol_v)
                sure++;
            else if (m < tol_v || m > 1.0 - tol_v)
                unsure++;
        }
    FUZZ_CHECK(res->clipped >= sure && res->clipped <= sure + unsure);
}

static convtool_status make_expected(const struct problem *p, const convtool_tensor *in,
                                     const convtool_geometry *g, struct expected *e)
{
    convtool_kernel abs_k = p->k;
    size_t n = (size_t)p->k.h * (size_t)p->k.w;
    convtool_status st = ref_conv2d(in, &p->k, g, p->bias, &e->ref);
    if (st != CONVTOOL_OK)
        return st;
    abs_k.values = malloc(n * sizeof(float));
    if (!abs_k.values)
        return CONVTOOL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        abs_k.values[i] = fabsf(p->k.values[i]);
    st = ref_conv2d(in, &abs_k, g, 0.0f, &e->mag);
    free(abs_k.values);
    return st;
}

/* The two levels differ only where their float paths quantize differently. */
static void check_levels(const struct problem *p, const struct result *v, const struct result *s,
                         const convtool_tensor *fv, const convtool_tensor *fs)
{
    size_t plane = (size_t)fv->h * (size_t)fv->w;
    for (int c = 0; c < fv->c; c++)
        for (size_t i = 0; i < plane; i++) {
            size_t at = (size_t)c * plane + i;
            int same = quantize_out(p, fv->data[at]) == quantize_out(p, fs->data[at]);
            FUZZ_CHECK(!same || out_byte(p, v, c, i) == out_byte(p, s, c, i));
        }
    size_t n = plane * (size_t)p->out_channels;
    int equal_floats = memcmp(fv->data, fs->data, convtool_tensor_count(fv) * sizeof(float)) == 0;
    FUZZ_CHECK(!equal_floats || memcmp(v->out.data, s->out.data, out_bytes(p, n)) == 0);
    FUZZ_CHECK(!equal_floats || v->clipped == s->clipped);
}

static void run(const struct problem *p)
{
    convtool_geometry g;
    convtool_tensor in = {0}, fv = {0}, fs = {0};
    struct result vec = {0}, scalar = {0}, three = {0};
    struct expected e = {0};
    convtool_status st =
        convtool_geometry_resolve(&p->spec, p->in.height, p->in.width, p->k.h, p->k.w, &g);
    if (st != CONVTOOL_OK) {
        FUZZ_CHECK(st == CONVTOOL_EGEOMETRY);
        return;
    }
    convtool_simd level =
        convtool_simd_force(p->vector) == CONVTOOL_OK ? p->vector : CONVTOOL_SIMD_AUTO;
    FUZZ_CHECK(convtool_simd_force(CONVTOOL_SIMD_AUTO) == CONVTOOL_OK);
    FUZZ_CHECK(pass_tensor(&p->in, &p->pass, &in) == CONVTOOL_OK);
    run_fused(p, &g, level, 1, &vec);
    run_fused(p, &g, CONVTOOL_SIMD_SCALAR, 1, &scalar);
    if (p->three_threads) {
        run_fused(p, &g, level, 3, &three);
        size_t n = (size_t)g.out_w * (size_t)g.out_h * (size_t)p->out_channels;
        FUZZ_CHECK(memcmp(three.out.data, vec.out.data, out_bytes(p, n)) == 0 &&
                   three.clipped == vec.clipped);
    }
    check_float_path(p, &in, &g, level, &vec, &fv);
    check_float_path(p, &in, &g, CONVTOOL_SIMD_SCALAR, &scalar, &fs);
    check_levels(p, &vec, &scalar, &fv, &fs);
    FUZZ_CHECK(make_expected(p, &in, &g, &e) == CONVTOOL_OK);
    check_model(p, &e, &vec);
    check_model(p, &e, &scalar);
    convtool_tensor_free(&in);
    convtool_tensor_free(&fv);
    convtool_tensor_free(&fs);
    convtool_tensor_free(&e.ref);
    convtool_tensor_free(&e.mag);
    convtool_pixels_free(&vec.out);
    convtool_pixels_free(&scalar.out);
    convtool_pixels_free(&three.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_reader r = {data, size, 0};
    struct problem p = {0};
    if (read_problem(&r, &p) == 0)
        run(&p);
    convtool_pixels_free(&p.in);
    convtool_kernel_free(&p.k);
    return 0;
}
