/* Reading exactly n bytes at an offset of a file (read_at.c), for the readers that never hold it whole. */
#ifndef CONVTOOL_READ_AT_H
#define CONVTOOL_READ_AT_H

#include <stddef.h>
#include <stdint.h>

#include "convtool/convtool.h"

/* pread until n bytes are in (EINTR retried): EIO when pread fails, ECORRUPT when the file
 * ends first (it is shorter than its header said, or shrank since). */
convtool_status read_at(int fd, uint64_t off, void *dst, size_t n);

#endif
