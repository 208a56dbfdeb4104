/*
 * convtool_write_file_atomic: temp file beside the destination, fsync, rename
 * (the git lockfile pattern), so the destination is either untouched or
 * complete. Temp files in flight are kept in a small registry that
 * convtool_atomic_cleanup() can empty from a signal handler. Which file the
 * destination really is (links, /dev/stdout) is decided in write_target.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convtool/convtool.h"
#include "files/write_target.h"

#define TEMP_SLOTS 8
#define TEMP_SUFFIX ".convtool-XXXXXX"

#ifndef NAME_MAX
#define NAME_MAX 255
#endif

/* --------------------------------------------------- temp file registry */

/*
 * Each slot is FREE, CREATING (its buffer is mkstemp's template) or LIVE (its
 * buffer names an existing temp file). The handler reads a path only in a
 * LIVE slot. A batch writes from worker threads while the signal handler
 * runs on the main thread, so the handler first raises `dying`, then waits
 * out every CREATING slot: a writer checks `dying` after reserving its slot
 * and before creating the file, so each slot ends LIVE (and is unlinked) or
 * FREE (no file) — no temp can appear after the cleanup. Writers keep the
 * signals blocked while a slot is CREATING, so the handler never waits for
 * its own thread. The mutex only serialises writers choosing a slot.
 */
enum { SLOT_FREE = 0, SLOT_CREATING, SLOT_LIVE };

static char temp_paths[TEMP_SLOTS][PATH_MAX];
static atomic_int temp_state[TEMP_SLOTS];
static atomic_int dying;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handler needs lock-free flags");
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

/* A FREE slot, now CREATING with the template in its buffer; −1 if none. */
static int reserve_slot(const char *template)
{
    int slot = -1;

    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < TEMP_SLOTS && slot < 0; i++) {
        if (atomic_load(&temp_state[i]) == SLOT_FREE)
            slot = i;
    }
    if (slot >= 0) {
        memcpy(temp_paths[slot], template, strlen(template) + 1);
        atomic_store(&temp_state[slot], SLOT_CREATING);
    }
    pthread_mutex_unlock(&registry_lock);
    return slot;
}

static void unregister_temp(int slot)
{
    atomic_store(&temp_state[slot], SLOT_FREE);
}

void convtool_atomic_cleanup(void)
{
    /* Async-signal-safe: only unlink(2) and lock-free atomics. */
    atomic_store(&dying, 1);
    for (int i = 0; i < TEMP_SLOTS; i++) {
        while (atomic_load(&temp_state[i]) == SLOT_CREATING)
            ; /* another thread is inside mkstemp: microseconds */
        if (atomic_load(&temp_state[i]) == SLOT_LIVE) {
            unlink(temp_paths[i]);
            atomic_store(&temp_state[i], SLOT_FREE);
        }
    }
}

/*
 * Keeps out, while a temp is created or renamed, every signal on which the
 * CLI removes temps and exits (src/cli/signals.c): the fatal catchable ones.
 */
static void block_signals(sigset_t *old)
{
    static const int fatal[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,   SIGXCPU,
                                SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF};
    sigset_t set;

    sigemptyset(&set);
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        sigaddset(&set, fatal[i]);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* ------------------------------------------------------------- helpers */

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = EIO; /* no progress and no reason given */
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static pthread_once_t umask_once = PTHREAD_ONCE_INIT;
static mode_t process_umask = 022;

/*
 * umask() can only be read by setting it, which races with other threads
 * creating files; /proc/self/status shows it without changing it.
 */
static void read_umask(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    unsigned value;

    if (f) {
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "Umask: %o", &value) == 1) {
                process_umask = (mode_t)(value & 0777);
                fclose(f);
                return;
            }
        }
        fclose(f);
    }
    process_umask = umask(022);
    umask(process_umask);
}

static mode_t new_file_mode(void)
{
    pthread_once(&umask_once, read_umask);
    return 0666 & ~process_umask;
}

/* DIR/.BASENAME.convtool-XXXXXX, the basename cut so the name fits NAME_MAX. */
static int temp_template(const char *target, char *out, size_t cap)
{
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    size_t dir_len = (size_t)(base - target);
    size_t base_len = strlen(base);
    size_t room = NAME_MAX - 1 - strlen(TEMP_SUFFIX);

    if (base_len == 0) {
        errno = EISDIR; /* "dir/" names a directory, not a file */
        return -1;
    }
    if (base_len > room)
        base_len = room;
    int n =
        snprintf(out, cap, "%.*s.%.*s%s", (int)dir_len, target, (int)base_len, base, TEMP_SUFFIX);
    if (n < 0 || (size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- writers */

/* "-", /dev/stdout, /dev/fd/N: the descriptor as it is, so `>> log` appends. */
static convtool_status write_to_fd(int fd, const void *data, size_t len)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags < 0)
        return CONVTOOL_EIO; /* EBADF: not open */
    if ((flags & O_ACCMODE) == O_RDONLY) {
        errno = EBADF;
        return CONVTOOL_EIO;
    }
    return write_all(fd, data, len) == 0 ? CONVTOOL_OK : CONVTOOL_EIO;
}

/*
 * The open of a FIFO waits for a reader; with O_NONBLOCK it fails with ENXIO
 * instead, so convtool never hangs on an output nobody reads. The writes
 * themselves block as usual. O_NOFOLLOW: the link chain was walked already.
 */
static int open_direct(const char *path, const struct stat *st, convtool_write_detail *detail)
{
    int fd;

    do {
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        if (errno == ENXIO && S_ISFIFO(st->st_mode))
            detail->problem = CONVTOOL_WRITE_FIFO_NO_READER;
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/* Non-regular files (FIFOs, devices): no temp, no truncation, every write checked. */
static convtool_status write_direct(const char *path, const struct stat *st, const void *data,
                                    size_t len, convtool_write_detail *detail)
{
    int err = 0;
    int fd = open_direct(path, st, detail);

    if (fd < 0)
        return CONVTOOL_EIO;
    if (write_all(fd, data, len) != 0)
        err = errno;
    if (close(fd) != 0 && !err && errno != EINTR)
        err = errno;
    if (err) {
        errno = err;
        return CONVTOOL_EIO;
    }
    return CONVTOOL_OK;
}

/*
 * The slot is reserved before the file exists and mkstemp fills in the
 * slot's own buffer, with signals blocked: there is never an unregistered temp.
 */
static int create_temp(char *tmp, int *slot)
{
    sigset_t old;
    int fd = -1, err = 0;

    block_signals(&old);
    *slot = reserve_slot(tmp);
    if (*slot < 0) {
        err = EAGAIN; /* more parallel writers than slots */
    } else if (atomic_load(&dying)) {
        err = EINTR; /* the cleanup has run: create nothing more */
        unregister_temp(*slot);
    } else {
        fd = mkstemp(temp_paths[*slot]); /* mkostemp is GNU-only; CLOEXEC just after */
        if (fd >= 0) {
            fcntl(fd, F_SETFD, FD_CLOEXEC);
            memcpy(tmp, temp_paths[*slot], strlen(temp_paths[*slot]) + 1);
            atomic_store(&temp_state[*slot], SLOT_LIVE);
        } else {
            err = errno;
            unregister_temp(*slot);
        }
    }
    restore_signals(&old);
    if (err)
        errno = err;
    return fd;
}

/*
 * The replaced file's owner and group go to the temp, as an in-place write
 * would keep them: root rewriting a user's file must not take it over. Who
 * may not give a file away keeps going, like cp: the group if they are in
 * it, else their own, whose bits are then cut to what others had, so that a
 * group that could not read the old file cannot read the new one. Returns the
 * mode to set.
 */
static mode_t keep_owner(int fd, const struct stat *old, mode_t mode)
{
    struct stat now;

    if (fchown(fd, old->st_uid, old->st_gid) == 0)
        return mode;
    if (fchown(fd, (uid_t)-1, old->st_gid) == 0)
        return mode;
    if (fstat(fd, &now) == 0 && now.st_gid == old->st_gid)
        return mode;
    return (mode & ~(mode_t)070) | (mode & ((mode & 07) << 3));
}

/*
 * Owner (of `old`, the file replaced, when there is one), mode, data,
 * fsync, close: 0 or the first errno.
 */
static int fill_temp(int fd, const void *data, size_t len, const struct stat *old, mode_t mode)
{
    int err = 0;

    if (old)
        mode = keep_owner(fd, old, mode);
    if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0)
        err = errno;
    /* After a successful fsync an interrupted close has lost nothing. */
    if (close(fd) != 0 && !err && errno != EINTR)
        err = errno;
    return err;
}

/* Best effort: makes the rename itself durable. The file is already in place. */
static void sync_parent_dir(const char *target)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(target, '/');
    size_t len = slash ? (size_t)(slash - target) + 1 : 0;

    if (len >= sizeof dir)
        return;
    if (len == 0) {
        dir[len++] = '.';
    } else {
        memcpy(dir, target, len);
    }
    dir[len] = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* A failed write's temp that unlink could not remove: the caller must name it. */
static void note_leftover(convtool_write_detail *detail, const char *tmp, int err)
{
    size_t len = strlen(tmp);

    if (len >= sizeof detail->leftover)
        len = sizeof detail->leftover - 1;
    memcpy(detail->leftover, tmp, len);
    detail->leftover[len] = '\0';
    detail->leftover_errno = err;
}

/* old: the file replaced (its owner is kept), or NULL for a new file. */
static convtool_status replace_via_temp(const char *target, const void *data, size_t len,
                                        const struct stat *old, mode_t mode,
                                        convtool_write_detail *detail)
{
    char tmp[PATH_MAX];
    sigset_t old_mask;
    int slot = -1, err;

    if (temp_template(target, tmp, sizeof tmp) != 0)
        return CONVTOOL_EIO;
    int fd = create_temp(tmp, &slot);
    if (fd < 0)
        return CONVTOOL_EIO;

    err = fill_temp(fd, data, len, old, mode);

    /* Rename and unregister as one step, so a signal never unlinks a renamed file. */
    block_signals(&old_mask);
    if (!err && rename(tmp, target) != 0)
        err = errno;
    if (err && unlink(tmp) != 0)
        note_leftover(detail, tmp, errno);
    unregister_temp(slot);
    restore_signals(&old_mask);

    if (err) {
        errno = err;
        return CONVTOOL_EIO;
    }
    sync_parent_dir(target);
    return CONVTOOL_OK;
}

static void clear_detail(convtool_write_detail *detail)
{
    detail->problem = CONVTOOL_WRITE_NO_PROBLEM;
    detail->where[0] = '\0';
    detail->leftover[0] = '\0';
    detail->leftover_errno = 0;
}

convtool_status convtool_write_file_atomic_ex(const char *path, const void *data, size_t len,
                                              convtool_write_detail *detail)
{
    convtool_write_detail scratch;
    struct write_target t;

    if (!detail)
        detail = &scratch;
    clear_detail(detail);
    if (!path || (!data && len > 0)) {
        errno = EINVAL;
        return CONVTOOL_EINVAL;
    }
    int fd = write_target_fd(path);
    if (fd >= 0)
        return write_to_fd(fd, data, len);

    if (write_target_resolve(path, &t, detail) != 0)
        return CONVTOOL_EIO;
    if (t.kind == TARGET_FD)
        return write_to_fd(t.fd, data, len);
    if (t.kind == TARGET_NEW)
        return replace_via_temp(t.path, data, len, NULL, new_file_mode(), detail);
    if (!S_ISREG(t.st.st_mode))
        return write_direct(t.path, &t.st, data, len, detail);
    /* rename() would replace a read-only file; refuse as a plain open would. */
    if (access(t.path, W_OK) != 0)
        return CONVTOOL_EIO;
    /* Permission bits carry over; set-id bits do not survive a rewrite (as with cp). */
    return replace_via_temp(t.path, data, len, &t.st, t.st.st_mode & 0777, detail);
}

convtool_status convtool_write_file_atomic(const char *path, const void *data, size_t len)
{
    return convtool_write_file_atomic_ex(path, data, len, NULL);
}
