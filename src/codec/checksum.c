/* Checksums (checksum.h): libdeflate's when built in, zlib's otherwise. */
#include <limits.h>

#include <zlib.h>
#ifdef CONVTOOL_WITH_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "codec/checksum.h"

#ifndef CONVTOOL_WITH_LIBDEFLATE
/* zlib's crc32 or adler32 over n bytes, in pieces: zlib counts in uInt. */
static uint32_t zlib_running(uLong (*fn)(uLong, const Bytef *, uInt), uLong v,
                             const unsigned char *b, size_t n)
{
    for (size_t step; n > 0; n -= step, b += step) {
        step = n < UINT_MAX ? n : UINT_MAX;
        v = fn(v, b, (uInt)step);
    }
    return (uint32_t)v;
}
#endif

uint32_t checksum_crc32(uint32_t crc, const void *p, size_t n)
{
#ifdef CONVTOOL_WITH_LIBDEFLATE
    return libdeflate_crc32(crc, p, n);
#else
    return zlib_running(crc32, crc, p, n);
#endif
}

uint32_t checksum_adler32(uint32_t adler, const void *p, size_t n)
{
#ifdef CONVTOOL_WITH_LIBDEFLATE
    return libdeflate_adler32(adler, p, n);
#else
    return zlib_running(adler32, adler, p, n);
#endif
}
