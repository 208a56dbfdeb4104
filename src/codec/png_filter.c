/*
 * PNG row filters (PNG spec, section 9). Each filter is its own plain loop
 * over bytes, with the first pixel (no left neighbour) peeled off, so the
 * compiler can vectorise the rest.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/png_filter.h"

static void filter_sub(const unsigned char *cur, size_t n, size_t bpp, unsigned char *o)
{
    for (size_t i = 0; i < bpp; i++)
        o[i] = cur[i];
    for (size_t i = bpp; i < n; i++)
        o[i] = (unsigned char)(cur[i] - cur[i - bpp]);
}

static void filter_up(const unsigned char *cur, const unsigned char *prev, size_t n,
                      unsigned char *o)
{
    for (size_t i = 0; i < n; i++)
        o[i] = (unsigned char)(cur[i] - prev[i]);
}

static void filter_average(const unsigned char *cur, const unsigned char *prev, size_t n,
                           size_t bpp, unsigned char *o)
{
    for (size_t i = 0; i < bpp; i++)
        o[i] = (unsigned char)(cur[i] - (prev[i] >> 1));
    for (size_t i = bpp; i < n; i++)
        o[i] = (unsigned char)(cur[i] - ((cur[i - bpp] + prev[i]) >> 1));
}

/* The Paeth predictor without branches: a, b, c are left, above, upper left. */
static inline int paeth(int a, int b, int c)
{
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

static void filter_paeth(const unsigned char *cur, const unsigned char *prev, size_t n, size_t bpp,
                         unsigned char *o)
{
    for (size_t i = 0; i < bpp; i++) /* a = c = 0: the predictor is b */
        o[i] = (unsigned char)(cur[i] - prev[i]);
    for (size_t i = bpp; i < n; i++)
        o[i] = (unsigned char)(cur[i] - paeth(cur[i - bpp], prev[i], prev[i - bpp]));
}

static void filter_one(enum png_filter f, const unsigned char *cur, const unsigned char *prev,
                       size_t n, size_t bpp, unsigned char *o)
{
    switch (f) {
    case PNG_FILTER_SUB:
        filter_sub(cur, n, bpp, o);
        break;
    case PNG_FILTER_UP:
        filter_up(cur, prev, n, o);
        break;
    case PNG_FILTER_AVERAGE:
        filter_average(cur, prev, n, bpp, o);
        break;
    case PNG_FILTER_PAETH:
        filter_paeth(cur, prev, n, bpp, o);
        break;
    default:
        memcpy(o, cur, n);
    }
}

/* libpng's heuristic: small residuals, read as signed bytes, compress best. */
static unsigned long residual_cost(const unsigned char *o, size_t n)
{
    unsigned long sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (unsigned)abs((signed char)o[i]);
    return sum;
}

void png_filter_row(enum png_filter mode, const unsigned char *cur, const unsigned char *prev,
                    size_t n, int bpp, unsigned char *out, unsigned char *scratch)
{
    if (mode != PNG_FILTER_ADAPTIVE) {
        out[0] = (unsigned char)mode;
        filter_one(mode, cur, prev, n, (size_t)bpp, out + 1);
        return;
    }
    /* Two buffers: the best so far and the trial; a better trial swaps them. */
    unsigned char *best = out + 1, *trial = scratch;
    filter_one(PNG_FILTER_NONE, cur, prev, n, (size_t)bpp, best);
    unsigned long best_cost = residual_cost(best, n);
    enum png_filter best_f = PNG_FILTER_NONE;
    for (int f = PNG_FILTER_SUB; f <= PNG_FILTER_PAETH; f++) {
        filter_one((enum png_filter)f, cur, prev, n, (size_t)bpp, trial);
        unsigned long cost = residual_cost(trial, n);
        if (cost < best_cost) {
            unsigned char *t = best;
            best = trial;
            trial = t;
            best_cost = cost;
            best_f = (enum png_filter)f;
        }
    }
    if (best != out + 1)
        memcpy(out + 1, best, n);
    out[0] = (unsigned char)best_f;
}
