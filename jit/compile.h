/*
 * compile.h -- kernel IR to machine code: LLVM's O3 pipeline for this CPU,
 * ORC LLJIT, and the kernel caches (process-wide in memory, and on disk).
 */
#ifndef LOOM_COMPILE_H
#define LOOM_COMPILE_H

#include "jit/kir.h"

typedef void (*jit_fn)(void **bufs, const int64_t *params, int64_t lo,
                       int64_t hi);

/* What happened when a kernel was requested; times in milliseconds. */
typedef struct jit_compile_info {
    bool mem_hit;           /* found compiled in this process */
    bool disk_hit;          /* loaded from the on-disk cache */
    bool linked;            /* ...by LLJIT (jit_obj_load declined it) */
    const char *miss;       /* why it was compiled, NULL on a hit */
    double emit_ms, verify_ms, opt_ms, codegen_ms, link_ms, total_ms;
    size_t object_bytes;
    char symbol[32];        /* the kernel's symbol: loom_k<16 hex> */
    jit_fn combine;         /* split kernels: the combine function */
} jit_compile_info;

/*
 * Returns the machine code of kernel k (k->hash filled), compiling it on a
 * miss.  Kernels are found by structure, so a kernel that differs only in
 * parameter values is a hit.  cache_dir NULL or "" means no disk cache.
 * Thread-safe.  Returns NULL with a message in err if LLVM fails; the
 * function lives until the process ends (or jit_cache_clear).
 */
jit_fn jit_get(const jit_kernel *k, const char *cache_dir,
               jit_compile_info *info, char *err, size_t errlen);

/* The texts of a kernel's compile stages, for dumps; each string is
 * malloc'd (free with jit_texts_free), NULL when not asked for. */
typedef struct jit_texts {
    char *llvm;     /* LLVM IR as emitted */
    char *llvm_opt; /* after the O3 pipeline */
    char *asm_text; /* machine code, from LLVM's disassembler */
} jit_texts;
bool jit_texts_make(const jit_kernel *k, bool llvm, bool llvm_opt,
                    bool asm_text, jit_texts *t, char *err, size_t errlen);
void jit_texts_free(jit_texts *t);

/* The host CPU's name and LLVM version, for dumps and cache keys. */
const char *jit_host_cpu(void);
const char *jit_llvm_version(void);

/* An object file loaded without the JIT (jit/objload.c). */
typedef struct jit_obj jit_obj;
/* Maps x86-64 ELF relocatable object data (len bytes, which the caller
 * keeps) as code: its allocated sections, relocated, calls to outside
 * functions (loom_rt_ipow, the process's) through stubs.  Returns NULL when
 * the object has anything the loader does not handle (the caller then
 * links it with LLJIT).  The mapping lives as long as the process. */
jit_obj *jit_obj_load(const void *data, size_t len);
/* The address of function symbol name in o, or NULL. */
void *jit_obj_symbol(const jit_obj *o, const char *name);
/* Frees the handle; the code stays mapped (kernels live for the process). */
void jit_obj_close(jit_obj *o);

/* Forgets the in-memory kernel cache (compiled code stays mapped). */
void jit_cache_clear(void);

/* Integer power used by kernels (NumPy's semantics for b < 0 when the
 * error could not be raised at build time: 1 / a truncated). */
int64_t loom_rt_ipow(int64_t a, int64_t b);

#endif /* LOOM_COMPILE_H */
