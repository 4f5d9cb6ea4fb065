"""Partition and argpartition (issue 5): one and several kth, negative kth,
kth at both ends, every axis and flattened, every dtype, duplicates and
NaNs, views as inputs, 0-size and 1-size axes.  The order between kth is
NumPy's business, so only order-free facts are saved: the kth elements
themselves, the sorted pieces between them, and values gathered by
argpartition (sorted)."""
import numpy as np

rng = np.random.default_rng(11)
f64 = rng.standard_normal((6, 7, 50))
f32 = f64.astype(np.float32)
i64 = rng.integers(-5, 6, (6, 7, 50))
i32 = i64.astype(np.int32)
b = i64 > 0
sp = np.array([3.0, np.nan, -np.inf, 1.0, np.inf, 1.0, np.nan, -2.0, 0.5,
               np.inf, -np.inf, 3.0, np.nan, 0.5, 2.0, 2.0])


# (name, partitioned array, sorted kth, axis): saved at the end as the kth
# elements and each piece between them sorted -- what every valid
# partition agrees on
cases = []

for name, a in [('f64', f64), ('f32', f32), ('i64', i64), ('i32', i32), ('b', b)]:
    for ax in [0, 1, 2]:
        n = a.shape[ax]
        for kth in [[0], [n - 1], [n // 2], [1, n - 2]]:
            tag = '%s_ax%d_k%s' % (name, ax, '_'.join([str(k) for k in kth]))
            cases.append((tag, np.partition(a, kth, axis=ax), kth, ax))
            ix = np.argpartition(a, kth, axis=ax)
            cases.append(('arg_' + tag, np.take_along_axis(a, ix, axis=ax), kth, ax))
            np.save('sort_partition_arg_%s_sorted.npy' % tag, np.sort(ix, axis=ax))

# several kth, unsorted, repeated, negative
x = rng.standard_normal(200)
for kth in [[-1], [-200], [5, 150, 20], [7, 7, -3], [0, 1, 2, 3], [199, 0]]:
    norm = sorted([k % 200 for k in kth])
    tag = 'multi_' + '_'.join([str(k).replace('-', 'm') for k in kth])
    cases.append((tag, np.partition(x, kth), norm, -1))
    cases.append(('arg_' + tag, x[np.argpartition(x, kth)], norm, -1))
# many kth (more than a node's attributes hold)
many = list(range(0, 200, 7))
cases.append(('many', np.partition(x, many), many, -1))
cases.append(('arg_many', x[np.argpartition(x, many)], many, -1))
# NaNs and infinities
for kth in [[0], [5], [12], [15], [3, 13]]:
    tag = 'special_%s' % '_'.join([str(k) for k in kth])
    cases.append((tag, np.partition(sp, kth), kth, -1))
    cases.append(('arg_' + tag, sp[np.argpartition(sp, kth)], kth, -1))
    cases.append((tag + '_32', np.partition(sp.astype(np.float32), kth), kth, -1))
# top-k of rows (small kth at either end: the heap path), with ties
rows = rng.integers(0, 20, (300, 400)).astype(np.float32)
for k in [0, 4, 63, 64, 336, 395, 399]:
    cases.append(('rows_k%d' % k, np.take_along_axis(rows, np.argpartition(rows, k, axis=1), axis=1), [k], 1))
    cases.append(('rows_val_k%d' % k, np.partition(rows, k, axis=1), [k], 1))
np.save('sort_partition_topk_idx.npy', np.sort(np.argpartition(rows[:, :50] + np.arange(50) * 1e-3, 4, axis=1)[:, :5], axis=1))
np.save('sort_partition_topk_idx_hi.npy', np.sort(np.argpartition(rows[:, :50] - np.arange(50) * 1e-3, -5, axis=1)[:, -5:], axis=1))
# flattened, views, chains
cases.append(('flat', np.partition(f64, 100, axis=None), [100], 0))
cases.append(('arg_flat', f64.ravel()[np.argpartition(f64, 100, axis=None)], [100], 0))
cases.append(('view', np.partition(f64.transpose(2, 1, 0)[::-1], 3, axis=0), [3], 0))
cases.append(('chain', np.partition(f64 * 3 - 1, [2, 4], axis=1) * 2, [2, 4], 1))
m = f64[0].copy()
m.partition(3)
cases.append(('method', m, [3], -1))
cases.append(('arg_method', np.take_along_axis(f64[0], f64[0].argpartition(3), axis=1), [3], -1))
# shapes
np.save('sort_partition_0size.npy', np.partition(np.zeros((0, 4)), 2, axis=1))
np.save('sort_partition_0size_bigk.npy', np.partition(np.zeros((3, 0)), 5))
np.save('sort_partition_arg_0size.npy', np.argpartition(np.zeros((2, 0)), 5, axis=0))
np.save('sort_partition_1size.npy', np.partition(np.arange(4.0).reshape(4, 1), 0, axis=1))
np.save('sort_partition_arg_1size.npy', np.argpartition(np.arange(4.0).reshape(4, 1), -1, axis=1))

for name, p, kth, ax in cases:
    q = np.moveaxis(p, ax, -1)
    for i, k in enumerate(kth):
        np.save('sort_partition_%s_k%d.npy' % (name, i), q[..., k])
    bounds = [0] + kth + [q.shape[-1]]
    for j in range(len(bounds) - 1):
        np.save('sort_partition_%s_p%d.npy' % (name, j),
                np.sort(q[..., bounds[j]:bounds[j + 1]], axis=-1))
# kth given as an array
np.save('sort_partition_kth_array.npy', np.partition(x, np.array([10, 190]))[np.array([10, 190])])
np.save('sort_partition_kth_array_arg.npy', x[np.argpartition(x, np.array([-3]))][-3])
