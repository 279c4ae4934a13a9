// Peer: OpenBLAS cblas_sgemm / cblas_dgemm, for dense only: y rows are first set to the bias, then
// y = 1 * x w + 1 * y (the usual GEMM-with-bias idiom); dense_relu adds a plain loop for the max.
// One thread (openblas_set_num_threads(1)) except in the _t<N> rows. OpenBLAS's pthreads busy-spin for
// about 100 ms after a multi-threaded call and would steal a core from the benchmark that follows: an
// N-thread case's destroy sets one thread again and waits that long.
#include <cblas.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "peer.hpp"

namespace nnsimd::bench {
namespace {

template <class T>
void gemm(const io<T>& a) {
  for (std::size_t i = 0; i < a.rows; ++i) std::memcpy(a.y + i * a.cols, a.b, a.cols * sizeof(T));
  const auto m = static_cast<blasint>(a.rows), n = static_cast<blasint>(a.cols), k = static_cast<blasint>(a.n_in);
  if constexpr (sizeof(T) == 4)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.x, k, a.w, n, 1.0f, a.y, n);
  else
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, a.x, k, a.w, n, 1.0, a.y, n);
  if (a.k == kernel::dense_relu)
    for (std::size_t i = 0; i < a.rows * a.cols; ++i) a.y[i] = a.y[i] < T(0) ? T(0) : a.y[i];
}

// No prepacked weights in the CBLAS interface: timed as dense_forward / dense_relu only.
bool supports(kernel k, bool) { return k == kernel::dense_forward || k == kernel::dense_relu; }

// Its GEMM is threaded; the bias and ReLU loops around it are not.
bool parallel(kernel k) { return supports(k, false); }

template <class T>
peer_op make(const io<T>& a, int threads) {
  openblas_set_num_threads(threads);
  peer_op op;
  op.state = new io<T>(a);
  op.run = [](void* p) { gemm(*static_cast<io<T>*>(p)); };
  if (threads > 1)
    op.destroy = [](void* p) {
      delete static_cast<io<T>*>(p);
      openblas_set_num_threads(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
    };
  else
    op.destroy = [](void* p) { delete static_cast<io<T>*>(p); };
  return op;
}

// The SIMD level of an OpenBLAS 0.3.21 core's kernels: 4 AVX-512, 3 AVX2 + FMA, 2 AVX, 1 SSE-class,
// 0 unknown. Only the cores a DYNAMIC_ARCH x86-64 build can pick.
int core_level(const std::string& c) {
  for (const char* k : {"SkylakeX", "Cooperlake", "SapphireRapids"})
    if (c == k) return 4;
  for (const char* k : {"Haswell", "Zen", "Excavator", "Steamroller"})
    if (c == k) return 3;
  for (const char* k : {"Sandybridge", "Bulldozer", "Piledriver"})
    if (c == k) return 2;
  for (const char* k : {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Nano", "Barcelona", "Opteron",
                        "Opteron_SSE3", "Bobcat", "Katmai", "Coppermine", "Northwood", "Banias"})
    if (c == k) return 1;
  return 0;
}

int cpu_level() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq"))
    return 4;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 3;
  if (__builtin_cpu_supports("avx")) return 2;
  return 1;
}

// The core that runs the best kernels 0.3.21 has for a CPU of this level. The rule is by the CPU's ISA
// level (CPUID flags), not by family and model tables, so a CPU newer than the library is still placed:
// AVX-512 (F, BW, DQ, VL) -> SkylakeX, the AVX-512 sgemm/dgemm kernels (measured on Intel family 6 model
// 207 with NumPy, 1024^3 sgemm, one thread: SkylakeX 120 GFLOP/s, Cooperlake 106-132, Haswell 81, the
// Prescott fallback 32); AVX2 + FMA -> Haswell; AVX -> Sandybridge.
const char* best_core(int level) { return level == 4 ? "SkylakeX" : level == 3 ? "Haswell" : level == 2 ? "Sandybridge" : nullptr; }

// OpenBLAS reads OPENBLAS_CORETYPE once, when the library loads; its own detection otherwise. 0.3.21
// does not know e.g. Intel family 6 model 207 (Emerald Rapids) and falls back to Prescott (SSE3).
const char* code() {
  static const std::string s = [] {
    const std::string core = openblas_get_corename();
    const char* forced = std::getenv("OPENBLAS_CORETYPE");
    std::string r = "core " + core + (forced ? std::string(" (OPENBLAS_CORETYPE=") + forced + ")" : std::string(" (own detection)"));
    const int have = core_level(core), can = cpu_level();
    static const char* level[] = {"unknown", "SSE-class", "AVX", "AVX2+FMA", "AVX-512"};
    r += std::string("; kernels ") + level[have] + ", CPU " + level[can];
    if (have != 0 && have < can) r += "; FALLBACK below what the CPU runs";
    return r;
  }();
  return s.c_str();
}

const char* corrected_env() {
  static const std::string s = [] {
    const int have = core_level(openblas_get_corename()), can = cpu_level();
    const char* best = best_core(can);
    return have != 0 && have < can && best ? std::string("OPENBLAS_CORETYPE=") + best : std::string();
  }();
  return s.empty() ? nullptr : s.c_str();
}

// Registered from this file: the driver runs every peer linked in (peer.hpp, peer_registration).
const peer_api api{"openblas", "", &supports, &make<float>, &make<double>, &code, &corrected_env, &parallel};
const peer_registration registration(api);
}  // namespace

}  // namespace nnsimd::bench
