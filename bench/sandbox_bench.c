/*
 * The decoder sandbox's cost per file, in process: decodes the same file
 * (a thumbnail, say) over and over through convtool_image_decode_pixels,
 * alternating in-process (no_sandbox) and contained (this thread's
 * long-lived worker), and prints the median time of each and their
 * difference. bench/thumbs.sh runs it on one of its thumbnails.
 *
 *   sandbox_bench FILE [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "convtool/convtool.h"
#include "bench_util.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static double decode_us(const convtool_buffer *file, int no_sandbox)
{
    convtool_load_options lo = {.max_pixels = CONVTOOL_DEFAULT_MAX_PIXELS, .no_sandbox = no_sandbox};
    convtool_pixels px;
    convtool_image_info info;
    double t0 = now_us();
    convtool_status st = convtool_image_decode_pixels(file->data, file->len, &lo, &px, &info);
    double t = now_us() - t0;
    if (st != CONVTOOL_OK) {
        fprintf(stderr, "sandbox_bench: %s\n", convtool_strerror(st));
        exit(1);
    }
    convtool_pixels_free(&px);
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sandbox_bench FILE [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 500;
    if (rounds < 1)
        rounds = 1;
    convtool_buffer file = {0};
    if (convtool_read_file(argv[1], 0, &file) != CONVTOOL_OK) {
        fprintf(stderr, "sandbox_bench: cannot read %s\n", argv[1]);
        return 1;
    }
    double *t[2] = {calloc((size_t)rounds, sizeof(double)), calloc((size_t)rounds, sizeof(double))};
    if (!t[0] || !t[1])
        return 1;
    decode_us(&file, 0), decode_us(&file, 1); /* warm-up: the worker starts here */
    for (int i = 0; i < rounds; i++)
        for (int no_sandbox = 0; no_sandbox <= 1; no_sandbox++)
            t[no_sandbox][i] = decode_us(&file, no_sandbox);
    qsort(t[0], (size_t)rounds, sizeof(double), bench_by_value);
    qsort(t[1], (size_t)rounds, sizeof(double), bench_by_value);
    double boxed = t[0][rounds / 2], bare = t[1][rounds / 2];
    printf("decode of %s, median of %d alternating rounds: contained %.1f us, in process %.1f "
           "us, sandbox cost %.1f us per file\n",
           argv[1], rounds, boxed, bare, boxed - bare);
    convtool_buffer_free(&file);
    free(t[0]);
    free(t[1]);
    return 0;
}
