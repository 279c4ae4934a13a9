// The per-ISA structs of src/kernels/arch/ (see arch.hpp), declared on every target; each x86_<isa>.hpp
// defines its own, specialized for float and double, only when the translation unit's flags enable it.
#pragma once

namespace nnsimd::kernels::arch {

template <class Arch, class T>
struct x86_sse2;
template <class Arch, class T>
struct x86_avx2;
template <class Arch, class T>
struct x86_avx512;

}  // namespace nnsimd::kernels::arch
