/*
 * In-process benchmark of channel mixing: the median wall time of
 * convtool_conv2d_mix_into over a batch of N random C×H×W items (one call per
 * item, into preallocated outputs), for bench/mix_compare.py to set beside
 * torch.nn.functional.conv2d.
 *
 *   mix_bench [-j THREADS] [-r REPS] [-f | -e] CASE...
 *
 * CASE is resnet_conv1 (8×3×224×224, 64×3×7×7, stride 2, pad 3), conv3x3_64
 * (8×64×56×56, 64×64×3×3, pad 1), depthwise3x3 (8×64×112×112, 64×1×3×3,
 * pad 1, groups 64), or N,C,H,W,O,K,STRIDE,PAD,GROUPS. Zero padding, a bias.
 * -f times convtool_conv2d_mix instead (a fresh output per call, as torch
 * allocates). Prints "CASE MEDIAN ms (min MIN, cpu CPU)" per case: the median
 * and shortest wall time of a batch, and the mean CPU time of the process per
 * batch (all threads; less moved than wall time by other jobs on a busy
 * machine). -e measures accuracy instead, on values in [−1, 1]: the first item
 * against sums in double, printing "CASE max-error E1 rms-error E2" — the
 * largest error over Σ|w|·max|x| of its output channel, and the RMS error over
 * the RMS output.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "convtool/convtool.h"

struct mix_case {
    char name[64];
    int n, c, h, w, o, k, stride, pad, groups;
};

static const struct mix_case named[] = {
    {"resnet_conv1", 8, 3, 224, 224, 64, 7, 2, 3, 1},
    {"conv3x3_64", 8, 64, 56, 56, 64, 3, 1, 1, 1},
    {"depthwise3x3", 8, 64, 112, 112, 64, 3, 1, 1, 64},
};

static double clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int parse_case(const char *text, struct mix_case *mc)
{
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strcmp(text, named[i].name) == 0) {
            *mc = named[i];
            return 1;
        }
    snprintf(mc->name, sizeof mc->name, "%s", text);
    return sscanf(text, "%d,%d,%d,%d,%d,%d,%d,%d,%d", &mc->n, &mc->c, &mc->h, &mc->w, &mc->o,
                  &mc->k, &mc->stride, &mc->pad, &mc->groups) == 9 &&
           mc->n > 0 && mc->groups > 0 && mc->c % mc->groups == 0 && mc->o % mc->groups == 0;
}

/* Uniform in [0, 1] as torch.rand (the timings), or in [−1, 1] (-e: sums that cancel, where
 * rounding shows most). */
static int signed_values;

static void fill(float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)rand() / (float)RAND_MAX * (signed_values ? 2.0f : 1.0f) -
               (signed_values ? 1.0f : 0.0f);
}

/* One timed pass over the batch; 0 on failure. */
static double time_batch(const struct mix_case *mc, convtool_tensor *in, convtool_tensor *out,
                         const convtool_weight *wt, const float *bias,
                         const convtool_geometry *g, convtool_pool *pool, int fresh)
{
    double t0 = now_ms();
    for (int i = 0; i < mc->n; i++) {
        convtool_status st;
        if (fresh) {
            convtool_tensor_free(&out[i]);
            st = convtool_conv2d_mix(&in[i], wt, mc->groups, bias, g, pool, &out[i]);
        } else {
            st = convtool_conv2d_mix_into(&in[i], wt, mc->groups, bias, g, pool, &out[i]);
        }
        if (st != CONVTOOL_OK) {
            fprintf(stderr, "mix_bench: %s: %s\n", mc->name, convtool_strerror(st));
            exit(1);
        }
    }
    return now_ms() - t0;
}

/* Output (o, y, x) of item `in` in double: zero padding, as mix_bench's cases have. */
static double exact(const struct mix_case *mc, const convtool_tensor *in,
                    const convtool_weight *wt, const float *bias, int o, int y, int x)
{
    int cpg = wt->c_per_group, c0 = o / (mc->o / mc->groups) * cpg;
    double sum = bias[o];
    for (int c = 0; c < cpg; c++)
        for (int i = 0; i < mc->k; i++)
            for (int j = 0; j < mc->k; j++) {
                int sy = y * mc->stride + i - mc->pad, sx = x * mc->stride + j - mc->pad;
                if (sy >= 0 && sy < in->h && sx >= 0 && sx < in->w)
                    sum += (double)wt->values[(((size_t)o * cpg + c) * mc->k + i) * mc->k + j] *
                           in->data[((size_t)(c0 + c) * in->h + sy) * in->w + sx];
            }
    return sum;
}

/* The first item's output against exact(): the errors -e prints. */
static void report_accuracy(const struct mix_case *mc, const convtool_tensor *in,
                            const convtool_tensor *out, const convtool_weight *wt,
                            const float *bias)
{
    double max_x = 0, worst = 0, err_sq = 0, out_sq = 0;
    for (size_t i = 0; i < convtool_tensor_count(in); i++)
        max_x = fabs(in->data[i]) > max_x ? fabs(in->data[i]) : max_x;
    size_t per_o = (size_t)wt->c_per_group * mc->k * mc->k;
    for (int o = 0; o < out->c; o++) {
        double bound = 0;
        for (size_t i = 0; i < per_o; i++)
            bound += fabs(wt->values[o * per_o + i]);
        bound *= max_x;
        for (int y = 0; y < out->h; y++)
            for (int x = 0; x < out->w; x++) {
                double want = exact(mc, in, wt, bias, o, y, x);
                double err = out->data[((size_t)o * out->h + y) * out->w + x] - want;
                worst = fabs(err) / bound > worst ? fabs(err) / bound : worst;
                err_sq += err * err;
                out_sq += want * want;
            }
    }
    printf("%s max-error %.2e rms-error %.2e\n", mc->name, worst, sqrt(err_sq / out_sq));
}

static void run_case(const struct mix_case *mc, convtool_pool *pool, int reps, int fresh,
                     int accuracy)
{
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_geometry_spec_default(&spec);
    spec.padding = CONVTOOL_PADDING_EXPLICIT;
    spec.pad_y = spec.pad_x = mc->pad;
    spec.stride_y = spec.stride_x = mc->stride;
    spec.mode = CONVTOOL_PAD_ZEROS;
    convtool_weight wt;
    if (convtool_geometry_resolve(&spec, mc->h, mc->w, mc->k, mc->k, &g) != CONVTOOL_OK ||
        convtool_weight_alloc(&wt, mc->o, mc->c / mc->groups, mc->k, mc->k) != CONVTOOL_OK) {
        fprintf(stderr, "mix_bench: %s: bad geometry\n", mc->name);
        exit(1);
    }
    fill(wt.values, (size_t)mc->o * wt.c_per_group * mc->k * mc->k);
    float *bias = malloc((size_t)mc->o * sizeof(float));
    convtool_tensor *in = calloc((size_t)mc->n, sizeof *in), *out = calloc((size_t)mc->n, sizeof *out);
    double *t = malloc((size_t)reps * sizeof(double));
    if (!bias || !in || !out || !t)
        exit(1);
    fill(bias, (size_t)mc->o);
    for (int i = 0; i < mc->n; i++) {
        if (convtool_tensor_alloc(&in[i], mc->c, mc->h, mc->w) != CONVTOOL_OK ||
            convtool_tensor_alloc(&out[i], mc->o, g.out_h, g.out_w) != CONVTOOL_OK)
            exit(1);
        fill(in[i].data, convtool_tensor_count(&in[i]));
    }
    time_batch(mc, in, out, &wt, bias, &g, pool, fresh); /* warm-up */
    if (accuracy) {
        report_accuracy(mc, &in[0], &out[0], &wt, bias);
    } else {
        double cpu0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
        for (int r = 0; r < reps; r++)
            t[r] = time_batch(mc, in, out, &wt, bias, &g, pool, fresh);
        double cpu = (clock_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / reps;
        qsort(t, (size_t)reps, sizeof *t, cmp_double);
        printf("%s %.3f ms (min %.3f, cpu %.3f)\n", mc->name,
               reps % 2 ? t[reps / 2] : (t[reps / 2 - 1] + t[reps / 2]) / 2, t[0], cpu);
    }
    for (int i = 0; i < mc->n; i++) {
        convtool_tensor_free(&in[i]);
        convtool_tensor_free(&out[i]);
    }
    free(in);
    free(out);
    free(t);
    free(bias);
    convtool_weight_free(&wt);
}

int main(int argc, char **argv)
{
    int threads = 2, reps = 9, fresh = 0, accuracy = 0, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-j") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "-f") == 0)
            fresh = 1;
        else if (strcmp(argv[i], "-e") == 0)
            accuracy = signed_values = 1;
        else
            break;
    }
    if (i >= argc || threads < 1 || reps < 1) {
        fprintf(stderr, "usage: mix_bench [-j THREADS] [-r REPS] [-f | -e] CASE...\n");
        return 2;
    }
    convtool_pool *pool;
    if (convtool_pool_create(threads, &pool) != CONVTOOL_OK)
        return 1;
    srand(1);
    for (; i < argc; i++) {
        struct mix_case mc;
        if (!parse_case(argv[i], &mc)) {
            fprintf(stderr, "mix_bench: %s: not a case (name or N,C,H,W,O,K,STRIDE,PAD,GROUPS)\n",
                    argv[i]);
            return 2;
        }
        run_case(&mc, pool, reps, fresh, accuracy);
    }
    convtool_pool_free(pool);
    return 0;
}
