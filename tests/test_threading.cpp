// Results do not depend on how a call runs: every kernel of the public API, on every runnable ISA,
// float and double, gives bit-identical results (memcmp, padding included)
//   * with 1, 2 and 3 threads (parallel threshold 0, so even small calls split), on row counts that
//     split unevenly (37, 1000) and on short (3) and long (300, 1000) rows;
//   * with flush-to-zero and denormals-are-zero left on by the caller (x86 MXCSR bits 15 and 6) as
//     with them off, on inputs full of subnormals; and the caller's MXCSR is restored by every call;
//   * the same when the application set them on every thread of its OpenMP pool, which nnsimd's
//     two-thread calls then run on; every pool thread's MXCSR is restored too.
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "test_util.hpp"

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif
#if defined(_OPENMP)
#include <omp.h>
#endif

namespace nnsimd::test {
namespace {

// One output of one call, as raw bytes (or the error message if the call threw).
struct blob {
  std::string name;
  std::vector<unsigned char> bytes;
};

template <class V>
void add(std::vector<blob>& out, std::string name, const V& v) {
  const auto* p = reinterpret_cast<const unsigned char*>(v.data());
  out.push_back({std::move(name), std::vector<unsigned char>(p, p + v.size() * sizeof(*v.data()))});
}

template <class S>
void add_scalar(std::vector<blob>& out, std::string name, S s) {
  const auto* p = reinterpret_cast<const unsigned char*>(&s);
  out.push_back({std::move(name), std::vector<unsigned char>(p, p + sizeof(s))});
}

struct shape {
  std::size_t rows, cols, n_out;
};

// Inputs of every kernel for one shape. `subnormal` fills them with values whose results change when
// FTZ/DAZ are on: subnormal inputs, biases and clip bounds; softmax logits spread so that exp(x - max)
// reaches the subnormal range; scores that differ only in subnormal digits; a subnormal eps and
// subnormal one-hot weights.
template <class T>
struct inputs {
  std::size_t rows, cols, n_out;
  strided<T> x, xc, z, p, t, s, w;  // x strided, xc contiguous, z logits, p probs, t one-hot, s scores
  std::vector<T> b;
  std::vector<std::int32_t> labels;
  T lo, hi, eps;

  inputs(shape sh, std::uint32_t seed, bool subnormal)
      : rows(sh.rows), cols(sh.cols), n_out(sh.n_out),
        x(rows, cols, 3, 1), xc(rows, cols, 0, 0), z(rows, cols, 2, 3), p(rows, cols, 1, 2), t(rows, cols, 4, 0),
        s(rows, cols, 1, 1), w(cols, n_out, 1, 1), b(n_out), labels(random_labels(rows, cols, seed)) {
    constexpr T mn = std::numeric_limits<T>::min();          // smallest normal
    constexpr T dmin = std::numeric_limits<T>::denorm_min();  // smallest subnormal
    // exp(x) is subnormal for x in about [-103, -87.3] (float) and [-745, -708] (double).
    const T spread = std::is_same_v<T, float> ? T(100) : T(740);
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(-1, 1), u01(0, 1);
    std::uniform_int_distribution<int> small(0, 7);
    const T scale = subnormal ? T(4) * mn : T(3);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) {
        x(r, c) = xc(r, c) = static_cast<T>(u(gen) * static_cast<double>(scale));
        z(r, c) = subnormal ? static_cast<T>((u(gen) - 1) / 2 * static_cast<double>(spread)) : static_cast<T>(5 * u(gen));
        p(r, c) = subnormal ? static_cast<T>(u01(gen) * static_cast<double>(4 * mn)) : static_cast<T>(u01(gen));
        s(r, c) = subnormal ? static_cast<T>(small(gen)) * dmin : static_cast<T>(small(gen)) / T(8);  // ties too
        t(r, c) = T(0);
      }
    for (std::size_t r = 0; r < rows; ++r) {
      t(r, static_cast<std::size_t>(labels[r])) = subnormal ? dmin : T(1);
      if (subnormal) p(r, static_cast<std::size_t>(labels[r])) = static_cast<T>(0.5 + u01(gen) / 2);
      if (r % 7 == 0) z(r, 0) = subnormal ? dmin : T(0);
    }
    for (std::size_t k = 0; k < cols; ++k)
      for (std::size_t j = 0; j < n_out; ++j) w(k, j) = static_cast<T>(u(gen));
    for (auto& v : b) v = static_cast<T>(u(gen) * static_cast<double>(subnormal ? mn : T(1)));
    lo = subnormal ? -mn / T(2) : T(-0.5);
    hi = subnormal ? mn / T(4) : T(0.5);
    eps = subnormal ? mn / T(8) : T(1e-7);
  }
};

// Every kernel of the public API on `in`, with the active ISA and threading settings. after(name) runs
// after each call (the MXCSR check).
template <class T>
std::vector<blob> run_all(const inputs<T>& in, const std::function<void(const std::string&)>& after = {}) {
  std::vector<blob> out;
  const auto guarded = [&](const std::string& name, auto&& call) {
    try {
      call();
    } catch (const std::exception& e) {
      const std::string msg = std::string("threw: ") + e.what();
      out.push_back({name + " (threw)", std::vector<unsigned char>(msg.begin(), msg.end())});
    }
    if (after) after(name);
  };
  const std::size_t R = in.rows, C = in.cols, N = in.n_out;

  guarded("dense_forward", [&] {
    strided<T> y(R, N, 3, 1);
    dense_forward<T>(in.x.cview(), in.w.cview(), in.b, y.view());
    add(out, "dense_forward", y.storage);
  });
  guarded("dense_relu", [&] {
    strided<T> y(R, N, 2, 2);
    dense_relu<T>(in.x.cview(), in.w.cview(), in.b, y.view());
    add(out, "dense_relu", y.storage);
  });
  guarded("relu", [&] {
    strided<T> y(R, C, 1, 3), yc(R, C, 0, 0);
    relu<T>(in.x.cview(), y.view());
    relu<T>(in.xc.cview(), yc.view());  // contiguous: the span path, cut in blocks
    add(out, "relu strided", y.storage);
    add(out, "relu contiguous", yc.storage);
  });
  guarded("clip", [&] {
    strided<T> y(R, C, 1, 3), yc(R, C, 0, 0), yd(R, C, 2, 1);
    clip<T>(in.x.cview(), y.view(), in.lo, in.hi);
    clip<T>(in.xc.cview(), yc.view(), in.lo, in.hi);
    clip<T>(in.p.cview(), yd.view());  // the book's default bounds
    add(out, "clip strided", y.storage);
    add(out, "clip contiguous", yc.storage);
    add(out, "clip default bounds", yd.storage);
  });
  guarded("softmax", [&] {
    strided<T> y(R, C, 2, 1);
    softmax<T>(in.z.cview(), y.view());
    add(out, "softmax", y.storage);
  });
  guarded("categorical_cross_entropy sparse", [&] {
    std::vector<T> losses(R);
    const T mean = categorical_cross_entropy<T>(in.p.cview(), in.labels, losses, in.eps);
    add(out, "cce sparse losses", losses);
    add_scalar(out, "cce sparse mean", mean);
  });
  guarded("categorical_cross_entropy one-hot", [&] {
    std::vector<T> losses(R);
    const T mean = categorical_cross_entropy<T>(in.p.cview(), in.t.cview(), losses, in.eps);
    add(out, "cce one-hot losses", losses);
    add_scalar(out, "cce one-hot mean", mean);
  });
  guarded("softmax_cross_entropy", [&] {
    std::vector<T> losses(R);
    const T mean = softmax_cross_entropy<T>(in.z.cview(), in.labels, losses);
    const T mean_only = softmax_cross_entropy<T>(in.z.cview(), in.labels);  // scratch buffer path
    add(out, "softmax_cross_entropy losses", losses);
    add_scalar(out, "softmax_cross_entropy mean", mean);
    add_scalar(out, "softmax_cross_entropy mean only", mean_only);
  });
  guarded("accuracy labels", [&] { add_scalar(out, "accuracy labels", accuracy<T>(in.s.cview(), in.labels)); });
  guarded("accuracy one-hot", [&] { add_scalar(out, "accuracy one-hot", accuracy<T>(in.s.cview(), in.t.cview())); });
  guarded("argmax", [&] {
    std::vector<std::int32_t> idx(R, -1), idx_t(R, -1);
    argmax<T>(in.s.cview(), idx);
    argmax<T>(in.z.cview(), idx_t);
    add(out, "argmax scores", idx);
    add(out, "argmax logits", idx_t);
  });
  return out;
}

// Same outputs, byte for byte. Outputs are matched by name, and the message lists every output that
// differs (with the first differing byte) or that only one run produced (with its error, if it threw).
::testing::AssertionResult identical(const std::vector<blob>& a, const std::vector<blob>& b) {
  std::string report;
  const auto find = [](const std::vector<blob>& v, const std::string& name) -> const blob* {
    for (const blob& x : v)
      if (x.name == name) return &x;
    return nullptr;
  };
  for (const blob& x : a) {
    const blob* y = find(b, x.name);
    if (y == nullptr) {
      report += "\n  " + x.name + ": only in the first run";
    } else if (x.bytes != y->bytes) {
      std::size_t k = 0;
      while (k < x.bytes.size() && k < y->bytes.size() && x.bytes[k] == y->bytes[k]) ++k;
      report += "\n  " + x.name + ": differs from byte " + std::to_string(k) + " of " + std::to_string(x.bytes.size());
    }
  }
  for (const blob& y : b)
    if (find(a, y.name) == nullptr) {
      report += "\n  " + y.name + ": only in the second run";
      if (y.name.find("(threw)") != std::string::npos) report += ": " + std::string(y.bytes.begin(), y.bytes.end());
    }
  if (report.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << report;
}

class Threading : public IsaTest {
 protected:
  void TearDown() override {
    set_num_threads(0);
    set_parallel_threshold(default_parallel_threshold);
    reset_isa_cap();
  }
};

// 37 rows split 19/18 over 2 threads and 13/12/12 over 3; 1000 rows in grains of any block size. Rows
// between one and two vectors wide (5-7 columns: f64 on AVX2; 9-15: f32 on AVX2, f64 on AVX-512; 17-31:
// f32 on AVX-512), where the kernels take their short-row paths (softmax and the fused loss transposed in
// registers, the one-hot loss across rows, dense's skinny path with two-vector loads) or their first
// long-row path with an overlapping tail.
const std::vector<shape>& thread_shapes() {
  static const std::vector<shape> v = {{37, 3, 3},  {1000, 3, 3}, {37, 5, 3},  {37, 7, 4},      {37, 9, 3},
                                       {37, 12, 5}, {37, 15, 3},  {37, 17, 3}, {37, 23, 2},     {37, 31, 3},
                                       {1000, 13, 3}, {37, 1000, 7}, {1000, 300, 5}, {1, 2000, 2}};
  return v;
}

TEST_P(Threading, BitIdenticalForEveryThreadCount) {
  set_isa_cap(GetParam().target);
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>&) {
    for (const shape& sh : thread_shapes()) {
      SCOPED_TRACE(std::to_string(sh.rows) + "x" + std::to_string(sh.cols) + " -> " + std::to_string(sh.n_out));
      const inputs<T> in(sh, static_cast<std::uint32_t>(sh.rows * 31 + sh.cols), false);
      set_parallel_threshold(default_parallel_threshold);
      set_num_threads(1);
      const auto serial = run_all(in);
      set_parallel_threshold(0);
      for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        EXPECT_TRUE(identical(serial, run_all(in))) << threads << " threads";
      }
    }
  });
}

#if defined(__x86_64__)
constexpr unsigned kFtzDaz = (1u << 15) | (1u << 6);
constexpr unsigned kStatusFlags = 0x3F;  // sticky exception flags: computations may set them

// Restores the test thread's MXCSR however the test ends.
struct mxcsr_guard {
  unsigned saved = _mm_getcsr();
  ~mxcsr_guard() { _mm_setcsr(saved); }
};

TEST_P(Threading, IndependentOfCallersFtzDaz) {
  set_isa_cap(GetParam().target);
  const mxcsr_guard guard;
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>&) {
    for (const shape& sh : {shape{37, 3, 3}, shape{200, 33, 4}})
      for (int threads : {1, 2}) {
        SCOPED_TRACE(std::to_string(sh.rows) + "x" + std::to_string(sh.cols) + ", " + std::to_string(threads) + " threads");
        const inputs<T> in(sh, static_cast<std::uint32_t>(sh.rows + sh.cols), true);
        set_num_threads(threads);
        set_parallel_threshold(threads == 1 ? default_parallel_threshold : 0);
        _mm_setcsr(guard.saved & ~kFtzDaz);
        const auto clean = run_all(in);

        const unsigned with_bits = (guard.saved & ~kStatusFlags) | kFtzDaz;
        _mm_setcsr(with_bits);
        std::vector<std::string> not_restored;
        const auto flushed = run_all(in, [&](const std::string& name) {
          if ((_mm_getcsr() & ~kStatusFlags) != (with_bits & ~kStatusFlags)) not_restored.push_back(name);
          _mm_setcsr(with_bits);
        });
        _mm_setcsr(guard.saved);
        EXPECT_TRUE(not_restored.empty()) << "MXCSR control bits changed by: " << ::testing::PrintToString(not_restored);
        EXPECT_TRUE(identical(clean, flushed)) << "with FTZ+DAZ set by the caller";
      }
  });
}

#if defined(_OPENMP)
// Sets MXCSR to `bits` on every thread of a two-thread OpenMP team (the calling thread and the pool thread
// that nnsimd's two-thread calls reuse), as an application does in its own `#pragma omp parallel`.
void set_on_pool(unsigned bits) {
#pragma omp parallel num_threads(2)
  _mm_setcsr(bits);
}

// The control bits (status flags aside) of each thread of a two-thread team differing from `bits`,
// by thread number, then sets them back to `bits`.
std::vector<int> pool_threads_not_at(unsigned bits) {
  std::vector<int> wrong;
#pragma omp parallel num_threads(2)
  {
    if ((_mm_getcsr() & ~kStatusFlags) != (bits & ~kStatusFlags)) {
#pragma omp critical
      wrong.push_back(omp_get_thread_num());
    }
    _mm_setcsr(bits);
  }
  return wrong;
}

// FTZ+DAZ set by the application on its OpenMP pool threads (not only on the calling thread): nnsimd's
// two-thread calls run on those same threads, and the promise (nnsimd/detail/runtime.hpp fp_env_enter;
// README, "Floating-point environment") is that every worker computes with IEEE subnormals and leaves
// each thread's state as it found it.
TEST_P(Threading, IndependentOfFtzDazOnThePoolThreads) {
  set_isa_cap(GetParam().target);
  const mxcsr_guard guard;
  const unsigned clear = guard.saved & ~kFtzDaz & ~kStatusFlags, with_bits = clear | kFtzDaz;
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>&) {
    for (const shape& sh : {shape{37, 3, 3}, shape{37, 12, 5}, shape{200, 33, 4}}) {
      SCOPED_TRACE(std::to_string(sh.rows) + "x" + std::to_string(sh.cols));
      const inputs<T> in(sh, static_cast<std::uint32_t>(sh.rows + sh.cols), true);
      set_num_threads(2);
      set_parallel_threshold(0);
      set_on_pool(clear);
      const auto clean = run_all(in);

      set_on_pool(with_bits);
      std::vector<std::string> not_restored;
      const auto flushed = run_all(in, [&](const std::string& name) {
        if (!pool_threads_not_at(with_bits).empty()) not_restored.push_back(name);
      });
      set_on_pool(guard.saved);
      EXPECT_TRUE(not_restored.empty()) << "MXCSR control bits of a pool thread changed by: "
                                        << ::testing::PrintToString(not_restored);
      EXPECT_TRUE(identical(clean, flushed)) << "with FTZ+DAZ set on every pool thread";
    }
  });
}
#endif

// The inputs above really are sensitive: computed by the test itself under DAZ, a subnormal compare
// goes the other way (so a kernel that forgot to clear DAZ would be caught).
TEST(ThreadingSelfCheck, SubnormalInputsAreSensitiveToDaz) {
  const mxcsr_guard guard;
  volatile float a = std::numeric_limits<float>::denorm_min() * 3, b = std::numeric_limits<float>::denorm_min();
  const bool clean = a > b;
  _mm_setcsr(guard.saved | kFtzDaz);
  const bool flushed = a > b;
  _mm_setcsr(guard.saved);
  EXPECT_TRUE(clean);
  EXPECT_FALSE(flushed);
}
#endif

NNSIMD_INSTANTIATE_ISA_SUITE(Threading);

}  // namespace
}  // namespace nnsimd::test
