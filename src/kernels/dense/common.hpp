// dense_detail helpers shared by the dense kernel's files: compile-time unroll, min / ceil-div / gcd,
// and the per-thread scratch buffer.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "kernels/simd.hpp"

namespace nnsimd::kernels {
namespace dense_detail {

using simd::is_avx2;
using simd::is_avx512;
using simd::load_first;
using simd::store_first;

// Calls f(integral_constant<0>), ..., f(integral_constant<N-1>): a loop the compiler must unroll, so
// arrays of batches indexed by it stay in registers.
template <class Arch, std::size_t N, class F>
inline void unroll(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) { (f(std::integral_constant<std::size_t, I>{}), ...); }
  (std::make_index_sequence<N>{});
}

template <class Arch>
constexpr std::size_t min_of(std::size_t a, std::size_t b) {
  return a < b ? a : b;
}
template <class Arch>
constexpr std::size_t ceil_div(std::size_t a, std::size_t b) {
  return (a + b - 1) / b;
}
// Not std::gcd: a library template not inlined (-Og) would be one weak symbol shared by every ISA's
// object, compiled with one of their flags (tests/check_isa_symbols.cmake).
template <class Arch>
constexpr std::size_t gcd_of(std::size_t a, std::size_t b) {
  while (b) {
    const std::size_t t = a % b;
    a = b, b = t;
  }
  return a;
}

// ---- per-thread scratch -------------------------------------------------------------------------------
// One 64-byte-aligned buffer per thread, ISA and type, grown on demand and kept across calls: a fresh
// allocation of the 512 KiB W block per call would cost an mmap and ~128 page faults (tens of us). Slot
// tells apart the buffers of callers that are live at once (the fused pass's row blocks around dense's
// W panels: slot 0 is dense's).
template <class Arch, class T, int Slot = 0>
T* scratch(std::size_t n) {
  struct aligned_delete {
    void operator()(T* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  thread_local std::unique_ptr<T[], aligned_delete> buf;
  thread_local std::size_t cap = 0;
  if (n > cap) {
    buf.reset(static_cast<T*>(::operator new[](n * sizeof(T), std::align_val_t{64})));
    cap = n;
  }
  return buf.get();
}

}  // namespace dense_detail
}  // namespace nnsimd::kernels
