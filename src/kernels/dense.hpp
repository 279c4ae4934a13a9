// dense_forward / dense_relu: y[r, :] = x[r, :] . w + b (then max(0, .) for dense_relu), w in the book's
// n_in x n_out layout, so the output columns are contiguous in w and a vector of outputs is a vector of
// one w row times a broadcast x element.
//
// Two paths, chosen from the shape alone (never from the rows a thread gets):
//   * general (dense_general): a register-blocked micro-tile of MR rows x NV vectors of outputs, xsimd::fma
//     along k, cache blocking over k (KC) and n (NC), W copied into zero-padded panels when rows amortize it;
//   * skinny (dense_skinny): n_out below one vector and a tiny n_in (the book's 300x2->3, 300x3->3). The
//     contiguous output y[r * n_out + j] is computed flat, each vector spanning several rows: lane f needs
//     x[r0 + f / n_out, k] (a permute of one or two vectors loaded from x) times w[k, f % n_out] (a vector
//     that repeats every group of rows, built once per call).
//
// For a given shape, every output element is computed by the same operations whatever rows a call or a
// thread gets: within each k block (at most KC = 1024 k, blocks fixed by n_in alone), acc = 0 then
// acc = fma(x[k], w[k], acc) in k order; block sums are added in block order; then + b; then relu. So
// results are bit-identical for every thread count and row partition on a given ISA (packing or not
// changes no arithmetic), and the sum is formed before the bias, as np.dot(x, w) + b.
#pragma once

#include <cstddef>
#include <new>

#include "kernels/dense/blocked.hpp"
#include "kernels/dense/common.hpp"
#include "kernels/dense/pack.hpp"
#include "kernels/dense/skinny.hpp"
#include "kernels/dense/tile.hpp"

namespace nnsimd::kernels {
namespace dense_detail {

template <class Arch, class T, bool Relu>
void dense(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b, T* y, std::size_t ldy,
           std::size_t rows, std::size_t n_in, std::size_t n_out) {
  if (rows == 0 || n_out == 0) return;
  if (skinny_plan<Arch, T>::fits(n_in, n_out)) {
    skinny_plan<Arch, T> pl;
    pl.init(w, ldw, b, n_in, n_out);
    skinny<Arch, T, Relu>(pl, x, ldx, y, ldy, rows);
    return;
  }
  dense_general<Arch, T, Relu>(x, ldx, w, ldw, b, y, ldy, rows, n_in, n_out, nullptr);
}

// ---- prepacked weights --------------------------------------------------------------------------------
// What dense() prepares from w and b on every call, prepared once: the skinny path's plan (its permute
// indices, weight and bias vectors) stored as an object in the buffer, or the general path's W panels and
// padded bias. Which one is a function of the shape alone (skinny_plan::fits), so the packed buffer needs
// no header; it is this ISA's private layout, 64-byte aligned.
template <class Arch, class T>
std::size_t packed_size(std::size_t n_in, std::size_t n_out) {
  if (skinny_plan<Arch, T>::fits(n_in, n_out)) return ceil_div<Arch>(sizeof(skinny_plan<Arch, T>), sizeof(T));
  return blocking<Arch, T>(n_in, n_out).packed_size(n_in);
}

template <class Arch, class T>
void pack(const T* w, std::size_t ldw, const T* b, std::size_t n_in, std::size_t n_out, T* packed) {
  using plan = skinny_plan<Arch, T>;
  if (plan::fits(n_in, n_out))
    (::new (static_cast<void*>(packed)) plan())->init(w, ldw, b, n_in, n_out);
  else
    pack_general<Arch>(w, ldw, b, n_in, n_out, packed);
}

template <class Arch, class T, bool Relu>
void dense_packed(const T* x, std::size_t ldx, const T* packed, T* y, std::size_t ldy, std::size_t rows,
                  std::size_t n_in, std::size_t n_out) {
  using plan = skinny_plan<Arch, T>;
  if (rows == 0 || n_out == 0) return;
  if (plan::fits(n_in, n_out))
    skinny<Arch, T, Relu>(*std::launder(reinterpret_cast<const plan*>(packed)), x, ldx, y, ldy, rows);
  else
    dense_general<Arch, T, Relu>(x, ldx, nullptr, 0, nullptr, y, ldy, rows, n_in, n_out, packed);
}

}  // namespace dense_detail

template <class Arch, class T>
void dense_forward(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b, T* y, std::size_t ldy,
                   std::size_t rows, std::size_t n_in, std::size_t n_out) {
  dense_detail::dense<Arch, T, false>(x, ldx, w, ldw, b, y, ldy, rows, n_in, n_out);
}

template <class Arch, class T>
void dense_relu(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b, T* y, std::size_t ldy,
                std::size_t rows, std::size_t n_in, std::size_t n_out) {
  dense_detail::dense<Arch, T, true>(x, ldx, w, ldw, b, y, ldy, rows, n_in, n_out);
}

template <class Arch, class T>
std::size_t dense_packed_size(std::size_t n_in, std::size_t n_out) {
  return dense_detail::packed_size<Arch, T>(n_in, n_out);
}

template <class Arch, class T>
void dense_pack(const T* w, std::size_t ldw, const T* b, std::size_t n_in, std::size_t n_out, T* packed) {
  dense_detail::pack<Arch>(w, ldw, b, n_in, n_out, packed);
}

template <class Arch, class T>
void dense_packed_forward(const T* x, std::size_t ldx, const T* packed, T* y, std::size_t ldy, std::size_t rows,
                          std::size_t n_in, std::size_t n_out) {
  dense_detail::dense_packed<Arch, T, false>(x, ldx, packed, y, ldy, rows, n_in, n_out);
}

template <class Arch, class T>
void dense_packed_relu(const T* x, std::size_t ldx, const T* packed, T* y, std::size_t ldy, std::size_t rows,
                       std::size_t n_in, std::size_t n_out) {
  dense_detail::dense_packed<Arch, T, true>(x, ldx, packed, y, ldy, rows, n_in, n_out);
}

}  // namespace nnsimd::kernels
