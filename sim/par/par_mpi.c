/* cssim/par.h on MPI (CSSIM_MPI=ON). The communicator is a duplicate of MPI_COMM_WORLD, so
 * our collectives never match a library's messages. MPI's default error handler stays
 * (errors are fatal inside MPI itself); our own failures travel through cs_par_agree. */
#include "cssim/par.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

struct cs_par {
    MPI_Comm comm;
    int rank, size;
    int finalize; /* we initialised MPI, so we finalise it */
};

int cs_par_create(cs_par **out, int *argc, char ***argv)
{
    *out = NULL;
    cs_par *p = calloc(1, sizeof *p);
    if (!p) return CS_ENOMEM;
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited) {
        /* FUNNELED: only the thread that called cs_par_create calls MPI (and HDF5). */
        int provided = 0;
        if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
            free(p);
            return CS_EIO;
        }
        p->finalize = 1;
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &p->comm);
    MPI_Comm_rank(p->comm, &p->rank);
    MPI_Comm_size(p->comm, &p->size);
    *out = p;
    return CS_OK;
}

void cs_par_destroy(cs_par *p)
{
    if (!p) return;
    MPI_Comm_free(&p->comm);
    if (p->finalize) MPI_Finalize();
    free(p);
}

int cs_par_rank(const cs_par *p)
{
    return p ? p->rank : 0;
}

int cs_par_size(const cs_par *p)
{
    return p ? p->size : 1;
}

const char *cs_par_kind(void)
{
    return "mpi";
}

void cs_par_barrier(const cs_par *p)
{
    if (p) MPI_Barrier(p->comm);
}

void cs_par_bcast(const cs_par *p, void *buf, size_t n, int root)
{
    if (p && p->size > 1) MPI_Bcast(buf, (int)n, MPI_BYTE, root, p->comm);
}

#define PIECE ((size_t)1 << 30)

/* One message per piece, at least one (an empty message is still sent and received). */
void cs_par_send(const cs_par *p, int to, const void *buf, size_t n)
{
    const char *b = buf;
    size_t o = 0;
    if (!p) return;
    do {
        size_t k = n - o < PIECE ? n - o : PIECE;
        MPI_Send(b + o, (int)k, MPI_BYTE, to, 1, p->comm);
        o += k;
    } while (o < n);
}

void cs_par_recv(const cs_par *p, int from, void *buf, size_t n)
{
    char *b = buf;
    size_t o = 0;
    if (!p) return;
    do {
        size_t k = n - o < PIECE ? n - o : PIECE;
        MPI_Recv(b + o, (int)k, MPI_BYTE, from, 1, p->comm, MPI_STATUS_IGNORE);
        o += k;
    } while (o < n);
}

uint64_t cs_par_exscan_u64(const cs_par *p, uint64_t v)
{
    uint64_t r = 0;
    if (!p || p->size == 1) return 0;
    MPI_Exscan(&v, &r, 1, MPI_UINT64_T, MPI_SUM, p->comm);
    return p->rank == 0 ? 0 : r; /* MPI leaves rank 0's result undefined */
}

static uint64_t reduce_u64(const cs_par *p, uint64_t v, MPI_Op op)
{
    uint64_t r = v;
    if (p && p->size > 1) MPI_Allreduce(&v, &r, 1, MPI_UINT64_T, op, p->comm);
    return r;
}

static double reduce_f64(const cs_par *p, double v, MPI_Op op)
{
    double r = v;
    if (p && p->size > 1) MPI_Allreduce(&v, &r, 1, MPI_DOUBLE, op, p->comm);
    return r;
}

uint64_t cs_par_sum_u64(const cs_par *p, uint64_t v)
{
    return reduce_u64(p, v, MPI_SUM);
}

uint64_t cs_par_max_u64(const cs_par *p, uint64_t v)
{
    return reduce_u64(p, v, MPI_MAX);
}

double cs_par_sum_f64(const cs_par *p, double v)
{
    return reduce_f64(p, v, MPI_SUM);
}

double cs_par_max_f64(const cs_par *p, double v)
{
    return reduce_f64(p, v, MPI_MAX);
}

double cs_par_min_f64(const cs_par *p, double v)
{
    return reduce_f64(p, v, MPI_MIN);
}

int cs_par_agree(const cs_par *p, int status, cs_error *err)
{
    if (status != CS_OK && err && err->status == CS_OK) err->status = status;
    if (!p || p->size == 1) return status;
    /* The lowest failing rank speaks for all: its record is the one every rank returns. */
    int mine = status != CS_OK ? p->rank : p->size, first = p->size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, p->comm);
    if (first == p->size) return CS_OK;
    cs_error rec;
    if (p->rank == first) {
        if (err)
            rec = *err;
        else {
            cs_error_clear(&rec);
            rec.status = status;
        }
    }
    MPI_Bcast(&rec, (int)sizeof rec, MPI_BYTE, first, p->comm);
    if (err) *err = rec;
    return rec.status;
}

const void *cs_par_comm(const cs_par *p)
{
    return p ? &p->comm : NULL;
}
