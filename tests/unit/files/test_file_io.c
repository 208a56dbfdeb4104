/*
 * File I/O: atomic writes (modes, symlinks, devices, failures that must leave
 * the destination intact and no temp behind, signals mid-write) and reads
 * with a size limit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "convtool/convtool.h"

/* The CLI's handlers are tested here, against the registry they empty. */
#include "common/signals.h" /* the CLI handler, from convtool_cli */

#define BIG_WRITE (1u << 20)

typedef struct fixture {
    char dir[64];
    char path[PATH_MAX]; /* scratch for paths inside dir */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/convtool-fileio-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

/* Removes dir and everything in it, one subdirectory level deep. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[PATH_MAX];

    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (unlink(p) != 0)
            remove_tree(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove_tree(f->dir);
    free(f);
    return 0;
}

static const char *in_dir(fixture *f, const char *name)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    return f->path;
}

/* Number of convtool temp files left in dir. */
static int count_temps(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".convtool-") != NULL;
    closedir(d);
    return n;
}

static void put_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

static void assert_file_is(const char *path, const void *want, size_t len)
{
    char buf[256];
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_true(len < sizeof buf);
    size_t got = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    assert_int_equal(got, len);
    assert_memory_equal(buf, want, len);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* ------------------------------------------------------ regular files */

static void write_creates_file_with_umask_mode(void **state)
{
    fixture *f = *state;
    const char *p = in_dir(f, "new.png");

    assert_int_equal(convtool_write_file_atomic(p, "hello", 5), CONVTOOL_OK);
    assert_file_is(p, "hello", 5);
    assert_int_equal(mode_of(p), 0644); /* main() sets umask 022 */
    assert_int_equal(count_temps(f->dir), 0);
}

static void overwrite_keeps_mode_and_replaces_content(void **state)
{
    fixture *f = *state;
    const char *p = in_dir(f, "out.png");
    struct stat before, after;

    put_file(p, "old contents that are longer");
    assert_int_equal(chmod(p, 0640), 0);
    assert_int_equal(stat(p, &before), 0);
    assert_int_equal(convtool_write_file_atomic(p, "new", 3), CONVTOOL_OK);
    assert_int_equal(stat(p, &after), 0);
    assert_file_is(p, "new", 3);
    assert_int_equal(mode_of(p), 0640);
    assert_true(before.st_ino != after.st_ino); /* replaced by rename, not rewritten */
    assert_int_equal(count_temps(f->dir), 0);
}

static void empty_write_gives_empty_file(void **state)
{
    fixture *f = *state;
    const char *p = in_dir(f, "empty");

    assert_int_equal(convtool_write_file_atomic(p, NULL, 0), CONVTOOL_OK);
    assert_file_is(p, "", 0);
}

static void long_basename_still_gets_a_temp(void **state)
{
    fixture *f = *state;
    char name[256];

    memset(name, 'a', 250);
    memcpy(name + 250, ".png", 5); /* 254 bytes: the temp name must be shortened */
    const char *p = in_dir(f, name);
    assert_int_equal(convtool_write_file_atomic(p, "x", 1), CONVTOOL_OK);
    assert_file_is(p, "x", 1);
    assert_int_equal(count_temps(f->dir), 0);
}

static void missing_directory_is_enoent(void **state)
{
    fixture *f = *state;

    errno = 0;
    assert_int_equal(convtool_write_file_atomic(in_dir(f, "nope/out.png"), "x", 1), CONVTOOL_EIO);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(count_temps(f->dir), 0);
}

static void directory_destination_is_eisdir(void **state)
{
    fixture *f = *state;

    errno = 0;
    assert_int_equal(convtool_write_file_atomic(f->dir, "x", 1), CONVTOOL_EIO);
    assert_int_equal(errno, EISDIR);
    errno = 0;
    assert_int_equal(convtool_write_file_atomic(in_dir(f, "sub/"), "x", 1), CONVTOOL_EIO);
    assert_int_equal(errno, EISDIR);
    assert_int_equal(count_temps(f->dir), 0);
}

static void read_only_destination_is_refused(void **state)
{
    fixture *f = *state;
    const char *p = in_dir(f, "locked");

    if (geteuid() == 0)
        skip(); /* root may write anything */
    put_file(p, "keep");
    assert_int_equal(chmod(p, 0444), 0);
    errno = 0;
    assert_int_equal(convtool_write_file_atomic(p, "x", 1), CONVTOOL_EIO);
    assert_int_equal(errno, EACCES);
    assert_file_is(p, "keep", 4);
}

/* A write that fails half-way (file size limit) leaves the old file intact. */
static void failed_write_leaves_destination_intact(void **state)
{
    fixture *f = *state;
    const char *p = in_dir(f, "precious.png");
    struct rlimit old, small;
    char *big = calloc(1, BIG_WRITE);

    assert_non_null(big);
    put_file(p, "precious bytes");
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 4096;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);

    errno = 0;
    convtool_status st = convtool_write_file_atomic(p, big, BIG_WRITE);
    int err = errno;

    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    free(big);
    assert_int_equal(st, CONVTOOL_EIO);
    assert_int_equal(err, EFBIG);
    assert_file_is(p, "precious bytes", 14);
    assert_int_equal(count_temps(f->dir), 0);
}

/* --------------------------------------------------------------- symlinks */

static void symlink_target_is_replaced_link_kept(void **state)
{
    fixture *f = *state;
    char link[PATH_MAX], target[PATH_MAX], got[PATH_MAX];
    struct stat st;

    snprintf(target, sizeof target, "%s/target.png", f->dir);
    snprintf(link, sizeof link, "%s/link.png", f->dir);
    put_file(target, "old");
    assert_int_equal(chmod(target, 0600), 0);
    assert_int_equal(symlink("target.png", link), 0);

    assert_int_equal(convtool_write_file_atomic(link, "new!", 4), CONVTOOL_OK);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    ssize_t n = readlink(link, got, sizeof got - 1);
    assert_int_equal(n, 10);
    assert_memory_equal(got, "target.png", 10);
    assert_file_is(target, "new!", 4);
    assert_int_equal(mode_of(target), 0600);
    assert_int_equal(count_temps(f->dir), 0);
}

/* A chain ending in a missing file creates the file the chain points to. */
/* A link to a missing file is never written through (GNU cp refuses it too). */
static void dangling_symlink_chain_is_refused(void **state)
{
    fixture *f = *state;
    char sub[PATH_MAX], l1[PATH_MAX], l2[PATH_MAX], real[PATH_MAX];
    struct stat st;
    convtool_write_detail d;

    snprintf(sub, sizeof sub, "%s/sub", f->dir);
    snprintf(l1, sizeof l1, "%s/l1", f->dir);
    snprintf(l2, sizeof l2, "%s/l2", f->dir);
    snprintf(real, sizeof real, "%s/sub/real.png", f->dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(symlink("sub/real.png", l1), 0);
    assert_int_equal(symlink(l1, l2), 0); /* absolute */

    assert_int_equal(convtool_write_file_atomic_ex(l2, "abc", 3, &d), CONVTOOL_EIO);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(d.problem, CONVTOOL_WRITE_DANGLING_LINK);
    assert_string_equal(d.where, real);
    assert_int_not_equal(lstat(real, &st), 0);
    assert_int_equal(lstat(l1, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(lstat(l2, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(count_temps(f->dir), 0);
    assert_int_equal(count_temps(sub), 0);
}

static void symlink_loop_is_eloop(void **state)
{
    fixture *f = *state;
    char a[PATH_MAX], b[PATH_MAX];

    snprintf(a, sizeof a, "%s/a", f->dir);
    snprintf(b, sizeof b, "%s/b", f->dir);
    assert_int_equal(symlink("b", a), 0);
    assert_int_equal(symlink("a", b), 0);
    errno = 0;
    assert_int_equal(convtool_write_file_atomic(a, "x", 1), CONVTOOL_EIO);
    assert_int_equal(errno, ELOOP);
    assert_int_equal(count_temps(f->dir), 0);
}

/* Root's view of a directory nobody (65534) planted a link in: dir/sticky/ldir -> dir/vict. */
static void plant_middle_link(fixture *f, char *sticky, char *link, char *vict, size_t cap)
{
    snprintf(sticky, cap, "%s/sticky", f->dir);
    snprintf(link, cap, "%s/sticky/ldir", f->dir);
    snprintf(vict, cap, "%s/vict", f->dir);
    assert_int_equal(mkdir(sticky, 0777), 0);
    assert_int_equal(chmod(sticky, 01777), 0);
    assert_int_equal(mkdir(vict, 0755), 0);
    assert_int_equal(symlink(vict, link), 0);
    assert_int_equal(lchown(link, 65534, 65534), 0);
}

/* A link in the middle of the path is held to the same rule as the last one. */
static void middle_link_in_sticky_dir_is_refused(void **state)
{
    fixture *f = *state;
    char sticky[PATH_MAX], link[PATH_MAX], vict[PATH_MAX], out[PATH_MAX + 16];
    convtool_write_detail d;
    struct stat st;

    if (geteuid() != 0)
        skip(); /* a link owned by another user needs lchown */
    plant_middle_link(f, sticky, link, vict, sizeof sticky);
    snprintf(out, sizeof out, "%s/file.png", link);
    errno = 0;
    assert_int_equal(convtool_write_file_atomic_ex(out, "x", 1, &d), CONVTOOL_EIO);
    assert_int_equal(errno, EACCES);
    assert_int_equal(d.problem, CONVTOOL_WRITE_UNSAFE_LINK);
    assert_string_equal(d.where, link);
    snprintf(out, sizeof out, "%s/file.png", vict);
    assert_int_not_equal(lstat(out, &st), 0);
    assert_int_equal(count_temps(vict), 0);
}

/* fs.protected_regular: root does not take over a file of another user in /tmp. */
static void others_file_in_sticky_dir_is_kept(void **state)
{
    fixture *f = *state;
    char sticky[PATH_MAX], out[PATH_MAX];
    convtool_write_detail d;

    if (geteuid() != 0)
        skip(); /* a file owned by another user needs chown */
    snprintf(sticky, sizeof sticky, "%s/sticky", f->dir);
    snprintf(out, sizeof out, "%s/sticky/theirs.png", f->dir);
    assert_int_equal(mkdir(sticky, 0777), 0);
    assert_int_equal(chmod(sticky, 01777), 0);
    put_file(out, "theirs");
    assert_int_equal(chown(out, 65534, 65534), 0);
    errno = 0;
    assert_int_equal(convtool_write_file_atomic_ex(out, "x", 1, &d), CONVTOOL_EIO);
    assert_int_equal(errno, EACCES);
    assert_int_equal(d.problem, CONVTOOL_WRITE_OTHERS_FILE);
    assert_string_equal(d.where, out);
    assert_file_is(out, "theirs", 6);
    assert_int_equal(count_temps(sticky), 0);
    /* the directory's owner's file is fair game, as for the kernel */
    assert_int_equal(chown(sticky, 65534, 65534), 0);
    assert_int_equal(convtool_write_file_atomic(out, "x", 1), CONVTOOL_OK);
    assert_file_is(out, "x", 1);
}

/* "a/link/../b" is b beside the link's target, as the kernel resolves it. */
static void dotdot_after_link_is_the_targets_parent(void **state)
{
    fixture *f = *state;
    char inner[PATH_MAX], link[PATH_MAX], out[PATH_MAX + 16];

    snprintf(inner, sizeof inner, "%s/deep", f->dir);
    assert_int_equal(mkdir(inner, 0755), 0);
    snprintf(inner, sizeof inner, "%s/deep/inner", f->dir);
    assert_int_equal(mkdir(inner, 0755), 0);
    snprintf(link, sizeof link, "%s/link", f->dir);
    assert_int_equal(symlink("deep/inner", link), 0);
    snprintf(out, sizeof out, "%s/../up.png", link);
    assert_int_equal(convtool_write_file_atomic(out, "up", 2), CONVTOOL_OK);
    assert_file_is(in_dir(f, "deep/up.png"), "up", 2);
    assert_int_not_equal(access(in_dir(f, "up.png"), F_OK), 0);
}

/* -------------------------------------------------- descriptor names */

/* Writes through `spelling` (%d: the descriptor) into a pipe; the bytes must arrive there. */
static void write_via_spelling(const char *spelling)
{
    char path[64], buf[16];
    int fds[2];

    assert_int_equal(pipe(fds), 0);
    snprintf(path, sizeof path, spelling, fds[1], fds[1]);
    assert_int_equal(convtool_write_file_atomic(path, "fd!", 3), CONVTOOL_OK);
    assert_int_equal(read(fds[0], buf, sizeof buf), 3);
    assert_memory_equal(buf, "fd!", 3);
    close(fds[0]);
    close(fds[1]);
}

/* However a procfs fd entry of this process is spelt, it is the descriptor. */
static void descriptor_spellings_write_the_descriptor(void **state)
{
    char own[64];

    write_via_spelling("/dev/./fd/%d");
    write_via_spelling("/dev//fd/%d");
    write_via_spelling("/dev/fd/./%d");
    write_via_spelling("/proc/thread-self/fd/%d");
    write_via_spelling("/proc/self/../self/fd/%d");
    snprintf(own, sizeof own, "/proc/%d/fd/%%d", (int)getpid());
    write_via_spelling(own);
    /* not open: EBADF, and nothing is created */
    errno = 0;
    assert_int_equal(convtool_write_file_atomic("/dev/./fd/987", "x", 1), CONVTOOL_EIO);
    assert_int_equal(errno, EBADF);
}

/* ------------------------------------------------- non-regular files */

static void dev_full_is_enospc(void **state)
{
    if (access("/dev/full", W_OK) != 0)
        skip();
    errno = 0;
    assert_int_equal(convtool_write_file_atomic("/dev/full", "x", 1), CONVTOOL_EIO);
    assert_int_equal(errno, ENOSPC);
}

static void dev_null_is_written_directly(void **state)
{
    struct stat st;

    assert_int_equal(convtool_write_file_atomic("/dev/null", "x", 1), CONVTOOL_OK);
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode)); /* still the device */
}

static void fifo_is_written_directly(void **state)
{
    fixture *f = *state;
    const char *p = in_dir(f, "fifo");
    char buf[16];
    struct stat st;

    assert_int_equal(mkfifo(p, 0600), 0);
    /* A non-blocking reader lets the writer's open succeed at once. */
    int rd = open(p, O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    assert_int_equal(convtool_write_file_atomic(p, "piped", 5), CONVTOOL_OK);
    assert_int_equal(read(rd, buf, sizeof buf), 5);
    assert_memory_equal(buf, "piped", 5);
    close(rd);
    assert_int_equal(stat(p, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(count_temps(f->dir), 0);
}

static void dash_writes_stdout(void **state)
{
    int fds[2], saved = dup(STDOUT_FILENO);
    char buf[16];

    assert_int_equal(pipe(fds), 0);
    assert_true(dup2(fds[1], STDOUT_FILENO) >= 0);
    convtool_status st = convtool_write_file_atomic("-", "to stdout", 9);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(fds[1]);
    assert_int_equal(st, CONVTOOL_OK);
    assert_int_equal(read(fds[0], buf, sizeof buf), 9);
    assert_memory_equal(buf, "to stdout", 9);
    close(fds[0]);
}

/* ------------------------------------------------------------ signals */

/* Runs fn in a child and returns its wait status. */
static int in_child(void (*fn)(fixture *), fixture *f)
{
    pid_t pid = fork();
    int status = -1;

    assert_true(pid >= 0);
    if (pid == 0) {
        fn(f);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void cleanup_then_exit(int signo)
{
    convtool_atomic_cleanup();
    _exit(99);
}

static void write_big_under_fsize_limit(fixture *f)
{
    struct rlimit small = {4096, 4096};
    static char big[BIG_WRITE];

    setrlimit(RLIMIT_FSIZE, &small);
    convtool_write_file_atomic(in_dir(f, "out.png"), big, sizeof big);
    _exit(1); /* the signal should have ended us first */
}

/* SIGXFSZ arrives in the middle of write(2): the temp is registered then. */
static void child_cleanup_on_signal(fixture *f)
{
    signal(SIGXFSZ, cleanup_then_exit);
    write_big_under_fsize_limit(f);
}

static void signal_mid_write_removes_temp(void **state)
{
    fixture *f = *state;

    put_file(in_dir(f, "out.png"), "old");
    int status = in_child(child_cleanup_on_signal, f);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 99);
    assert_file_is(in_dir(f, "out.png"), "old", 3);
    assert_int_equal(count_temps(f->dir), 0);
}

static void raise_sigterm(int signo)
{
    raise(SIGTERM);
}

static void child_cli_handlers(fixture *f)
{
    cli_install_signal_handlers();
    signal(SIGXFSZ, raise_sigterm);
    write_big_under_fsize_limit(f);
}

static void cli_handler_cleans_and_exits_128_plus_signal(void **state)
{
    fixture *f = *state;

    put_file(in_dir(f, "out.png"), "old");
    int status = in_child(child_cli_handlers, f);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 128 + SIGTERM);
    assert_file_is(in_dir(f, "out.png"), "old", 3);
    assert_int_equal(count_temps(f->dir), 0);
}

static void child_closed_stdout(fixture *f)
{
    int fds[2];

    cli_install_signal_handlers();
    if (pipe(fds) != 0 || dup2(fds[1], STDOUT_FILENO) < 0)
        _exit(2);
    close(fds[0]);
    errno = 0;
    convtool_status st = convtool_write_file_atomic("-", "x", 1);
    _exit(st == CONVTOOL_EIO && errno == EPIPE ? 0 : 3);
}

static void closed_stdout_is_epipe_not_death(void **state)
{
    int status = in_child(child_closed_stdout, *state);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void child_cleans_up_twice_then_cannot_write(fixture *f)
{
    convtool_atomic_cleanup();
    convtool_atomic_cleanup();
    /* the process is on its way out: no new temp file may appear */
    errno = 0;
    int refused = convtool_write_file_atomic(in_dir(f, "late"), "x", 1) == CONVTOOL_EIO &&
                  errno == EINTR && access(in_dir(f, "late"), F_OK) != 0;
    _exit(refused ? 0 : 1);
}

static void cleanup_with_nothing_registered_is_harmless(void **state)
{
    int status = in_child(child_cleans_up_twice_then_cannot_write, *state);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---------------------------------------------------------------- reads */

static void read_respects_limit(void **state)
{
    fixture *f = *state;
    const char *p = in_dir(f, "ten");
    convtool_buffer b = {0};

    put_file(p, "0123456789");
    assert_int_equal(convtool_read_file(p, 10, &b), CONVTOOL_OK);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "0123456789", 10);
    convtool_buffer_free(&b);
    assert_int_equal(convtool_read_file(p, 0, &b), CONVTOOL_OK);
    assert_int_equal(b.len, 10);
    convtool_buffer_free(&b);
    assert_int_equal(convtool_read_file(p, 9, &b), CONVTOOL_ELIMIT);
    assert_null(b.data);
}

static void read_empty_file(void **state)
{
    fixture *f = *state;
    const char *p = in_dir(f, "empty");
    convtool_buffer b = {0};

    put_file(p, "");
    assert_int_equal(convtool_read_file(p, 10, &b), CONVTOOL_OK);
    assert_int_equal(b.len, 0);
    convtool_buffer_free(&b);
}

/* A big file is read straight into a buffer of its size, every byte. */
static void read_big_file_whole(void **state)
{
    fixture *f = *state;
    const char *p = in_dir(f, "big");
    size_t n = (size_t)9 << 20; /* past big_alloc's huge-page threshold */
    unsigned char *want = malloc(n);
    assert_non_null(want);
    for (size_t i = 0; i < n; i++)
        want[i] = (unsigned char)(i * 131 + (i >> 13));
    FILE *fp = fopen(p, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(want, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
    convtool_buffer b = {0};
    assert_int_equal(convtool_read_file(p, 0, &b), CONVTOOL_OK);
    assert_int_equal(b.len, n);
    assert_memory_equal(b.data, want, n);
    convtool_buffer_free(&b);
    free(want);
}

/* Regular files that report size 0 but have content (/proc) are read to EOF. */
static void read_proc_file_past_its_size(void **state)
{
    (void)state;
    convtool_buffer b = {0};
    assert_int_equal(convtool_read_file("/proc/self/stat", 0, &b), CONVTOOL_OK);
    assert_true(b.len > 0);
    convtool_buffer_free(&b);
}

/* Devices and FIFOs are refused by fstat, before a byte is read: /dev/zero
 * would never end, and a FIFO with no writer would block forever. */
static void read_dev_zero_is_refused_quickly(void **state)
{
    convtool_buffer b = {0};
    fixture *f = *state;
    char p[PATH_MAX];

    assert_int_equal(convtool_read_file("/dev/zero", 1u << 20, &b), CONVTOOL_ENOTREG);
    assert_null(b.data);
    snprintf(p, sizeof p, "%s/lonely.fifo", f->dir);
    assert_int_equal(mkfifo(p, 0600), 0);
    assert_int_equal(convtool_read_file(p, 0, &b), CONVTOOL_ENOTREG);
    assert_null(b.data);
}

static void read_directory_is_eisdir(void **state)
{
    fixture *f = *state;
    convtool_buffer b = {0};

    errno = 0;
    assert_int_equal(convtool_read_file(f->dir, 0, &b), CONVTOOL_EIO);
    assert_int_equal(errno, EISDIR);
}

static void read_missing_is_enoent(void **state)
{
    fixture *f = *state;
    convtool_buffer b = {0};

    assert_int_equal(convtool_read_file(in_dir(f, "missing"), 0, &b), CONVTOOL_ENOENT);
    assert_int_equal(errno, ENOENT);
}

static void read_dash_is_stdin(void **state)
{
    fixture *f = *state;
    const char *p = in_dir(f, "in");
    convtool_buffer b = {0};
    int saved = dup(STDIN_FILENO);

    put_file(p, "from stdin");
    int fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    dup2(fd, STDIN_FILENO);
    close(fd);
    convtool_status st = convtool_read_file("-", 100, &b);
    dup2(saved, STDIN_FILENO);
    close(saved);
    assert_int_equal(st, CONVTOOL_OK);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "from stdin", 10);
    convtool_buffer_free(&b);
}

static void write_then_read_back_over_input(void **state)
{
    fixture *f = *state;
    const char *p = in_dir(f, "same");
    convtool_buffer b = {0};

    put_file(p, "input");
    assert_int_equal(convtool_read_file(p, 0, &b), CONVTOOL_OK);
    assert_int_equal(convtool_write_file_atomic(p, "output", 6), CONVTOOL_OK);
    assert_memory_equal(b.data, "input", 5);
    convtool_buffer_free(&b);
    assert_int_equal(convtool_read_file(p, 0, &b), CONVTOOL_OK);
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data, "output", 6);
    convtool_buffer_free(&b);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(write_creates_file_with_umask_mode),
        T(overwrite_keeps_mode_and_replaces_content),
        T(empty_write_gives_empty_file),
        T(long_basename_still_gets_a_temp),
        T(missing_directory_is_enoent),
        T(directory_destination_is_eisdir),
        T(read_only_destination_is_refused),
        T(failed_write_leaves_destination_intact),
        T(symlink_target_is_replaced_link_kept),
        T(dangling_symlink_chain_is_refused),
        T(symlink_loop_is_eloop),
        T(middle_link_in_sticky_dir_is_refused),
        T(others_file_in_sticky_dir_is_kept),
        T(dotdot_after_link_is_the_targets_parent),
        T(descriptor_spellings_write_the_descriptor),
        T(dev_full_is_enospc),
        T(dev_null_is_written_directly),
        T(fifo_is_written_directly),
        T(dash_writes_stdout),
        T(signal_mid_write_removes_temp),
        T(cli_handler_cleans_and_exits_128_plus_signal),
        T(closed_stdout_is_epipe_not_death),
        T(cleanup_with_nothing_registered_is_harmless),
        T(read_respects_limit),
        T(read_empty_file),
        T(read_big_file_whole),
        T(read_proc_file_past_its_size),
        T(read_dev_zero_is_refused_quickly),
        T(read_directory_is_eisdir),
        T(read_missing_is_enoent),
        T(read_dash_is_stdin),
        T(write_then_read_back_over_input),
    };

    /* Fixed so the new-file mode is predictable; set before the library reads it. */
    umask(022);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
