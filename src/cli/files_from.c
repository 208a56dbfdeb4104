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

#include "batch.h"
#include "cli.h"

#define READ_CHUNK ((size_t)1 << 16)

/* Reads fd to the end into a malloc'd, NUL-terminated buffer. */
static int read_all(int fd, char **data, size_t *len)
{
    size_t cap = READ_CHUNK, used = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (used == cap) {
            char *bigger = cap > SIZE_MAX / 2 - 1 ? NULL : realloc(buf, cap * 2 + 1);
            if (!bigger) {
                free(buf);
                buf = NULL;
                errno = ENOMEM;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + used, cap - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return -1;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    if (!buf)
        return -1;
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return 0;
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

int files_from_read(const char *path, int null_separated, char **text, char ***names, size_t *count)
{
    int from_stdin = strcmp(path, "-") == 0;
    const char *shown = from_stdin ? "(stdin)" : path;
    int fd = from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    *text = NULL;
    *names = NULL;
    *count = 0;
    int rc = fd < 0 ? -1 : read_all(fd, text, &len);
    if (fd >= 0 && !from_stdin)
        close(fd);
    if (rc != 0) {
        cli_error("--files-from %s: %s", shown, strerror(errno));
        return EXIT_RUNTIME;
    }
    if (!null_separated && memchr(*text, '\0', len)) {
        cli_error("--files-from %s: the list has NUL bytes; use -0 (--null) for find -print0 "
                  "output",
                  shown);
        free(*text);
        *text = NULL;
        return EXIT_USAGE;
    }
    if (split_names(*text, len, null_separated ? '\0' : '\n', names, count) != 0) {
        cli_error("--files-from %s: out of memory", shown);
        free(*text);
        *text = NULL;
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
