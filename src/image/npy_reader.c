/*
 * A .npy read a few rows at a time (convtool.h, convtool_npy_reader_*): the
 * header from the first bytes, then rows by pread at their offsets, so the
 * strip engine holds a window of rows, never the array. Values are those
 * convtool_image_decode gives (npy.c converts both).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/npy.h"
#include "common/read_at.h"
#include "convtool/convtool.h"

/* Headers longer than this go whole (numpy writes 128 bytes or so). */
#define HEADER_READ ((size_t)64 << 10)
/* Rows of another dtype or byte order are converted through this many bytes at a time. */
#define CONVERT_BYTES ((size_t)64 << 10)

struct convtool_npy_reader {
    int fd;
    npy_header h;
    int planes, height, width;
    int direct;               /* float32 in this host's byte order: read straight into dst */
    unsigned char *scratch;   /* CONVERT_BYTES, for the others */
};

static int host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* The probe's answer, as image_probe.c gives it for a whole .npy. */
static void fill_info(const npy_header *h, convtool_image_info *info)
{
    memset(info, 0, sizeof *info);
    info->format = CONVTOOL_FORMAT_NPY;
    info->npy_rank = h->rank;
    info->npy_batch = h->rank == 4 ? (int)h->shape[0] : 0;
    info->channels = h->rank >= 3 ? (int)h->shape[h->rank - 3] : 1;
    info->height = (int)h->shape[h->rank - 2];
    info->width = (int)h->shape[h->rank - 1];
    info->bit_depth = h->itemsize * 8;
}

/* The bytes the header takes (preamble, dict), from the preamble; 0 if it is no .npy. */
static size_t header_bytes(int fd, uint64_t len)
{
    unsigned char pre[12];
    if (len < sizeof pre || read_at(fd, 0, pre, sizeof pre) != CONVTOOL_OK ||
        memcmp(pre, "\x93NUMPY", 6) != 0)
        return 0;
    if (pre[6] == 1)
        return 10 + ((size_t)pre[8] | (size_t)pre[9] << 8);
    return 12 + ((size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
                 (size_t)pre[11] << 24);
}

static convtool_status read_header(int fd, uint64_t len, npy_header *h)
{
    size_t n = header_bytes(fd, len);
    if (n == 0 || n > HEADER_READ || n > len)
        return CONVTOOL_EUNSUPPORTED; /* not a .npy, or one the whole-file path must judge */
    unsigned char *head = malloc(n);
    if (!head)
        return CONVTOOL_ENOMEM;
    convtool_status st = read_at(fd, 0, head, n);
    if (st == CONVTOOL_OK)
        st = npy_parse_header_of(head, n, len, h);
    free(head);
    /* a header past HEADER_READ, a damaged one: the whole-file path has the words for it */
    if (st == CONVTOOL_ECORRUPT)
        st = CONVTOOL_EUNSUPPORTED;
    return st;
}

convtool_status convtool_npy_reader_open(int fd, uint64_t len, convtool_image_info *info,
                                         convtool_npy_reader **out)
{
    if (!out || !info || fd < 0)
        return CONVTOOL_EINVAL;
    *out = NULL;
    npy_header h;
    convtool_status st = read_header(fd, len, &h);
    if (st != CONVTOOL_OK)
        return st;
    if (h.rank < 2 || h.fortran_order)
        return CONVTOOL_EUNSUPPORTED; /* a vector is refused whole; Fortran order is columns */
    convtool_npy_reader *r = calloc(1, sizeof *r);
    if (!r)
        return CONVTOOL_ENOMEM;
    r->fd = fd;
    r->h = h;
    fill_info(&h, info);
    r->planes = info->channels * (info->npy_batch > 0 ? info->npy_batch : 1);
    r->height = info->height;
    r->width = info->width;
    r->direct = h.itemsize == 4 && !h.big_endian && host_little_endian();
    if (!r->direct && !(r->scratch = malloc(CONVERT_BYTES))) {
        free(r);
        return CONVTOOL_ENOMEM;
    }
    *out = r;
    return CONVTOOL_OK;
}

convtool_status convtool_npy_reader_rows(convtool_npy_reader *r, int plane, int row, int n,
                                         float *dst)
{
    if (!r || !dst || plane < 0 || plane >= r->planes || row < 0 || n < 0 ||
        row > r->height - n)
        return CONVTOOL_EINVAL;
    size_t count = (size_t)n * (size_t)r->width, item = (size_t)r->h.itemsize;
    uint64_t at = r->h.data_offset +
                  (((uint64_t)plane * (uint64_t)r->height + (uint64_t)row) * (uint64_t)r->width) *
                      item;
    if (r->direct)
        return read_at(r->fd, at, dst, count * item);
    size_t per_piece = CONVERT_BYTES / item;
    for (size_t done = 0; done < count;) {
        size_t m = count - done < per_piece ? count - done : per_piece;
        convtool_status st = read_at(r->fd, at + done * item, r->scratch, m * item);
        if (st != CONVTOOL_OK)
            return st;
        npy_load_elems(r->scratch, &r->h, dst + done, m);
        done += m;
    }
    return CONVTOOL_OK;
}

void convtool_npy_reader_close(convtool_npy_reader *r)
{
    if (!r)
        return;
    free(r->scratch);
    free(r);
}

convtool_status convtool_npy_header(int planes, int h, int w, int rank, int batch,
                                    convtool_buffer *out)
{
    return npy_encode_header(planes, h, w, rank, batch, out);
}

void convtool_npy_store(const float *v, size_t n, unsigned char *dst)
{
    npy_store_f32(v, n, dst);
}
