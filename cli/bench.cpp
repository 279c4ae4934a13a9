// `nnsimd bench`: a thin driver around the benchmark binary (nnsimd_bench, from bench/) and the summary
// tool (tools/summarize.py). It finds them, runs the benchmarks with the mode flag and a JSON output in
// results/<machine-id>/, lets their progress stream to the terminal, then prints the summary.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "nnsimd/machine.hpp"

namespace nnsimd::cli {

namespace {
namespace fs = std::filesystem;

struct bench_options {
  bool full = false;
  std::string out_dir, bench_path, filter;
  bool no_summary = false;
  std::vector<std::string> extra;
};

fs::path self_dir() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path(".") : p.parent_path();
}

// The benchmark binary: --bench-path, NNSIMD_BENCH, the path CMake recorded, then next to this binary
// (build/cli/nnsimd -> build/bench/nnsimd_bench, or the same folder after `cmake --install`).
std::string find_bench(const std::string& given) {
  std::vector<fs::path> candidates;
  if (!given.empty()) {
    std::error_code ec;
    return fs::is_regular_file(given, ec) && ::access(given.c_str(), X_OK) == 0 ? given : std::string();
  }
  if (const char* e = std::getenv("NNSIMD_BENCH")) candidates.emplace_back(e);
#if defined(NNSIMD_BENCH_PATH)
  candidates.emplace_back(NNSIMD_BENCH_PATH);
#endif
  candidates.push_back(self_dir() / "nnsimd_bench");
  candidates.push_back(self_dir() / ".." / "bench" / "nnsimd_bench");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec) && ::access(c.c_str(), X_OK) == 0) return c.string();
  }
  return {};
}

// Replaces `json` with `j` through a temporary file and a rename, so the result is never half-written;
// on failure the original stays as it was.
bool rewrite_json(const fs::path& json, const nlohmann::json& j) {
  const fs::path tmp = fs::path(json.string() + ".tmp");
  bool written;
  {
    std::ofstream out(tmp);
    out << j.dump(2) << '\n';
    written = static_cast<bool>(out);
  }
  std::error_code ec;
  if (written) fs::rename(tmp, json, ec);
  if (!written || ec) fs::remove(tmp, ec);
  return written && !ec;
}

// context.executable of a Google Benchmark JSON file -> its file name.
bool strip_executable_path(const fs::path& json) {
  nlohmann::json j;
  try {
    std::ifstream in(json);
    j = nlohmann::json::parse(in);
    auto& ctx = j.at("context");
    if (ctx.contains("executable")) ctx["executable"] = fs::path(ctx["executable"].get<std::string>()).filename().string();
  } catch (const std::exception&) {
    return false;
  }
  return rewrite_json(json, j);
}

std::string find_summarize() {
  std::vector<fs::path> candidates;
#if defined(NNSIMD_SUMMARIZE_PATH)
  candidates.emplace_back(NNSIMD_SUMMARIZE_PATH);
#endif
  candidates.push_back(fs::path("tools") / "summarize.py");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return c.string();
  }
  return {};
}

// Runs argv with the terminal inherited (progress streams as it comes), with `env` ("NAME=value") added
// to the environment; returns the exit status.
int spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    for (const std::string& e : env) {
      const auto eq = e.find('=');
      ::setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
    }
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execvp(a[0], a.data());
    std::fprintf(stderr, "nnsimd bench: cannot execute %s\n", a[0]);
    std::_Exit(127);
  }
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0) {
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

// Appends the rows of a part file (another process's Google Benchmark JSON) to j's, with the context keys
// of the part that start with one of `context_prefixes`, and removes the part. False when it cannot be read.
bool merge_part(nlohmann::json& j, const fs::path& part, const std::vector<std::string>& context_prefixes) {
  std::error_code ec;
  try {
    std::ifstream in(part);
    const nlohmann::json c = nlohmann::json::parse(in);
    for (const auto& b : c.at("benchmarks")) j["benchmarks"].push_back(b);
    for (const auto& [k, v] : c.at("context").items())
      for (const std::string& prefix : context_prefixes)
        if (k.rfind(prefix, 0) == 0) j["context"][k] = v;
  } catch (const std::exception&) {
    fs::remove(part, ec);
    return false;
  }
  fs::remove(part, ec);
  return true;
}

// A peer whose own CPU detection fell back below what the CPU runs (OpenBLAS 0.3.21 on CPUs it does not
// know) has its rows timed again, in a process of its own, with the setting that selects its best code
// (context nnsimd_peer_<name>_fix_env, bench/peer.hpp), named peer_<name>_corrected; they are
// merged into the result file, which keeps both. Returns false when a rerun or the merge failed.
bool add_corrected_peers(const std::string& exe, const bench_options& o, const fs::path& json) {
  nlohmann::json j;
  try {
    std::ifstream in(json);
    j = nlohmann::json::parse(in);
  } catch (const std::exception&) {
    return false;
  }
  std::vector<std::pair<std::string, std::string>> todo;  // peer, environment setting
  for (const auto& [k, v] : j.at("context").items()) {
    const std::string pre = "nnsimd_peer_", post = "_fix_env";
    if (k.size() > pre.size() + post.size() && k.rfind(pre, 0) == 0 && k.compare(k.size() - post.size(), post.size(), post) == 0)
      todo.emplace_back(k.substr(pre.size(), k.size() - pre.size() - post.size()), v.get<std::string>());
  }
  for (const auto& [peer, setting] : todo) {
    const fs::path part = fs::path(json.string() + "." + peer + "_corrected.json");
    std::vector<std::string> argv = {exe, o.full ? "--full" : "--quick", "--benchmark_out=" + part.string(),
                                     "--benchmark_out_format=json"};
    argv.insert(argv.end(), o.extra.begin(), o.extra.end());
    std::printf("nnsimd bench: peer_%s fell back below this CPU's ISA; timing it again with %s as peer_%s_corrected\n",
                peer.c_str(), setting.c_str(), peer.c_str());
    const int rc = spawn(argv, {setting, "NNSIMD_BENCH_CORRECTED_PEER=" + peer, "NNSIMD_BENCH_CORRECTED_FILTER=" + o.filter});
    std::error_code ec;
    if (rc != 0) {
      fs::remove(part, ec);
      std::fprintf(stderr, "nnsimd bench: the corrected peer_%s run exited with status %d\n", peer.c_str(), rc);
      return false;
    }
    if (!merge_part(j, part, {"nnsimd_peer_" + peer + "_corrected"})) return false;
  }
  return todo.empty() || rewrite_json(json, j);
}

std::string python3() {
#if defined(NNSIMD_PYTHON3)
  return NNSIMD_PYTHON3;
#else
  return "python3";
#endif
}

// NumPy running the book's code, timed from Python on the driver's cases (bench/peer_numpy.py, in its own
// process, after the C++ peers), with the module of this build (<build>/python, next to <build>/cli/nnsimd):
// its rows (peer_numpy*, py_nnsimd, py_torch) and its nnsimd_peer_numpy* / nnsimd_py_* context merged into
// the result file. Without NumPy or the module, one line says the rows are skipped and why; that is not an
// error. Returns false when the script failed otherwise or its rows could not be merged.
bool add_numpy_peer(const bench_options& o, const fs::path& json) {
  std::vector<fs::path> candidates;
#if defined(NNSIMD_PEER_NUMPY_PATH)
  candidates.emplace_back(NNSIMD_PEER_NUMPY_PATH);
#endif
  candidates.push_back(fs::path("bench") / "peer_numpy.py");
  std::string script;
  std::error_code ec;
  for (const auto& c : candidates)
    if (script.empty() && fs::is_regular_file(c, ec)) script = c.string();
  if (script.empty()) {
    std::printf("nnsimd bench: NumPy rows skipped: bench/peer_numpy.py not found (run from the source tree)\n");
    return true;
  }
  const fs::path module_dir = fs::weakly_canonical(self_dir() / ".." / "python", ec);
  bool module = false;
  for (const auto& e : fs::directory_iterator(module_dir, ec))
    if (e.path().filename().string().rfind("nnsimd.", 0) == 0 && e.path().extension() == ".so") module = true;
  if (!module) {
    std::printf("nnsimd bench: NumPy rows skipped: the nnsimd Python module is not built (no %s/nnsimd.*.so; "
                "cmake --build <build> --target nnsimd_python)\n", module_dir.c_str());
    return true;
  }
  const char* pp = std::getenv("PYTHONPATH");
  const std::string pythonpath = module_dir.string() + (pp && *pp ? std::string(":") + pp : std::string());
  const fs::path part = fs::path(json.string() + ".numpy.json");
  std::vector<std::string> argv = {python3(), script, "--mode", o.full ? "full" : "quick", "--out", part.string()};
  if (!o.filter.empty()) argv.push_back("--filter=" + o.filter);  // one argument: a filter may start with -
  std::printf("nnsimd bench: NumPy, the module and PyTorch from Python: %s\n", script.c_str());
  const int rc = spawn(argv, {"PYTHONPATH=" + pythonpath});
  if (rc == 3) return true;  // skipped: the script said why in one line
  if (rc != 0) {
    fs::remove(part, ec);
    std::fprintf(stderr, "nnsimd bench: %s exited with status %d\n", script.c_str(), rc);
    return false;
  }
  nlohmann::json j;
  try {
    std::ifstream in(json);
    j = nlohmann::json::parse(in);
  } catch (const std::exception&) {
    fs::remove(part, ec);
    return false;
  }
  // Its context: nnsimd_peer_numpy_code, nnsimd_peer_numpy_nnfs_code, nnsimd_peer_numpy_t<N>_code, nnsimd_py_*.
  if (!merge_part(j, part, {"nnsimd_peer_numpy", "nnsimd_py_"})) return false;
  return rewrite_json(json, j);
}

int bench(const bench_options& o) {
  const std::string exe = find_bench(o.bench_path);
  if (exe.empty()) {
    std::fprintf(stderr,
                 "nnsimd bench: the benchmark binary nnsimd_bench was not found (looked at --bench-path, $NNSIMD_BENCH, "
                 "the build's bench/ folder and next to nnsimd). Build it: cmake --build <build> --target nnsimd_bench "
                 "(needs libbenchmark-dev and NNSIMD_BUILD_BENCH=ON)\n");
    return kExitMissing;
  }
  const fs::path dir = o.out_dir.empty() ? fs::path("results") / describe_machine().id : fs::path(o.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "nnsimd bench: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return kExitBadInput;
  }
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  // A run restricted by --filter is not the suite: bench-part-<mode>-<stamp>.json, so that the tools taking
  // a machine's latest full run (tools/cross_report.py) never take a part of one for it.
  const fs::path json = dir / (std::string("bench-") + (o.filter.empty() ? "" : "part-") + (o.full ? "full-" : "quick-") +
                               stamp + ".json");

  std::vector<std::string> argv = {exe, o.full ? "--full" : "--quick", "--benchmark_out=" + json.string(),
                                   "--benchmark_out_format=json"};
  if (!o.filter.empty()) argv.push_back("--benchmark_filter=" + o.filter);
  argv.insert(argv.end(), o.extra.begin(), o.extra.end());
  std::string cmdline;
  for (const auto& a : argv) cmdline += (cmdline.empty() ? "" : " ") + a;
  std::printf("nnsimd bench: %s\n", cmdline.c_str());
  const int rc = spawn(argv);
  if (rc != 0) {
    std::fprintf(stderr, "nnsimd bench: %s exited with status %d\n", exe.c_str(), rc);
    return kExitFailed;
  }
  if (!add_corrected_peers(exe, o, json)) {
    std::fprintf(stderr, "nnsimd bench: could not add the corrected peers' rows to %s\n", json.c_str());
    return kExitFailed;
  }
  // The order of timing: nnsimd and the C++ peers, their corrected reruns, then Python in its own process.
  const bool numpy_ok = add_numpy_peer(o, json);
  if (!numpy_ok) std::fprintf(stderr, "nnsimd bench: could not add the rows timed from Python to %s\n", json.c_str());
  // Google Benchmark records the absolute path of the binary (context.executable): a path on the machine
  // that ran it, which has no place in a result meant to be committed and compared. Keep the file name.
  if (!strip_executable_path(json)) {
    std::fprintf(stderr, "nnsimd bench: cannot rewrite %s (not the JSON Google Benchmark writes?)\n", json.c_str());
    return kExitFailed;
  }
  std::printf("nnsimd bench: results in %s\n", json.c_str());
  if (o.no_summary) return numpy_ok ? kExitOk : kExitFailed;
  const std::string summarize = find_summarize();
  if (summarize.empty()) {
    std::fprintf(stderr, "nnsimd bench: tools/summarize.py not found; no summary printed (run from the source tree)\n");
    return kExitMissing;
  }
  const std::string python = python3();
  // The folder's summary.md and plots are its suite's; a part of the suite gets a folder of its own, named
  // after its file (results/<machine-id>/bench-part-<mode>-<stamp>/summary.md).
  const fs::path sum_dir = o.filter.empty() ? dir : dir / json.stem();
  const int src = spawn({python, summarize, json.string(), "--out", sum_dir.string()});
  if (src != 0) {
    std::fprintf(stderr, "nnsimd bench: %s %s exited with status %d\n", python.c_str(), summarize.c_str(), src);
    return kExitFailed;
  }
  const fs::path md = sum_dir / "summary.md";
  if (fs::is_regular_file(md, ec)) spawn({"cat", md.string()});
  return numpy_ok ? kExitOk : kExitFailed;
}
}  // namespace

void add_bench(CLI::App& app, int& status) {
  auto [cmd, o] = subcommand<bench_options>(app, "bench", "Run the benchmark suite (quick by default) into results/<machine-id>/ and summarize it");
  cmd->add_flag("--full", o->full, "The full suite (all sizes, repetitions); default: --quick");
  cmd->add_flag_callback("--quick", [o] { o->full = false; }, "The quick suite (the default)");
  cmd->add_option("--out", o->out_dir, "Results folder (default: results/<machine-id>)");
  cmd->add_option("--filter", o->filter, "Google Benchmark --benchmark_filter regex");
  cmd->add_option("--bench-path", o->bench_path, "The nnsimd_bench executable (default: found next to nnsimd)");
  cmd->add_flag("--no-summary", o->no_summary, "Do not run tools/summarize.py");
  cmd->add_option("extra", o->extra, "Further flags for nnsimd_bench, after --");
  cmd->callback([o, &status] { status = bench(*o); });
}

}  // namespace nnsimd::cli
