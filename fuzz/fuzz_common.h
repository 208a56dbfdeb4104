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

#endif
