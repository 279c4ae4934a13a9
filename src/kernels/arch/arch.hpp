// The ISA-specific code of the kernels, one file per ISA: every intrinsic and every <immintrin.h> lives
// under src/kernels/arch/. Each file declares its struct template (x86_sse2, x86_avx2, x86_avx512<Arch,
// T>) on every target and defines it, specialized for float and double, only when the translation
// unit's flags enable that ISA. A kernel selects a path with `if constexpr` on the xsimd Arch
// (simd::is_avx512<Arch>, ...) and calls arch::x86_<isa><Arch, T>::...: a dependent name, looked up only
// when the branch is instantiated, i.e. in the ISA's own translation unit (src/isa/<isa>.cpp).
// Every member is a template on Arch, so each ISA object gets symbols of its own
// (src/isa/isa_tu.inc, tests/check_isa_symbols.cmake).
#pragma once

#include "kernels/arch/declarations.hpp"
#include "kernels/arch/x86_avx2.hpp"
#include "kernels/arch/x86_avx512.hpp"
#include "kernels/arch/x86_sse2.hpp"
