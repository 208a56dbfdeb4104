/*
 * convtool_write_file_atomic: temp file beside the destination, fsync, rename
 * (the git lockfile pattern), so the destination is either untouched or
 * complete. Temp files in flight are kept in a small registry that
 * convtool_atomic_cleanup() can empty from a signal handler.
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

#define TEMP_SLOTS 8
#define TEMP_SUFFIX ".convtool-XXXXXX"
#define MAX_LINK_HOPS 40

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

/* Keeps SIGINT/SIGTERM/SIGHUP out while a temp is created or renamed. */
static void block_signals(sigset_t *old)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
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

/*
 * Follows a chain of symlinks (dangling ones too, unlike realpath) so the temp
 * file lives beside, and replaces, the real file rather than the link.
 */
static int resolve_links(const char *path, char *out, size_t cap)
{
    char target[PATH_MAX];
    struct stat st;

    if (strlen(path) + 1 > cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(out, path, strlen(path) + 1);
    for (int hops = 0; hops < MAX_LINK_HOPS; hops++) {
        if (lstat(out, &st) != 0)
            return errno == ENOENT ? 0 : -1; /* a new file: nothing to follow */
        if (!S_ISLNK(st.st_mode))
            return 0;
        ssize_t n = readlink(out, target, sizeof target - 1);
        if (n < 0)
            return -1;
        target[n] = '\0';
        if (join_link(out, cap, target) != 0)
            return -1;
    }
    errno = ELOOP;
    return -1;
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

/* Non-regular files (FIFOs, devices): no temp, no truncation, every write checked. */
static convtool_status write_direct(const char *path, const void *data, size_t len)
{
    int fd, err = 0;

    do {
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    } while (fd < 0 && errno == EINTR);
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

/* Data, mode, fsync, close: 0 or the first errno. */
static int fill_temp(int fd, const void *data, size_t len, mode_t mode)
{
    int err = 0;

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

static convtool_status replace_via_temp(const char *target, const void *data, size_t len,
                                        mode_t mode)
{
    char tmp[PATH_MAX];
    sigset_t old;
    int slot = -1, err;

    if (temp_template(target, tmp, sizeof tmp) != 0)
        return CONVTOOL_EIO;
    int fd = create_temp(tmp, &slot);
    if (fd < 0)
        return CONVTOOL_EIO;

    err = fill_temp(fd, data, len, mode);

    /* Rename and unregister as one step, so a signal never unlinks a renamed file. */
    block_signals(&old);
    if (!err && rename(tmp, target) != 0)
        err = errno;
    if (err)
        unlink(tmp);
    unregister_temp(slot);
    restore_signals(&old);

    if (err) {
        errno = err;
        return CONVTOOL_EIO;
    }
    sync_parent_dir(target);
    return CONVTOOL_OK;
}

convtool_status convtool_write_file_atomic(const char *path, const void *data, size_t len)
{
    char target[PATH_MAX];
    struct stat st;

    if (!path || (!data && len > 0)) {
        errno = EINVAL;
        return CONVTOOL_EINVAL;
    }
    if (strcmp(path, "-") == 0)
        return write_all(STDOUT_FILENO, data, len) == 0 ? CONVTOOL_OK : CONVTOOL_EIO;

    if (resolve_links(path, target, sizeof target) != 0)
        return CONVTOOL_EIO;
    if (stat(target, &st) != 0) {
        if (errno != ENOENT)
            return CONVTOOL_EIO;
        return replace_via_temp(target, data, len, new_file_mode());
    }
    if (!S_ISREG(st.st_mode))
        return write_direct(target, data, len);
    /* rename() would replace a read-only file; refuse as a plain open would. */
    if (access(target, W_OK) != 0)
        return CONVTOOL_EIO;
    /* Permission bits carry over; set-id bits do not survive a rewrite (as with cp). */
    return replace_via_temp(target, data, len, st.st_mode & 0777);
}
