/* The pending-event list: an implicit d-ary min-heap of compact entries over a pool of slots.
 *
 * Invariants:
 *  - heap[0..n) is a d-ary min-heap under (time, key), key = prio << 56 | seq. seq is unique
 *    per pending event (it only grows until clear), so the order is total and ties never
 *    depend on heap shape.
 *  - heap[i].slot names the pool slot holding the payload, and pos[heap[i].slot] == i.
 *    A slot not pending has pos == NOT_PENDING and sits on the free list (next_free links).
 *  - slots[s].ev.time/prio/seq always equal the heap entry's (peek returns &slots[s].ev).
 *  - A handle is (gen << 32) | (slot + 1); a slot's gen is bumped each time it is freed (pop,
 *    cancel, clear), so an old handle never matches a recycled slot (until 2^32 reuses).
 *  - heap, pos and slots all have cap entries; cap only grows (doubling, up to max_cap).
 *
 * Why this layout: the heap moves only 24-byte {time, key, slot} entries; the 56-byte payload
 * never moves, and the position index for cancellation is a separate dense uint32 array so
 * that sifting touches as little memory as possible.
 *
 * Measured with bench/bench_hold (Release, gcc 12 -O3, one core of the 2-core AMD EPYC VM,
 * median of 7 runs, million hold ops/s; "plain" is the bench's bare binary heap of doubles):
 *
 *      N      binary (a)  4-ary (a)  binary (b)  4-ary (b)   plain
 *      10^2      13.3       13.3       13.8       15.2        19.1
 *      10^3       9.7        9.4       11.2       12.3        14.1
 *      10^4       7.2        7.0        8.0        8.9        11.2
 *      10^5        -          -         4.9        5.8         8.8
 *      10^6        -          -         1.2        1.7         5.9
 *   (a) double time + key compared with && / ||, top-down sift (5 runs, --quick);
 *   (b) as now: time mapped to an order-preserving uint64 so that (time, key) is a single
 *       128-bit compare, bottom-up sift-down with branch-free child selection.
 * A branch-free (a) without the 128-bit key was slower (10.7 / 8.4 / 6.3). The 4-ary heap
 * (b) wins at every size, more so as N grows (half the depth, children adjacent), so
 * CS_EVLIST_ARITY is 4. This VM has slow branches: even the plain heap of doubles does only
 * 14 Mops/s at 10^3, so the 20 Mops/s target is out of reach here. At 10^6 the scattered
 * writes to pos[] and the payload reads cost most; lazy cancellation (no index array) would
 * be the next thing to try if such sizes matter. */
#include "cssim/evlist.h"
#include "cssim/status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef CS_EVLIST_ARITY
#define CS_EVLIST_ARITY 4
#endif

#define NOT_PENDING UINT32_MAX
#define NO_SLOT     UINT32_MAX
#define SEQ_BITS    56
#define SEQ_MASK    ((UINT64_C(1) << SEQ_BITS) - 1)
/* Slots are uint32 indices and handle low words are slot + 1; keep clear of both sentinels. */
#define HARD_MAX_CAPACITY ((size_t)UINT32_MAX - 2)

typedef struct heap_entry {
    uint64_t time; /* order-preserving image of the double time (time_key) */
    uint64_t key;  /* prio << 56 | seq */
    uint32_t slot;
} heap_entry;

typedef struct slot {
    cs_event ev;
    uint32_t gen;
    uint32_t next_free;
} slot;

struct cs_evlist {
    heap_entry *heap;
    uint32_t *pos;
    slot *slots;
    size_t n;   /* pending events */
    size_t cap; /* entries in heap, pos and slots */
    size_t max_cap;
    uint32_t free_head;
    uint64_t seq;
};

/* Bitwise rather than short-circuit operators: the comparison compiles to flag arithmetic with
 * no branch, which lets the child selection in sift_down use conditional moves. */
__extension__ typedef unsigned __int128 u128;

static inline int entry_less(const heap_entry *a, const heap_entry *b)
{
    u128 x = (u128)a->time << 64 | a->key, y = (u128)b->time << 64 | b->key;
    return x < y;
}

/* Maps a non-NaN double to a uint64 with the same order (-0.0 counts as 0.0). */
static inline uint64_t time_key(double t)
{
    uint64_t b;
    t += 0.0;
    memcpy(&b, &t, sizeof b);
    return b >> 63 ? ~b : b | UINT64_C(1) << 63;
}

/* Branch-free select: i when !take, j when take. */
static inline size_t pick(size_t i, size_t j, int take)
{
    return i ^ ((i ^ j) & ((size_t)0 - (size_t)take));
}

static void sift_up(cs_evlist *l, size_t i, heap_entry x)
{
    heap_entry *h = l->heap;
    uint32_t *pos = l->pos;
    while (i > 0) {
        size_t p = (i - 1) / CS_EVLIST_ARITY;
        if (!entry_less(&x, &h[p])) break;
        h[i] = h[p];
        pos[h[i].slot] = (uint32_t)i;
        i = p;
    }
    h[i] = x;
    pos[x.slot] = (uint32_t)i;
}

/* Places x, which belongs at or below the hole i. Bottom-up (Floyd/Wegener): move the hole
 * down along the smallest children to a leaf, then sift x up from there. The element moved
 * into a hole is usually a late one (the old last leaf), so the sift-up is short, and the
 * descent has no data-dependent exit branch. */
static void sift_down(cs_evlist *l, size_t i, heap_entry x)
{
    heap_entry *h = l->heap;
    uint32_t *pos = l->pos;
    size_t n = l->n;
    size_t c;
    while ((c = CS_EVLIST_ARITY * i + 1) + CS_EVLIST_ARITY <= n) {
#if CS_EVLIST_ARITY == 4
        size_t b01 = pick(c, c + 1, entry_less(&h[c + 1], &h[c]));
        size_t b23 = pick(c + 2, c + 3, entry_less(&h[c + 3], &h[c + 2]));
        size_t best = pick(b01, b23, entry_less(&h[b23], &h[b01]));
#elif CS_EVLIST_ARITY == 2
        size_t best = pick(c, c + 1, entry_less(&h[c + 1], &h[c]));
#else
        size_t best = c;
        for (size_t k = c + 1; k < c + CS_EVLIST_ARITY; k++)
            best = pick(best, k, entry_less(&h[k], &h[best]));
#endif
        h[i] = h[best];
        pos[h[i].slot] = (uint32_t)i;
        i = best;
    }
    if (c < n) { /* the one node with fewer than ARITY children */
        size_t best = c;
        for (size_t k = c + 1; k < n; k++)
            best = pick(best, k, entry_less(&h[k], &h[best]));
        h[i] = h[best];
        pos[h[i].slot] = (uint32_t)i;
        i = best;
    }
    sift_up(l, i, x);
}

/* Puts entry x, currently at heap position i, where it belongs. */
static void sift(cs_evlist *l, size_t i, heap_entry x)
{
    if (i > 0 && entry_less(&x, &l->heap[(i - 1) / CS_EVLIST_ARITY]))
        sift_up(l, i, x);
    else
        sift_down(l, i, x);
}

/* Chains slots [from, to) onto the front of the free list, lowest index first. */
static void free_range(cs_evlist *l, size_t from, size_t to)
{
    for (size_t s = to; s-- > from;) {
        l->pos[s] = NOT_PENDING;
        l->slots[s].next_free = l->free_head;
        l->free_head = (uint32_t)s;
    }
}

static int grow(cs_evlist *l)
{
    size_t limit = l->max_cap ? l->max_cap : HARD_MAX_CAPACITY;
    if (l->cap >= limit) return CS_ECAPACITY;
    size_t cap = l->cap ? 2 * l->cap : 16;
    if (cap > limit) cap = limit;
    /* Each array is committed as soon as it is reallocated, so a failure part-way leaves the
     * list consistent (some arrays merely larger than cap). */
    heap_entry *heap = realloc(l->heap, cap * sizeof *heap);
    if (!heap) return CS_ENOMEM;
    l->heap = heap;
    uint32_t *pos = realloc(l->pos, cap * sizeof *pos);
    if (!pos) return CS_ENOMEM;
    l->pos = pos;
    slot *slots = realloc(l->slots, cap * sizeof *slots);
    if (!slots) return CS_ENOMEM;
    l->slots = slots;
    for (size_t s = l->cap; s < cap; s++)
        l->slots[s].gen = 1;
    free_range(l, l->cap, cap);
    l->cap = cap;
    return CS_OK;
}

cs_evlist *cs_evlist_create(size_t initial_capacity, size_t max_capacity)
{
    cs_evlist *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    if (max_capacity > HARD_MAX_CAPACITY) max_capacity = HARD_MAX_CAPACITY;
    l->max_cap = max_capacity;
    l->free_head = NO_SLOT;
    if (max_capacity && initial_capacity > max_capacity) initial_capacity = max_capacity;
    if (initial_capacity > HARD_MAX_CAPACITY) initial_capacity = HARD_MAX_CAPACITY;
    if (initial_capacity) {
        l->heap = malloc(initial_capacity * sizeof *l->heap);
        l->pos = malloc(initial_capacity * sizeof *l->pos);
        l->slots = malloc(initial_capacity * sizeof *l->slots);
        if (!l->heap || !l->pos || !l->slots) {
            cs_evlist_destroy(l);
            return NULL;
        }
        for (size_t s = 0; s < initial_capacity; s++)
            l->slots[s].gen = 1;
        free_range(l, 0, initial_capacity);
        l->cap = initial_capacity;
    }
    return l;
}

void cs_evlist_destroy(cs_evlist *l)
{
    if (!l) return;
    free(l->heap);
    free(l->pos);
    free(l->slots);
    free(l);
}

void cs_evlist_clear(cs_evlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        l->slots[l->heap[i].slot].gen++;
    l->free_head = NO_SLOT;
    free_range(l, 0, l->cap);
    l->n = 0;
    l->seq = 0;
}

int cs_evlist_push(cs_evlist *l, const cs_event *ev, cs_evhandle *h)
{
    if (isnan(ev->time) || ev->prio >= 256) return CS_EINVAL;
    if (l->free_head == NO_SLOT) {
        int rc = grow(l);
        if (rc != CS_OK) return rc;
    }
    uint32_t s = l->free_head;
    slot *sl = &l->slots[s];
    l->free_head = sl->next_free;
    uint32_t gen = sl->gen;
    sl->ev = *ev;
    sl->ev.seq = l->seq++ & SEQ_MASK;
    heap_entry x = {time_key(ev->time), (uint64_t)ev->prio << SEQ_BITS | sl->ev.seq, s};
    size_t i = l->n++;
    sift_up(l, i, x);
    if (h) *h = (uint64_t)gen << 32 | ((uint64_t)s + 1);
    return CS_OK;
}

/* Detaches the entry at heap position i and frees its slot. */
static void remove_at(cs_evlist *l, size_t i)
{
    uint32_t s = l->heap[i].slot;
    slot *sl = &l->slots[s];
    sl->gen++;
    sl->next_free = l->free_head;
    l->free_head = s;
    l->pos[s] = NOT_PENDING;
    size_t last = --l->n;
    if (i != last) sift(l, i, l->heap[last]);
}

int cs_evlist_pop(cs_evlist *l, cs_event *out)
{
    if (l->n == 0) return CS_ENOTFOUND;
    *out = l->slots[l->heap[0].slot].ev;
    remove_at(l, 0);
    return CS_OK;
}

const cs_event *cs_evlist_peek(const cs_evlist *l)
{
    return l->n ? &l->slots[l->heap[0].slot].ev : NULL;
}

/* The slot named by a pending handle, or NO_SLOT. */
static uint32_t lookup(const cs_evlist *l, cs_evhandle h)
{
    uint64_t low = h & 0xffffffffu;
    if (low == 0 || low > l->cap) return NO_SLOT;
    uint32_t s = (uint32_t)(low - 1);
    if (l->slots[s].gen != (uint32_t)(h >> 32) || l->pos[s] == NOT_PENDING) return NO_SLOT;
    return s;
}

int cs_evlist_cancel(cs_evlist *l, cs_evhandle h)
{
    uint32_t s = lookup(l, h);
    if (s == NO_SLOT) return CS_ESTALE;
    remove_at(l, l->pos[s]);
    return CS_OK;
}

int cs_evlist_reschedule(cs_evlist *l, cs_evhandle h, double new_time)
{
    if (isnan(new_time)) return CS_EINVAL;
    uint32_t s = lookup(l, h);
    if (s == NO_SLOT) return CS_ESTALE;
    cs_event *ev = &l->slots[s].ev;
    ev->time = new_time;
    ev->seq = l->seq++ & SEQ_MASK;
    heap_entry x = {time_key(new_time), (uint64_t)ev->prio << SEQ_BITS | ev->seq, s};
    sift(l, l->pos[s], x);
    return CS_OK;
}

int cs_evlist_pending(const cs_evlist *l, cs_evhandle h)
{
    return lookup(l, h) != NO_SLOT;
}

const cs_event *cs_evlist_get(const cs_evlist *l, cs_evhandle h)
{
    uint32_t s = lookup(l, h);
    return s == NO_SLOT ? NULL : &l->slots[s].ev;
}

size_t cs_evlist_size(const cs_evlist *l)
{
    return l->n;
}

size_t cs_evlist_capacity(const cs_evlist *l)
{
    return l->cap;
}
