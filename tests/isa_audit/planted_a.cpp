// See planted.hpp.
#include "planted.hpp"

int nnsimd_audit_planted_a(int x) {
  using namespace nnsimd::audit_planted;
  return nnsimd_planted_inline_helper(x) + planted_shared_template<xsimd::sse2>(x);
}
