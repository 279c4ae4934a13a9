// The current name of a kernel given by an old one (include/nnsimd/detail/renamed.def): `nnsimd run
// cross_entropy` keeps working, and `nnsimd accuracy --baseline` lines up a report made before a rename.
#pragma once

#include <string>

namespace nnsimd::cli {

inline std::string current_name(std::string name) {
  for (bool renamed = true; renamed;) {  // follow a chain of renames (a -> b, later b -> c)
    renamed = false;
#define NNSIMD_RENAMED(old, now)   \
  if (!renamed && name == (old)) { \
    name = (now);                  \
    renamed = true;                \
  }
#include "nnsimd/detail/renamed.def"
#undef NNSIMD_RENAMED
  }
  return name;
}

}  // namespace nnsimd::cli
