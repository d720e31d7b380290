#!/usr/bin/python3
"""h5same A.h5 B.h5: exit 0 when two cssim files hold the same objects, dtypes, shapes, data
(bit for bit, NaN included) and attributes, ignoring the attributes that record the invocation
rather than the results (created, command_line, working_directory, git_commit: the build, so
that runs of two versions compare). Prints the first
difference otherwise (exit 1)."""
import sys

import h5py
import numpy as np

IGNORE = {"created", "command_line", "working_directory", "git_commit",
          # dimension-scale bookkeeping: object references (file addresses), not results
          "REFERENCE_LIST", "DIMENSION_LIST"}


def attrs(obj):
    return {k: obj.attrs[k] for k in obj.attrs if k not in IGNORE}


def same_value(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "O":
        return a.tolist() == b.tolist()
    return a.tobytes() == b.tobytes()


def walk(f):
    out = {"/": f}
    f.visititems(lambda name, obj: out.__setitem__("/" + name, obj))
    return out


def main(pa, pb):
    with h5py.File(pa, "r") as fa, h5py.File(pb, "r") as fb:
        oa, ob = walk(fa), walk(fb)
        if set(oa) != set(ob):
            print("objects differ:", sorted(set(oa) ^ set(ob))[:10])
            return 1
        n = 0
        for name in sorted(oa):
            a, b = oa[name], ob[name]
            if type(a) is not type(b):
                print(name, "kind differs")
                return 1
            aa, ab = attrs(a), attrs(b)
            if set(aa) != set(ab):
                print(name, "attributes differ:", sorted(set(aa) ^ set(ab)))
                return 1
            for k in aa:
                if not same_value(aa[k], ab[k]):
                    print(f"{name}: attribute {k} differs")
                    return 1
            if isinstance(a, h5py.Dataset):
                if a.dtype != b.dtype or a.shape != b.shape:
                    print(name, "dtype/shape differ", a.dtype, b.dtype, a.shape, b.shape)
                    return 1
                if not same_value(a[()], b[()]):
                    print(name, "data differ")
                    return 1
                n += 1
        print(f"same: {n} datasets")
        return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
