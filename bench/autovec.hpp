// The "autovec" baseline: the reference loops of src/reference/reference.hpp compiled at -O3 with one
// ISA's flags (bench/autovec_<isa>.cpp), i.e. what a user gets from the compiler for free. Same source
// and same semantics as isa::scalar (no -ffast-math), only the compiler's vectorizers are on.
#pragma once

#include "nnsimd/detail/kernel_table.hpp"
#include "nnsimd/isa.hpp"

namespace nnsimd::bench {

// Defined by bench/autovec_<I>.cpp for every ISA in NNSIMD_ISAS.
template <isa I, class T>
const detail::kernel_table<T>& autovec_table();

}  // namespace nnsimd::bench
