/* MPI builds with libdeflate: zlib's compress2, as HDF5's deflate filter calls it, answered by
 * libdeflate (the compressor the one-process writer uses, deflate.h).
 *
 * With several ranks the writer cannot filter its chunks itself (sim/io/writer_pack.c is for
 * one process): parallel HDF5 compresses them in its own filter pipeline, and HDF5 1.10's
 * deflate filter compresses a chunk with one compress2 call, which at level 1 took 2.4 times as
 * long as libdeflate on this writer's chunks (docs/cluster.md), the largest part of an MPI
 * run's write. HDF5 lets no one replace a predefined filter (H5Zregister refuses their ids), so
 * this file defines compress2 in the executable, and the dynamic linker binds libhdf5's call to
 * it. The stream is the zlib format either way (HDF5, h5py and R inflate it with zlib): only
 * the compressed bytes differ, as they already do between the one-process writer's libdeflate
 * and zlib builds; the data are the same bit for bit.
 *
 * Levels 1-9 (and Z_DEFAULT_COMPRESSION, zlib's 6) go to libdeflate; level 0, an output that
 * does not fit in *destLen and a compressor that cannot be allocated go on to zlib's own
 * compress2 (found with dlsym), which returns zlib's codes. Thread-safe: a compressor per level
 * and thread, kept for the life of the thread. Built only with CSSIM_MPI and CSSIM_LIBDEFLATE
 * (with zlib as the writer's compressor, deflate_zlib.c calls compress2 itself). */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <libdeflate.h>
#include <stddef.h>
#include <zlib.h>

typedef int (*compress2_fn)(Bytef *, uLongf *, const Bytef *, uLong, int);

/* The next compress2 in the lookup order: zlib's. */
static int zlib_compress2(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen,
                          int level)
{
    static _Thread_local compress2_fn next;
    if (!next) *(void **)&next = dlsym(RTLD_NEXT, "compress2");
    return next ? next(dest, destLen, source, sourceLen, level) : Z_MEM_ERROR;
}

/* visible: the project builds with -fvisibility=hidden, and libhdf5 must see this one */
__attribute__((visibility("default"))) int
compress2(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen, int level)
{
    static _Thread_local struct libdeflate_compressor *c[10];
    int l = level == Z_DEFAULT_COMPRESSION ? 6 : level;
    if (l >= 1 && l <= 9) {
        if (!c[l]) c[l] = libdeflate_alloc_compressor(l);
        size_t n = c[l] ? libdeflate_zlib_compress(c[l], source, sourceLen, dest, *destLen) : 0;
        if (n > 0) {
            *destLen = (uLongf)n;
            return Z_OK;
        }
    }
    return zlib_compress2(dest, destLen, source, sourceLen, level);
}
