/*
 * Checksums (checksum.h): libdeflate's when built in, else ISA-L's, else
 * zlib's. libdeflate's and ISA-L's CRC-32 run at the same speed within the
 * noise of this machine (bench/png_inflate_bench: ISA-L 0.91–0.95× in three
 * runs of ten passes over 37 MB, a few ms either way), so the order does not
 * matter for speed; both are about four times faster than zlib's.
 */
#include <limits.h>

#include <zlib.h>
#ifdef CONVTOOL_WITH_LIBDEFLATE
#include <libdeflate.h>
#elif defined(CONVTOOL_WITH_ISAL)
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#endif

#include "codec/checksum.h"

#if !defined(CONVTOOL_WITH_LIBDEFLATE) && !defined(CONVTOOL_WITH_ISAL)
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
#elif defined(CONVTOOL_WITH_ISAL)
    return crc32_gzip_refl(crc, p, n); /* zlib's convention: 0 to start, continues */
#else
    return zlib_running(crc32, crc, p, n);
#endif
}

uint32_t checksum_adler32(uint32_t adler, const void *p, size_t n)
{
#ifdef CONVTOOL_WITH_LIBDEFLATE
    return libdeflate_adler32(adler, p, n);
#elif defined(CONVTOOL_WITH_ISAL)
    return isal_adler32(adler, p, n);
#else
    return zlib_running(adler32, adler, p, n);
#endif
}
