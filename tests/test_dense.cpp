// dense_forward / dense_relu against the long-double oracle, each element within the forward-error bound
// gamma_(n_in+1) * (sum_k |x_ik w_kj| + |b_j|) (spec::dense_bound). Shapes reach every path of
// src/kernels/dense.hpp: rows below, at and above the row block (4 or 6), n_out across vector tails and
// tile widths (NV * L = 64 floats on AVX-512), n_in from 1 to past the k block (1024), the skinny path of
// the book's 300 x 2 -> 3 and 300 x 3 -> 3 (in place and staged), and a shape large enough for packed W
// and several n blocks. Inputs are strided and misaligned, with padding checked; bit-identical results
// across row partitions and thread counts. The prepacked kernels give exactly the unpacked results.
#include <algorithm>
#include <memory>

#include "test_util.hpp"

namespace nnsimd::test {
namespace {

// One dense problem in strided, misaligned buffers; run() calls the kernel and checks every element.
template <class T>
struct dense_case {
  strided<T> x, w, b, y;
  dense_case(std::size_t rows, std::size_t n_in, std::size_t n_out, std::size_t pad = 3, std::uint32_t seed = 1)
      : x(rows, n_in, pad, 1), w(n_in, n_out, pad + 2, 2), b(1, n_out, 0, 3), y(rows, n_out, pad + 1, 5) {
    fill_uniform<T>(x, T(-1), T(1), seed);
    fill_uniform<T>(w, T(-1), T(1), seed + 1);
    fill_uniform<T>(b, T(-1), T(1), seed + 2);
  }

  void call(const detail::kernel_table<T>& t, bool relu) {
    (relu ? t.dense_relu : t.dense_forward)(x.data(), x.ld, w.data(), w.ld, b.data(), y.data(), y.ld, x.rows, x.cols,
                                            w.cols);
  }

  // Runs the kernel and checks every element against the oracle (spec/dense.hpp); true if all passed.
  bool run_and_check(const detail::kernel_table<T>& t, bool relu) {
    call(t, relu);
    spec::args<T> a;
    a.rows = x.rows, a.n_in = x.cols, a.cols = w.cols;
    a.x = x.data(), a.ldx = x.ld, a.w = w.data(), a.ldw = w.ld, a.b = b.data(), a.y = y.data(), a.ldy = y.ld;
    const std::string shape =
        std::to_string(a.rows) + "x" + std::to_string(a.n_in) + "->" + std::to_string(a.cols) + (relu ? " relu" : "");
    const auto ok = relu ? spec_agrees<spec::dense_relu<T>>(a) : spec_agrees<spec::dense_forward<T>>(a);
    EXPECT_TRUE(ok) << shape;
    if (!ok) return false;
    EXPECT_TRUE(y.padding_intact()) << shape;
    return y.padding_intact();
  }
};

class DenseForward : public IsaTest {};
class DenseRelu : public IsaTest {};

// Rows around both row blocks (4 on 16-register ISAs, 6 on AVX-512) and an odd count.
const std::vector<std::size_t> kRows = {1, 3, 4, 5, 6, 7, 13};
// n_out: every vector tail for L in {2, 4, 8, 16}, tile widths NV * L +- 1 (24, 48, 64), and past them.
const std::vector<std::size_t> kCols = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 25, 31, 33, 47, 49, 63, 64, 65, 129};

void shapes(const isa_dtype& c, bool relu) {
  with_table(c, [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t n_in : {1, 2, 3, 17})
      for (std::size_t rows : kRows)
        for (std::size_t n_out : kCols) {
          dense_case<T> d(rows, n_in, n_out, 3, static_cast<std::uint32_t>(rows * 1000 + n_in * 100 + n_out));
          ASSERT_TRUE(d.run_and_check(t, relu));
        }
    // Past one k block (1024): two blocks of 550, the accumulators spilled to y in between.
    for (std::size_t rows : {1, 7, 13})
      for (std::size_t n_out : {1, 3, 16, 17, 65, 129}) {
        dense_case<T> d(rows, 1100, n_out);
        ASSERT_TRUE(d.run_and_check(t, relu));
      }
    // n_in that does not split evenly into k blocks: 1025 and 1031 (2 blocks, the last one shorter), 2049
    // (3 blocks of 683). Held against the oracle: packed and unpacked calls share the blocking, so a block
    // that drops the last k element would agree with itself.
    for (std::size_t n_in : {1025, 1031, 2049})
      for (std::size_t rows : {1, 7})
        for (std::size_t n_out : {1, 17, 65}) {
          dense_case<T> d(rows, n_in, n_out, 3, static_cast<std::uint32_t>(n_in + rows * 7 + n_out));
          ASSERT_TRUE(d.run_and_check(t, relu));
        }
  });
}

TEST_P(DenseForward, EveryPathStrided) { shapes(GetParam(), false); }
TEST_P(DenseRelu, EveryPathStrided) { shapes(GetParam(), true); }

// The skinny path (n_out below a vector, small n_in) in contiguous buffers, where it reads x and writes y
// in place, for every n_out < 16 and n_in up to 10 (beyond which it hands over to the general path), and
// batch sizes that end on and off a group of rows.
void skinny(const isa_dtype& c, bool relu) {
  with_table(c, [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t n_out = 1; n_out < 16; ++n_out)
      for (std::size_t n_in = 1; n_in <= 10; ++n_in)
        for (std::size_t rows : {1, 2, 17, 50}) {
          dense_case<T> d(rows, n_in, n_out, 0, static_cast<std::uint32_t>(n_out * 100 + n_in));
          ASSERT_TRUE(d.run_and_check(t, relu));
        }
  });
}

TEST_P(DenseForward, SkinnyContiguous) { skinny(GetParam(), false); }
TEST_P(DenseRelu, SkinnyContiguous) { skinny(GetParam(), true); }

// The book's layers: 300 x 2 -> 3 (dense1) and 300 x 3 -> 3 (dense2), contiguous and strided.
void book(const isa_dtype& c, bool relu) {
  with_table(c, [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t n_in : {2, 3})
      for (std::size_t pad : {0, 3}) {
        dense_case<T> d(300, n_in, 3, pad);
        ASSERT_TRUE(d.run_and_check(t, relu));
      }
  });
}

TEST_P(DenseForward, BookShapes) { book(GetParam(), false); }
TEST_P(DenseRelu, BookShapes) { book(GetParam(), true); }

// Packed W panels (rows >= 64) with two k blocks of 550 and several n blocks (the W block of 550 k rows
// holds 192 floats on AVX-512, 96 doubles, 216 floats on AVX2) ending in a partial panel; a partial last
// panel with n_out = 1100 (one n block for n_in = 40); W read in place (fewer rows) over several k and n
// blocks.
void large(const isa_dtype& c, bool relu) {
  with_table(c, [&]<class T>(const detail::kernel_table<T>& t) {
    dense_case<T> a(130, 1100, 257);
    ASSERT_TRUE(a.run_and_check(t, relu));
    dense_case<T> b(67, 40, 1100);
    ASSERT_TRUE(b.run_and_check(t, relu));
    dense_case<T> e(20, 40, 1100);
    ASSERT_TRUE(e.run_and_check(t, relu));
    ASSERT_TRUE(b.run_and_check(t, relu));
    dense_case<T> d(5, 1100, 1100);
    ASSERT_TRUE(d.run_and_check(t, relu));
    // Packed W (rows >= 64) over k blocks that do not split n_in evenly (1031: 516 + 515).
    dense_case<T> u(70, 1031, 33);
    ASSERT_TRUE(u.run_and_check(t, relu));
  });
}

TEST_P(DenseForward, LargeShapes) { large(GetParam(), false); }
TEST_P(DenseRelu, LargeShapes) { large(GetParam(), true); }

// relu sets negatives to +0 and keeps NaN; NaN and inf inputs propagate through the sum.
TEST_P(DenseRelu, KillsNegativesKeepsNaN) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t n_out : {3, 17, 70})
      for (std::size_t n_in : {2, 40}) {
        dense_case<T> d(20, n_in, n_out);
        d.x(3, 0) = std::numeric_limits<T>::quiet_NaN();
        d.x(11, n_in - 1) = std::numeric_limits<T>::infinity();
        ASSERT_TRUE(d.run_and_check(t, true));
        std::size_t zeros = 0;
        for (std::size_t r = 0; r < d.y.rows; ++r)
          for (std::size_t j = 0; j < n_out; ++j) {
            EXPECT_FALSE(d.y(r, j) < 0);
            if (d.y(r, j) == 0) {
              EXPECT_FALSE(std::signbit(d.y(r, j))) << "relu gives +0";
              ++zeros;
            }
            if (r == 3) {
              EXPECT_TRUE(std::isnan(d.y(r, j))) << n_in << "->" << n_out << " col " << j;
            }
            if (r == 11) {
              EXPECT_TRUE(std::isinf(d.y(r, j)) || d.y(r, j) == 0) << n_in << "->" << n_out;
            }
          }
        EXPECT_GT(zeros, n_out) << "random signs: about half the outputs are negative";
      }
  });
}

// Results are bit-identical whatever rows a call (or a thread) gets: a sub-batch starting at an odd row
// gives exactly the rows of the full batch, on every path (skinny in place / staged / tail, packed W for
// the full 130-row batch against W in place for the sub-batches).
TEST_P(DenseForward, RowPartitionInvariant) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    struct shape {
      std::size_t rows, n_in, n_out, pad;
    };
    for (const shape s : {shape{300, 2, 3, 0}, shape{300, 3, 3, 3}, shape{130, 1100, 257, 1}, shape{61, 33, 70, 0}}) {
      dense_case<T> d(s.rows, s.n_in, s.n_out, s.pad);
      d.call(t, false);
      for (const auto& [r0, m] : {std::pair<std::size_t, std::size_t>{7, 5}, {1, 23}, {s.rows - 3, 3}}) {
        strided<T> y2(m, s.n_out, s.pad, 2);
        t.dense_forward(d.x.data() + r0 * d.x.ld, d.x.ld, d.w.data(), d.w.ld, d.b.data(), y2.data(), y2.ld, m, s.n_in,
                        s.n_out);
        for (std::size_t r = 0; r < m; ++r)
          for (std::size_t j = 0; j < s.n_out; ++j)
            ASSERT_TRUE(same_value(y2(r, j), d.y(r0 + r, j)))
                << s.rows << "x" << s.n_in << "->" << s.n_out << " rows " << r0 << "+" << m << " at " << r << "," << j;
      }
    }
  });
}

// Same, across thread counts: one thread against two with the parallel threshold at 0.
TEST_P(DenseForward, ThreadCountInvariant) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    const std::size_t saved_threshold = parallel_threshold();
    for (const std::size_t n_out : {3, 257}) {
      dense_case<T> one(131, n_out == 3 ? 2 : 1100, n_out), two = one;
      set_num_threads(1);
      one.call(t, false);
      set_num_threads(2);
      set_parallel_threshold(0);
      two.call(t, false);
      set_num_threads(0);
      set_parallel_threshold(saved_threshold);
      for (std::size_t r = 0; r < one.y.rows; ++r)
        for (std::size_t j = 0; j < n_out; ++j) ASSERT_TRUE(same_value(one.y(r, j), two.y(r, j))) << r << "," << j;
    }
  });
}

// n_in = 0: the empty sum is 0, y = b (relu(b)).
TEST_P(DenseRelu, EmptyInnerDimension) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t n_out : {3, 17}) {
      dense_case<T> d(7, 0, n_out);
      ASSERT_TRUE(d.run_and_check(t, true));
      ASSERT_TRUE(d.run_and_check(t, false));
    }
  });
}

// ---- prepacked weights ------------------------------------------------------------------------------
// dense_packed_forward / dense_packed_relu must give exactly what dense_forward / dense_relu of the same
// table give (the packed layer only changes where W is read from, not one operation), so the oracle
// checks above carry over. Packing writes only its dense_packed_size elements, and the packed call never
// reads w or b again (they are overwritten with NaN before it).
class DensePacked : public IsaTest {};

template <class T>
struct packed_buffer {
  static constexpr std::size_t kGuard = 64;
  std::size_t n;
  std::vector<T> storage;  // over-allocated so that data() can sit on a 64-byte boundary
  T* base;
  explicit packed_buffer(std::size_t size) : n(size), storage(size + kGuard + 64 / sizeof(T), sentinel()) {
    void* p = storage.data();
    std::size_t space = storage.size() * sizeof(T);
    base = static_cast<T*>(std::align(64, sizeof(T), p, space));
  }
  static T sentinel() { return T(-7654.321); }
  T* data() { return base; }
  bool guard_intact() const {
    for (std::size_t i = 0; i < kGuard; ++i)
      if (!same_value(base[n + i], sentinel())) return false;
    return true;
  }
};

struct dense_shape {
  std::size_t rows, n_in, n_out, pad;
};

// Every path of dense.hpp: skinny in place (book), staged (strided), tail groups; the general path with
// W read in place (few rows) and packed (>= 64 rows), one and two k blocks (n_in = 1100), several n
// blocks ending in a partial panel (n_out = 257, 1100), every vector tail, n_in = 0.
const std::vector<dense_shape> kPackedShapes = {
    {300, 2, 3, 0},  {300, 3, 3, 3}, {50, 10, 15, 0}, {17, 1, 1, 0},    {1, 3, 5, 2},     {13, 17, 1, 3},
    {7, 17, 9, 3},   {13, 17, 17, 0}, {6, 33, 64, 1}, {61, 33, 70, 0},  {70, 40, 129, 2}, {130, 1100, 257, 1},
    {67, 40, 1100, 0}, {5, 1100, 1100, 0}, {70, 1031, 33, 0}, {7, 0, 3, 0}, {7, 0, 17, 1}, {0, 5, 7, 0}};

template <class T>
void check_packed_matches(const detail::kernel_table<T>& t, const dense_shape& s, bool relu) {
  dense_case<T> d(s.rows, s.n_in, s.n_out, s.pad, static_cast<std::uint32_t>(s.rows + 7 * s.n_in + 31 * s.n_out));
  d.call(t, relu);
  packed_buffer<T> pk(t.dense_packed_size(s.n_in, s.n_out));
  t.dense_pack(d.w.data(), d.w.ld, d.b.data(), s.n_in, s.n_out, pk.data());
  const std::string shape = std::to_string(s.rows) + "x" + std::to_string(s.n_in) + "->" + std::to_string(s.n_out) +
                            " pad " + std::to_string(s.pad) + (relu ? " relu" : "");
  ASSERT_TRUE(pk.guard_intact()) << shape << ": dense_pack wrote past dense_packed_size";
  for (std::size_t k = 0; k < s.n_in; ++k)
    for (std::size_t j = 0; j < s.n_out; ++j) d.w(k, j) = std::numeric_limits<T>::quiet_NaN();
  for (std::size_t j = 0; j < s.n_out; ++j) d.b(0, j) = std::numeric_limits<T>::quiet_NaN();
  strided<T> y(s.rows, s.n_out, s.pad + 2, 3);
  (relu ? t.dense_packed_relu : t.dense_packed_forward)(d.x.data(), d.x.ld, pk.data(), y.data(), y.ld, s.rows, s.n_in,
                                                        s.n_out);
  for (std::size_t r = 0; r < s.rows; ++r)
    for (std::size_t j = 0; j < s.n_out; ++j)
      ASSERT_TRUE(same_value(y(r, j), d.y(r, j)) && std::signbit(y(r, j)) == std::signbit(d.y(r, j)))
          << shape << " at " << r << "," << j << ": packed " << y(r, j) << " vs " << d.y(r, j);
  ASSERT_TRUE(y.padding_intact()) << shape;
}

TEST_P(DensePacked, BitIdenticalToUnpacked) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (const dense_shape& s : kPackedShapes)
      for (bool relu : {false, true}) check_packed_matches(t, s, relu);
  });
}

// On two threads (threshold 0: every shape splits) the packed layer, read by both, gives the one-thread
// result.
TEST_P(DensePacked, BitIdenticalOnTwoThreads) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    const std::size_t saved_threshold = parallel_threshold();
    set_num_threads(2);
    set_parallel_threshold(0);
    for (const dense_shape& s : {dense_shape{300, 2, 3, 0}, dense_shape{131, 1100, 257, 0}, dense_shape{61, 33, 70, 3}})
      check_packed_matches(t, s, false);
    set_num_threads(0);
    set_parallel_threshold(saved_threshold);
  });
}

// One packed layer serves batches of any size, at any row offset (a sub-batch gives the full batch's
// rows), and the same layer gives the same result call after call.
TEST_P(DensePacked, ReusedAcrossBatches) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (const dense_shape& s : {dense_shape{300, 3, 3, 0}, dense_shape{130, 1100, 257, 1}}) {
      dense_case<T> d(s.rows, s.n_in, s.n_out, s.pad);
      d.call(t, false);
      packed_buffer<T> pk(t.dense_packed_size(s.n_in, s.n_out));
      t.dense_pack(d.w.data(), d.w.ld, d.b.data(), s.n_in, s.n_out, pk.data());
      for (int round = 0; round < 2; ++round)
        for (const auto& [r0, m] : {std::pair<std::size_t, std::size_t>{0, s.rows}, {7, 5}, {1, 70}, {s.rows - 3, 3}}) {
          strided<T> y(m, s.n_out, s.pad, 2);
          t.dense_packed_forward(d.x.data() + r0 * d.x.ld, d.x.ld, pk.data(), y.data(), y.ld, m, s.n_in, s.n_out);
          for (std::size_t r = 0; r < m; ++r)
            for (std::size_t j = 0; j < s.n_out; ++j)
              ASSERT_TRUE(same_value(y(r, j), d.y(r0 + r, j)))
                  << s.n_in << "->" << s.n_out << " rows " << r0 << "+" << m << " at " << r << "," << j;
        }
    }
  });
}

NNSIMD_SPEC_STANDARD_SET_TEST(DenseForward, dense_forward)
NNSIMD_SPEC_STANDARD_SET_TEST(DenseRelu, dense_relu)
NNSIMD_SPEC_STANDARD_SET_TEST(DensePacked, dense_packed_forward)
NNSIMD_SPEC_STANDARD_SET_TEST(DensePacked, dense_packed_relu)
NNSIMD_INSTANTIATE_ISA_SUITE(DenseForward);
NNSIMD_INSTANTIATE_ISA_SUITE(DenseRelu);
NNSIMD_INSTANTIATE_ISA_SUITE(DensePacked);

}  // namespace
}  // namespace nnsimd::test
