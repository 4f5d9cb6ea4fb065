/* einsum_chain.c -- 'ij,jk,kl->il' in its best order, A @ (B @ C): two
 * dgemms with a small (j x l) intermediate. */
#include "hand.h"

#include <cblas.h>

void hand_einsum_chain(const double *a, const double *b, const double *c,
                       double *out, int64_t i, int64_t j, int64_t k,
                       int64_t l, double *work)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)j, (int)l,
                (int)k, 1.0, b, (int)k, c, (int)l, 0.0, work, (int)l);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)i, (int)l,
                (int)j, 1.0, a, (int)j, work, (int)l, 0.0, out, (int)l);
}
