/*
 * EXIF orientation applied to decoded pixels and tensors (convtool.h): the
 * stored picture is turned upright, as viewers show it. Each output pixel
 * (x', y') reads the stored pixel at base + x'·dx + y'·dy, where the signed
 * steps dx, dy (in samples) come from the orientation:
 *
 *   1 as stored   2 mirrored left-right   3 turned 180°   4 mirrored top-bottom
 *   5 transposed  6 turned 90° clockwise  7 transversed   8 turned 90° anticlockwise
 *
 * 5..8 swap width and height. A new buffer is written (out of place) and the
 * old one freed: a transpose in place would cost more than the memory.
 */
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"

struct walk {
    ptrdiff_t base, dx, dy; /* in pixels of the stored image */
    int out_w, out_h;
};

/* The walk over a stored w×h image for orientation o (2..8). */
static struct walk walk_for(int o, int w, int h)
{
    ptrdiff_t sx = 1, sy = w, right = (ptrdiff_t)(w - 1), bottom = (ptrdiff_t)(h - 1) * sy;
    struct walk k = {0, sx, sy, w, h};
    switch (o) {
    case 2: k = (struct walk){right, -sx, sy, w, h}; break;
    case 3: k = (struct walk){right + bottom, -sx, -sy, w, h}; break;
    case 4: k = (struct walk){bottom, sx, -sy, w, h}; break;
    case 5: k = (struct walk){0, sy, sx, h, w}; break;
    case 6: k = (struct walk){bottom, -sy, sx, h, w}; break;
    case 7: k = (struct walk){right + bottom, -sy, -sx, h, w}; break;
    case 8: k = (struct walk){right, sy, -sx, h, w}; break;
    }
    return k;
}

/* Output pixels per side of a tile: a turned picture reads its source down columns, and a
 * tile keeps those source rows in cache. 4096² RGB: about 0.1 s for any orientation, much
 * of it the page faults of the new buffer. */
#define TILE 64

/* One tile [x0, x1) × [y0, y1) of the output; `pb`, a constant in each call, lets memcpy inline. */
static inline void copy_tile(const unsigned char *src, unsigned char *dst, size_t pb,
                             const struct walk *k, int x0, int x1, int y0, int y1)
{
    for (int y = y0; y < y1; y++) {
        ptrdiff_t at = k->base + (ptrdiff_t)y * k->dy + (ptrdiff_t)x0 * k->dx;
        unsigned char *out = dst + ((size_t)y * (size_t)k->out_w + (size_t)x0) * pb;
        for (int x = x0; x < x1; x++, at += k->dx, out += pb)
            memcpy(out, src + at * (ptrdiff_t)pb, pb);
    }
}

/* Copies the stored samples (pixel_bytes per pixel) along the walk into dst, tile by tile. */
static void copy_walk(const unsigned char *src, unsigned char *dst, size_t pixel_bytes,
                      const struct walk *k)
{
    for (int y0 = 0; y0 < k->out_h; y0 += TILE)
        for (int x0 = 0; x0 < k->out_w; x0 += TILE) {
            int y1 = y0 + TILE < k->out_h ? y0 + TILE : k->out_h;
            int x1 = x0 + TILE < k->out_w ? x0 + TILE : k->out_w;
            switch (pixel_bytes) {
            case 1: copy_tile(src, dst, 1, k, x0, x1, y0, y1); break;
            case 2: copy_tile(src, dst, 2, k, x0, x1, y0, y1); break;
            case 3: copy_tile(src, dst, 3, k, x0, x1, y0, y1); break;
            case 4: copy_tile(src, dst, 4, k, x0, x1, y0, y1); break;
            case 6: copy_tile(src, dst, 6, k, x0, x1, y0, y1); break;
            case 8: copy_tile(src, dst, 8, k, x0, x1, y0, y1); break;
            default: copy_tile(src, dst, pixel_bytes, k, x0, x1, y0, y1); break;
            }
        }
}

convtool_status convtool_pixels_orient(convtool_pixels *px, int orientation)
{
    if (!px || orientation < 0 || orientation > 8)
        return CONVTOOL_EINVAL;
    if (orientation <= 1 || !px->data)
        return CONVTOOL_OK;
    size_t pixel_bytes = (size_t)px->channels * (size_t)(px->depth / 8), bytes;
    convtool_status st = convtool_mul_size((size_t)px->width, (size_t)px->height, pixel_bytes, 1,
                                           &bytes);
    if (st != CONVTOOL_OK)
        return st;
    unsigned char *out = malloc(bytes ? bytes : 1);
    if (!out)
        return CONVTOOL_ENOMEM;
    struct walk k = walk_for(orientation, px->width, px->height);
    copy_walk(px->data, out, pixel_bytes, &k);
    free(px->data);
    px->data = out;
    px->width = k.out_w, px->height = k.out_h;
    return CONVTOOL_OK;
}

convtool_status convtool_tensor_orient(convtool_tensor *t, int orientation)
{
    if (!t || orientation < 0 || orientation > 8)
        return CONVTOOL_EINVAL;
    if (orientation <= 1 || !t->data)
        return CONVTOOL_OK;
    struct walk k = walk_for(orientation, t->w, t->h);
    convtool_tensor out;
    convtool_status st = convtool_tensor_alloc(&out, t->c, k.out_h, k.out_w);
    if (st != CONVTOOL_OK)
        return st;
    size_t plane = (size_t)t->h * (size_t)t->w;
    for (int c = 0; c < t->c; c++)
        copy_walk((const unsigned char *)(t->data + (size_t)c * plane),
                  (unsigned char *)(out.data + (size_t)c * plane), sizeof(float), &k);
    convtool_tensor_free(t);
    *t = out;
    return CONVTOOL_OK;
}
