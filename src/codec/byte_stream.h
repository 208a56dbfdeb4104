/*
 * Internal: the two callbacks the streaming codecs speak. A decoder pulls its
 * compressed input through a byte_pull_fn and hands rows to its caller; an
 * encoder takes rows and pushes its file out through a byte_push_fn. Neither
 * side ever needs the whole file or the whole image in memory.
 */
#ifndef CONVTOOL_BYTE_STREAM_H
#define CONVTOOL_BYTE_STREAM_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Fills dst with up to n (≥ 1) bytes of input: returns how many (≥ 1), 0 at
 * the end of the input, or −1 when it cannot be read (the decoder then fails
 * with CONVTOOL_EIO).
 */
typedef ssize_t (*byte_pull_fn)(void *ctx, unsigned char *dst, size_t n);

/* Takes the next n bytes of output: 0 on success, −1 on failure (the encoder then stops with CONVTOOL_EIO). */
typedef int (*byte_push_fn)(void *ctx, const unsigned char *src, size_t n);

#endif
