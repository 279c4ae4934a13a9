// The ops of kernels.def as an enumeration, one enumerator per line in its order, and their names.
// Plain data with no code, so files compiled with other ISA flags (the benchmark's peers) can share it.
#pragma once

namespace nnsimd::spec {

enum class op : int {
#define NNSIMD_KERNEL(name, ret, params) name,
#include "nnsimd/detail/kernels.def"
#undef NNSIMD_KERNEL
};

inline constexpr const char* op_names[] = {
#define NNSIMD_KERNEL(name, ret, params) #name,
#include "nnsimd/detail/kernels.def"
#undef NNSIMD_KERNEL
};

inline constexpr int op_count = static_cast<int>(sizeof(op_names) / sizeof(op_names[0]));

}  // namespace nnsimd::spec
