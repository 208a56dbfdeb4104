/*
 * convtool_write_file_atomic: temp file beside the destination, fsync, rename
 * (the git lockfile pattern), so the destination is either untouched or
 * complete. Temp files in flight are kept in a small registry that
 * convtool_atomic_cleanup() can empty from a signal handler. Which file the
 * destination really is (links, /dev/stdout) is decided in write_target.c,
 * which hands over a directory descriptor and a name: every step here is
 * relative to that descriptor (openat, renameat), so a component of the path
 * swapped after the checks cannot send the write elsewhere.
 */
#define _GNU_SOURCE /* O_PATH descriptors from write_target.c */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "convtool/convtool.h"
#include "files/write_target.h"

#define TEMP_SLOTS 8
#define TEMP_MARK ".convtool-" /* then six random characters */
#define TEMP_RANDOM 6
#define TEMP_TRIES 100

/* --------------------------------------------------- temp file registry */

/*
 * Each slot is FREE, CREATING (its name is being chosen and created) or LIVE
 * (its directory descriptor and name are an existing temp file, which the
 * handler removes with unlinkat, async-signal-safe and immune to a later
 * rename of the directories above). The handler reads a slot only when LIVE.
 * A batch writes from worker threads while the signal handler runs on the
 * main thread, so the handler first raises `dying`, then waits
 * out every CREATING slot: a writer checks `dying` after reserving its slot
 * and before creating the file, so each slot ends LIVE (and is unlinked) or
 * FREE (no file) — no temp can appear after the cleanup. Writers keep the
 * signals blocked while a slot is CREATING, so the handler never waits for
 * its own thread. The mutex only serialises writers choosing a slot.
 */
enum { SLOT_FREE = 0, SLOT_CREATING, SLOT_LIVE };

static char temp_names[TEMP_SLOTS][WRITE_TARGET_NAME_MAX + 1];
static int temp_dirs[TEMP_SLOTS]; /* written before the slot turns LIVE */
static atomic_int temp_state[TEMP_SLOTS];
static atomic_int dying;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handler needs lock-free flags");
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

/* A FREE slot, now CREATING, for a temp in dir; −1 if none. */
static int reserve_slot(int dir)
{
    int slot = -1;

    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < TEMP_SLOTS && slot < 0; i++) {
        if (atomic_load(&temp_state[i]) == SLOT_FREE)
            slot = i;
    }
    if (slot >= 0) {
        temp_dirs[slot] = dir;
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
    /* Async-signal-safe: only unlinkat(2) and lock-free atomics. */
    atomic_store(&dying, 1);
    for (int i = 0; i < TEMP_SLOTS; i++) {
        while (atomic_load(&temp_state[i]) == SLOT_CREATING)
            ; /* another thread is inside openat: microseconds */
        if (atomic_load(&temp_state[i]) == SLOT_LIVE) {
            unlinkat(temp_dirs[i], temp_names[i], 0);
            atomic_store(&temp_state[i], SLOT_FREE);
        }
    }
}

/*
 * Every catchable signal whose default action ends the process (signal(7):
 * "Term" and "Core"), but those that report a fault of this process itself
 * (SEGV, BUS, FPE, ILL, TRAP, SYS, ABRT: the state is not to be trusted, and
 * the sanitizers own them) and the two a program ignores to see write errors
 * instead (PIPE, XFSZ). The CLI's handler takes exactly these.
 */
void convtool_atomic_signal_set(void *set_out)
{
    sigset_t *set = set_out;
    static const int fatal[] = {
        SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGXCPU, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF,
        SIGIO,  SIGPWR,
#ifdef SIGSTKFLT
        SIGSTKFLT,
#endif
    };
    sigemptyset(set);
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        sigaddset(set, fatal[i]);
    for (int rt = SIGRTMIN; rt <= SIGRTMAX; rt++)
        sigaddset(set, rt);
}

/* Keeps those signals out while a temp is created or renamed. */
static void block_signals(sigset_t *old)
{
    sigset_t set;

    convtool_atomic_signal_set(&set);
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

/* Six characters from [A-Za-z0-9]: getrandom, or the clock if it has nothing. */
static void random_suffix(char *out)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static atomic_uint counter;
    unsigned char bytes[TEMP_RANDOM];
    struct timespec ts;

    if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != (ssize_t)sizeof bytes) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        unsigned long x = (unsigned long)ts.tv_nsec ^ atomic_fetch_add(&counter, 1) << 20;
        for (size_t i = 0; i < sizeof bytes; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u; /* an LCG step */
            bytes[i] = (unsigned char)(x >> 33);
        }
    }
    for (size_t i = 0; i < sizeof bytes; i++)
        out[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
    out[TEMP_RANDOM] = '\0';
}

/* .BASENAME.convtool-XXXXXX, the basename cut so the name fits NAME_MAX. */
static void temp_name(const char *base, char *out)
{
    size_t room = WRITE_TARGET_NAME_MAX - 1 - strlen(TEMP_MARK) - TEMP_RANDOM;
    size_t base_len = strlen(base);
    char suffix[TEMP_RANDOM + 1];

    if (base_len > room)
        base_len = room;
    random_suffix(suffix);
    snprintf(out, WRITE_TARGET_NAME_MAX + 1, ".%.*s%s%s", (int)base_len, base, TEMP_MARK, suffix);
}

/* What mkstemp does, but in dir: a fresh name, created with O_EXCL (never through a link). */
static int open_unique(int dir, const char *base, char *name)
{
    int fd = -1;

    for (int i = 0; i < TEMP_TRIES && fd < 0; i++) {
        temp_name(base, name);
        fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
                    0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    return fd;
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
static int open_direct(const struct write_target *t, convtool_write_detail *detail)
{
    int fd;

    do {
        fd = openat(t->dir, t->name, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        if (errno == ENXIO && S_ISFIFO(t->st.st_mode))
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

/*
 * The name was examined before it was opened: another file may have been put
 * there in between. Only the very FIFO or device examined is written; a
 * regular file swapped in would be overwritten in place, without the temp.
 */
static int same_as_examined(int fd, const struct stat *examined)
{
    struct stat now;

    if (fstat(fd, &now) != 0)
        return 0;
    if (now.st_dev == examined->st_dev && now.st_ino == examined->st_ino && !S_ISREG(now.st_mode))
        return 1;
    errno = EAGAIN; /* changed while being written: try again */
    return 0;
}

/* Non-regular files (FIFOs, devices): no temp, no truncation, every write checked. */
static convtool_status write_direct(const struct write_target *t, const void *data, size_t len,
                                    convtool_write_detail *detail)
{
    int err = 0;
    int fd = open_direct(t, detail);

    if (fd < 0)
        return CONVTOOL_EIO;
    if (!same_as_examined(fd, &t->st) || write_all(fd, data, len) != 0)
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
 * The slot is reserved before the file exists and the name is chosen in the
 * slot's own buffer, with signals blocked: there is never an unregistered temp.
 */
static int create_temp(int dir, const char *base, char *tmp, int *slot)
{
    sigset_t old;
    int fd = -1, err = 0;

    block_signals(&old);
    *slot = reserve_slot(dir);
    if (*slot < 0) {
        err = EAGAIN; /* more parallel writers than slots */
    } else if (atomic_load(&dying)) {
        err = EINTR; /* the cleanup has run: create nothing more */
        unregister_temp(*slot);
    } else {
        fd = open_unique(dir, base, temp_names[*slot]);
        if (fd >= 0) {
            memcpy(tmp, temp_names[*slot], strlen(temp_names[*slot]) + 1);
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

/* Best effort: makes the rename itself durable. The file is already in place. */
static void sync_dir(int dir)
{
    int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* A failed write's temp that unlink could not remove: the caller must name it. */
static void note_leftover(convtool_write_detail *detail, const struct write_target *t,
                          const char *tmp, int err)
{
    write_target_join(t->dir_path, tmp, detail->leftover, sizeof detail->leftover);
    detail->leftover_errno = err;
}

/* A temp file being filled beside its destination (whole writes and streams alike). */
struct temp_write {
    const struct write_target *t;
    char name[WRITE_TARGET_NAME_MAX + 1];
    int slot, fd, err;
};

/* old: the file replaced (its owner is kept), or NULL for a new file. 0 or −1 (errno). */
static int temp_begin(struct temp_write *w, const struct write_target *t, const struct stat *old,
                      mode_t mode)
{
    w->t = t, w->slot = -1, w->err = 0;
    w->fd = create_temp(t->dir, t->name, w->name, &w->slot);
    if (w->fd < 0)
        return -1;
    if (old)
        mode = keep_owner(w->fd, old, mode);
    if (fchmod(w->fd, mode) != 0)
        w->err = errno;
    return 0;
}

static void temp_append(struct temp_write *w, const void *data, size_t len)
{
    if (!w->err && write_all(w->fd, data, len) != 0)
        w->err = errno;
}

/*
 * fsync, close, then rename over the destination when everything before went
 * well and `keep`; otherwise the temp is removed. CONVTOOL_OK or EIO (errno).
 */
static convtool_status temp_end(struct temp_write *w, int keep, convtool_write_detail *detail)
{
    sigset_t old_mask;
    int err = w->err;
    if (!err && keep && fsync(w->fd) != 0)
        err = errno;
    /* After a successful fsync an interrupted close has lost nothing. */
    if (close(w->fd) != 0 && !err && errno != EINTR)
        err = errno;
    if (!keep && !err)
        err = ECANCELED;
    /* Rename and unregister as one step, so a signal never unlinks a renamed file. */
    block_signals(&old_mask);
    if (!err && renameat(w->t->dir, w->name, w->t->dir, w->t->name) != 0)
        err = errno;
    if (err && unlinkat(w->t->dir, w->name, 0) != 0 && detail)
        note_leftover(detail, w->t, w->name, errno);
    unregister_temp(w->slot);
    restore_signals(&old_mask);
    if (err) {
        errno = err;
        return CONVTOOL_EIO;
    }
    sync_dir(w->t->dir);
    return CONVTOOL_OK;
}

static convtool_status replace_via_temp(const struct write_target *t, const void *data, size_t len,
                                        const struct stat *old, mode_t mode,
                                        convtool_write_detail *detail)
{
    struct temp_write w;
    if (temp_begin(&w, t, old, mode) != 0)
        return CONVTOOL_EIO;
    temp_append(&w, data, len);
    return temp_end(&w, 1, detail);
}

static void clear_detail(convtool_write_detail *detail)
{
    detail->problem = CONVTOOL_WRITE_NO_PROBLEM;
    detail->where[0] = '\0';
    detail->leftover[0] = '\0';
    detail->leftover_errno = 0;
}

/* A file found by the walk: created, replaced, or written in place (FIFOs, devices). */
static convtool_status write_found(const struct write_target *t, const void *data, size_t len,
                                   convtool_write_detail *detail)
{
    if (t->kind == TARGET_NEW)
        return replace_via_temp(t, data, len, NULL, new_file_mode(), detail);
    if (S_ISDIR(t->st.st_mode)) {
        errno = EISDIR;
        return CONVTOOL_EIO;
    }
    if (!S_ISREG(t->st.st_mode))
        return write_direct(t, data, len, detail);
    /* rename() would replace a read-only file; refuse as a plain open would. */
    if (faccessat(t->dir, t->name, W_OK, 0) != 0)
        return CONVTOOL_EIO;
    /* Permission bits carry over; set-id bits do not survive a rewrite (as with cp). */
    return replace_via_temp(t, data, len, &t->st, t->st.st_mode & 0777, detail);
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
    convtool_status st = write_found(&t, data, len, detail);
    int err = errno;
    write_target_close(&t);
    errno = err;
    return st;
}

convtool_status convtool_write_file_atomic(const char *path, const void *data, size_t len)
{
    return convtool_write_file_atomic_ex(path, data, len, NULL);
}

/* ---------------------------------------------------------- streaming */

struct convtool_write_stream {
    struct write_target t;
    struct temp_write w;
};

/* The destination as write_found sees it, for a temp: its old stat and mode, or a refusal. */
static int stream_mode(const struct write_target *t, const struct stat **old, mode_t *mode)
{
    *old = NULL;
    *mode = new_file_mode();
    if (t->kind == TARGET_NEW)
        return 0;
    if (S_ISDIR(t->st.st_mode)) {
        errno = EISDIR;
        return -1;
    }
    if (faccessat(t->dir, t->name, W_OK, 0) != 0)
        return -1;
    *old = &t->st;
    *mode = t->st.st_mode & 0777;
    return 0;
}

convtool_status convtool_write_stream_open(const char *path, convtool_write_stream **out,
                                           convtool_write_detail *detail)
{
    convtool_write_detail scratch;
    *out = NULL;
    if (!detail)
        detail = &scratch;
    clear_detail(detail);
    if (!path || write_target_fd(path) >= 0)
        return CONVTOOL_EUNSUPPORTED; /* a descriptor: the whole-buffer writer's case */
    convtool_write_stream *s = calloc(1, sizeof *s);
    if (!s)
        return CONVTOOL_ENOMEM;
    if (write_target_resolve(path, &s->t, detail) != 0) {
        free(s);
        return CONVTOOL_EIO;
    }
    const struct stat *old;
    mode_t mode;
    convtool_status st = CONVTOOL_OK;
    if (s->t.kind == TARGET_FD || (s->t.kind == TARGET_EXISTS && !S_ISREG(s->t.st.st_mode) &&
                                   !S_ISDIR(s->t.st.st_mode)))
        st = CONVTOOL_EUNSUPPORTED; /* FIFOs, devices: written whole, in place */
    else if (stream_mode(&s->t, &old, &mode) != 0 || temp_begin(&s->w, &s->t, old, mode) != 0)
        st = CONVTOOL_EIO;
    if (st != CONVTOOL_OK) {
        int err = errno;
        write_target_close(&s->t);
        free(s);
        errno = err;
        return st;
    }
    *out = s;
    return CONVTOOL_OK;
}

convtool_status convtool_write_stream_write(convtool_write_stream *s, const void *data, size_t len)
{
    temp_append(&s->w, data, len);
    if (s->w.err) {
        errno = s->w.err;
        return CONVTOOL_EIO;
    }
    return CONVTOOL_OK;
}

/* pwrite until every byte is out (EINTR retried; no progress is EIO). */
static int pwrite_all(int fd, const unsigned char *p, size_t len, uint64_t at)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
        at += (uint64_t)n;
    }
    return 0;
}

convtool_status convtool_write_stream_write_at(convtool_write_stream *s, uint64_t offset,
                                               const void *data, size_t len)
{
    if (offset > (uint64_t)INT64_MAX - len) {
        errno = EFBIG;
        return CONVTOOL_EIO;
    }
    if (!s->w.err && pwrite_all(s->w.fd, data, len, offset) != 0)
        s->w.err = errno;
    if (s->w.err) {
        errno = s->w.err;
        return CONVTOOL_EIO;
    }
    return CONVTOOL_OK;
}

static convtool_status stream_end(convtool_write_stream *s, int keep, convtool_write_detail *detail)
{
    convtool_status st = temp_end(&s->w, keep, detail);
    int err = errno;
    write_target_close(&s->t);
    free(s);
    errno = err;
    return st;
}

convtool_status convtool_write_stream_commit(convtool_write_stream *s,
                                             convtool_write_detail *detail)
{
    convtool_write_detail scratch;
    if (!detail)
        detail = &scratch;
    clear_detail(detail);
    return stream_end(s, 1, detail);
}

void convtool_write_stream_abort(convtool_write_stream *s, convtool_write_detail *detail)
{
    if (detail)
        clear_detail(detail);
    if (s) {
        int err = errno;
        (void)stream_end(s, 0, detail);
        errno = err;
    }
}
