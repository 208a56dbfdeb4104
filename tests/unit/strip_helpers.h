/*
 * Helpers of the strip engine's tests (test_strip*.c): random geometries,
 * the two pools every case alternates between, the float tensor the decoder
 * makes of pixels, and a window of rows copied out. Include after cmocka.h.
 */
#ifndef CONVTOOL_STRIP_HELPERS_H
#define CONVTOOL_STRIP_HELPERS_H

#include <stdint.h>

#include "test_helpers.h"

/* Bytes in one row of px. */
static inline size_t strip_row_bytes(const convtool_pixels *px)
{
    return (size_t)px->width * (size_t)px->channels * (size_t)(px->depth / 8);
}

/* A w×h image of c channels with random samples. */
static inline void strip_random_pixels(convtool_pixels *px, unsigned *seed, int w, int h, int c,
                                       int depth)
{
    assert_int_equal(convtool_pixels_alloc(px, w, h, c, depth), CONVTOOL_OK);
    unsigned char *p = px->data;
    size_t n = strip_row_bytes(px) * (size_t)h;
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)test_rand(seed);
}

/* Strides 1-3, dilations, every padding kind and mode, pads up to max_pad_y and 4. */
static inline void strip_random_geometry(unsigned *seed, int max_pad_y,
                                         convtool_geometry_spec *spec)
{
    convtool_geometry_spec_default(spec);
    spec->stride_y = test_rand_range(seed, 1, 3);
    spec->stride_x = test_rand_range(seed, 1, 3);
    spec->dilation_y = test_rand_range(seed, 1, 3);
    spec->dilation_x = test_rand_range(seed, 1, 2);
    spec->padding = (convtool_padding_kind)test_rand_range(seed, 0, 2);
    spec->pad_y = test_rand_range(seed, 0, max_pad_y);
    spec->pad_x = test_rand_range(seed, 0, 4);
    spec->mode = (convtool_pad_mode)test_rand_range(seed, 0, 4);
    spec->method = test_rand_range(seed, 0, 1) ? CONVTOOL_METHOD_DIRECT : CONVTOOL_METHOD_AUTO;
}

/* `cases` cases from `seed`, on a 1-thread and a 3-thread pool in turn. */
static inline void strip_on_pools(unsigned seed, int cases,
                                  void (*one_case)(unsigned *seed, convtool_pool *pool))
{
    convtool_pool *pools[2];
    assert_int_equal(convtool_pool_create(1, &pools[0]), CONVTOOL_OK);
    assert_int_equal(convtool_pool_create(3, &pools[1]), CONVTOOL_OK);
    for (int i = 0; i < cases; i++)
        one_case(&seed, pools[i % 2]);
    convtool_pool_free(pools[0]);
    convtool_pool_free(pools[1]);
}

/* The float path's input: planar s/255 (s/65535) of the pass's channels, or their luma. */
static inline convtool_tensor strip_float_input(const convtool_pixels *px,
                                                const convtool_pixel_pass *pass)
{
    int n = pass->luma ? 3 : pass->channels;
    convtool_tensor t;
    assert_int_equal(convtool_tensor_alloc(&t, n, px->height, px->width), CONVTOOL_OK);
    size_t hw = (size_t)px->width * (size_t)px->height;
    for (int c = 0; c < n; c++)
        for (size_t i = 0; i < hw; i++) {
            size_t at = i * (size_t)px->channels + (size_t)(pass->in_channel + c);
            t.data[(size_t)c * hw + i] =
                px->depth == 16 ? (float)((const uint16_t *)px->data)[at] / 65535.0f
                                : (float)((const unsigned char *)px->data)[at] / 255.0f;
        }
    if (pass->luma) {
        convtool_tensor gray;
        assert_int_equal(convtool_to_luma(&t, &gray), CONVTOOL_OK);
        convtool_tensor_free(&t);
        t = gray;
    }
    return t;
}

/* A copy of pixel rows [lo, hi) (one row of filler when empty), as the strip engine holds. */
static inline convtool_pixels strip_window_of(const convtool_pixels *in, int lo, int hi)
{
    convtool_pixels w;
    size_t row = strip_row_bytes(in);
    assert_int_equal(convtool_pixels_alloc(&w, in->width, hi > lo ? hi - lo : 1, in->channels,
                                           in->depth),
                     CONVTOOL_OK);
    memset(w.data, 0xA5, row * (size_t)w.height);
    if (hi > lo)
        memcpy(w.data, (const unsigned char *)in->data + (size_t)lo * row,
               (size_t)(hi - lo) * row);
    return w;
}

#endif
