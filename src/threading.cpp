// Thread count, parallel threshold and the floating-point environment guard (baseline flags).
#include <atomic>

#include "kernels/parallel.hpp"
#include "nnsimd/nnsimd.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace nnsimd {
namespace {
std::atomic<int> g_threads{0};
std::atomic<std::size_t> g_threshold{default_parallel_threshold};
std::atomic<std::size_t> g_forward_block{detail::default_forward_block_bytes};
}  // namespace

void set_num_threads(int threads) {
  if (threads < 0) throw error("nnsimd::set_num_threads: threads = " + std::to_string(threads) + " is negative");
  g_threads.store(threads, std::memory_order_relaxed);
}

int num_threads() {
#if defined(_OPENMP)
  const int t = g_threads.load(std::memory_order_relaxed);
  return t > 0 ? t : omp_get_max_threads();
#else
  return 1;
#endif
}

void set_parallel_threshold(std::size_t work) { g_threshold.store(work, std::memory_order_relaxed); }
std::size_t parallel_threshold() { return g_threshold.load(std::memory_order_relaxed); }

namespace detail {

std::size_t forward_block_bytes() noexcept { return g_forward_block.load(std::memory_order_relaxed); }
std::size_t set_forward_block_bytes(std::size_t bytes) noexcept {
  return g_forward_block.exchange(bytes ? bytes : default_forward_block_bytes, std::memory_order_relaxed);
}

int threads_for(std::size_t rows, std::size_t work_per_row, std::size_t grain) {
#if defined(_OPENMP)
  if (grain == 0) grain = 1;
  const std::size_t threshold = g_threshold.load(std::memory_order_relaxed);
  if (rows * work_per_row < threshold) return 1;
  // Never start a parallel region from inside one: the caller's threads already share the cores.
  if (omp_in_parallel()) return 1;
  const std::size_t grains = (rows + grain - 1) / grain;
  const std::size_t avail = static_cast<std::size_t>(num_threads());
  const std::size_t most = grains < avail ? grains : avail;
  if (threshold == 0 || most <= 1) return static_cast<int>(most < 1 ? 1 : most);
  // Estimated wall time with t threads: the largest share (parallel_rows gives it ceil(grains / t)
  // grains) plus threshold / 2 for each thread beyond the first (waking it and joining it).
  const std::size_t region = threshold / 2;
  std::size_t best_t = 1, best = rows * work_per_row;
  for (std::size_t t = 2; t <= most; ++t) {
    const std::size_t share = (grains + t - 1) / t * grain;
    const std::size_t cost = (share < rows ? share : rows) * work_per_row + region * (t - 1);
    if (cost < best) best = cost, best_t = t;
  }
  return static_cast<int>(best_t);
#else
  (void)rows, (void)work_per_row, (void)grain;
  return 1;
#endif
}

#if defined(__x86_64__) || defined(_M_X64)
// MXCSR bit 15 is flush-to-zero (FTZ), bit 6 denormals-are-zero (DAZ).
constexpr unsigned kFtzDaz = (1u << 15) | (1u << 6);
unsigned fp_env_enter() noexcept {
  const unsigned saved = _mm_getcsr();
  if (saved & kFtzDaz) _mm_setcsr(saved & ~kFtzDaz);
  return saved;
}
void fp_env_leave(unsigned saved) noexcept {
  if (saved & kFtzDaz) _mm_setcsr(saved);
}
#elif defined(__aarch64__)
// FPCR bit 24 is FZ (flush-to-zero, for inputs and outputs alike).
constexpr unsigned long kFz = 1ul << 24;
unsigned fp_env_enter() noexcept {
  unsigned long fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  if (fpcr & kFz) __asm__ volatile("msr fpcr, %0" : : "r"(fpcr & ~kFz));
  return static_cast<unsigned>(fpcr);
}
void fp_env_leave(unsigned saved) noexcept {
  const unsigned long fpcr = saved;
  if (fpcr & kFz) __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
}
#else
unsigned fp_env_enter() noexcept { return 0; }
void fp_env_leave(unsigned) noexcept {}
#endif

}  // namespace detail
}  // namespace nnsimd
