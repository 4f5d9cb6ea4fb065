"""diag, diagonal, triu and tril (issue 5): diagonals of square and
rectangular matrices at positive, negative and out-of-range offsets,
diagonal over any axis pair of 3-d arrays, diag building a matrix from a
vector (offsets, empty), triangles with offsets, of stacks, of a 1-d row;
all on lazy inputs."""
import numpy as np

a = np.arange(12).reshape(3, 4)
f = np.random.default_rng(13).standard_normal((2, 3, 4))
b = np.arange(9).reshape(3, 3) % 2 == 0
v = np.array([1.5, -2.0, 3.25])

np.save('join_diag_sq.npy', np.diag(np.arange(9).reshape(3, 3)))
np.save('join_diag_rect.npy', np.diag(a))
np.save('join_diag_pos.npy', np.diag(a, 1))
np.save('join_diag_neg.npy', np.diag(a, -2))
np.save('join_diag_oob.npy', np.diag(a, 4))
np.save('join_diag_oob_neg.npy', np.diag(a, -3))
np.save('join_diag_bool.npy', np.diag(b))
np.save('join_diag_build.npy', np.diag(v))
np.save('join_diag_build_pos.npy', np.diag(v, 2))
np.save('join_diag_build_neg.npy', np.diag(np.arange(3), -1))
np.save('join_diag_build_empty.npy', np.diag(np.zeros(0), 2))
np.save('join_diag_build_bool.npy', np.diag(np.array([True, False])))
np.save('join_diag_expr.npy', np.diag(a * 2 + 1, 1) - 1)
np.save('join_diagonal_3d.npy', np.diagonal(f))
np.save('join_diagonal_3d_12.npy', np.diagonal(f, 0, 1, 2))
np.save('join_diagonal_3d_20.npy', np.diagonal(f, 1, 2, 0))
np.save('join_diagonal_3d_neg.npy', np.diagonal(f, -1, -1, 1))
np.save('join_diagonal_method.npy', a.diagonal(1))
np.save('join_diagonal_empty.npy', np.diagonal(np.zeros((0, 3))))
np.save('join_diagonal_sum.npy', np.diagonal(f * f, 0, 1, 2).sum(axis=-1))
np.save('join_triu.npy', np.triu(a))
np.save('join_triu_k.npy', np.triu(a, 1))
np.save('join_triu_kneg.npy', np.triu(a, -1))
np.save('join_tril.npy', np.tril(a))
np.save('join_tril_k.npy', np.tril(a, 2))
np.save('join_tril_kneg.npy', np.tril(a, -2))
np.save('join_triu_3d.npy', np.triu(f))
np.save('join_tril_3d_k.npy', np.tril(f, 1))
np.save('join_triu_1d.npy', np.triu(np.arange(4)))
np.save('join_tril_1d.npy', np.tril(v, -1))
np.save('join_triu_bool.npy', np.triu(b))
np.save('join_tril_f32.npy', np.tril(f.astype(np.float32) * 2))
np.save('join_triu_big_k.npy', np.triu(a, 10))
np.save('join_tril_big_k.npy', np.tril(a, -10))
np.save('join_tril_sum.npy', np.tril(f).sum(axis=(1, 2)))
