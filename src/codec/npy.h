/*
 * Internal: the NumPy .npy format (float32/float64, rank 1 to 4).
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
#ifndef CONVTOOL_NPY_H
#define CONVTOOL_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "convtool/convtool.h"

#define NPY_MAX_RANK 8

typedef struct npy_header {
    int itemsize; /* 4 (float32) or 8 (float64) */
    int big_endian;
    int fortran_order;
    int rank; /* 1 to 4 once validated; each caller checks the ranks it takes */
    size_t shape[NPY_MAX_RANK];
    size_t data_offset; /* where the array data starts in the file */
} npy_header;

/*
 * Parses and validates the header of an in-memory .npy file: magic, version
 * 1/2/3, the header dict, and that the data that follows is exactly
 * product(shape)·itemsize bytes. ECORRUPT for a damaged file, EUNSUPPORTED
 * for a valid array we do not handle (other dtypes, ranks, empty arrays).
 */
convtool_status npy_parse_header(const unsigned char *bytes, size_t len, npy_header *hdr);

/*
 * The same for a file of file_len bytes of which only the first len are in
 * memory (at least the whole header: else ECORRUPT): the strip reader's probe.
 */
convtool_status npy_parse_header_of(const unsigned char *bytes, size_t len, uint64_t file_len,
                                    npy_header *hdr);

/* n elements of a C-order array's data at src, in the file's dtype and byte order, to float32. */
void npy_load_elems(const unsigned char *src, const npy_header *hdr, float *dst, size_t n);

/* Decodes the array of a file whose header npy_parse_header accepted into a new
 * C×H×W float32 tensor ((H,W) and (W,) give C = 1, (N,C,H,W) gives N·C). Caller frees t. */
convtool_status npy_decode(const unsigned char *bytes, const npy_header *hdr, convtool_tensor *t);

/* Appends a float32 little-endian v1.0 .npy of t: shape (H,W) if rank == 2 and C == 1,
 * (batch, C/batch, H, W) if rank == 4, else (C,H,W). */
convtool_status npy_encode(const convtool_tensor *t, int rank, int batch, convtool_buffer *out);

/* Appends the header npy_encode writes for a c×h×w tensor (rank and batch as there). */
convtool_status npy_encode_header(int c, int h, int w, int rank, int batch,
                                  convtool_buffer *out);

/* n floats as npy_encode stores them (float32 little-endian) into dst (4·n bytes). */
void npy_store_f32(const float *v, size_t n, unsigned char *dst);

#endif /* CONVTOOL_NPY_H */
