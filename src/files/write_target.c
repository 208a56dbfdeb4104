/*
 * What a destination of convtool_write_file_atomic really is (write_target.h):
 * an open descriptor named as a path, or a name in a directory reached by
 * walking the path one component at a time, in user space, from "/" or the
 * cwd. Every link met on the way (not only the last) is held to the link
 * policy: the kernel's fs.protected_symlinks rule, applied even when the
 * sysctl is off, because the kernel would follow links in the middle of a
 * path without any rule if the path were handed to it whole. A final link to
 * a missing file is never followed; a procfs fd directory entry of this
 * process means that descriptor, however the path is spelt; and in a sticky
 * world-writable directory another user's file is not replaced (the
 * fs.protected_regular rule). The walk ends with a directory descriptor, so
 * the writer's later steps cannot be redirected by a swapped component.
 */
#define _GNU_SOURCE /* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "files/write_target.h"

#define MAX_LINK_HOPS 40 /* as the kernel's MAXSYMLINKS */

/* The walk so far: a directory, how to spell it, and what is left of the path. */
struct walk {
    int dir;                             /* O_PATH descriptor of the directory reached */
    char shown[CONVTOOL_WRITE_PATH_MAX]; /* that directory as a path; "" = the cwd */
    char rest[CONVTOOL_WRITE_PATH_MAX];  /* the components still to walk */
    char aim[CONVTOOL_WRITE_PATH_MAX];   /* where the last final link points, or "" */
    int hops;
};

/* One component of the walk and where it stands. */
struct step {
    char name[WRITE_TARGET_NAME_MAX + 1];
    int last;        /* nothing follows it */
    int slash_after; /* "name/": it must be a directory */
};

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

void write_target_join(const char *dir, const char *name, char *out, size_t cap)
{
    size_t dl = strlen(dir);
    const char *sep = (dl == 0 || dir[dl - 1] == '/') ? "" : "/";
    size_t need = dl + strlen(sep) + strlen(name) + 1;

    if (need > cap) { /* only a message suffers: keep the end, the telling part */
        name += need - cap < strlen(name) ? need - cap : strlen(name);
        dir = sep = "";
    }
    out[0] = '\0';
    strncat(out, dir, cap - 1);
    strncat(out, sep, cap - 1 - strlen(out));
    strncat(out, name, cap - 1 - strlen(out));
}

void write_target_close(struct write_target *t)
{
    if (t->dir >= 0)
        close(t->dir);
    t->dir = -1;
}

static int refuse(convtool_write_detail *detail, convtool_write_problem problem, const char *where,
                  int err)
{
    detail->problem = problem;
    write_target_join("", where, detail->where, sizeof detail->where);
    errno = err;
    return -1;
}

/* The walk moves on to the directory `fd`, spelt `shown` (/ or dir/name). */
static int enter(struct walk *w, int fd, const char *name)
{
    char shown[sizeof w->shown];

    if (name[0] == '/') {
        snprintf(shown, sizeof shown, "/");
    } else {
        write_target_join(w->shown, name, shown, sizeof shown);
    }
    close(w->dir);
    w->dir = fd;
    memcpy(w->shown, shown, sizeof shown);
    return 0;
}

/* Takes the first component off w->rest. */
static int next_step(struct walk *w, struct step *s)
{
    const char *p = w->rest + strspn(w->rest, "/");
    size_t n = strcspn(p, "/");

    if (n > WRITE_TARGET_NAME_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(s->name, p, n);
    s->name[n] = '\0';
    p += n;
    s->slash_after = *p == '/';
    p += strspn(p, "/");
    s->last = *p == '\0';
    memmove(w->rest, p, strlen(p) + 1);
    return 0;
}

/* rest = target + ("/" + rest): what the link says, then what came after it. */
static int splice_link(struct walk *w, const char *target, int slash_after)
{
    char joined[sizeof w->rest];
    const char *sep = (w->rest[0] || slash_after) ? "/" : "";
    int n = snprintf(joined, sizeof joined, "%s%s%s", target, sep, w->rest);

    if (n < 0 || (size_t)n >= sizeof joined) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(w->rest, joined, (size_t)n + 1);
    if (target[0] != '/')
        return 0;
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    return root < 0 ? -1 : enter(w, root, "/");
}

static int in_procfs(int dir)
{
    struct statfs sfs;

    return fstatfs(dir, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/*
 * /proc/self/fd/N, /proc/<own pid>/fd/N, /proc/thread-self/fd/N, however
 * reached: an entry named N in procfs that leads to the very file open as
 * descriptor N here. N, else −1.
 */
static int own_descriptor(int dir, const char *name)
{
    struct stat via, mine;
    int n = fd_number(name);

    if (n < 0 || !in_procfs(dir))
        return -1;
    if (fstatat(dir, name, &via, 0) != 0 || fstat(n, &mine) != 0)
        return -1;
    return via.st_dev == mine.st_dev && via.st_ino == mine.st_ino ? n : -1;
}

/* A sticky directory that every user may write to: /tmp and the like. */
static int sticky_shared(int dir, struct stat *st)
{
    return fstat(dir, st) == 0 && (st->st_mode & S_ISVTX) && (st->st_mode & S_IWOTH);
}

/*
 * fs.protected_symlinks: a link in a sticky world-writable directory is
 * followed only by its owner or when the directory's owner owns it too, so
 * nobody can plant a link in /tmp that makes root write where they choose.
 */
static int may_follow(int dir, const struct stat *link_st)
{
    struct stat d;

    if (link_st->st_uid == geteuid() || !sticky_shared(dir, &d))
        return 1;
    return link_st->st_uid == d.st_uid;
}

/*
 * fs.protected_regular, for rename: in such a directory a file of a third
 * user is not taken over (as root, rename would replace it and the result
 * would keep that user as owner).
 */
static int may_replace(int dir, const struct stat *st)
{
    struct stat d;

    if (!S_ISREG(st->st_mode) || st->st_uid == geteuid() || !sticky_shared(dir, &d))
        return 1;
    return st->st_uid == d.st_uid;
}

static int fail(int err)
{
    errno = err;
    return -1;
}

/* ".", "..", and the empty name of "/" or "a//": never a file to write. */
static int is_dot(const char *name)
{
    return !name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* Into a procfs entry (/proc/self, /proc/<pid>/cwd): the kernel's own jump, as its text may lie. */
static int enter_proc_link(struct walk *w, const char *name)
{
    int fd = openat(w->dir, name, O_PATH | O_DIRECTORY | O_CLOEXEC);

    return fd < 0 ? -1 : enter(w, fd, name);
}

/* The text of the link open as `link`, into to[cap]. */
static int read_link(int link, char *to, size_t cap)
{
    ssize_t n = readlinkat(link, "", to, cap);

    if (n < 0)
        return -1;
    if ((size_t)n >= cap)
        return fail(ENAMETOOLONG);
    to[n] = '\0';
    return n == 0 ? fail(ENOENT) : 0;
}

/*
 * A link met on the walk, open as `link` and described by *st: refused (−1),
 * a descriptor of this process (1, t->fd set) or followed (0).
 */
static int follow(struct walk *w, const struct step *s, int link, const struct stat *st,
                  struct write_target *t, convtool_write_detail *detail)
{
    char to[CONVTOOL_WRITE_PATH_MAX];
    int final = s->last && !s->slash_after;

    if (!may_follow(w->dir, st)) { /* EACCES, as the kernel's own refusal */
        write_target_join(w->shown, s->name, to, sizeof to);
        return refuse(detail, CONVTOOL_WRITE_UNSAFE_LINK, to, EACCES);
    }
    if (++w->hops > MAX_LINK_HOPS)
        return fail(ELOOP);
    if (final && (t->fd = own_descriptor(w->dir, s->name)) >= 0)
        return 1;
    if (!final && in_procfs(w->dir))
        return enter_proc_link(w, s->name);
    if (read_link(link, to, sizeof to) != 0)
        return -1;
    if (final && to[0] == '/' && (t->fd = write_target_fd(to)) >= 0)
        return 1; /* a link to /dev/stdout, even where /proc is missing */
    if (final)    /* from here on, a missing component means a dangling link */
        write_target_join(to[0] == '/' ? "" : w->shown, to, w->aim, sizeof w->aim);
    return splice_link(w, to, s->slash_after);
}

/* A component that is not there. */
static int missing(const struct walk *w, const struct step *s, convtool_write_detail *detail)
{
    if (errno != ENOENT)
        return -1;
    if (w->aim[0]) /* creating it would let the link's author choose the place */
        return refuse(detail, CONVTOOL_WRITE_DANGLING_LINK, w->aim, ENOENT);
    return s->last && s->slash_after ? fail(EISDIR) : -1; /* "new/" names a directory */
}

static int enter_parent(struct walk *w)
{
    int fd = openat(w->dir, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);

    return fd < 0 ? -1 : enter(w, fd, "..");
}

/* A component that must be a directory: every one but the last, and "name/". */
static int dir_step(struct walk *w, const struct step *s, struct write_target *t,
                    convtool_write_detail *detail)
{
    struct stat st;
    int r = 0;

    if (strcmp(s->name, "..") == 0) {
        r = enter_parent(w);
    } else if (!is_dot(s->name)) {
        int fd = openat(w->dir, s->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return missing(w, s, detail);
        if (fstat(fd, &st) != 0)
            r = -1;
        else if (S_ISLNK(st.st_mode))
            r = follow(w, s, fd, &st, t, detail);
        else if (!S_ISDIR(st.st_mode))
            r = fail(ENOTDIR);
        else
            return enter(w, fd, s->name) == 0 && s->last ? fail(EISDIR) : 0; /* fd kept */
        close(fd);
        return r;
    }
    return r == 0 && s->last ? fail(EISDIR) : r;
}

/* The last component: a file there, nothing (new), or a link to go on with. 1: done. */
static int final_step(struct walk *w, const struct step *s, struct write_target *t,
                      convtool_write_detail *detail)
{
    char where[CONVTOOL_WRITE_PATH_MAX];
    int fd = openat(w->dir, s->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0 && errno == ENOENT && !w->aim[0] && fd_number(s->name) >= 0 && in_procfs(w->dir))
        return fail(EBADF); /* /dev/./fd/9 and the like: a descriptor not open */
    if (fd < 0 && errno == ENOENT && !w->aim[0]) {
        t->kind = TARGET_NEW;
        return 1;
    }
    if (fd < 0)
        return missing(w, s, detail);
    int r = fstat(fd, &t->st) != 0 ? -1 : 1;
    if (r > 0 && S_ISLNK(t->st.st_mode))
        r = follow(w, s, fd, &t->st, t, detail);
    close(fd);
    if (r <= 0)
        return r;
    t->kind = t->fd >= 0 ? TARGET_FD : TARGET_EXISTS;
    if (t->kind == TARGET_FD)
        return 1;
    if (may_replace(w->dir, &t->st))
        return 1;
    write_target_join(w->shown, s->name, where, sizeof where);
    return refuse(detail, CONVTOOL_WRITE_OTHERS_FILE, where, EACCES);
}

/* Hands the directory reached and the final name over to t. */
static void take_result(struct walk *w, const struct step *s, struct write_target *t)
{
    if (t->kind == TARGET_FD)
        return;
    t->dir = w->dir;
    w->dir = -1;
    memcpy(t->name, s->name, sizeof t->name);
    memcpy(t->dir_path, w->shown, sizeof t->dir_path);
}

static int walk(struct walk *w, const char *path, struct write_target *t,
                convtool_write_detail *detail)
{
    struct step s;
    int r = 0;

    w->dir = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (w->dir < 0)
        return -1;
    snprintf(w->shown, sizeof w->shown, "%s", path[0] == '/' ? "/" : "");
    snprintf(w->rest, sizeof w->rest, "%s", path);
    w->aim[0] = '\0';
    w->hops = 0;
    while (r == 0) {
        if (next_step(w, &s) != 0)
            r = -1;
        else if (s.last && !s.slash_after && !is_dot(s.name))
            r = final_step(w, &s, t, detail);
        else
            r = dir_step(w, &s, t, detail);
    }
    if (r > 0)
        take_result(w, &s, t);
    return r > 0 ? 0 : -1;
}

int write_target_resolve(const char *path, struct write_target *t, convtool_write_detail *detail)
{
    struct walk *w;

    t->dir = -1;
    t->fd = -1;
    if (!path[0])
        return fail(ENOENT);
    if (strlen(path) >= sizeof w->rest)
        return fail(ENAMETOOLONG);
    w = malloc(sizeof *w); /* three paths: too much for a worker thread's stack */
    if (!w)
        return -1;
    int r = walk(w, path, t, detail);
    int err = errno;
    if (w->dir >= 0)
        close(w->dir);
    free(w);
    errno = err;
    return r;
}
