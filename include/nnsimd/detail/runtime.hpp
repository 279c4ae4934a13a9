// The library's run-time state that the kernels consult (thread counts, the floating-point environment,
// the streaming-store threshold), defined in src/threading.cpp and src/streaming.cpp. Internal to nnsimd:
// src/kernels/parallel.hpp uses it, and the tests and benchmarks read and set it through this header,
// which needs nothing from src/.
#pragma once

#include <cstddef>

namespace nnsimd::detail {

// Work unit: every call site passes `work_per_row` as an estimate of one row's single-thread time in
// picoseconds on the fastest ISA (AVX-512, float; doubled for double), measured per kernel and written
// next to the call site, so that one threshold fits every kernel (see default_parallel_threshold).
//
// How many threads a call of `rows` rows of `work_per_row` each should use, the row ranges being runs
// of whole grains (see parallel_rows): the count that minimizes the estimated wall time, the largest
// thread's share of the work plus half the parallel threshold for each thread beyond the first (an
// evenly split call then pays off exactly at the threshold). So a call stays on one thread below the
// threshold, a split whose grains fall unevenly (23 rows in grains of 16: 16 + 7) needs more work than
// that, and t threads are used only when each gets at least (t - 1) * threshold / 2 (t + 1 beats t
// evenly split when work > t (t + 1) threshold / 2). Ties go to fewer threads. Threshold 0 splits whenever there are two grains (the tests use it). 1 when built
// without OpenMP or called from inside a parallel region. Defined in src/threading.cpp.
int threads_for(std::size_t rows, std::size_t work_per_row, std::size_t grain);

// Save the caller's floating-point control state and clear flush-to-zero / denormals-are-zero, so that
// subnormal inputs and results are computed exactly as IEEE 754 says whatever the caller left set.
// Defined in src/threading.cpp. Every thread that runs kernel code enters and leaves once per call.
unsigned fp_env_enter() noexcept;
void fp_env_leave(unsigned saved) noexcept;

// Whether a memory-bound kernel whose working set is `ws_bytes` (bytes read + bytes written) writes with
// non-temporal stores: above the machine's streaming threshold (nnsimd::streaming_stores() in
// nnsimd/machine.hpp: the knee of the library's own copy timed with both kinds of store, measured once,
// on the first call whose working set exceeds the private caches). Defined in src/streaming.cpp.
bool stream_stores(std::size_t ws_bytes) noexcept;
// The threshold stream_stores compares with (measuring it if not yet done); SIZE_MAX: never stream.
std::size_t streaming_store_bytes() noexcept;
// For tests: makes the threshold `bytes` (0: the machine's value again), so that the streamed path runs
// on a small working set on every machine, whatever its cache; returns the previous setting (0 if
// none). Process-wide, atomic; a call already running may still use the old value.
std::size_t set_streaming_store_bytes(std::size_t bytes) noexcept;

// The fused forward pass's block budget: the bytes of hidden activations and logits one block of rows
// keeps per thread (src/kernels/forward_pass.hpp, max_block_rows; default 4 MiB). For tests: a small
// budget makes small shapes run several blocks. set_ returns the previous setting; 0 restores the
// default. Process-wide, atomic. Defined in src/threading.cpp.
inline constexpr std::size_t default_forward_block_bytes = std::size_t{4} << 20;
std::size_t forward_block_bytes() noexcept;
std::size_t set_forward_block_bytes(std::size_t bytes) noexcept;

// The most threads a parallel_rows call on this thread has used since the caller last set it to 0. The
// benchmarks read it to say whether an N-thread setting split a call at all (below the parallel threshold
// it runs on one thread, the same code as a one-thread setting). One compare per call.
inline thread_local int threads_used = 0;

}  // namespace nnsimd::detail
