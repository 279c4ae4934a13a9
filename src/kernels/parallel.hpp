// Row-parallel execution for the kernels: OpenMP over batch rows, above a work threshold only.
#pragma once

#include <cstddef>

#include "nnsimd/detail/runtime.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace nnsimd::detail {

// Calls body(r0, r1) on disjoint row ranges covering [0, rows). Range boundaries are multiples of
// `grain` (a kernel's row block), so a row is computed by the same code path whatever the thread count:
// results are bit-identical for every thread count. Static partition: thread t of n takes the t-th of n
// nearly equal runs of grains. Templated on Arch so each ISA gets its own copy (see isa_tu.inc).
template <class Arch, class Body>
void parallel_rows(std::size_t rows, std::size_t work_per_row, std::size_t grain, const Body& body) {
  if (rows == 0) return;
  const int threads = threads_for(rows, work_per_row, grain);
  if (threads > threads_used) threads_used = threads;
  if (threads <= 1) {
    const unsigned saved = fp_env_enter();
    body(std::size_t{0}, rows);
    fp_env_leave(saved);
    return;
  }
#if defined(_OPENMP)
  const std::size_t grains = (rows + grain - 1) / grain;
#pragma omp parallel num_threads(threads)
  {
    const std::size_t n = static_cast<std::size_t>(omp_get_num_threads());
    const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
    const std::size_t g0 = grains * t / n, g1 = grains * (t + 1) / n;
    const std::size_t r0 = g0 * grain, r1 = g1 * grain < rows ? g1 * grain : rows;
    if (r0 < r1) {
      const unsigned saved = fp_env_enter();
      body(r0, r1);
      fp_env_leave(saved);
    }
  }
#endif
}

}  // namespace nnsimd::detail
