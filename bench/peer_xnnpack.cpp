// Peer: XNNPACK (Debian's 2022-02 snapshot), operator API, float only. One thread (no thread pool), or N
// in the _t<N> rows: a pthreadpool of N threads, created at setup, given to setup and run.
//   dense_forward / dense_relu: fully_connected_nc_f32 with XNN_FLAG_TRANSPOSE_WEIGHTS (the book's
//     n_in x n_out layout), output clamp [-inf, inf] or [0, inf]; weights packed at creation (so the
//     same op serves dense_packed_forward / dense_packed_relu)
//   relu / clip: clamp_nc_f32 with [0, inf] or [lo, hi]
//   softmax: softmax_nc_f32
#include <pthreadpool.h>
#include <xnnpack.h>

#include <limits>

#include "peer.hpp"

namespace nnsimd::bench {
namespace {

struct state {
  xnn_operator_t op = nullptr;
  pthreadpool_t pool = nullptr;  // nullptr: the caller's thread
  ~state() {
    if (op) xnn_delete_operator(op);
    if (pool) pthreadpool_destroy(pool);
  }
};

bool supports(kernel k, bool f64) {
  if (f64) return false;
  switch (k) {
    case kernel::dense_forward:
    case kernel::dense_relu:
    case kernel::dense_packed_forward:
    case kernel::dense_packed_relu:
    case kernel::relu:
    case kernel::clip:
    case kernel::softmax: return true;
    default: return false;
  }
}

// Every operator here splits its rows over the pool.
bool parallel(kernel k) { return supports(k, false); }

peer_op make_f32(const io<float>& a, int threads) {
  peer_op op;
  static const xnn_status init = xnn_initialize(nullptr);
  if (init != xnn_status_success) {
    op.error = "xnn_initialize failed";
    return op;
  }
  auto* s = new state;
  if (threads > 1 && !(s->pool = pthreadpool_create(static_cast<std::size_t>(threads)))) {
    delete s;
    op.error = "pthreadpool_create failed";
    return op;
  }
  const float inf = std::numeric_limits<float>::infinity();
  xnn_status st = xnn_status_success;
  switch (a.k) {
    case kernel::dense_forward:
    case kernel::dense_relu:
    case kernel::dense_packed_forward:
    case kernel::dense_packed_relu:
      st = xnn_create_fully_connected_nc_f32(a.n_in, a.cols, a.n_in, a.cols, a.w, a.b,
                                             a.k == kernel::dense_relu || a.k == kernel::dense_packed_relu ? 0.f : -inf, inf,
                                             XNN_FLAG_TRANSPOSE_WEIGHTS, &s->op);
      if (st == xnn_status_success) st = xnn_setup_fully_connected_nc_f32(s->op, a.rows, a.x, a.y, s->pool);
      break;
    case kernel::relu:
    case kernel::clip: {
      const bool relu = a.k == kernel::relu;
      st = xnn_create_clamp_nc_f32(a.cols, a.cols, a.cols, relu ? 0.f : a.lo, relu ? inf : a.hi, 0, &s->op);
      if (st == xnn_status_success) st = xnn_setup_clamp_nc_f32(s->op, a.rows, a.x, a.y, s->pool);
      break;
    }
    case kernel::softmax:
      st = xnn_create_softmax_nc_f32(a.cols, a.cols, a.cols, 0, &s->op);
      if (st == xnn_status_success) st = xnn_setup_softmax_nc_f32(s->op, a.rows, a.x, a.y, s->pool);
      break;
    default: break;
  }
  if (st != xnn_status_success || !s->op) {
    delete s;
    op.error = "XNNPACK operator creation or setup failed";
    return op;
  }
  op.state = s;
  op.run = [](void* p) {
    const auto* self = static_cast<const state*>(p);
    xnn_run_operator(self->op, self->pool);
  };
  op.destroy = [](void* p) { delete static_cast<state*>(p); };
  return op;
}

peer_op make_f64(const io<double>&, int) { return {}; }

// XNNPACK picks its microkernels from cpuinfo's flags at xnn_initialize and offers no query: inferred
// from the same flags, as its 2022 configs do for f32 (AVX-512F, else AVX2+FMA3 (FMA3 alone for GEMM),
// else AVX, else SSE2).
const char* code() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return "inferred: AVX-512F microkernels (XNNPACK has no query)";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return "inferred: AVX2/FMA3 microkernels (XNNPACK has no query)";
  if (__builtin_cpu_supports("avx")) return "inferred: AVX microkernels (XNNPACK has no query)";
  return "inferred: SSE2 microkernels (XNNPACK has no query)";
}

// Registered from this file: the driver runs every peer linked in (peer.hpp, peer_registration).
const peer_api api{"xnnpack", "", &supports, &make_f32, &make_f64, &code, nullptr, &parallel};
const peer_registration registration(api);
}  // namespace

}  // namespace nnsimd::bench
