// What an op is, written once. Each op of kernels.def has a specification in src/spec/<op>.hpp: its
// inputs (the ordinary ones the benchmarks time, and the standard set with adversarial values that the
// tests and `nnsimd accuracy` check), its call through a kernel table, its long-double oracle and the
// derived error bound of each output. The tests, the benchmark's check of every implementation and peer
// before it is timed, and `nnsimd accuracy` all go through it (src/spec/all.hpp: an op of kernels.def
// without a specification does not compile).
//
// This file holds what the specifications share: the arguments of one call, the buffers that own them,
// the accuracy budget of an implementation's exp and log, and the element a check reports.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <vector>

#include "nnsimd/detail/kernel_table.hpp"
#include "numerics/ulp.hpp"
#include "spec/op.hpp"

namespace nnsimd::spec {

using wide = long double;  // the oracle's type: x87 extended on x86-64, IEEE quad on AArch64

// The arguments of one call, as kernels.def passes them: row-major matrices with row strides (in
// elements); rows are the batch. Dense: x is rows x n_in, w n_in x cols, y rows x cols (cols = n_out).
// The forward pass: w n_in x n_hid, w2 n_hid x cols (its second layer), packed2 the second layer packed.
template <class T>
struct args {
  std::size_t rows = 0, cols = 0, n_in = 0, n_hid = 0;
  const T* x = nullptr;
  std::size_t ldx = 0;
  const T* w = nullptr;
  std::size_t ldw = 0;
  const T* b = nullptr;
  const T* w2 = nullptr;  // the forward pass's second layer (ld = cols)
  const T* b2 = nullptr;
  const T* p = nullptr;  // the losses' probabilities
  std::size_t ldp = 0;
  const T* t = nullptr;  // one-hot targets
  std::size_t ldt = 0;
  const std::int32_t* labels = nullptr;
  const T* packed = nullptr;  // a packed dense layer (dense_pack's output)
  const T* packed2 = nullptr;  // the forward pass's second layer, packed
  T* y = nullptr;
  std::size_t ldy = 0;
  T* losses = nullptr;
  std::int32_t* idx = nullptr;
  std::size_t* count = nullptr;  // accuracy's result
  double* total = nullptr;       // sum's result
  T lo = T(1e-7), hi = T(1) - T(1e-7), eps = T(1e-7);
};

// 64-byte aligned storage (whole cache lines, aligned AVX-512 loads possible), zeroed, with 64 bytes of
// padding after the last element for peers that read past the end (XNNPACK: XNN_EXTRA_BYTES = 16).
template <class T>
struct buffer {
  struct freer {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, freer> mem;
  std::size_t n = 0;
  void allocate(std::size_t count) {
    n = count;
    const std::size_t bytes = ((count * sizeof(T) + 64) + 63) / 64 * 64;
    mem.reset(static_cast<T*>(std::aligned_alloc(64, bytes)));
    if (!mem) throw std::bad_alloc();
    std::memset(static_cast<void*>(mem.get()), 0, bytes);
  }
  T* get() const { return mem.get(); }
  T& operator[](std::size_t i) const { return mem.get()[i]; }
};

// The buffers of one case, contiguous (every ld = cols, or n_in for dense's x, n_hid for the forward
// pass's first layer).
template <class T>
struct data {
  std::size_t rows = 0, cols = 0, n_in = 0, n_hid = 0;
  buffer<T> x, w, b, w2, b2, p, t, y, losses, packed, packed2;
  buffer<std::int32_t> labels, idx;
  std::size_t count = 0;
  double total = 0;
  T lo = T(1e-7), hi = T(1) - T(1e-7), eps = T(1e-7);

  args<T> view() {
    args<T> a;
    a.rows = rows, a.cols = cols, a.n_in = n_in, a.n_hid = n_hid;
    a.x = x.get(), a.ldx = n_in ? n_in : cols;
    a.w = w.get(), a.ldw = n_hid ? n_hid : cols, a.b = b.get();
    a.w2 = w2.get(), a.b2 = b2.get(), a.packed2 = packed2.get();
    a.p = p.get(), a.ldp = cols, a.t = t.get(), a.ldt = cols;
    a.labels = labels.get(), a.packed = packed.get();
    a.y = y.get(), a.ldy = cols, a.losses = losses.get(), a.idx = idx.get();
    a.count = &count, a.total = &total;
    a.lo = lo, a.hi = hi, a.eps = eps;
    return a;
  }

  // Fills the outputs with a pattern no implementation writes, so a check sees what the implementation
  // wrote, not a previous one's results.
  void clear_outputs() {
    auto z = [](auto& buf) {
      if (buf.get()) std::memset(static_cast<void*>(buf.get()), 0xff, buf.n * sizeof(*buf.get()));
    };
    z(y), z(losses), z(idx);
    count = ~std::size_t{0};
    total = std::numeric_limits<double>::quiet_NaN();
  }
};

// A shape of the standard input set: rows, cols (dense: n_out), n_in (dense only), and whether
// adversarial values are planted (the dense kernels' set plants them in one shape of several); n_hid:
// the forward pass's hidden width.
struct shape {
  std::size_t rows = 0, cols = 0, n_in = 0;
  bool specials = true;
  std::size_t n_hid = 0;
};

// The accuracy of the exp and log an implementation computes inside an op, in ULPs of their results;
// the bounds of softmax and the losses are derived from it.
struct budget {
  long double exp_ulps;        // exp(t), t <= 0, in softmax and the fused loss
  long double log_ulps;        // -log(clip(p)) in the cross-entropies
  long double fused_log_ulps;  // log(s), s in [1, cols], in the fused loss
};

// nnsimd's own: measured (see the derivations in softmax.hpp, categorical_cross_entropy.hpp and
// softmax_cross_entropy.hpp).
template <class T>
constexpr budget nnsimd_budget() {
  // exp: float 1.489 ULP worst (sse2, every float t in [-104, 0]), double 1.172 (sampled), rounded up.
  return {std::numeric_limits<T>::digits <= 24 ? 1.5L : 1.25L, 1.0L, 0.85L};
}

// Any implementation's, as the benchmarks assume before timing a peer: xsimd 8.1 exp 1.5 ULP and log
// 0.85; Sleef u10 1 ULP; Eigen's, oneDNN's and XNNPACK's polynomial exp and log are documented within
// 1-3 ULP. An implementation beyond it fails its check and is reported, not timed.
inline constexpr budget any_implementation{4, 4, 4};

// One output a check visits: what it computed, the oracle's value and the absolute error allowed.
// `got_double`: the output is a double whatever T is (sum).
struct element {
  const char* what;  // "y", "loss", "idx", "count", "sum"
  std::size_t row, col;
  long double got;
  wide want;
  long double bound;
  bool got_double = false;
};

// Which outputs a check visits: every one (0), or at most `rows` rows (and, for dense, `cols` columns)
// spread evenly, first and last included: the benchmark's check of large outputs, where the oracle
// costs n_in per dense element.
struct sample {
  std::size_t rows = 0, cols = 0;
};

inline std::vector<std::size_t> pick(std::size_t n, std::size_t most) {
  std::vector<std::size_t> v;
  if (most == 0 || n <= most) {
    for (std::size_t i = 0; i < n; ++i) v.push_back(i);
  } else {
    for (std::size_t i = 0; i < most; ++i) v.push_back(i * (n - 1) / (most - 1));
  }
  return v;
}

// The maximum of a row as the bounds take it: NaN entries skipped, -inf for an all -inf row.
template <class T>
long double row_max(const T* x, std::size_t n) {
  long double m = -INFINITY;
  for (std::size_t j = 0; j < n; ++j)
    if (static_cast<long double>(x[j]) > m) m = x[j];
  return m;
}

// relu, clip, argmax, accuracy: exact. They only compare and select; no arithmetic rounds.
inline constexpr long double exact_bound = 0;

// What most specifications share, inherited: no set-up before the calls, and the benchmarks' work model
// of a memory-bound op that writes as much as it reads (copy_work) or reads its input and writes a
// value per row (read_work), counted in elements of its rows x cols input.
template <class T>
struct op_base {
  static void prepare(const detail::kernel_table<T>&, data<T>&) {}
  static double flops(const args<T>&) { return 0; }
  static double elements(const args<T>& a) { return double(a.rows) * a.cols; }
};

template <class T>
struct copy_work : op_base<T> {
  static constexpr const char* mem_mix = "copy";
  static constexpr int read_streams = 1;
  static double bytes(const args<T>& a) { return double(sizeof(T)) * 2 * double(a.rows) * a.cols; }
};

template <class T>
struct read_work : op_base<T> {
  static constexpr const char* mem_mix = "read";
  static constexpr int read_streams = 1;
};

// Visits every element of a rows x cols output y against want(i, j) (exact ops: bound 0).
template <class T, class Want, class V>
bool visit_exact(const args<T>& a, Want&& want, V&& visit) {
  for (std::size_t i = 0; i < a.rows; ++i)
    for (std::size_t j = 0; j < a.cols; ++j)
      if (!visit(element{"y", i, j, a.y[i * a.ldy + j], want(i, j), exact_bound})) return false;
  return true;
}

}  // namespace nnsimd::spec
