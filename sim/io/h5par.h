/* HDF5 across processes, for the writer (private to sim/io). Two implementations chosen by
 * source file: h5par_mpi.c (parallel HDF5, MPI-IO driver) and h5par_none.c (never called:
 * with one process the writer takes its serial path; the functions fail if it does not). */
#ifndef CSSIM_IO_H5PAR_H
#define CSSIM_IO_H5PAR_H

#include "cssim/par.h"

#include <hdf5.h>

/* Sets the MPI-IO driver on fapl for p's communicator. Negative on failure. */
herr_t cs_h5par_fapl(hid_t fapl, const cs_par *p);
/* A new transfer property list for collective raw-data I/O (caller closes), or negative. */
hid_t cs_h5par_dxpl(void);

#endif
