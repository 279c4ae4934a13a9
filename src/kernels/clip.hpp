// clip: y = min(max(x, lo), hi) elementwise (clip_keep_nan is also the clip inside the cross-entropies).
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "kernels/elementwise.hpp"

namespace nnsimd::kernels {

// clip(x) = x < lo ? lo : (x > hi ? hi : x); NaN fails both compares and is kept, as numpy.clip.
// Also the clip inside the cross-entropies (categorical_cross_entropy.hpp). On x86 min(hi, max(lo, x)): MAXPS/MINPS return
// the second operand when one is NaN or both are equal, which is this expression exactly (same bits,
// signed zeros included), in 2 operations instead of 2 compares and 2 blends.
template <class Arch, class V>
inline V clip_keep_nan(V x, V lo, V hi) {
  if constexpr (x86_minmax<Arch>)
    return xsimd::min(hi, xsimd::max(lo, x));
  else
    return xsimd::select(x < lo, lo, xsimd::select(x > hi, hi, x));
}

template <class Arch, class T>
struct clip_op {
  T lo, hi;
  template <class V>
  V operator()(V x) const {
    return clip_keep_nan<Arch>(x, V(lo), V(hi));
  }
  T scalar(T x) const { return x < lo ? lo : (x > hi ? hi : x); }
};

template <class Arch, class T>
void clip(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows, std::size_t cols, T lo, T hi) {
  map_rows<Arch>(x, ldx, y, ldy, rows, cols, clip_op<Arch, T>{lo, hi});
}

}  // namespace nnsimd::kernels
