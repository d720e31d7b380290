/* cs_deflate with zlib's compress2, as HDF5's deflate filter does (see deflate.h). */
#include "deflate.h"

#include <stdlib.h>
#include <zlib.h>

struct cs_deflate {
    int level;
};

cs_deflate *cs_deflate_create(int level)
{
    cs_deflate *z = malloc(sizeof *z);
    if (z) z->level = level < 1 ? 1 : level > 9 ? 9 : level;
    return z;
}

void cs_deflate_destroy(cs_deflate *z)
{
    free(z);
}

size_t cs_deflate_bound(cs_deflate *z, size_t n)
{
    (void)z;
    return (size_t)compressBound((uLong)n);
}

size_t cs_deflate_zlib(cs_deflate *z, const void *in, size_t n, void *out, size_t cap)
{
    uLongf len = (uLongf)cap;
    if (compress2(out, &len, in, (uLong)n, z->level) != Z_OK) return 0;
    return (size_t)len;
}

const char *cs_deflate_name(void)
{
    return "zlib";
}

uint32_t cs_adler32(const void *in, size_t n)
{
    uLong a = adler32(0L, Z_NULL, 0);
    const unsigned char *p = in;
    while (n > 0) { /* zlib counts in uInt */
        uInt k = n > 0x40000000u ? 0x40000000u : (uInt)n;
        a = adler32(a, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)a;
}
