// nnsimd._bench: the benchmark driver's cases for Python (bench/peer_numpy.py), from their one home,
// bench/problem.hpp. A case is what nnsimd_bench times under one name: an op of kernels.def, a dtype and
// a named shape of the op's spec (bench_shapes()), with the same seeded inputs, the same work counters
// and the same check against the long-double oracle. Python sees the case's buffers as NumPy views (no
// copies; each view keeps its case alive), so NumPy, PyTorch and the module's own functions are timed
// on the arrays the C++ rows were timed on and checked by the same code.
//
// The packed layer's ops are not listed: NumPy has no packed layer (and sum, which has no bench shapes,
// is the library's internal mean helper, as in the driver).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "nnsimd/nnsimd.hpp"
#include "problem.hpp"

namespace py = pybind11;

namespace {

using nnsimd::bench::op_info;
using nnsimd::bench::problem;
using nnsimd::bench::shape;
using nnsimd::spec::op;

template <class T>
constexpr const char* dtype_name() {
  return sizeof(T) == 4 ? "f32" : "f64";
}

// "<set>:<dims>", the last part of the driver's names.
std::string shape_name(const shape& s) { return std::string(s.set) + ":" + nnsimd::spec::dims_of(s); }

// The ops the driver times with these shapes, skipping what has no NumPy counterpart.
template <class T>
bool listed(op k, op_info& info) {
  info = nnsimd::bench::info_of<T>(k);
  return !info.shapes.empty() && !info.packed;
}

struct case_id {
  std::string op, dtype, shape;
};

std::vector<case_id> cases() {
  std::vector<case_id> v;
  auto add = [&]<class T>() {
    for (int ki = 0; ki < nnsimd::spec::op_count; ++ki) {
      op_info info;
      if (!listed<T>(static_cast<op>(ki), info)) continue;
      for (const shape& s : info.shapes) v.push_back({nnsimd::spec::op_names[ki], dtype_name<T>(), shape_name(s)});
    }
  };
  add.operator()<float>();
  add.operator()<double>();
  return v;
}

// One live case: its problem (owning every buffer) and where its buffers are.
class bench_case {
  // The helpers first: the members below deduce their return types through visit().
  using variant = std::variant<std::unique_ptr<problem<float>>, std::unique_ptr<problem<double>>>;

  template <class T>
  static variant make(op k, const std::string& shape_str) {
    for (const shape& s : nnsimd::bench::info_of<T>(k).shapes)
      if (shape_name(s) == shape_str) {
        if (nnsimd::bench::info_of<T>(k).packed)
          throw py::value_error(std::string(nnsimd::spec::op_names[static_cast<int>(k)]) + ": packed-layer op, not listed");
        return std::make_unique<problem<T>>(k, s);
      }
    throw py::value_error("shape: '" + shape_str + "' is not a bench shape of " +
                          nnsimd::spec::op_names[static_cast<int>(k)]);
  }

  template <class F>
  auto visit(F&& f) const {
    return std::visit([&](const auto& p) { return f(*p); }, p_);
  }

  // A view of an allocated buffer under `name`; unallocated buffers are left out.
  template <class B>
  static void put(py::dict& d, const char* name, const B& buf, std::vector<std::size_t> dims, py::object self,
                  bool writable) {
    if (!buf.get()) return;
    using E = std::remove_cvref_t<decltype(*buf.get())>;
    std::vector<py::ssize_t> shp, str;
    py::ssize_t stride = sizeof(E);
    for (auto it = dims.rbegin(); it != dims.rend(); ++it) {
      str.insert(str.begin(), stride);
      stride *= static_cast<py::ssize_t>(*it);
    }
    for (std::size_t n : dims) shp.push_back(static_cast<py::ssize_t>(n));
    py::array a(py::dtype::of<E>(), shp, str, buf.get(), self);
    if (!writable) a.attr("flags").attr("writeable") = false;
    d[name] = a;
  }


 public:
  std::string op_, dtype_, shape_;

  bench_case(const std::string& op_name, const std::string& dtype, const std::string& shape_str) {
    int ki = 0;
    while (ki < nnsimd::spec::op_count && op_name != nnsimd::spec::op_names[ki]) ++ki;
    if (ki == nnsimd::spec::op_count) throw py::value_error("op: '" + op_name + "' is not an op of kernels.def");
    const op k = static_cast<op>(ki);
    if (dtype == "f32")
      p_ = make<float>(k, shape_str);
    else if (dtype == "f64")
      p_ = make<double>(k, shape_str);
    else
      throw py::value_error("dtype: '" + dtype + "', expected 'f32' or 'f64'");
    op_ = op_name, dtype_ = dtype, shape_ = shape_str;
  }

  std::string name(const std::string& impl) const { return op_ + "/" + dtype_ + "/" + impl + "/" + shape_; }

  // Inputs, read-only views: x, w, b (shaped (1, n) as the book's biases), the forward pass's second
  // layer w2, b2, p, t, labels (int32). The forward pass's first layer is n_in x n_hid; dense's n_in x cols.
  py::dict inputs(py::object self) const {
    return visit([&](auto& pr) {
      py::dict d;
      const auto& b = pr.d;
      const std::size_t r = b.rows, c = b.cols, n1 = b.n_hid ? b.n_hid : c;
      put(d, "x", b.x, {r, b.n_in ? b.n_in : c}, self, false);
      put(d, "w", b.w, {b.n_in, n1}, self, false);
      put(d, "b", b.b, {std::size_t{1}, n1}, self, false);
      put(d, "w2", b.w2, {b.n_hid, c}, self, false);
      put(d, "b2", b.b2, {std::size_t{1}, c}, self, false);
      put(d, "p", b.p, {r, c}, self, false);
      put(d, "t", b.t, {r, c}, self, false);
      put(d, "labels", b.labels, {r}, self, false);
      return d;
    });
  }

  // Outputs, writable views: y (rows x cols), losses (rows, per sample), idx (rows, int32), count (one
  // uint64: the number of correct rows, of accuracy and of the forward pass). What check() reads.
  py::dict outputs(py::object self) const {
    return visit([&](auto& pr) {
      py::dict d;
      auto& b = pr.d;
      put(d, "y", b.y, {b.rows, b.cols}, self, true);
      put(d, "losses", b.losses, {b.rows}, self, true);
      put(d, "idx", b.idx, {b.rows}, self, true);
      if (pr.k == op::accuracy || pr.k == op::forward_pass)
        d["count"] = py::array_t<std::uint64_t>({py::ssize_t{1}}, {py::ssize_t{sizeof(std::size_t)}},
                                                reinterpret_cast<std::uint64_t*>(&b.count), self);
      return d;
    });
  }

  // The outputs against the oracle (problem<T>::check): "" or the first disagreement.
  std::string check() const {
    return visit([](auto& pr) { return pr.check(); });
  }
  // Fills the outputs with a pattern no implementation writes (as the driver does before its check).
  void clear_outputs() {
    visit([](auto& pr) { pr.clear_outputs(); });
  }
  // One call of nnsimd's kernel for the active ISA into the outputs (what the driver's <isa> row runs).
  void run_nnsimd() {
    visit([](auto& pr) {
      using T = std::remove_cvref_t<decltype(*pr.a.y)>;
      pr.call(nnsimd::detail::table<T>(nnsimd::active_isa()));
    });
  }

  py::dict counters() const {
    return visit([](auto& pr) {
      py::dict d;
      d["flops"] = pr.flops();
      d["bytes"] = pr.bytes();
      d["elements"] = pr.elements();
      d["ws_bytes"] = pr.ws_bytes();
      return d;
    });
  }
  std::string roof() const {
    return visit([](auto& pr) { return std::string(pr.roof); });
  }
  py::tuple bounds() const {  // lo, hi, eps as the case's dtype rounds them
    return visit([](auto& pr) { return py::make_tuple(double(pr.d.lo), double(pr.d.hi), double(pr.d.eps)); });
  }


 private:
  variant p_;
};

}  // namespace

void register_bench_cases(py::module_& m) {
  using namespace py::literals;
  m.doc() =
      "The benchmark driver's cases (bench/problem.hpp): seeded inputs, work counters and the oracle check, "
      "for timing NumPy and others from Python on the arrays nnsimd_bench times. Private: for bench/peer_numpy.py "
      "and the tests.";
  m.def("cases", [] {
    py::list l;
    for (const case_id& c : cases()) l.append(py::make_tuple(c.op, c.dtype, c.shape));
    return l;
  }, "every (op, dtype, '<set>:<dims>') the driver times, in its order (packed-layer ops left out)");
  py::class_<bench_case>(m, "Case", "one case: its buffers as NumPy views (which keep it alive), counters, check")
      .def(py::init<const std::string&, const std::string&, const std::string&>(), "op"_a, "dtype"_a, "shape"_a)
      .def_readonly("op", &bench_case::op_)
      .def_readonly("dtype", &bench_case::dtype_)
      .def_readonly("shape", &bench_case::shape_)
      .def("name", &bench_case::name, "impl"_a, "the driver's row name: <op>/<dtype>/<impl>/<set>:<dims>")
      .def_property_readonly("inputs", [](py::object self) { return self.cast<const bench_case&>().inputs(self); })
      .def_property_readonly("outputs", [](py::object self) { return self.cast<const bench_case&>().outputs(self); })
      .def_property_readonly("counters", &bench_case::counters,
                             "flops, bytes, elements per call; ws_bytes: the working set (not a rate)")
      .def_property_readonly("roof", &bench_case::roof, "the label the results tools pick the roofline by")
      .def_property_readonly("bounds", &bench_case::bounds, "(lo, hi, eps) in the case's dtype")
      .def("check", &bench_case::check, "the outputs against the oracle: '' or the first disagreement")
      .def("clear_outputs", &bench_case::clear_outputs)
      .def("run_nnsimd", &bench_case::run_nnsimd, "one call of nnsimd's kernel (active ISA) into the outputs");
}
