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

/* Copies the stored samples (pixel_bytes per pixel) along the walk into dst. */
static void copy_walk(const unsigned char *src, unsigned char *dst, size_t pixel_bytes,
                      const struct walk *k)
{
    for (int y = 0; y < k->out_h; y++) {
        ptrdiff_t at = k->base + (ptrdiff_t)y * k->dy;
        unsigned char *row = dst + (size_t)y * (size_t)k->out_w * pixel_bytes;
        if (pixel_bytes == 1) {
            for (int x = 0; x < k->out_w; x++, at += k->dx)
                row[x] = src[at];
        } else if (pixel_bytes == 4) {
            for (int x = 0; x < k->out_w; x++, at += k->dx)
                memcpy(row + (size_t)x * 4, src + at * 4, 4);
        } else {
            for (int x = 0; x < k->out_w; x++, at += k->dx)
                memcpy(row + (size_t)x * pixel_bytes, src + at * (ptrdiff_t)pixel_bytes,
                       pixel_bytes);
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
