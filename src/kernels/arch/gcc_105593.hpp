// GCC 12 warns "__Y may be used uninitialized" inside its own AVX-512 intrinsics (the vector max and
// reduce-max that xsimd and arch/x86_avx512.hpp call; GCC bug 105593, fixed in GCC 13). A kernel header
// whose templates reach them brackets its code with NNSIMD_GCC105593_BEGIN / NNSIMD_GCC105593_END, which
// silence those two warnings for that header's code only.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#define NNSIMD_GCC105593_BEGIN                                  \
  _Pragma("GCC diagnostic push")                                \
  _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"") \
  _Pragma("GCC diagnostic ignored \"-Wuninitialized\"")
#define NNSIMD_GCC105593_END _Pragma("GCC diagnostic pop")
#else
#define NNSIMD_GCC105593_BEGIN
#define NNSIMD_GCC105593_END
#endif
