#include "h5attr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cs_h5_attr_text(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t ft = H5Aget_type(a);
    hid_t sp = H5Aget_space(a);
    char *out = NULL;
    if (H5Tget_class(ft) == H5T_STRING && H5Sget_simple_extent_npoints(sp) == 1) {
        if (H5Tis_variable_str(ft) > 0) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Tset_cset(mt, H5Tget_cset(ft));
            char *s = NULL;
            if (H5Aread(a, mt, &s) >= 0 && s) {
                out = malloc(strlen(s) + 1);
                if (out) strcpy(out, s);
                H5free_memory(s);
            }
            H5Tclose(mt);
        } else {
            size_t n = H5Tget_size(ft);
            out = calloc(n + 1, 1);
            if (out && H5Aread(a, ft, out) < 0) {
                free(out);
                out = NULL;
            }
        }
    } else if (H5Sget_simple_extent_npoints(sp) == 1) {
        H5T_class_t c = H5Tget_class(ft);
        out = malloc(64);
        if (out && c == H5T_INTEGER) {
            unsigned long long v = 0;
            long long sv = 0;
            if (H5Tget_sign(ft) == H5T_SGN_NONE) {
                H5Aread(a, H5T_NATIVE_ULLONG, &v);
                snprintf(out, 64, "%llu", v);
            } else {
                H5Aread(a, H5T_NATIVE_LLONG, &sv);
                snprintf(out, 64, "%lld", sv);
            }
        } else if (out && c == H5T_FLOAT) {
            double v = 0;
            H5Aread(a, H5T_NATIVE_DOUBLE, &v);
            snprintf(out, 64, "%g", v);
        } else if (out) {
            snprintf(out, 64, "(not shown)");
        }
    }
    H5Sclose(sp);
    H5Tclose(ft);
    H5Aclose(a);
    return out;
}
