/*
 * What a destination of convtool_write_file_atomic really is (write_target.h):
 * an open descriptor named as a path, or the end of a symlink chain. The chain
 * is walked here, in user space, so that the temp file can live beside the
 * real file and replace it while the link is kept; the kernel's protections
 * for links (fs.protected_symlinks) do not see such a walk, so it applies
 * their rule itself, and it never follows a link to a missing file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files/write_target.h"

#define MAX_LINK_HOPS 40

/* /dev/fd/N style suffix: N (decimal, no sign, fits an int), else −1. */
static int fd_number(const char *digits)
{
    long n = 0;

    if (!*digits)
        return -1;
    for (const char *p = digits; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        n = n * 10 + (*p - '0');
        if (n > INT_MAX)
            return -1;
    }
    return (int)n;
}

int write_target_fd(const char *path)
{
    static const char *const fd_dirs[] = {"/dev/fd/", "/proc/self/fd/"};

    if (strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0)
        return STDOUT_FILENO;
    if (strcmp(path, "/dev/stderr") == 0)
        return STDERR_FILENO;
    for (size_t i = 0; i < sizeof fd_dirs / sizeof fd_dirs[0]; i++) {
        size_t n = strlen(fd_dirs[i]);
        if (strncmp(path, fd_dirs[i], n) == 0)
            return fd_number(path + n);
    }
    return -1;
}

static int copy_path(char *out, size_t cap, const char *path)
{
    size_t len = strlen(path);

    if (len + 1 > cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(out, path, len + 1);
    return 0;
}

/* dir/link + target → where the target is, relative links being relative to dir. */
static int join_link(char *path, size_t cap, const char *target)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = (target[0] == '/' || !slash) ? 0 : (size_t)(slash - path) + 1;

    if (dir_len + strlen(target) + 1 > cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memmove(path + dir_len, target, strlen(target) + 1);
    return 0;
}

/* The directory a path's last component sits in. */
static int parent_stat(const char *path, struct stat *st)
{
    char dir[CONVTOOL_WRITE_PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : 0;

    if (slash == path)
        len = 1; /* "/name": the root */
    if (len >= sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(dir, slash ? path : ".", slash ? len : 1);
    dir[slash ? len : 1] = '\0';
    return stat(dir, st);
}

/*
 * fs.protected_symlinks: a link in a sticky world-writable directory is
 * followed only by its owner or when the directory's owner owns it too, so
 * nobody can plant a link in /tmp that makes root write where they choose.
 * 1: may follow; 0: may not; −1: the directory cannot be examined (errno).
 */
static int may_follow(const char *link, const struct stat *link_st)
{
    struct stat dir;

    if (link_st->st_uid == geteuid())
        return 1;
    if (parent_stat(link, &dir) != 0)
        return -1;
    if (!(dir.st_mode & S_ISVTX) || !(dir.st_mode & S_IWOTH))
        return 1;
    return link_st->st_uid == dir.st_uid;
}

static int refuse(convtool_write_detail *detail, convtool_write_problem problem, const char *where,
                  int err)
{
    detail->problem = problem;
    if (copy_path(detail->where, sizeof detail->where, where) != 0)
        detail->where[0] = '\0';
    errno = err;
    return -1;
}

/* One hop: t->path is the link described by st; afterwards it names what the link points to. */
static int follow(struct write_target *t, const struct stat *st, convtool_write_detail *detail)
{
    char to[CONVTOOL_WRITE_PATH_MAX];
    int may = may_follow(t->path, st);

    if (may < 0)
        return -1;
    if (may == 0) /* EACCES, as the kernel's own refusal */
        return refuse(detail, CONVTOOL_WRITE_UNSAFE_LINK, t->path, EACCES);
    ssize_t n = readlink(t->path, to, sizeof to - 1);
    if (n < 0)
        return -1;
    to[n] = '\0';
    return join_link(t->path, sizeof t->path, to);
}

int write_target_resolve(const char *path, struct write_target *t, convtool_write_detail *detail)
{
    if (copy_path(t->path, sizeof t->path, path) != 0)
        return -1;
    for (int hops = 0; hops < MAX_LINK_HOPS; hops++) {
        t->fd = hops ? write_target_fd(t->path) : -1; /* a link to /dev/stdout */
        if (t->fd >= 0) {
            t->kind = TARGET_FD;
            return 0;
        }
        if (lstat(t->path, &t->st) != 0) {
            if (errno != ENOENT)
                return -1;
            if (hops > 0) /* creating it would let the link's author choose the place */
                return refuse(detail, CONVTOOL_WRITE_DANGLING_LINK, t->path, ENOENT);
            t->kind = TARGET_NEW;
            return 0;
        }
        if (!S_ISLNK(t->st.st_mode)) {
            t->kind = TARGET_EXISTS;
            return 0;
        }
        if (follow(t, &t->st, detail) != 0)
            return -1;
    }
    errno = ELOOP;
    return -1;
}
