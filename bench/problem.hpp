// One benchmark case: an op, an element type and a named shape. Everything about the op comes from its
// specification (src/spec/<op>.hpp): the inputs, the call, the work counted (flops, bytes, elements),
// the ceiling that binds, and the check every implementation and peer passes once before it is timed.
//
// Included by main.cpp only (baseline flags).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

#include "peer.hpp"
#include "spec/all.hpp"
#include "spec/shapes.hpp"

namespace nnsimd::bench {

using shape = spec::named_shape;

// What the benchmark driver reads from a specification, resolved once per op.
struct op_info {
  std::vector<shape> shapes;  // bench_shapes(); none for the packed layer's set-up
  const char* roof = "roof=mem";
  const char* mem_mix = nullptr;  // "copy", "read", or nullptr (no memory ceiling)
  int read_streams = 1;
  bool packed = false;  // takes a packed layer (packed before timing, by the implementation timed)
};

template <class T>
op_info info_of(kernel k) {
  return spec::with_spec<T>(k, [&]<class S>() {
    op_info i;
    if constexpr (spec::callable<S>) {
      i.shapes = S::bench_shapes();
      i.roof = S::roof;
      i.mem_mix = S::mem_mix;
      i.read_streams = S::read_streams;
      if constexpr (requires { S::packed; }) i.packed = S::packed;
    }
    return i;
  });
}

template <class T>
struct problem {
  kernel k;
  shape s;
  spec::data<T> d;
  spec::args<T> a;  // d's view, taken again after prepare()
  void (*call_fn)(const detail::kernel_table<T>&, const spec::args<T>&) = nullptr;
  void (*prepare_fn)(const detail::kernel_table<T>&, spec::data<T>&) = nullptr;
  const char* roof = "roof=mem";  // the label the results tools pick the roofline by (spec's roof)

  problem(kernel kk, const shape& ss) : k(kk), s(ss) {
    d.rows = s.rows;
    if (spec::is_dense_shape(s)) {
      d.n_in = s.a;
      d.cols = s.b;
      d.n_hid = s.h;
    } else {
      d.cols = s.a;
    }
    std::mt19937_64 rng(0x6e6e73696d64ull + static_cast<unsigned>(k));  // fixed seed per kernel
    spec::with_spec<T>(k, [&]<class S>() {
      if constexpr (spec::callable<S>) {
        S::inputs(d, rng);
        call_fn = &S::call;
        prepare_fn = &S::prepare;
        roof = S::roof;
      }
    });
    a = d.view();
  }

  // A packed layer is packed once, before timing, by the implementation timed (its own layout).
  void prepare(const detail::kernel_table<T>& t) {
    prepare_fn(t, d);
    a = d.view();
  }
  void call(const detail::kernel_table<T>& t) const { call_fn(t, a); }
  void clear_outputs() { d.clear_outputs(); }

  // The buffers as a peer receives them (peer.hpp).
  io<T> view() {
    return io<T>{k,       d.rows,       d.cols,           d.n_in,       d.x.get(),      d.w.get(),     d.b.get(),
                 d.p.get(), d.t.get(),  d.labels.get(),   d.y.get(),    d.losses.get(), d.idx.get(),   &d.count,
                 d.lo,      d.hi,       d.eps};
  }

  // The output the timing loop keeps alive.
  void* output() const {
    return d.y.get() ? static_cast<void*>(d.y.get())
                     : d.losses.get() ? static_cast<void*>(d.losses.get()) : static_cast<void*>(d.idx.get());
  }

  // ---- counters (the spec's work of one call) ----------------------------------------------------
  double flops() const { return with([&]<class S>() { return S::flops(a); }); }
  double bytes() const { return with([&]<class S>() { return S::bytes(a); }); }
  double elements() const { return with([&]<class S>() { return S::elements(a); }); }
  // The data the call keeps live, which sets the cache level whose bandwidth bounds it: all buffers.
  double ws_bytes() const {
    double sum = 0;
    for (const auto* buf : {&d.x, &d.w, &d.b, &d.w2, &d.b2, &d.p, &d.t, &d.y, &d.losses}) sum += double(buf->n) * sizeof(T);
    return sum + 4.0 * (d.labels.n + d.idx.n);
  }

  // ---- the check ----------------------------------------------------------------------------------
  // The outputs against the spec's oracle within the bound any correct implementation meets
  // (spec::any_implementation); "" or the first disagreement. Dense is checked on at most 32 rows x 16
  // columns (the oracle costs n_in each), softmax and the fused loss on at most 32 rows, the others
  // everywhere.
  std::string check() const {
    std::string msg;
    with([&]<class S>() {
      return S::check(a, spec::any_implementation, spec::sample{32, 16}, [&](const spec::element& e) {
        // NaN where the oracle says NaN; an exact value beyond T's range is T's infinity of that sign.
        const long double want = numerics::saturate<T>(e.want);
        const bool bad = std::isnan(want) ? !std::isnan(e.got) : !(e.got == want || std::fabs(e.got - want) <= e.bound);
        if (!bad) return true;
        char m[256];
        std::snprintf(m, sizeof m, "%s[%zu,%zu] = %.9Lg, oracle %.9Lg, |diff| %.3Lg > bound %.3Lg", e.what, e.row,
                      e.col, e.got, e.want, std::fabs(e.got - e.want), e.bound);
        msg = m;
        return false;
      });
    });
    return msg;
  }

 private:
  template <class F>
  auto with(F&& f) const {
    return spec::with_spec<T>(k, [&]<class S>() {
      if constexpr (spec::callable<S>)
        return f.template operator()<S>();
      else
        return decltype(f.template operator()<spec::relu<T>>()){};
    });
  }
};

}  // namespace nnsimd::bench
