"""lexsort (issue 5): the last key is the primary one; one to twelve keys
(more than one runtime call takes), mixed dtypes, ties resolved by earlier
keys and then by position (stable), NaN keys last, every axis, keys given
as the rows of a 2-D array, 0-size and 1-size axes, 0-d keys."""
import numpy as np

rng = np.random.default_rng(41)
k0 = rng.integers(0, 3, 60)
k1 = rng.integers(0, 2, 60)
k2 = rng.standard_normal(60).round(0)
kb = k0 > 0

np.save('sort_lexsort_one.npy', np.lexsort([k0]))
np.save('sort_lexsort_two.npy', np.lexsort([k0, k1]))
np.save('sort_lexsort_two_rev.npy', np.lexsort([k1, k0]))
np.save('sort_lexsort_three_mixed.npy', np.lexsort([k2, kb, k1.astype(np.int32)]))
np.save('sort_lexsort_tuple.npy', np.lexsort((k2.astype(np.float32), k0)))
np.save('sort_lexsort_2d_keys.npy', np.lexsort(rng.integers(0, 3, (4, 30))))
np.save('sort_lexsort_nan.npy', np.lexsort([np.array([1.0, np.nan, 0.0, np.nan, 1.0]), np.array([1, 1, 1, 0, 0])]))
np.save('sort_lexsort_nan_primary.npy', np.lexsort([np.array([3, 2, 1, 0, 5]), np.array([np.nan, 1.0, np.nan, -np.inf, 1.0])]))
many = rng.integers(0, 2, (12, 50))
np.save('sort_lexsort_many.npy', np.lexsort([many[i] for i in range(12)]))
np.save('sort_lexsort_eight.npy', np.lexsort([many[i] for i in range(8)]))
np.save('sort_lexsort_seven.npy', np.lexsort([many[i] for i in range(7)]))
# axes
a = rng.integers(0, 3, (4, 5, 6))
b = rng.integers(0, 2, (4, 5, 6))
c = rng.standard_normal((4, 5, 6))
for ax in [0, 1, 2, -1]:
    np.save('sort_lexsort_ax%d.npy' % ax, np.lexsort([c, a, b], axis=ax))
np.save('sort_lexsort_view.npy', np.lexsort([c.transpose(2, 0, 1), a.transpose(2, 0, 1)[::-1]], axis=1))
np.save('sort_lexsort_chain.npy', np.take_along_axis(c, np.lexsort([c * 2, a], axis=2), axis=2))
# shapes
np.save('sort_lexsort_0size.npy', np.lexsort([np.zeros((2, 0)), np.zeros((2, 0))]))
np.save('sort_lexsort_0size_ax0.npy', np.lexsort([np.zeros((0, 3))], axis=0))
np.save('sort_lexsort_1size.npy', np.lexsort([np.ones((3, 1)), np.zeros((3, 1))]))
np.save('sort_lexsort_0d.npy', np.lexsort([np.array(2.0), np.array(1)]))
# long keys
l0 = rng.integers(0, 100, 30000)
l1 = rng.integers(0, 10, 30000)
np.save('sort_lexsort_long.npy', np.lexsort([l0, l1]))
