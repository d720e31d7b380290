/* Reads the command line and working directory an interrupted run stored in OUT.h5.part, so
 * that `cssim run --resume OUT.h5` can replay it. */
#include "cli.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

static char *read_str_attr(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return NULL;
    hid_t ft = H5Aget_type(a);
    char *out = NULL;
    if (H5Tget_class(ft) == H5T_STRING) {
        if (H5Tis_variable_str(ft) > 0) {
            char *v = NULL;
            hid_t mt = H5Tcopy(ft); /* same character set: HDF5 converts none */
            if (H5Aread(a, mt, &v) >= 0 && v) {
                out = strdup(v);
                H5free_memory(v);
            }
            H5Tclose(mt);
        } else {
            size_t n = H5Tget_size(ft);
            out = calloc(n + 1, 1);
            hid_t mt = H5Tcopy(ft);
            if (out && H5Aread(a, mt, out) < 0) {
                free(out);
                out = NULL;
            }
            H5Tclose(mt);
        }
    }
    H5Tclose(ft);
    H5Aclose(a);
    return out;
}

int cs_stored_command(const char *path, char **line, char **cwd);
int cs_stored_command(const char *path, char **line, char **cwd)
{
    *line = *cwd = NULL;
    size_t len = strlen(path) + 8;
    char *part = malloc(len);
    if (!part) return -1;
    snprintf(part, len, "%s.part", path);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    /* a killed writer leaves the file marked open for SWMR writing: read it as a SWMR reader */
    hid_t f = H5Fopen(part, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);
    if (f < 0) f = H5Fopen(part, H5F_ACC_RDONLY, H5P_DEFAULT);
    free(part);
    if (f < 0) return -1;
    *line = read_str_attr(f, "command_line");
    *cwd = read_str_attr(f, "working_directory");
    H5Fclose(f);
    return *line ? 0 : -1;
}
