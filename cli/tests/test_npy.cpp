// The .npy reader's size checks, nnsimd run's checked shape arithmetic and memory budget, and the
// all-or-nothing writer, tested where a shell test cannot reach: a rename that fails after every check
// passed (npy::testing::before_rename), and compute() on arrays that never existed as files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "npy.hpp"
#include "run.hpp"

namespace {

namespace fs = std::filesystem;
using nnsimd::cli::npy::array;
using nnsimd::cli::npy::dtype;
using nnsimd::cli::npy::error;

// A .npy image with the given descr and shape text and `data` bytes.
std::vector<unsigned char> image(const std::string& descr, const std::string& shape, std::size_t data = 0) {
  std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  const std::string pre = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(h.size() & 0xff) + static_cast<char>(h.size() >> 8);
  std::vector<unsigned char> f(pre.size() + h.size() + data, 0);
  std::copy(pre.begin(), pre.end(), f.begin());
  std::copy(h.begin(), h.end(), f.begin() + static_cast<std::ptrdiff_t>(pre.size()));
  return f;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(NpyParse, ShapeSizeBoundedLikeNumpy) {
  // 2^63 + 1 rows of nothing: empty, but NumPy refuses it ("array is too big"), and so does the reader.
  EXPECT_NE(error_of([] { nnsimd::cli::npy::parse(image("<f4", "(9223372036854775809, 0)"), "x.npy"); }).find("x.npy: array is too big"),
            std::string::npos);
  // The non-zero dimensions times the item size must fit in a signed size: 2^60 x 8 = 2^63 does not.
  EXPECT_NE(error_of([] { nnsimd::cli::npy::parse(image("<f8", "(1152921504606846976, 0)"), "x"); }).find("too big"), std::string::npos);
  // 2^59 x 8 = 2^62 does, and an empty array is valid.
  const array a = nnsimd::cli::npy::parse(image("<f8", "(576460752303423488, 0)"), "x");
  EXPECT_EQ(a.shape.size(), 2u);
  EXPECT_TRUE(a.bytes.empty());
  // A product that overflows only when every dimension is multiplied, with no zero among them.
  EXPECT_NE(error_of([] { nnsimd::cli::npy::parse(image("|u1", "(4294967296, 4294967296)"), "x"); }).find("too big"), std::string::npos);
}

TEST(NpyParse, HeaderLengthBounded) {
  std::vector<unsigned char> f = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0xff, 0xff, 0xff, 0x7f};
  EXPECT_NE(error_of([&] { nnsimd::cli::npy::parse(f, "h.npy"); }).find("header bytes"), std::string::npos);
}

TEST(NpyParse, BoolDtype) {
  std::vector<unsigned char> f = image("|b1", "(2, 2)", 4);
  f[f.size() - 4] = 1;
  const array a = nnsimd::cli::npy::parse(f, "b.npy");
  EXPECT_EQ(a.type, dtype::b1);
  EXPECT_EQ(a.count(), 4u);
}

nnsimd::cli::run_input input(const std::string& name, const std::string& descr, const std::string& shape) {
  return {name, nnsimd::cli::npy::parse(image(descr, shape), name)};
}

TEST(RunCompute, DenseOutputSizeOverflowIsAnError) {
  // x (2^40, 0) and w (0, 2^30) each pass the reader; their product (2^40, 2^30) has 2^70 elements.
  nnsimd::cli::run_request r{"dense_forward", input("x.npy", "<f4", "(1099511627776, 0)"),
                             input("w.npy", "<f4", "(0, 1073741824)"), {}, {}, {}, {}, {}};
  nnsimd::cli::memory_budget budget(std::size_t(1) << 40);
  const std::string e = error_of([&] { nnsimd::cli::compute(r, budget); });
  EXPECT_NE(e.find("x.npy"), std::string::npos) << e;
  EXPECT_NE(e.find("w.npy"), std::string::npos) << e;
  EXPECT_NE(e.find("overflow"), std::string::npos) << e;
}

TEST(RunCompute, BudgetNamesWhatWasBeingAllocated) {
  nnsimd::cli::run_request r{"dense_relu", input("x.npy", "<f4", "(2147483648, 0)"), input("w.npy", "<f4", "(0, 1)"),
                             {}, {}, {}, {}, {}};
  nnsimd::cli::memory_budget budget(64 << 20);
  const std::string e = error_of([&] { nnsimd::cli::compute(r, budget); });
  EXPECT_NE(e.find("the output of dense_relu on x.npy"), std::string::npos) << e;
  EXPECT_NE(e.find("memory limit of 67108864 bytes"), std::string::npos) << e;
}

TEST(RunCompute, CheckedMul) {
  EXPECT_EQ(nnsimd::cli::checked_mul(0, SIZE_MAX, "z"), 0u);
  EXPECT_EQ(nnsimd::cli::checked_mul(1u << 20, 1u << 20, "ok"), std::size_t(1) << 40);
  EXPECT_THROW(nnsimd::cli::checked_mul(std::size_t(1) << 32, std::size_t(1) << 32, "wrap"), error);
}

// ---- the writer ------------------------------------------------------------------------------------

class SaveAll : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nnsimd_test_npy_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    nnsimd::cli::npy::testing::before_rename = nullptr;
    fs::remove_all(dir_);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  static std::string contents(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  static void write(const std::string& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }
  std::vector<std::string> hidden() const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().find(".nnsimd-") != std::string::npos) v.push_back(e.path().filename().string());
    return v;
  }
  fs::path dir_;
};

TEST_F(SaveAll, FailedLaterRenameRestoresEarlierTargets) {
  const float v[2] = {1, 2};
  write(path("a.npy"), "old a");
  ::chmod(path("a.npy").c_str(), 0640);
  // a.npy exists (replaced, then put back), b.npy does not (created, then removed), c.npy's rename fails:
  // a directory appears at its path after every check passed.
  nnsimd::cli::npy::testing::before_rename = [&](std::size_t k) {
    if (k == 2) fs::create_directory(path("c.npy"));
  };
  const std::string e = error_of([&] {
    nnsimd::cli::npy::save_all({{path("a.npy"), nnsimd::cli::npy::make<float>({2}, v)},
                                {path("b.npy"), nnsimd::cli::npy::make<float>({2}, v)},
                                {path("c.npy"), nnsimd::cli::npy::make<float>({2}, v)}});
  });
  EXPECT_NE(e.find("c.npy: cannot rename"), std::string::npos) << e;
  EXPECT_EQ(contents(path("a.npy")), "old a");
  struct stat st {};
  ASSERT_EQ(::stat(path("a.npy").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_FALSE(fs::exists(path("b.npy")));
  EXPECT_TRUE(hidden().empty()) << hidden().front();
}

TEST_F(SaveAll, ReplacesKeepingModeAndLink) {
  const double v[1] = {3};
  write(path("t.npy"), "old");
  ::chmod(path("t.npy").c_str(), 0600);
  fs::create_symlink("t.npy", path("l.npy"));
  nnsimd::cli::npy::save_all({{path("l.npy"), nnsimd::cli::npy::make<double>({1}, v)}});
  EXPECT_TRUE(fs::is_symlink(path("l.npy")));
  EXPECT_EQ(nnsimd::cli::npy::parse([&] {
              const std::string s = contents(path("t.npy"));
              return std::vector<unsigned char>(s.begin(), s.end());
            }(), "t").shape, std::vector<std::size_t>{1});
  struct stat st {};
  ASSERT_EQ(::stat(path("t.npy").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_TRUE(hidden().empty());
}

TEST_F(SaveAll, SameFileRefusedBeforeWriting) {
  write(path("s.npy"), "keep");
  fs::create_hard_link(path("s.npy"), path("h.npy"));
  EXPECT_THROW(nnsimd::cli::npy::check_outputs({path("s.npy"), path("h.npy")}), error);
  EXPECT_THROW(nnsimd::cli::npy::check_outputs({path("n.npy"), (dir_ / "." / "n.npy").string()}), error);
  EXPECT_EQ(contents(path("s.npy")), "keep");
}

}  // namespace

namespace {
// Which op of kernels.def each `nnsimd run` kernel serves: every command is an op of kernels.def under the
// same name, and the public ops are all commands.
TEST(RunKernels, EveryOpIsServedOrMarked) {
  std::size_t served = 0;
  for (int i = 0; i < nnsimd::spec::op_count; ++i)
    if (const char* name = nnsimd::cli::run_kernel_of(nnsimd::spec::op(i))) {
      EXPECT_TRUE(nnsimd::cli::run_kernels().count(name)) << nnsimd::spec::op_names[i] << " -> " << name;
      ++served;
    }
  EXPECT_EQ(served, 10u);  // all but the packed layer's four and the sum
  for (const auto& [name, kernel] : nnsimd::cli::run_kernels())
    EXPECT_NE(std::find(std::begin(nnsimd::spec::op_names), std::end(nnsimd::spec::op_names), name),
              std::end(nnsimd::spec::op_names))
        << name << " is not an op of kernels.def";
}
}  // namespace
