// The loss_detail helpers shared by categorical_cross_entropy.hpp and argmax.hpp: a vector built from L scalars
// (from_lanes) and a column of L rows (column). The loss kernels (categorical_cross_entropy.hpp, argmax.hpp, sum.hpp):
//
// Categorical cross-entropy (sparse and one-hot labels), argmax, accuracy and the sum behind the mean
// loss. softmax and the fused softmax cross-entropy live in softmax.hpp.
//
// Layout of the work. A loss or an argmax is one value per row, so two shapes of loop are used, and the
// choice depends on `cols` alone (never on the thread partition), which keeps every result bit-identical
// for every thread count:
//   * short rows (cols below a per-kernel threshold): vectorized ACROSS rows. Lane k of a vector holds
//     row r + k; column j of L rows is loaded element by element into a vector. The book's 300 x 3 and
//     the 1024 x 10 of MNIST-sized heads then run full vectors instead of 3- or 10-element tails.
//   * long rows: vectorized ALONG the row, with independent accumulators.
// The per-row results of L rows are then finished by ONE vector log (cross-entropy): the log is the
// expensive part of a short row, and the vector log (log.hpp) costs about as much as one scalar log.
// The last block of a range is padded to a full vector (through a small buffer), so a row is computed by
// the same instructions wherever the partition puts it.
#pragma once

#include <cstddef>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "kernels/simd.hpp"

namespace nnsimd::kernels {

namespace loss_detail {

using simd::hmax;
using simd::is_avx512;
using simd::store_first;

// A vector from L scalars f(0), ..., f(L-1), built in registers (inserts and unpacks). Measured on the
// Zen 4 guest against the alternatives, for 16 float lanes: a vgatherdps costs 10-18 ns, and 16 scalar
// stores followed by one vector load of them stalls on store-to-load forwarding (a wide load spanning
// several stores is not forwarded) for about as long.
template <class Arch, class T, class F, std::size_t... K>
inline xsimd::batch<T, Arch> from_lanes(const F& f, std::index_sequence<K...>) {
  return xsimd::batch<T, Arch>({f(K)...});
}
template <class Arch, class T, class F>
inline xsimd::batch<T, Arch> from_lanes(const F& f) {
  return from_lanes<Arch, T>(f, std::make_index_sequence<xsimd::batch<T, Arch>::size>());
}

// Column j of rows [r, r + n), n <= L, as one vector (base = &x[r, j]); lanes >= n get `pad`.
template <class Arch, class T>
inline xsimd::batch<T, Arch> column(const T* base, std::size_t ld, std::size_t n, T pad) {
  return from_lanes<Arch, T>([&](std::size_t k) { return k < n ? base[k * ld] : pad; });
}

}  // namespace loss_detail

}  // namespace nnsimd::kernels
