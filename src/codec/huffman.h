/* Huffman codes as deflate (RFC 1951) wants them, for deflate_fast.c. */
#ifndef CONVTOOL_HUFFMAN_H
#define CONVTOOL_HUFFMAN_H

#include <stdint.h>

#define HUFFMAN_MAX_BITS 15  /* deflate's longest code */
#define HUFFMAN_MAX_SYMS 288 /* deflate's biggest alphabet (literals and lengths) */

/*
 * Code lengths of at most maxbits (≤ HUFFMAN_MAX_BITS) for the frequencies
 * freq[0, n), n ≤ HUFFMAN_MAX_SYMS; unused symbols get 0. At least two symbols
 * always get a length, so every code is complete, which every inflater
 * accepts (RFC 1951 leaves a one-symbol code unclear).
 */
void huffman_lengths(const uint32_t *freq, unsigned n, unsigned maxbits, uint8_t *len);

/* The canonical codes of RFC 1951 3.2.2 for len[0, n), bit-reversed for an LSB-first writer. */
void huffman_codes(const uint8_t *len, uint16_t *bits, unsigned n);

#endif
