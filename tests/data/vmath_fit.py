#!/usr/bin/python3
"""Offline coefficient fits for jit/vmath.c (loom).  Run with Debian's /usr/bin/python3
and compare with the tables in vmath.c: minimax (Remez exchange) in 90-digit
decimal arithmetic; prints each table in C99 hex floats (float ones rounded
to float).  Not used by the build or the tests."""
import sys, math
from decimal import Decimal as D, getcontext
getcontext().prec = 90
import numpy as np

def dexp(x): return x.exp()
def dln(x): return x.ln()
def series(x, terms):  # generic helper
    s = D(0)
    for t in terms(x):
        s += t
    return s
def dsin(x):
    s = D(0); t = x; k = 1; x2 = x*x
    while abs(t) > D(10)**-85:
        s += t; t = -t*x2/((k+1)*(k+2)); k += 2
    return s
def dcos(x):
    s = D(0); t = D(1); k = 0; x2 = x*x
    while abs(t) > D(10)**-85:
        s += t; t = -t*x2/((k+1)*(k+2)); k += 2
    return s
def datan(x):  # |x| < 0.5
    s = D(0); t = x; k = 1; x2 = x*x; p = x
    while abs(p) > D(10)**-85:
        s += p/k; p = -p*x2; k += 2
    return s
def datanh(x):
    s = D(0); k = 1; x2 = x*x; p = x
    while abs(p) > D(10)**-85:
        s += p/k; p = p*x2; k += 2
    return s
def dasin(x):  # |x| <= 0.5
    s = D(0); c = D(1); k = 0; x2 = x*x; p = x
    while abs(p*c) > D(10)**-85:
        s += c*p/(2*k+1); c = c*(2*k+1)/(2*k+2); p = p*x2; k += 1
    return s

def solve(A, b):
    n = len(b); A = [row[:] + [b[i]] for i, row in enumerate(A)]
    for i in range(n):
        piv = max(range(i, n), key=lambda r: abs(A[r][i])); A[i], A[piv] = A[piv], A[i]
        for r in range(i+1, n):
            f = A[r][i]/A[i][i]
            for c in range(i, n+1): A[r][c] -= f*A[i][c]
    x = [D(0)]*n
    for i in reversed(range(n)):
        x[i] = (A[i][n] - sum(A[i][c]*x[c] for c in range(i+1, n)))/A[i][i]
    return x

def peval(c, v):
    s = D(0)
    for a in reversed(c): s = s*v + a
    return s

def remez(g, w, a, b, deg, iters=12, grid=3000):
    """minimize max |w(v)*(sum c_k v^k - g(v))| on [a,b]; g, w take Decimal."""
    n = deg + 2
    ref = [D((a+b)/2 + (b-a)/2*math.cos(math.pi*(n-1-i)/(n-1))) for i in range(n)]
    xs = [(a+b)/2 + (b-a)/2*math.cos(math.pi*(grid-1-i)/(grid-1)) for i in range(grid)]
    xs = [D(x) for x in xs]
    gv = [g(x) for x in xs]; wv = [w(x) for x in xs]
    cache = dict(zip(xs, zip(gv, wv)))
    best = None
    for it in range(iters):
        A = []; rhs = []
        for i, v in enumerate(ref):
            gw = cache.get(v) or (g(v), w(v))
            A.append([D(1) if k == 0 else v**k for k in range(deg+1)] + [D((-1)**i)/max(gw[1], D(10)**-40)]); rhs.append(gw[0])
        sol = solve(A, rhs); c = sol[:-1]
        err = [wv[i]*(peval(c, xs[i]) - gv[i]) for i in range(grid)]
        # pick extrema with alternating sign
        ext = []
        i = 0
        while i < grid:
            j = i; s = err[i] >= 0
            while j < grid and (err[j] >= 0) == s: j += 1
            k = max(range(i, j), key=lambda t: abs(err[t])); ext.append(k); i = j
        while len(ext) > n:  # drop the smallest ends
            if abs(err[ext[0]]) < abs(err[ext[-1]]): ext.pop(0)
            else: ext.pop()
        m = max(abs(e) for e in err)
        if best is None or m < best[0]: best = (m, c)
        if len(ext) < n: break
        ref = [xs[k] for k in ext]
    return best

def report(name, res, tofloat=float):
    m, c = res
    print("%s maxerr %.3e (2^%.1f)" % (name, float(m), math.log2(float(m))))
    for k, a in enumerate(c): print("  c%d = %s  /* %.17g */" % (k, tofloat(a).hex() if tofloat is float else tofloat(a), float(a)))
    return c

def f32hex(a):
    v = np.float32(float(a)); return float(v).hex() + "f"

def z0(g, lim):
    return lambda z: g(z) if z != 0 else lim

def dtanh(x):
    e = dexp(2*x); return (e-1)/(e+1)

if __name__ == '__main__':
    ln2h = float(D(2).ln()/2)
    zlog = float(((D(2).sqrt()-1)/(D(2).sqrt()+1))**2)
    zq = float((D(math.pi)/4)**2)*1.0001
    fits = [
      ('C_EXP_R', 9, lambda v: (dexp(v)-1-v-v*v/2)/(v**3) if v != 0 else D(1)/6, lambda v: abs(v**3), -ln2h, ln2h, float),
      ('C_EXPF_Q', 4, lambda v: (dexp(v)-1-v)/(v**2) if v != 0 else D(1)/2, lambda v: v*v, -ln2h, ln2h, f32hex),
      ('C_LOG_Q', 8, z0(lambda z: (2*datanh(z.sqrt())-2*z.sqrt())/(z.sqrt()**3), D(2)/3), lambda z: z/2, 0, zlog, float),
      ('C_LOGF_Q', 7, lambda f: ((1+f).ln()-f+f*f/2)/(f**3) if f != 0 else D(1)/3,
       lambda f: abs(f**3/(1+f).ln()) if f != 0 else D(0), float(D(0.5).sqrt()-1), float(D(2).sqrt()-1), f32hex),
      ('C_SIN_S', 6, z0(lambda z: (dsin(z.sqrt())-z.sqrt())/(z.sqrt()**3), D(-1)/6), lambda z: z, 0, zq, float),
      ('C_COS_C', 5, z0(lambda z: (dcos(z.sqrt())-1+z/2)/(z*z), D(1)/24), lambda z: z*z, 0, zq, float),
      ('C_ATAN_A', 11, z0(lambda z: (datan(z.sqrt())-z.sqrt())/(z.sqrt()**3), D(-1)/3), lambda z: z, 0, 0.1716*1.0005, float),
      ('C_ASIN_B', 12, z0(lambda z: (dasin(z.sqrt())-z.sqrt())/(z.sqrt()**3), D(1)/6), lambda z: z, 0, 0.2501, float),
      ('C_SINH_H', 6, z0(lambda z: ((dexp(z.sqrt())-dexp(-z.sqrt()))/2-z.sqrt())/(z.sqrt()**3), D(1)/6), lambda z: z, 0, 1.0001, float),
      ('C_TANHF_T', 4, z0(lambda z: (dtanh(z.sqrt())-z.sqrt())/(z.sqrt()**3), D(-1)/3), lambda z: z, 0, 0.5625**2, f32hex),
      ('C_EXP2F_P', 5, z0(lambda v: (dexp(v*D(2).ln())-1)/v, D(2).ln()), lambda v: abs(v), -0.5, 0.5, f32hex),
      ('C_CBRT_W', 5, lambda m: m**(D(-1)/3), lambda m: m**(D(1)/3), 1, 8, float),
    ]
    for name, deg, g, w, a, b, fmt in fits:
        report('%s (degree %d)' % (name, deg), remez(g, w, a, b, deg), fmt)
