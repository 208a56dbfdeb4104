/*
 * The strip engine of `apply`: a large PNG or JPEG going to one PNG, JPEG,
 * .npy, BMP or HDR with one kernel on the pixel passes runs strip by strip.
 * The parent probes a
 * PNG's skeleton (every chunk but the image data, convtool_image_skeleton) or
 * a JPEG whole (a few MB, whose probe walks every scan); the contained
 * worker decodes rows as they are asked for, reading the file in pieces; a
 * window of input rows slides down the image; each strip of output rows is
 * convolved from it (convtool_conv2d_pixels_rows) and handed to the PNG
 * writer, which compresses strips on the pool and pushes IDAT chunks into the
 * output's temp file (libjpeg's scanline encoder for JPEG). Memory is a few
 * strips wide, never the image; the
 * bytes are those of the whole-image fused path (tests/cli/cases/stream.sh).
 * A .npy output takes the same strips with float results
 * (convtool_conv2d_pixels_rows_float: the float path's values, before any
 * map), each output plane's rows written at their place in the file
 * (tests/cli/cases/stream_npy.sh compares them with the float path's). BMP
 * and HDR go through stb's writers a strip at a time: BMP strips to their
 * place counted from the end (its rows are bottom-up), HDR scanlines appended
 * after one header (tests/cli/cases/stream_raw.sh).
 *
 * Decoding overlaps the rest: the worker is another process, a pipe's worth
 * of rows ahead. What this path does not take goes whole (apply_fused.c):
 * several kernels or outputs, TGA outputs (stb's run-length rows are stored
 * bottom-up: where each lands is known only at the end), HDR with --map
 * normalize, JPEG through stb, progressive
 * JPEGs (libjpeg keeps their coefficients whole), pictures
 * under STREAM_MIN_PIXEL_BYTES, a picture to turn upright, a kernel for the FFT tiles,
 * circular padding that wraps as many rows as the image has, and any file the
 * strip decoder leaves to stb (palette, tRNS, interlaced, under 8 bits).
 *
 * Two jobs read the file more than once, each pass through a new decoder, all
 * before the output is opened but the last (a damaged file fails in the
 * first, leaving nothing): circular padding first decodes through the file
 * keeping the last rows its top strips wrap to, then the strips run over the
 * image with those rows above it and its first rows below it, kept as they
 * go by (apply_stream_rows.c); --map normalize runs the strips once for each
 * channel's min and max (convtool_conv2d_pixels_bounds, nothing written),
 * then again mapping by them (convtool_pixel_pass.bounds). Both together: three
 * passes. Holding the image instead (apply_fused.c, which convolves twice for
 * normalize) takes 1.6 to 36 times the memory from STREAM_MIN_PIXEL_BYTES to
 * 8192², and saves at most a tenth of the time (three passes: 30 %) up to
 * 4096², none beyond (README, Performance; bench/twopass_bench.sh), so they
 * stream from the same size as the rest. The progress line gives each pass an
 * equal share of the output's rows.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/apply_common.h"
#include "apply/apply_fused.h"
#include "apply/apply_limits.h"
#include "apply/apply_meta.h"
#include "apply/apply_stream.h"
#include "apply/apply_stream_rows.h"
#include "apply/batch.h"
#include "apply/save_choice.h"
#include "common/messages.h"

/* Smaller pictures go whole: for them the stream costs more than it saves. */
#define STREAM_MIN_PIXEL_BYTES ((uint64_t)4 << 20)
/* A strip of output rows is about this many bytes (8 to 1024 rows). */
#define STRIP_BYTES ((size_t)1 << 20)
/* Long single images show progress on a terminal from this many rows on. */
#define PROGRESS_MIN_ROWS 4096

int apply_stream_setting(void)
{
    const char *env = getenv("CONVTOOL_STREAM");
    return env && strcmp(env, "0") == 0 ? 0 : env && strcmp(env, "1") == 0 ? 2 : 1;
}

/* What the options allow, before the file is looked at. */
static int options_fit(const struct apply_job *job)
{
    convtool_format out = job->outputs[0].format;
    return apply_stream_setting() != 0 && strcmp(job->input, "-") != 0 && job->kernel_count == 1 &&
           job->output_count == 1 &&
           (convtool_image_writer_fits(out) || out == CONVTOOL_FORMAT_NPY ||
            out == CONVTOOL_FORMAT_BMP ||
            (out == CONVTOOL_FORMAT_HDR && job->opts->map != CONVTOOL_MAP_NORMALIZE));
}

/* A JPEG is read whole (a few MB; its probe walks every scan), from the descriptor the
 * worker then reads again, so both see the same file. */
static convtool_status read_whole(int fd, uint64_t len, convtool_buffer *file)
{
    unsigned char piece[1 << 16];
    convtool_status st = CONVTOOL_OK;
    for (uint64_t at = 0; st == CONVTOOL_OK && at < len;) {
        size_t want = len - at < sizeof piece ? (size_t)(len - at) : sizeof piece;
        ssize_t got = pread(fd, piece, want, (off_t)at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            st = CONVTOOL_EIO;
        else
            st = convtool_buffer_append(file, piece, (size_t)got), at += (uint64_t)got;
    }
    return st;
}

/* The file's skeleton (PNG) or the file (JPEG): what the probe and the metadata read. */
static convtool_status probe_bytes(int fd, uint64_t len, convtool_buffer *file)
{
    unsigned char magic[3];
    if (pread(fd, magic, sizeof magic, 0) != (ssize_t)sizeof magic)
        return CONVTOOL_EUNSUPPORTED;
    if (magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF)
        return read_whole(fd, len, file);
    return convtool_image_skeleton(fd, len, file);
}

/*
 * Whether a JPEG (already probed: its segments are sound) is progressive:
 * libjpeg keeps a progressive file's coefficients whole (2 bytes a sample),
 * so it goes whole, where the decode estimate counts that.
 */
static int jpeg_progressive(const convtool_buffer *file)
{
    size_t off = 2;
    while (off + 4 <= file->len) {
        if (file->data[off] != 0xFF) {
            off++;
            continue;
        }
        int m = file->data[off + 1];
        if (m == 0xFF) {
            off++; /* fill byte */
            continue;
        }
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC)
            return m != 0xC0 && m != 0xC1; /* the frame: baseline and extended stream */
        off += 2 + ((size_t)file->data[off + 2] << 8 | file->data[off + 3]);
    }
    return 1; /* no frame found: leave it to the whole path */
}

/*
 * A first look, one 33-byte read: whether the picture may be big enough to
 * stream. A PNG's IHDR gives its size; a JPEG under SMALL_JPEG_BYTES is taken
 * as small (its size is in the frame header, after the tables). So a batch
 * of thumbnails pays one pread each, not a skeleton and a second read.
 */
#define SMALL_JPEG_BYTES ((uint64_t)256 << 10)
static int may_be_large(int fd, uint64_t len)
{
    unsigned char h[33];
    if (apply_stream_setting() == 2)
        return 1;
    if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h)
        return 0;
    if (h[0] == 0xFF && h[1] == 0xD8)
        return len >= SMALL_JPEG_BYTES;
    if (memcmp(h, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(h + 12, "IHDR", 4) != 0)
        return 0;
    uint64_t w = (uint64_t)h[16] << 24 | (uint64_t)h[17] << 16 | (uint64_t)h[18] << 8 | h[19];
    uint64_t ht = (uint64_t)h[20] << 24 | (uint64_t)h[21] << 16 | (uint64_t)h[22] << 8 | h[23];
    static const int channels[7] = {1, 0, 3, 3, 2, 0, 4}; /* by colour type; palette: RGB */
    int c = h[25] <= 6 ? channels[h[25]] : 0;
    uint64_t samples = w * ht * (uint64_t)(c ? c : 4) * (h[24] == 16 ? 2 : 1);
    return samples >= STREAM_MIN_PIXEL_BYTES;
}

static uint64_t pixel_bytes(const convtool_image_info *info)
{
    return (uint64_t)info->width * (uint64_t)info->height * (uint64_t)info->channels *
           (uint64_t)(info->bit_depth / 8);
}

/* The outputs written from float results (the float path's): .npy, and HDR. */
static int floats_out(convtool_format format)
{
    return format == CONVTOOL_FORMAT_NPY || format == CONVTOOL_FORMAT_HDR;
}

int apply_stream_probe(const struct apply_job *job, convtool_buffer *file,
                       convtool_image_info *info, struct stream_input *in)
{
    const struct apply_options *o = job->opts;
    in->fd = -1;
    if (!options_fit(job))
        return 0;
    int fd = apply_open_regular(job->input, &in->len);
    if (fd < 0)
        return 0; /* the whole-file path opens it again and says what is wrong */
    int fits = (!o->max_input_bytes || in->len <= o->max_input_bytes) &&
               may_be_large(fd, in->len) && probe_bytes(fd, in->len, file) == CONVTOOL_OK &&
               convtool_image_probe(file->data, file->len, info) == CONVTOOL_OK &&
               (apply_stream_setting() == 2 || pixel_bytes(info) >= STREAM_MIN_PIXEL_BYTES) &&
               (uint64_t)info->width * (uint64_t)info->height <= o->max_pixels &&
               (info->orientation <= 1 || o->no_autorotate) &&
               (apply_fused_fits(job, info) || (floats_out(job->outputs[0].format) &&
                                                apply_pixel_passes_fit(job, info))) &&
               !(info->format == CONVTOOL_FORMAT_JPEG && jpeg_progressive(file));
    if (!fits) {
        close(fd);
        convtool_buffer_free(file);
        return 0;
    }
    in->fd = fd;
    return 1;
}

/* ------------------------------------------------------------- a run */

struct strip_run {
    const struct apply_job *job;
    const struct prepared_kernel *pk;
    convtool_geometry g;  /* the job's */
    convtool_geometry rg; /* what the strips run: g over the rows `rows` gives */
    struct stream_rows rows;
    struct channel_plan cp;
    float bounds[8]; /* --map normalize: each colour channel's min and max (pass 1) */
    convtool_pixel_pass alpha;
    convtool_kernel delta; /* carries alpha; values NULL when there is none */
    convtool_geometry delta_g;
    convtool_image_reader *reader;
    int in_w, in_h, in_c, depth;
    size_t in_row;
    convtool_pixels window; /* input rows [wlo, whi) */
    int wlo, whi;
    convtool_pixels strip;
    int bmp;                /* a BMP output: strips placed from the file's end (bottom-up) */
    int npy;                /* a .npy output: float planes written at their offsets */
    int hdr;                /* an HDR output: float strips, each encoded by stb */
    convtool_tensor fstrip; /* .npy, HDR: a strip of every output plane (colours, then alpha) */
    unsigned char *stored;  /* .npy: one plane of it as the file stores it */
    uint64_t npy_data;      /* .npy: where the values start */
    int strip_rows;
    int *keep;       /* per strip: plan_keep */
    int window_rows; /* window_rows() */
    convtool_write_stream *out;
    convtool_image_writer *writer;
    int write_errno; /* why the output's temp could not take more bytes, or 0 */
    size_t clipped;
    struct progress *progress;
    int passes, pass; /* the passes over the file, and which one runs (progress) */
};

/*
 * Per strip, the first input row the window must still hold: the lowest row
 * this strip or any later one reads. Reflected bottom padding can make a
 * later strip read rows above this one's, so it is the minimum over the rest.
 */
static int *plan_keep(const convtool_geometry *g, int strip_rows, int strips)
{
    int *keep = malloc((size_t)strips * sizeof *keep);
    int low = g->in_h;
    for (int k = strips - 1; keep && k >= 0; k--) {
        int y0 = k * strip_rows, lo, hi;
        int y1 = y0 + strip_rows < g->out_h ? y0 + strip_rows : g->out_h;
        convtool_conv2d_rows_needed(g, y0, y1, &lo, &hi);
        if (hi > lo && lo < low)
            low = lo; /* a strip of zero padding only reads nothing */
        keep[k] = low;
    }
    return keep;
}

/*
 * The most rows the window holds at once (the window of strip k is [keep_k,
 * the highest row read so far)), or −1 when that is most of the image (no
 * longer met: circular padding runs over its wrapped rows, apply_stream_rows.c).
 */
static int window_rows(const struct strip_run *r, int strips)
{
    int most = 0, whi = 0;
    for (int k = 0; k < strips; k++) {
        int y0 = k * r->strip_rows, lo, hi;
        int y1 = y0 + r->strip_rows < r->rg.out_h ? y0 + r->strip_rows : r->rg.out_h;
        convtool_conv2d_rows_needed(&r->rg, y0, y1, &lo, &hi);
        whi = hi > whi ? hi : whi;
        whi = whi < r->keep[k] ? r->keep[k] : whi;
        most = whi - r->keep[k] > most ? whi - r->keep[k] : most;
    }
    int reach = (r->rg.k_h - 1) * r->rg.dilation_y + 1;
    return most > 2 * (r->strip_rows * r->rg.stride_y + reach) ? -1 : most;
}

/* About STRIP_BYTES of output rows; CONVTOOL_STRIP_ROWS=N sets N (tests: strips of 1 row up). */
static int strip_rows_for(const convtool_geometry *g, const struct channel_plan *cp, int depth)
{
    size_t row = (size_t)g->out_w * (size_t)cp->out_channels * (size_t)(depth / 8);
    size_t rows = row ? STRIP_BYTES / row : 1024;
    rows = rows < 8 ? 8 : rows > 1024 ? 1024 : rows;
    const char *env = getenv("CONVTOOL_STRIP_ROWS");
    if (env && atoi(env) > 0)
        rows = (size_t)atoi(env);
    return rows > (size_t)g->out_h ? g->out_h : (int)rows;
}

/* Reads input rows up to `hi` into the window, first dropping those below `lo`. */
static convtool_status slide_window(struct strip_run *r, int lo, int hi)
{
    unsigned char *base = r->window.data;
    if (lo > r->wlo) {
        int keep = r->whi > lo ? r->whi - lo : 0;
        if (keep)
            memmove(base, base + (size_t)(lo - r->wlo) * r->in_row, (size_t)keep * r->in_row);
        r->wlo = lo;
        /* rows no strip reads (a stride past a small kernel) are read and dropped */
        while (r->whi < lo) {
            convtool_status st = stream_rows_read(&r->rows, r->reader, base, 1);
            if (st != CONVTOOL_OK)
                return st;
            r->whi++;
        }
    }
    if (hi > r->whi) {
        unsigned char *to = base + (size_t)(r->whi - r->wlo) * r->in_row;
        convtool_status st = stream_rows_read(&r->rows, r->reader, to, hi - r->whi);
        if (st != CONVTOOL_OK)
            return st;
        r->whi = hi;
    }
    return CONVTOOL_OK;
}

/* Strip k's output rows [*y0, *y1) and its window *win, the rows it reads slid in. */
static convtool_status strip_window(struct strip_run *r, int k, int *y0, int *y1,
                                    convtool_pixels *win)
{
    int lo, hi;
    *y0 = k * r->strip_rows;
    *y1 = *y0 + r->strip_rows < r->rg.out_h ? *y0 + r->strip_rows : r->rg.out_h;
    convtool_conv2d_rows_needed(&r->rg, *y0, *y1, &lo, &hi);
    convtool_status st = hi > lo ? slide_window(r, r->keep[k], hi) : CONVTOOL_OK;
    *win = r->window;
    win->height = r->whi - r->wlo > 0 ? r->whi - r->wlo : 1;
    return st;
}

/*
 * A .npy output's strip: the colours' and alpha's float values, as the float
 * path would compute them on the decoded tensor, each plane's rows written
 * at their place in the file (the planes follow one another there).
 */
/* The strip's float planes (colours, then alpha) in r->fstrip, as the float path has them. */
static convtool_status float_strip(struct strip_run *r, const convtool_pixels *win, int y0,
                                   int y1)
{
    int colors = r->cp.color.channels, rows = y1 - y0;
    size_t plane_rows = (size_t)rows * (size_t)r->g.out_w;
    convtool_tensor strip = {colors, rows, r->g.out_w, r->fstrip.data};
    convtool_status st = convtool_conv2d_pixels_rows_float(
        win, r->wlo, &r->cp.color, &r->pk->k, &r->rg, r->pk->bias, r->job->pool, &strip, y0);
    if (st == CONVTOOL_OK && r->delta.values) {
        convtool_tensor alpha = {1, rows, r->g.out_w, r->fstrip.data + (size_t)colors * plane_rows};
        st = convtool_conv2d_pixels_rows_float(win, r->wlo, &r->alpha, &r->delta, &r->delta_g,
                                               0.0f, r->job->pool, &alpha, y0);
    }
    return st;
}

static convtool_status npy_strip(struct strip_run *r, const convtool_pixels *win, int y0, int y1)
{
    size_t plane_rows = (size_t)(y1 - y0) * (size_t)r->g.out_w;
    convtool_status st = float_strip(r, win, y0, y1);
    for (int c = 0; st == CONVTOOL_OK && c < r->cp.out_channels; c++) {
        convtool_npy_store(r->fstrip.data + (size_t)c * plane_rows, plane_rows, r->stored);
        uint64_t at = r->npy_data + ((uint64_t)c * (uint64_t)r->g.out_h + (uint64_t)y0) *
                                        (uint64_t)r->g.out_w * sizeof(float);
        st = convtool_write_stream_write_at(r->out, at, r->stored, plane_rows * sizeof(float));
        if (st != CONVTOOL_OK)
            r->write_errno = errno;
    }
    return st;
}

static int push_to_file(void *ctx, const unsigned char *bytes, size_t n)
{
    struct strip_run *r = ctx;
    if (convtool_write_stream_write(r->out, bytes, n) == CONVTOOL_OK)
        return 0;
    r->write_errno = errno;
    return -1;
}

/* Where stb's HDR header ends (after its "-Y rows +X width" line, which starts at *y_line); 0 if
 * there is none. */
static size_t hdr_header_end(const convtool_buffer *enc, size_t *y_line)
{
    for (size_t i = 0; i + 4 <= enc->len; i++) {
        if (memcmp(enc->data + i, "\n-Y ", 4) != 0)
            continue;
        const unsigned char *nl = memchr(enc->data + i + 1, '\n', enc->len - i - 1);
        *y_line = i + 1;
        return nl ? (size_t)(nl - enc->data) + 1 : 0;
    }
    return 0;
}

/*
 * An HDR output's strip: the float path's values, mapped as it maps them
 * (the colours; alpha is carried as is), encoded by stb on their own. stb
 * writes scanlines top-down after a header that names the height, so the
 * strip's scanlines are appended and the first strip's header gets the
 * image's height.
 */
static convtool_status hdr_strip(struct strip_run *r, const convtool_pixels *win, int y0, int y1)
{
    int rows = y1 - y0;
    convtool_status st = float_strip(r, win, y0, y1);
    convtool_tensor colors = {r->cp.color.channels, rows, r->g.out_w, r->fstrip.data};
    convtool_tensor all = {r->cp.out_channels, rows, r->g.out_w, r->fstrip.data};
    convtool_save_options so = {.format = CONVTOOL_FORMAT_HDR};
    convtool_buffer enc = {0};
    if (st == CONVTOOL_OK) {
        convtool_map_apply(&colors, r->job->opts->map);
        st = convtool_image_encode(&all, &so, &enc);
    }
    size_t y_line = 0, header = st == CONVTOOL_OK ? hdr_header_end(&enc, &y_line) : 0;
    if (st == CONVTOOL_OK && !header)
        st = CONVTOOL_EINVAL; /* not the layout this code knows */
    if (st == CONVTOOL_OK && y0 == 0) {
        char line[64];
        int n = snprintf(line, sizeof line, "-Y %d +X %d\n", r->g.out_h, r->g.out_w);
        if (push_to_file(r, enc.data, y_line) != 0 ||
            push_to_file(r, (const unsigned char *)line, (size_t)n) != 0)
            st = CONVTOOL_EIO;
    }
    if (st == CONVTOOL_OK && push_to_file(r, enc.data + header, enc.len - header) != 0)
        st = CONVTOOL_EIO;
    convtool_buffer_free(&enc);
    return st;
}

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/*
 * A BMP output's strip. stb's writer stores rows bottom-up, so each strip is
 * encoded on its own (convtool_pixels_encode: the same bytes for these rows,
 * bottom row first) and its rows go to their place counted from the file's
 * end; the file's header is the first strip's with the image's height and
 * size (the only fields stb derives from the height).
 */
static convtool_status bmp_strip(struct strip_run *r, const convtool_pixels *strip, int y0, int y1)
{
    convtool_save_options so = {.format = CONVTOOL_FORMAT_BMP, .depth = 8};
    convtool_buffer enc = {0};
    convtool_status st = convtool_pixels_encode(strip, &so, &enc);
    uint32_t data_at = st == CONVTOOL_OK && enc.len >= 26 ? get_le32(enc.data + 10) : 0;
    if (st == CONVTOOL_OK && (data_at < 26 || data_at > enc.len ||
                              (enc.len - data_at) % (size_t)(y1 - y0) != 0))
        st = CONVTOOL_EINVAL; /* not the layout this code knows */
    uint64_t row = st == CONVTOOL_OK ? (enc.len - data_at) / (size_t)(y1 - y0) : 0;
    if (st == CONVTOOL_OK)
        st = convtool_write_stream_write_at(r->out, data_at + (uint64_t)(r->g.out_h - y1) * row,
                                            enc.data + data_at, enc.len - data_at);
    if (st == CONVTOOL_OK && y0 == 0) {
        put_le32(enc.data + 2, (uint32_t)(data_at + row * (uint64_t)r->g.out_h));
        put_le32(enc.data + 22, (uint32_t)r->g.out_h);
        st = convtool_write_stream_write_at(r->out, 0, enc.data, data_at);
    }
    if (st == CONVTOOL_EIO)
        r->write_errno = errno;
    convtool_buffer_free(&enc);
    return st;
}

/* One strip: its window, the colours (and alpha), into the writer. */
static convtool_status run_strip(struct strip_run *r, int k, convtool_status *read_st)
{
    int y0, y1;
    convtool_pixels win;
    if ((*read_st = strip_window(r, k, &y0, &y1, &win)) != CONVTOOL_OK)
        return *read_st;
    if (r->npy)
        return npy_strip(r, &win, y0, y1);
    if (r->hdr)
        return hdr_strip(r, &win, y0, y1);
    convtool_pixels strip = r->strip;
    strip.height = y1 - y0;
    size_t clipped = 0;
    convtool_status st = convtool_conv2d_pixels_rows(&win, r->wlo, &r->cp.color, &r->pk->k,
                                                     &r->rg, r->pk->bias, r->job->pool, &strip,
                                                     y0, &clipped);
    r->clipped += clipped;
    if (st == CONVTOOL_OK && r->delta.values)
        st = convtool_conv2d_pixels_rows(&win, r->wlo, &r->alpha, &r->delta, &r->delta_g, 0.0f,
                                         r->job->pool, &strip, y0, NULL);
    if (st == CONVTOOL_OK)
        st = r->bmp ? bmp_strip(r, &strip, y0, y1)
                    : convtool_image_writer_rows(r->writer, strip.data, y1 - y0);
    return st;
}

/* One strip of pass 1 for --map normalize: its colours' floats widen the bounds. */
static convtool_status bound_strip(struct strip_run *r, int k)
{
    int y0, y1;
    convtool_pixels win;
    convtool_status st = strip_window(r, k, &y0, &y1, &win);
    if (st == CONVTOOL_OK)
        st = convtool_conv2d_pixels_bounds(&win, r->wlo, &r->cp.color, &r->pk->k, &r->rg,
                                           r->pk->bias, r->job->pool, y0, y1, r->bounds);
    return st;
}

/* A failed write of the output: its temp removed, the reason and any leftover named. */
static int write_failed(struct strip_run *r)
{
    convtool_write_detail detail;
    convtool_write_stream_abort(r->out, &detail);
    r->out = NULL;
    apply_explain_write_failure(r->job->outputs[0].path, &detail, r->write_errno);
    return EXIT_RUNTIME;
}

int apply_stream_output_ok(const char *path)
{
    struct stat st;
    if (strcmp(path, "-") == 0)
        return 0;
    return stat(path, &st) != 0 ? errno == ENOENT : S_ISREG(st.st_mode);
}

/*
 * The strips, their windows and the method, decided before anything is
 * opened or printed: APPLY_STREAM_FALLBACK (silent) for what must go whole.
 */
static int plan_run(struct strip_run *r, int out_depth)
{
    const struct apply_job *job = r->job;
    if (!stream_rows_geometry(&r->g, &r->rg))
        return APPLY_STREAM_FALLBACK; /* circular padding that wraps most of the image */
    r->strip_rows = strip_rows_for(&r->rg, &r->cp, out_depth);
    int strips = (r->rg.out_h + r->strip_rows - 1) / r->strip_rows;
    if (!(r->keep = plan_keep(&r->rg, r->strip_rows, strips)))
        return cli_report(job->input, CONVTOOL_ENOMEM);
    r->window_rows = window_rows(r, strips);
    int channels = r->cp.color.channels;
    if (r->window_rows < 0 || !apply_stream_output_ok(job->outputs[0].path) ||
        !convtool_conv2d_rows_streamable(&r->pk->k, &r->g, channels, job->pool) ||
        !convtool_conv2d_rows_streamable(&r->pk->k, &r->rg, channels, job->pool))
        return APPLY_STREAM_FALLBACK;
    /* a BMP's header holds its size in 32 bits (stb's rows: 3 bytes a pixel padded to 4, or 4) */
    uint64_t bmp_row = r->cp.out_channels == 4 ? 4 * (uint64_t)r->g.out_w
                                              : (3 * (uint64_t)r->g.out_w + 3) / 4 * 4;
    if (job->outputs[0].format == CONVTOOL_FORMAT_BMP &&
        bmp_row * (uint64_t)r->g.out_h > UINT32_MAX - 1024)
        return APPLY_STREAM_FALLBACK;
    /* the strips, after a pass for the wrapped rows and one for normalize's bounds */
    r->passes = 1 + (r->g.mode == CONVTOOL_PAD_CIRCULAR && r->rg.in_h != r->g.in_h &&
                     r->g.pad_top > 0) +
                (r->cp.color.map == CONVTOOL_MAP_NORMALIZE);
    return EXIT_OK;
}

/*
 * The decoder: APPLY_STREAM_FALLBACK (silent) for a file the strip decoders
 * leave to the whole path, or one too big for a streamed worker (a large
 * progressive JPEG's coefficients).
 */
static int open_reader(struct strip_run *r, const struct stream_input *in,
                       const convtool_image_info *info)
{
    convtool_load_options lo = apply_load_options(r->job->opts);
    convtool_status st = convtool_image_reader_open(in->fd, in->len, info, &lo, &r->reader);
    if (st == CONVTOOL_EUNSUPPORTED || st == CONVTOOL_ENOMEM)
        return APPLY_STREAM_FALLBACK;
    if (st != CONVTOOL_OK)
        return cli_report(r->job->input, st);
    convtool_image_reader_shape(r->reader, &r->in_w, &r->in_h, &r->in_c, &r->depth);
    r->in_row = (size_t)r->in_w * (size_t)r->in_c * (size_t)(r->depth / 8);
    return EXIT_OK;
}

/* The window and the wrapped rows' room. */
static int alloc_rows(struct strip_run *r)
{
    if (stream_rows_init(&r->rows, &r->g, r->in_row) != CONVTOOL_OK ||
        convtool_pixels_alloc(&r->window, r->in_w, r->window_rows > 0 ? r->window_rows : 1,
                              r->in_c, r->depth) != CONVTOOL_OK)
        return cli_report(r->job->input, CONVTOOL_ENOMEM);
    return EXIT_OK;
}

/* The next pass reads the file from its start, through a new decoder. */
static int next_pass(struct strip_run *r, const struct stream_input *in,
                     const convtool_image_info *info)
{
    convtool_image_reader_close(r->reader);
    r->reader = NULL;
    r->wlo = r->whi = 0;
    stream_rows_restart(&r->rows);
    r->pass++;
    return open_reader(r, in, info);
}

/* Progress over every pass: each is an equal share of the output's rows. */
static void pass_progress(struct strip_run *r, size_t done, size_t of)
{
    double rows = (double)r->g.out_h;
    double at = ((double)r->pass + (double)done / (double)of) * rows / (double)r->passes;
    progress_rows_done(r->progress, (size_t)(at + 0.5) < (size_t)rows ? (size_t)(at + 0.5)
                                                                      : (size_t)rows);
}

static void saved_rows_progress(void *ctx, int rows)
{
    struct strip_run *r = ctx;
    pass_progress(r, (size_t)rows, (size_t)r->in_h);
}

/* A first pass's verdict: a damaged file fails here, before any output exists. */
static int pass_verdict(struct strip_run *r, convtool_status st)
{
    if (st == CONVTOOL_EUNSUPPORTED)
        return APPLY_STREAM_FALLBACK; /* a chunk after the data that stb must judge */
    return st == CONVTOOL_OK ? EXIT_OK : cli_report(r->job->input, st);
}

/* Pass 1 for circular padding: decodes through the file, keeping its last rows. */
static int save_wrapped_rows(struct strip_run *r, const struct stream_input *in,
                             const convtool_image_info *info)
{
    int rc = pass_verdict(r, stream_rows_save_top(&r->rows, r->reader, saved_rows_progress, r));
    return rc == EXIT_OK ? next_pass(r, in, info) : rc;
}

/* Pass 1 for --map normalize: every strip's colours for each channel's min and max. */
static int find_bounds(struct strip_run *r, const struct stream_input *in,
                       const convtool_image_info *info)
{
    for (int c = 0; c < r->cp.color.channels; c++)
        r->bounds[2 * c] = INFINITY, r->bounds[2 * c + 1] = -INFINITY;
    convtool_status st = CONVTOOL_OK;
    for (int k = 0; k * r->strip_rows < r->rg.out_h && st == CONVTOOL_OK; k++) {
        st = bound_strip(r, k);
        int done = (k + 1) * r->strip_rows;
        pass_progress(r, (size_t)(done < r->rg.out_h ? done : r->rg.out_h), (size_t)r->rg.out_h);
    }
    if (st == CONVTOOL_OK)
        st = slide_window(r, r->rg.in_h, r->rg.in_h); /* the rest, unread */
    if (st == CONVTOOL_OK)
        st = convtool_image_reader_finish(r->reader);
    int rc = pass_verdict(r, st);
    r->cp.color.bounds = r->bounds;
    return rc == EXIT_OK ? next_pass(r, in, info) : rc;
}

/* A .npy output: its float strip and store buffers, and the header the whole path writes. */
static int open_npy_output(struct strip_run *r)
{
    const struct apply_job *job = r->job;
    const struct output_file *out = &job->outputs[0];
    size_t plane_rows = (size_t)r->strip_rows * (size_t)r->g.out_w;
    if (convtool_tensor_alloc(&r->fstrip, r->cp.out_channels, r->strip_rows, r->g.out_w) !=
            CONVTOOL_OK ||
        !(r->stored = malloc(plane_rows * sizeof(float))))
        return cli_report(job->input, CONVTOOL_ENOMEM);
    convtool_buffer header = {0};
    convtool_status st = convtool_npy_header(r->cp.out_channels, r->g.out_h, r->g.out_w, 3, 0,
                                             &header);
    if (st == CONVTOOL_OK)
        r->npy_data = header.len;
    if (st == CONVTOOL_OK && push_to_file(r, header.data, header.len) != 0) {
        convtool_buffer_free(&header);
        return write_failed(r);
    }
    convtool_buffer_free(&header);
    if (st != CONVTOOL_OK)
        return cli_report(out->path, st);
    apply_meta_note_output(job, out, r->cp.out_channels);
    save_choice_tell(job, job->choice, out, r->cp.out_channels);
    return EXIT_OK;
}

/* An HDR output: its float strip; the notes the whole path prints. */
static int open_hdr_output(struct strip_run *r)
{
    const struct apply_job *job = r->job;
    const struct output_file *out = &job->outputs[0];
    if (convtool_tensor_alloc(&r->fstrip, r->cp.out_channels, r->strip_rows, r->g.out_w) !=
        CONVTOOL_OK)
        return cli_report(job->input, CONVTOOL_ENOMEM);
    apply_meta_note_output(job, out, r->cp.out_channels);
    save_choice_tell(job, job->choice, out, r->cp.out_channels);
    return EXIT_OK;
}

/* The strip buffer, the output's temp file and its encoder; the notes -v prints. */
static int open_output(struct strip_run *r, const convtool_save_options *so, int out_depth)
{
    const struct apply_job *job = r->job;
    const struct output_file *out = &job->outputs[0];
    if (r->npy || r->bmp || r->hdr) {
        convtool_write_detail detail;
        if (convtool_write_stream_open(out->path, &r->out, &detail) != CONVTOOL_OK) {
            apply_explain_write_failure(out->path, &detail, errno);
            return EXIT_RUNTIME;
        }
        if (r->npy)
            return open_npy_output(r);
        if (r->hdr)
            return open_hdr_output(r);
    }
    if (convtool_pixels_alloc(&r->strip, r->g.out_w, r->strip_rows, r->cp.out_channels,
                              out_depth) != CONVTOOL_OK)
        return cli_report(job->input, CONVTOOL_ENOMEM);
    if (r->bmp) {
        save_choice_tell(job, job->choice, out, r->cp.out_channels);
        apply_meta_note_output(job, out, r->cp.out_channels);
        return EXIT_OK;
    }
    convtool_write_detail detail;
    convtool_status st = convtool_write_stream_open(out->path, &r->out, &detail);
    if (st != CONVTOOL_OK) {
        apply_explain_write_failure(out->path, &detail, errno);
        return EXIT_RUNTIME;
    }
    st = convtool_image_writer_open(r->g.out_w, r->g.out_h, r->cp.out_channels, out_depth, so,
                                    push_to_file, r, &r->writer);
    if (st != CONVTOOL_OK && r->write_errno)
        return write_failed(r);
    if (st != CONVTOOL_OK)
        return cli_report(out->path, st);
    save_choice_tell(job, job->choice, out, r->cp.out_channels);
    apply_meta_note_output(job, out, r->cp.out_channels);
    return EXIT_OK;
}

/* Every strip; then the rows no output reads, and the verdicts of both ends. */
static int run_strips(struct strip_run *r)
{
    const char *out_path = r->job->outputs[0].path;
    convtool_status read_st = CONVTOOL_OK, st = CONVTOOL_OK;
    for (int k = 0; k * r->strip_rows < r->rg.out_h && st == CONVTOOL_OK; k++) {
        st = run_strip(r, k, &read_st);
        int done = (k + 1) * r->strip_rows;
        pass_progress(r, (size_t)(done < r->rg.out_h ? done : r->rg.out_h), (size_t)r->rg.out_h);
    }
    if (st == CONVTOOL_OK)
        st = read_st = slide_window(r, r->rg.in_h, r->rg.in_h); /* the rest, unread */
    if (st == CONVTOOL_OK)
        st = read_st = convtool_image_reader_finish(r->reader);
    if (read_st == CONVTOOL_EUNSUPPORTED)
        return APPLY_STREAM_FALLBACK; /* a chunk after the data that stb must judge */
    if (read_st != CONVTOOL_OK)
        return cli_report(r->job->input, read_st);
    if (st == CONVTOOL_OK && !r->npy && !r->bmp && !r->hdr)
        st = convtool_image_writer_finish(r->writer);
    if (st != CONVTOOL_OK && r->write_errno)
        return write_failed(r);
    if (st != CONVTOOL_OK)
        return cli_report(out_path, st);
    convtool_write_detail detail;
    st = convtool_write_stream_commit(r->out, &detail);
    r->out = NULL;
    if (st != CONVTOOL_OK) {
        apply_explain_write_failure(out_path, &detail, errno);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

static void close_run(struct strip_run *r)
{
    progress_finish(r->progress);
    convtool_image_writer_close(r->writer);
    convtool_write_stream_abort(r->out, NULL); /* nothing is left of a run that failed */
    convtool_image_reader_close(r->reader);
    convtool_pixels_free(&r->window);
    convtool_pixels_free(&r->strip);
    convtool_tensor_free(&r->fstrip);
    free(r->stored);
    convtool_kernel_free(&r->delta);
    stream_rows_free(&r->rows);
    free(r->keep);
}

struct progress *apply_stream_progress(const struct apply_job *job, size_t rows)
{
    enum progress_mode mode = job->opts->batch.progress;
    int tty = isatty(STDERR_FILENO);
    if (job->opts->output_dir || cli_quiet) /* a batch shows its own line, in files */
        return NULL;
    if (mode == PROGRESS_OFF || (mode == PROGRESS_AUTO && (!tty || rows < PROGRESS_MIN_ROWS)))
        return NULL;
    return progress_start_rows(rows, tty, job->input);
}

/*
 * The passes before the strips that write: circular padding's wrapped rows,
 * --map normalize's bounds. A damaged file fails in them, before any output
 * is opened; a fallback found there is still silent (nothing printed yet).
 */
static int first_passes(struct strip_run *r, const struct stream_input *in,
                        const convtool_image_info *info)
{
    int rc = EXIT_OK;
    if (stream_rows_wrap_top(&r->rows))
        rc = save_wrapped_rows(r, in, info);
    if (rc == EXIT_OK && r->cp.color.map == CONVTOOL_MAP_NORMALIZE)
        rc = find_bounds(r, in, info);
    return rc;
}

int apply_run_stream(const struct apply_job *job, const struct stream_input *in,
                     const convtool_image_info *info)
{
    struct strip_run r;
    memset(&r, 0, sizeof r);
    r.job = job, r.pk = &job->kernels[0];
    r.cp = apply_plan_channels(job->opts, info->channels);
    r.npy = job->outputs[0].format == CONVTOOL_FORMAT_NPY;
    r.bmp = job->outputs[0].format == CONVTOOL_FORMAT_BMP;
    r.hdr = job->outputs[0].format == CONVTOOL_FORMAT_HDR;
    if (r.npy) /* .npy keeps the float values: no map, no bounds pass */
        r.cp.color.map = CONVTOOL_MAP_CLAMP;
    convtool_save_options so = save_choice_options(job, job->choice, &job->outputs[0]);
    so.metadata = job->metadata;
    int out_depth = r.npy || r.hdr ? 32 : so.depth == 16 ? 16 : 8; /* bits a sample */
    /* Nothing is printed before the last point a fallback is known (but a late one, rare:
     * a chunk after the image data that stb must judge). */
    int rc = convtool_geometry_resolve(&job->opts->geometry, info->height, info->width,
                                       r.pk->k.h, r.pk->k.w, &r.g) == CONVTOOL_OK
                 ? plan_run(&r, out_depth)
                 : APPLY_STREAM_FALLBACK; /* the whole path explains the geometry */
    if (rc == EXIT_OK)
        rc = open_reader(&r, in, info);
    if (rc == EXIT_OK)
        rc = alloc_rows(&r);
    if (rc == EXIT_OK) /* silent but for its errors (--torch's circular padding): before pass 1 */
        rc = apply_geometry(job, r.pk, info->height, info->width, &r.g);
    if (rc == EXIT_OK) {
        r.progress = apply_stream_progress(job, (size_t)r.g.out_h);
        rc = first_passes(&r, in, info);
    }
    if (rc == EXIT_OK)
        rc = apply_method(job, r.pk, &r.g, r.cp.color.channels);
    if (rc == EXIT_OK && r.cp.keep_alpha) {
        r.alpha = apply_alpha_pass(&r.cp, info->channels);
        r.delta_g = r.rg;
        r.delta_g.method = CONVTOOL_METHOD_DIRECT; /* one tap: exact, whatever the colours use */
        if (apply_delta_kernel(&r.g, &r.delta) != CONVTOOL_OK)
            rc = cli_report(job->input, CONVTOOL_ENOMEM);
    }
    if (rc == EXIT_OK)
        rc = open_output(&r, &so, out_depth);
    if (rc == EXIT_OK)
        rc = run_strips(&r);
    if (rc == EXIT_OK && !r.npy && !r.hdr)
        apply_warn_clipped(job->outputs[0].path, r.clipped,
                           (size_t)r.g.out_w * (size_t)r.g.out_h * (size_t)r.cp.color.channels,
                           convtool_kernel_sum(&r.pk->k), 0);
    close_run(&r);
    return rc;
}
