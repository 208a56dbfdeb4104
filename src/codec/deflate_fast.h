/*
 * Internal: a fast raw-deflate encoder (RFC 1951) for PNG's fast levels.
 *
 * It finds no general matches, only repeats of the byte `dist` bytes back
 * (runs of the previous byte for dist 1), and spends its time on good
 * Huffman codes instead: each block gets its own length-limited canonical
 * codes, or fixed codes or a stored copy when those are smaller. That is
 * where nearly all of the gain lies for filtered photographs, and it runs
 * several times faster than zlib's Z_RLE and Z_HUFFMAN_ONLY strategies.
 */
#ifndef CONVTOOL_DEFLATE_FAST_H
#define CONVTOOL_DEFLATE_FAST_H

#include <stddef.h>

#include "convtool/convtool.h"

/* The most bytes of history a strip needs before it: deflate's window. */
#define DEFLATE_FAST_WINDOW ((size_t)32768)

/* The biggest block_bytes: the encoder counts a block's symbols in 32 bits. */
#define DEFLATE_FAST_MAX_BLOCK ((size_t)1 << 24)

typedef struct deflate_fast_params {
    size_t block_bytes; /* input bytes per block, 1 .. DEFLATE_FAST_MAX_BLOCK */
    unsigned dist;      /* repeats sought at this distance (1..32768); 0: literals only */
} deflate_fast_params;

/*
 * Raw-deflates data[0, len) into out[0, room) and sets *written to the bytes
 * written. The `dict` bytes before data (data[-dict, 0)) are history that
 * matches may reach into: the caller joins several such strips into one
 * stream, so a run may continue the byte before data[0]. The output ends
 * byte-aligned: after an empty non-final stored block (a zlib sync flush)
 * unless `last`, when the last block is the final one. Never writes past
 * room: CONVTOOL_EOVERFLOW when the output would not fit (the contents of
 * out are then unspecified); CONVTOOL_EINVAL for bad params; ENOMEM.
 *
 * No block is bigger than a stored copy of its bytes (5 bytes more per
 * 65535), and blocks are at least min(block_bytes, 16384) bytes but the
 * last, so out never needs more than len + 5·⌈len/65535⌉ + 5·blocks + 6.
 */
convtool_status deflate_fast(const deflate_fast_params *p, const unsigned char *data, size_t dict,
                             size_t len, int last, unsigned char *out, size_t room,
                             size_t *written);

#endif /* CONVTOOL_DEFLATE_FAST_H */
