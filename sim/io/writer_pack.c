/* Chunks filtered by the writer itself and written whole (one process).
 *
 * HDF5 compresses a chunk each time it writes it, and a partly filled chunk is written (and
 * compressed) again at every commit: with chunks of hundreds of replications most of the
 * deflate work went into chunks compressed over and over. Here each appendable dataset keeps
 * its current chunk in memory (the stage, in the file's type), and a chunk is filtered once,
 * when it is full, by the same pipeline the dataset declares (shuffle, deflate, Fletcher-32, in
 * that order), then stored with H5Dwrite_chunk. The file is the one HDF5 would write up to the
 * deflate stream's bytes (deflate.h: libdeflate or zlib), so every reader (h5py, R's hdf5r,
 * h5dump) reads it through the declared filters unchanged.
 *
 * Invariants: p->first is a multiple of chunk[0]; rows [p->first, p->first + p->rows) are staged
 * and 0 <= p->rows < chunk[0] between calls; every row before p->first is in the file; the
 * dataset's extent is p->first + p->rows once p->dirty is false (cs_wr_pack_flush). A commit
 * flushes the partly filled chunk (zero-padded, as HDF5 pads with the fill value) and the next
 * full write of it replaces it, as HDF5 itself rewrote partial chunks. A dataset whose
 * pipeline is anything else (a file not made by this writer) is written by H5Dwrite. */
#include "deflate.h"
#include "salvage.h"
#include "writer_impl.h"

#include <stdint.h>

/* The dataset's filter pipeline: 1 when it is [shuffle,] [deflate L,] fletcher32 (*level = L or
 * 0, *shuffle set), 0 when it is another, -1 on an HDF5 error. */
static int pipeline(hid_t dcpl, int *level, bool *shuffle)
{
    int n = H5Pget_nfilters(dcpl);
    if (n < 0) return -1;
    *level = 0;
    *shuffle = false;
    int k = 0;
    for (int i = 0; i < n; i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        char name[64];
        H5Z_filter_t f =
            H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, NULL);
        if (f < 0) return -1;
        if (f == H5Z_FILTER_SHUFFLE && k == 0) {
            *shuffle = true;
            k = 1;
        } else if (f == H5Z_FILTER_DEFLATE && k <= 1 && ncd >= 1) {
            *level = (int)cd[0];
            k = 2;
        } else if (f == H5Z_FILTER_FLETCHER32 && k <= 2) {
            k = 3;
        } else {
            return 0;
        }
    }
    return k == 3 ? 1 : 0;
}

void cs_wr_pack_init(cs_wpack *p)
{
    memset(p, 0, sizeof *p);
    p->d = p->mtype = p->ftype = H5I_INVALID_HID;
}

void cs_wr_pack_fini(cs_wpack *p)
{
    if (p->ftype > 0) H5Tclose(p->ftype);
    free(p->stage);
    cs_wr_pack_init(p);
}

/* Grows one of the writer's scratch buffers to n bytes. */
static void *scratch(void **buf, size_t *cap, size_t n)
{
    if (n > *cap) {
        void *b = realloc(*buf, n);
        if (!b) return NULL;
        *buf = b;
        *cap = n;
    }
    return *buf;
}

int cs_wr_pack_open(cs_wpack *p, hid_t d, hid_t mtype, hsize_t done)
{
    cs_wr_pack_fini(p);
    p->d = d;
    p->mtype = mtype;
    hid_t dcpl = H5Dget_create_plist(d), sp = H5Dget_space(d);
    int rank = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    int ok = dcpl < 0 || rank < 1 || rank > 3 ? -1 : 0;
    hsize_t dims[3] = {0, 1, 1}, chunk[3] = {1, 1, 1};
    if (!ok && H5Sget_simple_extent_dims(sp, dims, NULL) < 0) ok = -1;
    if (!ok && (H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_chunk(dcpl, rank, chunk) != rank))
        ok = 1; /* not chunked: HDF5 writes it */
    if (!ok) {
        int pl = pipeline(dcpl, &p->level, &p->shuffle);
        ok = pl < 0 ? -1 : pl == 0 ? 1 : 0;
    }
    /* chunks split dimension 1 at most (time); the rest of a row is whole in every chunk */
    if (!ok && rank == 3 && chunk[2] != dims[2]) ok = 1;
    if (sp >= 0) H5Sclose(sp);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (ok) return ok < 0 ? CS_WR_H5 : CS_WR_OK; /* p->direct stays false */
    p->ftype = H5Dget_type(d);
    htri_t same = p->ftype < 0 ? -1 : H5Tequal(p->ftype, mtype);
    if (same < 0) return CS_WR_H5;
    p->convert = !same;
    p->rank = rank;
    p->d1 = rank >= 2 ? dims[1] : 1;
    p->inner = rank == 3 ? dims[2] : 1;
    p->c0 = chunk[0];
    p->c1 = rank >= 2 ? chunk[1] : 1;
    p->fsize = H5Tget_size(p->ftype);
    p->msize = H5Tget_size(mtype);
    p->row = (size_t)(p->d1 * p->inner) * p->fsize;
    p->stage = calloc((size_t)p->c0, p->row ? p->row : 1);
    if (!p->stage) return CS_WR_NOMEM;
    p->extent = dims[0];
    p->first = done - done % p->c0;
    p->rows = (size_t)(done - p->first);
    p->direct = true;
    if (p->rows == 0) return CS_WR_OK;
    /* resume: the rows of the partly filled chunk come back into the stage */
    hid_t fs = H5Dget_space(d);
    hsize_t start[3] = {p->first, 0, 0}, cnt[3] = {p->rows, p->d1, p->inner};
    hid_t ms = H5Screate_simple(rank, cnt, NULL);
    herr_t r =
        fs < 0 || ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, cnt, NULL);
    if (r >= 0) r = H5Dread(d, p->ftype, ms, fs, H5P_DEFAULT, p->stage);
    if (fs >= 0) H5Sclose(fs);
    if (ms >= 0) H5Sclose(ms);
    return r < 0 ? CS_WR_H5 : CS_WR_OK;
}

/* Byte shuffle of n elements of size es (HDF5's shuffle filter). */
static void shuffle(unsigned char *dst, const unsigned char *src, size_t n, size_t es)
{
    for (size_t j = 0; j < es; j++) {
        unsigned char *o = dst + j * n;
        const unsigned char *s = src + j;
        for (size_t i = 0; i < n; i++)
            o[i] = s[i * es];
    }
}

/* The compressor for a level, kept by the writer. */
static cs_deflate *deflater(cs_writer *w, int level)
{
    if (level < 1 || level > 9) return NULL;
    if (!w->deflaters[level]) w->deflaters[level] = cs_deflate_create(level);
    return w->deflaters[level];
}

/* Filters chunk `raw` (n bytes) as the pipeline would and writes it at offset off. */
static int put_chunk(cs_writer *w, cs_wpack *p, unsigned char *raw, size_t n, const hsize_t *off)
{
    unsigned char *data = raw;
    size_t len = n;
    if (p->shuffle && p->fsize > 1) {
        unsigned char *t = scratch(&w->pk_shuf, &w->pk_shuf_cap, n);
        if (!t) return CS_WR_NOMEM;
        shuffle(t, raw, n / p->fsize, p->fsize);
        data = t;
    }
    cs_deflate *z = p->level > 0 ? deflater(w, p->level) : NULL;
    if (p->level > 0 && !z) return CS_WR_NOMEM;
    size_t cap = (z ? cs_deflate_bound(z, n) : n) + 4;
    unsigned char *out = scratch(&w->pk_out, &w->pk_out_cap, cap);
    if (!out) return CS_WR_NOMEM;
    if (z) {
        len = cs_deflate_zlib(z, data, n, out, cap - 4);
        if (len == 0) return CS_WR_NOMEM;
    } else {
        memcpy(out, data, n);
    }
    uint32_t sum = cs_h5_fletcher32(out, len); /* stored little-endian, as HDF5 encodes it */
    out[len] = (unsigned char)sum;
    out[len + 1] = (unsigned char)(sum >> 8);
    out[len + 2] = (unsigned char)(sum >> 16);
    out[len + 3] = (unsigned char)(sum >> 24);
    return H5Dwrite_chunk(p->d, H5P_DEFAULT, 0, off, len + 4, out) < 0 ? CS_WR_H5 : CS_WR_OK;
}

/* Writes the staged chunk (its rows, zero-padded) as one chunk per slab of dimension 1. */
static int write_stage(cs_writer *w, cs_wpack *p)
{
    hsize_t end = p->first + p->rows;
    if (end > p->extent) {
        hsize_t dims[3] = {end, p->d1, p->inner};
        if (H5Dset_extent(p->d, dims) < 0) return CS_WR_H5;
        p->extent = end;
    }
    size_t fill = (size_t)p->c0 - p->rows;
    memset(p->stage + p->rows * p->row, 0, fill * p->row);
    size_t slab = (size_t)(p->c1 * p->inner) * p->fsize; /* one row of one chunk */
    if (p->c1 >= p->d1) {
        hsize_t off[3] = {p->first, 0, 0};
        return put_chunk(w, p, p->stage, (size_t)p->c0 * slab, off);
    }
    unsigned char *g = scratch(&w->pk_gather, &w->pk_gather_cap, (size_t)p->c0 * slab);
    if (!g) return CS_WR_NOMEM;
    for (hsize_t t0 = 0; t0 < p->d1; t0 += p->c1) {
        size_t part = (size_t)((p->d1 - t0 < p->c1 ? p->d1 - t0 : p->c1) * p->inner) * p->fsize;
        for (size_t i = 0; i < (size_t)p->c0; i++) {
            unsigned char *o = g + i * slab;
            memcpy(o, p->stage + i * p->row + (size_t)(t0 * p->inner) * p->fsize, part);
            memset(o + part, 0, slab - part);
        }
        hsize_t off[3] = {p->first, t0, 0};
        int rc = put_chunk(w, p, g, (size_t)p->c0 * slab, off);
        if (rc) return rc;
    }
    return CS_WR_OK;
}

int cs_wr_pack_put(cs_writer *w, cs_wpack *p, const void *rows, size_t n)
{
    const unsigned char *src = rows;
    size_t mrow = p->row / p->fsize * p->msize; /* a row in memory */
    while (n > 0) {
        size_t k = (size_t)p->c0 - p->rows;
        if (k > n) k = n;
        unsigned char *dst = p->stage + p->rows * p->row;
        if (!p->convert) {
            memcpy(dst, src, k * p->row);
        } else {
            /* H5Tconvert is the conversion H5Dwrite makes: the same bytes */
            size_t el = k * (p->row / p->fsize);
            size_t big = p->msize > p->fsize ? p->msize : p->fsize;
            unsigned char *c = scratch(&w->pk_conv, &w->pk_conv_cap, el * big);
            void *bkg = scratch(&w->pk_bkg, &w->pk_bkg_cap, el * big);
            if (!c || !bkg) return CS_WR_NOMEM;
            memcpy(c, src, k * mrow);
            if (H5Tconvert(p->mtype, p->ftype, el, c, bkg, H5P_DEFAULT) < 0) return CS_WR_H5;
            memcpy(dst, c, k * p->row);
        }
        p->rows += k;
        p->dirty = true;
        src += k * mrow;
        n -= k;
        if (p->rows == (size_t)p->c0) {
            int rc = write_stage(w, p);
            if (rc) return rc;
            p->first += p->c0;
            p->rows = 0;
            p->dirty = false;
        }
    }
    return CS_WR_OK;
}

int cs_wr_pack_flush(cs_writer *w, cs_wpack *p)
{
    if (!p->direct || !p->dirty) return CS_WR_OK;
    int rc = p->rows > 0 ? write_stage(w, p) : 0;
    if (!rc) p->dirty = false;
    return rc;
}

int cs_wr_pack_open_scen(cs_wscen *sc)
{
    int rc = CS_WR_OK;
    size_t i = 0;
    for (cs_wdset *d; !rc && (d = cs_wr_next_wdset(sc, &i));)
        rc = cs_wr_pack_open(&d->pk, d->id, d->mtype, sc->written);
    if (!rc && sc->events)
        rc = cs_wr_pack_open(&sc->ev_pk, sc->d_events, sc->t_ev_mem, sc->ev_written);
    sc->packed = true; /* on failure the writer fails: cs_wr_pack_close_scen frees */
    return rc;
}

int cs_wr_pack_flush_scen(cs_writer *w, cs_wscen *sc)
{
    int rc = CS_WR_OK;
    if (!sc->packed) return rc;
    size_t i = 0;
    for (cs_wdset *d; !rc && (d = cs_wr_next_wdset(sc, &i));)
        rc = cs_wr_pack_flush(w, &d->pk);
    if (!rc && sc->events) rc = cs_wr_pack_flush(w, &sc->ev_pk);
    return rc;
}

void cs_wr_pack_close_scen(cs_wscen *sc)
{
    if (!sc->packed) return;
    size_t i = 0;
    for (cs_wdset *d; (d = cs_wr_next_wdset(sc, &i));)
        cs_wr_pack_fini(&d->pk);
    cs_wr_pack_fini(&sc->ev_pk);
    sc->packed = false;
}

void cs_wr_pack_free_scratch(cs_writer *w)
{
    for (int i = 0; i < 10; i++)
        cs_deflate_destroy(w->deflaters[i]);
    free(w->pk_shuf);
    free(w->pk_out);
    free(w->pk_gather);
    free(w->pk_conv);
    free(w->pk_bkg);
}
