// `nnsimd run`'s array-level work (run.hpp): the kernels it offers, the checks of the inputs against
// each other, and the computation. No file is read or written here: the command itself, which reads the
// inputs and writes the outputs, is in run_command.cpp, so the fuzz build (fuzz/) compiles this file
// without CLI11 or the file writer.
#include "run.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "format.hpp"
#include "renamed.hpp"
#include "nnsimd/machine.hpp"
#include "nnsimd/nnsimd.hpp"

namespace nnsimd::cli {

const std::map<std::string, run_kernel>& run_kernels() {
  // w, b, labels, bounds, eps, mean
  static const std::map<std::string, run_kernel> k = {
      {"dense_forward", {true, true, false, false, false, false, "y = x . w + b (b optional: zeros)"}},
      {"dense_relu", {true, true, false, false, false, false, "y = max(0, x . w + b)"}},
      {"relu", {false, false, false, false, false, false, "y = max(0, x)"}},
      {"softmax", {false, false, false, false, false, false, "row-wise softmax"}},
      {"clip", {false, false, false, true, false, false, "y = clip(x, lo, hi) (default 1e-7, 1 - 1e-7)"}},
      {"categorical_cross_entropy",
       {false, false, true, false, true, true,
        "per-sample -log(clipped prob of the label) and their mean; labels sparse (1-D int) or one-hot "
        "(2-D float, int or bool)"}},
      {"softmax_cross_entropy",
       {false, false, true, false, false, true, "fused log-softmax cross-entropy on logits (sparse labels); losses and mean"}},
      {"accuracy", {false, false, true, false, false, false, "mean(argmax(x) == labels) (labels sparse or one-hot)"}},
      {"argmax", {false, false, false, false, false, false, "row-wise first index of the maximum (int64, as NumPy)"}},
  };
  return k;
}

void memory_budget::take(std::size_t bytes, const std::string& what) {
  if (bytes > left())
    throw npy::error(what + " needs " + std::to_string(bytes) + " bytes, which would pass the memory limit of " +
                     std::to_string(limit_) + " bytes (" + std::to_string(used_) + " already in use; --max-memory)");
  used_ += bytes;
}

std::size_t physical_memory_bytes() {
  const std::size_t m = describe_machine().memory_bytes;
  return m ? m : std::numeric_limits<std::size_t>::max() >> 1;
}

std::size_t checked_mul(std::size_t a, std::size_t b, const std::string& what) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a)
    throw npy::error(what + ": " + std::to_string(a) + " x " + std::to_string(b) + " elements overflow a size");
  return a * b;
}

namespace {

[[noreturn]] void bad(const std::string& msg) { throw npy::error(msg); }

using npy::shape_str;

// n elements of T for `what`, charged to the budget first; an allocation failure names `what`.
template <class T>
std::vector<T> allocate(std::size_t n, memory_budget& budget, const std::string& what) {
  budget.take(checked_mul(n, sizeof(T), what), what);
  try {
    return std::vector<T>(n);
  } catch (const std::bad_alloc&) {
    bad(what + ": out of memory allocating " + std::to_string(n * sizeof(T)) + " bytes");
  }
}

// The elements of an input as T (its dtype must be T's), charged to the budget.
template <class T>
std::vector<T> typed(const run_input& in, memory_budget& budget) {
  std::vector<T> v = allocate<T>(in.array.count(), budget, in.name + " as " + npy::name(in.array.type));
  if (!v.empty()) std::memcpy(v.data(), in.array.bytes.data(), v.size() * sizeof(T));
  return v;
}

// Labels: sparse (1-D int32, int64 or uint8, returned as int32) or one-hot (2-D of the predictions'
// shape: float of x's dtype, or int32, int64, uint8 or bool as the book writes them, converted to T).
template <class T>
struct labels_t {
  std::vector<std::int32_t> sparse;
  std::vector<T> onehot;
  bool is_onehot = false;
};

template <class T, class S>
void convert_onehot(const npy::array& a, std::vector<T>& out) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    S v;
    std::memcpy(&v, a.bytes.data() + i * sizeof(S), sizeof(S));
    out[i] = static_cast<T>(v);
  }
}

// Rows of a one-hot matrix that are not exactly one 1 among 0s: how many, and the first.
template <class T>
std::optional<std::string> not_onehot_note(const std::vector<T>& t, std::size_t rows, std::size_t cols,
                                           const std::string& path) {
  std::size_t bad_rows = 0, first = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    std::size_t ones = 0, others = 0;
    for (std::size_t c = 0; c < cols; ++c) {
      const T v = t[r * cols + c];
      ones += v == T(1);
      others += v != T(0) && v != T(1);
    }
    if (ones != 1 || others != 0) {
      if (bad_rows++ == 0) first = r;
    }
  }
  if (bad_rows == 0) return std::nullopt;
  std::string row = "[";
  for (std::size_t c = 0; c < std::min<std::size_t>(cols, 8); ++c) row += (c ? ", " : "") + py_repr(t[first * cols + c]);
  row += cols > 8 ? ", ...]" : "]";
  return path + ": " + std::to_string(bad_rows) + " of " + std::to_string(rows) +
         " rows are not one-hot (first: row " + std::to_string(first) + " = " + row +
         "); they are used as given, as the book's formulas do: the loss is -log(sum(clip(p) * t)) (+inf for a row of "
         "zeros), accuracy compares argmax(p) with argmax(t) (the first maximum)";
}

template <class T>
labels_t<T> read_labels(const run_input& in, std::size_t rows, std::size_t cols, bool allow_onehot,
                        memory_budget& budget, std::vector<std::string>& notes) {
  const npy::array& a = in.array;
  const std::string& path = in.name;
  labels_t<T> l;
  const bool is_float = a.type == npy::dtype::f32 || a.type == npy::dtype::f64;
  if (a.rank() == 2 || is_float) {
    if (!allow_onehot)
      bad(path + ": this kernel takes sparse integer labels (1-D int32, int64 or uint8), got " + npy::name(a.type) +
          " of shape " + shape_str(a.shape));
    if (a.rank() != 2) bad(path + ": float labels are one-hot and must be 2-D, got shape " + shape_str(a.shape));
    if (is_float && a.type != npy::dtype_of<T>())
      bad(path + ": one-hot labels are " + npy::name(a.type) + " but the predictions are " +
          npy::name(npy::dtype_of<T>()) + "; save both with the same dtype");
    if (a.shape[0] != rows || a.shape[1] != cols)
      bad(path + ": one-hot labels of shape " + shape_str(a.shape) + " do not match the predictions' (" +
          std::to_string(rows) + ", " + std::to_string(cols) + ")");
    l.onehot = allocate<T>(a.count(), budget, path + " as " + npy::name(npy::dtype_of<T>()));
    switch (a.type) {
      case npy::dtype::f32:
      case npy::dtype::f64: convert_onehot<T, T>(a, l.onehot); break;
      case npy::dtype::i32: convert_onehot<T, std::int32_t>(a, l.onehot); break;
      case npy::dtype::i64: convert_onehot<T, std::int64_t>(a, l.onehot); break;
      case npy::dtype::u8: convert_onehot<T, std::uint8_t>(a, l.onehot); break;
      case npy::dtype::b1:  // NumPy reads any non-zero byte of a bool array as True
        for (std::size_t i = 0; i < l.onehot.size(); ++i) l.onehot[i] = a.bytes[i] != 0 ? T(1) : T(0);
        break;
    }
    if (auto note = not_onehot_note(l.onehot, rows, cols, path)) notes.push_back(*note);
    l.is_onehot = true;
    return l;
  }
  if (a.type == npy::dtype::b1) bad(path + ": bool labels are one-hot and must be 2-D, got shape " + shape_str(a.shape));
  if (a.rank() != 1)
    bad(path + ": integer labels must be 1-D (one class index per row) or 2-D one-hot, got shape " + shape_str(a.shape));
  if (a.shape[0] != rows)
    bad(path + ": " + std::to_string(a.shape[0]) + " labels for " + std::to_string(rows) + " rows");
  l.sparse = allocate<std::int32_t>(rows, budget, path + " as int32");
  auto put = [&](std::size_t i, long long v) {
    if (v < 0 || v >= static_cast<long long>(cols))
      bad(path + ": label[" + std::to_string(i) + "] = " + std::to_string(v) + " is outside [0, " + std::to_string(cols) + ")");
    l.sparse[i] = static_cast<std::int32_t>(v);
  };
  for (std::size_t i = 0; i < rows; ++i) {
    const unsigned char* p = a.bytes.data() + i * npy::item_size(a.type);
    if (a.type == npy::dtype::i32) {
      std::int32_t v;
      std::memcpy(&v, p, 4);
      put(i, v);
    } else if (a.type == npy::dtype::i64) {
      std::int64_t v;
      std::memcpy(&v, p, 8);
      put(i, v);
    } else {
      put(i, *p);
    }
  }
  return l;
}

template <class T>
run_result compute_typed(const run_request& r, memory_budget& budget) {
  const npy::array& xa = r.x.array;
  const std::size_t rows = xa.shape[0], cols = xa.shape[1];
  const std::vector<T> x = typed<T>(r.x, budget);
  const_matrix_view<T> X(x.data(), rows, cols);
  const std::string out_what = "the output of " + r.kernel + " on " + r.x.name + " " + shape_str(xa.shape);
  run_result res;

  const std::string k = current_name(r.kernel);
  if (k == "dense_forward" || k == "dense_relu") {
    const run_input& w_in = *r.w;
    const npy::array& wa = w_in.array;
    if (wa.type != xa.type) bad(w_in.name + ": w is " + npy::name(wa.type) + " but x is " + npy::name(xa.type));
    if (wa.rank() != 2) bad(w_in.name + ": w must be 2-D (n_inputs, n_neurons), got shape " + shape_str(wa.shape));
    if (wa.shape[0] != cols)
      bad(w_in.name + ": w has " + std::to_string(wa.shape[0]) + " rows but x has " + std::to_string(cols) +
          " columns (x . w needs them equal)");
    const std::size_t n_out = wa.shape[1];
    const std::string y_what = out_what + " and " + w_in.name + " " + shape_str(wa.shape) + ", shape (" +
                               std::to_string(rows) + ", " + std::to_string(n_out) + ")";
    std::vector<T> y = allocate<T>(checked_mul(rows, n_out, y_what), budget, y_what);
    std::vector<T> b = allocate<T>(n_out, budget, "the biases (" + std::to_string(n_out) + ")");
    if (r.b) {
      const npy::array& ba = r.b->array;
      if (ba.type != xa.type) bad(r.b->name + ": b is " + npy::name(ba.type) + " but x is " + npy::name(xa.type));
      // The book's biases are np.zeros((1, n_neurons)); a 1-D vector is accepted too.
      const bool ok = (ba.rank() == 1 && ba.shape[0] == n_out) || (ba.rank() == 2 && ba.shape[0] == 1 && ba.shape[1] == n_out);
      if (!ok)
        bad(r.b->name + ": b must have shape (" + std::to_string(n_out) + ",) or (1, " + std::to_string(n_out) + "), got " +
            shape_str(ba.shape));
      if (!b.empty()) std::memcpy(b.data(), ba.bytes.data(), b.size() * sizeof(T));
    }
    const std::vector<T> w = typed<T>(w_in, budget);
    const_matrix_view<T> W(w.data(), cols, n_out);
    matrix_view<T> Y(y.data(), rows, n_out);
    if (k == "dense_forward")
      dense_forward<T>(X, W, b, Y);
    else
      dense_relu<T>(X, W, b, Y);
    res.out = npy::make<T>({rows, n_out}, y.data());
  } else if (k == "relu" || k == "softmax" || k == "clip") {
    std::vector<T> y = allocate<T>(checked_mul(rows, cols, out_what), budget, out_what);
    matrix_view<T> Y(y.data(), rows, cols);
    if (k == "relu") {
      relu<T>(X, Y);
    } else if (k == "softmax") {
      softmax<T>(X, Y);
    } else {
      const T lo = r.lo ? static_cast<T>(*r.lo) : T(1e-7), hi = r.hi ? static_cast<T>(*r.hi) : T(1) - T(1e-7);
      if (!(lo <= hi)) bad("clip: --lo must not exceed --hi");
      clip<T>(X, Y, lo, hi);
    }
    res.out = npy::make<T>({rows, cols}, y.data());
  } else if (k == "argmax") {
    if (cols == 0 && rows != 0) bad(r.x.name + ": argmax of rows with no columns");
    std::vector<std::int32_t> idx = allocate<std::int32_t>(rows, budget, out_what);
    argmax<T>(X, idx);
    std::vector<std::int64_t> idx64 = allocate<std::int64_t>(rows, budget, out_what + " as int64");
    std::copy(idx.begin(), idx.end(), idx64.begin());
    res.out = npy::make<std::int64_t>({rows}, idx64.data());
  } else {
    const labels_t<T> l = read_labels<T>(*r.labels, rows, cols, k != "softmax_cross_entropy", budget, res.notes);
    if (k == "accuracy") {
      const double acc = l.is_onehot ? accuracy<T>(X, const_matrix_view<T>(l.onehot.data(), rows, cols))
                                     : accuracy<T>(X, l.sparse);
      res.out = npy::make<double>({}, &acc);
      res.printed = "accuracy: " + py_repr(acc);
    } else {
      std::vector<T> losses = allocate<T>(rows, budget, out_what + " (per-sample losses)");
      T mean;
      if (k == "softmax_cross_entropy") {
        mean = softmax_cross_entropy<T>(X, l.sparse, losses);
      } else {
        const T eps = r.eps ? static_cast<T>(*r.eps) : T(1e-7);
        mean = l.is_onehot ? categorical_cross_entropy<T>(X, const_matrix_view<T>(l.onehot.data(), rows, cols), losses, eps)
                           : categorical_cross_entropy<T>(X, l.sparse, losses, eps);
      }
      res.out = npy::make<T>({rows}, losses.data());
      res.mean = npy::make<T>({}, &mean);
      res.printed = "mean loss: " + py_repr(mean);
    }
  }
  return res;
}

}  // namespace

const char* run_kernel_of(spec::op o) {
  const std::string name = spec::op_names[static_cast<int>(o)];
  if (o == spec::op::categorical_cross_entropy_onehot) return "categorical_cross_entropy";  // 2-D labels
  const auto it = run_kernels().find(name);
  return it == run_kernels().end() ? nullptr : it->first.c_str();
}

const run_kernel& find_run_kernel(const std::string& name) {
  const auto it = run_kernels().find(current_name(name));
  if (it == run_kernels().end()) {
    std::string names;
    for (const auto& [n, s] : run_kernels()) names += " " + n;
    bad("unknown kernel '" + name + "'; one of:" + names);
  }
  return it->second;
}

run_result compute(const run_request& r, memory_budget& budget) {
  const run_kernel& spec = find_run_kernel(r.kernel);
  if (!spec.w && r.w) bad(r.kernel + " takes no --w");
  if (!spec.b && r.b) bad(r.kernel + " takes no --b");
  if (!spec.labels && r.labels) bad(r.kernel + " takes no --labels");
  if (spec.labels && !r.labels) bad(r.kernel + " needs --labels FILE");
  if (spec.w && !r.w) bad(r.kernel + " needs --w FILE");
  if (!spec.bounds && (r.lo || r.hi)) bad(r.kernel + " takes no --lo / --hi");
  if (!spec.eps && r.eps) bad(r.kernel + " takes no --eps");
  const npy::array& xa = r.x.array;
  if (xa.type != npy::dtype::f32 && xa.type != npy::dtype::f64)
    bad(r.x.name + ": x must be float32 or float64, got " + npy::name(xa.type));
  if (xa.rank() != 2)
    bad(r.x.name + ": x must be 2-D (rows = samples), got shape " + shape_str(xa.shape) +
        (xa.rank() == 1 ? "; for one sample use x.reshape(1, -1)" : ""));
  return xa.type == npy::dtype::f32 ? compute_typed<float>(r, budget) : compute_typed<double>(r, budget);
}

}  // namespace nnsimd::cli
