// Shared test machinery: one parameter per (runnable ISA, element type), strided and misaligned
// buffers with guarded padding, and seeded data.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "nnsimd/detail/runtime.hpp"
#include "numerics/ulp.hpp"
#include "spec/all.hpp"
#include "nnsimd/detail/kernel_table.hpp"
#include "nnsimd/nnsimd.hpp"

namespace nnsimd::test {

struct isa_dtype {
  isa target;
  bool f64;
};

inline std::vector<isa_dtype> all_cases() {
  std::vector<isa_dtype> v;
  for (isa i : runnable_isas()) {
    v.push_back({i, false});
    v.push_back({i, true});
  }
  return v;
}

inline std::string case_name(const ::testing::TestParamInfo<isa_dtype>& info) {
  return std::string(to_string(info.param.target)) + (info.param.f64 ? "_f64" : "_f32");
}

// gtest prints a parameter with this (in failure messages) instead of its raw bytes.
inline void PrintTo(const isa_dtype& c, std::ostream* os) { *os << to_string(c.target) << (c.f64 ? "_f64" : "_f32"); }

// Calls f.template operator()<T>(table) with the table of the case's ISA and element type:
//   with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) { ... });
template <class F>
void with_table(const isa_dtype& c, F&& f) {
  if (c.f64)
    f.template operator()<double>(detail::table<double>(c.target));
  else
    f.template operator()<float>(detail::table<float>(c.target));
}

class IsaTest : public ::testing::TestWithParam<isa_dtype> {};

// Lengths that reach every path of a kernel vectorized with L lanes and unroll U for L in {2, 4, 8, 16}
// and U up to 4: below, at and above each multiple that matters, plus long ones.
inline const std::vector<std::size_t>& edge_lengths() {
  static const std::vector<std::size_t> v = {1,  2,  3,  4,  5,  7,  8,  9,  15, 16,  17,  31,  32,  33,
                                             47, 48, 49, 63, 64, 65, 95, 127, 128, 129, 255, 257, 1000};
  return v;
}

// Lanes of one vector of T for an ISA (1 for the scalar reference).
template <class T>
std::size_t lanes(isa i) {
  switch (i) {
    case isa::avx512: return 64 / sizeof(T);
    case isa::avx2: return 32 / sizeof(T);
    case isa::sse2:
    case isa::neon64: return 16 / sizeof(T);
    default: return 1;
  }
}

// Row counts that straddle one vector of rows (kernels that vectorize across rows): 1, L-1, L, L+1,
// 3L+1 and the book's 300.
template <class T>
std::vector<std::size_t> row_counts(isa i) {
  const std::size_t L = lanes<T>(i);
  std::vector<std::size_t> v = {1, L, L + 1, 3 * L + 1, 300};
  if (L > 1) v.push_back(L - 1);
  return v;
}

// Row counts for kernels that vectorize short rows across rows, for every ISA at once: L - 1, L, L + 1
// and 3L + 1 rows for L in {2, 4, 8, 16} (across-rows blocks: full, partial, several).
inline const std::vector<std::size_t>& across_rows_counts() {
  static const std::vector<std::size_t> v = {1, 2, 3, 4, 5, 7, 8, 9, 13, 15, 16, 17, 25, 49};
  return v;
}

// Runs f with `threads` threads (and, above one, no parallel threshold, so every call splits), then
// restores the defaults.
template <class F>
void with_threads(int threads, F&& f) {
  set_num_threads(threads);
  set_parallel_threshold(threads > 1 ? 0 : default_parallel_threshold);
  f();
  set_num_threads(0);
  set_parallel_threshold(default_parallel_threshold);
}

// Runs f, which must throw an nnsimd::error whose message contains every one of `parts`.
template <class F>
::testing::AssertionResult throws_naming(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
  } catch (const error& e) {
    const std::string msg = e.what();
    for (const auto& p : parts)
      if (msg.find(p) == std::string::npos)
        return ::testing::AssertionFailure() << "message \"" << msg << "\" does not contain \"" << p << "\"";
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-nnsimd exception: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

// A rows x cols matrix inside a larger allocation: row stride ld >= cols, and the first element offset
// by `misalign` elements from a 64-byte boundary, so no row is vector-aligned. Padding (the gaps
// between rows and a guard after the last row) holds a sentinel, checked by padding_intact().
template <class T>
struct strided {
  std::size_t rows, cols, ld, offset;
  std::vector<T> storage;
  static constexpr std::size_t kGuard = 64;

  strided(std::size_t r, std::size_t c, std::size_t pad = 3, std::size_t misalign = 1)
      : rows(r), cols(c), ld(c + pad), offset(misalign), storage(offset + r * (c + pad) + kGuard, sentinel()) {}

  static T sentinel() { return T(-12345.678); }
  T* data() { return storage.data() + offset; }
  const T* data() const { return storage.data() + offset; }
  T& operator()(std::size_t r, std::size_t c) { return data()[r * ld + c]; }
  const T& operator()(std::size_t r, std::size_t c) const { return data()[r * ld + c]; }
  matrix_view<T> view() { return {data(), rows, cols, ld}; }
  const_matrix_view<T> cview() const { return {data(), rows, cols, ld}; }

  bool padding_intact() const {
    for (std::size_t i = 0; i < storage.size(); ++i) {
      const bool inside = i >= offset && (i - offset) / ld < rows && (i - offset) % ld < cols;
      if (!inside && storage[i] != sentinel()) return false;
    }
    return true;
  }
};

// Uniform values in [lo, hi), reproducible from the seed.
template <class T>
void fill_uniform(strided<T>& m, T lo, T hi, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  for (std::size_t r = 0; r < m.rows; ++r)
    for (std::size_t c = 0; c < m.cols; ++c) m(r, c) = static_cast<T>(d(gen));
}

// Logits for softmax and the fused loss. Row r of x: uniform values whose spread depends on r, so that some rows stay near 1/cols, some have
// one dominant element, and some push exp(x - m) far below the underflow threshold.
template <class T>
void fill_logit_rows(strided<T>& x, std::uint32_t seed) {
  std::mt19937 gen(seed);
  const double spread[] = {1, 20, 150};
  for (std::size_t r = 0; r < x.rows; ++r) {
    std::uniform_real_distribution<double> d(-spread[r % 3], spread[r % 3] / 3);
    for (std::size_t c = 0; c < x.cols; ++c) x(r, c) = static_cast<T>(d(gen));
  }
}

inline std::vector<std::int32_t> random_labels(std::size_t n, std::size_t classes, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<std::int32_t> d(0, static_cast<std::int32_t>(classes) - 1);
  std::vector<std::int32_t> v(n);
  for (auto& x : v) x = d(gen);
  return v;
}

// Scores on a coarse grid (many exact ties, signed zeros), with per-row specials: a NaN (sometimes two),
// +inf, -inf, +inf and -inf together (their sum is NaN without any NaN in the row), an all -inf row, and
// a row whose maximum sits in its last element.
template <class T>
void fill_scores(strided<T>& x, std::uint32_t seed) {
  std::mt19937 gen(seed);
  for (std::size_t r = 0; r < x.rows; ++r)
    for (std::size_t c = 0; c < x.cols; ++c) x(r, c) = static_cast<T>(static_cast<int>(gen() % 9) - 4) / T(4);
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  for (std::size_t r = 0; r < x.rows; ++r) {
    const std::size_t a = gen() % x.cols, b = gen() % x.cols;
    switch (r % 8) {
      case 1: x(r, a) = nan; break;
      case 2: x(r, a) = nan, x(r, b) = -nan; break;
      case 3: x(r, a) = inf; break;
      case 4: x(r, a) = -inf, x(r, b) = inf; break;
      case 5: for (std::size_t c = 0; c < x.cols; ++c) x(r, c) = -inf; break;
      case 6: x(r, x.cols - 1) = T(2); break;
      case 7: x(r, a) = -T(0); break;
      default: break;
    }
  }
}

// Column counts: edge lengths (short and long paths) plus rows spanning several argmax chunks (64 L
// elements: 1024 for float on AVX-512), with a partial last chunk shorter than a vector.
inline std::vector<std::size_t> argmax_col_counts() {
  std::vector<std::size_t> v = edge_lengths();
  for (std::size_t c : {2051, 3000, 4100}) v.push_back(c);
  return v;
}

// Both NaN (any payload: no spec promises one), or the same bits: -0 and +0 differ. For exact kernels,
// whose specs promise the result's bits (relu and clip keep the sign of a zero), and for results that must
// not depend on how a call ran.
template <class T>
bool same_value(T a, T b) {
  return (std::isnan(a) && std::isnan(b)) || (a == b && std::signbit(a) == std::signbit(b));
}

// |computed - exact| <= bound, with NaN matching NaN and infinities matching exactly.
template <class T>
::testing::AssertionResult within(T computed, long double exact, long double bound) {
  if (std::isnan(exact) || std::isinf(exact)) {
    if ((std::isnan(exact) && std::isnan(computed)) || static_cast<long double>(computed) == exact)
      return ::testing::AssertionSuccess();
  } else if (bound == 0 && exact == 0 && computed == 0 && std::signbit(computed) != std::signbit(exact)) {
    // An exact op (bound 0) promises the bits, and so the sign of a zero.
    return ::testing::AssertionFailure() << "computed " << static_cast<double>(computed) << " vs exact "
                                         << static_cast<double>(exact) << ": the sign of zero differs";
  } else if (std::fabs(static_cast<long double>(computed) - exact) <= bound) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "computed " << static_cast<double>(computed) << " vs exact "
                                       << static_cast<double>(exact) << ": error "
                                       << static_cast<double>(std::fabs(static_cast<long double>(computed) - exact))
                                       << " > bound " << static_cast<double>(bound) << " ("
                                       << static_cast<double>(numerics::ulp_error(computed, exact)) << " ulp)";
}

// Every output of op S, called with arguments a, against its specification's oracle within nnsimd's
// bounds (src/spec/<op>.hpp); the first element outside its bound fails, named.
// One checked output within its bound. An exact value beyond T's range is the matching infinity in T: the
// correct result (e.g. the fused loss max - (-max) in float).
template <class T>
::testing::AssertionResult agrees(const spec::element& e) {
  return e.got_double ? within(static_cast<double>(e.got), numerics::saturate<double>(e.want), e.bound)
                      : within(static_cast<T>(e.got), numerics::saturate<T>(e.want), e.bound);
}

// Every output of op S, called with arguments a, against its specification's oracle within nnsimd's
// bounds (src/spec/<op>.hpp); the first element outside its bound fails, named.
template <class S, class T>
::testing::AssertionResult spec_agrees(const spec::args<T>& a) {
  ::testing::AssertionResult r = ::testing::AssertionSuccess();
  S::check(a, spec::nnsimd_budget<T>(), spec::sample{}, [&](const spec::element& e) {
    r = agrees<T>(e);
    if (!r) r << " at " << e.what << "[" << e.row << "," << e.col << "] of " << a.rows << "x" << a.cols;
    return static_cast<bool>(r);
  });
  return r;
}

// The specification's standard input set (what `nnsimd accuracy` measures: its shapes, with the
// adversarial values) through the case's table, every output within its bound. One line per test file:
//   NNSIMD_SPEC_STANDARD_SET_TEST(Softmax, softmax)    -> Softmax.StandardSet_softmax/avx2_f32 ...
template <class T>
void check_standard_set(spec::op o, const detail::kernel_table<T>& t) {
  spec::check_standard_set(o, t, spec::nnsimd_budget<T>(), [&](const spec::shape& sh, const spec::args<T>& a, const spec::element& e) {
    const auto ok = agrees<T>(e);
    EXPECT_TRUE(ok) << spec::op_names[static_cast<int>(o)] << " " << sh.rows << "x" << sh.cols
                    << (sh.n_in ? " n_in " + std::to_string(sh.n_in) : std::string()) << " at " << e.what << "["
                    << e.row << "," << e.col << "] of " << a.rows << "x" << a.cols;
    return static_cast<bool>(ok);
  });
}

#define NNSIMD_SPEC_STANDARD_SET_TEST(Suite, name)                                   \
  TEST_P(Suite, StandardSet_##name) {                                        \
    with_table(GetParam(),                                                           \
               [&]<class T>(const detail::kernel_table<T>& t) { check_standard_set(spec::op::name, t); }); \
  }

// Lowers the working-set size above which the memory-bound kernels stream their stores (nnsimd/detail/runtime.hpp)
// for the scope's lifetime, so the streamed path runs on a small input on every machine.
class streaming_threshold {
 public:
  explicit streaming_threshold(std::size_t bytes) : saved_(detail::set_streaming_store_bytes(bytes)) {}
  ~streaming_threshold() { detail::set_streaming_store_bytes(saved_); }
  streaming_threshold(const streaming_threshold&) = delete;
  streaming_threshold& operator=(const streaming_threshold&) = delete;

 private:
  std::size_t saved_;
};

}  // namespace nnsimd::test

// The streamed path of a copy-like op, whose check(table, n) runs it on n elements (in and out of place)
// and checks the outputs: at a threshold lowered to 1 MiB on every machine (x alone a little above it,
// so the in-place call streams too), and at the threshold as the kernels meet it in use, with x and y
// together just beyond it: the one this machine measured (nnsimd::streaming_stores) where that is at most
// 256 MiB, else forced to 64 MiB (detail::set_streaming_store_bytes), so that the test runs on every
// machine, including one whose measurement finds no size where streaming wins (a VM reporting a 260 MiB
// L3). Every ISA and type in one test there, so that the threshold is measured once (each test process
// measures it on first use, 0.5-6 s).
#define NNSIMD_STREAMING_TESTS(Suite, check)                                                                   \
  TEST_P(Suite, BeyondStreamingThresholdStreamed) {                                                             \
    const streaming_threshold lowered(std::size_t{1} << 20);                                                    \
    with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {                                     \
      check(t, (std::size_t{1} << 20) / sizeof(T) + 1037);                                                      \
    });                                                                                                         \
  }                                                                                                             \
  TEST(Suite##Streaming, BeyondMeasuredThresholdStreamed) {                                                     \
    const std::size_t measured = detail::streaming_store_bytes();                                               \
    const bool usable = measured <= (std::size_t{256} << 20);                                                   \
    const std::size_t threshold = usable ? measured : std::size_t{64} << 20;                                    \
    const streaming_threshold forced(threshold);                                                                \
    if (!usable) std::cout << "measured threshold " << measured << " B: forced to " << threshold << " B\n";    \
    for (const isa_dtype& c : all_cases()) {                                                                    \
      SCOPED_TRACE(::testing::PrintToString(c));                                                                \
      with_table(c, [&]<class T>(const detail::kernel_table<T>& t) { check(t, threshold / sizeof(T) / 2 + 1037); }); \
    }                                                                                                           \
  }

#define NNSIMD_INSTANTIATE_ISA_SUITE(Suite) \
  INSTANTIATE_TEST_SUITE_P(, Suite, ::testing::ValuesIn(::nnsimd::test::all_cases()), ::nnsimd::test::case_name)
