/*
 * The budgeted allocator stb decodes with (stb_codec.c routes STBI_MALLOC,
 * STBI_REALLOC and STBI_FREE here). A bump arena in one private mapping of at
 * most `cap` bytes: an allocation past the cap fails cleanly (stb then gives
 * up) and is remembered, so the caller reports "over the memory limit", not
 * "corrupt". Memory comes from fresh zero pages and is never reused, so stb
 * never sees stale bytes. No malloc: the arena works the same in the
 * contained child process, where only mmap-family syscalls are allowed.
 *
 * The one allocation of exactly `out_size` bytes (stb allocates the image it
 * returns at exactly its final size) is served from `out` instead, a buffer
 * the caller provides (or none: NULL), so the pixels usually need no copy.
 */
#ifndef CONVTOOL_DECODE_ARENA_H
#define CONVTOOL_DECODE_ARENA_H

#include <stddef.h>

struct decode_arena {
    unsigned char *base;
    size_t cap, used;
    size_t reserved; /* the mapping's size; cap is the budget within it */
    unsigned char *last; /* the latest allocation, which may grow in place */
    size_t last_size;
    unsigned char *out; /* the caller's buffer for the result */
    size_t out_size;
    int out_busy;
    int refused; /* an allocation went past the cap */
    int failed;  /* the mapping itself could not be made */
};

/* Maps the arena's address space (pages are committed as they are touched). 0 on success. */
int decode_arena_open(struct decode_arena *a, size_t cap, void *out, size_t out_size);
void decode_arena_close(struct decode_arena *a);
/*
 * For the next decode with a budget of cap bytes, as open() would make it
 * (no caller's buffer): the mapping is kept when cap fits in it, its used
 * pages zeroed in place (small decodes: no new page faults) or given back
 * (madvise, zero again when touched), so a decode never sees stale bytes.
 * 0 on success; a failure leaves the arena as open() leaves it.
 */
int decode_arena_reset(struct decode_arena *a, size_t cap);
/*
 * Gives a large used part back to the system now, without writing to it
 * (madvise): for a result sent by reference (vmsplice), whose pages the pipe
 * holds until they are read, so that an idle worker keeps no decode's memory.
 */
void decode_arena_trim(struct decode_arena *a);

/* Sets the arena of this thread's stb calls (NULL: none; plain malloc, for tests). */
void decode_arena_use(struct decode_arena *a);

void *decode_arena_malloc(size_t size);
void *decode_arena_realloc(void *p, size_t size);
void decode_arena_free(void *p);

#endif
