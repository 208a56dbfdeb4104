/*
 * --shard I/N: which inputs this run takes. The choice hashes the input's
 * (first) output name relative to DIR, not its position in the list or the
 * input path as written, so machines whose lists differ in order, or that
 * mount the data elsewhere, still split the work exactly with no
 * coordination: every output name belongs to exactly one of the N shards.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apply/batch.h"
#include "common/numparse.h"

#define MAX_SHARDS 1000000L

int shard_parse(const char *text, int *index, int *count, const char **why)
{
    const char *slash = strchr(text, '/');
    char head[32];
    int i, n;
    if (!slash || (size_t)(slash - text) >= sizeof head) {
        *why = "expected I/N, e.g. 0/4 (I counts from 0)";
        return -1;
    }
    memcpy(head, text, (size_t)(slash - text));
    head[slash - text] = '\0';
    if (parse_int_range(slash + 1, 1, MAX_SHARDS, &n, why) != 0)
        return -1;
    if (parse_int_range(head, 0, MAX_SHARDS - 1, &i, why) != 0)
        return -1;
    if (i >= n) {
        *why = "I must be below N (shards count from 0: 0/4 .. 3/4)";
        return -1;
    }
    *index = i;
    *count = n;
    return 0;
}

/* FNV-1a, then a splitmix64 finaliser so that every bit (and so h % N) is well mixed. */
static uint64_t stable_hash(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211u;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebu;
    h ^= h >> 31;
    return h;
}

int shard_owns(const char *name, int index, int count)
{
    return count <= 1 || stable_hash(name) % (uint64_t)count == (uint64_t)index;
}
