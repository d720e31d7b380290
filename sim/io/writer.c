/* The HDF5 writer (see cssim/output.h; the layout is documented in docs/output.md).
 *
 * Safety model. The file is written as PATH.part in HDF5 1.10 SWMR mode: every object and
 * attribute (all scenarios) is created first, then H5Fstart_swmr_write, and from then on the
 * writer only extends datasets and writes raw data. In SWMR mode the library writes metadata
 * in an order that keeps the file consistent for a reader at every instant, so a process
 * killed at any point leaves a file that opens (after clearing the superblock's "open for
 * write" flags, as h5clear -s does). A commit is: H5Fflush (all data of the replications so
 * far reach the OS), then write /scenarios/<s>/progress = [replications, events] and flush it.
 * Readers and --resume trust only that committed prefix; resume shrinks every dataset back to
 * it (H5Dset_extent) and the run rewrites the rest, so the data equal an uninterrupted run.
 *
 * Invariants, per scenario: committed <= written <= replications; every replication-indexed
 * dataset has extent `written` along dimension 0 (events: ev_written rows) except during one
 * cs_writer_write; progress on disk equals [committed, ev_committed].
 *
 * Several processes (opts.par with more than one rank: `mpirun -np R cssim run`). The same
 * code runs on every rank with the MPI-IO driver (parallel HDF5): every HDF5 call that creates
 * or changes metadata (objects, attributes, extents, flushes) is made by every rank with the
 * same arguments, so their metadata caches stay identical; what differs is only which rows of
 * raw data each rank writes (cs_writer_write_block: collective hyperslab writes, event rows
 * placed by an exclusive prefix sum). File-system decisions (does PATH exist? unlink, rename,
 * fsync) are taken by rank 0 and broadcast. Every public function ends with an error agreement
 * (cs_par_agree), and inside a collective section a rank that fails keeps making the same
 * collective calls, so one rank's failure is every rank's error and nobody hangs. SWMR is a
 * single-process mode (not available with MPI-IO): commits are collective flushes, and what a
 * SIGKILL leaves is described in docs/cluster.md. */
#define _GNU_SOURCE /* F_OFD_SETLK: a lock owned by one open file description */

#include "cssim/output.h"
#include "h5attr.h"
#include "h5file.h"
#include "h5par.h"
#include "salvage.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CS_FORMAT_NAME    "cssim-output"
#define CS_FORMAT_VERSION 1
/* Chunk targets: 64 KiB - 1 MiB chunks read efficiently and fit HDF5's default 1 MiB
 * per-dataset chunk cache, so partially filled chunks stay in memory between writes. */
#define CS_CHUNK_TARGET (256u * 1024u)
#define CS_TCONV_BYTES  (1u << 20) /* HDF5's default conversion buffer size */
#define CS_CHUNK_MAX    (1024u * 1024u)
#define CS_CHUNK_1D     8192u /* rows of a [replication] dataset per chunk (64 KiB of f64) */
/* Event rows per chunk: 8192 packed rows of 30 bytes = 240 KiB. The last, partial chunk is
 * stored whole and unfiltered (see dset_create), so larger chunks cost small runs ~1 MiB. */
#define CS_EVENT_CHUNK 8192u
#define CS_EVENT_SIZE  30u
/* A SWMR open retries a metadata read whose checksum fails (a concurrent writer may be midway),
 * by default 100 times with exponential back-off: over a minute on a damaged file. A few
 * attempts suffice for a file whose writer is dead or flushes in order. */
#define CS_METADATA_READ_ATTEMPTS 4
/* How long a run waits for another run's lock on the same output before refusing. */
#define CS_LOCK_WAIT_S 10

/* One dataset appended along dimension 0. */
typedef struct cs_wdset {
    hid_t id;
    hid_t mtype;     /* memory type: borrowed (predefined or owned by the scenario) */
    int rank;        /* 1..3 */
    hsize_t dims[3]; /* dims[0] = current length; the others are fixed */
    hid_t mspace;    /* one replication's slab in memory */
} cs_wdset;

typedef struct cs_wscen {
    char *name;
    const cs_schema *schema;
    size_t n_time, n_uncertain;
    bool national, panel, events;
    bool open; /* dataset handles held (released once the scenario is complete) */
    cs_wdset rep;
    cs_wdset *series, *panels, *summary, *lastat, *drawn;
    hid_t d_events, d_progress;
    hid_t t_ev_mem;
    hid_t *types; /* enum types owned by this scenario */
    size_t n_types;
    uint64_t written, committed, ev_written, ev_committed;
    char **drawn_names; /* [n_uncertain]: to reopen drawn/ on every rank (mpi) */
} cs_wscen;

struct cs_writer {
    char *path, *part;
    hid_t file;
    hid_t t_str; /* variable-length UTF-8 string */
    bool begun, resumed, failed;
    /* An HDF5 call on the file failed (disk full, file-size limit, I/O error): the library's
     * cache may now disagree with the disk, and flushing or closing it can crash (HDF5
     * 1.10.8). The file is then left exactly as it is, like a killed process leaves it: its
     * committed prefix is intact and --resume continues from there. */
    bool broken;
    int lock_fd; /* PATH.lock, locked for the whole run (lock_output), or -1 */
    char *lock_path;
    /* Resume by copy (one process): the interrupted PATH.part, opened read-only, whose
     * committed prefix is copied into a new file (fresh_path = PATH.part.new) that replaces it
     * at cs_writer_begin. The interrupted file is never written: a resume killed at any point
     * leaves it as it was. */
    hid_t old;
    char *fresh_path;
    uint64_t seed, replications, commit_every;
    size_t n_la;
    size_t n_scen, cap_scen;
    cs_wscen *scen;
    size_t n_file_scen; /* resume: scenarios recorded in PATH.part */
    char **file_scen;
    /* several processes (see the top of this file) */
    const cs_par *par;
    bool mpi;            /* par has more than one rank: MPI-IO, collective writes, no SWMR */
    uint64_t round_rows; /* replications per collective write (opts.round_rows) */
    bool root;           /* rank 0: takes the file-system decisions */
    hid_t dxpl;          /* transfers: collective (mpi), or with the conversion buffers below */
    void *tconv, *tbkg;  /* type-conversion buffers, allocated once: HDF5 would calloc 1 MiB at
                            every H5Dwrite that converts (measured: most of a replication's
                            write time on small replications) */
    void *stage;         /* contiguous rows of this rank's block (mpi only) */
    size_t stage_cap;
};

/* Error agreement at the end of a collective step (identity with one process). */
static int agree(const cs_writer *w, int rc, cs_error *err)
{
    return w && w->mpi ? cs_par_agree(w->par, rc, err) : rc;
}

/* ---- errors ---- */

typedef struct h5_detail {
    char text[256];
} h5_detail;

static herr_t detail_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    h5_detail *d = data;
    if (n != 0 || !e->desc) return 0;
    /* Driver errors read "... errno = 28, error message = 'No space left on device', ...":
     * the quoted part is what a person needs. */
    const char *m = strstr(e->desc, "error message = '");
    if (m) {
        m += strlen("error message = '");
        const char *end = strchr(m, '\'');
        int len = end ? (int)(end - m) : (int)strlen(m);
        snprintf(d->text, sizeof d->text, "%.*s", len, m);
    } else {
        snprintf(d->text, sizeof d->text, "%s", e->desc);
    }
    return 0;
}

/* The innermost message of HDF5's error stack; call right after the failing call. */
static void h5_get_detail(h5_detail *d)
{
    d->text[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, detail_cb, d);
    if (!d->text[0]) snprintf(d->text, sizeof d->text, "HDF5 error");
}

/* Reports an HDF5 failure as CS_EIO with the file name, what we were doing and why. */
static int h5_fail(cs_writer *w, cs_error *err, const char *what)
{
    h5_detail d;
    h5_get_detail(&d);
    if (w) w->failed = w->broken = true;
    return cs_error_set(err, CS_EIO, w ? w->part : NULL, 0, 0, NULL, "%s: %s", what, d.text);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* ---- property lists and types ---- */

/* No object timestamps, no attribute creation order: identical data, identical bytes. */
static hid_t plist_untimed(hid_t cls)
{
    hid_t p = H5Pcreate(cls);
    if (p >= 0 && H5Pset_obj_track_times(p, 0) < 0) {
        H5Pclose(p);
        return H5I_INVALID_HID;
    }
    return p;
}

static hid_t file_type(cs_vtype t)
{
    switch (t) {
    case CS_VT_I32:
        return H5T_STD_I32LE;
    case CS_VT_F64:
        return H5T_IEEE_F64LE;
    case CS_VT_F32:
        return H5T_IEEE_F32LE;
    case CS_VT_U8:
        return H5T_STD_U8LE;
    }
    return H5T_IEEE_F64LE;
}

static hid_t mem_type(cs_vtype t)
{
    switch (t) {
    case CS_VT_I32:
        return H5T_NATIVE_INT32;
    case CS_VT_F64:
        return H5T_NATIVE_DOUBLE;
    case CS_VT_F32:
        return H5T_NATIVE_FLOAT;
    case CS_VT_U8:
        return H5T_NATIVE_UINT8;
    }
    return H5T_NATIVE_DOUBLE;
}

static size_t vt_size(cs_vtype t)
{
    switch (t) {
    case CS_VT_I32:
        return 4;
    case CS_VT_F64:
        return 8;
    case CS_VT_F32:
        return 4;
    case CS_VT_U8:
        return 1;
    }
    return 8;
}

/* An enum type on `base` (H5T_STD_U8LE or H5T_STD_I16LE) with value i named labels[i]. */
static hid_t enum_type(const cs_enum_def *e, hid_t base)
{
    hid_t t = H5Tenum_create(base);
    if (t < 0) return t;
    bool wide = H5Tget_size(base) == 2;
    for (size_t i = 0; i < e->n; i++) {
        uint8_t v8 = (uint8_t)i;
        int16_t v16 = (int16_t)i;
        if (H5Tenum_insert(t, e->labels[i], wide ? (const void *)&v16 : (const void *)&v8) < 0) {
            H5Tclose(t);
            return H5I_INVALID_HID;
        }
    }
    return t;
}

static int add_type(cs_wscen *sc, hid_t t)
{
    hid_t *n = realloc(sc->types, (sc->n_types + 1) * sizeof *n);
    if (!n) return CS_ENOMEM;
    sc->types = n;
    sc->types[sc->n_types++] = t;
    return CS_OK;
}

/* ---- attributes ---- */

static herr_t attr_write(hid_t obj, const char *name, hid_t ftype, hid_t mtype, hid_t space,
                         const void *buf)
{
    hid_t a = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t r = H5Awrite(a, mtype, buf);
    H5Aclose(a);
    return r;
}

static herr_t attr_scalar(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    herr_t r = attr_write(obj, name, ftype, mtype, s, v);
    H5Sclose(s);
    return r;
}

static herr_t attr_str(const cs_writer *w, hid_t obj, const char *name, const char *v)
{
    const char *p = v ? v : "";
    return attr_scalar(obj, name, w->t_str, w->t_str, &p);
}

static herr_t attr_strs(const cs_writer *w, hid_t obj, const char *name, size_t n,
                        const char *const *v)
{
    hsize_t d = n;
    hid_t s = H5Screate_simple(1, &d, NULL);
    herr_t r = attr_write(obj, name, w->t_str, w->t_str, s, v);
    H5Sclose(s);
    return r;
}

static herr_t attr_u64(hid_t obj, const char *name, uint64_t v)
{
    return attr_scalar(obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
}

static herr_t attr_f64(hid_t obj, const char *name, double v)
{
    return attr_scalar(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

static herr_t attr_i32(hid_t obj, const char *name, int32_t v)
{
    return attr_scalar(obj, name, H5T_STD_I32LE, H5T_NATIVE_INT32, &v);
}

static int attr_read_num(hid_t obj, const char *name, hid_t mtype, void *v)
{
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t r = H5Aread(a, mtype, v);
    H5Aclose(a);
    return r < 0 ? -1 : 0;
}

/* Reads a 1-D variable-length string attribute; *n strings, free with free_strs. */
static char **attr_read_strs(hid_t obj, const char *name, size_t *n)
{
    *n = 0;
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t sp = H5Aget_space(a);
    hssize_t cnt = H5Sget_simple_extent_npoints(sp);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    char **raw = cnt > 0 ? calloc((size_t)cnt, sizeof *raw) : NULL;
    char **out = cnt > 0 ? calloc((size_t)cnt, sizeof *out) : NULL;
    bool ok = raw && out && H5Aread(a, mt, raw) >= 0;
    for (hssize_t i = 0; ok && i < cnt; i++) {
        out[i] = dup_str(raw[i] ? raw[i] : "");
        ok = out[i] != NULL;
    }
    if (raw && ok) H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, raw);
    H5Tclose(mt);
    H5Sclose(sp);
    H5Aclose(a);
    free(raw);
    if (!ok) {
        if (out)
            for (hssize_t i = 0; i < cnt; i++)
                free(out[i]);
        free(out);
        return NULL;
    }
    *n = (size_t)cnt;
    return out;
}

static void free_strs(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- datasets ---- */

/* early: allocate chunks when the dataset is extended (several ranks: parallel HDF5 writes
 * only to allocated chunks, and creates its own datasets so). */
static hid_t dset_create(hid_t loc, const char *name, hid_t ftype, int rank, const hsize_t *dims,
                         const hsize_t *chunk, int compression, bool early)
{
    hid_t dcpl = plist_untimed(H5P_DATASET_CREATE);
    if (dcpl < 0) return dcpl;
    if (early && H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0) goto fail;
    hsize_t maxd[3];
    for (int i = 0; i < rank; i++)
        maxd[i] = dims[i];
    if (chunk) {
        maxd[0] = H5S_UNLIMITED;
        if (H5Pset_chunk(dcpl, rank, chunk) < 0) goto fail;
        if (compression > 0 &&
            (H5Pset_shuffle(dcpl) < 0 ||
             H5Pset_deflate(dcpl, (unsigned)(compression > 9 ? 9 : compression)) < 0))
            goto fail;
        /* Every chunk carries a Fletcher-32 checksum, the growing last one included: a damaged
         * chunk fails to read (resume reads the whole file back first) instead of returning
         * wrong numbers. The last chunk is filtered anew at each commit, written to fresh
         * space (SWMR does not reuse space): a reader sees its old or new version, whole. */
        if (H5Pset_fletcher32(dcpl) < 0) goto fail;
    }
    hid_t sp = H5Screate_simple(rank, dims, maxd);
    hid_t d =
        sp < 0 ? H5I_INVALID_HID : H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (sp >= 0) H5Sclose(sp);
    H5Pclose(dcpl);
    return d;
fail:
    H5Pclose(dcpl);
    return H5I_INVALID_HID;
}

/* A fixed, fully written 1-D dataset. */
static hid_t dset_fixed(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hsize_t n,
                        const void *buf)
{
    hid_t d = dset_create(loc, name, ftype, 1, &n, NULL, 0, false);
    if (d < 0) return d;
    if (n > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        H5Dclose(d);
        return H5I_INVALID_HID;
    }
    return d;
}

static hid_t dset_strings(const cs_writer *w, hid_t loc, const char *name, size_t n,
                          const char *const *v)
{
    return dset_fixed(loc, name, w->t_str, w->t_str, n, v);
}

/* k rows of `row_bytes` per chunk: ~CS_CHUNK_TARGET, at most the run's replications. */
static hsize_t rows_per_chunk(size_t row_bytes, uint64_t replications, hsize_t cap)
{
    hsize_t k = row_bytes ? CS_CHUNK_TARGET / row_bytes : cap;
    if (k > cap) k = cap;
    if (replications > 0 && k > replications) k = replications;
    return k ? k : 1;
}

/* Several ranks write a round of round_rows replications at a time, and parallel HDF5
 * recompresses a partly written chunk at every write: chunks of a divisor of round_rows rows
 * are each written, and compressed, once. */
static hsize_t rows_chunk(const cs_writer *w, size_t row_bytes, hsize_t cap)
{
    hsize_t k = rows_per_chunk(row_bytes, w->replications, cap);
    uint64_t m = w->round_rows;
    if (!w->mpi || m == 0 || m >= w->replications) return k;
    if (k >= m) return (hsize_t)m;
    while (m % k)
        k--;
    return k;
}

/* Creates an appendable dataset [0, dims[1], dims[2]] and prepares its memory slab. */
static int wdset_create(cs_wdset *d, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                        int rank, const hsize_t *row, const hsize_t *chunk, int compression,
                        bool early)
{
    d->rank = rank;
    d->dims[0] = 0;
    for (int i = 1; i < rank; i++)
        d->dims[i] = row[i];
    d->mtype = mtype;
    d->id = dset_create(loc, name, ftype, rank, d->dims, chunk, compression, early);
    return d->id < 0 ? -1 : 0;
}

static int wdset_prepare(cs_wdset *d)
{
    hsize_t m[3] = {1, d->dims[1], d->dims[2]};
    d->mspace = H5Screate_simple(d->rank, m, NULL);
    return d->mspace < 0 ? -1 : 0;
}

/* Opens an existing appendable dataset (resume), checking the fixed dimensions. */
static int wdset_open(cs_wdset *d, hid_t loc, const char *name, hid_t mtype, int rank,
                      const hsize_t *row)
{
    d->id = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d->id < 0) return -1;
    hid_t sp = H5Dget_space(d->id);
    int r = H5Sget_simple_extent_ndims(sp);
    hsize_t cur[3] = {0, 0, 0};
    if (r == rank) H5Sget_simple_extent_dims(sp, cur, NULL);
    H5Sclose(sp);
    if (r != rank) return -2;
    for (int i = 1; i < rank; i++)
        if (cur[i] != row[i]) return -2;
    d->rank = rank;
    d->mtype = mtype;
    for (int i = 0; i < rank; i++)
        d->dims[i] = cur[i];
    return 0;
}

static void wdset_close(cs_wdset *d)
{
    if (d->mspace > 0) H5Sclose(d->mspace);
    if (d->id > 0) H5Dclose(d->id);
    d->mspace = d->id = H5I_INVALID_HID;
}

/* Sets the length along dimension 0 (grow for a write, shrink on resume). */
static herr_t wdset_resize(cs_wdset *d, hsize_t n)
{
    hsize_t dims[3] = {n, d->dims[1], d->dims[2]};
    if (H5Dset_extent(d->id, dims) < 0) return -1;
    d->dims[0] = n;
    return 0;
}

/* Appends row `r` (which must equal the current length). */
static herr_t wdset_append(cs_wdset *d, hid_t dxpl, hsize_t r, const void *buf)
{
    if (wdset_resize(d, r + 1) < 0) return -1;
    hid_t fs = H5Dget_space(d->id);
    if (fs < 0) return -1;
    hsize_t start[3] = {r, 0, 0}, count[3] = {1, d->dims[1], d->dims[2]};
    herr_t st = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    if (st >= 0) st = H5Dwrite(d->id, d->mtype, d->mspace, fs, dxpl, buf);
    H5Sclose(fs);
    return st;
}

/* ---- the events table ---- */

static hid_t event_file_type(hid_t t_type)
{
    /* Packed little-endian rows (30 bytes) so the table has the same bytes on every host. */
    hid_t t = H5Tcreate(H5T_COMPOUND, CS_EVENT_SIZE);
    if (t < 0) return t;
    if (H5Tinsert(t, "replication", 0, H5T_STD_U32LE) < 0 ||
        H5Tinsert(t, "time", 4, H5T_IEEE_F64LE) < 0 ||
        H5Tinsert(t, "authority", 12, H5T_STD_I32LE) < 0 || H5Tinsert(t, "type", 16, t_type) < 0 ||
        H5Tinsert(t, "before", 18, H5T_STD_I16LE) < 0 ||
        H5Tinsert(t, "after", 20, H5T_STD_I16LE) < 0 ||
        H5Tinsert(t, "value", 22, H5T_IEEE_F64LE) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

static hid_t event_mem_type(hid_t t_type)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(cs_evrec));
    if (t < 0) return t;
    if (H5Tinsert(t, "replication", offsetof(cs_evrec, replication), H5T_NATIVE_UINT32) < 0 ||
        H5Tinsert(t, "time", offsetof(cs_evrec, time), H5T_NATIVE_DOUBLE) < 0 ||
        H5Tinsert(t, "authority", offsetof(cs_evrec, authority), H5T_NATIVE_INT32) < 0 ||
        H5Tinsert(t, "type", offsetof(cs_evrec, type), t_type) < 0 ||
        H5Tinsert(t, "before", offsetof(cs_evrec, before), H5T_NATIVE_INT16) < 0 ||
        H5Tinsert(t, "after", offsetof(cs_evrec, after), H5T_NATIVE_INT16) < 0 ||
        H5Tinsert(t, "value", offsetof(cs_evrec, value), H5T_NATIVE_DOUBLE) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* ---- open ---- */

static int fsync_path(const char *p, bool dir)
{
    int fd = open(p, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0) return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 || errno != ENOENT;
}

/* Checks up front that the directory of `path` exists and is writable, so that the error
 * names the real problem rather than an HDF5 stack. */
static int check_dir(const char *path, cs_error *err)
{
    char *dir = dup_str(path);
    if (!dir) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    struct stat st;
    int rc = CS_OK;
    if (stat(dir, &st) != 0) {
        if (errno == ENOENT)
            rc = cs_error_set(err, CS_EIO, path, 0, 0, NULL,
                              "cannot create output: directory '%s' does not exist", dir);
        else
            rc = cs_error_set(err, CS_EIO, path, 0, 0, NULL,
                              "cannot create output: directory '%s': %s", dir, strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        rc = cs_error_set(err, CS_EIO, path, 0, 0, NULL,
                          "cannot create output: '%s' is not a directory", dir);
    } else if (access(dir, W_OK | X_OK) != 0) {
        rc = cs_error_set(err, CS_EIO, path, 0, 0, NULL,
                          "cannot create output: directory '%s' is not writable: %s", dir,
                          strerror(errno));
    }
    free(dir);
    return rc;
}

/* mpio: the communicator of an MPI-IO open (NULL: this process alone, sec2 driver). */
static hid_t make_fapl(bool clear_flags, const cs_par *mpio)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
    if (mpio && cs_h5par_fapl(fapl, mpio) < 0) goto fail;
    /* SWMR needs the 1.10 format (checksummed metadata, superblock v3). */
    if (H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) < 0) goto fail;
    /* Lock where the file system can; don't fail where it cannot (some network file systems). */
    if (H5Pset_file_locking(fapl, 1, 1) < 0) goto fail;
    if (clear_flags) {
        /* After a kill the superblock still says "open for SWMR write" and a normal open
         * refuses the file. "clear_status_flags" is the library's own (unexported) fapl
         * property that h5clear -s sets; HDF5 1.10.8 registers it on every fapl. */
        hbool_t on = 1;
        if (H5Pexist(fapl, "clear_status_flags") <= 0 ||
            H5Pset(fapl, "clear_status_flags", &on) < 0)
            goto fail;
    }
    return fapl;
fail:
    H5Pclose(fapl);
    return H5I_INVALID_HID;
}

static void iso_now(char *buf, size_t n)
{
    /* SOURCE_DATE_EPOCH (the reproducible-builds convention) pins `created`, so that two
     * runs can be compared byte for byte. */
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (!*end) t = (time_t)v;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int write_authorities(cs_writer *w, const cs_writer_opts *o, cs_error *err)
{
    hid_t gcpl = plist_untimed(H5P_GROUP_CREATE);
    hid_t g = H5Gcreate2(w->file, "authorities", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    if (g < 0) return h5_fail(w, err, "cannot create /authorities");
    int rc = CS_OK;
    size_t n = o->n_la;
    char **idx = NULL;
    const char *const *codes = NULL;
    if (o->n_cols > 0 && o->cols[0].type == CS_VT_U8 && o->cols[0].strs) {
        codes = o->cols[0].strs;
    } else {
        /* No code column: the authorities are labelled by their index. */
        idx = calloc(n ? n : 1, sizeof *idx);
        for (size_t i = 0; idx && i < n; i++) {
            idx[i] = malloc(24);
            if (!idx[i]) break;
            snprintf(idx[i], 24, "%zu", i);
        }
        codes = (const char *const *)idx;
    }
    hid_t sc = H5I_INVALID_HID;
    if (!codes) {
        rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto done;
    }
    sc = dset_strings(w, g, "authority", n, codes);
    if (sc < 0 || H5DSset_scale(sc, "authority") < 0 ||
        attr_str(w, sc, "long_name", "local authority code") < 0) {
        rc = h5_fail(w, err, "cannot create /authorities/authority");
        goto done;
    }
    for (size_t c = 0; c < o->n_cols; c++) {
        const cs_table_col *col = &o->cols[c];
        hid_t d = H5I_INVALID_HID;
        if (!col->name || !col->name[0] || strchr(col->name, '/') ||
            !strcmp(col->name, "authority")) {
            rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                              "authority table: invalid column name '%s'",
                              col->name ? col->name : "(null)");
            goto done;
        }
        if (col->type == CS_VT_U8 && col->strs)
            d = dset_strings(w, g, col->name, n, col->strs);
        else if (col->type == CS_VT_F64 && col->f64)
            d = dset_fixed(g, col->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, col->f64);
        else if (col->type == CS_VT_I32 && col->i32)
            d = dset_fixed(g, col->name, H5T_STD_I32LE, H5T_NATIVE_INT32, n, col->i32);
        else {
            rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                              "authority table: column '%s' has no data of its type", col->name);
            goto done;
        }
        if (d < 0 || H5DSattach_scale(d, sc, 0) < 0 ||
            (col->doc && attr_str(w, d, "long_name", col->doc) < 0)) {
            if (d >= 0) H5Dclose(d);
            rc = h5_fail(w, err, "cannot write the authority table");
            goto done;
        }
        H5Dclose(d);
    }
done:
    if (sc >= 0) H5Dclose(sc);
    H5Gclose(g);
    if (idx)
        for (size_t i = 0; i < n; i++)
            free(idx[i]);
    free(idx);
    return rc;
}

/* Creates PATH.part: made as PATH.part.new with its user block (how the run was started)
 * written, then renamed, so that every PATH.part that exists says how to resume it. */
static int create_file(cs_writer *w, const cs_writer_opts *o, bool publish, cs_error *err)
{
    const char *cmd = o->command_line ? o->command_line : "";
    const char *cwd = o->working_directory ? o->working_directory : "";
    size_t ub = cs_h5_userblock_size(cmd, cwd);
    size_t n = strlen(w->part) + 5;
    char *tmp = malloc(n);
    if (!tmp) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    snprintf(tmp, n, "%s.new", w->part);
    unlink(tmp); /* left by a run stopped inside H5Fcreate: it holds nothing */
    hid_t fcpl = plist_untimed(H5P_FILE_CREATE); /* also untimes the root group */
    hid_t fapl = make_fapl(false, NULL);
    /* Freed file space is never reused (no free-space managers, no aggregators: allocation
     * only at the end of the file): a chunk rewritten at a commit or evicted from the chunk
     * cache leaves its old version in place, so a chunk index that a killed writer left on
     * disk cannot point at another dataset's newer bytes. (This guards against one suspected
     * cause of damaged prefixes after a kill; the soak test still sees about 1 in 70 kills
     * leave part of the committed prefix unreadable, which resume detects by checksum and
     * recovers from: copy_prefix.) */
    if (fcpl >= 0 && H5Pset_file_space_strategy(fcpl, H5F_FSPACE_STRATEGY_NONE, 0, 1) < 0) {
        H5Pclose(fcpl);
        fcpl = H5I_INVALID_HID;
    }
    if (fcpl >= 0 && H5Pset_userblock(fcpl, (hsize_t)ub) < 0) {
        H5Pclose(fcpl);
        fcpl = H5I_INVALID_HID;
    }
    w->file = fcpl < 0 || fapl < 0 ? H5I_INVALID_HID : H5Fcreate(tmp, H5F_ACC_EXCL, fcpl, fapl);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    if (w->file < 0) {
        free(tmp);
        return h5_fail(w, err, "cannot create the file");
    }
    int fd = open(tmp, O_WRONLY);
    int ok = fd >= 0 && cs_h5_userblock_write(fd, ub, cmd, cwd) == 0;
    if (fd >= 0) close(fd);
    if (!ok || (publish && rename(tmp, w->part) != 0)) {
        int e = errno;
        H5Fclose(w->file);
        w->file = H5I_INVALID_HID;
        unlink(tmp);
        free(tmp);
        w->failed = true;
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "cannot create the file: %s",
                            strerror(e));
    }
    if (publish)
        free(tmp);
    else
        w->fresh_path = tmp; /* renamed over PATH.part at cs_writer_begin */
    char created[32];
    iso_now(created, sizeof created);
    hid_t r = w->file;
    if (attr_str(w, r, "format", CS_FORMAT_NAME) < 0 ||
        attr_i32(r, "format_version", CS_FORMAT_VERSION) < 0 ||
        attr_str(w, r, "software_version", o->software_version) < 0 ||
        attr_str(w, r, "git_commit", o->git_commit) < 0 ||
        attr_str(w, r, "command_line", o->command_line) < 0 ||
        attr_str(w, r, "working_directory", o->working_directory) < 0 ||
        attr_str(w, r, "created", created) < 0 || attr_u64(r, "seed", o->seed) < 0 ||
        attr_str(w, r, "stream_scheme", o->stream_scheme) < 0 ||
        attr_str(w, r, "start_date", o->start_date) < 0 ||
        attr_f64(r, "horizon_years", o->horizon_years) < 0 ||
        attr_u64(r, "replications", o->replications) < 0 ||
        attr_u64(r, "n_authorities", (uint64_t)o->n_la) < 0)
        return h5_fail(w, err, "cannot write the root attributes");
    int rc = write_authorities(w, o, err);
    if (rc) return rc;
    hid_t gcpl = plist_untimed(H5P_GROUP_CREATE);
    hid_t g = H5Gcreate2(w->file, "scenarios", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    if (g < 0) return h5_fail(w, err, "cannot create /scenarios");
    H5Gclose(g);
    return CS_OK;
}

static int mismatch(cs_writer *w, cs_error *err, const char *what)
{
    w->failed = true;
    return cs_error_set(err, CS_EMISMATCH, w->part, 0, 0, NULL,
                        "cannot resume: %s differs from this run (start again with --force)", what);
}

static bool streq(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

/* True when PATH.part cannot hold a committed replication: it is empty or a bare superblock,
 * or its superblock (v2/v3: byte 11 holds the status flags) never had the SWMR-writing flag
 * (0x04) that cs_writer_begin sets before the first commit. A writer killed while creating
 * objects leaves such a file, which HDF5 may be unable to open. */
static bool never_began(const char *path)
{
    unsigned char sb[48];
    struct stat st;
    if (stat(path, &st) != 0) return false;
    if (st.st_size == 0) return true;
    char *cmd, *cwd;
    bool ours = cs_h5_userblock_read(path, &cmd, &cwd) == 0;
    free(cmd), free(cwd);
    FILE *fp = fopen(path, "rb");
    if (!fp) return false;
    long at = cs_h5_superblock(fp, sb);
    fclose(fp);
    if (at < 0) return ours; /* our user block alone: stopped inside H5Fcreate */
    return sb[8] >= 2 && (sb[11] & 0x04) == 0;
}

/* Reopens PATH.part. Returns 1 when the file holds nothing committed (the run died before
 * cs_writer_begin) and should be recreated. */
static int reopen_check(cs_writer *w, const cs_writer_opts *o, const h5_detail *dp, cs_error *err);

static int reopen_file(cs_writer *w, const cs_writer_opts *o, cs_error *err)
{
    /* One process: the superblock's end of allocation is made to agree with the file's size
     * (cs_h5_superblock_fit: one checksummed 48-byte write, or the file extended with zeros),
     * and the file is then only read, as a SWMR reader: the committed prefix is copied into a
     * new file (cs_writer_add_scenario). HDF5 never opens the interrupted file for writing, so
     * a resume killed at any instant leaves it as it was.
     * Several processes (MPI-IO, no SWMR): reopened for writing and truncated in place. */
    cs_h5_superblock_fit(w->part);
    if (!w->mpi) {
        hid_t rfapl = cs_h5_fapl_reader();
        w->file = rfapl < 0 ? H5I_INVALID_HID
                            : H5Fopen(w->part, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, rfapl);
        if (w->file < 0 && rfapl >= 0) w->file = H5Fopen(w->part, H5F_ACC_RDONLY, rfapl);
        h5_detail d;
        h5_get_detail(&d);
        if (rfapl >= 0) H5Pclose(rfapl);
        return reopen_check(w, o, &d, err);
    }
    hid_t fapl = make_fapl(true, NULL);
    if (fapl >= 0 && H5Pset_metadata_read_attempts(fapl, CS_METADATA_READ_ATTEMPTS) < 0) {
        H5Pclose(fapl);
        fapl = H5I_INVALID_HID;
    }
    w->file =
        fapl < 0 ? H5I_INVALID_HID : H5Fopen(w->part, H5F_ACC_RDWR | H5F_ACC_SWMR_WRITE, fapl);
    h5_detail d;
    h5_get_detail(&d); /* before any other call clears the error stack */
    if (fapl >= 0) H5Pclose(fapl);
    if (w->file >= 0 && H5Fincrement_filesize(w->file, 0) < 0) {
        h5_get_detail(&d);
        H5Fclose(w->file);
        w->file = H5I_INVALID_HID;
    }
    return reopen_check(w, o, &d, err);
}

/* The checks of reopen_file on the opened (or not) PATH.part. */
static int reopen_check(cs_writer *w, const cs_writer_opts *o, const h5_detail *dp, cs_error *err)
{
    h5_detail d = *dp;
    if (w->file < 0 && never_began(w->part)) return 1;
    if (w->file < 0) {
        w->failed = true;
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL,
                            "cannot reopen to resume: the file is damaged (%s); remove it or "
                            "start again with --force",
                            d.text);
    }
    w->file_scen = attr_read_strs(w->file, "scenarios", &w->n_file_scen);
    if (!w->file_scen) return 1;
    hid_t r = w->file;
    uint64_t seed = 0, reps = 0, nla = 0;
    double horizon = 0;
    if (attr_read_num(r, "seed", H5T_NATIVE_UINT64, &seed) || seed != o->seed)
        return mismatch(w, err, "the master seed");
    if (attr_read_num(r, "replications", H5T_NATIVE_UINT64, &reps) || reps != o->replications)
        return mismatch(w, err, "the number of replications");
    if (attr_read_num(r, "n_authorities", H5T_NATIVE_UINT64, &nla) || nla != o->n_la)
        return mismatch(w, err, "the number of authorities");
    if (attr_read_num(r, "horizon_years", H5T_NATIVE_DOUBLE, &horizon) ||
        horizon != o->horizon_years)
        return mismatch(w, err, "the horizon");
    const char *keys[] = {"start_date", "stream_scheme"};
    const char *vals[] = {o->start_date, o->stream_scheme};
    for (int i = 0; i < 2; i++) {
        char *s = cs_h5_attr_text(r, keys[i]);
        bool same = s && streq(s, vals[i]);
        free(s);
        if (!same) return mismatch(w, err, keys[i]);
    }
    w->resumed = true;
    if (!w->mpi) { /* the new file is created beside it (open_local) */
        w->old = w->file;
        w->file = H5I_INVALID_HID;
    }
    return CS_OK;
}

/* Everything of cs_writer_open that touches the file system and the file: with several
 * ranks, rank 0 alone does it (serial HDF5 calls, exactly as a single process), and the others
 * learn the outcome. On failure nothing stays open. */
static int lock_output(cs_writer *w, cs_error *err);

static int open_local(cs_writer *w, const char *path, const cs_writer_opts *opts, cs_error *err)
{
    int rc = check_dir(path, err);
    if (!rc) rc = lock_output(w, err);
    if (rc) return rc;
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return cs_error_set(err, CS_EIO, path, 0, 0, NULL, "output path is a directory");
        if (!opts->force)
            return cs_error_set(err, CS_EEXIST, path, 0, 0, NULL,
                                "output file already exists; use --force to overwrite it");
    }
    bool fresh = true;
    if (exists(w->part)) {
        if (opts->resume) {
            rc = reopen_file(w, opts, err);
            if (rc < 0) return rc;
            fresh = rc == 1;
            if (fresh && w->file >= 0) { /* nothing was committed: start afresh */
                H5Fclose(w->file);
                w->file = H5I_INVALID_HID;
            }
            if (!fresh && w->old >= 0) return create_file(w, opts, false, err);
        } else if (!opts->force) {
            return cs_error_set(err, CS_EEXIST, path, 0, 0, NULL,
                                "an interrupted run left '%s.part'; use --resume to continue it "
                                "or --force to start again",
                                path);
        }
        if (fresh && unlink(w->part) != 0)
            return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "cannot remove: %s",
                                strerror(errno));
    }
    if (fresh) {
        rc = create_file(w, opts, true, err);
        if (rc) {
            /* Nothing was committed: remove what we created (only if we created it). */
            if (w->file >= 0) {
                H5Fclose(w->file);
                w->file = H5I_INVALID_HID;
                unlink(w->part);
            }
            return rc;
        }
    }
    return CS_OK;
}

void cs_writer_library_init(void)
{
    /* A file left open after a failed write must not be flushed when the process exits: that
     * flush is what crashes HDF5 1.10.8 ("cannot flush: File too large", then SIGSEGV). */
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

int cs_writer_open(cs_writer **out, const char *path, const cs_writer_opts *opts, cs_error *err)
{
    if (!out || !path || !path[0] || !opts)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_open: missing argument");
    *out = NULL;
    /* We report our own messages; HDF5's automatic stack dumps would only add noise. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const cs_par *par = opts->par;
    bool mpi = cs_par_size(par) > 1;
    cs_writer *w = calloc(1, sizeof *w);
    if (w) {
        w->file = H5I_INVALID_HID;
        w->dxpl = H5I_INVALID_HID;
        w->lock_fd = -1;
        w->old = H5I_INVALID_HID;
        w->par = par;
        w->mpi = mpi;
        w->root = cs_par_rank(par) == 0;
        w->path = dup_str(path);
        w->part = malloc(strlen(path) + 6);
        w->t_str = H5Tcopy(H5T_C_S1);
        if (mpi) {
            w->dxpl = cs_h5par_dxpl();
        } else {
            w->tconv = malloc(CS_TCONV_BYTES);
            w->tbkg = malloc(CS_TCONV_BYTES);
            w->dxpl = H5Pcreate(H5P_DATASET_XFER);
            if (w->dxpl >= 0 && (!w->tconv || !w->tbkg ||
                                 H5Pset_buffer(w->dxpl, CS_TCONV_BYTES, w->tconv, w->tbkg) < 0)) {
                H5Pclose(w->dxpl);
                w->dxpl = H5I_INVALID_HID;
            }
        }
    }
    int rc = !w || !w->path || !w->part || w->t_str < 0 || w->dxpl < 0 ? CS_ENOMEM : CS_OK;
    if (rc) cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    if (mpi) rc = cs_par_agree(par, rc, err);
    if (rc) {
        if (w) w->file = H5I_INVALID_HID;
        cs_writer_abort(w);
        return rc;
    }
    H5Tset_size(w->t_str, H5T_VARIABLE);
    H5Tset_cset(w->t_str, H5T_CSET_UTF8);
    strcpy(w->part, path);
    strcat(w->part, ".part");
    w->seed = opts->seed;
    w->replications = opts->replications;
    w->n_la = opts->n_la;
    w->commit_every = 1;
    w->round_rows = opts->round_rows;

    rc = agree(w, w->root ? open_local(w, path, opts, err) : CS_OK, err);
    if (rc) {
        cs_writer_abort(w); /* closes what rank 0 opened (a resume that did not match) */
        return rc;
    }
    int resumed = w->resumed;
    cs_par_bcast(par, &resumed, sizeof resumed, 0);
    w->resumed = resumed;
    *out = w;
    return CS_OK;
}

int cs_writer_set_commit_every(cs_writer *w, uint64_t n)
{
    if (!w || n == 0) return CS_EINVAL;
    w->commit_every = n;
    return CS_OK;
}

/* ---- scenarios ---- */

static int check_name(const char *kind, const char *name, cs_error *err)
{
    if (!name || !name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                            "%s name '%s' cannot name an HDF5 object (empty, '.', or has '/')",
                            kind, name ? name : "(null)");
    return CS_OK;
}

static hid_t group_new(hid_t loc, const char *name)
{
    hid_t gcpl = plist_untimed(H5P_GROUP_CREATE);
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    return g;
}

/* Hard links to the scenario's axes, so that each group opens in xarray with its
 * coordinates (h5netcdf only reads a group's own datasets as variables). */
static herr_t link_axes(hid_t sg, hid_t g, bool time, bool authority, hid_t file)
{
    if (H5Lcreate_hard(sg, "replication", g, "replication", H5P_DEFAULT, H5P_DEFAULT) < 0)
        return -1;
    if (time && (H5Lcreate_hard(sg, "time", g, "time", H5P_DEFAULT, H5P_DEFAULT) < 0 ||
                 H5Lcreate_hard(sg, "date", g, "date", H5P_DEFAULT, H5P_DEFAULT) < 0))
        return -1;
    if (authority && H5Lcreate_hard(file, "/authorities/authority", g, "authority", H5P_DEFAULT,
                                    H5P_DEFAULT) < 0)
        return -1;
    return 0;
}

/* Attaches scales (by name, in g) to the dims of d, labels the dims, and writes the
 * descriptive attributes. */
static herr_t annotate(const cs_writer *w, hid_t g, hid_t d, const char *const *dims, int rank,
                       const char *units, const char *doc, bool has_time)
{
    for (int i = 0; i < rank; i++) {
        hid_t s = H5Dopen2(g, dims[i], H5P_DEFAULT);
        if (s < 0) return -1;
        herr_t r = H5DSattach_scale(d, s, (unsigned)i);
        H5Dclose(s);
        if (r < 0 || H5DSset_label(d, (unsigned)i, dims[i]) < 0) return -1;
    }
    if (units && units[0] && attr_str(w, d, "units", units) < 0) return -1;
    if (doc && doc[0] && attr_str(w, d, "long_name", doc) < 0) return -1;
    /* CF: lets xarray carry the ISO dates along the time axis as a coordinate. */
    if (has_time && attr_str(w, d, "coordinates", "date") < 0) return -1;
    return 0;
}

static herr_t enum_flags(hid_t d, const cs_enum_def *e)
{
    /* CF's flag_values / flag_meanings describe the categories to tools that ignore HDF5
     * enums. */
    uint8_t vals[256];
    size_t n = e->n > 256 ? 256 : e->n;
    size_t len = 1;
    for (size_t i = 0; i < n; i++) {
        vals[i] = (uint8_t)i;
        len += strlen(e->labels[i]) + 1;
    }
    char *m = calloc(len, 1);
    if (!m) return -1;
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(m, " ");
        strcat(m, e->labels[i]);
    }
    hsize_t hn = n;
    hid_t sp = H5Screate_simple(1, &hn, NULL);
    herr_t r = attr_write(d, "flag_values", H5T_STD_U8LE, H5T_NATIVE_UINT8, sp, vals);
    H5Sclose(sp);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    const char *mp = m;
    if (r >= 0) r = attr_scalar(d, "flag_meanings", t, t, &mp);
    H5Tclose(t);
    free(m);
    return r;
}

static char *series_dim(const cs_series_def *sd)
{
    if (sd->labels) return dup_str(sd->labels->name);
    char *s = malloc(strlen(sd->name) + 7);
    if (s) {
        strcpy(s, sd->name);
        strcat(s, "_index");
    }
    return s;
}

static int scen_alloc(cs_wscen *sc, const cs_out_scenario *s)
{
    const cs_schema *sch = s->schema;
    sc->series = calloc(sch->n_series + 1, sizeof *sc->series);
    sc->panels = calloc(sch->n_panel + 1, sizeof *sc->panels);
    sc->summary = calloc(sch->n_summary + 1, sizeof *sc->summary);
    sc->lastat = calloc(sch->n_lastat + 1, sizeof *sc->lastat);
    sc->drawn = calloc(s->n_uncertain + 1, sizeof *sc->drawn);
    sc->name = dup_str(s->name);
    if (!sc->series || !sc->panels || !sc->summary || !sc->lastat || !sc->drawn || !sc->name) {
        sc->open = false; /* no handles to close: scen_free only frees */
        return CS_ENOMEM;
    }
    sc->d_events = sc->d_progress = sc->t_ev_mem = H5I_INVALID_HID;
    sc->rep.id = sc->rep.mspace = H5I_INVALID_HID;
    cs_wdset *all[] = {sc->series, sc->panels, sc->summary, sc->lastat, sc->drawn};
    size_t ns[] = {sch->n_series, sch->n_panel, sch->n_summary, sch->n_lastat, s->n_uncertain};
    for (int k = 0; k < 5; k++)
        for (size_t i = 0; i < ns[k]; i++)
            all[k][i].id = all[k][i].mspace = H5I_INVALID_HID;
    return CS_OK;
}

/* Closes the dataset handles (not the types). */
static void scen_close_dsets(cs_wscen *sc)
{
    const cs_schema *sch = sc->schema;
    wdset_close(&sc->rep);
    for (size_t i = 0; i < sch->n_series; i++)
        wdset_close(&sc->series[i]);
    for (size_t i = 0; i < sch->n_panel; i++)
        wdset_close(&sc->panels[i]);
    for (size_t i = 0; i < sch->n_summary; i++)
        wdset_close(&sc->summary[i]);
    for (size_t i = 0; i < sch->n_lastat; i++)
        wdset_close(&sc->lastat[i]);
    for (size_t i = 0; i < sc->n_uncertain; i++)
        wdset_close(&sc->drawn[i]);
    if (sc->d_events > 0) H5Dclose(sc->d_events);
    if (sc->d_progress > 0) H5Dclose(sc->d_progress);
    sc->d_events = sc->d_progress = H5I_INVALID_HID;
}

static void scen_close(cs_wscen *sc)
{
    if (!sc->open) return;
    scen_close_dsets(sc);
    if (sc->t_ev_mem > 0) H5Tclose(sc->t_ev_mem);
    for (size_t i = 0; i < sc->n_types; i++)
        H5Tclose(sc->types[i]);
    sc->n_types = 0;
    sc->d_events = sc->d_progress = sc->t_ev_mem = H5I_INVALID_HID;
    sc->open = false;
}

static void scen_free(cs_wscen *sc)
{
    scen_close(sc);
    free(sc->name);
    free(sc->series);
    free(sc->panels);
    free(sc->summary);
    free(sc->lastat);
    free(sc->drawn);
    free(sc->types);
    free_strs(sc->drawn_names, sc->n_uncertain);
}

/* The memory/file type of panel variable i (an owned enum type, or a predefined one). */
static int panel_types(cs_wscen *sc, const cs_panel_def *pd, hid_t *ft, hid_t *mt)
{
    if (pd->type == CS_VT_U8 && pd->enumdef && pd->enumdef->n > 0) {
        hid_t t = enum_type(pd->enumdef, H5T_STD_U8LE);
        if (t < 0) return -1;
        if (add_type(sc, t)) {
            H5Tclose(t);
            return -1;
        }
        *ft = *mt = t; /* a one-byte enum has no byte order to convert */
    } else {
        *ft = file_type(pd->type);
        *mt = mem_type(pd->type);
    }
    return 0;
}

static int event_types(cs_wscen *sc, const cs_schema *sch, hid_t *ft)
{
    hid_t tf = H5T_STD_I16LE, tm = H5T_NATIVE_INT16;
    if (sch->event_types && sch->event_types->n > 0) {
        tf = enum_type(sch->event_types, H5T_STD_I16LE);
        tm = enum_type(sch->event_types, H5T_NATIVE_INT16);
        if (tf < 0 || tm < 0 || add_type(sc, tf) || add_type(sc, tm)) return -1;
    }
    sc->t_ev_mem = event_mem_type(tm);
    *ft = event_file_type(tf);
    return sc->t_ev_mem < 0 || *ft < 0 ? -1 : 0;
}

static int create_scenario(cs_writer *w, cs_wscen *sc, const cs_out_scenario *s, cs_error *err)
{
    const cs_schema *sch = s->schema;
    hid_t sg = H5I_INVALID_HID, g = H5I_INVALID_HID;
    int c = s->compression;
    char what[256];
    snprintf(what, sizeof what, "cannot create scenario '%s'", s->name);
    hid_t root = H5Gopen2(w->file, "scenarios", H5P_DEFAULT);
    if (root >= 0) sg = group_new(root, s->name);
    if (root >= 0) H5Gclose(root);
    if (sg < 0) goto h5err;
    if (attr_str(w, sg, "scenario_text", s->text) < 0 ||
        attr_str(w, sg, "sweep_point", s->point_desc) < 0 || attr_i32(sg, "compression", c) < 0)
        goto h5err;
    g = group_new(sg, "parameters");
    if (g < 0) goto h5err;
    for (size_t i = 0; i < s->n_resolved; i++)
        if (attr_str(w, g, s->resolved[i].key, s->resolved[i].value) < 0) goto h5err;
    H5Gclose(g);
    g = H5I_INVALID_HID;

    /* Axes. */
    hid_t d = dset_fixed(sg, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, s->n_time, s->time_days);
    if (d < 0 || H5DSset_scale(d, "time") < 0) goto h5err_d;
    char units[96];
    /* CF units: xarray decodes the axis to dates. */
    char *start = cs_h5_attr_text(w->file, "start_date");
    if (start && start[0])
        snprintf(units, sizeof units, "days since %.60s", start);
    else
        snprintf(units, sizeof units, "days");
    free(start);
    if (attr_str(w, d, "units", units) < 0 ||
        attr_str(w, d, "calendar", "proleptic_gregorian") < 0 ||
        attr_str(w, d, "long_name", "days since the start date") < 0)
        goto h5err_d;
    hid_t time_scale = d;
    size_t dlen = 1;
    for (size_t t = 0; t < s->n_time; t++) {
        size_t l = strlen(s->time_iso[t]);
        if (l > dlen) dlen = l;
    }
    char *dates = calloc(s->n_time ? s->n_time : 1, dlen);
    if (!dates) {
        H5Dclose(time_scale);
        goto nomem;
    }
    for (size_t t = 0; t < s->n_time; t++)
        memcpy(dates + t * dlen, s->time_iso[t], strlen(s->time_iso[t]));
    hid_t tdate = H5Tcopy(H5T_C_S1);
    H5Tset_size(tdate, dlen);
    H5Tset_strpad(tdate, H5T_STR_NULLPAD);
    d = dset_fixed(sg, "date", tdate, tdate, s->n_time, dates);
    H5Tclose(tdate);
    free(dates);
    herr_t r = d < 0 ? -1 : H5DSattach_scale(d, time_scale, 0);
    if (r >= 0) r = H5DSset_label(d, 0, "time");
    if (r >= 0) r = attr_str(w, d, "long_name", "date of the time point (ISO 8601)");
    H5Dclose(time_scale);
    if (r < 0) goto h5err_d;
    H5Dclose(d);

    hsize_t row[3] = {0, 0, 0}, chunk[3];
    chunk[0] = rows_chunk(w, 8, CS_CHUNK_1D);
    if (wdset_create(&sc->rep, sg, "replication", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, row, chunk,
                     0, w->mpi) < 0 ||
        H5DSset_scale(sc->rep.id, "replication") < 0 ||
        attr_str(w, sc->rep.id, "long_name", "replication index") < 0)
        goto h5err;

    /* Progress: contiguous and allocated now, so committing is a 16-byte overwrite. */
    {
        hid_t dcpl = plist_untimed(H5P_DATASET_CREATE);
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
        hsize_t two = 2;
        hid_t sp = H5Screate_simple(1, &two, NULL);
        sc->d_progress =
            H5Dcreate2(sg, "progress", H5T_STD_U64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        H5Sclose(sp);
        H5Pclose(dcpl);
        uint64_t zero[2] = {0, 0};
        const char *fields[] = {"replications_done", "events_done"};
        if (sc->d_progress < 0 ||
            H5Dwrite(sc->d_progress, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero) < 0 ||
            attr_strs(w, sc->d_progress, "fields", 2, fields) < 0)
            goto h5err;
    }

    size_t n_la = w->n_la;
    if (s->national) {
        g = group_new(sg, "national");
        if (g < 0 || link_axes(sg, g, true, false, w->file) < 0) goto h5err;
        for (size_t i = 0; i < sch->n_series; i++) {
            const cs_series_def *sd = &sch->series[i];
            uint32_t wd = sd->width ? sd->width : 1;
            int rank = wd > 1 ? 3 : 2;
            char *dim = NULL;
            if (check_name("series", sd->name, err)) goto fail;
            if (rank == 3) {
                if (sd->labels && sd->labels->n != wd) {
                    cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                                 "series '%s': width %u but %zu labels in '%s'", sd->name,
                                 (unsigned)wd, sd->labels->n, sd->labels->name);
                    goto fail;
                }
                dim = series_dim(sd);
                if (!dim) goto nomem;
                if (check_name("label axis", dim, err)) {
                    free(dim);
                    goto fail;
                }
                if (H5Lexists(g, dim, H5P_DEFAULT) <= 0) {
                    hid_t ld;
                    if (sd->labels) {
                        ld = dset_strings(w, g, dim, wd, sd->labels->labels);
                    } else {
                        uint32_t *ix = malloc(wd * sizeof *ix);
                        for (uint32_t k = 0; ix && k < wd; k++)
                            ix[k] = k;
                        ld = ix ? dset_fixed(g, dim, H5T_STD_U32LE, H5T_NATIVE_UINT32, wd, ix)
                                : H5I_INVALID_HID;
                        free(ix);
                    }
                    if (ld < 0 || H5DSset_scale(ld, dim) < 0) {
                        free(dim);
                        if (ld >= 0) H5Dclose(ld);
                        goto h5err;
                    }
                    H5Dclose(ld);
                }
            }
            size_t es = vt_size(sd->type);
            row[1] = s->n_time;
            row[2] = wd;
            chunk[1] = s->n_time;
            chunk[2] = wd;
            size_t rowb = s->n_time * wd * es;
            chunk[0] = rows_chunk(w, rowb, CS_CHUNK_1D);
            if (rowb > CS_CHUNK_MAX) /* very long series: split time too */
                chunk[1] = CS_CHUNK_MAX / (wd * es) ? CS_CHUNK_MAX / (wd * es) : 1;
            if (chunk[1] == 0) chunk[1] = 1;
            const char *dims[3] = {"replication", "time", dim};
            if (wdset_create(&sc->series[i], g, sd->name, file_type(sd->type), H5T_NATIVE_DOUBLE,
                             rank, row, chunk, c, w->mpi) < 0 ||
                annotate(w, g, sc->series[i].id, dims, rank, sd->units, sd->doc, true) < 0) {
                free(dim);
                goto h5err;
            }
            free(dim);
        }
        H5Gclose(g);
        g = H5I_INVALID_HID;
    }
    if (s->panel && sch->n_panel > 0) {
        g = group_new(sg, "panel");
        if (g < 0 || link_axes(sg, g, true, true, w->file) < 0) goto h5err;
        for (size_t i = 0; i < sch->n_panel; i++) {
            const cs_panel_def *pd = &sch->panel[i];
            if (check_name("panel variable", pd->name, err)) goto fail;
            hid_t ft, mt;
            if (panel_types(sc, pd, &ft, &mt) < 0) goto h5err;
            size_t es = vt_size(pd->type), slice = (n_la ? n_la : 1) * es;
            row[1] = s->n_time;
            row[2] = n_la;
            chunk[0] = 1;
            chunk[1] = s->n_time ? s->n_time : 1;
            if (chunk[1] * slice > CS_CHUNK_MAX)
                chunk[1] = CS_CHUNK_MAX / slice ? CS_CHUNK_MAX / slice : 1;
            chunk[2] = n_la ? n_la : 1;
            const char *dims[3] = {"replication", "time", "authority"};
            if (wdset_create(&sc->panels[i], g, pd->name, ft, mt, 3, row, chunk, c, w->mpi) < 0 ||
                annotate(w, g, sc->panels[i].id, dims, 3, pd->units, pd->doc, true) < 0 ||
                (pd->enumdef && pd->type == CS_VT_U8 &&
                 enum_flags(sc->panels[i].id, pd->enumdef) < 0))
                goto h5err;
        }
        H5Gclose(g);
        g = H5I_INVALID_HID;
    }
    if (sch->n_summary > 0) {
        g = group_new(sg, "summary");
        if (g < 0 || link_axes(sg, g, false, false, w->file) < 0) goto h5err;
        chunk[0] = rows_chunk(w, 8, CS_CHUNK_1D);
        const char *dims[1] = {"replication"};
        for (size_t i = 0; i < sch->n_summary; i++) {
            const cs_scalar_def *sd = &sch->summary[i];
            if (check_name("summary", sd->name, err)) goto fail;
            if (wdset_create(&sc->summary[i], g, sd->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1,
                             row, chunk, c, w->mpi) < 0 ||
                annotate(w, g, sc->summary[i].id, dims, 1, sd->units, sd->doc, false) < 0)
                goto h5err;
        }
        H5Gclose(g);
        g = H5I_INVALID_HID;
    }
    if (sch->n_lastat > 0) {
        g = group_new(sg, "authority_stats");
        if (g < 0 || link_axes(sg, g, false, true, w->file) < 0) goto h5err;
        row[1] = n_la;
        chunk[0] = rows_chunk(w, (n_la ? n_la : 1) * 8, CS_CHUNK_1D);
        chunk[1] = n_la ? n_la : 1;
        const char *dims[2] = {"replication", "authority"};
        for (size_t i = 0; i < sch->n_lastat; i++) {
            const cs_scalar_def *sd = &sch->lastat[i];
            if (check_name("authority statistic", sd->name, err)) goto fail;
            if (wdset_create(&sc->lastat[i], g, sd->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, row,
                             chunk, c, w->mpi) < 0 ||
                annotate(w, g, sc->lastat[i].id, dims, 2, sd->units, sd->doc, false) < 0)
                goto h5err;
        }
        H5Gclose(g);
        g = H5I_INVALID_HID;
    }
    if (s->n_uncertain > 0) {
        g = group_new(sg, "drawn");
        if (g < 0 || link_axes(sg, g, false, false, w->file) < 0) goto h5err;
        chunk[0] = rows_chunk(w, 8, CS_CHUNK_1D);
        const char *dims[1] = {"replication"};
        for (size_t i = 0; i < s->n_uncertain; i++) {
            if (check_name("uncertain parameter", s->uncertain_names[i], err)) goto fail;
            if (wdset_create(&sc->drawn[i], g, s->uncertain_names[i], H5T_IEEE_F64LE,
                             H5T_NATIVE_DOUBLE, 1, row, chunk, c, w->mpi) < 0 ||
                annotate(w, g, sc->drawn[i].id, dims, 1, NULL, "value drawn for this replication",
                         false) < 0)
                goto h5err;
        }
        H5Gclose(g);
        g = H5I_INVALID_HID;
    }
    if (s->events) {
        hid_t ft;
        if (event_types(sc, sch, &ft) < 0) goto h5err;
        hsize_t zero = 0, ch = CS_EVENT_CHUNK;
        sc->d_events = dset_create(sg, "events", ft, 1, &zero, &ch, c, w->mpi);
        H5Tclose(ft);
        if (sc->d_events < 0) goto h5err;
        if (sch->event_values && sch->event_values->n > 0 &&
            attr_strs(w, sc->d_events, "before_after_labels", sch->event_values->n,
                      sch->event_values->labels) < 0)
            goto h5err;
        if (attr_str(w, sc->d_events, "long_name",
                     "one row per recorded event, in replication order") < 0)
            goto h5err;
    }
    H5Gclose(sg);
    return CS_OK;
h5err_d:
    if (d >= 0) H5Dclose(d);
h5err:
    if (g >= 0) H5Gclose(g);
    if (sg >= 0) H5Gclose(sg);
    return h5_fail(w, err, what);
nomem:
    if (g >= 0) H5Gclose(g);
    if (sg >= 0) H5Gclose(sg);
    return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
fail:
    if (g >= 0) H5Gclose(g);
    if (sg >= 0) H5Gclose(sg);
    w->failed = true;
    return err ? err->status : CS_EINVAL;
}

static herr_t count_attr(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)loc;
    (void)name;
    (void)info;
    ++*(size_t *)data;
    return 0;
}

/* Resume: checks that the scenario in the file is the one declared, opens its datasets and
 * shrinks them to the committed prefix. */
static int reopen_scenario(cs_writer *w, cs_wscen *sc, const cs_out_scenario *s, cs_error *err)
{
    const cs_schema *sch = s->schema;
    size_t idx = w->n_scen;
    char what[300];
    snprintf(what, sizeof what, "scenario '%s'", s->name);
    if (idx >= w->n_file_scen || strcmp(w->file_scen[idx], s->name))
        return mismatch(w, err, "the list of scenarios");
    bool copy = w->old >= 0; /* only check and read progress: the data are copied */
    hid_t root = H5Gopen2(copy ? w->old : w->file, "scenarios", H5P_DEFAULT);
    hid_t sg = root < 0 ? root : H5Gopen2(root, s->name, H5P_DEFAULT);
    if (root >= 0) H5Gclose(root);
    if (sg < 0) return mismatch(w, err, what);
    int rc = CS_OK;
    hid_t g = H5I_INVALID_HID;
    /* Same text, sweep point, parameters, compression, time axis. */
    char *txt = cs_h5_attr_text(sg, "scenario_text");
    char *pt = cs_h5_attr_text(sg, "sweep_point");
    bool same = txt && pt && streq(txt, s->text) && streq(pt, s->point_desc);
    free(txt);
    free(pt);
    int32_t comp = -1;
    if (!same) {
        snprintf(what, sizeof what, "the text of scenario '%s'", s->name);
        goto mism;
    }
    if (attr_read_num(sg, "compression", H5T_NATIVE_INT32, &comp) || comp != s->compression) {
        snprintf(what, sizeof what, "the compression of scenario '%s'", s->name);
        goto mism;
    }
    g = H5Gopen2(sg, "parameters", H5P_DEFAULT);
    size_t n_attr = 0;
    if (g < 0 || H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, count_attr, &n_attr) < 0 ||
        n_attr != s->n_resolved) {
        snprintf(what, sizeof what, "the resolved parameters of scenario '%s'", s->name);
        goto mism;
    }
    for (size_t i = 0; i < s->n_resolved; i++) {
        char *v = cs_h5_attr_text(g, s->resolved[i].key);
        bool eq = v && streq(v, s->resolved[i].value);
        free(v);
        if (!eq) {
            snprintf(what, sizeof what, "parameter '%s' of scenario '%s'", s->resolved[i].key,
                     s->name);
            goto mism;
        }
    }
    H5Gclose(g);
    g = H5I_INVALID_HID;
    {
        hid_t td = H5Dopen2(sg, "time", H5P_DEFAULT);
        hid_t sp = td < 0 ? td : H5Dget_space(td);
        hssize_t nt = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
        double *tv = nt >= 0 ? malloc(((size_t)nt + 1) * sizeof *tv) : NULL;
        bool ok =
            tv && (size_t)nt == s->n_time &&
            (nt == 0 || H5Dread(td, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, tv) >= 0);
        for (size_t t = 0; ok && t < s->n_time; t++)
            ok = tv[t] == s->time_days[t];
        free(tv);
        if (sp >= 0) H5Sclose(sp);
        if (td >= 0) H5Dclose(td);
        if (!ok) {
            snprintf(what, sizeof what, "the time axis of scenario '%s'", s->name);
            goto mism;
        }
    }
    /* Progress and the committed prefix. */
    uint64_t prog[2] = {0, 0};
    sc->d_progress = H5Dopen2(sg, "progress", H5P_DEFAULT);
    if (sc->d_progress < 0 ||
        H5Dread(sc->d_progress, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, prog) < 0)
        goto h5err;
    if (prog[0] > w->replications) {
        snprintf(what, sizeof what, "the progress of scenario '%s'", s->name);
        goto mism;
    }
    sc->written = sc->committed = prog[0];
    sc->ev_written = sc->ev_committed = prog[1];
    if (copy) {
        H5Dclose(sc->d_progress);
        sc->d_progress = H5I_INVALID_HID;
        H5Gclose(sg);
        return CS_OK;
    }

    hsize_t row[3] = {0, 0, 0};
    snprintf(what, sizeof what, "the datasets of scenario '%s'", s->name);
    int st = wdset_open(&sc->rep, sg, "replication", H5T_NATIVE_UINT64, 1, row);
    if (st == -2) goto mism;
    if (st < 0) goto h5err;
    if ((H5Lexists(sg, "national", H5P_DEFAULT) > 0) != s->national ||
        (H5Lexists(sg, "panel", H5P_DEFAULT) > 0) != (s->panel && sch->n_panel > 0) ||
        (H5Lexists(sg, "events", H5P_DEFAULT) > 0) != s->events)
        goto mism;
    if (s->national) {
        g = H5Gopen2(sg, "national", H5P_DEFAULT);
        for (size_t i = 0; g >= 0 && i < sch->n_series; i++) {
            const cs_series_def *sd = &sch->series[i];
            uint32_t wd = sd->width ? sd->width : 1;
            row[1] = s->n_time;
            row[2] = wd;
            if (wdset_open(&sc->series[i], g, sd->name, H5T_NATIVE_DOUBLE, wd > 1 ? 3 : 2, row))
                goto mism;
        }
        if (g < 0) goto mism;
        H5Gclose(g);
        g = H5I_INVALID_HID;
    }
    if (s->panel && sch->n_panel > 0) {
        g = H5Gopen2(sg, "panel", H5P_DEFAULT);
        for (size_t i = 0; g >= 0 && i < sch->n_panel; i++) {
            hid_t ft, mt;
            if (panel_types(sc, &sch->panel[i], &ft, &mt) < 0) goto h5err;
            row[1] = s->n_time;
            row[2] = w->n_la;
            if (wdset_open(&sc->panels[i], g, sch->panel[i].name, mt, 3, row)) goto mism;
        }
        if (g < 0) goto mism;
        H5Gclose(g);
        g = H5I_INVALID_HID;
    }
    const char *gname[] = {"summary", "authority_stats", "drawn"};
    size_t gn[] = {sch->n_summary, sch->n_lastat, s->n_uncertain};
    cs_wdset *gd[] = {sc->summary, sc->lastat, sc->drawn};
    for (int k = 0; k < 3; k++) {
        if (gn[k] == 0) continue;
        g = H5Gopen2(sg, gname[k], H5P_DEFAULT);
        if (g < 0) goto mism;
        row[1] = w->n_la;
        for (size_t i = 0; i < gn[k]; i++) {
            const char *nm = k == 0   ? sch->summary[i].name
                             : k == 1 ? sch->lastat[i].name
                                      : s->uncertain_names[i];
            if (wdset_open(&gd[k][i], g, nm, H5T_NATIVE_DOUBLE, k == 1 ? 2 : 1, row)) goto mism;
        }
        H5Gclose(g);
        g = H5I_INVALID_HID;
    }
    if (s->events) {
        hid_t ft;
        if (event_types(sc, sch, &ft) < 0) goto h5err;
        H5Tclose(ft);
        sc->d_events = H5Dopen2(sg, "events", H5P_DEFAULT);
        if (sc->d_events < 0) goto mism;
    }
    /* Shrink everything past the committed prefix (a partly written replication). */
    snprintf(what, sizeof what, "cannot truncate scenario '%s' to its committed prefix", s->name);
    cs_wdset *lists[] = {sc->series, sc->panels, sc->summary, sc->lastat, sc->drawn};
    size_t ln[] = {s->national ? sch->n_series : 0, s->panel ? sch->n_panel : 0, sch->n_summary,
                   sch->n_lastat, s->n_uncertain};
    if (wdset_resize(&sc->rep, sc->committed) < 0) goto h5err;
    for (int k = 0; k < 5; k++)
        for (size_t i = 0; i < ln[k]; i++)
            if (wdset_resize(&lists[k][i], sc->committed) < 0) goto h5err;
    if (s->events) {
        hsize_t n = sc->ev_committed;
        if (H5Dset_extent(sc->d_events, &n) < 0) goto h5err;
    }
    /* (cs_writer_begin reads the whole truncated file back before anything is written) */
    H5Gclose(sg);
    return rc;
mism:
    if (g >= 0) H5Gclose(g);
    H5Gclose(sg);
    return mismatch(w, err, what);
h5err:
    if (g >= 0) H5Gclose(g);
    H5Gclose(sg);
    return h5_fail(w, err, what);
}

/* Copies rows [0, n) of dataset `from` into `to` (same shape but along dimension 0, and the
 * same type), a few MiB at a time. */
static herr_t copy_rows(hid_t from, hid_t to, hsize_t n)
{
    hid_t t = H5Dget_type(to), fs = H5Dget_space(from), ts = H5I_INVALID_HID;
    hsize_t dims[3] = {0, 1, 1}, tdims[3] = {0, 1, 1};
    int rank = fs < 0 ? -1 : H5Sget_simple_extent_ndims(fs);
    herr_t r = t < 0 || rank < 1 || rank > 3 ? -1 : 0;
    if (r >= 0) H5Sget_simple_extent_dims(fs, dims, NULL);
    if (r >= 0 && (dims[0] < n || H5Dset_extent(to, (hsize_t[3]){n, dims[1], dims[2]}) < 0)) r = -1;
    if (r >= 0) {
        ts = H5Dget_space(to);
        if (ts < 0 || H5Sget_simple_extent_ndims(ts) != rank) r = -1;
        if (r >= 0) H5Sget_simple_extent_dims(ts, tdims, NULL);
        for (int i = 1; r >= 0 && i < rank; i++)
            if (tdims[i] != dims[i]) r = -1;
    }
    size_t row = r >= 0 ? H5Tget_size(t) : 0;
    for (int i = 1; i < rank; i++)
        row *= (size_t)dims[i];
    hsize_t step = row ? (hsize_t)((4u << 20) / row) : 1;
    if (step < 1) step = 1;
    void *buf = r >= 0 && n > 0 ? malloc((size_t)(step < n ? step : n) * row) : NULL;
    if (n > 0 && !buf) r = -1;
    for (hsize_t at = 0; r >= 0 && at < n; at += step) {
        hsize_t start[3] = {at, 0, 0}, cnt[3] = {n - at < step ? n - at : step, dims[1], dims[2]};
        hid_t ms = H5Screate_simple(rank, cnt, NULL);
        r = ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, cnt, NULL);
        if (r >= 0) r = H5Sselect_hyperslab(ts, H5S_SELECT_SET, start, NULL, cnt, NULL);
        if (r >= 0 && H5Dread(from, t, ms, fs, H5P_DEFAULT, buf) < 0) /* a torn chunk? */
            r = cs_h5_salvage_read(from, t, rank, dims, at, cnt[0], buf);
        if (r >= 0) r = H5Dwrite(to, t, ms, ts, H5P_DEFAULT, buf);
        if (ms >= 0) H5Sclose(ms);
    }
    free(buf);
    if (ts >= 0) H5Sclose(ts);
    if (fs >= 0) H5Sclose(fs);
    if (t >= 0) H5Tclose(t);
    return r;
}

typedef struct copy_ctx {
    hid_t from; /* the interrupted file's scenario group */
    hsize_t rows, events;
    bool missing; /* a dataset of the new layout is not in the old file: another run */
} copy_ctx;

/* Every appendable dataset of the new scenario group gets its committed rows from the old. */
static herr_t copy_cb(hid_t loc, const char *name, const H5O_info_t *info, void *data)
{
    copy_ctx *c = data;
    if (info->type != H5O_TYPE_DATASET) return 0;
    hid_t to = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t sp = to < 0 ? to : H5Dget_space(to);
    hsize_t maxd[3] = {0, 0, 0};
    int rank = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, NULL, maxd);
    if (sp >= 0) H5Sclose(sp);
    herr_t r = rank < 0 ? -1 : 0;
    if (r >= 0 && rank >= 1 && maxd[0] == H5S_UNLIMITED) {
        hid_t from = H5Lexists(c->from, name, H5P_DEFAULT) > 0
                         ? H5Dopen2(c->from, name, H5P_DEFAULT)
                         : H5I_INVALID_HID;
        if (from < 0) {
            c->missing = true;
            r = -1;
        } else {
            r = copy_rows(from, to, strcmp(name, "events") ? c->rows : c->events);
            H5Dclose(from);
        }
    }
    if (to >= 0) H5Dclose(to);
    return r < 0 ? -1 : 0;
}

/* Resume by copy: the committed prefix of scenario sc, created afresh in the new file, is
 * copied from the interrupted one (every chunk read back: checksums and decompression) and
 * recorded as the new file's progress. */
/* Copies the first `rows` replications (and `events` event rows) of the scenario at `path`:
 * 0, or -1 when something of them cannot be read back. */
static herr_t copy_rows_of(cs_writer *w, const char *path, uint64_t rows, uint64_t events)
{
    copy_ctx c = {.from = H5Gopen2(w->old, path, H5P_DEFAULT), .rows = rows, .events = events};
    hid_t to = H5Gopen2(w->file, path, H5P_DEFAULT);
    herr_t r = c.from < 0 || to < 0
                   ? -1
                   : H5Ovisit2(to, H5_INDEX_NAME, H5_ITER_INC, copy_cb, &c, H5O_INFO_BASIC);
    if (c.from >= 0) H5Gclose(c.from);
    if (to >= 0) H5Gclose(to);
    return r < 0 || c.missing ? -1 : 0;
}

/* The event rows of the first n replications (events are in replication order): the rows
 * before the first whose replication is n or more; false when they cannot be read. */
static bool events_before(cs_writer *w, const char *path, uint64_t ev, uint64_t n, uint64_t *out)
{
    *out = 0;
    if (ev == 0) return true;
    char p[700];
    snprintf(p, sizeof p, "%s/events", path);
    hid_t d = H5Dopen2(w->old, p, H5P_DEFAULT);
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(uint32_t));
    uint32_t *rep = malloc((size_t)ev * sizeof *rep);
    hid_t fs = d < 0 ? d : H5Dget_space(d);
    hsize_t start = 0, cnt = ev;
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    bool ok = d >= 0 && mt >= 0 && rep && fs >= 0 && ms >= 0 &&
              H5Tinsert(mt, "replication", 0, H5T_NATIVE_UINT32) >= 0 &&
              H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL) >= 0 &&
              H5Dread(d, mt, ms, fs, H5P_DEFAULT, rep) >= 0;
    if (ok)
        while (*out < ev && rep[*out] < n)
            (*out)++;
    free(rep);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (mt >= 0) H5Tclose(mt);
    if (d >= 0) H5Dclose(d);
    return ok;
}

static int copy_prefix(cs_writer *w, cs_wscen *sc, const char *name, cs_error *err)
{
    uint64_t rows = sc->committed, events = sc->ev_committed;
    char path[600];
    snprintf(path, sizeof path, "/scenarios/%s", name);
    if (copy_rows_of(w, path, rows, events) < 0) {
        /* Part of the committed prefix does not read back: a writer killed while HDF5 was
         * flushing can, rarely, leave it so (HDF5 1.10.8). Every chunk is checksummed, so what
         * reads back is right: keep the longest prefix that does (bisection) and run the
         * rest again. The data are still those of an uninterrupted run. */
        uint64_t lo = 0, hi = rows, ev_lo = 0;
        while (hi - lo > 1) {
            uint64_t mid = lo + (hi - lo) / 2, ev = 0;
            if (events_before(w, path, events, mid, &ev) && copy_rows_of(w, path, mid, ev) == 0)
                lo = mid, ev_lo = ev;
            else
                hi = mid;
        }
        if (copy_rows_of(w, path, lo, ev_lo) < 0)
            return h5_fail(w, err, "cannot resume: the file is damaged");
        fprintf(stderr,
                "cssim: warning: %s: only %llu of the %llu finished replications of scenario "
                "'%s' could be read back (the run was killed mid-write); the others are run "
                "again\n",
                w->part, (unsigned long long)lo, (unsigned long long)rows, name);
        rows = lo;
        events = ev_lo;
    }
    cs_wdset *lists[] = {sc->series, sc->panels, sc->summary, sc->lastat, sc->drawn};
    size_t ln[] = {sc->national ? sc->schema->n_series : 0, sc->panel ? sc->schema->n_panel : 0,
                   sc->schema->n_summary, sc->schema->n_lastat, sc->n_uncertain};
    sc->rep.dims[0] = rows;
    for (int k = 0; k < 5; k++)
        for (size_t i = 0; i < ln[k]; i++)
            lists[k][i].dims[0] = rows;
    sc->written = sc->committed = rows;
    sc->ev_written = sc->ev_committed = events;
    uint64_t p[2] = {rows, events};
    if (H5Dwrite(sc->d_progress, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, p) < 0)
        return h5_fail(w, err, "cannot record progress");
    return CS_OK;
}

static int prepare_slabs(cs_wscen *sc)
{
    const cs_schema *sch = sc->schema;
    if (wdset_prepare(&sc->rep) < 0) return -1;
    cs_wdset *lists[] = {sc->series, sc->panels, sc->summary, sc->lastat, sc->drawn};
    size_t ln[] = {sc->national ? sch->n_series : 0, sc->panel ? sch->n_panel : 0, sch->n_summary,
                   sch->n_lastat, sc->n_uncertain};
    for (int k = 0; k < 5; k++)
        for (size_t i = 0; i < ln[k]; i++)
            if (wdset_prepare(&lists[k][i]) < 0) return -1;
    return 0;
}

int cs_writer_add_scenario(cs_writer *w, const cs_out_scenario *s, cs_error *err)
{
    if (!w || !s || !s->schema)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                            "cs_writer_add_scenario: missing argument");
    if (w->begun)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL,
                            "scenario '%s' added after the first write", s->name);
    if (w->failed)
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "the writer failed earlier");
    int rc = check_name("scenario", s->name, err);
    if (rc) return rc;
    if (s->n_time > 0 && (!s->time_days || !s->time_iso))
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, s->name, "scenario has no time axis");
    for (size_t i = 0; i < w->n_scen; i++)
        if (!strcmp(w->scen[i].name, s->name))
            return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "scenario '%s' declared twice",
                                s->name);
    if (w->n_scen == w->cap_scen) {
        size_t cap = w->cap_scen ? 2 * w->cap_scen : 8;
        cs_wscen *n = realloc(w->scen, cap * sizeof *n);
        if (!n) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        w->scen = n;
        w->cap_scen = cap;
    }
    cs_wscen *sc = &w->scen[w->n_scen];
    memset(sc, 0, sizeof *sc);
    sc->schema = s->schema;
    sc->n_time = s->n_time;
    sc->n_uncertain = s->n_uncertain;
    sc->national = s->national;
    sc->panel = s->panel && s->schema->n_panel > 0;
    sc->events = s->events;
    sc->open = true;
    if (scen_alloc(sc, s)) {
        scen_free(sc);
        return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    sc->drawn_names = calloc(s->n_uncertain + 1, sizeof *sc->drawn_names);
    for (size_t i = 0; sc->drawn_names && i < s->n_uncertain; i++)
        if (!(sc->drawn_names[i] = dup_str(s->uncertain_names[i] ? s->uncertain_names[i] : "")))
            rc = CS_ENOMEM;
    if (rc || !sc->drawn_names)
        rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    rc = agree(w, rc, err);
    if (rc) {
        scen_free(sc);
        return rc;
    }
    /* With several ranks rank 0 creates (or checks) the scenario alone, as a single process
     * would; the others open its datasets at cs_writer_begin. */
    if (w->root) {
        if (w->resumed && w->old >= 0) { /* resume by copy: check, create, copy */
            rc = reopen_scenario(w, sc, s, err);
            uint64_t cnt[2] = {sc->committed, sc->ev_committed};
            if (!rc) rc = create_scenario(w, sc, s, err);
            sc->committed = cnt[0], sc->ev_committed = cnt[1];
            /* nothing committed, nothing to copy (a writer killed while HDF5 was starting SWMR
             * mode can leave the rest of that scenario's objects unreadable) */
            if (!rc && (cnt[0] || cnt[1])) rc = copy_prefix(w, sc, s->name, err);
        } else {
            rc = w->resumed ? reopen_scenario(w, sc, s, err) : create_scenario(w, sc, s, err);
        }
        if (!rc && prepare_slabs(sc) < 0) rc = h5_fail(w, err, "cannot allocate a dataspace");
    }
    rc = agree(w, rc, err);
    if (rc) {
        w->failed = true;
        scen_free(sc);
        return rc;
    }
    uint64_t counts[4] = {sc->written, sc->committed, sc->ev_written, sc->ev_committed};
    cs_par_bcast(w->par, counts, sizeof counts, 0); /* a resumed prefix, for every rank */
    sc->written = counts[0], sc->committed = counts[1];
    sc->ev_written = counts[2], sc->ev_committed = counts[3];
    w->n_scen++;
    /* A scenario already complete in PATH.part needs no handles. */
    if (sc->written == w->replications) scen_close(sc);
    return CS_OK;
}

static int begin_mpi(cs_writer *w, cs_error *err);

int cs_writer_begin(cs_writer *w, cs_error *err)
{
    if (!w) return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_begin: no writer");
    if (w->begun) return CS_OK;
    if (w->failed)
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "the writer failed earlier");
    if (w->mpi) return begin_mpi(w, err);
    bool copy = w->old >= 0;
    if (w->resumed && w->n_scen != w->n_file_scen) return mismatch(w, err, "the list of scenarios");
    if (!w->resumed || copy) {
        const char **names = malloc((w->n_scen + 1) * sizeof *names);
        if (!names) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        for (size_t i = 0; i < w->n_scen; i++)
            names[i] = w->scen[i].name;
        herr_t r = attr_strs(w, w->file, "scenarios", w->n_scen, names);
        free(names);
        if (r < 0) return h5_fail(w, err, "cannot write the list of scenarios");
    }
    /* From here on only raw data are written: the file stays readable at every instant.
     * (A resumed file was opened in SWMR mode.) */
    if (copy) {
        /* The copy is whole and on disk: it replaces the interrupted file, atomically. */
        if (H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0) return h5_fail(w, err, "cannot flush");
        if (fsync_path(w->fresh_path, false) != 0 || rename(w->fresh_path, w->part) != 0)
            return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "cannot replace: %s",
                                strerror(errno));
        free(w->fresh_path);
        w->fresh_path = NULL;
        H5Fclose(w->old);
        w->old = H5I_INVALID_HID;
    }
    if ((!w->resumed || copy) && H5Fstart_swmr_write(w->file) < 0)
        return h5_fail(w, err, "cannot start SWMR writing");
    w->begun = true;
    return CS_OK;
}

/* Every rank opens the datasets of a scenario still to be written (after rank 0 made them). */
static int scen_open_par(cs_writer *w, cs_wscen *sc)
{
    const cs_schema *sch = sc->schema;
    hid_t root = H5Gopen2(w->file, "scenarios", H5P_DEFAULT);
    hid_t sg = root < 0 ? root : H5Gopen2(root, sc->name, H5P_DEFAULT);
    if (root >= 0) H5Gclose(root);
    if (sg < 0) return -1;
    hsize_t row[3] = {0, sc->n_time, 0};
    int st = wdset_open(&sc->rep, sg, "replication", H5T_NATIVE_UINT64, 1, row);
    char name[512];
    for (size_t i = 0; !st && sc->national && i < sch->n_series; i++) {
        uint32_t wd = sch->series[i].width ? sch->series[i].width : 1;
        row[2] = wd;
        snprintf(name, sizeof name, "national/%s", sch->series[i].name);
        st = wdset_open(&sc->series[i], sg, name, H5T_NATIVE_DOUBLE, wd > 1 ? 3 : 2, row);
    }
    row[2] = w->n_la;
    for (size_t i = 0; !st && sc->panel && i < sch->n_panel; i++) {
        hid_t ft, mt;
        snprintf(name, sizeof name, "panel/%s", sch->panel[i].name);
        st = panel_types(sc, &sch->panel[i], &ft, &mt);
        if (!st) st = wdset_open(&sc->panels[i], sg, name, mt, 3, row);
    }
    row[1] = w->n_la;
    for (size_t i = 0; !st && i < sch->n_summary; i++) {
        snprintf(name, sizeof name, "summary/%s", sch->summary[i].name);
        st = wdset_open(&sc->summary[i], sg, name, H5T_NATIVE_DOUBLE, 1, row);
    }
    for (size_t i = 0; !st && i < sch->n_lastat; i++) {
        snprintf(name, sizeof name, "authority_stats/%s", sch->lastat[i].name);
        st = wdset_open(&sc->lastat[i], sg, name, H5T_NATIVE_DOUBLE, 2, row);
    }
    for (size_t i = 0; !st && i < sc->n_uncertain; i++) {
        hid_t g = H5Gopen2(sg, "drawn", H5P_DEFAULT); /* keys may contain '.', never '/' */
        st = g < 0 ? -1
                   : wdset_open(&sc->drawn[i], g, sc->drawn_names[i], H5T_NATIVE_DOUBLE, 1, row);
        if (g >= 0) H5Gclose(g);
    }
    if (!st && sc->events) {
        hid_t ft = H5I_INVALID_HID;
        if (sc->t_ev_mem < 0 && event_types(sc, sch, &ft) < 0) st = -1;
        if (ft >= 0) H5Tclose(ft);
        sc->d_events = st ? H5I_INVALID_HID : H5Dopen2(sg, "events", H5P_DEFAULT);
        if (sc->d_events < 0) st = -1;
    }
    if (!st) sc->d_progress = H5Dopen2(sg, "progress", H5P_DEFAULT);
    if (sc->d_progress < 0) st = -1;
    H5Gclose(sg);
    return st ? -1 : 0;
}

/* Several ranks: rank 0 finishes its single-process phase (the list of scenarios) and closes
 * the file; then all ranks open it with MPI-IO and open every unfinished scenario. From here
 * on, as in SWMR mode, only extents, raw data and progress change. */
static int begin_mpi(cs_writer *w, cs_error *err)
{
    int rc = CS_OK;
    if (w->root) {
        if (w->resumed) {
            if (w->n_scen != w->n_file_scen) rc = mismatch(w, err, "the list of scenarios");
            /* A .part begun by a single process has incrementally allocated chunks, which
             * parallel HDF5 cannot write (it would hang): resume it as it was begun. */
            for (size_t i = 0; !rc && i < w->n_scen; i++) {
                cs_wscen *sc = &w->scen[i];
                if (sc->written == w->replications || sc->rep.id < 0) continue;
                hid_t dcpl = H5Dget_create_plist(sc->rep.id);
                H5D_alloc_time_t at = H5D_ALLOC_TIME_ERROR;
                if (dcpl >= 0) H5Pget_alloc_time(dcpl, &at);
                if (dcpl >= 0) H5Pclose(dcpl);
                if (at != H5D_ALLOC_TIME_EARLY) {
                    w->failed = true;
                    rc = cs_error_set(err, CS_EMISMATCH, w->part, 0, 0, NULL,
                                      "cannot resume with MPI a run begun by a single process: "
                                      "resume it without mpirun (or start again with --force)");
                }
            }
        } else {
            const char **names = malloc((w->n_scen + 1) * sizeof *names);
            for (size_t i = 0; names && i < w->n_scen; i++)
                names[i] = w->scen[i].name;
            if (!names)
                rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            else if (attr_strs(w, w->file, "scenarios", w->n_scen, names) < 0)
                rc = h5_fail(w, err, "cannot write the list of scenarios");
            free(names);
        }
        for (size_t i = 0; i < w->n_scen; i++)
            scen_close_dsets(&w->scen[i]);
        if (H5Fclose(w->file) < 0 && !rc) rc = h5_fail(w, err, "cannot close");
        w->file = H5I_INVALID_HID;
    }
    rc = agree(w, rc, err);
    if (!rc) {
        hid_t fapl = make_fapl(false, w->par);
        w->file = fapl < 0 ? H5I_INVALID_HID : H5Fopen(w->part, H5F_ACC_RDWR, fapl);
        if (fapl >= 0) H5Pclose(fapl);
        rc = agree(w, w->file < 0 ? h5_fail(w, err, "cannot open with MPI-IO") : CS_OK, err);
    }
    for (size_t i = 0; !rc && i < w->n_scen; i++) {
        cs_wscen *sc = &w->scen[i];
        if (sc->written == w->replications) continue;
        char what[300];
        snprintf(what, sizeof what, "cannot open the datasets of scenario '%s'", sc->name);
        rc = agree(w, scen_open_par(w, sc) < 0 ? h5_fail(w, err, what) : CS_OK, err);
    }
    if (rc) {
        w->failed = true;
        return rc;
    }
    w->begun = true;
    return CS_OK;
}

/* ---- writing ---- */

static int commit_mpi(cs_writer *w, cs_error *err);

/* Makes every written replication durable against a killed process and publishes it. */
static int commit(cs_writer *w, cs_error *err)
{
    if (w->mpi) return commit_mpi(w, err);
    bool any = false;
    for (size_t i = 0; i < w->n_scen; i++)
        any = any || w->scen[i].written > w->scen[i].committed;
    if (!any) return CS_OK;
    /* 1. the data (and the metadata that finds them) reach the file, */
    if (H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0) return h5_fail(w, err, "cannot flush");
    /* 2. only then does progress claim them. */
    for (size_t i = 0; i < w->n_scen; i++) {
        cs_wscen *sc = &w->scen[i];
        if (sc->written == sc->committed) continue;
        uint64_t p[2] = {sc->written, sc->ev_written};
        if (H5Dwrite(sc->d_progress, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, p) < 0 ||
            H5Dflush(sc->d_progress) < 0)
            return h5_fail(w, err, "cannot record progress");
        sc->committed = sc->written;
        sc->ev_committed = sc->ev_written;
    }
    return CS_OK;
}

uint64_t cs_writer_done(const cs_writer *w, size_t scenario)
{
    if (!w || scenario >= w->n_scen) return 0;
    return w->scen[scenario].written;
}

static int write_events(cs_writer *w, cs_wscen *sc, const cs_repbuf *b, cs_error *err)
{
    size_t n = b->n_events;
    if (n == 0) return CS_OK;
    const cs_enum_def *et = sc->schema->event_types;
    for (size_t i = 0; et && et->n > 0 && i < n; i++)
        if (b->events[i].type < 0 || (size_t)b->events[i].type >= et->n)
            return cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                                "replication %llu: event type %d is not in enum '%s'",
                                (unsigned long long)b->replication, b->events[i].type, et->name);
    hsize_t start = sc->ev_written, cnt = n, total = start + n;
    if (H5Dset_extent(sc->d_events, &total) < 0) return h5_fail(w, err, "cannot extend events");
    hid_t fs = H5Dget_space(sc->d_events);
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    herr_t r =
        fs < 0 || ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL);
    if (r >= 0) r = H5Dwrite(sc->d_events, sc->t_ev_mem, ms, fs, w->dxpl, b->events);
    int rc = r < 0 ? h5_fail(w, err, "cannot write events") : CS_OK;
    if (fs >= 0) H5Sclose(fs);
    if (ms >= 0) H5Sclose(ms);
    return rc;
}

int cs_writer_write(cs_writer *w, size_t scenario, const cs_repbuf *b, cs_error *err)
{
    if (!w || !b || scenario >= w->n_scen)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_write: bad argument");
    if (w->failed)
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "the writer failed earlier");
    cs_wscen *sc = &w->scen[scenario];
    if (sc->written >= w->replications)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                            "all %llu replications are already written",
                            (unsigned long long)w->replications);
    if (b->replication != sc->written)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                            "replication %llu written out of order (expected %llu)",
                            (unsigned long long)b->replication, (unsigned long long)sc->written);
    if (b->n_dropped)
        return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, sc->name,
                            "replication %llu: %zu events could not be recorded (out of memory)",
                            (unsigned long long)b->replication, b->n_dropped);
    if (b->n_time != sc->n_time || b->n_la != w->n_la || b->n_uncertain != sc->n_uncertain)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                            "buffer shape (time %zu, authorities %zu, uncertain %zu) does not "
                            "match the scenario (%zu, %zu, %zu)",
                            b->n_time, b->n_la, b->n_uncertain, sc->n_time, w->n_la,
                            sc->n_uncertain);
    int rc = cs_writer_begin(w, err);
    if (rc) return rc;
    const cs_schema *sch = sc->schema;
    hsize_t r = sc->written;
    char what[200];
    snprintf(what, sizeof what, "cannot write replication %llu of scenario '%s'",
             (unsigned long long)r, sc->name);
    uint64_t rep = r;
    if (sc->events) {
        rc = write_events(w, sc, b, err);
        if (rc) return rc;
    }
    if (wdset_append(&sc->rep, w->dxpl, r, &rep) < 0) return h5_fail(w, err, what);
    for (size_t i = 0; sc->national && i < sch->n_series; i++)
        if (wdset_append(&sc->series[i], w->dxpl, r, b->series[i]) < 0)
            return h5_fail(w, err, what);
    for (size_t i = 0; sc->panel && i < sch->n_panel; i++)
        if (wdset_append(&sc->panels[i], w->dxpl, r, b->panel[i]) < 0) return h5_fail(w, err, what);
    for (size_t i = 0; i < sch->n_summary; i++)
        if (wdset_append(&sc->summary[i], w->dxpl, r, &b->summary[i]) < 0)
            return h5_fail(w, err, what);
    for (size_t i = 0; i < sch->n_lastat; i++)
        if (wdset_append(&sc->lastat[i], w->dxpl, r, b->lastat[i]) < 0)
            return h5_fail(w, err, what);
    for (size_t i = 0; i < sc->n_uncertain; i++)
        if (wdset_append(&sc->drawn[i], w->dxpl, r, &b->drawn[i]) < 0) return h5_fail(w, err, what);
    sc->written++;
    sc->ev_written += sc->events ? b->n_events : 0;
    bool complete = sc->written == w->replications;
    if (complete || sc->written - sc->committed >= w->commit_every) {
        rc = commit(w, err);
        if (rc) return rc;
    }
    /* Release the chunk caches of a finished scenario: memory stays bounded in sweeps. */
    if (complete) scen_close(sc);
    return CS_OK;
}

/* ---- several processes: collective commits and block writes ---- */

/* Collective commit: every rank flushes (HDF5 writes the dirty metadata collectively), rank 0
 * writes progress, and a second flush publishes it. Without SWMR a kill can still catch the
 * metadata half-written (docs/cluster.md); a clean stop (SIGTERM) always ends here. */
static int commit_mpi(cs_writer *w, cs_error *err)
{
    bool any = false;
    for (size_t i = 0; i < w->n_scen; i++)
        any = any || w->scen[i].written > w->scen[i].committed;
    if (!any) return CS_OK;
    int rc = CS_OK;
    if (H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) rc = h5_fail(w, err, "cannot flush");
    for (size_t i = 0; i < w->n_scen; i++) {
        cs_wscen *sc = &w->scen[i];
        if (sc->written == sc->committed) continue;
        uint64_t p[2] = {sc->written, sc->ev_written};
        hsize_t two = 2;
        hid_t fs = H5Dget_space(sc->d_progress), ms = H5Screate_simple(1, &two, NULL);
        if (!w->root) { /* one writer for 16 bytes; the others take part in the collective */
            H5Sselect_none(fs);
            H5Sselect_none(ms);
        }
        if ((fs < 0 || ms < 0 ||
             H5Dwrite(sc->d_progress, H5T_NATIVE_UINT64, ms, fs, w->dxpl, p) < 0) &&
            !rc)
            rc = h5_fail(w, err, "cannot record progress");
        if (fs >= 0) H5Sclose(fs);
        if (ms >= 0) H5Sclose(ms);
    }
    if (H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0 && !rc) rc = h5_fail(w, err, "cannot flush");
    rc = agree(w, rc, err);
    if (rc) {
        w->failed = true;
        return rc;
    }
    for (size_t i = 0; i < w->n_scen; i++) {
        w->scen[i].committed = w->scen[i].written;
        w->scen[i].ev_committed = w->scen[i].ev_written;
    }
    return CS_OK;
}

/* Bytes of one replication's row of d in memory. */
static size_t row_bytes(const cs_wdset *d)
{
    size_t n = H5Tget_size(d->mtype);
    for (int i = 1; i < d->rank; i++)
        n *= (size_t)d->dims[i];
    return n;
}

/* Converts n elements of buf (memory type mtype) in place to the file type of dataset d and
 * returns that type (caller closes it), or -1. A write that converts types is done
 * independently by parallel HDF5, and filtered (compressed) datasets allow only collective
 * writes; H5Tconvert is the conversion the write would have made, so the bytes are the same. */
static hid_t to_file_type(hid_t d, hid_t mtype, size_t n, void *buf)
{
    hid_t ft = H5Dget_type(d);
    if (ft < 0) return ft;
    htri_t same = H5Tequal(ft, mtype);
    herr_t r = same < 0 ? -1 : 0;
    if (!same && n > 0) {
        /* compound conversions need a background buffer of destination rows */
        size_t big = H5Tget_size(ft) > H5Tget_size(mtype) ? H5Tget_size(ft) : H5Tget_size(mtype);
        void *bkg = calloc(n, big);
        r = bkg ? H5Tconvert(mtype, ft, n, buf, bkg, H5P_DEFAULT) : -1;
        free(bkg);
    }
    if (r < 0) {
        H5Tclose(ft);
        return H5I_INVALID_HID;
    }
    return ft;
}

/* Collective: grows d to n rows and writes this rank's k rows (rows[j]) at row `first`.
 * A rank that fails keeps taking part, so that the others do not wait for it forever. */
static int wdset_put_block(cs_writer *w, cs_wdset *d, hsize_t n, hsize_t first, size_t k,
                           const void *const *rows, int rc, cs_error *err, const char *what)
{
    herr_t st = wdset_resize(d, n);
    size_t rb = row_bytes(d);
    char *buf = w->stage;
    for (size_t j = 0; j < k; j++)
        memcpy(buf + j * rb, rows[j], rb);
    hsize_t m[3] = {k ? k : 1, d->dims[1], d->dims[2]};
    hsize_t start[3] = {first, 0, 0}, count[3] = {k, d->dims[1], d->dims[2]};
    hid_t fs = H5Dget_space(d->id), ms = H5Screate_simple(d->rank, m, NULL);
    if (k > 0) {
        if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0) st = -1;
    } else {
        H5Sselect_none(fs);
        H5Sselect_none(ms);
    }
    uint64_t dummy = 0;
    hid_t ft = to_file_type(d->id, d->mtype, k * (rb / H5Tget_size(d->mtype)), buf);
    if (ft < 0) st = -1;
    if (H5Dwrite(d->id, ft < 0 ? d->mtype : ft, ms, fs, w->dxpl, buf ? (void *)buf : &dummy) < 0)
        st = -1;
    if (ft >= 0) H5Tclose(ft);
    if (fs >= 0) H5Sclose(fs);
    if (ms >= 0) H5Sclose(ms);
    if (st < 0 && !rc) rc = h5_fail(w, err, what);
    return rc;
}

int cs_writer_write_block(cs_writer *w, size_t scenario, const cs_repbuf *const *bufs, size_t k,
                          cs_error *err)
{
    if (!w)
        return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_write_block: no writer");
    if (!w->mpi) {
        for (size_t i = 0; i < k; i++) {
            int rc = cs_writer_write(w, scenario, bufs[i], err);
            if (rc) return rc;
        }
        return CS_OK;
    }
    /* Rank r's rows follow those of ranks 0..r-1: file order is replication order. */
    uint64_t off = cs_par_exscan_u64(w->par, k), total = cs_par_sum_u64(w->par, k);
    int rc = CS_OK;
    cs_wscen *sc = scenario < w->n_scen ? &w->scen[scenario] : NULL;
    uint64_t n_ev = 0;
    if (!sc || (k && !bufs))
        rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_write_block: bad argument");
    else if (w->failed)
        rc = cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "the writer failed earlier");
    else if (sc->written + total > w->replications)
        rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                          "%llu replications written beyond the %llu of the run",
                          (unsigned long long)(sc->written + total - w->replications),
                          (unsigned long long)w->replications);
    for (size_t i = 0; !rc && i < k; i++) {
        const cs_repbuf *b = bufs[i];
        if (b->replication != sc->written + off + i)
            rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                              "replication %llu written out of order (expected %llu)",
                              (unsigned long long)b->replication,
                              (unsigned long long)(sc->written + off + i));
        else if (b->n_time != sc->n_time || b->n_la != w->n_la || b->n_uncertain != sc->n_uncertain)
            rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                              "buffer shape does not match the scenario");
        else if (b->n_dropped)
            rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, sc->name,
                              "replication %llu: %zu events could not be recorded (out of memory)",
                              (unsigned long long)b->replication, b->n_dropped);
        const cs_enum_def *et = sc->schema->event_types;
        for (size_t e = 0; !rc && sc->events && et && et->n > 0 && e < b->n_events; e++)
            if (b->events[e].type < 0 || (size_t)b->events[e].type >= et->n)
                rc = cs_error_set(err, CS_EINVAL, NULL, 0, 0, sc->name,
                                  "replication %llu: event type %d is not in enum '%s'",
                                  (unsigned long long)b->replication, b->events[e].type, et->name);
        n_ev += sc->events ? b->n_events : 0;
    }
    rc = agree(w, rc, err);
    if (rc) return rc;
    rc = cs_writer_begin(w, err); /* collective, agreed */
    if (rc) return rc;
    uint64_t ev_off = cs_par_exscan_u64(w->par, n_ev), ev_total = cs_par_sum_u64(w->par, n_ev);

    /* One staging buffer (rows must be contiguous for one hyperslab write per dataset). */
    const cs_schema *sch = sc->schema;
    cs_wdset *lists[] = {sc->series, sc->panels, sc->summary, sc->lastat, sc->drawn};
    size_t ln[] = {sc->national ? sch->n_series : 0, sc->panel ? sch->n_panel : 0, sch->n_summary,
                   sch->n_lastat, sc->n_uncertain};
    size_t need = k * 8, evb = (size_t)n_ev * sizeof(cs_evrec);
    for (int g = 0; g < 5; g++)
        for (size_t i = 0; i < ln[g]; i++)
            if (k * row_bytes(&lists[g][i]) > need) need = k * row_bytes(&lists[g][i]);
    if (evb > need) need = evb;
    if (need > w->stage_cap) {
        void *n = realloc(w->stage, need);
        if (n) {
            w->stage = n;
            w->stage_cap = need;
        }
    }
    const void **rows = malloc((k + 1) * sizeof *rows);
    uint64_t *idx = malloc((k + 1) * sizeof *idx);
    rc = (need > w->stage_cap || !rows || !idx)
             ? cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory (write buffer)")
             : CS_OK;
    rc = agree(w, rc, err);
    if (rc) {
        free(rows);
        free(idx);
        return rc;
    }

    char what[200];
    snprintf(what, sizeof what, "cannot write replications %llu-%llu of scenario '%s'",
             (unsigned long long)(sc->written + off), (unsigned long long)(sc->written + off + k),
             sc->name);
    hsize_t n = sc->written + total, first = sc->written + off;
    if (sc->events) {
        /* Event rows: this rank's replications are consecutive, so are their rows. */
        char *buf = w->stage;
        for (size_t i = 0; i < k; i++) {
            memcpy(buf, bufs[i]->events, bufs[i]->n_events * sizeof(cs_evrec));
            buf += bufs[i]->n_events * sizeof(cs_evrec);
        }
        hsize_t en = sc->ev_written + ev_total, estart = sc->ev_written + ev_off, ecnt = n_ev;
        hsize_t m = ecnt ? ecnt : 1;
        herr_t st = H5Dset_extent(sc->d_events, &en);
        hid_t fs = H5Dget_space(sc->d_events), ms = H5Screate_simple(1, &m, NULL);
        if (ecnt > 0) {
            if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, &estart, NULL, &ecnt, NULL) < 0) st = -1;
        } else {
            H5Sselect_none(fs);
            H5Sselect_none(ms);
        }
        uint64_t dummy = 0;
        hid_t ft = to_file_type(sc->d_events, sc->t_ev_mem, (size_t)ecnt, w->stage);
        if (ft < 0) st = -1;
        if (H5Dwrite(sc->d_events, ft < 0 ? sc->t_ev_mem : ft, ms, fs, w->dxpl,
                     w->stage ? w->stage : (void *)&dummy) < 0)
            st = -1;
        if (ft >= 0) H5Tclose(ft);
        if (fs >= 0) H5Sclose(fs);
        if (ms >= 0) H5Sclose(ms);
        if (st < 0) rc = h5_fail(w, err, "cannot write events");
    }
    for (size_t j = 0; j < k; j++) {
        idx[j] = first + j;
        rows[j] = &idx[j];
    }
    rc = wdset_put_block(w, &sc->rep, n, first, k, rows, rc, err, what);
    for (size_t i = 0; i < ln[0]; i++) {
        for (size_t j = 0; j < k; j++)
            rows[j] = bufs[j]->series[i];
        rc = wdset_put_block(w, &sc->series[i], n, first, k, rows, rc, err, what);
    }
    for (size_t i = 0; i < ln[1]; i++) {
        for (size_t j = 0; j < k; j++)
            rows[j] = bufs[j]->panel[i];
        rc = wdset_put_block(w, &sc->panels[i], n, first, k, rows, rc, err, what);
    }
    for (size_t i = 0; i < ln[2]; i++) {
        for (size_t j = 0; j < k; j++)
            rows[j] = &bufs[j]->summary[i];
        rc = wdset_put_block(w, &sc->summary[i], n, first, k, rows, rc, err, what);
    }
    for (size_t i = 0; i < ln[3]; i++) {
        for (size_t j = 0; j < k; j++)
            rows[j] = bufs[j]->lastat[i];
        rc = wdset_put_block(w, &sc->lastat[i], n, first, k, rows, rc, err, what);
    }
    for (size_t i = 0; i < ln[4]; i++) {
        for (size_t j = 0; j < k; j++)
            rows[j] = &bufs[j]->drawn[i];
        rc = wdset_put_block(w, &sc->drawn[i], n, first, k, rows, rc, err, what);
    }
    free(rows);
    free(idx);
    rc = agree(w, rc, err);
    if (rc) {
        w->failed = true;
        return rc;
    }
    sc->written = n;
    sc->ev_written += ev_total;
    bool complete = sc->written == w->replications;
    if (complete || sc->written - sc->committed >= w->commit_every) {
        rc = commit(w, err);
        if (rc) return rc;
    }
    if (complete) scen_close(sc);
    return CS_OK;
}

int cs_writer_flush(cs_writer *w, cs_error *err)
{
    if (!w) return cs_error_set(err, CS_EINVAL, NULL, 0, 0, NULL, "cs_writer_flush: no writer");
    if (w->failed)
        return cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "the writer failed earlier");
    int rc = w->begun ? commit(w, err) : CS_OK;
    if (rc) return rc;
    if (w->root && fsync_path(w->part, false) != 0)
        rc = cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "cannot sync: %s", strerror(errno));
    return agree(w, rc, err);
}

/* Takes the exclusive lock of PATH: an open file description of PATH.lock holding a write
 * lock (F_OFD_SETLK: released by the kernel when this process dies, whatever the signal).
 * A second writer of the same output is refused while the first runs. */
static int lock_output(cs_writer *w, cs_error *err)
{
    size_t n = strlen(w->path) + 6;
    w->lock_path = malloc(n);
    if (!w->lock_path) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    snprintf(w->lock_path, n, "%s.lock", w->path);
    for (int attempt = 0; attempt < 8; attempt++) {
        int fd = open(w->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return cs_error_set(err, CS_EIO, w->lock_path, 0, 0, NULL, "cannot create: %s",
                                strerror(errno));
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        /* A run that was just stopped may take a moment to exit (MPI ranks finishing their
         * round): wait for it a little before refusing. */
        int held = 0;
        for (int k = 0; k < 10 * CS_LOCK_WAIT_S && fcntl(fd, F_OFD_SETLK, &fl) != 0 &&
                        (errno == EAGAIN || errno == EACCES);
             k++) {
            if (!held++)
                fprintf(stderr, "cssim: %s is held by another run; waiting up to %d s for it\n",
                        w->lock_path, CS_LOCK_WAIT_S);
            struct timespec ts = {0, 100000000L};
            nanosleep(&ts, NULL);
        }
        if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
            int e = errno;
            char pid[32] = "";
            ssize_t k = pread(fd, pid, sizeof pid - 1, 0);
            pid[k > 0 ? k : 0] = 0;
            pid[strcspn(pid, "\n")] = 0;
            close(fd);
            if (e == EAGAIN || e == EACCES)
                return cs_error_set(err, CS_EEXIST, w->path, 0, 0, NULL,
                                    "another cssim run%s%s is writing this output (it holds %s); "
                                    "wait for it to finish, or choose another output",
                                    pid[0] ? " (pid " : "", pid[0] ? pid : "", w->lock_path);
            return cs_error_set(err, CS_EIO, w->lock_path, 0, 0, NULL, "cannot lock: %s",
                                strerror(e));
        }
        /* Locked: but if a finishing writer unlinked the lock file after we opened it, the
         * lock is on a dead inode; take the one now at the path instead. */
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(w->lock_path, &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev) {
            char pid[32];
            int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
            if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
                /* the pid is only a courtesy for the message above */
            }
            w->lock_fd = fd;
            return CS_OK;
        }
        close(fd);
    }
    return cs_error_set(err, CS_EIO, w->lock_path, 0, 0, NULL, "cannot lock: it keeps changing");
}

static void unlock_output(cs_writer *w)
{
    if (w->lock_fd < 0) return;
    unlink(w->lock_path); /* while still holding it: see lock_output */
    close(w->lock_fd);
    w->lock_fd = -1;
}

static void writer_free(cs_writer *w)
{
    if (w->old >= 0) H5Fclose(w->old);
    if (w->fresh_path) unlink(w->fresh_path); /* an unfinished copy: PATH.part stays as it was */
    free(w->fresh_path);
    unlock_output(w);
    free(w->lock_path);
    for (size_t i = 0; i < w->n_scen; i++)
        scen_free(&w->scen[i]);
    free(w->scen);
    free_strs(w->file_scen, w->n_file_scen);
    if (w->t_str > 0) H5Tclose(w->t_str);
    if (w->dxpl > 0) H5Pclose(w->dxpl);
    free(w->tconv);
    free(w->tbkg);
    free(w->stage);
    free(w->path);
    free(w->part);
    free(w);
}

int cs_writer_close(cs_writer *w, cs_error *err)
{
    if (!w) return CS_OK;
    if (w->failed) {
        /* Keep the first error's message: it says what went wrong. */
        if (err && err->status == CS_OK)
            cs_error_set(err, CS_EIO, w->part, 0, 0, NULL,
                         "output incomplete after an earlier error; partial file kept");
        cs_writer_abort(w);
        return CS_EIO;
    }
    int rc = cs_writer_begin(w, err); /* so that even an empty run leaves a resumable file */
    if (!rc) rc = commit(w, err);
    uint64_t done = 0, want = (uint64_t)w->n_scen * w->replications;
    for (size_t i = 0; i < w->n_scen; i++) {
        done += w->scen[i].written;
        scen_close(&w->scen[i]);
    }
    if (H5Fclose(w->file) < 0 && !rc) rc = h5_fail(w, err, "cannot close");
    w->file = H5I_INVALID_HID;
    if (!rc && done < want)
        rc = cs_error_set(err, CS_EINTR, w->part, 0, 0, NULL,
                          "incomplete: %llu of %llu replications written; run again with "
                          "--resume to finish",
                          (unsigned long long)done, (unsigned long long)want);
    if (!rc && w->root) {
        /* Reproducible bytes (see cs_h5_untime_extension); durable; then atomically in place
         * of any earlier PATH. */
        if (cs_h5_untime_extension(w->part) < 0)
            rc = cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "cannot finish the file");
        else if (fsync_path(w->part, false) != 0)
            rc = cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "cannot sync: %s", strerror(errno));
        else if (rename(w->part, w->path) != 0)
            rc = cs_error_set(err, CS_EIO, w->path, 0, 0, NULL, "cannot rename %s: %s", w->part,
                              strerror(errno));
        if (!rc) {
            char *dir = dup_str(w->path);
            char *slash = dir ? strrchr(dir, '/') : NULL;
            if (slash) {
                if (slash == dir)
                    slash[1] = '\0';
                else
                    *slash = '\0';
            }
            if (dir) fsync_path(slash ? dir : ".", true);
            free(dir);
        }
    }
    rc = agree(w, rc, err); /* rank 0 renamed, or says why not */
    writer_free(w);
    return rc;
}

void cs_writer_abort(cs_writer *w)
{
    if (!w) return;
    if (w->broken && !w->mpi) {
        /* Leave the file as it is on disk (see `broken`): its handles stay open until the
         * process ends, and HDF5 does not flush at exit (cs_writer_library_init). */
        for (size_t i = 0; i < w->n_scen; i++)
            w->scen[i].open = false;
        w->file = H5I_INVALID_HID;
        writer_free(w);
        return;
    }
    /* Best effort: publish what is whole (it resumes from there); errors are ignored, the
     * caller is already reporting one. */
    if (w->begun && w->file >= 0) {
        cs_error ignored;
        bool failed = w->failed;
        commit(w, &ignored);
        w->failed = failed;
    }
    for (size_t i = 0; i < w->n_scen; i++)
        scen_close(&w->scen[i]);
    if (w->file >= 0) H5Fclose(w->file);
    w->file = H5I_INVALID_HID;
    writer_free(w);
}
