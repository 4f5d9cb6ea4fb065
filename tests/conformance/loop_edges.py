"""Loop structure edges (jit/emit.c): elementwise sweeps run whole steps of
128 values unmasked and the rest masked; row reductions run whole
interleaved vector steps (64 floats, 32 doubles) and a masked tail, and
float32 sums add in float32 within blocks of 1024 values.  Lengths just
below, at and above each of those boundaries, as whole arrays and as rows,
float32 and float64, with sums, variances, maxima and an elementwise chain."""
import numpy as np

rng = np.random.default_rng(2024)
for n in (1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 257, 1023, 1024,
          1025, 2049, 3000):
    x = rng.standard_normal(n).astype(np.float32) + 3
    d = rng.standard_normal(n) - 2
    np.save('loop_edges_sig_%d.npy' % n, 1 / (1 + np.exp(-x)))
    np.save('loop_edges_sum_%d.npy' % n, x.sum())
    np.save('loop_edges_var_%d.npy' % n, x.var())
    np.save('loop_edges_max_%d.npy' % n, x.max())
    np.save('loop_edges_dsum_%d.npy' % n, d.sum())
    rows = rng.standard_normal((5, n)).astype(np.float32)
    e = np.exp(rows - rows.max(axis=1, keepdims=True))
    np.save('loop_edges_softmax_%d.npy' % n, e / e.sum(axis=1, keepdims=True))
    np.save('loop_edges_rowvar_%d.npy' % n, rows.var(axis=1))
    np.save('loop_edges_rowmean64_%d.npy' % n, rows.astype(np.float64).mean(axis=1))
