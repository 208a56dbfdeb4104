/* read_at (read_at.h). */
#include <errno.h>
#include <unistd.h>

#include "common/read_at.h"

convtool_status read_at(int fd, uint64_t off, void *dst, size_t n)
{
    unsigned char *p = dst;
    while (n > 0) {
        ssize_t got = pread(fd, p, n, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return CONVTOOL_EIO;
        if (got == 0)
            return CONVTOOL_ECORRUPT;
        p += got;
        off += (uint64_t)got;
        n -= (size_t)got;
    }
    return CONVTOOL_OK;
}
