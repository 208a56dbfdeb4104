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
 * under APPLY_STREAM_MIN_BYTES, a picture to turn upright, a kernel for the FFT tiles,
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
 * normalize) takes 1.6 to 36 times the memory from APPLY_STREAM_MIN_BYTES to
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
#include "apply/apply_stream_run.h"
#include "apply/batch.h"
#include "apply/save_choice.h"
#include "common/messages.h"

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
    return samples >= APPLY_STREAM_MIN_BYTES;
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
               (apply_stream_setting() == 2 || pixel_bytes(info) >= APPLY_STREAM_MIN_BYTES) &&
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
    return apply_stream_window_fits(most, &r->rg, r->strip_rows) ? most : -1;
}

/* The strip height for an output of this geometry, channels and bits a sample. */
static int strip_rows_for(const convtool_geometry *g, const struct channel_plan *cp, int depth)
{
    size_t row = (size_t)g->out_w * (size_t)cp->out_channels * (size_t)(depth / 8);
    return apply_stream_strip_rows(row, g->out_h);
}

int apply_stream_strip_rows(size_t row_bytes, int out_h)
{
    size_t rows = row_bytes ? STRIP_BYTES / row_bytes : 1024;
    rows = rows < 8 ? 8 : rows > 1024 ? 1024 : rows;
    const char *env = getenv("CONVTOOL_STRIP_ROWS");
    if (env && atoi(env) > 0)
        rows = (size_t)atoi(env);
    return rows > (size_t)out_h ? out_h : (int)rows;
}

int apply_stream_window_fits(int rows, const convtool_geometry *g, int strip_rows)
{
    int reach = (g->k_h - 1) * g->dilation_y + 1;
    return rows <= 2 * (strip_rows * g->stride_y + reach);
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
/* One strip: its window, then the output's strip (apply_stream_out.c). */
static convtool_status run_strip(struct strip_run *r, int k, convtool_status *read_st)
{
    int y0, y1;
    convtool_pixels win;
    if ((*read_st = strip_window(r, k, &y0, &y1, &win)) != CONVTOOL_OK)
        return *read_st;
    return stream_out_strip(r, &win, y0, y1);
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
    if (st == CONVTOOL_OK)
        st = stream_out_finish(r);
    if (st != CONVTOOL_OK && r->write_errno)
        return stream_out_write_failed(r);
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
    stream_out_close(r); /* nothing is left of a run that failed */
    convtool_image_reader_close(r->reader);
    convtool_pixels_free(&r->window);
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
 * is opened; a fallback found there prints nothing of its own (but a
 * progress line, when one is shown, has counted the pass: a PNG with a chunk
 * after its data that stb must judge, rare, gets that line and then the
 * whole path's verdict).
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
        rc = stream_out_open(&r, &so, out_depth);
    if (rc == EXIT_OK)
        rc = run_strips(&r);
    if (rc == EXIT_OK && !r.npy && !r.hdr)
        apply_warn_clipped(job->outputs[0].path, r.clipped,
                           (size_t)r.g.out_w * (size_t)r.g.out_h * (size_t)r.cp.color.channels,
                           convtool_kernel_sum(&r.pk->k), 0);
    close_run(&r);
    return rc;
}
