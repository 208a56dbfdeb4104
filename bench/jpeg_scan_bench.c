/*
 * JPEG through TurboJPEG, whole images (jpeg_turbo.c), against libjpeg's
 * scanline API a strip at a time (jpeg_scan.c), in one process, alternating
 * run by run (every other run in reverse order), on a photo-like RGB picture
 * made here: decoding (into a whole image, and into one 16-row strip buffer
 * reused) and encoding (16-row strips pushed into a growing buffer, as
 * TurboJPEG grows its own). Medians and ratios of wall time and of this
 * thread's CPU time (steadier on a loaded machine); the outputs are checked
 * equal first. Then the heap the reader holds, baseline and progressive.
 *
 *   jpeg_scan_bench [-s SIZE] [-r RUNS] [-q QUALITY]   (4096, 7, 90; 4:2:0)
 *
 * Figures only: nothing here is asserted.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/jpeg_scan.h"
#include "codec/jpeg_turbo.h"
#include "bench_util.h"

#define MAX_RUNS 101
#define STRIP 16

static double seconds(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Wall time, and this thread's CPU time (steadier on a loaded machine; page faults included). */
struct stamp {
    double wall, cpu;
};

static struct stamp now(void)
{
    return (struct stamp){seconds(CLOCK_MONOTONIC), seconds(CLOCK_THREAD_CPUTIME_ID)};
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

/* glibc's count of heap in use: small blocks, and the big ones it maps one by one. */
static size_t heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

/* The most heap the reader holds while decoding jpeg in strips (glibc's count; libjpeg's included). */
static size_t reader_heap(const convtool_buffer *jpeg, unsigned char *strip)
{
    size_t before = heap_in_use(), most = 0;
    struct source src = {jpeg->data, jpeg->len, 0};
    struct jpeg_scan_reader *r;
    int w, h, c;
    if (jpeg_scan_open(pull, &src, &r, &w, &h, &c) != CONVTOOL_OK)
        die("jpeg_scan_open failed");
    for (int y = 0; y < h; y += STRIP) {
        size_t now = heap_in_use() - before;
        most = now > most ? now : most;
        if (jpeg_scan_read(r, strip, h - y < STRIP ? h - y : STRIP) != CONVTOOL_OK)
            die("jpeg_scan_read failed");
    }
    jpeg_scan_close(r);
    return most;
}

/* Heap of the reader for the file and for the same picture progressive (TurboJPEG's TJ_PROGRESSIVE). */
static void print_heap(const unsigned char *px, int n, int q, const convtool_buffer *jpeg,
                       unsigned char *strip)
{
    convtool_buffer progressive = {0};
    setenv("TJ_PROGRESSIVE", "1", 1);
    encode_whole(px, n, q, &progressive);
    unsetenv("TJ_PROGRESSIVE");
    printf("reader heap in 16-row strips: baseline %.2f MB, progressive %.2f MB "
           "(the image: %.2f MB)\n",
           (double)reader_heap(jpeg, strip) / 1e6, (double)reader_heap(&progressive, strip) / 1e6,
           (double)n * n * 3 / 1e6);
    convtool_buffer_free(&progressive);
}

struct job {
    const convtool_buffer *jpeg;
    const unsigned char *px;
    int n, q;
    unsigned char *strip;
    convtool_buffer *out;
};

/* One timed piece: k = 0 TurboJPEG decode, 1 scanline into an image, 2 into a strip, 3 TurboJPEG encode, 4 scanline encode. */
static void measure(const struct job *j, int k)
{
    unsigned char *image = NULL;
    switch (k) {
    case 0:
        decode_whole(j->jpeg, &image);
        break;
    case 1:
        if (!(image = malloc((size_t)j->n * (size_t)j->n * 3)))
            die("out of memory");
        decode_strips(j->jpeg, image, NULL);
        break;
    case 2:
        decode_strips(j->jpeg, NULL, j->strip);
        break;
    case 3:
        encode_whole(j->px, j->n, j->q, j->out);
        break;
    default:
        encode_strips(j->px, j->n, j->q, j->out);
    }
    free(image); /* timed too, on both sides */
}

static void print_pair(const char *what, double a, double b, const char *bname)
{
    printf("%-8s TurboJPEG whole %8.1f ms   %-22s %8.1f ms   ratio %.3f\n", what, a * 1e3, bname,
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
    static double wall[5][MAX_RUNS], cpu[5][MAX_RUNS];
    struct job job = {&jpeg, px, n, q, strip, &out};
    for (int r = 0; r < runs; r++)
        for (int i = 0; i < 5; i++) {
            int k = r % 2 ? 4 - i : i; /* every other run backwards: no one always goes first */
            struct stamp a = now();
            measure(&job, k);
            struct stamp b = now();
            wall[k][r] = b.wall - a.wall;
            cpu[k][r] = b.cpu - a.cpu;
        }
    printf("%dx%d RGB, quality %d, 4:2:0, %zu-byte file; medians of %d alternating runs\n", n, n,
           q, jpeg.len, runs);
    static const char *const what[2] = {"wall", "CPU"};
    for (int m = 0; m < 2; m++) {
        double(*t)[MAX_RUNS] = m ? cpu : wall;
        double dec = bench_median(t[0], runs), enc = bench_median(t[3], runs);
        printf("%s:\n", what[m]);
        print_pair("  decode", dec, bench_median(t[1], runs), "scanline, whole image");
        print_pair("  decode", dec, bench_median(t[2], runs), "scanline, 16-row strip");
        print_pair("  encode", enc, bench_median(t[4], runs), "scanline, 16-row strips");
    }
    print_heap(px, n, q, &jpeg, strip);
    convtool_buffer_free(&jpeg);
    convtool_buffer_free(&out);
    free(strip);
    free(px);
    return 0;
}
