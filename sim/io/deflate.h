/* Private to sim/io: whole-buffer deflate in the zlib format, the bytes HDF5's deflate filter
 * stores (and inflates on reading). Two implementations behind this header, chosen by source
 * file at configure time: deflate_libdeflate.c (libdeflate, faster at the same level) and
 * deflate_zlib.c (zlib's compress2, HDF5's own compressor). Either output reads back through
 * HDF5's filter, h5py and R unchanged.
 *
 * Thread-safety: a cs_deflate is used by one thread at a time; distinct ones are independent. */
#ifndef CSSIM_IO_DEFLATE_H
#define CSSIM_IO_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cs_deflate cs_deflate;

/* A compressor at level 1..9; NULL when out of memory. */
cs_deflate *cs_deflate_create(int level);
void cs_deflate_destroy(cs_deflate *z);
/* The largest output of n input bytes. */
size_t cs_deflate_bound(cs_deflate *z, size_t n);
/* Compresses n bytes of in into out (cap bytes, at least cs_deflate_bound): the output's
 * length, or 0 on failure. */
size_t cs_deflate_zlib(cs_deflate *z, const void *in, size_t n, void *out, size_t cap);
/* Which implementation ("libdeflate" or "zlib"), for reports. */
const char *cs_deflate_name(void);
/* Adler-32 of n bytes (the zlib stream's check value). */
uint32_t cs_adler32(const void *in, size_t n);

/* The fast coder for shuffled data (deflate_planes.c): the n bytes HDF5's shuffle filter
 * makes of elements of es bytes (es planes of n / es bytes, then the n % es it leaves in
 * place) as one zlib stream, a deflate block per plane: stored when coding would save under
 * 1/16 of it, else dynamic Huffman over bytes and runs. What level 1 writes for shuffled
 * datasets; any inflater reads it. */
typedef struct cs_planes cs_planes;

cs_planes *cs_planes_create(void);
void cs_planes_destroy(cs_planes *z);
/* The largest output of n bytes. */
size_t cs_planes_bound(size_t n, size_t es);
/* The output's length in out (cap >= cs_planes_bound bytes), or 0 when out of memory. */
size_t cs_planes_zlib(cs_planes *z, const void *in, size_t n, size_t es, void *out, size_t cap);

#endif
