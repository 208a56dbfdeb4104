/*
 * One run of the strip engine (apply_stream.c), shared with the outputs it
 * writes (apply_stream_out.c): the window, the passes and the reader are
 * apply_stream.c's; the strip buffers, the temp file and the encoders are
 * apply_stream_out.c's.
 */
#ifndef CONVTOOL_CLI_APPLY_STREAM_RUN_H
#define CONVTOOL_CLI_APPLY_STREAM_RUN_H

#include "apply/apply.h"
#include "apply/apply_fused.h"
#include "apply/apply_stream_rows.h"
#include "apply/batch.h"

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
 * The output: its strip buffers, the temp file and the note -v prints
 * (open); one strip of output rows [y0, y1) computed from the window `win`
 * and written (strip: PNG/JPEG through the streaming writer, BMP placed from
 * the file's end, .npy planes at their offsets, HDR appended); the encoder's
 * last bytes (finish); a failed write explained and its temp removed
 * (write_failed: the exit code); everything released, a temp not committed
 * removed (close).
 */
int stream_out_open(struct strip_run *r, const convtool_save_options *so, int out_depth);
convtool_status stream_out_strip(struct strip_run *r, const convtool_pixels *win, int y0, int y1);
convtool_status stream_out_finish(struct strip_run *r);
int stream_out_write_failed(struct strip_run *r);
void stream_out_close(struct strip_run *r);

#endif
