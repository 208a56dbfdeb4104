/*
 * --report FILE: one JSON object per input and line, flushed as each input
 * ends, so a script can follow a long run (or see how far an interrupted
 * one got) with tail -f. File names are bytes, JSON is UTF-8: bytes that
 * are not valid UTF-8 are written as U+FFFD.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "batch.h"
#include "cli.h"

/* A failed write is told once, not once per input. */
static int write_failed;

const char *file_status_name(enum file_status st)
{
    return st == FILE_OK ? "ok" : st == FILE_FAILED ? "failed" : "skipped";
}

int report_open(const char *path, FILE **out)
{
    write_failed = 0;
    if (strcmp(path, "-") == 0) {
        *out = stdout;
        return EXIT_OK;
    }
    *out = fopen(path, "we");
    if (!*out) {
        cli_error("--report %s: %s", path, strerror(errno));
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

/* The length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_length(const unsigned char *s)
{
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (s[0] > 0xf4)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    }
    /* Overlong three- and four-byte forms, surrogates and values above U+10FFFF. */
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return n;
}

static void put_string(FILE *f, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    fputc('"', f);
    while (*s) {
        if (*s == '"' || *s == '\\') {
            fprintf(f, "\\%c", *s++);
        } else if (*s < 0x20 || *s == 0x7f) {
            fprintf(f, "\\u%04x", *s++);
        } else if (*s < 0x80) {
            fputc(*s++, f);
        } else {
            size_t n = utf8_length(s);
            if (n) {
                fwrite(s, 1, n, f);
                s += n;
            } else {
                fputs("\\ufffd", f);
                s++;
            }
        }
    }
    fputc('"', f);
}

int report_write(FILE *f, const char *path, const struct report_line *l)
{
    fputs("{\"input\":", f);
    put_string(f, l->input);
    fputs(",\"outputs\":[", f);
    for (int k = 0; k < l->output_count; k++) {
        if (k)
            fputc(',', f);
        put_string(f, l->outputs[k].path);
    }
    fprintf(f, "],\"bytes\":%" PRIu64 ",\"ms\":%.1f,\"status\":\"%s\",\"message\":", l->bytes,
            l->ms, file_status_name(l->status));
    put_string(f, l->message);
    fputs("}\n", f);
    if (fflush(f) != 0 || ferror(f)) {
        int err = errno;
        if (!write_failed++)
            cli_error("--report %s: cannot write: %s", strcmp(path, "-") ? path : "(stdout)",
                      strerror(err));
        return -1;
    }
    return 0;
}

int report_close(FILE *f, const char *path)
{
    if (f == stdout)
        return write_failed ? EXIT_RUNTIME : cli_finish_stdout();
    int bad = ferror(f) || write_failed;
    if (fclose(f) != 0 || bad) {
        if (write_failed)
            return EXIT_RUNTIME;
        cli_error("--report %s: cannot write: %s", path, strerror(errno));
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
