"""NumPy reference streams for tests/test_rng.c.

    /usr/bin/python3 tests/rng_reference.py OUTDIR

Writes OUTDIR/manifest.txt and one raw little-endian file per stream case.
The manifest is the single description of what to draw; test_rng.c replays
it on loom's generator and compares the bytes.

    case NAME SEED              SEED: 32-bit words in hex, least significant
                                first, comma separated
    op KIND ARG...              one Generator call; its output is appended
                                to OUTDIR/NAME.bin
    end

    err FUNC ARG... \t TYPE \t MESSAGE     an argument error and what NumPy
                                           raises for it (TYPE "OK": none)

Floats in arguments are written with float.hex().  Op kinds and the
NumPy calls they stand for are in run_op and write_case below.
"""

import os
import sys

import numpy as np

REPLACE, NO_SHUFFLE, FROM_ARRAY, P_F32 = 1, 2, 4, 8


def seed_words(seed):
    words = []
    while True:
        words.append(seed & 0xFFFFFFFF)
        seed >>= 32
        if seed == 0:
            return words


def fmt(v):
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return v.hex()
    return str(int(v))


def op_choice(g, outdir, name, k, pop, n, flags, p):
    """choice(pop, n, replace, p, shuffle); p is written to NAME.pK.bin."""
    pfile = "-"
    if p is not None:
        pfile = "%s.p%d.bin" % (name, k)
        pd = np.asarray(p, dtype=np.float64)
        pd.astype("<f8").tofile(os.path.join(outdir, pfile))
        if flags & P_F32:
            p = np.asarray(p, dtype=np.float32)
    out = g.choice(pop, n, replace=bool(flags & REPLACE), p=p,
                   shuffle=not (flags & NO_SHUFFLE))
    return np.asarray(out, dtype=np.int64), [pop, n, flags, pfile]


def run_op(g, kind, args):
    """Returns (output array, new generator or None)."""
    if kind == "raw":
        return g.bit_generator.random_raw(args[0]).astype("<u8"), None
    if kind == "random_f64":
        return g.random(args[0]), None
    if kind == "random_f32":
        return g.random(args[0], dtype=np.float32), None
    if kind == "stdnorm_f64":
        return g.standard_normal(args[0]), None
    if kind == "stdnorm_f32":
        return g.standard_normal(args[0], dtype=np.float32), None
    if kind == "normal":
        return g.normal(args[1], args[2], args[0]), None
    if kind == "uniform":
        return g.uniform(args[1], args[2], args[0]), None
    if kind == "exponential":
        return g.exponential(args[1], args[0]), None
    if kind in ("int64", "int32"):
        n, lo, hi, endpoint = args
        return g.integers(lo, hi, n, dtype=kind, endpoint=bool(endpoint)), None
    if kind == "permutation":
        return g.permutation(args[0]).astype(np.int64), None
    if kind == "shuffle2d":
        a = np.arange(args[0] * args[1], dtype=np.int64).reshape(args[0], args[1])
        g.shuffle(a)
        return a, None
    if kind == "spawnsum":
        # spawn args[0] children; output each child's first 4 raw draws
        kids = g.bit_generator._seed_seq.spawn(args[0])
        outs = [np.random.default_rng(s).bit_generator.random_raw(4)
                for s in kids]
        return np.concatenate(outs + [np.empty(0, np.uint64)]).astype("<u8"), None
    if kind == "spawn":  # spawn args[0] children, continue with child args[1]
        kids = g.bit_generator._seed_seq.spawn(args[0])
        return np.empty(0, np.uint8), np.random.default_rng(kids[args[1]])
    raise ValueError(kind)


BIG = 100_000


def per_seed_cases(s):
    c = []
    c.append(("rand64", [("random_f64", [BIG])]))
    c.append(("rand32", [("random_f32", [BIG + 1])]))
    c.append(("norm64", [("stdnorm_f64", [BIG])]))
    c.append(("norm32", [("stdnorm_f32", [BIG + 1])]))
    c.append(("normal", [("normal", [BIG, 1.5, 2.25])]))
    c.append(("uniform", [("uniform", [BIG, -3.0, 7.5])]))
    c.append(("expon", [("exponential", [BIG, 0.75])]))
    c.append(("raw", [("raw", [1000])]))
    n = 25_000
    c.append(("int64", [
        ("int64", [n, 0, 10, 0]),
        ("int64", [n, -1000, 1000, 1]),
        ("int64", [n, 0, 2**32 - 1, 0]),       # rng = 2**32 - 2: Lemire32
        ("int64", [n, 7, 2**32 + 7, 0]),       # rng = 2**32 - 1: raw 32-bit
        ("int64", [n, 0, 2**32 + 1, 0]),       # rng = 2**32: Lemire64
        ("int64", [n, -2**62, 2**62 + 12345, 0]),
        ("int64", [n, -2**63, 2**63 - 1, 1]),  # full range: raw 64-bit
        ("int64", [n, 0, 3 * 2**61 + 1, 1]),   # Lemire64 with many rejections
        ("int64", [n, 5, 5, 1]),               # rng = 0: draws nothing
        ("random_f32", [1]),
    ]))
    c.append(("int32", [
        ("int32", [n, 0, 10, 0]),
        ("int32", [n, -5, 5, 1]),
        ("int32", [n, -2**31, 2**31, 0]),      # full range: raw 32-bit
        ("int32", [n, -2**31, 2**31 - 1, 1]),
        ("int32", [n, 0, 2**31 - 1, 1]),
        ("int32", [n, -100, 2**30 + 3, 0]),
        ("int32", [n, 7, 7, 1]),
        ("int32", [n, 1, 2**31 - 1, 0]),
        ("random_f32", [1]),
    ]))
    c.append(("mixed", [
        ("random_f32", [3]), ("int64", [5, 0, 100, 0]), ("stdnorm_f64", [5]),
        ("int32", [7, -3, 3, 1]), ("random_f32", [1]), ("raw", [2]),
        ("int64", [3, 0, 2**40, 0]), ("stdnorm_f32", [3]),
        ("random_f64", [2]), ("int32", [1, 0, 2**31 - 1, 1]),
        ("permutation", [11]), ("stdnorm_f32", [5]), ("exponential", [4, 1.0]),
        ("random_f32", [1]), ("int64", [9, -7, 7, 0]), ("uniform", [3, 0.0, 1.0]),
        ("int32", [3, 0, 2**31, 0]), ("normal", [3, -1.0, 0.5]),
    ] * 40))
    return c


def extra_cases(outdir):
    """Cases on seed 42 only: choice, permutation, shuffle, spawn."""
    rng = np.random.default_rng(12345)
    p5 = [0.1, 0.2, 0.3, 0.15, 0.25]
    p_rand = rng.random(1000)
    p_rand /= p_rand.sum()
    p_zeros = [0.0, 0.3, 0.0, 0.2, 0.0, 0.4, 0.1, 0.0]
    p_f32 = np.array([0.3, 0.3, 0.4], dtype=np.float32).astype(np.float64)
    choices = [
        (10, 1000, REPLACE, None),
        (2**33, 1000, REPLACE, None),
        (5, BIG, REPLACE, p5),
        (1000, 5000, REPLACE, p_rand),
        (100, 10, 0, None),            # Floyd + shuffle
        (100, 100, 0, None),
        (20000, 1000, 0, None),        # tail shuffle (n > pop // 50)
        (20000, 300, 0, None),         # Floyd
        (20000, 400, 0, None),         # boundary: 400 == pop // 50 -> Floyd
        (20000, 401, 0, None),         # tail shuffle
        (10**6, 10**5, 0, None),
        (20000, 500, NO_SHUFFLE, None),   # cutoff 20: Floyd, no shuffle
        (20000, 1500, NO_SHUFFLE, None),  # tail shuffle
        (2**40, 1000, 0, None),        # Floyd on 64-bit draws
        (10, 5, 0, p5 + [0.0] * 5),
        (1000, 500, 0, p_rand),        # several batches
        (8, 4, 0, p_zeros),
        (3, 3, P_F32, p_f32),
        (7, 7, 0, None),
        (1, 1, 0, None),
        (5, 0, 0, None),
        (3, 2, REPLACE, [0.5, 0.5, 0.0]),
    ]
    ops = []
    for i, (pop, n, flags, p) in enumerate(choices):
        ops.append(("choice", [pop, n, flags, p]))
    ops.append(("random_f32", [1]))
    cases = [("choice", ops)]
    cases.append(("perm", [("permutation", [0]), ("permutation", [1]),
                           ("permutation", [2]), ("permutation", [10]),
                           ("permutation", [BIG]), ("random_f32", [1])]))
    cases.append(("shuffle", [("shuffle2d", [1000, 7]), ("shuffle2d", [1, 3]),
                              ("shuffle2d", [5, 0]), ("random_f32", [1]),
                              ("shuffle2d", [BIG, 1])]))
    cases.append(("spawn", [("spawnsum", [3]), ("random_f64", [10]),
                            ("spawnsum", [2]), ("spawn", [4, 2]),
                            ("random_f64", [1000]), ("spawnsum", [2]),
                            ("spawn", [2, 1]), ("stdnorm_f64", [1000])]))
    cases.append(("spawnmax", [("counter", [2**32 - 3]), ("spawnsum", [2]),
                               ("random_f64", [3])]))
    return cases


SEEDS = [
    ("s0", 0), ("s42", 42), ("s12345", 12345), ("s2p32p5", 2**32 + 5),
    ("s2p64p7", 2**64 + 7),
    ("s128", 0x3034C61A9AE04FF8CB62AB8EC2C4B501),
    ("s2p96", 2**96),                       # zero words inside
    ("s230", 2**230 + 987654321),           # more words than the pool
]


def write_case(outdir, man, name, seed, ops):
    g = np.random.default_rng(seed)
    man.write("case %s %s\n" % (name, ",".join("%x" % w for w in seed_words(seed))))
    with open(os.path.join(outdir, name + ".bin"), "wb") as f:
        for k, (kind, args) in enumerate(ops):
            if kind == "choice":
                out, margs = op_choice(g, outdir, name, k, *args)
            elif kind == "counter":
                # a fresh generator whose SeedSequence already spawned N
                ss = np.random.SeedSequence(seed, n_children_spawned=args[0])
                g = np.random.default_rng(ss)
                out, margs = np.empty(0, np.uint8), args
            else:
                out, newg = run_op(g, kind, args)
                margs = args
                if newg is not None:
                    g = newg
            f.write(np.ascontiguousarray(out).tobytes())
            man.write("op %s %s\n" % (kind, " ".join(fmt(a) for a in margs)))
    man.write("end\n")


def error_lines():
    g = np.random.default_rng(0)
    nan, inf = float("nan"), float("inf")
    f32 = lambda v: np.asarray(v, dtype=np.float32)
    calls = [
        ("int64", [3, 5, 5, 0], lambda: g.integers(5, 5, 3)),
        ("int64", [3, 5, 4, 1], lambda: g.integers(5, 4, 3, endpoint=True)),
        ("int64", [3, 0, 0, 0], lambda: g.integers(0, 0, 3)),
        ("int64", [3, 0, -1, 1], lambda: g.integers(0, -1, 3, endpoint=True)),
        ("int64", [3, 0, -5, 0], lambda: g.integers(-5, size=3)),
        ("int64", [0, 5, 0, 0], lambda: g.integers(5, 0, 0)),
        ("int64", [-1, 0, 10, 0], lambda: g.integers(0, 10, -1)),
        ("int64", [-1, 10, 0, 0], lambda: g.integers(10, 0, -1)),
        ("int64", [3, -2**63, -2**63, 0],
         lambda: g.integers(-2**63, -2**63, 3)),
        ("int32", [3, -2**31 - 1, 0, 0], lambda: g.integers(-2**31 - 1, 0, 3,
                                                             dtype=np.int32)),
        ("int32", [3, 0, 2**31 + 1, 0], lambda: g.integers(0, 2**31 + 1, 3,
                                                           dtype=np.int32)),
        ("int32", [3, 0, 2**31, 1], lambda: g.integers(0, 2**31, 3,
                                                       dtype=np.int32,
                                                       endpoint=True)),
        ("int32", [3, 0, 2**31, 0], lambda: g.integers(0, 2**31, 3,
                                                       dtype=np.int32)),
        ("int32", [3, 10, 3, 0], lambda: g.integers(10, 3, 3, dtype=np.int32)),
        ("normal", [3, 0.0, -1.0], lambda: g.normal(0.0, -1.0, 3)),
        ("normal", [3, 0.0, -0.0], lambda: g.normal(0.0, -0.0, 3)),
        ("normal", [3, 0.0, nan], lambda: g.normal(0.0, nan, 3)),
        ("normal", [-1, 0.0, 1.0], lambda: g.normal(0.0, 1.0, -1)),
        ("uniform", [3, 0.0, inf], lambda: g.uniform(0.0, inf, 3)),
        ("uniform", [3, nan, 1.0], lambda: g.uniform(nan, 1.0, 3)),
        ("uniform", [3, 5.0, 1.0], lambda: g.uniform(5.0, 1.0, 3)),
        ("uniform", [3, 1.0, 1.0], lambda: g.uniform(1.0, 1.0, 3)),
        ("exponential", [3, -1.0], lambda: g.exponential(-1.0, 3)),
        ("exponential", [3, 0.0], lambda: g.exponential(0.0, 3)),
        ("choice", [0, 3, 0, "-"], lambda: g.choice(0, 3)),
        ("choice", [-2, 3, REPLACE, "-"], lambda: g.choice(-2, 3)),
        ("choice", [0, 0, REPLACE, "-"], lambda: g.choice(0, 0)),
        ("choice", [0, 3, FROM_ARRAY | REPLACE, "-"],
         lambda: g.choice(np.array([]), 3)),
        ("choice", [5, 6, 0, "-"], lambda: g.choice(5, 6, replace=False)),
        ("choice", [5, -1, 0, "-"], lambda: g.choice(5, -1, replace=False)),
        ("choice", [5, -1, REPLACE, "-"], lambda: g.choice(5, -1)),
        ("choice", [3, 2, REPLACE, [0.3, 0.3, 0.3]],
         lambda: g.choice(3, 2, p=[0.3, 0.3, 0.3])),
        ("choice", [2, 2, REPLACE, [1.5, -0.5]],
         lambda: g.choice(2, 2, p=[1.5, -0.5])),
        ("choice", [2, 2, REPLACE, [nan, 1.0]],
         lambda: g.choice(2, 2, p=[nan, 1.0])),
        ("choice", [4, 3, 0, [0.5, 0.0, 0.5, 0.0]],
         lambda: g.choice(4, 3, replace=False, p=[0.5, 0.0, 0.5, 0.0])),
        ("choice", [0, 0, REPLACE, []], lambda: g.choice(0, 0, p=[])),
        ("choice", [3, 2, REPLACE | P_F32, [0.3333, 0.3333, 0.3335001]],
         lambda: g.choice(3, 2, p=f32([0.3333, 0.3333, 0.3335001]))),
        ("choice", [3, 2, REPLACE, [0.3333, 0.3333, 0.3335001]],
         lambda: g.choice(3, 2, p=[0.3333, 0.3333, 0.3335001])),
        ("choice", [3, 2, REPLACE | P_F32, [0.3, 0.3, 0.5]],
         lambda: g.choice(3, 2, p=f32([0.3, 0.3, 0.5]))),
    ]
    lines = []
    for func, args, call in calls:
        if func == "choice" and isinstance(args[3], list):
            p = args[3]
            if args[2] & P_F32:
                p = [float(v) for v in f32(p)]
            args = args[:3] + [":".join(float(v).hex() for v in p) or "="]
        try:
            call()
            typ, msg = "OK", ""
        except Exception as e:  # noqa: BLE001 -- the message is the point
            typ, msg = type(e).__name__, str(e)
        lines.append("err %s %s\t%s\t%s\n" % (func, " ".join(fmt(a) for a in args),
                                              typ, msg))
    return lines


def main():
    outdir = sys.argv[1]
    with open(os.path.join(outdir, "manifest.txt"), "w") as man:
        for sname, seed in SEEDS:
            for cname, ops in per_seed_cases(seed):
                write_case(outdir, man, "%s_%s" % (sname, cname), seed, ops)
        for cname, ops in extra_cases(outdir):
            write_case(outdir, man, "s42_" + cname, 42, ops)
            write_case(outdir, man, "s2p64p7_" + cname, 2**64 + 7, ops)
        for line in error_lines():
            man.write(line)


if __name__ == "__main__":
    main()
