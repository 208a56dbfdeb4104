/*
 * JPEG through TurboJPEG, whole images (jpeg_turbo.c), against libjpeg's
 * scanline API a strip at a time (jpeg_scan.c), in one process, alternating
 * run by run, on a photo-like RGB picture made here: decoding (into a whole
 * image, and into one 16-row strip buffer reused) and encoding (16-row strips
 * pushed into a growing buffer, as TurboJPEG grows its own). Medians, ranges
 * and ratios; the outputs are checked equal first.
 *
 *   jpeg_scan_bench [-s SIZE] [-r RUNS] [-q QUALITY]   (4096, 7, 90; 4:2:0)
 *
 * Figures only: nothing here is asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/jpeg_scan.h"
#include "codec/jpeg_turbo.h"

#define MAX_RUNS 101
#define STRIP 16

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int runs)
{
    qsort(t, (size_t)runs, sizeof(double), by_value);
    return t[runs / 2];
}

static void die(const char *what)
{
    fprintf(stderr, "jpeg_scan_bench: %s\n", what);
    exit(1);
}

/* A photo-like picture: smooth gradients, a disc and some noise (a fixed seed). */
static unsigned char *picture(int n)
{
    unsigned char *p = malloc((size_t)n * (size_t)n * 3);
    if (!p)
        die("out of memory");
    unsigned seed = 1;
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            int disc = (x - n / 3) * (x - n / 3) + (y - n / 2) * (y - n / 2) < n * n / 9;
            for (int k = 0; k < 3; k++) {
                seed = seed * 1103515245u + 12345u;
                int v = 255 * x / n / 2 + 255 * y / n / 3 + 30 * k + (disc ? 60 : 0) +
                        (int)((seed >> 16) % 13);
                p[((size_t)y * (size_t)n + (size_t)x) * 3 + (size_t)k] = (unsigned char)(v & 255);
            }
        }
    return p;
}

struct source {
    const unsigned char *data;
    size_t len, pos;
};

static ssize_t pull(void *ctx, unsigned char *dst, size_t n)
{
    struct source *s = ctx;
    size_t k = s->len - s->pos < n ? s->len - s->pos : n;
    memcpy(dst, s->data + s->pos, k);
    s->pos += k;
    return (ssize_t)k;
}

static int push(void *ctx, const unsigned char *src, size_t n)
{
    return convtool_buffer_append(ctx, src, n) == CONVTOOL_OK ? 0 : -1;
}

static void decode_whole(const convtool_buffer *jpeg, unsigned char **px)
{
    int w, h, c;
    if (jpeg_turbo_decode(jpeg->data, jpeg->len, &w, &h, &c, px) != CONVTOOL_OK)
        die("jpeg_turbo_decode failed");
}

/*
 * Strips of STRIP rows: into `image` at their place when it is not NULL, else
 * all into the one strip buffer (what the streaming engine does).
 */
static void decode_strips(const convtool_buffer *jpeg, unsigned char *image, unsigned char *strip)
{
    struct source src = {jpeg->data, jpeg->len, 0};
    struct jpeg_scan_reader *r;
    int w, h, c;
    if (jpeg_scan_open(pull, &src, &r, &w, &h, &c) != CONVTOOL_OK)
        die("jpeg_scan_open failed");
    size_t row = (size_t)w * (size_t)c;
    for (int y = 0; y < h; y += STRIP) {
        int n = h - y < STRIP ? h - y : STRIP;
        if (jpeg_scan_read(r, image ? image + (size_t)y * row : strip, n) != CONVTOOL_OK)
            die("jpeg_scan_read failed");
    }
    if (jpeg_scan_finish(r) != CONVTOOL_OK)
        die("jpeg_scan_finish failed");
    jpeg_scan_close(r);
}

static void encode_whole(const unsigned char *px, int n, int q, convtool_buffer *out)
{
    convtool_buffer_free(out); /* both start from an empty buffer, as a fresh output would */
    if (jpeg_turbo_encode(out, n, n, 3, px, q, CONVTOOL_SAMPLING_420) != CONVTOOL_OK)
        die("jpeg_turbo_encode failed");
}

static void encode_strips(const unsigned char *px, int n, int q, convtool_buffer *out)
{
    struct jpeg_scan_writer *wr;
    convtool_buffer_free(out); /* both start from an empty buffer, as a fresh output would */
    if (jpeg_scan_writer_open(push, out, n, n, 3, q, CONVTOOL_SAMPLING_420, &wr) != CONVTOOL_OK)
        die("jpeg_scan_writer_open failed");
    for (int y = 0; y < n; y += STRIP)
        if (jpeg_scan_write(wr, px + (size_t)y * (size_t)n * 3, n - y < STRIP ? n - y : STRIP) !=
            CONVTOOL_OK)
            die("jpeg_scan_write failed");
    if (jpeg_scan_writer_finish(wr) != CONVTOOL_OK)
        die("jpeg_scan_writer_finish failed");
    jpeg_scan_writer_close(wr);
}

/* Both ways give the same pixels and the same file, or there is nothing to compare. */
static void check_equal(const unsigned char *px, int n, int q, const convtool_buffer *jpeg)
{
    size_t bytes = (size_t)n * (size_t)n * 3;
    unsigned char *whole, *strips = malloc(bytes);
    decode_whole(jpeg, &whole);
    decode_strips(jpeg, strips, NULL);
    convtool_buffer again = {0};
    encode_strips(px, n, q, &again);
    if (!strips || memcmp(whole, strips, bytes) != 0 || again.len != jpeg->len ||
        memcmp(again.data, jpeg->data, jpeg->len) != 0)
        die("the two ways differ");
    convtool_buffer_free(&again);
    free(strips);
    free(whole);
}

static void print_pair(const char *what, double a, double b, const char *bname)
{
    printf("%-28s TurboJPEG whole %8.1f ms   %-22s %8.1f ms   ratio %.3f\n", what, a * 1e3, bname,
           b * 1e3, b / a);
}

int main(int argc, char **argv)
{
    int n = 4096, runs = 7, q = 90;
    for (int i = 1; i + 1 < argc; i += 2) {
        int v = atoi(argv[i + 1]);
        if (!strcmp(argv[i], "-s") && v >= 1 && v <= 16384)
            n = v;
        else if (!strcmp(argv[i], "-r") && v >= 1 && v <= MAX_RUNS)
            runs = v;
        else if (!strcmp(argv[i], "-q") && v >= 1 && v <= 100)
            q = v;
        else
            die("usage: jpeg_scan_bench [-s SIZE] [-r RUNS (1..101)] [-q QUALITY]");
    }
    if (!jpeg_scan_available()) {
        printf("jpeg_scan_bench: built without libjpeg or libjpeg-turbo: nothing to compare\n");
        return 0;
    }
    unsigned char *px = picture(n), *strip = malloc((size_t)n * 3 * STRIP);
    convtool_buffer jpeg = {0}, out = {0};
    encode_whole(px, n, q, &jpeg);
    check_equal(px, n, q, &jpeg);
    static double t[5][MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        unsigned char *whole;
        decode_whole(&jpeg, &whole);
        double t1 = now();
        free(whole);
        double t2 = now();
        unsigned char *image = malloc((size_t)n * (size_t)n * 3);
        decode_strips(&jpeg, image, NULL);
        double t3 = now();
        free(image);
        double t4 = now();
        decode_strips(&jpeg, NULL, strip);
        double t5 = now();
        encode_whole(px, n, q, &out);
        double t6 = now();
        encode_strips(px, n, q, &out);
        double t7 = now();
        t[0][r] = t1 - t0, t[1][r] = t3 - t2, t[2][r] = t5 - t4, t[3][r] = t6 - t5,
        t[4][r] = t7 - t6;
    }
    printf("%dx%d RGB, quality %d, 4:2:0, %zu-byte file; medians of %d alternating runs\n", n, n,
           q, jpeg.len, runs);
    double dec = median(t[0], runs), enc = median(t[3], runs);
    print_pair("decode", dec, median(t[1], runs), "scanline, whole image");
    print_pair("decode", dec, median(t[2], runs), "scanline, 16-row strip");
    print_pair("encode", enc, median(t[4], runs), "scanline, 16-row strips");
    convtool_buffer_free(&jpeg);
    convtool_buffer_free(&out);
    free(strip);
    free(px);
    return 0;
}
