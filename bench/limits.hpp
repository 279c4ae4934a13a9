// Loops that measure this machine's ceilings (the roofline of every kernel result), one copy per ISA
// (bench/limits_<isa>.cpp, compiled with that ISA's flags, written with xsimd).
#pragma once

#include <cstddef>

#include "nnsimd/isa.hpp"

namespace nnsimd::bench {

// Independent FMA chains per call: Zen 4 and Skylake-SP have 2 FMA pipes of 4 cycles latency, so 8
// chains keep both busy; 12 also cover 5-cycle FMAs (Zen 2: 2 x 5 = 10) and still fit in the 16
// vector registers of SSE2/AVX2.
inline constexpr std::size_t fma_chains = 12;

struct limit_fns {
  // `iters` rounds of fma_chains independent vector FMAs (a * x + c on SSE2, where xsimd has no fused
  // form): flops = 2 * lanes * fma_chains * iters. Returns a combination of the chains to keep them live.
  float (*fma_f32)(std::size_t iters);
  double (*fma_f64)(std::size_t iters);
  std::size_t lanes_f32, lanes_f64;
  // Sum of n floats (n a multiple of 8 vectors), 8 accumulators: the read bandwidth.
  float (*read)(const float* p, std::size_t n);
  // The same over two arrays of n floats read side by side (n a multiple of 4 vectors): the read
  // bandwidth of a kernel that reads two streams (categorical_cross_entropy_onehot: probabilities and targets), which a
  // single stream does not reach on every machine (more streams, more prefetchers at work).
  float (*read2)(const float* a, const float* b, std::size_t n);
  // dst = src, n floats (n a multiple of 4 vectors), aligned loads and stores: the copy bandwidth.
  void (*copy)(const float* src, float* dst, std::size_t n);
  // The same with non-temporal stores (x86; elsewhere ordinary stores): the copy bandwidth beyond the
  // last-level cache, where relu and clip stream their output (src/kernels/elementwise.hpp).
  void (*copy_stream)(const float* src, float* dst, std::size_t n);
  // y = exp(x) / log(x), n a multiple of the vector length, with each vector exp and log this binary has,
  // so that the exp and log ceilings are the fastest at the accuracy the kernels need:
  //   xsimd: xsimd::exp / xsimd::log (1.5 / 0.75 ULP in float);
  //   own:   softmax's own exp (kernels::softmax_detail::exp_nonpos, valid for x <= 0, all softmax
  //          needs; its bound is in src/spec/softmax.hpp) and the losses' own double log
  //          (kernels::log, src/kernels/log.hpp; float has none: the losses use xsimd's float log);
  //   sleef: Sleef's u10 functions (at most 1 ULP) for this ISA, where libsleef-dev was found;
  //   libm:  the C library's exp / log, one element at a time (correctly rounded in practice; glibc's
  //          f64 log outruns xsimd's SSE2 vector log, and the auto-vectorized reference calls it).
  // A missing variant is nullptr.
  struct unary_fns {
    void (*f32)(const float* x, float* y, std::size_t n);
    void (*f64)(const double* x, double* y, std::size_t n);
  };
  unary_fns exp_xsimd, exp_own, exp_sleef, exp_libm, log_xsimd, log_own, log_sleef, log_libm;
};

// Defined by bench/limits_<I>.cpp for every ISA in NNSIMD_ISAS.
template <isa I>
const limit_fns& limits();

}  // namespace nnsimd::bench
