/* Checksums (checksum.h): libdeflate's when built in, zlib's otherwise. */
#include <limits.h>

#include <zlib.h>
#ifdef CONVTOOL_WITH_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "checksum.h"

uint32_t checksum_crc32(uint32_t crc, const void *p, size_t n)
{
#ifdef CONVTOOL_WITH_LIBDEFLATE
    return libdeflate_crc32(crc, p, n);
#else
    const unsigned char *b = p;
    uLong c = crc;
    for (size_t step; n > 0; n -= step, b += step) { /* zlib counts in uInt */
        step = n < UINT_MAX ? n : UINT_MAX;
        c = crc32(c, b, (uInt)step);
    }
    return (uint32_t)c;
#endif
}

uint32_t checksum_adler32(uint32_t adler, const void *p, size_t n)
{
#ifdef CONVTOOL_WITH_LIBDEFLATE
    return libdeflate_adler32(adler, p, n);
#else
    const unsigned char *b = p;
    uLong a = adler;
    for (size_t step; n > 0; n -= step, b += step) {
        step = n < UINT_MAX ? n : UINT_MAX;
        a = adler32(a, b, (uInt)step);
    }
    return (uint32_t)a;
#endif
}
