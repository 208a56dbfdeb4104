/*
 * Checksums (checksum.h). CRC-32: ISA-L's when it is built in, else
 * libdeflate's, else zlib's; Adler-32: libdeflate's, else ISA-L's, else
 * zlib's. Measured over the filtered strips of 4096² photos (bench/RESULTS.md,
 * "PNG deflate"): ISA-L's CRC-32 0.89–0.93× libdeflate's time, its Adler-32
 * 1.21–1.30×; both libraries are 3–5 times faster than zlib. The values are
 * the same whichever computes them.
 */
#include <limits.h>

#include <zlib.h>
#ifdef CONVTOOL_WITH_LIBDEFLATE
#include <libdeflate.h>
#endif
#ifdef CONVTOOL_WITH_ISAL
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
#ifdef CONVTOOL_WITH_ISAL
    return crc32_gzip_refl(crc, p, n); /* zlib's convention: 0 to start, continues */
#elif defined(CONVTOOL_WITH_LIBDEFLATE)
    return libdeflate_crc32(crc, p, n);
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
