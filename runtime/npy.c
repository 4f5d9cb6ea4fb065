/*
 * npy.c -- .npy reading and writing.
 *
 * The format (NumPy's NEP 1): the magic "\x93NUMPY", a major and a minor
 * version byte, the header length (uint16 LE for 1.0, uint32 LE for 2.0 and
 * 3.0), then a Python dict literal with the keys 'descr', 'fortran_order'
 * and 'shape', padded with spaces and ended by '\n' so that the data starts
 * at a multiple of 64 bytes.  3.0 differs from 2.0 only in that the header
 * is UTF-8; the parser below only needs ASCII tokens, so non-ASCII bytes
 * can only occur inside strings (dtype names loom rejects anyway).
 */
#include "runtime/npy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* Headers beyond this are refused before anything is allocated for them
 * (NumPy refuses 10000 characters unless told to trust the file). */
#define NPY_MAX_HEADER (1u << 20)
/* NumPy leaves room for the first extent to grow to this many digits. */
#define NPY_GROWTH_DIGITS 21

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NPY_HOST_BIG 1
#else
#define NPY_HOST_BIG 0
#endif

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Reads up to n bytes, retrying short reads and EINTR.  Returns the number
 * read (less than n only at end of file) or -1 on a read error. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        size_t chunk = n - got > (1u << 30) ? (1u << 30) : n - got;
        ssize_t r = read(fd, (char *)buf + got, chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Writes all n bytes, retrying short writes and EINTR; 0 or -1 (errno). */
static int write_full(int fd, const void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t chunk = n - done > (1u << 30) ? (1u << 30) : n - done;
        ssize_t w = write(fd, (const char *)buf + done, chunk);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * The header dictionary
 * ------------------------------------------------------------------------ */

/* What the header says.  elsize == 0 until a supported descr is seen. */
typedef struct npy_header {
    loom_dtype dtype;
    size_t elsize;
    bool swap; /* file byte order differs from the host's */
    bool fortran;
    int ndim;
    int64_t shape[LOOM_MAX_DIMS];
} npy_header;

/* A cursor over the header text; err/errlen/path for messages. */
typedef struct hparser {
    const char *s, *end;
    bool allow_long; /* versions 1.0/2.0: Python 2 wrote 3L for ints */
    const char *path;
    char *err;
    size_t errlen;
} hparser;

static void skip_ws(hparser *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' ||
                             *p->s == '\r' || *p->s == '\f' || *p->s == '\v'))
        p->s++;
}

static bool accept(hparser *p, char c)
{
    skip_ws(p);
    if (p->s < p->end && *p->s == c) {
        p->s++;
        return true;
    }
    return false;
}

static loom_status bad_header(hparser *p, const char *what)
{
    set_err(p->err, p->errlen, "%s: cannot parse .npy header (%s)", p->path,
            what);
    return LOOM_ERR_FORMAT;
}

/* Parses a Python string literal ('...' or "...", optional u/b prefix).
 * On success [*b, *e) is its raw content, escapes left as they are. */
static bool parse_string(hparser *p, const char **b, const char **e)
{
    skip_ws(p);
    if (p->s < p->end && (*p->s == 'u' || *p->s == 'b' || *p->s == 'U' ||
                          *p->s == 'B') &&
        p->end - p->s > 1 && (p->s[1] == '\'' || p->s[1] == '"'))
        p->s++;
    if (p->s >= p->end || (*p->s != '\'' && *p->s != '"'))
        return false;
    char q = *p->s++;
    *b = p->s;
    while (p->s < p->end && *p->s != q) {
        if (*p->s == '\\' && p->end - p->s > 1)
            p->s++;
        if (*p->s == '\n')
            return false;
        p->s++;
    }
    if (p->s >= p->end)
        return false;
    *e = p->s++;
    return true;
}

/* Skips one Python literal of any kind (used to quote an unsupported
 * descr such as a structured dtype's list in the error message).  Returns
 * false if the brackets or quotes do not balance. */
static bool skip_value(hparser *p)
{
    int depth = 0;
    skip_ws(p);
    while (p->s < p->end) {
        char c = *p->s;
        if (c == '\'' || c == '"') {
            const char *b, *e;
            if (!parse_string(p, &b, &e))
                return false;
            continue;
        }
        if (depth == 0 && (c == ',' || c == '}'))
            return true;
        if (c == '(' || c == '[' || c == '{')
            depth++;
        else if ((c == ')' || c == ']' || c == '}') && --depth < 0)
            return false;
        p->s++;
    }
    return false;
}

/* Maps a descr string to a loom dtype; false if loom does not read it. */
static bool descr_dtype(const char *b, const char *e, npy_header *h)
{
    size_t n = (size_t)(e - b);
    if (n != 3)
        return false;
    char order = b[0];
    static const struct {
        char kind, size;
        loom_dtype t;
    } known[] = {{'b', '1', LOOM_BOOL},    {'i', '4', LOOM_INT32},
                 {'i', '8', LOOM_INT64},   {'f', '4', LOOM_FLOAT32},
                 {'f', '8', LOOM_FLOAT64}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (b[1] != known[i].kind || b[2] != known[i].size)
            continue;
        bool one = known[i].size == '1';
        bool big;
        if (order == '<' || (order == '|' && one))
            big = false;
        else if (order == '>')
            big = true;
        else if (order == '=' || order == '|')
            big = NPY_HOST_BIG; /* native ("|" for multi-byte: NumPy too) */
        else
            return false;
        h->dtype = known[i].t;
        h->elsize = (size_t)(known[i].size - '0');
        h->swap = !one && big != NPY_HOST_BIG;
        return true;
    }
    return false;
}

static loom_status parse_descr(hparser *p, npy_header *h)
{
    skip_ws(p);
    const char *start = p->s, *b, *e;
    bool is_str = parse_string(p, &b, &e);
    if (is_str && descr_dtype(b, e, h))
        return LOOM_OK;
    if (!is_str) {
        p->s = start;
        if (!skip_value(p))
            return bad_header(p, "bad 'descr' value");
        b = start;
        e = p->s;
        while (e > b && (e[-1] == ' ' || e[-1] == '\n'))
            e--;
    }
    int len = (int)(e - b) > 60 ? 60 : (int)(e - b);
    set_err(p->err, p->errlen,
            "unsupported dtype %s%.*s%s%s in %s (loom reads bool, int32, "
            "int64, float32, float64)",
            is_str ? "'" : "", len, b, (int)(e - b) > len ? "..." : "",
            is_str ? "'" : "", p->path);
    return LOOM_ERR_FORMAT;
}

static loom_status parse_bool(hparser *p, bool *v)
{
    skip_ws(p);
    size_t left = (size_t)(p->end - p->s);
    if (left >= 4 && memcmp(p->s, "True", 4) == 0) {
        p->s += 4;
        *v = true;
    } else if (left >= 5 && memcmp(p->s, "False", 5) == 0) {
        p->s += 5;
        *v = false;
    } else {
        return bad_header(p, "'fortran_order' is not True or False");
    }
    return LOOM_OK;
}

/* One extent: a decimal literal, optionally negative, optionally ending in
 * 'L' (Python 2).  Negative and too-large values are errors. */
static loom_status parse_extent(hparser *p, int64_t *v)
{
    skip_ws(p);
    bool neg = false;
    if (p->s < p->end && (*p->s == '-' || *p->s == '+')) {
        neg = *p->s == '-';
        p->s++;
        skip_ws(p);
    }
    if (p->s >= p->end || *p->s < '0' || *p->s > '9')
        return bad_header(p, "'shape' is not a tuple of integers");
    uint64_t x = 0;
    bool big = false;
    while (p->s < p->end && *p->s >= '0' && *p->s <= '9') {
        unsigned d = (unsigned)(*p->s++ - '0');
        if (x > ((uint64_t)INT64_MAX - d) / 10)
            big = true;
        else
            x = x * 10 + d;
    }
    if (p->allow_long && p->s < p->end && (*p->s == 'L' || *p->s == 'l'))
        p->s++;
    if (neg && (x != 0 || big)) {
        set_err(p->err, p->errlen, "%s: negative dimension in shape",
                p->path);
        return LOOM_ERR_FORMAT;
    }
    if (big) {
        set_err(p->err, p->errlen, "%s: shape overflows (extent too large)",
                p->path);
        return LOOM_ERR_FORMAT;
    }
    *v = (int64_t)x;
    return LOOM_OK;
}

/* A tuple of extents: (), (3,), (3, 4), (3, 4,).  (3) is an int in Python,
 * not a tuple, and NumPy refuses it, so loom does too. */
static loom_status parse_shape(hparser *p, npy_header *h)
{
    if (!accept(p, '('))
        return bad_header(p, "'shape' is not a tuple");
    h->ndim = 0;
    if (accept(p, ')'))
        return LOOM_OK;
    for (;;) {
        int64_t v;
        loom_status st = parse_extent(p, &v);
        if (st != LOOM_OK)
            return st;
        if (h->ndim == LOOM_MAX_DIMS) {
            set_err(p->err, p->errlen,
                    "%s: more than %d dimensions (loom's limit)", p->path,
                    LOOM_MAX_DIMS);
            return LOOM_ERR_FORMAT;
        }
        h->shape[h->ndim++] = v;
        bool comma = accept(p, ',');
        if (accept(p, ')')) {
            if (h->ndim == 1 && !comma)
                return bad_header(p, "'shape' is not a tuple");
            return LOOM_OK;
        }
        if (!comma)
            return bad_header(p, "'shape' is not a tuple of integers");
    }
}

/* Parses the whole dict into h.  Each of the three keys exactly once, in
 * any order; no other keys (NumPy refuses them too). */
static loom_status parse_header(hparser *p, npy_header *h)
{
    enum { K_DESCR = 1, K_FORTRAN = 2, K_SHAPE = 4 };
    unsigned seen = 0;
    if (!accept(p, '{'))
        return bad_header(p, "not a dictionary");
    for (;;) {
        if (accept(p, '}'))
            break;
        const char *kb, *ke;
        if (!parse_string(p, &kb, &ke))
            return bad_header(p, "expected a string key");
        if (!accept(p, ':'))
            return bad_header(p, "expected ':'");
        size_t kn = (size_t)(ke - kb);
        unsigned key = kn == 5 && !memcmp(kb, "descr", 5)           ? K_DESCR
                       : kn == 13 && !memcmp(kb, "fortran_order", 13) ? K_FORTRAN
                       : kn == 5 && !memcmp(kb, "shape", 5)         ? K_SHAPE
                                                                    : 0;
        if (key == 0) {
            set_err(p->err, p->errlen, "%s: unexpected key '%.*s' in .npy "
                    "header", p->path, kn > 40 ? 40 : (int)kn, kb);
            return LOOM_ERR_FORMAT;
        }
        if (seen & key)
            return bad_header(p, "repeated key");
        seen |= key;
        loom_status st = key == K_DESCR     ? parse_descr(p, h)
                         : key == K_FORTRAN ? parse_bool(p, &h->fortran)
                                            : parse_shape(p, h);
        if (st != LOOM_OK)
            return st;
        if (accept(p, ','))
            continue;
        if (accept(p, '}'))
            break;
        return bad_header(p, "expected ',' or '}'");
    }
    skip_ws(p);
    if (p->s != p->end)
        return bad_header(p, "text after the dictionary");
    if (seen != (K_DESCR | K_FORTRAN | K_SHAPE))
        return bad_header(p, !(seen & K_DESCR)     ? "no 'descr'"
                             : !(seen & K_FORTRAN) ? "no 'fortran_order'"
                                                   : "no 'shape'");
    return LOOM_OK;
}

/* ------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------ */

/* Element count and byte size of h's shape; false if either exceeds
 * int64/size_t.  Any zero extent makes the size 0, whatever the others. */
static bool shape_bytes(const npy_header *h, size_t *nbytes)
{
    uint64_t n = 1;
    bool overflow = false;
    for (int i = 0; i < h->ndim; i++) {
        if (h->shape[i] == 0) {
            *nbytes = 0;
            return true;
        }
        if (n > (uint64_t)INT64_MAX / (uint64_t)h->shape[i])
            overflow = true;
        else
            n *= (uint64_t)h->shape[i];
    }
    if (overflow || n > (uint64_t)INT64_MAX / h->elsize ||
        n * h->elsize > SIZE_MAX - 2 * RT_NPY_ALIGN)
        return false;
    *nbytes = (size_t)(n * h->elsize);
    return true;
}

static void byteswap(void *data, size_t nbytes, size_t elsize)
{
    if (elsize == 4) {
        uint32_t *p = data;
        for (size_t i = 0; i < nbytes / 4; i++)
            p[i] = __builtin_bswap32(p[i]);
    } else if (elsize == 8) {
        uint64_t *p = data;
        for (size_t i = 0; i < nbytes / 8; i++)
            p[i] = __builtin_bswap64(p[i]);
    }
}

/* Copies Fortran-ordered src (first index fastest) into C-ordered dst.
 * Walks dst sequentially with an odometer over the C index, keeping the
 * source offset in step. */
static void fortran_to_c(void *dst, const void *src, const npy_header *h)
{
    int nd = h->ndim;
    int64_t fstride[LOOM_MAX_DIMS], idx[LOOM_MAX_DIMS] = {0};
    int64_t total = 1;
    for (int k = 0; k < nd; k++) {
        fstride[k] = total;
        total *= h->shape[k];
    }
    if (total == 0)
        return;
    int64_t last = h->shape[nd - 1], ls = fstride[nd - 1], off = 0;
    char *d = dst;
    const char *s = src;
    size_t es = h->elsize;
    for (int64_t done = 0; done < total; done += last) {
        if (es == 1)
            for (int64_t j = 0; j < last; j++)
                d[j] = s[off + j * ls];
        else if (es == 4)
            for (int64_t j = 0; j < last; j++)
                memcpy(d + 4 * j, s + 4 * (off + j * ls), 4);
        else
            for (int64_t j = 0; j < last; j++)
                memcpy(d + 8 * j, s + 8 * (off + j * ls), 8);
        d += (size_t)last * es;
        for (int k = nd - 2; k >= 0; k--) {
            off += fstride[k];
            if (++idx[k] < h->shape[k])
                break;
            off -= fstride[k] * h->shape[k];
            idx[k] = 0;
        }
    }
}

/* Reads the magic, version and header of the open file fd into h.  On
 * return *pos is the offset of the data. */
static loom_status read_header(int fd, const char *path, const rt_alloc *a,
                               const struct stat *stt, npy_header *h,
                               size_t *pos, char *err, size_t errlen)
{
    unsigned char pre[12];
    ssize_t r = read_full(fd, pre, 8);
    if (r < 0) {
        set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return LOOM_ERR_IO;
    }
    if (r == 0) {
        set_err(err, errlen, "%s: empty file (not a .npy file)", path);
        return LOOM_ERR_FORMAT;
    }
    size_t cmp = (size_t)r < NPY_MAGIC_LEN ? (size_t)r : NPY_MAGIC_LEN;
    if (memcmp(pre, NPY_MAGIC, cmp) != 0) {
        set_err(err, errlen, "%s: not a .npy file (bad magic)", path);
        return LOOM_ERR_FORMAT;
    }
    if (r < 8) {
        set_err(err, errlen, "%s: truncated header", path);
        return LOOM_ERR_FORMAT;
    }
    int major = pre[6], minor = pre[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0) {
        set_err(err, errlen, "%s: unsupported .npy format version %d.%d "
                "(loom reads 1.0, 2.0, 3.0)", path, major, minor);
        return LOOM_ERR_FORMAT;
    }
    size_t lensz = major == 1 ? 2 : 4;
    r = read_full(fd, pre + 8, lensz);
    if (r < 0) {
        set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return LOOM_ERR_IO;
    }
    if ((size_t)r < lensz) {
        set_err(err, errlen, "%s: truncated header", path);
        return LOOM_ERR_FORMAT;
    }
    size_t hlen = pre[8] | (size_t)pre[9] << 8;
    if (lensz == 4)
        hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    *pos = 8 + lensz + hlen;
    if (hlen > NPY_MAX_HEADER ||
        (S_ISREG(stt->st_mode) && (uint64_t)stt->st_size < *pos)) {
        set_err(err, errlen, hlen > NPY_MAX_HEADER
                ? "%s: header too large (%zu bytes)"
                : "%s: truncated header (%zu bytes announced)", path, hlen);
        return LOOM_ERR_FORMAT;
    }
    char *text = rt_malloc(a, hlen + 1);
    if (!text) {
        set_err(err, errlen, "%s: out of memory reading the header", path);
        return LOOM_ERR_MEMORY;
    }
    loom_status st = LOOM_OK;
    r = read_full(fd, text, hlen);
    if (r < 0) {
        set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
        st = LOOM_ERR_IO;
    } else if ((size_t)r < hlen) {
        set_err(err, errlen, "%s: truncated header", path);
        st = LOOM_ERR_FORMAT;
    } else {
        hparser p = {text, text + hlen, major < 3, path, err, errlen};
        memset(h, 0, sizeof *h);
        st = parse_header(&p, h);
    }
    rt_free(a, text, hlen + 1);
    return st;
}

/* Reads nbytes of data at the current offset of fd into a fresh aligned
 * block, converting to C order and native byte order. */
static loom_status read_data(int fd, const char *path, const rt_alloc *a,
                             const npy_header *h, size_t nbytes,
                             void **data, void **block, size_t *block_size,
                             char *err, size_t errlen)
{
    size_t bsize = nbytes + RT_NPY_ALIGN;
    char *b = rt_malloc(a, bsize);
    void *tmp = NULL;
    if (!b)
        goto oom;
    char *d = (char *)(((uintptr_t)b + RT_NPY_ALIGN - 1) &
                       ~(uintptr_t)(RT_NPY_ALIGN - 1));
    bool transpose = h->fortran && h->ndim > 1 && nbytes > 0;
    if (transpose && !(tmp = rt_malloc(a, nbytes)))
        goto oom;
    ssize_t r = read_full(fd, transpose ? tmp : d, nbytes);
    if (r < 0 || (size_t)r < nbytes) {
        if (r < 0)
            set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
        else
            set_err(err, errlen, "%s: truncated data (expected %zu bytes, "
                    "found %zd)", path, nbytes, r);
        if (tmp)
            rt_free(a, tmp, nbytes);
        rt_free(a, b, bsize);
        return r < 0 ? LOOM_ERR_IO : LOOM_ERR_FORMAT;
    }
    if (transpose) {
        fortran_to_c(d, tmp, h);
        rt_free(a, tmp, nbytes);
    }
    if (h->swap)
        byteswap(d, nbytes, h->elsize);
    if (h->dtype == LOOM_BOOL)
        for (size_t i = 0; i < nbytes; i++)
            d[i] = d[i] != 0;
    *data = d;
    *block = b;
    *block_size = bsize;
    return LOOM_OK;
oom:
    if (b)
        rt_free(a, b, bsize);
    set_err(err, errlen, "%s: out of memory (%zu bytes of data)", path,
            nbytes);
    return LOOM_ERR_MEMORY;
}

loom_status rt_npy_read(const char *path, const rt_alloc *a,
                        loom_dtype *dtype, int *ndim, int64_t *shape,
                        void **data, void **block, size_t *block_size,
                        char *err, size_t errlen)
{
    if (!path || !a || !dtype || !ndim || !shape || !data || !block ||
        !block_size) {
        set_err(err, errlen, "rt_npy_read: NULL argument");
        return LOOM_ERR_NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return LOOM_ERR_IO;
    }
    struct stat stt;
    bool statok = fstat(fd, &stt) == 0;
    if (!statok || S_ISDIR(stt.st_mode)) {
        set_err(err, errlen, "cannot read %s: %s", path,
                statok ? strerror(EISDIR) : strerror(errno));
        close(fd);
        return LOOM_ERR_IO;
    }
    npy_header h;
    size_t pos, nbytes;
    loom_status st = read_header(fd, path, a, &stt, &h, &pos, err, errlen);
    if (st == LOOM_OK && !shape_bytes(&h, &nbytes)) {
        set_err(err, errlen, "%s: shape overflows (too many elements)", path);
        st = LOOM_ERR_FORMAT;
    }
    if (st == LOOM_OK && S_ISREG(stt.st_mode) &&
        (uint64_t)stt.st_size - pos < nbytes) {
        set_err(err, errlen, "%s: truncated data (expected %zu bytes, found "
                "%llu)", path, nbytes,
                (unsigned long long)((uint64_t)stt.st_size - pos));
        st = LOOM_ERR_FORMAT;
    }
    if (st == LOOM_OK)
        st = read_data(fd, path, a, &h, nbytes, data, block, block_size, err,
                       errlen);
    close(fd);
    if (st != LOOM_OK)
        return st;
    *dtype = h.dtype;
    *ndim = h.ndim;
    memcpy(shape, h.shape, sizeof(int64_t) * (size_t)h.ndim);
    return LOOM_OK;
}

/* ------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------ */

/* Builds the complete header (magic through the final '\n') for a C-ordered
 * array exactly as NumPy 1.24's np.save does: keys sorted, repr() values,
 * ", " after each item, 21 - len(repr(shape[0])) spaces of growth room
 * (none for 0-d), then spaces and '\n' up to a multiple of 64 -- a full 64
 * when already aligned, as NumPy's arithmetic gives.  Returns the length;
 * buf needs NPY_HEADER_MAX bytes. */
#define NPY_HEADER_MAX 512
static size_t build_header(char *buf, loom_dtype t, int ndim,
                           const int64_t *shape)
{
    static const char *const descr[] = {"|b1", "<i4", "<i8", "<f4", "<f8"};
    char dict[NPY_HEADER_MAX];
    size_t n = 0;
    char d[4];
    memcpy(d, descr[t], 4);
    if (NPY_HOST_BIG && d[0] == '<')
        d[0] = '>';
    n += (size_t)snprintf(dict + n, sizeof dict - n, "{'descr': '%s', "
                          "'fortran_order': False, 'shape': (", d);
    for (int i = 0; i < ndim; i++)
        n += (size_t)snprintf(dict + n, sizeof dict - n, i ? ", %lld" : "%lld",
                              (long long)shape[i]);
    n += (size_t)snprintf(dict + n, sizeof dict - n, ndim == 1 ? ",), }"
                          : "), }");
    if (ndim > 0) {
        int digits = snprintf(NULL, 0, "%lld", (long long)shape[0]);
        for (int i = digits; i < NPY_GROWTH_DIGITS; i++)
            dict[n++] = ' ';
    }
    size_t hlen = n + 1; /* with the final '\n' */
    size_t lensz = 2, pad = 64 - (10 + hlen) % 64;
    if (hlen + pad > 65535) { /* too long for 1.0's uint16: 2.0 */
        lensz = 4;
        pad = 64 - (12 + hlen) % 64;
    }
    size_t total_h = hlen + pad;
    memcpy(buf, NPY_MAGIC, NPY_MAGIC_LEN);
    buf[6] = lensz == 2 ? 1 : 2;
    buf[7] = 0;
    for (size_t i = 0; i < lensz; i++)
        buf[8 + i] = (char)(total_h >> (8 * i));
    size_t o = 8 + lensz;
    memcpy(buf + o, dict, n);
    memset(buf + o + n, ' ', pad);
    buf[o + n + pad] = '\n';
    return o + total_h;
}

loom_status rt_npy_write(const char *path, loom_dtype dtype, int ndim,
                         const int64_t *shape, const void *cdata, char *err,
                         size_t errlen)
{
    if (!path || (ndim > 0 && !shape)) {
        set_err(err, errlen, "rt_npy_write: NULL argument");
        return LOOM_ERR_NULL;
    }
    if ((int)dtype < 0 || dtype >= LOOM_NDTYPES || ndim < 0 ||
        ndim > LOOM_MAX_DIMS) {
        set_err(err, errlen, "cannot write %s: bad dtype or ndim", path);
        return LOOM_ERR_VALUE;
    }
    npy_header h = {.dtype = dtype, .elsize = loom_dtype_size(dtype),
                    .ndim = ndim};
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) {
            set_err(err, errlen, "cannot write %s: negative dimension", path);
            return LOOM_ERR_VALUE;
        }
        h.shape[i] = shape[i];
    }
    size_t nbytes;
    if (!shape_bytes(&h, &nbytes)) {
        set_err(err, errlen, "cannot write %s: size overflows", path);
        return LOOM_ERR_VALUE;
    }
    if (nbytes > 0 && !cdata) {
        set_err(err, errlen, "rt_npy_write: NULL data");
        return LOOM_ERR_NULL;
    }
    char head[NPY_HEADER_MAX];
    size_t hn = build_header(head, dtype, ndim, shape);

    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (!tmp) {
        set_err(err, errlen, "cannot write %s: out of memory", path);
        return LOOM_ERR_MEMORY;
    }
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        set_err(err, errlen, "cannot write %s: %s", path, strerror(errno));
        free(tmp);
        return LOOM_ERR_IO;
    }
    const char *what = "write";
    bool ok = write_full(fd, head, hn) == 0 &&
              (nbytes == 0 || write_full(fd, cdata, nbytes) == 0);
    if (ok && !(ok = fsync(fd) == 0))
        what = "sync";
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        e = errno;
        what = "close";
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        e = errno;
        what = "rename onto";
    }
    if (!ok) {
        set_err(err, errlen, "cannot %s %s: %s", what, path, strerror(e));
        unlink(tmp);
    }
    free(tmp);
    return ok ? LOOM_OK : LOOM_ERR_IO;
}
