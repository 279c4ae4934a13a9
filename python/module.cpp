// `import nnsimd`: the library's public API on NumPy arrays (pybind11).
//
// Arrays are taken as they are, never copied: a float32 or float64 matrix is viewed with its own row
// stride (any positive multiple of the item size not below a row's width) as long as its last axis is
// contiguous; anything else is refused with a ValueError that names the argument and what is wrong, as
// every nnsimd::error is. Labels are the exception: integer labels of another type than int32, or strided
// ones, are converted to a contiguous int32 copy (n values beside a matrix of n rows), with a range
// check. Outputs are returned as new C-contiguous arrays, or written into `out=` arrays (writeable, the
// right dtype and shape, not overlapping an input unless the kernel works in place); forward_pass returns
// its two scalars and fills its optional outputs, losses= and probs=, as out= arrays. The GIL is released
// while a kernel runs, so other Python threads go on.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "nnsimd/nnsimd.hpp"

namespace py = pybind11;

namespace {

using nnsimd::error;

std::string shape_of(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

std::string dtype_of(const py::array& a) { return py::str(a.dtype()).cast<std::string>(); }

template <class T>
constexpr const char* dtype_name() {
  return sizeof(T) == 4 ? "float32" : "float64";
}

// The bytes an array's elements span: [lo, hi). Views of one buffer overlap when these intersect.
struct extent {
  const char* lo = nullptr;
  const char* hi = nullptr;
};

extent extent_of(const py::array& a) {
  const char* base = static_cast<const char*>(a.data());
  if (a.size() == 0) return {base, base};
  const char *lo = base, *hi = base + a.itemsize();
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    const py::ssize_t step = a.strides(i) * (a.shape(i) - 1);
    (step < 0 ? lo : hi) += step;
  }
  return {lo, hi};
}

bool overlap(const py::array& a, const py::array& b) {
  const extent x = extent_of(a), y = extent_of(b);
  return x.lo < y.hi && y.lo < x.hi;
}

// The same elements in the same layout: the in-place call the elementwise kernels and softmax allow.
bool same_layout(const py::array& a, const py::array& b) {
  if (a.data() != b.data() || a.ndim() != b.ndim()) return false;
  for (py::ssize_t i = 0; i < a.ndim(); ++i)
    if (a.shape(i) != b.shape(i) || (a.shape(i) > 1 && a.strides(i) != b.strides(i))) return false;
  return true;
}

// A 2-D array of T as a row-major view with a row stride. `name` names the argument in errors.
template <class T>
nnsimd::matrix_view<T> view_of(const py::array& a, const char* name) {
  if (!py::isinstance<py::array_t<T>>(a))
    throw error(std::string(name) + ": dtype " + dtype_of(a) + ", expected " + dtype_name<T>() +
                " (the dtype of the call's first array, in native byte order)");
  if (a.ndim() != 2)
    throw error(std::string(name) + ": a " + std::to_string(a.ndim()) + "-D array of shape " + shape_of(a) +
                ", expected a 2-D array (rows are the batch)");
  const auto rows = static_cast<std::size_t>(a.shape(0)), cols = static_cast<std::size_t>(a.shape(1));
  const py::ssize_t item = static_cast<py::ssize_t>(sizeof(T));
  if (rows == 0 || cols == 0) return {static_cast<T*>(const_cast<void*>(a.data())), rows, cols, cols};  // NumPy may give 0 strides
  if (cols > 1 && a.strides(1) != item)
    throw error(std::string(name) + ": shape " + shape_of(a) + " with a last-axis stride of " +
                std::to_string(a.strides(1)) + " bytes; the last axis must be contiguous (" + std::to_string(item) +
                " bytes): pass numpy.ascontiguousarray(" + name + ")");
  std::size_t ld = cols;
  if (rows > 1) {
    const py::ssize_t s = a.strides(0);
    if (s <= 0)
      throw error(std::string(name) + ": shape " + shape_of(a) + " with a row stride of " + std::to_string(s) +
                  " bytes; rows must follow each other in memory (a positive stride: not a broadcast or "
                  "reversed array)");
    if (s % item != 0 || static_cast<std::size_t>(s / item) < cols)
      throw error(std::string(name) + ": shape " + shape_of(a) + " with a row stride of " + std::to_string(s) +
                  " bytes, not a multiple of " + std::to_string(item) + " bytes at least one row wide (" +
                  std::to_string(cols * sizeof(T)) + " bytes)");
    ld = static_cast<std::size_t>(s / item);
  }
  return {static_cast<T*>(const_cast<void*>(a.data())), rows, cols, ld};
}

template <class T>
nnsimd::matrix_view<T> output_view(const py::array& a, const char* name) {
  if (!a.writeable()) throw error(std::string(name) + ": the array is read-only");
  return view_of<T>(a, name);
}

// A 1-D contiguous output of n values of T (the losses, or argmax's int32 indices).
template <class T>
std::span<T> vector_out(const py::array& a, const char* name, std::size_t n) {
  if (!py::isinstance<py::array_t<T>>(a))
    throw error(std::string(name) + ": dtype " + dtype_of(a) + ", expected " +
                py::str(py::dtype::of<T>()).cast<std::string>());
  if (a.ndim() != 1 || static_cast<std::size_t>(a.shape(0)) != n)
    throw error(std::string(name) + ": shape " + shape_of(a) + ", expected (" + std::to_string(n) + ",)");
  if (n > 1 && a.strides(0) != static_cast<py::ssize_t>(sizeof(T)))
    throw error(std::string(name) + ": not contiguous (stride " + std::to_string(a.strides(0)) + " bytes)");
  if (!a.writeable()) throw error(std::string(name) + ": the array is read-only");
  return {static_cast<T*>(const_cast<void*>(a.data())), n};
}

// Biases: n values of T, shaped (n,) as the library takes them or (1, n) as the book's np.zeros((1, n)).
// A count other than n is left to the library, whose message names both sizes.
template <class T>
std::span<const T> bias_span(const py::array& b, std::size_t n, const char* name = "biases") {
  const std::string nm(name);
  if (!py::isinstance<py::array_t<T>>(b))
    throw error(nm + ": dtype " + dtype_of(b) + ", expected " + dtype_name<T>());
  if (b.ndim() < 1 || b.ndim() > 2 || (b.ndim() == 2 && b.shape(0) != 1))
    throw error(nm + ": shape " + shape_of(b) + ", expected (" + std::to_string(n) + ",) or (1, " +
                std::to_string(n) + ")");
  const py::ssize_t count = b.shape(b.ndim() - 1);
  if (count > 1 && b.strides(b.ndim() - 1) != static_cast<py::ssize_t>(sizeof(T)))
    throw error(nm + ": not contiguous (stride " + std::to_string(b.strides(b.ndim() - 1)) + " bytes)");
  return {static_cast<const T*>(b.data()), static_cast<std::size_t>(count)};
}

// Integer labels as int32: the array itself when it is int32 and contiguous, else a checked copy.
struct labels {
  py::array keep;
  std::vector<std::int32_t> copy;
  std::span<const std::int32_t> span;
};

labels labels_of(const py::array& a, const char* name) {
  if (a.ndim() != 1)
    throw error(std::string(name) + ": shape " + shape_of(a) + ", expected 1-D integer labels (or one-hot rows)");
  const char kind = a.dtype().kind();
  if (kind != 'i' && kind != 'u')
    throw error(std::string(name) + ": dtype " + dtype_of(a) + ", expected integer class indices");
  labels l;
  const auto n = static_cast<std::size_t>(a.shape(0));
  if (py::isinstance<py::array_t<std::int32_t>>(a) && (n <= 1 || a.strides(0) == 4)) {
    l.keep = a;
    l.span = {static_cast<const std::int32_t*>(a.data()), n};
    return l;
  }
  // NumPy converts (any integer kind, any stride, either byte order) into int64 without loss except for
  // uint64 above 2^63, which the unsigned check below sees first.
  if (kind == 'u' && a.itemsize() == 8) {
    auto u = py::array_t<std::uint64_t, py::array::forcecast>::ensure(a);
    auto r = u.unchecked<1>();
    for (std::size_t i = 0; i < n; ++i)
      if (r(static_cast<py::ssize_t>(i)) > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max()))
        throw error(std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(r(static_cast<py::ssize_t>(i))) +
                    " is out of range for a class index");
  }
  auto w = py::array_t<std::int64_t, py::array::forcecast>::ensure(a);
  auto r = w.unchecked<1>();
  l.copy.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t v = r(static_cast<py::ssize_t>(i));
    if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max())
      throw error(std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(v) +
                  " is out of range for a class index");
    l.copy[i] = static_cast<std::int32_t>(v);
  }
  l.span = l.copy;
  return l;
}

bool is_float32(const py::array& a) { return py::isinstance<py::array_t<float>>(a); }
bool is_float64(const py::array& a) { return py::isinstance<py::array_t<double>>(a); }

// Calls f.template operator()<T>() with T the dtype of the first argument, or names what it got.
template <class F>
auto by_dtype(const py::array& a, const char* name, F&& f) {
  if (is_float32(a)) return f.template operator()<float>();
  if (is_float64(a)) return f.template operator()<double>();
  throw error(std::string(name) + ": dtype " + dtype_of(a) + "; nnsimd computes in float32 or float64 "
              "(native byte order): convert with " + name + ".astype(numpy.float32)");
}

template <class T>
py::array new_matrix(std::size_t rows, std::size_t cols) {
  return py::array_t<T>({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
}

// The output: `out` checked (dtype, shape, writeable, no overlap with `inputs` except an exact in-place
// `in_place`), or a new array; with its view.
template <class T>
struct output_matrix {
  py::array array;
  nnsimd::matrix_view<T> view;
};

template <class T>
output_matrix<T> output(const std::optional<py::array>& out, std::size_t rows, std::size_t cols,
                        std::initializer_list<std::pair<const py::array*, const char*>> inputs,
                        const py::array* in_place) {
  if (!out) {
    py::array y = new_matrix<T>(rows, cols);
    return {y, view_of<T>(y, "out")};
  }
  const py::array& o = *out;
  const auto view = output_view<T>(o, "out");
  if (view.rows != rows || view.cols != cols)
    throw error("out: shape " + shape_of(o) + ", expected (" + std::to_string(rows) + ", " + std::to_string(cols) + ")");
  for (const auto& [in, name] : inputs)
    if (overlap(o, *in) && !(in == in_place && same_layout(o, *in)))
      throw error(std::string("out overlaps ") + name +
                  (in == in_place ? " without being the same array (in place is allowed only exactly)" : ""));
  return {o, view};
}

// ---- the kernels ---------------------------------------------------------------------------------

py::array dense(const py::array& x, const py::array& w, const py::array& b, std::optional<py::array> out, bool relu) {
  return by_dtype(x, "inputs", [&]<class T>() {
    const auto X = view_of<T>(x, "inputs");
    const auto W = view_of<T>(w, "weights");
    const std::span<const T> B = bias_span<T>(b, W.cols);
    const auto y = output<T>(out, X.rows, W.cols, {{&x, "inputs"}, {&w, "weights"}, {&b, "biases"}}, nullptr);
    {
      py::gil_scoped_release release;
      if (relu)
        nnsimd::dense_relu<T>(X, W, B, y.view);
      else
        nnsimd::dense_forward<T>(X, W, B, y.view);
    }
    return y.array;
  });
}

template <class Kernel>
py::array elementwise(const py::array& x, std::optional<py::array> out, Kernel&& kernel) {
  return by_dtype(x, "x", [&]<class T>() {
    const auto X = view_of<T>(x, "x");
    const auto y = output<T>(out, X.rows, X.cols, {{&x, "x"}}, &x);
    {
      py::gil_scoped_release release;
      kernel(nnsimd::const_matrix_view<T>(X), y.view);
    }
    return y.array;
  });
}

// mean, or the per-sample losses (reduction "none"), as PyTorch's reduction argument.
bool per_sample(const std::string& reduction) {
  if (reduction == "mean") return false;
  if (reduction == "none") return true;
  throw error("reduction: '" + reduction + "', expected 'mean' or 'none'");
}

// The per-sample losses' array for reduction "none" (out, checked, or a new one) and its span; an empty
// span for "mean".
template <class T>
std::span<T> per_sample_out(bool each, const std::optional<py::array>& out, std::size_t rows, const py::array& scores,
                            const py::array& labels, py::array& losses) {
  if (!each) return {};
  losses = out ? *out : py::array(py::array_t<T>(static_cast<py::ssize_t>(rows)));
  const std::span<T> span = vector_out<T>(losses, "out", rows);
  if (overlap(losses, scores) || overlap(losses, labels)) throw error("out overlaps an input");
  return span;
}

py::object categorical_cross_entropy(const py::array& probs, const py::array& y, double eps,
                                     const std::string& reduction, std::optional<py::array> out) {
  const bool each = per_sample(reduction);
  return by_dtype(probs, "probs", [&]<class T>() -> py::object {
    const auto P = view_of<T>(probs, "probs");
    py::array losses;
    const std::span<T> L = per_sample_out<T>(each, out, P.rows, probs, y, losses);
    T mean;
    if (y.ndim() == 2) {
      const auto Y = view_of<T>(y, "labels (one-hot)");
      py::gil_scoped_release release;
      mean = nnsimd::categorical_cross_entropy<T>(P, Y, L, static_cast<T>(eps));
    } else {
      const labels l = labels_of(y, "labels");
      py::gil_scoped_release release;
      mean = nnsimd::categorical_cross_entropy<T>(P, l.span, L, static_cast<T>(eps));
    }
    return each ? py::object(losses) : py::object(py::float_(static_cast<double>(mean)));
  });
}

py::object softmax_cross_entropy(const py::array& logits, const py::array& y, const std::string& reduction,
                                 std::optional<py::array> out) {
  const bool each = per_sample(reduction);
  return by_dtype(logits, "logits", [&]<class T>() -> py::object {
    const auto X = view_of<T>(logits, "logits");
    py::array losses;
    const std::span<T> L = per_sample_out<T>(each, out, X.rows, logits, y, losses);
    const labels l = labels_of(y, "labels");
    T mean;
    {
      py::gil_scoped_release release;
      mean = nnsimd::softmax_cross_entropy<T>(X, l.span, L);
    }
    return each ? py::object(losses) : py::object(py::float_(static_cast<double>(mean)));
  });
}

double accuracy(const py::array& scores, const py::array& y) {
  return by_dtype(scores, "scores", [&]<class T>() {
    const auto S = view_of<T>(scores, "scores");
    if (y.ndim() == 2) {
      const auto Y = view_of<T>(y, "labels (one-hot)");
      py::gil_scoped_release release;
      return nnsimd::accuracy<T>(S, Y);
    }
    const labels l = labels_of(y, "labels");
    py::gil_scoped_release release;
    return nnsimd::accuracy<T>(S, l.span);
  });
}

py::array argmax(const py::array& x, std::optional<py::array> out) {
  return by_dtype(x, "x", [&]<class T>() {
    const auto X = view_of<T>(x, "x");
    py::array idx = out ? *out : py::array(py::array_t<std::int32_t>(static_cast<py::ssize_t>(X.rows)));
    const std::span<std::int32_t> I = vector_out<std::int32_t>(idx, "out", X.rows);
    if (overlap(idx, x)) throw error("out overlaps x");
    {
      py::gil_scoped_release release;
      nnsimd::argmax<T>(X, I);
    }
    return idx;
  });
}

// A dense layer packed once (nnsimd::packed_dense) in the dtype of its weights.
class packed_layer {
 public:
  using layer = std::variant<nnsimd::packed_dense<float>, nnsimd::packed_dense<double>>;

  packed_layer(const py::array& w, const py::array& b) : layer_(pack(w, b)) {}

  py::array forward(const py::array& x, std::optional<py::array> out, bool relu) const {
    if (const auto* l = std::get_if<nnsimd::packed_dense<float>>(&layer_)) return run(*l, x, out, relu);
    return run(std::get<nnsimd::packed_dense<double>>(layer_), x, out, relu);
  }

  std::size_t n_inputs() const {
    return std::visit([](const auto& l) { return l.n_inputs(); }, layer_);
  }
  std::size_t n_neurons() const {
    return std::visit([](const auto& l) { return l.n_neurons(); }, layer_);
  }
  std::string target() const {
    return std::string(std::visit([](const auto& l) { return nnsimd::to_string(l.target()); }, layer_));
  }
  py::dtype dtype() const { return layer_.index() == 0 ? py::dtype::of<float>() : py::dtype::of<double>(); }
  bool is_float() const { return layer_.index() == 0; }
  // The layer when it holds T, else null (forward_pass takes two layers of one dtype).
  template <class T>
  const nnsimd::packed_dense<T>* get() const {
    return std::get_if<nnsimd::packed_dense<T>>(&layer_);
  }

 private:
  template <class T>
  static py::array run(const nnsimd::packed_dense<T>& layer, const py::array& x, const std::optional<py::array>& out,
                       bool relu) {
    const auto X = view_of<T>(x, "inputs");
    const auto y = output<T>(out, X.rows, layer.n_neurons(), {{&x, "inputs"}}, nullptr);
    {
      py::gil_scoped_release release;
      if (relu)
        nnsimd::dense_relu<T>(X, layer, y.view);
      else
        nnsimd::dense_forward<T>(X, layer, y.view);
    }
    return y.array;
  }

  static layer pack(const py::array& w, const py::array& b) {
    return by_dtype(w, "weights", [&]<class T>() {
      const auto W = view_of<T>(w, "weights");
      return layer(std::in_place_type<nnsimd::packed_dense<T>>, W, bias_span<T>(b, W.cols));
    });
  }

  layer layer_;
};

// ---- the forward pass ---------------------------------------------------------------------------------

// forward_pass's common part: labels (class indices only: the fused loss gathers, as the book's sparse
// branch), the optional losses= and probs= arrays, written where they lie and checked as out= arrays (the
// library checks their overlap with its float inputs; labels it sees as a span, so that overlap is checked
// here), then call(X, labels, losses, probs) with the GIL released. Returns (mean loss, accuracy).
template <class T, class Call>
py::tuple forward(const py::array& x, const py::array& y, std::size_t classes, const std::optional<py::array>& losses,
                  const std::optional<py::array>& probs, Call&& call) {
  const auto X = view_of<T>(x, "inputs");
  if (y.ndim() == 2)
    throw error("labels: shape " + shape_of(y) + "; forward_pass takes class indices, not one-hot rows "
                "(pass numpy.argmax(labels, axis=1))");
  const labels l = labels_of(y, "labels");
  std::span<T> L;
  nnsimd::matrix_view<T> P;
  if (losses) {
    L = vector_out<T>(*losses, "losses", X.rows);
    if (overlap(*losses, y)) throw error("losses overlaps labels");
  }
  if (probs) {
    P = output_view<T>(*probs, "probs");
    if (P.rows != X.rows || P.cols != classes)
      throw error("probs: shape " + shape_of(*probs) + ", expected (" + std::to_string(X.rows) + ", " +
                  std::to_string(classes) + ")");
    if (overlap(*probs, y)) throw error("probs overlaps labels");
  }
  nnsimd::forward_result<T> r;
  {
    py::gil_scoped_release release;
    r = call(nnsimd::const_matrix_view<T>(X), l.span, L, P);
  }
  return py::make_tuple(static_cast<double>(r.loss), r.accuracy);
}

py::tuple forward_pass(const py::array& x, const py::array& w1, const py::array& b1, const py::array& w2,
                       const py::array& b2, const py::array& y, double eps, std::optional<py::array> losses,
                       std::optional<py::array> probs) {
  return by_dtype(x, "inputs", [&]<class T>() {
    const auto W1 = view_of<T>(w1, "w1");
    const auto W2 = view_of<T>(w2, "w2");
    const std::span<const T> B1 = bias_span<T>(b1, W1.cols, "b1"), B2 = bias_span<T>(b2, W2.cols, "b2");
    return forward<T>(x, y, W2.cols, losses, probs, [&](auto X, auto labels, auto L, auto P) {
      return nnsimd::forward_pass<T>(X, W1, B1, W2, B2, labels, L, P, static_cast<T>(eps));
    });
  });
}

py::tuple forward_pass_packed(const py::array& x, const packed_layer& layer1, const packed_layer& layer2,
                              const py::array& y, double eps, std::optional<py::array> losses,
                              std::optional<py::array> probs) {
  auto run = [&]<class T>() {
    const nnsimd::packed_dense<T>* l1 = layer1.get<T>();
    const nnsimd::packed_dense<T>* l2 = layer2.get<T>();
    if (!l2)
      throw error(std::string("layer2: dtype ") + (sizeof(T) == 4 ? "float64" : "float32") + ", expected " +
                  dtype_name<T>() + " (layer1's)");
    return forward<T>(x, y, l2->n_neurons(), losses, probs, [&](auto X, auto labels, auto L, auto P) {
      return nnsimd::forward_pass<T>(X, *l1, *l2, labels, L, P, static_cast<T>(eps));
    });
  };
  return layer1.is_float() ? run.operator()<float>() : run.operator()<double>();
}

std::vector<std::string> names(const std::vector<nnsimd::isa>& isas) {
  std::vector<std::string> v;
  for (auto i : isas) v.emplace_back(nnsimd::to_string(i));
  return v;
}

}  // namespace

// nnsimd._bench (python/bench_cases.cpp): the benchmark's cases, for bench/peer_numpy.py.
void register_bench_cases(py::module_& m);

PYBIND11_MODULE(nnsimd, m) {
  m.doc() =
      "nnsimd: SIMD kernels of the forward pass of chapter 5 of 'Neural Networks from Scratch' on NumPy "
      "arrays (float32 or float64, 2-D, rows are the batch). Inputs are used in place, never copied; "
      "outputs are new arrays or out= arrays. Invalid arguments raise ValueError naming the argument.";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const nnsimd::error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  using namespace py::literals;
  m.def("dense_forward", [](const py::array& x, const py::array& w, const py::array& b,
                            std::optional<py::array> out) { return dense(x, w, b, std::move(out), false); },
        "inputs"_a, "weights"_a, "biases"_a, py::kw_only(), "out"_a = py::none(),
        "inputs . weights + biases; weights is n_inputs x n_neurons (the book's layout)");
  m.def("dense_relu", [](const py::array& x, const py::array& w, const py::array& b,
                         std::optional<py::array> out) { return dense(x, w, b, std::move(out), true); },
        "inputs"_a, "weights"_a, "biases"_a, py::kw_only(), "out"_a = py::none(),
        "relu(inputs . weights + biases) in one pass");
  m.def("relu", [](const py::array& x, std::optional<py::array> out) {
          return elementwise(x, std::move(out), []<class T>(nnsimd::const_matrix_view<T> X, nnsimd::matrix_view<T> Y) {
            nnsimd::relu<T>(X, Y);
          });
        },
        "x"_a, py::kw_only(), "out"_a = py::none(), "max(0, x); out may be x (in place)");
  m.def("softmax", [](const py::array& x, std::optional<py::array> out) {
          return elementwise(x, std::move(out), []<class T>(nnsimd::const_matrix_view<T> X, nnsimd::matrix_view<T> Y) {
            nnsimd::softmax<T>(X, Y);
          });
        },
        "x"_a, py::kw_only(), "out"_a = py::none(), "softmax of each row (the row max subtracted); out may be x");
  m.def("clip", [](const py::array& x, double lo, double hi, std::optional<py::array> out) {
          return elementwise(x, std::move(out), [&]<class T>(nnsimd::const_matrix_view<T> X, nnsimd::matrix_view<T> Y) {
            nnsimd::clip<T>(X, Y, static_cast<T>(lo), static_cast<T>(hi));
          });
        },
        "x"_a, "lo"_a = 1e-7, "hi"_a = 1 - 1e-7, py::kw_only(), "out"_a = py::none(),
        "min(max(x, lo), hi), the bounds rounded to x's dtype (the book's 1e-7 and 1 - 1e-7); out may be x");
  m.def("categorical_cross_entropy", &categorical_cross_entropy, "probs"_a, "labels"_a, "eps"_a = 1e-7,
        py::kw_only(), "reduction"_a = "mean", "out"_a = py::none(),
        "-log of each row's clipped probability of its label (labels: integer class indices, or one-hot rows "
        "of probs' shape and dtype); reduction 'mean' returns their mean (accumulated in float64), 'none' the "
        "per-sample losses (as the book's Loss_CategoricalCrossentropy.forward)");
  m.def("softmax_cross_entropy", &softmax_cross_entropy, "logits"_a, "labels"_a, py::kw_only(),
        "reduction"_a = "mean", "out"_a = py::none(),
        "logsumexp(row) - row[label]: PyTorch's cross_entropy on logits");
  m.def("accuracy", &accuracy, "scores"_a, "labels"_a,
        "mean(argmax(row) == label); one-hot labels are reduced to their argmax first");
  m.def("argmax", &argmax, "x"_a, py::kw_only(), "out"_a = py::none(),
        "the first index of each row's maximum (a NaN counts as the maximum), as int32");

  py::class_<packed_layer>(m, "PackedDense",
                           "A dense layer's weights and biases packed once for the ISA active now; "
                           "forward() then skips the packing on every call (bit-identical results)")
      .def(py::init<const py::array&, const py::array&>(), "weights"_a, "biases"_a)
      .def("forward", &packed_layer::forward, "inputs"_a, py::kw_only(), "out"_a = py::none(), "relu"_a = false)
      .def_property_readonly("n_inputs", &packed_layer::n_inputs)
      .def_property_readonly("n_neurons", &packed_layer::n_neurons)
      .def_property_readonly("isa", &packed_layer::target)
      .def_property_readonly("dtype", &packed_layer::dtype);

  m.def("forward_pass", &forward_pass, "inputs"_a, "w1"_a, "b1"_a, "w2"_a, "b2"_a, "labels"_a, "eps"_a = 1e-7,
        py::kw_only(), "losses"_a = py::none(), "probs"_a = py::none(),
        "the chapter's forward pass in one call: relu(inputs . w1 + b1) . w2 + b2, softmax, the clipped "
        "cross-entropy with labels (integer class indices) and the accuracy; returns (mean loss, accuracy), "
        "bit-identical to dense_relu, dense_forward, softmax, categorical_cross_entropy and accuracy called "
        "in turn. w1 is n_inputs x n_hidden, w2 n_hidden x classes (the book's layout). losses= (rows,) and "
        "probs= (rows, classes): optional out arrays, filled with the per-sample losses and the softmax output; "
        "the hidden activations and logits are never written to memory");
  m.def("forward_pass", &forward_pass_packed, "inputs"_a, "layer1"_a, "layer2"_a, "labels"_a, "eps"_a = 1e-7,
        py::kw_only(), "losses"_a = py::none(), "probs"_a = py::none(),
        "the same with the two layers packed once (PackedDense, of one dtype, packed for the active ISA)");

  m.def("isa", [] { return std::string(nnsimd::to_string(nnsimd::active_isa())); },
        "the instruction set the kernels run on now");
  m.def("runnable_isas", [] { return names(nnsimd::runnable_isas()); });
  m.def("compiled_isas", [] { return names(nnsimd::compiled_isas()); });
  m.def("set_isa_cap", [](const std::string& name) { nnsimd::set_isa_cap(nnsimd::parse_isa(name)); }, "isa"_a,
        "run on at most this ISA ('scalar', 'sse2', 'avx2', 'avx512', 'neon64'); packed layers must be packed again");
  m.def("reset_isa_cap", &nnsimd::reset_isa_cap);
  m.def("isa_cap", []() -> std::optional<std::string> {
    const auto c = nnsimd::isa_cap();
    return c ? std::optional<std::string>(std::string(nnsimd::to_string(*c))) : std::nullopt;
  });
  m.def("set_num_threads", &nnsimd::set_num_threads, "threads"_a,
        "threads used by a call above the parallel threshold; 0: OpenMP's default");
  m.def("num_threads", &nnsimd::num_threads);
  m.def("set_parallel_threshold", &nnsimd::set_parallel_threshold, "work"_a);
  m.def("parallel_threshold", &nnsimd::parallel_threshold);

  py::module_ bench = m.def_submodule("_bench");
  register_bench_cases(bench);
}
