// libFuzzer target: `nnsimd run`'s checks and kernels (cli/run.cpp: compute) on arrays parsed from the
// fuzzer's input, as the command would run them after reading the files, but without any file.
//
// Accepted outcomes: a result, npy::error or nnsimd::error (for a bad image or a bad combination of
// arrays). Anything else is a bug: a crash, a sanitizer report (ASan, UBSan, and unsigned wrap-around in
// cli/npy.cpp and cli/run.cpp), another exception (std::bad_alloc included), a result whose bytes do not
// match its shape, or an input that runs longer than tools/fuzz.sh's -timeout.
//
// Input layout (FuzzedDataProvider; fuzz/make_corpus.py writes seeds in exactly this layout; "end" bytes
// are taken from the end of the input backwards, an integer's most significant byte first):
//   end:   1 byte   kernel: index into run_kernels() (sorted by name) modulo the number of kernels
//   end:   1 byte   ISA: modulo (1 + number of runnable ISAs); 0 = no cap, i = set_isa_cap(runnable_isas()[i-1])
//   end:   1 byte   flags: 1 lo, 2 hi, 4 eps (each then one 8-byte double, bit pattern, in that order),
//                   8 pass b when the kernel takes it, 16 pass all four inputs whatever the kernel takes
//   end:   8 bytes  lo, hi, eps if flagged
//   then the .npy images in the order x, w, b, labels, those the kernel takes (see flags): each but the
//   last is a 2-byte length from the end followed by that many bytes from the front; the last image is
//   whatever remains.
// Each image is parsed with npy::parse (an npy::error there ends the input) and charged to a 64 MiB
// memory_budget, as `nnsimd run --max-memory 64M` would; the budget bounds every shape compute() can
// allocate for, and so the time the kernels take.
//
// NNSIMD_FUZZ_VERBOSE=1 prints what each input did (the kernel, the shapes, the error or the result's
// shape), e.g. to see how a seed is read: NNSIMD_FUZZ_VERBOSE=1 build/fuzz/fuzz/fuzz_run SEED...
#include <fuzzer/FuzzedDataProvider.h>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "nnsimd/nnsimd.hpp"
#include "npy.hpp"
#include "run.hpp"

namespace {

namespace cli = nnsimd::cli;
namespace npy = nnsimd::cli::npy;

constexpr std::size_t kBudgetBytes = std::size_t(64) << 20;

const bool verbose = std::getenv("NNSIMD_FUZZ_VERBOSE") != nullptr;

void say(const std::string& s) {
  if (verbose) std::fprintf(stderr, "fuzz_run: %s\n", s.c_str());
}

void check_array(const npy::array& a, const char* what) {
  std::size_t n = 1;
  for (std::size_t s : a.shape) n *= s;
  if (a.bytes.size() != n * npy::item_size(a.type)) {
    std::fprintf(stderr, "fuzz_run: %s holds %zu bytes for shape %s\n", what, a.bytes.size(),
                 npy::shape_str(a.shape).c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto& kernels = cli::run_kernels();
  static const std::vector<nnsimd::isa> runnable = nnsimd::runnable_isas();

  auto kit = kernels.begin();
  std::advance(kit, static_cast<std::ptrdiff_t>(in.ConsumeIntegralInRange<std::size_t>(0, kernels.size() - 1)));
  const std::string& kernel = kit->first;
  const cli::run_kernel& spec = kit->second;
  const std::size_t isa_choice = in.ConsumeIntegralInRange<std::size_t>(0, runnable.size());
  if (isa_choice == 0)
    nnsimd::reset_isa_cap();
  else
    nnsimd::set_isa_cap(runnable[isa_choice - 1]);
  const std::uint8_t flags = in.ConsumeIntegral<std::uint8_t>();
  auto number = [&](std::uint8_t bit) -> std::optional<double> {
    if (!(flags & bit)) return std::nullopt;
    return std::bit_cast<double>(in.ConsumeIntegral<std::uint64_t>());
  };
  const std::optional<double> lo = number(1), hi = number(2), eps = number(4);
  const bool all = flags & 16;

  const char* names[4] = {"x.npy", "w.npy", "b.npy", "labels.npy"};
  const bool wanted[4] = {true, spec.w || all, (spec.b && (flags & 8)) || all, spec.labels || all};
  int last = 0;
  for (int k = 0; k < 4; ++k)
    if (wanted[k]) last = k;

  cli::memory_budget budget(kBudgetBytes);
  std::optional<cli::run_input> inputs[4];
  try {
    for (int k = 0; k < 4; ++k) {
      if (!wanted[k]) continue;
      std::vector<unsigned char> image;
      if (k == last) {
        image = in.ConsumeRemainingBytes<unsigned char>();
      } else {
        image = in.ConsumeBytes<unsigned char>(in.ConsumeIntegral<std::uint16_t>());
      }
      inputs[k] = cli::run_input{names[k], npy::parse(image, names[k])};
      budget.take(inputs[k]->array.bytes.size(), names[k]);
    }
  } catch (const npy::error& e) {
    say(kernel + ": bad image: " + e.what());
    return 0;  // a bad image: the command stops at the file, before compute()
  }
  if (verbose) {
    std::string what = kernel + " isa " + std::string(nnsimd::to_string(nnsimd::active_isa())) + ":";
    for (int k = 0; k < 4; ++k)
      if (inputs[k]) what += std::string(" ") + names[k] + " " + npy::name(inputs[k]->array.type) + " " +
                             npy::shape_str(inputs[k]->array.shape);
    say(what);
  }

  cli::run_request r{kernel, std::move(*inputs[0]), std::move(inputs[1]), std::move(inputs[2]),
                     std::move(inputs[3]), lo, hi, eps};
  try {
    const cli::run_result res = cli::compute(r, budget);
    check_array(res.out, "the output");
    if (res.mean) check_array(*res.mean, "the mean");
    say("  result " + npy::shape_str(res.out.shape) + " " + npy::name(res.out.type) + " " + res.printed);
  } catch (const npy::error& e) {
    say(std::string("  npy::error: ") + e.what());
  } catch (const nnsimd::error& e) {
    say(std::string("  nnsimd::error: ") + e.what());
  }
  return 0;
}
