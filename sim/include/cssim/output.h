/* The HDF5 writer: one file per run, streamed replication by replication, safe to interrupt
 * and resume. Schema documented in docs/output.md.
 *
 * The model describes what it records (a cs_schema: national series, panel variables,
 * per-replication summaries, per-authority statistics, the event table's enums) and fills one
 * cs_repbuf per replication; the writer knows nothing of the domain.
 *
 * Safety: the file is written as PATH.part and renamed to PATH when complete. An existing
 * PATH is refused unless opts.force. Completed replications are a prefix 0..k-1 per scenario
 * (writes are in replication order); after each write the progress dataset is updated and
 * the file flushed often enough that a kill loses at most the replications since the last
 * flush. With opts.resume the writer reopens PATH.part, checks that it belongs to the same
 * run (scenario texts, seed, replications), truncates anything past the committed prefix and
 * reports what is done (cs_writer_done), so the run continues and the data equal an
 * uninterrupted run bit for bit.
 *
 * Thread-safety: one thread at a time calls the writer (HDF5 is not thread-safe), and the
 * caller orders the calls (a mutex hand-over between threads is enough); the exceptions are
 * cs_writer_filter and cs_writer_pending (any thread, any time: see cs_writer_stage). Each
 * thread that calls it first calls cs_writer_thread_init.
 * Several processes (MPI): rank 0 alone holds the writer of one process and the others send it
 * their blocks (cs_writer_dist_begin and the functions after it); or every rank opens it with
 * parallel HDF5 (opts.par, cs_writer_write_block), and every other function is then collective
 * too (same calls, same order, on every rank). */
#ifndef CSSIM_OUTPUT_H
#define CSSIM_OUTPUT_H

#include "cssim/par.h"
#include "cssim/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cs_vtype { CS_VT_I32, CS_VT_F64, CS_VT_F32, CS_VT_U8 } cs_vtype;

/* An enumeration stored as an HDF5 enum type (uint8 base for panels, int16 in events) and,
 * where it labels a dimension, as a dimension scale of its label strings. */
typedef struct cs_enum_def {
    const char *name; /* "grade" */
    size_t n;
    const char *const *labels; /* "outstanding", "good", ... value i has label i */
} cs_enum_def;

/* A national series: dataset national/<name> of shape [replication, time] (width 1) or
 * [replication, time, width]. Buffers hold doubles; the file type is `type`. */
typedef struct cs_series_def {
    const char *name;
    cs_vtype type; /* CS_VT_I32 or CS_VT_F64 */
    uint32_t width;
    const cs_enum_def *labels; /* labels of the last dimension (width == labels->n), or NULL */
    const char *units;
    const char *doc;
} cs_series_def;

/* A panel variable: panel/<name> of shape [replication, time, authority].
 * type CS_VT_U8 with enumdef != NULL is stored as that HDF5 enum; CS_VT_F32 as float. */
typedef struct cs_panel_def {
    const char *name;
    cs_vtype type; /* CS_VT_U8 or CS_VT_F32 */
    const cs_enum_def *enumdef;
    const char *units;
    const char *doc;
} cs_panel_def;

/* A per-replication scalar: summary/<name> of shape [replication] (float64), or, for
 * per-authority statistics, authority_stats/<name> of shape [replication, authority]. */
typedef struct cs_scalar_def {
    const char *name;
    const char *units;
    const char *doc;
} cs_scalar_def;

typedef struct cs_schema {
    size_t n_series;
    const cs_series_def *series;
    size_t n_panel;
    const cs_panel_def *panel;
    size_t n_summary;
    const cs_scalar_def *summary;
    size_t n_lastat;
    const cs_scalar_def *lastat;
    const cs_enum_def *event_types;  /* enum of events/type */
    const cs_enum_def *event_values; /* NULL, or the enum that before/after hold for most
                                        events (documented per event type in docs/output.md) */
} cs_schema;

/* One row of the events table. */
typedef struct cs_evrec {
    uint32_t replication;
    int32_t authority; /* -1 for national events */
    double time;       /* days since the start date */
    int16_t type;
    int16_t before;
    int16_t after;
    double value;
} cs_evrec;

/* One replication's results. Allocated once per thread (cs_repbuf_create) and reused. */
typedef struct cs_repbuf {
    uint64_t replication;
    size_t n_time, n_la;
    double **series; /* [n_series][n_time * width] */
    void **panel;    /* [n_panel][n_time * n_la] of uint8_t or float */
    double *summary; /* [n_summary] */
    double **lastat; /* [n_lastat][n_la] */
    double *drawn;   /* [n_uncertain]: this replication's draws of uncertain parameters */
    size_t n_uncertain;
    cs_evrec *events; /* grows by doubling; keeps its memory across replications */
    size_t n_events, cap_events;
    size_t n_dropped; /* events that could not be recorded: the writer refuses the buffer */
    bool keep_events; /* false: cs_repbuf_event is a no-op */
    uint64_t work;    /* what the replication cost, e.g. the events it simulated; 0: unknown
                         (cs_writer_set_commit_work) */
} cs_repbuf;

cs_repbuf *cs_repbuf_create(const cs_schema *s, size_t n_time, size_t n_la, size_t n_uncertain,
                            bool keep_events);
void cs_repbuf_destroy(cs_repbuf *b, const cs_schema *s);
/* Clears for a new replication (no allocation). */
void cs_repbuf_reset(cs_repbuf *b, uint64_t replication);
/* Appends an event row (grows the buffer by doubling: allocation only while warming up). */
int cs_repbuf_event(cs_repbuf *b, int32_t la, double time, int type, int before, int after,
                    double value);

/* A selection of a schema's national series, summaries and per-authority statistics: what a
 * scenario's `output.only` keeps. The writer is given sel.schema; each replication's buffer is
 * staged through a view (cs_repbuf_view_of), so the models fill the full schema as always. */
typedef struct cs_schema_sel {
    cs_schema schema; /* the kept definitions, in the full schema's order */
    size_t *of_series, *of_summary, *of_lastat; /* each kept one's index in the full schema */
    bool all;                                   /* nothing left out */
} cs_schema_sel;

/* Parses `only`: names separated by commas or spaces, each national/NAME, summary/NAME or
 * authority_stats/NAME, or a group name alone (all of it); NULL or empty keeps everything.
 * CS_EINVAL with the first unknown name copied to bad[nbad]; CS_ENOMEM. */
int cs_schema_select(cs_schema_sel *sel, const cs_schema *full, const char *only, char *bad,
                     size_t nbad);
void cs_schema_sel_free(cs_schema_sel *sel);

/* A replication buffer seen through a selection: b shares the buffer's panels, events and
 * draws, and points at its kept series, summaries and statistics. */
typedef struct cs_repbuf_view {
    cs_repbuf b;
    double **series, *summary, **lastat; /* [kept] */
} cs_repbuf_view;

int cs_repbuf_view_init(cs_repbuf_view *v, const cs_schema_sel *sel);
void cs_repbuf_view_free(cs_repbuf_view *v);
/* full through sel (no allocation): &v->b, valid while full is unchanged. */
const cs_repbuf *cs_repbuf_view_of(cs_repbuf_view *v, const cs_schema_sel *sel,
                                   const cs_repbuf *full);

/* A column of the authorities table. */
typedef struct cs_table_col {
    const char *name;
    cs_vtype type;           /* CS_VT_F64, CS_VT_I32, or CS_VT_U8 with strs for strings */
    const char *const *strs; /* strings (type CS_VT_U8 means "string column") */
    const double *f64;
    const int32_t *i32;
    const char *doc;
} cs_table_col;

typedef struct cs_kv {
    const char *key;
    const char *value;
} cs_kv;

/* Call once at program start, before any other HDF5 use: no HDF5 error stacks printed (every
 * failure is reported as a cs_error), and no flush of open files at exit (a file left by a
 * failed write stays as the disk has it; see sim/io/writer.c). */
void cs_writer_library_init(void);
/* Call once on each thread, other than the one that called cs_writer_library_init, before it
 * calls the writer: HDF5's error settings are per thread in its thread-safe build. */
void cs_writer_thread_init(void);

typedef struct cs_writer_opts {
    bool force;  /* overwrite an existing PATH */
    bool resume; /* continue PATH.part */
    /* root attributes */
    const char *software_version, *git_commit, *command_line;
    uint64_t seed;
    const char *stream_scheme;
    const char *start_date; /* ISO */
    double horizon_years;
    uint64_t replications; /* per scenario */
    size_t n_la;
    size_t n_cols;
    const cs_table_col *cols;      /* /authorities; the first column is the authority code */
    const char *working_directory; /* root attribute `working_directory` (for --resume) */
    /* The processes writing this file (borrowed; NULL or one rank: this process alone, SWMR).
     * With R > 1 ranks every rank opens the writer and makes every call below with the same
     * arguments (they are collective), and data go through cs_writer_write_block. */
    const cs_par *par;
    /* With several ranks (rank 0's writer of one process, or opts.par's): replications per
     * rank and round, or 0. Chunks along replication then hold a divisor of it (with par, also
     * at most a rank's share of the run), so that blocks starting at multiples of it
     * (cs_writer_dist_begin's align, cs_writer_rows_align) fill whole chunks; without par, a
     * dataset whose rows of one block make under 4 KiB keeps one process's chunks (rank 0
     * gathers and compresses them). */
    uint64_t round_rows;
} cs_writer_opts;

/* What one scenario (sweep point) records. */
typedef struct cs_out_scenario {
    const char *name;       /* group /scenarios/<name> */
    const char *text;       /* the scenario text verbatim */
    const char *point_desc; /* sweep point ("" if none) */
    size_t n_resolved;
    const cs_kv *resolved; /* fully resolved parameters, stored as attributes */
    /* [n_resolved] or NULL: whether each is at its table default. On resume, a parameter
     * that the file lacks (written by a version before the key existed) is accepted when it
     * is at its default, which keeps the behaviour of the versions without it. */
    const bool *resolved_default;
    size_t n_uncertain;
    const char *const *uncertain_names; /* keys drawn per replication (drawn/<values>) */
    const cs_schema *schema;
    size_t n_time;
    const double *time_days;      /* [n_time] days since start */
    const char *const *time_iso;  /* [n_time] "YYYY-MM-DD" */
    bool national, panel, events; /* what to record */
    int compression;              /* 0 = none, 1..9 = shuffle + deflate level */
} cs_out_scenario;

typedef struct cs_writer cs_writer;

/* Creates PATH.part (or reopens it with opts->resume). Errors: CS_EEXIST (PATH exists and
 * not force; or PATH.part exists and neither resume nor force), CS_EIO (directory missing or
 * read-only, disk full), CS_EMISMATCH (resume of a different run). */
int cs_writer_open(cs_writer **out, const char *path, const cs_writer_opts *opts, cs_error *err);
/* Declares a scenario, in order (creates its datasets, or on resume checks them). */
int cs_writer_add_scenario(cs_writer *w, const cs_out_scenario *s, cs_error *err);
/* Optional: declares that every scenario has been added. Writes the list of scenarios and
 * switches the file to SWMR mode (from then on only data are appended, and the file stays
 * consistent if the process dies). Called by the first cs_writer_write or by close if not
 * called explicitly; no cs_writer_add_scenario after it. */
int cs_writer_begin(cs_writer *w, cs_error *err);
/* Commits (flush data, then record progress) every n replications of a scenario (default 1;
 * a scenario's last replication, cs_writer_flush and close always commit). A kill loses at
 * most the uncommitted replications. Keep n fixed for a given run: the file's bytes depend on
 * it (its data do not). Call it before cs_writer_add_scenario: with one process, chunks along
 * replication hold whole commit intervals (at least 16 rows and 16 KiB), each written once.
 * CS_EINVAL if n == 0. */
int cs_writer_set_commit_every(cs_writer *w, uint64_t n);
/* One process: commits only once the replications written since the last commit report at
 * least `work` (their cs_repbuf.work summed; a replication reporting 0 counts as `work`),
 * checked at every commit_every-th of them, and at the latest after CS_COMMIT_MAX_ROWS of them:
 * a kill loses about `work` of simulation (or CS_COMMIT_MAX_ROWS replications), whatever a
 * replication costs, and runs of cheap replications do not spend their time committing. 0
 * (default): every commit_every replications. Like n, it decides the file's bytes, not its data.
 * Several ranks commit once per round, as before. CS_EINVAL if w is NULL. */
int cs_writer_set_commit_work(cs_writer *w, uint64_t work);
#define CS_COMMIT_MAX_ROWS 1024
/* Replications already written for scenario i (on resume: the committed prefix found). */
uint64_t cs_writer_done(const cs_writer *w, size_t scenario);
/* Appends replication b->replication, which must equal cs_writer_done(w, scenario). */
int cs_writer_write(cs_writer *w, size_t scenario, const cs_repbuf *b, cs_error *err);
/* cs_writer_write in three steps, so that compressing chunks, most of the cost of writing, can
 * run on other threads than the one whose turn it is to call the writer (one process; with
 * several ranks cs_writer_stage is cs_writer_write and the others do nothing).
 * cs_writer_stage copies replication b (b is free again on return) into the chunks being
 * filled, queueing each chunk it completes, and the commits and closes due, in the order the
 * file takes them. cs_writer_filter compresses one queued chunk, the oldest that no thread has
 * taken, and returns false when none was waiting. cs_writer_store makes the file's calls for
 * the queue's head as far as its chunks are compressed. cs_writer_stage and cs_writer_store
 * are writer calls like the others (one thread at a time, in order); cs_writer_filter and
 * cs_writer_pending may be called from any thread at any moment, also during them. Data are
 * durable only once stored: cs_writer_write, cs_writer_flush and cs_writer_close store
 * everything queued (filtering on the calling thread), so call them when no thread is in
 * cs_writer_filter. */
int cs_writer_stage(cs_writer *w, size_t scenario, const cs_repbuf *b, cs_error *err);
bool cs_writer_filter(cs_writer *w);
int cs_writer_store(cs_writer *w, cs_error *err);
/* What the queue holds now: a chunk waiting for cs_writer_filter; a head cs_writer_store can
 * store; anything not yet stored. */
#define CS_WRITER_FILTER 1u
#define CS_WRITER_STORE  2u
#define CS_WRITER_QUEUED 4u
unsigned cs_writer_pending(cs_writer *w);
/* Appends this rank's k consecutive replications; the block of rank r follows those of ranks
 * 0..r-1, so the first replication of rank r must be cs_writer_done(w, scenario) plus the k of
 * the ranks before it (k may be 0). Collective over opts.par: every rank calls it, and every
 * rank returns the same status (one rank's failure is everybody's). With one process it is
 * cs_writer_write on each buffer in turn. Event rows are placed by an exclusive prefix sum of
 * the ranks' event counts, so the file is the one a single process would write. */
int cs_writer_write_block(cs_writer *w, size_t scenario, const cs_repbuf *const *bufs, size_t k,
                          cs_error *err);
/* Several ranks: *align receives the rows that blocks should start at multiples of, so that no
 * chunk along replication of the scenario's datasets has rows from two ranks (HDF5 then
 * gathers the chunk on one rank to compress it while the others wait) or from two rounds (it is
 * then compressed again): the least common multiple of those chunks' rows, or 1 when it exceeds
 * cap, with one process, or for a complete scenario. It reads the file's chunk shapes, so a
 * resumed file is aligned to the rounds it was begun with. Collective (begins writing, as
 * cs_writer_write_block does); every rank gets the same answer and status. */
int cs_writer_rows_align(cs_writer *w, size_t scenario, uint64_t cap, uint64_t *align,
                         cs_error *err);
/* Several processes without parallel HDF5 (sim/io/writer_dist.c): rank 0 opens the writer of
 * one process (opts.par NULL, opts.round_rows the rows per rank and round); every rank
 * compresses the chunks of its own block.
 * - rank 0, at the start of a scenario: cs_writer_dist_begin (begins writing; from then on
 *   cs_writer_stage stages without committing) gives *desc (malloc'd, *len bytes), the
 *   description of the scenario's chunks for the other ranks, and *align, the rows blocks
 *   should start at multiples of (the least common multiple of the chunk rows that divide
 *   opts.round_rows, up to cap);
 * - every other rank: cs_wshadow_create from desc, then per round cs_wshadow_stage of its
 *   block (replications lo .. lo + k - 1, whose event rows start at row ev0 of the events
 *   table; eager: compress each chunk, and collect it into the message, as soon as it fills,
 *   on this thread), cs_wshadow_filter on any threads until it returns false (each call
 *   compresses one chunk), and cs_wshadow_message: the block as one message of filtered
 *   chunks and the rows of chunks it shares with its neighbours (*msg: s's, valid until the
 *   next stage);
 * - rank 0, per round: cs_writer_stage of its own block (the first), cs_writer_dist_apply of
 *   each other rank's message in rank order, then cs_writer_dist_round_end (work: the events
 *   simulated in the round, for the commit floor): stores, and commits when due. */
int cs_writer_dist_begin(cs_writer *w, size_t scenario, uint64_t cap, uint64_t *align, void **desc,
                         size_t *len, cs_error *err);
/* Event rows written so far (rank 0: where the next round's events start). */
uint64_t cs_writer_events_done(const cs_writer *w, size_t scenario);
int cs_writer_dist_apply(cs_writer *w, size_t scenario, const void *msg, size_t len, cs_error *err);
int cs_writer_dist_round_end(cs_writer *w, size_t scenario, uint64_t work, cs_error *err);
typedef struct cs_wshadow cs_wshadow;
int cs_wshadow_create(cs_wshadow **out, const void *desc, size_t len, cs_error *err);
int cs_wshadow_stage(cs_wshadow *s, const cs_schema *schema, const cs_repbuf *const *bufs, size_t k,
                     uint64_t lo, uint64_t ev0, bool eager, cs_error *err);
bool cs_wshadow_filter(cs_wshadow *s);
int cs_wshadow_message(cs_wshadow *s, const void **msg, size_t *len, cs_error *err);
void cs_wshadow_destroy(cs_wshadow *s);
/* Makes everything written so far durable (commit, then fsync). CS_EIO if the file system
 * failed to write any of it, a background sync's failure included; the writer has then failed
 * (close keeps PATH.part, whose progress may claim rows that were lost). */
int cs_writer_flush(cs_writer *w, cs_error *err);
/* Closes; when every scenario has all its replications, renames PATH.part to PATH and
 * returns CS_OK; otherwise leaves PATH.part for --resume and returns CS_EINTR. */
int cs_writer_close(cs_writer *w, cs_error *err);
/* Closes without renaming (after a failure). NULL is a no-op. */
void cs_writer_abort(cs_writer *w);

/* `cssim info`: prints provenance and, per scenario, mean and 95% interval over replications
 * of the main national series at the given dates (ISO strings; NULL = yearly). */
int cs_info_print(const char *path, const char *const *dates, size_t n_dates, FILE *f,
                  cs_error *err);
/* The same, for the national series named in `only` (NULL: all). */
int cs_info_print_select(const char *path, const char *const *dates, size_t n_dates,
                         const char *const *only, size_t n_only, FILE *f, cs_error *err);
/* The command line and working directory recorded in PATH.part (for `run --resume PATH`);
 * the caller frees both. */
int cs_info_command(const char *path, char **line, char **cwd, cs_error *err);

#endif
