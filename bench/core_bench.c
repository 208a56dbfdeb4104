/*
 * In-process benchmark of the convolution core: median wall time of
 * convtool_conv2d on a random C×H×W float32 tensor, beside a memory-copy
 * baseline that moves the same bytes (read the input, write the output).
 *
 *   core_bench [-s SIZE] [-c CHANNELS] [-j THREADS] [-r REPS] [-S STRIDE] [-p PAD] [-d 0|1]
 *              KERNEL... [-j THREADS | -S STRIDE | -p PAD | -d 0|1] KERNEL...
 *
 * KERNEL is a library name or an inline matrix; "rand15" is a random,
 * non-separable 15×15; "gauss15" a 15×15 Gaussian of sigma 2.5 (the kernel of
 * bench/run.sh), "gauss5" the library's binomial gaussian5, "box" box5. The
 * geometry is `same` padding in replicate mode (the CLI's default), or PAD on
 * every side with -p; -S sets the stride. -d 1 times convtool_conv2d_into a
 * preallocated output instead of convtool_conv2d, which allocates its output
 * and so pays the kernel for zero-filling fresh pages on every call. -j, -S, -p
 * and -d may also come between kernels and apply to the kernels after them.
 * Prints one line per kernel: name (with /sN, /pN, /jN, /dst when those differ
 * from the defaults or the header's threads), median ms, ratio to the copy
 * baseline.
 */
#include <ctype.h>
#include <math.h>
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

/* The same values as bench/run.sh's gauss15.txt: exp(-x²/2σ²), normalised, outer product. */
static int make_gauss15(convtool_kernel *k)
{
    double g[15], sum = 0;
    char text[15 * 15 * 20];
    size_t len = 0;
    for (int i = 0; i < 15; i++)
        sum += g[i] = exp(-(i - 7) * (i - 7) / (2 * 2.5 * 2.5));
    for (int i = 0; i < 225; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s%.9g",
                                i % 15 ? " " : (i ? ";" : ""), g[i / 15] / sum * (g[i % 15] / sum));
    return convtool_kernel_parse(text, len, "gauss15", k, NULL) != CONVTOOL_OK;
}

static const char *alias(const char *spec)
{
    if (strcmp(spec, "gauss5") == 0)
        return "gaussian5";
    return strcmp(spec, "box") == 0 ? "box5" : spec;
}

static int make_kernel(const char *spec, convtool_kernel *k)
{
    if (strcmp(spec, "gauss15") == 0)
        return make_gauss15(k);
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
    if (convtool_builtin_kernel(alias(spec), k) != CONVTOOL_OK)
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

/* Each call allocates its output (fresh pages, zero-filled by the kernel). */
static double time_fresh(const convtool_tensor *in, const convtool_kernel *k,
                         const convtool_geometry *g, convtool_pool *pool, int reps)
{
    double t[64];
    for (int r = 0; r < reps; r++) {
        convtool_tensor out;
        double t0 = now_ms();
        convtool_status st = convtool_conv2d(in, k, g, 0.0f, pool, &out);
        t[r] = now_ms() - t0;
        if (st != CONVTOOL_OK)
            return -1;
        convtool_tensor_free(&out);
    }
    return median(t, reps);
}

/* Every call writes into one output whose pages were touched beforehand. */
static double time_into(const convtool_tensor *in, const convtool_kernel *k,
                        const convtool_geometry *g, convtool_pool *pool, int reps)
{
    double t[64];
    convtool_tensor dst;
    if (convtool_tensor_alloc(&dst, in->c, g->out_h, g->out_w) != CONVTOOL_OK)
        return -1;
    memset(dst.data, 0, convtool_tensor_count(&dst) * sizeof(float));
    for (int r = 0; r < reps; r++) {
        double t0 = now_ms();
        convtool_status st = convtool_conv2d_into(in, k, g, 0.0f, pool, &dst);
        t[r] = now_ms() - t0;
        if (st != CONVTOOL_OK) {
            convtool_tensor_free(&dst);
            return -1;
        }
    }
    convtool_tensor_free(&dst);
    return median(t, reps);
}

static double time_kernel(const convtool_tensor *in, const convtool_kernel *k,
                          const convtool_geometry_spec *spec, int into, convtool_pool *pool,
                          int reps)
{
    convtool_geometry g;
    if (convtool_geometry_resolve(spec, in->h, in->w, k->h, k->w, &g) != CONVTOOL_OK)
        return -1;
    return into ? time_into(in, k, &g, pool, reps) : time_fresh(in, k, &g, pool, reps);
}

typedef struct options {
    int size, channels, threads, reps;
    int into; /* -d 1: convtool_conv2d_into a preallocated output */
    convtool_geometry_spec spec;
} options;

/* "-X": a letter option, not an inline kernel such as "-1 0 1". */
static int is_option(const char *arg)
{
    return arg[0] == '-' && isalpha((unsigned char)arg[1]) && arg[2] == '\0';
}

/* Returns 0, or -1 for an unknown option. */
static int set_option(options *o, char opt, int v)
{
    switch (opt) {
    case 's':
        o->size = v;
        break;
    case 'c':
        o->channels = v;
        break;
    case 'j':
        o->threads = v < 1 ? 1 : v;
        break;
    case 'r':
        o->reps = v < 1 ? 1 : v < 64 ? v : 63;
        break;
    case 'S':
        o->spec.stride_y = o->spec.stride_x = v < 1 ? 1 : v;
        break;
    case 'p':
        o->spec.padding = CONVTOOL_PADDING_EXPLICIT;
        o->spec.pad_y = o->spec.pad_x = v < 0 ? 0 : v;
        break;
    case 'd':
        o->into = v != 0;
        break;
    default:
        return -1;
    }
    return 0;
}

/* The kernel's name, marked with what differs from the header line: "sharpen/s2/j1". */
static void label(char *out, size_t n, const char *name, const options *o, int threads0)
{
    int len = snprintf(out, n, "%s", name);
    if (o->spec.stride_y > 1 && len >= 0 && (size_t)len < n)
        len += snprintf(out + len, n - (size_t)len, "/s%d", o->spec.stride_y);
    if (o->spec.padding == CONVTOOL_PADDING_EXPLICIT && len >= 0 && (size_t)len < n)
        len += snprintf(out + len, n - (size_t)len, "/p%d", o->spec.pad_y);
    if (o->threads != threads0 && len >= 0 && (size_t)len < n)
        len += snprintf(out + len, n - (size_t)len, "/j%d", o->threads);
    if (o->into && len >= 0 && (size_t)len < n)
        snprintf(out + len, n - (size_t)len, "/dst");
}

static int run_kernel(const char *name, const convtool_tensor *in, const options *o,
                      convtool_pool *pool, double copy, int threads0)
{
    convtool_kernel k;
    char text[256];
    if (make_kernel(name, &k)) {
        fprintf(stderr, "core_bench: bad kernel %s\n", name);
        return 2;
    }
    double ms = time_kernel(in, &k, &o->spec, o->into, pool, o->reps);
    convtool_kernel_free(&k);
    if (ms < 0) {
        fprintf(stderr, "core_bench: %s: the geometry or the convolution failed\n", name);
        return 2;
    }
    label(text, sizeof text, name, o, threads0);
    printf("%-18s %9.2f ms  %5.2fx copy\n", text, ms, ms / copy);
    return 0;
}

/*
 * Options after the first kernel apply to the kernels after them; only -j, -S,
 * -p and -d may change there (the input stays). Running every case in one
 * process keeps them in the same time window and on the same tensor.
 */
static int run_all(int argc, char **argv, int a, const convtool_tensor *in, options *o,
                   convtool_pool **pool, double copy)
{
    int threads0 = o->threads, rc = 0;
    for (; a < argc && rc == 0; a++) {
        if (!is_option(argv[a])) {
            rc = run_kernel(argv[a], in, o, *pool, copy, threads0);
            continue;
        }
        int threads = o->threads;
        if (a + 1 >= argc || !strchr("jSpd", argv[a][1]) ||
            set_option(o, argv[a][1], atoi(argv[a + 1]))) {
            fprintf(stderr, "core_bench: %s: not an option that can follow a kernel\n", argv[a]);
            return 2;
        }
        a++;
        if (o->threads != threads) {
            convtool_pool_free(*pool);
            *pool = NULL;
            if (convtool_pool_create(o->threads, pool) != CONVTOOL_OK)
                return 1;
        }
    }
    return rc;
}

int main(int argc, char **argv)
{
    options o = {.size = 4096, .channels = 3, .threads = 2, .reps = 7};
    int a = 1, rc;
    convtool_geometry_spec_default(&o.spec);
    for (; a + 1 < argc && is_option(argv[a]); a += 2) {
        if (set_option(&o, argv[a][1], atoi(argv[a + 1]))) {
            fprintf(stderr, "core_bench: unknown option %s\n", argv[a]);
            return 2;
        }
    }
    convtool_tensor in = {0};
    convtool_pool *pool = NULL;
    if (convtool_tensor_alloc(&in, o.channels, o.size, o.size) != CONVTOOL_OK ||
        convtool_pool_create(o.threads, &pool) != CONVTOOL_OK) {
        convtool_tensor_free(&in);
        return 1;
    }
    srand(1);
    for (size_t i = 0; i < convtool_tensor_count(&in); i++)
        in.data[i] = (float)rand() / (float)RAND_MAX;
    double copy = copy_baseline(&in, pool, o.reps);
    printf("%-18s %9.2f ms  (%dx%dx%d float32, %d threads, median of %d)\n", "memcpy", copy, o.size,
           o.size, o.channels, o.threads, o.reps);
    rc = run_all(argc, argv, a, &in, &o, &pool, copy);
    convtool_pool_free(pool);
    convtool_tensor_free(&in);
    return rc;
}
