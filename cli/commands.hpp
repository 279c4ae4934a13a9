// The subcommands of `nnsimd`. Each add_* registers its options on the app and a callback that stores
// the command's exit status in `status` (CLI11 callbacks return void).
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "nnsimd/nnsimd.hpp"

namespace nnsimd::cli {

// Exit codes shared by the subcommands (also in `nnsimd --help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;     // a check failed: tolerance exceeded, ISAs disagree, error grew
inline constexpr int kExitBadInput = 2;   // invalid input: file, dtype, shape, option value
inline constexpr int kExitMissing = 3;    // a needed piece is missing (e.g. the benchmark binary)

void add_demo(CLI::App& app, int& status);
void add_info(CLI::App& app, int& status);
void add_run(CLI::App& app, int& status);
void add_accuracy(CLI::App& app, int& status);
void add_bench(CLI::App& app, int& status);
void add_data(CLI::App& app, int& status);
void add_digest(CLI::App& app, int& status);

// A subcommand and its options, an O that lives as long as the process (CLI11 keeps pointers into it).
template <class O>
std::pair<CLI::App*, O*> subcommand(CLI::App& app, const std::string& name, const std::string& help) {
  static O options;
  return {app.add_subcommand(name, help), &options};
}

// A subcommand's body: its exit status, or kExitBadInput with "nnsimd <name>: error: <what>" on stderr
// when it throws.
template <class F>
int guarded(const char* name, F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nnsimd %s: error: %s\n", name, e.what());
    return kExitBadInput;
  }
}

// "scalar sse2 avx2 avx512".
inline std::string isa_list(const std::vector<isa>& v) {
  std::string s;
  for (isa i : v) s += (s.empty() ? "" : " ") + std::string(to_string(i));
  return s.empty() ? "(none)" : s;
}

// Median wall time of `repeat` calls of f, in seconds.
template <class F>
double median_seconds(int repeat, F&& f) {
  std::vector<double> t;
  for (int r = 0; r < std::max(repeat, 1); ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  const std::size_t n = t.size();
  return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

// "12.3 us", "4.56 ms", "1.23 s".
inline std::string human_time(double s) {
  char buf[64];
  if (s < 1e-3)
    std::snprintf(buf, sizeof buf, "%.3g us", s * 1e6);
  else if (s < 1)
    std::snprintf(buf, sizeof buf, "%.3g ms", s * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.3g s", s);
  return buf;
}

}  // namespace nnsimd::cli
