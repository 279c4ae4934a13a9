// Peer: oneDNN 2.6 (Debian's libdnnl, GCC OpenMP runtime; one thread via omp_set_num_threads(1) in
// main.cpp, N in the _t<N> rows). float only: its CPU primitives have no f64.
//   dense_forward / dense_relu: inner product (forward_inference), weights in the layout oneDNN picks
//     (format any), reordered from the book's n_in x n_out once at setup as an inference user does
//     (XNNPACK packs its weights at setup too); dense_relu as an eltwise_relu post-op
//   relu / clip: eltwise_relu (alpha 0) and eltwise_clip (alpha lo, beta hi) over the flat array
//   softmax: softmax_forward along axis 1
//   softmax_cross_entropy: logsoftmax_forward along axis 1 into a scratch matrix, then -row[label]
#include <dnnl.hpp>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <string>
#include <unordered_map>

#include "peer.hpp"

namespace nnsimd::bench {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

struct state {
  io<float> a;
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  dnnl::primitive prim;
  std::unordered_map<int, dnnl::memory> args;
  dnnl::memory scratch;  // logsoftmax output
  std::string impl;      // the primitive descriptor's impl_info_str()

  void run() {
    prim.execute(strm, args);
    strm.wait();
    if (a.k == kernel::softmax_cross_entropy) {
      const float* ls = static_cast<const float*>(scratch.get_data_handle());
      for (std::size_t i = 0; i < a.rows; ++i) a.losses[i] = -ls[i * a.cols + a.labels[i]];
    }
  }
};

dnnl::memory user(const dnnl::memory::desc& md, const dnnl::engine& eng, const float* p) {
  return dnnl::memory(md, eng, const_cast<float*>(p));
}

void setup(state& s) {
  const io<float>& a = s.a;
  const auto M = static_cast<dnnl::memory::dim>(a.rows), N = static_cast<dnnl::memory::dim>(a.cols),
             K = static_cast<dnnl::memory::dim>(a.n_in);
  const auto fwd = dnnl::prop_kind::forward_inference;
  switch (a.k) {
    case kernel::dense_forward:
    case kernel::dense_relu:
    case kernel::dense_packed_forward:
    case kernel::dense_packed_relu: {
      const dnnl::memory::desc src({M, K}, dt::f32, tag::ab), wany({N, K}, dt::f32, tag::any),
          bias({N}, dt::f32, tag::a), dst({M, N}, dt::f32, tag::ab);
      dnnl::primitive_attr attr;
      if (a.k == kernel::dense_relu || a.k == kernel::dense_packed_relu) {
        dnnl::post_ops po;
        po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
        attr.set_post_ops(po);
      }
      const dnnl::inner_product_forward::primitive_desc pd({fwd, src, wany, bias, dst}, attr, s.eng);
      // The book's w is n_in x n_out row-major: as oneDNN's {OC, IC} weights that is format "ba".
      dnnl::memory wuser = user(dnnl::memory::desc({N, K}, dt::f32, tag::ba), s.eng, a.w);
      dnnl::memory wpacked(pd.weights_desc(), s.eng);
      dnnl::reorder(wuser, wpacked).execute(s.strm, wuser, wpacked);
      s.strm.wait();
      s.prim = dnnl::inner_product_forward(pd);
      s.impl = pd.impl_info_str();
      s.args = {{DNNL_ARG_SRC, user(src, s.eng, a.x)},
                {DNNL_ARG_WEIGHTS, wpacked},
                {DNNL_ARG_BIAS, user(bias, s.eng, a.b)},
                {DNNL_ARG_DST, user(dst, s.eng, a.y)}};
      break;
    }
    case kernel::relu:
    case kernel::clip: {
      const dnnl::memory::desc md({M * N}, dt::f32, tag::a);
      const bool relu = a.k == kernel::relu;
      const dnnl::eltwise_forward::primitive_desc pd(
          {fwd, relu ? dnnl::algorithm::eltwise_relu : dnnl::algorithm::eltwise_clip, md, relu ? 0.f : a.lo,
           relu ? 0.f : a.hi},
          s.eng);
      s.prim = dnnl::eltwise_forward(pd);
      s.impl = pd.impl_info_str();
      s.args = {{DNNL_ARG_SRC, user(md, s.eng, a.x)}, {DNNL_ARG_DST, user(md, s.eng, a.y)}};
      break;
    }
    case kernel::softmax: {
      const dnnl::memory::desc md({M, N}, dt::f32, tag::ab);
      const dnnl::softmax_forward::primitive_desc pd({fwd, md, 1}, s.eng);
      s.prim = dnnl::softmax_forward(pd);
      s.impl = pd.impl_info_str();
      s.args = {{DNNL_ARG_SRC, user(md, s.eng, a.x)}, {DNNL_ARG_DST, user(md, s.eng, a.y)}};
      break;
    }
    case kernel::softmax_cross_entropy: {
      const dnnl::memory::desc md({M, N}, dt::f32, tag::ab);
      const dnnl::logsoftmax_forward::primitive_desc pd({fwd, md, 1}, s.eng);
      s.prim = dnnl::logsoftmax_forward(pd);
      s.impl = pd.impl_info_str();
      s.scratch = dnnl::memory(md, s.eng);
      s.args = {{DNNL_ARG_SRC, user(md, s.eng, a.x)}, {DNNL_ARG_DST, s.scratch}};
      break;
    }
    default: break;
  }
}

bool supports(kernel k, bool f64) {
  if (f64) return false;
  switch (k) {
    case kernel::dense_forward:
    case kernel::dense_relu:
    case kernel::dense_packed_forward:
    case kernel::dense_packed_relu:
    case kernel::relu:
    case kernel::clip:
    case kernel::softmax:
    case kernel::softmax_cross_entropy: return true;
    default: return false;
  }
}

// Every oneDNN primitive here splits its work over OpenMP threads.
bool parallel(kernel k) { return supports(k, false); }

void set_omp_threads([[maybe_unused]] int threads) {
#if defined(_OPENMP)
  omp_set_num_threads(threads);
#endif
}

peer_op make_f32(const io<float>& a, int threads) {
  // oneDNN's OpenMP runtime is the process's (libgomp): its primitives use omp_get_max_threads() threads.
  set_omp_threads(threads);
  peer_op op;
  auto* s = new state;
  s->a = a;
  try {
    setup(*s);
  } catch (const dnnl::error& e) {
    static thread_local std::string msg;
    msg = std::string("oneDNN setup failed: ") + e.what();
    delete s;
    set_omp_threads(1);
    op.error = msg.c_str();
    return op;
  }
  op.state = s;
  op.impl = s->impl.c_str();
  op.run = [](void* p) { static_cast<state*>(p)->run(); };
  op.destroy = [](void* p) {
    delete static_cast<state*>(p);
    set_omp_threads(1);
  };
  return op;
}

peer_op make_f64(const io<double>&, int) { return {}; }

const char* code() {
  static const std::string s = [] {
    const char* isa = "unknown";
    switch (dnnl::get_effective_cpu_isa()) {
      case dnnl::cpu_isa::sse41: isa = "sse41"; break;
      case dnnl::cpu_isa::avx: isa = "avx"; break;
      case dnnl::cpu_isa::avx2: isa = "avx2"; break;
      case dnnl::cpu_isa::avx2_vnni: isa = "avx2_vnni"; break;
      case dnnl::cpu_isa::avx512_core: isa = "avx512_core"; break;
      case dnnl::cpu_isa::avx512_core_vnni: isa = "avx512_core_vnni"; break;
      case dnnl::cpu_isa::avx512_core_bf16: isa = "avx512_core_bf16"; break;
      case dnnl::cpu_isa::avx512_core_amx: isa = "avx512_core_amx"; break;
      default: break;
    }
    const dnnl_version_t* v = dnnl_version();
    return std::string("effective ISA ") + isa + " (dnnl::get_effective_cpu_isa), oneDNN " + std::to_string(v->major) +
           "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  }();
  return s.c_str();
}

// Registered from this file: the driver runs every peer linked in (peer.hpp, peer_registration).
const peer_api api{"onednn", "", &supports, &make_f32, &make_f64, &code, nullptr, &parallel};
const peer_registration registration(api);
}  // namespace

}  // namespace nnsimd::bench
