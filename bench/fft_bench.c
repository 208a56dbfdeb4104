/*
 * In-process benchmark of the methods against kernel size, and the
 * measurements the cost model (src/conv/method_choice.c) is fitted to.
 *
 *   fft_bench sweep [-s SIZE] [-c CHANNELS] [-j THREADS] [-r REPS] [-m METHODS] K...
 *       median ms of convtool_conv2d_into on a random C×SIZE×SIZE float32 tensor
 *       with a random dense K×K kernel (replicate padding, `same`), for each method
 *       of METHODS (default direct,fft,auto); one line "K METHOD WALL_MS CHOSEN EST_S CPU_MS"
 *       (CPU: all threads together, less disturbed by other load than the wall time).
 *   fft_bench calib [-s SIZE] [-r REPS]
 *       one thread, CPU time, the minimum of REPS (so that other load on the machine counts
 *       least):
 *       "direct TAPS MS OUTPUTS" for dense kernels, and "tile N0 N1 TILES MS OUTPUTS ROWVALUES" for
 *       the FFT path forced to each tile size; bench/fft_sizes.py --calibrate fits them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conv/fft_tiles.h"
#include "convtool/convtool.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Calibration runs one thread: its CPU time is the work, whatever else the machine runs. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double (*clock_ms)(void) = now_ms;

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

/* Calibration takes the minimum: the run least disturbed by the machine's other load. */
static double minimum(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[0];
}

static double (*summary)(double *v, int n) = median;

static unsigned next(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xffff;
}

static void random_kernel(convtool_kernel *k, int n, unsigned seed)
{
    memset(k, 0, sizeof *k);
    k->h = k->w = n;
    k->scale = 1.0;
    k->values = malloc((size_t)n * n * sizeof(float));
    for (int i = 0; i < n * n; i++)
        k->values[i] = ((float)next(&seed) / 65535.0f - 0.5f) / (float)n;
    snprintf(k->name, sizeof k->name, "rand%d", n);
}

static void random_tensor(convtool_tensor *t, int c, int size)
{
    unsigned seed = 1;
    convtool_tensor_alloc(t, c, size, size);
    for (size_t i = 0; i < convtool_tensor_count(t); i++)
        t->data[i] = (float)next(&seed) / 65535.0f;
}

static void geometry(const convtool_tensor *in, const convtool_kernel *k, convtool_method m,
                     convtool_geometry *g)
{
    convtool_geometry_spec spec;
    convtool_geometry_spec_default(&spec);
    spec.method = m;
    convtool_geometry_resolve(&spec, in->h, in->w, k->h, k->w, g);
}

/* Median ms of reps runs of conv2d_into (one untimed warm-up: plans, page faults). */
static double time_conv(const convtool_tensor *in, const convtool_kernel *k,
                        const convtool_geometry *g, convtool_pool *pool, int reps)
{
    convtool_tensor out;
    convtool_tensor_alloc(&out, in->c, g->out_h, g->out_w);
    double t[64];
    for (int r = -1; r < reps; r++) {
        double t0 = clock_ms();
        if (convtool_conv2d_into(in, k, g, 0.0f, pool, &out) != CONVTOOL_OK) {
            fprintf(stderr, "fft_bench: conv2d failed\n");
            exit(1);
        }
        if (r >= 0)
            t[r] = clock_ms() - t0;
    }
    convtool_tensor_free(&out);
    return summary(t, reps);
}

/* Wall and CPU time (all threads) of reps runs, medians, for the sweep. */
static void time_both(const convtool_tensor *in, const convtool_kernel *k,
                      const convtool_geometry *g, convtool_pool *pool, int reps, double *wall,
                      double *cpu)
{
    convtool_tensor out;
    convtool_tensor_alloc(&out, in->c, g->out_h, g->out_w);
    double w[64], c[64];
    for (int r = -1; r < reps; r++) {
        double w0 = now_ms(), c0 = cpu_ms();
        if (convtool_conv2d_into(in, k, g, 0.0f, pool, &out) != CONVTOOL_OK)
            exit(1);
        if (r >= 0) {
            w[r] = now_ms() - w0;
            c[r] = cpu_ms() - c0;
        }
    }
    convtool_tensor_free(&out);
    *wall = median(w, reps);
    *cpu = median(c, reps);
}

static int sweep(int size, int channels, int threads, int reps, const char *methods, int argc,
                 char **argv)
{
    convtool_pool *pool;
    convtool_tensor in;
    convtool_pool_create(threads, &pool);
    random_tensor(&in, channels, size);
    for (int a = 0; a < argc; a++) {
        int n = atoi(argv[a]);
        convtool_kernel k;
        random_kernel(&k, n, 42u + (unsigned)n);
        char list[64];
        snprintf(list, sizeof list, "%s", methods);
        for (char *m = strtok(list, ","); m; m = strtok(NULL, ",")) {
            convtool_method method;
            convtool_geometry g;
            convtool_method_choice choice;
            if (convtool_method_parse(m, &method) != CONVTOOL_OK)
                return 2;
            geometry(&in, &k, method, &g);
            convtool_method_choose(&k, &g, channels, threads, &choice);
            /* A big direct kernel takes seconds a run: fewer repetitions there. */
            int r = choice.method == CONVTOOL_METHOD_DIRECT && n > 31 ? (reps < 3 ? reps : 3) : reps;
            double wall, cpu;
            time_both(&in, &k, &g, pool, r, &wall, &cpu);
            printf("%d %s %.2f %s %.4f %.2f\n", n, m, wall, convtool_method_name(choice.method),
                   choice.method == CONVTOOL_METHOD_FFT ? choice.fft_s : choice.direct_s, cpu);
            fflush(stdout);
        }
        convtool_kernel_free(&k);
    }
    convtool_tensor_free(&in);
    convtool_pool_free(pool);
    return 0;
}

static void planar_read(const struct conv_source *s, int ch, int r, float *dst)
{
    memcpy(dst, (const float *)s->data + ((size_t)ch * s->h + r) * s->w,
           (size_t)s->w * sizeof(float));
}

static float *planar_row(const struct conv_sink *s, int ch, int y)
{
    convtool_tensor *out = s->data;
    return out->data + ((size_t)ch * out->h + y) * out->w;
}

static int calibrate(int size, int reps)
{
    convtool_tensor in, out;
    clock_ms = cpu_ms;
    summary = minimum;
    random_tensor(&in, 1, size);
    convtool_tensor_alloc(&out, 1, size, size);
    const int taps[] = {9, 15, 21, 31};
    for (size_t i = 0; i < sizeof taps / sizeof taps[0]; i++) {
        convtool_kernel k;
        convtool_geometry g;
        random_kernel(&k, taps[i], 7);
        geometry(&in, &k, CONVTOOL_METHOD_DIRECT, &g);
        printf("direct %d %.3f %d\n", taps[i] * taps[i], time_conv(&in, &k, &g, NULL, reps),
               size * size);
        fflush(stdout);
        convtool_kernel_free(&k);
    }
    const int kernels[] = {15, 63};
    const int sides[] = {64, 96, 128, 192, 256, 384, 512, 768, 1024};
    for (size_t ki = 0; ki < 2; ki++) {
        convtool_kernel k;
        convtool_geometry g;
        random_kernel(&k, kernels[ki], 7);
        geometry(&in, &k, CONVTOOL_METHOD_FFT, &g);
        for (size_t a = 0; a < sizeof sides / sizeof sides[0]; a++) {
            for (size_t b = 0; b < sizeof sides / sizeof sides[0]; b++) {
                int n0 = sides[a], n1 = sides[b];
                if (n0 < 2 * k.h || n1 < 2 * k.w || n0 > 4 * n1 || n1 > 4 * n0)
                    continue;
                struct fft_tiling t = {n0, n1, n0 - k.h + 1, n1 - k.w + 1};
                struct conv_source src = {.c = 1, .h = size, .w = size,
                                          .read_row = planar_read, .data = in.data};
                struct conv_sink sink = {.row_ptr = planar_row, .data = &out};
                double ms[64];
                for (int r = -1; r < reps; r++) {
                    double t0 = clock_ms();
                    if (fft_run(&t, &k, &g, 0.0f, 0, &src, &sink, NULL, NULL) != CONVTOOL_OK)
                        return 1;
                    if (r >= 0)
                        ms[r] = clock_ms() - t0;
                }
                long bands = (size + t.t0 - 1) / t.t0;
                long tiles = bands * ((size + t.t1 - 1) / t.t1);
                /* the padded rows the bands build: n0 a band, each as wide as the padded image */
                long rows = bands * n0 * (size + k.w - 1);
                printf("tile %d %d %ld %.3f %d %ld\n", n0, n1, tiles, minimum(ms, reps), size * size,
                       rows);
                fflush(stdout);
            }
        }
        convtool_kernel_free(&k);
    }
    convtool_tensor_free(&in);
    convtool_tensor_free(&out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "sweep") != 0 && strcmp(argv[1], "calib") != 0)) {
        fprintf(stderr, "usage: fft_bench sweep|calib [-s SIZE] [-c C] [-j J] [-r REPS] "
                        "[-m METHODS] K...\n");
        return 2;
    }
    int size = 2048, channels = 3, threads = (int)sysconf(_SC_NPROCESSORS_ONLN), reps = 5;
    const char *methods = "direct,fft,auto";
    int calib = strcmp(argv[1], "calib") == 0, opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "s:c:j:r:m:")) != -1) {
        switch (opt) {
        case 's': size = atoi(optarg); break;
        case 'c': channels = atoi(optarg); break;
        case 'j': threads = atoi(optarg); break;
        case 'r': reps = atoi(optarg) > 64 ? 64 : atoi(optarg); break;
        case 'm': methods = optarg; break;
        default: return 2;
        }
    }
    if (calib)
        return calibrate(size, reps);
    return sweep(size, channels, threads, reps, methods, argc - optind, argv + optind);
}
