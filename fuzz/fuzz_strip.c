/*
 * Fuzz target: the strip engine (issue 14's "same bytes"). The input bytes
 * choose an interleaved 8- or 16-bit image (C 1-4, up to 48×48), a pixel pass
 * (channels or luma, into a possibly wider 8- or 16-bit output at out_channel,
 * map clamp/abs/shift), a kernel (1-7 each way, some zero taps, or rank one),
 * the geometry (stride 1-4, dilation 1-3, explicit/same/valid padding, pads up
 * to 8, every pad mode), the method (auto, direct, separable, FFT), the SIMD
 * level (best, scalar, SSE2 or AVX2), a strip height (1 up to out_h; or ragged heights),
 * the threads of the whole run and of the strips (1-3 each, pools made once),
 * a bias, then the samples.
 *
 * convtool_conv2d_pixels runs the whole image; convtool_conv2d_pixels_rows
 * runs it again strip by strip, each strip reading a copy of exactly the rows
 * convtool_conv2d_rows_needed names (allocated to the byte, so under ASan a
 * read outside the window is an error; window_first is the first row named, so
 * a strip that read the wrong rows of it would give other bytes). The strips'
 * bytes, the channels the pass does not own (pre-filled with a pattern) and
 * the clipped count must equal the whole run's. A job on the FFT tiles must
 * be refused strip by strip (EUNSUPPORTED), as convtool_conv2d_rows_streamable
 * says beforehand.
 *
 * Then the output goes through convtool_image_writer_* in strips of the same
 * heights, as PNG (level 1 or 2) and, for 8-bit outputs with libjpeg, JPEG:
 * the bytes must be exactly convtool_pixels_encode's.
 *
 * The float strip steps too (the .npy strip engines): the samples as a planar
 * float tensor, convtool_conv2d whole, then convtool_conv2d_rows one plane at
 * a time in the same strips from exact windows, with the method pinned to
 * the one convtool_method_choose gives the whole tensor: the same floats, bit
 * for bit. And the pass's channels as the decoder makes them (s/255 or
 * s/65535, the luma by convtool_to_luma) through convtool_conv2d, against
 * convtool_conv2d_pixels_rows_float strip by strip (a PNG to a .npy).
 */
#include <string.h>

#include "convtool/convtool.h"
#include "fuzz_common.h"

#define MAX_SIDE 48
#define MAX_TAPS 7

struct problem {
    convtool_pixels in;
    convtool_pixel_pass pass;
    int out_channels, out_depth;
    convtool_kernel k;
    convtool_geometry_spec spec;
    float bias;
    convtool_simd level;
    int whole_threads, strip_threads;
    int strip_byte; /* the strip height: 1 + strip_byte % out_h; 255: out_h */
    int ragged;     /* strip heights vary, from a generator seeded by strip_byte */
    int jpeg;       /* also check the JPEG writer (8-bit outputs) */
    int jpeg_quality;
    convtool_jpeg_sampling sampling;
    int png_level;
};

static size_t row_bytes(const convtool_pixels *px)
{
    return (size_t)px->width * (size_t)px->channels * (size_t)(px->depth / 8);
}

/* Pools outlive the runs: creating threads per input would dominate the time. */
static convtool_pool *pool_of(int threads)
{
    static convtool_pool *pools[4];
    if (!pools[threads])
        FUZZ_CHECK(convtool_pool_create(threads, &pools[threads]) == CONVTOOL_OK);
    return pools[threads];
}

/* Channels or luma of `in_c` input channels, into a possibly wider output. */
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

/*
 * Multiples of 1/32 in [-4, 4) with a zero for one byte in eight; or, for the
 * separable core, a column times a row of multiples of 1/8 (exact products,
 * so the kernel is exactly rank one).
 */
static int read_kernel(struct fuzz_reader *r, int rank_one, convtool_kernel *k)
{
    memset(k, 0, sizeof *k);
    k->h = fuzz_range(r, 1, MAX_TAPS);
    k->w = fuzz_range(r, 1, MAX_TAPS);
    k->scale = 1.0;
    k->values = malloc((size_t)k->h * (size_t)k->w * sizeof(float));
    if (!k->values)
        return -1;
    if (rank_one) {
        float col[MAX_TAPS], row[MAX_TAPS];
        for (int i = 0; i < k->h; i++)
            col[i] = (float)((int)fuzz_byte(r) % 33 - 16) / 8.0f;
        for (int j = 0; j < k->w; j++)
            row[j] = (float)((int)fuzz_byte(r) % 33 - 16) / 8.0f;
        for (int i = 0; i < k->h; i++)
            for (int j = 0; j < k->w; j++)
                k->values[i * k->w + j] = col[i] * row[j];
        return 0;
    }
    for (int i = 0; i < k->h * k->w; i++) {
        uint8_t b = fuzz_byte(r);
        k->values[i] = (b & 7) == 0 ? 0.0f : (float)(int8_t)b / 32.0f;
    }
    return 0;
}

/* The samples: the rest of the input, then a generator seeded by it. */
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
    int depth = (flags & 1) ? 16 : 8;
    p->out_depth = (flags & 2) ? 16 : 8;
    int rank_one = (flags & 4) != 0;
    p->level = (flags & 8) ? CONVTOOL_SIMD_SCALAR : CONVTOOL_SIMD_AUTO;
    p->ragged = (flags & 16) != 0;
    p->jpeg = (flags & 32) != 0;
    p->spec.method = (convtool_method)(flags >> 6); /* AUTO, DIRECT, SEPARABLE, FFT */
    int c = fuzz_range(r, 1, 4), w = fuzz_range(r, 1, MAX_SIDE), h = fuzz_range(r, 1, MAX_SIDE);
    read_pass(r, c, p);
    fuzz_read_geometry(r, &p->spec, 4, 3, 8); /* leaves the method */
    uint8_t threads = fuzz_byte(r);
    p->whole_threads = 1 + threads % 3;
    p->strip_threads = 1 + threads / 3 % 3;
    static const convtool_simd vector[] = {CONVTOOL_SIMD_AUTO, CONVTOOL_SIMD_SSE2,
                                           CONVTOOL_SIMD_AVX2};
    if (p->level == CONVTOOL_SIMD_AUTO)
        p->level = vector[threads / 9 % 3];
    p->strip_byte = fuzz_byte(r);
    p->bias = (float)(int8_t)fuzz_byte(r) / 64.0f;
    uint8_t save = fuzz_byte(r);
    p->png_level = 1 + (save & 1);
    p->sampling = (convtool_jpeg_sampling)(save >> 1 & 3);
    p->jpeg_quality = fuzz_range(r, 1, 100);
    if (read_kernel(r, rank_one, &p->k) != 0 ||
        convtool_pixels_alloc(&p->in, w, h, c, depth) != CONVTOOL_OK)
        return -1;
    read_samples(r, &p->in);
    return 0;
}

/* The height of the strip at output row y0 (never past out_h). */
static int strip_height(const struct problem *p, int out_h, int y0, uint32_t *seed)
{
    int rows = p->strip_byte == 255 ? out_h : 1 + p->strip_byte % out_h;
    if (p->ragged) {
        *seed = *seed * 1664525u + 1013904223u;
        rows = 1 + (int)(*seed >> 16) % rows;
    }
    return rows < out_h - y0 ? rows : out_h - y0;
}

/* The pre-fill of output sample i (its low byte, or all 16 bits), i counted over the image. */
static unsigned pattern(int depth, size_t i)
{
    return depth == 16 ? (unsigned)(uint16_t)(i * 4099 + 11) : (unsigned char)(i * 37 + 11);
}

static void fill_pattern(convtool_pixels *px, size_t first)
{
    size_t n = (size_t)px->width * (size_t)px->height * (size_t)px->channels;
    for (size_t i = 0; i < n; i++) {
        if (px->depth == 16)
            ((uint16_t *)px->data)[i] = (uint16_t)pattern(16, first + i);
        else
            ((unsigned char *)px->data)[i] = (unsigned char)pattern(8, first + i);
    }
}

static convtool_status run_whole(const struct problem *p, const convtool_geometry *g, int threads,
                                 convtool_pixels *out, size_t *clipped)
{
    FUZZ_CHECK(convtool_pixels_alloc(out, g->out_w, g->out_h, p->out_channels, p->out_depth) ==
               CONVTOOL_OK);
    fill_pattern(out, 0);
    return convtool_conv2d_pixels(&p->in, &p->pass, &p->k, g, p->bias, pool_of(threads), out,
                                  clipped);
}

/* A copy of input rows [lo, hi), allocated to the byte (a non-NULL pointer for no rows). */
static void copy_window(const convtool_pixels *in, int lo, int hi, convtool_pixels *window)
{
    size_t bytes = row_bytes(in) * (size_t)(hi - lo);
    *window = (convtool_pixels){in->width, hi - lo, in->channels, in->depth, malloc(bytes)};
    if (!window->data && bytes == 0)
        window->data = malloc(1);
    FUZZ_CHECK(window->data != NULL);
    memcpy(window->data, (const unsigned char *)in->data + (size_t)lo * row_bytes(in), bytes);
}

/*
 * Output rows [y0, y0 + rows) from a window of exactly the rows they read, into
 * `out` at those rows; returns the strip's status.
 */
static convtool_status run_strip(const struct problem *p, const convtool_geometry *g, int y0,
                                 int rows, convtool_pixels *out, size_t *clipped)
{
    int lo, hi;
    FUZZ_CHECK(convtool_conv2d_rows_needed(g, y0, y0 + rows, &lo, &hi) == CONVTOOL_OK);
    FUZZ_CHECK(lo >= 0 && lo <= hi && hi <= g->in_h);
    convtool_pixels window, strip;
    copy_window(&p->in, lo, hi, &window);
    FUZZ_CHECK(convtool_pixels_alloc(&strip, g->out_w, rows, p->out_channels, p->out_depth) ==
               CONVTOOL_OK);
    size_t first = (size_t)y0 * (size_t)g->out_w * (size_t)p->out_channels;
    fill_pattern(&strip, first);
    convtool_status st = convtool_conv2d_pixels_rows(
        &window, lo, &p->pass, &p->k, g, p->bias, pool_of(p->strip_threads), &strip, y0, clipped);
    if (st == CONVTOOL_OK)
        memcpy((unsigned char *)out->data + (size_t)y0 * row_bytes(out), strip.data,
               (size_t)rows * row_bytes(out));
    convtool_pixels_free(&window);
    convtool_pixels_free(&strip);
    return st;
}

/* The first output row where a and b differ, or -1. */
static int first_row_differing(const convtool_pixels *a, const convtool_pixels *b)
{
    size_t row = row_bytes(a);
    for (int y = 0; y < a->height; y++)
        if (memcmp((unsigned char *)a->data + (size_t)y * row,
                   (unsigned char *)b->data + (size_t)y * row, row) != 0)
            return y;
    return -1;
}

/* Strip by strip: the whole run's bytes and clipped count, or EUNSUPPORTED for FFT jobs. */
static void check_strips(const struct problem *p, const convtool_geometry *g,
                         const convtool_pixels *whole, size_t whole_clipped)
{
    int streamable =
        convtool_conv2d_rows_streamable(&p->k, g, p->pass.channels, pool_of(p->strip_threads));
    convtool_pixels strips;
    FUZZ_CHECK(convtool_pixels_alloc(&strips, g->out_w, g->out_h, p->out_channels, p->out_depth) ==
               CONVTOOL_OK);
    memset(strips.data, 0, row_bytes(&strips) * (size_t)g->out_h);
    size_t clipped = 0;
    uint32_t seed = (uint32_t)p->strip_byte;
    for (int y0 = 0; y0 < g->out_h;) {
        int rows = strip_height(p, g->out_h, y0, &seed);
        size_t c = 0;
        convtool_status st = run_strip(p, g, y0, rows, &strips, &c);
        if (!streamable) {
            FUZZ_CHECK(st == CONVTOOL_EUNSUPPORTED);
            convtool_pixels_free(&strips);
            return;
        }
        FUZZ_CHECK(st == CONVTOOL_OK);
        clipped += c;
        y0 += rows;
    }
    int y = first_row_differing(whole, &strips);
    if (y >= 0 || clipped != whole_clipped)
        fprintf(stderr,
                "strips (threads %d) differ from the whole run (threads %d): row %d of "
                "%d, clipped %zu vs %zu\n",
                p->strip_threads, p->whole_threads, y, g->out_h, clipped, whole_clipped);
    FUZZ_CHECK(y < 0);
    FUZZ_CHECK(clipped == whole_clipped);
    convtool_pixels_free(&strips);
}

/* The samples as a planar float tensor, scaled by the bias byte so values vary in sign. */
static void float_input(const struct problem *p, convtool_tensor *t)
{
    const convtool_pixels *in = &p->in;
    FUZZ_CHECK(convtool_tensor_alloc(t, in->channels, in->height, in->width) == CONVTOOL_OK);
    size_t plane = (size_t)in->height * (size_t)in->width;
    for (size_t i = 0; i < plane; i++)
        for (int c = 0; c < in->channels; c++) {
            size_t at = i * (size_t)in->channels + (size_t)c;
            float v = in->depth == 16 ? (float)((const uint16_t *)in->data)[at] / 65535.0f
                                      : (float)((const unsigned char *)in->data)[at] / 255.0f;
            t->data[(size_t)c * plane + i] = v - p->bias;
        }
}

/* Plane `plane` of t, output rows [y0, y0 + rows), from a window of exactly the rows read. */
static void float_strip(const convtool_tensor *t, int plane, const convtool_kernel *k,
                        const convtool_geometry *g, float bias, convtool_pool *pool, int y0,
                        int rows, convtool_tensor *out)
{
    int lo, hi;
    FUZZ_CHECK(convtool_conv2d_rows_needed(g, y0, y0 + rows, &lo, &hi) == CONVTOOL_OK);
    size_t n = (size_t)(hi - lo) * (size_t)t->w;
    convtool_tensor window = {1, hi - lo, t->w, malloc(n ? n * sizeof(float) : 1)};
    FUZZ_CHECK(window.data != NULL);
    if (n)
        memcpy(window.data, t->data + ((size_t)plane * t->h + (size_t)lo) * t->w,
               n * sizeof(float));
    if (hi == lo)
        window.h = 1, window.data = realloc(window.data, (size_t)t->w * sizeof(float));
    FUZZ_CHECK(window.data != NULL);
    convtool_tensor strip;
    FUZZ_CHECK(convtool_tensor_alloc(&strip, 1, rows, g->out_w) == CONVTOOL_OK);
    FUZZ_CHECK(convtool_conv2d_rows(&window, lo, k, g, bias, pool, &strip, y0) == CONVTOOL_OK);
    memcpy(out->data + ((size_t)plane * out->h + (size_t)y0) * out->w, strip.data,
           (size_t)rows * (size_t)g->out_w * sizeof(float));
    convtool_tensor_free(&strip);
    free(window.data);
}

/* The float tensor whole and plane by plane in strips: the same bits. */
static void check_float_strips(const struct problem *p, const convtool_geometry *g)
{
    convtool_pool *pool = pool_of(p->whole_threads);
    convtool_method_choice c;
    FUZZ_CHECK(convtool_method_choose(&p->k, g, p->in.channels, convtool_pool_threads(pool),
                                      &c) == CONVTOOL_OK);
    if (c.method == CONVTOOL_METHOD_FFT)
        return; /* the .npy strip engine leaves these whole */
    convtool_tensor in, whole, strips;
    float_input(p, &in);
    FUZZ_CHECK(convtool_conv2d(&in, &p->k, g, p->bias, pool, &whole) == CONVTOOL_OK);
    FUZZ_CHECK(convtool_tensor_alloc(&strips, in.c, g->out_h, g->out_w) == CONVTOOL_OK);
    convtool_geometry pinned = *g;
    pinned.method = c.method;
    for (int plane = 0; plane < in.c; plane++) {
        uint32_t seed = (uint32_t)p->strip_byte;
        for (int y0 = 0; y0 < g->out_h;) {
            int rows = strip_height(p, g->out_h, y0, &seed);
            float_strip(&in, plane, &p->k, &pinned, p->bias, pool, y0, rows, &strips);
            y0 += rows;
        }
    }
    size_t bytes = convtool_tensor_count(&whole) * sizeof(float);
    if (memcmp(whole.data, strips.data, bytes) != 0)
        fprintf(stderr, "float strips differ from convtool_conv2d (method %d)\n", (int)c.method);
    FUZZ_CHECK(memcmp(whole.data, strips.data, bytes) == 0);
    convtool_tensor_free(&in);
    convtool_tensor_free(&whole);
    convtool_tensor_free(&strips);
}

/* The pass's channels as the decoder's float tensor holds them (then the luma, if it is one). */
static void pass_tensor(const struct problem *p, convtool_tensor *t)
{
    const convtool_pixels *in = &p->in;
    int read = p->pass.luma ? 3 : p->pass.channels;
    convtool_tensor planes;
    FUZZ_CHECK(convtool_tensor_alloc(&planes, read, in->height, in->width) == CONVTOOL_OK);
    size_t plane = (size_t)in->height * (size_t)in->width;
    for (size_t i = 0; i < plane; i++)
        for (int c = 0; c < read; c++) {
            size_t at = i * (size_t)in->channels + (size_t)(p->pass.in_channel + c);
            planes.data[(size_t)c * plane + i] =
                in->depth == 16 ? (float)((const uint16_t *)in->data)[at] / 65535.0f
                                : (float)((const unsigned char *)in->data)[at] / 255.0f;
        }
    if (!p->pass.luma) {
        *t = planes;
        return;
    }
    FUZZ_CHECK(convtool_to_luma(&planes, t) == CONVTOOL_OK);
    convtool_tensor_free(&planes);
}

/* The float path's values against the pixel strips with float results. */
static void check_pixel_float_strips(const struct problem *p, const convtool_geometry *g)
{
    convtool_pool *pool = pool_of(p->strip_threads);
    if (!convtool_conv2d_rows_streamable(&p->k, g, p->pass.channels, pool))
        return;
    convtool_tensor in, whole, strips;
    pass_tensor(p, &in);
    FUZZ_CHECK(convtool_conv2d(&in, &p->k, g, p->bias, pool, &whole) == CONVTOOL_OK);
    FUZZ_CHECK(convtool_tensor_alloc(&strips, in.c, g->out_h, g->out_w) == CONVTOOL_OK);
    uint32_t seed = (uint32_t)p->strip_byte;
    for (int y0 = 0; y0 < g->out_h;) {
        int rows = strip_height(p, g->out_h, y0, &seed), lo, hi;
        FUZZ_CHECK(convtool_conv2d_rows_needed(g, y0, y0 + rows, &lo, &hi) == CONVTOOL_OK);
        convtool_pixels window;
        copy_window(&p->in, lo, hi, &window);
        if (hi == lo) /* only zero padding: a row that is never read */
            window.height = 1, window.data = realloc(window.data, row_bytes(&p->in));
        FUZZ_CHECK(window.data != NULL);
        convtool_tensor strip;
        FUZZ_CHECK(convtool_tensor_alloc(&strip, in.c, rows, g->out_w) == CONVTOOL_OK);
        FUZZ_CHECK(convtool_conv2d_pixels_rows_float(&window, lo, &p->pass, &p->k, g, p->bias,
                                                     pool, &strip, y0) == CONVTOOL_OK);
        for (int c = 0; c < in.c; c++)
            memcpy(strips.data + ((size_t)c * g->out_h + (size_t)y0) * g->out_w,
                   strip.data + (size_t)c * rows * g->out_w,
                   (size_t)rows * (size_t)g->out_w * sizeof(float));
        convtool_tensor_free(&strip);
        convtool_pixels_free(&window);
        y0 += rows;
    }
    size_t bytes = convtool_tensor_count(&whole) * sizeof(float);
    if (memcmp(whole.data, strips.data, bytes) != 0)
        fprintf(stderr, "pixel float strips differ from convtool_conv2d on the decoded tensor\n");
    FUZZ_CHECK(memcmp(whole.data, strips.data, bytes) == 0);
    convtool_tensor_free(&in);
    convtool_tensor_free(&whole);
    convtool_tensor_free(&strips);
}

static int push_buffer(void *ctx, const unsigned char *bytes, size_t n)
{
    return convtool_buffer_append(ctx, bytes, n) == CONVTOOL_OK ? 0 : -1;
}

/* convtool_image_writer_* fed `px` in the problem's strips: convtool_pixels_encode's bytes. */
static void check_writer(const struct problem *p, const convtool_pixels *px,
                         const convtool_save_options *o)
{
    convtool_image_writer *wr = NULL;
    convtool_buffer streamed = {0}, whole = {0};
    convtool_status st = convtool_image_writer_open(px->width, px->height, px->channels, px->depth,
                                                    o, push_buffer, &streamed, &wr);
    if (st == CONVTOOL_EUNSUPPORTED && o->format == CONVTOOL_FORMAT_JPEG)
        return; /* no libjpeg: JPEG is encoded whole */
    FUZZ_CHECK(st == CONVTOOL_OK);
    uint32_t seed = (uint32_t)p->strip_byte;
    for (int y0 = 0; y0 < px->height;) {
        int rows = strip_height(p, px->height, y0, &seed);
        FUZZ_CHECK(convtool_image_writer_rows(
                       wr, (const unsigned char *)px->data + (size_t)y0 * row_bytes(px), rows) ==
                   CONVTOOL_OK);
        y0 += rows;
    }
    FUZZ_CHECK(convtool_image_writer_finish(wr) == CONVTOOL_OK);
    convtool_image_writer_close(wr);
    FUZZ_CHECK(convtool_pixels_encode(px, o, &whole) == CONVTOOL_OK);
    FUZZ_CHECK(!streamed.failed && !whole.failed);
    if (streamed.len != whole.len || memcmp(streamed.data, whole.data, whole.len) != 0)
        fprintf(stderr, "%s writer: %zu bytes strip by strip, %zu whole\n",
                o->format == CONVTOOL_FORMAT_PNG ? "PNG" : "JPEG", streamed.len, whole.len);
    FUZZ_CHECK(streamed.len == whole.len && memcmp(streamed.data, whole.data, whole.len) == 0);
    convtool_buffer_free(&streamed);
    convtool_buffer_free(&whole);
}

static void run(struct problem *p)
{
    convtool_geometry g;
    if (!convtool_method_fits(&p->k, p->spec.method))
        p->spec.method = CONVTOOL_METHOD_AUTO; /* separable for rank one, FFT with FFTW */
    convtool_status st =
        convtool_geometry_resolve(&p->spec, p->in.height, p->in.width, p->k.h, p->k.w, &g);
    if (st != CONVTOOL_OK) {
        FUZZ_CHECK(st == CONVTOOL_EGEOMETRY);
        return; /* too small for this kernel, or reflect wider than the input */
    }
    if (convtool_simd_force(p->level) != CONVTOOL_OK) /* a level this CPU lacks */
        FUZZ_CHECK(convtool_simd_force(CONVTOOL_SIMD_AUTO) == CONVTOOL_OK);
    convtool_pixels whole = {0};
    size_t clipped = 0;
    /* The strips run the core; an FFT job (AUTO may choose it for one pool and not for the
     * other) has its own bytes, so the strips are compared with the core's whole run. */
    int threads = p->whole_threads;
    if (!convtool_conv2d_rows_streamable(&p->k, &g, p->pass.channels, pool_of(threads)))
        threads = p->strip_threads;
    FUZZ_CHECK(run_whole(p, &g, threads, &whole, &clipped) == CONVTOOL_OK);
    check_strips(p, &g, &whole, clipped);
    check_float_strips(p, &g);
    check_pixel_float_strips(p, &g);
    FUZZ_CHECK(convtool_simd_force(CONVTOOL_SIMD_AUTO) == CONVTOOL_OK);
    convtool_save_options o = {.format = CONVTOOL_FORMAT_PNG,
                               .png_level = p->png_level,
                               .pool = pool_of(p->strip_threads),
                               .depth = p->out_depth};
    check_writer(p, &whole, &o);
    if (p->jpeg && p->out_depth == 8) {
        o = (convtool_save_options){.format = CONVTOOL_FORMAT_JPEG,
                                    .jpeg_quality = p->jpeg_quality,
                                    .jpeg_sampling = p->sampling};
        check_writer(p, &whole, &o);
    }
    convtool_pixels_free(&whole);
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
