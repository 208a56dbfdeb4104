/*
 * The PNG strip decoder (png_stream_read.c) against the whole-file path on
 * one file, in one process, alternating run by run:
 *   whole:  the file read into memory, png_precheck (CRCs), png_read_fast
 *           into an image buffer (what the contained decoder does today);
 *   strips: png_stream pulling the file through read() in 64 KiB pieces,
 *           STRIP rows at a time into one strip buffer, used again and again.
 * The pixels are compared first (they must be the same bytes). Then wall
 * medians and their ratio, and each mode's peak RSS, run once in a fresh
 * process (this program again, exec'ed before this one has grown).
 *
 *   png_stream_bench FILE.png [RUNS] [STRIP]   (RUNS 11 by default, at most 101; STRIP 16)
 *
 * Figures only: nothing here is asserted but the identical pixels.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codec/png_precheck.h"
#include "codec/png_read.h"
#include "codec/png_stream_read.h"
#include "bench_util.h"

#define MAX_RUNS 101

/* The whole path: pixels in *px (free them). */
static convtool_status whole(const char *path, convtool_pixels *px)
{
    size_t len = 0, fixed_len = 0;
    unsigned char *b = bench_slurp(path, &len), *fixed = NULL;
    if (!b)
        return CONVTOOL_EIO;
    convtool_status st = png_precheck(b, len, &fixed, &fixed_len);
    if (st == CONVTOOL_OK)
        st = png_read_fast(fixed ? fixed : b, fixed ? fixed_len : len, NULL, px);
    free(fixed);
    free(b);
    return st;
}

static ssize_t pull_fd(void *ctx, unsigned char *dst, size_t n)
{
    return read(*(int *)ctx, dst, n);
}

/* The strip path; with check set, each strip is compared with those rows of check. */
static convtool_status strips(const char *path, int strip, const convtool_pixels *check)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return CONVTOOL_EIO;
    struct png_stream *s = NULL;
    convtool_status st = png_stream_open(pull_fd, &fd, NULL, &s);
    int w = 0, h = 0, c = 0, depth = 0;
    if (st == CONVTOOL_OK)
        png_stream_shape(s, &w, &h, &c, &depth);
    size_t row = (size_t)w * (size_t)c * (size_t)(depth / 8);
    unsigned char *buf = st == CONVTOOL_OK ? malloc(row * (size_t)strip) : NULL;
    for (int y = 0; buf && y < h && st == CONVTOOL_OK; y += strip) {
        int k = h - y < strip ? h - y : strip;
        st = png_stream_rows(s, buf, k);
        if (st == CONVTOOL_OK && check &&
            memcmp(buf, (unsigned char *)check->data + (size_t)y * row, (size_t)k * row) != 0) {
            fprintf(stderr, "png_stream_bench: rows %d.. differ from the whole path's\n", y);
            exit(1);
        }
    }
    if (st == CONVTOOL_OK)
        st = buf ? png_stream_finish(s) : CONVTOOL_ENOMEM;
    free(buf);
    png_stream_close(s);
    close(fd);
    return st;
}

/* One mode once, in this process: for the peak RSS the parent reads. */
static int run_once(const char *mode, const char *path, int strip)
{
    convtool_pixels px = {0};
    convtool_status st = strcmp(mode, "whole") == 0 ? whole(path, &px) : strips(path, strip, NULL);
    convtool_pixels_free(&px);
    return st == CONVTOOL_OK ? 0 : 1;
}

/* Peak RSS in MiB of this program run as `--once MODE FILE STRIP`. */
static double peak_rss(const char *mode, const char *path, const char *strip)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", "png_stream_bench", "--once", mode, path, strip, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    return (double)ru.ru_maxrss / 1024.0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--once") == 0)
        return run_once(argv[2], argv[3], atoi(argv[4]));
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: png_stream_bench FILE.png [RUNS] [STRIP]\n");
        return 2;
    }
    const char *path = argv[1];
    int runs = argc > 2 ? atoi(argv[2]) : 11, strip = argc > 3 ? atoi(argv[3]) : 16;
    if (runs < 1 || runs > MAX_RUNS || strip < 1) {
        fprintf(stderr, "png_stream_bench: RUNS 1..%d, STRIP >= 1\n", MAX_RUNS);
        return 2;
    }
    /* First, while this process is small: a fork's peak counts the parent's pages before exec. */
    char strip_text[16];
    snprintf(strip_text, sizeof strip_text, "%d", strip);
    double rss_whole = peak_rss("whole", path, strip_text);
    double rss_strips = peak_rss("strips", path, strip_text);
    convtool_pixels ref = {0};
    convtool_status st = whole(path, &ref);
    if (st == CONVTOOL_OK)
        st = strips(path, strip, &ref);
    if (st != CONVTOOL_OK) {
        fprintf(stderr, "png_stream_bench: %s: %s\n", path, convtool_strerror(st));
        return 1;
    }
    printf("%s: %dx%d, %d channels, %d bits; strips of %d rows give the whole path's bytes\n", path,
           ref.width, ref.height, ref.channels, ref.depth, strip);
    convtool_pixels_free(&ref);
    static double t[2][MAX_RUNS];
    for (int r = 0; r < runs; r++)
        for (int k = 0; k < 2; k++) {
            int m = (r + k) % 2; /* alternate which goes first */
            convtool_pixels px = {0};
            double t0 = bench_now();
            st = m == 0 ? whole(path, &px) : strips(path, strip, NULL);
            t[m][r] = bench_now() - t0;
            convtool_pixels_free(&px);
            if (st != CONVTOOL_OK)
                return 1;
        }
    for (int m = 0; m < 2; m++)
        qsort(t[m], (size_t)runs, sizeof(double), bench_by_value);
    printf("%d alternating runs: whole median %.1f ms (%.1f-%.1f), strips median %.1f ms "
           "(%.1f-%.1f); strips/whole %.2f\n",
           runs, t[0][runs / 2] * 1e3, t[0][0] * 1e3, t[0][runs - 1] * 1e3, t[1][runs / 2] * 1e3,
           t[1][0] * 1e3, t[1][runs - 1] * 1e3, t[1][runs / 2] / t[0][runs / 2]);
    printf("peak RSS, one decode in a fresh process: whole %.1f MiB, strips %.1f MiB\n", rss_whole,
           rss_strips);
    return 0;
}
