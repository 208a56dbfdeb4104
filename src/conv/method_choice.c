/*
 * Which method runs a job: estimated seconds, from constants measured on
 * this machine with bench/fft_bench (bench/RESULTS.md has the commands and
 * the fit). The direct core costs a multiply-add per nonzero tap and output;
 * the separable one k_h multiply-adds per padded input column and k_w per
 * output; an FFT tile of N = n0·n1 points costs a forward and an inverse
 * transform (∝ N·log2 N) and a pass of copies and a spectrum product (∝ N),
 * and gives t0·t1 full-resolution values of which a stride keeps 1/(sy·sx).
 */
#include <math.h>

#include "conv/conv_plan.h"
#include "conv/fft_plan.h"
#include "conv/method_choice.h"

/* Seconds per unit, one thread, fitted by `bench/fft_sizes.py --calibrate` (bench/RESULTS.md,
 * "Cost model"): the minimum CPU time of 7 runs, the least disturbed by other load. */
#define DIRECT_PER_TAP 0.0582e-9
#define DIRECT_PER_OUTPUT 0.307e-9
#define FFT_PER_NLOGN 0.299e-9
#define FFT_PER_POINT 4.33e-9
#define FFT_PER_OUTPUT 1.25e-9

/* Tiles of more points fall out of the 1–2 MiB L2 (a real and a complex buffer per thread)
 * and are slower than the model says (bench/RESULTS.md); larger ones only for kernels
 * whose (dilated) extent needs them. */
#define MAX_TILE_POINTS (1 << 18)
#define MAX_FFT_SIDE 16384

static double direct_seconds(const convtool_kernel *k, const convtool_geometry *g, double planes)
{
    long nonzero = 0;
    for (int t = 0; t < k->h * k->w; t++)
        nonzero += k->values[t] != 0.0f;
    if (nonzero == 0)
        nonzero = 1;
    double outputs = (double)g->out_h * g->out_w * planes;
    return outputs * (DIRECT_PER_TAP * (double)nonzero + DIRECT_PER_OUTPUT);
}

static double separable_seconds(const convtool_geometry *g, double planes)
{
    double padded_w = (double)g->in_w + g->pad_left + g->pad_right;
    double per_row = DIRECT_PER_TAP * ((double)g->k_h * padded_w + (double)g->k_w * g->out_w) +
                     DIRECT_PER_OUTPUT * 2.0 * g->out_w;
    return per_row * g->out_h * planes;
}

/*
 * The smallest 2^a, 3·2^a or 5·2^a ≥ max(n, 16), or 0 past MAX_FFT_SIDE. Under FFTW_ESTIMATE
 * these run at 4–7 ns a point here (r2c + c2r); sizes with more odd factors can take twice
 * that (480 = 2^5·3·5: 10 ns, 405 and 270: 14 ns; bench/RESULTS.md).
 */
static int smooth_at_least(int n)
{
    int best = 0;
    for (int odd = 1; odd <= 5; odd += 2) {
        int m = 16 * odd;
        while (m < n && m <= MAX_FFT_SIDE / 2)
            m *= 2;
        if (m >= n && m <= MAX_FFT_SIDE && (!best || m < best))
            best = m;
    }
    return best;
}

static double tile_seconds(int n0, int n1)
{
    double n = (double)n0 * n1;
    return FFT_PER_NLOGN * n * log2(n) + FFT_PER_POINT * n;
}

/* Tiles along one axis that cover `span` values t at a time. */
static double tiles_along(long span, int t)
{
    return (double)((span + t - 1) / t);
}

/* The cheapest tile size for g, its estimate in *seconds; 0 if none fits. */
static int choose_tiling(const convtool_geometry *g, double planes, struct fft_tiling *best,
                         double *seconds)
{
    int reach_y = (g->k_h - 1) * g->dilation_y + 1, reach_x = (g->k_w - 1) * g->dilation_x + 1;
    long zrows = (long)(g->out_h - 1) * g->stride_y + 1, zcols = (long)(g->out_w - 1) * g->stride_x + 1;
    /* No tile needs to be taller or wider than the whole job. */
    int max0 = smooth_at_least((int)(zrows < MAX_FFT_SIDE ? zrows : MAX_FFT_SIDE) + reach_y - 1);
    int max1 = smooth_at_least((int)(zcols < MAX_FFT_SIDE ? zcols : MAX_FFT_SIDE) + reach_x - 1);
    /* A kernel too wide for the cache-sized tiles gets tiles of up to twice its extent. */
    double cap = 4.0 * reach_y * reach_x > MAX_TILE_POINTS ? 4.0 * reach_y * reach_x
                                                           : MAX_TILE_POINTS;
    int found = 0;
    for (int n0 = smooth_at_least(reach_y); n0 && n0 <= max0; n0 = smooth_at_least(n0 + 1)) {
        for (int n1 = smooth_at_least(reach_x); n1 && n1 <= max1; n1 = smooth_at_least(n1 + 1)) {
            if ((double)n0 * n1 > cap)
                break;
            int t0 = n0 - reach_y + 1, t1 = n1 - reach_x + 1;
            double s = tiles_along(zrows, t0) * tiles_along(zcols, t1) * planes *
                       tile_seconds(n0, n1);
            if (!found || s < *seconds) {
                *best = (struct fft_tiling){n0, n1, t0, t1};
                *seconds = s;
                found = 1;
            }
        }
    }
    return found;
}

static int kernel_finite(const convtool_kernel *k)
{
    for (int t = 0; t < k->h * k->w; t++)
        if (!isfinite(k->values[t]))
            return 0;
    return 1;
}

/* The estimates; < 0 where a method cannot run. */
static void estimate(const convtool_kernel *k, const convtool_geometry *g, int channels,
                     int threads, struct method_decision *d)
{
    convtool_method_choice *c = &d->choice;
    double planes = (double)channels / (threads < 1 ? 1 : threads);
    c->direct_s = direct_seconds(k, g, planes);
    c->separable_s = conv_kernel_rank_one(k) ? separable_seconds(g, planes) : -1.0;
    c->fft_s = -1.0;
    if (fft_available() && kernel_finite(k) && choose_tiling(g, planes, &d->tiling, &c->fft_s)) {
        c->fft_tile_h = d->tiling.n0;
        c->fft_tile_w = d->tiling.n1;
        c->fft_s += FFT_PER_OUTPUT * (double)g->out_h * g->out_w * planes;
    }
}

convtool_status method_decide(const convtool_kernel *k, const convtool_geometry *g, int channels,
                              int threads, struct method_decision *d)
{
    *d = (struct method_decision){0};
    convtool_method_choice *c = &d->choice;
    estimate(k, g, channels, threads, d);
    switch (g->method) {
    case CONVTOOL_METHOD_DIRECT:
        c->method = CONVTOOL_METHOD_DIRECT;
        return CONVTOOL_OK;
    case CONVTOOL_METHOD_SEPARABLE:
        c->method = CONVTOOL_METHOD_SEPARABLE;
        return c->separable_s < 0 ? CONVTOOL_EINVAL : CONVTOOL_OK;
    case CONVTOOL_METHOD_FFT:
        if (!fft_available())
            return CONVTOOL_EUNSUPPORTED;
        c->method = c->fft_s < 0 ? CONVTOOL_METHOD_DIRECT : CONVTOOL_METHOD_FFT;
        if (c->fft_s < 0)
            c->note = kernel_finite(k) ? "no FFT tile size fits this job"
                                       : "the kernel holds NaN or infinity, which an FFT would "
                                         "spread over every output";
        return CONVTOOL_OK;
    case CONVTOOL_METHOD_AUTO:
        break;
    default:
        return CONVTOOL_EINVAL;
    }
    /* Between direct and separable, the core's own rule (conv_plan.c), so that AUTO
     * runs small kernels exactly as before; the FFT only where it is estimated faster. */
    int split = conv_plan_auto_splits(k);
    double base = split ? c->separable_s : c->direct_s;
    c->method = split ? CONVTOOL_METHOD_SEPARABLE : CONVTOOL_METHOD_DIRECT;
    if (c->fft_s >= 0 && c->fft_s < base)
        c->method = CONVTOOL_METHOD_FFT;
    return CONVTOOL_OK;
}
