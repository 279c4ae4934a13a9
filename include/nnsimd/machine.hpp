// What machine this is: for `nnsimd info`, the benchmark context and the results/ folder name.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nnsimd {

struct machine_info {
  std::string arch;        // "x86_64" or "aarch64"
  std::string vendor;      // "AMD", "Intel", "ARM", ... ("unknown" without cpuinfo)
  std::string model;       // the processor's model name as the CPU reports it
  std::string uarch;       // microarchitecture as cpuinfo names it, or "unknown"
  unsigned family = 0;     // x86: CPUID family and model (display values); 0 elsewhere
  unsigned model_id = 0;
  std::vector<std::string> isa_flags;  // SIMD-relevant features the CPU and OS support
  unsigned cores = 0;                  // physical cores
  unsigned logical_processors = 0;
  std::size_t l1d_bytes = 0;  // per core
  std::size_t l2_bytes = 0;   // per core (or per cluster where shared)
  std::size_t l3_bytes = 0;   // per package, 0 if none
  // A stable folder name for results/: arch-vendor-model[-fFmM]-Nc, lower case, e.g.
  // "x86_64-amd-epyc-f25m17-2c".
  std::string id;
};

// Described once (cpuinfo on x86-64 and where available; a portable fallback elsewhere).
const machine_info& describe_machine();

}  // namespace nnsimd
