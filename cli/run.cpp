// `nnsimd run KERNEL`: one kernel on the user's .npy files, results written as .npy, so nnsimd can be
// held against another framework on the user's own data.
//
// Everything is read and checked, and every result computed, before the first byte is written; the
// outputs are then written to temporary files and renamed into place (npy::save_all). An invalid input
// therefore leaves no output file behind: exit code 2 and a message naming the file and the problem.
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "format.hpp"
#include "npy.hpp"

namespace nnsimd::cli {

namespace {

struct run_options {
  std::string kernel;
  std::string x, w, b, labels, out, mean_out;
  std::optional<double> lo, hi, eps;
  std::optional<std::string> isa_name;
  int threads = 0;
};

// Which inputs each kernel takes.
struct kernel_spec {
  bool w = false, b = false, labels = false, bounds = false, eps = false;
  const char* help;
};
const std::map<std::string, kernel_spec>& kernels() {
  static const std::map<std::string, kernel_spec> k = {
      {"dense_forward", {true, true, false, false, false, "y = x . w + b (b optional: zeros)"}},
      {"dense_relu", {true, true, false, false, false, "y = max(0, x . w + b)"}},
      {"relu", {false, false, false, false, false, "y = max(0, x)"}},
      {"softmax", {false, false, false, false, false, "row-wise softmax"}},
      {"clip", {false, false, false, true, false, "y = clip(x, lo, hi) (default 1e-7, 1 - 1e-7)"}},
      {"cross_entropy",
       {false, false, true, false, true,
        "per-sample -log(clipped prob of the label) and their mean; sparse labels (1-D int) or one-hot (2-D float)"}},
      {"softmax_cross_entropy",
       {false, false, true, false, false, "fused log-softmax cross-entropy on logits (sparse labels); losses and mean"}},
      {"accuracy", {false, false, true, false, false, "mean(argmax(x) == labels) (labels sparse or one-hot)"}},
      {"argmax", {false, false, false, false, false, "row-wise first index of the maximum (int64, as NumPy)"}},
  };
  return k;
}

[[noreturn]] void bad(const std::string& msg) { throw npy::error(msg); }

std::string shape_str(const std::vector<std::size_t>& s) {
  std::string r = "(";
  for (std::size_t k = 0; k < s.size(); ++k) r += std::to_string(s[k]) + (s.size() == 1 ? "," : (k + 1 < s.size() ? ", " : ""));
  return r + ")";
}

// Labels: sparse int32/int64/uint8 1-D (returned as int32), or one-hot float 2-D of x's dtype.
template <class T>
struct labels_t {
  std::vector<std::int32_t> sparse;
  std::vector<T> onehot;
  bool is_onehot = false;
};

template <class T>
labels_t<T> read_labels(const npy::array& a, const std::string& path, std::size_t rows, std::size_t cols,
                        bool allow_onehot) {
  labels_t<T> l;
  if (a.type == npy::dtype::f32 || a.type == npy::dtype::f64) {
    if (!allow_onehot)
      bad(path + ": this kernel takes sparse integer labels (1-D int32, int64 or uint8), got " + npy::name(a.type));
    if (a.rank() != 2) bad(path + ": float labels are one-hot and must be 2-D, got shape " + shape_str(a.shape));
    if (a.type != npy::dtype_of<T>())
      bad(path + ": one-hot labels are " + npy::name(a.type) + " but the predictions are " +
          npy::name(npy::dtype_of<T>()) + "; save both with the same dtype");
    if (a.shape[0] != rows || a.shape[1] != cols)
      bad(path + ": one-hot labels of shape " + shape_str(a.shape) + " do not match the predictions' (" +
          std::to_string(rows) + ", " + std::to_string(cols) + ")");
    l.onehot = a.values<T>();
    l.is_onehot = true;
    return l;
  }
  if (a.rank() != 1)
    bad(path + ": integer labels must be 1-D (one class index per row), got shape " + shape_str(a.shape));
  if (a.shape[0] != rows)
    bad(path + ": " + std::to_string(a.shape[0]) + " labels for " + std::to_string(rows) + " rows");
  l.sparse.resize(rows);
  auto put = [&](std::size_t i, long long v) {
    if (v < 0 || v >= static_cast<long long>(cols))
      bad(path + ": label[" + std::to_string(i) + "] = " + std::to_string(v) + " is outside [0, " + std::to_string(cols) + ")");
    l.sparse[i] = static_cast<std::int32_t>(v);
  };
  if (a.type == npy::dtype::i32) {
    const auto v = a.values<std::int32_t>();
    for (std::size_t i = 0; i < rows; ++i) put(i, v[i]);
  } else if (a.type == npy::dtype::i64) {
    const auto v = a.values<std::int64_t>();
    for (std::size_t i = 0; i < rows; ++i) put(i, v[i]);
  } else {
    const auto v = a.values<std::uint8_t>();
    for (std::size_t i = 0; i < rows; ++i) put(i, v[i]);
  }
  return l;
}

template <class T>
int run_typed(const run_options& o, const npy::array& xa) {
  const std::size_t rows = xa.shape[0], cols = xa.shape[1];
  const std::vector<T> x = xa.values<T>();
  const_matrix_view<T> X(x.data(), rows, cols);
  std::vector<std::pair<std::string, npy::array>> outputs;
  std::string mean_path = o.mean_out;
  if (mean_path.empty()) {
    std::filesystem::path p(o.out);
    mean_path = (p.parent_path() / (p.stem().string() + "_mean.npy")).string();
  }

  const std::string& k = o.kernel;
  if (k == "dense_forward" || k == "dense_relu") {
    const npy::array wa = npy::load(o.w);
    if (wa.type != xa.type) bad(o.w + ": w is " + npy::name(wa.type) + " but x is " + npy::name(xa.type));
    if (wa.rank() != 2) bad(o.w + ": w must be 2-D (n_inputs, n_neurons), got shape " + shape_str(wa.shape));
    if (wa.shape[0] != cols)
      bad(o.w + ": w has " + std::to_string(wa.shape[0]) + " rows but x has " + std::to_string(cols) +
          " columns (x . w needs them equal)");
    const std::size_t n_out = wa.shape[1];
    std::vector<T> b(n_out, T(0));
    if (!o.b.empty()) {
      const npy::array ba = npy::load(o.b);
      if (ba.type != xa.type) bad(o.b + ": b is " + npy::name(ba.type) + " but x is " + npy::name(xa.type));
      // The book's biases are np.zeros((1, n_neurons)); a 1-D vector is accepted too.
      const bool ok = (ba.rank() == 1 && ba.shape[0] == n_out) || (ba.rank() == 2 && ba.shape[0] == 1 && ba.shape[1] == n_out);
      if (!ok) bad(o.b + ": b must have shape (" + std::to_string(n_out) + ",) or (1, " + std::to_string(n_out) + "), got " + shape_str(ba.shape));
      b = ba.values<T>();
    }
    const std::vector<T> w = wa.values<T>();
    std::vector<T> y(rows * n_out);
    const_matrix_view<T> W(w.data(), cols, n_out);
    matrix_view<T> Y(y.data(), rows, n_out);
    if (k == "dense_forward")
      dense_forward<T>(X, W, b, Y);
    else
      dense_relu<T>(X, W, b, Y);
    outputs.emplace_back(o.out, npy::make<T>({rows, n_out}, y.data()));
  } else if (k == "relu" || k == "softmax" || k == "clip") {
    std::vector<T> y(rows * cols);
    matrix_view<T> Y(y.data(), rows, cols);
    if (k == "relu")
      relu<T>(X, Y);
    else if (k == "softmax")
      softmax<T>(X, Y);
    else {
      const T lo = o.lo ? static_cast<T>(*o.lo) : T(1e-7), hi = o.hi ? static_cast<T>(*o.hi) : T(1) - T(1e-7);
      if (!(lo <= hi)) bad("clip: --lo must not exceed --hi");
      clip<T>(X, Y, lo, hi);
    }
    outputs.emplace_back(o.out, npy::make<T>({rows, cols}, y.data()));
  } else if (k == "argmax") {
    if (cols == 0 && rows != 0) bad(o.x + ": argmax of rows with no columns");
    std::vector<std::int32_t> idx(rows);
    argmax<T>(X, idx);
    std::vector<std::int64_t> idx64(idx.begin(), idx.end());
    outputs.emplace_back(o.out, npy::make<std::int64_t>({rows}, idx64.data()));
  } else {
    const npy::array la = npy::load(o.labels);
    const labels_t<T> l = read_labels<T>(la, o.labels, rows, cols, k != "softmax_cross_entropy");
    if (k == "accuracy") {
      const double acc = l.is_onehot ? accuracy<T>(X, const_matrix_view<T>(l.onehot.data(), rows, cols))
                                     : accuracy<T>(X, l.sparse);
      outputs.emplace_back(o.out, npy::make<double>({}, &acc));
      std::printf("accuracy: %s\n", py_repr(acc).c_str());
    } else {
      std::vector<T> losses(rows);
      T mean;
      if (k == "softmax_cross_entropy")
        mean = softmax_cross_entropy<T>(X, l.sparse, losses);
      else {
        const T eps = o.eps ? static_cast<T>(*o.eps) : T(1e-7);
        mean = l.is_onehot ? categorical_cross_entropy<T>(X, const_matrix_view<T>(l.onehot.data(), rows, cols), losses, eps)
                           : categorical_cross_entropy<T>(X, l.sparse, losses, eps);
      }
      outputs.emplace_back(o.out, npy::make<T>({rows}, losses.data()));
      outputs.emplace_back(mean_path, npy::make<T>({}, &mean));
      std::printf("mean loss: %s\n", py_repr(mean).c_str());
    }
  }
  npy::save_all(outputs);
  for (const auto& f : outputs) std::printf("wrote %s %s\n", f.first.c_str(), shape_str(f.second.shape).c_str());
  return kExitOk;
}

int run(const run_options& o) {
  const auto it = kernels().find(o.kernel);
  if (it == kernels().end()) {
    std::string names;
    for (const auto& [n, s] : kernels()) names += " " + n;
    bad("unknown kernel '" + o.kernel + "'; one of:" + names);
  }
  const kernel_spec& spec = it->second;
  if (!spec.w && !o.w.empty()) bad(o.kernel + " takes no --w");
  if (!spec.b && !o.b.empty()) bad(o.kernel + " takes no --b");
  if (!spec.labels && !o.labels.empty()) bad(o.kernel + " takes no --labels");
  if (spec.labels && o.labels.empty()) bad(o.kernel + " needs --labels FILE");
  if (spec.w && o.w.empty()) bad(o.kernel + " needs --w FILE");
  if (!spec.bounds && (o.lo || o.hi)) bad(o.kernel + " takes no --lo / --hi");
  if (!spec.eps && o.eps) bad(o.kernel + " takes no --eps");
  if (o.out.size() < 5 || o.out.substr(o.out.size() - 4) != ".npy") bad("--out must name a .npy file, got '" + o.out + "'");
  if (o.isa_name) set_isa_cap(parse_isa(*o.isa_name));  // throws if not runnable here
  set_num_threads(o.threads);

  const npy::array xa = npy::load(o.x);
  if (xa.type != npy::dtype::f32 && xa.type != npy::dtype::f64)
    bad(o.x + ": x must be float32 or float64, got " + npy::name(xa.type));
  if (xa.rank() != 2)
    bad(o.x + ": x must be 2-D (rows = samples), got shape " + shape_str(xa.shape) +
        (xa.rank() == 1 ? "; for one sample use x.reshape(1, -1)" : ""));
  std::fprintf(stderr, "nnsimd run %s: %s %s on %s\n", o.kernel.c_str(), npy::name(xa.type), shape_str(xa.shape).c_str(),
               std::string(to_string(active_isa())).c_str());
  return xa.type == npy::dtype::f32 ? run_typed<float>(o, xa) : run_typed<double>(o, xa);
}

}  // namespace

void add_run(CLI::App& app, int& status) {
  auto* o = new run_options;
  std::string help = "Apply one kernel to .npy files and write .npy results. Kernels:";
  for (const auto& [n, s] : kernels()) help += "\n  " + n + ": " + s.help;
  auto* cmd = app.add_subcommand("run", help);
  cmd->add_option("kernel", o->kernel, "Kernel name")->required();
  cmd->add_option("-x,--x", o->x, "Input .npy: float32/float64, C order, 2-D (rows = samples)")->required();
  cmd->add_option("-w,--w", o->w, "Weights .npy (n_inputs x n_neurons), dense kernels");
  cmd->add_option("-b,--b", o->b, "Biases .npy ((n,) or (1, n)), dense kernels; default zeros");
  cmd->add_option("-l,--labels", o->labels, "Labels .npy: int32/int64/uint8 1-D, or one-hot float 2-D");
  cmd->add_option("-o,--out", o->out, "Output .npy (for losses: the per-sample losses)")->required();
  cmd->add_option("--mean", o->mean_out, "Losses only: output .npy for the mean (default: <out>_mean.npy)");
  cmd->add_option("--lo", o->lo, "clip: lower bound (default 1e-7)");
  cmd->add_option("--hi", o->hi, "clip: upper bound (default 1 - 1e-7)");
  cmd->add_option("--eps", o->eps, "cross_entropy: clipping epsilon (default 1e-7)");
  cmd->add_option("--isa", o->isa_name, "Cap the ISA (scalar, sse2, avx2, avx512, neon64); default: the best runnable");
  cmd->add_option("--threads", o->threads, "OpenMP threads (0: OpenMP's default)")->check(CLI::NonNegativeNumber);
  cmd->callback([o, &status] {
    try {
      status = run(*o);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "nnsimd run: error: %s\n", e.what());
      status = kExitBadInput;
    }
  });
}

}  // namespace nnsimd::cli
