// The kernel table: one function pointer per line of kernels.def, one table per (ISA, element type).
// Internal to nnsimd, its tests, benchmarks and command line: the public API is nnsimd.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nnsimd/isa.hpp"

namespace nnsimd::detail {

template <class T>
struct kernel_table {
#define NNSIMD_KERNEL(name, ret, params) ret(*name) params = nullptr;
#include "nnsimd/detail/kernels.def"
#undef NNSIMD_KERNEL
};

// The table of one compiled ISA. Defined (specialized) by that ISA's translation unit, src/isa/<isa>.cpp,
// or by src/reference/reference.cpp for isa::scalar.
template <isa I, class T>
const kernel_table<T>& isa_table();

// The table of `i`; throws nnsimd::error if `i` is not compiled in or cannot run on this machine.
template <class T>
const kernel_table<T>& table(isa i);

// The table of active_isa(), resolved once (and again after set_isa_cap / reset_isa_cap).
template <class T>
const kernel_table<T>& active_table();

}  // namespace nnsimd::detail
