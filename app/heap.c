/* The heap's first MiBs in transparent huge pages (cs_heap_prepare, cli.h). */
#define _GNU_SOURCE /* MADV_HUGEPAGE */

#include "cli.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer)
#define CS_SANITIZED 1
#endif
#endif

enum { MIB = 1 << 20, HUGE_PAGE = 2 * MIB, DEFAULT_MB = 64, MIN_MB = 4, MAX_MB = 512 };

/* CSSIM_HEAP_MB: 0 (off) or MiB, at least MIN_MB; junk or more than MAX_MB: a warning and the
 * default. */
static size_t heap_mb(void)
{
    const char *e = getenv("CSSIM_HEAP_MB");
    if (!e || !*e) return DEFAULT_MB;
    char *end;
    errno = 0;
    long long v = strtoll(e, &end, 10);
    if (errno || *end || v < 0 || v > MAX_MB) {
        fprintf(stderr,
                "cssim: warning: CSSIM_HEAP_MB='%s' is not a size in MiB from 0 to %d; "
                "using %d\n",
                e, MAX_MB, DEFAULT_MB);
        return DEFAULT_MB;
    }
    if (v == 0) return 0;
    return v < MIN_MB ? MIN_MB : (size_t)v;
}

/* Nearly all of cssim's memory is allocated once and written soon after: HDF5's metadata, the
 * scenario and its data, the writer's chunks, the result buffers. Every fresh 4 KiB page costs
 * a page fault when first written, and on virtual machines a fault is dear: about 10 us on the
 * machine of bench/results, so that a one-replication run of the baseline spent 40% of its CPU
 * on some 2000 faults. So the main arena grows once, at start, by CSSIM_HEAP_MB MiB (default
 * 64) advised MADV_HUGEPAGE, and keeps them: where the kernel grants huge pages (THP "madvise"
 * or "always") the heap then faults once per 2 MiB, and each 2 MiB touched is resident whole.
 *
 * What changes for malloc, in every arena: the trim threshold becomes twice the reservation
 * (the heap keeps it; a worker thread's arena, at most 64 MiB, is then never trimmed), and the
 * mmap threshold 32 MiB (the most glibc's own adjustment reaches), so that blocks of up to that
 * size come from the heap and the result and chunk buffers of the main thread land in the huge
 * pages. Blocks that worker threads allocate come from their own arenas, in small pages.
 * CSSIM_HEAP_MB=0, a C library other than glibc, a kernel without THP or a heap that cannot
 * grow leave malloc as it was. */
void cs_heap_prepare(void)
{
    size_t n = heap_mb() * MIB; /* parsed (and warned about) whatever the build */
#if defined(__GLIBC__) && !defined(CS_SANITIZED)
    if (!n) return;
    /* the reservation from the heap (below the mmap threshold), not a mapping of its own */
    if (!mallopt(M_MMAP_THRESHOLD, (int)(n + HUGE_PAGE)) ||
        !mallopt(M_TRIM_THRESHOLD, (int)(2 * n)))
        return;
    size_t mapped = mallinfo2().hblkhd;
    char *p = malloc(n);
    if (p && mallinfo2().hblkhd == mapped) {
        uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        uintptr_t b = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);
        if (b > a) (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
    }
    free(p); /* to the top of the heap, which the trim threshold keeps */
    (void)mallopt(M_MMAP_THRESHOLD, 32 * MIB);
#else
    (void)n;
#endif
}
