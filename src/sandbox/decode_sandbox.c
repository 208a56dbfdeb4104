/*
 * The parent side of the decoder sandbox (see decode_sandbox.h): fork, wait
 * for the reply with a timeout, reap the child, and say what happened.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/decode_sandbox.h"
#include "sandbox/sandbox_wait.h"

#define REPLY_MAX 512
#define PIPE_BIG (1 << 20) /* the default /proc/sys/fs/pipe-max-size */

int sandbox_wanted(const convtool_load_options *opts)
{
    if (opts && opts->no_sandbox)
        return 0;
    const char *env = getenv("CONVTOOL_SANDBOX");
    return !env || strcmp(env, "0") != 0;
}

static int reap(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1; /* SIGCHLD ignored: the child was reaped for us */
    }
    return status;
}

static void write_all(int fd, const void *data, size_t size)
{
    const unsigned char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(125);
        p += n;
        size -= (size_t)n;
    }
}

/*
 * The bulk data by reference: vmsplice puts the child's pages into the pipe
 * and the parent's read is the only copy (write() would copy twice). The
 * child never touches them again; anything vmsplice leaves goes by write().
 */
static void send_bulk(int fd, const unsigned char *p, size_t size)
{
    while (size > 0) {
        struct iovec v = {(void *)p, size};
        ssize_t n = vmsplice(fd, &v, 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        size -= (size_t)n;
    }
    write_all(fd, p, size);
}

/* The child: the reply, a byte saying whether bulk data follows, then the data. */
static void child_main(int fd, pid_t parent, struct sandbox_call *call,
                       const struct sandbox_limits *limits, const sigset_t *mask)
{
    unsigned char reply[REPLY_MAX];
    /* Killed with the parent: a decoder left running would hold its memory and CPU. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != parent)
        _exit(127);
    if (sandbox_enter(-1, fd, limits) != 0)
        _exit(126);
    pthread_sigmask(SIG_SETMASK, mask, NULL);
    memset(reply, 0, call->reply_size);
    const void *bulk = call->fn(call->ctx, reply);
    unsigned char more = bulk != NULL;
    write_all(fd, reply, call->reply_size);
    write_all(fd, &more, 1);
    if (more)
        send_bulk(fd, bulk, call->bulk_size);
    _exit(0);
}

/* Forks with every signal blocked, so that the child resets its handlers before any runs. */
static pid_t start_child(int fds[2], struct sandbox_call *call, const struct sandbox_limits *limits)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        close(fds[0]);
        child_main(fds[1], parent, call, limits, &old);
    }
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(fds[1]);
    errno = saved;
    return pid;
}

convtool_status sandbox_run(struct sandbox_call *call, const struct sandbox_limits *limits)
{
    int fds[2];
    unsigned char buf[REPLY_MAX + 1];
    if (call->reply_size > REPLY_MAX)
        return CONVTOOL_EINVAL;
    call->got_bulk = 0;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return errno == EMFILE || errno == ENFILE ? CONVTOOL_EMFILE : CONVTOOL_EIO;
    /* A bigger pipe: fewer round trips for the pixels (a hint; the default works too). */
    if (call->bulk_size >= PIPE_BIG)
        (void)fcntl(fds[1], F_SETPIPE_SZ, PIPE_BIG);
    pid_t pid = start_child(fds, call, limits);
    if (pid < 0) {
        close(fds[0]);
        return errno == ENOMEM || errno == EAGAIN ? CONVTOOL_ENOMEM : CONVTOOL_EIO;
    }
    struct time_left left = {limits->wall_ms, limits->wall_ms != 0, 0, 0, 0};
    size_t want = call->reply_size + 1;
    int whole = sandbox_read_full(fds[0], buf, want, &left) == want;
    if (whole && buf[call->reply_size])
        whole = sandbox_read_full(fds[0], call->bulk, call->bulk_size, &left) == call->bulk_size;
    close(fds[0]);
    if (!whole)
        kill(pid, SIGKILL); /* timed out, or it is dying anyway */
    int status = reap(pid);
    int clean = status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!whole || !clean)
        return CONVTOOL_EHOSTILE;
    memcpy(call->reply, buf, call->reply_size);
    call->got_bulk = buf[call->reply_size] != 0;
    return CONVTOOL_OK;
}
