/*
 * npy.h -- reading and writing NumPy .npy files (format versions 1.0-3.0).
 *
 * Prefix rt_.  Self-contained: knows nothing of arrays or graphs, only
 * dtypes, shapes and bytes.  loom_load_npy / loom_save_npy wrap these.
 */
#ifndef LOOM_RT_NPY_H
#define LOOM_RT_NPY_H

#include "runtime/rt.h"

/* Alignment of the element data rt_npy_read returns. */
#define RT_NPY_ALIGN 64

/*
 * Reads the .npy file at path.
 *
 * On success returns LOOM_OK and sets *dtype, *ndim (0..LOOM_MAX_DIMS) and
 * shape[0 .. *ndim-1] (shape needs room for LOOM_MAX_DIMS extents).  The
 * elements, in C order, native byte order, bools normalized to 0/1, are at
 * *data, which is RT_NPY_ALIGN-byte aligned and holds
 * product(shape) * loom_dtype_size(*dtype) bytes (it is never NULL, even for
 * zero elements).  *data points into the block *block of *block_size bytes
 * that came from rt_malloc(a, *block_size); the caller owns it and releases
 * it with rt_free(a, *block, *block_size).  These map directly onto
 * rt_buffer's data / block / block_size.
 *
 * Bytes after the data (several arrays saved to one file handle) are
 * ignored, as np.load does.
 *
 * On failure nothing is allocated, the outputs are unspecified, a message
 * naming path is written to err (when err != NULL and errlen > 0; always
 * NUL-terminated, possibly cut short) and the status is:
 *   LOOM_ERR_IO      the file cannot be opened or read (missing, directory,
 *                    permission, read error);
 *   LOOM_ERR_FORMAT  not a valid .npy file loom can read: bad magic, empty
 *                    file, unknown version, truncated header or data,
 *                    unparsable header dictionary, unsupported dtype (loom
 *                    reads bool, int32, int64, float32, float64 in either
 *                    byte order), more than LOOM_MAX_DIMS dimensions, a
 *                    negative extent, or a size that overflows;
 *   LOOM_ERR_MEMORY  the allocator failed;
 *   LOOM_ERR_NULL    path, a or an output pointer is NULL.
 */
loom_status rt_npy_read(const char *path, const rt_alloc *a,
                        loom_dtype *dtype, int *ndim, int64_t *shape,
                        void **data, void **block, size_t *block_size,
                        char *err, size_t errlen);

/*
 * Writes ndim-dimensional C-ordered data (cdata, product(shape) elements of
 * dtype; may be NULL when that product is 0) to path as np.save would: the
 * same bytes NumPy 1.24 writes for the same array (format 1.0, or 2.0 if
 * the header needed it, which cannot happen within LOOM_MAX_DIMS).
 *
 * The file is written to "path.tmp.<pid>" and renamed over path once
 * complete and flushed to disk, so path holds either its old content or the
 * whole new file; on any failure the temporary file is removed.  The new
 * file gets mode 0666 & ~umask (an existing path's mode is not kept) and a
 * symbolic link at path is replaced, not followed.
 *
 * Returns LOOM_OK; LOOM_ERR_IO (with a message in err) when the file cannot
 * be created, written or renamed; LOOM_ERR_VALUE for a bad dtype, ndim,
 * negative extent or overflowing size; LOOM_ERR_NULL for a NULL path,
 * shape (with ndim > 0) or cdata (with data to write); LOOM_ERR_MEMORY if
 * the temporary name cannot be allocated.
 */
loom_status rt_npy_write(const char *path, loom_dtype dtype, int ndim,
                         const int64_t *shape, const void *cdata, char *err,
                         size_t errlen);

#endif /* LOOM_RT_NPY_H */
