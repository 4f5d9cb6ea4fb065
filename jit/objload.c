/*
 * objload.c -- loading a kernel's object file from the disk cache without
 * the JIT linker.
 *
 * Prefix jit_obj_.  A process that finds all its kernels in the disk cache
 * would otherwise pay for creating ORC's LLJIT (0.6 ms: an execution
 * session, a target machine, process symbols) before running anything.
 * The objects loom writes are small and plain: an x86-64 ELF relocatable
 * file with .text, constant pools and, at most, calls to loom_rt_ipow or
 * the C library.  This loader maps the allocated sections, applies the
 * relocations such code has (PC-relative, PLT, GOT-relative, absolute),
 * routes calls to outside functions through stubs, and protects the
 * result (code read-execute, data read-only).  Anything else in an
 * object -- another machine, another relocation, a thread-local -- makes
 * it decline, and the caller links that object with LLJIT as before.
 *
 * Loaded code stays mapped for the life of the process, as LLJIT's does;
 * the handle that names its symbols is closed once they are looked up.
 */
#include "jit/compile.h"

#include <dlfcn.h>
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* An outside function: a 14-byte stub (jmp *0(%rip); .quad address). */
#define STUB_BYTES 16
#define MAX_SECTIONS 64
#define MAX_EXTERN 32

/* The function symbols of a loaded object: names and addresses.  (The
 * mapping itself -- code, stubs, then data and GOT entries -- is never
 * unmapped: kernels outlive their handles.) */
struct jit_obj {
    int nfn;
    char **fn_name;
    void **fn_addr;
};

static size_t align_up(size_t x, size_t a)
{
    return a > 1 ? (x + a - 1) & ~(a - 1) : x;
}

/* The address of outside symbol name: loom's helper or the process's. */
static void *outside(const char *name)
{
    if (!strcmp(name, "loom_rt_ipow"))
        return (void *)(uintptr_t)&loom_rt_ipow;
    return dlsym(RTLD_DEFAULT, name);
}

/* Where each section goes: offset from the mapping's start, or -1. */
typedef struct layout {
    int64_t off[MAX_SECTIONS];
    size_t text_end, data_start, stubs, got, total;
} layout;

static bool plan_layout(const Elf64_Shdr *sh, int n, int nextern, layout *L)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t pg = page > 0 ? (size_t)page : 4096, at = 0;
    for (int pass = 0; pass < 2; pass++) { /* code, then data */
        if (pass == 1) {
            at = align_up(at, 16);
            L->stubs = at;
            at += (size_t)nextern * STUB_BYTES;
            L->text_end = at = align_up(at, pg);
            L->data_start = at;
        }
        for (int i = 0; i < n; i++) {
            bool code = sh[i].sh_flags & SHF_EXECINSTR;
            if (!(sh[i].sh_flags & SHF_ALLOC) || code != (pass == 0))
                continue;
            if (sh[i].sh_flags & SHF_TLS)
                return false;
            at = align_up(at, sh[i].sh_addralign ? sh[i].sh_addralign : 1);
            L->off[i] = (int64_t)at;
            at += sh[i].sh_size;
        }
    }
    at = align_up(at, 8);
    L->got = at;
    at += (size_t)nextern * 8;
    L->total = align_up(at > L->data_start ? at : L->data_start + 1, pg);
    return true;
}

/* The address symbol s stands for; outside ones go through stub k. */
static bool sym_addr(const Elf64_Sym *s, const char *names, const layout *L, char *base,
                     const char **ext, int next, bool got, uint64_t *out)
{
    if (s->st_shndx == SHN_UNDEF) {
        const char *name = names + s->st_name;
        for (int k = 0; k < next; k++)
            if (!strcmp(ext[k], name)) {
                *out = (uint64_t)(uintptr_t)(base + (got ? L->got + (size_t)k * 8
                                                          : L->stubs + (size_t)k * STUB_BYTES));
                return true;
            }
        return false;
    }
    if (s->st_shndx == SHN_ABS) {
        *out = s->st_value;
        return true;
    }
    if (s->st_shndx >= MAX_SECTIONS || L->off[s->st_shndx] < 0)
        return false;
    *out = (uint64_t)(uintptr_t)(base + L->off[s->st_shndx]) + s->st_value;
    return true;
}

static bool fits32(int64_t v)
{
    return v >= INT32_MIN && v <= INT32_MAX;
}

/* Applies the relocations of section r (a RELA section) to the mapping. */
static bool relocate(const char *file, const Elf64_Shdr *sh, const Elf64_Shdr *r,
                     const layout *L, char *base, const char **ext, int next)
{
    if (r->sh_info >= MAX_SECTIONS || L->off[r->sh_info] < 0)
        return true; /* a section not loaded (debug info) */
    const Elf64_Shdr *symtab = &sh[r->sh_link];
    const Elf64_Sym *syms = (const Elf64_Sym *)(file + symtab->sh_offset);
    const char *names = file + sh[symtab->sh_link].sh_offset;
    size_t nsyms = symtab->sh_size / sizeof(Elf64_Sym);
    const Elf64_Rela *rel = (const Elf64_Rela *)(file + r->sh_offset);
    char *sec = base + L->off[r->sh_info];
    for (size_t i = 0; i < r->sh_size / sizeof *rel; i++) {
        uint32_t type = ELF64_R_TYPE(rel[i].r_info), si = ELF64_R_SYM(rel[i].r_info);
        uint64_t width = type == R_X86_64_64 ? 8 : 4;
        if (si >= nsyms || rel[i].r_offset > sh[r->sh_info].sh_size ||
            sh[r->sh_info].sh_size - rel[i].r_offset < width ||
            syms[si].st_name >= sh[symtab->sh_link].sh_size)
            return false;
        char *at = sec + rel[i].r_offset;
        uint64_t P = (uint64_t)(uintptr_t)at, S;
        bool got = type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX ||
                   type == R_X86_64_REX_GOTPCRELX;
        if (!sym_addr(&syms[si], names, L, base, ext, next, got, &S))
            return false;
        if (got && syms[si].st_shndx != SHN_UNDEF)
            return false; /* a GOT entry for a local: not made by loom's code */
        int64_t v;
        switch (type) {
        case R_X86_64_64:
            v = (int64_t)(S + (uint64_t)rel[i].r_addend);
            memcpy(at, &v, 8);
            break;
        case R_X86_64_PC32:
        case R_X86_64_PLT32:
        case R_X86_64_GOTPCREL:
        case R_X86_64_GOTPCRELX:
        case R_X86_64_REX_GOTPCRELX: {
            v = (int64_t)(S - P) + rel[i].r_addend;
            if (!fits32(v))
                return false;
            int32_t v32 = (int32_t)v;
            memcpy(at, &v32, 4);
            break;
        }
        default:
            return false;
        }
    }
    return true;
}

/* The outside symbols the object refers to (at most MAX_EXTERN). */
static int externs(const char *file, const Elf64_Shdr *sh, int n, const char **ext)
{
    int next = 0;
    for (int i = 0; i < n; i++) {
        if (sh[i].sh_type != SHT_SYMTAB)
            continue;
        const Elf64_Sym *syms = (const Elf64_Sym *)(file + sh[i].sh_offset);
        const char *names = file + sh[sh[i].sh_link].sh_offset;
        for (size_t s = 1; s < sh[i].sh_size / sizeof *syms; s++) {
            if (syms[s].st_shndx != SHN_UNDEF || !syms[s].st_name)
                continue;
            if (syms[s].st_name >= sh[sh[i].sh_link].sh_size)
                return -1;
            if (next == MAX_EXTERN)
                return -1;
            ext[next++] = names + syms[s].st_name;
        }
    }
    return next;
}

/* Whether the file's headers are what the loader reads: in bounds, x86-64
 * ELF64 little-endian relocatable. */
static bool sane(const char *file, size_t len)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
    if (len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_type != ET_REL || eh->e_machine != EM_X86_64 ||
        eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum > MAX_SECTIONS ||
        eh->e_shoff > len || (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > len - eh->e_shoff)
        return false;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(file + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; i++)
        if (sh[i].sh_type != SHT_NOBITS &&
            (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset))
            return false;
        else if (sh[i].sh_link >= eh->e_shnum)
            return false;
    return true;
}

jit_obj *jit_obj_load(const void *data, size_t len)
{
    const char *file = data;
    if (!sane(file, len))
        return NULL;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(file + eh->e_shoff);
    int n = eh->e_shnum;
    const char *ext[MAX_EXTERN];
    int next = externs(file, sh, n, ext);
    layout L;
    for (int i = 0; i < MAX_SECTIONS; i++)
        L.off[i] = -1;
    if (next < 0 || !plan_layout(sh, n, next, &L))
        return NULL;
    void *addr[MAX_EXTERN];
    for (int k = 0; k < next; k++)
        if (!(addr[k] = outside(ext[k])))
            return NULL;
    char *base = mmap(NULL, L.total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    for (int i = 0; i < n; i++)
        if (L.off[i] >= 0 && sh[i].sh_type != SHT_NOBITS)
            memcpy(base + L.off[i], file + sh[i].sh_offset, sh[i].sh_size);
    for (int k = 0; k < next; k++) { /* stubs and GOT entries */
        unsigned char *st = (unsigned char *)base + L.stubs + (size_t)k * STUB_BYTES;
        static const unsigned char jmp[6] = {0xff, 0x25, 0, 0, 0, 0};
        uint64_t a = (uint64_t)(uintptr_t)addr[k];
        memcpy(st, jmp, 6);
        memcpy(st + 6, &a, 8);
        memcpy(base + L.got + (size_t)k * 8, &a, 8);
    }
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        if (sh[i].sh_type == SHT_REL)
            ok = false;
        else if (sh[i].sh_type == SHT_RELA)
            ok = relocate(file, sh, &sh[i], &L, base, ext, next);
    }
    jit_obj *o = ok ? calloc(1, sizeof *o) : NULL;
    for (int i = 0; o && ok && i < n; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || o->fn_name) /* (ELF has one) */
            continue;
        const Elf64_Sym *syms = (const Elf64_Sym *)(file + sh[i].sh_offset);
        const char *names = file + sh[sh[i].sh_link].sh_offset;
        size_t ns = sh[i].sh_size / sizeof *syms;
        o->fn_name = calloc(ns + 1, sizeof *o->fn_name);
        o->fn_addr = calloc(ns + 1, sizeof *o->fn_addr);
        if (!o->fn_name || !o->fn_addr) {
            ok = false;
            break;
        }
        for (size_t s = 0; s < ns; s++) {
            uint64_t a;
            if (ELF64_ST_TYPE(syms[s].st_info) != STT_FUNC ||
                syms[s].st_name >= sh[sh[i].sh_link].sh_size ||
                !sym_addr(&syms[s], names, &L, base, ext, next, false, &a))
                continue;
            o->fn_addr[o->nfn] = (void *)(uintptr_t)a;
            if (!(o->fn_name[o->nfn++] = strdup(names + syms[s].st_name)))
                ok = false;
        }
    }
    ok = ok && o && !mprotect(base, L.text_end, PROT_READ | PROT_EXEC) &&
         !mprotect(base + L.data_start, L.total - L.data_start, PROT_READ);
    if (!ok) {
        jit_obj_close(o);
        munmap(base, L.total);
        return NULL;
    }
    return o;
}

void jit_obj_close(jit_obj *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->nfn; i++)
        free(o->fn_name[i]);
    free(o->fn_name);
    free(o->fn_addr);
    free(o);
}

void *jit_obj_symbol(const jit_obj *o, const char *name)
{
    for (int i = 0; i < o->nfn; i++)
        if (!strcmp(o->fn_name[i], name))
            return o->fn_addr[i];
    return NULL;
}
