/* Small helpers shared by the unit tests (header-only, each test is one program). */
#ifndef CONVTOOL_TEST_HELPERS_H
#define CONVTOOL_TEST_HELPERS_H

#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"

/* A deterministic generator, so every run tests the same cases. */
static inline unsigned test_rand(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 16) & 0x7fff;
}

static inline int test_rand_range(unsigned *state, int lo, int hi)
{
    return lo + (int)(test_rand(state) % (unsigned)(hi - lo + 1));
}

/* A kernel made from literal values (no parser involved). */
static inline convtool_kernel test_kernel(int h, int w, const float *values)
{
    convtool_kernel k;
    memset(&k, 0, sizeof k);
    k.h = h;
    k.w = w;
    k.scale = 1.0;
    k.values = malloc((size_t)h * w * sizeof(float));
    memcpy(k.values, values, (size_t)h * w * sizeof(float));
    strcpy(k.name, "test");
    return k;
}

static inline convtool_tensor test_tensor(int c, int h, int w, const float *values)
{
    convtool_tensor t;
    convtool_tensor_alloc(&t, c, h, w);
    memcpy(t.data, values, (size_t)c * h * w * sizeof(float));
    return t;
}

#endif
