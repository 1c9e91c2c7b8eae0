// One binary carries x86-64-v4 (AVX-512), x86-64-v3 (AVX2 with FMA) and baseline versions of
// each kernel marked MULTIVERSION; the loader picks one for the CPU (ifunc). Clones are chosen
// by CPU features, not by CPU model, so new CPUs get the wide versions too.
#ifndef COMPACTREC_MULTIVERSION_H
#define COMPACTREC_MULTIVERSION_H

#if defined(__x86_64__) && defined(__linux__)
#define MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MULTIVERSION
#endif

// A square root that never sets errno, so loops over it vectorise without -fno-math-errno
// (a compiler flag that SwiftPM accepts only from a package's root, not from a dependency).
#if defined(__has_builtin) && __has_builtin(__builtin_elementwise_sqrt)
#define CK_SQRTF(x) __builtin_elementwise_sqrt(x)
#else
#define CK_SQRTF(x) __builtin_sqrtf(x)
#endif

#endif
