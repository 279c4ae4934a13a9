// Every op's specification, and the one place that maps an op of kernels.def to it: with_spec. An op of
// kernels.def without a specification in src/spec/<op>.hpp does not compile (the switch below names
// spec::<op><T> for every line of kernels.def).
#pragma once

#include "spec/accuracy.hpp"
#include "spec/argmax.hpp"
#include "spec/categorical_cross_entropy.hpp"
#include "spec/clip.hpp"
#include "spec/dense.hpp"
#include "spec/forward_pass.hpp"
#include "spec/relu.hpp"
#include "spec/softmax.hpp"
#include "spec/softmax_cross_entropy.hpp"
#include "spec/spec.hpp"
#include "spec/sum.hpp"

namespace nnsimd::spec {

// An op that is called and checked on its own; the packed layer's set-up (dense_packed_size,
// dense_pack) is not: dense_packed_forward / dense_packed_relu call it.
template <class S>
concept callable = !requires { S::setup; };

// f.template operator()<spec::<o><T>>(): the specification of op o for element type T.
template <class T, class F>
decltype(auto) with_spec(op o, F&& f) {
  switch (o) {
#define NNSIMD_KERNEL(name, ret, params) \
  case op::name:                         \
    return f.template operator()<name<T>>();
#include "nnsimd/detail/kernels.def"
#undef NNSIMD_KERNEL
  }
  return f.template operator()<sum<T>>();  // not reached: every op has a case
}

// Op o's standard set (its spec's shapes and seeded inputs with the adversarial values) through table t,
// every output visited against the oracle within budget b: visit(shape, args, element) returns false to
// stop. What `nnsimd accuracy` measures and the tests' StandardSet_<op> assert.
template <class T, class V>
void check_standard_set(op o, const detail::kernel_table<T>& t, const budget& b, V&& visit) {
  std::mt19937_64 g(20240605);  // the same inputs for every ISA and run
  with_spec<T>(o, [&]<class S>() {
    if constexpr (callable<S>) {
      for (const shape& sh : S::shapes()) {
        data<T> d;
        d.rows = sh.rows, d.cols = sh.cols, d.n_in = sh.n_in, d.n_hid = sh.n_hid;
        S::standard(d, g, sh.specials);
        S::prepare(t, d);
        const args<T> a = d.view();
        S::call(t, a);
        if (!S::check(a, b, sample{}, [&](const element& e) { return visit(sh, a, e); })) return;
      }
    }
  });
}

}  // namespace nnsimd::spec
