/*
 * Limit arithmetic: what decoding an image will need, computed from its header
 * with overflow-checked 64-bit products, so that a hostile header is refused
 * before anything large is allocated.
 */
#include <sys/resource.h>
#include <unistd.h>

#include "convtool/convtool.h"

#define GIB ((uint64_t)1 << 30)
#define DEFAULT_MEMORY_CAP (8 * GIB)
/* stb's fixed allocations (its JPEG context holds the Huffman tables), rounded up. */
#define DECODER_OVERHEAD ((uint64_t)1 << 20)
/* JPEG components are stored padded to whole 8×8 blocks of the largest sampling factor. */
#define JPEG_MCU 32

static convtool_status add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a > UINT64_MAX - b)
        return CONVTOOL_EOVERFLOW;
    *out = a + b;
    return CONVTOOL_OK;
}

/*
 * stb's PNG decoder holds, at its peak: the IDAT data gathered into one buffer
 * (capacity doubled as it grows: at most 2× the file), the inflated scanlines
 * (a filter byte per row, and never more bytes per pixel than it returns: a
 * palette index becomes 3 or 4, a tRNS key adds alpha), the unfiltered image
 * and, for a palette, the image expanded to RGB(A).
 */
static convtool_status png_need(const convtool_image_info *info, uint64_t file_len, uint64_t out,
                                uint64_t *need)
{
    uint64_t raw, idat;
    convtool_status st = add_u64(out, (uint64_t)info->height, &raw);
    if (st == CONVTOOL_OK)
        st = convtool_mul_u64(file_len, 2, 1, 1, &idat);
    if (st == CONVTOOL_OK)
        st = add_u64(raw, idat, need);
    if (st == CONVTOOL_OK)
        st = convtool_mul_u64(out, 2, 1, 1, &out); /* the unfiltered and the returned image */
    return st == CONVTOOL_OK ? add_u64(*need, out, need) : st;
}

/*
 * stb's JPEG decoder holds per component a padded sample plane and, for a
 * progressive file, a plane of 16-bit coefficients; CMYK has 4 components.
 */
static convtool_status jpeg_need(const convtool_image_info *info, uint64_t out, uint64_t *need)
{
    uint64_t w = ((uint64_t)info->width + JPEG_MCU - 1) / JPEG_MCU * JPEG_MCU;
    uint64_t h = ((uint64_t)info->height + JPEG_MCU - 1) / JPEG_MCU * JPEG_MCU, planes;
    convtool_status st = convtool_mul_u64(w, h, 4, 1 + 2, &planes);
    return st == CONVTOOL_OK ? add_u64(planes, out, need) : st;
}

convtool_status convtool_decode_memory_estimate(const convtool_image_info *info, uint64_t file_len,
                                                uint64_t *bytes)
{
    if (!info || !bytes || info->width < 1 || info->height < 1 || info->channels < 1)
        return CONVTOOL_EINVAL;
    uint64_t out, need = 0;
    uint64_t sample = info->format == CONVTOOL_FORMAT_NPY ? 4 : (uint64_t)info->bit_depth / 8;
    convtool_status st = convtool_mul_u64((uint64_t)info->width, (uint64_t)info->height,
                                          (uint64_t)info->channels, sample ? sample : 1, &out);
    if (st != CONVTOOL_OK)
        return st;
    switch (info->format) {
    case CONVTOOL_FORMAT_PNG:
        st = png_need(info, file_len, out, &need);
        break;
    case CONVTOOL_FORMAT_JPEG:
        st = jpeg_need(info, out, &need);
        break;
    default: /* .npy: the file, then the float32 tensor (counted by the caller) */
        need = file_len;
        break;
    }
    return st == CONVTOOL_OK ? add_u64(need, DECODER_OVERHEAD, bytes) : st;
}

/* A process limit (ulimit -v, ulimit -d) lowers the default: the run would fail anyway. */
static uint64_t under_rlimit(int resource, uint64_t cap)
{
    struct rlimit r;
    if (getrlimit(resource, &r) != 0 || r.rlim_cur == RLIM_INFINITY)
        return cap;
    return (uint64_t)r.rlim_cur < cap ? (uint64_t)r.rlim_cur : cap;
}

uint64_t convtool_default_max_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t cap = DEFAULT_MEMORY_CAP;
    if (pages > 0 && page > 0 && (uint64_t)pages / 2 * (uint64_t)page < cap)
        cap = (uint64_t)pages / 2 * (uint64_t)page;
    return under_rlimit(RLIMIT_DATA, under_rlimit(RLIMIT_AS, cap));
}
