/*
 * Instruction-set dispatch: AVX-512, AVX2+FMA or SSE2 on x86-64, plain C
 * elsewhere. The best level is found once; convtool_simd_force() pins one
 * (the tests run every path; CONVTOOL_SIMD does the same for the program).
 */
#include <stdatomic.h>
#include <strings.h>

#include "convtool/convtool.h"
#include "conv/simd/simd.h"

static const char *const level_names[] = {"auto", "scalar", "sse2", "avx2", "avx512"};

static atomic_int forced_level = CONVTOOL_SIMD_AUTO;

static int cpu_has(convtool_simd level)
{
    switch (level) {
    case CONVTOOL_SIMD_SCALAR:
        return 1;
#if defined(CONVTOOL_X86_64)
    case CONVTOOL_SIMD_SSE2:
        return 1; /* part of x86-64 */
    case CONVTOOL_SIMD_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case CONVTOOL_SIMD_AVX512:
        return __builtin_cpu_supports("avx512f");
#endif
    default:
        return 0;
    }
}

static convtool_simd best_level(void)
{
    for (int level = CONVTOOL_SIMD_AVX512; level > CONVTOOL_SIMD_SCALAR; level--)
        if (cpu_has((convtool_simd)level))
            return (convtool_simd)level;
    return CONVTOOL_SIMD_SCALAR;
}

convtool_simd convtool_simd_active(void)
{
    int forced = atomic_load(&forced_level);
    return forced != CONVTOOL_SIMD_AUTO ? (convtool_simd)forced : best_level();
}

convtool_status convtool_simd_force(convtool_simd level)
{
    if ((unsigned)level > CONVTOOL_SIMD_AVX512)
        return CONVTOOL_EINVAL;
    if (level != CONVTOOL_SIMD_AUTO && !cpu_has(level))
        return CONVTOOL_EUNSUPPORTED;
    atomic_store(&forced_level, level);
    return CONVTOOL_OK;
}

const char *convtool_simd_name(convtool_simd level)
{
    return (unsigned)level <= CONVTOOL_SIMD_AVX512 ? level_names[level] : "unknown";
}

convtool_status convtool_simd_parse(const char *text, convtool_simd *level)
{
    for (int i = 0; i <= CONVTOOL_SIMD_AVX512; i++) {
        if (strcasecmp(text, level_names[i]) == 0) {
            *level = (convtool_simd)i;
            return CONVTOOL_OK;
        }
    }
    return CONVTOOL_EINVAL;
}

/* The loops of each level; levels this build has no code for fall back to plain C. */
struct simd_loops {
    rowconv_fn rowconv;
    finite_scan_fn finite_scan;
};

static const struct simd_loops loops[CONVTOOL_SIMD_AVX512 + 1] = {
    [CONVTOOL_SIMD_SCALAR] = {rowconv_scalar, finite_scan_scalar},
#if defined(CONVTOOL_X86_64)
    [CONVTOOL_SIMD_SSE2] = {rowconv_sse2, finite_scan_sse2},
    [CONVTOOL_SIMD_AVX2] = {rowconv_avx2, finite_scan_avx2},
    [CONVTOOL_SIMD_AVX512] = {rowconv_avx512, finite_scan_avx512},
#endif
};

static const struct simd_loops *active_loops(void)
{
    const struct simd_loops *l = &loops[convtool_simd_active()];
    return l->rowconv ? l : &loops[CONVTOOL_SIMD_SCALAR];
}

rowconv_fn simd_rowconv(void)
{
    return active_loops()->rowconv;
}

finite_scan_fn simd_finite_scan(void)
{
    return active_loops()->finite_scan;
}
