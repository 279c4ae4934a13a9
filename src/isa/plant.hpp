// A planted regression, for measuring the A/B comparison (tools/ab.py, tools/ab_trials.py) only.
//
// Compiled in only when CMake's NNSIMD_PLANT option is ON, which no preset sets and which refuses to
// install (CMakeLists.txt): it never ships. With it, the environment variable NNSIMD_PLANT=<kernel>:<pct>
// makes every ISA's <kernel> compute the first ceil(rows * pct / 100) rows a second time after the call.
// The output is unchanged (the same rows computed again from the same inputs), the work grows by about
// pct percent; tools/ab_trials.py measures how much the time really grows. It applies to the kernels of
// the row signature (x, ldx, y, ldy, rows, cols): relu and softmax.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace nnsimd::detail::plant {

// The op planted and the fraction of its rows computed twice, from NNSIMD_PLANT (read once).
struct setting {
  std::string_view op;
  double fraction = 0;
};

inline const setting& planted() {
  static const setting s = [] {
    setting r;
    const char* env = std::getenv("NNSIMD_PLANT");
    if (!env) return r;
    const char* colon = std::strchr(env, ':');
    if (!colon) return r;
    r.op = std::string_view(env, static_cast<std::size_t>(colon - env));
    r.fraction = std::strtod(colon + 1, nullptr) / 100;
    return r;
  }();
  return s;
}

inline std::size_t extra_rows(std::string_view op, std::size_t rows) {
  const setting& s = planted();
  if (s.op != op || s.fraction <= 0) return 0;
  const double extra = static_cast<double>(rows) * s.fraction;
  const std::size_t whole = static_cast<std::size_t>(extra);
  return std::min(rows, whole + (static_cast<double>(whole) < extra));
}

// wrap<F, name>::call has F's signature: F itself, then F again on the first extra rows.
template <auto F, const char* Name, class Sig = decltype(F)>
struct wrap {
  static constexpr Sig call = F;  // not a row kernel: unchanged
};

template <auto F, const char* Name, class T>
struct wrap<F, Name, void (*)(const T*, std::size_t, T*, std::size_t, std::size_t, std::size_t)> {
  static void run(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows, std::size_t cols) {
    F(x, ldx, y, ldy, rows, cols);
    if (const std::size_t extra = extra_rows(Name, rows)) F(x, ldx, y, ldy, extra, cols);
  }
  static constexpr auto call = &run;
};

}  // namespace nnsimd::detail::plant
