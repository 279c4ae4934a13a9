// One benchmark case: a kernel, an element type and a shape, with its seeded inputs, its output buffers,
// its counters and the check every implementation passes once before it is timed.
//
// Included by main.cpp only (baseline flags).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "numerics/oracle.hpp"
#include "numerics/tolerance.hpp"
#include "numerics/ulp.hpp"
#include "peer.hpp"
#include "shapes.hpp"

namespace nnsimd::bench {

// 64-byte aligned storage (whole cache lines, aligned AVX-512 loads possible), with 64 bytes of padding
// after the last element for peers that read past the end (XNNPACK: XNN_EXTRA_BYTES = 16).
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
};

// Memory-bound kernels whose output is as large as their input: held to the copy bandwidth (bytes read
// plus bytes written) at their working set; the others (a row vector or a scalar out) to the read
// bandwidth. Dense is FMA-bound and has no memory ceiling here.
inline const char* mem_mix_of(kernel k) {
  switch (k) {
    case kernel::relu:
    case kernel::clip:
    case kernel::softmax: return "copy";
    case kernel::categorical_cross_entropy:
    case kernel::categorical_cross_entropy_onehot:
    case kernel::softmax_cross_entropy:
    case kernel::argmax:
    case kernel::accuracy:
    case kernel::sum: return "read";
    case kernel::dense_forward:
    case kernel::dense_relu:
    case kernel::dense_packed_forward:
    case kernel::dense_packed_relu:
    case kernel::dense_packed_size:
    case kernel::dense_pack: return nullptr;
  }
  return nullptr;
}

// The streams a memory-bound kernel reads side by side (its bandwidth ceiling reads as many): two for
// categorical_cross_entropy_onehot (probabilities and targets), one for the others (relu, clip, softmax read x and write y).
inline int read_streams_of(kernel k) { return k == kernel::categorical_cross_entropy_onehot ? 2 : 1; }

// How each kernel is bounded: the label the results tools use to pick the roofline.
inline const char* roof_of(kernel k) {
  switch (k) {
    case kernel::dense_forward:
    case kernel::dense_relu:
    case kernel::dense_packed_forward:
    case kernel::dense_packed_relu: return "roof=fma";
    // exp throughput or the bandwidth at the working set, whichever binds (exp+mem); older result files
    // say roof=exp (exp only).
    case kernel::softmax:
    case kernel::softmax_cross_entropy: return "roof=exp+mem";
    case kernel::categorical_cross_entropy:
    case kernel::categorical_cross_entropy_onehot: return "roof=mem+log";
    case kernel::relu:
    case kernel::clip:
    case kernel::argmax:
    case kernel::accuracy:
    case kernel::dense_packed_size:
    case kernel::dense_pack:
    case kernel::sum: return "roof=mem";
  }
  return "roof=mem";
}

// The dense kernels that take a packed layer (packed once at setup, untimed; see main.cpp run_case).
inline bool is_packed(kernel k) { return k == kernel::dense_packed_forward || k == kernel::dense_packed_relu; }
inline bool is_dense(kernel k) { return k == kernel::dense_forward || k == kernel::dense_relu || is_packed(k); }
inline bool has_relu(kernel k) { return k == kernel::dense_relu || k == kernel::dense_packed_relu; }

// The <dims> of a benchmark name: dense rows x n_in x n_out, elems the count, others rows x cols.
inline std::string dims_of(kernel k, const shape& s) {
  if (is_dense(k)) return std::to_string(s.rows) + "x" + std::to_string(s.a) + "x" + std::to_string(s.b);
  if (std::string_view(s.set) == "elems") return std::to_string(s.rows * s.a);
  return std::to_string(s.rows) + "x" + std::to_string(s.a);
}

// The accuracy assumed of any implementation's exp and log (xsimd 8.1: exp 1.5 ULP, log 0.75 ULP on this
// machine, FACTS.md; Sleef u10: 1 ULP; Eigen's, oneDNN's and XNNPACK's polynomial exp/log are documented
// within 1-3 ULP). A peer beyond it fails its check and is reported, not timed.
inline constexpr long double elem_ulps = 4;

template <class T>
struct problem {
  kernel k;
  shape s;
  std::size_t rows = 0, cols = 0, n_in = 0;
  buffer<T> x, w, b, p, t, y, losses;
  buffer<T> packed;  // dense_packed_*: w and b packed by the implementation being timed
  buffer<std::int32_t> labels, idx;
  std::size_t count = 0;
  T lo = T(1e-7), hi = T(1) - T(1e-7), eps = T(1e-7);

  problem(kernel kk, const shape& ss) : k(kk), s(ss) {
    rows = s.rows;
    if (is_dense(k)) {
      n_in = s.a;
      cols = s.b;
    } else {
      cols = s.a;
    }
    std::mt19937_64 rng(0x6e6e73696d64ull + static_cast<unsigned>(k));  // fixed seed per kernel
    auto fill = [&](buffer<T>& buf, std::size_t n, double a, double bb) {
      buf.allocate(n);
      std::uniform_real_distribution<double> u(a, bb);
      for (std::size_t i = 0; i < n; ++i) buf.get()[i] = static_cast<T>(u(rng));
    };
    auto fill_labels = [&] {
      labels.allocate(rows);
      std::uniform_int_distribution<std::int32_t> u(0, static_cast<std::int32_t>(cols) - 1);
      for (std::size_t i = 0; i < rows; ++i) labels.get()[i] = u(rng);
    };
    switch (k) {
      case kernel::dense_forward:
      case kernel::dense_relu:
      case kernel::dense_packed_forward:
      case kernel::dense_packed_relu:
        fill(x, rows * n_in, -1, 1);
        fill(w, n_in * cols, -1, 1);
        fill(b, cols, -1, 1);
        y.allocate(rows * cols);
        break;
      case kernel::dense_packed_size:
      case kernel::dense_pack:
        break;
      case kernel::relu:
      case kernel::sum:
        fill(x, rows * cols, -1, 1);
        y.allocate(rows * cols);
        break;
      case kernel::clip:  // the book's bounds [1e-7, 1 - 1e-7], inputs beyond both
        fill(x, rows * cols, -0.5, 1.5);
        y.allocate(rows * cols);
        break;
      case kernel::softmax:
        fill(x, rows * cols, -4, 4);
        y.allocate(rows * cols);
        break;
      case kernel::softmax_cross_entropy:
        fill(x, rows * cols, -4, 4);
        fill_labels();
        losses.allocate(rows);
        break;
      case kernel::categorical_cross_entropy:
      case kernel::categorical_cross_entropy_onehot: {
        // Rows of probabilities: positive, summing to 1, as a softmax would give.
        fill(p, rows * cols, 0, 1);
        for (std::size_t i = 0; i < rows; ++i) {
          T* r = p.get() + i * cols;
          double sum = 0;
          for (std::size_t j = 0; j < cols; ++j) sum += r[j];
          for (std::size_t j = 0; j < cols; ++j) r[j] = static_cast<T>(r[j] / sum);
        }
        fill_labels();
        if (k == kernel::categorical_cross_entropy_onehot) {
          t.allocate(rows * cols);
          for (std::size_t i = 0; i < rows; ++i) t.get()[i * cols + labels.get()[i]] = T(1);
        }
        losses.allocate(rows);
        break;
      }
      case kernel::argmax:
      case kernel::accuracy:
        fill(x, rows * cols, -4, 4);
        fill_labels();
        // A third of the labels right, as a model in training: the count is neither 0 nor rows.
        for (std::size_t i = 0; i < rows; i += 3)
          labels.get()[i] = numerics::argmax_row(x.get() + i * cols, cols);
        idx.allocate(rows);
        break;
    }
  }

  io<T> view() {
    return io<T>{k,       rows,         cols,         n_in,       x.get(),      w.get(),   b.get(),
                 p.get(), t.get(),      labels.get(), y.get(),    losses.get(), idx.get(), &count,
                 lo,      hi,           eps};
  }

  // Clear the outputs so a check sees what the implementation wrote, not a previous one's results.
  void clear_outputs() {
    auto z = [](auto& buf) {
      if (buf.get()) std::memset(static_cast<void*>(buf.get()), 0xff, buf.n * sizeof(*buf.get()));
    };
    z(y), z(losses), z(idx);
    count = ~std::size_t{0};
  }

  // ---- counters -----------------------------------------------------------------------------------
  // flops: dense only, 2 rows n_in n_out per call (the bias adds are not counted, as in GEMM figures).
  double flops() const { return is_dense(k) ? 2.0 * rows * n_in * cols : 0.0; }
  // The kernel's minimal memory traffic: every input element read once, every output written once.
  double bytes() const {
    const double e = sizeof(T), m = double(rows) * cols;
    switch (k) {
      case kernel::dense_forward:
      case kernel::dense_relu:
      case kernel::dense_packed_forward:
      case kernel::dense_packed_relu: return e * (double(rows) * n_in + double(n_in) * cols + cols + m);
      case kernel::dense_packed_size:
      case kernel::dense_pack: return 0;
      case kernel::relu:
      case kernel::clip:
      case kernel::softmax: return e * 2 * m;
      case kernel::categorical_cross_entropy: return rows * (4 + 2 * e);  // a label, the one probability it picks, the loss
      case kernel::categorical_cross_entropy_onehot: return e * (2 * m + rows);
      case kernel::softmax_cross_entropy: return e * (m + rows) + 4.0 * rows;
      case kernel::argmax:
      case kernel::accuracy: return e * m + 4.0 * rows;
      case kernel::sum: return e * m;
    }
    return 0;
  }
  // Elements processed: outputs for dense, input matrix elements otherwise (rows for categorical_cross_entropy, which
  // touches one element per row).
  double elements() const {
    if (k == kernel::categorical_cross_entropy) return double(rows);
    return double(rows) * cols;
  }
  // The data the call keeps live, which sets the cache level whose bandwidth bounds it: all buffers.
  double ws_bytes() const {
    double sum = 0;
    for (const auto* buf : {&x, &w, &b, &p, &t, &y, &losses}) sum += double(buf->n) * sizeof(T);
    return sum + 4.0 * (labels.n + idx.n);
  }

  // ---- the check ----------------------------------------------------------------------------------
  // Compares the outputs against the long-double oracle (src/numerics/oracle.hpp) within the bound
  // derived for any correct implementation; returns "" or the first disagreement. Dense is checked on
  // a grid of at most 16 x 16 outputs (the oracle costs n_in each); the row kernels on at most 32 rows;
  // elementwise kernels, argmax and accuracy everywhere.
  std::string check() const {
    using numerics::wide;
    const long double u = numerics::unit_roundoff<T>();
    auto grid = [](std::size_t n, std::size_t most) {
      std::vector<std::size_t> v;
      if (n <= most) {
        for (std::size_t i = 0; i < n; ++i) v.push_back(i);
      } else {
        for (std::size_t i = 0; i < most; ++i) v.push_back(i * (n - 1) / (most - 1));
      }
      return v;
    };
    auto fail = [&](const char* what, std::size_t i, std::size_t j, long double got, long double want,
                    long double bound) {
      char msg[256];
      std::snprintf(msg, sizeof msg, "%s[%zu,%zu] = %.9Lg, oracle %.9Lg, |diff| %.3Lg > bound %.3Lg", what, i, j,
                    got, want, std::fabs(got - want), bound);
      return std::string(msg);
    };
    auto bad = [](long double got, long double want, long double bound) {
      if (std::isnan(want)) return !std::isnan(got);
      return !(std::fabs(got - want) <= bound);  // NaN got fails
    };
    switch (k) {
      case kernel::dense_forward:
      case kernel::dense_relu:
      case kernel::dense_packed_forward:
      case kernel::dense_packed_relu: {
        // |y - exact| <= gamma_(n_in+1) (sum_k |x_ik w_kj| + |b_j|), any order, FMA or not
        // (numerics/tolerance.hpp dense_bound); relu cannot increase the error.
        for (std::size_t i : grid(rows, 16))
          for (std::size_t j : grid(cols, 16)) {
            wide sum = b.get()[j], scale = std::fabs(wide(b.get()[j]));
            for (std::size_t q = 0; q < n_in; ++q) {
              const wide prod = wide(x.get()[i * n_in + q]) * wide(w.get()[q * cols + j]);
              sum += prod;
              scale += std::fabs(prod);
            }
            if (has_relu(k) && sum < 0) sum = 0;
            const long double bound = numerics::dense_bound<T>(scale, n_in);
            if (bad(y.get()[i * cols + j], sum, bound)) return fail("y", i, j, y.get()[i * cols + j], sum, bound);
          }
        return "";
      }
      case kernel::relu:
      case kernel::clip:
        for (std::size_t i = 0; i < rows * cols; ++i) {
          const wide want = k == kernel::relu ? numerics::relu(x.get()[i]) : numerics::clip(x.get()[i], lo, hi);
          if (bad(y.get()[i], want, 0)) return fail("y", i / cols, i % cols, y.get()[i], want, 0);
        }
        return "";
      case kernel::softmax:
        // p_j = e_j / s. x_j - m rounds by at most u d (d = max_j |x_j - m|), so e_j is within
        // (E + d) u relative (E = elem_ulps, the exp's own error, plus its final rounding); s sums such
        // terms: within gamma_cols + (E + 1 + d) u; the division adds u. Total relative:
        //   2 (E + 1 + d) u + gamma_cols + u.
        for (std::size_t i : grid(rows, 32)) {
          const T* xi = x.get() + i * cols;
          const auto want = numerics::softmax_row(xi, cols);
          const T m = *std::max_element(xi, xi + cols), mn = *std::min_element(xi, xi + cols);
          const long double d = wide(m) - wide(mn);
          const long double rel = 2 * (elem_ulps + 1 + d) * u + numerics::gamma<T>(cols) + u;
          for (std::size_t j = 0; j < cols; ++j) {
            const long double bound = rel * want[j] + std::numeric_limits<T>::denorm_min();
            if (bad(y.get()[i * cols + j], want[j], bound)) return fail("y", i, j, y.get()[i * cols + j], want[j], bound);
          }
        }
        return "";
      case kernel::categorical_cross_entropy:
      case kernel::categorical_cross_entropy_onehot:
        // -log(c) of an exact c: the log's error, E ulps of the result. One-hot: c is a sum of products
        // by 0 and 1 (exact for one-hot targets), gamma_cols relative in general, which moves the log
        // by at most gamma_cols.
        for (std::size_t i = 0; i < rows; ++i) {
          const wide want = k == kernel::categorical_cross_entropy
                                ? numerics::categorical_cross_entropy_one(p.get()[i * cols + labels.get()[i]], eps)
                                : numerics::categorical_cross_entropy_onehot_row(p.get() + i * cols, t.get() + i * cols, cols, eps);
          long double bound = elem_ulps * numerics::ulp_of<T>(want);
          if (k == kernel::categorical_cross_entropy_onehot) bound += numerics::gamma<T>(cols);
          if (bad(losses.get()[i], want, bound)) return fail("loss", i, 0, losses.get()[i], want, bound);
        }
        return "";
      case kernel::softmax_cross_entropy:
        // L = m + log(s) - x_l. s within gamma_cols + (E + 1 + d) u relative (see softmax), which moves
        // log(s) by as much absolutely; the log adds E ulps of log(s); the two additions round by at most
        // u (|m| + |log s| + |x_l| + |L|) together.
        for (std::size_t i : grid(rows, 32)) {
          const T* xi = x.get() + i * cols;
          const wide want = numerics::softmax_cross_entropy_row(xi, cols, labels.get()[i]);
          const T m = *std::max_element(xi, xi + cols), mn = *std::min_element(xi, xi + cols);
          const long double d = wide(m) - wide(mn);
          const long double logs = want - wide(m) + wide(xi[labels.get()[i]]);
          const long double bound = numerics::gamma<T>(cols) + (elem_ulps + 1 + d) * u +
                                    elem_ulps * numerics::ulp_of<T>(logs) +
                                    u * (std::fabs(wide(m)) + std::fabs(logs) + std::fabs(wide(xi[labels.get()[i]])) +
                                         std::fabs(want));
          if (bad(losses.get()[i], want, bound)) return fail("loss", i, 0, losses.get()[i], want, bound);
        }
        return "";
      case kernel::argmax:
      case kernel::accuracy: {
        std::size_t want_count = 0;
        for (std::size_t i = 0; i < rows; ++i) {
          const std::int32_t want = numerics::argmax_row(x.get() + i * cols, cols);
          want_count += want == labels.get()[i];
          if (k == kernel::argmax && idx.get()[i] != want) return fail("idx", i, 0, idx.get()[i], want, 0);
        }
        if (k == kernel::accuracy && count != want_count)
          return fail("count", 0, 0, static_cast<long double>(count), static_cast<long double>(want_count), 0);
        return "";
      }
      case kernel::dense_packed_size:
      case kernel::dense_pack:
      case kernel::sum:
        return "";
    }
    return "";
  }
};

}  // namespace nnsimd::bench
