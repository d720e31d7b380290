/* The pending-event list: an implicit 4-ary min-heap of 16-byte keys over a pool of slots, with
 * lazy cancellation.
 *
 * Invariants:
 *  - heap[0..n) is a 4-ary min-heap of entries {t, k}: t is the order-preserving uint64 image
 *    of the time (time_key), k = prio << 56 | tick << 28 | slot. Compared as one 128-bit
 *    number, entries order by (time, prio, tick); ticks are unique among the entries in the
 *    heap, so the slot bits never decide and the order is total.
 *  - tick is the order of insertion (push or reschedule): it only grows, so at equal (time,
 *    prio) the earlier insertion fires first. Ticks have 28 bits; when they run out, the heap
 *    is sorted (a sorted array is a heap) and renumbered 0..n-1 in that order, which keeps
 *    every relative order (renumber()).
 *  - An entry is live when slots[slot].tick equals its tick. Cancel and reschedule do not
 *    search the heap: they change the slot's tick (to FREE_TICK, or to a new tick with a new
 *    entry pushed) and leave the old entry behind as a tombstone, counted in dead. Tombstones
 *    never fire: heap[0] is always live (settle() drops dead tops), and when dead exceeds the
 *    live count the list is compacted in O(n), so tombstones never outnumber live events
 *    (beyond a small constant).
 *  - Two tiers once the heap reaches tier_max (2^18) entries (spill()): the far part,
 *    heap[2 * cap - nfar, 2 * cap), holds unsorted the entries with t >= far_key, the heap
 *    those below it; the heap is empty only when the far part is too (refill()). So heap[0]
 *    is the first event overall. No model run comes near 2^18 pending events.
 *  - A free slot has tick FREE_TICK and sits on the free list (next_free). A handle is
 *    (gen << 32) | (slot + 1); a slot's gen is bumped each time it is freed (pop, cancel,
 *    clear), so an old handle never matches a recycled slot (until 2^32 reuses).
 *  - slots has cap entries, heap and far part 2 * cap between them (room for as many
 *    tombstones as live events); both only grow (doubling, up to max_cap); memory is 64-byte
 *    aligned.
 *
 * Why this layout: an entry is 16 bytes and the heap is offset by 3 entries from a 64-byte
 * boundary, so the four children of a node (4i+1 .. 4i+4) fill exactly one cache line; a
 * sift touches one line per level and writes nothing else (no position index: cancellation
 * is lazy). The 48-byte payload never moves; each slot is one cache line. After a pop the
 * payload of the new first event is prefetched, since the next pop reads it.
 *
 * Measured with bench/bench_hold (gcc 12 -O3, the shared 2-core AMD EPYC VM under a load
 * average of 8-10 from other work, so CPU time; million holds per CPU-second, median of 5
 * runs, and the ratio to the bench's bare binary heap of doubles in the same run; two
 * interleaved invocations each):
 *
 *      N      before: 24-byte entries + pos[]     now
 *      10^2     19.7 (1.04)   16.5 (0.93)      20.2 (1.06)   20.0 (1.01)
 *      10^3     15.7 (1.08)   14.5 (1.00)      16.6 (1.08)   16.8 (1.15)
 *      10^4      8.6 (0.79)    9.1 (0.79)      11.8 (1.03)   12.4 (1.06)
 *      10^5      2.7 (0.34)    2.9 (0.32)       7.2 (0.81)    7.9 (0.88)
 *      10^6      0.8 (0.20)    0.8 (0.20)       2.2 (0.55)    2.0 (0.58)
 * What each step gave at 10^5 / 10^6 (ratios): 16-byte entries and lazy cancellation
 * 0.48-0.60 / 0.31-0.35; huge pages for the large arrays (a 10^6 list is 80 MiB; checked
 * in smaps that they are granted), no change distinguishable under this load; prefetching
 * the grandchildren 0.81-0.88 / 0.55-0.58. Without the payload read a 10^6 list was no
 * faster (tried), so what remains at 10^6 is most likely the heap's 16 MiB of keys against
 * the bare heap's 8 MiB of doubles. Two tiers (the heap kept under 2^18 entries, 4 MiB; the
 * rest parked unsorted and brought back in batches of an eighth) took 10^6 from 0.56 to
 * 1.33-1.59 of the bare heap (2^16 and 2^18; 2^14 gave 0.78: batches capped at tier_max / 2
 * rescan the far part too often), three runs under a load average of 4, 10^4 and 10^5
 * unchanged (they never tier).
 * Thread-safety: none; one list per replication context. */
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE), where the system has it */
#include "cssim/evlist.h"
#include "cssim/status.h"

#include <sys/mman.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ARITY        4
#define SLOT_BITS    28
#define TICK_BITS    28
#define SLOT_MASK    ((UINT64_C(1) << SLOT_BITS) - 1)
#define TICK_LIMIT   (UINT32_C(1) << TICK_BITS)
#define FREE_TICK    UINT32_MAX
#define NO_SLOT      UINT32_MAX
#define HEAP_PAD     3 /* heap[-3..0) unused: children groups start on a cache line */
#define LINE         64
#define HUGE_PAGE    ((size_t)2 << 20)
#define PREFETCH_MIN 4096              /* heap entries (64 KiB) */
#define TIER_MAX     ((size_t)1 << 18) /* heap entries (4 MiB) before the later part is parked */
#define NO_FAR       UINT64_MAX        /* far_key when nothing is far (above every time_key) */
/* Slots fit in SLOT_BITS, and handle low words (slot + 1) stay clear of the sentinels. */
#define HARD_MAX_CAPACITY ((size_t)SLOT_MASK - 1)

typedef struct heap_entry {
    uint64_t t; /* time_key(time) */
    uint64_t k; /* prio << 56 | tick << 28 | slot */
} heap_entry;

typedef struct slot {
    cs_event ev;
    uint32_t gen;
    uint32_t tick; /* the tick of its live heap entry, or FREE_TICK */
    uint32_t next_free;
} slot;

struct cs_evlist {
    heap_entry *heap; /* raw_heap + HEAP_PAD */
    heap_entry *raw_heap;
    slot *slots;
    size_t n;    /* heap entries, live and dead */
    size_t nfar; /* far entries, live and dead: heap[2 * cap - nfar, 2 * cap) */
    size_t dead; /* tombstones among both */
    size_t cap;  /* slots; heap and far share room for 2 * cap entries */
    size_t max_cap;
    uint64_t far_key; /* entries with t >= far_key are far; NO_FAR: none */
    size_t tier_max;  /* a heap this long parks its later part far */
    uint32_t free_head;
    uint32_t tick;       /* next order tick */
    uint32_t tick_limit; /* renumber when tick reaches it (TICK_LIMIT but in tests) */
    uint64_t seq;        /* insertion count, reported in cs_event.seq */
};

__extension__ typedef unsigned __int128 u128;

/* One 128-bit compare, which compiles to flag arithmetic with no branch, so the child
 * selection in sift_down_at uses conditional moves. */
static inline int entry_less(const heap_entry *a, const heap_entry *b)
{
    u128 x = (u128)a->t << 64 | a->k, y = (u128)b->t << 64 | b->k;
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

static inline uint32_t entry_slot(const heap_entry *e)
{
    return (uint32_t)(e->k & SLOT_MASK);
}

static inline uint32_t entry_tick(const heap_entry *e)
{
    return (uint32_t)(e->k >> SLOT_BITS & (TICK_LIMIT - 1));
}

static inline int entry_live(const cs_evlist *l, const heap_entry *e)
{
    return l->slots[entry_slot(e)].tick == entry_tick(e);
}

/* Branch-free select: i when !take, j when take. */
static inline size_t pick(size_t i, size_t j, int take)
{
    return i ^ ((i ^ j) & ((size_t)0 - (size_t)take));
}

/* Places x at the hole i or above it, no higher than root. */
static void sift_up_to(heap_entry *h, size_t root, size_t i, heap_entry x)
{
    while (i > root) {
        size_t p = (i - 1) / ARITY;
        if (!entry_less(&x, &h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static void sift_up(heap_entry *h, size_t i, heap_entry x)
{
    sift_up_to(h, 0, i, x);
}

/* Places x, which belongs at or below the hole i, in a heap of n entries. Bottom-up
 * (Floyd/Wegener): move the hole down along the smallest children to a leaf, then sift x up
 * from there. x is usually a late entry (the old last leaf), so the sift-up is short, and the
 * descent has no data-dependent exit branch. */
static inline __attribute__((always_inline)) void sift_down_at(heap_entry *h, size_t n, size_t i,
                                                               heap_entry x)
{
    size_t root = i; /* x climbs back no higher: in a heapify the nodes above are unsorted */
    size_t c, pf_end = n > PREFETCH_MIN ? n : 0; /* small heaps stay in cache */
    while ((c = ARITY * i + 1) + ARITY <= n) {
        /* The children of c..c+3 are the 16 entries from 4c+1: four adjacent cache lines.
         * Fetching them now, before we know which child wins, overlaps the memory latency of
         * the next level with this one's compares; it matters once the heap outgrows the
         * caches. */
        if (ARITY * c + 4 * ARITY < pf_end) {
            const heap_entry *g = &h[ARITY * c + 1];
            __builtin_prefetch(g);
            __builtin_prefetch(g + 4);
            __builtin_prefetch(g + 8);
            __builtin_prefetch(g + 12);
        }
        size_t b01 = pick(c, c + 1, entry_less(&h[c + 1], &h[c]));
        size_t b23 = pick(c + 2, c + 3, entry_less(&h[c + 3], &h[c + 2]));
        size_t best = pick(b01, b23, entry_less(&h[b23], &h[b01]));
        h[i] = h[best];
        i = best;
    }
    if (c < n) { /* the one node with fewer than ARITY children */
        size_t best = c;
        for (size_t k = c + 1; k < n; k++)
            best = pick(best, k, entry_less(&h[k], &h[best]));
        h[i] = h[best];
        i = best;
    }
    sift_up_to(h, root, i, x);
}

/* The hot case, with i = 0 known to the compiler. */
static void sift_down_top(heap_entry *h, size_t n, heap_entry x)
{
    sift_down_at(h, n, 0, x);
}

/* Removes heap[0]. */
static inline void remove_top(cs_evlist *l)
{
    size_t last = --l->n;
    if (last) sift_down_top(l->heap, last, l->heap[last]);
}

static void refill(cs_evlist *l);

/* Restores the settled state: heap[0] is live, and the heap is empty only when the far part
 * is too (a refill brings the next batch in). */
static void settle(cs_evlist *l)
{
    for (;;) {
        while (l->n && !entry_live(l, &l->heap[0])) {
            remove_top(l);
            l->dead--;
        }
        if (l->n || !l->nfar) return;
        refill(l);
    }
}

static void heapify(heap_entry *h, size_t m)
{
    if (m > 1)
        for (size_t i = (m - 2) / ARITY + 1; i-- > 0;)
            sift_down_at(h, m, i, h[i]);
}

/* Drops the dead entries of the heap part (the live keep their order; not a heap after). */
static void heap_drop_dead(cs_evlist *l)
{
    heap_entry *h = l->heap;
    size_t m = 0;
    for (size_t i = 0; i < l->n; i++)
        if (entry_live(l, &h[i])) h[m++] = h[i];
    l->dead -= l->n - m;
    l->n = m;
}

static heap_entry *far_part(const cs_evlist *l)
{
    return l->heap + 2 * l->cap - l->nfar;
}

/* Drops the dead entries of the far part (the live stay at the back, in their order). */
static void far_drop_dead(cs_evlist *l)
{
    heap_entry *far = far_part(l), *end = l->heap + 2 * l->cap, *w = end;
    for (heap_entry *e = end; e-- > far;)
        if (entry_live(l, e))
            *--w = *e;
        else
            l->dead--;
    l->nfar = (size_t)(end - w);
}

/* Removes every tombstone and rebuilds the heap bottom-up: O(n + nfar). */
static void compact(cs_evlist *l)
{
    heap_drop_dead(l);
    far_drop_dead(l);
    l->dead = 0;
    heapify(l->heap, l->n);
    if (!l->n && l->nfar) refill(l);
}

/* A key with about want of the m entries e[] below it, from a systematic sample of them. */
static uint64_t sample_key(const heap_entry *e, size_t m, size_t want)
{
    enum { S = 127 };
    uint64_t k[S];
    for (size_t i = 0; i < S; i++)
        k[i] = e[(2 * i + 1) * m / (2 * S)].t;
    for (size_t i = 1; i < S; i++) { /* insertion sort: 127 keys */
        uint64_t x = k[i];
        size_t j = i;
        for (; j > 0 && k[j - 1] > x; j--)
            k[j] = k[j - 1];
        k[j] = x;
    }
    size_t q = (size_t)((double)want / (double)m * S);
    return k[q < S ? q : S - 1];
}

/* Moves [lo, hi) of the entries so that those with t < key come first; returns their end. */
static heap_entry *partition(heap_entry *lo, heap_entry *hi, uint64_t key)
{
    while (lo < hi) {
        if (lo->t < key) {
            lo++;
        } else {
            heap_entry x = *lo;
            *lo = *--hi;
            *hi = x;
        }
    }
    return lo;
}

/* Two tiers for long lists. A heap of millions of 16-byte entries outgrows the caches, and
 * every level of a sift is then a miss. When the heap reaches tier_max entries its later
 * part (t >= far_key) is parked unsorted in the far part, at the other end of the same array;
 * later insertions at or after far_key are appended there at the cost of a store. When the
 * heap runs dry the next batch (about an eighth of the far part, at least tier_max / 4) comes
 * back and is heapified. Every heap key is below far_key and every far key at or above it, so
 * the heap's top is the first event overall and the firing order is exactly the one-heap
 * order. Lists that never reach tier_max (every model run) never tier. */
static void spill(cs_evlist *l)
{
    heap_entry *h = l->heap;
    heap_drop_dead(l); /* tombstones go first */
    size_t m = l->n;
    if (m < l->tier_max / 2) { /* mostly tombstones: nothing to park */
        heapify(h, m);
        return;
    }
    uint64_t key = sample_key(h, m, l->tier_max / 4);
    if (key <= h[0].t) key = h[0].t + 1; /* h[0] is live, hence the minimum: it stays */
    size_t keep = (size_t)(partition(h, h + m, key) - h), park = m - keep;
    memmove(far_part(l) - park, h + keep, park * sizeof *h);
    l->nfar += park;
    l->n = keep;
    l->far_key = key;
    heapify(h, keep);
}

/* The heap is empty: bring the next batch back from the far part (all of it when small).
 * Any tombstones are all in the far part now; they are dropped first. */
static void refill(cs_evlist *l)
{
    if (l->dead) far_drop_dead(l);
    size_t live = l->nfar, want = live / 8;
    if (want < l->tier_max / 4) want = l->tier_max / 4;
    if (want > l->tier_max / 2) want = l->tier_max / 2;
    heap_entry *far = far_part(l), *end = far + live;
    uint64_t key = live <= l->tier_max / 2 ? NO_FAR : sample_key(far, live, want);
    heap_entry *mid = partition(far, end, key);
    if (mid == far && live) { /* nothing below the sample: the first time comes back */
        uint64_t min = NO_FAR;
        for (const heap_entry *e = far; e < end; e++)
            if (e->t < min) min = e->t;
        key = min + 1;
        mid = partition(far, end, key);
    }
    size_t back = (size_t)(mid - far);
    memmove(l->heap, far, back * sizeof *far);
    l->nfar = live - back;
    l->n = back;
    l->far_key = l->nfar ? key : NO_FAR;
    heapify(l->heap, back);
}

static int entry_cmp(const void *a, const void *b)
{
    const heap_entry *x = a, *y = b;
    return entry_less(y, x) - entry_less(x, y);
}

/* The ticks ran out: sort the live entries and give them ticks 0..n-1 in order. The relative
 * order of all pending events, hence the firing order, is unchanged. O(n log n), once per
 * 2^28 insertions. The far part joins the heap first (the list is one tier after). */
static void renumber(cs_evlist *l)
{
    memmove(l->heap + l->n, far_part(l), l->nfar * sizeof *l->heap);
    l->n += l->nfar;
    l->nfar = 0;
    l->far_key = NO_FAR;
    compact(l);
    qsort(l->heap, l->n, sizeof *l->heap, entry_cmp);
    for (size_t i = 0; i < l->n; i++) {
        heap_entry *e = &l->heap[i];
        uint32_t s = entry_slot(e);
        e->k = (e->k >> 56) << 56 | (uint64_t)i << SLOT_BITS | s;
        l->slots[s].tick = (uint32_t)i;
    }
    l->tick = (uint32_t)l->n;
}

/* Inserts the entry for slot s (its ev.time and ev.prio already set) with a fresh tick, into
 * the heap or the far part. Room is guaranteed by the caller (n + nfar < 2 * cap). */
static void insert(cs_evlist *l, uint32_t s)
{
    if (l->tick >= l->tick_limit) renumber(l);
    slot *sl = &l->slots[s];
    uint32_t tick = l->tick++;
    sl->tick = tick;
    sl->ev.seq = l->seq++;
    heap_entry x = {time_key(sl->ev.time),
                    (uint64_t)sl->ev.prio << 56 | (uint64_t)tick << SLOT_BITS | s};
    if (x.t >= l->far_key) {
        l->nfar++;
        *far_part(l) = x;
    } else {
        sift_up(l->heap, l->n++, x);
    }
}

/* Chains slots [from, to) onto the front of the free list, lowest index first. */
static void free_range(cs_evlist *l, size_t from, size_t to)
{
    for (size_t s = to; s-- > from;) {
        l->slots[s].tick = FREE_TICK;
        l->slots[s].next_free = l->free_head;
        l->free_head = (uint32_t)s;
    }
}

/* 64-byte aligned storage for n items of the given size, copying the first keep bytes of
 * old (freed). NULL (old untouched) when out of memory. */
static void *realloc_aligned(void *old, size_t keep, size_t size)
{
    size_t align = size >= HUGE_PAGE ? HUGE_PAGE : LINE;
    size = (size + align - 1) / align * align;
    void *p = aligned_alloc(align, size);
    if (!p) return NULL;
#ifdef MADV_HUGEPAGE
    /* Large lists are reached at random: with 4 KiB pages nearly every access of a 10^6-event
     * list also misses the TLB. Transparent huge pages are a hint; failure is harmless. */
    if (align == HUGE_PAGE) (void)madvise(p, size, MADV_HUGEPAGE);
#endif
    if (old && keep) memcpy(p, old, keep);
    free(old);
    return p;
}

/* Sets the capacity to cap slots (cap > l->cap). */
static int resize(cs_evlist *l, size_t cap)
{
    /* Each array is committed as soon as it is reallocated, so a failure part-way leaves the
     * list consistent (the heap merely larger than it needs). */
    heap_entry *raw = realloc_aligned(NULL, 0, (HEAP_PAD + 2 * cap) * sizeof *raw);
    if (!raw) return CS_ENOMEM;
    if (l->raw_heap) {
        memcpy(raw + HEAP_PAD, l->heap, l->n * sizeof *raw);
        memcpy(raw + HEAP_PAD + 2 * cap - l->nfar, far_part(l), l->nfar * sizeof *raw);
    }
    free(l->raw_heap);
    l->raw_heap = raw;
    l->heap = raw + HEAP_PAD;
    slot *slots = realloc_aligned(l->slots, l->cap * sizeof *slots, cap * sizeof *slots);
    if (!slots) return CS_ENOMEM;
    l->slots = slots;
    for (size_t s = l->cap; s < cap; s++)
        l->slots[s].gen = 1;
    free_range(l, l->cap, cap);
    l->cap = cap;
    return CS_OK;
}

static int grow(cs_evlist *l)
{
    size_t limit = l->max_cap ? l->max_cap : HARD_MAX_CAPACITY;
    if (l->cap >= limit) return CS_ECAPACITY;
    size_t cap = l->cap ? 2 * l->cap : 16;
    if (cap > limit) cap = limit;
    return resize(l, cap);
}

cs_evlist *cs_evlist_create(size_t initial_capacity, size_t max_capacity)
{
    cs_evlist *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    if (max_capacity > HARD_MAX_CAPACITY) max_capacity = HARD_MAX_CAPACITY;
    l->max_cap = max_capacity;
    l->free_head = NO_SLOT;
    l->tick_limit = TICK_LIMIT;
    l->far_key = NO_FAR;
    l->tier_max = TIER_MAX;
    if (max_capacity && initial_capacity > max_capacity) initial_capacity = max_capacity;
    if (initial_capacity > HARD_MAX_CAPACITY) initial_capacity = HARD_MAX_CAPACITY;
    if (initial_capacity && resize(l, initial_capacity) != CS_OK) {
        cs_evlist_destroy(l);
        return NULL;
    }
    return l;
}

void cs_evlist_destroy(cs_evlist *l)
{
    if (!l) return;
    free(l->raw_heap);
    free(l->slots);
    free(l);
}

void cs_evlist_clear(cs_evlist *l)
{
    for (size_t s = 0; s < l->cap; s++)
        if (l->slots[s].tick != FREE_TICK) l->slots[s].gen++;
    l->free_head = NO_SLOT;
    free_range(l, 0, l->cap);
    l->n = 0;
    l->nfar = 0;
    l->far_key = NO_FAR;
    l->dead = 0;
    l->seq = 0;
    l->tick = 0;
}

int cs_evlist_push(cs_evlist *l, const cs_event *ev, cs_evhandle *h)
{
    if (isnan(ev->time) || ev->prio >= 256) return CS_EINVAL;
    if (l->free_head == NO_SLOT) {
        int rc = grow(l);
        if (rc != CS_OK) return rc;
    }
    if (l->n + l->nfar == 2 * l->cap) compact(l); /* all slots live would leave cap */
    uint32_t s = l->free_head;
    slot *sl = &l->slots[s];
    l->free_head = sl->next_free;
    sl->ev = *ev;
    insert(l, s);
    if (l->n >= l->tier_max) spill(l);
    if (h) *h = (uint64_t)sl->gen << 32 | ((uint64_t)s + 1);
    return CS_OK;
}

/* Returns slot s to the free list; its heap entry (if any) becomes dead or is gone. */
static inline void free_slot(cs_evlist *l, uint32_t s)
{
    slot *sl = &l->slots[s];
    sl->gen++;
    sl->tick = FREE_TICK;
    sl->next_free = l->free_head;
    l->free_head = s;
}

int cs_evlist_pop(cs_evlist *l, cs_event *out)
{
    if (l->n == 0) return CS_ENOTFOUND;
    heap_entry *h = l->heap;
    uint32_t s = entry_slot(&h[0]);
    /* The next first event is almost always the smallest child of the root: fetch its payload
     * now, so that the miss overlaps the sift below and whatever the caller does next. Small
     * lists stay in cache and skip the extra compares. */
    if (l->n > PREFETCH_MIN) {
        size_t b01 = pick(1, 2, entry_less(&h[2], &h[1]));
        size_t b23 = pick(3, 4, entry_less(&h[4], &h[3]));
        __builtin_prefetch(&l->slots[entry_slot(&h[pick(b01, b23, entry_less(&h[b23], &h[b01]))])]);
    }
    *out = l->slots[s].ev;
    free_slot(l, s);
    remove_top(l);
    if (l->dead || (!l->n && l->nfar)) settle(l);
    return CS_OK;
}

const cs_event *cs_evlist_peek(const cs_evlist *l)
{
    return l->n ? &l->slots[entry_slot(&l->heap[0])].ev : NULL;
}

/* The slot named by a pending handle, or NO_SLOT. */
static uint32_t lookup(const cs_evlist *l, cs_evhandle h)
{
    uint64_t low = h & 0xffffffffu;
    if (low == 0 || low > l->cap) return NO_SLOT;
    uint32_t s = (uint32_t)(low - 1);
    const slot *sl = &l->slots[s];
    if (sl->gen != (uint32_t)(h >> 32) || sl->tick == FREE_TICK) return NO_SLOT;
    return s;
}

/* After an entry died: restore a live top, and compact when tombstones outnumber the live. */
static void after_death(cs_evlist *l)
{
    l->dead++;
    if (l->dead > 32 && 2 * l->dead > l->n + l->nfar)
        compact(l);
    else
        settle(l);
}

int cs_evlist_cancel(cs_evlist *l, cs_evhandle h)
{
    uint32_t s = lookup(l, h);
    if (s == NO_SLOT) return CS_ESTALE;
    free_slot(l, s);
    after_death(l);
    return CS_OK;
}

int cs_evlist_reschedule(cs_evlist *l, cs_evhandle h, double new_time)
{
    if (isnan(new_time)) return CS_EINVAL;
    uint32_t s = lookup(l, h);
    if (s == NO_SLOT) return CS_ESTALE;
    if (l->n + l->nfar == 2 * l->cap) compact(l); /* s is live: at most cap after */
    l->slots[s].ev.time = new_time;
    insert(l, s); /* the old entry's tick no longer matches: it is dead */
    after_death(l);
    if (l->n >= l->tier_max) spill(l);
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
    return l->n + l->nfar - l->dead;
}

size_t cs_evlist_capacity(const cs_evlist *l)
{
    return l->cap;
}

void cs_evlist_set_tick_limit(cs_evlist *l, uint32_t limit)
{
    if (limit > TICK_LIMIT) limit = TICK_LIMIT;
    if (limit < 2 * l->cap + 1) limit = (uint32_t)(2 * l->cap + 1);
    l->tick_limit = limit;
}

void cs_evlist_set_tier(cs_evlist *l, size_t heap_max)
{
    l->tier_max = heap_max < 8 ? 8 : heap_max;
}
