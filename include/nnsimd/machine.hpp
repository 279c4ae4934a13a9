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
  std::size_t memory_bytes = 0;  // physical memory (sysconf), 0 if unknown
  // A stable folder name for results/: arch-vendor-model[-fFmM]-Nc, lower case, e.g.
  // "x86_64-amd-epyc-f25m17-2c".
  std::string id;
};

// Described once (cpuinfo on x86-64 and where available; a portable fallback elsewhere).
const machine_info& describe_machine();

// Non-temporal ("streaming") stores. relu and clip (x86) write with streaming stores when their working
// set, bytes read + bytes written, is above `bytes`: a line then goes to memory without first being read
// for ownership, which wins once the data no longer fits in the cache the process really gets. That is
// not the last-level cache CPUID reports (a VM may share it with many others; on the Emerald Rapids VM it
// reports 260 MiB), so it is measured: the library's own relu, contiguous, in a separate input and
// output, timed with ordinary and with streaming stores (the fastest of 5 blocks of calls, each after a
// call of its own kind, 3 above 256 MiB, the kinds alternating) at
// working sets doubling from the private caches (L2 x cores, at least 1 MiB) to 4x the reported
// last-level cache (at least 64 MiB, at most 1 GiB or 1/8 of memory). Streaming wins at a size when it
// is at least 5% faster there; `bytes` is 1.41x the largest size where it does not win (the knee lies
// between that size and the next), or SIZE_MAX when it does not win at the largest size measured.
// Measured once per process, on the first call whose working set exceeds the private caches (about
// 0.3 s with a 32 MiB L3, 2 s with a 260 MiB one), with the threads the library uses. The choice
// changes how results are stored, never their values: outputs are bit-identical either way.
// NNSIMD_STREAMING_STORE_BYTES in the environment (a byte count, or "never") sets it without measuring.
struct streaming_sample {
  std::size_t ws_bytes = 0;  // bytes read + bytes written
  double regular_s = 0;      // seconds per call with ordinary stores (the fastest block)
  double streamed_s = 0;     // ... with streaming stores
};
struct streaming_policy {
  std::size_t bytes = static_cast<std::size_t>(-1);  // working sets above this are streamed; SIZE_MAX: never
  std::string source;                                // how `bytes` was obtained, for reports
  std::vector<streaming_sample> curve;               // the measurement (empty when not measured)
};
// The policy, measuring it on first use (thread-safe).
const streaming_policy& streaming_stores();
// The knee rule above, on a measured curve (ascending ws_bytes); SIZE_MAX when streaming does not win at
// the largest size. Exposed for tests and reports.
std::size_t streaming_knee(const std::vector<streaming_sample>& curve);

}  // namespace nnsimd
