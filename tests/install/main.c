/* Uses the installed header and library: softmax of one row. */
#include <loom.h>
#include <math.h>
#include <stdio.h>

int main(void)
{
    loom_ctx *ctx = loom_ctx_new(NULL);
    float z[4] = {1, 2, 3, 4};
    loom_array *x = loom_array_from(ctx, z, LOOM_FLOAT32, LOOM_SHAPE(1, 4), LOOM_COPY);
    loom_array *e = loom_exp(loom_subtract(x, loom_max(x, 1, true)));
    loom_array *p = loom_divide(e, loom_sum(e, 1, true));
    const float *o = loom_data(p);
    double s = 0;
    for (int i = 0; o && i < 4; i++)
        s += o[i];
    printf("%s %.6f\n", o ? "ok" : loom_error(p), s);
    loom_ctx_free(ctx);
    return o && fabs(s - 1) < 1e-6 ? 0 : 1;
}
