/*
 * jpeg_scan (libjpeg's scanline API, a strip at a time) against jpeg_turbo
 * (TurboJPEG, whole images), which it must equal byte for byte: decoded
 * samples and verdicts for every file, encoded files for every pixel layout,
 * sampling and quality, whatever the strip height and the size of the pieces
 * the callbacks move. Then the failures: truncated and damaged files, a
 * progressive bomb, a pull or push callback that fails. Skipped when the
 * library is built without libjpeg or libjpeg-turbo.
 */
#include <dirent.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/jpeg_scan.h"
#include "codec/jpeg_turbo.h"
#include "codec/stb_codec.h"
#include "convtool/convtool.h"
#include "sandbox/sandbox_worker.h"
#include "test_helpers.h"

/* ---- the callbacks: memory in pieces of at most `piece` bytes, failing on request ---- */

struct source {
    const unsigned char *data;
    size_t len, pos;
    size_t piece;   /* most bytes one pull gives */
    int fail_after; /* pulls that succeed before one fails; < 0: never */
    int pulls;
};

static ssize_t pull(void *ctx, unsigned char *dst, size_t n)
{
    struct source *s = ctx;
    if (s->fail_after >= 0 && s->pulls >= s->fail_after)
        return -1;
    s->pulls++;
    size_t k = s->len - s->pos;
    k = k < n ? k : n;
    k = k < s->piece ? k : s->piece;
    if (k > 0)
        memcpy(dst, s->data + s->pos, k);
    s->pos += k;
    return (ssize_t)k;
}

struct sink {
    convtool_buffer out;
    int fail_after; /* pushes that succeed before one fails; < 0: never */
    int pushes;
};

static int push(void *ctx, const unsigned char *src, size_t n)
{
    struct sink *s = ctx;
    if (s->fail_after >= 0 && s->pushes >= s->fail_after)
        return -1;
    s->pushes++;
    return convtool_buffer_append(&s->out, src, n) == CONVTOOL_OK ? 0 : -1;
}

static void need_scan(void)
{
    if (!jpeg_scan_available())
        skip();
}

/* ---- decoding both ways ---- */

struct decoded {
    convtool_status st;
    int w, h, c;
    unsigned char *px; /* NULL unless st is OK */
};

static struct decoded decode_turbo(const unsigned char *b, size_t len)
{
    struct decoded d = {0};
    d.st = jpeg_turbo_decode(b, len, &d.w, &d.h, &d.c, &d.px);
    return d;
}

/* Decodes through jpeg_scan in strips of `strip` rows (0: all at once), pulled `piece` bytes at a time. */
static struct decoded decode_scan(const unsigned char *b, size_t len, int strip, size_t piece)
{
    struct decoded d = {0};
    struct source src = {b, len, 0, piece, -1, 0};
    struct jpeg_scan_reader *r;
    d.st = jpeg_scan_open(pull, &src, &r, &d.w, &d.h, &d.c);
    if (d.st != CONVTOOL_OK) {
        assert_null(r);
        return d;
    }
    size_t row = (size_t)d.w * (size_t)d.c;
    d.px = malloc(row * (size_t)d.h);
    assert_non_null(d.px);
    for (int y = 0; y < d.h && d.st == CONVTOOL_OK;) {
        int n = strip <= 0 || strip > d.h - y ? d.h - y : strip;
        d.st = jpeg_scan_read(r, d.px + (size_t)y * row, n);
        y += n;
    }
    if (d.st == CONVTOOL_OK)
        d.st = jpeg_scan_finish(r);
    jpeg_scan_close(r);
    if (d.st != CONVTOOL_OK) {
        free(d.px);
        d.px = NULL;
    }
    return d;
}

/* jpeg_scan's verdict alone, in strips of 8 rows. */
static convtool_status scan_status(const unsigned char *b, size_t len)
{
    struct decoded d = decode_scan(b, len, 8, JPEG_SCAN_BUFFER);
    free(d.px);
    return d.st;
}

/* jpeg_scan gives what jpeg_turbo_decode gives, in every strip height; returns its verdict. */
static convtool_status check_decode_pieces(const unsigned char *b, size_t len, size_t piece)
{
    static const int strips[] = {1, 7, 16, 0};
    struct decoded want = decode_turbo(b, len);
    for (size_t i = 0; i < sizeof strips / sizeof strips[0]; i++) {
        struct decoded got = decode_scan(b, len, strips[i], piece);
        if (got.st != want.st)
            fail_msg("strip %d, piece %zu: status %d, TurboJPEG's %d (file of %zu bytes)",
                     strips[i], piece, got.st, want.st, len);
        if (want.st == CONVTOOL_OK) {
            assert_int_equal(got.w, want.w);
            assert_int_equal(got.h, want.h);
            assert_int_equal(got.c, want.c);
            assert_memory_equal(got.px, want.px, (size_t)want.w * want.h * want.c);
        }
        free(got.px);
    }
    free(want.px);
    return want.st;
}

static convtool_status check_decode(const unsigned char *b, size_t len)
{
    return check_decode_pieces(b, len, JPEG_SCAN_BUFFER);
}

/* ---- encoding both ways ---- */

static convtool_buffer encode_turbo(int w, int h, int comp, const unsigned char *px, int q,
                                    convtool_jpeg_sampling s)
{
    convtool_buffer b = {0};
    assert_int_equal(jpeg_turbo_encode(&b, w, h, comp, px, q, s), CONVTOOL_OK);
    return b;
}

/* Encodes through jpeg_scan_writer, fed `strip` rows at a time. */
static convtool_buffer encode_scan(int w, int h, int comp, const unsigned char *px, int q,
                                   convtool_jpeg_sampling s, int strip)
{
    struct sink out = {{0}, -1, 0};
    struct jpeg_scan_writer *wr;
    assert_int_equal(jpeg_scan_writer_open(push, &out, w, h, comp, q, s, &wr), CONVTOOL_OK);
    size_t row = (size_t)w * (size_t)comp;
    for (int y = 0; y < h; y += strip) {
        int n = strip > h - y ? h - y : strip;
        assert_int_equal(jpeg_scan_write(wr, px + (size_t)y * row, n), CONVTOOL_OK);
    }
    assert_int_equal(jpeg_scan_writer_finish(wr), CONVTOOL_OK);
    jpeg_scan_writer_close(wr);
    return out.out;
}

/* The writer's file equals jpeg_turbo_encode's in strips of 1, 5 and 64 rows; the latter is returned. */
static convtool_buffer check_encode(int w, int h, int comp, const unsigned char *px, int q,
                                    convtool_jpeg_sampling s)
{
    static const int strips[] = {1, 5, 64};
    convtool_buffer want = encode_turbo(w, h, comp, px, q, s);
    for (size_t i = 0; i < sizeof strips / sizeof strips[0]; i++) {
        convtool_buffer got = encode_scan(w, h, comp, px, q, s, strips[i]);
        if (got.len != want.len || memcmp(got.data, want.data, want.len) != 0)
            fail_msg("%dx%d comp %d q%d sampling %d strip %d: %zu bytes, TurboJPEG's %zu", w, h,
                     comp, q, (int)s, strips[i], got.len, want.len);
        convtool_buffer_free(&got);
    }
    return want;
}

/* ---- pictures ---- */

/* Smooth gradients, a sharp-edged disc and noise: all a JPEG coder has to deal with. */
static unsigned char *picture(int w, int h, int comp, unsigned seed)
{
    unsigned char *p = malloc((size_t)w * (size_t)h * (size_t)comp);
    assert_non_null(p);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int disc = (x - w / 3) * (x - w / 3) + (y - h / 2) * (y - h / 2) < w * h / 8;
            for (int k = 0; k < comp; k++) {
                int v = 255 * x / w / 2 + 255 * y / h / 3 + k * 40 + (disc ? 70 : 0) +
                        (int)(test_rand(&seed) % 23);
                p[((size_t)y * (size_t)w + (size_t)x) * (size_t)comp + (size_t)k] =
                    (unsigned char)(v % 256);
            }
        }
    return p;
}

static const int qualities[] = {50, 90, 100};
static const convtool_jpeg_sampling samplings[] = {CONVTOOL_SAMPLING_444, CONVTOOL_SAMPLING_422,
                                                   CONVTOOL_SAMPLING_420};
static const int sizes[][2] = {{1, 1}, {17, 9}, {333, 77}, {8, 64}};

/* Every layout, sampling, quality and size: both writers agree, then both readers. */
static void test_made_files(void **state)
{
    (void)state;
    need_scan();
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
        for (int comp = 1; comp <= 4; comp++) {
            int w = sizes[z][0], h = sizes[z][1];
            unsigned char *px = picture(w, h, comp, (unsigned)(w * 7 + comp));
            for (size_t q = 0; q < 3; q++)
                for (size_t s = 0; s < 3; s++) {
                    if (comp <= 2 && s > 0)
                        continue; /* gray: one component whatever the sampling */
                    convtool_buffer b = check_encode(w, h, comp, px, qualities[q], samplings[s]);
                    assert_int_equal(check_decode(b.data, b.len), CONVTOOL_OK);
                    convtool_buffer_free(&b);
                }
            free(px);
        }
}

/* The input in pieces of 1 and 13 bytes (libjpeg's buffer refilled mid-marker, mid-code). */
static void test_small_pieces(void **state)
{
    (void)state;
    need_scan();
    for (int comp = 1; comp <= 3; comp += 2) {
        unsigned char *px = picture(45, 31, comp, 5);
        convtool_buffer b = encode_turbo(45, 31, comp, px, 90, CONVTOOL_SAMPLING_420);
        assert_int_equal(check_decode_pieces(b.data, b.len, 1), CONVTOOL_OK);
        assert_int_equal(check_decode_pieces(b.data, b.len, 13), CONVTOOL_OK);
        convtool_buffer_free(&b);
        free(px);
    }
}

/* TurboJPEG's environment variables change both writers' files alike (and both readers read them). */
static void test_turbojpeg_environment(void **state)
{
    (void)state;
    need_scan();
    static const char *const settings[][2] = {
        {"TJ_PROGRESSIVE", "1"}, {"TJ_OPTIMIZE", "1"}, {"TJ_ARITHMETIC", "1"},
        {"TJ_RESTART", "2"},     {"TJ_RESTART", "7B"}, {"TJ_OPTIMIZE", "1234567"}, /* too long: ignored */
    };
    unsigned char *px = picture(100, 70, 3, 11);
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        setenv(settings[i][0], settings[i][1], 1);
        for (size_t s = 0; s < 3; s++) {
            convtool_buffer b = check_encode(100, 70, 3, px, 85, samplings[s]);
            assert_int_equal(check_decode(b.data, b.len), CONVTOOL_OK);
            convtool_buffer_free(&b);
        }
        unsetenv(settings[i][0]);
    }
    free(px);
}

/* The photos under samples/, as JPEGs of every sampling, progressive ones too. */
static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    convtool_buffer b = {0};
    unsigned char chunk[1 << 14];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(convtool_buffer_append(&b, chunk, n), CONVTOOL_OK);
    fclose(f);
    *len = b.len;
    return b.data ? b.data : calloc(1, 1);
}

static const char *source_dir(void)
{
    const char *dir = getenv("CONVTOOL_SOURCE_DIR");
    if (!dir)
        fail_msg("CONVTOOL_SOURCE_DIR is not set (ctest sets it)");
    return dir;
}

static void test_photos(void **state)
{
    (void)state;
    need_scan();
    static const char *const photos[] = {"astronaut.png", "camera.png", "chelsea.png", "coffee.png"};
    for (size_t i = 0; i < sizeof photos / sizeof photos[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/samples/%s", source_dir(), photos[i]);
        size_t len;
        unsigned char *png = read_file(path, &len), *px;
        assert_non_null(png);
        int w, h, c;
        assert_int_equal(stb_codec_decode8(png, len, &w, &h, &c, &px), CONVTOOL_OK);
        for (int progressive = 0; progressive <= 1; progressive++) {
            if (progressive)
                setenv("TJ_PROGRESSIVE", "1", 1);
            for (size_t s = 0; s < 3; s++) {
                convtool_buffer b = check_encode(w, h, c, px, progressive ? 75 : 92, samplings[s]);
                assert_int_equal(check_decode(b.data, b.len), CONVTOOL_OK);
                convtool_buffer_free(&b);
            }
            unsetenv("TJ_PROGRESSIVE");
        }
        stb_codec_free(px);
        free(png);
    }
}

/*
 * Every JPEG of the fuzz corpus (other encoders' files: 4:1:1, progressive,
 * ICC and EXIF segments; and hostile mutants): the same verdict and samples.
 */
static void test_corpus(void **state)
{
    (void)state;
    need_scan();
    static const char *const dirs[] = {"image", "jpeg_quality", "metadata"};
    int files = 0, decoded = 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/fuzz/corpus/%s", source_dir(), dirs[i]);
        DIR *d = opendir(dir);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d))) {
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            size_t len;
            unsigned char *b = e->d_name[0] == '.' ? NULL : read_file(path, &len);
            if (b && len >= 2 && b[0] == 0xFF && b[1] == 0xD8) {
                files++;
                decoded += check_decode(b, len) == CONVTOOL_OK;
                check_decode_pieces(b, len, 7);
            }
            free(b);
        }
        closedir(d);
    }
    assert_true(files >= 100);
    assert_true(decoded >= 10);
}

/* The file with its frame header's components replaced by n of these sampling factors. */
static convtool_buffer with_components(const convtool_buffer *b, int n, const unsigned char *factors)
{
    size_t sof = 2;
    while (!(b->data[sof] == 0xFF && b->data[sof + 1] == 0xC0))
        sof++;
    size_t end = sof + 2 + (size_t)(b->data[sof + 2] << 8 | b->data[sof + 3]);
    convtool_buffer out = {0};
    convtool_buffer_append(&out, b->data, sof + 10); /* marker, length, precision, size, count */
    out.data[sof + 2] = 0, out.data[sof + 3] = (unsigned char)(8 + 3 * n);
    out.data[sof + 9] = (unsigned char)n;
    for (int k = 0; k < n; k++) {
        unsigned char c[3] = {(unsigned char)(k + 1), factors[k], k > 0};
        convtool_buffer_append(&out, c, 3);
    }
    convtool_buffer_append(&out, b->data + end, b->len - end);
    return out;
}

/*
 * Frame headers TurboJPEG's header reader refuses go to stb (EUNSUPPORTED):
 * samplings it does not name, CMYK (4 components), 2 components. Those it
 * names in non-standard ways are decoded, as TurboJPEG decodes them.
 */
static void test_odd_frames(void **state)
{
    (void)state;
    need_scan();
    unsigned char *px = picture(48, 32, 3, 6);
    convtool_buffer b = encode_turbo(48, 32, 3, px, 90, CONVTOOL_SAMPLING_444);
    static const struct {
        int n;
        unsigned char factors[4];
        int unsupported;
    } cases[] = {
        {3, {0x31, 0x11, 0x11}, 1}, /* 3x1: no TurboJPEG sampling */
        {3, {0x22, 0x21, 0x11}, 1},
        {3, {0x22, 0x12, 0x12}, 0}, /* 4:2:2 written as 2x2 + 1x2 */
        {3, {0x21, 0x21, 0x21}, 0}, /* 4:4:4 written as 2x1 everywhere */
        {3, {0x22, 0x22, 0x22}, 1}, /* but not as 2x2: over TurboJPEG's limit */
        {3, {0x12, 0x11, 0x11}, 0}, /* 4:4:0 */
        {3, {0x41, 0x11, 0x11}, 0}, /* 4:1:1 */
        {4, {0x11, 0x11, 0x11, 0x11}, 1}, /* CMYK */
        {2, {0x11, 0x11}, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        convtool_buffer odd = with_components(&b, cases[i].n, cases[i].factors);
        convtool_status st = check_decode(odd.data, odd.len);
        if ((st == CONVTOOL_EUNSUPPORTED) != cases[i].unsupported)
            fail_msg("case %zu: status %d", i, st);
        convtool_buffer_free(&odd);
    }
    convtool_buffer_free(&b);
    free(px);
}

/*
 * In the contained decoder's worker (seccomp, rlimits, no files): the reader
 * needs nothing the allowlist refuses, its first use (libjpeg's SIMD set-up)
 * included, as this is the first test to touch libjpeg. The worker sends its
 * reply (status, shape), then the image (kept until its next job: data goes
 * by reference).
 */
struct worker_reply {
    int status, w, h, c;
};

static void decode_in_worker(const void *params, const unsigned char *input, size_t len,
                             struct sandbox_out *out)
{
    static struct decoded last;
    free(last.px);
    last = decode_scan(input, len, *(const int *)params, JPEG_SCAN_BUFFER);
    struct worker_reply r = {last.st, last.w, last.h, last.c};
    sandbox_out_reply(out, &r, sizeof r);
    if (last.st == CONVTOOL_OK)
        sandbox_out_data(out, last.px, (size_t)last.w * last.h * last.c);
}

static void test_in_sandbox(void **state)
{
    (void)state;
    need_scan();
    static const struct sandbox_limits limits = {256u << 20, 10, 20000};
    for (int comp = 1; comp <= 3; comp += 2) {
        unsigned char *px = picture(300, 200, comp, 12);
        for (int progressive = 0; progressive <= 1; progressive++) {
            if (progressive)
                setenv("TJ_PROGRESSIVE", "1", 1);
            convtool_buffer b = encode_turbo(300, 200, comp, px, 90, CONVTOOL_SAMPLING_420);
            unsetenv("TJ_PROGRESSIVE");
            struct decoded want = decode_turbo(b.data, b.len);
            assert_int_equal(want.st, CONVTOOL_OK);
            size_t bytes = (size_t)300 * 200 * comp;
            unsigned char *got = malloc(bytes);
            int strip = 16;
            struct worker_reply r = {-1, 0, 0, 0};
            struct sandbox_job job = {decode_in_worker, &strip, sizeof strip, b.data, b.len,
                                      &r, sizeof r, got, bytes, 0};
            assert_int_equal(sandbox_worker_run(&job, &limits), CONVTOOL_OK);
            assert_int_equal(r.status, CONVTOOL_OK);
            assert_int_equal(job.got_bulk, bytes);
            assert_memory_equal(got, want.px, bytes);
            free(got);
            free(want.px);
            convtool_buffer_free(&b);
        }
        free(px);
    }
    sandbox_worker_end();
}

/* ---- failures ---- */

/* Where the first scan's entropy-coded data starts (after the SOS header). */
static size_t scan_data_start(const convtool_buffer *b)
{
    for (size_t i = 2; i + 3 < b->len; i++)
        if (b->data[i] == 0xFF && b->data[i + 1] == 0xDA)
            return i + 2 + (size_t)(b->data[i + 2] << 8 | b->data[i + 3]);
    fail_msg("no SOS");
    return 0;
}

/*
 * Every prefix of a file (and every prefix with an end marker after it) fails
 * without a crash or a leak: past the header ECORRUPT, as TurboJPEG says;
 * within the header EUNSUPPORTED (TurboJPEG's header reader fails: stb's turn)
 * or ECORRUPT.
 */
static void test_truncated(void **state)
{
    (void)state;
    need_scan();
    unsigned char *px = picture(40, 24, 3, 3);
    for (int progressive = 0; progressive <= 1; progressive++) {
        if (progressive)
            setenv("TJ_PROGRESSIVE", "1", 1);
        convtool_buffer b = encode_turbo(40, 24, 3, px, 80, CONVTOOL_SAMPLING_420);
        unsetenv("TJ_PROGRESSIVE");
        size_t data = scan_data_start(&b);
        int corrupt = 0;
        convtool_buffer cut = {0};
        for (size_t keep = 0; keep < b.len; keep++) {
            for (int eoi = 0; eoi <= 1; eoi++) {
                cut.len = 0;
                convtool_buffer_append(&cut, b.data, keep);
                if (eoi)
                    convtool_buffer_append(&cut, "\xff\xd9", 2);
                if (keep >= data) {
                    /* with an end marker, a progressive file cut between scans is whole */
                    convtool_status st = check_decode(cut.data, cut.len);
                    if (!eoi)
                        assert_int_equal(st, CONVTOOL_ECORRUPT);
                    corrupt += st == CONVTOOL_ECORRUPT;
                    continue;
                }
                convtool_status st = scan_status(cut.data, cut.len);
                if (st != CONVTOOL_EUNSUPPORTED && st != CONVTOOL_ECORRUPT)
                    fail_msg("prefix of %zu bytes: status %d", keep, st);
            }
        }
        /* all but the whole file and those cut between scans (or its end's 0xFF fill byte) */
        assert_true(corrupt >= (int)(b.len - data) - (progressive ? 20 : 2));
        convtool_buffer_free(&cut);
        convtool_buffer_free(&b);
    }
    free(px);
}

/* Damaged bytes anywhere: the same verdict (and samples, where a decoder steps over them). */
static void test_damaged(void **state)
{
    (void)state;
    need_scan();
    unsigned seed = 77;
    unsigned char *px = picture(64, 48, 3, 4);
    int corrupt = 0;
    for (int progressive = 0; progressive <= 1; progressive++) {
        if (progressive)
            setenv("TJ_PROGRESSIVE", "1", 1);
        convtool_buffer b = encode_turbo(64, 48, 3, px, 85, CONVTOOL_SAMPLING_422);
        unsetenv("TJ_PROGRESSIVE");
        size_t data = scan_data_start(&b);
        for (int trial = 0; trial < 150; trial++) {
            convtool_buffer bad = {0};
            convtool_buffer_append(&bad, b.data, b.len);
            for (int k = 0; k < 1 + trial % 3; k++) { /* in the scans, now and then a header byte */
                size_t at = trial % 10 == 0 ? 20 + test_rand(&seed) % (data - 20)
                                            : data + test_rand(&seed) % (b.len - 2 - data);
                bad.data[at] = (unsigned char)test_rand(&seed);
            }
            /* in 7-byte pieces too: libjpeg-turbo's Huffman decoder takes its slow path */
            convtool_status st = check_decode_pieces(bad.data, bad.len, trial % 2 ? 7 : JPEG_SCAN_BUFFER);
            corrupt += st == CONVTOOL_ECORRUPT;
            convtool_buffer_free(&bad);
        }
        convtool_buffer_free(&b);
    }
    free(px);
    assert_true(corrupt >= 50); /* most damage is seen, as TurboJPEG sees it */
}

/*
 * A JPEG of `scans` DC-only scans of one 8x8 gray block, each one code of one
 * bit (category 0): a valid progressive file libjpeg decodes, of any length.
 */
static convtool_buffer jpeg_of_scans(int progressive, int scans)
{
    static const unsigned char sof[] = {0xff, 0xc2, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0};
    /* a DC table of one 1-bit code, symbol 0, and an AC table alike */
    static const unsigned char dht[] = {0xff, 0xc4, 0, 38, 0x00, 1, 0, 0, 0,    0, 0, 0, 0, 0,
                                        0,    0,    0, 0,  0,    0, 0, 0, 0x10, 1, 0, 0, 0, 0,
                                        0,    0,    0, 0,  0,    0, 0, 0, 0,    0, 0, 0};
    static const unsigned char sos[] = {0xff, 0xda, 0, 8, 1, 1, 0x00, 0, 0, 0, 0x7f};
    unsigned char dqt[4 + 65] = {0xff, 0xdb, 0, 67, 0x00};
    for (int i = 0; i < 64; i++)
        dqt[5 + i] = 1;
    convtool_buffer b = {0};
    convtool_buffer_append(&b, "\xff\xd8", 2);
    convtool_buffer_append(&b, dqt, sizeof dqt);
    convtool_buffer_append(&b, sof, sizeof sof);
    b.data[b.len - sizeof sof + 1] = progressive ? 0xc2 : 0xc0;
    convtool_buffer_append(&b, dht, sizeof dht);
    for (int i = 0; i < scans; i++) {
        convtool_buffer_append(&b, sos, sizeof sos);
        if (!progressive) /* a sequential scan covers the AC coefficients too: one EOB code */
            b.data[b.len - 3] = 63, b.data[b.len - 1] = 0x3f;
    }
    convtool_buffer_append(&b, "\xff\xd9", 2);
    return b;
}

/*
 * Past CONVTOOL_JPEG_MAX_SCANS scans a progressive file is refused with
 * ESCANS at the first scan over, as the image probe refuses it today (TurboJPEG
 * alone would read them all); a sequential file cannot have more than one scan
 * of its only component: ECORRUPT, as TurboJPEG says.
 */
static void test_scan_limit(void **state)
{
    (void)state;
    need_scan();
    convtool_buffer b = jpeg_of_scans(1, 10);
    assert_int_equal(check_decode(b.data, b.len), CONVTOOL_OK);
    convtool_buffer_free(&b);
    b = jpeg_of_scans(1, CONVTOOL_JPEG_MAX_SCANS);
    assert_int_equal(scan_status(b.data, b.len), CONVTOOL_OK);
    convtool_buffer_free(&b);
    for (int scans = CONVTOOL_JPEG_MAX_SCANS + 1; scans <= 100 * CONVTOOL_JPEG_MAX_SCANS; scans *= 10) {
        b = jpeg_of_scans(1, scans);
        /* pulled 11 bytes at a time: stopped at scan 501, not at the end of the file */
        struct source src = {b.data, b.len, 0, 11, -1, 0};
        struct jpeg_scan_reader *r;
        int w, h, c;
        assert_int_equal(jpeg_scan_open(pull, &src, &r, &w, &h, &c), CONVTOOL_ESCANS);
        assert_null(r);
        assert_true(src.pos < 12 * (size_t)(CONVTOOL_JPEG_MAX_SCANS + 20));
        convtool_buffer_free(&b);
    }
    b = jpeg_of_scans(0, 1);
    assert_int_equal(check_decode(b.data, b.len), CONVTOOL_OK);
    convtool_buffer_free(&b);
    b = jpeg_of_scans(0, CONVTOOL_JPEG_MAX_SCANS + 1);
    assert_int_equal(check_decode(b.data, b.len), CONVTOOL_ECORRUPT);
    convtool_buffer_free(&b);
}

/* A pull that fails after k good pulls, for every k: EIO from whichever call met it, and it stays. */
static void test_pull_fails(void **state)
{
    (void)state;
    need_scan();
    unsigned char *px = picture(200, 120, 3, 8);
    for (int progressive = 0; progressive <= 1; progressive++) {
        if (progressive)
            setenv("TJ_PROGRESSIVE", "1", 1);
        convtool_buffer b = encode_turbo(200, 120, 3, px, 90, CONVTOOL_SAMPLING_420);
        unsetenv("TJ_PROGRESSIVE");
        size_t piece = 97;
        int pulls = (int)((b.len + piece - 1) / piece);
        unsigned char *rows = malloc((size_t)200 * 3 * 120);
        for (int k = 0; k <= pulls; k++) {
            struct source src = {b.data, b.len, 0, piece, k, 0};
            struct jpeg_scan_reader *r;
            int w, h, c;
            convtool_status st = jpeg_scan_open(pull, &src, &r, &w, &h, &c);
            for (int y = 0; st == CONVTOOL_OK && y < h; y += 10)
                st = jpeg_scan_read(r, rows + (size_t)y * w * c, 10);
            if (st == CONVTOOL_OK)
                st = jpeg_scan_finish(r);
            /* k = pulls: every pull the file takes succeeds */
            assert_int_equal(st, k >= pulls ? CONVTOOL_OK : CONVTOOL_EIO);
            if (r && st != CONVTOOL_OK) {
                assert_int_equal(jpeg_scan_read(r, rows, 1), CONVTOOL_EIO);
                assert_int_equal(jpeg_scan_finish(r), CONVTOOL_EIO);
            }
            jpeg_scan_close(r);
        }
        free(rows);
        convtool_buffer_free(&b);
    }
    free(px);
}

/* A push that fails after k good pushes, for every k: EIO, and the writer stays failed. */
static void test_push_fails(void **state)
{
    (void)state;
    need_scan();
    int w = 700, h = 300; /* a file of several 64 KiB buffers */
    unsigned char *px = picture(w, h, 3, 9);
    convtool_buffer want = encode_turbo(w, h, 3, px, 100, CONVTOOL_SAMPLING_444);
    int pushes = (int)((want.len + JPEG_SCAN_BUFFER - 1) / JPEG_SCAN_BUFFER);
    assert_true(pushes >= 3);
    for (int k = 0; k <= pushes; k++) {
        struct sink out = {{0}, k, 0};
        struct jpeg_scan_writer *wr;
        convtool_status st =
            jpeg_scan_writer_open(push, &out, w, h, 3, 100, CONVTOOL_SAMPLING_444, &wr);
        for (int y = 0; st == CONVTOOL_OK && y < h; y += 16)
            st = jpeg_scan_write(wr, px + (size_t)y * w * 3, y + 16 > h ? h - y : 16);
        if (st == CONVTOOL_OK)
            st = jpeg_scan_writer_finish(wr);
        assert_int_equal(st, k >= pushes ? CONVTOOL_OK : CONVTOOL_EIO);
        if (st == CONVTOOL_OK)
            assert_memory_equal(out.out.data, want.data, want.len);
        else if (wr) {
            assert_int_equal(jpeg_scan_write(wr, px, 1), CONVTOOL_EIO);
            assert_int_equal(jpeg_scan_writer_finish(wr), CONVTOOL_EIO);
        }
        jpeg_scan_writer_close(wr);
        convtool_buffer_free(&out.out);
    }
    convtool_buffer_free(&want);
    free(px);
}

/* Misuse: the arguments jpeg_turbo_encode refuses, rows past the end, finishing early. */
static void test_arguments(void **state)
{
    (void)state;
    need_scan();
    struct sink out = {{0}, -1, 0};
    struct jpeg_scan_writer *wr;
    const int bad[][4] = {{0, 8, 3, 90}, {8, 0, 3, 90}, {8, 8, 0, 90}, {8, 8, 5, 90},
                          {8, 8, 3, -1}, {8, 8, 3, 101}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(jpeg_scan_writer_open(push, &out, bad[i][0], bad[i][1], bad[i][2],
                                               bad[i][3], CONVTOOL_SAMPLING_420, &wr),
                         CONVTOOL_EINVAL);
    assert_int_equal(
        jpeg_scan_writer_open(push, &out, 8, 8, 3, 90, CONVTOOL_SAMPLING_AUTO, &wr),
        CONVTOOL_EINVAL);
    unsigned char px[8 * 8 * 3] = {0};
    assert_int_equal(jpeg_scan_writer_open(push, &out, 8, 8, 3, 90, CONVTOOL_SAMPLING_420, &wr),
                     CONVTOOL_OK);
    assert_int_equal(jpeg_scan_write(wr, px, 9), CONVTOOL_EINVAL);
    assert_int_equal(jpeg_scan_write(wr, px, 4), CONVTOOL_OK);
    assert_int_equal(jpeg_scan_writer_finish(wr), CONVTOOL_EINVAL);
    jpeg_scan_writer_close(wr);
    convtool_buffer_free(&out.out);

    convtool_buffer b = encode_turbo(8, 8, 3, px, 90, CONVTOOL_SAMPLING_420);
    struct source src = {b.data, b.len, 0, JPEG_SCAN_BUFFER, -1, 0};
    struct jpeg_scan_reader *r;
    int w, h, c;
    assert_int_equal(jpeg_scan_open(pull, &src, &r, &w, &h, &c), CONVTOOL_OK);
    assert_int_equal(jpeg_scan_read(r, px, 9), CONVTOOL_EINVAL);
    assert_int_equal(jpeg_scan_read(r, px, 0), CONVTOOL_EINVAL);
    assert_int_equal(jpeg_scan_finish(r), CONVTOOL_EINVAL);
    jpeg_scan_close(r);
    jpeg_scan_close(NULL);
    jpeg_scan_writer_close(NULL);
    convtool_buffer_free(&b);
}

/* With CONVTOOL_JPEG_CODEC=stb JPEGs are stb's, whole: both open functions hand them back. */
static void test_stb_selected(void **state)
{
    (void)state;
    need_scan();
    setenv("CONVTOOL_JPEG_CODEC", "stb", 1);
    struct jpeg_scan_reader *r;
    struct jpeg_scan_writer *wr;
    int w, h, c;
    assert_int_equal(jpeg_scan_open(pull, NULL, &r, &w, &h, &c), CONVTOOL_EUNSUPPORTED);
    assert_int_equal(jpeg_scan_writer_open(push, NULL, 8, 8, 3, 90, CONVTOOL_SAMPLING_420, &wr),
                     CONVTOOL_EUNSUPPORTED);
    unsetenv("CONVTOOL_JPEG_CODEC");
}

/* glibc's count of heap in use: small blocks, and the big ones it maps one by one. */
static size_t heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

/*
 * The reader holds libjpeg's state and its input buffer, not the image: a
 * 1536×2048 RGB baseline file (9 MB of samples) read row by row takes well
 * under 1 MB of heap. (glibc's count; sanitizers replace malloc: skipped.)
 */
static void test_reader_memory(void **state)
{
    (void)state;
    need_scan();
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    skip();
#endif
    int w = 1536, h = 2048;
    unsigned char *px = picture(w, h, 3, 2);
    convtool_buffer b = encode_turbo(w, h, 3, px, 90, CONVTOOL_SAMPLING_420);
    free(px);
    unsigned char *row = malloc((size_t)w * 3);
    size_t before = heap_in_use(), most = 0;
    struct source src = {b.data, b.len, 0, JPEG_SCAN_BUFFER, -1, 0};
    struct jpeg_scan_reader *r;
    int c;
    assert_int_equal(jpeg_scan_open(pull, &src, &r, &w, &h, &c), CONVTOOL_OK);
    for (int y = 0; y < h; y++) {
        assert_int_equal(jpeg_scan_read(r, row, 1), CONVTOOL_OK);
        size_t now = heap_in_use() - before;
        most = now > most ? now : most;
    }
    assert_int_equal(jpeg_scan_finish(r), CONVTOOL_OK);
    jpeg_scan_close(r);
    assert_true(most > JPEG_SCAN_BUFFER);
    if (most >= ((size_t)1 << 20))
        fail_msg("the reader took %zu bytes", most);
    free(row);
    convtool_buffer_free(&b);
}

static int setup(void **state)
{
    (void)state;
    unsetenv("CONVTOOL_JPEG_CODEC");
    /* what a failed test that set them left behind */
    unsetenv("TJ_PROGRESSIVE");
    unsetenv("TJ_OPTIMIZE");
    unsetenv("TJ_ARITHMETIC");
    unsetenv("TJ_RESTART");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_in_sandbox, setup), /* first: libjpeg not yet set up */
        cmocka_unit_test_setup(test_made_files, setup),
        cmocka_unit_test_setup(test_small_pieces, setup),
        cmocka_unit_test_setup(test_turbojpeg_environment, setup),
        cmocka_unit_test_setup(test_photos, setup),
        cmocka_unit_test_setup(test_corpus, setup),
        cmocka_unit_test_setup(test_odd_frames, setup),
        cmocka_unit_test_setup(test_truncated, setup),
        cmocka_unit_test_setup(test_damaged, setup),
        cmocka_unit_test_setup(test_scan_limit, setup),
        cmocka_unit_test_setup(test_pull_fails, setup),
        cmocka_unit_test_setup(test_push_fails, setup),
        cmocka_unit_test_setup(test_arguments, setup),
        cmocka_unit_test_setup(test_stb_selected, setup),
        cmocka_unit_test_setup(test_reader_memory, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
