// NNSIMD_STREAMING_STORE_BYTES is read once per process, so each value gets a process of its own
// (tests/CMakeLists.txt runs this program with it set):
//   streaming_env_probe <bytes>   the threshold is <bytes>, nothing measured
//   streaming_env_probe never     streaming is off (SIZE_MAX), nothing measured
//   streaming_env_probe measured  a value that is not a byte count: ignored, said so, and measured
#include <cstdio>
#include <cstdlib>
#include <string>

#include "nnsimd/machine.hpp"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string want = argv[1];
  const nnsimd::streaming_policy& p = nnsimd::streaming_stores();
  std::printf("bytes %zu, source: %s, %zu samples\n", p.bytes, p.source.c_str(), p.curve.size());
#if !defined(__x86_64__)
  return p.bytes == static_cast<std::size_t>(-1) ? 0 : 1;
#else
  if (want == "never") return p.bytes == static_cast<std::size_t>(-1) && p.curve.empty() ? 0 : 1;
  if (want == "measured")
    return p.source.find("ignored") != std::string::npos && p.source.find("measured") != std::string::npos &&
                   !p.curve.empty()
               ? 0
               : 1;
  return p.bytes == std::strtoull(want.c_str(), nullptr, 10) && p.curve.empty() ? 0 : 1;
#endif
}
