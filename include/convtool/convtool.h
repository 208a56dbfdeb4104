/*
 * convtool.h — the one public header of libconvtool.
 *
 * The library loads images and .npy tensors into C×H×W float32 tensors, parses
 * kernels, runs PyTorch-exact 2-D cross-correlation with stride, padding and
 * dilation on a pool of threads, maps floats back to pixels and writes files
 * atomically. It never prints and never exits: every fallible function
 * returns a convtool_status and writes its results through out-parameters.
 *
 * Ownership: every struct that owns memory has a *_free() function that is
 * NULL-safe and leaves the struct zeroed, so it can be called twice.
 *
 * Typical use (each fallible call returns a convtool_status, CONVTOOL_OK or what
 * went wrong; convtool_strerror names it; stop at the first that is not OK):
 *
 *   convtool_read_image("in.png", 0, &file);                       // read    (files, image)
 *   convtool_image_decode(file.data, file.len, NULL, &img);        // decode  (image)
 *   convtool_builtin_kernel("sharpen", &k);                        // kernel  (kernel)
 *   convtool_geometry_spec_default(&spec);                         // geometry (conv)
 *   convtool_geometry_resolve(&spec, img.tensor.h, img.tensor.w, k.h, k.w, &g);
 *   convtool_conv2d(&img.tensor, &k, &g, 0.0f, NULL, &out);        // conv2d  (conv)
 *   convtool_image_encode(&out, &(convtool_save_options){.format = CONVTOOL_FORMAT_PNG},
 *                         &png);                                   // encode  (image)
 *   convtool_write_file_atomic("out.png", png.data, png.len);      // write   (files)
 *
 * (with convtool_buffer file = {0}, png = {0}; convtool_image img = {0};
 * convtool_kernel k = {0}; convtool_tensor out = {0}; convtool_geometry_spec spec;
 * convtool_geometry g; — zeroed, so that each *_free is safe after a failure too;
 * tests/api/typical_use.c is this block as a program.)
 *
 * The sections below follow the library's folders (src/README.md): common,
 * files, conv, kernel, image; the knobs for tools and tests come last.
 */
#ifndef CONVTOOL_CONVTOOL_H
#define CONVTOOL_CONVTOOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CONVTOOL_VERSION "1.0.0"

/* libconvtool.so is built with hidden visibility: only declarations marked
 * CONVTOOL_API are exported, so every function declared here needs it. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define CONVTOOL_API __attribute__((visibility("default")))
#else
#define CONVTOOL_API
#endif

/* ======== common (src/common/): status, sizes, buffers, pool, tensors, pixels ============== */

typedef enum convtool_status {
    CONVTOOL_OK = 0,
    CONVTOOL_ENOMEM,      /* an allocation failed */
    CONVTOOL_EOVERFLOW,   /* a size computation would overflow */
    CONVTOOL_EINVAL,      /* an argument is out of its domain */
    CONVTOOL_EIO,         /* a read or write failed (errno is kept) */
    CONVTOOL_ENOENT,      /* no such file or kernel */
    CONVTOOL_EUNSUPPORTED,/* a file format or feature we do not handle */
    CONVTOOL_ECORRUPT,    /* the file is damaged or not what it claims */
    CONVTOOL_ELIMIT,      /* over a configured limit (e.g. --max-pixels) */
    CONVTOOL_EGEOMETRY,   /* output would be smaller than 1×1, or padding too wide */
    CONVTOOL_EPARSE,      /* kernel text could not be parsed */
    CONVTOOL_EZEROSUM,    /* --normalize on a kernel whose sum is 0 */
    CONVTOOL_EMISMATCH,   /* several kernels give different output sizes */
    CONVTOOL_ENOTREG,     /* a named input is a FIFO, device or socket, not a file */
    CONVTOOL_EMEMLIMIT,   /* decoding would need more memory than the load options allow */
    CONVTOOL_EHOSTILE,    /* the contained decoder crashed, was killed or timed out */
    CONVTOOL_EMFILE,      /* out of file descriptors (ulimit -n, or too many files at once) */
    CONVTOOL_EEMPTY,      /* the input has no bytes at all */
    CONVTOOL_ESCANS,      /* a progressive JPEG with more scans than any encoder writes */
    CONVTOOL_STATUS_COUNT
} convtool_status;

/* A static, human-readable description of a status. Never NULL. */
CONVTOOL_API const char *convtool_strerror(convtool_status status);

/* Overflow-checked size_t product a*b*c*d into *out. */
CONVTOOL_API convtool_status convtool_mul_size(size_t a, size_t b, size_t c, size_t d, size_t *out);

/* Overflow-checked 64-bit product a·b·c·d into *out (CONVTOOL_EOVERFLOW otherwise). */
CONVTOOL_API convtool_status convtool_mul_u64(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
                                              uint64_t *out);

/* A growable byte buffer; release with convtool_buffer_free(). */
typedef struct convtool_buffer {
    unsigned char *data;
    size_t len, cap;
    int failed; /* an append failed (out of memory); the content is incomplete */
} convtool_buffer;

CONVTOOL_API convtool_status convtool_buffer_append(convtool_buffer *b, const void *data,
                                                    size_t len);
CONVTOOL_API void convtool_buffer_free(convtool_buffer *b);

typedef struct convtool_pool convtool_pool;

/* A pool of `threads` workers (1 = run on the caller). Free with convtool_pool_free. */
CONVTOOL_API convtool_status convtool_pool_create(int threads, convtool_pool **pool);
CONVTOOL_API void convtool_pool_free(convtool_pool *pool);
CONVTOOL_API int convtool_pool_threads(const convtool_pool *pool);
/* Runs fn(ctx, i) for i in [0, n) across the pool; returns when all are done. */
CONVTOOL_API void convtool_pool_run(convtool_pool *pool, size_t n, void (*fn)(void *ctx, size_t i),
                                    void *ctx);

/* A dense C×H×W float32 tensor, row-major (data[(c*h + y)*w + x]). */
typedef struct convtool_tensor {
    int c, h, w;
    float *data; /* owned; release with convtool_tensor_free() */
} convtool_tensor;

/* Allocates an uninitialised tensor; checks c*h*w*sizeof(float) for overflow. */
CONVTOOL_API convtool_status convtool_tensor_alloc(convtool_tensor *t, int c, int h, int w);
/* Element count, or 0 for an empty tensor. */
CONVTOOL_API size_t convtool_tensor_count(const convtool_tensor *t);
/* Frees t->data and zeroes t. NULL-safe. */
CONVTOOL_API void convtool_tensor_free(convtool_tensor *t);

/* Interleaved 8- or 16-bit samples, as decoders produce and encoders take them. */
typedef struct convtool_pixels {
    int width, height, channels; /* channels 1..4, interleaved */
    int depth;                   /* bits per sample: 8 or 16 */
    void *data;                  /* owned; release with convtool_pixels_free() */
} convtool_pixels;

/* Allocates uninitialised pixels, sizes checked for overflow. */
CONVTOOL_API convtool_status convtool_pixels_alloc(convtool_pixels *px, int width, int height,
                                                   int channels, int depth);
/* NULL-safe; zeroes px. */
CONVTOOL_API void convtool_pixels_free(convtool_pixels *px);

/* ======== files (src/files/): whole-file reads, atomic writes ============================ */

/*
 * Reads a whole file (or stdin for "-") into *out, refusing files larger
 * than max_bytes (0 = no limit) with CONVTOOL_ELIMIT before reading them, and
 * anything but a regular file (FIFO, device, socket) with CONVTOOL_ENOTREG
 * (also when it could not be opened at all), and CONVTOOL_EMFILE when no
 * descriptor is left. Stdin is read as a stream and stops at max_bytes.
 * Caller frees out.
 */
CONVTOOL_API convtool_status convtool_read_file(const char *path, size_t max_bytes,
                                                convtool_buffer *out);

/*
 * Writes bytes to `path` safely. A regular file (or a name that does not
 * exist yet) is written to a temporary file in the same directory, flushed,
 * and renamed into place: the destination is either untouched or complete.
 * A replaced file keeps its permission bits (not set-id) and, where the
 * writer may set them, its owner and group.
 *
 * "-", /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N write to that
 * open descriptor (never opened, truncated or renamed: `>> log` appends).
 * Other non-regular files (FIFOs, devices) are written directly with every
 * write checked; a FIFO with no reader fails at once (ENXIO), it never blocks.
 *
 * Symbolic links: the file a link points to is replaced and the link kept,
 * except that it is never written through a link to a missing file (ENOENT:
 * nothing is created where a link points) nor through a link in a sticky
 * world-writable directory (/tmp) owned by neither the caller (euid) nor the
 * directory's owner (EACCES: the rule of fs.protected_symlinks, applied
 * whatever the sysctl says). errno is left describing a failure.
 */
CONVTOOL_API convtool_status convtool_write_file_atomic(const char *path, const void *data,
                                                        size_t len);

/* Room for a path in convtool_write_detail (PATH_MAX on Linux). */
#define CONVTOOL_WRITE_PATH_MAX 4096

/* Why convtool_write_file_atomic_ex refused a destination, beyond errno. */
typedef enum convtool_write_problem {
    CONVTOOL_WRITE_NO_PROBLEM = 0,
    CONVTOOL_WRITE_DANGLING_LINK, /* a link to a missing file; `where`: that missing file */
    CONVTOOL_WRITE_UNSAFE_LINK,   /* a link convtool will not follow; `where`: the link */
    CONVTOOL_WRITE_FIFO_NO_READER, /* a FIFO that nobody has open for reading */
    CONVTOOL_WRITE_OTHERS_FILE     /* another user's file in a sticky world-writable directory */
} convtool_write_problem;

/* What a failed write leaves to explain (all empty or zero after success). */
typedef struct convtool_write_detail {
    convtool_write_problem problem;
    char where[CONVTOOL_WRITE_PATH_MAX];    /* see convtool_write_problem; else "" */
    char leftover[CONVTOOL_WRITE_PATH_MAX]; /* a temp file that could not be removed, or "" */
    int leftover_errno;                     /* why it could not be removed */
} convtool_write_detail;

/*
 * convtool_write_file_atomic, filling *detail (when not NULL) so that a
 * caller can say why a destination was refused and name a partial temp file
 * left behind. errno still describes the failure itself. Thread-safe.
 */
CONVTOOL_API convtool_status convtool_write_file_atomic_ex(const char *path, const void *data,
                                                           size_t len,
                                                           convtool_write_detail *detail);

/*
 * A file written as it is made, with convtool_write_file_atomic's promise:
 * the bytes go to a temp file beside the destination (same link policy,
 * owner and mode kept), which commit fsyncs and renames into place and abort
 * removes, so the destination is untouched until the whole file is there.
 * open is CONVTOOL_EUNSUPPORTED for destinations that are not a new or
 * regular file (stdout, a FIFO, a device): those take the whole-buffer writer.
 * write and commit are CONVTOOL_EIO with errno; after commit or abort the
 * stream is gone. Signals: the temp is in convtool_atomic_cleanup's registry.
 */
typedef struct convtool_write_stream convtool_write_stream;
CONVTOOL_API convtool_status convtool_write_stream_open(const char *path,
                                                        convtool_write_stream **out,
                                                        convtool_write_detail *detail);
CONVTOOL_API convtool_status convtool_write_stream_write(convtool_write_stream *s,
                                                         const void *data, size_t len);
/* len bytes at byte `offset` of the file (a .npy's planes, written strip by strip):
 * a stream written at offsets must leave no byte unwritten before commit. */
CONVTOOL_API convtool_status convtool_write_stream_write_at(convtool_write_stream *s,
                                                            uint64_t offset, const void *data,
                                                            size_t len);
CONVTOOL_API convtool_status convtool_write_stream_commit(convtool_write_stream *s,
                                                          convtool_write_detail *detail);
/* detail (may be NULL) names a temp that could not be removed; errno is kept. */
CONVTOOL_API void convtool_write_stream_abort(convtool_write_stream *s,
                                              convtool_write_detail *detail);

/* ======== conv (src/conv/): geometry, conv2d, the fused pixel pass, value maps, combining === */

/* A kernel: h×w taps, defined with the rest of the kernel API below (src/kernel/). */
typedef struct convtool_kernel convtool_kernel;

typedef enum convtool_pad_mode {
    CONVTOOL_PAD_ZEROS = 0,
    CONVTOOL_PAD_REPLICATE, /* aaa|abcd|ddd */
    CONVTOOL_PAD_REFLECT,   /* dcb|abcd|cba (PyTorch reflect, OpenCV REFLECT_101) */
    CONVTOOL_PAD_SYMMETRIC, /* cba|abcd|dcb (scipy reflect, OpenCV REFLECT) */
    CONVTOOL_PAD_CIRCULAR   /* bcd|abcd|abc */
} convtool_pad_mode;

/* Parses a mode name or alias (case-insensitive). */
CONVTOOL_API convtool_status convtool_pad_mode_parse(const char *text, convtool_pad_mode *mode);
CONVTOOL_API const char *convtool_pad_mode_name(convtool_pad_mode mode);
/* "alias=mode" pairs for --help, NULL-terminated. */
CONVTOOL_API const char *const *convtool_pad_mode_aliases(void);

typedef enum convtool_padding_kind {
    CONVTOOL_PADDING_EXPLICIT = 0, /* pad_y on top and bottom, pad_x left and right */
    CONVTOOL_PADDING_SAME,         /* d·(k−1) in total, the odd pixel bottom/right */
    CONVTOOL_PADDING_VALID         /* no padding */
} convtool_padding_kind;

/*
 * How the correlation is computed. Every method gives PyTorch's result (the
 * FFT within 1e-5·max(1, Σ|K|·max|x| + |bias|)); AUTO takes the cheapest by
 * a cost model calibrated on the build machine (bench/RESULTS.md).
 */
typedef enum convtool_method {
    CONVTOOL_METHOD_AUTO = 0,
    CONVTOOL_METHOD_DIRECT,    /* every nonzero tap, SIMD row loops */
    CONVTOOL_METHOD_SEPARABLE, /* rank-1 kernels: a column pass, then a row pass */
    CONVTOOL_METHOD_FFT        /* overlap-save FFT tiles (FFTW): cost flat in kernel size */
} convtool_method;
/* FFTW's planner is process-wide and not thread-safe: convtool plans under its own lock,
 * so a program that also plans with fftwf_* itself must not do so while convtool runs. */

/* What the user asked for: kernel-independent. */
typedef struct convtool_geometry_spec {
    int stride_y, stride_x;     /* ≥ 1 */
    int dilation_y, dilation_x; /* ≥ 1 */
    convtool_padding_kind padding;
    int pad_y, pad_x;           /* for CONVTOOL_PADDING_EXPLICIT, ≥ 0 */
    convtool_pad_mode mode;
    convtool_method method;     /* AUTO (0) unless forced */
} convtool_geometry_spec;

/* Stride 1, dilation 1, `same` padding, replicate mode: the CLI defaults. */
CONVTOOL_API void convtool_geometry_spec_default(convtool_geometry_spec *spec);

/* Everything resolved for one kernel size and one input size. */
typedef struct convtool_geometry {
    int in_h, in_w;
    int k_h, k_w;
    int stride_y, stride_x;
    int dilation_y, dilation_x;
    int pad_top, pad_bottom, pad_left, pad_right;
    convtool_pad_mode mode;
    int out_h, out_w;
    convtool_method method; /* from the spec; 0 (AUTO) in a zeroed geometry */
} convtool_geometry;

/*
 * out = floor((in + before + after − dilation·(k − 1) − 1) / stride) + 1.
 * CONVTOOL_EGEOMETRY when the result is < 1; EOVERFLOW on absurd inputs.
 */
CONVTOOL_API convtool_status convtool_output_size(int in, int k, int before, int after, int stride,
                                                  int dilation, int *out);

/*
 * Resolves a spec for an input of in_h×in_w and a kernel of k_h×k_w and checks
 * it: output at least 1×1, reflect/symmetric padding narrower than the input.
 */
CONVTOOL_API convtool_status convtool_geometry_resolve(const convtool_geometry_spec *spec, int in_h,
                                                       int in_w, int k_h, int k_w,
                                                       convtool_geometry *g);

CONVTOOL_API convtool_status convtool_method_parse(const char *text, convtool_method *method);
CONVTOOL_API const char *convtool_method_name(convtool_method method);
/* 0 for CONVTOOL_METHOD_FFT in a build without FFTW; 1 otherwise. */
CONVTOOL_API int convtool_method_available(convtool_method method);

/* Whether `method` can run kernel k at all: SEPARABLE needs rank 1, FFT a build with FFTW. */
CONVTOOL_API int convtool_method_fits(const convtool_kernel *k, convtool_method method);

/* The method convtool_conv2d (and _pixels) will run for a job, and why. */
typedef struct convtool_method_choice {
    convtool_method method;             /* never AUTO */
    double direct_s, separable_s, fft_s; /* estimated seconds; < 0 where not possible */
    int fft_tile_h, fft_tile_w;         /* the FFT size of a tile, when fft_s ≥ 0 */
    const char *note; /* why a forced FFT runs direct (a NaN/inf kernel), else NULL */
} convtool_method_choice;

/*
 * Resolves g->method for kernel k on `channels` channels with `threads`
 * threads. EINVAL when SEPARABLE is forced on a kernel that is not rank 1;
 * EUNSUPPORTED when FFT is forced in a build without FFTW.
 */
CONVTOOL_API convtool_status convtool_method_choose(const convtool_kernel *k,
                                                    const convtool_geometry *g, int channels,
                                                    int threads, convtool_method_choice *choice);

/*
 * out[c][y][x] = bias + Σ_{i,j} K[i][j] · P[c][y·sy + i·dy][x·sx + j·dx]
 * for every channel of `in` (depthwise). The kernel is used as given: flip,
 * normalize and scale it beforehand. `g` must come from
 * convtool_geometry_resolve for this input and kernel. Allocates `out`
 * (C×out_h×out_w); the caller frees it. pool may be NULL (single thread).
 * The result is bit-identical for any number of threads. g->method picks the
 * method (convtool_method_choose; EINVAL/EUNSUPPORTED as it says).
 */
CONVTOOL_API convtool_status convtool_conv2d(const convtool_tensor *in, const convtool_kernel *k,
                                             const convtool_geometry *g, float bias,
                                             convtool_pool *pool, convtool_tensor *out);

/*
 * convtool_conv2d into a tensor the caller owns (C×out_h×out_w, not the input),
 * like OpenCV's dst argument: a loop over many images reuses one output and
 * pays no page faults for it. EINVAL when the shape does not match or `out`
 * overlaps `in`. On any error the contents of `out` are unspecified.
 */
CONVTOOL_API convtool_status convtool_conv2d_into(const convtool_tensor *in,
                                                  const convtool_kernel *k,
                                                  const convtool_geometry *g, float bias,
                                                  convtool_pool *pool, convtool_tensor *out);

/*
 * A channel-mixing weight, PyTorch's layout: o × c_per_group × h × w floats,
 * row-major (values[((o·c_per_group + c)·h + i)·w + j]). Owned; release with
 * convtool_weight_free().
 */
typedef struct convtool_weight {
    int o, c_per_group, h, w;
    float *values;
} convtool_weight;

CONVTOOL_API convtool_status convtool_weight_alloc(convtool_weight *wt, int o, int c_per_group,
                                                   int h, int w);
CONVTOOL_API void convtool_weight_free(convtool_weight *wt);

/*
 * F.conv2d(in, weight, bias, stride, padding, dilation, groups) for one item
 * (C×H×W → O×out_h×out_w), every padding mode of `g` (g from
 * convtool_geometry_resolve with k_h = wt->h, k_w = wt->w). groups ≥ 1 must
 * divide C and O, and C / groups must equal wt->c_per_group (CONVTOOL_EINVAL
 * otherwise). bias: O values or NULL (zeros). Allocates out; bit-identical
 * for any number of threads.
 */
CONVTOOL_API convtool_status convtool_conv2d_mix(const convtool_tensor *in,
                                                 const convtool_weight *wt, int groups,
                                                 const float *bias, const convtool_geometry *g,
                                                 convtool_pool *pool, convtool_tensor *out);
/* The same into a tensor the caller owns (O×out_h×out_w, not overlapping in). */
CONVTOOL_API convtool_status convtool_conv2d_mix_into(const convtool_tensor *in,
                                                      const convtool_weight *wt, int groups,
                                                      const float *bias,
                                                      const convtool_geometry *g,
                                                      convtool_pool *pool, convtool_tensor *out);

/* Which channels one fused pass reads and writes. */
typedef struct convtool_pixel_pass {
    int in_channel;  /* first input channel read */
    int channels;    /* how many (1 when luma is set) */
    int luma;        /* read RGB at in_channel..in_channel+2 as one luma channel */
    int out_channel; /* first channel written in `out` */
    int map;         /* a convtool_map; NORMALIZE needs `bounds` */
    /* NORMALIZE: per channel of the pass, the least and the greatest value of the
     * whole result (bounds[2c], bounds[2c + 1]), as convtool_conv2d_pixels_bounds
     * finds them; each value becomes (v − min) / (max − min), 0 for a constant
     * channel, the float operations of convtool_map_apply. NULL otherwise. */
    const float *bounds;
} convtool_pixel_pass;

/*
 * The fused path for 8- and 16-bit outputs: correlates channels of `in`
 * (samples read as s/255 or s/65535, exactly as convtool_image_decode does)
 * and writes round(clamp(map(v), 0, 1)·255) (·65535 when out->depth is 16)
 * into channels of `out`, an image the caller allocated at g->out_w × g->out_h.
 * No float image is made, and the bytes equal those of decode → conv2d → map →
 * encode. *clipped (may be NULL) receives the number of values outside [0,1]
 * after the map.
 */
CONVTOOL_API convtool_status convtool_conv2d_pixels(const convtool_pixels *in,
                                                    const convtool_pixel_pass *pass,
                                                    const convtool_kernel *k,
                                                    const convtool_geometry *g, float bias,
                                                    convtool_pool *pool, convtool_pixels *out,
                                                    size_t *clipped);

/*
 * The strip engine's step: output rows [y0, y0 + strip->height) of the job
 * convtool_conv2d_pixels would run, written into `strip` (g->out_w wide, its
 * row 0 is output row y0), reading `window`, whose row 0 is input row
 * window_first and which holds every row convtool_conv2d_rows_needed names
 * for those outputs. Each row's bytes equal convtool_conv2d_pixels's.
 * CONVTOOL_EUNSUPPORTED when the job runs on the FFT tiles, which need the
 * whole image (convtool_conv2d_rows_streamable says so beforehand).
 */
CONVTOOL_API convtool_status convtool_conv2d_pixels_rows(
    const convtool_pixels *window, int window_first, const convtool_pixel_pass *pass,
    const convtool_kernel *k, const convtool_geometry *g, float bias, convtool_pool *pool,
    convtool_pixels *strip, int y0, size_t *clipped);

/*
 * The first pass of a streamed --map normalize: widens bounds (2 floats per
 * channel of the pass, min then max; start them at +INFINITY, −INFINITY)
 * with the float results of output rows [y0, y1), reading `window` as
 * convtool_conv2d_pixels_rows does; nothing is written. The pass's map and
 * out_channel are not used. Over every strip this gives the bounds a
 * NORMALIZE pass needs to make convtool_map_apply's bytes.
 */
CONVTOOL_API convtool_status convtool_conv2d_pixels_bounds(
    const convtool_pixels *window, int window_first, const convtool_pixel_pass *pass,
    const convtool_kernel *k, const convtool_geometry *g, float bias, convtool_pool *pool,
    int y0, int y1, float *bounds);

/*
 * The strip step with float results, for a .npy output: output rows [y0,
 * y0 + strip->h) of the pass's channels (strip: pass->channels planes,
 * g->out_w wide), reading `window` as convtool_conv2d_pixels_rows does. The
 * values are those convtool_conv2d gives on the decoded image's float
 * tensor (s/255 or s/65535, the luma as convtool_to_luma), before any map;
 * the pass's map, bounds and out_channel are not used.
 */
CONVTOOL_API convtool_status convtool_conv2d_pixels_rows_float(
    const convtool_pixels *window, int window_first, const convtool_pixel_pass *pass,
    const convtool_kernel *k, const convtool_geometry *g, float bias, convtool_pool *pool,
    convtool_tensor *strip, int y0);

/*
 * The input rows [*lo, *hi) that output rows [y0, y1) read, padding mapped
 * to the rows it copies (circular padding's first rows read the last ones);
 * *lo == *hi when they read only zero padding.
 */
CONVTOOL_API convtool_status convtool_conv2d_rows_needed(const convtool_geometry *g, int y0,
                                                         int y1, int *lo, int *hi);

/* Whether the job runs strip by strip (the direct or separable core, not the FFT tiles). */
CONVTOOL_API int convtool_conv2d_rows_streamable(const convtool_kernel *k,
                                                 const convtool_geometry *g, int channels,
                                                 convtool_pool *pool);

/*
 * The float strip step: output rows [y0, y0 + strip->h) of what
 * convtool_conv2d(in, k, g, bias) gives, into `strip` (window->c planes,
 * g->out_w wide), reading `window` (window->c planes of window->h rows, its
 * row 0 is input row window_first, holding every row
 * convtool_conv2d_rows_needed names). Each row's values equal
 * convtool_conv2d's when g->method is the method convtool_method_choose
 * picks for the whole input (the method depends on the channel count);
 * CONVTOOL_EUNSUPPORTED for the FFT tiles.
 */
CONVTOOL_API convtool_status convtool_conv2d_rows(const convtool_tensor *window, int window_first,
                                                  const convtool_kernel *k,
                                                  const convtool_geometry *g, float bias,
                                                  convtool_pool *pool, convtool_tensor *strip,
                                                  int y0);

typedef enum convtool_map {
    CONVTOOL_MAP_CLAMP = 0, /* v */
    CONVTOOL_MAP_ABS,       /* |v| */
    CONVTOOL_MAP_SHIFT,     /* (v + 1) / 2 */
    CONVTOOL_MAP_NORMALIZE  /* (v − min) / (max − min) per channel; constant → 0 */
} convtool_map;

CONVTOOL_API convtool_status convtool_map_parse(const char *text, convtool_map *map);
/* Applies the map in place (no clamping). */
CONVTOOL_API void convtool_map_apply(convtool_tensor *t, convtool_map map);
/* Number of values outside [0,1] (those that quantization will clip). */
CONVTOOL_API size_t convtool_count_clipped(const convtool_tensor *t);

typedef enum convtool_combine {
    CONVTOOL_COMBINE_SEPARATE = 0,
    CONVTOOL_COMBINE_MAGNITUDE, /* √Σ v² */
    CONVTOOL_COMBINE_MAX,
    CONVTOOL_COMBINE_SUM,
    CONVTOOL_COMBINE_STACK      /* K×C×H×W, .npy only */
} convtool_combine;

CONVTOOL_API convtool_status convtool_combine_parse(const char *text, convtool_combine *mode);
/*
 * Combines n same-shaped tensors element-wise into *out (magnitude, max or
 * sum). CONVTOOL_EMISMATCH if shapes differ. Caller frees *out.
 */
CONVTOOL_API convtool_status convtool_combine_tensors(const convtool_tensor *parts, size_t n,
                                                      convtool_combine mode, convtool_tensor *out);

/* Converts RGB (the first three channels) to one luma channel,
 * L = 0.299 R + 0.587 G + 0.114 B, in a new tensor. */
CONVTOOL_API convtool_status convtool_to_luma(const convtool_tensor *rgb, convtool_tensor *out);

/* ======== kernel (src/kernel/): kernels, the built-in library, banks and formats ========= */

#define CONVTOOL_NAME_MAX 64
#define CONVTOOL_DESCRIPTION_MAX 160
#define CONVTOOL_KERNEL_MAX_SIDE 1024

typedef struct convtool_kernel {
    int h, w;
    float *values;      /* h*w values, row-major; owned */
    double scale;       /* from the file's `scale` directive, default 1 */
    double offset;      /* from the file's `offset` directive, default 0 */
    char name[CONVTOOL_NAME_MAX];               /* used for output suffixes */
    char description[CONVTOOL_DESCRIPTION_MAX]; /* one line, may be empty */
} convtool_kernel;

/* Where a parse error was found; line and column count from 1. */
typedef struct convtool_parse_error {
    int line, column;
    char message[160];
} convtool_parse_error;

/*
 * Parses kernel text (the kernels/ file format, or an inline matrix such as
 * "0 -1 0; -1 5 -1; 0 -1 0"). `name` is copied into k->name. On
 * CONVTOOL_EPARSE, *err (if not NULL) says where and what. Caller frees k
 * with convtool_kernel_free().
 */
CONVTOOL_API convtool_status convtool_kernel_parse(const char *text, size_t len, const char *name,
                                                   convtool_kernel *k, convtool_parse_error *err);
/* Reads and parses a kernel file; the kernel is named after the file's stem. */
CONVTOOL_API convtool_status convtool_kernel_load_file(const char *path, convtool_kernel *k,
                                                       convtool_parse_error *err);
/* Deep copy. */
CONVTOOL_API convtool_status convtool_kernel_copy(const convtool_kernel *src, convtool_kernel *dst);
CONVTOOL_API void convtool_kernel_free(convtool_kernel *k);

/* Built-in kernels (the kernels/ directory, compiled into the library). */
CONVTOOL_API size_t convtool_builtin_count(void);
CONVTOOL_API const char *convtool_builtin_name(size_t index);
/* Case-insensitive lookup; CONVTOOL_ENOENT if there is no such kernel. */
CONVTOOL_API convtool_status convtool_builtin_kernel(const char *name, convtool_kernel *k);

/* Σ of the values. */
CONVTOOL_API double convtool_kernel_sum(const convtool_kernel *k);
/* Rotates the kernel by 180° in place (true convolution). */
CONVTOOL_API void convtool_kernel_flip(convtool_kernel *k);
/* Divides by the sum; CONVTOOL_EZEROSUM if the sum is (nearly) 0. */
CONVTOOL_API convtool_status convtool_kernel_normalize(convtool_kernel *k);
/* Multiplies every value by s (the scale is baked into the taps). */
CONVTOOL_API void convtool_kernel_scale(convtool_kernel *k, double s);
/* The range of outputs for inputs in [0,1]: Σ of negative / positive taps. */
CONVTOOL_API void convtool_kernel_range(const convtool_kernel *k, double *lo, double *hi);

/*
 * Kernels written for other tools, and banks (several kernels in one file
 * with a default combine); kernels/FORMAT.md describes every format.
 */
typedef enum convtool_kernel_format {
    CONVTOOL_KERNEL_FORMAT_AUTO = 0,    /* by content: .npy magic, "WxH:" prefix, else text */
    CONVTOOL_KERNEL_FORMAT_CONVTOOL,    /* the kernels/ text format, banks with `---` */
    CONVTOOL_KERNEL_FORMAT_IMAGEMAGICK, /* "3x3: 1,2,1 2,4,2 1,2,1", ';' between kernels */
    CONVTOOL_KERNEL_FORMAT_VIPS,        /* libvips matrix (.mat): "W H [scale [offset]]", rows */
    CONVTOOL_KERNEL_FORMAT_NPY          /* float32/float64 (H,W), or (K,H,W) for a bank */
} convtool_kernel_format;

#define CONVTOOL_BANK_MAX 256

typedef struct convtool_kernel_bank {
    convtool_kernel *kernels; /* count ≥ 1 kernels, each named; owned, a malloc'd array */
    size_t count;
    int has_combine;          /* the file names a default combine... */
    convtool_combine combine; /* ...which this is */
    char name[CONVTOOL_NAME_MAX];
    char description[CONVTOOL_DESCRIPTION_MAX];
} convtool_kernel_bank;

/* "convtool", "imagemagick", "vips", "npy" (and im, mat, numpy, txt), case-insensitive. */
CONVTOOL_API convtool_status convtool_kernel_format_parse(const char *text,
                                                          convtool_kernel_format *fmt);
CONVTOOL_API const char *convtool_kernel_format_name(convtool_kernel_format fmt);
/* VIPS for .mat, NPY for .npy, else AUTO (decided by content). */
CONVTOOL_API convtool_kernel_format convtool_kernel_format_from_path(const char *path);
/* NPY, IMAGEMAGICK or CONVTOOL, from the first bytes. */
CONVTOOL_API convtool_kernel_format convtool_kernel_format_sniff(const void *data, size_t len);

/*
 * Parses kernels in `format` (AUTO: by content). A text without `---` lines
 * is a bank of one. Members without a name are called NAME (one kernel) or
 * NAME_1, NAME_2, … On CONVTOOL_EPARSE, *err says where (line 0: no line,
 * as in a .npy). Caller frees with convtool_kernel_bank_free().
 * convtool_kernel_parse and convtool_kernel_load_file accept every format
 * too, and give a bank's first kernel.
 */
CONVTOOL_API convtool_status convtool_kernel_bank_parse(const void *data, size_t len,
                                                        const char *name,
                                                        convtool_kernel_format format,
                                                        convtool_kernel_bank *bank,
                                                        convtool_parse_error *err);
/* Reads a kernel file of any format (by extension, then content); the bank is named after its
 * stem. */
CONVTOOL_API convtool_status convtool_kernel_bank_load_file(const char *path,
                                                            convtool_kernel_bank *bank,
                                                            convtool_parse_error *err);
/* A built-in kernel or bank, case-insensitive; CONVTOOL_ENOENT if there is none. */
CONVTOOL_API convtool_status convtool_builtin_bank(const char *name, convtool_kernel_bank *bank);
/* Frees every kernel and zeroes the bank. NULL-safe. */
CONVTOOL_API void convtool_kernel_bank_free(convtool_kernel_bank *bank);

/*
 * What a -k text or a kernel file holds, as F.conv2d would take it: kernels
 * that filter every channel on its own (a bank: rank 2 is one kernel, rank 3
 * (K, kH, kW) a bank of K), or a channel-mixing weight of rank 4
 * (O, C/groups, kH, kW). Text may be the kernel text format, nested lists
 * (`w.tolist()`), or torch's and numpy's printed forms (`tensor([[…]],
 * dtype=…, requires_grad=True)`, `array([[…]])`); files also .npy.
 */
typedef struct convtool_kernel_spec {
    int is_weight;               /* 1: `weight` holds it; 0: `bank` does */
    convtool_kernel_bank bank;   /* owned */
    convtool_weight weight;      /* owned */
    char name[CONVTOOL_NAME_MAX]; /* the name given, or the file's stem */
} convtool_kernel_spec;

/* convtool_kernel_bank_parse, but a rank-4 array becomes a weight. Free with
 * convtool_kernel_spec_free. */
CONVTOOL_API convtool_status convtool_kernel_spec_parse(const void *data, size_t len,
                                                        const char *name,
                                                        convtool_kernel_format format,
                                                        convtool_kernel_spec *spec,
                                                        convtool_parse_error *err);
/* convtool_kernel_bank_load_file, but a rank-4 array becomes a weight. */
CONVTOOL_API convtool_status convtool_kernel_spec_load_file(const char *path,
                                                            convtool_kernel_spec *spec,
                                                            convtool_parse_error *err);
/* NULL-safe; zeroes spec. */
CONVTOOL_API void convtool_kernel_spec_free(convtool_kernel_spec *spec);

/*
 * Appends the bank to `out` in `format`. IMAGEMAGICK and NPY bake each
 * kernel's scale into its values and cannot hold an offset; VIPS holds one
 * kernel (CONVTOOL_EUNSUPPORTED for more); NPY needs kernels of one size
 * (CONVTOOL_EMISMATCH).
 */
CONVTOOL_API convtool_status convtool_kernel_bank_write(const convtool_kernel_bank *bank,
                                                        convtool_kernel_format format,
                                                        convtool_buffer *out);

/* ======== image (src/image/): formats, header probes, limits, decode, encode ============= */

typedef enum convtool_format {
    CONVTOOL_FORMAT_UNKNOWN = 0,
    CONVTOOL_FORMAT_PNG,
    CONVTOOL_FORMAT_JPEG,
    CONVTOOL_FORMAT_BMP,
    CONVTOOL_FORMAT_TGA,
    CONVTOOL_FORMAT_HDR,
    CONVTOOL_FORMAT_NPY,
    CONVTOOL_FORMAT_GIF,  /* recognised only to be refused */
    CONVTOOL_FORMAT_PSD,
    CONVTOOL_FORMAT_PNM
} convtool_format;

/* "png", "jpg"/"jpeg", "bmp", "tga", "hdr", "npy", case-insensitive. */
CONVTOOL_API convtool_status convtool_format_parse(const char *text, convtool_format *fmt);
/* From a path's extension; CONVTOOL_FORMAT_UNKNOWN if none matches. */
CONVTOOL_API convtool_format convtool_format_from_path(const char *path);
CONVTOOL_API const char *convtool_format_name(convtool_format fmt);
/* Recognises a format by its first bytes. */
CONVTOOL_API convtool_format convtool_format_sniff(const unsigned char *bytes, size_t len);

/* What a file's header says, read without decoding pixels. */
typedef struct convtool_image_info {
    convtool_format format;
    int width, height, channels; /* channels after decoding (palette → 3 or 4) */
    int bit_depth;               /* 8 or 16 for images, 32/64 for .npy */
    int npy_rank;                /* 2, 3 or 4 for .npy, 0 otherwise */
    /* N of a rank-4 .npy (N, C, H, W), 0 otherwise. Its tensor holds the N·C
     * channels item after item (channels is C, one item's). */
    int npy_batch;
    /* EXIF orientation (JPEG APP1 Exif, PNG eXIf) 1..8, 0 = none. width and height are
     * the stored size; 5..8 show the picture transposed (height×width). */
    int orientation;
} convtool_image_info;

/* Reads the header of an in-memory file. */
CONVTOOL_API convtool_status convtool_image_probe(const unsigned char *bytes, size_t len,
                                                  convtool_image_info *info);

typedef struct convtool_load_options {
    uint64_t max_pixels; /* width×height limit checked from the header; 0 = none */
    /* Bytes decoding may use (convtool_decode_memory_estimate from the header, and the
     * decoder's allocations as it runs); 0 = no limit of our own. */
    uint64_t max_memory;
    /* 1: decode in this process. 0 (default): in a contained child process (a fork with
     * syscall limits, kept by the calling thread for its later decodes, and memory, CPU and
     * time limits per decode), unless the environment has CONVTOOL_SANDBOX=0. */
    int no_sandbox;
    /* 0 (default): a PNG or JPEG with an EXIF orientation 2..8 is decoded upright, as
     * viewers show it (pixels, tensor and the decode's info in shown orientation);
     * 1: the stored orientation is kept. */
    int no_autorotate;
} convtool_load_options;

/*
 * A PNG or JPEG decoded strip by strip, for the strip engine: the file behind
 * fd (len bytes from offset 0, read with pread, never held whole) is decoded
 * as rows are asked for — in this thread's contained worker unless
 * opts->no_sandbox, as convtool_image_decode_pixels would be — so memory is a
 * few rows, not the image. info is the probe's (e.g. of the file's skeleton,
 * convtool_image_skeleton). Rows are interleaved samples as
 * convtool_image_decode_pixels gives them (8-bit bytes, 16-bit native
 * uint16_t), w·channels·depth/8 bytes apart.
 *
 * open: CONVTOOL_EUNSUPPORTED for a file the streaming decoders leave to the
 * whole-image path (a palette, tRNS, interlacing, bit depths below 8, CMYK,
 * a build without them, an orientation to apply): decode it whole instead.
 * rows: the next `rows` rows; ECORRUPT for damaged data where it is met;
 * EUNSUPPORTED when a chunk the whole-image path must judge appears between
 * the image data (throw the rows away and decode whole). finish: after the
 * last row, the verdict on the rest of the file (a bad CRC further on is
 * ECORRUPT: the rows must not be kept). close releases the reader at any
 * point (after finish too). A contained reader holds its thread's decoder
 * worker until closed: meanwhile that thread's other decodes fail with
 * CONVTOOL_EINVAL (decode on another thread, or close the reader first).
 */
typedef struct convtool_image_reader convtool_image_reader;
CONVTOOL_API convtool_status convtool_image_reader_open(int fd, uint64_t len,
                                                        const convtool_image_info *info,
                                                        const convtool_load_options *opts,
                                                        convtool_image_reader **out);
CONVTOOL_API void convtool_image_reader_shape(const convtool_image_reader *r, int *w, int *h,
                                              int *channels, int *depth);
CONVTOOL_API convtool_status convtool_image_reader_rows(convtool_image_reader *r, void *dst,
                                                        int rows);
CONVTOOL_API convtool_status convtool_image_reader_finish(convtool_image_reader *r);
CONVTOOL_API void convtool_image_reader_close(convtool_image_reader *r);

/*
 * A .npy read a few rows at a time, for the strip engine: the file behind fd
 * (len bytes, read with pread, never held whole). open reads the header,
 * checks it against len and fills *info as convtool_image_probe does for the
 * whole file; CONVTOOL_EUNSUPPORTED for what the whole-file path must take
 * (Fortran order, rank 1, other dtypes, a damaged or over-long header).
 * rows: rows [row, row + n) of plane p into dst as float32, exactly as
 * convtool_image_decode gives them; planes are the decoded tensor's channels
 * (item·C + channel for (N, C, H, W)). ECORRUPT if the file was cut since.
 */
typedef struct convtool_npy_reader convtool_npy_reader;
CONVTOOL_API convtool_status convtool_npy_reader_open(int fd, uint64_t len,
                                                      convtool_image_info *info,
                                                      convtool_npy_reader **out);
CONVTOOL_API convtool_status convtool_npy_reader_rows(convtool_npy_reader *r, int plane, int row,
                                                      int n, float *dst);
CONVTOOL_API void convtool_npy_reader_close(convtool_npy_reader *r);

/*
 * A .npy written as a stream: the header convtool_image_encode writes for a
 * planes×h×w tensor with npy_rank `rank` and npy_batch `batch` (appended to
 * out), then the values in order, n at a time stored as float32 little-endian
 * into dst (4·n bytes).
 */
CONVTOOL_API convtool_status convtool_npy_header(int planes, int h, int w, int rank, int batch,
                                                 convtool_buffer *out);
CONVTOOL_API void convtool_npy_store(const float *v, size_t n, unsigned char *dst);

#define CONVTOOL_DEFAULT_MAX_PIXELS 100000000ull

/*
 * Scans (SOS markers) a JPEG may have; more is CONVTOOL_ESCANS (progressive)
 * or ECORRUPT (sequential: one scan per component, 4 at most). Each scan of
 * a progressive file is a pass over the whole image's coefficients, and a
 * scan of nothing but an end-of-band run costs a few bytes: a 1 MB file of
 * them kept the decoder busy for 7 CPU-seconds. Encoders write 6 to 10 scans
 * (libjpeg's default scripts), rarely a few dozen; a script that sends every
 * coefficient of 3 components on its own needs some 190. libjpeg-turbo's
 * fuzz targets have capped TJPARAM_SCANLIMIT at 500 (now 100); 500 is the
 * looser of the two, with room for every script short of a hostile one.
 */
#define CONVTOOL_JPEG_MAX_SCANS 500

/*
 * The memory decoding the image of `info` (from convtool_image_probe) needs at
 * its peak, in bytes: the decoder's buffers and the samples it returns (not
 * the float tensor: add convtool_image_decode's C·H·W·4 bytes for that), for
 * a file of file_len bytes. EOVERFLOW if it does not fit 64 bits.
 */
CONVTOOL_API convtool_status convtool_decode_memory_estimate(const convtool_image_info *info,
                                                             uint64_t file_len, uint64_t *bytes);
/* min(half the physical memory, 8 GiB, RLIMIT_AS, RLIMIT_DATA): the CLI's default --max-memory. */
CONVTOOL_API uint64_t convtool_default_max_memory(void);

/* A decoded image: the tensor plus what it came from. */
typedef struct convtool_image {
    convtool_tensor tensor; /* C×H×W, samples scaled to [0,1] (.npy as stored) */
    convtool_image_info info;
    int has_alpha;          /* last channel is alpha (gray+alpha, RGBA) */
} convtool_image;

/* Decodes PNG, JPEG or .npy bytes. Caller frees with convtool_image_free(). */
CONVTOOL_API convtool_status convtool_image_decode(const unsigned char *bytes, size_t len,
                                                   const convtool_load_options *opts,
                                                   convtool_image *img);
CONVTOOL_API void convtool_image_free(convtool_image *img);

/*
 * Decodes a PNG or JPEG into its interleaved 8- or 16-bit samples, without
 * the float conversion (the fused pixel path starts here). The same checks
 * as convtool_image_decode run first; *info is filled also on failure once
 * the header was read. .npy is CONVTOOL_EINVAL. Free px with convtool_pixels_free().
 */
CONVTOOL_API convtool_status convtool_image_decode_pixels(const unsigned char *bytes, size_t len,
                                                          const convtool_load_options *opts,
                                                          convtool_pixels *px,
                                                          convtool_image_info *info);

/*
 * convtool_read_file for images: the same, except that stdin ("-") is refused
 * with CONVTOOL_EUNSUPPORTED as soon as its first 16 bytes are not a PNG,
 * JPEG or .npy signature (an endless or huge non-image stream is not read),
 * and an input of 0 bytes (file or stdin) with CONVTOOL_EEMPTY.
 */
CONVTOOL_API convtool_status convtool_read_image(const char *path, uint64_t max_bytes,
                                                 convtool_buffer *out);

/*
 * For the strip engine: the skeleton of the PNG open at fd (len bytes) —
 * every chunk but the image data, read with pread — into out, which
 * convtool_image_probe and convtool_metadata_read answer on as on the whole
 * file; the pixels are then read from fd by convtool_image_reader. So the
 * compressed file is never in memory. CONVTOOL_EUNSUPPORTED for other
 * formats (read them whole), ECORRUPT for a cut or damaged chunk list,
 * ELIMIT for over 64 MiB of chunks besides the image data.
 */
CONVTOOL_API convtool_status convtool_image_skeleton(int fd, uint64_t len, convtool_buffer *out);

/*
 * Metadata carried from an input to its outputs (README, "What is kept"). It is
 * read from the raw bytes in this process by small container parsers (fuzzed:
 * fuzz/fuzz_metadata.c); the pixels are decoded apart, in the contained child.
 * Blocks over these sizes are dropped (their CONVTOOL_META_* bit in `dropped`).
 */
#define CONVTOOL_META_MAX_ICC ((size_t)4 << 20)   /* an ICC profile, uncompressed */
#define CONVTOOL_META_MAX_EXIF ((size_t)65527)    /* what one JPEG APP1 holds after "Exif\0\0" */
#define CONVTOOL_META_MAX_XMP ((size_t)65504)     /* a standard XMP packet (one APP1) */
#define CONVTOOL_META_MAX_TEXT ((size_t)1 << 20)  /* all text chunks and comments together */
#define CONVTOOL_META_MAX_TEXTS 64                /* text chunks and comments kept */

/* The parts of metadata, as bits (dropped, convtool_metadata_unsupported). */
enum {
    CONVTOOL_META_ICC = 1 << 0,     /* colour profile: PNG iCCP, JPEG APP2 ICC_PROFILE */
    CONVTOOL_META_EXIF = 1 << 1,    /* PNG eXIf, JPEG APP1 Exif */
    CONVTOOL_META_XMP = 1 << 2,     /* PNG iTXt XML:com.adobe.xmp, JPEG APP1 XMP */
    CONVTOOL_META_DENSITY = 1 << 3, /* PNG pHYs, JPEG JFIF density */
    CONVTOOL_META_TEXT = 1 << 4,    /* PNG tEXt/zTXt/iTXt, JPEG COM */
    CONVTOOL_META_COLOR = 1 << 5,   /* PNG sRGB, gAMA, cHRM */
    CONVTOOL_META_ORIENTATION = 1 << 6, /* an orientation tag kept by --no-autorotate */
    CONVTOOL_META_PARTS = 7
};

typedef enum convtool_text_kind {
    CONVTOOL_TEXT_PLAIN = 0, /* PNG tEXt (Latin-1) */
    CONVTOOL_TEXT_COMPRESSED,/* PNG zTXt (Latin-1, deflated in the file) */
    CONVTOOL_TEXT_INTERNATIONAL, /* PNG iTXt (UTF-8) */
    CONVTOOL_TEXT_COMMENT    /* JPEG COM (bytes as written; keyword "Comment") */
} convtool_text_kind;

typedef struct convtool_meta_text {
    convtool_text_kind kind;
    char keyword[80];     /* 1..79 Latin-1 bytes, NUL-terminated */
    unsigned char *text;  /* uncompressed, not NUL-terminated; owned */
    size_t text_len;
    char *language, *translated; /* iTXt only (owned, NUL-terminated), else NULL */
} convtool_meta_text;

/* Density units, as PNG pHYs and JFIF store them. */
typedef enum convtool_density_unit {
    CONVTOOL_DENSITY_NONE = 0,  /* no density */
    CONVTOOL_DENSITY_ASPECT,    /* x:y is the pixel aspect ratio only */
    CONVTOOL_DENSITY_PER_INCH,  /* JFIF units 1 */
    CONVTOOL_DENSITY_PER_CM,    /* JFIF units 2 */
    CONVTOOL_DENSITY_PER_METRE  /* PNG pHYs unit 1 */
} convtool_density_unit;

typedef struct convtool_metadata {
    int orientation;          /* EXIF 1..8, 0 = none; written into the EXIF that goes out */
    unsigned char *icc;       /* the ICC profile, uncompressed; owned (NULL = none) */
    size_t icc_len;
    char icc_name[80];        /* PNG iCCP's name ("" from JPEG: "ICC Profile" is written) */
    unsigned char *exif;      /* TIFF header onwards (no "Exif\0\0"); owned */
    size_t exif_len;
    unsigned char *xmp;       /* the XMP packet; owned */
    size_t xmp_len;
    convtool_density_unit density_unit;
    uint32_t density_x, density_y;
    int has_srgb, has_gama, has_chrm;
    unsigned char srgb_intent;
    uint32_t gama;            /* gamma × 100000 */
    unsigned char chrm[32];   /* cHRM's payload as stored */
    convtool_meta_text *texts; /* owned */
    size_t text_count;
    int frames;               /* > 1: APNG or multi-picture JPEG (only the first frame is read) */
    unsigned dropped;         /* CONVTOOL_META_* parts over their limit or damaged: not read */
} convtool_metadata;

/*
 * Reads the metadata of a PNG or JPEG in memory (other formats: an empty
 * record, CONVTOOL_OK). Damaged or oversized blocks are left out and flagged
 * in md->dropped, never an error: only ENOMEM fails. Free with
 * convtool_metadata_free (also after a failure).
 */
CONVTOOL_API convtool_status convtool_metadata_read(const unsigned char *bytes, size_t len,
                                                    convtool_metadata *md);
CONVTOOL_API void convtool_metadata_free(convtool_metadata *md);
/* Drops every part in `parts` (CONVTOOL_META_* bits) from md. */
CONVTOOL_API void convtool_metadata_drop(convtool_metadata *md, unsigned parts);
/* The parts md holds (CONVTOOL_META_* bits). */
CONVTOOL_API unsigned convtool_metadata_parts(const convtool_metadata *md);
/* The parts of md that `fmt` cannot hold (all of them for BMP, TGA, HDR, NPY). */
CONVTOOL_API unsigned convtool_metadata_unsupported(const convtool_metadata *md,
                                                    convtool_format fmt);
/*
 * Whether md's ICC profile fits an image of `channels` (1 or 2: gray, 3 or 4:
 * colour, as the encoders store them): its header's colour space must be
 * 'GRAY' or 'RGB ' to match. A gray output of an RGB photo (--gray, a weight
 * with one output) must not carry its RGB profile (libpng refuses such a PNG;
 * ImageMagick and libvips drop it), nor a CMYK JPEG's profile its RGB
 * pixels. Bytes that are no ICC header cannot be judged and fit; no profile
 * fits. The encoders leave an unfit profile out.
 */
CONVTOOL_API int convtool_metadata_icc_fits(const convtool_metadata *md, int channels);
/* "icc", "exif", "xmp", "density", "text", "gamma/chromaticity", "orientation" for one bit. */
CONVTOOL_API const char *convtool_metadata_part_name(unsigned part);

/*
 * Turns pixels or a tensor from EXIF orientation `orientation` (2..8; 0 and 1
 * do nothing) to upright, in place (the buffer is replaced for 5..8, which
 * swap width and height). EINVAL for other values.
 */
CONVTOOL_API convtool_status convtool_pixels_orient(convtool_pixels *px, int orientation);
CONVTOOL_API convtool_status convtool_tensor_orient(convtool_tensor *t, int orientation);

/* JPEG chroma sampling: Cb and Cr kept whole, halved across, or halved both ways. */
typedef enum convtool_jpeg_sampling {
    CONVTOOL_SAMPLING_AUTO = 0, /* save: 4:4:4 from quality 90 up, 4:2:0 below */
    CONVTOOL_SAMPLING_444,
    CONVTOOL_SAMPLING_422,
    CONVTOOL_SAMPLING_420,
    CONVTOOL_SAMPLING_GRAY,  /* estimate: one component */
    CONVTOOL_SAMPLING_OTHER  /* estimate: another layout (4:1:1, 4:4:0, ...) */
} convtool_jpeg_sampling;

/* "4:4:4", "4:2:2", "4:2:0", "gray", "other", "auto". */
CONVTOOL_API const char *convtool_jpeg_sampling_name(convtool_jpeg_sampling s);
/* "444"/"4:4:4", "422"/"4:2:2", "420"/"4:2:0" → *s; CONVTOOL_EINVAL otherwise. */
CONVTOOL_API convtool_status convtool_jpeg_sampling_parse(const char *text,
                                                          convtool_jpeg_sampling *s);

/* What a JPEG's tables say about how it was written. */
typedef struct convtool_jpeg_estimate {
    int quality; /* 1..100 on libjpeg's scale, as ImageMagick estimates it */
    int exact;   /* 1: the tables are libjpeg's standard ones scaled to `quality` */
    convtool_jpeg_sampling sampling; /* of the frame header (444, 422, 420, GRAY or OTHER) */
} convtool_jpeg_estimate;

/*
 * Estimates a JPEG's quality from its quantization tables (ImageMagick's
 * method: the tables' sums and a few coefficients compared with libjpeg's
 * standard tables at each quality) and reads its chroma sampling from the
 * frame header. Reads the segments up to the first scan only; fuzzed
 * (fuzz/fuzz_jpeg_quality.c). CONVTOOL_EUNSUPPORTED when the file is not a
 * JPEG or has no 8-bit table for its first component.
 */
CONVTOOL_API convtool_status convtool_jpeg_estimate_quality(const unsigned char *bytes, size_t len,
                                                            convtool_jpeg_estimate *est);

typedef struct convtool_save_options {
    convtool_format format;
    int jpeg_quality;  /* 1..100 */
    int npy_rank;      /* 2: write (H,W) (needs C == 1); 3: (C,H,W); 4: (N, C/N, H, W) */
    int npy_batch;     /* N for npy_rank 4 (it must divide C) */
    int png_level;     /* 1 (fastest) .. 9 (smallest); 0 = the default, 2 */
    convtool_pool *pool; /* threads for PNG compression and pixel conversion; NULL = one */
    /* Written into PNG and JPEG outputs (ICC, EXIF with its pixel dimensions set to the
     * output's, XMP, density, text; PNG colour chunks); other formats ignore it. NULL = none. */
    const convtool_metadata *metadata;
    int depth; /* PNG: 8 or 16 bits per sample (0 = 8); other formats take 0 or 8 only */
    convtool_jpeg_sampling jpeg_sampling; /* 444, 422, 420 or AUTO (by quality) */
} convtool_save_options;

/* The PNG levels convtool_save_options.png_level accepts. */
#define CONVTOOL_PNG_LEVEL_MIN 1
#define CONVTOOL_PNG_LEVEL_MAX 9

/*
 * Encodes a tensor to memory. 8-bit formats quantize round(clamp(v,0,1)·255),
 * a 16-bit PNG (depth 16) round(clamp(v,0,1)·65535);
 * channels 1..4 are gray, gray+alpha, RGB, RGBA. HDR keeps floats (negatives
 * become 0); NPY writes the float32 tensor as is. The JPEG stb writer (the
 * stb-only build, or CONVTOOL_JPEG_CODEC=stb) cannot choose its sampling: it
 * writes 4:4:4 above quality 90 and 4:2:0 up to it, whatever jpeg_sampling says.
 */
CONVTOOL_API convtool_status convtool_image_encode(const convtool_tensor *t,
                                                   const convtool_save_options *o,
                                                   convtool_buffer *out);

/*
 * The chroma sampling a JPEG encoded with o gets (444, 422 or 420): o's, or by
 * the quality for AUTO; with the stb writer always stb's rule (above).
 */
CONVTOOL_API convtool_jpeg_sampling convtool_jpeg_sampling_used(const convtool_save_options *o);

/*
 * Encodes 8-bit interleaved pixels (as convtool_conv2d_pixels writes them) to
 * PNG, JPEG (alpha dropped), BMP or TGA, or 16-bit ones to PNG: the same file
 * convtool_image_encode writes for the tensor of s/255 (s/65535) values with
 * o->depth the pixels' depth (o->depth is not read here). CONVTOOL_EUNSUPPORTED
 * for 16-bit pixels to other formats and for the float formats (HDR, NPY).
 */
CONVTOOL_API convtool_status convtool_pixels_encode(const convtool_pixels *px,
                                                    const convtool_save_options *o,
                                                    convtool_buffer *out);

/*
 * convtool_pixels_encode strip by strip: the same file, byte for byte (the
 * metadata of o spliced in alike), pushed out through push(ctx, bytes, n) —
 * 0 on success, −1 stops the writer with CONVTOOL_EIO — as it is made, so
 * neither the image nor the file is ever whole in memory. rows: the next n
 * rows of w·channels interleaved samples (8-bit bytes, 16-bit native
 * uint16_t); finish: after the last row (EINVAL if rows are missing). open is
 * CONVTOOL_EUNSUPPORTED for formats encoded whole (JPEG without libjpeg, BMP,
 * TGA). o->pool compresses PNG strips in parallel.
 */
typedef int (*convtool_image_push_fn)(void *ctx, const unsigned char *bytes, size_t n);
/* Whether convtool_image_writer_open takes this format now (PNG; JPEG with libjpeg). */
CONVTOOL_API int convtool_image_writer_fits(convtool_format format);
typedef struct convtool_image_writer convtool_image_writer;
CONVTOOL_API convtool_status convtool_image_writer_open(int w, int h, int channels, int depth,
                                                        const convtool_save_options *o,
                                                        convtool_image_push_fn push, void *ctx,
                                                        convtool_image_writer **out);
CONVTOOL_API convtool_status convtool_image_writer_rows(convtool_image_writer *wr,
                                                        const void *rows, int n);
CONVTOOL_API convtool_status convtool_image_writer_finish(convtool_image_writer *wr);
CONVTOOL_API void convtool_image_writer_close(convtool_image_writer *wr);

/*
 * For messages: "shape (64, 1, 28, 28), float32" from a .npy's header, also
 * for an array convtool does not take (another rank or dtype); "" when the
 * header cannot be read.
 */
CONVTOOL_API void convtool_npy_describe(const unsigned char *bytes, size_t len, char *text,
                                        size_t size);

/* Writes a 4-D K×C×H×W stack of same-shaped tensors as one float32 .npy. */
CONVTOOL_API convtool_status convtool_npy_encode_stack(const convtool_tensor *parts, size_t n,
                                                       convtool_buffer *out);

/* ======== tool and test knobs: instruction sets, signal-time cleanup ===================== */

/* Instruction sets of the convolution loops; results agree within 1e-5 across
 * levels, and are bit-identical across thread counts at any one level. */
typedef enum convtool_simd {
    CONVTOOL_SIMD_AUTO = 0, /* the best the CPU has */
    CONVTOOL_SIMD_SCALAR,   /* portable C */
    CONVTOOL_SIMD_SSE2,
    CONVTOOL_SIMD_AVX2,     /* AVX2 + FMA */
    CONVTOOL_SIMD_AVX512
} convtool_simd;

/* Pins a level for the whole process (AUTO undoes it); EUNSUPPORTED if the CPU lacks it. */
CONVTOOL_API convtool_status convtool_simd_force(convtool_simd level);
/* The level in use now. */
CONVTOOL_API convtool_simd convtool_simd_active(void);
CONVTOOL_API const char *convtool_simd_name(convtool_simd level);
CONVTOOL_API convtool_status convtool_simd_parse(const char *text, convtool_simd *level);

/*
 * Removes any temporary file that convtool_write_file_atomic is writing at
 * this moment, in any thread. Async-signal-safe: call it from a signal
 * handler before exit. From then on the process creates no temporary file
 * (convtool_write_file_atomic fails with CONVTOOL_EIO and errno EINTR).
 */
CONVTOOL_API void convtool_atomic_cleanup(void);

/*
 * The signals convtool_write_file_atomic blocks while it creates or renames a
 * temp file: every catchable one whose default action ends the process
 * (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGXCPU, SIGUSR1/2, SIGALRM, SIGVTALRM,
 * SIGPROF, SIGIO, SIGPWR, SIGSTKFLT, the real-time ones) but the fault signals
 * and SIGPIPE/SIGXFSZ. A program that calls convtool_atomic_cleanup from a
 * handler installs it for exactly these. set is a sigset_t * (void * here, so
 * that this header needs no <signal.h>).
 */
CONVTOOL_API void convtool_atomic_signal_set(void *set);

#ifdef __cplusplus
}
#endif
#endif /* CONVTOOL_CONVTOOL_H */
