/*
 * test_npy.c -- .npy reading and writing (runtime/npy.c) against NumPy.
 *
 * NumPy (Debian's /usr/bin/python3) writes reference files at test time:
 * every dtype, 0-d, 0-size, 1-D, 8-D, Fortran order, big-endian, versions
 * 1.0/2.0/3.0, each with a raw little-endian C-order dump to compare
 * against.  Files loom writes are checked by np.load and against np.save's
 * bytes.  Malformed files are built here byte by byte.
 */
#include "runtime/npy.h"
#include "support.h"

#include <check.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"

static char g_dir[256];   /* scratch directory for the whole run */
static int g_gen_status;  /* exit status of the NumPy generator */

/* ---- a counting allocator: checks sizes and that everything is freed -- */

typedef struct counting {
    long live_blocks;
    size_t live_bytes;
    int fail_after; /* fail the n-th allocation from now; < 0 never */
} counting;

static void *counting_fn(void *ud, void *ptr, size_t osize, size_t nsize)
{
    counting *c = ud;
    if (nsize == 0) {
        if (ptr) {
            c->live_blocks--;
            c->live_bytes -= osize;
        }
        free(ptr);
        return NULL;
    }
    if (c->fail_after == 0)
        return NULL;
    if (c->fail_after > 0)
        c->fail_after--;
    void *p = realloc(ptr, nsize);
    if (p) {
        c->live_blocks += ptr ? 0 : 1;
        c->live_bytes += nsize - osize;
    }
    return p;
}

/* ---- helpers ---- */

static void path_of(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", g_dir, name);
}


static void spit(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

static int run_python(const char *script, const char *arg)
{
    char sp[512], cmd[1200];
    path_of(sp, sizeof sp, "script.py");
    spit(sp, script, strlen(script));
    snprintf(cmd, sizeof cmd, PYTHON " %s %s", sp, arg);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static loom_dtype dtype_named(const char *s)
{
    static const char *names[] = {"bool", "int32", "int64", "float32",
                                  "float64"};
    for (int i = 0; i < LOOM_NDTYPES; i++)
        if (strcmp(s, names[i]) == 0)
            return (loom_dtype)i;
    return (loom_dtype)-1;
}

/* Loads path with a counting allocator, checks alignment and frees.  On
 * success copies the data to a malloc'd *out (if out) and returns LOOM_OK. */
static loom_status load(const char *path, loom_dtype *t, int *nd,
                        int64_t *shape, void **out, size_t *outn, char *err)
{
    counting c = {0, 0, -1};
    rt_alloc a = {counting_fn, &c};
    void *data = NULL, *block = NULL;
    size_t bs = 0;
    loom_status st = rt_npy_read(path, &a, t, nd, shape, &data, &block, &bs,
                                 err, 512);
    if (st != LOOM_OK) {
        ck_assert_int_eq(c.live_blocks, 0);
        ck_assert_uint_eq(c.live_bytes, 0);
        ck_assert(strlen(err) > 0);
        return st;
    }
    ck_assert_ptr_nonnull(data);
    ck_assert_uint_eq((uintptr_t)data % RT_NPY_ALIGN, 0);
    ck_assert_int_eq(c.live_blocks, 1);
    ck_assert_uint_eq(c.live_bytes, bs);
    size_t n = loom_dtype_size(*t);
    for (int i = 0; i < *nd; i++)
        n *= (size_t)shape[i];
    ck_assert((char *)data + n <= (char *)block + bs);
    ck_assert((char *)data >= (char *)block);
    if (out) {
        *out = malloc(n + 1);
        memcpy(*out, data, n);
        *outn = n;
    }
    rt_free(&a, block, bs);
    ck_assert_int_eq(c.live_blocks, 0);
    ck_assert_uint_eq(c.live_bytes, 0);
    return LOOM_OK;
}

/* ---- NumPy-written files ---- */

static const char *gen_script =
    "import sys, os, numpy as np\n"
    "from numpy.lib import format as fmt\n"
    "d = sys.argv[1]\n"
    "rng = np.random.default_rng(20240601)\n"
    "man = open(os.path.join(d, 'manifest.txt'), 'w')\n"
    "names = {'?': 'bool', 'i4': 'int32', 'i8': 'int64', 'f4': 'float32',\n"
    "         'f8': 'float64'}\n"
    "def values(dt, shape):\n"
    "    n = int(np.prod(shape))\n"
    "    if dt == '?':\n"
    "        return rng.integers(0, 2, n).astype('?').reshape(shape)\n"
    "    if dt[0] == 'i':\n"
    "        ii = np.iinfo(dt)\n"
    "        v = rng.integers(ii.min, ii.max, n, dtype=dt, endpoint=True)\n"
    "        v[:2] = [ii.min, ii.max][:min(n, 2)]\n"
    "        return v.reshape(shape)\n"
    "    v = (rng.standard_normal(n) * 1e3).astype(dt)\n"
    "    sp = np.array([np.nan, np.inf, -np.inf, -0.0, 1e-40], dtype=dt)\n"
    "    v[:min(n, 5)] = sp[:min(n, 5)]\n"
    "    return v.reshape(shape)\n"
    "def emit(name, a, version=None):\n"
    "    with open(os.path.join(d, name + '.npy'), 'wb') as f:\n"
    "        fmt.write_array(f, a, version=version)\n"
    "    ref = np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<'))\n"
    "    with open(os.path.join(d, name + '.raw'), 'wb') as f:\n"
    "        f.write(ref.tobytes())\n"
    "    man.write('%s %s %d %s\\n' % (name, names[a.dtype.char if "
    "a.dtype.char == '?' else a.dtype.kind + str(a.dtype.itemsize)], "
    "a.ndim, ' '.join(map(str, a.shape))))\n"
    "shapes = [(), (0,), (1,), (7,), (3, 4), (2, 0, 3), (5, 0),\n"
    "          (2, 1, 3, 1, 2, 1, 1, 2), (2, 2, 2, 2, 2, 2, 2, 3),\n"
    "          (10007,)]\n"
    "for dt in ['?', 'i4', 'i8', 'f4', 'f8']:\n"
    "    for k, s in enumerate(shapes):\n"
    "        a = values(dt, s)\n"
    "        emit('c_%s_%d' % (names[dt], k), a)\n"
    "        if a.ndim > 1:\n"
    "            emit('f_%s_%d' % (names[dt], k), np.asfortranarray(a))\n"
    "        if dt != '?':\n"
    "            emit('be_%s_%d' % (names[dt], k),\n"
    "                 a.astype(np.dtype(dt).newbyteorder('>')))\n"
    "            if a.ndim > 1:\n"
    "                emit('bef_%s_%d' % (names[dt], k), np.asfortranarray(\n"
    "                     a.astype(np.dtype(dt).newbyteorder('>'))))\n"
    "        for v in [(2, 0), (3, 0)]:\n"
    "            emit('v%d_%s_%d' % (v[0], names[dt], k), a, version=v)\n"
    "            if a.ndim > 1:\n"
    "                emit('v%df_%s_%d' % (v[0], names[dt], k),\n"
    "                     np.asfortranarray(a), version=v)\n"
    "a = rng.standard_normal((37, 53, 11))\n"
    "emit('f_big', np.asfortranarray(a))\n"
    "emit('t_view', a.transpose(2, 0, 1))\n"
    "man.close()\n";

/* Every file NumPy wrote loads with the right dtype, shape and values. */
START_TEST(test_numpy_files)
{
    ck_assert_int_eq(g_gen_status, 0);
    char mp[512];
    path_of(mp, sizeof mp, "manifest.txt");
    FILE *m = fopen(mp, "r");
    ck_assert_ptr_nonnull(m);
    char name[128], dname[32];
    int nd, count = 0, fortran = 0, be = 0, v3 = 0;
    while (fscanf(m, "%127s %31s %d", name, dname, &nd) == 3) {
        int64_t want[LOOM_MAX_DIMS];
        for (int i = 0; i < nd; i++)
            ck_assert_int_eq(fscanf(m, "%lld", (long long *)&want[i]), 1);
        char p[512], rp[512], err[512] = "";
        snprintf(p, sizeof p, "%s/%s.npy", g_dir, name);
        snprintf(rp, sizeof rp, "%s/%s.raw", g_dir, name);
        loom_dtype t;
        int got_nd;
        int64_t shape[LOOM_MAX_DIMS];
        void *data;
        size_t n, rn;
        loom_status st = load(p, &t, &got_nd, shape, &data, &n, err);
        ck_assert_msg(st == LOOM_OK, "%s: %s", name, err);
        ck_assert_int_eq(t, dtype_named(dname));
        ck_assert_int_eq(got_nd, nd);
        for (int i = 0; i < nd; i++)
            ck_assert_int_eq(shape[i], want[i]);
        void *ref = ts_read_file(rp, &rn);
        ck_assert_ptr_nonnull(ref);
        ck_assert_uint_eq(n, rn);
        ck_assert_msg(memcmp(data, ref, n) == 0, "%s: values differ", name);
        free(ref);
        free(data);
        count++;
        fortran += name[0] == 'f' || strncmp(name, "bef", 3) == 0;
        be += strncmp(name, "be", 2) == 0;
        v3 += name[0] == 'v' && name[1] == '3';
    }
    fclose(m);
    ck_assert_int_gt(count, 150);
    ck_assert_int_gt(fortran, 20);
    ck_assert_int_gt(be, 20);
    ck_assert_int_gt(v3, 20);
}
END_TEST

/* Writes a .npy file with a hand-made header text (padded only when pad),
 * then data. */
static void write_handmade(const char *name, int major, int minor,
                           const char *header, bool pad, const void *data,
                           size_t n)
{
    char p[512];
    path_of(p, sizeof p, name);
    size_t hl = strlen(header), lensz = major == 1 ? 2 : 4;
    size_t padn = pad ? (64 - (6 + 2 + lensz + hl + 1) % 64) % 64 : 0;
    size_t total = hl + padn + 1;
    unsigned char *b = malloc(12 + total + n);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = (unsigned char)minor;
    for (size_t i = 0; i < lensz; i++)
        b[8 + i] = (unsigned char)(total >> (8 * i));
    memcpy(b + 8 + lensz, header, hl);
    memset(b + 8 + lensz + hl, ' ', padn);
    b[8 + lensz + hl + padn] = '\n';
    if (n)
        memcpy(b + 8 + lensz + total, data, n);
    spit(p, b, 8 + lensz + total + n);
    free(b);
}

/* Header dicts as other writers might spell them. */
START_TEST(test_header_spellings)
{
    static const double v[6] = {1.5, -2, 3, 4.25, 5, -6};
    static const struct {
        const char *header;
        int major, nd;
        int64_t d0, d1;
    } cases[] = {
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", 1, 1, 6, 0},
        {"{'shape': (6,), 'fortran_order': False, 'descr': '<f8'}", 1, 1, 6, 0},
        {"{ 'fortran_order' :False ,'shape':( 2 , 3 , ) ,'descr':'<f8' , }", 1, 2, 2, 3},
        {"{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2, 3)}", 1, 2, 2, 3},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 2L), }", 1, 2, 3, 2},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (6,)}", 2, 1, 6, 0},
        {"{u'descr': u'<f8', 'fortran_order': False, 'shape': (6,)}", 3, 1, 6, 0},
        {"{'descr':'<f8','fortran_order':False,'shape':(1,6,)}", 1, 2, 1, 6},
        {"\t{'descr': '=f8',\n 'fortran_order': False,\n 'shape': (6,)}  ", 1, 1, 6, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int pad = 0; pad < 2; pad++) {
            char name[64], p[512], err[512] = "";
            snprintf(name, sizeof name, "hand%zu_%d.npy", i, pad);
            write_handmade(name, cases[i].major, 0, cases[i].header, pad, v,
                           sizeof v);
            path_of(p, sizeof p, name);
            loom_dtype t;
            int nd;
            int64_t shape[LOOM_MAX_DIMS];
            void *data;
            size_t n;
            loom_status st = load(p, &t, &nd, shape, &data, &n, err);
            ck_assert_msg(st == LOOM_OK, "case %zu: %s", i, err);
            ck_assert_int_eq(t, LOOM_FLOAT64);
            ck_assert_int_eq(nd, cases[i].nd);
            ck_assert_int_eq(shape[0], cases[i].d0);
            if (nd == 2)
                ck_assert_int_eq(shape[1], cases[i].d1);
            ck_assert_uint_eq(n, sizeof v);
            ck_assert(memcmp(data, v, n) == 0);
            free(data);
        }
    }
}
END_TEST

/* Bool bytes other than 0/1 read as 1; trailing bytes after the data are
 * ignored as np.load ignores them. */
START_TEST(test_bool_normalized_and_trailing)
{
    unsigned char bytes[5] = {0, 1, 2, 255, 0};
    write_handmade("bool.npy", 1, 0, "{'descr': '|b1', 'fortran_order': "
                   "False, 'shape': (4,), }", true, bytes, 5);
    char p[512], err[512] = "";
    path_of(p, sizeof p, "bool.npy");
    loom_dtype t;
    int nd;
    int64_t shape[LOOM_MAX_DIMS];
    void *data;
    size_t n;
    ck_assert_int_eq(load(p, &t, &nd, shape, &data, &n, err), LOOM_OK);
    ck_assert_int_eq(t, LOOM_BOOL);
    ck_assert_uint_eq(n, 4);
    const unsigned char want[4] = {0, 1, 1, 1};
    ck_assert(memcmp(data, want, 4) == 0);
    free(data);
}
END_TEST

/* ---- malformed input ---- */

typedef struct bad_case {
    const char *name;
    int major, minor;
    const char *header; /* NULL: raw bytes below */
    size_t ndata;       /* bytes of data after the header */
    loom_status want;
    const char *msg;    /* a substring of the message */
} bad_case;

static void check_bad(const char *path, loom_status want, const char *msg)
{
    loom_dtype t;
    int nd;
    int64_t shape[LOOM_MAX_DIMS];
    char err[512] = "";
    loom_status st = load(path, &t, &nd, shape, NULL, NULL, err);
    ck_assert_msg(st == want, "%s: status %d, want %d (%s)", path, st, want,
                  err);
    ck_assert_msg(strstr(err, msg) != NULL, "%s: message '%s' lacks '%s'",
                  path, err, msg);
}

START_TEST(test_bad_headers)
{
    static const bad_case cases[] = {
        {"truncdata.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (10,), }", 40, LOOM_ERR_FORMAT,
         "truncated data (expected 80 bytes, found 40)"},
        {"baddict1.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (3,}", 24, LOOM_ERR_FORMAT, "cannot parse"},
        {"baddict2.npy", 1, 0, "['descr', '<f8']", 24, LOOM_ERR_FORMAT,
         "not a dictionary"},
        {"baddict3.npy", 1, 0, "{'descr': '<f8' 'fortran_order': False, "
         "'shape': (3,)}", 24, LOOM_ERR_FORMAT, "cannot parse"},
        {"nokey.npy", 1, 0, "{'descr': '<f8', 'shape': (3,)}", 24,
         LOOM_ERR_FORMAT, "fortran_order"},
        {"extrakey.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (3,), 'x': 1}", 24, LOOM_ERR_FORMAT, "unexpected key 'x'"},
        {"dupkey.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (3,), 'shape': (3,)}", 24, LOOM_ERR_FORMAT, "repeated"},
        {"notbool.npy", 1, 0, "{'descr': '<f8', 'fortran_order': 0, "
         "'shape': (3,)}", 24, LOOM_ERR_FORMAT, "fortran_order"},
        {"notuple.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (3)}", 24, LOOM_ERR_FORMAT, "not a tuple"},
        {"listshape.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': [3]}", 24, LOOM_ERR_FORMAT, "not a tuple"},
        {"floatdim.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (3.0,)}", 24, LOOM_ERR_FORMAT, "cannot parse"},
        {"c16.npy", 1, 0, "{'descr': '<c16', 'fortran_order': False, "
         "'shape': (3,)}", 48, LOOM_ERR_FORMAT,
         "unsupported dtype '<c16' in "},
        {"f2.npy", 1, 0, "{'descr': '<f2', 'fortran_order': False, "
         "'shape': (3,)}", 6, LOOM_ERR_FORMAT, "(loom reads bool, int32, "
         "int64, float32, float64)"},
        {"u8.npy", 1, 0, "{'descr': '<u8', 'fortran_order': False, "
         "'shape': (3,)}", 24, LOOM_ERR_FORMAT, "unsupported dtype '<u8'"},
        {"u1.npy", 1, 0, "{'descr': '|u1', 'fortran_order': False, "
         "'shape': (3,)}", 3, LOOM_ERR_FORMAT, "unsupported dtype '|u1'"},
        {"obj.npy", 1, 0, "{'descr': '|O', 'fortran_order': False, "
         "'shape': (3,)}", 24, LOOM_ERR_FORMAT, "unsupported dtype '|O'"},
        {"struct.npy", 1, 0, "{'descr': [('a', '<i4'), ('b', '<f8')], "
         "'fortran_order': False, 'shape': (3,)}", 36, LOOM_ERR_FORMAT,
         "unsupported dtype [('a', '<i4'), ('b', '<f8')] in"},
        {"ninedims.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1)}", 8, LOOM_ERR_FORMAT,
         "more than 8 dimensions"},
        {"negdim.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (2, -3)}", 48, LOOM_ERR_FORMAT, "negative dimension"},
        {"overflow1.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (4294967296, 4294967296)}", 8, LOOM_ERR_FORMAT,
         "overflows"},
        {"overflow2.npy", 1, 0, "{'descr': '<i4', 'fortran_order': False, "
         "'shape': (1000000000000000000000000,)}", 8, LOOM_ERR_FORMAT,
         "overflows"},
        {"overflow3.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (2305843009213693952,)}", 8, LOOM_ERR_FORMAT,
         "overflows"},
        {"version4.npy", 4, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (3,)}", 24, LOOM_ERR_FORMAT, "version 4.0"},
        {"version11.npy", 1, 1, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (3,)}", 24, LOOM_ERR_FORMAT, "version 1.1"},
        {"trailing.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (3,)} x", 24, LOOM_ERR_FORMAT, "after the dictionary"},
    };
    static const unsigned char zeros[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_handmade(cases[i].name, cases[i].major, cases[i].minor,
                       cases[i].header, true, zeros, cases[i].ndata);
        char p[512];
        path_of(p, sizeof p, cases[i].name);
        check_bad(p, cases[i].want, cases[i].msg);
    }
    /* zero-size arrays never overflow, whatever the other extents */
    write_handmade("zerobig.npy", 1, 0, "{'descr': '<f8', 'fortran_order': "
                   "False, 'shape': (0, 9223372036854775807)}", true, zeros,
                   0);
    char p[512], err[512] = "";
    path_of(p, sizeof p, "zerobig.npy");
    loom_dtype t;
    int nd;
    int64_t shape[LOOM_MAX_DIMS];
    ck_assert_int_eq(load(p, &t, &nd, shape, NULL, NULL, err), LOOM_OK);
    ck_assert_int_eq(shape[1], INT64_MAX);
}
END_TEST

/* Files that are not .npy at all, or cut short before the data. */
START_TEST(test_bad_files)
{
    char p[512];
    path_of(p, sizeof p, "does-not-exist.npy");
    check_bad(p, LOOM_ERR_IO, "cannot open");
    check_bad(g_dir, LOOM_ERR_IO, "directory");

    path_of(p, sizeof p, "empty.npy");
    spit(p, "", 0);
    check_bad(p, LOOM_ERR_FORMAT, "empty file");

    path_of(p, sizeof p, "magic.npy");
    spit(p, "\x93NUMPX\x01\x00\x10\x00{}", 12);
    check_bad(p, LOOM_ERR_FORMAT, "bad magic");
    spit(p, "PK\x03\x04", 4); /* an .npz is a zip */
    check_bad(p, LOOM_ERR_FORMAT, "bad magic");
    spit(p, "\x93NU", 3);
    check_bad(p, LOOM_ERR_FORMAT, "truncated header");
    spit(p, "\x93NUMPY", 6);
    check_bad(p, LOOM_ERR_FORMAT, "truncated header");
    spit(p, "\x93NUMPY\x01\x00\x76", 9);
    check_bad(p, LOOM_ERR_FORMAT, "truncated header");
    spit(p, "\x93NUMPY\x02\x00\x76\x00\x00", 11);
    check_bad(p, LOOM_ERR_FORMAT, "truncated header");
    spit(p, "\x93NUMPY\x01\x00\x76\x00{'descr': '<f8', ", 26);
    check_bad(p, LOOM_ERR_FORMAT, "truncated header");
    spit(p, "\x93NUMPY\x02\x00\xff\xff\xff\x7f{'descr'", 19);
    check_bad(p, LOOM_ERR_FORMAT, "header too large");

    /* a NumPy-written file cut anywhere fails cleanly */
    char src[512];
    path_of(src, sizeof src, "c_float64_4.npy");
    size_t n;
    char *whole = ts_read_file(src, &n);
    ck_assert_ptr_nonnull(whole);
    ck_assert_uint_eq(n, 128 + 12 * 8);
    for (size_t cut = 0; cut < n; cut += 7) {
        spit(p, whole, cut);
        check_bad(p, LOOM_ERR_FORMAT, cut == 0 ? "empty" : cut < 128
                  ? "truncated header" : "truncated data");
    }
    free(whole);
}
END_TEST

/* Failing allocations are reported and leak nothing. */
START_TEST(test_read_oom)
{
    char p[512];
    path_of(p, sizeof p, "f_float64_8.npy");
    for (int k = 0; k < 3; k++) {
        counting c = {0, 0, k};
        rt_alloc a = {counting_fn, &c};
        loom_dtype t;
        int nd;
        int64_t shape[LOOM_MAX_DIMS];
        void *data, *block;
        size_t bs;
        char err[256] = "";
        ck_assert_int_eq(rt_npy_read(p, &a, &t, &nd, shape, &data, &block,
                                     &bs, err, sizeof err),
                         LOOM_ERR_MEMORY);
        ck_assert_int_eq(c.live_blocks, 0);
        ck_assert(strstr(err, "out of memory") != NULL);
    }
    /* a tiny err buffer is cut short and terminated; NULL err is fine */
    counting c = {0, 0, -1};
    rt_alloc a = {counting_fn, &c};
    char small[8];
    loom_dtype t;
    int nd;
    int64_t shape[LOOM_MAX_DIMS];
    void *data, *block;
    size_t bs;
    path_of(p, sizeof p, "nope.npy");
    ck_assert_int_eq(rt_npy_read(p, &a, &t, &nd, shape, &data, &block, &bs,
                                 small, sizeof small), LOOM_ERR_IO);
    ck_assert_uint_eq(strlen(small), 7);
    ck_assert_int_eq(rt_npy_read(p, &a, &t, &nd, shape, &data, &block, &bs,
                                 NULL, 0), LOOM_ERR_IO);
    ck_assert_int_eq(rt_npy_read(p, NULL, &t, &nd, shape, &data, &block, &bs,
                                 NULL, 0), LOOM_ERR_NULL);
}
END_TEST

/* ---- writing ---- */

/* Deterministic values with every float special among them. */
static void fill(loom_dtype t, void *data, size_t n, uint64_t seed)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    static const double sp[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, 1e-310};
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t r = s >> 11;
        double d = i < 6 ? sp[i] : ((double)(int64_t)(r % 2000001) - 1e6) / 7;
        switch (t) {
        case LOOM_BOOL: ((uint8_t *)data)[i] = r & 1; break;
        case LOOM_INT32: ((int32_t *)data)[i] = (int32_t)(uint32_t)s; break;
        case LOOM_INT64: ((int64_t *)data)[i] = (int64_t)s; break;
        case LOOM_FLOAT32: ((float *)data)[i] = (float)d; break;
        default: ((double *)data)[i] = d; break;
        }
    }
}

static bool has_tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool found = false;
    while (d && (e = readdir(d)))
        found |= strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return found;
}

static const char *verify_script =
    "import sys, io, os, numpy as np\n"
    "d = sys.argv[1]\n"
    "bad = 0\n"
    "n = 0\n"
    "for line in open(os.path.join(d, 'wmanifest.txt')):\n"
    "    name, dt, nd, *dims = line.split()\n"
    "    p = os.path.join(d, name + '.npy')\n"
    "    a = np.load(p)\n"
    "    ref = open(os.path.join(d, name + '.raw'), 'rb').read()\n"
    "    ok = (a.dtype == np.dtype(dt) and a.shape == tuple(map(int, dims))\n"
    "          and a.tobytes() == ref)\n"
    "    b = io.BytesIO(); np.save(b, a)\n"
    "    same = b.getvalue() == open(p, 'rb').read()\n"
    "    if not (ok and same):\n"
    "        print('MISMATCH', name, ok, same); bad += 1\n"
    "    n += 1\n"
    "print('checked', n)\n"
    "sys.exit(1 if bad or n < 40 else 0)\n";

/* loom writes every dtype and shape; NumPy reads the same values and
 * np.save of what it read gives the same bytes; loom reads them back. */
START_TEST(test_write_matches_numpy)
{
    static const int64_t shapes[][LOOM_MAX_DIMS + 1] = {
        {0},          {1, 0},         {1, 1},
        {1, 9},       {2, 3, 4},      {3, 2, 0, 5},
        {1, 100003},  {8, 2, 1, 3, 1, 2, 1, 1, 2},
        {2, 12345678901, 0},
        {1, 1234567890},
    };
    static const char *names[] = {"bool", "int32", "int64", "float32",
                                  "float64"};
    char mp[512];
    path_of(mp, sizeof mp, "wmanifest.txt");
    FILE *m = fopen(mp, "w");
    ck_assert_ptr_nonnull(m);
    int written = 0;
    for (int t = 0; t < LOOM_NDTYPES; t++) {
        for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
            int nd = (int)shapes[k][0];
            const int64_t *dims = &shapes[k][1];
            size_t n = 1;
            for (int i = 0; i < nd; i++)
                n *= (size_t)dims[i];
            if (n > 1000000)
                continue; /* too big to bother: only its header differs */
            size_t nb = n * loom_dtype_size((loom_dtype)t);
            void *data = malloc(nb + 1);
            fill((loom_dtype)t, data, n, k * 10 + (size_t)t);
            char name[64], p[512], rp[512], err[256] = "";
            snprintf(name, sizeof name, "w_%s_%zu", names[t], k);
            snprintf(p, sizeof p, "%s/%s.npy", g_dir, name);
            snprintf(rp, sizeof rp, "%s/%s.raw", g_dir, name);
            ck_assert_int_eq(rt_npy_write(p, (loom_dtype)t, nd, dims,
                                          n ? data : NULL, err, sizeof err),
                             LOOM_OK);
            spit(rp, data, nb);
            fprintf(m, "%s %s %d", name, names[t], nd);
            for (int i = 0; i < nd; i++)
                fprintf(m, " %lld", (long long)dims[i]);
            fprintf(m, "\n");
            written++;

            /* and back */
            loom_dtype bt;
            int bnd;
            int64_t bshape[LOOM_MAX_DIMS];
            void *back;
            size_t bn;
            ck_assert_int_eq(load(p, &bt, &bnd, bshape, &back, &bn, err),
                             LOOM_OK);
            ck_assert_int_eq(bt, t);
            ck_assert_int_eq(bnd, nd);
            ck_assert_uint_eq(bn, nb);
            ck_assert(memcmp(back, data, nb) == 0);
            free(back);
            free(data);
        }
    }
    fclose(m);
    ck_assert_int_ge(written, 40);
    ck_assert(!has_tmp_files(g_dir));
    ck_assert_int_eq(run_python(verify_script, g_dir), 0);
}
END_TEST

/* Headers of shapes whose data we do not write: byte-identical to
 * NumPy's header for the same shape. */
START_TEST(test_write_header_only_shapes)
{
    char p[512], err[256] = "";
    path_of(p, sizeof p, "hdr_big0.npy");
    int64_t dims[3] = {0, 12345678901, 3};
    ck_assert_int_eq(rt_npy_write(p, LOOM_FLOAT32, 3, dims, NULL, err,
                                  sizeof err), LOOM_OK);
    int64_t d8[8] = {1, 2, 3, 4, 5, 6, 7, 0};
    path_of(p, sizeof p, "hdr_8d0.npy");
    ck_assert_int_eq(rt_npy_write(p, LOOM_BOOL, 8, d8, NULL, err,
                                  sizeof err), LOOM_OK);
    static const char *script =
        "import sys, io, os, numpy as np\n"
        "d = sys.argv[1]\n"
        "for name, a in [('hdr_big0', np.empty((0, 12345678901, 3), 'f4')),\n"
        "                ('hdr_8d0', np.empty((1,2,3,4,5,6,7,0), '?'))]:\n"
        "    b = io.BytesIO(); np.save(b, a)\n"
        "    got = open(os.path.join(d, name + '.npy'), 'rb').read()\n"
        "    assert got == b.getvalue(), (name, got, b.getvalue())\n"
        "    assert np.load(os.path.join(d, name + '.npy')).shape == a.shape\n";
    ck_assert_int_eq(run_python(script, g_dir), 0);
}
END_TEST

/* Write failures leave nothing under path and no temporary file. */
START_TEST(test_write_failures)
{
    double v[3] = {1, 2, 3};
    int64_t dims[1] = {3};
    char p[512], err[256] = "";

    /* the directory does not exist */
    path_of(p, sizeof p, "no/such/dir/x.npy");
    ck_assert_int_eq(rt_npy_write(p, LOOM_FLOAT64, 1, dims, v, err,
                                  sizeof err), LOOM_ERR_IO);
    ck_assert(strstr(err, "cannot write") != NULL);

    /* a path under a regular file */
    path_of(p, sizeof p, "plain");
    spit(p, "x", 1);
    path_of(p, sizeof p, "plain/x.npy");
    char e2[256] = "";
    ck_assert_int_eq(rt_npy_write(p, LOOM_FLOAT64, 1, dims, v, e2,
                                  sizeof e2), LOOM_ERR_IO);

    /* /proc refuses new files even to root */
    ck_assert_int_eq(rt_npy_write("/proc/loom-test.npy", LOOM_FLOAT64, 1,
                                  dims, v, err, sizeof err), LOOM_ERR_IO);
    ck_assert_int_ne(access("/proc/loom-test.npy", F_OK), 0);

    /* path is a directory: the rename fails and the temporary goes */
    char sub[512];
    path_of(sub, sizeof sub, "adir");
    ck_assert_int_eq(mkdir(sub, 0777), 0);
    memset(err, 0, sizeof err);
    ck_assert_int_eq(rt_npy_write(sub, LOOM_FLOAT64, 1, dims, v, err,
                                  sizeof err), LOOM_ERR_IO);
    ck_assert(strstr(err, "rename") != NULL);
    ck_assert(!has_tmp_files(g_dir));
    rmdir(sub);

    /* bad arguments */
    int64_t neg[1] = {-1};
    path_of(p, sizeof p, "args.npy");
    ck_assert_int_eq(rt_npy_write(p, LOOM_FLOAT64, 1, neg, v, err,
                                  sizeof err), LOOM_ERR_VALUE);
    ck_assert_int_eq(rt_npy_write(p, LOOM_FLOAT64, 9, dims, v, err,
                                  sizeof err), LOOM_ERR_VALUE);
    ck_assert_int_eq(rt_npy_write(p, (loom_dtype)7, 1, dims, v, err,
                                  sizeof err), LOOM_ERR_VALUE);
    int64_t huge[2] = {INT64_MAX, 2};
    ck_assert_int_eq(rt_npy_write(p, LOOM_FLOAT64, 2, huge, v, err,
                                  sizeof err), LOOM_ERR_VALUE);
    ck_assert_int_eq(rt_npy_write(p, LOOM_FLOAT64, 1, dims, NULL, err,
                                  sizeof err), LOOM_ERR_NULL);
    ck_assert_int_eq(rt_npy_write(NULL, LOOM_FLOAT64, 1, dims, v, err,
                                  sizeof err), LOOM_ERR_NULL);
    ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

/* A write that fails midway (file size limit) keeps the old file intact
 * and removes the temporary.  Runs in a child so the limit stays there. */
START_TEST(test_write_midway_failure)
{
    char p[512], err[256] = "";
    path_of(p, sizeof p, "keep.npy");
    double old[2] = {7, 8};
    int64_t d2[1] = {2};
    ck_assert_int_eq(rt_npy_write(p, LOOM_FLOAT64, 1, d2, old, err,
                                  sizeof err), LOOM_OK);
    size_t before_n;
    char *before = ts_read_file(p, &before_n);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {4096, 4096};
        setrlimit(RLIMIT_FSIZE, &rl);
        size_t n = 100000;
        double *big = calloc(n, sizeof(double));
        int64_t d[1] = {(int64_t)n};
        loom_status st = rt_npy_write(p, LOOM_FLOAT64, 1, d, big, err,
                                      sizeof err);
        free(big);
        _exit(st == LOOM_ERR_IO && strstr(err, "File too large") ? 0 : 1);
    }
    int ws;
    waitpid(pid, &ws, 0);
    ck_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    size_t after_n;
    char *after = ts_read_file(p, &after_n);
    ck_assert_uint_eq(after_n, before_n);
    ck_assert(memcmp(before, after, before_n) == 0);
    ck_assert(!has_tmp_files(g_dir));
    free(before);
    free(after);
}
END_TEST

static Suite *npy_suite(void)
{
    Suite *s = suite_create("npy");
    TCase *tc = tcase_create("read");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_numpy_files);
    tcase_add_test(tc, test_header_spellings);
    tcase_add_test(tc, test_bool_normalized_and_trailing);
    tcase_add_test(tc, test_bad_headers);
    tcase_add_test(tc, test_bad_files);
    tcase_add_test(tc, test_read_oom);
    suite_add_tcase(s, tc);
    tc = tcase_create("write");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_write_matches_numpy);
    tcase_add_test(tc, test_write_header_only_shapes);
    tcase_add_test(tc, test_write_failures);
    tcase_add_test(tc, test_write_midway_failure);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/loom-test-npy-XXXXXX");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    char sp[512], cmd[1200];
    path_of(sp, sizeof sp, "gen.py");
    FILE *f = fopen(sp, "w");
    if (!f)
        return 1;
    fputs(gen_script, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, PYTHON " %s %s", sp, g_dir);
    int st = system(cmd);
    g_gen_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;

    SRunner *sr = srunner_create(npy_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
    return failed == 0 ? 0 : 1;
}
