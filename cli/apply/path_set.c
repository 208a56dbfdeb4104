/*
 * A string set by open addressing (linear probing, load ≤ 1/2), so checking
 * the output names of thousands of inputs for collisions stays linear.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apply/batch.h"

static uint64_t hash_string(const char *s)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211u;
    }
    return h;
}

int path_set_init(struct path_set *s, size_t expected)
{
    size_t cap = 16;
    while (cap / 2 < expected) {
        if (cap > SIZE_MAX / 2 / sizeof *s->slots)
            return -1;
        cap *= 2;
    }
    s->slots = calloc(cap, sizeof *s->slots);
    s->cap = cap;
    s->count = 0;
    return s->slots ? 0 : -1;
}

/* Where path is, or the empty slot where it would go. */
static size_t find_slot(const struct path_set *s, const char *path)
{
    size_t i = (size_t)hash_string(path) & (s->cap - 1);
    while (s->slots[i] && strcmp(s->slots[i], path) != 0)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int grow(struct path_set *s)
{
    struct path_set bigger;
    if (s->cap > SIZE_MAX / 2 / sizeof *s->slots)
        return -1;
    if (path_set_init(&bigger, s->cap) != 0)
        return -1;
    for (size_t i = 0; i < s->cap; i++) {
        if (s->slots[i])
            bigger.slots[find_slot(&bigger, s->slots[i])] = s->slots[i];
    }
    bigger.count = s->count;
    free(s->slots);
    *s = bigger;
    return 0;
}

int path_set_add(struct path_set *s, const char *path)
{
    if ((s->count + 1) * 2 > s->cap && grow(s) != 0)
        return -1;
    size_t i = find_slot(s, path);
    if (s->slots[i])
        return 0;
    s->slots[i] = path;
    s->count++;
    return 1;
}

void path_set_free(struct path_set *s)
{
    free(s->slots);
    s->slots = NULL;
    s->cap = s->count = 0;
}
