/*
 * The decoder sandbox (src/sandbox/: the workers' lockdown and limits) and
 * the budgeted arena (src/codec/decode_arena.c): a worker that crashes, makes
 * a forbidden syscall, hangs or overruns its budget is reported cleanly;
 * results come back through the reply and the bulk data after it; a decode
 * inside and outside the sandbox gives the same bytes. Issue 9: the limits
 * hold without /proc, a lack of descriptors is reported as such, and a stop
 * is not charged to the worker's time. (test_sandbox_worker.c: the workers'
 * life from job to job.)
 */
#define _GNU_SOURCE /* unshare */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "convtool/convtool.h"
#include "codec/decode_arena.h"
#include "sandbox/sandbox_worker.h"
#include "sandbox/sanitized.h"
#include "png_builder.h"

static const struct sandbox_limits quick = {64u << 20, 5, 5000};

struct reply {
    int value;
    int err;
};

/* The jobs below run in a worker: the parameters are an int, the reply a struct reply. */
#define JOB(name) \
    static void name(const void *params, const unsigned char *input, size_t len, \
                     struct sandbox_out *out)

JOB(answer)
{
    (void)input, (void)len;
    struct reply r = {*(const int *)params * 2, 0};
    sandbox_out_reply(out, &r, sizeof r);
}

static convtool_status run(sandbox_job_fn fn, int param, struct reply *r,
                           const struct sandbox_limits *limits)
{
    struct sandbox_job job = {fn, &param, sizeof param, NULL, 0, r, sizeof *r, NULL, 0, 0};
    return sandbox_worker_run(&job, limits);
}

static void test_reply_comes_back(void **state)
{
    (void)state;
    struct reply r = {0, 0};
    assert_int_equal(run(answer, 21, &r, &quick), CONVTOOL_OK);
    assert_int_equal(r.value, 42);
}

static unsigned char pattern[3 << 20];

JOB(bulk)
{
    (void)params, (void)input, (void)len;
    memset(pattern, 0xab, sizeof pattern);
    sandbox_out_data(out, pattern, sizeof pattern);
}

/* Bulk data (as the pixels) follows the reply through the pipe, straight into our buffer. */
static void test_bulk_data(void **state)
{
    (void)state;
    unsigned char *got = calloc(1, sizeof pattern);
    assert_non_null(got);
    struct reply r;
    struct sandbox_job job = {bulk, NULL, 0, NULL, 0, &r, sizeof r, got, sizeof pattern, 0};
    assert_int_equal(sandbox_worker_run(&job, &quick), CONVTOOL_OK);
    assert_int_equal(job.got_bulk, sizeof pattern);
    assert_int_equal(pattern[0], 0); /* the child's memset stayed in the child */
    assert_int_equal(got[0], 0xab);
    assert_int_equal(got[sizeof pattern - 1], 0xab);
    free(got);
}

JOB(crash)
{
    (void)params, (void)input, (void)out;
    *(volatile int *)(uintptr_t)len = 1; /* len is 0: SIGSEGV */
}

static void test_crash_is_hostile(void **state)
{
    (void)state;
    struct reply r;
    assert_int_equal(run(crash, 0, &r, &quick), CONVTOOL_EHOSTILE);
}

/* A decoder has no business opening files: the call fails with EACCES (glibc's malloc tries
 * one /proc file and copes), in every build; under the sanitizers other refused calls
 * fail with ENOSYS. */
JOB(open_file)
{
    (void)params, (void)input, (void)len;
    int fd = open("/etc/hostname", O_RDONLY);
    struct reply r = {fd, fd < 0 ? errno : 0};
    sandbox_out_reply(out, &r, sizeof r);
}

/* Nor any other system call, say a socket: the filter kills it (under the sanitizers the call
 * fails with ENOSYS so that their reports still get out). */
JOB(open_socket)
{
    (void)params, (void)input, (void)len;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct reply r = {fd, fd < 0 ? errno : 0};
    sandbox_out_reply(out, &r, sizeof r);
}

static void test_syscall_filter(void **state)
{
    (void)state;
    struct reply r = {0, 0};
    assert_int_equal(run(open_file, 0, &r, &quick), CONVTOOL_OK);
    assert_true(r.value < 0);
    assert_int_equal(r.err, EACCES); /* in every build: open has its own rule */
    r = (struct reply){0, 0};
    convtool_status st = run(open_socket, 0, &r, &quick);
    if (SANITIZED && st == CONVTOOL_OK) {
        assert_true(r.value < 0);
        assert_int_equal(r.err, ENOSYS);
        return;
    }
    assert_int_equal(st, CONVTOOL_EHOSTILE);
}

JOB(spin)
{
    (void)params, (void)input, (void)len, (void)out;
    for (volatile unsigned long i = 0;; i++)
        ;
}

static void test_timeout(void **state)
{
    (void)state;
    struct sandbox_limits brief = {64u << 20, 5, 200};
    struct reply r;
    assert_int_equal(run(spin, 0, &r, &brief), CONVTOOL_EHOSTILE);
}

JOB(big_malloc)
{
    (void)params, (void)input, (void)len;
    void *p = malloc((size_t)1 << 30); /* over the 256 MiB a 64 MiB job's worker gets */
    struct reply r = {p != NULL, 0};
    free(p);
    sandbox_out_reply(out, &r, sizeof r);
}

static void test_address_space_limit(void **state)
{
    (void)state;
    if (SANITIZED) /* no RLIMIT_AS under ASan (its shadow memory is terabytes) */
        skip();
    struct reply r = {1, 0};
    assert_int_equal(run(big_malloc, 0, &r, &quick), CONVTOOL_OK);
    assert_int_equal(r.value, 0);
}

JOB(small_malloc)
{
    (void)params, (void)input, (void)len;
    void *p = malloc((size_t)16 << 20); /* well inside the 64 MiB the limits give */
    if (p)
        memset(p, 1, (size_t)16 << 20);
    struct reply r = {p != NULL, 0};
    free(p);
    sandbox_out_reply(out, &r, sizeof r);
}

/* In a forked process: runs small_malloc while holding 1 GiB of address space, far
 * more than the child's 64 MiB; exits 0 if the child could allocate. */
static void run_small_malloc_holding(void)
{
    void *held = mmap(NULL, (size_t)1 << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct reply r = {0, 0};
    convtool_status st = run(small_malloc, 0, &r, &quick);
    _exit(held != MAP_FAILED && st == CONVTOOL_OK && r.value == 1 ? 0 : 1);
}

/* Exit status of a forked process running fn (77: it could not set itself up). */
static int in_child(void (*fn)(void))
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        fn();
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* The child's address-space limit is what it inherits plus its budget. */
static void test_limit_is_relative(void **state)
{
    (void)state;
    if (SANITIZED)
        skip();
    assert_int_equal(in_child(run_small_malloc_holding), 0);
}

static void hide_proc_then_run(void)
{
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("none", "/proc", "tmpfs", 0, NULL) != 0)
        _exit(77);
    if (access("/proc/self/statm", F_OK) == 0)
        _exit(77);
    run_small_malloc_holding();
}

/* Issue 9: without /proc (a container, a chroot) the limit was the budget alone, below what
 * the child inherits, and every decode failed as "out of memory". Needs root (or a user
 * namespace) to hide /proc: skipped otherwise. */
static void test_limit_without_proc(void **state)
{
    (void)state;
    if (SANITIZED)
        skip();
    int rc = in_child(hide_proc_then_run);
    if (rc == 77)
        skip();
    assert_int_equal(rc, 0);
}

/* Leaves one descriptor free: the reply pipe needs two. */
static void run_short_of_descriptors(void)
{
    int lowest = dup(0);
    if (lowest < 0)
        _exit(77);
    close(lowest);
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = (rlim_t)lowest + 1;
    if (setrlimit(RLIMIT_NOFILE, &r) != 0)
        _exit(77);
    struct reply rep = {0, 0};
    _exit(run(answer, 21, &rep, &quick) == CONVTOOL_EMFILE ? 0 : 1);
}

/* Issue 9: out of descriptors is said as such (the CLI suggests a lower -J or ulimit -n). */
static void test_out_of_descriptors(void **state)
{
    (void)state;
    int rc = in_child(run_short_of_descriptors);
    if (rc == 77)
        skip();
    assert_int_equal(rc, 0);
}

/* A decoder that takes 300 ms without using the CPU (a futex wait: allowed by the
 * filter), then sends 3 MiB: more than the pipe holds, so they take several reads. */
JOB(nap)
{
    static int word;
    struct timespec t = {0, 300 * 1000 * 1000};
    (void)params, (void)input, (void)len;
    syscall(SYS_futex, &word, FUTEX_WAIT, 0, &t, NULL, 0);
    memset(pattern, 0xcd, sizeof pattern);
    struct reply r = {7, 0};
    sandbox_out_reply(out, &r, sizeof r);
    sandbox_out_data(out, pattern, sizeof pattern);
}

static void run_nap(void)
{
    struct sandbox_limits lim = {64u << 20, 5, 800};
    struct reply r = {0, 0};
    unsigned char *got = calloc(1, sizeof pattern);
    struct sandbox_job job = {nap, NULL, 0, NULL, 0, &r, sizeof r, got, sizeof pattern, 0};
    convtool_status st = got ? sandbox_worker_run(&job, &lim) : CONVTOOL_ENOMEM;
    _exit(st == CONVTOOL_OK && r.value == 7 && got[sizeof pattern - 1] == 0xcd ? 0 : 1);
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, ms % 1000 * 1000000};
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/*
 * Issue 9: a stop (Ctrl-Z, SIGSTOP) longer than the deadline failed a valid image as
 * hostile. The process that waits for the decoder is stopped 100 ms in, for 1.5 s (the
 * decoder's deadline is 800 ms, its work 300 ms), then continued: the reply must count.
 */
static void test_stop_is_not_charged(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        run_nap();
    sleep_ms(100);
    kill(pid, SIGSTOP);
    sleep_ms(1500);
    kill(pid, SIGCONT);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_arena_budget(void **state)
{
    (void)state;
    unsigned char out[64];
    struct decode_arena a;
    assert_int_equal(decode_arena_open(&a, 1 << 20, out, sizeof out), 0);
    decode_arena_use(&a);
    assert_ptr_equal(decode_arena_malloc(sizeof out),
                     out); /* the exact size: the caller's buffer */
    unsigned char *p = decode_arena_malloc(1000);
    assert_non_null(p);
    assert_int_equal(p[999], 0); /* fresh pages: stb never sees stale bytes */
    assert_ptr_equal(decode_arena_realloc(p, 4000), p); /* the last block grows in place */
    assert_null(decode_arena_malloc(2 << 20));
    assert_true(a.refused);
    decode_arena_free(p);
    decode_arena_close(&a);
}

/* A 1x1 gray PNG whose zlib stream inflates to 64 MiB (in some 64 KiB): stb would follow it
 * to the end, doubling its buffer; the budget stops it. */
static void zlib_bomb(convtool_buffer *png)
{
    png_spec s = {1, 1, 8, 0, 0, NULL, 0, NULL, 0};
    uLong n = 64ul << 20, zn = compressBound(n);
    unsigned char *raw = calloc(1, n), *z = malloc(zn);
    assert_non_null(raw);
    assert_non_null(z);
    raw[1] = 7; /* filter byte 0, then the pixel */
    assert_int_equal(compress2(z, &zn, raw, n, 9), Z_OK);
    pb_ihdr(png, &s);
    pb_chunk(png, "IDAT", z, zn);
    pb_chunk(png, "IEND", NULL, 0);
    free(raw);
    free(z);
}

static void test_budget_stops_inflation(void **state)
{
    (void)state;
    convtool_buffer png = {0};
    zlib_bomb(&png);
    for (int no_sandbox = 0; no_sandbox <= 1; no_sandbox++) {
        convtool_load_options lo = {
            .max_pixels = 0, .max_memory = 32u << 20, .no_sandbox = no_sandbox};
        convtool_image img;
        assert_int_equal(convtool_image_decode(png.data, png.len, &lo, &img), CONVTOOL_EMEMLIMIT);
        lo.max_memory = 0; /* no limit of ours: twice the header's estimate still holds */
        assert_int_equal(convtool_image_decode(png.data, png.len, &lo, &img), CONVTOOL_EMEMLIMIT);
    }
    convtool_buffer_free(&png);
}

static void test_same_bytes_in_and_out(void **state)
{
    (void)state;
    enum { W = 37, H = 23 };
    uint16_t samples[W * H * 4];
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        samples[i] = (uint16_t)(i * 2654435761u >> 7);
    png_spec s = {W, H, 16, 6, 1, NULL, 0, NULL, 0};
    convtool_buffer png = {0};
    png_build(&png, &s, samples);
    convtool_pixels px[2];
    convtool_image_info info;
    for (int no_sandbox = 0; no_sandbox <= 1; no_sandbox++) {
        convtool_load_options lo = {.max_pixels = 0, .max_memory = 0, .no_sandbox = no_sandbox};
        assert_int_equal(
            convtool_image_decode_pixels(png.data, png.len, &lo, &px[no_sandbox], &info),
            CONVTOOL_OK);
    }
    assert_int_equal(px[0].depth, 16);
    assert_memory_equal(px[0].data, px[1].data, (size_t)W * H * 4 * 2);
    convtool_pixels_free(&px[0]);
    convtool_pixels_free(&px[1]);
    convtool_buffer_free(&png);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_comes_back),
        cmocka_unit_test(test_bulk_data),
        cmocka_unit_test(test_crash_is_hostile),
        cmocka_unit_test(test_syscall_filter),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_address_space_limit),
        cmocka_unit_test(test_limit_is_relative),
        cmocka_unit_test(test_limit_without_proc),
        cmocka_unit_test(test_out_of_descriptors),
        cmocka_unit_test(test_stop_is_not_charged),
        cmocka_unit_test(test_arena_budget),
        cmocka_unit_test(test_budget_stops_inflation),
        cmocka_unit_test(test_same_bytes_in_and_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
