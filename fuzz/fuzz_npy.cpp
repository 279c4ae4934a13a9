// libFuzzer target: npy::parse (cli/npy.cpp) on arbitrary bytes.
//
// Accepted outcomes: an array, or npy::error. Anything else is a bug: a crash, a sanitizer report
// (ASan, UBSan, and unsigned wrap-around in cli/npy.cpp), another exception (it escapes and libFuzzer
// reports a crash), or a check below failing:
//  - an accepted array is consistent: bytes == count() * item_size, its size what the input held after
//    the header, and count() does not wrap;
//  - the parser never holds more than the input: it allocates in proportion to the input's length, never
//    to the size the header announces. A malloc hook (ASan's allocator interface) follows the live heap
//    bytes during parse(); their peak must stay under kPerInputByte bytes per input byte plus a constant.
//    (The header is copied once, and its shape, parsed and copied, holds 8 bytes per dimension of at least
//    2 characters; an error message quotes the shape. None of that comes near 2^31 bytes, which a parser
//    trusting the announced size would allocate for a shape like (536870912,) of float32.)
#include <sanitizer/allocator_interface.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "npy.hpp"

namespace {

namespace npy = nnsimd::cli::npy;

constexpr std::size_t kPerInputByte = 32;
constexpr std::size_t kSlackBytes = 64 * 1024;

bool tracking = false;
std::size_t live = 0, peak = 0;

void on_malloc(const volatile void*, std::size_t size) {
  if (!tracking) return;
  live += size;
  if (live > peak) peak = live;
}
void on_free(const volatile void* p) {
  if (!tracking || p == nullptr) return;
  const std::size_t size = __sanitizer_get_allocated_size(const_cast<const void*>(p));
  live = size > live ? 0 : live - size;  // a block allocated before tracking began
}

[[noreturn]] void die(const char* what, std::size_t a, std::size_t b) {
  std::fprintf(stderr, "fuzz_npy: %s (%zu vs %zu)\n", what, a, b);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<unsigned char> file(data, data + size);
  const std::string what = "input.npy";
  live = peak = 0;
  tracking = true;
  try {
    const npy::array a = npy::parse(file, what);
    tracking = false;
    std::size_t n = 1;
    for (std::size_t s : a.shape) {
      if (s != 0 && n > SIZE_MAX / s) die("count() of an accepted shape wraps", n, s);
      n *= s;
    }
    if (n != a.count()) die("count() disagrees with the shape", n, a.count());
    if (a.bytes.size() != n * npy::item_size(a.type)) die("bytes do not match the shape", a.bytes.size(), n);
    if (a.bytes.size() > size) die("the array holds more bytes than the input", a.bytes.size(), size);
  } catch (const npy::error&) {
    tracking = false;
  }
  tracking = false;
  if (peak > kPerInputByte * size + kSlackBytes) die("parse() held more memory than the input justifies", peak, size);
  return 0;
}
