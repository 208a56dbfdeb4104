/*
 * JPEG encoding a strip at a time through libjpeg's scanline API (see
 * jpeg_scan.h), set up as tjCompress2 of libjpeg-turbo 2.1 sets it up for
 * jpeg_turbo_encode (setCompDefaults in turbojpeg.c): the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/jpeg_scan.h"

#ifdef CONVTOOL_WITH_JPEGLIB

#include "codec/jpeg_scan_error.h"

/* libjpeg's output: one buffer, emptied through the caller's push callback. */
struct push_dest {
    struct jpeg_destination_mgr pub;
    byte_push_fn push;
    void *ctx;
    unsigned char *buffer;
};

struct jpeg_scan_writer {
    struct jpeg_compress_struct cinfo;
    struct jpeg_scan_error err;
    struct push_dest dest;
    int comp;
    unsigned char *gray;    /* comp 2: one row's gray samples, the alpha left out */
    int created;            /* jpeg_create_compress succeeded: destroy on close */
    convtool_status failed; /* OK, or what every call answers after an error */
};

/* Rows handed to libjpeg per call (row pointers on the stack). */
#define ROWS_AT_ONCE 16

/* TurboJPEG's MCU sizes of TJSAMP_444, 422, 420 and GRAY (turbojpeg.h). */
enum { SAMP_444, SAMP_422, SAMP_420, SAMP_GRAY };
static const int mcu_width[4] = {8, 16, 16, 8};
static const int mcu_height[4] = {8, 8, 16, 8};

/* TurboJPEG's sampling for jpeg_turbo_encode's arguments (its tj_subsamp); -1 for none. */
static int turbo_sampling(int comp, convtool_jpeg_sampling sampling)
{
    if (comp <= 2)
        return SAMP_GRAY;
    switch (sampling) {
    case CONVTOOL_SAMPLING_444: return SAMP_444;
    case CONVTOOL_SAMPLING_422: return SAMP_422;
    case CONVTOOL_SAMPLING_420: return SAMP_420;
    default: return -1;
    }
}

static void init_destination(j_compress_ptr cinfo)
{
    struct push_dest *d = (struct push_dest *)cinfo->dest;
    d->pub.next_output_byte = d->buffer;
    d->pub.free_in_buffer = JPEG_SCAN_BUFFER;
}

/* libjpeg calls this with the buffer full: all of it goes out. */
static boolean empty_output(j_compress_ptr cinfo)
{
    struct push_dest *d = (struct push_dest *)cinfo->dest;
    if (d->push(d->ctx, d->buffer, JPEG_SCAN_BUFFER) != 0)
        jpeg_scan_error_raise((j_common_ptr)cinfo, CONVTOOL_EIO);
    init_destination(cinfo);
    return TRUE;
}

/* At jpeg_finish_compress: what is left in the buffer. */
static void term_destination(j_compress_ptr cinfo)
{
    struct push_dest *d = (struct push_dest *)cinfo->dest;
    size_t n = JPEG_SCAN_BUFFER - d->pub.free_in_buffer;
    if (n > 0 && d->push(d->ctx, d->buffer, n) != 0)
        jpeg_scan_error_raise((j_common_ptr)cinfo, CONVTOOL_EIO);
}

/*
 * TurboJPEG's environment variables (read by every tjCompress2, so by
 * jpeg_turbo_encode): set to at most 6 characters, they change the file.
 */
static const char *turbo_env(const char *name)
{
    const char *v = getenv(name);
    return v && strlen(v) < 7 ? v : "";
}

static void turbo_env_coding(j_compress_ptr cinfo)
{
    if (!strcmp(turbo_env("TJ_OPTIMIZE"), "1"))
        cinfo->optimize_coding = TRUE;
    if (!strcmp(turbo_env("TJ_ARITHMETIC"), "1"))
        cinfo->arith_code = TRUE;
    const char *restart = turbo_env("TJ_RESTART");
    int n = -1;
    char unit = 0;
    if (*restart && sscanf(restart, "%d%c", &n, &unit) >= 1 && n >= 0 && n <= 65535) {
        if (unit == 'b' || unit == 'B') { /* n MCU blocks, else n MCU rows */
            cinfo->restart_interval = (unsigned)n;
            cinfo->restart_in_rows = 0;
        } else {
            cinfo->restart_in_rows = n;
        }
    }
}

/* setCompDefaults() of turbojpeg.c for TJPF_GRAY, TJPF_RGB or TJPF_RGBX and no flags. */
static void settings(j_compress_ptr cinfo, int w, int h, int comp, int quality, int samp)
{
    cinfo->image_width = (JDIMENSION)w;
    cinfo->image_height = (JDIMENSION)h;
    cinfo->in_color_space = comp <= 2 ? JCS_GRAYSCALE : comp == 3 ? JCS_EXT_RGB : JCS_EXT_RGBX;
    cinfo->input_components = comp <= 2 ? 1 : comp;
    jpeg_set_defaults(cinfo);
    turbo_env_coding(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    /* TurboJPEG's choice: the fast integer DCT below quality 96 */
    cinfo->dct_method = quality >= 96 ? JDCT_ISLOW : JDCT_FASTEST;
    jpeg_set_colorspace(cinfo, samp == SAMP_GRAY ? JCS_GRAYSCALE : JCS_YCbCr);
    if (!strcmp(turbo_env("TJ_PROGRESSIVE"), "1"))
        jpeg_simple_progression(cinfo);
    /* comp_info has MAX_COMPONENTS entries whatever the colour space */
    cinfo->comp_info[0].h_samp_factor = mcu_width[samp] / 8;
    cinfo->comp_info[0].v_samp_factor = mcu_height[samp] / 8;
    for (int k = 1; k <= 2; k++)
        cinfo->comp_info[k].h_samp_factor = cinfo->comp_info[k].v_samp_factor = 1;
}

/* The error that jumped, kept: the writer answers it from now on. */
static convtool_status fail(struct jpeg_scan_writer *wr)
{
    wr->failed = wr->err.status;
    return wr->failed;
}

/*
 * libjpeg's object, the settings and jpeg_start_compress, which pushes the
 * headers once they fill the buffer. TurboJPEG fails a call with a warning,
 * so a warning stops here at once, with the same status.
 */
static convtool_status start(struct jpeg_scan_writer *wr, int w, int h, int quality, int samp)
{
    jpeg_scan_error_init((j_common_ptr)&wr->cinfo, &wr->err, CONVTOOL_EINVAL);
    wr->err.stop_on_warning = 1;
    if (setjmp(wr->err.jump))
        return fail(wr);
    jpeg_create_compress(&wr->cinfo);
    wr->created = 1;
    wr->dest.pub.init_destination = init_destination;
    wr->dest.pub.empty_output_buffer = empty_output;
    wr->dest.pub.term_destination = term_destination;
    wr->cinfo.dest = &wr->dest.pub;
    settings(&wr->cinfo, w, h, wr->comp, quality, samp);
    jpeg_start_compress(&wr->cinfo, TRUE);
    return CONVTOOL_OK;
}

convtool_status jpeg_scan_writer_open(byte_push_fn push, void *ctx, int w, int h, int comp,
                                      int quality, convtool_jpeg_sampling sampling,
                                      struct jpeg_scan_writer **out)
{
    *out = NULL;
    if (!jpeg_scan_available())
        return CONVTOOL_EUNSUPPORTED;
    int samp = turbo_sampling(comp, sampling);
    if (comp < 1 || comp > 4 || w < 1 || h < 1 || samp < 0 || quality < 0 || quality > 100)
        return CONVTOOL_EINVAL;
    struct jpeg_scan_writer *wr = calloc(1, sizeof *wr);
    if (!wr || !(wr->dest.buffer = malloc(JPEG_SCAN_BUFFER)) ||
        (comp == 2 && !(wr->gray = malloc((size_t)w)))) {
        jpeg_scan_writer_close(wr);
        return CONVTOOL_ENOMEM;
    }
    wr->dest.push = push;
    wr->dest.ctx = ctx;
    wr->comp = comp;
    convtool_status st = start(wr, w, h, quality, samp);
    if (st != CONVTOOL_OK) {
        jpeg_scan_writer_close(wr);
        return st;
    }
    *out = wr;
    return CONVTOOL_OK;
}

/* Gray+alpha has no libjpeg colour space: the gray samples of each row, copied out. */
static void write_gray_alpha(struct jpeg_scan_writer *wr, const unsigned char *rows, int n)
{
    size_t w = wr->cinfo.image_width;
    JSAMPROW row = wr->gray;
    for (int y = 0; y < n; y++) {
        const unsigned char *src = rows + (size_t)y * 2 * w;
        for (size_t x = 0; x < w; x++)
            row[x] = src[2 * x];
        while (jpeg_write_scanlines(&wr->cinfo, &row, 1) == 0)
            ; /* never: only a suspending destination takes no row */
    }
}

static void write_rows(struct jpeg_scan_writer *wr, const unsigned char *rows, int n)
{
    size_t stride = (size_t)wr->cinfo.image_width * (size_t)wr->comp;
    JSAMPROW row[ROWS_AT_ONCE];
    for (int done = 0; done < n;) {
        int k = n - done < ROWS_AT_ONCE ? n - done : ROWS_AT_ONCE;
        /* libjpeg only reads the rows (TurboJPEG casts the const away too) */
        for (int i = 0; i < k; i++)
            row[i] = (JSAMPROW)(rows + (size_t)(done + i) * stride);
        done += (int)jpeg_write_scanlines(&wr->cinfo, row, (JDIMENSION)k);
    }
}

convtool_status jpeg_scan_write(struct jpeg_scan_writer *wr, const unsigned char *rows, int n)
{
    if (wr->failed != CONVTOOL_OK)
        return wr->failed;
    if (n < 1 || (JDIMENSION)n > wr->cinfo.image_height - wr->cinfo.next_scanline)
        return CONVTOOL_EINVAL;
    if (setjmp(wr->err.jump))
        return fail(wr);
    if (wr->comp == 2)
        write_gray_alpha(wr, rows, n);
    else
        write_rows(wr, rows, n);
    return CONVTOOL_OK;
}

convtool_status jpeg_scan_writer_finish(struct jpeg_scan_writer *wr)
{
    if (wr->failed != CONVTOOL_OK)
        return wr->failed;
    if (wr->cinfo.next_scanline < wr->cinfo.image_height)
        return CONVTOOL_EINVAL;
    if (setjmp(wr->err.jump))
        return fail(wr);
    jpeg_finish_compress(&wr->cinfo);
    return CONVTOOL_OK;
}

void jpeg_scan_writer_close(struct jpeg_scan_writer *wr)
{
    if (!wr)
        return;
    if (wr->created)
        jpeg_destroy_compress(&wr->cinfo);
    free(wr->dest.buffer);
    free(wr->gray);
    free(wr);
}

#else /* built without libjpeg: callers take the whole-image path */

convtool_status jpeg_scan_writer_open(byte_push_fn push, void *ctx, int w, int h, int comp,
                                      int quality, convtool_jpeg_sampling sampling,
                                      struct jpeg_scan_writer **out)
{
    (void)push, (void)ctx, (void)w, (void)h, (void)comp, (void)quality, (void)sampling;
    *out = NULL;
    return CONVTOOL_EUNSUPPORTED;
}

convtool_status jpeg_scan_write(struct jpeg_scan_writer *wr, const unsigned char *rows, int n)
{
    (void)wr, (void)rows, (void)n;
    return CONVTOOL_EUNSUPPORTED;
}

convtool_status jpeg_scan_writer_finish(struct jpeg_scan_writer *wr)
{
    (void)wr;
    return CONVTOOL_EUNSUPPORTED;
}

void jpeg_scan_writer_close(struct jpeg_scan_writer *wr)
{
    (void)wr;
}

#endif
