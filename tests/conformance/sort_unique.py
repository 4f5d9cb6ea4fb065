"""unique (issue 5, NumPy 1.24 semantics): values, return_index (first
occurrence), return_inverse (flat, as 1.24 returns it), return_counts, every
dtype, NaNs (one NaN value when flattened; with an axis a row holding a NaN
equals no row), axis= for rows and columns of 2-D and 3-D arrays, 0-size
and 1-size inputs, 0-d input, results used by later ops."""
import numpy as np

rng = np.random.default_rng(7)
i64 = rng.integers(-3, 4, (5, 6))
i32 = i64.astype(np.int32)
f64 = i64 / 2.0
f32 = f64.astype(np.float32)
b = i64 > 0
nan = np.array([2.0, np.nan, 1.0, np.nan, 2.0, -np.inf, np.inf, 1.0, np.nan])

for name, a in [('i64', i64), ('i32', i32), ('f64', f64), ('f32', f32), ('b', b), ('nan', nan), ('nan32', nan.astype(np.float32))]:
    np.save('sort_unique_%s.npy' % name, np.unique(a))
    u, ix, inv, cnt = np.unique(a, return_index=True, return_inverse=True, return_counts=True)
    np.save('sort_unique_%s_u.npy' % name, u)
    np.save('sort_unique_%s_index.npy' % name, ix)
    np.save('sort_unique_%s_inverse.npy' % name, inv)
    np.save('sort_unique_%s_counts.npy' % name, cnt)
    np.save('sort_unique_%s_rebuilt.npy' % name, u[inv])

u, inv = np.unique(i64, return_inverse=True)
np.save('sort_unique_inverse_only.npy', inv)
u, cnt = np.unique(f32, return_counts=True)
np.save('sort_unique_counts_only.npy', cnt)
u, ix = np.unique(nan, return_index=True)
np.save('sort_unique_index_only.npy', ix)

# axis: rows, columns, 3-D
rows = rng.integers(0, 2, (12, 3))
for ax in [0, 1, -1]:
    u, ix, inv, cnt = np.unique(rows, axis=ax, return_index=True, return_inverse=True, return_counts=True)
    np.save('sort_unique_rows_ax%d_u.npy' % ax, u)
    np.save('sort_unique_rows_ax%d_index.npy' % ax, ix)
    np.save('sort_unique_rows_ax%d_inverse.npy' % ax, inv)
    np.save('sort_unique_rows_ax%d_counts.npy' % ax, cnt)
t3 = rng.integers(0, 2, (3, 4, 2))
for ax in [0, 1, 2]:
    u, ix, inv, cnt = np.unique(t3, axis=ax, return_index=True, return_inverse=True, return_counts=True)
    np.save('sort_unique_3d_ax%d_u.npy' % ax, u)
    np.save('sort_unique_3d_ax%d_index.npy' % ax, ix)
    np.save('sort_unique_3d_ax%d_inverse.npy' % ax, inv)
    np.save('sort_unique_3d_ax%d_counts.npy' % ax, cnt)
frows = np.array([[1.0, np.nan], [1.0, np.nan], [0.0, 2.0], [np.nan, 1.0], [1.0, -np.inf], [0.0, 2.0]])
u, ix, inv, cnt = np.unique(frows, axis=0, return_index=True, return_inverse=True, return_counts=True)
np.save('sort_unique_frows_u.npy', u)
np.save('sort_unique_frows_index.npy', ix)
np.save('sort_unique_frows_inverse.npy', inv)
np.save('sort_unique_frows_counts.npy', cnt)
np.save('sort_unique_nan_axis0.npy', np.unique(nan, axis=0))
np.save('sort_unique_bool_rows.npy', np.unique(rows > 0, axis=0))
np.save('sort_unique_f32_cols.npy', np.unique(f32, axis=1))

# shapes
np.save('sort_unique_empty.npy', np.unique(np.zeros(0)))
u, ix, inv, cnt = np.unique(np.zeros(0, dtype=np.int32), return_index=True, return_inverse=True, return_counts=True)
np.save('sort_unique_empty_u.npy', u)
np.save('sort_unique_empty_index.npy', ix)
np.save('sort_unique_empty_inverse.npy', inv)
np.save('sort_unique_empty_counts.npy', cnt)
u, inv = np.unique(np.zeros((0, 3)), axis=0, return_inverse=True)
np.save('sort_unique_empty_rows_u.npy', u)
np.save('sort_unique_empty_rows_inverse.npy', inv)
u, cnt = np.unique(np.zeros((3, 0)), axis=0, return_counts=True)
np.save('sort_unique_nocols_u.npy', u)
np.save('sort_unique_nocols_counts.npy', cnt)
np.save('sort_unique_nocols_ax1.npy', np.unique(np.zeros((3, 0)), axis=1))
np.save('sort_unique_one.npy', np.unique(np.array([4.5])))
np.save('sort_unique_1size_rows.npy', np.unique(np.array([[3, 1, 2]]), axis=0))
np.save('sort_unique_1size_cols.npy', np.unique(np.array([[3], [1], [3]]), axis=1))
np.save('sort_unique_0d.npy', np.unique(np.array(5)))
# views and chains in, ops after
np.save('sort_unique_view.npy', np.unique(i64.T[::-1, 1:]))
np.save('sort_unique_chain.npy', np.unique(i64 * 2 % 5) + 1)
u, cnt = np.unique(rng.integers(0, 50, 10000), return_counts=True)
np.save('sort_unique_long_u.npy', u)
np.save('sort_unique_long_counts.npy', cnt)
np.save('sort_unique_long_f.npy', np.unique(rng.standard_normal(5000).round(2) + 0.0))
