// Instruction sets, detection and the cap.
//
// nnsimd compiles every kernel once per instruction set (ISA) into its own translation unit and picks one
// at run time. `scalar` is the book-style reference, always present. The x86-64 levels are ordered, so a
// cap "at most avx2" selects the best compiled ISA that is <= avx2 and that this CPU and OS can run.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace nnsimd {

enum class isa : int {
  scalar = 0,  // the scalar reference (src/reference), compiled with vectorization disabled
  sse2 = 1,    // xsimd::sse2: 128-bit, baseline of every x86-64 CPU
  avx2 = 2,    // xsimd::fma3<xsimd::avx2>: 256-bit with fused multiply-add (Haswell, Zen 1 and later)
  avx512 = 3,  // xsimd::avx512bw: 512-bit, AVX-512 F/CD/DQ/BW (+VL) (Skylake-SP, Zen 4 and later)
  neon64 = 4,  // xsimd::neon64: 128-bit AArch64 Advanced SIMD
};

inline constexpr int isa_count = 5;

// "scalar", "sse2", "avx2", "avx512", "neon64".
std::string_view to_string(isa i) noexcept;
// Inverse of to_string (case-sensitive). Throws nnsimd::error naming the accepted values.
isa parse_isa(std::string_view name);

// ISAs built into this binary, in increasing order; always starts with isa::scalar.
std::vector<isa> compiled_isas();
// Compiled ISAs that this CPU and operating system can execute (CPUID and XCR0 checked).
std::vector<isa> runnable_isas();
bool is_runnable(isa i);

// The ISA the public API dispatches to now: the best runnable ISA not above the cap.
isa active_isa();
// Cap (or, equivalently for a runnable level, force) the dispatched ISA. Throws nnsimd::error if `cap`
// is not runnable here. The environment variable NNSIMD_ISA (e.g. NNSIMD_ISA=avx2) sets the initial cap
// on first use; an invalid or unrunnable value makes the first dispatched call throw.
void set_isa_cap(isa cap);
// Back to the best runnable ISA, ignoring NNSIMD_ISA.
void reset_isa_cap();
// The cap in effect, or nullopt when none is set.
std::optional<isa> isa_cap();

}  // namespace nnsimd
