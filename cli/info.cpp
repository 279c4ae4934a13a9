// `nnsimd info`: what this machine is and what nnsimd will run on it.
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "nnsimd/machine.hpp"

namespace nnsimd::cli {

namespace {
std::string bytes(std::size_t b) {
  if (b == 0) return "?";
  if (b >= (1u << 20) && b % (1u << 20) == 0) return std::to_string(b >> 20) + " MiB";
  return std::to_string(b >> 10) + " KiB";
}
}  // namespace

void add_info(CLI::App& app, int& status) {
  auto* cmd = app.add_subcommand("info", "Show the CPU, the compiled and runnable ISAs, the dispatched ISA and threads");
  auto id_only = std::make_shared<bool>(false);
  cmd->add_flag("--id", *id_only, "Print only the machine id (the folder name under results/)");
  cmd->callback([&status, id_only] {
    const machine_info& m = describe_machine();
    if (*id_only) {
      std::printf("%s\n", m.id.c_str());
      return;
    }
    std::printf("cpu:               %s %s (%s", m.vendor.c_str(), m.model.c_str(), m.arch.c_str());
    if (m.family) std::printf(", family %u model %u", m.family, m.model_id);
    std::printf(")\n");
    std::printf("microarchitecture: %s\n", m.uarch.c_str());
    std::printf("cores:             %u physical, %u logical\n", m.cores, m.logical_processors);
    std::printf("caches:            L1d %s, L2 %s per core, L3 %s\n", bytes(m.l1d_bytes).c_str(),
                bytes(m.l2_bytes).c_str(), bytes(m.l3_bytes).c_str());
    std::string flags;
    for (const auto& f : m.isa_flags) flags += (flags.empty() ? "" : " ") + f;
    std::printf("cpu flags:         %s\n", flags.c_str());
    std::printf("machine id:        %s (results go to results/%s/)\n", m.id.c_str(), m.id.c_str());
    std::printf("compiled ISAs:     %s\n", isa_list(compiled_isas()).c_str());
    std::printf("runnable ISAs:     %s\n", isa_list(runnable_isas()).c_str());
    // active_isa() reads NNSIMD_ISA on first use and throws if it names an ISA that cannot run here.
    try {
      const isa active = active_isa();
      const auto cap = isa_cap();
      std::printf("active ISA:        %s\n", std::string(to_string(active)).c_str());
      std::printf("cap:               %s\n",
                  cap ? (std::string(to_string(*cap)) + " (NNSIMD_ISA or set_isa_cap)").c_str() : "none");
    } catch (const std::exception& e) {
      std::printf("active ISA:        error: %s\n", e.what());
      status = kExitBadInput;
    }
    std::printf("OpenMP threads:    %d", num_threads());
#if defined(_OPENMP)
    std::printf(" (OpenMP %d)\n", _OPENMP);
#else
    std::printf(" (built without OpenMP)\n");
#endif
    std::printf("parallel threshold: %zu (estimated single-thread ps below which a call stays on one thread)\n",
                parallel_threshold());
    // Measured on first use (a fraction of a second to about 2 s): after the lines above are out.
    std::fflush(stdout);
    if (status == 0) {
      const streaming_policy& sp = streaming_stores();
      std::printf("streaming stores:  %s\n                   (%s)\n",
                  sp.bytes == static_cast<std::size_t>(-1) ? "never" : ("working sets above " + bytes(sp.bytes)).c_str(),
                  sp.source.c_str());
      for (const streaming_sample& c : sp.curve)
        std::printf("  %9s  ordinary %6.1f GB/s  streaming %6.1f GB/s\n", bytes(c.ws_bytes).c_str(),
                    c.ws_bytes / c.regular_s / 1e9, c.ws_bytes / c.streamed_s / 1e9);
    }
  });
}

}  // namespace nnsimd::cli
