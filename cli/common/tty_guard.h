/* Binary data never goes to a terminal: one refusal, worded alike for every command. */
#ifndef CONVTOOL_CLI_TTY_GUARD_H
#define CONVTOOL_CLI_TTY_GUARD_H

/*
 * When stdout is a terminal: prints "refusing to write FORMAT data to a
 * terminal; redirect stdout (> STEM.format)[ or ALTERNATIVE]" and returns 2;
 * else 0. format is a file extension ("png", "npy"); alternative may be NULL.
 */
int tty_guard_stdout(const char *format, const char *stem, const char *alternative);
/* The same for any descriptor fd (an OUTPUT named /dev/stderr, /dev/fd/N, /dev/tty). */
int tty_guard_fd(int fd, const char *format, const char *stem, const char *alternative);

#endif
