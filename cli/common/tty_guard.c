/*
 * PNG, JPEG or .npy bytes on a terminal are garbage at best and escape
 * sequences at worst, and the user meant a file: both `apply` and `kernels
 * show` refuse them with the same words (issue 11, item 8).
 */
#include <ctype.h>
#include <stdio.h>
#include <unistd.h>

#include "common/messages.h"
#include "common/tty_guard.h"

int tty_guard_stdout(const char *format, const char *stem, const char *alternative)
{
    return tty_guard_fd(STDOUT_FILENO, format, stem, alternative);
}

int tty_guard_fd(int fd, const char *format, const char *stem, const char *alternative)
{
    if (!isatty(fd))
        return EXIT_OK;
    char upper[16];
    size_t i = 0;
    for (; format[i] && i + 1 < sizeof upper; i++)
        upper[i] = (char)toupper((unsigned char)format[i]);
    upper[i] = '\0';
    cli_error("refusing to write %s data to a terminal; redirect stdout (> %s.%s)%s%s", upper,
              stem, format, alternative ? " or " : "", alternative ? alternative : "");
    return EXIT_USAGE;
}
