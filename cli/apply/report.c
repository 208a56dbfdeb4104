/*
 * --report FILE: one JSON object per input and line, written as each input
 * ends, so a script can follow a long run (or see how far an interrupted
 * one got) with tail -f. File names are bytes, JSON is UTF-8: bytes that
 * are not valid UTF-8 are written as U+FFFD.
 *
 * Every line is whole or absent (issue 9): it is built in memory and goes
 * out in one write(2), never through stdio's buffer (which would split a
 * long line over several writes, so a kill between them tears it). If a
 * write fails part-way (a full disk), the file is cut back to the end of the
 * last whole line; stdout, a descriptor name or a pipe cannot be cut back,
 * there the failure is told.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "apply/apply_common.h"
#include "apply/batch.h"
#include "apply/save_choice.h"
#include "common/fd_names.h"
#include "common/json.h"
#include "common/messages.h"

/* A failed write is told once, not once per input. */
static int write_failed;
/* Where the last whole line of the report file ends: what a failure cuts back to. */
static off_t whole_end;
/* Whether the report is a regular file this run created or emptied: only that is cut back. */
static int may_cut_back;

const char *file_status_name(enum file_status st)
{
    return st == FILE_OK ? "ok" : st == FILE_FAILED ? "failed" : "skipped";
}

/*
 * A new descriptor for FILE: the open descriptor itself for /dev/stdout,
 * /dev/fd/N and the like (appending, never truncating a `>> log`); otherwise
 * the file, emptied if it is a regular one. A FIFO is opened without waiting:
 * no reader is an error, not a hang.
 */
static int open_report_fd(const char *path, int *told)
{
    int named = cli_descriptor_name(path);
    if (named >= 0)
        return fcntl(named, F_DUPFD_CLOEXEC, 3);
    /*
     * A new or regular file is first made empty by the atomic writer, so the
     * report obeys the outputs' rules (no file through a dangling or untrusted
     * link, owner and mode kept, another user's /tmp file left alone); a FIFO
     * or device is not (an empty write would end a FIFO reader's input).
     */
    struct stat st;
    convtool_buffer empty = {0};
    if ((stat(path, &st) != 0 || S_ISREG(st.st_mode)) && apply_write(path, &empty) != EXIT_OK) {
        *told = 1;
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) != 0)
        return fd < 0 ? -1 : (close(fd), -1);
    may_cut_back = S_ISREG(st.st_mode);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK); /* writes may wait for a reader */
    return fd;
}

int report_open(const char *path, FILE **out)
{
    write_failed = 0;
    whole_end = 0;
    may_cut_back = 0;
    if (strcmp(path, "-") == 0) {
        *out = stdout;
        return EXIT_OK;
    }
    int told = 0;
    int fd = open_report_fd(path, &told);
    *out = fd < 0 ? NULL : fdopen(fd, "w");
    if (!*out) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        if (told)
            return EXIT_RUNTIME;
        cli_error("--report %s: %s", path,
                  err == ENXIO ? "a FIFO with no reader (start the reader first)" : strerror(err));
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

/*
 * How the outputs were encoded: "depth" when a PNG was written, "quality" and
 * "sampling" when a JPEG was (the sampling asked: save_choice_tell warns when
 * the stb writer cannot give it).
 */
static void put_choice(FILE *f, const struct report_line *l)
{
    const struct save_choice *c = l->choice;
    if (!c || !c->made || l->status != FILE_OK)
        return;
    int png = 0, jpeg = 0;
    for (int k = 0; k < l->output_count; k++) {
        png |= l->outputs[k].format == CONVTOOL_FORMAT_PNG;
        jpeg |= l->outputs[k].format == CONVTOOL_FORMAT_JPEG;
    }
    if (png)
        fprintf(f, ",\"depth\":%d", c->depth);
    if (jpeg)
        fprintf(f, ",\"quality\":%d,\"sampling\":\"%s\"", c->quality,
                convtool_jpeg_sampling_name(c->sampling));
}

/* The JSON line of l, with its '\n', in a malloc'd *text; -1 if out of memory. */
static int format_line(const struct report_line *l, char **text, size_t *len)
{
    *text = NULL;
    FILE *f = open_memstream(text, len);
    if (!f)
        return -1;
    fputs("{\"input\":", f);
    json_put_string(f, l->input);
    fputs(",\"outputs\":[", f);
    for (int k = 0; k < l->output_count; k++) {
        if (k)
            fputc(',', f);
        json_put_string(f, l->outputs[k].path);
    }
    fprintf(f, "],\"bytes\":%" PRIu64 ",\"ms\":%.1f,\"status\":\"%s\",\"message\":", l->bytes,
            l->ms, file_status_name(l->status));
    json_put_string(f, l->message);
    fputs(",\"dropped\":[", f);
    for (int i = 0, n = 0; i < CONVTOOL_META_PARTS; i++)
        if (l->dropped & (1u << i))
            fprintf(f, "%s\"%s\"", n++ ? "," : "", convtool_metadata_part_name(1u << i));
    fputc(']', f);
    put_choice(f, l);
    fputs("}\n", f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(*text);
        *text = NULL;
        return -1;
    }
    return 0;
}

/* All of text on fd: one write(2), more only after a short one. 0, or -1 with errno. */
static int write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = ENOSPC; /* write(2) gives 0 only for a device that takes nothing */
            return -1;
        }
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * After a failed write to a file: cut it back to its last whole line, so a
 * reader never sees half a line. A pipe or a device cannot be cut: nothing
 * to do there (the failure is told either way).
 */
static void cut_back(int fd)
{
    if (ftruncate(fd, whole_end) == 0)
        lseek(fd, whole_end, SEEK_SET);
}

int report_write(FILE *f, const char *path, const struct report_line *l)
{
    const char *name = strcmp(path, "-") ? path : "(stdout)";
    char *text;
    size_t len;
    if (format_line(l, &text, &len) != 0) {
        if (!write_failed++)
            cli_error("--report %s: out of memory", name);
        return -1;
    }
    /* nothing of ours is in stdio's buffer, but stdout may hold someone else's bytes */
    int rc = f == stdout ? fflush(f) : 0;
    if (rc == 0)
        rc = write_all(fileno(f), text, len);
    int err = errno;
    free(text);
    if (rc == 0) {
        whole_end += (off_t)len;
        return 0;
    }
    if (may_cut_back)
        cut_back(fileno(f));
    if (!write_failed++)
        cli_error("--report %s: cannot write: %s", name, strerror(err));
    return -1;
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
