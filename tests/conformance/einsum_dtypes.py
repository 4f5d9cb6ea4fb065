"""einsum's dtypes (issue 4): float32, integers and bools keep their
dtype, mixed operands promote as NumPy's result_type."""
import numpy as np

# tol: einsum_dtypes_* rtol=1e-10 atol=1e-10 anyzero
# tol: einsum_dtypes_f32_* rtol=1e-5 atol=1e-5 anyzero

rng = np.random.default_rng(44)
A = rng.standard_normal((6, 5))
B = rng.standard_normal((5, 7))
a32 = A.astype(np.float32)
b32 = B.astype(np.float32)
i32 = rng.integers(-5, 6, (6, 5)).astype(np.int32)
j32 = rng.integers(-5, 6, (5, 7)).astype(np.int32)
i64 = rng.integers(-50, 50, (6, 5))
j64 = rng.integers(-50, 50, (5, 7))
ba = rng.random((6, 5)) < 0.3
bb = rng.random((5, 7)) < 0.3
v32 = rng.standard_normal(5).astype(np.float32)
S32 = rng.standard_normal((5, 5)).astype(np.float32)

np.save('einsum_dtypes_f32_matmul.npy', np.einsum('ij,jk->ik', a32, b32))
np.save('einsum_dtypes_f32_matmul_opt.npy', np.einsum('ij,jk->ik', a32, b32, optimize=True))
np.save('einsum_dtypes_f32_sum.npy', np.einsum('ij->j', a32))
np.save('einsum_dtypes_f32_trace.npy', np.einsum('ii', S32))
np.save('einsum_dtypes_f32_dot.npy', np.einsum('i,i', v32, v32))
np.save('einsum_dtypes_f32_chain.npy', np.einsum('ij,jk,k->i', a32, b32, rng.standard_normal(7).astype(np.float32), optimize=True))
np.save('einsum_dtypes_i32_matmul.npy', np.einsum('ij,jk->ik', i32, j32))
np.save('einsum_dtypes_i32_matmul_opt.npy', np.einsum('ij,jk->ik', i32, j32, optimize=True))
np.save('einsum_dtypes_i32_sum.npy', np.einsum('ij->i', i32))
np.save('einsum_dtypes_i32_trace.npy', np.einsum('ii', i32[:5]))
np.save('einsum_dtypes_i32_outer.npy', np.einsum('i,j->ij', i32[0], j32[0]))
np.save('einsum_dtypes_i64_matmul.npy', np.einsum('ij,jk->ik', i64, j64))
np.save('einsum_dtypes_i64_chain.npy', np.einsum('ij,jk,kl->il', i64, j64, j64.T, optimize=True))
np.save('einsum_dtypes_i64_diag.npy', np.einsum('ii->i', i64[:5]))
np.save('einsum_dtypes_i64_arange.npy', np.einsum('ij,j->i', np.arange(12).reshape(3, 4), np.arange(4)))
np.save('einsum_dtypes_bool_matmul.npy', np.einsum('ij,jk->ik', ba, bb))
np.save('einsum_dtypes_bool_matmul_opt.npy', np.einsum('ij,jk->ik', ba, bb, optimize=True))
np.save('einsum_dtypes_bool_dot.npy', np.einsum('i,i', ba[0], ba[1]))
np.save('einsum_dtypes_bool_any.npy', np.einsum('ij->i', ba))
np.save('einsum_dtypes_bool_outer.npy', np.einsum('i,j->ij', ba[0], bb[0]))
np.save('einsum_dtypes_mix_i32_f32.npy', np.einsum('ij,jk->ik', i32, b32))
np.save('einsum_dtypes_mix_i32_i64.npy', np.einsum('ij,jk->ik', i32, j64))
np.save('einsum_dtypes_mix_f32_f64.npy', np.einsum('ij,jk->ik', a32, B))
np.save('einsum_dtypes_mix_bool_i32.npy', np.einsum('ij,jk->ik', ba, j32))
np.save('einsum_dtypes_mix_bool_f64.npy', np.einsum('ij,jk->ik', ba, B))
np.save('einsum_dtypes_mix_three.npy', np.einsum('ij,jk,k->i', i32, j64, rng.standard_normal(7), optimize=True))

# Python scalars are weak operands (NumPy 1.24's value-based promotion)
x32 = np.linspace(-1, 1, 7, dtype=np.float32)
i32 = np.arange(7, dtype=np.int32)
np.save('einsum_dtypes_weak_float.npy', np.einsum('i,->i', x32, 2.5))
np.save('einsum_dtypes_weak_int.npy', np.einsum('i,->i', i32, 3))
np.save('einsum_dtypes_int_by_float.npy', np.einsum('i,->i', i32, 0.5))
