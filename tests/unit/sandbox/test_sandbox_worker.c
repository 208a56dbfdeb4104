/*
 * The long-lived contained workers (src/sandbox/sandbox_worker.c,
 * worker_loop.c) and the arena's reset between jobs: many jobs go through
 * one worker; a crash, a forbidden call, a timeout or a failed job fails
 * only itself and the next job gets a fresh worker; the arena's budget holds
 * per job and a job never sees the last one's bytes; four threads each get
 * their own worker, and a thread's exit reaps it (no zombie).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "convtool/convtool.h"
#include "codec/decode_arena.h"
#include "sandbox/sandbox_worker.h"
#include "sandbox/sanitized.h"

static const struct sandbox_limits quick = {64u << 20, 5, 5000};

struct params {
    int value;
    size_t arena_cap;
    size_t alloc;
};

struct reply {
    int value;
    int err;
};

/* Replies value * 2 and sends the input back reversed, in two pieces. */
static void echo(const void *params, const unsigned char *input, size_t len,
                 struct sandbox_out *out)
{
    static unsigned char *back; /* sent by reference: kept until the next job */
    const struct params *p = params;
    struct reply r = {p->value * 2, 0};
    free(back);
    back = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++)
        back[i] = input[len - 1 - i];
    sandbox_out_reply(out, &r, sizeof r);
    sandbox_out_data(out, back, len / 2);
    sandbox_out_data(out, back + len / 2, len - len / 2);
}

static void crash(const void *params, const unsigned char *input, size_t len,
                  struct sandbox_out *out)
{
    (void)params, (void)input, (void)len, (void)out;
    *(volatile int *)(uintptr_t)len = 1; /* len is 0: SIGSEGV */
}

static void spin(const void *params, const unsigned char *input, size_t len,
                 struct sandbox_out *out)
{
    (void)params, (void)input, (void)len, (void)out;
    for (volatile unsigned long i = 0;; i++)
        ;
}

/* Any call outside the filter's list, say a socket, kills the worker (an open fails
 * with EACCES instead: glibc's malloc may try one /proc file and copes). */
static void open_socket(const void *params, const unsigned char *input, size_t len,
                      struct sandbox_out *out)
{
    (void)params, (void)input, (void)len;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct reply r = {fd, fd < 0 ? errno : 0};
    sandbox_out_reply(out, &r, sizeof r);
}

static void failing(const void *params, const unsigned char *input, size_t len,
                    struct sandbox_out *out)
{
    (void)params, (void)input, (void)len;
    sandbox_out_retire(out);
}

/* One arena kept from job to job: allocates p->alloc under a budget of p->arena_cap, says
 * whether it was refused and whether the block was all zeros, then scribbles on it. */
static void arena_job(const void *params, const unsigned char *input, size_t len,
                      struct sandbox_out *out)
{
    static struct decode_arena arena;
    const struct params *p = params;
    (void)input, (void)len;
    struct reply r = {-1, 0};
    if (decode_arena_reset(&arena, p->arena_cap) == 0) {
        decode_arena_use(&arena);
        unsigned char *b = decode_arena_malloc(p->alloc);
        r.value = arena.refused;
        for (size_t i = 0; b && i < p->alloc; i++)
            r.err |= b[i];
        if (b)
            memset(b, 0xee, p->alloc);
        decode_arena_use(NULL);
    }
    sandbox_out_reply(out, &r, sizeof r);
}

static convtool_status run(sandbox_job_fn fn, const struct params *p, struct reply *r,
                           const unsigned char *in, size_t len, unsigned char *bulk,
                           const struct sandbox_limits *limits)
{
    struct sandbox_job job = {fn, p, sizeof *p, in, len, r, sizeof *r, bulk, len, 0};
    convtool_status st = sandbox_worker_run(&job, limits);
    if (st == CONVTOOL_OK && bulk)
        assert_int_equal(job.got_bulk, len);
    return st;
}

static int echo_ok(int value, size_t len)
{
    unsigned char *in = malloc(len + 1), *back = malloc(len + 1);
    assert_non_null(in);
    assert_non_null(back);
    for (size_t i = 0; i < len; i++)
        in[i] = (unsigned char)(i * 31 + (size_t)value);
    struct params p = {value, 0, 0};
    struct reply r = {0, 0};
    int ok = run(echo, &p, &r, in, len, back, &quick) == CONVTOOL_OK && r.value == 2 * value;
    for (size_t i = 0; ok && i < len; i++)
        ok = back[i] == in[len - 1 - i];
    free(in);
    free(back);
    return ok;
}

static int gone(int pid)
{
    return waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD && kill(pid, 0) != 0;
}

static void test_many_jobs_one_worker(void **state)
{
    (void)state;
    assert_true(echo_ok(1, 10));
    int pid = sandbox_worker_pid();
    assert_true(pid > 0);
    for (int i = 0; i < 200; i++)
        assert_true(echo_ok(i, (size_t)(i * 997) % 5000));
    assert_true(echo_ok(7, (size_t)3 << 20)); /* bigger than the pipes */
    assert_true(echo_ok(8, 0));
    assert_int_equal(sandbox_worker_pid(), pid);
    sandbox_worker_end();
    assert_int_equal(sandbox_worker_pid(), 0);
    assert_true(gone(pid));
}

/* A failure fails only its job: the next one gets a fresh worker and succeeds. */
static void fails_alone(sandbox_job_fn fn, const struct sandbox_limits *limits,
                        convtool_status expect)
{
    struct params p = {0, 0, 0};
    struct reply r;
    assert_true(echo_ok(3, 100));
    int pid = sandbox_worker_pid();
    assert_int_equal(run(fn, &p, &r, NULL, 0, NULL, limits), expect);
    assert_true(gone(pid)); /* killed and reaped */
    assert_true(echo_ok(4, 100));
    assert_int_not_equal(sandbox_worker_pid(), pid);
    assert_true(sandbox_worker_pid() > 0);
}

static void test_crash_fails_only_itself(void **state)
{
    (void)state;
    fails_alone(crash, &quick, CONVTOOL_EHOSTILE);
}

static void test_timeout_restarts(void **state)
{
    (void)state;
    struct sandbox_limits brief = {64u << 20, 5, 200};
    fails_alone(spin, &brief, CONVTOOL_EHOSTILE);
}

/* No deadline, one CPU second: the worker's CPU clock stops it (no RLIMIT_CPU in a worker). */
static void test_cpu_time_per_job(void **state)
{
    (void)state;
    struct sandbox_limits cpu = {64u << 20, 1, 0};
    fails_alone(spin, &cpu, CONVTOOL_EHOSTILE);
}

static void test_failed_job_retires_worker(void **state)
{
    (void)state;
    fails_alone(failing, &quick, CONVTOOL_OK);
}

static void test_syscall_filter(void **state)
{
    (void)state;
    if (SANITIZED) /* there a refused call fails with ENOSYS instead of killing */
        skip();
    fails_alone(open_socket, &quick, CONVTOOL_EHOSTILE);
}

/* A worker killed while idle is not the next job's fault: it is replaced, the job runs. */
static void test_worker_killed_between_jobs(void **state)
{
    (void)state;
    assert_true(echo_ok(5, 100));
    int pid = sandbox_worker_pid();
    kill(pid, SIGKILL);
    siginfo_t info;
    assert_int_equal(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0); /* dead, unreaped */
    assert_true(echo_ok(6, 100000));
    assert_int_not_equal(sandbox_worker_pid(), pid);
}

static void test_arena_limit_per_job(void **state)
{
    (void)state;
    struct reply r;
    struct params big = {0, 8u << 20, 2u << 20}, small = {0, 1u << 20, 2u << 20};
    assert_int_equal(run(arena_job, &big, &r, NULL, 0, NULL, &quick), CONVTOOL_OK);
    assert_int_equal(r.value, 0);
    assert_int_equal(r.err, 0);
    int pid = sandbox_worker_pid();
    /* The same worker and mapping, a smaller budget: refused. */
    assert_int_equal(run(arena_job, &small, &r, NULL, 0, NULL, &quick), CONVTOOL_OK);
    assert_int_equal(r.value, 1);
    /* Back to the bigger budget: served, and the last job's 0xee bytes are gone. */
    assert_int_equal(run(arena_job, &big, &r, NULL, 0, NULL, &quick), CONVTOOL_OK);
    assert_int_equal(r.value, 0);
    assert_int_equal(r.err, 0);
    /* Past the resident part (given back, zero again when touched). */
    struct params huge = {0, 32u << 20, 24u << 20};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(run(arena_job, &huge, &r, NULL, 0, NULL, &quick), CONVTOOL_OK);
        assert_int_equal(r.value, 0);
        assert_int_equal(r.err, 0);
    }
    assert_int_equal(sandbox_worker_pid(), pid);
}

/* A job the worker's limits do not cover (more address space; no CPU limit where the
 * worker has one) gets a new worker; one they cover keeps it. */
static void test_worker_fits_its_job(void **state)
{
    (void)state;
    struct params p = {9, 0, 0};
    struct reply r;
    struct sandbox_limits more = {512u << 20, 5, 5000}, no_cpu = {64u << 20, 0, 5000};
    assert_true(echo_ok(1, 10));
    int pid = sandbox_worker_pid();
    assert_int_equal(run(echo, &p, &r, NULL, 0, NULL, &more), CONVTOOL_OK);
    assert_int_equal(r.value, 18);
    int bigger = sandbox_worker_pid();
    assert_int_not_equal(bigger, pid);
    assert_true(echo_ok(2, 10)); /* a smaller job fits the bigger worker */
    assert_int_equal(sandbox_worker_pid(), bigger);
    assert_int_equal(run(echo, &p, &r, NULL, 0, NULL, &no_cpu), CONVTOOL_OK);
    assert_int_not_equal(sandbox_worker_pid(), bigger);
}

/* A fork of the process (an application's own) starts its own worker, and leaves ours be. */
static void test_fork_gets_its_own_worker(void **state)
{
    (void)state;
    assert_true(echo_ok(1, 10));
    int pid = sandbox_worker_pid();
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(echo_ok(2, 5000) && sandbox_worker_pid() != pid ? 0 : 1);
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_true(echo_ok(3, 5000));
    assert_int_equal(sandbox_worker_pid(), pid);
}

struct thread_result {
    int base;
    int ok;
    int pid;
};

/*
 * The workers start while no thread allocates: a fork while another thread is
 * inside malloc can leave the child's allocator locked under ASan (glibc's
 * malloc takes care of this itself). Each thread forks its worker with a job
 * that allocates nothing here, and waits for the others.
 */
static pthread_barrier_t started;

static void *thread_jobs(void *arg)
{
    struct thread_result *t = arg;
    struct params p = {t->base, 0, 0};
    struct reply r = {0, 0};
    pthread_barrier_wait(&started);
    t->ok = run(arena_job, &p, &r, NULL, 0, NULL, &quick) == CONVTOOL_OK;
    pthread_barrier_wait(&started);
    for (int i = 0; i < 60 && t->ok; i++) {
        t->ok = echo_ok(t->base + i, (size_t)(t->base + i * 131) % 20000);
        if (i == 0)
            t->pid = sandbox_worker_pid();
        else if (sandbox_worker_pid() != t->pid)
            t->ok = 0;
    }
    return NULL;
}

/* Batch mode: threads decode at once, each through its own worker, reaped at thread exit. */
static void test_four_threads(void **state)
{
    (void)state;
    pthread_t th[4];
    struct thread_result res[4];
    assert_int_equal(pthread_barrier_init(&started, NULL, 4), 0);
    for (int i = 0; i < 4; i++) {
        res[i] = (struct thread_result){1000 * (i + 1), 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, thread_jobs, &res[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&started);
    for (int i = 0; i < 4; i++) {
        assert_true(res[i].ok);
        assert_true(res[i].pid > 0);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(res[i].pid, res[j].pid);
        assert_true(gone(res[i].pid));
    }
}

/* ------------------------------------------------------ streamed jobs */

/* The byte at offset i of a streamed input. */
static unsigned char input_byte(uint64_t i)
{
    return (unsigned char)(i * 2654435761u >> 13);
}

struct feed {
    uint64_t at, len;
    uint64_t fail_at; /* the feed fails here (0: never) */
};

static ssize_t feed_bytes(void *ctx, unsigned char *dst, size_t n)
{
    struct feed *f = ctx;
    if (f->fail_at && f->at >= f->fail_at)
        return -1;
    if (n > f->len - f->at)
        n = (size_t)(f->len - f->at);
    for (size_t i = 0; i < n; i++)
        dst[i] = input_byte(f->at + i);
    f->at += n;
    return (ssize_t)n;
}

/*
 * Reads its input in small pieces as it comes and sends each byte + 1 back at
 * once by copy, reusing one buffer; params->value > 0 stops after that many bytes.
 */
static void stream_echo(const void *params, const unsigned char *input, size_t len,
                        struct sandbox_out *out)
{
    const struct params *p = params;
    unsigned char buf[3001];
    size_t done = 0, n;
    struct reply r = {input == NULL, (int)(len & 0x7fffffff)};
    sandbox_out_reply(out, &r, sizeof r);
    size_t want = sizeof buf;
    while ((n = sandbox_in_read(out, buf, want)) > 0) {
        for (size_t i = 0; i < n; i++)
            buf[i]++;
        sandbox_out_data_copy(out, buf, n);
        done += n;
        if (p->value > 0 && done >= (size_t)p->value)
            return;
        if (p->value > 0 && (size_t)p->value - done < want)
            want = (size_t)p->value - done;
    }
}

/* Streams len bytes through stream_echo, reading the answer in pieces of `piece`. */
static convtool_status stream_once(uint64_t len, size_t piece, int stop, uint64_t fail_at)
{
    struct params p = {stop, 0, 0};
    struct reply r = {0, 0};
    struct sandbox_job job = {stream_echo, &p, sizeof p, NULL, len, &r, sizeof r, NULL, 0, 0};
    struct feed f = {0, len, fail_at};
    struct sandbox_stream *s;
    convtool_status st = sandbox_stream_open(&job, feed_bytes, &f, &quick, &s);
    if (st != CONVTOOL_OK)
        return st;
    assert_int_equal(r.value, 1); /* the job saw no input buffer: it streams */
    assert_int_equal(r.err, (int)len);
    uint64_t expect = stop > 0 && (uint64_t)stop < len ? (uint64_t)stop : len;
    unsigned char *buf = malloc(piece);
    for (uint64_t at = 0; at < expect && st == CONVTOOL_OK; at += piece) {
        size_t n = expect - at < piece ? (size_t)(expect - at) : piece;
        st = sandbox_stream_read(s, buf, n);
        for (size_t i = 0; st == CONVTOOL_OK && i < n; i++)
            assert_int_equal(buf[i], (unsigned char)(input_byte(at + i) + 1));
    }
    free(buf);
    convtool_status closed = sandbox_stream_close(s, st == CONVTOOL_OK);
    return st != CONVTOOL_OK ? st : closed;
}

static void test_stream_input_and_rows(void **state)
{
    (void)state;
    sandbox_worker_end();
    assert_int_equal(stream_once(10, 3, 0, 0), CONVTOOL_OK);
    int pid = sandbox_worker_pid();
    assert_true(pid > 0);
    /* Far more than both pipes hold, read in odd pieces: input and answer interleave. */
    assert_int_equal(stream_once((uint64_t)5 << 20, 4093, 0, 0), CONVTOOL_OK);
    assert_int_equal(stream_once(0, 1, 0, 0), CONVTOOL_OK);
    assert_int_equal(sandbox_worker_pid(), pid); /* every byte taken: the worker stays */
    assert_true(echo_ok(3, 1000)); /* and a whole-input job after streamed ones */
    assert_int_equal(sandbox_worker_pid(), pid);
}

static void test_stream_stopping_early_retires(void **state)
{
    (void)state;
    assert_int_equal(stream_once(10, 1, 0, 0), CONVTOOL_OK);
    int pid = sandbox_worker_pid();
    /* The job ends with input unread: its worker is not reused, the next job still works. */
    assert_int_equal(stream_once((uint64_t)3 << 20, 65536, 100000, 0), CONVTOOL_OK);
    assert_true(echo_ok(4, 5000));
    assert_true(sandbox_worker_pid() != pid);
}

static void test_stream_feed_failure(void **state)
{
    (void)state;
    assert_int_equal(stream_once((uint64_t)4 << 20, 65536, 0, (uint64_t)1 << 20), CONVTOOL_EIO);
    assert_true(echo_ok(5, 5000)); /* a fresh worker for the next job */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_jobs_one_worker),
        cmocka_unit_test(test_crash_fails_only_itself),
        cmocka_unit_test(test_timeout_restarts),
        cmocka_unit_test(test_cpu_time_per_job),
        cmocka_unit_test(test_failed_job_retires_worker),
        cmocka_unit_test(test_syscall_filter),
        cmocka_unit_test(test_worker_killed_between_jobs),
        cmocka_unit_test(test_arena_limit_per_job),
        cmocka_unit_test(test_worker_fits_its_job),
        cmocka_unit_test(test_fork_gets_its_own_worker),
        cmocka_unit_test(test_four_threads),
        cmocka_unit_test(test_stream_input_and_rows),
        cmocka_unit_test(test_stream_stopping_early_retires),
        cmocka_unit_test(test_stream_feed_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
