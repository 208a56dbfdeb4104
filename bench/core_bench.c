/*
 * In-process benchmark of the convolution core: median wall time of
 * convtool_conv2d on a random C×H×W float32 tensor, beside a memory-copy
 * baseline that moves the same bytes (read the input, write the output).
 *
 *   core_bench [-s SIZE] [-c CHANNELS] [-j THREADS] [-r REPS] KERNEL...
 *
 * KERNEL is a library name or an inline matrix; "rand15" is a random,
 * non-separable 15×15. Prints one line per kernel: name, median ms, ratio to
 * the copy baseline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "convtool/convtool.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int make_kernel(const char *spec, convtool_kernel *k)
{
    if (strcmp(spec, "rand15") == 0) {
        char text[15 * 15 * 12];
        size_t len = 0;
        srand(42);
        for (int i = 0; i < 225; i++)
            len += (size_t)snprintf(text + len, sizeof text - len, "%s%.4f",
                                    i % 15 ? " " : (i ? ";" : ""), rand() / (double)RAND_MAX - 0.5);
        return convtool_kernel_parse(text, len, "rand15", k, NULL) != CONVTOOL_OK;
    }
    if (strpbrk(spec, " ;,"))
        return convtool_kernel_parse(spec, strlen(spec), "inline", k, NULL) != CONVTOOL_OK;
    if (convtool_builtin_kernel(spec, k) != CONVTOOL_OK)
        return 1;
    convtool_kernel_scale(k, k->scale);
    return 0;
}

/* The floor for a pass that reads the input once and writes the output once. */
static double copy_baseline(const convtool_tensor *in, convtool_pool *pool, int reps)
{
    convtool_tensor out;
    convtool_tensor_alloc(&out, in->c, in->h, in->w);
    size_t bytes = convtool_tensor_count(in) * sizeof(float);
    double t[64];
    memset(out.data, 0, bytes);
    for (int r = 0; r < reps; r++) {
        double t0 = now_ms();
        memcpy(out.data, in->data, bytes);
        t[r] = now_ms() - t0;
    }
    (void)pool;
    convtool_tensor_free(&out);
    return median(t, reps);
}

static double time_kernel(const convtool_tensor *in, const convtool_kernel *k,
                          convtool_pool *pool, int reps)
{
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_geometry_spec_default(&spec);
    if (convtool_geometry_resolve(&spec, in->h, in->w, k->h, k->w, &g) != CONVTOOL_OK)
        return -1;
    double t[64];
    for (int r = 0; r < reps; r++) {
        convtool_tensor out;
        double t0 = now_ms();
        convtool_conv2d(in, k, &g, 0.0f, pool, &out);
        t[r] = now_ms() - t0;
        convtool_tensor_free(&out);
    }
    return median(t, reps);
}

int main(int argc, char **argv)
{
    int size = 4096, channels = 3, threads = 2, reps = 7, a = 1;
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        int v = atoi(argv[a + 1]);
        switch (argv[a][1]) {
        case 's': size = v; break;
        case 'c': channels = v; break;
        case 'j': threads = v; break;
        case 'r': reps = v < 64 ? v : 63; break;
        default: fprintf(stderr, "core_bench: unknown option %s\n", argv[a]); return 2;
        }
    }
    convtool_tensor in;
    convtool_pool *pool;
    if (convtool_tensor_alloc(&in, channels, size, size) != CONVTOOL_OK ||
        convtool_pool_create(threads, &pool) != CONVTOOL_OK)
        return 1;
    srand(1);
    for (size_t i = 0; i < convtool_tensor_count(&in); i++)
        in.data[i] = (float)rand() / (float)RAND_MAX;
    double copy = copy_baseline(&in, pool, reps);
    printf("%-12s %9.2f ms  (%dx%dx%d float32, %d threads, median of %d)\n", "memcpy", copy,
           size, size, channels, threads, reps);
    for (; a < argc; a++) {
        convtool_kernel k;
        if (make_kernel(argv[a], &k)) {
            fprintf(stderr, "core_bench: bad kernel %s\n", argv[a]);
            return 2;
        }
        double ms = time_kernel(&in, &k, pool, reps);
        printf("%-12s %9.2f ms  %5.2fx copy\n", argv[a], ms, ms / copy);
        convtool_kernel_free(&k);
    }
    convtool_pool_free(pool);
    convtool_tensor_free(&in);
    return 0;
}
