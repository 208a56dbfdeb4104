/*
 * failunlink: an LD_PRELOAD shim that makes the removal of chosen files fail,
 * so a test can leave a failed write's temp file in place the way a directory
 * turned read-only mid-write would (tests/cli/cases/safety_write.sh).
 *
 *   FAILUNLINK_MATCH=TEXT  unlink, unlinkat and remove of a path containing
 *                          TEXT fail with EACCES; other paths are removed
 *
 * Nothing is counted and nothing allocated: the real calls are made with
 * syscall(2), so the shim needs no dlsym.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int refused(const char *path)
{
    const char *match = getenv("FAILUNLINK_MATCH");

    if (!path || !match || !*match || !strstr(path, match))
        return 0;
    errno = EACCES;
    return 1;
}

int unlinkat(int dirfd, const char *path, int flags)
{
    if (refused(path))
        return -1;
    return (int)syscall(SYS_unlinkat, dirfd, path, flags);
}

int unlink(const char *path)
{
    return unlinkat(AT_FDCWD, path, 0);
}

int remove(const char *path)
{
    if (refused(path))
        return -1;
    if (syscall(SYS_unlinkat, AT_FDCWD, path, 0) == 0)
        return 0;
    if (errno != EISDIR)
        return -1;
    return (int)syscall(SYS_unlinkat, AT_FDCWD, path, AT_REMOVEDIR);
}
