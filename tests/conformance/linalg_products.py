"""Products (issue 4): matmul / @ (1-D promotion, stacks, broadcast batch
axes, transposed, strided, flipped and broadcast operands, empty operands,
every dtype and mixed dtypes, integer wrap-around, logical bool products),
dot, vdot, inner, outer, tensordot, kron, trace, and GEMM results feeding
elementwise work."""
import numpy as np

# float sums of a few hundred products: BLAS may order them differently
# from NumPy's own loops when strides force a copy
# tol: linalg_products_* rtol=1e-10 atol=1e-10
# tol: linalg_products_f32_* rtol=1e-5 atol=1e-5

rng = np.random.default_rng(41)
a = rng.standard_normal((6, 5))
b = rng.standard_normal((5, 7))
c = rng.standard_normal((3, 6, 5))
d = rng.standard_normal((3, 5, 4))
v5 = rng.standard_normal(5)
v6 = rng.standard_normal(6)
af = a.astype(np.float32)
bf = b.astype(np.float32)
cf = c.astype(np.float32)
i32 = rng.integers(-20, 20, (6, 5)).astype(np.int32)
j32 = rng.integers(-20, 20, (5, 7)).astype(np.int32)
i64 = i32.astype(np.int64)
j64 = j32.astype(np.int64)
ba = rng.random((6, 5)) > 0.5
bb = rng.random((5, 7)) > 0.7

# ---- matmul: shapes ----
np.save('linalg_products_mm.npy', a @ b)
np.save('linalg_products_mm_fn.npy', np.matmul(a, b))
np.save('linalg_products_mv.npy', a @ v5)
np.save('linalg_products_vm.npy', v6 @ a)
np.save('linalg_products_vv.npy', v5 @ v5)
np.save('linalg_products_stack.npy', c @ d)
np.save('linalg_products_stack_mat.npy', c @ b)
np.save('linalg_products_mat_stack.npy', a @ d)
np.save('linalg_products_stack_vec.npy', c @ v5)
np.save('linalg_products_vec_stack.npy', v5 @ d)
np.save('linalg_products_bcast.npy', rng.standard_normal((2, 1, 4, 3)) @ rng.standard_normal((5, 3, 2)))
np.save('linalg_products_bcast2.npy', rng.standard_normal((1, 3, 4, 3)) @ rng.standard_normal((2, 1, 3, 6)))
np.save('linalg_products_k1.npy', rng.standard_normal((4, 1)) @ rng.standard_normal((1, 3)))
np.save('linalg_products_m1.npy', rng.standard_normal((1, 9)) @ rng.standard_normal((9, 3)))
np.save('linalg_products_n1.npy', rng.standard_normal((4, 9)) @ rng.standard_normal((9, 1)))
np.save('linalg_products_tall.npy', rng.standard_normal((200, 3)) @ rng.standard_normal((3, 2)))

# ---- matmul: layouts BLAS takes as flags, and ones it cannot ----
np.save('linalg_products_aT_b.npy', a.T @ a)
np.save('linalg_products_a_aT.npy', a @ a.T)
np.save('linalg_products_aT_c.npy', b.T @ a.T)
np.save('linalg_products_step.npy', a[::2] @ b[:, ::3])
np.save('linalg_products_step2.npy', a[:, ::2] @ b[::2])
np.save('linalg_products_flip.npy', a[::-1] @ b[:, ::-1])
np.save('linalg_products_flipk.npy', a[:, ::-1] @ b[::-1])
np.save('linalg_products_slice.npy', a[1:5, 1:4] @ b[1:4, 2:6])
np.save('linalg_products_bcast_view.npy', np.broadcast_to(v5, (4, 5)) @ b)
np.save('linalg_products_bcast_col.npy', a @ np.broadcast_to(v5[:, None], (5, 3)))
np.save('linalg_products_stackT.npy', c.transpose(0, 2, 1) @ c)
np.save('linalg_products_stack_swap.npy', np.swapaxes(d, 0, 1) @ rng.standard_normal((5, 4, 2)))
np.save('linalg_products_chain.npy', a @ b @ b.T @ a.T)

# ---- matmul: empty operands ----
np.save('linalg_products_empty_k.npy', np.ones((3, 0)) @ np.ones((0, 4)))
np.save('linalg_products_empty_m.npy', np.ones((0, 3)) @ np.ones((3, 4)))
np.save('linalg_products_empty_batch.npy', np.ones((0, 2, 3)) @ np.ones((3, 4)))
np.save('linalg_products_empty_k_int.npy', np.ones((3, 0), dtype=np.int32) @ np.ones((0, 2), dtype=np.int32))

# ---- matmul: dtypes ----
np.save('linalg_products_f32_mm.npy', af @ bf)
np.save('linalg_products_f32_stack.npy', cf @ bf)
np.save('linalg_products_f32_mv.npy', af @ v5.astype(np.float32))
np.save('linalg_products_f32_vv.npy', v5.astype(np.float32) @ v5.astype(np.float32))
np.save('linalg_products_f32_aTa.npy', af.T @ af)
np.save('linalg_products_f32_step.npy', af[::2, ::-1] @ bf[::-1])
np.save('linalg_products_i32.npy', i32 @ j32)
np.save('linalg_products_i64.npy', i64 @ j64)
np.save('linalg_products_i32_T.npy', i32.T @ i32)
np.save('linalg_products_i32_vec.npy', i32 @ j32[:, 0])
np.save('linalg_products_i32_stack.npy', rng.integers(-5, 5, (3, 4, 5)).astype(np.int32) @ j32)
np.save('linalg_products_bool.npy', ba @ bb)
np.save('linalg_products_bool_all.npy', np.ones((3, 400), dtype=bool) @ np.ones((400, 2), dtype=bool))
np.save('linalg_products_bool_vec.npy', ba @ bb[:, 0])
np.save('linalg_products_mix_i32_f32.npy', i32 @ bf)
np.save('linalg_products_mix_i32_i64.npy', i32 @ j64)
np.save('linalg_products_mix_bool_i32.npy', ba @ j32)
np.save('linalg_products_mix_f32_f64.npy', af @ b)
np.save('linalg_products_mix_bool_f32.npy', ba @ bf)
big = np.full((2, 3), 2000000000, dtype=np.int32)
np.save('linalg_products_i32_wrap.npy', big @ np.full((3, 2), 3, dtype=np.int32))
bigl = np.full((2, 3), 4000000000000000000, dtype=np.int64)
np.save('linalg_products_i64_wrap.npy', bigl @ np.full((3, 2), 5, dtype=np.int64))

# ---- stacks of many small products ----
s1 = rng.standard_normal((64, 4, 4))
s2 = rng.standard_normal((64, 4, 3))
np.save('linalg_products_small_stack.npy', s1 @ s2)
np.save('linalg_products_f32_small_stack.npy', s1.astype(np.float32) @ s2.astype(np.float32))
np.save('linalg_products_small_stackT.npy', s1 @ s1.transpose(0, 2, 1))

# ---- dot ----
np.save('linalg_products_dot_mm.npy', np.dot(a, b))
np.save('linalg_products_dot_vv.npy', np.dot(v5, v5))
np.save('linalg_products_dot_mv.npy', np.dot(a, v5))
np.save('linalg_products_dot_vm.npy', np.dot(v6, a))
np.save('linalg_products_dot_nd_v.npy', np.dot(c, v5))
np.save('linalg_products_dot_v_nd.npy', np.dot(v5, d))
np.save('linalg_products_dot_nd_nd.npy', np.dot(c, d))
np.save('linalg_products_dot_m_nd.npy', np.dot(a, d))
np.save('linalg_products_dot_nd_m.npy', np.dot(c, b))
np.save('linalg_products_dot_scalar.npy', np.dot(a, 2.5))
np.save('linalg_products_dot_scalar2.npy', np.dot(3, i32))
np.save('linalg_products_dot_i32.npy', np.dot(i32, j32))
np.save('linalg_products_dot_bool.npy', np.dot(ba, bb))
np.save('linalg_products_dot_method.npy', a.dot(b))

# ---- vdot, inner, outer ----
np.save('linalg_products_vdot.npy', np.vdot(a, a))
np.save('linalg_products_vdot_2d1d.npy', np.vdot(a[:2], rng.standard_normal(10)))
np.save('linalg_products_vdot_i32.npy', np.vdot(i32, i32))
np.save('linalg_products_inner_vv.npy', np.inner(v5, v5))
np.save('linalg_products_inner_mm.npy', np.inner(a, c[0]))
np.save('linalg_products_inner_nd.npy', np.inner(c, d.transpose(0, 2, 1)))
np.save('linalg_products_inner_mv.npy', np.inner(a, v5))
np.save('linalg_products_inner_scalar.npy', np.inner(a, 2.0))
np.save('linalg_products_inner_bool.npy', np.inner(ba, ba))
np.save('linalg_products_outer.npy', np.outer(v5, v6))
np.save('linalg_products_outer_2d.npy', np.outer(a[:2], b[:, :2]))
np.save('linalg_products_outer_i32.npy', np.outer(i32[0], j32[0]))
np.save('linalg_products_outer_bool.npy', np.outer(ba[0], bb[0]))

# ---- tensordot ----
t1 = rng.standard_normal((3, 4, 5))
t2 = rng.standard_normal((4, 5, 2))
t3 = rng.standard_normal((5, 3, 2))
np.save('linalg_products_td2.npy', np.tensordot(t1, t2))
np.save('linalg_products_td1.npy', np.tensordot(t1, t3, 1))
np.save('linalg_products_td0.npy', np.tensordot(v5, v6, 0))
np.save('linalg_products_td_axes.npy', np.tensordot(t1, t3, axes=([0, 2], [1, 0])))
np.save('linalg_products_td_axes1.npy', np.tensordot(t1, t2, axes=([1], [0])))
np.save('linalg_products_td_neg.npy', np.tensordot(t1, t3, axes=([-1], [0])))
np.save('linalg_products_td_int.npy', np.tensordot(i32, j32, axes=([1], [0])))

# ---- kron ----
np.save('linalg_products_kron.npy', np.kron(a[:2, :3], b[:3, :2]))
np.save('linalg_products_kron_1d.npy', np.kron(v5, v6))
np.save('linalg_products_kron_mixed.npy', np.kron(a[:2, :2], v5))
np.save('linalg_products_kron_3d.npy', np.kron(t1[:2, :2, :2], a[:2, :3]))
np.save('linalg_products_kron_i32.npy', np.kron(i32[:2, :2], j32[:3, :3]))
np.save('linalg_products_kron_bool.npy', np.kron(ba[:2, :3], bb[:2, :2]))
np.save('linalg_products_kron_eye.npy', np.kron(np.eye(3), np.ones((2, 2))))

# ---- trace ----
sq = rng.standard_normal((5, 5))
np.save('linalg_products_trace.npy', np.trace(sq))
np.save('linalg_products_trace_off.npy', np.trace(a, 2))
np.save('linalg_products_trace_neg.npy', np.trace(a, -3))
np.save('linalg_products_trace_far.npy', np.trace(a, 9))
np.save('linalg_products_trace_3d.npy', np.trace(t1))
np.save('linalg_products_trace_axes.npy', np.trace(t1, 1, 2, 0))
np.save('linalg_products_trace_axes2.npy', np.trace(t1, -1, -1, 1))
np.save('linalg_products_trace_i32.npy', np.trace(i32))
np.save('linalg_products_trace_bool.npy', np.trace(ba))
np.save('linalg_products_trace_T.npy', np.trace(a.T @ a))
np.save('linalg_products_trace_method.npy', sq.trace())

# ---- products in larger expressions ----
w = rng.standard_normal((5, 8))
bias = rng.standard_normal(8)
x = rng.standard_normal((10, 5))
np.save('linalg_products_relu.npy', np.maximum(x @ w + bias, 0))
np.save('linalg_products_dist.npy', (x * x).sum(1)[:, None] + (x * x).sum(1)[None, :] - 2 * x @ x.T)
np.save('linalg_products_scaled.npy', (2 * x) @ (w / 3))
np.save('linalg_products_softmax.npy', np.exp(x @ w - (x @ w).max(1, keepdims=True)).sum(1))
np.save('linalg_products_power.npy', np.linalg.matrix_power(sq, 3))
np.save('linalg_products_multi_dot.npy', np.linalg.multi_dot([a, b, b.T]))
