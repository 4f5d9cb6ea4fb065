"""searchsorted and digitize (issue 5): left and right sides, sorter=,
queries of any shape and dtype (the common dtype decides: a float query
into an int row, a Python float into a float32 row), NaN and inf queries
and rows, duplicates, 0-size rows and queries, 0-d queries; digitize with
increasing, decreasing, constant and empty bins, right=True/False."""
import numpy as np

rng = np.random.default_rng(23)
a = np.sort(rng.integers(0, 30, 40))
af = np.sort(rng.standard_normal(50))
af32 = af.astype(np.float32)
q = rng.integers(-2, 33, (3, 7))
qf = rng.standard_normal((4, 5)) * 1.5
sp = np.array([-np.inf, -1.0, 0.0, 0.0, 2.5, np.inf, np.nan, np.nan])
qs = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 2.5, 3.0, -5.0])

for side in ['left', 'right']:
    np.save('sort_search_int_%s.npy' % side, np.searchsorted(a, q, side=side))
    np.save('sort_search_int_1d_%s.npy' % side, np.searchsorted(a, q[0], side=side))
    np.save('sort_search_float_%s.npy' % side, np.searchsorted(af, qf, side=side))
    np.save('sort_search_f32_%s.npy' % side, np.searchsorted(af32, qf.astype(np.float32), side=side))
    np.save('sort_search_f32_pyfloat_%s.npy' % side, np.searchsorted(np.array([0.1, 0.2, 0.3], dtype=np.float32), 0.1, side=side))
    np.save('sort_search_f32_f64q_%s.npy' % side, np.searchsorted(af32, af, side=side))
    np.save('sort_search_int_floatq_%s.npy' % side, np.searchsorted(a, q + 0.5, side=side))
    np.save('sort_search_float_intq_%s.npy' % side, np.searchsorted(af * 10, q, side=side))
    np.save('sort_search_special_%s.npy' % side, np.searchsorted(sp, qs, side=side))
    np.save('sort_search_scalar_%s.npy' % side, np.searchsorted(a, 7, side=side))
    np.save('sort_search_0d_%s.npy' % side, np.searchsorted(af, np.array(0.25), side=side))
    np.save('sort_search_empty_row_%s.npy' % side, np.searchsorted(np.zeros(0), qf, side=side))
    np.save('sort_search_empty_q_%s.npy' % side, np.searchsorted(a, np.zeros((2, 0), dtype=np.int64), side=side))
    np.save('sort_search_one_%s.npy' % side, np.searchsorted(np.array([3]), q, side=side))
    np.save('sort_search_bool_%s.npy' % side, np.searchsorted(np.array([False, False, True]), np.array([True, False]), side=side))
    # sorter: search an unsorted row through its sorting permutation
    u = rng.integers(0, 10, 25)
    np.save('sort_search_sorter_%s.npy' % side, np.searchsorted(u, q, side=side, sorter=np.argsort(u, kind='stable')))
    uf = rng.standard_normal(30)
    np.save('sort_search_sorter_f_%s.npy' % side, np.searchsorted(uf, qf, side=side, sorter=np.argsort(uf).astype(np.int32)))
    # an ascending run of queries and a long row
    big = np.sort(rng.standard_normal(20000))
    np.save('sort_search_long_%s.npy' % side, np.searchsorted(big, np.linspace(-3, 3, 5001), side=side))
    np.save('sort_search_long_rand_%s.npy' % side, np.searchsorted(big, rng.standard_normal(7000), side=side))
# views and chains in, ops after
np.save('sort_search_view.npy', np.searchsorted(af[::2], qf.T[::-1] * 2))
np.save('sort_search_chain.npy', np.searchsorted(np.cumsum(np.abs(af)), np.abs(qf) * 10) * 2 + 1)
np.save('sort_search_method.npy', a.searchsorted(q, side='right'))

# digitize
x = rng.standard_normal((5, 6)) * 2
xi = rng.integers(-3, 8, 20)
inc = np.array([-2.0, -1.0, -1.0, 0.0, 0.5, 3.0])
dec = inc[::-1].copy()
for r in [False, True]:
    t = 'r' if r else 'l'
    np.save('sort_search_dig_inc_%s.npy' % t, np.digitize(x, inc, right=r))
    np.save('sort_search_dig_dec_%s.npy' % t, np.digitize(x, dec, right=r))
    np.save('sort_search_dig_int_%s.npy' % t, np.digitize(xi, np.array([0, 2, 2, 5]), right=r))
    np.save('sort_search_dig_int_dec_%s.npy' % t, np.digitize(xi, np.array([6, 2, 0, -1]), right=r))
    np.save('sort_search_dig_edges_%s.npy' % t, np.digitize(inc, inc, right=r))
    np.save('sort_search_dig_const_%s.npy' % t, np.digitize(xi, np.array([1, 1, 1]), right=r))
    np.save('sort_search_dig_empty_%s.npy' % t, np.digitize(xi, np.zeros(0), right=r))
    np.save('sort_search_dig_one_%s.npy' % t, np.digitize(xi, np.array([2.0]), right=r))
    np.save('sort_search_dig_special_%s.npy' % t, np.digitize(qs, np.array([-1.0, 0.0, 2.5, np.inf]), right=r))
    np.save('sort_search_dig_nanbin_%s.npy' % t, np.digitize(qs, np.array([np.nan, 3.0, 2.0, 1.0]), right=r))
    np.save('sort_search_dig_0d_%s.npy' % t, np.digitize(np.array(0.7), inc, right=r))
    np.save('sort_search_dig_f32_%s.npy' % t, np.digitize(x.astype(np.float32), inc.astype(np.float32), right=r))
np.save('sort_search_dig_chain.npy', np.digitize(x * 2 - 1, inc) * 3)
np.save('sort_search_dig_0size.npy', np.digitize(np.zeros((0, 3)), inc))
