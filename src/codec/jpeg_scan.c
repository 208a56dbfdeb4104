/*
 * JPEG decoding a strip at a time through libjpeg's scanline API (see
 * jpeg_scan.h), set up as tjDecompressHeader3 + tjDecompress2 of libjpeg-turbo
 * 2.1 set it up for jpeg_turbo_decode: the same samples, the same verdicts.
 */
#include <stdlib.h>

#include "codec/jpeg_scan.h"
#include "codec/jpeg_turbo.h"

#ifdef CONVTOOL_WITH_JPEGLIB

#include "codec/jpeg_scan_error.h"

/* libjpeg's input: one buffer, refilled through the caller's pull callback. */
struct pull_source {
    struct jpeg_source_mgr pub;
    byte_pull_fn pull;
    void *ctx;
    unsigned char *buffer;
};

struct jpeg_scan_reader {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_scan_error err;
    struct jpeg_progress_mgr progress;
    struct pull_source src;
    int created;            /* jpeg_create_decompress succeeded: destroy on close */
    convtool_status failed; /* OK, or what every call answers after an error */
};

/* Rows handed to libjpeg per call (row pointers on the stack). */
#define ROWS_AT_ONCE 16

int jpeg_scan_available(void)
{
    return jpeg_turbo_active();
}

static void init_source(j_decompress_ptr cinfo)
{
    (void)cinfo;
}

static void term_source(j_decompress_ptr cinfo)
{
    (void)cinfo;
}

/*
 * At the end of the input, what TurboJPEG's memory source does: a warning
 * (an error while decoding, TJFLAG_STOPONWARNING) and a fake end marker.
 */
static boolean fill_input(j_decompress_ptr cinfo)
{
    static const unsigned char fake_eoi[2] = {0xFF, JPEG_EOI};
    struct pull_source *s = (struct pull_source *)cinfo->src;
    ssize_t n = s->pull(s->ctx, s->buffer, JPEG_SCAN_BUFFER);
    if (n < 0 || n > (ssize_t)JPEG_SCAN_BUFFER)
        jpeg_scan_error_raise((j_common_ptr)cinfo, CONVTOOL_EIO);
    if (n == 0) {
        WARNMS(cinfo, JWRN_JPEG_EOF);
        s->pub.next_input_byte = fake_eoi;
        s->pub.bytes_in_buffer = sizeof fake_eoi;
        return TRUE;
    }
    s->pub.next_input_byte = s->buffer;
    s->pub.bytes_in_buffer = (size_t)n;
    return TRUE;
}

/* Skips an uninteresting marker's payload, refilling as often as it takes. */
static void skip_input(j_decompress_ptr cinfo, long n)
{
    struct jpeg_source_mgr *src = cinfo->src;
    if (n <= 0)
        return;
    while ((size_t)n > src->bytes_in_buffer) {
        n -= (long)src->bytes_in_buffer;
        fill_input(cinfo);
    }
    src->next_input_byte += n;
    src->bytes_in_buffer -= (size_t)n;
}

/*
 * The progressive-JPEG bomb the image probe refuses (CONVTOOL_JPEG_MAX_SCANS):
 * libjpeg calls this before each piece of input it absorbs, so a file of
 * endless tiny scans stops at the first scan past the limit.
 */
static void scan_limit(j_common_ptr common)
{
    j_decompress_ptr cinfo = (j_decompress_ptr)common;
    if (cinfo->input_scan_number > CONVTOOL_JPEG_MAX_SCANS)
        jpeg_scan_error_raise(common, cinfo->progressive_mode ? CONVTOOL_ESCANS : CONVTOOL_ECORRUPT);
}

/* The error that jumped, kept: the reader answers it from now on. */
static convtool_status fail(struct jpeg_scan_reader *r)
{
    r->failed = r->err.status;
    return r->failed;
}

static convtool_status create(struct jpeg_scan_reader *r)
{
    jpeg_scan_error_init((j_common_ptr)&r->cinfo, &r->err, CONVTOOL_ECORRUPT);
    if (setjmp(r->err.jump))
        return fail(r); /* ENOMEM, as when tjInitDecompress fails */
    jpeg_create_decompress(&r->cinfo);
    r->created = 1;
    r->src.pub.init_source = init_source;
    r->src.pub.fill_input_buffer = fill_input;
    r->src.pub.skip_input_data = skip_input;
    r->src.pub.resync_to_restart = jpeg_resync_to_restart;
    r->src.pub.term_source = term_source;
    r->cinfo.src = &r->src.pub;
    r->progress.progress_monitor = scan_limit;
    r->cinfo.progress = &r->progress;
    return CONVTOOL_OK;
}

/* TurboJPEG's MCU sizes of TJSAMP_444, 422, 420, GRAY, 440, 411 (turbojpeg.h). */
static const int mcu_width[6] = {8, 16, 16, 8, 8, 32};
static const int mcu_height[6] = {8, 8, 16, 8, 16, 8};
static const int sample_size[6] = {3, 3, 3, 1, 3, 3};
enum { SAMP_444, SAMP_422, SAMP_420, SAMP_GRAY, SAMP_440, SAMP_411, SAMP_COUNT };

/* Whether a component has these sampling factors. */
static int factors_are(const jpeg_component_info *c, int h, int v)
{
    return c->h_samp_factor == h && c->v_samp_factor == v;
}

/*
 * Whether sampling i describes the file, as getSubsamp() of turbojpeg.c
 * (2.1) decides it, the ways it accepts non-standard factors included.
 */
static int sampling_matches(j_decompress_ptr d, int i, int cmyk)
{
    const jpeg_component_info *c = d->comp_info;
    int n = d->num_components, match = 0;
    if (factors_are(&c[0], mcu_width[i] / 8, mcu_height[i] / 8)) {
        for (int k = 1; k < n; k++)
            match += cmyk && k == 3 ? factors_are(&c[k], mcu_width[i] / 8, mcu_height[i] / 8)
                                    : factors_are(&c[k], 1, 1);
        if (match == n - 1)
            return 1;
    }
    if (factors_are(&c[0], 2, 2) && (i == SAMP_422 || i == SAMP_440)) {
        match = 0;
        for (int k = 1; k < n; k++)
            match += cmyk && k == 3 ? factors_are(&c[k], 2, 2)
                                    : factors_are(&c[k], mcu_height[i] / 8, mcu_width[i] / 8);
        if (match == n - 1)
            return 1;
    }
    if (i == SAMP_444 && c[0].h_samp_factor * c[0].v_samp_factor <= D_MAX_BLOCKS_IN_MCU / 3) {
        match = 0;
        for (int k = 1; k < n; k++)
            match += factors_are(&c[k], c[0].h_samp_factor, c[0].v_samp_factor);
        if (match == n - 1)
            return 1;
    }
    return 0;
}

/* Whether TurboJPEG names the file's sampling (tjDecompressHeader3 fails when not). */
static int sampling_known(j_decompress_ptr d)
{
    int cmyk = d->jpeg_color_space == JCS_YCCK || d->jpeg_color_space == JCS_CMYK;
    if (d->num_components == 1 && d->jpeg_color_space == JCS_GRAYSCALE)
        return 1;
    for (int i = 0; i < SAMP_COUNT; i++)
        if ((d->num_components == sample_size[i] ||
             (cmyk && sample_size[i] == 3 && d->num_components == 4)) &&
            sampling_matches(d, i, cmyk))
            return 1;
    return 0;
}

/*
 * The header, as tjDecompressHeader3 reads it for jpeg_turbo_decode: anything
 * that fails there (an error or a warning, a sampling or colour space it
 * does not name) or is CMYK/YCCK goes to stb, so it is EUNSUPPORTED here.
 * A file with tables and no image cannot be decoded: ECORRUPT.
 */
static convtool_status read_header(struct jpeg_scan_reader *r)
{
    if (setjmp(r->err.jump))
        return r->err.status == CONVTOOL_EIO ? fail(r) : CONVTOOL_EUNSUPPORTED;
    if (jpeg_read_header(&r->cinfo, FALSE) == JPEG_HEADER_TABLES_ONLY)
        return CONVTOOL_ECORRUPT;
    J_COLOR_SPACE cs = r->cinfo.jpeg_color_space;
    if (r->err.warned || !sampling_known(&r->cinfo) ||
        (cs != JCS_GRAYSCALE && cs != JCS_RGB && cs != JCS_YCbCr))
        return CONVTOOL_EUNSUPPORTED;
    return CONVTOOL_OK;
}

/*
 * tjDecompress2's settings for TJPF_GRAY or TJPF_RGB and TJFLAG_STOPONWARNING:
 * the output colour space, and libjpeg's defaults for the rest (the accurate
 * integer IDCT, fancy upsampling, no scaling). A progressive or multi-scan
 * file is read whole here, into libjpeg's coefficient buffer.
 */
static convtool_status start(struct jpeg_scan_reader *r)
{
    r->err.stop_on_warning = 1;
    if (setjmp(r->err.jump))
        return fail(r);
    r->cinfo.out_color_space =
        r->cinfo.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_EXT_RGB;
    jpeg_start_decompress(&r->cinfo);
    return CONVTOOL_OK;
}

convtool_status jpeg_scan_open(byte_pull_fn pull, void *ctx, struct jpeg_scan_reader **out,
                               int *w, int *h, int *channels)
{
    *out = NULL;
    if (!jpeg_scan_available())
        return CONVTOOL_EUNSUPPORTED;
    struct jpeg_scan_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->src.buffer = malloc(JPEG_SCAN_BUFFER))) {
        free(r);
        return CONVTOOL_ENOMEM;
    }
    r->src.pull = pull;
    r->src.ctx = ctx;
    convtool_status st = create(r);
    if (st == CONVTOOL_OK)
        st = read_header(r);
    if (st == CONVTOOL_OK)
        st = start(r);
    if (st != CONVTOOL_OK) {
        jpeg_scan_close(r);
        return st;
    }
    *w = (int)r->cinfo.output_width;
    *h = (int)r->cinfo.output_height;
    *channels = r->cinfo.output_components;
    *out = r;
    return CONVTOOL_OK;
}

convtool_status jpeg_scan_read(struct jpeg_scan_reader *r, unsigned char *dst, int rows)
{
    if (r->failed != CONVTOOL_OK)
        return r->failed;
    j_decompress_ptr cinfo = &r->cinfo;
    if (rows < 1 || (JDIMENSION)rows > cinfo->output_height - cinfo->output_scanline)
        return CONVTOOL_EINVAL;
    size_t stride = (size_t)cinfo->output_width * (size_t)cinfo->output_components;
    if (setjmp(r->err.jump))
        return fail(r);
    JSAMPROW row[ROWS_AT_ONCE];
    for (int done = 0; done < rows;) {
        int n = rows - done < ROWS_AT_ONCE ? rows - done : ROWS_AT_ONCE;
        for (int i = 0; i < n; i++)
            row[i] = dst + (size_t)(done + i) * stride;
        /* libjpeg gives fewer rows than asked when its row group ends; ask again */
        done += (int)jpeg_read_scanlines(cinfo, row, (JDIMENSION)n);
    }
    return CONVTOOL_OK;
}

convtool_status jpeg_scan_finish(struct jpeg_scan_reader *r)
{
    if (r->failed != CONVTOOL_OK)
        return r->failed;
    if (r->cinfo.output_scanline < r->cinfo.output_height)
        return CONVTOOL_EINVAL;
    if (setjmp(r->err.jump))
        return fail(r);
    jpeg_finish_decompress(&r->cinfo);
    return CONVTOOL_OK;
}

void jpeg_scan_close(struct jpeg_scan_reader *r)
{
    if (!r)
        return;
    if (r->created)
        jpeg_destroy_decompress(&r->cinfo);
    free(r->src.buffer);
    free(r);
}

#else /* built without libjpeg: callers take the whole-image path */

int jpeg_scan_available(void)
{
    return 0;
}

convtool_status jpeg_scan_open(byte_pull_fn pull, void *ctx, struct jpeg_scan_reader **out,
                               int *w, int *h, int *channels)
{
    (void)pull, (void)ctx, (void)w, (void)h, (void)channels;
    *out = NULL;
    return CONVTOOL_EUNSUPPORTED;
}

convtool_status jpeg_scan_read(struct jpeg_scan_reader *r, unsigned char *dst, int rows)
{
    (void)r, (void)dst, (void)rows;
    return CONVTOOL_EUNSUPPORTED;
}

convtool_status jpeg_scan_finish(struct jpeg_scan_reader *r)
{
    (void)r;
    return CONVTOOL_EUNSUPPORTED;
}

void jpeg_scan_close(struct jpeg_scan_reader *r)
{
    (void)r;
}

#endif
