// RAII form of detail::fp_env_enter / fp_env_leave (kernels/parallel.hpp) for the baseline translation
// units (the API and the scalar reference). Not for src/kernels/: a non-template inline function there
// would be compiled once per ISA's flags.
#pragma once

#include "kernels/parallel.hpp"

namespace nnsimd::detail {

// Clears flush-to-zero / denormals-are-zero for the scope's lifetime, restoring the caller's state.
class fp_scope {
 public:
  fp_scope() noexcept : saved_(fp_env_enter()) {}
  ~fp_scope() { fp_env_leave(saved_); }
  fp_scope(const fp_scope&) = delete;
  fp_scope& operator=(const fp_scope&) = delete;

 private:
  unsigned saved_;
};

}  // namespace nnsimd::detail
