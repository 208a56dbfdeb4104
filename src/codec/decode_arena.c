/* The budgeted bump allocator behind stb (see decode_arena.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "codec/decode_arena.h"

/* Every block starts with its size, so realloc knows how much to copy. */
#define HEADER 16
#define ALIGN 16
#define MIN_RESERVE ((size_t)16 << 20)
#define HUGE_RESERVE ((size_t)8 << 20)
/* Up to this much of a used arena is zeroed and kept between decodes; more is given back. */
#define KEEP_RESIDENT ((size_t)4 << 20)

/* Per thread: batch workers decode in parallel when the sandbox is off. */
static _Thread_local struct decode_arena *current;

/*
 * Address space for up to *cap bytes. Under an address-space limit (ulimit -v)
 * the whole cap may not fit: less is reserved, and the budget shrinks to it.
 */
static void *reserve(size_t *cap)
{
    for (;;) {
        void *p = mmap(NULL, *cap, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED || *cap <= MIN_RESERVE)
            return p;
        *cap /= 2;
    }
}

int decode_arena_open(struct decode_arena *a, size_t cap, void *out, size_t out_size)
{
    memset(a, 0, sizeof *a);
    a->out = out;
    a->out_size = out_size;
    a->cap = cap < ALIGN ? ALIGN : cap;
    void *p = reserve(&a->cap);
    if (p == MAP_FAILED) {
        a->failed = 1;
        a->base = NULL;
        return -1;
    }
#ifdef MADV_HUGEPAGE
    /* stb touches its big buffers once: 2 MiB pages save most of the page faults. */
    if (a->cap >= HUGE_RESERVE)
        madvise(p, a->cap, MADV_HUGEPAGE);
#endif
    a->base = p;
    a->reserved = a->cap;
    return 0;
}

void decode_arena_close(struct decode_arena *a)
{
    if (a->base)
        munmap(a->base, a->reserved);
    if (current == a)
        current = NULL;
    a->base = NULL;
}

int decode_arena_reset(struct decode_arena *a, size_t cap)
{
    if (!a->base || cap > a->reserved) {
        decode_arena_close(a);
        return decode_arena_open(a, cap, NULL, 0);
    }
    size_t used = a->used, reserved = a->reserved;
    unsigned char *base = a->base;
    if (used <= KEEP_RESIDENT)
        memset(base, 0, used);
    else if (madvise(base, used, MADV_DONTNEED) != 0)
        memset(base, 0, used);
    memset(a, 0, sizeof *a);
    a->base = base;
    a->reserved = reserved;
    a->cap = cap < ALIGN ? ALIGN : cap;
    return 0;
}

void decode_arena_trim(struct decode_arena *a)
{
    if (a->base && a->used > KEEP_RESIDENT && madvise(a->base, a->used, MADV_DONTNEED) == 0)
        a->used = 0; /* zero again when touched: nothing left to clear */
}

void decode_arena_use(struct decode_arena *a)
{
    current = a;
}

static size_t block_size(const void *p)
{
    size_t n;
    memcpy(&n, (const unsigned char *)p - HEADER, sizeof n);
    return n;
}

static void *bump(struct decode_arena *a, size_t size)
{
    size_t need = HEADER + (size + ALIGN - 1) / ALIGN * ALIGN;
    if (size > a->cap || need > a->cap - a->used) {
        a->refused = 1;
        return NULL;
    }
    unsigned char *p = a->base + a->used + HEADER;
    memcpy(p - HEADER, &size, sizeof size);
    a->used += need;
    a->last = p;
    a->last_size = size;
    return p;
}

void *decode_arena_malloc(size_t size)
{
    struct decode_arena *a = current;
    if (!a)
        return malloc(size);
    if (!a->base)
        return NULL;
    if (a->out && size == a->out_size && !a->out_busy) {
        a->out_busy = 1;
        return a->out;
    }
    return bump(a, size);
}

/* The latest block grows in place: stb's IDAT and inflate buffers double that way. */
static int grow_last(struct decode_arena *a, unsigned char *p, size_t size)
{
    if (p != a->last)
        return 0;
    size_t start = (size_t)(p - a->base) - HEADER;
    size_t need = HEADER + (size + ALIGN - 1) / ALIGN * ALIGN;
    if (size > a->cap || need > a->cap - start)
        return 0;
    a->used = start + need;
    a->last_size = size;
    memcpy(p - HEADER, &size, sizeof size);
    return 1;
}

void *decode_arena_realloc(void *old, size_t size)
{
    struct decode_arena *a = current;
    if (!a)
        return realloc(old, size);
    if (!old)
        return decode_arena_malloc(size);
    if (!a->base)
        return NULL;
    if (old != a->out && grow_last(a, old, size))
        return old;
    size_t old_size = old == a->out ? a->out_size : block_size(old);
    if (old == a->out && size == old_size)
        return old;
    void *p = decode_arena_malloc(size);
    if (p) {
        memcpy(p, old, old_size < size ? old_size : size);
        decode_arena_free(old);
    }
    return p;
}

void decode_arena_free(void *p)
{
    struct decode_arena *a = current;
    if (!a) {
        free(p);
        return;
    }
    if (!p)
        return;
    /* The caller's buffer may be handed out again: clear it so stb never reads old pixels. */
    if (p == a->out && a->out_busy) {
        a->out_busy = 0;
        memset(a->out, 0, a->out_size);
    }
    /* Arena blocks are not reused: the arena goes away whole after the decode. */
}
