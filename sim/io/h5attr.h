/* Private to sim/io: reading attributes back (the writer on resume, `cssim info`). */
#ifndef CSSIM_IO_H5ATTR_H
#define CSSIM_IO_H5ATTR_H

#include <hdf5.h>

/* A scalar attribute as a malloc'd string (the caller frees it): strings of either kind as
 * they are, numbers formatted; NULL when absent or unreadable. */
char *cs_h5_attr_text(hid_t obj, const char *name);

#endif
