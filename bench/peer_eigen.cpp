// Peer: Eigen 3.4, written as a user would, with Eigen's vectorized expressions (compiled with the
// widest nnsimd ISA's flags: Eigen picks its packets at compile time). One thread (setNbThreads(1)), or
// N in the _t<N> rows, where Eigen's GEMM splits its work over OpenMP threads (its other expressions run on
// one thread: no N-thread rows).
//   dense: Y = X W (Eigen's GEMM) then Y.rowwise() += b (and .cwiseMax(0) for dense_relu)
//   relu / clip: cwiseMax / cwiseMin over the flat array
//   softmax, softmax_cross_entropy: row by row, (row - max).exp() and its sum
//   categorical_cross_entropy: gather the picked probabilities, then clip and log as one array expression
//   categorical_cross_entropy_onehot: -log(rowwise sum(clip(P) * T)); argmax / accuracy: maxCoeff(&index) per row
#include <Eigen/Core>
#include <string>

#include "peer.hpp"

namespace nnsimd::bench {
namespace {

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using CMap = Eigen::Map<const Mat<T>, Eigen::Aligned64>;
template <class T>
using MMap = Eigen::Map<Mat<T>, Eigen::Aligned64>;
template <class T>
using CVec = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>, Eigen::Aligned64>;
template <class T>
using MVec = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>, Eigen::Aligned64>;

template <class T>
struct state {
  io<T> a;
  Eigen::Array<T, Eigen::Dynamic, 1> picked;

  void run() {
    const auto r = static_cast<Eigen::Index>(a.rows), c = static_cast<Eigen::Index>(a.cols),
               n = static_cast<Eigen::Index>(a.n_in);
    switch (a.k) {
      case kernel::dense_forward:
      case kernel::dense_relu: {
        MMap<T> y(a.y, r, c);
        y.noalias() = CMap<T>(a.x, r, n) * CMap<T>(a.w, n, c);
        const Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> b(a.b, c);
        if (a.k == kernel::dense_relu)
          y = (y.rowwise() + b).cwiseMax(T(0));
        else
          y.rowwise() += b;
        break;
      }
      case kernel::relu: MVec<T>(a.y, r * c) = CVec<T>(a.x, r * c).max(T(0)); break;
      case kernel::clip: MVec<T>(a.y, r * c) = CVec<T>(a.x, r * c).max(a.lo).min(a.hi); break;
      case kernel::softmax: {
        const CMap<T> x(a.x, r, c);
        MMap<T> y(a.y, r, c);
        for (Eigen::Index i = 0; i < r; ++i) {
          const T m = x.row(i).maxCoeff();
          y.row(i) = (x.row(i).array() - m).exp().matrix();
          y.row(i) /= y.row(i).sum();
        }
        break;
      }
      case kernel::softmax_cross_entropy: {
        const CMap<T> x(a.x, r, c);
        for (Eigen::Index i = 0; i < r; ++i) {
          const T m = x.row(i).maxCoeff();
          const T s = (x.row(i).array() - m).exp().sum();
          a.losses[i] = (m + std::log(s)) - x(i, a.labels[i]);
        }
        break;
      }
      case kernel::categorical_cross_entropy:
        for (Eigen::Index i = 0; i < r; ++i) picked[i] = a.p[i * c + a.labels[i]];
        MVec<T>(a.losses, r) = -picked.max(a.eps).min(T(1) - a.eps).log();
        break;
      case kernel::categorical_cross_entropy_onehot:
        MVec<T>(a.losses, r) =
            -(CMap<T>(a.p, r, c).array().max(a.eps).min(T(1) - a.eps) * CMap<T>(a.t, r, c).array())
                 .rowwise()
                 .sum()
                 .log();
        break;
      case kernel::argmax: {
        const CMap<T> x(a.x, r, c);
        for (Eigen::Index i = 0; i < r; ++i) {
          Eigen::Index j;
          x.row(i).maxCoeff(&j);
          a.idx[i] = static_cast<std::int32_t>(j);
        }
        break;
      }
      case kernel::accuracy: {
        const CMap<T> x(a.x, r, c);
        std::size_t hits = 0;
        for (Eigen::Index i = 0; i < r; ++i) {
          Eigen::Index j;
          x.row(i).maxCoeff(&j);
          hits += j == a.labels[i];
        }
        *a.count = hits;
        break;
      }
      default: break;  // not supported (supports)
    }
  }
};

// Eigen has no prepacked weights: its dense is timed as dense_forward / dense_relu only.
bool supports(kernel k, bool) {
  switch (k) {
    case kernel::dense_forward:
    case kernel::dense_relu:
    case kernel::relu:
    case kernel::clip:
    case kernel::softmax:
    case kernel::softmax_cross_entropy:
    case kernel::categorical_cross_entropy:
    case kernel::categorical_cross_entropy_onehot:
    case kernel::argmax:
    case kernel::accuracy: return true;
    default: return false;
  }
}

bool parallel(kernel k) { return k == kernel::dense_forward || k == kernel::dense_relu; }

template <class T>
peer_op make(const io<T>& a, int threads) {
  Eigen::setNbThreads(threads);
  auto* s = new state<T>{a, {}};
  if (a.k == kernel::categorical_cross_entropy) s->picked.resize(static_cast<Eigen::Index>(a.rows));
  peer_op op;
  op.state = s;
  op.run = [](void* p) { static_cast<state<T>*>(p)->run(); };
  op.destroy = [](void* p) {
    delete static_cast<state<T>*>(p);
    Eigen::setNbThreads(1);
  };
  return op;
}

// Eigen vectorizes for the flags it was compiled with (the widest ISA of the build), nothing else.
const char* code() {
  static const std::string s = std::string("compiled SIMD: ") + Eigen::SimdInstructionSetsInUse() +
                               " (built for nnsimd's " NNSIMD_BENCH_EIGEN_ISA " flags)";
  return s.c_str();
}

// Registered from this file: the driver runs every peer linked in (peer.hpp, peer_registration).
const peer_api api{"eigen", NNSIMD_BENCH_EIGEN_ISA, &supports, &make<float>, &make<double>, &code, nullptr, &parallel};
const peer_registration registration(api);
}  // namespace

}  // namespace nnsimd::bench
