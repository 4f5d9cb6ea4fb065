/*
 * compile.c -- the JIT proper.
 *
 * One ORC LLJIT per process, created on first use.  A kernel is compiled
 * by: emitting LLVM IR into a fresh context and module, verifying it,
 * running a lean pipeline of the new pass manager (see PIPELINE) with a
 * target machine for the host CPU (its name and features: AVX-512 here),
 * emitting an object file, and adding that object to the JIT.  Compiling
 * objects ourselves (rather than handing IR to LLJIT) lets the same bytes
 * go to the on-disk cache, keyed by the kernel's structure, the loom and
 * LLVM versions, the CPU, and the identity of the loom binary itself: the
 * same kernel IR lowers to other code when the emitter changes, so a
 * rebuilt or upgraded loom never runs what an older one cached.
 *
 * The in-memory cache maps a kernel's structural hash to its function,
 * and keeps the structure's bytes to rule out hash collisions.  A mutex
 * guards the cache and the JIT; compiling happens under it, which keeps
 * LLVM's global state simple -- kernels are small and compiles fast.
 */
#define _GNU_SOURCE /* dladdr */
#include "jit/compile.h"
#include "jit/emit.h"
#include "jit/vmath.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Disassembler.h>
#include <llvm-c/Error.h>
#include <llvm-c/Support.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Object.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef LOOM_VERSION
#define LOOM_VERSION "0"
#endif
#ifndef LLVM_VERSION_STR
#define LLVM_VERSION_STR "19"
#endif

typedef struct centry {
    uint64_t hash;
    char *key; /* structure bytes */
    size_t keylen;
    jit_fn fn, combine;
    struct centry *next;
} centry;

static struct {
    pthread_mutex_t lock;
    bool ready;
    char init_err[256];
    LLVMOrcLLJITRef jit;
    LLVMTargetMachineRef tm;
    char *triple, *cpu, *features, *layout;
    char build[128]; /* the loom binary's identity, for the disk key */
    centry *table[1024];
    int nobjects;
    /* hashes whose base symbol is defined in the JIT (it cannot be
     * defined twice, even after jit_cache_clear) */
    uint64_t *defined;
    size_t ndefined, dcap;
} J = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool is_defined(uint64_t h)
{
    for (size_t i = 0; i < J.ndefined; i++)
        if (J.defined[i] == h)
            return true;
    return false;
}

static void mark_defined(uint64_t h)
{
    if (J.ndefined == J.dcap) {
        size_t n = J.dcap ? J.dcap * 2 : 64;
        uint64_t *d = realloc(J.defined, n * sizeof *d);
        if (!d)
            return;
        J.defined = d;
        J.dcap = n;
    }
    J.defined[J.ndefined++] = h;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/*
 * The optimization pipeline.  Kernels are single loop nests: what they
 * need is inlining of the vector math, SROA (accumulators to registers),
 * cleanup, LICM, and the loop vectorizer.  This subset of O3 compiles a
 * transcendental kernel about three times faster than default<O3> with the
 * same machine code for our loops.  InstCombine runs without its fixpoint
 * check: one round is what we ask of it, and the check is a fatal error
 * (not a missed optimization) when a second round would change more.
 * $LOOM_LLVM_PIPELINE overrides it (for experiments: "default<O3>"; streamed
 * outputs then use plain stores, see build_module).
 */
static const char *PIPELINE =
    "always-inline,"
    "function(sroa,early-cse<memssa>,instcombine<no-verify-fixpoint>,simplifycfg,loop-mssa(licm),"
    "loop-simplify,lcssa,loop-rotate,indvars,loop-vectorize,instcombine<no-verify-fixpoint>,"
    "simplifycfg,loop-mssa(licm),early-cse,instcombine<no-verify-fixpoint>)";

/* LLVM options set once per process: no second, narrower vector loop for
 * remainders (jit/emit.c asks for masked tails per loop instead), which
 * keeps the code -- and its compile time -- small. */
static void set_llvm_options(void)
{
    const char *args[] = {"loom", "-enable-epilogue-vectorization=false"};
    LLVMParseCommandLineOptions(2, args, NULL);
}

int64_t loom_rt_ipow(int64_t a, int64_t b)
{
    if (b < 0)
        return a == 1 ? 1 : a == -1 ? ((b & 1) ? -1 : 1) : 0;
    uint64_t r = 1, x = (uint64_t)a;
    while (b) {
        if (b & 1)
            r *= x;
        x *= x;
        b >>= 1;
    }
    return (int64_t)r;
}

static void set_err(char *err, size_t n, const char *what, LLVMErrorRef e)
{
    char *m = LLVMGetErrorMessage(e);
    snprintf(err, n, "%s: %s", what, m);
    LLVMDisposeErrorMessage(m);
}

/* Defines loom's runtime helpers as absolute symbols in the JIT, and makes
 * the process's symbols (libm) visible to kernels. */
static bool define_helpers(char *err, size_t n)
{
    LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(J.jit);
    LLVMOrcDefinitionGeneratorRef gen;
    LLVMErrorRef e = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
        &gen, LLVMOrcLLJITGetGlobalPrefix(J.jit), NULL, NULL);
    if (e) {
        set_err(err, n, "JIT process symbols", e);
        return false;
    }
    LLVMOrcJITDylibAddGenerator(jd, gen);
    LLVMOrcCSymbolMapPair sym = {
        LLVMOrcLLJITMangleAndIntern(J.jit, "loom_rt_ipow"),
        {(LLVMOrcExecutorAddress)(uintptr_t)&loom_rt_ipow,
         {LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable,
          0}}};
    LLVMOrcMaterializationUnitRef mu = LLVMOrcAbsoluteSymbols(&sym, 1);
    if ((e = LLVMOrcJITDylibDefine(jd, mu))) {
        set_err(err, n, "JIT helper symbols", e);
        return false;
    }
    return true;
}

/* Creates the JIT and target machine once.  Called with J.lock held. */
/* The file holding this code (libloom.so, or the program it is linked
 * into) as size, modification time and inode: any rebuild changes it.
 * "unknown" if the file cannot be found, which disables nothing but
 * ties the cache to the version alone. */
static void build_identity(char *out, size_t n)
{
    Dl_info info;
    struct stat st;
    if (dladdr((void *)build_identity, &info) && info.dli_fname &&
        stat(info.dli_fname, &st) == 0)
        snprintf(out, n, "build %lld.%09ld/%lld/%llu", (long long)st.st_mtim.tv_sec,
                 (long)st.st_mtim.tv_nsec, (long long)st.st_size,
                 (unsigned long long)st.st_ino);
    else
        snprintf(out, n, "build unknown");
}

/* The target machine, made on the first compile: a process that only
 * loads kernels from the disk cache never pays for it.  Under J.lock. */
static bool ensure_tm(char *err, size_t n)
{
    if (J.tm)
        return true;
    LLVMTargetRef target;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(J.triple, &target, &msg)) {
        snprintf(err, n, "JIT: no target: %s", msg);
        LLVMDisposeMessage(msg);
        return false;
    }
    J.tm = LLVMCreateTargetMachine(target, J.triple, J.cpu, J.features,
                                   LLVMCodeGenLevelAggressive, LLVMRelocPIC,
                                   LLVMCodeModelSmall);
    if (!J.tm) {
        snprintf(err, n, "JIT: cannot create a target machine for %s", J.cpu);
        return false;
    }
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(J.tm);
    J.layout = LLVMCopyStringRepOfTargetData(td);
    LLVMDisposeTargetData(td);
    return true;
}

/* Whether LLVM's feature string ("+avx2,-avx512f,...") enables f. */
static bool has_feature(const char *features, const char *f)
{
    size_t n = strlen(f);
    for (const char *p = features; p && *p;) {
        const char *q = strchr(p, ',');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        if (len == n + 1 && p[0] == '+' && !strncmp(p + 1, f, n))
            return true;
        p = q ? q + 1 : NULL;
    }
    return false;
}

/* What the disk cache's keys and the emitters need: the host's triple, CPU
 * and features, loom's build identity.  Cheap (0.15 ms); under J.lock. */
static void init_host(void)
{
    if (J.cpu)
        return;
    build_identity(J.build, sizeof J.build);
    J.triple = LLVMGetDefaultTargetTriple();
    J.cpu = LLVMGetHostCPUName();
    J.features = LLVMGetHostCPUFeatures();
    jit_vmath_target(has_feature(J.features, "avx512f"),
                     has_feature(J.features, "avx512vl"));
}

/* The JIT proper: LLVM's native target and ORC's LLJIT (0.9 ms), needed
 * to compile or to link an object jit_obj_load declines.  Under J.lock. */
static bool init(char *err, size_t n)
{
    if (J.ready)
        return true;
    if (J.init_err[0]) {
        snprintf(err, n, "%s", J.init_err);
        return false;
    }
    init_host();
    LLVMInitializeNativeTarget();
    LLVMInitializeNativeAsmPrinter();
    LLVMInitializeNativeDisassembler();
    set_llvm_options();
    LLVMErrorRef e = LLVMOrcCreateLLJIT(&J.jit, NULL);
    if (e) {
        set_err(J.init_err, sizeof J.init_err, "JIT: cannot create LLJIT", e);
        snprintf(err, n, "%s", J.init_err);
        return false;
    }
    if (!define_helpers(J.init_err, sizeof J.init_err)) {
        snprintf(err, n, "%s", J.init_err);
        return false;
    }
    J.ready = true;
    return true;
}

const char *jit_host_cpu(void)
{
    pthread_mutex_lock(&J.lock);
    init_host();
    pthread_mutex_unlock(&J.lock);
    return J.cpu ? J.cpu : "unknown";
}

const char *jit_llvm_version(void)
{
    return LLVM_VERSION_STR;
}

/* ---- structure keys ---- */

/* Serializes what determines the code (not parameter values) into a
 * malloc'd buffer. */
static char *structure_key(const jit_kernel *k, size_t *len)
{
    size_t n = sizeof(int) * 6 + (size_t)k->nvals * sizeof(kir_val) +
               (size_t)k->nstmts * sizeof(kir_stmt) +
               (size_t)k->naccs * sizeof(kir_acc) +
               (size_t)k->nbufs * sizeof(kir_buf);
    char *b = malloc(n), *p = b;
    if (!b)
        return NULL;
    int head[6] = {k->nvals, k->nstmts, k->naccs, k->nbufs, k->nloops,
                   k->nparams};
    memcpy(p, head, sizeof head);
    p += sizeof head;
    for (int i = 0; i < k->nvals; i++) {
        kir_val v = k->vals[i];
        kir_val z;
        memset(&z, 0, sizeof z); /* no padding bytes in the key */
        z.op = v.op;
        z.dtype = v.dtype;
        z.gop = v.gop;
        z.a = v.a;
        z.b = v.b;
        z.c = v.c;
        z.imm = v.imm;
        memcpy(p, &z, sizeof z);
        p += sizeof z;
    }
    for (int i = 0; i < k->nstmts; i++) {
        kir_stmt z;
        memset(&z, 0, sizeof z);
        z.op = k->stmts[i].op;
        z.a = k->stmts[i].a;
        z.b = k->stmts[i].b;
        z.c = k->stmts[i].c;
        memcpy(p, &z, sizeof z);
        p += sizeof z;
    }
    if (k->naccs)
        memcpy(p, k->accs, (size_t)k->naccs * sizeof(kir_acc));
    p += (size_t)k->naccs * sizeof(kir_acc);
    if (k->nbufs)
        memcpy(p, k->bufs, (size_t)k->nbufs * sizeof(kir_buf));
    *len = n;
    return b;
}

static centry *cache_find(uint64_t h, const char *key, size_t len)
{
    for (centry *c = J.table[h % 1024]; c; c = c->next)
        if (c->hash == h && c->keylen == len && !memcmp(c->key, key, len))
            return c;
    return NULL;
}

void jit_cache_clear(void)
{
    pthread_mutex_lock(&J.lock);
    for (int i = 0; i < 1024; i++) {
        for (centry *c = J.table[i], *next; c; c = next) {
            next = c->next;
            free(c->key);
            free(c);
        }
        J.table[i] = NULL;
    }
    pthread_mutex_unlock(&J.lock);
}

/* ---- compiling ---- */

/* Deletes the internal functions nothing calls any more (vector variants
   the vectorizer did not pick), which would otherwise be compiled. */
static void drop_unused_helpers(LLVMModuleRef M)
{
    LLVMValueRef f = LLVMGetFirstFunction(M);
    while (f) {
        LLVMValueRef next = LLVMGetNextFunction(f);
        if (LLVMGetLinkage(f) == LLVMInternalLinkage && !LLVMIsDeclaration(f) &&
            !LLVMGetFirstUse(f))
            LLVMDeleteFunction(f);
        f = next;
    }
}

/* Builds the optimized module of kernel k in a new context. */
static LLVMModuleRef build_module(const jit_kernel *k, const char *sym,
                                  LLVMContextRef C, char **ir_before,
                                  jit_compile_info *info, char *err,
                                  size_t n)
{
    double t0 = now_ms();
    if (!ensure_tm(err, n))
        return NULL;
    LLVMModuleRef M = LLVMModuleCreateWithNameInContext(sym, C);
    LLVMSetTarget(M, J.triple);
    LLVMSetDataLayout(M, J.layout);
    if (!jit_emit(M, k, sym, err, n)) {
        LLVMDisposeModule(M);
        return NULL;
    }
    double t1 = now_ms();
    char *msg = NULL;
    if (LLVMVerifyModule(M, LLVMReturnStatusAction, &msg)) {
        snprintf(err, n, "JIT: invalid IR for %s: %.200s", sym, msg);
        LLVMDisposeMessage(msg);
        LLVMDisposeModule(M);
        return NULL;
    }
    LLVMDisposeMessage(msg);
    if (ir_before)
        *ir_before = LLVMPrintModuleToString(M);
    double t2 = now_ms();
    LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
    LLVMPassBuilderOptionsSetLoopVectorization(po, 1);
    LLVMPassBuilderOptionsSetSLPVectorization(po, 1);
    LLVMPassBuilderOptionsSetLoopUnrolling(po, 1);
    const char *pipe = getenv("LOOM_LLVM_PIPELINE");
    LLVMErrorRef e = LLVMRunPasses(M, pipe && *pipe ? pipe : PIPELINE, J.tm, po);
    LLVMDisposePassBuilderOptions(po);
    if (e) {
        set_err(err, n, "JIT: optimization failed", e);
        LLVMDisposeModule(M);
        return NULL;
    }
    if (jit_vmath_finish(M)) { /* the scaling helpers, vectorized */
        po = LLVMCreatePassBuilderOptions();
        e = LLVMRunPasses(M, "always-inline", J.tm, po);
        LLVMDisposePassBuilderOptions(po);
        if (e) {
            set_err(err, n, "JIT: optimization failed", e);
            LLVMDisposeModule(M);
            return NULL;
        }
        drop_unused_helpers(M);
    }
    /* the alignment it asserts holds for the vector loops of PIPELINE;
     * an experimental pipeline (an unroller, the SLP vectorizer) could
     * form other vector stores from the tagged ones */
    if (!(pipe && *pipe))
        jit_emit_align_streams(M);
    double t3 = now_ms();
    if (info) {
        info->emit_ms = t1 - t0;
        info->verify_ms = t2 - t1;
        info->opt_ms = t3 - t2;
    }
    return M;
}

static void symbol_name(const jit_kernel *k, char *sym, size_t n)
{
    snprintf(sym, n, "loom_k%016" PRIx64, k->hash);
}

/* ---- the disk cache ---- */

static char *cache_path(const char *dir, const char *sym, const char *ext)
{
    size_t n = strlen(dir) + strlen(sym) + strlen(ext) + 3;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s%s", dir, sym, ext);
    return p;
}

/* The cache key file's contents: versions, CPU and the structure. */
static char *disk_key(const char *key, size_t len, size_t *out)
{
    char head[512];
    int h = snprintf(head, sizeof head, "loom %s %s llvm %s cpu %s %s\n",
                     LOOM_VERSION, J.build, LLVM_VERSION_STR, J.cpu,
                     J.features);
    if (h < 0 || (size_t)h >= sizeof head)
        h = (int)sizeof head - 1;
    char *b = malloc((size_t)h + len);
    if (!b)
        return NULL;
    memcpy(b, head, (size_t)h);
    memcpy(b + h, key, len);
    *out = (size_t)h + len;
    return b;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n + 1))) {
            if (fread(b, 1, (size_t)n, f) != (size_t)n) {
                free(b);
                b = NULL;
            } else {
                *len = (size_t)n;
            }
        }
    }
    fclose(f);
    return b;
}

/* Writes path atomically (temp file + rename); failures are ignored: the
 * disk cache is an optimization. */
static void write_file(const char *path, const void *data, size_t len)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return;
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f) {
        bool ok = fwrite(data, 1, len, f) == len;
        ok = fclose(f) == 0 && ok;
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
    }
    free(tmp);
}

static void mkdirs(const char *dir)
{
    char *p = strdup(dir);
    if (!p)
        return;
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
    free(p);
}

static jit_fn lookup(const char *sym, char *err, size_t n)
{
    LLVMOrcExecutorAddress addr = 0;
    LLVMErrorRef e = LLVMOrcLLJITLookup(J.jit, &addr, sym);
    if (e) {
        set_err(err, n, "JIT: symbol lookup failed", e);
        return NULL;
    }
    return (jit_fn)(uintptr_t)addr;
}

/* Adds an object file to the JIT and looks the symbol up. */
static jit_fn link_object(LLVMMemoryBufferRef obj, const char *sym,
                          char *err, size_t n)
{
    LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(J.jit);
    LLVMErrorRef e = LLVMOrcLLJITAddObjectFile(J.jit, jd, obj);
    if (e) {
        set_err(err, n, "JIT: cannot add object", e);
        return NULL;
    }
    J.nobjects++;
    return lookup(sym, err, n);
}

static jit_fn compile_new(const jit_kernel *k, const char *sym,
                          const char *dir, const char *dkey, size_t dkeylen,
                          jit_compile_info *info, char *err, size_t n)
{
    LLVMContextRef C = LLVMContextCreate();
    LLVMModuleRef M = build_module(k, sym, C, NULL, info, err, n);
    jit_fn fn = NULL;
    if (M) {
        double t0 = now_ms();
        char *msg = NULL;
        LLVMMemoryBufferRef obj;
        if (LLVMTargetMachineEmitToMemoryBuffer(J.tm, M, LLVMObjectFile, &msg,
                                                &obj)) {
            snprintf(err, n, "JIT: code generation failed: %s", msg);
            LLVMDisposeMessage(msg);
        } else {
            double t1 = now_ms();
            info->object_bytes = LLVMGetBufferSize(obj);
            if (dir && *dir) {
                mkdirs(dir);
                char *po = cache_path(dir, sym, ".o");
                char *pk = cache_path(dir, sym, ".key");
                if (po && pk) {
                    write_file(po, LLVMGetBufferStart(obj),
                               LLVMGetBufferSize(obj));
                    write_file(pk, dkey, dkeylen);
                }
                free(po);
                free(pk);
            }
            fn = link_object(obj, sym, err, n); /* takes obj */
            info->codegen_ms = t1 - t0;
            info->link_ms = now_ms() - t1;
        }
        LLVMDisposeModule(M);
    }
    LLVMContextDispose(C);
    return fn;
}

/*
 * A kernel from the disk cache: the object under its key, loaded by
 * jit_obj_load (no JIT needed) or, if that declines it, linked by LLJIT
 * (info->linked).  What the loader takes comes with its combine function
 * in info->combine (NULL if the object has none).
 */
static jit_fn load_disk(const char *dir, const char *sym, const char *dkey,
                        size_t dkeylen, jit_compile_info *info, char *err, size_t n)
{
    char *po = cache_path(dir, sym, ".o"), *pk = cache_path(dir, sym, ".key");
    jit_fn fn = NULL;
    size_t klen = 0, olen = 0;
    char *kb = pk ? read_file(pk, &klen) : NULL;
    if (kb && klen == dkeylen && !memcmp(kb, dkey, klen)) {
        char *ob = read_file(po, &olen);
        if (ob) {
            double t0 = now_ms();
            jit_obj *o = jit_obj_load(ob, olen);
            if (o) {
                char cname[48];
                snprintf(cname, sizeof cname, "%s.combine", sym);
                fn = (jit_fn)(uintptr_t)jit_obj_symbol(o, sym);
                if (fn)
                    info->combine = (jit_fn)(uintptr_t)jit_obj_symbol(o, cname);
                jit_obj_close(o);
            } else if (init(err, n)) {
                LLVMMemoryBufferRef obj = LLVMCreateMemoryBufferWithMemoryRangeCopy(
                    ob, olen, sym);
                fn = link_object(obj, sym, err, n);
                info->linked = true;
            }
            info->link_ms = now_ms() - t0;
            info->object_bytes = olen;
            free(ob);
        }
    }
    free(kb);
    free(po);
    free(pk);
    return fn;
}

jit_fn jit_get(const jit_kernel *k, const char *cache_dir,
               jit_compile_info *info, char *err, size_t errlen)
{
    double t0 = now_ms();
    memset(info, 0, sizeof *info);
    symbol_name(k, info->symbol, sizeof info->symbol);
    size_t len;
    char *key = structure_key(k, &len);
    if (!key) {
        snprintf(err, errlen, "JIT: out of memory");
        return NULL;
    }
    pthread_mutex_lock(&J.lock);
    jit_fn fn = NULL;
    centry *c = NULL;
    init_host();
    if ((c = cache_find(k->hash, key, len))) {
        info->mem_hit = true;
        fn = c->fn;
        info->combine = c->combine;
        goto out;
    }
    char sym[32];
    snprintf(sym, sizeof sym, "%s", info->symbol);
    /* a symbol is defined once per process: after jit_cache_clear, or for
     * a colliding hash, the kernel gets a fresh name (and skips the disk
     * cache, whose objects carry the base name) */
    bool renamed = is_defined(k->hash);
    if (renamed) {
        snprintf(sym, sizeof sym, "loom_k%016" PRIx64 "_%d", k->hash,
                 J.nobjects);
        snprintf(info->symbol, sizeof info->symbol, "%s", sym);
    }
    size_t dlen = 0;
    char *dkey = disk_key(key, len, &dlen);
    if (dkey && cache_dir && *cache_dir && !renamed) {
        fn = load_disk(cache_dir, sym, dkey, dlen, info, err, errlen);
        info->disk_hit = fn != NULL;
    }
    if (!fn && init(err, errlen)) {
        info->miss = renamed ? "in-memory cache was cleared"
                             : "structure not seen before";
        fn = compile_new(k, sym, renamed ? NULL : cache_dir, dkey, dlen, info,
                         err, errlen);
    }
    if (fn && !renamed)
        mark_defined(k->hash);
    free(dkey);
    if (fn && k->chunk_param >= 0) {
        char cname[48];
        snprintf(cname, sizeof cname, "%s.combine", sym);
        bool own = info->disk_hit && !info->linked; /* not in LLJIT */
        if (!own)
            info->combine = lookup(cname, err, errlen);
        if (!info->combine) {
            if (own)
                snprintf(err, errlen, "JIT: %s has no combine function", sym);
            fn = NULL;
        }
    }
    if (fn && (c = malloc(sizeof *c))) {
        *c = (centry){k->hash, key, len, fn, info->combine,
                      J.table[k->hash % 1024]};
        J.table[k->hash % 1024] = c;
        key = NULL;
    }
out:
    pthread_mutex_unlock(&J.lock);
    free(key);
    info->total_ms = now_ms() - t0;
    return fn;
}

/* ---- texts for dumps ---- */

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* Appends text to a growing malloc'd string; frees it on failure. */
static char *append(char *out, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (!out)
        return NULL;
    if (*len + n + 1 > *cap) {
        while (*len + n + 1 > *cap)
            *cap *= 2;
        char *nb = realloc(out, *cap);
        if (!nb) {
            free(out);
            return NULL;
        }
        out = nb;
    }
    memcpy(out + *len, s, n + 1);
    *len += n;
    return out;
}

/* Disassembles the .text section of an object file with LLVM's
 * disassembler, one instruction per line, labelled with the functions'
 * symbols. */
static char *disassemble(LLVMMemoryBufferRef obj)
{
    LLVMBinaryRef bin = LLVMCreateBinary(obj, NULL, NULL);
    if (!bin)
        return NULL;
    LLVMDisasmContextRef dc = LLVMCreateDisasmCPUFeatures(
        J.triple, J.cpu, J.features, NULL, 0, NULL, NULL);
    if (!dc) {
        LLVMDisposeBinary(bin);
        return NULL;
    }
    LLVMSetDisasmOptions(dc, LLVMDisassembler_Option_PrintImmHex);
    struct label {
        uint64_t addr;
        char name[96];
    } labels[64];
    int nl = 0;
    LLVMSymbolIteratorRef sy = LLVMObjectFileCopySymbolIterator(bin);
    for (; !LLVMObjectFileIsSymbolIteratorAtEnd(bin, sy) && nl < 64;
         LLVMMoveToNextSymbol(sy)) {
        const char *nm = LLVMGetSymbolName(sy);
        if (nm && !strncmp(nm, "loom_k", 6)) {
            labels[nl].addr = LLVMGetSymbolAddress(sy);
            snprintf(labels[nl++].name, sizeof labels[0].name, "%s", nm);
        }
    }
    LLVMDisposeSymbolIterator(sy);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    if (out)
        out[0] = 0;
    LLVMSectionIteratorRef si = LLVMObjectFileCopySectionIterator(bin);
    for (; out && !LLVMObjectFileIsSectionIteratorAtEnd(bin, si);
         LLVMMoveToNextSection(si)) {
        const char *name = LLVMGetSectionName(si);
        if (!name || strncmp(name, ".text", 5))
            continue;
        const uint8_t *code = (const uint8_t *)LLVMGetSectionContents(si);
        uint64_t size = LLVMGetSectionSize(si), base = LLVMGetSectionAddress(si);
        for (uint64_t pc = 0; pc < size && out;) {
            char line[256], buf[400];
            for (int i = 0; i < nl; i++)
                if (labels[i].addr == base + pc) {
                    snprintf(buf, sizeof buf, "%s:\n", labels[i].name);
                    out = append(out, &len, &cap, buf);
                }
            size_t used = LLVMDisasmInstruction(dc, (uint8_t *)code + pc,
                                                size - pc, base + pc, line,
                                                sizeof line);
            if (!used) {
                used = 1;
                snprintf(line, sizeof line, "\t.byte 0x%02x", code[pc]);
            }
            snprintf(buf, sizeof buf, "%6" PRIx64 ":%s\n", base + pc, line);
            out = append(out, &len, &cap, buf);
            pc += used;
        }
    }
    LLVMDisposeSectionIterator(si);
    LLVMDisasmDispose(dc);
    LLVMDisposeBinary(bin);
    return out;
}

bool jit_texts_make(const jit_kernel *k, bool llvm, bool llvm_opt,
                    bool asm_text, jit_texts *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    pthread_mutex_lock(&J.lock);
    bool ok = init(err, errlen);
    if (ok) {
        char sym[32];
        symbol_name(k, sym, sizeof sym);
        LLVMContextRef C = LLVMContextCreate();
        char *before = NULL;
        LLVMModuleRef M = build_module(k, sym, C, llvm ? &before : NULL,
                                       NULL, err, errlen);
        ok = M != NULL;
        if (before) {
            t->llvm = strdup(before);
            LLVMDisposeMessage(before);
        }
        if (M && llvm_opt) {
            char *s = LLVMPrintModuleToString(M);
            t->llvm_opt = strdup(s);
            LLVMDisposeMessage(s);
        }
        if (M && asm_text) {
            char *msg = NULL;
            LLVMMemoryBufferRef obj;
            if (!LLVMTargetMachineEmitToMemoryBuffer(J.tm, M, LLVMObjectFile,
                                                     &msg, &obj)) {
                t->asm_text = disassemble(obj);
                LLVMDisposeMemoryBuffer(obj);
            } else {
                t->asm_text = dup_range(msg, strlen(msg));
                LLVMDisposeMessage(msg);
            }
        }
        if (M)
            LLVMDisposeModule(M);
        LLVMContextDispose(C);
    }
    pthread_mutex_unlock(&J.lock);
    return ok;
}

void jit_texts_free(jit_texts *t)
{
    free(t->llvm);
    free(t->llvm_opt);
    free(t->asm_text);
    memset(t, 0, sizeof *t);
}
