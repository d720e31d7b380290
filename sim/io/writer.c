/* The writer's lifecycle: open (the output's lock, fresh file or resume), close (rename into
 * place), abort; HDF5 error reporting and the error agreement shared by the other files. */
#define _GNU_SOURCE /* F_OFD_SETLK: a lock owned by one open file description */

#include "writer_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Error agreement at the end of a collective step (identity with one process). */
int cs_wr_agree(const cs_writer *w, int rc, cs_error *err)
{
    return w && w->mpi ? cs_par_agree(w->par, rc, err) : rc;
}

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
void cs_wr_h5_get_detail(h5_detail *d)
{
    d->text[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, detail_cb, d);
    if (!d->text[0]) snprintf(d->text, sizeof d->text, "HDF5 error");
}

/* Reports an HDF5 failure as CS_EIO with the file name, what we were doing and why. */
int cs_wr_h5_fail(cs_writer *w, cs_error *err, const char *what)
{
    h5_detail d;
    cs_wr_h5_get_detail(&d);
    if (w) w->failed = w->broken = true;
    return cs_error_set(err, CS_EIO, w ? w->part : NULL, 0, 0, NULL, "%s: %s", what, d.text);
}

char *cs_wr_dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

int cs_wr_fsync_path(const char *p, bool dir)
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
    char *dir = cs_wr_dup_str(path);
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
hid_t cs_wr_make_fapl(bool clear_flags, const cs_par *mpio)
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
            rc = cs_wr_reopen_file(w, opts, err);
            if (rc < 0) return rc;
            fresh = rc == 1;
            if (fresh && w->file >= 0) { /* nothing was committed: start afresh */
                H5Fclose(w->file);
                w->file = H5I_INVALID_HID;
            }
            if (!fresh && w->old >= 0) return cs_wr_create_file(w, opts, false, err);
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
        rc = cs_wr_create_file(w, opts, true, err);
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
    cs_writer_thread_init();
}

void cs_writer_thread_init(void)
{
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
        w->path = cs_wr_dup_str(path);
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
    int rc = !w || !w->path || !w->part || w->t_str < 0 || w->dxpl < 0 || cs_wr_ops_init(w)
                 ? CS_ENOMEM
                 : CS_OK;
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

    rc = cs_wr_agree(w, w->root ? open_local(w, path, opts, err) : CS_OK, err);
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

int cs_writer_set_commit_work(cs_writer *w, uint64_t work)
{
    if (!w) return CS_EINVAL;
    w->commit_work = work;
    return CS_OK;
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
        cs_wr_scen_free(&w->scen[i]);
    free(w->scen);
    cs_wr_free_strs(w->file_scen, w->n_file_scen);
    if (w->t_str > 0) H5Tclose(w->t_str);
    if (w->dxpl > 0) H5Pclose(w->dxpl);
    free(w->tconv);
    free(w->tbkg);
    free(w->stage);
    cs_wr_ops_free(w);
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
    if (!rc) rc = cs_wr_commit(w, err);
    if (w->broken && !w->mpi) { /* the final commit broke it: leave the file as it is */
        cs_writer_abort(w);
        return rc ? rc : CS_EIO;
    }
    uint64_t done = 0, want = (uint64_t)w->n_scen * w->replications;
    for (size_t i = 0; i < w->n_scen; i++) {
        done += w->scen[i].written;
        cs_wr_scen_close(&w->scen[i]);
    }
    int sy = cs_wr_syncer_stop(w);
    if (sy && !rc)
        rc = cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "cannot sync: %s", strerror(sy));
    if (H5Fclose(w->file) < 0 && !rc) rc = cs_wr_h5_fail(w, err, "cannot close");
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
        else if (cs_wr_fsync_path(w->part, false) != 0)
            rc = cs_error_set(err, CS_EIO, w->part, 0, 0, NULL, "cannot sync: %s", strerror(errno));
        else if (rename(w->part, w->path) != 0)
            rc = cs_error_set(err, CS_EIO, w->path, 0, 0, NULL, "cannot rename %s: %s", w->part,
                              strerror(errno));
        if (!rc) {
            char *dir = cs_wr_dup_str(w->path);
            char *slash = dir ? strrchr(dir, '/') : NULL;
            if (slash) {
                if (slash == dir)
                    slash[1] = '\0';
                else
                    *slash = '\0';
            }
            if (dir) cs_wr_fsync_path(slash ? dir : ".", true);
            free(dir);
        }
    }
    rc = cs_wr_agree(w, rc, err); /* rank 0 renamed, or says why not */
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
        (void)cs_wr_syncer_stop(w); /* joined before the writer is freed; its fd stays open */
        w->file = H5I_INVALID_HID;
        writer_free(w);
        return;
    }
    /* Best effort: publish what is whole (it resumes from there); errors are ignored, the
     * caller is already reporting one. */
    if (w->begun && w->file >= 0) {
        cs_error ignored;
        bool failed = w->failed;
        cs_wr_commit(w, &ignored);
        w->failed = failed;
    }
    for (size_t i = 0; i < w->n_scen; i++)
        cs_wr_scen_close(&w->scen[i]);
    (void)cs_wr_syncer_stop(w);
    if (w->file >= 0) H5Fclose(w->file);
    w->file = H5I_INVALID_HID;
    writer_free(w);
}
