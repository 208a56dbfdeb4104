/*
 * Shared by the fuzz targets: an invariant check that aborts (so libFuzzer and
 * the replay driver both report it with a stack), and a reader that turns the
 * fuzz input into small bounded numbers, like LLVM's FuzzedDataProvider.
 */
#ifndef CONVTOOL_FUZZ_COMMON_H
#define CONVTOOL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "convtool/convtool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Bytes are consumed from the front; an exhausted reader yields zeros. */
struct fuzz_reader {
    const uint8_t *data;
    size_t size, pos;
};

static inline uint8_t fuzz_byte(struct fuzz_reader *r)
{
    return r->pos < r->size ? r->data[r->pos++] : 0;
}

/* A value in [lo, hi] from one byte (hi - lo < 256). */
static inline int fuzz_range(struct fuzz_reader *r, int lo, int hi)
{
    return lo + fuzz_byte(r) % (hi - lo + 1);
}

/*
 * Stride, dilation, padding kind, pads (up to max_pad: wider than small images,
 * so reflect refusals and circular wraps happen) and pad mode, in that order.
 */
static inline void fuzz_read_geometry(struct fuzz_reader *r, convtool_geometry_spec *s,
                                      int max_stride, int max_dilation, int max_pad)
{
    s->stride_y = fuzz_range(r, 1, max_stride);
    s->stride_x = fuzz_range(r, 1, max_stride);
    s->dilation_y = fuzz_range(r, 1, max_dilation);
    s->dilation_x = fuzz_range(r, 1, max_dilation);
    s->padding = (convtool_padding_kind)fuzz_range(r, 0, 2);
    s->pad_y = fuzz_range(r, 0, max_pad);
    s->pad_x = fuzz_range(r, 0, max_pad);
    s->mode = (convtool_pad_mode)fuzz_range(r, 0, 4);
}

#endif
