// `nnsimd run`'s work on arrays already in memory: which kernels it offers, the checks of the inputs
// against each other, and the computation. No file is read or written here (cli/run_command.cpp does
// that), so a fuzzer can drive the same checks with arrays parsed from its input (fuzz/fuzz_run.cpp).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "npy.hpp"
#include "spec/op.hpp"

namespace nnsimd::cli {

// Which inputs a kernel of `nnsimd run` takes.
struct run_kernel {
  bool w = false, b = false, labels = false, bounds = false, eps = false, mean = false;
  const char* help;
};
const std::map<std::string, run_kernel>& run_kernels();
// The `nnsimd run` kernel that serves op o of kernels.def: the one of the same name (the one-hot loss:
// categorical_cross_entropy, given 2-D labels), or nullptr for an op that is not a command of its own
// (the packed layer, the sum).
const char* run_kernel_of(spec::op o);

// The kernel called `name` (or an old name of it, renamed.def), or npy::error listing the kernels there are.
const run_kernel& find_run_kernel(const std::string& name);

// The bytes `nnsimd run` may hold at once for its inputs, their typed copies and its outputs. Every
// allocation sized from an input is taken from it first, so an impossible or excessive size is a clear
// error naming what was being allocated, never a wrapped size or a bare std::bad_alloc.
class memory_budget {
 public:
  explicit memory_budget(std::size_t limit) : limit_(limit) {}
  // Takes `bytes` for `what` ("x.npy as float32", "the output (300, 3) float32"), or throws npy::error.
  void take(std::size_t bytes, const std::string& what);
  std::size_t limit() const { return limit_; }
  std::size_t left() const { return limit_ - used_; }

 private:
  std::size_t limit_;
  std::size_t used_ = 0;
};

// The default budget: the machine's physical memory.
std::size_t physical_memory_bytes();

// a x b, or npy::error "<what>: a x b elements overflow" when it does not fit in a size.
std::size_t checked_mul(std::size_t a, std::size_t b, const std::string& what);

struct run_input {
  std::string name;  // the file, for messages
  npy::array array;
};

struct run_request {
  std::string kernel;
  run_input x;
  std::optional<run_input> w, b, labels;
  std::optional<double> lo, hi, eps;
};

struct run_result {
  npy::array out;                 // the kernel's output (per-sample losses for the losses)
  std::optional<npy::array> mean; // the losses' mean, a 0-d array
  std::vector<std::string> notes; // what was done with unusual input (rows of one-hot labels that are not one-hot)
  std::string printed;            // "mean loss: 0.38506088", "accuracy: 0.34", or empty
};

// Checks the request and computes it on the active ISA. Throws npy::error (naming the file and the
// shape) or nnsimd::error for invalid input; never writes a file. The budget is charged for the typed
// copies and the outputs (the caller charges the arrays it read).
run_result compute(const run_request& r, memory_budget& budget);

}  // namespace nnsimd::cli
