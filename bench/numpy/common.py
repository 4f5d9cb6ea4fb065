"""Shared driver of the NumPy baselines of loom's benchmark suite.

Each workload script defines ``inputs(rng, dims)`` (the arrays, drawn from
``np.random.default_rng(seed)`` in the same order as loom-bench draws them)
and ``program(*arrays)`` (the workload as a NumPy user writes it), and calls
``main(inputs, program)``.  The driver builds the inputs outside the timed
region, runs the program once to warm up, then ``--runs`` timed runs of
``--reps`` calls each, and prints one JSON object on stdout:

    {"median_ms": ..., "min_ms": ..., "runs": N, "reps": R,
     "err": ..., "err_kind": "max_abs/max_ref" | "mismatch_fraction"}

``--check FILE`` names the reference result written by loom-bench (all the
program's outputs, flattened to float64 and concatenated); ``err`` compares
NumPy's result with it.  ``--abs`` compares absolute values (eigenvector
signs are arbitrary).  A script whose result is only defined up to ties
(argsort) passes ``canon(result, *arrays)``, which maps its result and the
reference to what must agree (for argsort: the values in sorted order).
"""
import argparse
import json
import sys
import time

import numpy as np


def _parse():
    p = argparse.ArgumentParser()
    p.add_argument("--dims", required=True,
                   help="comma-separated sizes, as the workload defines them")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--check", default=None)
    p.add_argument("--abs", action="store_true")
    return p.parse_args()


def _flat(result):
    outs = result if isinstance(result, tuple) else (result,)
    return [np.asarray(o) for o in outs]


def _compare(result, path, use_abs, canon=None, arrays=()):
    ref = np.fromfile(path, dtype=np.float64)
    if canon is not None:
        result = canon(result, *arrays)
        ref = np.asarray(canon(ref.astype(np.int64), *arrays), np.float64)
    outs = _flat(result)
    got = np.concatenate([o.astype(np.float64).ravel() for o in outs])
    if got.size != ref.size:
        return float("inf"), "size %d vs reference %d" % (got.size, ref.size)
    if all(o.dtype.kind in "biu" for o in outs):
        return float(np.mean(got != ref)), "mismatch_fraction"
    if use_abs:
        got, ref = np.abs(got), np.abs(ref)
    scale = max(float(np.max(np.abs(ref))) if ref.size else 0.0, 1e-300)
    err = float(np.max(np.abs(got - ref))) / scale if ref.size else 0.0
    if np.isnan(got).any() != np.isnan(ref).any():
        err = float("inf")
    return err, "max_abs/max_ref"


def main(inputs, program, extra=None, canon=None):
    """Times program(*inputs(rng, dims)) and prints the JSON report.
    extra: optional {name: callable(*arrays)} timed the same way and
    reported as "<name>_ms"; canon: see the module's comment."""
    a = _parse()
    dims = [int(v) for v in a.dims.split(",")]
    rng = np.random.default_rng(a.seed)
    arrays = inputs(rng, dims)

    def timed(fn):
        r = fn(*arrays)  # warm-up
        del r
        times = []
        for _ in range(a.runs):
            t0 = time.perf_counter()
            for _ in range(a.reps):
                r = fn(*arrays)
            t1 = time.perf_counter()
            times.append((t1 - t0) * 1e3 / a.reps)
            del r
        times.sort()
        return times

    times = timed(program)
    out = {"median_ms": times[len(times) // 2], "min_ms": times[0],
           "runs": a.runs, "reps": a.reps}
    for name, fn in (extra or {}).items():
        t = timed(fn)
        out[name + "_ms"] = t[len(t) // 2]
    if a.check:
        err, kind = _compare(program(*arrays), a.check, a.abs, canon,
                             arrays)
        out["err"] = err
        out["err_kind"] = kind
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
