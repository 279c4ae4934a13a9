// The public API's validation (src/api.cpp): every invalid argument throws an nnsimd::error whose
// message names the function, the argument and the sizes; nothing is written when it throws; the empty
// batch is valid (nothing to do; mean losses and accuracy are NaN, as numpy.mean of an empty array).
// Validation does not depend on the ISA, so this runs on the default one, for float and double.
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "test_util.hpp"

namespace nnsimd::test {
namespace {

// A strided output whose every element (inside and padding) holds the sentinel: after a throw it must
// be untouched.
template <class T>
bool untouched(const strided<T>& y) {
  for (T v : y.storage)
    if (v != strided<T>::sentinel()) return false;
  return true;
}

template <class T>
class Api : public ::testing::Test {};
// Named Api.<Test><float> and Api.<Test><double> by gtest_discover_tests.
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(Api, Types);

// ---- dense ---------------------------------------------------------------------------------------

TYPED_TEST(Api, DenseShapeMismatches) {
  using T = TypeParam;
  strided<T> x(2, 5), w(4, 3), w_ok(5, 3), y(2, 3), y_bad(2, 4), y_rows(3, 3);
  fill_uniform<T>(x, T(-1), T(1), 1);
  fill_uniform<T>(w, T(-1), T(1), 2);
  fill_uniform<T>(w_ok, T(-1), T(1), 3);
  std::vector<T> b(3, T(0.5)), b_short(2, T(0.5));
  using dense_fn = void (*)(const_matrix_view<T>, const_matrix_view<T>, std::span<const T>, matrix_view<T>);
  const dense_fn fns[] = {&dense_forward<T>, &dense_relu<T>};
  for (const dense_fn fn : fns) {
    const std::string name = fn == fns[0] ? "dense_forward" : "dense_relu";
    EXPECT_TRUE(throws_naming([&] { fn(x.cview(), w.cview(), b, y.view()); }, {name, "w (4 x 3)", "x (2 x 5)", "5 rows"}));
    EXPECT_TRUE(throws_naming([&] { fn(x.cview(), w_ok.cview(), b_short, y.view()); }, {name, "b has 2 elements", "expected 3"}));
    EXPECT_TRUE(throws_naming([&] { fn(x.cview(), w_ok.cview(), b, y_bad.view()); }, {name, "y (2 x 4)", "2 x 3"}));
    EXPECT_TRUE(throws_naming([&] { fn(x.cview(), w_ok.cview(), b, y_rows.view()); }, {name, "y (3 x 3)", "2 x 3"}));
    EXPECT_TRUE(untouched(y) && untouched(y_bad) && untouched(y_rows));
  }
}

TYPED_TEST(Api, DenseOutputOverlappingAnInput) {
  using T = TypeParam;
  // One buffer holding x (2 x 3), w (3 x 3) and b (3) back to back; y placed on each in turn.
  std::vector<T> buf(64, T(0.25));
  const_matrix_view<T> x(buf.data(), 2, 3), w(buf.data() + 6, 3, 3);
  std::span<const T> b(buf.data() + 15, 3);
  for (std::size_t at : {0, 4, 6, 12, 14, 15, 17}) {
    std::fill(buf.begin(), buf.end(), T(0.25));
    matrix_view<T> y(buf.data() + at, 2, 3);
    EXPECT_TRUE(throws_naming([&] { dense_forward<T>(x, w, b, y); }, {"dense_forward", "y overlaps an input"})) << at;
    EXPECT_TRUE(throws_naming([&] { dense_relu<T>(x, w, b, y); }, {"dense_relu", "y overlaps"})) << at;
    for (T v : buf) ASSERT_EQ(v, T(0.25)) << "written despite the error, y at " << at;
  }
  // Just past b: disjoint, accepted.
  matrix_view<T> y(buf.data() + 18, 2, 3);
  EXPECT_NO_THROW(dense_forward<T>(x, w, b, y));
}

TYPED_TEST(Api, DenseBadStridesAndNullPointers) {
  using T = TypeParam;
  strided<T> x(2, 5), w(5, 3), y(2, 3);
  std::vector<T> b(3);
  const_matrix_view<T> x_ld(x.data(), 2, 5, 4), w_ld(w.data(), 5, 3, 2), x_null(nullptr, 2, 5), w_null(nullptr, 5, 3);
  matrix_view<T> y_ld(y.data(), 2, 3, 1), y_null(nullptr, 2, 3);
  EXPECT_TRUE(throws_naming([&] { dense_forward<T>(x_ld, w.cview(), b, y.view()); }, {"x (2 x 5)", "row stride 4 < cols"}));
  EXPECT_TRUE(throws_naming([&] { dense_forward<T>(x.cview(), w_ld, b, y.view()); }, {"w (5 x 3)", "row stride 2"}));
  EXPECT_TRUE(throws_naming([&] { dense_forward<T>(x.cview(), w.cview(), b, y_ld); }, {"y (2 x 3)", "row stride 1"}));
  EXPECT_TRUE(throws_naming([&] { dense_forward<T>(x_null, w.cview(), b, y.view()); }, {"x (2 x 5)", "null data pointer"}));
  EXPECT_TRUE(throws_naming([&] { dense_forward<T>(x.cview(), w_null, b, y.view()); }, {"w (5 x 3)", "null"}));
  EXPECT_TRUE(throws_naming([&] { dense_forward<T>(x.cview(), w.cview(), b, y_null); }, {"y (2 x 3)", "null"}));
  EXPECT_TRUE(throws_naming([&] { dense_forward<T>(x.cview(), w.cview(), std::span<const T>(static_cast<const T*>(nullptr), 3), y.view()); },
                            {"b", "null"}));
  EXPECT_TRUE(untouched(y));
}

// ---- elementwise and softmax -----------------------------------------------------------------------

TYPED_TEST(Api, ElementwiseShapeStrideNullAndOverlap) {
  using T = TypeParam;
  strided<T> x(3, 8), y(3, 8), y_bad(3, 7);
  fill_uniform<T>(x, T(-1), T(1), 4);
  const auto relu_fn = [](const_matrix_view<T> a, matrix_view<T> b) { relu<T>(a, b); };
  const auto clip_fn = [](const_matrix_view<T> a, matrix_view<T> b) { clip<T>(a, b); };
  const auto softmax_fn = [](const_matrix_view<T> a, matrix_view<T> b) { softmax<T>(a, b); };
  const std::vector<std::pair<std::string, std::function<void(const_matrix_view<T>, matrix_view<T>)>>> fns = {
      {"relu", relu_fn}, {"clip", clip_fn}, {"softmax", softmax_fn}};
  for (const auto& [name, fn] : fns) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(throws_naming([&] { fn(x.cview(), y_bad.view()); }, {name, "y (3 x 7)", "x (3 x 8)"}));
    EXPECT_TRUE(throws_naming([&] { fn({x.data(), 3, 8, 7}, y.view()); }, {name, "x (3 x 8)", "row stride 7 < cols"}));
    EXPECT_TRUE(throws_naming([&] { fn(x.cview(), {y.data(), 3, 8, 2}); }, {name, "y (3 x 8)", "row stride 2"}));
    EXPECT_TRUE(throws_naming([&] { fn({nullptr, 3, 8}, y.view()); }, {name, "x (3 x 8)", "null"}));
    EXPECT_TRUE(throws_naming([&] { fn(x.cview(), {nullptr, 3, 8}); }, {name, "y (3 x 8)", "null"}));
    EXPECT_TRUE(untouched(y) && untouched(y_bad));
    // Partial overlap: y shifted by one element over x, or the same start with another stride.
    strided<T> buf(1, 64, 0);
    fill_uniform<T>(buf, T(-1), T(1), 5);
    const auto snapshot = buf.storage;
    EXPECT_TRUE(throws_naming([&] { fn({buf.data(), 3, 8, 10}, {buf.data() + 1, 3, 8, 10}); }, {name, "partially overlaps"}));
    EXPECT_TRUE(throws_naming([&] { fn({buf.data(), 3, 8, 10}, {buf.data(), 3, 8, 9}); }, {name, "partially overlaps"}));
    EXPECT_TRUE(throws_naming([&] { fn({buf.data() + 20, 3, 8}, {buf.data(), 3, 8}); }, {name, "partially overlaps"}));
    EXPECT_EQ(buf.storage, snapshot);
    // Exactly in place (same start, same stride) is allowed.
    EXPECT_NO_THROW(fn({buf.data(), 3, 8, 10}, {buf.data(), 3, 8, 10}));
  }
}

TYPED_TEST(Api, ClipBoundsOutOfOrder) {
  using T = TypeParam;
  strided<T> x(2, 3), y(2, 3);
  fill_uniform<T>(x, T(0), T(1), 6);
  EXPECT_TRUE(throws_naming([&] { clip<T>(x.cview(), y.view(), T(1), T(0)); }, {"clip", "lo = 1", "hi = 0"}));
  EXPECT_TRUE(throws_naming([&] { clip<T>(x.cview(), y.view(), std::numeric_limits<T>::quiet_NaN(), T(1)); }, {"clip", "lo = nan"}));
  EXPECT_TRUE(throws_naming([&] { clip<T>(x.cview(), y.view(), T(0), std::numeric_limits<T>::quiet_NaN()); }, {"clip", "hi = nan"}));
  EXPECT_TRUE(untouched(y));
  EXPECT_NO_THROW(clip<T>(x.cview(), y.view(), T(0.5), T(0.5)));  // lo == hi is fine
}

TYPED_TEST(Api, RowsNeedAtLeastOneColumn) {
  using T = TypeParam;
  std::vector<T> buf(8, T(0.5));
  const_matrix_view<T> x(buf.data(), 2, 0, 1);
  matrix_view<T> y(buf.data() + 4, 2, 0, 1);
  const std::vector<std::int32_t> labels = {0, 0};
  std::vector<std::int32_t> idx(2, -7);
  EXPECT_TRUE(throws_naming([&] { softmax<T>(x, y); }, {"softmax", "x (2 x 0)", "no columns"}));
  EXPECT_TRUE(throws_naming([&] { (void)categorical_cross_entropy<T>(x, labels); }, {"categorical_cross_entropy", "probs (2 x 0)", "no columns"}));
  EXPECT_TRUE(throws_naming([&] { (void)categorical_cross_entropy<T>(x, x); }, {"categorical_cross_entropy", "probs (2 x 0)", "no columns"}));
  EXPECT_TRUE(throws_naming([&] { (void)softmax_cross_entropy<T>(x, labels); }, {"softmax_cross_entropy", "logits (2 x 0)", "no columns"}));
  EXPECT_TRUE(throws_naming([&] { (void)accuracy<T>(x, labels); }, {"accuracy", "scores (2 x 0)", "no columns"}));
  EXPECT_TRUE(throws_naming([&] { (void)accuracy<T>(x, x); }, {"accuracy", "scores (2 x 0)", "no columns"}));
  EXPECT_TRUE(throws_naming([&] { argmax<T>(x, idx); }, {"argmax", "x (2 x 0)", "no columns"}));
  EXPECT_EQ(idx, std::vector<std::int32_t>(2, -7));
  // relu and clip of zero columns have nothing to do.
  EXPECT_NO_THROW(relu<T>(x, y));
  EXPECT_NO_THROW(clip<T>(x, y));
}

// ---- losses, accuracy, argmax ------------------------------------------------------------------------

TYPED_TEST(Api, LabelsOutOfRangeOrWrongCount) {
  using T = TypeParam;
  strided<T> p(3, 4);
  fill_uniform<T>(p, T(0.1), T(0.9), 7);
  const std::vector<std::int32_t> neg = {0, -1, 2}, high = {0, 1, 4}, way_high = {3, 2, 1000}, short_ = {0, 1};
  std::vector<T> losses(3, strided<T>::sentinel());
  const auto sentinels = losses;
  for (int which = 0; which < 3; ++which) {
    const auto call = [&](const std::vector<std::int32_t>& l) {
      if (which == 0) (void)categorical_cross_entropy<T>(p.cview(), l, losses);
      if (which == 1) (void)softmax_cross_entropy<T>(p.cview(), l, losses);
      if (which == 2) (void)accuracy<T>(p.cview(), l);
    };
    EXPECT_TRUE(throws_naming([&] { call(neg); }, {"labels[1] = -1", "outside [0, 4)"})) << which;
    EXPECT_TRUE(throws_naming([&] { call(high); }, {"labels[2] = 4", "outside [0, 4)"})) << which;  // == classes
    EXPECT_TRUE(throws_naming([&] { call(way_high); }, {"labels[2] = 1000"})) << which;
    EXPECT_TRUE(throws_naming([&] { call(short_); }, {"labels has 2 elements", "expected 3"})) << which;
    EXPECT_EQ(losses, sentinels);
  }
  EXPECT_TRUE(throws_naming([&] { (void)categorical_cross_entropy<T>(p.cview(), std::span<const std::int32_t>(static_cast<const std::int32_t*>(nullptr), 3)); },
                            {"labels", "null"}));
}

TYPED_TEST(Api, OneHotShapeMismatch) {
  using T = TypeParam;
  strided<T> p(3, 3), t(3, 4), t_rows(2, 3);
  fill_uniform<T>(p, T(0.1), T(0.9), 8);
  fill_uniform<T>(t, T(0), T(1), 9);
  fill_uniform<T>(t_rows, T(0), T(1), 9);
  std::vector<T> losses(3, strided<T>::sentinel());
  EXPECT_TRUE(throws_naming([&] { (void)categorical_cross_entropy<T>(p.cview(), t.cview(), losses); },
                            {"categorical_cross_entropy", "onehot (3 x 4)", "probs (3 x 3)"}));
  EXPECT_TRUE(throws_naming([&] { (void)categorical_cross_entropy<T>(p.cview(), t_rows.cview(), losses); }, {"onehot (2 x 3)", "probs (3 x 3)"}));
  EXPECT_TRUE(throws_naming([&] { (void)accuracy<T>(p.cview(), t.cview()); }, {"accuracy", "onehot (3 x 4)", "scores (3 x 3)"}));
  EXPECT_TRUE(throws_naming([&] { (void)categorical_cross_entropy<T>(p.cview(), {t.data(), 3, 3, 2}, losses); }, {"onehot (3 x 3)", "row stride 2"}));
  EXPECT_EQ(losses, std::vector<T>(3, strided<T>::sentinel()));
}

TYPED_TEST(Api, LossesSpanOfTheWrongSize) {
  using T = TypeParam;
  strided<T> p(3, 3);
  fill_uniform<T>(p, T(0.1), T(0.9), 10);
  const std::vector<std::int32_t> labels = {0, 1, 2};
  std::vector<T> two(2, strided<T>::sentinel()), four(4, strided<T>::sentinel());
  for (auto* l : {&two, &four}) {
    const std::string n = std::to_string(l->size());
    EXPECT_TRUE(throws_naming([&] { (void)categorical_cross_entropy<T>(p.cview(), labels, *l); }, {"losses has " + n + " elements", "expected 3"}));
    EXPECT_TRUE(throws_naming([&] { (void)categorical_cross_entropy<T>(p.cview(), p.cview(), *l); }, {"losses has " + n}));
    EXPECT_TRUE(throws_naming([&] { (void)softmax_cross_entropy<T>(p.cview(), labels, *l); }, {"softmax_cross_entropy", "losses has " + n}));
    EXPECT_EQ(*l, std::vector<T>(l->size(), strided<T>::sentinel()));
  }
}

TYPED_TEST(Api, EpsOutOfRange) {
  using T = TypeParam;
  strided<T> p(2, 3);
  fill_uniform<T>(p, T(0.1), T(0.9), 11);
  const std::vector<std::int32_t> labels = {0, 2};
  for (T eps : {T(0), T(-1e-7), T(0.5), T(1), std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<T>::infinity()}) {
    EXPECT_TRUE(throws_naming([&] { (void)categorical_cross_entropy<T>(p.cview(), labels, {}, eps); }, {"categorical_cross_entropy", "eps = ", "(0, 0.5)"})) << eps;
    EXPECT_TRUE(throws_naming([&] { (void)categorical_cross_entropy<T>(p.cview(), p.cview(), {}, eps); }, {"eps = "})) << eps;
  }
  EXPECT_NO_THROW((void)categorical_cross_entropy<T>(p.cview(), labels, {}, T(1e-15)));
  EXPECT_NO_THROW((void)categorical_cross_entropy<T>(p.cview(), labels, {}, T(0.49)));
}

TYPED_TEST(Api, ArgmaxOutputSizeAndHugeRows) {
  using T = TypeParam;
  strided<T> x(3, 4);
  fill_uniform<T>(x, T(0), T(1), 12);
  std::vector<std::int32_t> two(2, -7), four(4, -7);
  EXPECT_TRUE(throws_naming([&] { argmax<T>(x.cview(), two); }, {"argmax", "out has 2 elements", "expected 3"}));
  EXPECT_TRUE(throws_naming([&] { argmax<T>(x.cview(), four); }, {"argmax", "out has 4 elements"}));
  EXPECT_EQ(two, std::vector<std::int32_t>(2, -7));
  // More columns than an int32 index holds: rejected before any element is read.
  const std::size_t huge = std::size_t{1} << 31;
  std::vector<std::int32_t> one(1, -7);
  EXPECT_TRUE(throws_naming([&] { argmax<T>({x.data(), 1, huge, huge}, one); }, {"argmax", "int32"}));
  EXPECT_EQ(one[0], -7);
}

// ---- the empty batch -----------------------------------------------------------------------------------

TYPED_TEST(Api, EmptyBatchIsValid) {
  using T = TypeParam;
  strided<T> w(4, 3), y(1, 3);
  fill_uniform<T>(w, T(-1), T(1), 13);
  std::vector<T> b(3, T(1));
  const std::span<const std::int32_t> no_labels;
  const std::span<T> no_losses;
  // Zero rows, with and without a data pointer.
  for (T* data : {static_cast<T*>(nullptr), y.data()}) {
    const_matrix_view<T> x0(data, 0, 4), s0(data, 0, 3);
    matrix_view<T> y0(data, 0, 3);
    EXPECT_NO_THROW(dense_forward<T>(x0, w.cview(), b, y0));
    EXPECT_NO_THROW(dense_relu<T>(x0, w.cview(), b, y0));
    EXPECT_NO_THROW(relu<T>(s0, y0));
    EXPECT_NO_THROW(clip<T>(s0, y0));
    EXPECT_NO_THROW(softmax<T>(s0, y0));
    EXPECT_NO_THROW(softmax<T>({data, 0, 0}, {data, 0, 0}));  // no rows, no columns
    EXPECT_TRUE(std::isnan(categorical_cross_entropy<T>(s0, no_labels)));
    EXPECT_TRUE(std::isnan(categorical_cross_entropy<T>(s0, no_labels, no_losses)));
    EXPECT_TRUE(std::isnan(categorical_cross_entropy<T>(s0, s0)));
    EXPECT_TRUE(std::isnan(softmax_cross_entropy<T>(s0, no_labels)));
    EXPECT_TRUE(std::isnan(accuracy<T>(s0, no_labels)));
    EXPECT_TRUE(std::isnan(accuracy<T>(s0, s0)));
    EXPECT_NO_THROW(argmax<T>(s0, std::span<std::int32_t>()));
  }
  EXPECT_TRUE(untouched(y));
}

// A layer with no inputs is valid: y = b (an empty dot product is 0).
TYPED_TEST(Api, DenseWithNoInputsGivesTheBias) {
  using T = TypeParam;
  strided<T> y(4, 3), y2(4, 3);
  const std::vector<T> b = {T(1.5), T(-2), T(0.25)};
  const_matrix_view<T> x(nullptr, 4, 0), w(nullptr, 0, 3);
  dense_forward<T>(x, w, b, y.view());
  dense_relu<T>(x, w, b, y2.view());
  for (std::size_t r = 0; r < 4; ++r)
    for (std::size_t c = 0; c < 3; ++c) {
      EXPECT_EQ(y(r, c), b[c]) << r << "," << c;
      EXPECT_EQ(y2(r, c), b[c] < 0 ? T(0) : b[c]) << r << "," << c;
    }
  EXPECT_TRUE(y.padding_intact() && y2.padding_intact());
}

// ---- packed layers ------------------------------------------------------------------------------------

// A packed layer gives exactly what dense_forward / dense_relu give with its w and b, keeps its own copy
// (w and b changed after packing do not reach it), and one layer serves batches of any size.
TYPED_TEST(Api, PackedLayerMatchesUnpacked) {
  using T = TypeParam;
  for (const auto& [rows, n_in, n_out] : {std::tuple<std::size_t, std::size_t, std::size_t>{300, 2, 3}, {70, 784, 130}, {3, 0, 5}}) {
    strided<T> x(rows, n_in), w(n_in, n_out), y(rows, n_out), yp(rows, n_out, 1, 2), yr(rows, n_out), ypr(rows, n_out);
    fill_uniform<T>(x, T(-1), T(1), 1);
    fill_uniform<T>(w, T(-1), T(1), 2);
    std::vector<T> b(n_out);
    for (std::size_t j = 0; j < n_out; ++j) b[j] = T(0.01) * T(j) - T(0.3);
    const packed_dense<T> layer(w.cview(), b);
    EXPECT_EQ(layer.n_inputs(), n_in);
    EXPECT_EQ(layer.n_neurons(), n_out);
    EXPECT_EQ(layer.target(), active_isa());
    dense_forward<T>(x.cview(), w.cview(), b, y.view());
    dense_relu<T>(x.cview(), w.cview(), b, yr.view());
    for (std::size_t k = 0; k < n_in; ++k)
      for (std::size_t j = 0; j < n_out; ++j) w(k, j) = T(1e30);
    std::fill(b.begin(), b.end(), T(1e30));
    dense_forward<T>(x.cview(), layer, yp.view());
    dense_relu<T>(x.cview(), layer, ypr.view());
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t j = 0; j < n_out; ++j) {
        ASSERT_EQ(yp(r, j), y(r, j)) << rows << "x" << n_in << "->" << n_out << " at " << r << "," << j;
        ASSERT_EQ(ypr(r, j), yr(r, j)) << "relu " << r << "," << j;
      }
    EXPECT_TRUE(yp.padding_intact() && ypr.padding_intact());
    // A smaller batch through the same layer: the first rows.
    strided<T> y1(1, n_out);
    dense_forward<T>(const_matrix_view<T>(x.data(), 1, n_in, x.ld), layer, y1.view());
    for (std::size_t j = 0; j < n_out; ++j) ASSERT_EQ(y1(0, j), y(0, j));
  }
}

TYPED_TEST(Api, PackedLayerBadArguments) {
  using T = TypeParam;
  strided<T> x(2, 5), x4(2, 4), w(5, 3), y(2, 3), y_bad(2, 4), y_rows(3, 3);
  fill_uniform<T>(x, T(-1), T(1), 1);
  fill_uniform<T>(w, T(-1), T(1), 2);
  std::vector<T> b(3, T(0.5)), b_short(2);
  EXPECT_TRUE(throws_naming([&] { packed_dense<T>(w.cview(), b_short); }, {"packed_dense", "b has 2 elements", "expected 3"}));
  EXPECT_TRUE(throws_naming([&] { packed_dense<T>(const_matrix_view<T>(w.data(), 5, 3, 2), b); }, {"packed_dense", "w (5 x 3)", "row stride 2"}));
  packed_dense<T> layer(w.cview(), b);
  using fn_t = void (*)(const_matrix_view<T>, const packed_dense<T>&, matrix_view<T>);
  const fn_t fns[] = {&dense_forward<T>, &dense_relu<T>};
  for (const fn_t fn : fns) {
    const std::string name = fn == fns[0] ? "dense_forward" : "dense_relu";
    EXPECT_TRUE(throws_naming([&] { fn(x4.cview(), layer, y.view()); }, {name, "x (2 x 4)", "needs 5 columns", "5 -> 3"}));
    EXPECT_TRUE(throws_naming([&] { fn(x.cview(), layer, y_bad.view()); }, {name, "y (2 x 4)", "must be 2 x 3"}));
    EXPECT_TRUE(throws_naming([&] { fn(x.cview(), layer, y_rows.view()); }, {name, "y (3 x 3)", "must be 2 x 3"}));
    // y on top of x.
    EXPECT_TRUE(throws_naming([&] { fn(x.cview(), layer, matrix_view<T>(x.data(), 2, 3, x.ld)); }, {name, "y overlaps"}));
    EXPECT_TRUE(untouched(y) && untouched(y_bad) && untouched(y_rows));
  }
  // A moved-from layer is empty.
  packed_dense<T> moved = std::move(layer);
  EXPECT_TRUE(throws_naming([&] { dense_forward<T>(x.cview(), layer, y.view()); }, {"dense_forward", "empty (moved from)"}));
  EXPECT_NO_THROW(dense_forward<T>(x.cview(), moved, y.view()));
}

// The packed layout belongs to one ISA: after the cap changes the active ISA, the layer must be packed
// again, and says so; packed again, it runs on the new ISA.
TYPED_TEST(Api, PackedLayerFollowsTheIsaItWasPackedFor) {
  using T = TypeParam;
  const auto isas = runnable_isas();
  if (isas.size() < 2) GTEST_SKIP() << "one runnable ISA";
  strided<T> x(7, 5), w(5, 3), y(7, 3);
  fill_uniform<T>(x, T(-1), T(1), 1);
  fill_uniform<T>(w, T(-1), T(1), 2);
  const std::vector<T> b(3, T(0.5));
  reset_isa_cap();
  const packed_dense<T> best(w.cview(), b);
  set_isa_cap(isa::scalar);
  const std::string packed_for = "packed for " + std::string(to_string(best.target()));
  EXPECT_TRUE(throws_naming([&] { dense_forward<T>(x.cview(), best, y.view()); },
                            {"dense_forward", packed_for, "active ISA is scalar", "pack it again"}));
  EXPECT_TRUE(untouched(y));
  const packed_dense<T> scalar(w.cview(), b);
  EXPECT_EQ(scalar.target(), isa::scalar);
  EXPECT_NO_THROW(dense_forward<T>(x.cview(), scalar, y.view()));
  reset_isa_cap();
  EXPECT_TRUE(throws_naming([&] { dense_relu<T>(x.cview(), scalar, y.view()); }, {"dense_relu", "packed for scalar"}));
}

// Views of 2^60 rows and no columns (or no outputs) are valid and empty: every ISA returns at once. The
// scalar reference walked every row of them (found by fuzz/fuzz_run: a clip that never ended); a view
// whose extent wraps around the address space is refused (the heap overflow of `nnsimd run` on
// x (2^63 + 1, 0) and w (0, 2) wrote into an output sized with a wrapped rows x cols).
TYPED_TEST(Api, HugeEmptyViewsReturnAndWrappedExtentsThrow) {
  using T = TypeParam;
  const std::size_t many = std::size_t(1) << 60;
  T one[2] = {T(1), T(2)};
  const std::vector<T> b(2, T(0));
  for (isa i : runnable_isas()) {
    set_isa_cap(i);
    const_matrix_view<T> x0(nullptr, many, 0);
    matrix_view<T> y0(nullptr, many, 0);
    EXPECT_NO_THROW(relu<T>(x0, y0)) << to_string(i);
    EXPECT_NO_THROW(clip<T>(x0, y0, T(0), T(1))) << to_string(i);
    EXPECT_NO_THROW(dense_forward<T>(x0, const_matrix_view<T>(nullptr, 0, 0), std::span<const T>(), y0)) << to_string(i);
    // The same rows with two outputs per row: y's extent wraps; the check names it before any write.
    EXPECT_TRUE(throws_naming([&] {
      dense_relu<T>(const_matrix_view<T>(nullptr, (std::size_t(1) << 63) + 1, 0), const_matrix_view<T>(nullptr, 0, 2), b,
                    matrix_view<T>(one, (std::size_t(1) << 63) + 1, 2));
    }, {"dense_relu", "y", "spans more memory"})) << to_string(i);
  }
  reset_isa_cap();
}

// No inputs (x is rows x 0, w is 0 x n_out, both empty and null): y is the bias on every row, through
// every path (the skinny plan at 3 outputs, the general one at 300, more than one column block); no address
// is formed from the null w (clang's UBSan flagged w + j0: fuzz/corpus/run/regress-dense-null-w-offset.bin).
TYPED_TEST(Api, DenseWithNoInputsIsTheBias) {
  using T = TypeParam;
  for (isa i : runnable_isas()) {
    set_isa_cap(i);
    for (std::size_t n_out : {3u, 300u}) {
      std::vector<T> b(n_out), y(5 * n_out, T(7));
      for (std::size_t j = 0; j < n_out; ++j) b[j] = T(j % 5) - T(2);
      dense_relu<T>(const_matrix_view<T>(nullptr, 5, 0), const_matrix_view<T>(nullptr, 0, n_out), b,
                    matrix_view<T>(y.data(), 5, n_out));
      for (std::size_t r = 0; r < 5; ++r)
        for (std::size_t j = 0; j < n_out; ++j)
          ASSERT_EQ(y[r * n_out + j], b[j] < T(0) ? T(0) : b[j]) << to_string(i) << " " << n_out << " " << r << "," << j;
    }
  }
  reset_isa_cap();
}

TEST(ApiThreads, NegativeThreadCountThrows) {
  EXPECT_TRUE(throws_naming([] { set_num_threads(-1); }, {"set_num_threads", "-1"}));
  EXPECT_NO_THROW(set_num_threads(0));
  EXPECT_GE(num_threads(), 1);
  set_parallel_threshold(123);
  EXPECT_EQ(parallel_threshold(), 123u);
  set_parallel_threshold(default_parallel_threshold);
}

}  // namespace
}  // namespace nnsimd::test
