/* The pending-event list: a priority queue of events with a total order, cancellation and
 * rescheduling, and no allocation per event in steady state.
 *
 * Order: (time, priority class, insertion sequence), all ascending. Lower class fires first
 * at equal times; at equal time and class, the event inserted first fires first. This makes
 * every run deterministic.
 *
 * Memory: events live in a pool of slots sized at creation; a free list recycles them. When
 * the pool is full a push grows it (doubling) up to max_capacity (at most 2^28 - 2); past that
 * it fails with CS_ECAPACITY. After the first replication has warmed the pool, pushes, pops,
 * cancels and reschedules allocate nothing. Memory per pending event is constant: cancelled
 * events leave no more than about one tombstone per pending event behind, and never fire.
 *
 * Handles name a slot and its generation, so a handle to an event that has fired or been
 * cancelled is detected (CS_ESTALE) rather than hitting a recycled slot.
 * Thread-safety: none; one list per replication context. */
#ifndef CSSIM_EVLIST_H
#define CSSIM_EVLIST_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t cs_evhandle; /* 0 is never a valid handle */

/* An event. Payload fields are small values, never pointers into model memory. */
typedef struct cs_event {
    double time;   /* days since the scenario start */
    int32_t type;  /* the model's own event enum */
    int32_t la;    /* authority index, or -1 for national events */
    int64_t aux;   /* small integer payload (e.g. an inspection type, an id) */
    double value;  /* small real payload */
    uint32_t prio; /* priority class, 0 = first at equal times; < 256 */
    uint64_t seq;  /* insertion sequence, assigned by the list */
} cs_event;

typedef struct cs_evlist cs_evlist;

/* Creates a list with room for initial_capacity pending events, growable to max_capacity
 * (0 = no limit). Returns NULL when out of memory. */
cs_evlist *cs_evlist_create(size_t initial_capacity, size_t max_capacity);
void cs_evlist_destroy(cs_evlist *l); /* NULL is a no-op */
/* Drops every pending event and restarts the sequence at 0; keeps the memory. */
void cs_evlist_clear(cs_evlist *l);

/* Inserts an event (ev->seq is ignored and assigned). On success stores a handle in *h if h
 * is not NULL. Returns CS_OK, CS_EINVAL (NaN time, prio >= 256) or CS_ECAPACITY/CS_ENOMEM. */
int cs_evlist_push(cs_evlist *l, const cs_event *ev, cs_evhandle *h);
/* Removes the first event into *out. Returns CS_OK, or CS_ENOTFOUND when empty. */
int cs_evlist_pop(cs_evlist *l, cs_event *out);
/* The first event, or NULL when empty. Valid until the next call that changes the list. */
const cs_event *cs_evlist_peek(const cs_evlist *l);
/* Removes a pending event. CS_ESTALE when it already fired or was cancelled. */
int cs_evlist_cancel(cs_evlist *l, cs_evhandle h);
/* Moves a pending event to new_time, keeping its class; it takes a new sequence number, as
 * if cancelled and inserted again; the handle stays valid. CS_ESTALE when it is not pending,
 * CS_EINVAL for a NaN time. */
int cs_evlist_reschedule(cs_evlist *l, cs_evhandle h, double new_time);
/* Non-zero when h names a pending event. */
int cs_evlist_pending(const cs_evlist *l, cs_evhandle h);
/* The pending event h (NULL when not pending). */
const cs_event *cs_evlist_get(const cs_evlist *l, cs_evhandle h);
size_t cs_evlist_size(const cs_evlist *l);
size_t cs_evlist_capacity(const cs_evlist *l);

/* For tests of the order-tick renumbering: renumber after about limit insertions instead of
 * 2^28 (raised to at least 2 * capacity + 1). The firing order must not change. */
void cs_evlist_set_tick_limit(cs_evlist *l, uint32_t limit);
/* For tests of the two tiers of long lists (sim/evlist.c): park the later part of the heap
 * once it holds heap_max entries (at least 8) instead of 2^18. The firing order must not
 * change. */
void cs_evlist_set_tier(cs_evlist *l, size_t heap_max);

#endif
