/* sim/io/h5par.h on parallel HDF5: the MPI-IO file driver and collective transfers (needed
 * for filtered, i.e. compressed, datasets; HDF5 >= 1.10.2 built with parallel filtered writes,
 * as Debian's 1.10.8 is). */
#include "h5par.h"

#include <mpi.h>

herr_t cs_h5par_fapl(hid_t fapl, const cs_par *p)
{
    const MPI_Comm *comm = cs_par_comm(p);
    if (!comm) return -1;
    if (H5Pset_fapl_mpio(fapl, *comm, MPI_INFO_NULL) < 0) return -1;
    /* Metadata flushed by collective writes: fewer small I/Os from every rank on a parallel
     * file system. (Reads stay independent: collective metadata reads would hang the moment one
     * rank read something the others did not.) */
    return H5Pset_coll_metadata_write(fapl, 1);
}

hid_t cs_h5par_dxpl(void)
{
    hid_t x = H5Pcreate(H5P_DATASET_XFER);
    if (x >= 0 && H5Pset_dxpl_mpio(x, H5FD_MPIO_COLLECTIVE) < 0) {
        H5Pclose(x);
        return H5I_INVALID_HID;
    }
    return x;
}
