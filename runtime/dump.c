/*
 * dump.c -- what `loom dump` and LOOM_DUMP show of an evaluation.
 */
#include "runtime/exec.h"

#include <string.h>

unsigned loom_dump_parse_stages(const char *list)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"source", LOOM_DUMP_SOURCE}, {"graph", LOOM_DUMP_GRAPH},
        {"opt", LOOM_DUMP_OPT},       {"fusion", LOOM_DUMP_FUSION},
        {"einsum", LOOM_DUMP_EINSUM}, {"memory", LOOM_DUMP_MEMORY},
        {"kernel", LOOM_DUMP_KERNEL}, {"llvm", LOOM_DUMP_LLVM},
        {"llvm-opt", LOOM_DUMP_LLVM_OPT}, {"asm", LOOM_DUMP_ASM},
        {"stats", LOOM_DUMP_STATS},   {"all", LOOM_DUMP_ALL},
        {"json", LOOM_DUMP_JSON},
    };
    unsigned mask = 0;
    if (!list)
        return 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool found = false;
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (strlen(names[i].name) == n && !strncmp(names[i].name, p, n)) {
                mask |= names[i].bit;
                found = true;
            }
        if (!found)
            return 0;
        p += n;
        if (*p == ',')
            p++;
    }
    return mask;
}

void rt_dump_program(const rt_program *p, FILE *out, unsigned stages)
{
    const fuse_plan *plan = &p->plan;
    if (stages & LOOM_DUMP_FUSION) {
        fprintf(out, "== fusion: %d step(s)\n", plan->nsteps);
        for (int i = 0; i < plan->ncuts; i++)
            fprintf(out, "  cut %s -> %s: %s\n",
                    graph_ops[plan->cuts[i].producer->op].npname,
                    plan->cuts[i].consumer
                        ? graph_ops[plan->cuts[i].consumer->op].npname
                        : "(output)",
                    plan->cuts[i].reason);
    }
    for (int i = 0; i < plan->nsteps; i++) {
        const rt_kstep *ks = &p->ks[i];
        if (stages & LOOM_DUMP_KERNEL)
            jit_kernel_print(&ks->k, out);
        if (stages & (LOOM_DUMP_LLVM | LOOM_DUMP_LLVM_OPT | LOOM_DUMP_ASM)) {
            jit_texts t;
            char err[256];
            if (jit_texts_make(&ks->k, stages & LOOM_DUMP_LLVM,
                               stages & LOOM_DUMP_LLVM_OPT,
                               stages & LOOM_DUMP_ASM, &t, err, sizeof err)) {
                if (t.llvm)
                    fprintf(out, "-- llvm\n%s", t.llvm);
                if (t.llvm_opt)
                    fprintf(out, "-- llvm-opt\n%s", t.llvm_opt);
                if (t.asm_text)
                    fprintf(out, "-- asm\n%s", t.asm_text);
            }
            jit_texts_free(&t);
        }
        if (stages & LOOM_DUMP_STATS)
            fprintf(out, "  %s: %s, compile %.3f ms (emit %.3f, verify %.3f, "
                         "opt %.3f, codegen %.3f, link %.3f), run %.3f ms\n",
                    ks->k.name, ks->cinfo.mem_hit ? "cache hit" : "compiled",
                    ks->cinfo.total_ms, ks->cinfo.emit_ms, ks->cinfo.verify_ms,
                    ks->cinfo.opt_ms, ks->cinfo.codegen_ms, ks->cinfo.link_ms,
                    ks->run_ms);
    }
}
