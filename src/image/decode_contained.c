/*
 * The contained decode of PNG and JPEG (see decode_contained.h): the PNG
 * pre-pass, then stb or libjpeg-turbo in this thread's long-lived sandboxed
 * worker (sandbox_worker.h) with a budgeted allocator, the pixels handed
 * back through the worker's reply pipe.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/big_alloc.h"
#include "codec/decode_arena.h"
#include "image/decode_contained.h"
#include "codec/png_read.h"
#include "sandbox/decode_sandbox.h"
#include "sandbox/sandbox_worker.h"
#include "codec/jpeg_turbo.h"
#include "codec/png_precheck.h"
#include "codec/stb_codec.h"

/* Room above the header's estimate: the arena's block headers, the decoder's small tables. */
#define ARENA_SLACK ((uint64_t)16 << 20)
/* Room in the child's address space for the code, stack and libjpeg-turbo's own tables. */
#define SANDBOX_SLACK ((uint64_t)256 << 20)
#define SANDBOX_CPU_BASE 5
#define SANDBOX_CPU_PER_MPIXEL 2
/* A worker's sent pixels of at least this size are given back at once (in whole pages). */
#define GIVE_BACK_MIN ((size_t)1 << 20)
#define GIVE_BACK_PAGE 4096 /* where pages are bigger, madvise refuses: they go at the next job */

/*
 * JPEGs go to libjpeg-turbo when it is built in and active; it hands CMYK and
 * YCCK files back (EUNSUPPORTED) so that stb converts them the same way in
 * every build. libjpeg-turbo's buffer is malloc'ed: copied out and freed.
 */
static convtool_status decode8(const unsigned char *bytes, size_t len,
                               const convtool_image_info *info, int *w, int *h, int *n,
                               unsigned char **p8, int *turbo)
{
    *turbo = 0;
    if (info->format == CONVTOOL_FORMAT_JPEG && jpeg_turbo_active()) {
        convtool_status st = jpeg_turbo_decode(bytes, len, w, h, n, p8);
        if (st != CONVTOOL_EUNSUPPORTED) {
            *turbo = 1;
            return st;
        }
    }
    return stb_codec_decode8(bytes, len, w, h, n, p8);
}

/*
 * What the decoder needs, and where its pixels go: out (out_bytes exactly, as
 * the probe predicts) in this process; in the contained child out is NULL
 * and the pixels are sent through the sandbox's pipe instead.
 */
struct decode_job {
    const unsigned char *bytes;
    size_t len;
    const convtool_image_info *info;
    unsigned char *out;
    size_t out_bytes;
    size_t arena_cap;
};

/* The decoder's answer (through the sandbox's pipe when contained). */
struct decode_reply {
    int status;
};

/* The decoder's status, and its result checked against the shape the probe promised. */
static convtool_status check_result(const struct decode_job *job, convtool_status st,
                                    const struct decode_arena *arena, int w, int h, int n)
{
    const convtool_image_info *info = job->info;
    if (st != CONVTOOL_OK && arena->refused)
        return CONVTOOL_EMEMLIMIT; /* stb's reason may say anything; the arena knows */
    if (st != CONVTOOL_OK && arena->failed)
        return CONVTOOL_ENOMEM;
    /* The probe promised this shape; disagreement means a file we misread. */
    if (st == CONVTOOL_OK && (w != info->width || h != info->height || n != info->channels))
        return CONVTOOL_ECORRUPT;
    return st;
}

/*
 * Decodes job->bytes, stb allocating from a budgeted arena (which hands stb
 * job->out for the image it returns, so in this process there is usually
 * no copy). Returns the pixels, or NULL with *st set; *turbo says they were
 * malloc'ed by libjpeg-turbo.
 */
static void *decode_pixels(const struct decode_job *job, struct decode_arena *arena,
                           convtool_status *st, int *turbo)
{
    int w = 0, h = 0, n = 0;
    void *pixels = NULL;
    *turbo = 0;
    decode_arena_use(arena);
    /* The libdeflate fast path takes common PNGs; it hands the rest (palette,
     * tRNS, interlaced, < 8 bits) back to stb. Its buffer is malloc'ed, like
     * libjpeg-turbo's, so it is released the same way. */
    convtool_pixels fast = {0};
    *st = job->info->format == CONVTOOL_FORMAT_PNG
              ? png_read_fast(job->bytes, job->len, job->info, &fast)
              : CONVTOOL_EUNSUPPORTED;
    if (*st != CONVTOOL_EUNSUPPORTED) {
        pixels = fast.data;
        w = fast.width, h = fast.height, n = fast.channels;
        *turbo = 1;
    } else if (job->info->bit_depth == 16)
        *st = stb_codec_decode16(job->bytes, job->len, &w, &h, &n, (uint16_t **)&pixels);
    else
        *st =
            decode8(job->bytes, job->len, job->info, &w, &h, &n, (unsigned char **)&pixels, turbo);
    decode_arena_use(NULL);
    *st = check_result(job, *st, arena, w, h, n);
    if (*st == CONVTOOL_OK)
        return pixels;
    if (*turbo)
        free(pixels);
    return NULL;
}

/* In this process: into job->out. */
static convtool_status decode_here(const struct decode_job *job)
{
    struct decode_arena arena;
    convtool_status st = CONVTOOL_ENOMEM;
    int turbo = 0;
    if (decode_arena_open(&arena, job->arena_cap, job->out, job->out_bytes) == 0) {
        void *pixels = decode_pixels(job, &arena, &st, &turbo);
        if (pixels && pixels != job->out)
            memcpy(job->out, pixels, job->out_bytes);
        if (turbo)
            free(pixels);
    }
    decode_arena_close(&arena);
    return st;
}

/* A malloc'ed buffer's whole pages, given back (madvise) but still allocated: see below. */
static void give_back(void *p, size_t size)
{
    uintptr_t page = GIVE_BACK_PAGE, start = (uintptr_t)p, end = start + size;
    uintptr_t from = (start + page - 1) / page * page, to = end / page * page;
    if (size >= GIVE_BACK_MIN && to > from)
        (void)madvise((void *)from, to - from, MADV_DONTNEED);
}

/* What a worker needs besides the input bytes: sent with each job. */
struct worker_params {
    convtool_image_info info;
    size_t arena_cap;
    size_t out_bytes;
};

/*
 * In the contained worker, one job. The arena stays from job to job (its
 * pages reset, not mapped anew), and the pixels the previous job sent by
 * reference are released only now, when the parent has read them all. A
 * failed decode retires the worker: the next file gets a fresh one.
 */
static void decode_in_worker(const void *params, const unsigned char *input, size_t input_len,
                             struct sandbox_out *out)
{
    static struct decode_arena arena;
    static void *sent_malloced; /* libjpeg-turbo's or libdeflate's buffer, sent last time */
    const struct worker_params *p = params;
    struct decode_job job = {input, input_len, &p->info, NULL, 0, p->arena_cap};
    convtool_status st = CONVTOOL_ENOMEM;
    int turbo = 0;
    void *pixels = NULL;
    free(sent_malloced);
    sent_malloced = NULL;
    if (decode_arena_reset(&arena, p->arena_cap) == 0)
        pixels = decode_pixels(&job, &arena, &st, &turbo);
    struct decode_reply reply = {st};
    sandbox_out_reply(out, &reply, sizeof reply);
    if (pixels)
        sandbox_out_data(out, pixels, p->out_bytes);
    /* The pipe holds the pages it was sent by reference: our mapping of them may go now,
     * so that an idle worker holds no image (their bytes are written to only later). */
    decode_arena_trim(&arena);
    if (turbo) {
        give_back(pixels, p->out_bytes);
        sent_malloced = pixels;
    }
    if (st != CONVTOOL_OK)
        sandbox_out_retire(out);
}

/*
 * CONVTOOL_DECODE_WALL_MS (a number of ms) lowers the wall-clock limit; it
 * never raises it. For tests: a limit short enough to meet in a test, e.g.
 * that a stop longer than the limit does not fail a valid image.
 */
static unsigned wall_ms_for(unsigned wall_ms)
{
    const char *env = getenv("CONVTOOL_DECODE_WALL_MS");
    char *end;
    if (!env || *env < '0' || *env > '9')
        return wall_ms;
    unsigned long ms = strtoul(env, &end, 10);
    return *end == '\0' && ms > 0 && ms < wall_ms ? (unsigned)ms : wall_ms;
}

/*
 * CPU seconds for a decode: generous (stb decodes some 50 megapixels a
 * second), so only a decoder caught in a loop meets them.
 */
void decode_sandbox_limits(const convtool_image_info *info, uint64_t memory,
                           struct sandbox_limits *lim)
{
    uint64_t mpix = ((uint64_t)info->width * (uint64_t)info->height >> 20) + 1;
    uint64_t cpu = SANDBOX_CPU_BASE + SANDBOX_CPU_PER_MPIXEL * mpix;
    lim->memory = memory;
    lim->cpu_seconds = cpu > UINT32_MAX / 2000 ? UINT32_MAX / 2000 : (unsigned)cpu;
    lim->wall_ms = wall_ms_for(2000 * lim->cpu_seconds); /* twice the CPU time: a busy machine */
}

/* The stb arena's cap: twice the header's estimate (or the whole --max-memory if lower). */
static size_t arena_cap_for(uint64_t estimate, const convtool_load_options *opts)
{
    uint64_t cap =
        estimate > (UINT64_MAX - ARENA_SLACK) / 2 ? UINT64_MAX : 2 * estimate + ARENA_SLACK;
    if (opts && opts->max_memory && cap > opts->max_memory)
        cap = opts->max_memory;
    return cap > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)cap;
}

/* Decodes a PNG or JPEG (already probed and checked) into a new malloc'ed buffer. */
static convtool_status decode_to_buffer(const unsigned char *bytes, size_t len,
                                        const convtool_image_info *info,
                                        const convtool_load_options *opts, uint64_t estimate,
                                        struct raw_image *raw)
{
    size_t out_bytes;
    convtool_status st =
        convtool_mul_size((size_t)info->width, (size_t)info->height, (size_t)info->channels,
                          (size_t)info->bit_depth / 8, &out_bytes);
    if (st != CONVTOOL_OK)
        return st;
    unsigned char *out = big_alloc(out_bytes);
    if (!out)
        return CONVTOOL_ENOMEM;
    struct decode_job job = {bytes, len, info, out, out_bytes, arena_cap_for(estimate, opts)};
    if (sandbox_wanted(opts)) {
        struct decode_reply reply = {CONVTOOL_OK};
        struct sandbox_limits lim;
        struct worker_params params = {*info, job.arena_cap, out_bytes};
        decode_sandbox_limits(info, (uint64_t)job.arena_cap + estimate + len + SANDBOX_SLACK, &lim);
        struct sandbox_job call = {decode_in_worker, &params, sizeof params, bytes, len,
                                   &reply, sizeof reply, out, out_bytes, 0};
        st = sandbox_worker_run(&call, &lim);
        if (st == CONVTOOL_OK)
            st = (convtool_status)reply.status;
        if (st == CONVTOOL_OK && call.got_bulk != out_bytes)
            st = CONVTOOL_EHOSTILE; /* "fine", but not the pixels: not our decoder talking */
    } else {
        st = decode_here(&job);
    }
    if (st != CONVTOOL_OK) {
        free(out);
        return st;
    }
    *raw = (struct raw_image){out, out_bytes};
    return CONVTOOL_OK;
}

void raw_image_release(struct raw_image *r)
{
    free(r->data);
    memset(r, 0, sizeof *r);
}

convtool_status decode_contained(const unsigned char *bytes, size_t len,
                                 const convtool_image_info *info, const convtool_load_options *opts,
                                 struct raw_image *raw)
{
    unsigned char *fixed = NULL;
    size_t fixed_len = 0;
    uint64_t estimate = 0;
    memset(raw, 0, sizeof *raw);
    convtool_status st = convtool_decode_memory_estimate(info, len, &estimate);
    if (st == CONVTOOL_OK && info->format == CONVTOOL_FORMAT_PNG)
        st = png_precheck(bytes, len, &fixed, &fixed_len);
    if (st == CONVTOOL_OK)
        st = decode_to_buffer(fixed ? fixed : bytes, fixed ? fixed_len : len, info, opts, estimate,
                              raw);
    free(fixed);
    return st;
}
