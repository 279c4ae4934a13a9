// Peer: OpenBLAS cblas_sgemm / cblas_dgemm, for dense only: y rows are first set to the bias, then
// y = 1 * x w + 1 * y (the usual GEMM-with-bias idiom); dense_relu adds a plain loop for the max.
// Forced to one thread (openblas_set_num_threads(1)): OpenBLAS's pthreads busy-spin for about 100 ms
// after a multi-threaded call and would steal the second core from the benchmarks that follow.
#include <cblas.h>

#include <cstring>

#include "peer.hpp"

namespace nnsimd::bench {
namespace {

template <class T>
void gemm(const io<T>& a) {
  for (std::size_t i = 0; i < a.rows; ++i) std::memcpy(a.y + i * a.cols, a.b, a.cols * sizeof(T));
  const auto m = static_cast<blasint>(a.rows), n = static_cast<blasint>(a.cols), k = static_cast<blasint>(a.n_in);
  if constexpr (sizeof(T) == 4)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.x, k, a.w, n, 1.0f, a.y, n);
  else
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, a.x, k, a.w, n, 1.0, a.y, n);
  if (a.k == kernel::dense_relu)
    for (std::size_t i = 0; i < a.rows * a.cols; ++i) a.y[i] = a.y[i] < T(0) ? T(0) : a.y[i];
}

// No prepacked weights in the CBLAS interface: timed as dense_forward / dense_relu only.
bool supports(kernel k, bool) { return k == kernel::dense_forward || k == kernel::dense_relu; }

template <class T>
peer_op make(const io<T>& a) {
  openblas_set_num_threads(1);
  peer_op op;
  op.state = new io<T>(a);
  op.run = [](void* p) { gemm(*static_cast<io<T>*>(p)); };
  op.destroy = [](void* p) { delete static_cast<io<T>*>(p); };
  return op;
}

}  // namespace

const peer_api& peer_openblas() {
  static const peer_api api{"openblas", "", &supports, &make<float>, &make<double>};
  return api;
}

}  // namespace nnsimd::bench
