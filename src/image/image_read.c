/*
 * convtool_read_image: convtool_read_file for image inputs, which refuses a
 * stream (stdin) that does not start like an image after its first bytes,
 * instead of reading up to the size limit: `convtool apply - < /dev/zero`
 * answers at once and allocates next to nothing. An input of no bytes at all
 * (file or stream) is CONVTOOL_EEMPTY, not a damaged image.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "convtool/convtool.h"
#include "codec/png_skeleton.h"

/* Enough for every magic number convtool_format_sniff knows. */
#define SNIFF_BYTES 16

/* Reads up to n bytes (less only at EOF). */
static convtool_status read_some(int fd, unsigned char *buf, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t r = read(fd, buf + *got, n - *got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return CONVTOOL_EIO;
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return CONVTOOL_OK;
}

static int known_image(const unsigned char *b, size_t n)
{
    convtool_format f = convtool_format_sniff(b, n);
    return f == CONVTOOL_FORMAT_PNG || f == CONVTOOL_FORMAT_JPEG || f == CONVTOOL_FORMAT_NPY;
}

static convtool_status read_stdin(uint64_t max_bytes, convtool_buffer *out)
{
    unsigned char head[SNIFF_BYTES];
    size_t got;
    convtool_status st = read_some(STDIN_FILENO, head, sizeof head, &got);
    if (st == CONVTOOL_OK && got == sizeof head && !known_image(head, got))
        return CONVTOOL_EUNSUPPORTED; /* shorter inputs go to the probe, which says why */
    if (st == CONVTOOL_OK)
        st = convtool_buffer_append(out, head, got);
    convtool_buffer rest = {0};
    if (st == CONVTOOL_OK && got == sizeof head) {
        uint64_t left = max_bytes ? (max_bytes > got ? max_bytes - got : 1) : 0;
        st = convtool_read_file("-", left > SIZE_MAX ? 0 : (size_t)left, &rest);
        if (st == CONVTOOL_OK)
            st = convtool_buffer_append(out, rest.data, rest.len);
        convtool_buffer_free(&rest);
    }
    return st;
}

convtool_status convtool_read_image(const char *path, uint64_t max_bytes, convtool_buffer *out)
{
    if (!path || !out)
        return CONVTOOL_EINVAL;
    memset(out, 0, sizeof *out);
    convtool_status st =
        strcmp(path, "-") != 0
            ? convtool_read_file(path, max_bytes > SIZE_MAX ? 0 : (size_t)max_bytes, out)
            : read_stdin(max_bytes, out);
    /* Nothing at all is not a damaged image: say so (`< /dev/null`, a file still empty). */
    if (st == CONVTOOL_OK && out->len == 0)
        st = CONVTOOL_EEMPTY;
    if (st != CONVTOOL_OK) {
        int saved = errno;
        convtool_buffer_free(out);
        errno = saved;
    }
    return st;
}

convtool_status convtool_image_skeleton(int fd, uint64_t len, convtool_buffer *out)
{
    unsigned char head[8];
    ssize_t got = pread(fd, head, sizeof head, 0);
    if (got < 0)
        return CONVTOOL_EIO;
    if ((size_t)got < sizeof head || memcmp(head, "\x89PNG\r\n\x1a\n", 8) != 0)
        return CONVTOOL_EUNSUPPORTED; /* only PNGs have a skeleton (JPEG: read whole) */
    return png_skeleton_read(fd, len, out);
}
