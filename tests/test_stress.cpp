// Concurrency stress (issue 11): the public API called from several threads at once while another thread
// keeps switching the ISA cap (set_isa_cap / reset_isa_cap), the thread count (set_num_threads) and the
// parallel threshold (0: every call with two row blocks splits, or the default).
//
// Before the storm, every call's output is computed on each runnable ISA through its kernel table directly
// (not through the dispatch under test): the references; the API, on one thread with the cap at that ISA,
// must give them too. During the storm, kCallers threads run a random mix of the API's kernels (float and
// double) on fixed inputs, and every output must be bit-identical (bytes, padding included) to
//   * one of the references of that call, always; and
//   * the reference of the ISA that was active throughout the call when no cap change overlapped it. The
//     switcher brackets each cap change with a generation counter (odd while it changes), so a caller
//     that reads the same even generation before and after its call knows the active ISA ("pinned").
// A packed layer (packed_dense) must either give dense_forward's / dense_relu's reference for the ISA it
// was packed for, or throw nnsimd::error because the cap moved (both are counted, and both must happen);
// on a pinned call it must throw exactly when the active ISA is not its target. It is packed again after
// it threw.
//
// What it catches:
//   * an output that depends on the thread count or on where the rows were split (it then matches no
//     reference);
//   * a call that reads the dispatch state twice and mixes two ISAs' kernels, e.g. one ISA's per-sample
//     losses summed by another ISA's sum (the sum order depends on the vector width);
//   * a dispatch that caches the ISA (per thread, or per call site) and keeps using it after the cap
//     changed (a pinned call then matches another ISA's reference), or a packed layer that does not
//     notice the change;
//   * under ThreadSanitizer (the tsan preset; OpenMP off, since libgomp is not instrumented): a data race
//     on the dispatch state, the cap, the thread count or the threshold (e.g. the active ISA or a cached
//     table pointer written without an atomic), or on anything the kernels share between callers.
//
// Bounded: the storm runs for NNSIMD_STRESS_SECONDS (default 2) and then until every runnable ISA has
// had kMinPinned pinned calls and each type's packed layer has both succeeded and thrown; it fails if
// that coverage is not reached within kMaxSeconds.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "test_util.hpp"

namespace nnsimd::test {
namespace {

constexpr int kCallers = 4;
constexpr long kMinPinned = 20;     // pinned calls per runnable ISA, at least
constexpr long kMinCapChanges = 40;
constexpr double kMaxSeconds = 90;  // ctest's timeout is 120 s

using bytes = std::vector<unsigned char>;

template <class V>
void append(bytes& out, const V& v) {
  const auto* p = reinterpret_cast<const unsigned char*>(v.data());
  out.insert(out.end(), p, p + v.size() * sizeof(*v.data()));
}

template <class S>
void append_scalar(bytes& out, S s) {
  const auto* p = reinterpret_cast<const unsigned char*>(&s);
  out.insert(out.end(), p, p + sizeof(s));
}

// The calls: each op is exactly one API call (an op of two calls could straddle a cap change and mix two
// ISAs' results legitimately). Shapes are small (a call takes microseconds) but split over threads when
// the threshold is 0: dense 100 rows (W packed inside dense_forward from 64 rows on; 17 tiles of 6 rows),
// the contiguous elementwise span 40 x 1000 (3 blocks of 16384 elements), softmax and the fused loss both
// on the across-rows path (7 columns) and the row path (300 columns).
enum class op : int {
  dense_forward,
  dense_relu,
  packed_forward,  // references: dense_forward's (bit-identical by contract)
  packed_relu,     // references: dense_relu's
  relu_contiguous,
  relu_strided,
  relu_in_place,
  clip_contiguous,
  clip_default_bounds,
  softmax_short,
  softmax_long,
  categorical_cross_entropy,
  categorical_cross_entropy_onehot,
  softmax_cce_short,
  softmax_cce_long,
  softmax_cce_mean_only,  // the scratch buffer for the per-sample losses
  argmax_scores,
  argmax_logits,
  accuracy_labels,
  accuracy_onehot,
  count
};
constexpr int kOps = static_cast<int>(op::count);
constexpr std::array<const char*, kOps> kOpNames = {
    "dense_forward", "dense_relu", "packed dense_forward", "packed dense_relu", "relu contiguous", "relu strided",
    "relu in place", "clip contiguous", "clip default bounds", "softmax 7", "softmax 300", "cce sparse",
    "cce one-hot", "softmax_cross_entropy 7", "softmax_cross_entropy 300", "softmax_cross_entropy mean only",
    "argmax scores", "argmax logits", "accuracy labels", "accuracy one-hot"};

constexpr bool is_packed(op o) { return o == op::packed_forward || o == op::packed_relu; }
// Whose reference a call's output is compared with.
constexpr op reference_of(op o) {
  return o == op::packed_forward ? op::dense_forward : o == op::packed_relu ? op::dense_relu : o;
}

template <class T>
struct data {
  strided<T> x{100, 40, 3, 1}, w{40, 24, 2, 1};
  std::vector<T> b = std::vector<T>(24);
  strided<T> e{40, 1000, 0, 0}, es{61, 37, 3, 1};
  strided<T> zs{97, 7, 2, 1}, zl{33, 300, 1, 3};
  strided<T> p{97, 37, 1, 2}, t{97, 37, 4, 0}, s{97, 37, 1, 1};
  std::vector<std::int32_t> lab_zs = random_labels(97, 7, 5), lab_zl = random_labels(33, 300, 6),
                            lab_p = random_labels(97, 37, 7);

  data() {
    fill_uniform<T>(x, T(-1), T(1), 1);
    fill_uniform<T>(w, T(-1), T(1), 2);
    std::mt19937 g(3);
    std::uniform_real_distribution<double> u(-1, 1);
    for (T& v : b) v = static_cast<T>(u(g));
    fill_uniform<T>(e, T(-2), T(2), 4);
    fill_uniform<T>(es, T(-2), T(2), 8);
    e(0, 0) = es(1, 2) = std::numeric_limits<T>::quiet_NaN();
    e(17, 400) = T(-0.0);
    fill_logit_rows<T>(zs, 9);
    fill_logit_rows<T>(zl, 10);
    fill_uniform<T>(p, T(0), T(1), 11);
    for (std::size_t r = 0; r < t.rows; ++r)
      for (std::size_t c = 0; c < t.cols; ++c) t(r, c) = T(c == static_cast<std::size_t>(lab_p[r]));
    std::mt19937 gs(12);
    std::uniform_int_distribution<int> small(0, 7);  // ties, so the first maximum matters
    for (std::size_t r = 0; r < s.rows; ++r)
      for (std::size_t c = 0; c < s.cols; ++c) s(r, c) = static_cast<T>(small(gs)) / T(8);
  }
};

// One call of the public API on the active ISA; its outputs as bytes. A packed op uses `layer`.
template <class T>
bytes run(op o, const data<T>& d, const packed_dense<T>* layer) {
  bytes out;
  switch (o) {
    case op::dense_forward:
    case op::packed_forward:
    case op::dense_relu:
    case op::packed_relu: {
      strided<T> y(d.x.rows, d.w.cols, 3, 1);
      if (o == op::dense_forward) dense_forward<T>(d.x.cview(), d.w.cview(), d.b, y.view());
      if (o == op::packed_forward) dense_forward<T>(d.x.cview(), *layer, y.view());
      if (o == op::dense_relu) dense_relu<T>(d.x.cview(), d.w.cview(), d.b, y.view());
      if (o == op::packed_relu) dense_relu<T>(d.x.cview(), *layer, y.view());
      append(out, y.storage);
      break;
    }
    case op::relu_contiguous:
    case op::clip_contiguous: {
      strided<T> y(d.e.rows, d.e.cols, 0, 0);
      if (o == op::relu_contiguous)
        relu<T>(d.e.cview(), y.view());
      else
        clip<T>(d.e.cview(), y.view(), T(-0.5), T(0.75));
      append(out, y.storage);
      break;
    }
    case op::relu_strided: {
      strided<T> y(d.es.rows, d.es.cols, 1, 3);
      relu<T>(d.es.cview(), y.view());
      append(out, y.storage);
      break;
    }
    case op::relu_in_place: {
      strided<T> y = d.es;
      relu<T>(y.cview(), y.view());
      append(out, y.storage);
      break;
    }
    case op::clip_default_bounds: {
      strided<T> y(d.p.rows, d.p.cols, 2, 1);
      clip<T>(d.p.cview(), y.view());
      append(out, y.storage);
      break;
    }
    case op::softmax_short:
    case op::softmax_long: {
      const strided<T>& z = o == op::softmax_short ? d.zs : d.zl;
      strided<T> y(z.rows, z.cols, 2, 1);
      softmax<T>(z.cview(), y.view());
      append(out, y.storage);
      break;
    }
    case op::categorical_cross_entropy: {
      std::vector<T> losses(d.p.rows);
      append_scalar(out, categorical_cross_entropy<T>(d.p.cview(), d.lab_p, losses));
      append(out, losses);
      break;
    }
    case op::categorical_cross_entropy_onehot: {
      std::vector<T> losses(d.p.rows);
      append_scalar(out, categorical_cross_entropy<T>(d.p.cview(), d.t.cview(), losses));
      append(out, losses);
      break;
    }
    case op::softmax_cce_short:
    case op::softmax_cce_long: {
      const bool shrt = o == op::softmax_cce_short;
      const strided<T>& z = shrt ? d.zs : d.zl;
      std::vector<T> losses(z.rows);
      append_scalar(out, softmax_cross_entropy<T>(z.cview(), shrt ? d.lab_zs : d.lab_zl, losses));
      append(out, losses);
      break;
    }
    case op::softmax_cce_mean_only: append_scalar(out, softmax_cross_entropy<T>(d.zl.cview(), d.lab_zl)); break;
    case op::argmax_scores:
    case op::argmax_logits: {
      const strided<T>& z = o == op::argmax_scores ? d.s : d.zl;
      std::vector<std::int32_t> idx(z.rows, -1);
      argmax<T>(z.cview(), idx);
      append(out, idx);
      break;
    }
    case op::accuracy_labels: append_scalar(out, accuracy<T>(d.s.cview(), d.lab_p)); break;
    case op::accuracy_onehot: append_scalar(out, accuracy<T>(d.s.cview(), d.t.cview())); break;
    case op::count: break;
  }
  return out;
}

// The same outputs computed through one ISA's kernel table directly (detail::table), bypassing the
// dispatch: the references do not depend on the code under test choosing the right ISA. Mirrors run()
// and src/api.cpp (the mean is the table's double sum over n, rounded once; accuracy one-hot reduces the
// labels with the same table's argmax).
template <class T>
bytes run_table(op o, const data<T>& d, const detail::kernel_table<T>& k) {
  bytes out;
  const auto mean = [&](const std::vector<T>& l) { return static_cast<T>(k.sum(l.data(), l.size()) / static_cast<double>(l.size())); };
  switch (reference_of(o)) {
    case op::dense_forward:
    case op::dense_relu: {
      strided<T> y(d.x.rows, d.w.cols, 3, 1);
      (reference_of(o) == op::dense_forward ? k.dense_forward : k.dense_relu)(d.x.data(), d.x.ld, d.w.data(), d.w.ld, d.b.data(), y.data(), y.ld,
                                                                              d.x.rows, d.x.cols, d.w.cols);
      append(out, y.storage);
      break;
    }
    case op::relu_contiguous:
    case op::clip_contiguous: {
      strided<T> y(d.e.rows, d.e.cols, 0, 0);
      if (o == op::relu_contiguous)
        k.relu(d.e.data(), d.e.ld, y.data(), y.ld, d.e.rows, d.e.cols);
      else
        k.clip(d.e.data(), d.e.ld, y.data(), y.ld, d.e.rows, d.e.cols, T(-0.5), T(0.75));
      append(out, y.storage);
      break;
    }
    case op::relu_strided: {
      strided<T> y(d.es.rows, d.es.cols, 1, 3);
      k.relu(d.es.data(), d.es.ld, y.data(), y.ld, d.es.rows, d.es.cols);
      append(out, y.storage);
      break;
    }
    case op::relu_in_place: {
      strided<T> y = d.es;
      k.relu(y.data(), y.ld, y.data(), y.ld, y.rows, y.cols);
      append(out, y.storage);
      break;
    }
    case op::clip_default_bounds: {
      strided<T> y(d.p.rows, d.p.cols, 2, 1);
      k.clip(d.p.data(), d.p.ld, y.data(), y.ld, d.p.rows, d.p.cols, T(1e-7), T(1) - T(1e-7));
      append(out, y.storage);
      break;
    }
    case op::softmax_short:
    case op::softmax_long: {
      const strided<T>& z = o == op::softmax_short ? d.zs : d.zl;
      strided<T> y(z.rows, z.cols, 2, 1);
      k.softmax(z.data(), z.ld, y.data(), y.ld, z.rows, z.cols);
      append(out, y.storage);
      break;
    }
    case op::categorical_cross_entropy:
    case op::categorical_cross_entropy_onehot: {
      std::vector<T> losses(d.p.rows);
      if (o == op::categorical_cross_entropy)
        k.categorical_cross_entropy(d.p.data(), d.p.ld, d.lab_p.data(), losses.data(), d.p.rows, d.p.cols, T(1e-7));
      else
        k.categorical_cross_entropy_onehot(d.p.data(), d.p.ld, d.t.data(), d.t.ld, losses.data(), d.p.rows, d.p.cols, T(1e-7));
      append_scalar(out, mean(losses));
      append(out, losses);
      break;
    }
    case op::softmax_cce_short:
    case op::softmax_cce_long:
    case op::softmax_cce_mean_only: {
      const bool shrt = o == op::softmax_cce_short;
      const strided<T>& z = shrt ? d.zs : d.zl;
      std::vector<T> losses(z.rows);
      k.softmax_cross_entropy(z.data(), z.ld, (shrt ? d.lab_zs : d.lab_zl).data(), losses.data(), z.rows, z.cols);
      append_scalar(out, mean(losses));
      if (o != op::softmax_cce_mean_only) append(out, losses);
      break;
    }
    case op::argmax_scores:
    case op::argmax_logits: {
      const strided<T>& z = o == op::argmax_scores ? d.s : d.zl;
      std::vector<std::int32_t> idx(z.rows, -1);
      k.argmax(z.data(), z.ld, idx.data(), z.rows, z.cols);
      append(out, idx);
      break;
    }
    case op::accuracy_labels:
    case op::accuracy_onehot: {
      std::vector<std::int32_t> labels = d.lab_p;
      if (o == op::accuracy_onehot) k.argmax(d.t.data(), d.t.ld, labels.data(), d.t.rows, d.t.cols);
      const std::size_t hits = k.accuracy(d.s.data(), d.s.ld, labels.data(), d.s.rows, d.s.cols);
      append_scalar(out, static_cast<double>(hits) / static_cast<double>(d.s.rows));
      break;
    }
    default: break;
  }
  return out;
}

// refs[isa][op] for one element type; empty for ISAs that are not runnable.
using reference_set = std::array<std::array<bytes, kOps>, isa_count>;

// The references, from each runnable ISA's table directly. Then, on one thread, the API with the cap at
// that ISA must give them, packed layers included (the storm relies on that single-thread agreement).
template <class T>
reference_set references(const data<T>& d) {
  reference_set refs;
  set_num_threads(1);
  set_parallel_threshold(default_parallel_threshold);
  for (isa i : runnable_isas()) {
    auto& r = refs[static_cast<int>(i)];
    for (int k = 0; k < kOps; ++k) r[k] = run_table<T>(static_cast<op>(k), d, detail::table<T>(i));
    set_isa_cap(i);
    const packed_dense<T> layer(d.w.cview(), d.b);
    for (int k = 0; k < kOps; ++k)
      EXPECT_TRUE(run<T>(static_cast<op>(k), d, &layer) == r[k])
          << to_string(i) << (std::is_same_v<T, double> ? " f64 " : " f32 ") << kOpNames[k]
          << ": the API with the cap at this ISA, one thread, differs from its kernel table's output";
  }
  reset_isa_cap();
  set_num_threads(0);
  return refs;
}

// What the storm shares: the switcher's state, the counters and the failures.
struct storm {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> generation{0};  // odd while the switcher changes the cap
  std::atomic<int> current{0};               // the active ISA after the last cap change
  std::atomic<long> calls{0}, cap_changes{0}, thread_changes{0}, threshold_changes{0};
  std::array<std::atomic<long>, isa_count> pinned{};
  std::array<std::atomic<long>, 2> packed_ok{}, packed_threw{};  // [f64]
  std::atomic<long> failures{0};
  std::mutex m;
  std::vector<std::string> messages;  // the first few failures

  void fail(const std::string& what) {
    failures.fetch_add(1);
    const std::lock_guard lock(m);
    if (messages.size() < 12) messages.push_back(what);
  }
};

template <class T>
std::string where(op o) {
  return std::string(kOpNames[static_cast<int>(o)]) + (std::is_same_v<T, double> ? " f64" : " f32");
}

// Which runnable ISAs' references equal `got` (for the message).
std::string matching(const reference_set& refs, op o, const bytes& got) {
  std::string s;
  for (isa i : runnable_isas())
    if (refs[static_cast<int>(i)][static_cast<int>(reference_of(o))] == got) s += (s.empty() ? "" : ", ") + std::string(to_string(i));
  return s.empty() ? "no ISA" : s;
}

template <class T>
void call_once(storm& st, const data<T>& d, const reference_set& refs, op o, std::optional<packed_dense<T>>& layer) {
  const int f64 = std::is_same_v<T, double> ? 1 : 0;
  if (is_packed(o) && !layer) layer.emplace(d.w.cview(), d.b);
  const std::uint64_t g0 = st.generation.load();
  const int expect = st.current.load();
  bytes got;
  bool threw = false;
  std::string error_text;
  try {
    got = run<T>(o, d, is_packed(o) ? &*layer : nullptr);
  } catch (const error& e) {
    threw = true;
    error_text = e.what();
  }
  const std::uint64_t g1 = st.generation.load();
  const bool pinned = g0 == g1 && g0 % 2 == 0;
  st.calls.fetch_add(1, std::memory_order_relaxed);
  if (pinned) st.pinned[static_cast<std::size_t>(expect)].fetch_add(1, std::memory_order_relaxed);

  if (is_packed(o)) {
    const isa target = layer->target();
    if (threw) {
      if (error_text.find("packed for") == std::string::npos)
        st.fail(where<T>(o) + ": unexpected error: " + error_text);
      else if (pinned && expect == static_cast<int>(target))
        st.fail(where<T>(o) + ": threw although the active ISA stayed " + std::string(to_string(target)) +
                ", the layer's target: " + error_text);
      st.packed_threw[f64].fetch_add(1, std::memory_order_relaxed);
      layer.reset();  // pack again on the next packed call
      return;
    }
    st.packed_ok[f64].fetch_add(1, std::memory_order_relaxed);
    if (pinned && expect != static_cast<int>(target))
      st.fail(where<T>(o) + ": a layer packed for " + std::string(to_string(target)) + " ran while the active ISA stayed " +
              std::string(to_string(static_cast<isa>(expect))) + " (it must throw)");
    if (got != refs[static_cast<int>(target)][static_cast<int>(reference_of(o))])
      st.fail(where<T>(o) + ": output differs from the reference of its target " + std::string(to_string(target)) +
              "; matches " + matching(refs, o, got));
    return;
  }
  if (threw) {
    st.fail(where<T>(o) + ": threw " + error_text);
    return;
  }
  if (pinned) {
    if (got != refs[static_cast<std::size_t>(expect)][static_cast<int>(o)])
      st.fail(where<T>(o) + ": with " + std::string(to_string(static_cast<isa>(expect))) +
              " active throughout, the output matches " + matching(refs, o, got));
    return;
  }
  for (isa i : runnable_isas())
    if (got == refs[static_cast<int>(i)][static_cast<int>(o)]) return;
  st.fail(where<T>(o) + ": output matches no ISA's single-thread reference");
}

void caller(storm& st, int id, const data<float>& df, const data<double>& dd, const reference_set& rf,
            const reference_set& rd) {
  std::mt19937 g(static_cast<std::uint32_t>(1000 + id));
  std::uniform_int_distribution<int> pick(0, 2 * kOps - 1);
  std::optional<packed_dense<float>> lf;
  std::optional<packed_dense<double>> ld;
  try {
    while (!st.stop.load(std::memory_order_relaxed)) {
      const int k = pick(g);
      const op o = static_cast<op>(k % kOps);
      if (k < kOps)
        call_once<float>(st, df, rf, o, lf);
      else
        call_once<double>(st, dd, rd, o, ld);
    }
  } catch (const std::exception& e) {
    st.fail("caller " + std::to_string(id) + " stopped by an exception: " + e.what());
  }
}

// Changes the cap (bracketed by the generation counter), the thread count or the threshold, then pauses
// for 0 to 2 ms (a quarter of the changes follow each other at once).
void switcher(storm& st) {
  const std::vector<isa> isas = runnable_isas();
  std::mt19937 g(77);
  std::uniform_int_distribution<int> what(0, 5), cap(0, static_cast<int>(isas.size())), threads(0, 3), pause_us(0, 2000);
  try {
    while (!st.stop.load(std::memory_order_relaxed)) {
      const int w = what(g);
      if (w < 3) {
        const int c = cap(g);  // isas.size(): reset_isa_cap
        st.generation.fetch_add(1);
        if (c == static_cast<int>(isas.size())) {
          reset_isa_cap();
          st.current.store(static_cast<int>(isas.back()));
        } else {
          set_isa_cap(isas[static_cast<std::size_t>(c)]);
          st.current.store(static_cast<int>(isas[static_cast<std::size_t>(c)]));
        }
        st.generation.fetch_add(1);
        st.cap_changes.fetch_add(1, std::memory_order_relaxed);
      } else if (w < 5) {
        set_num_threads(threads(g));  // 0: OpenMP's default
        st.thread_changes.fetch_add(1, std::memory_order_relaxed);
      } else {
        set_parallel_threshold(parallel_threshold() == 0 ? default_parallel_threshold : 0);
        st.threshold_changes.fetch_add(1, std::memory_order_relaxed);
      }
      if (g() % 4 != 0) std::this_thread::sleep_for(std::chrono::microseconds(pause_us(g)));
    }
  } catch (const std::exception& e) {
    st.fail(std::string("switcher stopped by an exception: ") + e.what());
  }
}

class Stress : public ::testing::Test {
 protected:
  void TearDown() override {
    reset_isa_cap();
    set_num_threads(0);
    set_parallel_threshold(default_parallel_threshold);
  }
};

double budget_seconds() {
  if (const char* s = std::getenv("NNSIMD_STRESS_SECONDS"); s && *s) return std::strtod(s, nullptr);
  return 2.0;
}

TEST_F(Stress, ApiWhileCapAndThreadsSwitch) {
  const data<float> df;
  const data<double> dd;
  const reference_set rf = references(df), rd = references(dd);
  ASSERT_FALSE(HasFailure());

  // The pinned check has teeth only if the ISAs' references differ: every pair must differ in some call
  // (the summation order of dense and of the mean, the exp of softmax, FMA or not).
  const std::vector<isa> isas = runnable_isas();
  for (std::size_t a = 0; a < isas.size(); ++a)
    for (std::size_t b = a + 1; b < isas.size(); ++b) {
      int differ = 0;
      for (int k = 0; k < kOps; ++k)
        differ += (rf[static_cast<int>(isas[a])][k] != rf[static_cast<int>(isas[b])][k]) +
                  (rd[static_cast<int>(isas[a])][k] != rd[static_cast<int>(isas[b])][k]);
      EXPECT_GT(differ, 0) << to_string(isas[a]) << " and " << to_string(isas[b]) << " give the same bits everywhere";
    }

  storm st;
  st.current.store(static_cast<int>(active_isa()));
  const auto covered = [&] {
    if (st.cap_changes.load() < kMinCapChanges) return false;
    for (isa i : isas)
      if (st.pinned[static_cast<int>(i)].load() < kMinPinned) return false;
    for (int f = 0; f < 2; ++f)
      if (st.packed_ok[f].load() == 0 || st.packed_threw[f].load() == 0) return false;
    return true;
  };
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  std::vector<std::thread> threads;
  for (int id = 0; id < kCallers; ++id) threads.emplace_back(caller, std::ref(st), id, std::cref(df), std::cref(dd), std::cref(rf), std::cref(rd));
  threads.emplace_back(switcher, std::ref(st));
  const double budget = budget_seconds();
  while ((seconds() < budget || !covered()) && seconds() < kMaxSeconds && st.failures.load() == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  st.stop.store(true);
  for (auto& t : threads) t.join();

  std::ostringstream summary;
  summary << st.calls.load() << " calls in " << seconds() << " s on " << kCallers << " threads; " << st.cap_changes.load()
          << " cap changes, " << st.thread_changes.load() << " thread-count and " << st.threshold_changes.load()
          << " threshold changes; pinned calls:";
  for (isa i : isas) summary << ' ' << to_string(i) << ' ' << st.pinned[static_cast<int>(i)].load();
  summary << "; packed layer f32 ran " << st.packed_ok[0].load() << " / threw " << st.packed_threw[0].load() << ", f64 ran "
          << st.packed_ok[1].load() << " / threw " << st.packed_threw[1].load();
  std::cout << summary.str() << '\n';

  for (const std::string& m : st.messages) ADD_FAILURE() << m;
  EXPECT_EQ(st.failures.load(), 0) << summary.str();
  EXPECT_TRUE(covered()) << "coverage not reached within " << kMaxSeconds << " s: " << summary.str();
}

}  // namespace
}  // namespace nnsimd::test
