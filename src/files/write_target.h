/*
 * Where convtool_write_file_atomic writes: descriptor names (/dev/stdout,
 * /dev/fd/N, and any other spelling that reaches a procfs fd directory) that
 * mean "this open descriptor", else a directory descriptor and a name in it,
 * found by walking every component of the destination under the link policy
 * of convtool.h. The writer then works only relative to that descriptor, so
 * nothing on the path can be swapped between the checks and the rename.
 */
#ifndef CONVTOOL_WRITE_TARGET_H
#define CONVTOOL_WRITE_TARGET_H

#include <stddef.h>
#include <sys/stat.h>

#include "convtool/convtool.h"

#define WRITE_TARGET_NAME_MAX 255

/* "-", /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N → N; anything else → −1. */
int write_target_fd(const char *path);

enum write_target_kind {
    TARGET_NEW,    /* nothing there yet: create it */
    TARGET_EXISTS, /* *st describes it (never a link) */
    TARGET_FD      /* the path names an open descriptor of this process: *fd */
};

struct write_target {
    enum write_target_kind kind;
    int dir;                                /* O_PATH descriptor of the directory holding name */
    char name[WRITE_TARGET_NAME_MAX + 1];   /* the file's name in dir (no link) */
    char dir_path[CONVTOOL_WRITE_PATH_MAX]; /* dir spelt as a path ("" = the cwd), for messages */
    struct stat st;                         /* TARGET_EXISTS */
    int fd;                                 /* TARGET_FD */
};

/*
 * Walks path component by component. 0 (then t->dir is open unless the kind
 * is TARGET_FD: release it with write_target_close), or −1 with errno, and
 * for a refusal of the policy detail->problem and detail->where set.
 */
int write_target_resolve(const char *path, struct write_target *t, convtool_write_detail *detail);

void write_target_close(struct write_target *t);

/* dir/name as a path into out (messages, a leftover temp): cut to fit. */
void write_target_join(const char *dir, const char *name, char *out, size_t cap);

#endif
