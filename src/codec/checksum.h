/*
 * CRC-32 (PNG chunks) and Adler-32 (zlib streams) of whole buffers: the
 * faster of ISA-L's and libdeflate's vectorised versions that is built in
 * (checksum.c) — about four times faster than zlib's, which shows on a 27 MB
 * PNG — and zlib's otherwise.
 */
#ifndef CONVTOOL_CHECKSUM_H
#define CONVTOOL_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* crc: 0 to start, or the CRC of the bytes before p to continue. */
uint32_t checksum_crc32(uint32_t crc, const void *p, size_t n);
/* adler: 1 to start, or the Adler-32 of the bytes before p to continue. */
uint32_t checksum_adler32(uint32_t adler, const void *p, size_t n);

#endif
