"""einsum over three or more operands (issue 4): chains, bilinear forms,
networks, outer products; left to right and with optimize."""
import numpy as np

# tol: einsum_multi_* rtol=1e-9 atol=1e-9 anyzero

rng = np.random.default_rng(43)
x = rng.standard_normal(7)
y = rng.standard_normal(9)
M = rng.standard_normal((7, 9))
A = rng.standard_normal((64, 32))
B = rng.standard_normal((32, 48))
C = rng.standard_normal((48, 16))
D = rng.standard_normal((16, 5))
E = rng.standard_normal((5, 11))
a = rng.standard_normal(3)
b = rng.standard_normal(4)
c = rng.standard_normal(5)

np.save('einsum_multi_bilinear.npy', np.einsum('i,ij,j->', x, M, y))
np.save('einsum_multi_bilinear_opt.npy', np.einsum('i,ij,j->', x, M, y, optimize=True))
np.save('einsum_multi_bilinear_implicit.npy', np.einsum('i,ij,j', x, M, y))
np.save('einsum_multi_chain3.npy', np.einsum('ij,jk,kl->il', A, B, C))
np.save('einsum_multi_chain3_opt.npy', np.einsum('ij,jk,kl->il', A, B, C, optimize=True))
np.save('einsum_multi_chain3_greedy.npy', np.einsum('ij,jk,kl->il', A, B, C, optimize='greedy'))
np.save('einsum_multi_chain3_t.npy', np.einsum('ij,jk,kl->li', A, B, C, optimize=True))
np.save('einsum_multi_chain4.npy', np.einsum('ab,bc,cd,de->ae', A, B, C, D))
np.save('einsum_multi_chain4_opt.npy', np.einsum('ab,bc,cd,de->ae', A, B, C, D, optimize=True))
np.save('einsum_multi_chain5_opt.npy', np.einsum('ab,bc,cd,de,ef->af', A, B, C, D, E, optimize=True))
np.save('einsum_multi_chain5.npy', np.einsum('ab,bc,cd,de,ef->af', A, B, C, D, E))
np.save('einsum_multi_chain5_implicit.npy', np.einsum('ab,bc,cd,de,ef', A, B, C, D, E, optimize=True))
np.save('einsum_multi_outer3.npy', np.einsum('i,j,k->ijk', a, b, c))
np.save('einsum_multi_outer3_opt.npy', np.einsum('i,j,k->kji', a, b, c, optimize=True))
np.save('einsum_multi_hadamard3.npy', np.einsum('i,i,i->i', c, c * 2.0, c + 1.0))
np.save('einsum_multi_dot3.npy', np.einsum('i,i,i->', c, c * 2.0, c + 1.0))
np.save('einsum_multi_sum_indep.npy', np.einsum('i,j,k->', a, b, c))

TE = rng.standard_normal((2, 4))
TF = rng.standard_normal((3, 6))
G = rng.standard_normal((4, 6, 3, 5))
TG = rng.standard_normal((2, 3))
TH = rng.standard_normal((4, 5))
np.save('einsum_multi_network.npy', np.einsum('ea,fb,abcd,gc,hd->efgh', TE, TF, G, TG, TH))
np.save('einsum_multi_network_opt.npy', np.einsum('ea,fb,abcd,gc,hd->efgh', TE, TF, G, TG, TH, optimize=True))
np.save('einsum_multi_network_t.npy', np.einsum('ea,fb,abcd,gc,hd->hgfe', TE.T.T, TF, G.transpose(0, 1, 2, 3), TG, TH, optimize=True))

Q = rng.standard_normal((2, 3, 5, 4))
K = rng.standard_normal((2, 3, 6, 4))
V = rng.standard_normal((2, 3, 6, 4))
np.save('einsum_multi_attention.npy', np.einsum('bhid,bhjd,bhje->bhie', Q, K, V, optimize=True))
np.save('einsum_multi_attention_left.npy', np.einsum('bhid,bhjd,bhje->bhie', Q, K, V))

P = rng.standard_normal((4, 4))
np.save('einsum_multi_power.npy', np.einsum('ij,jk,kl,lm,mn,no->io', P, P, P, P, P, P, optimize=True))
np.save('einsum_multi_power_left.npy', np.einsum('ij,jk,kl,lm,mn,no->io', P, P, P, P, P, P))
np.save('einsum_multi_trace_chain.npy', np.einsum('ij,jk,ki->', P, P.T, P, optimize=True))
np.save('einsum_multi_trace_chain_left.npy', np.einsum('ij,jk,ki', P, P.T, P))
np.save('einsum_multi_ring.npy', np.einsum('ab,bc,cd,da->', P, P * 0.5, P.T, P + 1.0, optimize=True))
np.save('einsum_multi_batch_bilinear.npy', np.einsum('bi,ij,bj->b', rng.standard_normal((6, 7)), M, rng.standard_normal((6, 9)), optimize=True))
np.save('einsum_multi_mixed_sum.npy', np.einsum('ij,jk,k->', M.T, M, y, optimize=True))
np.save('einsum_multi_many_vec.npy', np.einsum('i,i,i,i,i,i,i,i,i,i,i,i->i', c, c, c, c, c, c, c, c, c, c, c, c, optimize=True))
np.save('einsum_multi_many_vec_left.npy', np.einsum('i,i,i,i,i,i,i,i,i,i,i,i->', c, c, c, c, c, c, c, c, c, c, c, c))
np.save('einsum_multi_scalar_ops.npy', np.einsum(',i,,j->ij', np.array(2.0), a, np.array(-1.5), b, optimize=True))

# no pairwise order fits NumPy's memory cap: groups, then one final step
N1 = rng.standard_normal((6, 7))
N2 = rng.standard_normal((7, 8))
N3 = rng.standard_normal((8, 9))
N4 = rng.standard_normal((9, 6))
np.save('einsum_multi_capped_network.npy', np.einsum('ab,bc,cd,da,ae,bf,cg,dh->efgh', N1, N2, N3, N4, rng.standard_normal((6, 5)), rng.standard_normal((7, 4)), rng.standard_normal((8, 3)), rng.standard_normal((9, 2)), optimize=True))

# more operands than the exhaustive search takes: greedy
L1 = rng.standard_normal((3, 4)) * 0.5
L2 = rng.standard_normal((4, 5)) * 0.5
L3 = rng.standard_normal((5, 2)) * 0.5
L4 = rng.standard_normal((2, 6)) * 0.5
np.save('einsum_multi_long_chain.npy', np.einsum('ab,bc,cd,de,ef,fg,gh,hi,ij,jk,kl,lm->am', L1, L2, L3, L4, L4.T, L3.T, L2.T, L1.T, L1, L2, L3, L4, optimize=True))
np.save('einsum_multi_long_chain_left.npy', np.einsum('ab,bc,cd,de,ef,fg,gh,hi,ij,jk,kl,lm->am', L1, L2, L3, L4, L4.T, L3.T, L2.T, L1.T, L1, L2, L3, L4))

# the path einsum_path reports (unique orders only: ties may break apart)
path = np.einsum_path('ij,jk,k->i', L1, L2, L2[0], optimize='greedy')[0]
np.save('einsum_multi_path.npy', np.array([list(step) for step in path[1:]]))
