// `nnsimd accuracy`: every kernel x dtype x runnable ISA against the long-double oracle
// (src/numerics/oracle.hpp) over a seeded standard input set with adversarial values, checked against
// the documented bounds of src/numerics/tolerance.hpp. A table, a JSON report, and the exit status:
// 1 when a kernel exceeds its bound (or, with --fail-on-growth, when an error grew against --baseline).
// The JSON schema ("nnsimd-accuracy-1") is documented in results/README.md.
//
// Every kernel has a documented bound, applied per output element as its test applies it. A kernel
// added without one would be measured and reported as "unchecked", never given an invented bound here:
// bounds live in tolerance.hpp, next to their derivation.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "nnsimd/detail/kernel_table.hpp"
#include "nnsimd/machine.hpp"
#include "renamed.hpp"
#include "numerics/oracle.hpp"
#include "numerics/tolerance.hpp"
#include "numerics/ulp.hpp"

namespace nnsimd::cli {

namespace {

using wide = numerics::wide;

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

// ---- the standard input set -------------------------------------------------------------------------

template <class T>
std::vector<T> adversarial() {
  using L = std::numeric_limits<T>;
  return {T(1e4),  T(-1e4), T(88.5), T(-103), L::max(), -L::max(), -L::infinity(), L::infinity(), L::quiet_NaN(),
          L::denorm_min(), -L::denorm_min(), L::min() / T(3), L::min(), T(0), T(-0.0), T(1), T(1e-7), T(1) - T(1e-7),
          T(0.5), T(-1)};
}

// rows x cols values: random normals at magnitudes 10^[-3, 3], with the adversarial values spread in.
template <class T>
std::vector<T> mixed(std::mt19937_64& g, std::size_t rows, std::size_t cols, bool specials) {
  std::normal_distribution<double> nd;
  std::uniform_int_distribution<int> mag(-3, 3);
  std::vector<T> v(rows * cols);
  for (auto& x : v) x = static_cast<T>(nd(g) * std::pow(10.0, mag(g)));
  if (specials) {
    const auto a = adversarial<T>();
    for (std::size_t k = 0; k < a.size() && k * 7 < v.size(); ++k) v[k * 7] = a[k];
  }
  return v;
}

// Logit rows for softmax and the fused loss: random, all-equal, huge spread, +-1e4, 88.5, -103, -inf
// entries, +-max, a NaN row, a +inf row, an all -inf row; then the same as a long row.
template <class T>
std::vector<T> logits(std::mt19937_64& g, std::size_t rows, std::size_t cols) {
  using L = std::numeric_limits<T>;
  std::normal_distribution<double> nd;
  std::vector<T> v(rows * cols);
  for (auto& x : v) x = static_cast<T>(3 * nd(g));
  auto row = [&](std::size_t r) { return v.data() + r * cols; };
  std::size_t r = 0;
  std::fill(row(r), row(r) + cols, T(0.25)); ++r;          // all equal: exactly 1/cols each
  std::fill(row(r), row(r) + cols, T(-1e4)); row(r)[cols / 2] = T(1e4); ++r;  // one-hot-like
  row(r)[0] = T(88.5); row(r)[cols - 1] = T(-103); ++r;
  row(r)[1 % cols] = -L::infinity(); ++r;
  row(r)[0] = L::max(); row(r)[cols - 1] = -L::max(); ++r;
  for (std::size_t j = 0; j < cols; ++j) row(r)[j] = static_cast<T>(j) * T(-20);  // spread: tiny probabilities
  ++r;
  row(r)[0] = L::denorm_min(); ++r;
  row(r)[cols / 3] = L::quiet_NaN(); ++r;                 // NaN row -> all NaN
  row(r)[cols / 2] = L::infinity(); ++r;                  // +inf row -> all NaN
  std::fill(row(r), row(r) + cols, -L::infinity()); ++r;  // all -inf -> all NaN
  return v;
}

// Probabilities for the losses: softmax-like rows, with exact 0 and 1, 1e-7, 1 - 1e-7, subnormals.
template <class T>
std::vector<T> probabilities(std::mt19937_64& g, std::size_t rows, std::size_t cols) {
  std::uniform_real_distribution<double> ud(0, 1);
  std::uniform_int_distribution<int> ex(0, 40);
  std::vector<T> v(rows * cols);
  for (auto& x : v) x = static_cast<T>(ud(g) * std::pow(2.0, -ex(g)));
  const T special[] = {T(0), T(1), T(1e-7), T(1) - T(1e-7), std::numeric_limits<T>::denorm_min(), T(0.5),
                       T(1e-30), T(0.99999)};
  for (std::size_t k = 0; k < v.size(); k += 5) v[k] = special[(k / 5) % 8];
  return v;
}

// The maximum of a row as the bounds take it (NaN entries skipped; -inf for an all -inf row).
template <class T>
long double row_max(const T* x, std::size_t n) {
  long double m = -INFINITY;
  for (std::size_t j = 0; j < n; ++j)
    if (static_cast<long double>(x[j]) > m) m = x[j];
  return m;
}

// ---- measuring each kernel --------------------------------------------------------------------------

struct config {
  long double scale = 1;
};

template <class T>
void measure(const detail::kernel_table<T>& t, stats& s, const std::string& kernel, const config& cfg) {
  std::mt19937_64 g(20240605);  // the same inputs for every ISA and run
  const long double sc = cfg.scale;
  if (kernel == "dense_forward" || kernel == "dense_relu") {
    const bool relu = kernel == "dense_relu";
    struct shape { std::size_t rows, n_in, n_out; bool specials; };
    // The book's 2 -> 3 and 3 -> 3, odd sizes around the vector widths, and a long dot product.
    for (shape sh : {shape{300, 2, 3, false}, shape{300, 3, 3, false}, shape{37, 19, 13, true},
                     shape{17, 67, 33, false}, shape{8, 784, 20, false}}) {
      auto x = mixed<T>(g, sh.rows, sh.n_in, false);
      auto w = mixed<T>(g, sh.n_in, sh.n_out, false);
      auto b = mixed<T>(g, 1, sh.n_out, false);
      if (sh.specials) {  // finite adversarial values: +-1e4, subnormals, zeros (inf would void the bound)
        const T sp[] = {T(1e4), T(-1e4), std::numeric_limits<T>::denorm_min(), std::numeric_limits<T>::min() / T(3),
                        T(0), T(-0.0), T(88.5), T(-103)};
        for (std::size_t k = 0; k < x.size(); k += 5) x[k] = sp[(k / 5) % 8];
        for (std::size_t k = 0; k < w.size(); k += 11) w[k] = sp[(k / 11) % 8];
      }
      std::vector<T> y(sh.rows * sh.n_out);
      (relu ? t.dense_relu : t.dense_forward)(x.data(), sh.n_in, w.data(), sh.n_out, b.data(), y.data(), sh.n_out,
                                              sh.rows, sh.n_in, sh.n_out);
      const auto e = numerics::dense_forward(x.data(), sh.n_in, w.data(), sh.n_out, b.data(), sh.rows, sh.n_in, sh.n_out, relu);
      const auto a = numerics::dense_abs_scale(x.data(), sh.n_in, w.data(), sh.n_out, b.data(), sh.rows, sh.n_in, sh.n_out);
      for (std::size_t k = 0; k < y.size(); ++k)
        s.add(y[k], e[k], numerics::dense_bound<T>(a[k], sh.n_in), sc, "y", k);
    }
  } else if (kernel == "relu" || kernel == "clip") {
    for (std::size_t cols : {1, 7, 16, 67, 1000}) {
      const std::size_t rows = 9;
      auto x = mixed<T>(g, rows, cols, true);
      std::vector<T> y(x.size());
      const T lo = T(1e-7), hi = T(1) - T(1e-7);
      if (kernel == "relu")
        t.relu(x.data(), cols, y.data(), cols, rows, cols);
      else
        t.clip(x.data(), cols, y.data(), cols, rows, cols, lo, hi);
      for (std::size_t k = 0; k < y.size(); ++k)
        s.add(y[k], kernel == "relu" ? numerics::relu(x[k]) : numerics::clip(x[k], lo, hi), numerics::exact_bound, sc, "y", k);
    }
  } else if (kernel == "softmax" || kernel == "softmax_cross_entropy") {
    for (std::size_t cols : {1, 3, 10, 17, 64, 1000}) {
      const std::size_t rows = 24;
      auto x = logits<T>(g, rows, cols);
      std::vector<std::int32_t> lab(rows);
      std::uniform_int_distribution<std::int32_t> ld(0, static_cast<std::int32_t>(cols) - 1);
      for (auto& l : lab) l = ld(g);
      // Per element as tests/test_softmax.cpp and tests/test_softmax_cross_entropy.cpp apply the bounds:
      // m = the row's maximum (NaN entries skipped: such rows are NaN in the oracle and need no bound),
      // alpha = softmax_sum_rel of the row, d = x_j - m in long double.
      if (kernel == "softmax") {
        std::vector<T> y(x.size());
        t.softmax(x.data(), cols, y.data(), cols, rows, cols);
        for (std::size_t r = 0; r < rows; ++r) {
          const T* xr = x.data() + r * cols;
          const auto e = numerics::softmax_row(xr, cols);
          const long double alpha = numerics::softmax_sum_rel(xr, cols);
          const long double m = row_max(xr, cols);
          for (std::size_t j = 0; j < cols; ++j) {
            const long double d = static_cast<long double>(xr[j]) - m;
            s.add(y[r * cols + j], e[j], numerics::softmax_bound<T>(e[j], d, alpha, cols), sc, "y", r * cols + j);
          }
        }
      } else {
        std::vector<T> l(rows);
        t.softmax_cross_entropy(x.data(), cols, lab.data(), l.data(), rows, cols);
        for (std::size_t r = 0; r < rows; ++r) {
          const T* xr = x.data() + r * cols;
          const wide e = numerics::softmax_cross_entropy_row(xr, cols, lab[r]);
          const long double m = row_max(xr, cols);
          long double sum = 0;  // S = sum exp(x_i - m) >= 1 for a finite row
          for (std::size_t j = 0; j < cols; ++j) sum += std::exp(static_cast<long double>(xr[j]) - m);
          const long double alpha = numerics::softmax_sum_rel(xr, cols);
          s.add(l[r], e, numerics::softmax_cross_entropy_bound<T>(m, xr[lab[r]], std::log(sum), alpha, cols, e), sc, "loss", r);
        }
      }
    }
  } else if (kernel == "categorical_cross_entropy" || kernel == "categorical_cross_entropy_onehot") {
    const T eps = T(1e-7);
    for (std::size_t cols : {1, 3, 10, 33, 1000}) {
      const std::size_t rows = 40;
      auto p = probabilities<T>(g, rows, cols);
      std::vector<std::int32_t> lab(rows);
      std::uniform_int_distribution<std::int32_t> ld(0, static_cast<std::int32_t>(cols) - 1);
      for (auto& l : lab) l = ld(g);
      std::vector<T> loss(rows);
      if (kernel == "categorical_cross_entropy") {
        t.categorical_cross_entropy(p.data(), cols, lab.data(), loss.data(), rows, cols, eps);
        for (std::size_t r = 0; r < rows; ++r) {
          const wide e = numerics::categorical_cross_entropy_one(p[r * cols + lab[r]], eps);
          s.add(loss[r], e, numerics::categorical_cross_entropy_bound<T>(e), sc, "loss", r);
        }
      } else {
        std::vector<T> oh(rows * cols, T(0));
        for (std::size_t r = 0; r < rows; ++r) oh[r * cols + lab[r]] = T(1);
        t.categorical_cross_entropy_onehot(p.data(), cols, oh.data(), cols, loss.data(), rows, cols, eps);
        for (std::size_t r = 0; r < rows; ++r) {
          const wide e = numerics::categorical_cross_entropy_onehot_row(p.data() + r * cols, oh.data() + r * cols, cols, eps);
          s.add(loss[r], e, numerics::categorical_cross_entropy_onehot_bound<T>(e, cols), sc, "loss", r);
        }
      }
    }
  } else if (kernel == "argmax" || kernel == "accuracy") {
    for (std::size_t cols : {1, 3, 10, 17, 64, 1000}) {
      const std::size_t rows = 24;
      auto x = logits<T>(g, rows, cols);
      // Exact ties: all-equal rows and repeated maxima must give the first index.
      for (std::size_t j = 0; j < cols; j += 2) x[12 * cols + j] = T(7);
      std::vector<std::int32_t> idx(rows), lab(rows);
      std::uniform_int_distribution<std::int32_t> ld(0, static_cast<std::int32_t>(cols) - 1);
      for (std::size_t r = 0; r < rows; ++r) lab[r] = r % 2 ? numerics::argmax_row(x.data() + r * cols, cols) : ld(g);
      if (kernel == "argmax") {
        t.argmax(x.data(), cols, idx.data(), rows, cols);
        for (std::size_t r = 0; r < rows; ++r)
          s.add(static_cast<T>(idx[r]), wide(numerics::argmax_row(x.data() + r * cols, cols)), numerics::exact_bound, sc, "idx", r);
      } else {
        std::size_t want = 0;
        for (std::size_t r = 0; r < rows; ++r) want += numerics::argmax_row(x.data() + r * cols, cols) == lab[r];
        const std::size_t got = t.accuracy(x.data(), cols, lab.data(), rows, cols);
        s.add(static_cast<T>(got), wide(want), numerics::exact_bound, sc, "count", cols);
      }
    }
  } else if (kernel == "sum") {
    for (std::size_t n : {1, 2, 7, 300, 1001, 100000}) {
      auto x = probabilities<T>(g, n, 1);
      for (auto& v : x) v = -std::log(std::max(v, T(1e-7)));  // loss-like, >= 0
      const double got = t.sum(x.data(), n);
      const wide e = numerics::sum(x.data(), n);
      wide abs_sum = 0;
      for (auto v : x) abs_sum += std::fabs(wide(v));
      s.add(got, e, numerics::sum_bound(abs_sum, n), sc, "sum n=", n);
    }
  }
}

// Every kernel of kernels.def but the packed dense layer's: dense_packed_size and dense_pack are its set-up,
// and dense_packed_forward / dense_packed_relu are bit-identical to dense_forward / dense_relu on the same
// ISA (tests/test_dense.cpp, and `nnsimd digest` hashes both), so their rows would repeat dense's.
const std::vector<std::string> kKernels = [] {
  std::vector<std::string> k;
#define NNSIMD_KERNEL(name, ret, params) \
  if (std::string_view(#name).rfind("dense_pack", 0) != 0) k.push_back(#name);
#include "nnsimd/detail/kernels.def"
#undef NNSIMD_KERNEL
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
  for (const auto& k : kKernels) {
    if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), k) == o.only.end()) continue;
    for (int f64 = 0; f64 < 2; ++f64)
      for (isa i : runnable_isas()) {
        stats s;
        s.kernel = k;
        s.dtype = f64 ? "f64" : "f32";
        s.target = std::string(to_string(i));
        if (f64)
          measure<double>(detail::table<double>(i), s, k, cfg);
        else
          measure<float>(detail::table<float>(i), s, k, cfg);
        all.push_back(s);
      }
  }

  // Baseline: flag every (kernel, dtype, isa) whose max ULP error grew. The comparison is made at the
  // precision the report holds: max_ulp is written as a double (nlohmann::json prints the shortest
  // decimal that reads back as the same double), so the long-double measurement is rounded to double
  // before comparing. Comparing the long double itself flagged an identical rerun as grown whenever the
  // rounding to double went down (half the rows).
  std::map<std::string, double> base;
  if (!o.baseline.empty()) {
    std::ifstream in(o.baseline);
    if (!in) {
      std::fprintf(stderr, "nnsimd accuracy: cannot read baseline %s\n", o.baseline.c_str());
      return kExitBadInput;
    }
    try {
      const auto j = nlohmann::json::parse(in);
      for (const auto& r : j.at("results"))
        base[current_name(r.at("kernel").get<std::string>()) + "/" + r.at("dtype").get<std::string>() + "/" + r.at("isa").get<std::string>()] =
            as_written(from_json(r.at("max_ulp")));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "nnsimd accuracy: baseline %s is not an accuracy report: %s\n", o.baseline.c_str(), e.what());
      return kExitBadInput;
    }
  }

  std::printf("%-19s %-5s %-7s %8s %10s %10s %10s %9s  %s\n", "kernel", "dtype", "isa", "outputs", "max ulp", "mean ulp",
              "max rel", "bound use", "status");
  nlohmann::json results = nlohmann::json::array();
  int failed = 0, grew = 0, unchecked = 0;
  for (const auto& s : all) {
    const std::string key = s.kernel + "/" + s.dtype + "/" + s.target;
    std::string status = !s.checked ? "unchecked (no bound in tolerance.hpp)" : (s.failed ? "FAIL" : "ok");
    bool g = false;
    if (const auto it = base.find(key); it != base.end() && as_written(s.max_ulp) > it->second) {
      g = true;
      ++grew;
      status += ", GREW from " + fmt(it->second, "%.6Lg") + " ulp";
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
                "max of error / documented bound (src/numerics/tolerance.hpp), > 1 fails; 'inf' marks a "
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
              unchecked, o.baseline.empty() ? "" : (", " + std::to_string(grew) + " grew against the baseline").c_str(),
              out.c_str());
  if (o.scale != 1) std::printf("(bounds scaled by --tolerance-scale %g)\n", o.scale);
  if (failed) return kExitFailed;
  if (grew && o.fail_on_growth) return kExitFailed;
  return kExitOk;
}

}  // namespace

void add_accuracy(CLI::App& app, int& status) {
  static accuracy_options options;  // lives as long as the process: CLI11 keeps pointers into it
  auto* o = &options;
  auto* cmd = app.add_subcommand("accuracy", "Max/mean ULP and relative error of every kernel x dtype x ISA vs a long-double oracle");
  cmd->add_option("--out", o->out, "JSON report (default: results/<machine-id>/accuracy.json)");
  cmd->add_option("--baseline", o->baseline, "An earlier report: flag every kernel whose max ULP error grew");
  cmd->add_flag("--fail-on-growth", o->fail_on_growth, "Exit 1 when an error grew against --baseline");
  cmd->add_option("--threads", o->threads, "OpenMP threads")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--kernel", o->only, "Only these kernels (repeatable)");
  // For the tests: scales every documented bound (0 makes any inexact kernel fail, proving the exit path).
  cmd->add_option("--tolerance-scale", o->scale)->group("")->check(CLI::NonNegativeNumber);
  cmd->callback([o, &status] { status = accuracy_cmd(*o); });
}

}  // namespace nnsimd::cli
