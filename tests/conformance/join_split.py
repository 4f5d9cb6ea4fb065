"""Splitting (issue 5): split into equal sections and at indices (negative,
out-of-range, decreasing, repeated), array_split into near-equal sections
(more sections than elements), every axis form, 0-size and 1-size axes,
views of lazy inputs feeding elementwise work."""
import numpy as np

a = np.arange(24).reshape(4, 6)
f = np.random.default_rng(5).standard_normal((3, 4, 5)).astype(np.float32)
b = np.arange(10) % 3 == 0
z = np.zeros((0, 4))

for i, p in enumerate(np.split(a, 2)):
    np.save('join_split_eq_ax0_%d.npy' % i, p)
for i, p in enumerate(np.split(a, 3, axis=1)):
    np.save('join_split_eq_ax1_%d.npy' % i, p)
for i, p in enumerate(np.split(a, 6, axis=-1)):
    np.save('join_split_eq_axm1_%d.npy' % i, p)
for i, p in enumerate(np.split(f, 5, axis=2)):
    np.save('join_split_eq_3d_%d.npy' % i, p * 2)
for i, p in enumerate(np.split(a, [1, 3])):
    np.save('join_split_at_%d.npy' % i, p)
for i, p in enumerate(np.split(a, [2, -1, 100], axis=1)):
    np.save('join_split_at_neg_oob_%d.npy' % i, p)
for i, p in enumerate(np.split(a, [4, 2, 2], axis=1)):
    np.save('join_split_at_decreasing_%d.npy' % i, p)
for i, p in enumerate(np.split(a, [])):
    np.save('join_split_at_none_%d.npy' % i, p)
for i, p in enumerate(np.split(b, [0, 10])):
    np.save('join_split_at_bool_%d.npy' % i, p)
for i, p in enumerate(np.array_split(np.arange(10), 3)):
    np.save('join_array_split_3_%d.npy' % i, p)
for i, p in enumerate(np.array_split(np.arange(3.0), 5)):
    np.save('join_array_split_more_%d.npy' % i, p)
for i, p in enumerate(np.array_split(f, 3, axis=1)):
    np.save('join_array_split_ax1_%d.npy' % i, p)
for i, p in enumerate(np.array_split(a * 1.5, 4, axis=1)):
    np.save('join_array_split_lazy_%d.npy' % i, p + 1)
for i, p in enumerate(np.split(z, 2, axis=1)):
    np.save('join_split_empty_rows_%d.npy' % i, p)
for i, p in enumerate(np.split(z, 3)):
    np.save('join_split_empty_axis_%d.npy' % i, p)
for i, p in enumerate(np.array_split(np.ones((1, 1)), 2)):
    np.save('join_array_split_one_%d.npy' % i, p)
# float32 part sums, added up in float64 by Python's sum: the parts carry
# float32 rounding (an ulp apart between summation orders), so the total
# is compared as float32
np.save('join_split_sum_parts.npy', np.float32(sum([p.sum() for p in np.split(f, 2, axis=1)])))
