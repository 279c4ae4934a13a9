// isa::scalar: the reference loops of reference.hpp, compiled with the vectorizers off
// (-fno-tree-vectorize -fno-tree-slp-vectorize, set in CMakeLists.txt) and baseline flags.
#include "reference/reference.hpp"

#include "fpenv.hpp"
#include "nnsimd/detail/kernel_table.hpp"

namespace nnsimd::detail {
namespace {
struct novec {};

// The reference runs on the calling thread only; like the kernels (parallel_rows), it computes with
// flush-to-zero and denormals-are-zero cleared, whatever the caller left set.
template <auto F>
struct fp_guarded;
template <class R, class... A, R (*F)(A...)>
struct fp_guarded<F> {
  static R call(A... a) {
    const fp_scope fp;
    return F(a...);
  }
};

template <class T>
constexpr kernel_table<T> make_table() {
  kernel_table<T> t;
#define NNSIMD_KERNEL(name, ret, params) t.name = &fp_guarded<&reference::name<novec, T>>::call;
#include "nnsimd/detail/kernels.def"
#undef NNSIMD_KERNEL
  return t;
}
}  // namespace

template <>
const kernel_table<float>& isa_table<isa::scalar, float>() {
  static constexpr kernel_table<float> t = make_table<float>();
  return t;
}

template <>
const kernel_table<double>& isa_table<isa::scalar, double>() {
  static constexpr kernel_table<double> t = make_table<double>();
  return t;
}

}  // namespace nnsimd::detail
