// `nnsimd accuracy`: every kernel x dtype x runnable ISA over its specification's standard input set
// (src/spec/<kernel>.hpp: seeded, with adversarial values), against the spec's long-double oracle and
// within its derived bounds for nnsimd's own exp and log (spec::nnsimd_budget). A table, a JSON report,
// and the exit status: 1 when a kernel exceeds its bound (or, with --fail-on-growth, when an error grew
// against --baseline). The JSON schema ("nnsimd-accuracy-1") is documented in results/README.md.
//
// The tests and the benchmark's check before timing apply the same specifications; a kernel of
// kernels.def without one does not compile (src/spec/all.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "nnsimd/detail/kernel_table.hpp"
#include "nnsimd/machine.hpp"
#include "renamed.hpp"
#include "numerics/ulp.hpp"
#include "spec/all.hpp"

namespace nnsimd::cli {

namespace {

using wide = spec::wide;

struct stats {
  std::string kernel, dtype, target;
  std::size_t n = 0, finite_n = 0;
  long double max_ulp = 0, sum_ulp = 0, max_rel = 0;
  long double max_use = 0;  // max over elements of error / (bound * scale); > 1 fails
  bool checked = false;     // a documented bound exists
  bool failed = false;
  std::string worst;        // the worst element, for the message

  // One output element: computed c, oracle e; `bound` < 0 means no documented bound.
  template <class T>
  void add(T c, wide e, long double bound, long double scale, const char* where, std::size_t idx) {
    ++n;
    const long double u = numerics::ulp_error<T>(c, e);
    const long double r = numerics::relative_error<T>(c, e);
    if (std::isfinite(static_cast<double>(u))) {
      sum_ulp += u;
      ++finite_n;
    }
    if (u > max_ulp || (n == 1)) max_ulp = std::max(max_ulp, u);
    if (std::isfinite(static_cast<double>(r)) || !std::isfinite(static_cast<double>(e)) || e != 0) max_rel = std::max(max_rel, r);
    if (bound < 0) return;
    checked = true;
    // An exact value beyond T's range is the matching infinity in T (numerics::saturate, as ulp_error
    // does): the correct result, not an error (e.g. the fused loss max - (-max) in float).
    e = numerics::saturate<T>(e);
    // Error in absolute terms; NaN/inf mismatches are infinite.
    long double err;
    if (std::isnan(c) || std::isnan(static_cast<double>(e)) || std::isinf(c) || std::isinf(static_cast<double>(e)))
      err = (std::isnan(c) && std::isnan(static_cast<double>(e))) || static_cast<wide>(c) == e ? 0.0L : INFINITY;
    else
      err = std::fabs(static_cast<wide>(c) - e);
    const long double allowed = bound * scale;
    const long double use = err == 0 ? 0.0L : (allowed > 0 ? err / allowed : INFINITY);
    if (use > max_use) {
      max_use = use;
      char buf[256];
      std::snprintf(buf, sizeof buf, "%s[%zu]: got %.9Lg, exact %.9Lg, error %.3Lg > bound %.3Lg", where, idx,
                    static_cast<long double>(c), e, err, allowed);
      worst = buf;
    }
    if (use > 1) failed = true;
  }
  double mean_ulp() const { return finite_n ? static_cast<double>(sum_ulp / finite_n) : 0.0; }
};

// ---- measuring each kernel --------------------------------------------------------------------------

struct config {
  long double scale = 1;
};

// Kernel k's standard input set (its specification's shapes and inputs, src/spec/<k>.hpp), computed by
// table t and checked against the spec's oracle within nnsimd's bounds, element by element.
template <class T>
void measure(const detail::kernel_table<T>& t, stats& s, spec::op k, const config& cfg) {
  spec::check_standard_set(k, t, spec::nnsimd_budget<T>(), [&](const spec::shape&, const spec::args<T>& a, const spec::element& e) {
    const std::size_t idx = e.what[0] == 'y' ? e.row * a.cols + e.col : e.row + e.col;
    if (e.got_double)
      s.add(static_cast<double>(e.got), e.want, e.bound, cfg.scale, "sum n=", idx);
    else
      s.add(static_cast<T>(e.got), e.want, e.bound, cfg.scale, e.what, idx);
    return true;
  });
}

// Every kernel of kernels.def but the packed dense layer's: dense_packed_size and dense_pack are its set-up,
// and dense_packed_forward / dense_packed_relu are bit-identical to dense_forward / dense_relu on the same
// ISA (tests/test_dense.cpp, and `nnsimd digest` hashes both), so their rows would repeat dense's.
const std::vector<spec::op> kKernels = [] {
  std::vector<spec::op> k;
  for (int i = 0; i < spec::op_count; ++i)
    if (std::string_view(spec::op_names[i]).rfind("dense_pack", 0) != 0) k.push_back(spec::op(i));
  return k;
}();

nlohmann::json num(long double v) {
  if (std::isnan(static_cast<double>(v))) return "nan";
  if (std::isinf(static_cast<double>(v))) return v > 0 ? "inf" : "-inf";
  return static_cast<double>(v);
}
// A value as the report stores it (num() writes a double; "inf"/"nan" strings stay infinite/NaN).
double as_written(long double v) { return static_cast<double>(v); }
long double from_json(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>() == "inf" ? INFINITY : (j.get<std::string>() == "-inf" ? -INFINITY : NAN);
  return NAN;
}

std::string fmt(long double v, const char* f = "%.3Lg") {
  if (std::isinf(static_cast<double>(v))) return "inf";
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// ---- the baseline --------------------------------------------------------------------------------

// An error grew when it exceeds the baseline's by more than ten parts in a million (and any amount when
// the baseline's is 0). Compared at the precision the report holds: each figure is written as a double
// (nlohmann::json prints the shortest decimal that reads back as the same double), so the measurement is
// rounded to double first; an identical rerun then compares equal. The relative slack absorbs the one
// difference outputs identical per ISA still allow between machines: the oracle's long-double exp and log
// come from glibc's x87 code (f2xm1, fyl2x), whose last bits are the CPU vendor's microcode, and move a
// mean ULP figure in its 7th digit or later; a kernel change that matters moves it far more.
bool grown(double now, double before) {
  if (std::isnan(now) || std::isnan(before)) return false;
  if (std::isinf(before)) return false;
  if (std::isinf(now)) return true;
  return now > before + 1e-5 * std::fabs(before);
}

struct baseline {
  struct row {
    double max_ulp, mean_ulp;
  };
  std::map<std::string, row> rows;            // "kernel/dtype/isa" -> its figures
  std::map<std::string, std::string> source;  // isa -> the report its rows come from
  std::map<std::string, std::set<std::string>> kernels;  // report -> the kernels it has rows of
  // Whether isa's report has rows of `kernel` (false when no report covers the ISA).
  bool knows(const std::string& isa, const std::string& kernel) const {
    const auto s = source.find(isa);
    const auto k = s == source.end() ? kernels.end() : kernels.find(s->second);
    return k != kernels.end() && k->second.count(kernel);
  }
};

// The rows of one report, by "kernel/dtype/isa"; names of earlier versions read as today's.
std::map<std::string, baseline::row> read_report(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw error("cannot read baseline " + file.string());
  std::map<std::string, baseline::row> rows;
  try {
    const auto j = nlohmann::json::parse(in);
    for (const auto& r : j.at("results"))
      rows[current_name(r.at("kernel").get<std::string>()) + "/" + r.at("dtype").get<std::string>() + "/" +
           r.at("isa").get<std::string>()] = {as_written(from_json(r.at("max_ulp"))), as_written(from_json(r.at("mean_ulp")))};
  } catch (const std::exception& e) {
    throw error("baseline " + file.string() + " is not an accuracy report: " + e.what());
  }
  return rows;
}

// --baseline FILE: that report. --baseline DIR (results/): the committed reports <DIR>/<machine>/accuracy.json;
// for each runnable ISA, this machine's own report when it has rows of that ISA, else the first other
// machine's (by id) that has: the kernels' outputs are the same on every machine of an ISA (`nnsimd
// digest`), so another machine's figures are this one's; a row the chosen report lacks is taken from any
// other that has it. An ISA no report covers gets no rows, and --fail-on-growth then fails on every one
// of its kernels: a new ISA or machine is not skipped silently. A kernel the ISA's report has no row of
// at all is newer than that report (a kernel added since, on an ISA whose machine is not at hand): its
// rows are listed as such and do not fail; a missing row of a kernel the report has does.
baseline baseline_of(const std::string& path, const std::vector<std::string>& isas, const std::string& machine) {
  namespace fs = std::filesystem;
  baseline b;
  if (!fs::is_directory(path)) {
    b.rows = read_report(path);
    for (const auto& i : isas) b.source[i] = path;
    for (const auto& [key, r] : b.rows) b.kernels[path].insert(key.substr(0, key.find('/')));
    return b;
  }
  std::vector<fs::path> reports;
  if (fs::exists(fs::path(path) / machine / "accuracy.json")) reports.push_back(fs::path(path) / machine / "accuracy.json");
  std::vector<fs::path> others;
  for (const auto& d : fs::directory_iterator(path))
    if (d.is_directory() && d.path().filename() != machine && fs::exists(d.path() / "accuracy.json"))
      others.push_back(d.path() / "accuracy.json");
  std::sort(others.begin(), others.end());
  reports.insert(reports.end(), others.begin(), others.end());
  if (reports.empty()) throw error("no accuracy report (<machine>/accuracy.json) in " + path);
  for (const auto& file : reports) {
    const auto rows = read_report(file);
    for (const auto& i : isas) {
      if (b.source.count(i)) continue;
      bool any = false;
      for (const auto& [key, r] : rows)
        if (key.size() > i.size() && key.compare(key.size() - i.size() - 1, std::string::npos, "/" + i) == 0) {
          b.rows[key] = r;
          any = true;
        }
      if (any) b.source[i] = file.string();
    }
  }
  for (const auto& file : reports)
    for (const auto& [key, r] : read_report(file)) {
      b.rows.emplace(key, r);  // keeps the chosen report's row where it has one
      b.kernels[file.string()].insert(key.substr(0, key.find('/')));
    }
  for (const auto& i : isas)
    if (!b.source.count(i)) b.source[i] = "none: no committed report has " + i + " rows";
  return b;
}

struct accuracy_options {
  std::string out, baseline;
  bool fail_on_growth = false;
  double scale = 1;
  int threads = 1;
  std::vector<std::string> only;
};

int accuracy_cmd(const accuracy_options& o) {
  set_num_threads(o.threads);
  config cfg;
  cfg.scale = o.scale;
  std::vector<stats> all;
  for (const spec::op k : kKernels) {
    const std::string name = spec::op_names[static_cast<int>(k)];
    if (!o.only.empty() && std::none_of(o.only.begin(), o.only.end(), [&](const std::string& n) { return current_name(n) == name; }))
      continue;
    for (int f64 = 0; f64 < 2; ++f64)
      for (isa i : runnable_isas()) {
        stats s;
        s.kernel = name;
        s.dtype = f64 ? "f64" : "f32";
        s.target = std::string(to_string(i));
        if (f64)
          measure<double>(detail::table<double>(i), s, k, cfg);
        else
          measure<float>(detail::table<float>(i), s, k, cfg);
        all.push_back(s);
      }
  }

  // Baseline: flag every (kernel, dtype, isa) whose max or mean ULP error grew (see baseline_of).
  baseline base;
  if (!o.baseline.empty()) {
    std::vector<std::string> isas;
    for (isa i : runnable_isas()) isas.emplace_back(to_string(i));
    try {
      base = baseline_of(o.baseline, isas, describe_machine().id);
    } catch (const error& e) {
      std::fprintf(stderr, "nnsimd accuracy: %s\n", e.what());
      return kExitBadInput;
    }
    for (const auto& [i, file] : base.source) std::printf("baseline for %s: %s\n", i.c_str(), file.c_str());
  }

  std::printf("%-19s %-5s %-7s %8s %10s %10s %10s %9s  %s\n", "kernel", "dtype", "isa", "outputs", "max ulp", "mean ulp",
              "max rel", "bound use", "status");
  nlohmann::json results = nlohmann::json::array();
  int failed = 0, grew = 0, unchecked = 0, missing = 0, fresh = 0;
  for (const auto& s : all) {
    const std::string key = s.kernel + "/" + s.dtype + "/" + s.target;
    std::string status = !s.checked ? "unchecked (no bound in its spec)" : (s.failed ? "FAIL" : "ok");
    bool g = false;
    if (const auto it = base.rows.find(key); it != base.rows.end()) {
      if (grown(as_written(s.max_ulp), it->second.max_ulp)) {
        g = true;
        status += ", max ulp GREW from " + fmt(it->second.max_ulp, "%.6Lg");
      }
      if (grown(s.mean_ulp(), it->second.mean_ulp)) {
        g = true;
        status += ", mean ulp GREW from " + fmt(it->second.mean_ulp, "%.9Lg");
      }
      grew += g;
    } else if (!o.baseline.empty() && base.source.count(s.target) && !base.source.at(s.target).starts_with("none") &&
               !base.knows(s.target, s.kernel)) {
      ++fresh;
      status += ", new kernel: its ISA's report predates it";
    } else if (!o.baseline.empty()) {
      ++missing;
      status += ", NO BASELINE";
    }
    failed += s.failed;
    unchecked += !s.checked;
    std::printf("%-19s %-5s %-7s %8zu %10s %10s %10s %9s  %s\n", s.kernel.c_str(), s.dtype.c_str(), s.target.c_str(), s.n,
                fmt(s.max_ulp).c_str(), fmt(s.mean_ulp()).c_str(), fmt(s.max_rel).c_str(),
                s.checked ? fmt(s.max_use, "%.2Lf").c_str() : "-", status.c_str());
    if (s.failed) std::printf("    worst: %s\n", s.worst.c_str());
    results.push_back({{"kernel", s.kernel}, {"dtype", s.dtype}, {"isa", s.target}, {"outputs", s.n},
                       {"max_ulp", num(s.max_ulp)}, {"mean_ulp", s.mean_ulp()}, {"max_rel", num(s.max_rel)},
                       {"bound_checked", s.checked}, {"max_bound_use", num(s.max_use)}, {"pass", !s.failed},
                       {"grew", g}});
  }

  const machine_info& m = describe_machine();
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", std::localtime(&now));
  nlohmann::json report = {
      {"schema", "nnsimd-accuracy-1"},
      {"date", stamp},
      {"machine", {{"id", m.id}, {"vendor", m.vendor}, {"model", m.model}, {"uarch", m.uarch}}},
      {"runnable_isas", isa_list(runnable_isas())},
      {"threads", num_threads()},
      {"tolerance_scale", o.scale},
      {"notes", "max_ulp/mean_ulp: ULPs of the long-double oracle's value; max_rel: relative error; bound use: "
                "max of error / documented bound (src/spec/<kernel>.hpp), > 1 fails; 'inf' marks a "
                "NaN/inf mismatch or an error on an exact zero"},
      {"results", results}};
  const std::filesystem::path out = o.out.empty() ? std::filesystem::path("results") / m.id / "accuracy.json" : std::filesystem::path(o.out);
  std::error_code ec;
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path(), ec);
  {
    const std::string tmp = out.string() + ".tmp";
    std::ofstream f(tmp);
    f << report.dump(2) << "\n";
    f.close();
    if (!f || (std::filesystem::rename(tmp, out, ec), ec)) {
      std::fprintf(stderr, "nnsimd accuracy: cannot write %s\n", out.c_str());
      return kExitBadInput;
    }
  }
  std::printf("\n%zu rows: %d over their bound, %d without a documented bound%s; report: %s\n", all.size(), failed,
              unchecked,
              o.baseline.empty() ? ""
                                 : (", " + std::to_string(grew) + " grew against the baseline, " + std::to_string(missing) +
                                    " without a baseline, " + std::to_string(fresh) + " of kernels newer than their ISA's report")
                                       .c_str(),
              out.c_str());
  if (o.scale != 1) std::printf("(bounds scaled by --tolerance-scale %g)\n", o.scale);
  if (failed) return kExitFailed;
  if ((grew || missing) && o.fail_on_growth) return kExitFailed;
  return kExitOk;
}

}  // namespace

void add_accuracy(CLI::App& app, int& status) {
  auto [cmd, o] = subcommand<accuracy_options>(app, "accuracy", "Max/mean ULP and relative error of every kernel x dtype x ISA vs a long-double oracle");
  cmd->add_option("--out", o->out, "JSON report (default: results/<machine-id>/accuracy.json)");
  cmd->add_option("--baseline", o->baseline,
                  "An earlier report, or a results/ folder (per ISA: this machine's report, else another machine's): flag "
                  "every kernel whose max or mean ULP error grew");
  cmd->add_flag("--fail-on-growth", o->fail_on_growth,
                "Exit 1 when an error grew against --baseline, or a kernel has no baseline row");
  cmd->add_option("--threads", o->threads, "OpenMP threads")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--kernel", o->only, "Only these kernels (repeatable)");
  // For the tests: scales every documented bound (0 makes any inexact kernel fail, proving the exit path).
  cmd->add_option("--tolerance-scale", o->scale)->group("")->check(CLI::NonNegativeNumber);
  cmd->callback([o, &status] { status = accuracy_cmd(*o); });
}

}  // namespace nnsimd::cli
