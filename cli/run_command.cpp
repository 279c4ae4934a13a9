// `nnsimd run KERNEL`: one kernel on the user's .npy files, results written as .npy, so nnsimd can be
// held against another framework on the user's own data.
//
// The order of work, so that a bad input leaves nothing behind: the output paths are checked first (two
// outputs naming one file, a missing folder, a read-only or non-regular target), then every input is
// read and checked (bounded in memory by --max-memory and in time by --input-timeout), then every result
// is computed, and only then are the outputs written, all or nothing (npy::save_all). Invalid input is
// exit code 2 with a message naming the file and the problem.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "npy.hpp"
#include "run.hpp"

namespace nnsimd::cli {

namespace {

[[noreturn]] void bad(const std::string& msg) { throw npy::error(msg); }

using npy::shape_str;

struct run_options {
  std::string kernel;
  std::string x, w, b, labels, out, mean_out;
  std::optional<double> lo, hi, eps;
  std::optional<std::string> isa_name;
  int threads = 0;
  std::string max_memory;
  double input_timeout = 30;
};

// "1000", "64K", "512M", "2G" (binary multiples) -> bytes.
std::size_t parse_bytes(const std::string& s) {
  std::size_t pos = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(s, &pos);
  } catch (const std::exception&) {
    bad("--max-memory: '" + s + "' is not a size (bytes, or a number with K, M or G)");
  }
  const std::string unit = s.substr(pos);
  int shift = 0;
  if (unit == "K" || unit == "k") shift = 10;
  else if (unit == "M") shift = 20;
  else if (unit == "G") shift = 30;
  else if (!unit.empty()) bad("--max-memory: unknown unit '" + unit + "' (K, M or G)");
  if (v > (std::numeric_limits<std::size_t>::max() >> 1 >> shift)) bad("--max-memory: '" + s + "' is too large");
  return static_cast<std::size_t>(v) << shift;
}

int run(const run_options& o) {
  const run_kernel& spec = find_run_kernel(o.kernel);
  if (o.out.size() < 5 || o.out.substr(o.out.size() - 4) != ".npy") bad("--out must name a .npy file, got '" + o.out + "'");
  if (!spec.mean && !o.mean_out.empty()) bad(o.kernel + " takes no --mean");
  std::vector<std::string> out_paths = {o.out};
  if (spec.mean) {
    std::string mean_path = o.mean_out;
    if (mean_path.empty()) {
      std::filesystem::path p(o.out);
      mean_path = (p.parent_path() / (p.stem().string() + "_mean.npy")).string();
    }
    out_paths.push_back(mean_path);
  }
  npy::check_outputs(out_paths);  // before any work: two outputs in one file, read-only targets, ...
  if (!(o.input_timeout > 0 && o.input_timeout <= 86400)) bad("--input-timeout must be in (0, 86400] seconds");
  if (o.isa_name) set_isa_cap(parse_isa(*o.isa_name));  // throws if not runnable here
  set_num_threads(o.threads);

  memory_budget budget(o.max_memory.empty() ? physical_memory_bytes() : parse_bytes(o.max_memory));
  const npy::read_limits base{0, std::chrono::milliseconds(static_cast<long long>(o.input_timeout * 1000))};
  auto read = [&](const std::string& path) {
    npy::read_limits lim = base;
    lim.max_data_bytes = budget.left();
    run_input in{path, npy::load(path, lim)};
    budget.take(in.array.bytes.size(), path);
    return in;
  };
  run_request r{o.kernel, read(o.x), {}, {}, {}, o.lo, o.hi, o.eps};
  std::fprintf(stderr, "nnsimd run %s: %s %s on %s\n", o.kernel.c_str(), npy::name(r.x.array.type),
               shape_str(r.x.array.shape).c_str(), std::string(to_string(active_isa())).c_str());
  if (!o.w.empty()) r.w = read(o.w);
  if (!o.b.empty()) r.b = read(o.b);
  if (!o.labels.empty()) r.labels = read(o.labels);
  run_result res = compute(r, budget);
  for (const std::string& n : res.notes) std::fprintf(stderr, "nnsimd run: note: %s\n", n.c_str());

  std::vector<std::pair<std::string, npy::array>> outputs;
  outputs.emplace_back(out_paths[0], std::move(res.out));
  if (res.mean) outputs.emplace_back(out_paths.at(1), std::move(*res.mean));
  npy::save_all(outputs);
  if (!res.printed.empty()) std::printf("%s\n", res.printed.c_str());
  for (const auto& f : outputs) std::printf("wrote %s %s\n", f.first.c_str(), shape_str(f.second.shape).c_str());
  return kExitOk;
}

}  // namespace

void add_run(CLI::App& app, int& status) {
  std::string help = "Apply one kernel to .npy files and write .npy results. Kernels:";
  for (const auto& [n, s] : run_kernels()) help += "\n  " + n + ": " + s.help;
  help += "\nOld names are still accepted (include/nnsimd/detail/renamed.def): cross_entropy.";
  help +=
      "\nOutputs are written all or nothing. Replacing a file keeps its permission bits; a symbolic link is "
      "followed (the file it points to is replaced); a read-only file is never replaced.";
  auto [cmd, o] = subcommand<run_options>(app, "run", help);
  cmd->add_option("kernel", o->kernel, "Kernel name")->required();
  cmd->add_option("-x,--x", o->x, "Input .npy: float32/float64, C order, 2-D (rows = samples)")->required();
  cmd->add_option("-w,--w", o->w, "Weights .npy (n_inputs x n_neurons), dense kernels");
  cmd->add_option("-b,--b", o->b, "Biases .npy ((n,) or (1, n)), dense kernels; default zeros");
  cmd->add_option("-l,--labels", o->labels, "Labels .npy: int32/int64/uint8 1-D, or one-hot 2-D (float, int or bool)");
  cmd->add_option("-o,--out", o->out, "Output .npy (for losses: the per-sample losses)")->required();
  cmd->add_option("--mean", o->mean_out, "Losses only: output .npy for the mean (default: <out>_mean.npy)");
  cmd->add_option("--lo", o->lo, "clip: lower bound (default 1e-7)");
  cmd->add_option("--hi", o->hi, "clip: upper bound (default 1 - 1e-7)");
  cmd->add_option("--eps", o->eps, "categorical_cross_entropy: clipping epsilon (default 1e-7)");
  cmd->add_option("--isa", o->isa_name, "Cap the ISA (scalar, sse2, avx2, avx512, neon64); default: the best runnable");
  cmd->add_option("--threads", o->threads, "OpenMP threads (0: OpenMP's default)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-memory", o->max_memory,
                  "Most bytes to hold for inputs and outputs together (K, M, G suffixes); default: physical memory");
  cmd->add_option("--input-timeout", o->input_timeout,
                  "Seconds a pipe or FIFO input may deliver nothing before it is abandoned (default 30)");
  cmd->callback([o, &status] { status = guarded("run", [&] { return run(*o); }); });
}

}  // namespace nnsimd::cli
