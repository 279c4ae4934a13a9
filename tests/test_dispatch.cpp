// Dispatch: which ISAs are compiled and runnable, the cap ("forced is active", as simdjson's
// checkimplementation test), names, errors, and the kernel tables. NNSIMD_ISA is tested in processes
// of its own by dispatch_env_probe (see tests/CMakeLists.txt).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace nnsimd::test {
namespace {

// The ISAs CMake compiled (NNSIMD_ISAS), passed down as "sse2,avx2,avx512".
std::vector<isa> configured_isas() {
  std::vector<isa> v = {isa::scalar};
  std::stringstream ss(NNSIMD_TEST_ISAS);
  for (std::string name; std::getline(ss, name, ',');)
    if (!name.empty()) v.push_back(parse_isa(name));
  return v;
}

// What the CPU and OS support, asked of the compiler's runtime (which checks CPUID and, through XGETBV,
// the OS-enabled register state) rather than of cpuinfo, which the library uses: two independent
// answers must agree. Same feature sets as src/dispatch.cpp.
bool cpu_can_run(isa i) {
  switch (i) {
    case isa::scalar: return true;
#if defined(__x86_64__)
    case isa::sse2: return true;
    case isa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case isa::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl");
#endif
#if defined(__aarch64__)
    case isa::neon64: return true;
#endif
    default: return false;
  }
}

std::string names(const std::vector<isa>& v) {
  std::string s;
  for (isa i : v) {
    if (!s.empty()) s += ',';
    s += to_string(i);
  }
  return s;
}

class Dispatch : public ::testing::Test {
 protected:
  void TearDown() override { reset_isa_cap(); }
};

TEST_F(Dispatch, CompiledIsasAreTheConfiguredOnesStartingWithScalar) {
  const auto c = compiled_isas();
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c.front(), isa::scalar);
  EXPECT_TRUE(std::is_sorted(c.begin(), c.end()));
  EXPECT_EQ(names(c), names(configured_isas()));
#if defined(__x86_64__)
  // The default x86-64 build; a build configured with fewer ISAs says so here.
  if (std::string(NNSIMD_TEST_ISAS) == "sse2,avx2,avx512") {
    EXPECT_EQ(names(c), "scalar,sse2,avx2,avx512");
  }
#endif
}

TEST_F(Dispatch, RunnableIsWhatCompiledAndTheCpuAllow) {
  const auto c = compiled_isas();
  const auto r = runnable_isas();
  std::printf("compiled: %s\nrunnable: %s\n", names(c).c_str(), names(r).c_str());
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.front(), isa::scalar);
  for (isa i : r) EXPECT_NE(std::find(c.begin(), c.end(), i), c.end()) << to_string(i) << " runnable, not compiled";
  for (int k = 0; k < isa_count; ++k) {
    const isa i = static_cast<isa>(k);
    const bool compiled = std::find(c.begin(), c.end(), i) != c.end();
    const bool want = compiled && cpu_can_run(i);
    EXPECT_EQ(is_runnable(i), want) << to_string(i);
    EXPECT_EQ(std::find(r.begin(), r.end(), i) != r.end(), want) << to_string(i);
  }
  EXPECT_FALSE(is_runnable(static_cast<isa>(isa_count)));
  EXPECT_FALSE(is_runnable(static_cast<isa>(-1)));
}

TEST_F(Dispatch, DefaultIsTheBestRunnable) {
  reset_isa_cap();
  EXPECT_EQ(active_isa(), runnable_isas().back());
  EXPECT_FALSE(isa_cap().has_value());
}

// For every runnable ISA: the cap makes it active, the API's table is that ISA's, and an API call gives
// exactly what that table gives (softmax: its exp differs in the last bits between the reference's
// libm and xsimd, and between SSE2 and FMA, so a call routed to another ISA would show).
TEST_F(Dispatch, ForcedIsActive) {
  strided<float> x(9, 37);
  fill_uniform<float>(x, -20.0f, 20.0f, 11);
  for (isa i : runnable_isas()) {
    SCOPED_TRACE(std::string(to_string(i)));
    set_isa_cap(i);
    EXPECT_EQ(active_isa(), i);
    ASSERT_TRUE(isa_cap().has_value());
    EXPECT_EQ(*isa_cap(), i);
    EXPECT_EQ(&detail::active_table<float>(), &detail::table<float>(i));
    EXPECT_EQ(&detail::active_table<double>(), &detail::table<double>(i));
    strided<float> via_api(9, 37), direct(9, 37);
    softmax<float>(x.cview(), via_api.view());
    detail::table<float>(i).softmax(x.data(), x.ld, direct.data(), direct.ld, x.rows, x.cols);
    EXPECT_EQ(std::memcmp(via_api.storage.data(), direct.storage.data(), direct.storage.size() * sizeof(float)), 0);
  }
}

TEST_F(Dispatch, CapAtScalarThenReset) {
  // Capping at scalar always works and selects scalar; reset goes back to the best.
  set_isa_cap(isa::scalar);
  EXPECT_EQ(active_isa(), isa::scalar);
  reset_isa_cap();
  EXPECT_EQ(active_isa(), runnable_isas().back());
}

TEST_F(Dispatch, UnrunnableCapThrowsAndKeepsTheState) {
  const isa before = active_isa();
  for (int k = 0; k < isa_count; ++k) {
    const isa i = static_cast<isa>(k);
    if (is_runnable(i)) continue;
    // e.g. neon64 on x86-64: not compiled in; avx512 on an AVX2-only CPU: not supported.
    EXPECT_TRUE(throws_naming([&] { set_isa_cap(i); }, {std::string(to_string(i)), "set_isa_cap"})) << to_string(i);
    EXPECT_EQ(active_isa(), before);
    EXPECT_TRUE(throws_naming([&] { (void)detail::table<float>(i); }, {std::string(to_string(i))}));
  }
#if defined(__x86_64__)
  EXPECT_TRUE(throws_naming([] { set_isa_cap(isa::neon64); }, {"neon64", "not compiled"}));
#endif
}

TEST_F(Dispatch, NamesRoundTrip) {
  for (int k = 0; k < isa_count; ++k) {
    const isa i = static_cast<isa>(k);
    EXPECT_EQ(parse_isa(to_string(i)), i);
  }
  EXPECT_EQ(to_string(isa::avx512), "avx512");
  EXPECT_EQ(to_string(static_cast<isa>(99)), "unknown");
}

TEST_F(Dispatch, UnknownNameThrowsNamingIt) {
  EXPECT_TRUE(throws_naming([] { (void)parse_isa("bogus"); }, {"'bogus'", "scalar", "avx512"}));
  EXPECT_TRUE(throws_naming([] { (void)parse_isa("AVX2"); }, {"'AVX2'"}));  // case-sensitive
  EXPECT_TRUE(throws_naming([] { (void)parse_isa(""); }, {"''"}));
}

// Every table of every runnable ISA is complete, for both element types (one line per kernels.def
// entry), and a SIMD table holds its own functions, not another ISA's.
template <class T>
void check_tables() {
  const auto r = runnable_isas();
  for (isa i : r) {
    const auto& t = detail::table<T>(i);
#define NNSIMD_KERNEL(name, ret, params) EXPECT_NE(t.name, nullptr) << to_string(i) << " " #name;
#include "nnsimd/detail/kernels.def"
#undef NNSIMD_KERNEL
    for (isa j : r) {
      if (j == i) continue;
      const auto& u = detail::table<T>(j);
      EXPECT_NE(&t, &u);
#define NNSIMD_KERNEL(name, ret, params) \
  EXPECT_NE(t.name, u.name) << #name << " of " << to_string(i) << " is " << to_string(j) << "'s";
#include "nnsimd/detail/kernels.def"
#undef NNSIMD_KERNEL
    }
  }
}

TEST_F(Dispatch, EveryTableIsCompleteAndDistinct) {
  check_tables<float>();
  check_tables<double>();
}

}  // namespace
}  // namespace nnsimd::test
