// NNSIMD_ISA is read once, by the first dispatched call of a process, so each value is checked in a
// process of its own (tests/CMakeLists.txt runs this program with NNSIMD_ISA set):
//   dispatch_env_probe <isa>                  NNSIMD_ISA=<isa>: if <isa> can run here, the first call
//                                             uses it (active_isa() == <isa>, isa_cap() == <isa>); if it
//                                             cannot, the first call throws naming NNSIMD_ISA and <isa>.
//                                             reset_isa_cap() then returns to the best runnable ISA.
//   dispatch_env_probe --expect-error <value> NNSIMD_ISA=<value> is unknown or not compiled in: the first
//                                             kernel call throws an nnsimd::error naming NNSIMD_ISA and
//                                             <value>, and so do later calls.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "nnsimd/nnsimd.hpp"

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// The first dispatched call: a 1 x 3 relu through the public API.
void first_call() {
  std::vector<float> x = {-1.0f, 0.5f, 2.0f}, y(3);
  nnsimd::relu<float>({x.data(), 1, 3}, {y.data(), 1, 3});
}

int expect_error(const std::string& value) {
  for (int attempt = 1; attempt <= 2; ++attempt) {
    try {
      first_call();
      check(false, "call " + std::to_string(attempt) + " with NNSIMD_ISA=" + value + " did not throw");
    } catch (const nnsimd::error& e) {
      const std::string msg = e.what();
      check(contains(msg, "NNSIMD_ISA") && contains(msg, value),
            "call " + std::to_string(attempt) + " throws naming NNSIMD_ISA and '" + value + "': " + msg);
    }
  }
  // An explicit cap replaces the bad environment value.
  nnsimd::reset_isa_cap();
  try {
    first_call();
    check(nnsimd::active_isa() == nnsimd::runnable_isas().back(), "after reset_isa_cap() the best runnable ISA is active");
  } catch (const nnsimd::error& e) {
    check(false, std::string("after reset_isa_cap() a call still throws: ") + e.what());
  }
  return failures;
}

int expect_isa(const std::string& value) {
  const nnsimd::isa want = nnsimd::parse_isa(value);
  if (!nnsimd::is_runnable(want)) {
    // Compiled in but not supported by this CPU: the same error path as an unknown name.
    std::printf("note: %s is not runnable on this machine; expecting an error instead\n", value.c_str());
    return expect_error(value);
  }
  try {
    first_call();
    check(nnsimd::active_isa() == want, "NNSIMD_ISA=" + value + " makes the active ISA " +
                                            std::string(nnsimd::to_string(nnsimd::active_isa())));
    const auto cap = nnsimd::isa_cap();
    check(cap.has_value() && *cap == want, "isa_cap() reports the NNSIMD_ISA value");
  } catch (const nnsimd::error& e) {
    check(false, std::string("NNSIMD_ISA=") + value + " made the first call throw: " + e.what());
  }
  nnsimd::reset_isa_cap();
  check(nnsimd::active_isa() == nnsimd::runnable_isas().back() && !nnsimd::isa_cap().has_value(),
        "reset_isa_cap() ignores NNSIMD_ISA and picks the best runnable ISA");
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("NNSIMD_ISA");
  std::printf("NNSIMD_ISA=%s\n", env ? env : "(unset)");
  if (argc == 3 && std::string_view(argv[1]) == "--expect-error") return expect_error(argv[2]) ? 1 : 0;
  if (argc == 2) return expect_isa(argv[1]) ? 1 : 0;
  std::fprintf(stderr, "usage: %s <isa> | --expect-error <value>   (with NNSIMD_ISA set)\n", argv[0]);
  return 2;
}
