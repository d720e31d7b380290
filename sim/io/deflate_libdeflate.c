/* cs_deflate with libdeflate (see deflate.h). */
#include "deflate.h"

#include <libdeflate.h>
#include <stdlib.h>

struct cs_deflate {
    struct libdeflate_compressor *c;
};

cs_deflate *cs_deflate_create(int level)
{
    cs_deflate *z = malloc(sizeof *z);
    if (!z) return NULL;
    z->c = libdeflate_alloc_compressor(level < 1 ? 1 : level > 9 ? 9 : level);
    if (!z->c) {
        free(z);
        return NULL;
    }
    return z;
}

void cs_deflate_destroy(cs_deflate *z)
{
    if (!z) return;
    libdeflate_free_compressor(z->c);
    free(z);
}

size_t cs_deflate_bound(cs_deflate *z, size_t n)
{
    return libdeflate_zlib_compress_bound(z->c, n);
}

size_t cs_deflate_zlib(cs_deflate *z, const void *in, size_t n, void *out, size_t cap)
{
    return libdeflate_zlib_compress(z->c, in, n, out, cap);
}

const char *cs_deflate_name(void)
{
    return "libdeflate";
}

uint32_t cs_adler32(const void *in, size_t n)
{
    return libdeflate_adler32(1, in, n);
}
