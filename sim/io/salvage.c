/* Rescuing the committed rows of torn chunks (see salvage.h). */
#include "salvage.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static inline uint32_t word16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

/* HDF5's H5_checksum_fletcher32: big-endian 16-bit words, sums folded every 360 words. Four
 * words at a time: sum1 += a+b+c+d and sum2 += 4*sum1 + 4a+3b+2c+d are the four single steps
 * (sum1 += w; sum2 += sum1) added up, exactly (sum1 cannot overflow within a block; sum2 wraps
 * modulo 2^32 as the single steps do), with independent additions instead of a chain of
 * dependent ones: the same checksum, about 1.5x faster. */
uint32_t cs_h5_fletcher32(const void *data_, size_t len_)
{
    const uint8_t *data = data_;
    size_t len = len_ / 2;
    uint32_t sum1 = 0, sum2 = 0;
    while (len) {
        size_t tlen = len > 360 ? 360 : len; /* 360 pairs cannot overflow 32 bits */
        len -= tlen;
        for (; tlen >= 4; tlen -= 4, data += 8) {
            uint32_t a = word16(data), b = word16(data + 2), c = word16(data + 4),
                     d = word16(data + 6);
            sum2 += 4 * sum1 + 4 * a + 3 * b + 2 * c + d;
            sum1 += a + b + c + d;
        }
        for (; tlen; tlen--, data += 2) {
            sum1 += word16(data);
            sum2 += sum1;
        }
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    if (len_ % 2) {
        sum1 += (uint32_t)data[0] << 8;
        sum2 += sum1;
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    return sum2 << 16 | sum1;
}

/* The chunk geometry of one dataset, padded to rank 3. */
typedef struct geom {
    hsize_t dims[3], cd[3];
    size_t esz, rowb, bytes; /* element, chunk row (along dimension 0), whole chunk */
    int rank;
    unsigned char *fill; /* one element's fill value in the file type */
} geom;

/* True when the filters applied to a chunk with this mask are Fletcher-32 alone. */
static bool only_fletcher32(hid_t dcpl, uint32_t mask)
{
    int nf = H5Pget_nfilters(dcpl);
    bool seen = false;
    for (int i = 0; i < nf; i++) {
        unsigned flags = 0;
        size_t ne = 0;
        char name[16];
        H5Z_filter_t id =
            H5Pget_filter2(dcpl, (unsigned)i, &flags, &ne, NULL, sizeof name, name, NULL);
        if (mask & (1u << i)) continue; /* not applied to this chunk */
        if (id != H5Z_FILTER_FLETCHER32) return false;
        seen = true;
    }
    return seen;
}

static bool row_is_fill(const geom *g, const unsigned char *row)
{
    for (size_t k = 0; k < g->rowb; k += g->esz)
        if (memcmp(row + k, g->fill, g->esz)) return false;
    return true;
}

static void fill_row(const geom *g, unsigned char *row)
{
    for (size_t k = 0; k < g->rowb; k += g->esz)
        memcpy(row + k, g->fill, g->esz);
}

/* Reads the raw chunk at off into img (g->bytes + 4 bytes) and proves it a torn rewrite whose
 * first `need` rows are intact: its stored checksum must be that of its first R rows, R >=
 * need, followed by fill values. On success img holds that earlier version: 0; else -1. */
static herr_t rescue_chunk(hid_t d, hid_t dcpl, const geom *g, const hsize_t off[3], hsize_t need,
                           unsigned char *img)
{
    hsize_t size = 0;
    uint32_t mask = 0;
    if (H5Dget_chunk_storage_size(d, off, &size) < 0 || size != g->bytes + 4 ||
        H5Dread_chunk(d, H5P_DEFAULT, off, &mask, img) < 0 || !only_fletcher32(dcpl, mask))
        return -1;
    const unsigned char *s = img + g->bytes;
    uint32_t stored = (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 |
                      (uint32_t)s[3] << 24; /* UINT32ENCODE: little-endian */
    uint32_t reversed = (stored & 0xffu) << 24 | (stored & 0xff00u) << 8 | (stored >> 8 & 0xff00u) |
                        stored >> 24; /* as HDF5 also accepts */
    hsize_t top = g->cd[0];
    while (top > need && row_is_fill(g, img + (top - 1) * g->rowb))
        top--;
    for (hsize_t r = top;; r--) { /* rows r.. are fill values */
        uint32_t sum = cs_h5_fletcher32(img, g->bytes);
        if (sum == stored || sum == reversed) return 0;
        if (r == need) return -1;
        fill_row(g, img + (r - 1) * g->rowb);
    }
}

/* Copies the box [lo, hi) of the chunk at off (held in img) into buf (rows from `at`). */
static void copy_box(const geom *g, const unsigned char *img, const hsize_t off[3],
                     const hsize_t lo[3], const hsize_t hi[3], hsize_t at, unsigned char *buf)
{
    for (hsize_t i = lo[0]; i < hi[0]; i++)
        for (hsize_t j = lo[1]; j < hi[1]; j++) {
            size_t src =
                (size_t)(((i - off[0]) * g->cd[1] + (j - off[1])) * g->cd[2] + (lo[2] - off[2])) *
                g->esz;
            size_t dst = (size_t)(((i - at) * g->dims[1] + j) * g->dims[2] + lo[2]) * g->esz;
            memcpy(buf + dst, img + src, (size_t)(hi[2] - lo[2]) * g->esz);
        }
}

/* One chunk's part of the rows asked: read normally, or rescued when it is torn. */
static herr_t read_box(hid_t d, hid_t t, hid_t dcpl, const geom *g, const hsize_t off[3],
                       hsize_t at, hsize_t n, unsigned char *buf, unsigned char *img)
{
    hsize_t lo[3], hi[3], cnt[3], mstart[3], mdims[3] = {n, g->dims[1], g->dims[2]};
    for (int k = 0; k < 3; k++) {
        lo[k] = off[k];
        hi[k] = off[k] + g->cd[k] < g->dims[k] ? off[k] + g->cd[k] : g->dims[k];
    }
    if (lo[0] < at) lo[0] = at;
    if (hi[0] > at + n) hi[0] = at + n;
    for (int k = 0; k < 3; k++) {
        cnt[k] = hi[k] - lo[k];
        mstart[k] = k ? lo[k] : lo[0] - at;
    }
    hid_t ms = H5Screate_simple(g->rank, mdims, NULL), fs = H5Dget_space(d);
    herr_t r = ms < 0 || fs < 0 ? -1 : 0;
    if (r >= 0) r = H5Sselect_hyperslab(ms, H5S_SELECT_SET, mstart, NULL, cnt, NULL);
    if (r >= 0) r = H5Sselect_hyperslab(fs, H5S_SELECT_SET, lo, NULL, cnt, NULL);
    if (r >= 0 && H5Dread(d, t, ms, fs, H5P_DEFAULT, buf) < 0) {
        r = rescue_chunk(d, dcpl, g, off, hi[0] - off[0], img);
        if (r >= 0) copy_box(g, img, off, lo, hi, at, buf);
    }
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return r;
}

herr_t cs_h5_salvage_read(hid_t d, hid_t t, int rank, const hsize_t dims[3], hsize_t at, hsize_t n,
                          void *buf)
{
    if (n == 0) return 0;
    if (rank < 1 || rank > 3) return -1;
    geom g = {.dims = {dims[0], rank > 1 ? dims[1] : 1, rank > 2 ? dims[2] : 1},
              .cd = {1, 1, 1},
              .esz = H5Tget_size(t),
              .rank = rank};
    hid_t dcpl = H5Dget_create_plist(d);
    herr_t r = dcpl < 0 || g.esz == 0 || H5Pget_layout(dcpl) != H5D_CHUNKED ||
                       H5Pget_chunk(dcpl, rank, g.cd) != rank
                   ? -1
                   : 0;
    g.rowb = (size_t)(g.cd[1] * g.cd[2]) * g.esz;
    g.bytes = (size_t)g.cd[0] * g.rowb;
    g.fill = r >= 0 ? calloc(1, g.esz) : NULL;
    unsigned char *img = r >= 0 ? malloc(g.bytes + 4) : NULL;
    if (!g.fill || !img) r = -1;
    if (r >= 0 && H5Pget_fill_value(dcpl, t, g.fill) < 0) memset(g.fill, 0, g.esz);
    hsize_t n1 = (g.dims[1] + g.cd[1] - 1) / g.cd[1], n2 = (g.dims[2] + g.cd[2] - 1) / g.cd[2];
    for (hsize_t k0 = at / g.cd[0]; r >= 0 && k0 <= (at + n - 1) / g.cd[0]; k0++)
        for (hsize_t j1 = 0; r >= 0 && j1 < n1; j1++)
            for (hsize_t j2 = 0; r >= 0 && j2 < n2; j2++) {
                hsize_t off[3] = {k0 * g.cd[0], j1 * g.cd[1], j2 * g.cd[2]};
                r = read_box(d, t, dcpl, &g, off, at, n, buf, img);
            }
    free(img);
    free(g.fill);
    if (dcpl >= 0) H5Pclose(dcpl);
    return r;
}
