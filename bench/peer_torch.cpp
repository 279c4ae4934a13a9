// Peer: PyTorch's ATen (Debian's libtorch 1.13), the ops a PyTorch user calls, on tensors that view the
// case's buffers (from_blob: no copy), under c10::InferenceMode, writing into preallocated outputs with the
// _out variants so allocation is not timed. One intra-op thread (at::set_num_threads(1)), or N in the
// _t<N> rows (ATen's intra-op pool: OpenMP in Debian's build; every op here is parallel above its grain).
//   dense, dense_relu:          addmm_out(y, b, x, w) (torch.nn.functional.linear's CPU path), then relu_
//   relu:                       clamp_min_out(y, x, 0) (relu has no _out variant; the same values, NaN kept)
//   clip:                       clamp_out(y, x, lo, hi)
//   softmax:                    _softmax_out(y, x, 1) (what softmax(dim=1) calls)
//   softmax_cross_entropy:      _log_softmax_out + nll_loss_out, reduction none (what cross_entropy calls)
//   categorical_cross_entropy:  the book's clipped loss with torch ops, as notebook 001 writes it: clamp the
//                               probabilities, pick each row's label (gather), -log; one-hot: clamp, log,
//                               multiply by the targets, sum over the row, negate
//   argmax, accuracy:           argmax_out over the row (int64, then narrowed), eq and sum for the count
// Labels become an int64 tensor at setup (ATen's targets are int64), outside the timed call.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/Reduction.h>
#include <ATen/Version.h>
#include <c10/core/InferenceMode.h>

#include <link.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "peer.hpp"

namespace nnsimd::bench {
namespace {

template <class T>
constexpr at::ScalarType scalar() {
  return sizeof(T) == 4 ? at::kFloat : at::kDouble;
}

template <class T>
at::Tensor view(const T* p, std::size_t rows, std::size_t cols) {
  return at::from_blob(const_cast<T*>(p), {static_cast<int64_t>(rows), static_cast<int64_t>(cols)},
                       at::TensorOptions().dtype(scalar<T>()));
}

constexpr int64_t row_dim[] = {1};

template <class T>
struct state {
  io<T> a;
  at::Tensor x, w, b, y, p, t, losses, losses_col, labels, idx64, idx32, tmp, picked, hits;

  explicit state(const io<T>& in) : a(in) {
    c10::InferenceMode guard;
    const std::size_t r = a.rows, c = a.cols;
    const auto opt = at::TensorOptions().dtype(scalar<T>());
    switch (a.k) {
      case kernel::dense_forward:
      case kernel::dense_relu:
        x = view(a.x, r, a.n_in);
        w = view(a.w, a.n_in, c);
        b = view(a.b, 1, c).reshape({static_cast<int64_t>(c)});
        y = view<T>(a.y, r, c);
        break;
      case kernel::relu:
      case kernel::clip:
      case kernel::softmax:
        x = view(a.x, r, c);
        y = view<T>(a.y, r, c);
        break;
      case kernel::softmax_cross_entropy:
        x = view(a.x, r, c);
        tmp = at::empty({static_cast<int64_t>(r), static_cast<int64_t>(c)}, opt);
        break;
      case kernel::categorical_cross_entropy:
      case kernel::categorical_cross_entropy_onehot:
        p = view(a.p, r, c);
        if (a.t) t = view(a.t, r, c);
        tmp = at::empty({static_cast<int64_t>(r), static_cast<int64_t>(c)}, opt);
        picked = at::empty({static_cast<int64_t>(r), 1}, opt);
        break;
      case kernel::argmax:
      case kernel::accuracy:
        x = view(a.x, r, c);
        idx64 = at::empty({static_cast<int64_t>(r)}, at::kLong);
        hits = at::empty({static_cast<int64_t>(r)}, at::kBool);
        if (a.idx) idx32 = at::from_blob(a.idx, {static_cast<int64_t>(r)}, at::kInt);
        break;
      default: break;
    }
    if (a.losses) {
      losses = at::from_blob(a.losses, {static_cast<int64_t>(r)}, opt);
      losses_col = losses.unsqueeze(1);
    }
    if (a.labels) labels = at::from_blob(const_cast<std::int32_t*>(a.labels), {static_cast<int64_t>(r)}, at::kInt).to(at::kLong);
  }

  void run() {
    c10::InferenceMode guard;
    switch (a.k) {
      case kernel::dense_forward: at::addmm_out(y, b, x, w); break;
      case kernel::dense_relu: at::addmm_out(y, b, x, w).relu_(); break;
      case kernel::relu: at::clamp_min_out(y, x, 0); break;
      case kernel::clip: at::clamp_out(y, x, a.lo, a.hi); break;
      case kernel::softmax: at::_softmax_out(y, x, 1, false); break;
      case kernel::softmax_cross_entropy:
        at::_log_softmax_out(tmp, x, 1, false);
        at::nll_loss_out(losses, tmp, labels, {}, at::Reduction::None, -100);
        break;
      case kernel::categorical_cross_entropy:
        at::clamp_out(tmp, p, a.eps, T(1) - a.eps);
        at::gather_out(picked, tmp, 1, labels.unsqueeze(1));
        at::log_out(losses_col, picked).neg_();
        break;
      case kernel::categorical_cross_entropy_onehot:
        at::clamp_out(tmp, p, a.eps, T(1) - a.eps).log_().mul_(t);
        at::sum_out(losses, tmp, at::OptionalIntArrayRef(row_dim)).neg_();
        break;
      case kernel::argmax:
        at::argmax_out(idx64, x, 1);
        idx32.copy_(idx64);
        break;
      case kernel::accuracy:
        at::argmax_out(idx64, x, 1);
        at::eq_out(hits, idx64, labels);
        *a.count = static_cast<std::size_t>(hits.sum().template item<int64_t>());
        break;
      default: break;  // not supported (supports)
    }
  }
};

// ATen has no prepacked float dense layer outside its quantized and mkldnn paths: timed unpacked only.
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

bool parallel(kernel k) { return supports(k, false); }

template <class T>
peer_op make(const io<T>& a, int threads) {
  at::set_num_threads(threads);
  peer_op op;
  try {
    op.state = new state<T>(a);
  } catch (const std::exception& e) {
    static thread_local std::string message;
    message = e.what();
    at::set_num_threads(1);
    op.error = message.c_str();
    return op;
  }
  op.run = [](void* s) { static_cast<state<T>*>(s)->run(); };
  op.destroy = [](void* s) {
    delete static_cast<state<T>*>(s);
    at::set_num_threads(1);
  };
  return op;
}

// The vector code ATen dispatched to on this CPU (its own detection; ATEN_CPU_CAPABILITY overrides it) and
// the BLAS behind addmm, as at::show_config() reports them ("CPU capability usage: AVX2", "BLAS_INFO=open").
std::string config_value(const std::string& config, const std::string& key, const char* ends) {
  const auto i = config.find(key);
  if (i == std::string::npos) return "unknown";
  const auto from = i + key.size();
  return config.substr(from, config.find_first_of(ends, from) - from);
}

// ATen's "generic" BLAS is whatever Debian's libblas.so.3 alternative points at: the folder of the file
// the process really loaded ("openblas-pthread", "blas" for the reference BLAS, "blis-openmp", ...).
std::string loaded_blas() {
  std::string found = "libblas.so.3 not loaded";
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        const std::string name = info->dlpi_name ? info->dlpi_name : "";
        char real[PATH_MAX];
        if (name.find("/libblas.so") != std::string::npos && realpath(name.c_str(), real)) {
          const std::string path = real;
          const auto slash = path.rfind('/');
          const auto parent = path.rfind('/', slash - 1);
          *static_cast<std::string*>(data) = "libblas.so.3 from " + path.substr(parent + 1, slash - parent - 1);
        }
        return 0;
      },
      &found);
  return found;
}

const char* code() {
  static const std::string s = [] {
    const std::string config = at::show_config();
    return "ATen CPU capability " + config_value(config, "CPU capability usage: ", "\n") + ", BLAS " +
           config_value(config, "BLAS_INFO=", ", \n") + " (" + loaded_blas() + "), parallel backend " +
           config_value(at::get_parallel_info(), "ATen parallel backend: ", "\n");
  }();
  return s.c_str();
}

// Registered from this file. A multi-threaded ATen call leaves its pool's threads spinning for a while: the
// driver runs every peer's N-thread rows after all one-thread rows of a case, and destroy puts ATen back
// on one thread.
const peer_api api{"torch", "", &supports, &make<float>, &make<double>, &code, nullptr, &parallel};
const peer_registration registration(api);
}  // namespace

}  // namespace nnsimd::bench
