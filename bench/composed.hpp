// The forward pass as separate calls: what fusing is measured against. The chapter's network
// (forward_pass, forward_pass_packed) run stage by stage over the whole batch, the way the book's script
// and a user of any one library run it, each stage writing its full output to memory:
//   dense + ReLU -> h (rows x n_hid), dense -> z (rows x n_out), softmax -> p, the clipped loss, accuracy.
// Two kinds of rows:
//   <isa>_unfused[_t<N>]  nnsimd's own kernels, one call per stage (the ISA's table; packed layers packed
//                         before timing for forward_pass_packed);
//   peer_<lib>[_t<N>]     the peer's kernels for every stage it has; a stage it lacks (oneDNN and XNNPACK
//                         have no cross-entropy or accuracy, OpenBLAS only the GEMM) runs nnsimd's kernel of
//                         the best ISA, named in the row's label as filled=<stages>. A peer takes part when
//                         it has both dense stages (for forward_pass_packed: its prepacked ones); oneDNN's
//                         dense + ReLU is its inner product with a ReLU post-op, as a oneDNN user fuses it.
// Every row's losses and count are checked against the oracle like any other (spec/forward_pass.hpp).
//
// Included by main.cpp only (baseline flags).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "nnsimd/detail/kernel_table.hpp"
#include "peer.hpp"
#include "problem.hpp"

namespace nnsimd::bench {

// The forward pass's ops.
constexpr bool is_forward(kernel k) { return k == kernel::forward_pass || k == kernel::forward_pass_packed; }

// The stages of a composed pass, as ops of kernels.def.
inline std::vector<kernel> forward_stages(kernel k) {
  const bool packed = k == kernel::forward_pass_packed;
  return {packed ? kernel::dense_packed_relu : kernel::dense_relu,
          packed ? kernel::dense_packed_forward : kernel::dense_forward, kernel::softmax,
          kernel::categorical_cross_entropy, kernel::accuracy};
}

// A peer composes the pass when it has both dense stages; at N threads, when it threads them.
inline bool peer_composes(const peer_api& p, kernel k, bool f64, int threads) {
  const std::vector<kernel> s = forward_stages(k);
  for (int i = 0; i < 2; ++i) {
    if (!p.supports(s[i], f64)) return false;
    if (threads > 1 && !(p.parallel && p.parallel(s[i]))) return false;
  }
  return true;
}

template <class T>
class composed_pass {
 public:
  // The stages of `peer` where it has them (null: nnsimd's), the others from `fill` (nnsimd's table),
  // over problem pr's buffers: its losses and count receive the results. For nnsimd's own unfused
  // forward_pass_packed, pr is prepared by `fill` (its packed layers). `threads` goes to the peer's
  // stages it threads; nnsimd's stages follow set_num_threads.
  composed_pass(problem<T>& pr, const detail::kernel_table<T>& fill, const peer_api* peer, int threads) {
    const spec::args<T>& a = pr.a;
    const std::size_t rows = a.rows, n_in = a.n_in, nh = a.n_hid, no = a.cols;
    const bool packed = pr.k == kernel::forward_pass_packed;
    h_.allocate(rows * nh);
    z_.allocate(rows * no);
    p_.allocate(rows * no);
    T *h = h_.get(), *z = z_.get(), *p = p_.get();
    const std::vector<kernel> stages = forward_stages(pr.k);
    // What each stage's peer kernel receives (peer.hpp's io, contiguous buffers).
    auto io_of = [&](std::size_t s) {
      io<T> v{stages[s], rows, no, 0, nullptr, nullptr, nullptr, nullptr, nullptr, a.labels, nullptr,
              a.losses, nullptr, a.count, a.lo, a.hi, a.eps};
      switch (s) {
        case 0: v.cols = nh, v.n_in = n_in, v.x = a.x, v.w = a.w, v.b = a.b, v.y = h; break;
        case 1: v.n_in = nh, v.x = h, v.w = a.w2, v.b = a.b2, v.y = z; break;
        case 2: v.x = z, v.y = p; break;
        case 3: v.p = p; break;
        default: v.x = p; break;
      }
      return v;
    };
    const spec::args<T> c = a;  // nnsimd's packed layers (forward_pass_packed): c.packed, c.packed2
    for (std::size_t s = 0; s < stages.size(); ++s) {
      if (peer && peer->supports(stages[s], sizeof(T) == 8)) {
        const int t = threads > 1 && peer->parallel && peer->parallel(stages[s]) ? threads : 1;
        peer_op op = make(*peer, io_of(s), t);
        if (op.error) {
          error_ = std::string(op_names_of(stages[s])) + ": " + op.error;
          return;
        }
        ops_.push_back(op);
        if (s == 0 && op.impl) impl_ = op.impl;
        stages_.push_back([op] { op.run(op.state); });
        continue;
      }
      if (peer) filled_ += (filled_.empty() ? "" : "+") + std::string(op_names_of(stages[s]));
      const detail::kernel_table<T>* t = &fill;
      switch (s) {
        case 0:
          stages_.push_back(packed ? std::function<void()>([=] { t->dense_packed_relu(c.x, c.ldx, c.packed, h, nh, rows, n_in, nh); })
                                   : [=] { t->dense_relu(c.x, c.ldx, c.w, nh, c.b, h, nh, rows, n_in, nh); });
          break;
        case 1:
          stages_.push_back(packed ? std::function<void()>([=] { t->dense_packed_forward(h, nh, c.packed2, z, no, rows, nh, no); })
                                   : [=] { t->dense_forward(h, nh, c.w2, no, c.b2, z, no, rows, nh, no); });
          break;
        case 2: stages_.push_back([=] { t->softmax(z, no, p, no, rows, no); }); break;
        case 3: stages_.push_back([=] { t->categorical_cross_entropy(p, no, c.labels, c.losses, rows, no, c.eps); }); break;
        default: stages_.push_back([=] { *c.count = t->accuracy(p, no, c.labels, rows, no); }); break;
      }
    }
  }
  ~composed_pass() {
    for (peer_op& o : ops_)
      if (o.destroy) o.destroy(o.state);
  }
  composed_pass(const composed_pass&) = delete;
  composed_pass& operator=(const composed_pass&) = delete;

  void run() const {
    for (const auto& s : stages_) s();
  }
  // A peer stage's set-up failure ("" if none).
  const std::string& error() const { return error_; }
  // The stages nnsimd ran for the peer, '+'-separated ("" for nnsimd's own rows and complete peers).
  const std::string& filled() const { return filled_; }
  // What the peer chose for its dense + ReLU stage (its impl string), or "".
  const std::string& impl() const { return impl_; }

 private:
  static const char* op_names_of(kernel k) { return spec::op_names[static_cast<int>(k)]; }
  static peer_op make(const peer_api& p, const io<T>& v, int threads) {
    if constexpr (sizeof(T) == 4)
      return p.make_f32(v, threads);
    else
      return p.make_f64(v, threads);
  }

  spec::buffer<T> h_, z_, p_;
  std::vector<peer_op> ops_;
  std::vector<std::function<void()>> stages_;
  std::string error_, filled_, impl_;
};

}  // namespace nnsimd::bench
