/*
 * failmalloc: an LD_PRELOAD shim that makes one chosen allocation fail, so a
 * test can walk a job through every allocation it makes (tests/cli/cases/faults.sh).
 *
 *   FAILMALLOC_NTH=N     the Nth call to malloc, calloc, realloc, posix_memalign,
 *                        aligned_alloc, memalign or valloc fails with ENOMEM
 *   FAILMALLOC_STICKY=1  every call from the Nth on fails, not just the Nth
 *   FAILMALLOC_COUNT=F   at exit, write to F "CALLS INJECTED\n": the calls counted
 *                        and whether a failure was injected (counting mode: no NTH)
 *
 * Only calls made once main() has started are counted: the dynamic loader's and
 * libc's start-up allocations differ from machine to machine, the program's do
 * not. main is found by wrapping __libc_start_main. A forked child counts
 * nothing (the decoder's child has budgets of its own). Counting is atomic, so a
 * threaded program is safe, but only a single-threaded run (-j 1) gives the
 * same count every time.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* glibc's own entry points: no dlsym (which itself allocates) is needed. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

static atomic_int counting;    /* set once main() has been entered */
static atomic_ulong calls;     /* allocations counted so far */
static atomic_int injected;    /* a failure was returned */
static unsigned long fail_nth; /* 0: never fail */
static int sticky;

static unsigned long env_number(const char *name)
{
    const char *s = getenv(name);

    return s ? strtoul(s, NULL, 10) : 0;
}

/* Counts the call; 1 if this one must fail. */
static int should_fail(void)
{
    if (!atomic_load(&counting))
        return 0;
    unsigned long n = atomic_fetch_add(&calls, 1) + 1;
    if (fail_nth == 0 || n < fail_nth || (n > fail_nth && !sticky))
        return 0;
    atomic_store(&injected, 1);
    errno = ENOMEM;
    return 1;
}

void *malloc(size_t size)
{
    return should_fail() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    return should_fail() ? NULL : __libc_realloc(p, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    if (should_fail())
        return ENOMEM;
    void *p = __libc_memalign(align, size);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
    return should_fail() ? NULL : __libc_memalign(align, size);
}

void *memalign(size_t align, size_t size)
{
    return should_fail() ? NULL : __libc_memalign(align, size);
}

void *valloc(size_t size)
{
    return should_fail() ? NULL : __libc_memalign((size_t)sysconf(_SC_PAGESIZE), size);
}

/* Written with open/write only: stdio might allocate, and so count itself. */
static void write_count(void)
{
    const char *path = getenv("FAILMALLOC_COUNT");
    char line[64];

    if (!path)
        return;
    int len = snprintf(line, sizeof line, "%lu %d\n", atomic_load(&calls), atomic_load(&injected));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (write(fd, line, (size_t)len) != len)
        (void)0; /* nothing to report to: the test sees a short file */
    close(fd);
}

__attribute__((destructor)) static void at_exit_report(void)
{
    atomic_store(&counting, 0);
    write_count();
}

typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

/* A forked child (the contained decoder) has its own memory accounting: its
 * allocations neither count nor fail, so the walk covers the parent's job. */
static void child_after_fork(void)
{
    atomic_store(&counting, 0);
}

static int counting_main(int argc, char **argv, char **envp)
{
    fail_nth = env_number("FAILMALLOC_NTH");
    sticky = env_number("FAILMALLOC_STICKY") != 0;
    pthread_atfork(NULL, NULL, child_after_fork);
    atomic_store(&counting, 1);
    return real_main(argc, argv, envp);
}

typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void),
                        void *);

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end)
{
    start_fn next = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");

    real_main = main;
    return next(counting_main, argc, argv, init, fini, rtld_fini, stack_end);
}
