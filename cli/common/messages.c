/* Messages: everything but data goes to stderr, prefixed "convtool:". */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/messages.h"
#include "common/utf8.h"

int cli_quiet = 0;
void (*cli_progress_hook)(int redraw) = NULL;

int cli_defer_warnings = 0;

/* Per thread, because batch workers print their own files' errors. */
static _Thread_local char first_error[512], first_warning[512];
/* Deferred warnings: how many, and the first (written by whoever counted 0). */
static atomic_size_t deferred_count;
static char first_deferred[512];

static void remember(char *where, const char *fmt, va_list ap)
{
    if (where[0] != '\0')
        return;
    va_list copy;
    va_copy(copy, ap);
    vsnprintf(where, sizeof first_error, fmt, copy);
    va_end(copy);
}

/*
 * Like GNU ls -b / quotearg: a control byte in a file name must not reach the
 * terminal raw (an escape sequence, or a newline that forges a "convtool:"
 * line), so every message is written with C escapes for them: \n, \t, \033
 * (a backslash stays one: convtool's own messages show bytes as \x9f). A byte
 * that is not valid UTF-8, and a C1 control character (U+0080-U+009F, which
 * some terminals obey like ESC [), is written in octal as well.
 */
static size_t escape_byte(unsigned char c, char out[5])
{
    static const char letters[] = "abtnvfr"; /* \a = 7 ... \r = 13 */
    if (c >= 7 && c <= 13)
        return (size_t)snprintf(out, 5, "\\%c", letters[c - 7]);
    if (c < 0x20 || c >= 0x7f)
        return (size_t)snprintf(out, 5, "\\%03o", c);
    out[0] = (char)c;
    return 1;
}

/* How many bytes at s go out as they are: a printable UTF-8 character, or 0. */
static size_t printable_utf8(const unsigned char *s)
{
    size_t n = utf8_length(s);
    return n == 2 && s[0] == 0xc2 && s[1] < 0xa0 ? 0 : n; /* C1 controls */
}

size_t cli_escape(const char *text, char *out, size_t cap)
{
    size_t used = 0;
    char one[5];
    for (const unsigned char *s = (const unsigned char *)text; *s;) {
        size_t keep = *s >= 0x80 ? printable_utf8(s) : 0;
        const char *piece = keep ? (const char *)s : one;
        size_t n = keep ? keep : escape_byte(*s, one);
        if (used + n + 1 > cap)
            break;
        memcpy(out + used, piece, n);
        used += n;
        s += keep ? keep : 1;
    }
    if (cap)
        out[used] = '\0';
    return used;
}

/* Not inside a UTF-8 sequence: back up over continuation bytes. */
static size_t char_start(const char *s, size_t at)
{
    while (at > 0 && ((unsigned char)s[at] & 0xc0) == 0x80)
        at--;
    return at;
}

/*
 * A 4000-byte file name must not flood the terminal: a longer message keeps
 * its start (what it is about) and its end (what is wrong) around " ... ".
 */
static void put_capped(FILE *f, const char *text, size_t len)
{
    if (len <= CLI_MESSAGE_MAX) {
        fwrite(text, 1, len, f);
        return;
    }
    size_t head = char_start(text, CLI_MESSAGE_MAX / 2);
    size_t tail = char_start(text, len - CLI_MESSAGE_MAX / 2 + 8);
    fwrite(text, 1, head, f);
    fputs(" ... ", f);
    fwrite(text + tail, 1, len - tail, f);
}

/* The whole message, however long (the cap applies after escaping); NULL if no memory. */
static char *format_message(const char *fmt, va_list ap, size_t *len)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *raw = n < 0 ? NULL : malloc((size_t)n + 1);
    if (raw) {
        va_copy(copy, ap);
        vsnprintf(raw, (size_t)n + 1, fmt, copy);
        va_end(copy);
        *len = (size_t)n;
    }
    return raw;
}

static void vprint(const char *prefix, char *memo, const char *fmt, va_list ap)
{
    size_t len = 0;
    if (memo)
        remember(memo, fmt, ap);
    char *raw = format_message(fmt, ap, &len);
    char *escaped = raw ? malloc(4 * len + 1) : NULL;
    if (escaped)
        len = cli_escape(raw, escaped, 4 * len + 1);
    flockfile(stderr);
    if (cli_progress_hook)
        cli_progress_hook(0);
    fprintf(stderr, "convtool: %s", prefix);
    if (escaped)
        put_capped(stderr, escaped, len);
    else
        fputs("(out of memory while writing a message)", stderr);
    fputc('\n', stderr);
    if (cli_progress_hook)
        cli_progress_hook(1);
    funlockfile(stderr);
    free(escaped);
    free(raw);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint("", first_error, fmt, ap);
    va_end(ap);
}

void cli_info(const char *fmt, ...)
{
    if (cli_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprint("", NULL, fmt, ap);
    va_end(ap);
}

const char *cli_first_error(void)
{
    return first_error;
}

const char *cli_first_warning(void)
{
    return first_warning;
}

void cli_clear_messages(void)
{
    first_error[0] = '\0';
    first_warning[0] = '\0';
}

/*
 * --quiet silences stderr only: a warning is still remembered and counted, so
 * a --report line keeps its message and the batch summary its count.
 */
void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (cli_defer_warnings) {
        remember(first_warning, fmt, ap);
        if (atomic_fetch_add(&deferred_count, 1) == 0) {
            first_deferred[0] = '\0';
            remember(first_deferred, fmt, ap);
        }
    } else if (cli_quiet) {
        remember(first_warning, fmt, ap);
    } else {
        vprint("warning: ", first_warning, fmt, ap);
    }
    va_end(ap);
}

size_t cli_deferred_warnings(const char **first)
{
    *first = first_deferred;
    return atomic_exchange(&deferred_count, 0);
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

int cli_report(const char *path, convtool_status st)
{
    if (st == CONVTOOL_EIO || st == CONVTOOL_ENOENT)
        cli_error("%s: %s", path, strerror(errno));
    else if (st == CONVTOOL_EUNSUPPORTED)
        cli_error("%s: unsupported format (convtool reads PNG, JPEG and .npy)", path);
    else
        cli_error("%s: %s", path, convtool_strerror(st));
    return cli_exit_code(st) == EXIT_USAGE ? EXIT_USAGE : EXIT_RUNTIME;
}
