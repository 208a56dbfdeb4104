/* Names of open descriptors: /dev/stdout, /dev/fd/N, /proc/self/fd/N and their spellings. */
#ifndef CONVTOOL_CLI_FD_NAMES_H
#define CONVTOOL_CLI_FD_NAMES_H

/*
 * The descriptor a path names, or -1: /dev/stdin|stdout|stderr (0, 1, 2),
 * /dev/fd/N, /proc/self/fd/N, /proc/thread-self/fd/N, /proc/PID/fd/N of this
 * process, with "." and empty components allowed (/dev/./fd/1, /dev//fd/1).
 * Such a file is written through the descriptor itself: opening the name
 * again would start at offset 0 and truncate a `>> log`.
 */
int cli_descriptor_name(const char *path);

#endif
