/* Reading a contained decoder's rows ahead (see row_prefetch.h). */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/row_prefetch.h"
#include "sandbox/sandbox_worker.h"

/* Pieces read ahead: up to 8 (2 MiB of ~256 KiB pieces: the worker never waits), fewer
 * of very wide rows (a piece is at least a row), never under 2. */
#define RING 8
#define RING_BYTES ((size_t)2 << 20)

struct slot {
    unsigned char *rows;
    int count;          /* rows in it; 0 for the verdict */
    convtool_status st; /* the piece's word, or the stream's failure */
};

struct row_prefetch {
    struct sandbox_stream *s;
    int height, piece_rows;
    size_t row_bytes;
    struct slot ring[RING];
    int slots;        /* of ring in use */
    int head, filled; /* the oldest slot not consumed, and how many are */
    int used;         /* rows of the head slot already consumed */
    int stop, ended;
    pthread_mutex_t lock;
    pthread_cond_t more, room;
    pthread_t thread;
};

/* Reads the next piece into slot; returns whether the thread goes on. */
static int read_piece(struct row_prefetch *p, struct slot *slot, int *produced)
{
    int32_t word;
    convtool_status st = sandbox_stream_read(p->s, &word, sizeof word);
    if (st == CONVTOOL_OK)
        st = word < 0 || word > CONVTOOL_ESCANS ? CONVTOOL_EHOSTILE : (convtool_status)word;
    int count = 0;
    if (st == CONVTOOL_OK && *produced < p->height) {
        count = p->height - *produced < p->piece_rows ? p->height - *produced : p->piece_rows;
        st = sandbox_stream_read(p->s, slot->rows, (size_t)count * p->row_bytes);
    }
    slot->st = st, slot->count = count;
    *produced += count;
    return st == CONVTOOL_OK && count > 0;
}

static void *run(void *arg)
{
    struct row_prefetch *p = arg;
    int produced = 0, more = 1;
    while (more) {
        pthread_mutex_lock(&p->lock);
        while (p->filled == p->slots && !p->stop)
            pthread_cond_wait(&p->room, &p->lock);
        int stop = p->stop;
        struct slot *slot = &p->ring[(p->head + p->filled) % p->slots];
        pthread_mutex_unlock(&p->lock);
        if (stop)
            break;
        more = read_piece(p, slot, &produced);
        pthread_mutex_lock(&p->lock);
        p->filled++;
        pthread_cond_signal(&p->more);
        pthread_mutex_unlock(&p->lock);
    }
    pthread_mutex_lock(&p->lock);
    p->ended = 1;
    pthread_cond_broadcast(&p->more);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void free_ring(struct row_prefetch *p)
{
    for (int i = 0; i < RING; i++)
        free(p->ring[i].rows);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->more);
    pthread_cond_destroy(&p->room);
    free(p);
}

convtool_status row_prefetch_start(struct sandbox_stream *s, int height, int piece_rows,
                                   size_t row_bytes, struct row_prefetch **out)
{
    *out = NULL;
    struct row_prefetch *p = calloc(1, sizeof *p);
    if (!p)
        return CONVTOOL_ENOMEM;
    *p = (struct row_prefetch){.s = s, .height = height, .piece_rows = piece_rows,
                               .row_bytes = row_bytes};
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->more, NULL);
    pthread_cond_init(&p->room, NULL);
    size_t piece = (size_t)piece_rows * row_bytes;
    p->slots = piece && RING_BYTES / piece < RING ? (int)(RING_BYTES / piece) : RING;
    p->slots = p->slots < 2 ? 2 : p->slots;
    for (int i = 0; i < p->slots; i++)
        if (!(p->ring[i].rows = malloc(piece))) {
            free_ring(p);
            return CONVTOOL_ENOMEM;
        }
    /* The thread takes no signals: they are the program's main thread's. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int failed = pthread_create(&p->thread, NULL, run, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (failed) {
        free_ring(p);
        return CONVTOOL_ENOMEM;
    }
    *out = p;
    return CONVTOOL_OK;
}

/* The head slot once there is one (NULL: the thread ended without it). */
static struct slot *head_slot(struct row_prefetch *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->filled == 0 && !p->ended)
        pthread_cond_wait(&p->more, &p->lock);
    struct slot *slot = p->filled ? &p->ring[p->head] : NULL;
    pthread_mutex_unlock(&p->lock);
    return slot;
}

static void pop(struct row_prefetch *p)
{
    pthread_mutex_lock(&p->lock);
    p->head = (p->head + 1) % p->slots;
    p->filled--;
    p->used = 0;
    pthread_cond_signal(&p->room);
    pthread_mutex_unlock(&p->lock);
}

convtool_status row_prefetch_rows(struct row_prefetch *p, unsigned char *dst, int rows)
{
    while (rows > 0) {
        struct slot *slot = head_slot(p);
        if (!slot)
            return CONVTOOL_EHOSTILE;
        if (slot->st != CONVTOOL_OK)
            return slot->st;
        if (slot->count == 0)
            return CONVTOOL_EINVAL; /* the verdict, where rows were expected */
        int n = slot->count - p->used < rows ? slot->count - p->used : rows;
        memcpy(dst, slot->rows + (size_t)p->used * p->row_bytes, (size_t)n * p->row_bytes);
        dst += (size_t)n * p->row_bytes;
        rows -= n;
        p->used += n;
        if (p->used == slot->count)
            pop(p);
    }
    return CONVTOOL_OK;
}

convtool_status row_prefetch_verdict(struct row_prefetch *p)
{
    struct slot *slot = head_slot(p);
    if (!slot)
        return CONVTOOL_EHOSTILE;
    if (slot->st == CONVTOOL_OK && slot->count != 0)
        return CONVTOOL_EINVAL; /* rows left */
    return slot->st;
}

void row_prefetch_stop(struct row_prefetch *p, int done)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->room);
    int ended = p->ended;
    pthread_mutex_unlock(&p->lock);
    if (!done && !ended)
        sandbox_stream_cancel(p->s); /* a read waiting on the worker returns now */
    pthread_join(p->thread, NULL);
    free_ring(p);
}
