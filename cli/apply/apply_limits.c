/*
 * The limits of `apply`: option parsing and the check of a job from its
 * header, in overflow-checked 64-bit arithmetic (see apply_limits.h).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/apply_limits.h"
#include "common/messages.h"

/* ---------------------------------------------------------------- parsing */

static int suffix_scale(const char *s, uint64_t *scale)
{
    static const char letters[] = "kMGT";
    if (*s == '\0') {
        *scale = 1;
        return 0;
    }
    const char *at = strchr(letters, *s == 'K' ? 'k' : *s);
    if (!at || *s == '\0')
        return -1;
    int binary = s[1] == 'i';
    if (s[1 + binary] != '\0')
        return -1;
    uint64_t base = binary ? 1024 : 1000;
    *scale = 1;
    for (long i = 0; i <= at - letters; i++)
        *scale *= base;
    return 0;
}

int parse_byte_size(const char *text, uint64_t *out, const char **why)
{
    uint64_t v = 0, scale;
    const char *p = text;
    if (*p < '0' || *p > '9') {
        *why = "expected a number, optionally with k, M, G, T, Ki, Mi, Gi or Ti";
        return -1;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
            *why = "too large";
            return -1;
        }
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (suffix_scale(p, &scale) != 0) {
        *why = "unknown suffix (k, M, G, T, Ki, Mi, Gi, Ti)";
        return -1;
    }
    if (v != 0 && scale > UINT64_MAX / v) {
        *why = "too large";
        return -1;
    }
    *out = v * scale;
    return 0;
}

int apply_limit_option(enum limit_kind kind, const char *arg, struct apply_options *o)
{
    static const char *const names[] = {"--max-memory", "--max-work", "--max-input-bytes"};
    uint64_t *dest[] = {&o->max_memory, &o->max_work, &o->max_input_bytes};
    const char *why = NULL;
    if (parse_byte_size(arg, dest[kind], &why) != 0) {
        cli_error("%s '%s': %s", names[kind], arg, why);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

void apply_limit_defaults(struct apply_options *o)
{
    o->max_memory = convtool_default_max_memory();
    o->max_work = APPLY_DEFAULT_MAX_WORK;
    o->max_input_bytes = APPLY_DEFAULT_MAX_INPUT_BYTES;
}

convtool_load_options apply_load_options(const struct apply_options *o)
{
    return (convtool_load_options){
        .max_pixels = o->max_pixels, .max_memory = o->max_memory, .no_sandbox = o->no_sandbox,
        .no_autorotate = o->no_autorotate};
}

/* ------------------------------------------------------------- reading */

/* "1.5 GiB": for messages only. */
static const char *human(uint64_t n, char *buf, size_t size)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024.0 && u < 6) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

int apply_read_limited(const struct apply_options *o, const char *path, convtool_buffer *file)
{
    convtool_status st = convtool_read_image(path, o->max_input_bytes, file);
    if (st == CONVTOOL_ELIMIT) {
        char a[32];
        cli_error("%s: larger than the --max-input-bytes limit of %" PRIu64 " bytes (%s); "
                  "refused without reading it%s (raise it with --max-input-bytes, 0 = no limit)",
                  path, o->max_input_bytes, human(o->max_input_bytes, a, sizeof a),
                  strcmp(path, "-") == 0 ? " further" : "");
        return EXIT_RUNTIME;
    }
    if (st == CONVTOOL_EUNSUPPORTED && strcmp(path, "-") == 0) {
        cli_error("-: standard input is not a PNG, JPEG or .npy file (unsupported format); "
                  "refused after its first bytes");
        return EXIT_RUNTIME;
    }
    return st == CONVTOOL_OK ? EXIT_OK : cli_report(path, st);
}

/* ------------------------------------------------------------ the check */

/* What one input's run needs; every sum and product overflow-checked. */
struct need {
    uint64_t decode;  /* the decoder, its output included */
    uint64_t buffers; /* tensors or 8-bit buffers, outputs and encoded files */
    uint64_t work;    /* multiply-adds */
    int overflow;
};

static uint64_t add(struct need *n, uint64_t a, uint64_t b)
{
    if (a > UINT64_MAX - b) {
        n->overflow = 1;
        return UINT64_MAX;
    }
    return a + b;
}

static uint64_t mul(struct need *n, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    uint64_t r;
    if (convtool_mul_u64(a, b, c, d, &r) != CONVTOOL_OK) {
        n->overflow = 1;
        return UINT64_MAX;
    }
    return r;
}

/* The items of a rank-4 .npy; 1 for anything else. */
static uint64_t batch_of(const convtool_image_info *info)
{
    return info->npy_batch > 0 ? (uint64_t)info->npy_batch : 1;
}

/*
 * Per kernel: its output (float or 8-bit), and its multiply-adds. The float
 * path keeps every kernel's result (and a combined one); the fused path
 * writes one output at a time. Returns -1 when a geometry does not resolve.
 */
static int add_kernels(const struct apply_job *job, const convtool_image_info *info, int fused,
                       struct need *n)
{
    uint64_t c = mul(n, (uint64_t)info->channels, batch_of(info), 1, 1), largest = 0, sum = 0;
    /* 16-bit results: --depth 16, or a 16-bit input (save_choice.c) */
    int sixteen = job->opts->depth == 16 || (job->opts->depth == 0 && info->bit_depth == 16);
    int fused_sample = sixteen ? 2 : 1;
    for (int k = 0; k < job->kernel_count; k++) {
        const convtool_kernel *kn = &job->kernels[k].k;
        const convtool_weight *wt = &job->kernels[k].wt;
        convtool_geometry g;
        if (convtool_geometry_resolve(&job->opts->geometry, info->height, info->width, kn->h, kn->w,
                                      &g) != CONVTOOL_OK)
            return -1;
        /* a weight: O outputs per item, each summing C/groups planes of taps */
        uint64_t planes = wt->values ? mul(n, (uint64_t)wt->o, batch_of(info), 1, 1) : c;
        uint64_t outs = mul(n, (uint64_t)g.out_h, (uint64_t)g.out_w, planes, 1);
        uint64_t taps = mul(n, (uint64_t)kn->h, (uint64_t)kn->w,
                            wt->values ? (uint64_t)wt->c_per_group : 1, 1);
        n->work = add(n, n->work, mul(n, outs, taps, 1, 1));
        uint64_t bytes = mul(n, outs, fused ? (uint64_t)fused_sample : sizeof(float), 1, 1);
        sum = add(n, sum, bytes);
        largest = bytes > largest ? bytes : largest;
    }
    /* The encoded file is at most about the size of its samples (stored PNG, .npy). */
    if (fused)
        n->buffers = add(n, n->buffers, mul(n, largest, 2, 1, 1));
    else
        n->buffers = add(n, n->buffers, add(n, sum, mul(n, largest, 2, 1, 1)));
    return 0;
}

/*
 * --chain: each step filters the previous result, whose size the geometry
 * changes (padding can grow it step by step), so the steps are sized in turn:
 * the work of each on its own input, the memory of the largest pair held at
 * once (a step's input and its output). A step that does not fit stops the
 * count there: the steps before it still run, and are counted.
 */
static void add_chain(const struct apply_job *job, const convtool_image_info *info,
                      struct need *n)
{
    uint64_t c = mul(n, (uint64_t)info->channels, batch_of(info), 1, 1), held = 0, last = 0;
    uint64_t prev = mul(n, c, (uint64_t)info->height, (uint64_t)info->width, sizeof(float));
    int h = info->height, w = info->width;
    for (int k = 0; k < job->kernel_count; k++) {
        const convtool_kernel *kn = &job->kernels[k].k;
        convtool_geometry g;
        if (convtool_geometry_resolve(&job->opts->geometry, h, w, kn->h, kn->w, &g) != CONVTOOL_OK)
            break;
        uint64_t outs = mul(n, (uint64_t)g.out_h, (uint64_t)g.out_w, c, 1);
        n->work = add(n, n->work, mul(n, outs, (uint64_t)kn->h, (uint64_t)kn->w, 1));
        last = mul(n, outs, sizeof(float), 1, 1);
        uint64_t pair = add(n, prev, last);
        held = pair > held ? pair : held;
        prev = last;
        h = g.out_h;
        w = g.out_w;
    }
    /* The encoded file is at most about the size of its samples (stored PNG, .npy). */
    n->buffers = add(n, n->buffers, add(n, held, mul(n, last, 2, 1, 1)));
}

/*
 * The strip engine's footprint (apply_stream.c): the decoder's rows and input
 * pieces, the window of input rows a strip reads, the strip, and the PNG
 * writer's strips in flight (2 per thread, each up to ~3 times its 512 KiB
 * of rows: rows, filtered rows, worst-case compressed) — all by the width.
 */
static void add_stream(const struct apply_job *job, const convtool_image_info *info,
                       size_t file_len, struct need *n)
{
    const convtool_kernel *kn = &job->kernels[0].k;
    convtool_geometry g;
    if (convtool_geometry_resolve(&job->opts->geometry, info->height, info->width, kn->h, kn->w,
                                  &g) != CONVTOOL_OK) {
        n->buffers = n->work = 0; /* the pipeline explains the geometry */
        return;
    }
    uint64_t sample = info->bit_depth == 16 || job->opts->depth == 16 ? 2 : 1;
    /* a .npy or HDR output's strip is floats, then a plane stored as the file has it (.npy)
     * or the strip encoded (HDR: 4 bytes a pixel) */
    int npy = job->outputs[0].format == CONVTOOL_FORMAT_NPY ||
              job->outputs[0].format == CONVTOOL_FORMAT_HDR;
    uint64_t out_sample = npy ? sizeof(float) : sample;
    uint64_t in_row = mul(n, (uint64_t)info->width, (uint64_t)info->channels, sample, 1);
    uint64_t out_row = mul(n, (uint64_t)g.out_w, (uint64_t)info->channels, out_sample, 1);
    uint64_t strip = out_row ? ((uint64_t)1 << 20) / out_row : 1024;
    strip = strip < 8 ? 8 : strip > 1024 ? 1024 : strip;
    /* the window may hold twice a strip's reach (reflected bottom padding, window_rows) */
    uint64_t window =
        2 * (strip * (uint64_t)g.stride_y + (uint64_t)(g.k_h - 1) * g.dilation_y + 1);
    uint64_t piece = out_row > ((uint64_t)512 << 10) ? out_row : (uint64_t)512 << 10;
    uint64_t threads = (uint64_t)convtool_pool_threads(job->pool);
    /* the decoder's rows and input pieces, the read-ahead ring (2 MiB, or 2 rows if wider),
     * and a JPEG's bytes, read whole for its probe */
    uint64_t ring = mul(n, in_row, 2, 1, 1) > ((uint64_t)2 << 20) ? mul(n, in_row, 2, 1, 1)
                                                                 : (uint64_t)2 << 20;
    n->decode = add(n, (uint64_t)1 << 20, mul(n, in_row, 4, 1, 1));
    n->decode = add(n, n->decode, ring);
    if (info->format == CONVTOOL_FORMAT_JPEG)
        n->decode = add(n, n->decode, file_len);
    n->buffers = add(n, mul(n, window, in_row, 1, 1), mul(n, strip, out_row, 1, 1));
    n->buffers = add(n, n->buffers, npy ? mul(n, strip, (uint64_t)g.out_w, sizeof(float), 1)
                                        : mul(n, 2 * threads, 3, piece, 1));
    /* circular padding: the wrapped rows saved (apply_stream_rows.c), and pass 1's 1 MiB of
     * rows passed over (or a row, if wider) */
    if (g.mode == CONVTOOL_PAD_CIRCULAR && g.pad_top + g.pad_bottom > 0) {
        uint64_t wrapped = (uint64_t)g.pad_top + (uint64_t)g.pad_bottom;
        uint64_t skip = in_row > ((uint64_t)1 << 20) ? in_row : (uint64_t)1 << 20;
        n->buffers = add(n, n->buffers, add(n, mul(n, wrapped, in_row, 1, 1), skip));
    }
    n->work = mul(n, mul(n, (uint64_t)g.out_h, (uint64_t)g.out_w, (uint64_t)info->channels, 1),
                  (uint64_t)kn->h, (uint64_t)kn->w, 1);
}

static void compute(const struct apply_job *job, const convtool_image_info *info, size_t file_len,
                    int fused, int streaming, struct need *n)
{
    if (streaming) {
        add_stream(job, info, file_len, n);
        return;
    }
    if (convtool_decode_memory_estimate(info, file_len, &n->decode) != CONVTOOL_OK)
        n->overflow = 1;
    n->decode = add(n, n->decode, file_len); /* the file stays in memory while it decodes */
    if (!fused) {                            /* the input tensor and the planes split from it */
        uint64_t tensor = mul(n, mul(n, (uint64_t)info->channels, batch_of(info), 1, 1),
                              (uint64_t)info->height, (uint64_t)info->width, sizeof(float));
        n->buffers = mul(n, tensor, 2, 1, 1);
    }
    if (job->opts->chain)
        add_chain(job, info, n);
    else if (add_kernels(job, info, fused, n) != 0)
        n->buffers = n->work = 0; /* the pipeline explains the geometry */
}

static int refuse_memory(const struct apply_job *job, const struct need *n, uint64_t total)
{
    char a[32], b[32], c[32], d[32];
    if (n->overflow)
        cli_error("%s: the memory it needs does not fit in 64 bits; over the --max-memory limit "
                  "of %s",
                  job->input, human(job->opts->max_memory, d, sizeof d));
    else
        cli_error("%s: needs about %s of memory (%s to read and decode, %s of tensors and "
                  "outputs), over the --max-memory limit of %s (raise it with --max-memory, "
                  "0 = no limit)",
                  job->input, human(total, a, sizeof a), human(n->decode, b, sizeof b),
                  human(n->buffers, c, sizeof c), human(job->opts->max_memory, d, sizeof d));
    return EXIT_RUNTIME;
}

static int refuse_work(const struct apply_job *job, const convtool_image_info *info,
                       const struct need *n)
{
    cli_error("%s: %dx%d with %d channel(s) and these kernels is %s%.3g multiply-adds, over the "
              "--max-work limit of %.3g (raise it with --max-work, 0 = no limit)",
              job->input, info->width, info->height, info->channels,
              n->overflow ? "more than " : "", (double)n->work, (double)job->opts->max_work);
    return EXIT_RUNTIME;
}

/* The needs against --max-memory and --max-work: the refusal printed, or EXIT_OK. */
static int check_need(const struct apply_job *job, const convtool_image_info *info,
                      const struct need *need)
{
    const struct apply_options *o = job->opts;
    struct need n = *need;
    uint64_t total = add(&n, n.decode, n.buffers);
    if (o->max_memory && (n.overflow || total > o->max_memory))
        return refuse_memory(job, &n, total);
    if (o->max_work && n.work > o->max_work)
        return refuse_work(job, info, &n);
    return EXIT_OK;
}

int apply_check_limits(const struct apply_job *job, const convtool_image_info *info,
                       size_t file_len, int fused, int streaming)
{
    struct need n = {0, 0, 0, 0};
    compute(job, info, file_len, fused, streaming, &n);
    return check_need(job, info, &n);
}

int apply_check_footprint(const struct apply_job *job, const convtool_image_info *info,
                          uint64_t decode, uint64_t buffers, uint64_t work, int overflow)
{
    struct need n = {decode, buffers, work, overflow};
    return check_need(job, info, &n);
}

int apply_open_regular(const char *path, uint64_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
        close(fd);
        return -1;
    }
    *len = (uint64_t)st.st_size;
    return fd;
}

static int refuse_pixels(const struct apply_options *o, const char *path,
                         const convtool_image_info *info)
{
    uint64_t pixels = (uint64_t)info->width * (uint64_t)info->height;
    cli_error("%s: %dx%d = %" PRIu64 " pixels is over the limit of %" PRIu64
              " (raise it with --max-pixels)",
              path, info->width, info->height, pixels, o->max_pixels);
    return EXIT_RUNTIME;
}

/*
 * The size a regular file's first bytes give: a PNG's IHDR (bytes 16-23) or a
 * .npy's header. 0 when they say nothing (other formats, damage: the whole
 * read judges those).
 */
static int size_from_header(int fd, uint64_t len, convtool_image_info *info)
{
    unsigned char h[24];
    if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h)
        return 0;
    if (memcmp(h, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16) == 0) {
        uint32_t w = (uint32_t)h[16] << 24 | (uint32_t)h[17] << 16 | (uint32_t)h[18] << 8 | h[19];
        uint32_t ht = (uint32_t)h[20] << 24 | (uint32_t)h[21] << 16 | (uint32_t)h[22] << 8 | h[23];
        if (w < 1 || ht < 1 || w > INT32_MAX || ht > INT32_MAX)
            return 0;
        memset(info, 0, sizeof *info);
        info->width = (int)w, info->height = (int)ht;
        return 1;
    }
    convtool_npy_reader *r;
    if (memcmp(h, "\x93NUMPY", 6) != 0 ||
        convtool_npy_reader_open(fd, len, info, &r) != CONVTOOL_OK)
        return 0;
    convtool_npy_reader_close(r);
    return 1;
}

/*
 * A file whose header already says it is over --max-pixels is refused before
 * it is read: a 0.9 GB gigapixel PNG took 4 s and 217 MB of memory to be told.
 */
static int header_over_pixels(const struct apply_options *o, const char *path,
                              convtool_image_info *info)
{
    uint64_t len;
    int fd = strcmp(path, "-") != 0 && o->max_pixels ? apply_open_regular(path, &len) : -1;
    if (fd < 0)
        return 0;
    int over = size_from_header(fd, len, info) &&
               (uint64_t)info->width * (uint64_t)info->height > o->max_pixels;
    close(fd);
    return over;
}

int apply_read_input(const struct apply_options *o, const char *path, convtool_buffer *file,
                     convtool_image_info *info)
{
    if (header_over_pixels(o, path, info))
        return refuse_pixels(o, path, info);
    int rc = apply_read_limited(o, path, file); /* --max-input-bytes */
    if (rc != EXIT_OK)
        return rc;
    convtool_status st = convtool_image_probe(file->data, file->len, info);
    if (st == CONVTOOL_EUNSUPPORTED && info->format == CONVTOOL_FORMAT_NPY) {
        char shape[160];
        convtool_npy_describe(file->data, file->len, shape, sizeof shape);
        cli_error("%s: %s%sa .npy input is float32 or float64 of shape (H, W), (C, H, W) or a "
                  "batch (N, C, H, W)",
                  path, shape, shape[0] ? ": " : "");
        return EXIT_RUNTIME;
    }
    if (st != CONVTOOL_OK)
        return cli_report(path, st);
    if ((uint64_t)info->width * (uint64_t)info->height > o->max_pixels)
        return refuse_pixels(o, path, info);
    return EXIT_OK;
}
