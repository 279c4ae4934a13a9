// ISA detection, the cap, and the table lookup (baseline flags).
//
// Detection runs once: the compiled ISAs (CMake defines NNSIMD_HAVE_<ISA>) intersected with what the CPU
// and the OS support. On x86-64 that comes from cpuinfo (pytorch/cpuinfo), which checks both the CPUID
// bits and, through XGETBV, that the OS saves the YMM/ZMM state; xsimd 8.1's own detection skips the
// latter. AArch64 always has Advanced SIMD.
#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

#include "nnsimd/detail/kernel_table.hpp"
#include "nnsimd/view.hpp"

#if defined(NNSIMD_HAVE_CPUINFO)
#include <cpuinfo.h>
#endif

namespace nnsimd {
namespace {

constexpr std::array<std::string_view, isa_count> kNames = {"scalar", "sse2", "avx2", "avx512", "neon64"};

constexpr bool compiled(isa i) {
  switch (i) {
    case isa::scalar: return true;
#if defined(NNSIMD_HAVE_SSE2)
    case isa::sse2: return true;
#endif
#if defined(NNSIMD_HAVE_AVX2)
    case isa::avx2: return true;
#endif
#if defined(NNSIMD_HAVE_AVX512)
    case isa::avx512: return true;
#endif
#if defined(NNSIMD_HAVE_NEON64)
    case isa::neon64: return true;
#endif
    default: return false;
  }
}

bool cpu_supports(isa i) {
  switch (i) {
    case isa::scalar: return true;
#if defined(__x86_64__)
    case isa::sse2: return true;  // part of x86-64
#if defined(NNSIMD_HAVE_CPUINFO)
    case isa::avx2: return cpuinfo_initialize() && cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3();
    case isa::avx512:
      return cpuinfo_initialize() && cpuinfo_has_x86_avx512f() && cpuinfo_has_x86_avx512cd() &&
             cpuinfo_has_x86_avx512dq() && cpuinfo_has_x86_avx512bw() && cpuinfo_has_x86_avx512vl();
#else
    // GCC's and Clang's runtime checks also test XGETBV for the OS-enabled register state.
    case isa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case isa::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl");
#endif
#endif
#if defined(__aarch64__)
    case isa::neon64: return true;  // mandatory in AArch64
#endif
    default: return false;
  }
}

struct detected {
  std::array<bool, isa_count> runnable{};
  isa best = isa::scalar;
};

const detected& detection() {
  static const detected d = [] {
    detected r;
    for (int k = 0; k < isa_count; ++k) {
      const isa i = static_cast<isa>(k);
      r.runnable[k] = compiled(i) && cpu_supports(i);
      if (r.runnable[k]) r.best = i;
    }
    return r;
  }();
  return d;
}

// -1: no cap; otherwise the capped isa. g_active: -1 until resolved.
std::atomic<int> g_cap{-1};
std::atomic<int> g_active{-1};
std::mutex g_mutex;

isa best_not_above(isa cap) {
  const auto& d = detection();
  isa best = isa::scalar;
  for (int k = 0; k <= static_cast<int>(cap); ++k)
    if (d.runnable[k]) best = static_cast<isa>(k);
  return best;
}

void require_runnable(isa i, const char* who) {
  if (!is_runnable(i)) {
    std::string have;
    for (isa r : runnable_isas()) have += (have.empty() ? "" : ", ") + std::string(to_string(r));
    throw error(std::string(who) + ": ISA '" + std::string(to_string(i)) + "' is " +
                (compiled(i) ? "not supported by this CPU/OS" : "not compiled into this build") +
                "; runnable here: " + have);
  }
}

// Resolves the active ISA; the first call reads NNSIMD_ISA.
isa resolve_active() {
  int a = g_active.load(std::memory_order_acquire);
  if (a >= 0) return static_cast<isa>(a);
  std::lock_guard lock(g_mutex);
  a = g_active.load(std::memory_order_acquire);
  if (a >= 0) return static_cast<isa>(a);
  int cap = g_cap.load();
  if (cap < 0) {
    if (const char* env = std::getenv("NNSIMD_ISA"); env && *env) {
      isa c;
      try {
        c = parse_isa(env);
      } catch (const error& e) {
        throw error(std::string("NNSIMD_ISA=") + env + ": " + e.what());
      }
      require_runnable(c, "NNSIMD_ISA");
      cap = static_cast<int>(c);
      g_cap.store(cap);
    }
  }
  const isa act = cap < 0 ? detection().best : best_not_above(static_cast<isa>(cap));
  g_active.store(static_cast<int>(act), std::memory_order_release);
  return act;
}

template <class T>
constexpr std::array<const detail::kernel_table<T>& (*)(), isa_count> kTables = {
    &detail::isa_table<isa::scalar, T>,
#if defined(NNSIMD_HAVE_SSE2)
    &detail::isa_table<isa::sse2, T>,
#else
    nullptr,
#endif
#if defined(NNSIMD_HAVE_AVX2)
    &detail::isa_table<isa::avx2, T>,
#else
    nullptr,
#endif
#if defined(NNSIMD_HAVE_AVX512)
    &detail::isa_table<isa::avx512, T>,
#else
    nullptr,
#endif
#if defined(NNSIMD_HAVE_NEON64)
    &detail::isa_table<isa::neon64, T>,
#else
    nullptr,
#endif
};

}  // namespace

std::string_view to_string(isa i) noexcept {
  const int k = static_cast<int>(i);
  return k >= 0 && k < isa_count ? kNames[k] : std::string_view("unknown");
}

isa parse_isa(std::string_view name) {
  for (int k = 0; k < isa_count; ++k)
    if (kNames[k] == name) return static_cast<isa>(k);
  std::string all;
  for (auto n : kNames) all += (all.empty() ? "" : ", ") + std::string(n);
  throw error("unknown ISA '" + std::string(name) + "'; expected one of: " + all);
}

std::vector<isa> compiled_isas() {
  std::vector<isa> v;
  for (int k = 0; k < isa_count; ++k)
    if (compiled(static_cast<isa>(k))) v.push_back(static_cast<isa>(k));
  return v;
}

std::vector<isa> runnable_isas() {
  std::vector<isa> v;
  for (int k = 0; k < isa_count; ++k)
    if (detection().runnable[k]) v.push_back(static_cast<isa>(k));
  return v;
}

bool is_runnable(isa i) {
  const int k = static_cast<int>(i);
  return k >= 0 && k < isa_count && detection().runnable[k];
}

isa active_isa() { return resolve_active(); }

void set_isa_cap(isa cap) {
  require_runnable(cap, "nnsimd::set_isa_cap");
  std::lock_guard lock(g_mutex);
  g_cap.store(static_cast<int>(cap));
  g_active.store(static_cast<int>(best_not_above(cap)), std::memory_order_release);
}

void reset_isa_cap() {
  std::lock_guard lock(g_mutex);
  g_cap.store(-1);
  g_active.store(static_cast<int>(detection().best), std::memory_order_release);
}

std::optional<isa> isa_cap() {
  resolve_active();
  const int c = g_cap.load();
  return c < 0 ? std::nullopt : std::optional<isa>(static_cast<isa>(c));
}

namespace detail {

template <class T>
const kernel_table<T>& table(isa i) {
  require_runnable(i, "nnsimd::detail::table");
  return kTables<T>[static_cast<int>(i)]();
}

template <class T>
const kernel_table<T>& active_table() {
  return kTables<T>[static_cast<int>(resolve_active())]();
}

template const kernel_table<float>& table<float>(isa);
template const kernel_table<double>& table<double>(isa);
template const kernel_table<float>& active_table<float>();
template const kernel_table<double>& active_table<double>();

}  // namespace detail
}  // namespace nnsimd
