"""Reductions over rows whose per-row value ends in an expensive function:
cross-entropy's log of each row's label probability, the mean of per-row
log-sum-exps, sums of tanh or exp of per-row maxima and argmaxes, and
per-row log-sum-exps and log-norms stored as arrays.  loom
defers such per-row work and runs it 16 rows to a vector (jit/emit.c,
deferred row updates), so these cover row counts below, at and around 16,
row counts that split among threads with a ragged last block, float32 and
float64, NaN and infinite rows, and a row sum of zero."""
import numpy as np

rng = np.random.default_rng(2024)
for n in [1, 15, 16, 17, 37, 10001]:
    z = rng.standard_normal((n, 10), dtype=np.float32) * 3
    lab = rng.integers(0, 10, n)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    np.save('reduce_row_tails_ce_f32_%d.npy' % n, -np.log(p[np.arange(n), lab] + 1e-12).mean())
    m = z.max(axis=1, keepdims=True)
    np.save('reduce_row_tails_lse_mean_%d.npy' % n, (m[:, 0] + np.log(np.exp(z - m).sum(axis=1))).mean())
    # keepdims: the per-row value sits in a loop of extent 1 inside the row's
    np.save('reduce_row_tails_log_keep_%d.npy' % n, np.log(np.exp(z - m).sum(axis=1, keepdims=True)).mean())
    np.save('reduce_row_tails_tanh_max_%d.npy' % n, np.tanh(z.max(axis=1)).sum())
    np.save('reduce_row_tails_exp_argmax_%d.npy' % n, np.exp(z.argmax(axis=1) / 10.0).sum())
    # per-row results stored (each thread's range of rows deferred)
    np.save('reduce_row_tails_lse_rows_%d.npy' % n, m[:, 0] + np.log(np.exp(z - m).sum(axis=1)))
    np.save('reduce_row_tails_log_norm_rows_%d.npy' % n, np.log(np.sqrt((z * z).sum(axis=1, keepdims=True))))

# float64, 100-wide rows, several blocks of 16 and a ragged end
z64 = rng.standard_normal((5003, 100)) * 4
lab64 = rng.integers(0, 100, 5003)
e = np.exp(z64 - z64.max(axis=1, keepdims=True))
p = e / e.sum(axis=1, keepdims=True)
np.save('reduce_row_tails_ce_f64.npy', -np.log(p[np.arange(5003), lab64] + 1e-12).mean())
np.save('reduce_row_tails_log_norm_f64.npy', np.log(np.sqrt((z64 * z64).sum(axis=1))).sum())
m64 = z64.max(axis=1)
np.save('reduce_row_tails_lse_rows_f64.npy', m64 + np.log(np.exp(z64 - m64[:, None]).sum(axis=1)))
# two per-row outputs of one kernel
np.save('reduce_row_tails_two_a.npy', np.log(np.abs(z64).sum(axis=1)))
np.save('reduce_row_tails_two_b.npy', np.exp(-np.abs(z64).sum(axis=1) / 100))

# NaN in one row, +inf in another, a row summing to zero
w = rng.standard_normal((40, 8), dtype=np.float32)
w[7, 3] = np.nan
np.save('reduce_row_tails_nan.npy', np.log(np.exp(w).sum(axis=1)).mean())
w2 = rng.standard_normal((40, 8), dtype=np.float32)
w2[11, 0] = np.inf
np.save('reduce_row_tails_inf.npy', np.log(np.exp(w2).sum(axis=1)).mean())
w3 = np.abs(rng.standard_normal((40, 8)))
w3[20] = 0.0
np.save('reduce_row_tails_zero_row.npy', np.log(w3.sum(axis=1)).sum())
