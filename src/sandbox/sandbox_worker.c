/*
 * The parent's side of the long-lived workers (see sandbox_worker.h): one
 * per thread, started on demand, sent a request per job, its framed answer
 * read under the job's deadline, killed and reaped after any failure.
 */
#define _GNU_SOURCE /* pipe2, vmsplice, F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox_wait.h"
#include "sandbox/sanitized.h"
#include "sandbox/sandbox_worker.h"

#define FEED_PIECE ((size_t)256 << 10) /* a streamed job's input goes in pieces of this */

#define PIPE_BIG (1 << 20) /* the default /proc/sys/fs/pipe-max-size */
/* A worker's address space is sized in powers of two: few restarts as jobs grow. */
#define MEMORY_FLOOR ((uint64_t)256 << 20)
/* A worker's lifetime CPU limit (RLIMIT_CPU, a backstop for time between jobs, when no
 * deadline runs): this many times its first job's, at least CPU_CAP_MIN seconds; a job
 * that could cross it gets a fresh worker instead. */
#define CPU_CAP_FACTOR 4
#define CPU_CAP_MIN 60
/* Sanitizer builds: how long a new worker has to say it is ready, and how many tries. */
#define READY_MS 1000
#define READY_TRIES 5

struct worker {
    pid_t pid;
    pid_t owner; /* the process that forked it: a fork of ours inherits this struct, not it */
    int request; /* our end: write */
    int reply;   /* our end: read */
    uint64_t memory;
    unsigned cpu_cap; /* RLIMIT_CPU in seconds; 0 = none */
    clockid_t cpu_clock;
    int has_clock;
    int streaming; /* a streamed job holds it until sandbox_stream_close */
};

static pthread_key_t worker_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void reap(pid_t pid)
{
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ; /* ECHILD: SIGCHLD ignored, the child was reaped for us */
}

/*
 * Kills (a worker between jobs may still be busy with nonsense) and reaps: no
 * zombie. In a fork of its owner only our copies of its pipes are closed.
 */
static void worker_stop(struct worker *w)
{
    close(w->request);
    close(w->reply);
    if (w->owner == getpid()) {
        kill(w->pid, SIGKILL);
        reap(w->pid);
    }
    free(w);
}

static void end_at_thread_exit(void *w)
{
    worker_stop(w);
}

static void make_key(void)
{
    (void)pthread_key_create(&worker_key, end_at_thread_exit);
}

/*
 * This thread's worker. In a fork of the process that started it (an
 * application's own fork) it is not ours: its pipes are closed here, and it
 * is left to its owner.
 */
static struct worker *mine(void)
{
    pthread_once(&key_once, make_key);
    struct worker *w = pthread_getspecific(worker_key);
    if (w && w->owner != getpid()) {
        pthread_setspecific(worker_key, NULL);
        worker_stop(w);
        w = NULL;
    }
    return w;
}

static void forget(struct worker *w)
{
    pthread_setspecific(worker_key, NULL);
    worker_stop(w);
}

void sandbox_worker_end(void)
{
    struct worker *w = mine();
    if (w)
        forget(w);
}

int sandbox_worker_pid(void)
{
    struct worker *w = mine();
    return w ? (int)w->pid : 0;
}

/* The worker: killed with its thread or the process, locked down, then job after job. */
static void worker_main(int request, int reply, pid_t parent, const struct sandbox_limits *limits,
                        const sigset_t *mask)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != parent)
        _exit(127);
    if (sandbox_enter(request, reply, limits) != 0)
        _exit(126);
    pthread_sigmask(SIG_SETMASK, mask, NULL);
    worker_loop(request, reply);
}

static int open_pipes(int req[2], int rep[2])
{
    if (pipe2(req, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(rep, O_CLOEXEC) != 0) {
        int saved = errno;
        close(req[0]), close(req[1]);
        errno = saved;
        return -1;
    }
    /* Bigger pipes: fewer round trips for inputs and pixels (a hint; the default works too). */
    (void)fcntl(req[1], F_SETPIPE_SZ, PIPE_BIG);
    (void)fcntl(rep[1], F_SETPIPE_SZ, PIPE_BIG);
    return 0;
}

static uint64_t memory_for(uint64_t need)
{
    uint64_t m = MEMORY_FLOOR;
    while (m < need && m <= UINT64_MAX / 2)
        m *= 2;
    return m < need ? need : m;
}

static unsigned cpu_cap_for(unsigned job_seconds)
{
    if (job_seconds == 0)
        return 0; /* a job without a CPU limit: no worker limit either */
    if (job_seconds > (UINT32_MAX - 1) / CPU_CAP_FACTOR)
        return job_seconds;
    return job_seconds * CPU_CAP_FACTOR < CPU_CAP_MIN ? CPU_CAP_MIN : job_seconds * CPU_CAP_FACTOR;
}

/* Forks with every signal blocked, so that the worker resets its handlers before any runs. */
static convtool_status worker_fork(const struct sandbox_limits *job, struct worker **out)
{
    int req[2], rep[2];
    if (open_pipes(req, rep) != 0)
        return errno == EMFILE || errno == ENFILE ? CONVTOOL_EMFILE : CONVTOOL_EIO;
    /* RLIMIT_CPU counts every job: each job's CPU time is charged by the parent. */
    struct sandbox_limits lim = {memory_for(job->memory), cpu_cap_for(job->cpu_seconds), 0};
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        close(req[1]), close(rep[0]);
        worker_main(req[0], rep[1], parent, &lim, &old);
    }
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(req[0]), close(rep[1]);
    /* Allocated after the fork: nothing of ours is half-done in the worker's copy. */
    struct worker *w = pid < 0 ? NULL : calloc(1, sizeof *w);
    if (!w) {
        close(req[1]), close(rep[0]);
        if (pid < 0)
            return saved == ENOMEM || saved == EAGAIN ? CONVTOOL_ENOMEM : CONVTOOL_EIO;
        kill(pid, SIGKILL);
        reap(pid);
        return CONVTOOL_ENOMEM;
    }
    *w = (struct worker){pid, parent, req[1], rep[0], lim.memory, lim.cpu_seconds, 0, 0, 0};
    w->has_clock = clock_getcpuclockid(pid, &w->cpu_clock) == 0;
    pthread_setspecific(worker_key, w);
    *out = w;
    return CONVTOOL_OK;
}

/* Sanitizer builds: whether the new worker said it is ready (see worker_loop.c). */
static int ready(struct worker *w)
{
    struct worker_frame f;
    struct time_left left = {READY_MS, 1, 0, 0, 0};
    return sandbox_read_full(w->reply, (unsigned char *)&f, sizeof f, &left) == sizeof f &&
           f.kind == FRAME_READY;
}

static convtool_status worker_start(const struct sandbox_limits *job, struct worker **out)
{
    convtool_status st = worker_fork(job, out);
    for (int attempt = 1; SANITIZED && st == CONVTOOL_OK && !ready(*out); attempt++) {
        forget(*out);
        st = attempt < READY_TRIES ? worker_fork(job, out) : CONVTOOL_EHOSTILE;
    }
    return st;
}

/* SIGPIPE blocked around writes to a worker's pipe: whether one was already pending. */
struct pipe_guard {
    sigset_t pipe_only, old;
    int was_pending;
};

static void guard_pipe(struct pipe_guard *g)
{
    sigset_t pending;
    sigemptyset(&g->pipe_only);
    sigaddset(&g->pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &g->pipe_only, &g->old);
    sigpending(&pending);
    g->was_pending = sigismember(&pending, SIGPIPE);
}

/* Takes back a SIGPIPE a write to a closed pipe raised (broken), and restores the mask. */
static void unguard_pipe(struct pipe_guard *g, int broken)
{
    if (broken && !g->was_pending) {
        struct timespec zero = {0, 0};
        (void)sigtimedwait(&g->pipe_only, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/*
 * Writes without SIGPIPE (a library cannot count on it being ignored): it is
 * blocked meanwhile, and one this write raised is taken back. Returns 0 when
 * everything was written. Input goes by reference (vmsplice): our caller's
 * bytes stay unchanged until the answer, which comes after the worker read them.
 */
static int send_quietly(int fd, const void *data, size_t size, int splice)
{
    struct pipe_guard g;
    guard_pipe(&g);
    const unsigned char *p = data;
    int broken = 0;
    while (size > 0) {
        struct iovec v = {(void *)p, size};
        ssize_t n = splice ? vmsplice(fd, &v, 1, 0) : write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && splice && errno != EPIPE) {
            splice = 0; /* not spliceable: write() it */
            continue;
        }
        if (n <= 0) {
            broken = 1;
            break;
        }
        p += n;
        size -= (size_t)n;
    }
    unguard_pipe(&g, broken);
    return broken ? -1 : 0;
}

static int send_request(struct worker *w, const struct sandbox_job *job)
{
    struct worker_request rq = {(uintptr_t)job->fn, (uint32_t)job->params_size,
                                (uint32_t)job->reply_size, (uint64_t)job->input_len,
                                job->input == NULL, 0};
    return send_quietly(w->request, &rq, sizeof rq, 0) ||
           send_quietly(w->request, job->params, job->params_size, 0) ||
           (job->input && send_quietly(w->request, job->input, job->input_len, 1));
}

/* The job's time: its deadline in ms of our running, its CPU time on the worker's clock. */
static struct time_left job_time(const struct worker *w, const struct sandbox_limits *limits)
{
    struct time_left t = {limits->wall_ms, limits->wall_ms != 0, 0, 0, 0};
    if (limits->cpu_seconds && w->has_clock) {
        t.cpu_limited = 1;
        t.cpu_clock = w->cpu_clock;
        t.cpu_end_ms = sandbox_cpu_ms(w->cpu_clock) + 1000LL * limits->cpu_seconds;
    }
    return t;
}

/*
 * Reads the framed answer: one REPLY of the size asked, DATA that fits in
 * the bulk buffer, END. Returns 1 for an answer that came whole and
 * well-formed (*retire: the worker is ending), 0 for anything else.
 */
static int receive(struct worker *w, struct sandbox_job *job, struct time_left *left,
                   unsigned char *reply, int *retire)
{
    struct worker_frame f;
    int replied = 0;
    for (;;) {
        if (sandbox_read_full(w->reply, (unsigned char *)&f, sizeof f, left) != sizeof f)
            return 0;
        if (f.kind == FRAME_END) {
            *retire = f.retire != 0;
            return replied;
        }
        if (f.kind == FRAME_REPLY && !replied && f.size == job->reply_size) {
            if (sandbox_read_full(w->reply, reply, job->reply_size, left) != job->reply_size)
                return 0;
            replied = 1;
        } else if (f.kind == FRAME_DATA && replied && f.size > 0 &&
                   f.size <= job->bulk_size - job->got_bulk) {
            /* Never empty: the frames are bounded by the bytes, a flood of them is refused. */
            unsigned char *to = (unsigned char *)job->bulk + job->got_bulk;
            if (sandbox_read_full(w->reply, to, (size_t)f.size, left) != f.size)
                return 0;
            job->got_bulk += (size_t)f.size;
        } else {
            return 0; /* not our worker's answer */
        }
    }
}

/* Whether w has the room and the CPU time left for the job (its lifetime limit not crossed). */
static int fits(const struct worker *w, const struct sandbox_limits *job)
{
    if (w->memory < job->memory)
        return 0;
    if (w->cpu_cap == 0)
        return 1;
    if (job->cpu_seconds == 0 || !w->has_clock)
        return 0;
    long long used = sandbox_cpu_ms(w->cpu_clock);
    return used + 1000LL * (job->cpu_seconds + 1) <= 1000LL * w->cpu_cap;
}

/* This thread's worker for the job: the one there, or a new one. */
static convtool_status worker_for(const struct sandbox_limits *job, struct worker **w)
{
    *w = mine();
    if (*w && (*w)->streaming)
        return CONVTOOL_EINVAL; /* one job at a time per thread: the stream is still open */
    if (*w && fits(*w, job))
        return CONVTOOL_OK;
    if (*w)
        forget(*w); /* too small or too used for this job: a new one */
    return worker_start(job, w);
}

/*
 * Sends the request; a worker that died while idle (killed from outside,
 * say) is not this job's fault, so it is replaced once.
 */
static convtool_status deliver(const struct sandbox_job *job, const struct sandbox_limits *limits,
                               struct worker **w)
{
    for (int attempt = 0;; attempt++) {
        convtool_status st = worker_for(limits, w);
        if (st != CONVTOOL_OK)
            return st;
        if (send_request(*w, job) == 0)
            return CONVTOOL_OK;
        forget(*w);
        if (attempt > 0)
            return CONVTOOL_EHOSTILE;
    }
}

convtool_status sandbox_worker_run(struct sandbox_job *job, const struct sandbox_limits *limits)
{
    unsigned char reply[SANDBOX_REPLY_MAX];
    struct worker *w;
    if (job->params_size > SANDBOX_PARAMS_MAX || job->reply_size > SANDBOX_REPLY_MAX)
        return CONVTOOL_EINVAL;
    job->got_bulk = 0;
    convtool_status st = deliver(job, limits, &w);
    if (st != CONVTOOL_OK)
        return st;
    struct time_left left = job_time(w, limits);
    int retire = 0;
    int whole = receive(w, job, &left, reply, &retire);
    if (!whole || retire)
        forget(w); /* crashed, killed, timed out or failed: never reused */
    if (!whole)
        return CONVTOOL_EHOSTILE;
    memcpy(job->reply, reply, job->reply_size);
    return CONVTOOL_OK;
}

/* ------------------------------------------------------ streamed jobs */

struct sandbox_stream {
    struct worker *w;
    struct time_left left;
    sandbox_feed_fn feed;
    void *feed_ctx;
    uint64_t input_left;       /* not yet taken from feed */
    unsigned char *piece;      /* taken, partly written */
    size_t piece_len, piece_off;
    uint64_t data_left;        /* of the DATA frame being read */
    int failed;                /* the worker broke down: EHOSTILE */
    int feed_failed;           /* our input could not be read: EIO */
    int feed_closed;           /* the worker stopped reading (it ended, or died: the answer says) */
    int feed_errno;            /* why feed failed (0: the input ended early) */
};

/* One write of the pending input without blocking (the pipe is O_NONBLOCK meanwhile). */
static void feed_some(struct sandbox_stream *s)
{
    if (s->piece_off == s->piece_len) {
        size_t want = s->input_left < FEED_PIECE ? (size_t)s->input_left : FEED_PIECE;
        ssize_t got = s->feed(s->feed_ctx, s->piece, want);
        if (got <= 0) {
            s->feed_failed = 1; /* a read error, or the file got shorter */
            s->feed_errno = got < 0 ? errno : 0;
            return;
        }
        s->piece_len = (size_t)got, s->piece_off = 0;
        s->input_left -= (uint64_t)got;
    }
    struct pipe_guard g;
    guard_pipe(&g);
    ssize_t n = write(s->w->request, s->piece + s->piece_off, s->piece_len - s->piece_off);
    int err = errno;
    if (n > 0)
        s->piece_off += (size_t)n;
    else if (n < 0 && err != EINTR && err != EAGAIN)
        s->feed_closed = 1;
    unguard_pipe(&g, n < 0 && err == EPIPE);
}

static int feeding(const struct sandbox_stream *s)
{
    return !s->failed && !s->feed_failed && !s->feed_closed &&
           (s->input_left > 0 || s->piece_off < s->piece_len);
}

/* Reads size bytes of the answer, sending input whenever the worker takes it. 0 or −1. */
static int pump(struct sandbox_stream *s, unsigned char *buf, size_t size)
{
    size_t got = 0;
    while (got < size && !s->failed && !s->feed_failed) {
        if (s->left.limited && s->left.ms <= 0) {
            s->failed = 1;
            break;
        }
        int ready = sandbox_wait_io(s->w->reply, feeding(s) ? s->w->request : -1, &s->left);
        if (ready & SANDBOX_WRITABLE)
            feed_some(s);
        if (!(ready & SANDBOX_READABLE))
            continue;
        ssize_t n = read(s->w->reply, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            s->failed = 1;
        else
            got += (size_t)n;
    }
    return got == size ? 0 : -1;
}

static int read_frame(struct sandbox_stream *s, struct worker_frame *f)
{
    return pump(s, (unsigned char *)f, sizeof *f);
}

static convtool_status stream_status(const struct sandbox_stream *s)
{
    if (s->feed_failed)
        return s->feed_errno ? CONVTOOL_EIO : CONVTOOL_ECORRUPT; /* shorter than it said */
    return CONVTOOL_EHOSTILE;
}

int sandbox_stream_errno(const struct sandbox_stream *s)
{
    return s ? s->feed_errno : 0;
}

static void stream_free(struct sandbox_stream *s, int keep_worker)
{
    if (s->w) {
        s->w->streaming = 0;
        int flags = fcntl(s->w->request, F_GETFL);
        if (flags >= 0)
            (void)fcntl(s->w->request, F_SETFL, flags & ~O_NONBLOCK);
        if (!keep_worker)
            forget(s->w);
    }
    free(s->piece);
    free(s);
}

convtool_status sandbox_stream_open(struct sandbox_job *job, sandbox_feed_fn feed, void *feed_ctx,
                                    const struct sandbox_limits *limits,
                                    struct sandbox_stream **out)
{
    *out = NULL;
    if (job->input || job->params_size > SANDBOX_PARAMS_MAX ||
        job->reply_size > SANDBOX_REPLY_MAX)
        return CONVTOOL_EINVAL;
    struct sandbox_stream *s = calloc(1, sizeof *s);
    unsigned char *piece = malloc(FEED_PIECE);
    if (!s || !piece) {
        free(s), free(piece);
        return CONVTOOL_ENOMEM;
    }
    *s = (struct sandbox_stream){.feed = feed, .feed_ctx = feed_ctx,
                                 .input_left = job->input_len, .piece = piece};
    convtool_status st = deliver(job, limits, &s->w);
    if (st != CONVTOOL_OK) {
        s->w = NULL;
        stream_free(s, 0);
        return st;
    }
    int flags = fcntl(s->w->request, F_GETFL);
    if (flags < 0 || fcntl(s->w->request, F_SETFL, flags | O_NONBLOCK) != 0) {
        stream_free(s, 0);
        return CONVTOOL_EIO;
    }
    s->left = job_time(s->w, limits);
    s->w->streaming = 1;
    struct worker_frame f;
    unsigned char reply[SANDBOX_REPLY_MAX];
    if (read_frame(s, &f) != 0 || f.kind != FRAME_REPLY || f.size != job->reply_size ||
        pump(s, reply, job->reply_size) != 0) {
        st = s->failed || s->feed_failed ? stream_status(s) : CONVTOOL_EHOSTILE;
        stream_free(s, 0);
        return st;
    }
    memcpy(job->reply, reply, job->reply_size);
    *out = s;
    return CONVTOOL_OK;
}

convtool_status sandbox_stream_read(struct sandbox_stream *s, void *dst, size_t n)
{
    unsigned char *to = dst;
    while (n > 0) {
        if (s->data_left == 0) {
            struct worker_frame f;
            if (read_frame(s, &f) != 0)
                return stream_status(s);
            if (f.kind != FRAME_DATA || f.size == 0) {
                s->failed = 1; /* END before the rows, or nonsense */
                return CONVTOOL_EHOSTILE;
            }
            s->data_left = f.size;
        }
        size_t take = n < s->data_left ? n : (size_t)s->data_left;
        if (pump(s, to, take) != 0)
            return stream_status(s);
        to += take, n -= take, s->data_left -= take;
    }
    return CONVTOOL_OK;
}

void sandbox_stream_cancel(struct sandbox_stream *s)
{
    if (s && s->w)
        kill(s->w->pid, SIGKILL); /* a read waiting on it sees the pipe close */
}

convtool_status sandbox_stream_close(struct sandbox_stream *s, int complete)
{
    if (!s)
        return CONVTOOL_OK;
    struct worker_frame f;
    convtool_status st = CONVTOOL_OK;
    int keep = 0;
    if (!complete || s->failed || s->feed_failed || s->data_left) {
        st = complete ? stream_status(s) : CONVTOOL_OK;
    } else if (read_frame(s, &f) != 0 || f.kind != FRAME_END) {
        st = stream_status(s);
    } else {
        /* The worker keeps going only if it took every byte and did not retire. */
        keep = !f.retire && !s->feed_closed && s->input_left == 0 && s->piece_off == s->piece_len;
    }
    stream_free(s, keep);
    return st;
}
