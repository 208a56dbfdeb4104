/*
 * The worker's lockdown (see sandbox_child.h, sandbox_worker.h): signal
 * handlers, descriptors, resource limits and the seccomp-BPF allowlist. Only
 * async-signal-safe calls: the child of a multithreaded parent may not take
 * locks another thread held at the fork.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/sandbox_child.h"
#include "sandbox/sanitized.h"

#if defined(__x86_64__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#endif

#define CHILD_NOFILE 4

static void reset_signals(void)
{
    struct sigaction dfl = {0};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    /* Inherited handlers would remove the parent's temp files on Ctrl-C. */
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            (void)sigaction(s, &dfl, NULL);
}

/* Closes the descriptors in [low, high) (none when high <= low). */
static int close_span(int low, int high)
{
    if (high <= low)
        return 0;
    return (int)syscall(SYS_close_range, (unsigned)low, (unsigned)high - 1, 0u);
}

/* Every descriptor but the two pipes (and stderr for sanitizer reports) is closed. */
static int close_descriptors(int request, int reply)
{
    int low = SANITIZED ? 3 : 0;
    int a = request < reply ? request : reply, b = request < reply ? reply : request;
    if (a < low || a == b)
        return -1;
    return close_span(low, a) | close_span(a + 1, b) |
           (int)syscall(SYS_close_range, (unsigned)b + 1, ~0u, 0u);
}

/* Lowers a limit to value; one already lower (ulimit in the parent) is kept. */
static int set_limit(int resource, uint64_t value)
{
    struct rlimit r;
    if (getrlimit(resource, &r) != 0)
        return -1;
    if (r.rlim_max != RLIM_INFINITY && r.rlim_max < value)
        value = r.rlim_max;
    r.rlim_cur = r.rlim_max = (rlim_t)value;
    return setrlimit(resource, &r);
}

/* Whether a one-byte mapping fits under an address-space soft limit of `limit` bytes. */
static int mapping_fits(uint64_t limit, rlim_t hard)
{
    struct rlimit r = {(rlim_t)limit, hard};
    if (setrlimit(RLIMIT_AS, &r) != 0)
        return 0;
    void *p = mmap(NULL, 1, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    munmap(p, 1);
    return 1;
}

/*
 * The address space this process holds (the parent's, inherited at the
 * fork), as the kernel counts it for RLIMIT_AS, one page over. No /proc: it
 * is missing in containers and chroots and needs a free descriptor, and the
 * old answer "unknown" gave the child a limit below what it already held, so
 * that every decode failed as out of memory. A mapping of one page fits
 * under a soft limit L exactly when total + 1 page <= L: a binary search
 * over L (some 60 rounds of setrlimit, mmap and munmap, microseconds) finds
 * the smallest L that fits, the total plus one page. The soft limit is put
 * back. 0 on success, -1 when not even the current limit leaves room.
 */
static int address_space(uint64_t *bytes)
{
    struct rlimit old;
    if (getrlimit(RLIMIT_AS, &old) != 0)
        return -1;
    uint64_t hi = old.rlim_cur == RLIM_INFINITY ? (uint64_t)1 << 62 : (uint64_t)old.rlim_cur;
    uint64_t lo = 0; /* nothing fits under 0; hi is checked first */
    int found = mapping_fits(hi, old.rlim_max);
    while (found && hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (mapping_fits(mid, old.rlim_max))
            hi = mid;
        else
            lo = mid;
    }
    if (setrlimit(RLIMIT_AS, &old) != 0 || !found)
        return -1;
    *bytes = hi;
    return 0;
}

/*
 * The address-space limit: what the child holds plus limits->memory. When
 * even that cannot be measured, none (a limit at a guess could be below what
 * the child holds): the arena's budget, RLIMIT_CPU and the deadline still hold.
 */
static int set_address_limit(uint64_t memory)
{
    uint64_t held;
    if (address_space(&held) != 0 || held > UINT64_MAX - memory)
        return 0;
    return set_limit(RLIMIT_AS, held + memory);
}

static int set_limits(const struct sandbox_limits *limits)
{
    int bad = set_limit(RLIMIT_FSIZE, 0) | set_limit(RLIMIT_CORE, 0) |
              set_limit(RLIMIT_NOFILE, CHILD_NOFILE);
    if (limits->cpu_seconds) {
        /* SIGXCPU at the soft limit, SIGKILL a second later. */
        bad |= set_limit(RLIMIT_CPU, (uint64_t)limits->cpu_seconds + 1);
        struct rlimit r;
        if (getrlimit(RLIMIT_CPU, &r) == 0 && r.rlim_max > limits->cpu_seconds) {
            r.rlim_cur = limits->cpu_seconds;
            bad |= setrlimit(RLIMIT_CPU, &r);
        }
    }
    /* Under the sanitizers the shadow memory alone is terabytes: the arena's budget
     * still holds, the address-space limit cannot. */
    if (limits->memory && !SANITIZED)
        bad |= set_address_limit(limits->memory);
    return bad ? -1 : 0;
}

#ifdef SANDBOX_ARCH

#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define NR_IS(nr, skip) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, (skip))
/* A sanitizer's report must still get out: there a refused call fails instead of killing. */
#define DENY_ACTION (SANITIZED ? SECCOMP_RET_ERRNO | ENOSYS : SECCOMP_RET_KILL_PROCESS)

static int install_filter(int request_fd, int reply_fd)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
        /* x32 numbers alias the 64-bit ones: refuse the whole range. */
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
        /* Memory management, for malloc and the decoder's arena. */
        NR_IS(SYS_mmap, 0),
        NR_IS(SYS_munmap, 0),
        NR_IS(SYS_mremap, 0),
        NR_IS(SYS_brk, 0),
        NR_IS(SYS_madvise, 0),
        NR_IS(SYS_mprotect, 0),
        NR_IS(SYS_futex, 0),
        NR_IS(SYS_exit, 0),
        NR_IS(SYS_exit_group, 0),
        NR_IS(SYS_rt_sigreturn, 0),
        NR_IS(SYS_rt_sigprocmask, 0),
        NR_IS(SYS_vmsplice, 0), /* vmsplice: into the pipe */
#if SANITIZED
        /* The sanitizers' runtime checks its signal stack and thread on the way out. */
        NR_IS(SYS_sigaltstack, 0),
        NR_IS(SYS_gettid, 0),
        NR_IS(SYS_getpid, 0),
#endif
        /* Opening a file fails (EACCES) instead of killing: glibc's malloc opens
         * /proc/sys/vm/overcommit_memory the first time it shrinks a thread arena's heap
         * (a worker forked from a batch thread) and copes with a failed open; nothing is
         * ever opened. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
#ifdef SYS_open
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_open, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
#endif
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_read, 0, 4),
        /* read: the request pipe only. */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)request_fd, 0, 1),
        ALLOW,
        BPF_STMT(BPF_RET | BPF_K, DENY_ACTION),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, DENY_ACTION),
        /* write: the reply pipe only (and stderr for a sanitizer's report). */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)reply_fd, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANITIZED ? 2u : (unsigned)reply_fd, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, DENY_ACTION),
        ALLOW,
    };
    /* The chain of NR_IS(nr, 0) falls through to the next test on a mismatch, and
     * every match must land on ALLOW: patch each jump's true branch to it. */
    size_t n = sizeof f / sizeof f[0];
    for (size_t i = 0; i < n; i++)
        if (f[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && f[i].jt == 0 && f[i].jf == 0)
            f[i].jt = (unsigned char)(n - 1 - i - 1);
    struct sock_fprog prog = {(unsigned short)n, f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0 ? 0 : -1;
}

#else /* no filter for this architecture: the limits and the budget still hold */

static int install_filter(int request_fd, int reply_fd)
{
    (void)request_fd, (void)reply_fd;
    return 0;
}

#endif

int sandbox_enter(int request_fd, int reply_fd, const struct sandbox_limits *limits)
{
    reset_signals();
    if (close_descriptors(request_fd, reply_fd) != 0 || set_limits(limits) != 0)
        return -1;
    return install_filter(request_fd, reply_fd);
}
