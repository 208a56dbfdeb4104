/* convtool_strerror: one message per status code. */
#include "convtool/convtool.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static const char *const messages[CONVTOOL_STATUS_COUNT] = {
    [CONVTOOL_OK] = "success",
    [CONVTOOL_ENOMEM] = "out of memory",
    [CONVTOOL_EOVERFLOW] = "size too large (arithmetic overflow)",
    [CONVTOOL_EINVAL] = "invalid argument",
    [CONVTOOL_EIO] = "input/output error",
    [CONVTOOL_ENOENT] = "not found",
    [CONVTOOL_EUNSUPPORTED] = "unsupported format",
    [CONVTOOL_ECORRUPT] = "corrupt or truncated file",
    [CONVTOOL_ELIMIT] = "over a configured limit",
    [CONVTOOL_EGEOMETRY] = "impossible geometry (output smaller than 1x1 or padding too wide)",
    [CONVTOOL_EPARSE] = "cannot parse kernel",
    [CONVTOOL_EZEROSUM] = "kernel sums to 0 and cannot be normalized",
    [CONVTOOL_EMISMATCH] = "kernels give outputs of different sizes",
    [CONVTOOL_ENOTREG] = "not a regular file (a FIFO, device or socket); pipe it to stdin as '-'",
    [CONVTOOL_EMEMLIMIT] = "over the memory limit (decoding needs more memory than allowed)",
    [CONVTOOL_EHOSTILE] = "corrupt or hostile image (the contained decoder crashed or was stopped)",
    [CONVTOOL_EMFILE] = "too many open files (descriptors); try a lower -J/-j or raise ulimit -n",
    [CONVTOOL_EEMPTY] = "empty input (0 bytes)",
    [CONVTOOL_ESCANS] = "progressive JPEG with more than " STRINGIFY(
        CONVTOOL_JPEG_MAX_SCANS) " scans; refused (a decompression bomb?)",
};

const char *convtool_strerror(convtool_status status)
{
    if ((unsigned)status >= CONVTOOL_STATUS_COUNT || !messages[status])
        return "unknown status";
    return messages[status];
}
