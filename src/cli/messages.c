/* Messages: everything but data goes to stderr, prefixed "convtool:". */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_quiet = 0;

static void vprint(const char *prefix, const char *fmt, va_list ap)
{
    fprintf(stderr, "convtool: %s", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint("", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    if (cli_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprint("warning: ", fmt, ap);
    va_end(ap);
}

int cli_exit_code(convtool_status st)
{
    switch (st) {
    case CONVTOOL_OK:
        return EXIT_OK;
    case CONVTOOL_EGEOMETRY:
    case CONVTOOL_EMISMATCH:
    case CONVTOOL_EZEROSUM:
    case CONVTOOL_EINVAL:
        return EXIT_USAGE;
    default:
        return EXIT_RUNTIME;
    }
}

int cli_finish_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("cannot write to standard output: %s", strerror(errno));
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

const char *cli_unknown_option(char **argv)
{
    /* In a cluster like -Zq getopt has not moved optind yet: name the letter. */
    static char letter[3] = "-?";
    if (optopt != 0) {
        letter[1] = (char)optopt;
        return letter;
    }
    return argv[optind - 1];
}
