/* Run-time selection of the code path: CPU check done once and cached. */
#include "nnz_internal.h"
#include <stdlib.h>
#include <string.h>

/* -2: not yet initialised; otherwise NNZ_PATH_PORTABLE/AVX2/AVX512.  With g_vnni, the only
 * mutable global state of the library.  Accessed atomically; racing initialisations compute
 * the same value. */
static int g_path = -2;
static int g_best = -2;
static int g_vnni = -1; /* -1: not yet checked */
static int g_avxvnni = -1;
static int g_vnni_allowed = -1; /* -1: not yet read from NNZ_INT8_VNNI */

static int detect_best(void) {
    int best = __atomic_load_n(&g_best, __ATOMIC_RELAXED);
    if (best != -2) return best;
    best = NNZ_PATH_PORTABLE;
#if defined(__x86_64__)
    __builtin_cpu_init();
    /* __builtin_cpu_supports also checks (XGETBV) that the OS saves the AVX / AVX-512 state. */
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    int avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    best = avx512 ? NNZ_PATH_AVX512 : (avx2 ? NNZ_PATH_AVX2 : NNZ_PATH_PORTABLE);
#endif
    __atomic_store_n(&g_best, best, __ATOMIC_RELAXED);
    return best;
}

static int resolve(int requested) {
    int best = detect_best();
    if (requested < 0 || requested > best) return best;
    return requested;
}

static int path_from_env(void) {
    const char *s = getenv("NNZ_KERNELS");
    if (s == NULL || *s == 0 || strcmp(s, "auto") == 0) return resolve(NNZ_PATH_AUTO);
    if (strcmp(s, "portable") == 0) return resolve(NNZ_PATH_PORTABLE);
    if (strcmp(s, "avx2") == 0) return resolve(NNZ_PATH_AVX2);
    if (strcmp(s, "avx512") == 0) return resolve(NNZ_PATH_AVX512);
    return resolve(NNZ_PATH_AUTO); /* unknown value: ignore */
}

int nnz_kernels_path_id(void) {
    int p = __atomic_load_n(&g_path, __ATOMIC_RELAXED);
    if (p == -2) {
        p = path_from_env();
        int expected = -2;
        /* keep a concurrent nnz_kernels_force_path if one won the race */
        if (!__atomic_compare_exchange_n(&g_path, &expected, p, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            p = expected;
    }
    return p;
}

const char *nnz_kernels_path(void) {
    switch (nnz_kernels_path_id()) {
    case NNZ_PATH_AVX512: return "avx512";
    case NNZ_PATH_AVX2: return "avx2";
    default: return "portable";
    }
}

int nnz_cpu_has_vnni(void) {
    int v = __atomic_load_n(&g_vnni, __ATOMIC_RELAXED);
    if (v < 0) {
        v = 0;
#if defined(__x86_64__)
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
            __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
#endif
        __atomic_store_n(&g_vnni, v, __ATOMIC_RELAXED);
    }
    return v;
}

int nnz_cpu_has_avxvnni(void) {
    int v = __atomic_load_n(&g_avxvnni, __ATOMIC_RELAXED);
    if (v < 0) {
        v = 0;
#if defined(__x86_64__)
        /* CPUID.(EAX=7, ECX=1):EAX bit 4; the AVX state check is the avx2 path's. */
        if (detect_best() >= NNZ_PATH_AVX2) {
            unsigned a = 7, b, c = 1, d;
            __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
            unsigned max_leaf = 0, b0, c0 = 0, d0;
            __asm__ volatile("cpuid" : "=a"(max_leaf), "=b"(b0), "+c"(c0), "=d"(d0) : "a"(0));
            v = max_leaf >= 7 && ((a >> 4) & 1);
        }
#endif
        __atomic_store_n(&g_avxvnni, v, __ATOMIC_RELAXED);
    }
    return v;
}

int nnz_int8_vnni_allowed(void) {
    int v = __atomic_load_n(&g_vnni_allowed, __ATOMIC_RELAXED);
    if (v < 0) {
        const char *s = getenv("NNZ_INT8_VNNI");
        v = !(s != NULL && strcmp(s, "0") == 0);
        int expected = -1;
        if (!__atomic_compare_exchange_n(&g_vnni_allowed, &expected, v, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            v = expected;
    }
    return v;
}

void nnz_int8_force_vnni(int on) {
    __atomic_store_n(&g_vnni_allowed, on ? 1 : 0, __ATOMIC_RELAXED);
}

int nnz_kernels_path_supported(int path) {
    if (path == NNZ_PATH_AUTO || path == NNZ_PATH_PORTABLE) return 1;
    if (path != NNZ_PATH_AVX2 && path != NNZ_PATH_AVX512) return 0;
    return path <= detect_best();
}

void nnz_kernels_force_path(int path) {
    __atomic_store_n(&g_path, resolve(path), __ATOMIC_RELAXED);
}

const nnz_path_ops *nnz_active_ops(void) {
#if defined(__x86_64__)
    switch (nnz_kernels_path_id()) {
    case NNZ_PATH_AVX512: return &nnz_ops_avx512;
    case NNZ_PATH_AVX2: return &nnz_ops_avx2;
    default: break;
    }
#endif
    return &nnz_ops_portable;
}
