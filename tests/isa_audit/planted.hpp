// Deliberate ODR hazards for the symbol audit's self-check (IsaSymbols.AuditCatchesPlanted): never
// linked into anything. Each is a weak symbol that check_isa_symbols.cmake must reject.
#pragma once

#include <xsimd/xsimd.hpp>

namespace nnsimd::audit_planted {

// Rule 1: an inline function not parameterized by an xsimd arch (noinline keeps its weak copy).
__attribute__((noinline)) inline int nnsimd_planted_inline_helper(int x) { return 3 * x + 1; }

// Rule 2: templated on an arch, but the same instantiation in two objects.
template <class Arch>
__attribute__((noinline)) int planted_shared_template(int x) {
  return static_cast<int>(Arch::version()) + x;
}

}  // namespace nnsimd::audit_planted
