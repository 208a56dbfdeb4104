/*
 * Length-limited Huffman codes for the deflate encoder (huffman.h): a
 * two-queue Huffman tree over the sorted frequencies, depths capped by moving
 * leaves down until the code is complete again, then RFC 1951's canonical
 * codes.
 */
#include <stdlib.h>

#include "codec/huffman.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Caps the lengths in count[] at maxbits, then lengthens codes until the code is complete. */
static void limit_lengths(unsigned *count, unsigned deepest, unsigned maxbits)
{
    for (unsigned b = maxbits + 1; b <= deepest; b++) {
        count[maxbits] += count[b];
        count[b] = 0;
    }
    long over = -(1L << maxbits);
    for (unsigned b = 1; b <= maxbits; b++)
        over += (long)count[b] << (maxbits - b);
    /* Each step turns a shorter leaf into a node over it and one leaf from the deepest level. */
    for (; over > 0; over--) {
        unsigned b = maxbits - 1;
        while (count[b] == 0)
            b--;
        count[b]--;
        count[b + 1] += 2;
        count[maxbits]--;
    }
}

void huffman_lengths(const uint32_t *freq, unsigned n, unsigned maxbits, uint8_t *len)
{
    uint64_t leaf[HUFFMAN_MAX_SYMS], weight[2 * HUFFMAN_MAX_SYMS];
    unsigned parent[2 * HUFFMAN_MAX_SYMS], depth[2 * HUFFMAN_MAX_SYMS],
        count[2 * HUFFMAN_MAX_SYMS] = {0};
    unsigned m = 0;
    for (unsigned s = 0; s < n; s++) {
        len[s] = 0;
        if (freq[s])
            leaf[m++] = (uint64_t)freq[s] << 16 | s;
    }
    if (m < 2) {
        unsigned a = m ? (unsigned)(leaf[0] & 0xffff) : 0;
        len[a] = len[a ? 0 : 1] = 1;
        return;
    }
    qsort(leaf, m, sizeof *leaf, cmp_u64);
    for (unsigned i = 0; i < m; i++)
        weight[i] = leaf[i] >> 16;
    /* Two queues, both in increasing weight: the sorted leaves and the nodes made so far. */
    unsigned li = 0, ni = m, next = m;
    for (; next < 2 * m - 1; next++) {
        unsigned pick[2];
        for (int k = 0; k < 2; k++)
            pick[k] = li < m && (ni >= next || weight[li] <= weight[ni]) ? li++ : ni++;
        weight[next] = weight[pick[0]] + weight[pick[1]];
        parent[pick[0]] = parent[pick[1]] = next;
    }
    depth[2 * m - 2] = 0;
    unsigned deepest = 0;
    for (unsigned i = 2 * m - 2; i-- > 0;) {
        depth[i] = depth[parent[i]] + 1;
        if (i < m) {
            count[depth[i]]++;
            deepest = depth[i] > deepest ? depth[i] : deepest;
        }
    }
    limit_lengths(count, deepest, maxbits);
    unsigned i = 0; /* the rarest symbols get the longest codes */
    for (unsigned b = maxbits; b >= 1; b--)
        for (unsigned k = 0; k < count[b]; k++)
            len[leaf[i++] & 0xffff] = (uint8_t)b;
}

void huffman_codes(const uint8_t *len, uint16_t *bits, unsigned n)
{
    unsigned count[HUFFMAN_MAX_BITS + 1] = {0}, next[HUFFMAN_MAX_BITS + 1];
    for (unsigned s = 0; s < n; s++)
        count[len[s]]++;
    count[0] = 0;
    unsigned code = 0;
    for (unsigned b = 1; b <= HUFFMAN_MAX_BITS; b++) {
        code = (code + count[b - 1]) << 1;
        next[b] = code;
    }
    for (unsigned s = 0; s < n; s++) {
        unsigned b = len[s], v = b ? next[b]++ : 0, r = 0;
        for (unsigned k = 0; k < b; k++, v >>= 1)
            r = r << 1 | (v & 1);
        bits[s] = (uint16_t)r;
    }
}
