/*
 * convtool_image_reader (convtool.h): a PNG or JPEG decoded strip by strip.
 * The file is read in pieces (pread) and never held whole; the decoder is a
 * pull API (png_stream_read.h, jpeg_scan.h) that hands out rows as they are
 * asked for (a progressive JPEG's coefficients excepted: libjpeg keeps them
 * whole). Contained (the default), it runs as a streamed job in this
 * thread's sandbox worker (sandbox_worker.h): the file's bytes go down the
 * request pipe as the worker asks for them and the rows come back in pieces,
 * each after a status word, so a damaged row is told in its place. With
 * --no-sandbox the same decoder runs here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/jpeg_scan.h"
#include "codec/png_stream_read.h"
#include "image/decode_contained.h"
#include "image/row_prefetch.h"
#include "sandbox/decode_sandbox.h"
#include "sandbox/sandbox_worker.h"

/* The worker sends rows in pieces of about this many bytes (at least one row). */
#define PIECE_BYTES ((size_t)256 << 10)
/* The worker's address space beyond its pieces: code, stack, ISA-L's and libjpeg's state. */
#define STREAM_MEMORY ((uint64_t)256 << 20)

/* ------------------------------------------------------------ decoders */

/* One streaming decoder of either format (called in the worker or here). */
struct row_decoder {
    struct png_stream *png;
    struct jpeg_scan_reader *jpeg;
};

static convtool_status decoder_open(struct row_decoder *d, const convtool_image_info *info,
                                    byte_pull_fn pull, void *ctx, int shape[4])
{
    memset(d, 0, sizeof *d);
    convtool_status st = CONVTOOL_EUNSUPPORTED;
    if (info->format == CONVTOOL_FORMAT_PNG) {
        st = png_stream_open(pull, ctx, info, &d->png);
        if (st == CONVTOOL_OK)
            png_stream_shape(d->png, &shape[0], &shape[1], &shape[2], &shape[3]);
    } else if (info->format == CONVTOOL_FORMAT_JPEG) {
        st = jpeg_scan_open(pull, ctx, &d->jpeg, &shape[0], &shape[1], &shape[2]);
        shape[3] = 8;
    }
    return st;
}

static convtool_status decoder_rows(struct row_decoder *d, void *dst, int rows)
{
    if (rows == 0)
        return CONVTOOL_OK;
    return d->png ? png_stream_rows(d->png, dst, rows) : jpeg_scan_read(d->jpeg, dst, rows);
}

static convtool_status decoder_finish(struct row_decoder *d)
{
    return d->png ? png_stream_finish(d->png) : jpeg_scan_finish(d->jpeg);
}

static void decoder_close(struct row_decoder *d)
{
    png_stream_close(d->png);
    jpeg_scan_close(d->jpeg);
    d->png = NULL, d->jpeg = NULL;
}

static size_t row_bytes_of(const int shape[4])
{
    return (size_t)shape[0] * (size_t)shape[2] * (size_t)(shape[3] / 8);
}

static int piece_rows_of(const int shape[4])
{
    size_t row = row_bytes_of(shape);
    size_t rows = row ? PIECE_BYTES / row : 1;
    if (rows < 1)
        rows = 1;
    return rows > (size_t)shape[1] ? shape[1] : (int)rows;
}

/* ----------------------------------------------------- the worker's job */

struct stream_params {
    convtool_image_info info;
};

struct stream_reply {
    int status;
    int shape[4]; /* width, height, channels, depth */
};

static ssize_t pull_from_parent(void *ctx, unsigned char *dst, size_t n)
{
    return (ssize_t)sandbox_in_read(ctx, dst, n);
}

/* Sends a piece: its status word, then (when OK) its rows. */
static void send_piece(struct sandbox_out *out, int status, const void *rows, size_t bytes)
{
    int32_t word = status;
    sandbox_out_data_copy(out, &word, sizeof word);
    if (status == CONVTOOL_OK)
        sandbox_out_data_copy(out, rows, bytes);
}

/*
 * In the worker: opens the decoder, replies with its shape, then sends every
 * row in pieces, and last a piece of no rows with the verdict on the rest of
 * the file. A failure is sent in place of the piece and ends the job.
 */
static void stream_in_worker(const void *params, const unsigned char *input, size_t input_len,
                             struct sandbox_out *out)
{
    const struct stream_params *p = params;
    struct stream_reply reply = {CONVTOOL_OK, {0, 0, 0, 0}};
    struct row_decoder d;
    (void)input, (void)input_len;
    reply.status = decoder_open(&d, &p->info, pull_from_parent, out, reply.shape);
    sandbox_out_reply(out, &reply, sizeof reply);
    if (reply.status != CONVTOOL_OK) {
        sandbox_out_retire(out);
        return;
    }
    int piece = piece_rows_of(reply.shape);
    size_t row = row_bytes_of(reply.shape);
    unsigned char *buf = malloc((size_t)piece * row);
    convtool_status st = buf ? CONVTOOL_OK : CONVTOOL_ENOMEM;
    for (int y = 0; st == CONVTOOL_OK && y < reply.shape[1]; y += piece) {
        int n = reply.shape[1] - y < piece ? reply.shape[1] - y : piece;
        st = decoder_rows(&d, buf, n);
        send_piece(out, st, buf, (size_t)n * row);
    }
    if (st == CONVTOOL_OK) {
        st = decoder_finish(&d);
        send_piece(out, st, NULL, 0);
    } else if (!buf) {
        send_piece(out, st, NULL, 0);
    }
    free(buf);
    decoder_close(&d);
    if (st != CONVTOOL_OK)
        sandbox_out_retire(out);
}

/* ------------------------------------------------------------ the reader */

struct convtool_image_reader {
    int fd;
    uint64_t len, at; /* the file's bytes, and how many were read */
    int shape[4];
    size_t row_bytes;
    int rows_done;
    int piece_rows;
    struct sandbox_stream *stream; /* contained: the worker's rows, read ahead by prefetch */
    struct row_prefetch *prefetch;
    struct row_decoder here;
    convtool_status failed;
};

static ssize_t pull_file(void *ctx, unsigned char *dst, size_t n)
{
    convtool_image_reader *r = ctx;
    if (n > r->len - r->at)
        n = (size_t)(r->len - r->at);
    if (n == 0)
        return 0;
    for (;;) {
        ssize_t got = pread(r->fd, dst, n, (off_t)r->at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        r->at += (uint64_t)got;
        return got;
    }
}

static convtool_status open_contained(convtool_image_reader *r, const convtool_image_info *info)
{
    struct stream_params params;
    memset(&params, 0, sizeof params);
    params.info = *info;
    struct stream_reply reply;
    struct sandbox_limits lim;
    decode_sandbox_limits(info, STREAM_MEMORY, &lim);
    struct sandbox_job job = {stream_in_worker, &params, sizeof params, NULL, r->len,
                              &reply, sizeof reply, NULL, 0, 0};
    convtool_status st = sandbox_stream_open(&job, pull_file, r, &lim, &r->stream);
    if (st == CONVTOOL_OK && reply.status != CONVTOOL_OK) {
        st = (convtool_status)reply.status;
        (void)sandbox_stream_close(r->stream, 0);
        r->stream = NULL;
    }
    if (st == CONVTOOL_OK)
        memcpy(r->shape, reply.shape, sizeof r->shape);
    return st;
}

static int shape_agrees(const int shape[4], const convtool_image_info *info)
{
    return shape[0] == info->width && shape[1] == info->height && shape[2] == info->channels &&
           shape[3] == info->bit_depth;
}

convtool_status convtool_image_reader_open(int fd, uint64_t len, const convtool_image_info *info,
                                           const convtool_load_options *opts,
                                           convtool_image_reader **out)
{
    *out = NULL;
    if (info->format != CONVTOOL_FORMAT_PNG &&
        !(info->format == CONVTOOL_FORMAT_JPEG && jpeg_scan_available()))
        return CONVTOOL_EUNSUPPORTED;
    if (info->orientation > 1 && !(opts && opts->no_autorotate))
        return CONVTOOL_EUNSUPPORTED; /* turning the picture upright needs it whole */
    convtool_image_reader *r = calloc(1, sizeof *r);
    if (!r)
        return CONVTOOL_ENOMEM;
    r->fd = fd, r->len = len;
    convtool_status st = sandbox_wanted(opts)
                             ? open_contained(r, info)
                             : decoder_open(&r->here, info, pull_file, r, r->shape);
    if (st == CONVTOOL_OK && !shape_agrees(r->shape, info))
        st = r->stream ? CONVTOOL_EHOSTILE : CONVTOOL_ECORRUPT; /* not what the probe promised */
    if (st != CONVTOOL_OK) {
        convtool_image_reader_close(r);
        return st;
    }
    r->row_bytes = row_bytes_of(r->shape);
    r->piece_rows = piece_rows_of(r->shape);
    if (r->stream && (st = row_prefetch_start(r->stream, r->shape[1], r->piece_rows, r->row_bytes,
                                              &r->prefetch)) != CONVTOOL_OK) {
        convtool_image_reader_close(r);
        return st;
    }
    *out = r;
    return CONVTOOL_OK;
}

void convtool_image_reader_shape(const convtool_image_reader *r, int *w, int *h, int *channels,
                                 int *depth)
{
    *w = r->shape[0], *h = r->shape[1], *channels = r->shape[2], *depth = r->shape[3];
}

convtool_status convtool_image_reader_rows(convtool_image_reader *r, void *dst, int rows)
{
    if (r->failed)
        return r->failed;
    if (rows < 0 || rows > r->shape[1] - r->rows_done)
        return CONVTOOL_EINVAL;
    convtool_status st;
    st = r->prefetch ? row_prefetch_rows(r->prefetch, dst, rows)
                     : decoder_rows(&r->here, dst, rows);
    if (st == CONVTOOL_OK)
        r->rows_done += rows;
    if (st == CONVTOOL_EIO && r->stream)
        errno = sandbox_stream_errno(r->stream); /* the read-ahead thread's, for the message */
    r->failed = st;
    return st;
}

convtool_status convtool_image_reader_finish(convtool_image_reader *r)
{
    convtool_status st = r->failed;
    if (st == CONVTOOL_OK && r->rows_done != r->shape[1])
        st = CONVTOOL_EINVAL;
    if (st == CONVTOOL_OK && r->stream) {
        st = row_prefetch_verdict(r->prefetch); /* the verdict on the rest of the file */
        int err = sandbox_stream_errno(r->stream);
        row_prefetch_stop(r->prefetch, st == CONVTOOL_OK);
        r->prefetch = NULL;
        convtool_status closed = sandbox_stream_close(r->stream, st == CONVTOOL_OK);
        r->stream = NULL;
        st = st != CONVTOOL_OK ? st : closed;
        if (st == CONVTOOL_EIO)
            errno = err; /* the read-ahead thread's, for the message */
    } else if (st == CONVTOOL_OK) {
        st = decoder_finish(&r->here);
    }
    r->failed = st != CONVTOOL_OK ? st : CONVTOOL_EINVAL; /* finished: no more rows */
    return st;
}

void convtool_image_reader_close(convtool_image_reader *r)
{
    if (!r)
        return;
    row_prefetch_stop(r->prefetch, 0);
    if (r->stream)
        (void)sandbox_stream_close(r->stream, 0);
    decoder_close(&r->here);
    free(r);
}
