/*
 * A PNG's skeleton (png_skeleton.h): its chunk list read with pread, header
 * by header, the image data skipped, the rest copied.
 */
#include <string.h>

#include "codec/checksum.h"
#include "codec/png_skeleton.h"
#include "common/read_at.h"

#define SIG_LEN 8
#define CHUNK_HEADER 8 /* length and type */
#define CHUNK_OVERHEAD 12
#define MAX_CHUNK 0x7fffffffu

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* The n bytes at off appended to out, a piece at a time. */
static convtool_status copy_at(int fd, uint64_t off, uint64_t n, convtool_buffer *out)
{
    unsigned char piece[16384];
    convtool_status st = CONVTOOL_OK;
    while (n > 0 && st == CONVTOOL_OK) {
        size_t k = n < sizeof piece ? (size_t)n : sizeof piece;
        st = read_at(fd, off, piece, k);
        if (st == CONVTOOL_OK)
            st = convtool_buffer_append(out, piece, k);
        off += k;
        n -= k;
    }
    return st;
}

/* A zero-length IDAT, standing for a run of them. */
static convtool_status empty_idat(convtool_buffer *out)
{
    unsigned char c[CHUNK_OVERHEAD] = {0, 0, 0, 0, 'I', 'D', 'A', 'T'};
    put_be32(c + CHUNK_HEADER, checksum_crc32(0, c + 4, 4));
    return convtool_buffer_append(out, c, sizeof c);
}

/* The walk from the first chunk to IEND. */
static convtool_status walk(int fd, uint64_t file_len, convtool_buffer *out)
{
    uint64_t off = SIG_LEN, kept = 0;
    int in_idat_run = 0;
    for (;;) {
        unsigned char h[CHUNK_HEADER];
        if (file_len - off < CHUNK_OVERHEAD)
            return CONVTOOL_ECORRUPT; /* no IEND */
        convtool_status st = read_at(fd, off, h, sizeof h);
        if (st != CONVTOOL_OK)
            return st;
        uint32_t n = be32(h);
        if (n > MAX_CHUNK || n > file_len - off - CHUNK_OVERHEAD)
            return CONVTOOL_ECORRUPT;
        uint64_t size = CHUNK_OVERHEAD + (uint64_t)n;
        int idat = memcmp(h + 4, "IDAT", 4) == 0, frame_data = memcmp(h + 4, "fdAT", 4) == 0;
        if (idat && !in_idat_run)
            st = empty_idat(out);
        else if (!idat && !frame_data)
            st = (kept += size) > PNG_SKELETON_MAX_KEPT ? CONVTOOL_ELIMIT
                                                        : copy_at(fd, off, size, out);
        if (st != CONVTOOL_OK)
            return st;
        in_idat_run = idat || (frame_data && in_idat_run);
        off += size;
        if (memcmp(h + 4, "IEND", 4) == 0)
            return CONVTOOL_OK;
    }
}

convtool_status png_skeleton_read(int fd, uint64_t file_len, convtool_buffer *out)
{
    if (!out || fd < 0)
        return CONVTOOL_EINVAL;
    size_t len_before = out->len;
    int failed_before = out->failed;
    unsigned char sig[SIG_LEN];
    convtool_status st = file_len < SIG_LEN ? CONVTOOL_ECORRUPT : read_at(fd, 0, sig, SIG_LEN);
    if (st == CONVTOOL_OK && memcmp(sig, "\x89PNG\r\n\x1a\n", SIG_LEN) != 0)
        st = CONVTOOL_ECORRUPT;
    if (st == CONVTOOL_OK)
        st = convtool_buffer_append(out, sig, SIG_LEN);
    if (st == CONVTOOL_OK)
        st = walk(fd, file_len, out);
    if (st != CONVTOOL_OK) {
        out->len = len_before < out->len ? len_before : out->len;
        out->failed = failed_before;
    }
    return st;
}
