#!/usr/bin/env python3
"""Generate runtime/rng_ziggurat.h: the ziggurat tables of runtime/rng.c.

    python3 scripts/gen_rng_ziggurat.py > runtime/rng_ziggurat.h

Standard library only; the output does not depend on the platform's libm
(exp and log are evaluated correctly rounded through `decimal`).

The tables follow Marsaglia & Tsang's construction ("The Ziggurat Method for
Generating Random Variables", 2000) with 256 layers: x[255] = r is the start
of the tail, each layer has area v, and going up,

    x[i] = f^-1(f(x[i+1]) + v / x[i+1]),       x[0] = 0 (the top layer),

with, for a sample with integer magnitude u of B bits in layer i,
k[i] = (x[i-1] / x[i]) * 2^B (the "certainly under f" bound), w[i] = x[i] / 2^B,
f[i] = f(x[i]); layer 0 is the base strip plus tail, with
k[0] = r f(r) / v * 2^B and w[0] = (v / f(r)) / 2^B.

NumPy 1.24 (which loom must match bit for bit) uses two constructions:

* normal, f(x) = exp(-x^2/2), B = 52 (float64) and 23 (float32):
  r = 3.6541528853610087963519472518 and v = 0.0049286732339746519, both
  rounded to double, the recurrence evaluated in double arithmetic; k rounded
  to nearest (ties to even) from the double ratio; float32 w and f are the
  double values rounded to float32.  One detail is not derivable from the
  constants: the platform that produced NumPy's tables rounded exp() *up* for
  the argument -x[38]^2/2 (the exact value lies 0.498 ulp above the lower
  double), which changes f[38] and, through the recurrence, x[1..37].  We
  reproduce that single rounding (NUDGE_UP_LAYER below); stream comparison
  against NumPy (tests/test_rng.c) detects any other difference.

* exponential, f(x) = exp(-x), B = 53 (float64): r =
  7.6971174701310497140446280481, v = (r + 1) exp(-r), evaluated in high
  precision; w and f rounded to nearest double; k computed on a 52-bit scale,
  truncated, and doubled (k[i] = 2 * floor(ratio * 2^52)).
"""

import decimal
import math
import struct
from decimal import Decimal as D

decimal.getcontext().prec = 60

NOR_R = "3.6541528853610087963519472518"
NOR_V = "0.0049286732339746519"
NOR_INV_R = "0.27366123732975827203338247596"
EXP_R = "7.6971174701310497140446280481"
NUDGE_UP_LAYER = 38


def exp_cr(a):
    """exp(a) for a double a, correctly rounded to double."""
    return float(D(a).exp())


def log_cr(a):
    return float(D(a).ln())


def f32(s):
    """The float32 nearest to the decimal string s (ties to even), as a
    Python float; what a C compiler makes of the literal `s f`."""
    exact = D(s)
    guess = struct.unpack("<f", struct.pack("<f", float(s)))[0]
    bits = struct.unpack("<I", struct.pack("<f", guess))[0]

    def val(b):
        return struct.unpack("<f", struct.pack("<I", b))[0]

    cands = [val(b) for b in (bits - 1, bits, bits + 1) if 0 <= b < 0x7F800000]
    best = min(cands, key=lambda c: (abs(D(c) - exact),
                                     struct.unpack("<I", struct.pack("<f", c))[0] & 1))
    return best


def normal_tables():
    r = float(NOR_R)
    v = float(NOR_V)
    x = [0.0] * 256
    pdf = [0.0] * 256
    x[255] = r
    for i in range(255, 0, -1):
        p = exp_cr(-0.5 * x[i] * x[i])
        if i == NUDGE_UP_LAYER:
            p = math.nextafter(p, math.inf)
        pdf[i] = p
        if i > 1:
            x[i - 1] = math.sqrt(-2 * log_cr(p + v / x[i]))
    pdf[0] = 1.0
    out = {}
    for name, bits in (("double", 52), ("float", 23)):
        scale = float(2 ** bits)
        k = [0] * 256
        for i in range(1, 256):
            k[i] = round(x[i - 1] / x[i] * scale)
        k[0] = round(r * pdf[255] / v * scale)
        w = [xi / scale for xi in x]
        w[0] = v / pdf[255] / scale
        fi = list(pdf)
        if name == "float":
            w = [f32("%.20e" % t) for t in w]
            fi = [f32("%.20e" % t) for t in fi]
        out[name] = (k, w, fi)
    return out


def exponential_tables():
    r = D(EXP_R)
    v = (r + 1) * (-r).exp()
    x = [D(0)] * 256
    x[255] = r
    for i in range(255, 1, -1):
        x[i - 1] = -((-x[i]).exp() + v / x[i]).ln()
    fr = (-r).exp()
    x[0] = v / fr
    half = D(2) ** 52
    k = [0] * 256
    for i in range(2, 256):
        k[i] = 2 * int(x[i - 1] / x[i] * half)
    k[0] = 2 * int(r * fr / v * half)
    w = [float(t / D(2) ** 53) for t in x]
    fe = [1.0] + [float((-t).exp()) for t in x[1:]]
    return k, w, fe


def emit_ints(name, ctype, vals, width):
    print("static const %s %s[256] = {" % (ctype, name))
    per = 3 if width > 8 else 5
    suffix = "ULL" if width > 8 else "U"
    for i in range(0, 256, per):
        row = ", ".join("0x%0*X%s" % (width, v, suffix) for v in vals[i:i + per])
        print("    %s," % row)
    print("};")


def emit_floats(name, ctype, vals, suffix):
    print("static const %s %s[256] = {" % (ctype, name))
    for i in range(0, 256, 3):
        row = ", ".join(t.hex() + suffix for t in vals[i:i + 3])
        print("    %s," % row)
    print("};")


def main():
    nor = normal_tables()
    ke, we, fe = exponential_tables()
    print("/* Generated by scripts/gen_rng_ziggurat.py -- do not edit. */")
    print("/* Ziggurat tables (256 layers) of runtime/rng.c; see the script")
    print(" * for their definition. */")
    print("#ifndef LOOM_RNG_ZIGGURAT_H")
    print("#define LOOM_RNG_ZIGGURAT_H")
    print()
    print("#include <stdint.h>")
    print()
    k, w, fi = nor["double"]
    emit_ints("zig_nor_k", "uint64_t", k, 13)
    emit_floats("zig_nor_w", "double", w, "")
    emit_floats("zig_nor_f", "double", fi, "")
    k, w, fi = nor["float"]
    emit_ints("zig_nor_k_f", "uint32_t", k, 6)
    emit_floats("zig_nor_w_f", "float", w, "f")
    emit_floats("zig_nor_f_f", "float", fi, "f")
    emit_ints("zig_exp_k", "uint64_t", ke, 14)
    emit_floats("zig_exp_w", "double", we, "")
    emit_floats("zig_exp_f", "double", fe, "")
    print()
    print("static const double zig_nor_r = %s;" % float(NOR_R).hex())
    print("static const double zig_nor_inv_r = %s;" % float(NOR_INV_R).hex())
    print("static const double zig_exp_r = %s;" % float(EXP_R).hex())
    print("static const float zig_nor_r_f = %sf;" % f32(NOR_R).hex())
    print("static const float zig_nor_inv_r_f = %sf;" % f32(NOR_INV_R).hex())
    print()
    print("#endif /* LOOM_RNG_ZIGGURAT_H */")


if __name__ == "__main__":
    main()
