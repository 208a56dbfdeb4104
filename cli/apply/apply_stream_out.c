/*
 * The strip engine's outputs (apply_stream_run.h): a strip of output rows
 * from the window, written as it is made. PNG and JPEG go through the
 * streaming writer (convtool_image_writer_*) into the temp file; BMP and HDR
 * through stb's writers a strip at a time (BMP rows are stored bottom-up, so
 * each strip's go to their place counted from the file's end; HDR scanlines
 * are stored top-down, appended after one header); a .npy's planes get the
 * float path's values (convtool_conv2d_pixels_rows_float), each plane's rows
 * at their offset. Every output's bytes are the whole path's
 * (tests/cli/cases/stream.sh, stream_npy.sh, stream_raw.sh).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply_common.h"
#include "apply/apply_meta.h"
#include "apply/apply_stream_run.h"
#include "apply/save_choice.h"
#include "common/messages.h"

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

/* A failed write of the output: its temp removed, the reason and any leftover named. */
int stream_out_write_failed(struct strip_run *r)
{
    convtool_write_detail detail;
    convtool_write_stream_abort(r->out, &detail);
    r->out = NULL;
    apply_explain_write_failure(r->job->outputs[0].path, &detail, r->write_errno);
    return EXIT_RUNTIME;
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
        return stream_out_write_failed(r);
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
int stream_out_open(struct strip_run *r, const convtool_save_options *so, int out_depth)
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
        return stream_out_write_failed(r);
    if (st != CONVTOOL_OK)
        return cli_report(out->path, st);
    save_choice_tell(job, job->choice, out, r->cp.out_channels);
    apply_meta_note_output(job, out, r->cp.out_channels);
    return EXIT_OK;
}


/* The pixel strip (PNG, JPEG, BMP): the colours, then alpha carried, into the encoder. */
static convtool_status pixel_strip(struct strip_run *r, const convtool_pixels *win, int y0, int y1)
{
    convtool_pixels strip = r->strip;
    strip.height = y1 - y0;
    size_t clipped = 0;
    convtool_status st = convtool_conv2d_pixels_rows(win, r->wlo, &r->cp.color, &r->pk->k,
                                                     &r->rg, r->pk->bias, r->job->pool, &strip,
                                                     y0, &clipped);
    r->clipped += clipped;
    if (st == CONVTOOL_OK && r->delta.values)
        st = convtool_conv2d_pixels_rows(win, r->wlo, &r->alpha, &r->delta, &r->delta_g, 0.0f,
                                         r->job->pool, &strip, y0, NULL);
    if (st == CONVTOOL_OK)
        st = r->bmp ? bmp_strip(r, &strip, y0, y1)
                    : convtool_image_writer_rows(r->writer, strip.data, y1 - y0);
    return st;
}

convtool_status stream_out_strip(struct strip_run *r, const convtool_pixels *win, int y0, int y1)
{
    if (r->npy)
        return npy_strip(r, win, y0, y1);
    if (r->hdr)
        return hdr_strip(r, win, y0, y1);
    return pixel_strip(r, win, y0, y1);
}

convtool_status stream_out_finish(struct strip_run *r)
{
    return r->npy || r->bmp || r->hdr ? CONVTOOL_OK : convtool_image_writer_finish(r->writer);
}

void stream_out_close(struct strip_run *r)
{
    convtool_image_writer_close(r->writer);
    convtool_write_stream_abort(r->out, NULL);
    convtool_pixels_free(&r->strip);
    convtool_tensor_free(&r->fstrip);
    free(r->stored);
}
