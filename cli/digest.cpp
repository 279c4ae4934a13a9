// `nnsimd digest`: a hash of the output bits of every public function x dtype x runnable ISA on fixed
// inputs, so a change that must not change a result (a move, a refactor, a new compiler flag) can prove
// it did not. Written against the public API only (nnsimd.hpp, isa.hpp): what it hashes is what a user
// gets.
//
// The inputs are generated from integers (splitmix64) and rounded to T by IEEE arithmetic alone, so they
// are the same on every machine and standard library. They cover every code path of the kernels: dense shapes
// with tails in rows, n_in and n_out, k and n blocking, the skinny and the packed paths and strided
// views; rows of every width class for the row kernels; and the adversarial values (NaN, +-inf, -0,
// subnormals, ties, probabilities 0 and 1, rows of only -inf).
//
// Each result is computed at one thread and again at two threads with the parallel threshold at 0; the
// two must agree bit for bit (a documented property of the library) or the command fails.
//
// One line per result: "<isa> <dtype> <function> <FNV-1a 64 of the output bytes>". --check compares
// with a committed file (tests/digests/<arch>.txt); --write merges this machine's lines into one.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <sstream>
#include <vector>

#include "commands.hpp"
#include "npy.hpp"

namespace nnsimd::cli {

namespace {

// ---- inputs -------------------------------------------------------------------------------------

struct rng {
  std::uint64_t s;
  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // A multiple of 2^-53 in [0, 1): all 53 bits of a double, so double products are not exact and the
  // digest of double sees the order of a sum; float rounds it to nearest, the same everywhere.
  double unit() { return double(next() >> 11) * 0x1p-53; }
  std::int32_t below(std::size_t n) { return static_cast<std::int32_t>(next() % n); }
};

template <class T>
constexpr T inf = std::numeric_limits<T>::infinity();
template <class T>
constexpr T nan = std::numeric_limits<T>::quiet_NaN();

// 64-byte aligned storage: the kernels' alignment peeling then takes the same path in every build and
// process, so their instruction counts (callgrind_count.py --digest) do not move with the heap's layout.
template <class T>
struct aligned64 {
  using value_type = T;
  aligned64() = default;
  template <class U>
  aligned64(const aligned64<U>&) {}
  T* allocate(std::size_t n) {
    void* p = std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64);
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) { std::free(p); }
  template <class U>
  bool operator==(const aligned64<U>&) const { return true; }
};
template <class T>
using avec = std::vector<T, aligned64<T>>;

// A rows x cols matrix with row stride ld >= cols; the padding holds a marker the kernels must not
// change (hashed with the rest).
template <class T>
struct mat {
  std::size_t rows, cols, ld;
  avec<T> v;
  mat(std::size_t r, std::size_t c, std::size_t pad = 0) : rows(r), cols(c), ld(c + pad), v(r * (c + pad), T(-3.25)) {}
  T& at(std::size_t i, std::size_t j) { return v[i * ld + j]; }
  matrix_view<T> view() { return {v.data(), rows, cols, ld}; }
  const_matrix_view<T> cview() const { return {v.data(), rows, cols, ld}; }
};

template <class T>
mat<T> uniform(rng& g, std::size_t r, std::size_t c, double lo, double width, std::size_t pad = 0) {
  mat<T> m(r, c, pad);
  for (std::size_t i = 0; i < r; ++i)
    for (std::size_t j = 0; j < c; ++j) m.at(i, j) = static_cast<T>(lo + g.unit() * width);
  return m;
}

// Values every elementwise kernel must handle, written over the first cells of a matrix.
template <class T>
void plant_specials(mat<T>& m) {
  const T s[] = {nan<T>,  -nan<T>, inf<T>, -inf<T>, T(-0.0), T(0),
                 std::numeric_limits<T>::denorm_min(), -std::numeric_limits<T>::denorm_min(),
                 std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), -std::numeric_limits<T>::max(),
                 T(1e-7), T(1) - T(1e-7), T(1), T(1e-8), T(0.5)};
  std::size_t k = 0;
  for (std::size_t i = 0; i < m.rows && k < std::size(s); ++i)
    for (std::size_t j = 0; j < m.cols && k < std::size(s); j += 3) m.at(i, j) = s[k++];
}

// Row-kernel inputs: a few rows of each width, ordinary rows then adversarial ones (a NaN, a +inf, only
// -inf, one -inf, a huge spread, ties at the maximum, subnormals).
template <class T>
mat<T> logits(rng& g, std::size_t cols, std::size_t pad) {
  mat<T> m = uniform<T>(g, 11, cols, -8, 16, pad);
  const std::size_t c = cols;
  m.at(4, g.below(c)) = nan<T>;
  m.at(5, g.below(c)) = inf<T>;
  for (std::size_t j = 0; j < c; ++j) m.at(6, j) = -inf<T>;
  m.at(7, g.below(c)) = -inf<T>;
  for (std::size_t j = 0; j < c; ++j) m.at(8, j) *= T(1e4);
  for (std::size_t j = 0; j < c; j += 2) m.at(9, j) = T(7);
  for (std::size_t j = 0; j < c; ++j) m.at(10, j) = std::numeric_limits<T>::denorm_min() * T(j % 5);
  return m;
}

// Probability rows (softmax outputs), with 0, 1, subnormal and NaN entries in some rows.
template <class T>
mat<T> probabilities(rng& g, std::size_t rows, std::size_t cols, std::size_t pad) {
  mat<T> m(rows, cols, pad);
  for (std::size_t i = 0; i < rows; ++i) {
    double sum = 0;
    std::vector<double> r(cols);
    for (auto& x : r) sum += (x = g.unit() + 0x1p-24);  // no zero but where planted
    for (std::size_t j = 0; j < cols; ++j) m.at(i, j) = static_cast<T>(r[j] / sum);
  }
  if (rows > 4) {
    for (std::size_t j = 0; j < cols; ++j) m.at(1, j) = T(0);
    m.at(2, 0) = T(1);
    m.at(3, cols - 1) = std::numeric_limits<T>::denorm_min();
    m.at(4, cols / 2) = nan<T>;
  }
  return m;
}

avec<std::int32_t> labels(rng& g, std::size_t rows, std::size_t cols) {
  avec<std::int32_t> l(rows);
  for (auto& x : l) x = g.below(cols);
  return l;
}

// ---- hashing ------------------------------------------------------------------------------------

struct fnv {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  }
};

// What a function's cases output, in order: each chunk (a matrix with its padding, a vector, a scalar)
// goes into the function's hash and into its case's, and is kept as an array when --dump or --against
// needs the values. The function's hash is over the same bytes in the same order as before cases were
// recorded, so it did not change when they were added.
struct recorder {
  struct one_case {
    std::string label;
    fnv hash;
    std::vector<npy::array> chunks;
  };
  fnv total;
  std::vector<one_case> cases;
  bool keep = false;

  void begin_case(std::string label) { cases.push_back({std::move(label), {}, {}}); }
  template <class V>
  void record(const V* p, std::vector<std::size_t> shape) {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;
    total.bytes(p, n * sizeof(V));
    cases.back().hash.bytes(p, n * sizeof(V));
    if (keep) cases.back().chunks.push_back(npy::make<V>(std::move(shape), p));
  }
  template <class V, class A>
  void all(const std::vector<V, A>& v) { record(v.data(), {v.size()}); }
  template <class V>
  void one(V x) { record(&x, {1}); }
  template <class T>
  void matrix(const mat<T>& m) { record(m.v.data(), {m.rows, m.ld}); }
};

std::string dims(std::size_t rows, std::size_t cols, std::size_t pad) {
  return std::to_string(rows) + "x" + std::to_string(cols) + (pad ? " (row stride +" + std::to_string(pad) + ")" : "");
}

// ---- the functions, each over its cases ---------------------------------------------------------

template <class T>
using digest_fn = void (*)(recorder&);

struct dense_case {
  std::size_t rows, n_in, n_out, pad;
};
// The book's layers, tails in every dimension, a skinny layer (n_out 10), k blocking (n_in > 256) and n
// blocking (n_out > 1000), strided views.
constexpr dense_case dense_cases[] = {{300, 2, 3, 0},   {300, 3, 3, 0},    {1, 5, 1, 0},      {33, 17, 29, 3},
                                      {257, 128, 10, 0}, {70, 300, 90, 5}, {160, 300, 200, 0}, {9, 600, 1030, 1}};

template <class T, bool Relu, bool Packed>
void dense_digest(recorder& h) {
  rng g{0xde05e};
  for (const dense_case& c : dense_cases) {
    h.begin_case(dims(c.rows, c.n_in, c.pad) + " -> " + std::to_string(c.n_out));
    const mat<T> x = uniform<T>(g, c.rows, c.n_in, -1, 2, c.pad);
    const mat<T> w = uniform<T>(g, c.n_in, c.n_out, -1, 2, c.pad);
    avec<T> b(c.n_out);
    for (auto& v : b) v = static_cast<T>(2 * g.unit() - 1);
    mat<T> y(c.rows, c.n_out, c.pad);
    if constexpr (Packed) {
      const packed_dense<T> layer(w.cview(), b);
      Relu ? dense_relu<T>(x.cview(), layer, y.view()) : dense_forward<T>(x.cview(), layer, y.view());
    } else {
      Relu ? dense_relu<T>(x.cview(), w.cview(), b, y.view()) : dense_forward<T>(x.cview(), w.cview(), b, y.view());
    }
    h.matrix(y);
  }
}

// The chapter's network in one call: the book's 300 x 2 -> 3 -> 3, odd widths, MNIST-like 10 classes
// behind a wide hidden layer, strided views; a zero row and a NaN row where there are rows for them. Its
// mean loss, accuracy, per-sample losses and probabilities.
struct forward_case {
  std::size_t rows, n_in, n_hidden, n_out, pad;
};
constexpr forward_case forward_cases[] = {{300, 2, 3, 3, 0}, {1, 5, 7, 3, 0}, {49, 13, 19, 10, 2}, {130, 40, 300, 10, 1}};

template <class T, bool Packed>
void forward_digest(recorder& h) {
  rng g{0xf0e};
  for (const forward_case& c : forward_cases) {
    h.begin_case(dims(c.rows, c.n_in, c.pad) + " -> " + std::to_string(c.n_hidden) + " -> " + std::to_string(c.n_out));
    mat<T> x = uniform<T>(g, c.rows, c.n_in, -1, 2, c.pad);
    if (c.rows > 5) {
      for (std::size_t j = 0; j < c.n_in; ++j) x.at(1, j) = T(0);
      x.at(5, 0) = nan<T>;
    }
    const mat<T> w1 = uniform<T>(g, c.n_in, c.n_hidden, -1, 2, c.pad);
    const mat<T> w2 = uniform<T>(g, c.n_hidden, c.n_out, -1, 2, c.pad);
    avec<T> b1(c.n_hidden), b2(c.n_out), losses(c.rows);
    for (auto& v : b1) v = static_cast<T>(g.unit() - 0.5);
    for (auto& v : b2) v = static_cast<T>(g.unit() - 0.5);
    const auto l = labels(g, c.rows, c.n_out);
    mat<T> p(c.rows, c.n_out, c.pad);
    forward_result<T> r;
    if constexpr (Packed) {
      const packed_dense<T> l1(w1.cview(), b1), l2(w2.cview(), b2);
      r = forward_pass<T>(x.cview(), l1, l2, l, losses, p.view());
    } else {
      r = forward_pass<T>(x.cview(), w1.cview(), b1, w2.cview(), b2, l, losses, p.view());
    }
    h.one(r.loss);
    h.one(r.accuracy);
    h.all(losses);
    h.matrix(p);
  }
}

// Widths: below, at and above every vector length, the book's 3, MNIST's 10, 1000 and an odd 1031.
constexpr std::size_t row_widths[] = {1, 3, 7, 10, 17, 33, 128, 1000, 1031};

template <class T, int Kind>  // 0 relu, 1 clip at the book's bounds, 2 clip at other bounds
void elementwise_digest(recorder& h) {
  rng g{0xe1e + Kind};
  for (std::size_t cols : {std::size_t{45}, std::size_t{1000}, std::size_t{4099}}) {
    h.begin_case(dims(37, cols, cols % 7));
    mat<T> x = uniform<T>(g, 37, cols, -1, 3, cols % 7);
    plant_specials(x);
    mat<T> y(x.rows, x.cols, x.ld - x.cols);
    if constexpr (Kind == 0) relu<T>(x.cview(), y.view());
    if constexpr (Kind == 1) clip<T>(x.cview(), y.view());
    if constexpr (Kind == 2) clip<T>(x.cview(), y.view(), T(-0.5), T(0.25));
    h.matrix(y);
  }
}

// softmax, and the fused loss on the same kind of rows.
template <class T, bool Fused>
void logit_digest(recorder& h) {
  rng g{Fused ? 0x5ceu : 0x50f7u};
  for (std::size_t cols : row_widths) {
    h.begin_case(dims(11, cols, cols % 3));
    const mat<T> x = logits<T>(g, cols, cols % 3);
    if constexpr (Fused) {
      const auto l = labels(g, x.rows, cols);
      avec<T> losses(x.rows);
      h.one(softmax_cross_entropy<T>(x.cview(), l, losses));
      h.all(losses);
    } else {
      mat<T> y(x.rows, x.cols, x.ld - x.cols);
      softmax<T>(x.cview(), y.view());
      h.matrix(y);
    }
  }
}

template <class T, bool Onehot>
void cross_entropy_digest(recorder& h) {
  rng g{0xcce + Onehot};
  for (std::size_t cols : row_widths) {
    h.begin_case(dims(9, cols, cols % 2));
    const mat<T> p = probabilities<T>(g, 9, cols, cols % 2);
    const auto l = labels(g, p.rows, cols);
    avec<T> losses(p.rows);
    if constexpr (Onehot) {
      mat<T> t(p.rows, cols, cols % 2);
      for (std::size_t i = 0; i < p.rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) t.at(i, j) = T(j == std::size_t(l[i]));
      t.at(0, 0) = T(0.25);  // a target that is not one-hot, used as given
      // Soft rows, every column weighted: their sums' bits depend on the order of the additions (a
      // one-hot row's sum is one product, in any order).
      for (std::size_t i = 1; i < 4 && i < p.rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) t.at(i, j) = T(1) / T(cols + i) + T(j % 3) / T(64);
      h.one(categorical_cross_entropy<T>(p.cview(), t.cview(), losses));
    } else {
      h.one(categorical_cross_entropy<T>(p.cview(), l, losses));
    }
    h.all(losses);
  }
}

template <class T, int Kind>  // 0 argmax, 1 accuracy on sparse labels, 2 accuracy on one-hot labels
void argmax_digest(recorder& h) {
  rng g{0xa6 + Kind};
  for (std::size_t cols : row_widths) {
    h.begin_case(dims(11, cols, cols % 4));
    mat<T> x = logits<T>(g, cols, cols % 4);
    // Coarse values: ties at the maximum in many rows.
    for (std::size_t i = 0; i < 4; ++i)
      for (std::size_t j = 0; j < cols; ++j) x.at(i, j) = std::floor(x.at(i, j) / 4);
    auto l = labels(g, x.rows, cols);
    if constexpr (Kind == 0) {
      avec<std::int32_t> idx(x.rows);
      argmax<T>(x.cview(), idx);
      h.all(idx);
    } else {
      avec<std::int32_t> idx(x.rows);
      argmax<T>(x.cview(), idx);
      for (std::size_t i = 0; i < l.size(); i += 2) l[i] = idx[i];  // half right
      if constexpr (Kind == 1) {
        h.one(accuracy<T>(x.cview(), l));
      } else {
        mat<T> t(x.rows, cols);
        for (std::size_t i = 0; i < x.rows; ++i) t.at(i, std::size_t(l[i])) = T(1);
        for (std::size_t i = 0; i < x.rows; ++i)
          for (std::size_t j = 0; j < cols; ++j)
            if (j != std::size_t(l[i])) t.at(i, j) = T(0);
        h.one(accuracy<T>(x.cview(), t.cview()));
      }
    }
  }
}

template <class T>
struct entry {
  const char* name;
  digest_fn<T> fn;
};

// Every public function (nnsimd.hpp), each overload under a name of its own.
template <class T>
const std::vector<entry<T>>& entries() {
  static const std::vector<entry<T>> e = {
      {"dense_forward", &dense_digest<T, false, false>},
      {"dense_relu", &dense_digest<T, true, false>},
      {"dense_forward.packed", &dense_digest<T, false, true>},
      {"dense_relu.packed", &dense_digest<T, true, true>},
      {"relu", &elementwise_digest<T, 0>},
      {"clip", &elementwise_digest<T, 1>},
      {"clip.bounds", &elementwise_digest<T, 2>},
      {"softmax", &logit_digest<T, false>},
      {"categorical_cross_entropy", &cross_entropy_digest<T, false>},
      {"categorical_cross_entropy.onehot", &cross_entropy_digest<T, true>},
      {"softmax_cross_entropy", &logit_digest<T, true>},
      {"argmax", &argmax_digest<T, 0>},
      {"accuracy", &argmax_digest<T, 1>},
      {"accuracy.onehot", &argmax_digest<T, 2>},
      {"forward_pass", &forward_digest<T, false>},
      {"forward_pass.packed", &forward_digest<T, true>},
  };
  return e;
}

// ---- the command --------------------------------------------------------------------------------

// "<isa> <dtype> <function>" -> the function's hash, and "<isa> <dtype> <function>#<k>" -> its case k's.
using digest_map = std::map<std::string, std::uint64_t>;

struct digests {
  digest_map hash;
  std::map<std::string, std::string> label;                 // case key -> its shape
  std::map<std::string, std::vector<npy::array>> outputs;   // case key -> its chunks (--dump, --against)
};

bool is_case(const std::string& key) { return key.find('#') != std::string::npos; }

std::string hex(std::uint64_t h) {
  char b[24];
  std::snprintf(b, sizeof b, "%016" PRIx64, h);
  return b;
}

template <class T>
void compute(isa i, const char* dtype, digests& out, std::vector<std::string>& thread_dependent, bool one_thread,
             bool keep) {
  for (const entry<T>& e : entries<T>()) {
    const std::size_t saved = parallel_threshold();
    set_num_threads(1);
    recorder one;
    one.keep = keep;
    e.fn(one);
    std::uint64_t two = one.total.h;
    if (!one_thread) {
      set_num_threads(2);
      set_parallel_threshold(0);
      recorder again;
      e.fn(again);
      two = again.total.h;
    }
    set_parallel_threshold(saved);
    set_num_threads(0);
    const std::string key = std::string(to_string(i)) + " " + dtype + " " + e.name;
    if (one.total.h != two) thread_dependent.push_back(key);
    out.hash[key] = one.total.h;
    for (std::size_t k = 0; k < one.cases.size(); ++k) {
      const std::string ck = key + "#" + std::to_string(k);
      out.hash[ck] = one.cases[k].hash.h;
      out.label[ck] = one.cases[k].label;
      if (keep) out.outputs[ck] = std::move(one.cases[k].chunks);
    }
  }
}

digest_map read_digests(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw error("cannot read the digest file " + path);
  digest_map m;
  std::string line;
  int n = 0;
  while (std::getline(f, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    std::string i, d, fn, h;
    if (!(s >> i >> d >> fn >> h) || h.size() != 16 || h.find_first_not_of("0123456789abcdef") != std::string::npos)
      throw error(path + ":" + std::to_string(n) + ": expected '<isa> <dtype> <function>[#<case>] <16 hex digits>', got '" +
                  line + "'");
    m[i + " " + d + " " + fn] = std::stoull(h, nullptr, 16);
  }
  return m;
}

// Writes through a temporary file renamed over the target: an error leaves the old file whole.
void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw error("cannot write " + tmp);
    f << text;
    if (!f.flush()) throw error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

void write_digests(const std::string& path, const digest_map& m) {
  std::ostringstream f;
  f << "# nnsimd digest: FNV-1a 64 of the output bits of each public function on the fixed inputs of\n"
       "# cli/digest.cpp, per ISA and dtype, and of each of its cases (<function>#<k>: which input shape\n"
       "# changed). Regenerate with `nnsimd digest --write <this file>` on a machine that runs the ISA (it\n"
       "# replaces that machine's lines and keeps the others).\n";
  for (const auto& [k, h] : m) f << k << " " << hex(h) << "\n";
  write_file(path, f.str());
}

// The file of one output chunk in a --dump folder.
std::string chunk_file(const std::string& dir, const std::string& case_key, std::size_t j) {
  std::string name = case_key;
  for (char& c : name)
    if (c == ' ' || c == '#') c = '.';
  return (std::filesystem::path(dir) / (name + "." + std::to_string(j) + ".npy")).string();
}

std::string element_text(const npy::array& a, std::size_t i) {
  char b[96];
  const unsigned char* p = a.bytes.data() + i * npy::item_size(a.type);
  if (a.type == npy::dtype::f32) {
    float v;
    std::uint32_t bits;
    std::memcpy(&v, p, 4);
    std::memcpy(&bits, p, 4);
    std::snprintf(b, sizeof b, "%.9g (0x%08" PRIx32 ")", static_cast<double>(v), bits);
  } else if (a.type == npy::dtype::f64) {
    double v;
    std::uint64_t bits;
    std::memcpy(&v, p, 8);
    std::memcpy(&bits, p, 8);
    std::snprintf(b, sizeof b, "%.17g (0x%016" PRIx64 ")", v, bits);
  } else {
    std::int32_t v;
    std::memcpy(&v, p, 4);
    std::snprintf(b, sizeof b, "%" PRId32, v);
  }
  return b;
}

std::string index_text(const std::vector<std::size_t>& shape, std::size_t flat) {
  std::vector<std::size_t> idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
  std::string s = "[";
  for (std::size_t d = 0; d < idx.size(); ++d) s += (d ? ", " : "") + std::to_string(idx[d]);
  return s + "]";
}

// Compares this build's outputs with a --dump folder (of another build): the first differing element of
// every function whose outputs differ. Returns how many functions differ.
std::size_t compare_outputs(const digests& got, const std::string& dir) {
  std::size_t differ = 0, missing = 0;
  std::string done_fn;  // one report per function: its first differing element
  for (const auto& [ck, chunks] : got.outputs) {
    const std::string fn = ck.substr(0, ck.find('#'));
    if (fn == done_fn) continue;
    for (std::size_t j = 0; j < chunks.size(); ++j) {
      const std::string file = chunk_file(dir, ck, j);
      if (!std::filesystem::exists(file)) {
        ++missing;
        continue;
      }
      const npy::array want = npy::load(file);
      const npy::array& a = chunks[j];
      std::string what;
      if (want.type != a.type || want.shape != a.shape) {
        what = "a " + std::string(npy::name(a.type)) + " " + npy::shape_str(a.shape) + " output here, " +
               npy::name(want.type) + " " + npy::shape_str(want.shape) + " recorded";
      } else {
        const std::size_t size = npy::item_size(a.type);
        for (std::size_t i = 0; i < a.count(); ++i)
          if (std::memcmp(a.bytes.data() + i * size, want.bytes.data() + i * size, size) != 0) {
            what = "element " + index_text(a.shape, i) + " of output " + std::to_string(j) + ": " + element_text(a, i) +
                   " here, " + element_text(want, i) + " recorded";
            break;
          }
      }
      if (!what.empty()) {
        ++differ;
        done_fn = fn;
        std::printf("DIFFERS:      %s, case #%s (%s): first at %s\n", fn.c_str(), ck.substr(ck.find('#') + 1).c_str(),
                    got.label.at(ck).c_str(), what.c_str());
        break;
      }
    }
  }
  if (missing) std::printf("digest: %zu outputs have no file in %s (not compared)\n", missing, dir.c_str());
  return differ;
}

void dump_outputs(const digests& got, const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::size_t n = 0;
  for (const auto& [ck, chunks] : got.outputs)
    for (std::size_t j = 0; j < chunks.size(); ++j, ++n) {
      const std::vector<unsigned char> bytes = npy::serialize(chunks[j]);
      write_file(chunk_file(dir, ck, j), std::string(bytes.begin(), bytes.end()));
    }
  std::printf("digest: %zu outputs written to %s as .npy (<isa>.<dtype>.<function>.<case>.<output>.npy)\n", n,
              dir.c_str());
}

}  // namespace

void add_digest(CLI::App& app, int& status) {
  auto* cmd = app.add_subcommand(
      "digest", "Hash the output bits of every function x dtype x runnable ISA on fixed inputs (proves a change moved no bit)");
  auto check = std::make_shared<std::string>();
  auto write = std::make_shared<std::string>();
  auto dump = std::make_shared<std::string>();
  auto against = std::make_shared<std::string>();
  cmd->add_option("--check", *check, "Compare with a digest file; exit 1 on any difference, naming the function and its first differing case")
      ->check(CLI::ExistingFile);
  cmd->add_option("--write", *write, "Merge this machine's digests into a file (other ISAs' lines are kept)");
  cmd->add_option("--dump", *dump, "Write every output as .npy into this folder (for --against from another build)");
  cmd->add_option("--against", *against,
                  "Compare the outputs with a --dump folder of another build; exit 1 naming the first differing element")
      ->check(CLI::ExistingDirectory);
  auto only = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--isa", *only, "Only these runnable ISAs (default: all)");
  auto one_thread = std::make_shared<bool>(false);
  cmd->add_flag("--one-thread", *one_thread,
                "Skip the 2-thread pass (for instruction counts under callgrind, where spinning threads add noise)");
  cmd->callback([&status, check, write, dump, against, only, one_thread] {
    digests got;
    std::vector<std::string> thread_dependent;
    const std::optional<isa> cap = isa_cap();
    std::vector<isa> isas;
    for (const std::string& name : *only) {
      const isa i = parse_isa(name);
      if (!is_runnable(i)) throw error("--isa " + name + ": not runnable here (runnable: " + isa_list(runnable_isas()) + ")");
      isas.push_back(i);
    }
    if (isas.empty()) isas = runnable_isas();
    const bool keep = !dump->empty() || !against->empty();
    for (isa i : isas) {
      set_isa_cap(i);
      compute<float>(i, "f32", got, thread_dependent, *one_thread, keep);
      compute<double>(i, "f64", got, thread_dependent, *one_thread, keep);
    }
    cap ? set_isa_cap(*cap) : reset_isa_cap();
    if (check->empty() && write->empty() && dump->empty() && against->empty())
      for (const auto& [k, h] : got.hash)
        if (!is_case(k)) std::printf("%s %s\n", k.c_str(), hex(h).c_str());
    for (const auto& k : thread_dependent)
      std::fprintf(stderr, "digest: %s differs between 1 and 2 threads\n", k.c_str());
    if (!thread_dependent.empty()) status = kExitFailed;
    if (!check->empty()) {
      const digest_map want = read_digests(*check);
      std::size_t same = 0, differ = 0, unrecorded = 0;
      for (const auto& [k, h] : got.hash) {
        if (is_case(k)) continue;
        const auto it = want.find(k);
        if (it == want.end()) {
          ++unrecorded;
          std::printf("not recorded: %s %s\n", k.c_str(), hex(h).c_str());
        } else if (it->second != h) {
          ++differ;
          std::printf("DIFFERS:      %s %s, recorded %s\n", k.c_str(), hex(h).c_str(), hex(it->second).c_str());
          // Its first case whose bits changed: which input shape (tools/ab.py digest names the element).
          for (std::size_t c = 0;; ++c) {
            const std::string ck = k + "#" + std::to_string(c);
            const auto g = got.hash.find(ck);
            if (g == got.hash.end()) break;
            const auto w = want.find(ck);
            if (w == want.end()) {
              std::printf("              (no per-case lines recorded for it: rewrite the file with --write)\n");
              break;
            }
            if (w->second != g->second) {
              std::printf("              first differing case #%zu: %s\n", c, got.label.at(ck).c_str());
              break;
            }
          }
        } else {
          ++same;
        }
      }
      std::string elsewhere;
      for (const auto& [k, h] : want)
        if (!got.hash.count(k) && elsewhere.find(k.substr(0, k.find(' '))) == std::string::npos)
          elsewhere += " " + k.substr(0, k.find(' '));
      std::printf("digest: %zu identical, %zu differ, %zu not recorded in %s%s%s\n", same, differ, unrecorded,
                  check->c_str(), elsewhere.empty() ? "" : "; recorded but not runnable here:", elsewhere.c_str());
      if (differ) status = kExitFailed;
    }
    if (!against->empty() && compare_outputs(got, *against)) status = kExitFailed;
    if (!dump->empty()) dump_outputs(got, *dump);
    if (!write->empty()) {
      digest_map merged = std::filesystem::exists(*write) ? read_digests(*write) : digest_map{};
      for (const auto& [k, h] : got.hash) merged[k] = h;
      write_digests(*write, merged);
      std::printf("digest: %zu lines for %s written to %s\n", got.hash.size(), isa_list(runnable_isas()).c_str(),
                  write->c_str());
    }
  });
}

}  // namespace nnsimd::cli
