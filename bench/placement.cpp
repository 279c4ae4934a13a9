// nnsimd_placement: relu and clip of 4 Ki floats (16 KiB in, 16 KiB out: L1) with the output placed at
// every 64 B .. 4 KiB offset from the input modulo a page, on every ISA this machine runs, through the
// kernel table as a user calls it. On x86 a load that follows a store to an address equal in its low 12
// bits waits for it (4K aliasing); the kernels pick their loop direction from the placement
// (run_backward in src/kernels/elementwise.hpp). If that rule fits this machine, the times are flat
// across placements: the tool prints, per ISA and kernel, the median time at each offset and max/min.
//
//   nnsimd_placement [calls]     (default 2000 calls per sample, 15 samples, median)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "nnsimd/detail/kernel_table.hpp"
#include "nnsimd/nnsimd.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

// Median ns per call of f(offset index), for every offset: 15 rounds, each timing `calls` calls at every
// offset in turn, so that a change in the shared machine's state lands on all offsets alike.
template <class F>
std::vector<double> median_ns(std::size_t offsets, int calls, const F& f) {
  std::vector<std::vector<double>> s(offsets);
  for (int r = 0; r < 15; ++r)
    for (std::size_t o = 0; o < offsets; ++o) {
      const auto t0 = clock_type::now();
      for (int c = 0; c < calls; ++c) f(o);
      s[o].push_back(std::chrono::duration<double, std::nano>(clock_type::now() - t0).count() / calls);
    }
  std::vector<double> m;
  for (auto& v : s) {
    std::sort(v.begin(), v.end());
    m.push_back(v[v.size() / 2]);
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  const int calls = argc > 1 ? std::atoi(argv[1]) : 2000;
  if (calls <= 0) {
    std::fprintf(stderr, "nnsimd_placement: calls must be a positive count, got '%s'\n", argv[1]);
    return 2;
  }
  constexpr std::size_t n = 4096, page = 4096;
  // x at a page boundary; y in a region after x's 16 KiB, at x's page offset + d.
  void* raw = std::aligned_alloc(page, 8 * page + n * sizeof(float));
  if (!raw) return 1;
  float* x = static_cast<float*>(raw);
  for (std::size_t i = 0; i < n; ++i) x[i] = (i % 3 == 0) ? -1.0f - static_cast<float>(i) : 0.5f * static_cast<float>(i);
  char* ybase = static_cast<char*>(raw) + 5 * page;
  std::vector<std::size_t> offsets;
  for (std::size_t d = 0; d < page; d += 256) offsets.push_back(d);
  nnsimd::set_num_threads(1);
  std::printf("ns per call, 4 Ki floats, y placed d bytes after x modulo 4 KiB (median of 15 rounds of %d calls, the offsets interleaved)\n", calls);
  for (nnsimd::isa i : nnsimd::runnable_isas()) {
    if (i == nnsimd::isa::scalar) continue;
    const auto& t = nnsimd::detail::table<float>(i);
    for (int k = 0; k < 2; ++k) {
      std::printf("%-7s %-5s", std::string(nnsimd::to_string(i)).c_str(), k == 0 ? "relu" : "clip");
      const std::vector<double> ns = median_ns(offsets.size(), calls, [&](std::size_t o) {
        float* y = reinterpret_cast<float*>(ybase + offsets[o]);
        if (k == 0)
          t.relu(x, n, y, n, 1, n);
        else
          t.clip(x, n, y, n, 1, n, 1e-7f, 1.0f - 1e-7f);
      });
      for (std::size_t o = 0; o < offsets.size(); ++o) std::printf(" %4zu:%5.0f", offsets[o], ns[o]);
      const double lo = *std::min_element(ns.begin(), ns.end()), hi = *std::max_element(ns.begin(), ns.end());
      std::printf("  max/min %.2f\n", hi / lo);
    }
  }
  std::free(raw);
  return 0;
}
