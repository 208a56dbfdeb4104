/*
 * convtool_read_file: a whole regular file (or stdin) into memory, with a size
 * limit enforced before reading for files and while reading for stdin.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/big_alloc.h"
#include "convtool/convtool.h"

#define READ_CHUNK 65536

/* Over the limit? A limit of 0 means none. */
static int over_limit(size_t total, size_t max_bytes)
{
    return max_bytes != 0 && total > max_bytes;
}

/*
 * Reads fd to EOF into b. Stops with CONVTOOL_ELIMIT as soon as more than
 * max_bytes have arrived, so an endless source is never read whole.
 */
static convtool_status read_to_eof(int fd, size_t max_bytes, convtool_buffer *b)
{
    unsigned char chunk[READ_CHUNK];

    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return CONVTOOL_EIO;
        if (n == 0)
            return CONVTOOL_OK;
        convtool_status st = convtool_buffer_append(b, chunk, (size_t)n);
        if (st != CONVTOOL_OK)
            return st;
        if (over_limit(b->len, max_bytes))
            return CONVTOOL_ELIMIT;
    }
}

static int open_retrying(const char *path)
{
    int fd;

    /* O_NONBLOCK: a FIFO with no writer must not hang us before fstat refuses it. */
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

/* Refuses what cannot or should not be read, judging by fstat alone. */
static convtool_status check_opened(int fd, size_t max_bytes, size_t *size)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return CONVTOOL_EIO;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return CONVTOOL_EIO;
    }
    /* FIFOs, devices (/dev/zero) and sockets could be endless or hang: only stdin
     * ("-") is read as a stream, bounded by max_bytes. */
    if (!S_ISREG(st.st_mode))
        return CONVTOOL_ENOTREG;
    if ((uintmax_t)st.st_size > SIZE_MAX)
        return CONVTOOL_EOVERFLOW;
    /* A regular file's size is known: refuse it without reading a byte. */
    if (over_limit((size_t)st.st_size, max_bytes))
        return CONVTOOL_ELIMIT;
    *size = (size_t)st.st_size;
    return CONVTOOL_OK;
}

/*
 * A regular file of known size is read straight into a buffer of that size:
 * no 64 KiB bounce buffer and no copy (a 27 MB PNG costs a few ms less).
 * read_to_eof then takes whatever a file that grew meanwhile still holds.
 */
static convtool_status read_sized(int fd, size_t size, convtool_buffer *b)
{
    b->data = big_alloc(size ? size : 1);
    if (!b->data)
        return CONVTOOL_ENOMEM;
    b->cap = size ? size : 1;
    while (b->len < size) {
        ssize_t n = read(fd, b->data + b->len, size - b->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return CONVTOOL_EIO;
        if (n == 0)
            return CONVTOOL_OK; /* the file shrank */
        b->len += (size_t)n;
    }
    return CONVTOOL_OK;
}

/*
 * Why open() failed, in the terms of check_opened: a socket or a device with
 * no driver answers ENXIO ("No such device or address"), a device or FIFO we
 * may not read EACCES, but we would refuse either even if it opened, so what
 * stat() says the path is (through its symlinks) comes first. errno is kept
 * for CONVTOOL_EIO and ENOENT.
 */
static convtool_status open_failure(const char *path)
{
    int err = errno;
    struct stat st;
    if (err == EMFILE || err == ENFILE)
        return CONVTOOL_EMFILE;
    if (err != ENOENT && stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return CONVTOOL_ENOTREG;
    errno = err;
    return err == ENOENT ? CONVTOOL_ENOENT : CONVTOOL_EIO;
}

static convtool_status read_path(const char *path, size_t max_bytes, convtool_buffer *b)
{
    int fd = open_retrying(path);
    if (fd < 0)
        return open_failure(path);

    size_t size = 0;
    convtool_status st = check_opened(fd, max_bytes, &size);
    if (st == CONVTOOL_OK)
        st = read_sized(fd, size, b);
    if (st == CONVTOOL_OK && b->len == size)
        st = read_to_eof(fd, max_bytes, b);

    /* A failed close after reading loses nothing; keep the first errno. */
    int saved = errno;
    close(fd);
    errno = saved;
    return st;
}

convtool_status convtool_read_file(const char *path, size_t max_bytes, convtool_buffer *out)
{
    convtool_buffer b = {0};
    convtool_status st;

    if (!path || !out)
        return CONVTOOL_EINVAL;
    memset(out, 0, sizeof *out);

    if (strcmp(path, "-") == 0)
        st = read_to_eof(STDIN_FILENO, max_bytes, &b);
    else
        st = read_path(path, max_bytes, &b);

    if (st != CONVTOOL_OK) {
        int saved = errno;
        convtool_buffer_free(&b);
        errno = saved;
        return st;
    }
    *out = b;
    return CONVTOOL_OK;
}
