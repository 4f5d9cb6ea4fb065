"""bincount and histogram (issue 5).  bincount: int32/int64/bool input,
weights of any dtype (float64 result), minlength below and above the
data's length, empty input.  histogram: equal bins with and without range
(data range, degenerate data, values outside range and NaNs dropped with a
range), explicit edges (unequal, repeated, int edges), weights (result in
their dtype), density, float32 data (float32 edges), int and bool data,
0-size input; the last bin closed."""
import numpy as np

rng = np.random.default_rng(13)
x = rng.integers(0, 9, 40)
w = rng.standard_normal(40)

np.save('sort_count_bc.npy', np.bincount(x))
np.save('sort_count_bc_i32.npy', np.bincount(x.astype(np.int32)))
np.save('sort_count_bc_bool.npy', np.bincount(x > 4))
np.save('sort_count_bc_w.npy', np.bincount(x, weights=w))
np.save('sort_count_bc_w32.npy', np.bincount(x, weights=w.astype(np.float32)))
np.save('sort_count_bc_wint.npy', np.bincount(x, weights=x))
np.save('sort_count_bc_min_small.npy', np.bincount(x, minlength=3))
np.save('sort_count_bc_min_big.npy', np.bincount(x, minlength=20))
np.save('sort_count_bc_w_min.npy', np.bincount(x, weights=w, minlength=15))
np.save('sort_count_bc_empty.npy', np.bincount(np.zeros(0, dtype=np.int64)))
np.save('sort_count_bc_empty_min.npy', np.bincount(np.zeros(0, dtype=np.int32), minlength=4))
np.save('sort_count_bc_one.npy', np.bincount(np.array([5])))
np.save('sort_count_bc_chain.npy', np.bincount(x * 2 + 1, weights=w * w) / 2)
np.save('sort_count_bc_view.npy', np.bincount(x[::-3]))
np.save('sort_count_bc_long.npy', np.bincount(rng.integers(0, 1000, 100000)))

d = rng.standard_normal(1000)
d32 = d.astype(np.float32)
di = rng.integers(-5, 20, 300)
wd = rng.uniform(0, 2, 1000)
dn = np.concatenate([d[:50], np.array([np.nan, 5.0, -5.0, np.inf])])
cases = [
    ('default', np.histogram(d)),
    ('bins7', np.histogram(d, bins=7)),
    ('range', np.histogram(d, bins=5, range=(-1, 2))),
    ('range_f32', np.histogram(d32, bins=6, range=(-1.5, 1.1))),
    ('f32', np.histogram(d32, bins=9)),
    ('int', np.histogram(di, bins=6)),
    ('int_range', np.histogram(di, bins=5, range=(0, 10))),
    ('bool', np.histogram(di > 3, bins=3)),
    ('const', np.histogram(np.full(10, 2.5), bins=4)),
    ('const_int', np.histogram(np.full(10, 7), bins=3)),
    ('nan_range', np.histogram(dn, bins=4, range=(-2, 2))),
    ('w', np.histogram(d, bins=8, weights=wd)),
    ('w32', np.histogram(d, bins=8, weights=wd.astype(np.float32))),
    ('wint', np.histogram(d, bins=8, weights=di[:1] + np.zeros(1000, dtype=np.int64))),
    ('wi32', np.histogram(di, bins=4, weights=di.astype(np.int32))),
    ('density', np.histogram(d, bins=10, density=True)),
    ('density_w', np.histogram(d, bins=10, weights=wd, density=True)),
    ('density_w32', np.histogram(d32, bins=10, weights=wd.astype(np.float32), density=True)),
    ('density_range', np.histogram(d, bins=3, range=(0, 1), density=True)),
    ('edges', np.histogram(d, bins=np.array([-3.0, -1.0, 0.0, 0.1, 2.0]))),
    ('edges_rep', np.histogram(d, bins=np.array([-1.0, 0.0, 0.0, 1.0]))),
    ('edges_int', np.histogram(di, bins=np.array([0, 3, 5, 19]))),
    ('edges_int_fdata', np.histogram(d * 5, bins=np.array([-4, 0, 3]))),
    ('edges_f32', np.histogram(d, bins=np.array([-1.0, 0.0, 1.5], dtype=np.float32))),
    ('edges_w', np.histogram(d, bins=np.array([-3.0, -0.5, 0.5, 3.0]), weights=wd)),
    ('edges_w32', np.histogram(d32, bins=np.array([-3.0, -0.5, 0.5, 3.0]), weights=wd.astype(np.float32))),
    ('edges_wint', np.histogram(di, bins=np.array([0, 3, 5, 19]), weights=di)),
    ('edges_density', np.histogram(d, bins=np.array([-3.0, -0.5, 0.5, 3.0]), density=True)),
    ('edges_density_int', np.histogram(di, bins=np.array([0, 3, 5, 19]), density=True)),
    ('edges_nan', np.histogram(dn, bins=np.array([-5.0, 0.0, 5.0]))),
    ('edges_one', np.histogram(d, bins=np.array([0.5]))),
    ('empty', np.histogram(np.zeros(0), bins=3)),
    ('empty_range', np.histogram(np.zeros(0), bins=2, range=(1, 4))),
    ('empty_edges', np.histogram(np.zeros(0), bins=np.array([0.0, 1.0]))),
    ('one', np.histogram(np.array([3.0]))),
    ('2d', np.histogram(d.reshape(25, 40), bins=4)),
    ('2d_w', np.histogram(d.reshape(25, 40), bins=4, weights=wd.reshape(25, 40))),
    ('chain', np.histogram(d * 2 + 1, bins=5)),
    ('view', np.histogram(d[::-2], bins=5)),
    ('long', np.histogram(rng.standard_normal(150000), bins=50)),
    ('long_w', np.histogram(rng.standard_normal(150000), bins=50, weights=rng.uniform(0, 1, 150000))),
    ('long_edges_w', np.histogram(rng.standard_normal(150000), bins=np.array([-2.0, -1.0, 0.0, 0.5, 3.0]), weights=rng.uniform(0, 1, 150000))),
]
for name, r in cases:
    np.save('sort_count_hist_%s.npy' % name, r[0])
    np.save('sort_count_hist_%s_edges.npy' % name, r[1])
h, e = np.histogram(d, bins=6)
np.save('sort_count_hist_then.npy', h * 2 + e[1:].astype(np.int64))
