/*
 * Where convtool_write_file_atomic writes: descriptor names (/dev/stdout,
 * /dev/fd/N) that mean "this open descriptor", and the symlink chain at the
 * end of a destination, resolved under the link policy of convtool.h.
 */
#ifndef CONVTOOL_WRITE_TARGET_H
#define CONVTOOL_WRITE_TARGET_H

#include <stddef.h>
#include <sys/stat.h>

#include "convtool/convtool.h"

/* "-", /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N → N; anything else → −1. */
int write_target_fd(const char *path);

enum write_target_kind {
    TARGET_NEW,    /* nothing there yet: create it */
    TARGET_EXISTS, /* *st describes it (never a link) */
    TARGET_FD      /* the chain ends at a descriptor name: *fd */
};

struct write_target {
    enum write_target_kind kind;
    char path[CONVTOOL_WRITE_PATH_MAX]; /* the chain's last path (no link) */
    struct stat st;                     /* TARGET_EXISTS */
    int fd;                             /* TARGET_FD */
};

/*
 * Follows the links at the end of path. 0, or −1 with errno, and for a
 * refusal of the link policy detail->problem and detail->where set.
 */
int write_target_resolve(const char *path, struct write_target *t, convtool_write_detail *detail);

#endif
