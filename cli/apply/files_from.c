/*
 * --files-from: a list of input names, one per line or NUL-separated (for
 * find -print0). The whole list is read into one buffer and split in place,
 * so thousands of names cost one allocation and a pointer each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/batch.h"
#include "common/messages.h"

#define READ_CHUNK ((size_t)1 << 16)

/* What a list read may hold, and what it held when it was refused. */
struct list_limits {
    uint64_t max_bytes; /* 0 = no cap */
    char sep;
    int null_separated;
    size_t line_start; /* where the name being read starts */
    size_t line_number;
};

enum read_result { READ_OK, READ_ERRNO, READ_TOO_LONG, READ_NAME_TOO_LONG, READ_HAS_NUL };

/* Checks the bytes [from, to) just read: NULs in a line list, names too long. */
static enum read_result check_chunk(const char *buf, size_t from, size_t to,
                                    struct list_limits *lim)
{
    if (!lim->null_separated && memchr(buf + from, '\0', to - from))
        return READ_HAS_NUL;
    for (size_t i = from; i < to; i++) {
        if (buf[i] == lim->sep) {
            lim->line_start = i + 1;
            lim->line_number++;
        } else if (i - lim->line_start >= FILES_FROM_MAX_NAME + 1) {
            return READ_NAME_TOO_LONG; /* + 1: a Windows list's '\r' */
        }
    }
    return READ_OK;
}

static char *grow(char *buf, size_t *cap)
{
    char *bigger = *cap > SIZE_MAX / 2 - 1 ? NULL : realloc(buf, *cap * 2 + 1);
    if (bigger)
        *cap *= 2;
    else
        errno = ENOMEM;
    return bigger;
}

/* Reads fd to the end into a malloc'd, NUL-terminated buffer, within the limits. */
static enum read_result read_all(int fd, struct list_limits *lim, char **data, size_t *len)
{
    size_t cap = READ_CHUNK, used = 0;
    char *buf = malloc(cap + 1);
    enum read_result res = buf ? READ_OK : READ_ERRNO;
    while (res == READ_OK) {
        if (used == cap) {
            char *bigger = grow(buf, &cap);
            if (!bigger) {
                res = READ_ERRNO;
                break;
            }
            buf = bigger;
        }
        ssize_t n = read(fd, buf + used, cap - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            res = n < 0 ? READ_ERRNO : READ_OK;
            break;
        }
        res = check_chunk(buf, used, used + (size_t)n, lim);
        used += (size_t)n;
        if (res == READ_OK && lim->max_bytes && used > lim->max_bytes)
            res = READ_TOO_LONG;
    }
    if (res != READ_OK) {
        int err = errno;
        free(buf);
        errno = err;
        return res;
    }
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return READ_OK;
}

/* Prints why the list was refused; returns the exit code. */
static int refuse(enum read_result res, const char *shown, const struct list_limits *lim)
{
    switch (res) {
    case READ_TOO_LONG:
        cli_error("--files-from %s: the list is longer than %llu bytes (--max-list-bytes; 0 = "
                  "no limit)",
                  shown, (unsigned long long)lim->max_bytes);
        return EXIT_USAGE;
    case READ_NAME_TOO_LONG:
        cli_error("--files-from %s: name %zu is longer than %d bytes (PATH_MAX); is this a list "
                  "of file names%s?",
                  shown, lim->line_number + 1, FILES_FROM_MAX_NAME,
                  lim->null_separated ? "" : " (for find -print0 output use -0)");
        return EXIT_USAGE;
    case READ_HAS_NUL:
        cli_error("--files-from %s: the list has NUL bytes; use -0 (--null) for find -print0 "
                  "output",
                  shown);
        return EXIT_USAGE;
    default:
        cli_error("--files-from %s: %s", shown, strerror(errno));
        return EXIT_RUNTIME;
    }
}

/* Splits text[0, len) at sep in place and collects the non-empty names. */
static int split_names(char *text, size_t len, char sep, char ***names, size_t *count)
{
    size_t n = 0, cap = 0;
    char **list = NULL;
    for (size_t start = 0; start < len;) {
        char *end = memchr(text + start, sep, len - start);
        size_t stop = end ? (size_t)(end - text) : len;
        text[stop] = '\0';
        /* A list written on Windows: "name\r\n". */
        if (sep == '\n' && stop > start && text[stop - 1] == '\r')
            text[stop - 1] = '\0';
        if (text[start] != '\0') {
            if (n == cap) {
                size_t grown = cap ? cap * 2 : 256;
                char **bigger =
                    grown > SIZE_MAX / sizeof *list ? NULL : realloc(list, grown * sizeof *list);
                if (!bigger) {
                    free(list);
                    return -1;
                }
                list = bigger;
                cap = grown;
            }
            list[n++] = text + start;
        }
        start = stop + 1;
    }
    *names = list;
    *count = n;
    return 0;
}

int files_from_read(const char *path, int null_separated, uint64_t max_bytes, char **text,
                    char ***names, size_t *count)
{
    int from_stdin = strcmp(path, "-") == 0;
    const char *shown = from_stdin ? "(stdin)" : path;
    int fd = from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    struct list_limits lim = {max_bytes, null_separated ? '\0' : '\n', null_separated, 0, 0};
    size_t len = 0;
    *text = NULL;
    *names = NULL;
    *count = 0;
    enum read_result res = fd < 0 ? READ_ERRNO : read_all(fd, &lim, text, &len);
    if (fd >= 0 && !from_stdin)
        close(fd);
    if (res != READ_OK)
        return refuse(res, shown, &lim);
    if (split_names(*text, len, lim.sep, names, count) != 0) {
        cli_error("--files-from %s: out of memory", shown);
        free(*text);
        *text = NULL;
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
