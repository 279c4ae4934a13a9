// The streaming-store threshold: measured on this machine (see nnsimd::streaming_stores in machine.hpp).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "kernels/parallel.hpp"
#include "nnsimd/detail/kernel_table.hpp"
#include "nnsimd/machine.hpp"

#if defined(NNSIMD_HAVE_CPUINFO)
#include <cpuinfo.h>
#endif

namespace nnsimd {
namespace {

constexpr std::size_t kNever = static_cast<std::size_t>(-1);
constexpr std::size_t kMiB = std::size_t{1} << 20;

// set_streaming_store_bytes's value; 0: none (the machine's).
std::atomic<std::size_t> g_override{0};
// While the threshold is being measured, the measuring thread's own relu calls are told which store to
// use (-1: ask the policy). Only that thread reads it: the kernels decide before their parallel region.
thread_local int t_forced = -1;

// Sum over the caches of one level (cpuinfo counts each instance once).
std::size_t cache_total(int level) {
#if defined(NNSIMD_HAVE_CPUINFO)
  if (!cpuinfo_initialize()) return 0;
  std::size_t sum = 0;
  if (level == 2)
    for (std::uint32_t i = 0; i < cpuinfo_get_l2_caches_count(); ++i) sum += cpuinfo_get_l2_cache(i)->size;
  else
    for (std::uint32_t i = 0; i < cpuinfo_get_l3_caches_count(); ++i) sum += cpuinfo_get_l3_cache(i)->size;
  return sum;
#else
  (void)level;
  return 0;
#endif
}

// Working sets below this fit in the cores' private caches: never streamed, never a reason to measure.
std::size_t private_caches() { return std::max(cache_total(2), kMiB); }

#if defined(__x86_64__) || defined(_M_X64)  // non-temporal stores: x86 only
struct aligned_free {
  void operator()(float* p) const noexcept { std::free(p); }
};
using buffer = std::unique_ptr<float, aligned_free>;

buffer floats(std::size_t n) {
  void* p = std::aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
  if (!p) throw std::bad_alloc();
  return buffer(static_cast<float*>(p));
}

streaming_policy measure() {
  streaming_policy p;
  std::size_t l3 = cache_total(3);
  const std::size_t lo = private_caches();
  std::size_t hi = std::clamp<std::size_t>(l3 ? 4 * l3 : 64 * kMiB, 64 * kMiB, std::size_t{1} << 30);
  const std::size_t memory = describe_machine().memory_bytes;
  hi = std::min(hi, (memory ? memory : std::size_t{8} << 30) / 8);
  if (hi <= lo) {
    p.source = "not measured: memory too small for a working set beyond the private caches";
    return p;
  }
  const detail::kernel_table<float>& t = detail::active_table<float>();
  const std::size_t n_max = hi / 2 / sizeof(float);
  buffer x = floats(n_max), y = floats(n_max);
  for (std::size_t i = 0; i < n_max; ++i) x.get()[i] = (i & 1) ? 1.0f : -1.0f;
  std::memset(y.get(), 0, n_max * sizeof(float));
  using clock = std::chrono::steady_clock;
  // One sample: the mean time of `calls` back-to-back calls with one kind of store, after one untimed call
  // with it (a streamed call leaves y out of the cache, which an ordinary call after it would pay for).
  auto block = [&](std::size_t n, int streamed, int calls) {
    t_forced = streamed;
    t.relu(x.get(), n, y.get(), n, 1, n);
    const auto t0 = clock::now();
    for (int c = 0; c < calls; ++c) t.relu(x.get(), n, y.get(), n, 1, n);
    const auto t1 = clock::now();
    t_forced = -1;
    return std::chrono::duration<double>(t1 - t0).count() / calls;
  };
  for (std::size_t ws = lo; ws <= hi; ws *= 2) {
    const std::size_t n = ws / 2 / sizeof(float);
    const int reps = ws > 256 * kMiB ? 3 : 5;
    const int calls = static_cast<int>(std::max<std::size_t>(1, 32 * kMiB / ws));  // >= 32 MiB per sample
    std::vector<double> regular, streamed;
    for (int r = 0; r < reps; ++r) {
      regular.push_back(block(n, 0, calls));
      streamed.push_back(block(n, 1, calls));
    }
    // The fastest block of each kind: another process on the machine only ever adds time, so the minimum
    // is the estimate least disturbed by it (a median taken under a neighbour's memory traffic moved the
    // largest sizes enough to flip the decision there).
    p.curve.push_back({ws, *std::min_element(regular.begin(), regular.end()),
                       *std::min_element(streamed.begin(), streamed.end())});
  }
  p.bytes = streaming_knee(p.curve);
  p.source = "measured: knee of relu with ordinary vs streaming stores, " + std::to_string(lo / kMiB) + "-" +
             std::to_string(p.curve.back().ws_bytes / kMiB) + " MiB working sets (reported L3 " +
             std::to_string(l3 / kMiB) + " MiB)";
  return p;
}
#endif

streaming_policy decide() {
  streaming_policy p;
#if !(defined(__x86_64__) || defined(_M_X64))
  p.source = "never: no non-temporal stores on this architecture";
  return p;
#else
  if (const char* env = std::getenv("NNSIMD_STREAMING_STORE_BYTES"); env && *env) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(env, &end, 10);
    if (std::strcmp(env, "never") == 0) {
      p.source = "never: NNSIMD_STREAMING_STORE_BYTES=never";
      return p;
    }
    if (end && *end == '\0' && env[0] != '-' && v > 0) {
      p.bytes = static_cast<std::size_t>(v);
      p.source = std::string("NNSIMD_STREAMING_STORE_BYTES=") + env;
      return p;
    }
    p.source = std::string("NNSIMD_STREAMING_STORE_BYTES='") + env + "' ignored (not a byte count or 'never'); ";
  }
  try {
    streaming_policy m = measure();
    m.source = p.source + m.source;
    return m;
  } catch (const std::bad_alloc&) {
    p.source += "never: no memory to measure the threshold";
    return p;
  }
#endif
}

}  // namespace

std::size_t streaming_knee(const std::vector<streaming_sample>& curve) {
  if (curve.empty()) return kNever;
  auto wins = [](const streaming_sample& s) { return s.streamed_s < 0.95 * s.regular_s; };
  if (!wins(curve.back())) return kNever;
  std::size_t last_loss = 0;
  for (const streaming_sample& s : curve)
    if (!wins(s)) last_loss = s.ws_bytes;
  // Every size won: the knee is below the first size measured; stream from half of it (the private caches
  // still bound it from below, see detail::stream_stores).
  const double base = last_loss ? static_cast<double>(last_loss) : static_cast<double>(curve.front().ws_bytes) / 2;
  return static_cast<std::size_t>(base * std::sqrt(2.0));
}

const streaming_policy& streaming_stores() {
  static const streaming_policy p = decide();
  return p;
}

namespace detail {

std::size_t set_streaming_store_bytes(std::size_t bytes) noexcept { return g_override.exchange(bytes, std::memory_order_relaxed); }

std::size_t streaming_store_bytes() noexcept {
  if (const std::size_t o = g_override.load(std::memory_order_relaxed); o != 0) return o;
  try {
    return streaming_stores().bytes;
  } catch (...) {  // a failed measurement (an ISA table that cannot run) streams nothing
    return kNever;
  }
}

bool stream_stores(std::size_t ws_bytes) noexcept {
  if (t_forced >= 0) return t_forced == 1;
  // Within the private caches ordinary stores always win: decided without measuring anything (unless a
  // test set the threshold).
  static const std::size_t floor = private_caches();
  if (ws_bytes <= floor && g_override.load(std::memory_order_relaxed) == 0) return false;
  return ws_bytes > streaming_store_bytes();
}

}  // namespace detail
}  // namespace nnsimd
