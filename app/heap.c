/* The heap's first MiBs in transparent huge pages (cs_heap_prepare, cli.h). */
#define _GNU_SOURCE /* MADV_HUGEPAGE, sbrk */

#include "cli.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

enum { HUGE_PAGE = 2 << 20, DEFAULT_MB = 64, MAX_MB = 1024 };

/* Nearly all of cssim's memory is allocated once and written soon after: HDF5's metadata, the
 * scenario and its data, the writer's chunks, the result buffers. Every fresh 4 KiB page costs
 * a page fault when first written, and on virtual machines a fault is dear: about 10 us on the
 * machine of bench/results, so that a one-replication run of the baseline spent 40% of its CPU
 * on some 2000 faults. So the main arena grows once, at start, by CSSIM_HEAP_MB MiB (default
 * 64) advised MADV_HUGEPAGE, and keeps them (trim threshold): where the kernel grants huge
 * pages (THP "madvise" or "always") the heap then faults once per 2 MiB. Blocks up to that size
 * come from the heap rather than from mmap of their own (mmap threshold), so the result and
 * chunk buffers land there too. Only what is touched is resident. CSSIM_HEAP_MB=0, a kernel
 * without THP, or a heap that cannot grow leave malloc as it was (apart from the thresholds). */
void cs_heap_prepare(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return; /* the sanitizers' allocators ignore all this */
#else
    const char *e = getenv("CSSIM_HEAP_MB");
    long mb = e && *e ? strtol(e, NULL, 10) : DEFAULT_MB;
    if (mb <= 0) return;
    if (mb > MAX_MB) mb = MAX_MB;
    size_t n = (size_t)mb << 20;
    if (!mallopt(M_MMAP_THRESHOLD, (int)(n + HUGE_PAGE)) ||
        !mallopt(M_TRIM_THRESHOLD, (int)(2 * n)))
        return;
    char *p = malloc(n);
    if (!p) return;
    /* from the heap (below the break), not a mapping of its own that free would unmap */
    if ((uintptr_t)(p + n) <= (uintptr_t)sbrk(0)) {
        uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        uintptr_t b = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);
        if (b > a) (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
    }
    free(p);
#endif
}
