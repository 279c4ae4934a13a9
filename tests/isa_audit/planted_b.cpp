// See planted.hpp.
#include "planted.hpp"

int nnsimd_audit_planted_b(int x) { return nnsimd::audit_planted::planted_shared_template<xsimd::sse2>(x); }
