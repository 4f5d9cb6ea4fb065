/*
 * test_errors.c -- bad input: every case gives a poisoned array (or an
 * error status) with a clear, NumPy-worded message; nothing crashes or
 * leaks (the ASan build runs this too); no half-written files.
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static loom_ctx *ctx;
static loom_array *m53, *v5, *v3, *b2, *f2, *i2;

static void setup(void)
{
    ctx = ts_ctx();
    m53 = loom_zeros(ctx, LOOM_SHAPE(5, 3), LOOM_FLOAT64);
    v5 = loom_zeros(ctx, LOOM_SHAPE(5), LOOM_FLOAT64);
    v3 = loom_arange(ctx, 0, 3, 1, LOOM_FLOAT64);
    b2 = loom_zeros(ctx, LOOM_SHAPE(2), LOOM_BOOL);
    f2 = loom_zeros(ctx, LOOM_SHAPE(2), LOOM_FLOAT32);
    i2 = loom_zeros(ctx, LOOM_SHAPE(2), LOOM_INT32);
}

static void teardown(void)
{
    loom_ctx_free(ctx);
}

#define E(expr, st, needle) ts_expect_error((expr), (st), (needle))

START_TEST(shape_errors)
{
    E(loom_add(m53, v5), LOOM_ERR_VALUE,
      "operands could not be broadcast together with shapes (5,3) (5,)");
    E(loom_reshape(m53, LOOM_SHAPE(4, 4)), LOOM_ERR_VALUE,
      "cannot reshape array of size 15 into shape (4,4)");
    E(loom_reshape(m53, LOOM_SHAPE(-1, -1)), LOOM_ERR_VALUE,
      "can only specify one unknown dimension");
    E(loom_reshape(m53, LOOM_SHAPE(-3, -5)), LOOM_ERR_VALUE,
      "negative dimensions not allowed");
    E(loom_broadcast_to(v3, LOOM_SHAPE(4, 2)), LOOM_ERR_VALUE,
      "could not be broadcast");
    E(loom_zeros(ctx, LOOM_SHAPE(3, -1), LOOM_FLOAT32), LOOM_ERR_VALUE,
      "negative dimensions are not allowed");
    E(loom_zeros(ctx, (loom_shape){9, {1, 1, 1, 1, 1, 1, 1, 1}}, LOOM_FLOAT32),
      LOOM_ERR_VALUE, "dimensions");
    E(loom_zeros(ctx, LOOM_SHAPE(INT64_MAX / 2, 4), LOOM_FLOAT64),
      LOOM_ERR_VALUE, "array is too big");
    E(loom_squeeze(m53, 0), LOOM_ERR_VALUE,
      "cannot select an axis to squeeze out which has size not equal to one");
}
END_TEST

START_TEST(axis_errors)
{
    E(loom_transpose(m53, (int[]){0, 2}), LOOM_ERR_AXIS,
      "axis 2 is out of bounds for array of dimension 2");
    E(loom_transpose(m53, (int[]){1, 1}), LOOM_ERR_VALUE,
      "repeated axis in transpose");
    E(loom_expand_dims(m53, 4), LOOM_ERR_AXIS, "out of bounds");
    E(loom_sum(m53, 2, false), LOOM_ERR_AXIS,
      "axis 2 is out of bounds for array of dimension 2");
    E(loom_sum(m53, -3, false), LOOM_ERR_AXIS, "out of bounds");
    E(loom_reduce(LOOM_RED_SUM, m53, LOOM_AXES(0, 0), false,
                  LOOM_DEFAULT_DTYPE, 0),
      LOOM_ERR_VALUE, "duplicate value in 'axis'");
    E(loom_flip(m53, 5), LOOM_ERR_AXIS, "out of bounds");
    E(loom_cumsum(m53, 3), LOOM_ERR_AXIS, "out of bounds");
}
END_TEST

START_TEST(empty_reductions)
{
    loom_array *e = loom_zeros(ctx, LOOM_SHAPE(0, 3), LOOM_FLOAT32);
    E(loom_max(e, LOOM_ALL, false), LOOM_ERR_VALUE,
      "zero-size array to reduction operation maximum which has no identity");
    E(loom_min(e, 0, false), LOOM_ERR_VALUE,
      "zero-size array to reduction operation minimum which has no identity");
    E(loom_argmax(e, 0, false), LOOM_ERR_VALUE,
      "attempt to get argmax of an empty sequence");
    /* but sum and max over the non-empty axis are fine */
    ck_assert_int_eq(loom_eval(loom_sum(e, 0, false)), LOOM_OK);
    ck_assert_int_eq(loom_eval(loom_max(e, 1, false)), LOOM_OK);
    /* ddof beyond the count gives inf (NumPy: a warning and inf) */
    loom_array *v = loom_var(v3, 0, false, 5);
    ck_assert(isinf(loom_item(v, NULL)));
}
END_TEST

START_TEST(index_errors)
{
    E(LOOM_GET(v5, LOOM_I(5)), LOOM_ERR_INDEX,
      "index 5 is out of bounds for axis 0 with size 5");
    E(LOOM_GET(m53, LOOM_I(0), LOOM_I(-4)), LOOM_ERR_INDEX,
      "index -4 is out of bounds for axis 1 with size 3");
    E(LOOM_GET(v5, LOOM_I(0), LOOM_I(0)), LOOM_ERR_INDEX,
      "too many indices for array: array is 1-dimensional, but 2 were indexed");
    E(LOOM_GET(v5, LOOM_SL(0, 5, 0)), LOOM_ERR_VALUE,
      "slice step cannot be zero");
    E(LOOM_GET(m53, LOOM_ELLIPSIS, LOOM_ELLIPSIS), LOOM_ERR_INDEX,
      "an index can only have a single ellipsis");
}
END_TEST

START_TEST(type_errors)
{
    E(loom_sqrt(b2), LOOM_ERR_TYPE, "float16");
    E(loom_subtract(b2, b2), LOOM_ERR_TYPE, "numpy boolean subtract");
    E(loom_negative(b2), LOOM_ERR_TYPE, "numpy boolean negative");
    E(loom_bitwise_and(f2, f2), LOOM_ERR_TYPE,
      "ufunc 'bitwise_and' not supported for the input types");
    E(loom_left_shift(f2, i2), LOOM_ERR_TYPE, "left_shift");
    E(loom_invert(f2), LOOM_ERR_TYPE, "invert");
    E(loom_power(i2, loom_scalar_int(ctx, -1)), LOOM_ERR_VALUE,
      "Integers to negative integer powers are not allowed.");
    E(loom_astype(f2, (loom_dtype)42), LOOM_ERR_TYPE, "invalid dtype");
    E(loom_sign(b2), LOOM_ERR_TYPE, "sign");
}
END_TEST

START_TEST(null_and_argument_errors)
{
    E(loom_add(v5, NULL), LOOM_ERR_NULL, "argument 2 is a NULL array");
    ck_assert_int_eq(loom_status_of(loom_exp(NULL)), LOOM_ERR_NULL);
    ck_assert_int_eq(loom_status_of(loom_zeros(NULL, LOOM_SHAPE(2), LOOM_BOOL)),
                     LOOM_ERR_NULL);
    ck_assert_int_eq(loom_eval(NULL), LOOM_ERR_NULL);
    ck_assert_ptr_null(loom_data(NULL));
    E(loom_arange(ctx, 0, 10, 0, LOOM_DEFAULT_DTYPE), LOOM_ERR_VALUE,
      "division by zero");
    E(loom_linspace(ctx, 0, 1, -2, true, LOOM_DEFAULT_DTYPE), LOOM_ERR_VALUE,
      "must be non-negative");
    E(loom_clip(v5, NULL, NULL), LOOM_ERR_VALUE, "One of max or min must be given");
    E(loom_array_from(ctx, NULL, LOOM_FLOAT32, LOOM_SHAPE(3), LOOM_COPY),
      LOOM_ERR_NULL, "NULL data pointer");
    float d[6] = {0};
    E(loom_array_from_strided(ctx, d, LOOM_FLOAT32, LOOM_SHAPE(3), (int64_t[]){6},
                              LOOM_BORROW),
      LOOM_ERR_VALUE, "not a multiple of the item size");
    loom_ctx *other = ts_ctx();
    loom_array *o = loom_zeros(other, LOOM_SHAPE(5), LOOM_FLOAT64);
    E(loom_add(v5, o), LOOM_ERR_VALUE, "different contexts");
    loom_ctx_free(other);
    /* errors propagate and evaluation reports the first */
    loom_array *bad = loom_add(m53, v5);
    loom_array *both[2] = {loom_exp(v5), loom_sqrt(bad)};
    ck_assert_int_eq(loom_eval_many(ctx, both, 2), LOOM_ERR_VALUE);
    ck_assert_int_eq(loom_status_of(both[0]), LOOM_OK);
}
END_TEST

static char tmpdir[256];

static const char *tpath(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static void write_bytes(const char *name, const void *b, size_t n)
{
    FILE *f = fopen(tpath(name), "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(b, 1, n, f);
    fclose(f);
}

START_TEST(npy_errors)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/loom-test-errors-%d", (int)getpid());
    mkdir(tmpdir, 0700);
    E(loom_load_npy(ctx, tpath("missing.npy")), LOOM_ERR_IO, "missing.npy");
    write_bytes("empty.npy", "", 0);
    E(loom_load_npy(ctx, tpath("empty.npy")), LOOM_ERR_FORMAT, "empty.npy");
    write_bytes("magic.npy", "NOTNUMPY-----------------", 25);
    E(loom_load_npy(ctx, tpath("magic.npy")), LOOM_ERR_FORMAT, "magic.npy");
    /* a valid file, then truncated data */
    loom_array *x = loom_arange(ctx, 0, 100, 1, LOOM_FLOAT64);
    ck_assert_int_eq(loom_save_npy(x, tpath("ok.npy")), LOOM_OK);
    FILE *f = fopen(tpath("ok.npy"), "rb");
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    write_bytes("short.npy", buf, n - 8);
    E(loom_load_npy(ctx, tpath("short.npy")), LOOM_ERR_FORMAT, "truncated");
    /* a header with a dtype loom does not have */
    char hdr[128];
    char dict[] = "{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }";
    size_t hl = 118 - 10;
    memset(hdr, ' ', sizeof hdr);
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    hdr[8] = (char)hl;
    hdr[9] = 0;
    memcpy(hdr + 10, dict, strlen(dict));
    hdr[10 + hl - 1] = '\n';
    write_bytes("c16.npy", hdr, 10 + hl);
    E(loom_load_npy(ctx, tpath("c16.npy")), LOOM_ERR_FORMAT, "c16");
    /* saving where the directory does not exist leaves nothing behind */
    ck_assert_int_eq(loom_save_npy(x, tpath("no/such/dir/x.npy")), LOOM_ERR_IO);
    ck_assert_int_ne(access(tpath("no/such/dir/x.npy"), F_OK), 0);
    /* saving a poisoned array writes nothing */
    ck_assert_int_eq(loom_save_npy(loom_add(m53, v5), tpath("bad.npy")),
                     LOOM_ERR_VALUE);
    ck_assert_int_ne(access(tpath("bad.npy"), F_OK), 0);
    const char *names[] = {"empty.npy", "magic.npy", "ok.npy", "short.npy",
                           "c16.npy"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unlink(tpath(names[i]));
    rmdir(tmpdir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("errors");
    TCase *t = tcase_create("errors");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, shape_errors);
    tcase_add_test(t, axis_errors);
    tcase_add_test(t, empty_reductions);
    tcase_add_test(t, index_errors);
    tcase_add_test(t, type_errors);
    tcase_add_test(t, null_and_argument_errors);
    tcase_add_test(t, npy_errors);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return ts_run(suite());
}
