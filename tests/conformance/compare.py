#!/usr/bin/python3
"""Compares what one conformance script saved under NumPy and under loom.

usage: compare.py SCRIPT.py RUNDIR [MODE ...]

RUNDIR holds one directory per run: ref/ (NumPy) and one per loom MODE
(default: fused eager), each with the .npy files the script saved, plus
RUNDIR/<run>.out, .err and .rc (stdout, stderr and exit status) written by
conformance.sh.  Prints a report and exits 0 when every loom run matches
the reference, 1 otherwise.

Rules: same set of .npy files; dtype and shape exact; integers and bools
exact; floats within atol + rtol * |expected| (defaults below, or the
script's `# tol: NAME rtol=R atol=A` lines, NAME being the file's stem or a
glob over stems); NaN at the same places; infinities equal; zeros of the
same sign unless the tol line says `anyzero`.  A script that contains the
line `# compare-stdout` must also print exactly what NumPy prints.
"""
import fnmatch
import os
import re
import sys

import numpy as np

DEFAULT_TOL = {"f4": (1e-6, 1e-6), "f8": (1e-12, 1e-12)}
TOL_RE = re.compile(r"^\s*#\s*tol:\s*(\S+)((?:\s+\S+)*)\s*$")
MAX_SHOWN = 8  # problems listed per run before "... and N more"


def parse_directives(path):
    """Returns (list of (glob, rtol, atol, anyzero), compare_stdout)."""
    tols, cmp_out = [], False
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if re.match(r"^\s*#\s*compare-stdout\s*$", line):
                cmp_out = True
                continue
            m = TOL_RE.match(line)
            if not m:
                continue
            name = m.group(1)
            if name.endswith(".npy"):
                name = name[:-4]
            rtol = atol = None
            anyzero = False
            for item in m.group(2).split():
                key, _, val = item.partition("=")
                if key == "rtol":
                    rtol = float(val)
                elif key == "atol":
                    atol = float(val)
                elif key == "anyzero" and not val:
                    anyzero = True
                else:
                    raise SystemExit("%s:%d: bad tol item %r"
                                     % (path, lineno, item))
            tols.append((name, rtol, atol, anyzero))
    return tols, cmp_out


def tolerance(stem, dtype, tols):
    rtol, atol = DEFAULT_TOL.get(dtype.kind + str(dtype.itemsize),
                                 (0.0, 0.0))
    anyzero = False
    for pat, r, a, z in tols:
        if fnmatch.fnmatchcase(stem, pat):
            rtol = rtol if r is None else r
            atol = atol if a is None else a
            anyzero = anyzero or z
    return rtol, atol, anyzero


def where(shape, flat):
    if not shape:
        return "()"
    return str(tuple(int(i) for i in np.unravel_index(flat, shape)))


def fmt(v):
    """Shortest text that identifies v in its own dtype."""
    return str(v)


def compare_float(exp, got, rtol, atol, anyzero):
    """Returns (problem or None, info) for two float arrays of one shape."""
    e = exp.ravel()
    g = got.ravel()
    n = e.size
    info = {"abs": 0.0, "rel": 0.0, "at": None, "ratio": 0.0}
    if n == 0:
        return None, info
    with np.errstate(all="ignore"):
        en, gn = np.isnan(e), np.isnan(g)
        einf, ginf = np.isinf(e), np.isinf(g)
        fin = ~(en | gn | einf | ginf)
        err = np.zeros(n, dtype=np.float64)
        err[fin] = np.abs(e[fin].astype(np.float64) - g[fin])
        rel = np.zeros(n, dtype=np.float64)
        mag = np.abs(e[fin].astype(np.float64))
        rel[fin] = np.where(mag > 0, err[fin] / np.where(mag > 0, mag, 1),
                            np.where(err[fin] > 0, np.inf, 0.0))
        bad = np.zeros(n, dtype=bool)
        bad |= en != gn
        bad |= (einf | ginf) & ~(en | gn) & (e != g)
        bad[fin] |= err[fin] > atol + rtol * mag
        if not anyzero:
            zero = fin & (e == 0) & (g == 0)
            bad |= zero & (np.signbit(e) != np.signbit(g))
    if fin.any():
        i = int(np.argmax(np.where(fin, err, -1.0)))
        allow = atol + rtol * mag
        ratio = np.where(allow > 0, err[fin] / np.where(allow > 0, allow, 1),
                         np.where(err[fin] > 0, np.inf, 0.0))
        info = {"abs": float(err[i]), "rel": float(np.max(rel)), "at": i,
                "ratio": float(np.max(ratio))}
    nbad = int(bad.sum())
    if not nbad:
        return None, info
    # show the worst offender: NaN/inf/sign problems first, else largest
    # error relative to the allowance
    special = bad & ~fin | (bad & (err == 0))
    if special.any():
        i = int(np.argmax(special))
    else:
        with np.errstate(all="ignore"):
            excess = np.where(bad, err / (atol + rtol * np.abs(
                e.astype(np.float64))), -1.0)
        i = int(np.argmax(excess))
    what = ("NaN mismatch" if en[i] != gn[i] else
            "inf mismatch" if einf[i] or ginf[i] else
            "sign of zero" if err[i] == 0 else "value")
    msg = ("%d of %d elements differ (%s at %s: expected %s, got %s); "
           "max abs err %.3g, max rel err %.3g; rtol %g atol %g"
           % (nbad, n, what, "%s", fmt(e[i]), fmt(g[i]), info["abs"],
              info["rel"], rtol, atol))
    return (msg, i), info


def compare_exact(exp, got):
    e = exp.ravel()
    g = got.ravel()
    bad = e != g
    nbad = int(bad.sum())
    if not nbad:
        return None
    i = int(np.argmax(bad))
    extra = ""
    if e.dtype.kind in "iu":
        d = np.abs(e.astype(np.float64) - g.astype(np.float64))
        extra = "; max abs diff %.6g" % d.max()
    return ("%d of %d elements differ (first at %s: expected %s, got %s)%s"
            % (nbad, e.size, "%s", fmt(e[i]), fmt(g[i]), extra), i)


def compare_file(stem, ref_path, got_path, tols):
    """Returns (problem string or None, error info for floats or None)."""
    try:
        exp = np.load(ref_path, allow_pickle=False)
    except Exception as ex:  # the reference itself is unreadable
        return "cannot read reference: %s" % ex, None
    try:
        got = np.load(got_path, allow_pickle=False)
    except Exception as ex:
        return "cannot read loom's file: %s" % ex, None
    if exp.dtype != got.dtype:
        return "dtype: expected %s, got %s (shape %s vs %s)" % (
            exp.dtype, got.dtype, exp.shape, got.shape), None
    if exp.shape != got.shape:
        return "shape: expected %s, got %s" % (exp.shape, got.shape), None
    if exp.dtype.kind == "f":
        rtol, atol, anyzero = tolerance(stem, exp.dtype, tols)
        prob, info = compare_float(exp, got, rtol, atol, anyzero)
        if prob:
            msg, i = prob
            return msg % where(exp.shape, i), info
        return None, info
    if exp.dtype.kind in "biu":
        prob = compare_exact(exp, got)
        if prob:
            msg, i = prob
            return msg % where(exp.shape, i), None
        return None, None
    return "unsupported dtype %s in the reference" % exp.dtype, None


def npy_files(d):
    try:
        return sorted(f[:-4] for f in os.listdir(d) if f.endswith(".npy"))
    except OSError:
        return []


def read(path, limit=None):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            s = f.read()
    except OSError:
        return ""
    return s if limit is None else s[-limit:]


def run_status(rundir, run):
    s = read(os.path.join(rundir, run + ".rc")).strip()
    return int(s) if s.lstrip("-").isdigit() else None


def seconds(rundir, run):
    try:
        t0, t1 = read(os.path.join(rundir, run + ".time")).split()
        return float(t1) - float(t0)
    except ValueError:
        return None


def tail(text, n=12, indent="      "):
    """The first and last lines of a long stderr (sanitizers put the cause
    first, script errors come last)."""
    lines = text.rstrip().splitlines()
    if len(lines) > n:
        lines = lines[:n // 2] + ["..."] + lines[-(n // 2):]
    return "\n".join(indent + l for l in lines)


def diff_stdout(exp, got):
    el, gl = exp.splitlines(), got.splitlines()
    for k in range(max(len(el), len(gl))):
        a = el[k] if k < len(el) else "<end of output>"
        b = gl[k] if k < len(gl) else "<end of output>"
        if a != b:
            return ("stdout differs at line %d:\n        expected: %s\n"
                    "        got:      %s" % (k + 1, a, b))
    if exp != got:
        return "stdout differs in whitespace at the end"
    return None


def check_run(script, rundir, run, refs, tols, cmp_out, worst):
    """Problems of one loom run, as a list of strings."""
    probs = []
    rc = run_status(rundir, run)
    got = set(npy_files(os.path.join(rundir, run)))
    if rc != 0:
        what = "timed out" if rc == 124 else \
            "killed by signal %d" % (rc - 128) if rc and rc > 128 else \
            "exited with status %s" % rc
        probs.append("loom %s after saving %d of %d arrays (those are "
                     "compared)\n%s" % (what, len(got & set(refs)), len(refs),
                                        tail(read(os.path.join(
                                            rundir, run + ".err")))))
    for stem in refs:
        if stem not in got:
            if rc == 0:  # after a crash, only what was saved is compared
                probs.append("%s.npy: not saved by loom" % stem)
            continue
        p, info = compare_file(stem, os.path.join(rundir, "ref", stem + ".npy"),
                               os.path.join(rundir, run, stem + ".npy"), tols)
        if p:
            probs.append("%s.npy: %s" % (stem, p))
        elif info and info["ratio"] > worst[0][0]:
            worst[0] = (info["ratio"], stem, run, info["abs"])
    for stem in sorted(got - set(refs)):
        probs.append("%s.npy: saved by loom but not by NumPy" % stem)
    if cmp_out and rc == 0:
        d = diff_stdout(read(os.path.join(rundir, "ref.out")),
                        read(os.path.join(rundir, run + ".out")))
        if d:
            probs.append(d)
    return probs


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    script, rundir = argv[1], argv[2]
    modes = argv[3:] or ["fused", "eager"]
    name = os.path.basename(script)[:-3]
    tols, cmp_out = parse_directives(script)
    rc = run_status(rundir, "ref")
    if rc != 0:
        print("FAIL %s: the NumPy reference run failed (status %s)\n%s"
              % (name, rc, tail(read(os.path.join(rundir, "ref.err")))))
        return 1
    refs = npy_files(os.path.join(rundir, "ref"))
    if not refs:
        print("FAIL %s: the NumPy reference saved no arrays" % name)
        return 1
    worst = [(0.0, None, None, 0.0)]
    failed = []
    unused = [p for p, _, _, _ in tols
              if not any(fnmatch.fnmatchcase(r, p) for r in refs)]
    if unused:
        failed.append(("script", ["tol line matches no saved file: %s" % p
                                  for p in unused]))
    for run in modes:
        probs = check_run(script, rundir, run, refs, tols, cmp_out, worst)
        if probs:
            failed.append((run, probs))
    times = [(run, seconds(rundir, run)) for run in ["ref"] + modes]
    took = " [%s]" % " ".join("%s %.1fs" % (r, t) for r, t in times
                              if t is not None)
    if not failed:
        w = ""
        if worst[0][1]:
            w = ("; closest to tolerance: %s.npy (%s), %.0f%% of it, "
                 "abs err %.3g" % (worst[0][1], worst[0][2],
                                   100 * worst[0][0], worst[0][3]))
        print("PASS %s: %d arrays%s, %s%s%s" % (
            name, len(refs), " + stdout" if cmp_out else "",
            "+".join(modes), w, took))
        return 0
    print("FAIL %s: %d arrays, %s%s" % (name, len(refs), "+".join(modes),
                                        took))
    for run, probs in failed:
        print("  [%s] %d problem%s" % (run, len(probs),
                                       "" if len(probs) == 1 else "s"))
        for p in probs[:MAX_SHOWN]:
            print("    " + p)
        if len(probs) > MAX_SHOWN:
            print("    ... and %d more" % (len(probs) - MAX_SHOWN))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
