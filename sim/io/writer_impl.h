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
 * Invariants, per scenario: committed <= written <= replications (one process: committed <=
 * marked <= written, marked counting the commits queued); progress on disk equals [committed,
 * ev_committed]; every replication-indexed dataset has extent `written` along dimension 0
 * (events: ev_written rows) after each write with several ranks, and with one process the rows
 * of the chunks stored so far (writer_pack.c), which cover [committed, ev_committed] once a
 * commit is stored.
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
#include <pthread.h>
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
 * commit every replication does not make chunks of a single row), and enough rows for
 * CS_CHUNK_MIN_BYTES, up to CS_COMMIT_MAX_ROWS rows: each chunk is one H5Dwrite_chunk and one
 * pwrite, and chunks of a few hundred bytes (a series of two snapshots, a summary) made R1's
 * writing mostly calls. */
#define CS_CHUNK_MIN_ROWS  16u
#define CS_CHUNK_MIN_BYTES (16u * 1024u)
/* Several ranks, root writer: a dataset's rows of one rank's block make chunks of their own
 * (filtered on that rank) when they are at least this many bytes; smaller ones go to rank 0
 * as rows (cs_wr_rows_chunk). */
#define CS_DIST_CHUNK_MIN 4096u
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

/* The buffers of one chunk of a dataset (writer_pack.c): its rows, staged in the file's type,
 * and what filtering makes of them. A dataset keeps spares and reuses them. */
typedef struct cs_wbuf {
    struct cs_wbuf *next; /* the dataset's spares */
    unsigned char *raw;   /* c0 rows */
    /* the filtered chunks (one per slab of dimension 1), slot bytes apart; NULL: the chunk is
     * raw with its checksum after it (no shuffle, no deflate) */
    unsigned char *out;
    size_t slot;
    size_t *len; /* [nslab]: their lengths, checksum included */
} cs_wbuf;

/* One run of bytes of a row, from the memory type's layout to the file type's. */
struct cs_wmove {
    size_t from, to, n;
};

/* A dataset whose chunks the writer filters and writes itself (writer_pack.c): the current
 * chunk along dimension 0, staged in the file's type. The fields up to `move` (its geometry
 * and pipeline) are fixed once open, and read by the threads that filter its chunks. */
typedef struct cs_wpack {
    bool direct;  /* written chunk by chunk here; false: by H5Dwrite */
    hid_t d;      /* borrowed */
    hid_t mtype;  /* borrowed memory type */
    hid_t ftype;  /* owned file type */
    bool convert; /* memory and file types differ (H5Tconvert, or the copies of `move`) */
    bool shuffle; /* the pipeline: [shuffle,] [deflate level,] fletcher32 */
    int level;    /* 0: no deflate */
    int rank;
    hsize_t d1, inner;        /* dimension 1, and the product of the dimensions after it */
    hsize_t c0, c1;           /* chunk along dimensions 0 and 1 (the rest whole) */
    size_t fsize, msize, row; /* element sizes; bytes of a row in the file type */
    size_t nslab, slab;       /* chunks per row of chunks (slabs of dimension 1); bytes of one */
    /* A compound whose members are the memory type's, in another layout: row by row copies
     * of byte runs instead of H5Tconvert (the same bytes). n_move = 0: H5Tconvert. */
    size_t n_move;
    struct cs_wmove *move;
    cs_wbuf *cur;   /* the staged chunk: c0 rows */
    cs_wbuf *spare; /* buffers back from the file, for the next chunks */
    hsize_t first;  /* first row of the staged chunk (a multiple of c0) */
    size_t rows;    /* rows staged */
    bool dirty;     /* staged rows not queued for the file yet */
    hsize_t extent; /* the dataset's extent along dimension 0 (as stored so far) */
} cs_wpack;

/* One operation on the file in the writer's order (writer_pack.c): a chunk to store (filtered
 * first, by any thread), a commit, or the close of a finished scenario. */
enum cs_wop_kind { CS_OP_CHUNK, CS_OP_COMMIT, CS_OP_CLOSE };
enum cs_wop_state { CS_OP_QUEUED, CS_OP_FILTERING, CS_OP_READY, CS_OP_NOMEM };
typedef struct cs_wop {
    struct cs_wop *next;  /* the order of operations (or the free list) */
    struct cs_wop *tnext; /* chunks waiting for a filtering thread */
    enum cs_wop_kind kind;
    enum cs_wop_state state;      /* under the writer's op_mu once queued */
    cs_wpack *p;                  /* chunk: the dataset */
    cs_wbuf *buf;                 /* chunk: its rows, then filtered */
    hsize_t first, end;           /* chunk: its first row; the extent the dataset must reach */
    struct cs_wscen *sc;          /* the scenario (commit: whose progress) */
    uint64_t rep;                 /* chunk: the replication staged when it was queued */
    bool flush;                   /* commit: the first of a commit's scenarios (H5Fflush first) */
    uint64_t written, ev_written; /* commit: the progress recorded */
} cs_wop;

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
    uint64_t marked; /* one process: `written` at the last commit queued (committed once stored) */
    char **drawn_names; /* [n_uncertain]: to reopen drawn/ on every rank (mpi) */
} cs_wscen;

/* The least common multiple of a and b (both > 0): chunk rows that blocks can start on. */
static inline uint64_t cs_wr_lcm(uint64_t a, uint64_t b)
{
    uint64_t x = a, y = b;
    while (y) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return a / x * b;
}

/* Replications of sc up to which a commit is queued (or stored, or found on resume). */
static inline uint64_t cs_wr_marked(const cs_wscen *sc)
{
    return sc->marked > sc->committed ? sc->marked : sc->committed;
}

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
    uint64_t commit_work, work_since; /* cs_writer_set_commit_work; work staged since the last
                                         queued commit */
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
    bool dist;  /* rank 0 of several without parallel HDF5 (writer_dist.c): commits per round */
    hid_t dxpl; /* transfers: collective (mpi), or with the conversion buffers below */
    void *tconv, *tbkg; /* type-conversion buffers, allocated once: HDF5 would calloc 1 MiB at
                           every H5Dwrite that converts (measured: most of a replication's
                           write time on small replications) */
    void *stage;        /* contiguous rows of this rank's block (mpi only) */
    size_t stage_cap;
    /* writer_pack.c (one process): the operations staged and not yet stored, in order (the
     * order of a single-threaded writer's HDF5 calls); the chunks among them waiting for a
     * filtering thread; spare operations; idle compressors per deflate level; conversion
     * scratch. op_mu guards the queue's links and states, the counts and the compressors: the
     * writer's turn appends and stores, any thread filters (cs_writer_filter). */
    pthread_mutex_t op_mu;
    bool op_mu_ok;
    cs_wop *op_head, *op_tail, *todo_head, *todo_tail, *op_free;
    size_t n_todo;
    size_t wb_bytes; /* chunk bytes stored since the syncer was last woken */
    /* writer_pack.c: a thread that fdatasyncs the file in the background (start_writeback),
     * started at the first commit and stopped before the file closes (cs_wr_syncer_stop). */
    pthread_t sy_thread;
    pthread_mutex_t sy_mu;
    pthread_cond_t sy_cv;
    bool sy_running, sy_tried, sy_want, sy_stop;
    bool sy_busy; /* inside fdatasync */
    int sy_fd, sy_errno;
    struct cs_wscen *st_sc; /* what cs_writer_stage is staging (for the chunks' messages) */
    uint64_t st_rep;
    struct cs_wz *zfree[10];
    void *pk_conv, *pk_bkg;
    size_t pk_conv_cap, pk_bkg_cap;
};

/* Outcomes of the parts of a long step (creating or reopening a scenario): each part closes
 * what it opened, and the step reports the failure once it has closed the rest. */
enum cs_wr_outcome {
    CS_WR_OK = 0,
    CS_WR_H5,
    CS_WR_NOMEM,
    CS_WR_FAIL,
    CS_WR_MISMATCH,
    CS_WR_SYNC /* the file system could not write the data (the message says why) */
};

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
 * a cs_wr_outcome (CS_WR_OK, CS_WR_H5 or CS_WR_NOMEM). Staging (cs_wr_pack_put, queue_*)
 * copies rows and queues operations; cs_wr_ops_store makes the HDF5 calls, in order, of those
 * whose chunks are filtered; cs_wr_ops_filter filters one chunk (any thread). */
void cs_wr_pack_init(cs_wpack *p);
void cs_wr_pack_fini(cs_wpack *p);
int cs_wr_pack_open(cs_wpack *p, hid_t d, hid_t mtype, hsize_t done);
int cs_wr_pack_put(cs_writer *w, cs_wpack *p, const void *rows, size_t n);
int cs_wr_pack_open_scen(cs_wscen *sc);
void cs_wr_pack_close_scen(cs_wscen *sc);
int cs_wr_ops_init(cs_writer *w);
void cs_wr_ops_free(cs_writer *w);
/* Queues a commit of every scenario with replications staged since its last one: their
 * partly filled chunks, then the commit itself. */
int cs_wr_queue_commit(cs_writer *w);
int cs_wr_queue_close(cs_writer *w, cs_wscen *sc);
bool cs_wr_ops_filter(cs_writer *w);
/* Stores the operations at the head of the queue while their chunks are filtered (all of
 * them when `all`, filtering on this thread what no other has taken); on an error, writes
 * the failing step to what. */
int cs_wr_ops_store(cs_writer *w, bool all, char *what, size_t n_what);
/* Stops the background syncer, if it runs (before the file closes): 0, or the errno of a
 * background fdatasync that failed (the file's data may not have reached the disk). */
int cs_wr_syncer_stop(cs_writer *w);
/* Waits until the syncer has done every sync asked of it (none in progress or wanted), or one
 * has failed: 0, or the errno of a background sync that failed (0 with no syncer). */
int cs_wr_syncer_drain(cs_writer *w);
/* Distributed runs (writer_dist.c). A pack staged from row `first` on (first a multiple of
 * its chunk rows, nothing staged): other ranks' packs, which stage only whole chunks. */
int cs_wr_pack_start(cs_wpack *p, hsize_t first);
/* Writes a chunk another rank filtered, now: rows [first, first + c0) of p, its nslab
 * filtered slabs (lengths len[], checksums included) one after another at data. p must have
 * nothing staged and first == p->first (CS_WR_FAIL otherwise), and no operation queued for
 * that chunk (a commit's partial copy: commits are stored whole before the next round). */
int cs_wr_pack_store_chunk(cs_wpack *p, hsize_t first, const size_t *len,
                           const unsigned char *data);
/* Filters every queued chunk on this thread, then hands each operation to emit in order and
 * releases it (a writer without a file: other ranks' staging). Stops at emit's first non-zero
 * return and returns it. */
int cs_wr_ops_drain(cs_writer *w, int (*emit)(void *ctx, const cs_wop *o), void *ctx);

/* writer_append.c */
int cs_wr_commit(cs_writer *w, cs_error *err);
/* A failure of writer_pack.c (a cs_wr_outcome) as a status and message. */
int cs_wr_pack_fail(cs_writer *w, cs_error *err, int rc, const char *what);
/* Stores the queue (filtering what no thread has taken, when filter). */
int cs_wr_store_ops(cs_writer *w, bool filter, cs_error *err);
/* Appends row r of d (staged into its chunk, or by H5Dwrite): a cs_wr_outcome. */
int cs_wr_put_row(cs_writer *w, cs_wdset *d, hsize_t r, const void *buf);
/* CS_OK when every one of n event rows has a type of s's event enum; else CS_EINVAL, naming
 * replication rep (and the scenario, if not NULL). */
int cs_wr_check_events(const cs_schema *s, const char *scenario, const cs_evrec *ev, size_t n,
                       uint64_t rep, cs_error *err);
/* Appends n event rows of replication rep (checked; rep for messages) at sc->ev_written. */
int cs_wr_put_events(cs_writer *w, cs_wscen *sc, const cs_evrec *ev, size_t n, uint64_t rep,
                     cs_error *err);

#endif
