// nnsimd_bench: every kernel of kernels.def (except `sum`, the library's internal mean helper, and the
// packing set-up dense_packed_size / dense_pack) for float and double, each implementation side by side,
// plus this machine's limits, in one Google Benchmark run. dense_packed_forward / dense_packed_relu are
// timed with the layer packed before timing, by nnsimd's ISAs and by the peers that pack weights at
// set-up (oneDNN, XNNPACK); the scalar and autovec loops are timed as dense_forward only.
//
// Names (parsed by tools/): <kernel>/<dtype>/<impl>/<shapeset>:<dims>, e.g.
//   dense_forward/f32/avx512/mnist:1024x784x128     softmax/f64/autovec_avx2/book:300x3
//   relu/f32/peer_eigen/elems:65536                  softmax/f32/avx512_t2/vocab:64x32000
// followed by Google Benchmark's "/real_time" (multi-threaded benchmarks: real time; the others use CPU
// time, which holds up better on a shared machine) and, in
// --full mode, repetition / aggregate suffixes. Implementations:
//   scalar          detail::table<T>(isa::scalar): the reference loops, vectorizers off
//   autovec_<isa>   the same loops at -O3 with <isa>'s flags (bench/autovec_<isa>.cpp)
//   <isa>           nnsimd's xsimd kernels, 1 thread
//   <isa>_t<N>      the same with N = 2 .. cores OpenMP threads, default parallel threshold (so small
//                   shapes stay on one thread); best ISA and float only
//   peer_<lib>      Eigen, OpenBLAS, oneDNN, XNNPACK, PyTorch's ATen where found at configure time, 1 thread
//   peer_<lib>_t<N> the same on N = 2 .. cores threads, for the kernels the library parallelizes itself
//                   (peer_api::parallel); float only
//   <isa>_unfused[_t<N>]  forward_pass / forward_pass_packed only: the same network as one nnsimd call
//                   per stage (composed.hpp); a peer's forward-pass rows are its own kernels per stage,
//                   nnsimd's where it has none (label filled=<stages>)
// Every implementation's output is checked once against the long-double oracle within a derived
// bound (problem.hpp) before it is timed; a disagreement is reported with SkipWithError, and makes the
// exit status 1 when the implementation is nnsimd's own (a peer's is only reported).
//
// Machine limits: limit/fma/<f32|f64>/<isa>[/t<N>], limit/read/<L1|L2|L3|DRAM>[/t<N>],
// limit/copy/<level>, limit/exp/<f32|f64>/<isa>, limit/log/<f32|f64>/<isa>.
//
// Counters: flops, bytes, elements (per second); ws_bytes (working set, not a rate); the label
// "roof=fma|mem|exp|mem+log" says which ceiling bounds the kernel.
//
// Modes: --quick (or NNSIMD_BENCH_MODE=quick): min time 0.01 s per benchmark, no scalar/autovec
// dense above 2^28 flops (imagenet, square: seconds per call) and the square only for the best ISA,
// its threads and the peers; --full (NNSIMD_BENCH_MODE=full): 9 repetitions of >= 0.05 s, randomly interleaved, with aggregates, except the
// square for scalar and the widest autovec (one call of ~50 s each; narrower autovec copies are not run
// at that shape in any mode). Expect about 40 minutes for --full on a 2-core Zen 3. Default: Google Benchmark's own defaults. Every --benchmark_* flag
// given on the command line wins over the mode's.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "autovec.hpp"
#include "composed.hpp"
#include "git_state.h"  // generated at build time: bench/CMakeLists.txt
#include "nnsimd/detail/runtime.hpp"
#include "limits.hpp"
#include "nnsimd/detail/kernel_table.hpp"
#include "nnsimd/machine.hpp"
#include "nnsimd/nnsimd.hpp"
#include "problem.hpp"

namespace nnsimd::bench {
namespace {

enum class mode { standard, quick, full };
mode g_mode = mode::standard;
// nnsimd's own implementations (scalar, autovec, xsimd) that disagreed with the oracle: the exit code.
int g_own_errors = 0;

const char* mode_name(mode m) { return m == mode::quick ? "quick" : m == mode::full ? "full" : "default"; }

template <class T>
constexpr const char* dtype_name() {
  return sizeof(T) == 4 ? "f32" : "f64";
}

// ---- the peers' registry (peer.hpp) --------------------------------------------------------------
std::vector<const peer_api*>& peer_registry() {
  static std::vector<const peer_api*> r;
  return r;
}

}  // namespace

peer_registration::peer_registration(const peer_api& api) { peer_registry().push_back(&api); }

std::vector<const peer_api*> registered_peers() {
  std::vector<const peer_api*> v = peer_registry();
  std::sort(v.begin(), v.end(), [](const peer_api* a, const peer_api* b) { return std::string(a->name) < b->name; });
  return v;
}

namespace {

// ---- implementations ----------------------------------------------------------------------------
struct impl {
  std::string name;
  const detail::kernel_table<float>* tf = nullptr;  // nnsimd table (scalar, autovec, xsimd) ...
  const detail::kernel_table<double>* td = nullptr;
  const peer_api* peer = nullptr;                   // ... or a peer
  int threads = 1;
  bool slow = false;  // scalar and autovec: seconds per dense call at the large shapes
  bool narrow = false;  // an xsimd ISA below the best one (or an autovec below the best autovec)
  bool f32_only = false;
  bool unfused = false;  // the forward pass as one nnsimd call per stage (composed.hpp); other ops: not run
};

template <class T>
const detail::kernel_table<T>* table_of(const impl& im) {
  if constexpr (sizeof(T) == 4)
    return im.tf;
  else
    return im.td;
}

// What the benchmark compiles per ISA (bench/autovec_<isa>.cpp, bench/limits_<isa>.cpp), for every ISA
// of NNSIMD_ISAS (NNSIMD_BENCH_ISAS, from bench/CMakeLists.txt).
struct isa_objects {
  isa i;
  const detail::kernel_table<float>* autovec_f32;
  const detail::kernel_table<double>* autovec_f64;
  const limit_fns* limit;
};

template <isa... I>
std::vector<isa_objects> objects_of() {
  return {isa_objects{I, &autovec_table<I, float>(), &autovec_table<I, double>(), &limits<I>()}...};
}

const std::vector<isa_objects>& compiled_isa_objects() {
  static const std::vector<isa_objects> v = objects_of<NNSIMD_BENCH_ISAS>();
  return v;
}

void add_autovec(const isa_objects& o, std::vector<impl>& out) {
  if (!is_runnable(o.i)) return;
  impl im;
  im.name = std::string("autovec_") + std::string(to_string(o.i));
  im.tf = o.autovec_f32;
  im.td = o.autovec_f64;
  im.slow = true;
  out.push_back(im);
}

bool peer_runnable(const peer_api& p) {
  if (p.isa[0] == '\0') return true;
  try {
    return is_runnable(parse_isa(p.isa));
  } catch (const error&) {
    return false;
  }
}

std::vector<impl> implementations() {
  std::vector<impl> out;
  {
    impl s;
    s.name = "scalar";
    s.tf = &detail::table<float>(isa::scalar);
    s.td = &detail::table<double>(isa::scalar);
    s.slow = true;
    out.push_back(s);
  }
  for (const isa_objects& o : compiled_isa_objects()) add_autovec(o, out);
  for (std::size_t i = 1; i + 1 < out.size(); ++i) out[i].narrow = true;  // all autovec but the widest
  isa best = isa::scalar;
  for (isa i : runnable_isas()) {
    if (i == isa::scalar) continue;
    if (!out.empty() && !out.back().slow && !out.back().peer) out.back().narrow = true;
    impl x;
    x.name = std::string(to_string(i));
    x.tf = &detail::table<float>(i);
    x.td = &detail::table<double>(i);
    out.push_back(x);
    best = i;
  }
  const int cores = static_cast<int>(describe_machine().cores);
  if (best != isa::scalar)
    for (int n = 2; n <= cores; ++n) {
      impl t;
      t.name = std::string(to_string(best)) + "_t" + std::to_string(n);
      t.tf = &detail::table<float>(best);
      t.td = &detail::table<double>(best);
      t.threads = n;
      t.f32_only = true;
      out.push_back(t);
    }
  // The forward pass unfused, what fusing is measured against: the best ISA at 1 and N threads.
  if (best != isa::scalar)
    for (int n = 1; n <= cores; ++n) {
      impl u;
      u.name = std::string(to_string(best)) + "_unfused" + (n > 1 ? "_t" + std::to_string(n) : "");
      u.tf = &detail::table<float>(best);
      u.td = &detail::table<double>(best);
      u.threads = n;
      u.f32_only = n > 1;
      u.unfused = true;
      out.push_back(u);
    }
  // A corrected peer's own process (see peer_api::corrected_env) times that peer only.
  const char* corrected = std::getenv("NNSIMD_BENCH_CORRECTED_PEER");
  if (corrected) out.clear();
  // The peers' N-thread rows come after all one-thread rows of a case (in quick mode, which keeps this
  // order): a library's pool may spin for a while after its last call (libgomp, ATen's OpenMP pool), and
  // should not share the machine with a one-thread row.
  std::vector<impl> threaded;
  const std::vector<const peer_api*> peers = registered_peers();
  for (const peer_api* p : peers) {
    if (corrected && std::string(corrected) != p->name) continue;
    if (!peer_runnable(*p)) {
      std::fprintf(stderr, "nnsimd_bench: peer_%s skipped: built for %s, which this CPU cannot run\n", p->name,
                   p->isa);
      continue;
    }
    impl x;
    // `nnsimd bench` reruns a peer whose detection fell back with the setting that corrects it, in a
    // process of its own, and names that peer's rows peer_<name>_corrected (see peer_api::corrected_env).
    x.name = std::string("peer_") + p->name + (corrected && std::string(corrected) == p->name ? "_corrected" : "");
    x.peer = p;
    // Which code the peer runs here goes into the result file, beside its numbers.
    benchmark::AddCustomContext("nnsimd_" + x.name + "_code", p->code());
    if (p->corrected_env && p->corrected_env())
      benchmark::AddCustomContext("nnsimd_" + x.name + "_fix_env", p->corrected_env());
    out.push_back(x);
    if (p->parallel)
      for (int n = 2; n <= cores; ++n) {
        impl t = x;
        t.name += "_t" + std::to_string(n);
        t.threads = n;
        t.f32_only = true;
        threaded.push_back(t);
      }
  }
  out.insert(out.end(), threaded.begin(), threaded.end());
  return out;
}

// ---- one live problem at a time -----------------------------------------------------------------
// Benchmarks of one case (kernel, dtype, shape) are registered consecutively, so they share one set of
// inputs; the next case frees it (16 Mi doubles in and out are 256 MiB).
std::unique_ptr<problem<float>> g_pf;
std::unique_ptr<problem<double>> g_pd;

template <class T>
problem<T>& problem_for(kernel k, const shape& s) {
  auto& slot = [&]() -> std::unique_ptr<problem<T>>& {
    if constexpr (sizeof(T) == 4)
      return g_pf;
    else
      return g_pd;
  }();
  if (!slot || slot->k != k || slot->s.set != s.set || slot->s.rows != s.rows || slot->s.a != s.a ||
      slot->s.b != s.b || slot->s.h != s.h) {
    g_pf.reset();
    g_pd.reset();
    slot = std::make_unique<problem<T>>(k, s);
  }
  return *slot;
}

template <class T>
peer_op make_peer(const peer_api& p, problem<T>& pr, int threads) {
  if constexpr (sizeof(T) == 4)
    return p.make_f32(pr.view(), threads);
  else
    return p.make_f64(pr.view(), threads);
}

template <class T>
void run_case(benchmark::State& st, kernel k, shape s, const impl& im, bool check_after) {
  problem<T>& pr = problem_for<T>(k, s);
  set_num_threads(im.threads);
  peer_op op;
  const detail::kernel_table<T>* tab = table_of<T>(im);
  // A packed layer is packed once, before timing, by the implementation timed (its own layout), as a
  // model's weights are packed once for many batches; the peers' setup (make_peer) packs theirs.
  if (tab) pr.prepare(*tab);
  // The forward pass as separate calls (composed.hpp): a peer's stages, or nnsimd's unfused (on the
  // layers prepare() packed).
  std::unique_ptr<composed_pass<T>> comp;
  if (is_forward(k) && (im.peer || im.unfused)) {
    comp = std::make_unique<composed_pass<T>>(pr, tab ? *tab : detail::table<T>(active_isa()), im.peer, im.threads);
    if (!comp->error().empty()) {
      st.SkipWithError(comp->error().c_str());
      return;
    }
  } else if (im.peer) {
    op = make_peer(*im.peer, pr, im.threads);
    if (op.error) {
      st.SkipWithError(op.error);
      return;
    }
  }
  struct guard {
    peer_op& o;
    ~guard() {
      if (o.destroy) o.destroy(o.state);
    }
  } g{op};
  auto once = [&] {
    if (comp)
      comp->run();
    else if (im.peer)
      op.run(op.state);
    else
      pr.call(*tab);
  };
  auto check = [&] {
    if (const std::string err = pr.check(); !err.empty()) {
      if (!im.peer) ++g_own_errors;
      st.SkipWithError(("disagrees with the oracle: " + err).c_str());
      return false;
    }
    return true;
  };
  pr.clear_outputs();
  detail::threads_used = 0;
  if (!check_after) {
    once();
    if (!check()) return;
  }
  void* out = pr.output();
  for (auto _ : st) {
    once();
    benchmark::DoNotOptimize(out);
    benchmark::DoNotOptimize(pr.d.count);
    benchmark::ClobberMemory();
  }
  if (check_after && !check()) return;
  using C = benchmark::Counter;
  if (pr.flops() > 0) st.counters["flops"] = C(pr.flops(), C::kIsIterationInvariantRate);
  st.counters["bytes"] = C(pr.bytes(), C::kIsIterationInvariantRate);
  st.counters["elements"] = C(pr.elements(), C::kIsIterationInvariantRate);
  st.counters["ws_bytes"] = C(pr.ws_bytes());
  std::string label = pr.roof;
  // An N-thread row says how many threads its calls used: 1 when the call is below the parallel threshold
  // (the same code as the one-thread row; their ratio is then the run's noise). A peer's says how many it
  // was given; the library decides how many of them a call uses.
  if (im.threads > 1) label += " threads=" + std::to_string(im.peer ? im.threads : detail::threads_used);
  if (comp && !comp->filled().empty()) label += " filled=" + comp->filled();
  const char* impl_str = comp ? comp->impl().c_str() : op.impl;
  if (impl_str && *impl_str) {  // one token: the results module reads labels as space-separated key=value
    std::string impl = impl_str;
    for (char& c : impl)
      if (c == ' ' || c == '\t') c = '_';
    label += " impl=" + impl;
  }
  st.SetLabel(label);
  set_num_threads(1);
}

// ---- registration -------------------------------------------------------------------------------
// In a corrected peer's process, the user's --filter of the main run is applied here to the row's name
// without "_corrected", so that the corrected rows are exactly the counterparts of the rows it selected.
bool selected_as_uncorrected(const std::string& name) {
  static const char* f = std::getenv("NNSIMD_BENCH_CORRECTED_FILTER");
  if (!f || !*f) return true;
  static const std::regex re(f);
  std::string plain = name;
  if (const auto at = plain.find("_corrected/"); at != std::string::npos) plain.erase(at, std::strlen("_corrected"));
  return std::regex_search(plain, re);
}

const limit_fns* best_limits();
template <class T>
void* alloc_aligned(std::size_t n);

int omp_thread_id() {
#if defined(_OPENMP)
  return omp_get_thread_num();
#else
  return 0;
#endif
}

// The bandwidth ceiling of one benchmark case, measured at the case's own working set (ws_bytes of its
// problem: all its buffers), with the same read:write mix, right before the case's implementations run
// (so a neighbour's drift on a shared cache hits both alike), at one thread and at `threads` when the
// case has N-thread rows. Copy-like kernels get two ceilings, ordinary and non-temporal stores: the
// better of the two is the ceiling, so a wrong streaming choice shows as a low fraction. Names:
//   limit/read/<kernel>/<dtype>/<set>:<dims>[/t<N>]      limit/copy[_nt]/<kernel>/<dtype>/<set>:<dims>[/t<N>]
// The buffers come from the same 64-byte-aligned allocator as the kernels' (alloc_aligned); the copy's
// output starts half a page past its input modulo 4 KiB, where no 4K aliasing slows it (the kernels
// choose their direction to avoid it too, src/kernels/elementwise.hpp). Each thread takes a contiguous
// share, as parallel_rows does.
template <class T>
void register_mem_ceilings(kernel k, const op_info& info, const shape& s, const std::string& case_name, int threads) {
  const char* mix = info.mem_mix;
  const limit_fns* best = best_limits();
  if (!mix || !best) return;
  using C = benchmark::Counter;
  std::vector<std::string> kinds = {mix};
  if (std::string_view(mix) == "copy") kinds.push_back("copy_nt");
  std::vector<int> counts = {1};
  if (threads > 1) counts.push_back(threads);
  for (const std::string& kind : kinds)
    for (int t : counts) {
      const std::string name = "limit/" + kind + "/" + case_name + (t > 1 ? "/t" + std::to_string(t) : "");
      if (!selected_as_uncorrected(name)) continue;
      const int streams = info.read_streams;
      auto* b = benchmark::RegisterBenchmark(name.c_str(), [k, s, kind, t, best, streams](benchmark::State& st) {
        // 512 bytes: a whole number of the read loop's 8 vectors and, halved, of the copy loop's 4, for
        // every ISA; at least one step per thread.
        const double ws_exact = problem_for<T>(k, s).ws_bytes();
        const std::size_t step = 512 * static_cast<std::size_t>(t);
        const std::size_t ws = std::max(step, static_cast<std::size_t>(ws_exact) / step * step);
        const std::size_t n = ws / sizeof(float);
        const bool read = kind == "read";
        // The second half (the copy's output, or a second read stream) starts 3 KiB ahead of the first
        // modulo 4 KiB, i.e. 1 KiB behind it modulo a page: never the 0-2 KiB ahead where 4K aliasing
        // stalls a forward copy's loads behind its own stores. ws / 2 is a multiple of 256 bytes, so the
        // gap keeps 64-byte alignment.
        const std::size_t half_bytes = n / 2 * sizeof(float);
        const std::size_t gap = (3072 + 4096 - half_bytes % 4096) % 4096 / sizeof(float);
        std::unique_ptr<float, decltype(&std::free)> a(static_cast<float*>(alloc_aligned<float>(n + gap)), &std::free);
        float* src = a.get();
        float* dst = a.get() + n / 2 + gap;
        for (std::size_t i = 0; i < n + gap; ++i) src[i] = 1.0f;
        const auto copy = kind == "copy_nt" ? best->copy_stream : best->copy;
        // One thread's share: [lo, lo + len) of the read buffer, or of the copy's halves.
        auto body = [&](int id) {
          const std::size_t total = read && streams == 1 ? n : n / 2, share = total / static_cast<std::size_t>(t);
          const std::size_t lo = share * static_cast<std::size_t>(id);
          if (read && streams == 1)
            benchmark::DoNotOptimize(best->read(src + lo, share));
          else if (read)
            benchmark::DoNotOptimize(best->read2(src + lo, dst + lo, share));
          else
            copy(src + lo, dst + lo, share);
        };
        if (t == 1) {
          for (auto _ : st) {
            body(0);
            benchmark::ClobberMemory();
          }
        } else {
#pragma omp parallel num_threads(t)  // warm-up: the first parallel region starts the threads
          body(omp_thread_id());
          for (auto _ : st) {
#pragma omp parallel num_threads(t)
            body(omp_thread_id());
            benchmark::ClobberMemory();
          }
        }
        st.counters["bytes"] = C(double(ws), C::kIsIterationInvariantRate);
        st.counters["ws_bytes"] = C(double(ws));
        st.SetLabel("limit");
      });
      if (t > 1) b->UseRealTime();
    }
}

template <class T>
void register_kernels(const std::vector<impl>& impls) {
  // The thread counts the cases of this dtype run at: their ceilings are measured at the largest. A
  // corrected peer's process (peer_api::corrected_env) times that peer only, without ceilings.
  int max_threads = 1;
  for (const impl& im : impls)
    if (!(im.f32_only && sizeof(T) != 4)) max_threads = std::max(max_threads, im.threads);
  const bool ceilings = !std::getenv("NNSIMD_BENCH_CORRECTED_PEER");
  for (int ki = 0; ki < spec::op_count; ++ki) {
    const kernel k = static_cast<kernel>(ki);
    const op_info info = info_of<T>(k);
    for (const shape& s : info.shapes) {
      const std::string dims = spec::dims_of(s);
      // The multiply-adds of a call's layers (dense, or the forward pass's two).
      const double flops = s.h ? 2.0 * s.rows * (double(s.a) * s.h + double(s.h) * s.b)
                               : spec::is_dense_shape(s) ? 2.0 * s.rows * s.a * s.b : 0.0;
      if (ceilings)
        register_mem_ceilings<T>(k, info, s, std::string(spec::op_names[ki]) + "/" + dtype_name<T>() + "/" + s.set + ":" + dims,
                                 max_threads);
      for (const impl& im : impls) {
        if (im.f32_only && sizeof(T) != 4) continue;
        if (im.unfused && !is_forward(k)) continue;
        if (im.peer && is_forward(k)) {
          if (!peer_composes(*im.peer, k, sizeof(T) == 8, im.threads)) continue;
        } else {
          if (im.peer && !im.peer->supports(k, sizeof(T) == 8)) continue;
          if (im.peer && im.threads > 1 && !im.peer->parallel(k)) continue;
        }
        // The reference's packed kernels are dense_forward's loops on a copy of w: timed there only.
        if (info.packed && im.slow) continue;
        // Quick mode: no reference dense above 2^28 flops (0.1-10 s per call), and the 2048^3 square
        // for the best ISA, its threads and the peers only (0.5-2.5 s per call for the narrower ISAs).
        if (g_mode == mode::quick && im.slow && flops > double(1 << 28)) continue;
        if (g_mode == mode::quick && im.narrow && flops > double(1ull << 32)) continue;
        // Every mode: the 2048^3 square runs the reference loops (50 s per call here: 0.34 GFLOP/s, a
        // column of w per output) as scalar and as the widest autovec only; the narrower autovec
        // copies run the same scalar code (the float sum cannot be reordered without -ffast-math).
        const bool huge = flops > double(1ull << 32);
        if (huge && im.slow && im.narrow) continue;
        const std::string name = std::string(spec::op_names[ki]) + "/" + dtype_name<T>() + "/" + im.name + "/" +
                                 s.set + ":" + dims;
        if (!selected_as_uncorrected(name)) continue;
        const bool check_after = huge && im.slow;
        auto* b = benchmark::RegisterBenchmark(name.c_str(), [k, s, im, check_after](benchmark::State& st) {
          run_case<T>(st, k, s, im, check_after);
        });
        // One thread: CPU time, robust on a shared machine; N threads: real time (Google Benchmark's
        // CPU time would add up the threads).
        if (im.threads > 1) b->UseRealTime();
        // ... and there one call, one repetition, checked after the call rather than before.
        if (huge && im.slow) b->Iterations(1)->Repetitions(1);
      }
    }
  }
}

// ---- machine limits -----------------------------------------------------------------------------
template <class T>
void* alloc_aligned(std::size_t n) {
  void* p = std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64);
  if (!p) throw std::bad_alloc();
  return p;
}

const limit_fns* limits_of(isa i) {
  for (const isa_objects& o : compiled_isa_objects())
    if (o.i == i) return o.limit;
  return nullptr;
}

// The widest runnable ISA's limit loops: the ceilings are what this machine can do.
const limit_fns* best_limits() {
  const limit_fns* best = nullptr;
  for (isa i : runnable_isas())
    if (const limit_fns* f = limits_of(i)) best = f;
  return best;
}

void register_limits() {
  using C = benchmark::Counter;
  const machine_info& m = describe_machine();
  const int cores = static_cast<int>(m.cores);
  const limit_fns* best = nullptr;
  std::string best_name;
  for (isa i : runnable_isas()) {
    const limit_fns* f = limits_of(i);
    if (!f) continue;
    best = f;
    best_name = std::string(to_string(i));
    const std::string in = best_name;
    // FMA peak per vector width.
    constexpr std::size_t iters = 4096;
    for (int dbl = 0; dbl < 2; ++dbl) {
      const std::string dt = dbl ? "f64" : "f32";
      const double flops = 2.0 * (dbl ? f->lanes_f64 : f->lanes_f32) * fma_chains * iters;
      benchmark::RegisterBenchmark(("limit/fma/" + dt + "/" + in).c_str(), [f, dbl, flops](benchmark::State& st) {
        for (auto _ : st) {
          if (dbl)
            benchmark::DoNotOptimize(f->fma_f64(iters));
          else
            benchmark::DoNotOptimize(f->fma_f32(iters));
        }
        st.counters["flops"] = C(flops, C::kIsIterationInvariantRate);
        st.SetLabel("limit");
      });
      // exp / log throughput over an L1-resident buffer: 1024 elements in and out (16 KiB of double),
      // with every vector exp and log the binary has (limits.hpp): limit/<exp|log>/<dtype>/<isa>/<impl>.
      // The ceiling of a kernel is the fastest of them. Inputs: exp over [-10, 0], the range softmax
      // feeds it (x - max; softmax's own exp takes no positive x); log over [1e-7, 1], the clipped
      // probabilities of the losses. Older result files have limit/<exp|log>/<dtype>/<isa>: xsimd's.
      for (int lg = 0; lg < 2; ++lg) {
        const std::string fn = lg ? "log" : "exp";
        const std::pair<const char*, limit_fns::unary_fns> impls[] = {
            {"xsimd", lg ? f->log_xsimd : f->exp_xsimd}, {"own", lg ? f->log_own : f->exp_own},
            {"sleef", lg ? f->log_sleef : f->exp_sleef}, {"libm", lg ? f->log_libm : f->exp_libm}};
        for (const auto& [impl_name, fns] : impls) {
          if (!(dbl ? static_cast<bool>(fns.f64) : static_cast<bool>(fns.f32))) continue;
          benchmark::RegisterBenchmark(("limit/" + fn + "/" + dt + "/" + in + "/" + impl_name).c_str(),
                                       [fns, dbl, lg](benchmark::State& st) {
            constexpr std::size_t n = 1024;
            std::mt19937 rng(42);
            std::uniform_real_distribution<double> u(lg ? 1e-7 : -10.0, lg ? 1.0 : 0.0);
            if (dbl) {
              std::unique_ptr<double, decltype(&std::free)> x(static_cast<double*>(alloc_aligned<double>(n)), &std::free),
                  y(static_cast<double*>(alloc_aligned<double>(n)), &std::free);
              for (std::size_t e = 0; e < n; ++e) x.get()[e] = u(rng);
              for (auto _ : st) {
                fns.f64(x.get(), y.get(), n);
                benchmark::DoNotOptimize(y.get());
                benchmark::ClobberMemory();
              }
            } else {
              std::unique_ptr<float, decltype(&std::free)> x(static_cast<float*>(alloc_aligned<float>(n)), &std::free),
                  y(static_cast<float*>(alloc_aligned<float>(n)), &std::free);
              for (std::size_t e = 0; e < n; ++e) x.get()[e] = static_cast<float>(u(rng));
              for (auto _ : st) {
                fns.f32(x.get(), y.get(), n);
                benchmark::DoNotOptimize(y.get());
                benchmark::ClobberMemory();
              }
            }
            st.counters["elements"] = C(double(n), C::kIsIterationInvariantRate);
            st.SetLabel("limit");
          });
        }
      }
    }
  }
  if (!best) return;

  // FMA at all cores: every thread runs its own chains; a long call (65536 rounds, ~0.1 ms) amortizes
  // the parallel region's ~0.5 us.
  if (cores > 1) {
    constexpr std::size_t iters = 65536;
    const double flops = 2.0 * cores * best->lanes_f32 * fma_chains * iters;
    benchmark::RegisterBenchmark(("limit/fma/f32/" + best_name + "/t" + std::to_string(cores)).c_str(),
                                 [best, cores, flops](benchmark::State& st) {
                                   // Warm-up: the first parallel region starts the threads.
#pragma omp parallel num_threads(cores)
                                   benchmark::DoNotOptimize(best->fma_f32(iters));
                                   for (auto _ : st) {
                                     float sink = 0;
#pragma omp parallel num_threads(cores) reduction(+ : sink)
                                     sink += best->fma_f32(iters);
                                     benchmark::DoNotOptimize(sink);
                                   }
                                   st.counters["flops"] = C(flops, C::kIsIterationInvariantRate);
                                   st.SetLabel("limit");
                                 })
        ->UseRealTime();
  }

  // The cost of a parallel region with all cores (an empty one, back to back: the workers spinning, as
  // between the calls of a benchmark). The parallel threshold (default_parallel_threshold, 10 us) charges
  // half of it, 5 us, per thread beyond the first: this shows on each machine how far that is from the
  // measured cost.
  if (cores > 1) {
    benchmark::RegisterBenchmark(("limit/omp_region/t" + std::to_string(cores)).c_str(), [cores](benchmark::State& st) {
      int sink = 0;
      for (auto _ : st) {
#pragma omp parallel num_threads(cores) reduction(+ : sink)
        sink += 1;
        benchmark::DoNotOptimize(sink);
      }
      st.counters["regions"] = C(1.0, C::kIsIterationInvariantRate);
      st.SetLabel("limit");
    })->UseRealTime();
  }

  // Read and copy bandwidth: working sets of half of L1, L2 and L3 (resident with room for the rest)
  // and 8 x L3 (DRAM). Sizes rounded to 4 KiB, a multiple of every loop's step.
  struct level {
    const char* name;
    std::size_t ws;
  };
  const std::size_t l1 = m.l1d_bytes ? m.l1d_bytes : 32 << 10, l2 = m.l2_bytes ? m.l2_bytes : 512 << 10;
  std::vector<level> levels{{"L1", l1 / 2}, {"L2", l2 / 2}};
  if (m.l3_bytes) levels.push_back({"L3", m.l3_bytes / 2});
  levels.push_back({"DRAM", 8 * (m.l3_bytes ? m.l3_bytes : l2)});
  for (auto& lv : levels) lv.ws = lv.ws / 4096 * 4096;

  for (const level& lv : levels) {
    const std::size_t ws = lv.ws;
    benchmark::RegisterBenchmark((std::string("limit/read/") + lv.name).c_str(), [best, ws](benchmark::State& st) {
      const std::size_t n = ws / sizeof(float);
      std::unique_ptr<float, decltype(&std::free)> a(static_cast<float*>(alloc_aligned<float>(n)), &std::free);
      for (std::size_t i = 0; i < n; ++i) a.get()[i] = 1.0f;
      for (auto _ : st) benchmark::DoNotOptimize(best->read(a.get(), n));
      st.counters["bytes"] = C(double(ws), C::kIsIterationInvariantRate);
      st.counters["ws_bytes"] = C(double(ws));
      st.SetLabel("limit");
    });
    // Copy: half the working set read, half written; bytes counts both (not the write-allocate reads).
    benchmark::RegisterBenchmark((std::string("limit/copy/") + lv.name).c_str(), [best, ws, name = lv.name](benchmark::State& st) {
      const std::size_t n = ws / 2 / sizeof(float);
      // One allocation, b half a page past a's end modulo 4 KiB: no 4K aliasing between the loads of a and
      // the stores to b, which slows a forward copy 2.5x when b lies just ahead of a (the kernels choose
      // their direction to avoid it, elementwise.hpp), so the ceiling does not depend on where malloc puts b.
      const std::size_t gap = 512;  // floats: 2 KiB
      std::unique_ptr<float, decltype(&std::free)> a(static_cast<float*>(alloc_aligned<float>(2 * n + gap)), &std::free);
      float* b = a.get() + n + gap;
      for (std::size_t i = 0; i < n; ++i) a.get()[i] = 1.0f, b[i] = 0.0f;
      // Beyond L3 the kernels stream their stores (see elementwise.hpp): so does the DRAM ceiling.
      const auto copy = std::string_view(name) == "DRAM" ? best->copy_stream : best->copy;
      for (auto _ : st) {
        copy(a.get(), b, n);
        benchmark::DoNotOptimize(b);
        benchmark::ClobberMemory();
      }
      st.counters["bytes"] = C(double(ws), C::kIsIterationInvariantRate);
      st.counters["ws_bytes"] = C(double(ws));
      st.SetLabel("limit");
    });
  }
  // DRAM read at all cores: each thread reads its own contiguous share.
  if (cores > 1) {
    const std::size_t ws = levels.back().ws;
    benchmark::RegisterBenchmark(("limit/read/DRAM/t" + std::to_string(cores)).c_str(),
                                 [best, ws, cores](benchmark::State& st) {
                                   const std::size_t n = ws / sizeof(float), share = n / cores;
                                   std::unique_ptr<float, decltype(&std::free)> a(
                                       static_cast<float*>(alloc_aligned<float>(n)), &std::free);
                                   // First touch by the thread that reads: pages near it.
#pragma omp parallel for num_threads(cores) schedule(static)
                                   for (int t = 0; t < cores; ++t)
                                     for (std::size_t i = 0; i < share; ++i) a.get()[t * share + i] = 1.0f;
#pragma omp parallel for num_threads(cores) schedule(static)
                                   for (int t = 0; t < cores; ++t) benchmark::DoNotOptimize(best->read(a.get() + t * share, share));
                                   for (auto _ : st) {
                                     float sink = 0;
#pragma omp parallel for num_threads(cores) schedule(static) reduction(+ : sink)
                                     for (int t = 0; t < cores; ++t) sink += best->read(a.get() + t * share, share);
                                     benchmark::DoNotOptimize(sink);
                                   }
                                   st.counters["bytes"] = C(double(share * cores * sizeof(float)),
                                                            C::kIsIterationInvariantRate);
                                   st.counters["ws_bytes"] = C(double(ws));
                                   st.SetLabel("limit");
                                 })
        ->UseRealTime();
  }
}

// ---- context --------------------------------------------------------------------------------------
void add_context() {
  const machine_info& m = describe_machine();
  std::string flags;
  for (const auto& f : m.isa_flags) flags += (flags.empty() ? "" : ",") + f;
  const auto cap = isa_cap();
  benchmark::AddCustomContext("nnsimd_machine_id", m.id);
  benchmark::AddCustomContext("nnsimd_cpu_vendor", m.vendor);
  benchmark::AddCustomContext("nnsimd_cpu_model", m.model);
  benchmark::AddCustomContext("nnsimd_uarch", m.uarch);
  benchmark::AddCustomContext("nnsimd_isa_flags", flags);
  benchmark::AddCustomContext("nnsimd_cores", std::to_string(m.cores));
  benchmark::AddCustomContext("nnsimd_l1d_bytes", std::to_string(m.l1d_bytes));
  benchmark::AddCustomContext("nnsimd_l2_bytes", std::to_string(m.l2_bytes));
  benchmark::AddCustomContext("nnsimd_l3_bytes", std::to_string(m.l3_bytes));
  benchmark::AddCustomContext("nnsimd_compiler", __VERSION__);
  benchmark::AddCustomContext("nnsimd_cxx_flags", NNSIMD_BENCH_CXX_FLAGS);
  benchmark::AddCustomContext("nnsimd_build_type", NNSIMD_BENCH_BUILD_TYPE);
  benchmark::AddCustomContext("nnsimd_git_commit", NNSIMD_BENCH_GIT_COMMIT);
  benchmark::AddCustomContext("nnsimd_git_dirty", NNSIMD_BENCH_GIT_DIRTY);
#ifdef NNSIMD_BENCH_PLANT  // the test-only planted regression is compiled in (src/isa/plant.hpp)
  const char* plant = std::getenv("NNSIMD_PLANT");
  benchmark::AddCustomContext("nnsimd_plant", std::string("compiled in; NNSIMD_PLANT=") + (plant ? plant : "(unset)"));
#endif
  benchmark::AddCustomContext("nnsimd_isa_cap", cap ? std::string(to_string(*cap)) : std::string("none"));
  benchmark::AddCustomContext("nnsimd_active_isa", std::string(to_string(active_isa())));
  benchmark::AddCustomContext("nnsimd_threads", std::to_string(m.cores));
  // The streaming-store threshold the kernels use, measured now (with all cores, as the library runs by
  // default) rather than inside the first large benchmark.
  set_num_threads(static_cast<int>(m.cores));
  const streaming_policy& sp = streaming_stores();
  set_num_threads(1);
  benchmark::AddCustomContext("nnsimd_streaming_store_bytes", std::to_string(sp.bytes));
  benchmark::AddCustomContext("nnsimd_streaming_store_source", sp.source);
  std::string curve;
  for (const streaming_sample& c : sp.curve) {  // bytes:regular seconds:streamed seconds;...
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%zu:%.4g:%.4g", curve.empty() ? "" : ";", c.ws_bytes, c.regular_s, c.streamed_s);
    curve += buf;
  }
  benchmark::AddCustomContext("nnsimd_streaming_store_curve", curve);
  benchmark::AddCustomContext("nnsimd_mode", mode_name(g_mode));
}

}  // namespace
}  // namespace nnsimd::bench

int main(int argc, char** argv) {
  using namespace nnsimd::bench;
  // Our own flags, removed before Google Benchmark sees argv; the mode's --benchmark_* defaults go
  // first so that the user's own flags, parsed later, override them.
  if (const char* env = std::getenv("NNSIMD_BENCH_MODE")) {
    if (std::strcmp(env, "quick") == 0) g_mode = mode::quick;
    if (std::strcmp(env, "full") == 0) g_mode = mode::full;
  }
  std::vector<char*> args{argv[0]};
  std::vector<char*> user;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0)
      g_mode = mode::quick;
    else if (std::strcmp(argv[i], "--full") == 0)
      g_mode = mode::full;
    else
      user.push_back(argv[i]);
  }
  static char quick_min_time[] = "--benchmark_min_time=0.01";
  // 9 repetitions of >= 0.05 s per benchmark (about 1000 benchmarks: 35-40 minutes on a 2-core Zen 3).
  // The shared machine's noise is bimodal (the same loop at 195 or 280 ns from one repetition to the
  // next): a median of 9 lands in the common mode where one of 5 often did not.
  static char full_reps[] = "--benchmark_repetitions=9";
  static char full_min_time[] = "--benchmark_min_time=0.05";
  static char full_aggr[] = "--benchmark_display_aggregates_only=true";
  // The repetitions of every benchmark spread in random order over the whole run: a neighbour's burst on
  // the shared machine then lands on one repetition of many benchmarks instead of on every repetition of
  // a few, and the ratios taken within the run (1 thread against 2, ours against a peer, a kernel
  // against its ceiling) compare medians taken over the same stretch of time.
  static char full_interleave[] = "--benchmark_enable_random_interleaving=true";
  if (g_mode == mode::quick) args.push_back(quick_min_time);
  if (g_mode == mode::full)
    args.push_back(full_reps), args.push_back(full_min_time), args.push_back(full_aggr), args.push_back(full_interleave);
  args.insert(args.end(), user.begin(), user.end());
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);

  // Peers run on one thread unless their row says _t<N>: oneDNN and Eigen follow OpenMP's default, which
  // this sets (a peer's N-thread setup changes it and its destroy sets it back); nnsimd's own thread count
  // is set per benchmark.
#if defined(_OPENMP)
  omp_set_num_threads(1);
#endif
  try {
    add_context();
    if (!std::getenv("NNSIMD_BENCH_CORRECTED_PEER")) register_limits();
    const auto impls = implementations();
    register_kernels<float>(impls);
    register_kernels<double>(impls);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nnsimd_bench: %s\n", e.what());
    return 1;
  }
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (g_own_errors > 0) {
    std::fprintf(stderr, "nnsimd_bench: %d nnsimd implementation(s) disagreed with the oracle (see ERROR above)\n",
                 g_own_errors);
    return 1;
  }
  return 0;
}
