/* Which paths name an open descriptor (fd_names.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fd_names.h"

#define MAX_PARTS 5

/* The path's components without "" and ".": at most MAX_PARTS, else 0. */
static int split(const char *path, char parts[MAX_PARTS][32])
{
    int n = 0;
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, "/");
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (n == MAX_PARTS || len >= sizeof parts[0])
                return 0;
            memcpy(parts[n], p, len);
            parts[n++][len] = '\0';
        }
        p += len;
        while (*p == '/')
            p++;
    }
    return n;
}

/* A descriptor number written as plain decimal digits, or -1. */
static int fd_number(const char *text)
{
    char *end;
    if (text[0] < '0' || text[0] > '9')
        return -1;
    long n = strtol(text, &end, 10);
    return *end || n > 1 << 20 ? -1 : (int)n;
}

/* "self", "thread-self" or this process's own pid. */
static int is_this_process(const char *text)
{
    char pid[24];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    return strcmp(text, "self") == 0 || strcmp(text, "thread-self") == 0 ||
           strcmp(text, pid) == 0;
}

int cli_descriptor_name(const char *path)
{
    static const char *const std_names[] = {"stdin", "stdout", "stderr"};
    char parts[MAX_PARTS][32];
    if (path[0] != '/')
        return -1;
    int n = split(path, parts);
    if (n == 2 && strcmp(parts[0], "dev") == 0) {
        for (int fd = 0; fd < 3; fd++)
            if (strcmp(parts[1], std_names[fd]) == 0)
                return fd;
    }
    if (n == 3 && strcmp(parts[0], "dev") == 0 && strcmp(parts[1], "fd") == 0)
        return fd_number(parts[2]);
    if (n == 4 && strcmp(parts[0], "proc") == 0 && is_this_process(parts[1]) &&
        strcmp(parts[2], "fd") == 0)
        return fd_number(parts[3]);
    return -1;
}
