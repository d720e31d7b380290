/* cssim/par.h for one process (CSSIM_MPI=OFF): rank 0 of 1, collectives are the identity. */
#include "cssim/par.h"

#include <stdlib.h>

struct cs_par {
    int unused;
};

int cs_par_create(cs_par **out, int *argc, char ***argv)
{
    (void)argc, (void)argv;
    *out = calloc(1, sizeof **out);
    return *out ? CS_OK : CS_ENOMEM;
}

void cs_par_destroy(cs_par *p)
{
    free(p);
}

int cs_par_rank(const cs_par *p)
{
    (void)p;
    return 0;
}

int cs_par_size(const cs_par *p)
{
    (void)p;
    return 1;
}

const char *cs_par_kind(void)
{
    return "none";
}

void cs_par_barrier(const cs_par *p)
{
    (void)p;
}

void cs_par_bcast(const cs_par *p, void *buf, size_t n, int root)
{
    (void)p, (void)buf, (void)n, (void)root;
}

void cs_par_send(const cs_par *p, int to, const void *buf, size_t n)
{
    (void)p, (void)to, (void)buf, (void)n; /* one process: nobody to send to */
}

void cs_par_recv(const cs_par *p, int from, void *buf, size_t n)
{
    (void)p, (void)from, (void)buf, (void)n;
}

uint64_t cs_par_exscan_u64(const cs_par *p, uint64_t v)
{
    (void)p, (void)v;
    return 0;
}

uint64_t cs_par_sum_u64(const cs_par *p, uint64_t v)
{
    (void)p;
    return v;
}

uint64_t cs_par_max_u64(const cs_par *p, uint64_t v)
{
    (void)p;
    return v;
}

double cs_par_sum_f64(const cs_par *p, double v)
{
    (void)p;
    return v;
}

double cs_par_max_f64(const cs_par *p, double v)
{
    (void)p;
    return v;
}

double cs_par_min_f64(const cs_par *p, double v)
{
    (void)p;
    return v;
}

int cs_par_agree(const cs_par *p, int status, cs_error *err)
{
    (void)p;
    if (status != CS_OK && err && err->status == CS_OK) err->status = status;
    return status;
}

const void *cs_par_comm(const cs_par *p)
{
    (void)p;
    return NULL;
}
