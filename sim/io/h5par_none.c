/* sim/io/h5par.h without MPI: there is no MPI-IO driver to set (the writer never asks). */
#include "h5par.h"

herr_t cs_h5par_fapl(hid_t fapl, const cs_par *p)
{
    (void)fapl, (void)p;
    return -1;
}

hid_t cs_h5par_dxpl(void)
{
    return H5I_INVALID_HID;
}
