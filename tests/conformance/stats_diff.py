"""diff and gradient (issue 5): diff of order 0, 1, 2 and beyond the
length, along each axis, bools (not_equal), int32 wrap-around, prepend /
append; gradient with unit and given spacing, along each axis and all axes
(a list of arrays), integers (float64), float32, 2-element axes, lazy
inputs."""
import numpy as np

rng = np.random.default_rng(27)
f = rng.standard_normal((4, 5, 3))
f32 = f.astype(np.float32)
i = (np.arange(20).reshape(4, 5) ** 2).astype(np.int32)
b = np.array([True, True, False, True, False, False])
big = np.array([2147483647, -2147483648, 5], dtype=np.int32)

np.save('stats_diff_1d.npy', np.diff(np.arange(10) ** 2))
np.save('stats_diff_n0.npy', np.diff(i, 0))
np.save('stats_diff_n2.npy', np.diff(i, 2))
np.save('stats_diff_ax0.npy', np.diff(f, axis=0))
np.save('stats_diff_ax1_n2.npy', np.diff(f, 2, axis=1))
np.save('stats_diff_past_len.npy', np.diff(i, 7, axis=1))
np.save('stats_diff_f32.npy', np.diff(f32, axis=-1))
np.save('stats_diff_bool.npy', np.diff(b))
np.save('stats_diff_bool_n2.npy', np.diff(b, 2))
np.save('stats_diff_i32_wrap.npy', np.diff(big))
np.save('stats_diff_prepend.npy', np.diff(i, prepend=0))
np.save('stats_diff_append.npy', np.diff(i, axis=0, append=i[:1]))
np.save('stats_diff_empty.npy', np.diff(np.zeros((3, 0)), axis=1))
np.save('stats_diff_one.npy', np.diff(np.ones((3, 1)), axis=1))
np.save('stats_diff_expr.npy', np.diff(f * f, axis=2).sum(axis=0))
np.save('stats_gradient_1d.npy', np.gradient(np.arange(8.0) ** 2))
np.save('stats_gradient_1d_h.npy', np.gradient(np.arange(8.0) ** 3, 0.5))
np.save('stats_gradient_int.npy', np.gradient(np.arange(6) ** 2))
np.save('stats_gradient_f32.npy', np.gradient(f32[:, 0, 0], 2.0))
np.save('stats_gradient_two.npy', np.gradient(np.array([1.0, 4.0])))
for k, g in enumerate(np.gradient(f)):
    np.save('stats_gradient_all_%d.npy' % k, g)
for k, g in enumerate(np.gradient(i, 3.0)):
    np.save('stats_gradient_int_all_%d.npy' % k, g)
np.save('stats_gradient_ax1.npy', np.gradient(f, axis=1))
np.save('stats_gradient_axm1.npy', np.gradient(f32, 0.25, axis=-1))
for k, g in enumerate(np.gradient(f, axis=(0, 2))):
    np.save('stats_gradient_axes_%d.npy' % k, g)
np.save('stats_gradient_expr.npy', np.gradient(np.sin(f), axis=0) * 2)
