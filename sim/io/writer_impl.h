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
#ifndef CSSIM_WRITER_IMPL_H
#define CSSIM_WRITER_IMPL_H
/* Internal to the writer (writer*.c); the public interface is cssim/output.h. The cs_wr_*
 * functions are shared by the writer's files only. */

#include "cssim/output.h"
#include "h5attr.h"
#include "h5file.h"
#include "h5par.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CS_FORMAT_NAME    "cssim-output"
#define CS_FORMAT_VERSION 1
/* Chunk targets: 64 KiB - 1 MiB chunks read efficiently and fit HDF5's default 1 MiB
 * per-dataset chunk cache, so partially filled chunks stay in memory between writes. */
#define CS_CHUNK_TARGET (256u * 1024u)
#define CS_TCONV_BYTES  (1u << 20) /* HDF5's default conversion buffer size */
#define CS_CHUNK_MAX    (1024u * 1024u)
#define CS_CHUNK_1D     8192u /* rows of a [replication] dataset per chunk (64 KiB of f64) */
/* One process: rows along replication per chunk, at least (whole commit intervals, so that a
 * commit every replication does not make chunks of a single row). */
#define CS_CHUNK_MIN_ROWS 16u
/* Event rows per chunk: 8192 packed rows of 30 bytes = 240 KiB. The last, partial chunk is
 * stored whole and unfiltered (see cs_wr_dset_create), so larger chunks cost small runs ~1 MiB. */
#define CS_EVENT_CHUNK 8192u
#define CS_EVENT_SIZE  30u
/* A SWMR open retries a metadata read whose checksum fails (a concurrent writer may be midway),
 * by default 100 times with exponential back-off: over a minute on a damaged file. A few
 * attempts suffice for a file whose writer is dead or flushes in order. */
#define CS_METADATA_READ_ATTEMPTS 4
/* How long a run waits for another run's lock on the same output before refusing. */
#define CS_LOCK_WAIT_S 10

/* A dataset whose chunks the writer filters and writes itself (writer_pack.c): the current
 * chunk along dimension 0, staged in the file's type. */
typedef struct cs_wpack {
    bool direct;  /* written chunk by chunk here; false: by H5Dwrite */
    hid_t d;      /* borrowed */
    hid_t mtype;  /* borrowed memory type */
    hid_t ftype;  /* owned file type */
    bool convert; /* memory and file types differ (H5Tconvert) */
    bool shuffle; /* the pipeline: [shuffle,] [deflate level,] fletcher32 */
    int level;    /* 0: no deflate */
    int rank;
    hsize_t d1, inner;        /* dimension 1, and the product of the dimensions after it */
    hsize_t c0, c1;           /* chunk along dimensions 0 and 1 (the rest whole) */
    size_t fsize, msize, row; /* element sizes; bytes of a row in the file type */
    unsigned char *stage;     /* c0 rows */
    hsize_t first;            /* first row of the staged chunk (a multiple of c0) */
    size_t rows;              /* rows staged */
    bool dirty;               /* staged rows not in the file yet */
    hsize_t extent;           /* the dataset's extent along dimension 0 */
} cs_wpack;

/* One dataset appended along dimension 0. */
typedef struct cs_wdset {
    hid_t id;
    hid_t mtype;     /* memory type: borrowed (predefined or owned by the scenario) */
    int rank;        /* 1..3 */
    hsize_t dims[3]; /* dims[0] = current length; the others are fixed */
    hid_t mspace;    /* one replication's slab in memory */
    cs_wpack pk;     /* one process: its chunks written whole (writer_pack.c) */
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
    cs_wpack ev_pk; /* events, one process (writer_pack.c) */
    bool packed;    /* the cs_wpack of every dataset are open (first write) */
    hid_t *types;   /* enum types owned by this scenario */
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
    uint64_t round_rows; /* replications per rank and round (opts.round_rows) */
    bool root;           /* rank 0: takes the file-system decisions */
    hid_t dxpl;          /* transfers: collective (mpi), or with the conversion buffers below */
    void *tconv, *tbkg;  /* type-conversion buffers, allocated once: HDF5 would calloc 1 MiB at
                            every H5Dwrite that converts (measured: most of a replication's
                            write time on small replications) */
    void *stage;         /* contiguous rows of this rank's block (mpi only) */
    size_t stage_cap;
    /* writer_pack.c: a compressor per deflate level and scratch buffers, grown as needed */
    struct cs_deflate *deflaters[10];
    void *pk_shuf, *pk_out, *pk_gather, *pk_conv, *pk_bkg;
    size_t pk_shuf_cap, pk_out_cap, pk_gather_cap, pk_conv_cap, pk_bkg_cap;
};

/* Outcomes of the parts of a long step (creating or reopening a scenario): each part closes
 * what it opened, and the step reports the failure once it has closed the rest. */
enum cs_wr_outcome { CS_WR_OK = 0, CS_WR_H5, CS_WR_NOMEM, CS_WR_FAIL, CS_WR_MISMATCH };

typedef struct h5_detail {
    char text[256];
} h5_detail;

/* writer.c: errors, agreement, the file access list */
int cs_wr_agree(const cs_writer *w, int rc, cs_error *err);
void cs_wr_h5_get_detail(h5_detail *d);
int cs_wr_h5_fail(cs_writer *w, cs_error *err, const char *what);
char *cs_wr_dup_str(const char *s);
int cs_wr_fsync_path(const char *p, bool dir);
hid_t cs_wr_make_fapl(bool clear_flags, const cs_par *mpio);

/* writer_schema.c: types, attributes, datasets, scenarios */
hid_t cs_wr_plist_untimed(hid_t cls);
hid_t cs_wr_file_type(cs_vtype t);
size_t cs_wr_vt_size(cs_vtype t);
herr_t cs_wr_attr_write(hid_t obj, const char *name, hid_t ftype, hid_t mtype, hid_t space,
                        const void *buf);
herr_t cs_wr_attr_scalar(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *v);
herr_t cs_wr_attr_str(const cs_writer *w, hid_t obj, const char *name, const char *v);
herr_t cs_wr_attr_strs(const cs_writer *w, hid_t obj, const char *name, size_t n,
                       const char *const *v);
herr_t cs_wr_attr_u64(hid_t obj, const char *name, uint64_t v);
herr_t cs_wr_attr_f64(hid_t obj, const char *name, double v);
herr_t cs_wr_attr_i32(hid_t obj, const char *name, int32_t v);
int cs_wr_attr_read_num(hid_t obj, const char *name, hid_t mtype, void *v);
char **cs_wr_attr_read_strs(hid_t obj, const char *name, size_t *n);
void cs_wr_free_strs(char **v, size_t n);
hid_t cs_wr_dset_create(hid_t loc, const char *name, hid_t ftype, int rank, const hsize_t *dims,
                        const hsize_t *chunk, int compression, bool early);
hid_t cs_wr_dset_fixed(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hsize_t n,
                       const void *buf);
hid_t cs_wr_dset_strings(const cs_writer *w, hid_t loc, const char *name, size_t n,
                         const char *const *v);
hsize_t cs_wr_rows_chunk(const cs_writer *w, size_t row_bytes, hsize_t cap);
int cs_wr_wdset_create(cs_wdset *d, hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                       const hsize_t *row, const hsize_t *chunk, int compression, bool early);
int cs_wr_wdset_open(cs_wdset *d, hid_t loc, const char *name, hid_t mtype, int rank,
                     const hsize_t *row);
herr_t cs_wr_wdset_resize(cs_wdset *d, hsize_t n);
herr_t cs_wr_wdset_append(cs_wdset *d, hid_t dxpl, hsize_t r, const void *buf);
int cs_wr_scen_alloc(cs_wscen *sc, const cs_out_scenario *s);
void cs_wr_scen_close_dsets(cs_wscen *sc);
void cs_wr_scen_close(cs_wscen *sc);
void cs_wr_scen_free(cs_wscen *sc);
int cs_wr_panel_types(cs_wscen *sc, const cs_panel_def *pd, hid_t *ft, hid_t *mt);
int cs_wr_event_types(cs_wscen *sc, const cs_schema *sch, hid_t *ft);
int cs_wr_prepare_slabs(cs_wscen *sc);
/* The appendable datasets a scenario writes, one by one: rep, then national series (if
 * national), panels (if panel), summaries, authority statistics, drawn parameters. Call with
 * *i = 0, then again while it returns non-NULL. */
cs_wdset *cs_wr_next_wdset(cs_wscen *sc, size_t *i);

/* writer_create.c */
int cs_wr_create_file(cs_writer *w, const cs_writer_opts *o, bool publish, cs_error *err);

/* writer_resume.c */
int cs_wr_mismatch(cs_writer *w, cs_error *err, const char *what);
int cs_wr_reopen_file(cs_writer *w, const cs_writer_opts *o, cs_error *err);
int cs_wr_reopen_scenario(cs_writer *w, cs_wscen *sc, const cs_out_scenario *s, cs_error *err);
int cs_wr_copy_prefix(cs_writer *w, cs_wscen *sc, const char *name, cs_error *err);

/* writer_pack.c: chunks filtered and written whole by the writer (one process); these return
 * a cs_wr_outcome (CS_WR_OK, CS_WR_H5 or CS_WR_NOMEM) */
void cs_wr_pack_init(cs_wpack *p);
void cs_wr_pack_fini(cs_wpack *p);
int cs_wr_pack_open(cs_wpack *p, hid_t d, hid_t mtype, hsize_t done);
int cs_wr_pack_put(cs_writer *w, cs_wpack *p, const void *rows, size_t n);
int cs_wr_pack_flush(cs_writer *w, cs_wpack *p);
int cs_wr_pack_open_scen(cs_wscen *sc);
int cs_wr_pack_flush_scen(cs_writer *w, cs_wscen *sc);
void cs_wr_pack_close_scen(cs_wscen *sc);
void cs_wr_pack_free_scratch(cs_writer *w);

/* writer_append.c */
int cs_wr_commit(cs_writer *w, cs_error *err);

#endif
