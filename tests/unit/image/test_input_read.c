/*
 * Reading an input (src/files/file_read.c, src/image/image_read.c), issue 9: an empty
 * input is CONVTOOL_EEMPTY, not a damaged image; a socket or device, also one
 * that cannot be opened or is reached through a symlink, is ENOTREG, not
 * "No such device or address"; a lack of descriptors is EMFILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "convtool/convtool.h"

typedef struct {
    char dir[PATH_MAX];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/convtool-input-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    const char *names[] = {"empty.png", "sock", "sock-link", "dangling", "one.png"};
    char path[PATH_MAX + 32];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, names[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static const char *in_dir(const fixture *f, const char *name)
{
    static char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    return path;
}

static void empty_file_is_eempty(void **state)
{
    fixture *f = *state;
    const char *path = in_dir(f, "empty.png");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    close(fd);
    convtool_buffer b;
    assert_int_equal(convtool_read_image(path, 0, &b), CONVTOOL_EEMPTY);
    assert_null(b.data);
    /* a plain file read is not an image: empty is fine there */
    assert_int_equal(convtool_read_file(path, 0, &b), CONVTOOL_OK);
    assert_int_equal(b.len, 0);
    convtool_buffer_free(&b);
    assert_non_null(strstr(convtool_strerror(CONVTOOL_EEMPTY), "empty input"));
}

/* stdin from /dev/null, in a forked process (ours stays as it is). */
static void empty_stdin_is_eempty(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
            _exit(77);
        convtool_buffer b;
        _exit(convtool_read_image("-", 0, &b) == CONVTOOL_EEMPTY ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* open() of a socket fails with ENXIO; through a symlink too. Both are ENOTREG. */
static void socket_is_enotreg(void **state)
{
    fixture *f = *state;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    char sock[PATH_MAX + 32];
    snprintf(sock, sizeof sock, "%s", in_dir(f, "sock"));
    if (strlen(sock) >= sizeof a.sun_path)
        skip();
    memcpy(a.sun_path, sock, strlen(sock) + 1);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(s >= 0);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    convtool_buffer b;
    assert_int_equal(convtool_read_file(sock, 0, &b), CONVTOOL_ENOTREG);
    assert_int_equal(symlink(sock, in_dir(f, "sock-link")), 0);
    assert_int_equal(convtool_read_image(in_dir(f, "sock-link"), 0, &b), CONVTOOL_ENOTREG);
    close(s);
}

/* A link to nothing still says "No such file or directory". */
static void dangling_link_is_enoent(void **state)
{
    fixture *f = *state;
    assert_int_equal(symlink(in_dir(f, "nothing"), in_dir(f, "dangling")), 0);
    convtool_buffer b;
    errno = 0;
    assert_int_equal(convtool_read_file(in_dir(f, "dangling"), 0, &b), CONVTOOL_ENOENT);
    assert_int_equal(errno, ENOENT);
}

/* With no descriptor free, in a forked process: EMFILE, not an I/O error. */
static void no_descriptor_is_emfile(void **state)
{
    fixture *f = *state;
    const char *path = in_dir(f, "one.png");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    close(fd);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int lowest = dup(0);
        struct rlimit r;
        if (lowest < 0 || getrlimit(RLIMIT_NOFILE, &r) != 0)
            _exit(77);
        r.rlim_cur = (rlim_t)lowest; /* every slot below it is taken */
        if (setrlimit(RLIMIT_NOFILE, &r) != 0)
            _exit(77);
        convtool_buffer b;
        _exit(convtool_read_image(path, 0, &b) == CONVTOOL_EMFILE ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77)
        skip();
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_non_null(strstr(convtool_strerror(CONVTOOL_EMFILE), "raise ulimit -n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(empty_file_is_eempty, setup, teardown),
        cmocka_unit_test(empty_stdin_is_eempty),
        cmocka_unit_test_setup_teardown(socket_is_enotreg, setup, teardown),
        cmocka_unit_test_setup_teardown(dangling_link_is_enoent, setup, teardown),
        cmocka_unit_test_setup_teardown(no_descriptor_is_emfile, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
