"""Compares an example's .npy outputs with its NumPy reference.

Usage: /usr/bin/python3 compare.py LOOM_DIR NUMPY_DIR

Every NUMPY_DIR/<name>.npy must have a twin in LOOM_DIR with the same shape
and dtype.  Integers and booleans must be equal; floats must agree within a
tolerance fitting their precision (loom's kernels and NumPy's loops may sum
in different orders and use different exp/log implementations).  Exits 1 on
any mismatch.
"""
import os
import sys

import numpy as np

TOLERANCE = {  # dtype: (rtol, atol)
    np.dtype(np.float32): (1e-4, 1e-6),
    np.dtype(np.float64): (1e-9, 1e-12),
}


def check(got, want):
    """Returns (error message or None, a note on how close got is)."""
    if got.shape != want.shape:
        return f"shape {got.shape}, NumPy {want.shape}", ""
    if got.dtype != want.dtype:
        return f"dtype {got.dtype}, NumPy {want.dtype}", ""
    if want.dtype.kind in "biu":
        bad = np.flatnonzero(got.ravel() != want.ravel())
        if bad.size:
            return (f"{bad.size} elements differ, first at flat index "
                    f"{bad[0]}"), ""
        return None, "equal"
    rtol, atol = TOLERANCE[want.dtype]
    err = np.abs(got.astype(np.float64) - want)
    if want.size == 0:
        return None, "empty"
    note = f"max abs error {np.nanmax(err):.3g}"
    if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        worst = np.unravel_index(np.nanargmax(err), err.shape)
        return (f"{note} at {worst}: loom {got[worst]!r}, "
                f"NumPy {want[worst]!r}"), ""
    return None, note


def main():
    loom_dir, numpy_dir = sys.argv[1], sys.argv[2]
    names = sorted(f for f in os.listdir(numpy_dir) if f.endswith(".npy"))
    if not names:
        print(f"no reference outputs in {numpy_dir}")
        return 1
    failed = 0
    for f in names:
        path = os.path.join(loom_dir, f)
        if not os.path.exists(path):
            msg, note = "missing", ""
        else:
            msg, note = check(np.load(path),
                              np.load(os.path.join(numpy_dir, f)))
        print(f"  {f[:-4]:<14} " + (f"ok ({note})" if msg is None
                                     else "FAIL: " + msg))
        failed += msg is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
