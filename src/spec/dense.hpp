// dense_forward, dense_relu and the packed layer (dense_packed_size, dense_pack, dense_packed_forward,
// dense_packed_relu): y = x . w + b, relu(x . w + b).
#pragma once

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "spec/inputs.hpp"
#include "spec/shapes.hpp"
#include "spec/spec.hpp"

namespace nnsimd::spec {

// ---- oracle and bound ---------------------------------------------------------------------------

// One output y_ij = sum_k x_ik w_kj + b_j in long double (products summed in k order, then the bias),
// and its forward-error scale sum_k |x_ik w_kj| + |b_j|.
template <class T>
struct dense_exact {
  wide y, scale;
};

template <class T>
dense_exact<T> dense_element(const args<T>& a, std::size_t i, std::size_t j, bool relu) {
  wide s = 0, scale = std::fabs(wide(a.b[j]));
  for (std::size_t k = 0; k < a.n_in; ++k) {
    const wide prod = wide(a.x[i * a.ldx + k]) * wide(a.w[k * a.ldw + j]);
    s += prod;
    scale += std::fabs(prod);
  }
  s += wide(a.b[j]);
  return {relu && s < 0 ? wide(0) : s, scale};
}

// One output computed with n_in products and n_in additions in T, in any association order, with or
// without FMA:
//   |y - exact| <= gamma_(n_in + 1) * (sum_k |x_ik w_kj| + |b_j|)      (Higham, eq. 3.5)
// relu afterwards cannot increase the error. Blocked or multi-accumulator orders obey the same bound
// (their depth is smaller).
template <class T>
long double dense_bound(long double scale, std::size_t n_in) {
  return numerics::gamma<T>(static_cast<long double>(n_in) + 1) * scale;
}

// ---- the ops ------------------------------------------------------------------------------------

template <class T, bool Relu, bool Packed>
struct dense_layer : op_base<T> {
  static constexpr bool relu = Relu;
  static constexpr bool packed = Packed;

  // The benchmarks' inputs: x, w and b uniform in [-1, 1).
  static void inputs(data<T>& d, std::mt19937_64& g) {
    fill_uniform(d.x, d.rows * d.n_in, -1, 1, g);
    fill_uniform(d.w, d.n_in * d.cols, -1, 1, g);
    fill_uniform(d.b, d.cols, -1, 1, g);
    d.y.allocate(d.rows * d.cols);
  }

  // The standard set: the book's 2 -> 3 and 3 -> 3, odd sizes around the vector widths, and a long dot
  // product; finite adversarial values in one shape (an infinity would void the bound).
  static std::vector<shape> shapes() {
    return {{300, 3, 2, false}, {300, 3, 3, false}, {37, 13, 19, true}, {17, 33, 67, false}, {8, 20, 784, false}};
  }
  static void standard(data<T>& d, std::mt19937_64& g, bool specials) {
    fill_mixed(d.x, d.rows * d.n_in, g, false);
    fill_mixed(d.w, d.n_in * d.cols, g, false);
    fill_mixed(d.b, d.cols, g, false);
    if (specials) {  // +-1e4, subnormals, zeros
      const T sp[] = {T(1e4), T(-1e4), std::numeric_limits<T>::denorm_min(), std::numeric_limits<T>::min() / T(3),
                      T(0), T(-0.0), T(88.5), T(-103)};
      for (std::size_t k = 0; k < d.x.n; k += 5) d.x[k] = sp[(k / 5) % 8];
      for (std::size_t k = 0; k < d.w.n; k += 11) d.w[k] = sp[(k / 11) % 8];
    }
    d.y.allocate(d.rows * d.cols);
  }

  // Benchmarks: FMA-bound (no memory ceiling); 2 rows n_in n_out flops a call (the bias adds are not
  // counted, as in GEMM figures); every input element read once and every output written once.
  static std::vector<named_shape> bench_shapes() { return shape_set(dense_shapes); }
  static constexpr const char* roof = "roof=fma";
  static constexpr const char* mem_mix = nullptr;
  static constexpr int read_streams = 1;
  static double flops(const args<T>& a) { return 2.0 * double(a.rows) * double(a.n_in) * double(a.cols); }
  static double bytes(const args<T>& a) {
    return double(sizeof(T)) * (double(a.rows) * a.n_in + double(a.n_in) * a.cols + a.cols + double(a.rows) * a.cols);
  }

  // A packed layer is packed once, before the calls, by the table called (its own layout).
  static void prepare(const detail::kernel_table<T>& t, data<T>& d) {
    if constexpr (Packed) {
      d.packed.allocate(t.dense_packed_size(d.n_in, d.cols));
      t.dense_pack(d.w.get(), d.cols, d.b.get(), d.n_in, d.cols, d.packed.get());
    }
  }

  static void call(const detail::kernel_table<T>& t, const args<T>& a) {
    if constexpr (Packed)
      (Relu ? t.dense_packed_relu : t.dense_packed_forward)(a.x, a.ldx, a.packed, a.y, a.ldy, a.rows, a.n_in, a.cols);
    else
      (Relu ? t.dense_relu : t.dense_forward)(a.x, a.ldx, a.w, a.ldw, a.b, a.y, a.ldy, a.rows, a.n_in, a.cols);
  }

  template <class V>
  static bool check(const args<T>& a, const budget&, const sample& s, V&& visit) {
    for (std::size_t i : pick(a.rows, s.rows))
      for (std::size_t j : pick(a.cols, s.cols)) {
        const dense_exact<T> e = dense_element(a, i, j, Relu);
        if (!visit(element{"y", i, j, a.y[i * a.ldy + j], e.y, dense_bound<T>(e.scale, a.n_in)})) return false;
      }
    return true;
  }
};

template <class T>
struct dense_forward : dense_layer<T, false, false> {};
template <class T>
struct dense_relu : dense_layer<T, true, false> {};
template <class T>
struct dense_packed_forward : dense_layer<T, false, true> {};
template <class T>
struct dense_packed_relu : dense_layer<T, true, true> {};

// The packed layer's set-up: dense_packed_forward and dense_packed_relu call them (prepare) and are
// checked against the oracle of the unpacked layer; a layout is private to its ISA, so nothing else
// about the packed buffer is specified.
template <class T>
struct dense_packed_size {
  static constexpr bool setup = true;
};
template <class T>
struct dense_pack {
  static constexpr bool setup = true;
};

}  // namespace nnsimd::spec
