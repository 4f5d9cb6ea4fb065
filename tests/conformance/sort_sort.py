"""Sorting (issue 5): sort and argsort along every axis and flattened, every
dtype, stable order of ties (kind='stable'), NaN and inf placement (NaN
last), views and elementwise chains as inputs, results used by later ops,
0-size and 1-size axes, 0-d arrays with axis=None, method forms, a long row
(radix path) and many short rows (parallel rows)."""
import numpy as np

rng = np.random.default_rng(5)
f64 = rng.standard_normal((4, 5, 6))
f32 = f64.astype(np.float32)
i64 = rng.integers(-4, 5, (4, 5, 6))
i32 = i64.astype(np.int32)
b = i64 > 0
# NaNs and infinities among duplicates; no negative zeros (NumPy's sort
# does not keep their order against 0.0)
sp = np.array([3.0, np.nan, -np.inf, 1.0, np.inf, 1.0, np.nan, -2.0, 0.0,
               np.inf, -np.inf, 3.0, np.nan, 0.0])
sp32 = sp.astype(np.float32)

for name, a in [('f64', f64), ('f32', f32), ('i64', i64), ('i32', i32), ('b', b)]:
    for ax in [0, 1, 2, -1]:
        np.save('sort_sort_%s_ax%d.npy' % (name, ax), np.sort(a, axis=ax))
        np.save('sort_sort_arg_%s_ax%d.npy' % (name, ax),
                np.argsort(a, axis=ax, kind='stable'))
    np.save('sort_sort_%s_flat.npy' % name, np.sort(a, axis=None))
    np.save('sort_sort_arg_%s_flat.npy' % name, np.argsort(a, axis=None, kind='stable'))

np.save('sort_sort_special.npy', np.sort(sp))
np.save('sort_sort_special32.npy', np.sort(sp32))
np.save('sort_sort_arg_special.npy', np.argsort(sp, kind='stable'))
np.save('sort_sort_arg_special32.npy', np.argsort(sp32, kind='stable'))
np.save('sort_sort_special_2d.npy', np.sort(sp.reshape(2, 7), axis=0))
np.save('sort_sort_arg_special_2d.npy', np.argsort(sp.reshape(7, 2), axis=0, kind='stable'))
# ties: a stable argsort keeps equal keys in index order
ties = rng.integers(0, 3, 200)
np.save('sort_sort_arg_ties.npy', np.argsort(ties, kind='stable'))
np.save('sort_sort_arg_ties_f.npy', np.argsort(ties.astype(np.float32) / 2, kind='stable'))
np.save('sort_sort_arg_ties_2d.npy', np.argsort(ties.reshape(20, 10), axis=0, kind='stable'))
np.save('sort_sort_arg_bool_ties.npy', np.argsort(ties > 0, kind='stable'))
# views and chains in, ops after
np.save('sort_sort_view.npy', np.sort(f64.transpose(2, 0, 1)[:, ::-1, 1:], axis=1))
np.save('sort_sort_arg_view.npy', np.argsort(f32[::2, :, ::-1], axis=2, kind='stable'))
np.save('sort_sort_chain.npy', np.sort(f64 * 2 - 1, axis=0) + 1)
np.save('sort_sort_then_reduce.npy', np.sort(f32, axis=-1)[..., -1] - f32.max(axis=-1))
np.save('sort_sort_arg_then_take.npy', np.take_along_axis(f64, np.argsort(f64, axis=1, kind='stable'), axis=1))
np.save('sort_sort_bcast.npy', np.sort(np.broadcast_to(np.arange(5.0)[::-1], (3, 5)), axis=1))
# method forms
m = f64.copy()
m.sort(axis=0)
np.save('sort_sort_method_inplace.npy', m)
np.save('sort_sort_method_arg.npy', f64.argsort(axis=1, kind='stable'))
# shapes: 0-size, 1-size, 0-d
np.save('sort_sort_0size.npy', np.sort(np.zeros((0, 3)), axis=0))
np.save('sort_sort_0size_ax1.npy', np.sort(np.zeros((2, 0), dtype=np.int32), axis=1))
np.save('sort_sort_arg_0size.npy', np.argsort(np.zeros((3, 0)), axis=0, kind='stable'))
np.save('sort_sort_1size.npy', np.sort(np.arange(3.0).reshape(3, 1), axis=1))
np.save('sort_sort_arg_1size.npy', np.argsort(np.arange(3.0).reshape(1, 3), axis=0, kind='stable'))
np.save('sort_sort_0d_flat.npy', np.sort(np.array(2.5), axis=None))
np.save('sort_sort_arg_0d_flat.npy', np.argsort(np.array(7), axis=None))
# long rows: radix sorts
big = rng.standard_normal(100000)
np.save('sort_sort_long.npy', np.sort(big))
np.save('sort_sort_arg_long.npy', np.argsort(big, kind='stable'))
np.save('sort_sort_long32.npy', np.sort(big.astype(np.float32)))
np.save('sort_sort_arg_long32.npy', np.argsort(big.astype(np.float32), kind='stable'))
bigi = rng.integers(-1000, 1000, 70000)
np.save('sort_sort_long_i64.npy', np.sort(bigi))
np.save('sort_sort_arg_long_i32.npy', np.argsort(bigi.astype(np.int32), kind='stable'))
# many short rows, both layouts
rows = rng.standard_normal((3000, 40))
np.save('sort_sort_rows.npy', np.sort(rows, axis=1))
np.save('sort_sort_arg_rows_ax0.npy', np.argsort(rows, axis=0, kind='stable'))
# stable sorts keep -0.0 and 0.0 (equal) in input order; integer extremes
z = np.array([0.0, -0.0, 1.0, -0.0, 0.0, -1.0, -0.0])
np.save('sort_sort_zeros_stable.npy', np.sort(z, kind='stable'))
np.save('sort_sort_zeros_stable32.npy', np.sort(z.astype(np.float32), kind='stable'))
np.save('sort_sort_arg_zeros.npy', np.argsort(z, kind='stable'))
ext = np.array([0, -9223372036854775807 - 1, 9223372036854775807, -1, 1, 5])
np.save('sort_sort_i64_extremes.npy', np.sort(ext))
np.save('sort_sort_arg_i64_extremes.npy', np.argsort(ext, kind='stable'))
e32 = np.array([0, -2147483648, 2147483647, -1, 1], dtype=np.int32)
np.save('sort_sort_i32_extremes.npy', np.sort(e32))
np.save('sort_sort_arg_i32_extremes.npy', np.argsort(e32, kind='stable'))
