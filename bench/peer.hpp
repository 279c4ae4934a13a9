// The interface between the benchmark driver (main.cpp) and the peer libraries (peer_<lib>.cpp).
//
// Plain data and function pointers only: a peer file may be compiled with other ISA flags (Eigen gets the
// widest ISA's), and an inline function shared with main.cpp could then be linked from that copy into
// code that must run everywhere. So nothing here has a body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "spec/op.hpp"

namespace nnsimd::bench {

// The ops of kernels.def (src/spec/op.hpp: an enumeration, no code).
using kernel = spec::op;

// The buffers of one benchmark case (see problem.hpp), as the kernel of kernels.def would receive them.
// All matrices are contiguous (ld = cols), 64-byte aligned, with at least 64 bytes of readable padding
// after each buffer (XNNPACK reads up to XNN_EXTRA_BYTES past the end).
template <class T>
struct io {
  kernel k;
  std::size_t rows;
  std::size_t cols;  // dense: n_out; row kernels: columns
  std::size_t n_in;  // dense only
  const T* x;        // dense: rows x n_in; softmax / softmax_cross_entropy / argmax / accuracy / relu / clip: rows x cols
  const T* w;        // dense: n_in x n_out (the book's layout)
  const T* b;        // dense: n_out
  const T* p;        // cce_*: probabilities rows x cols
  const T* t;        // categorical_cross_entropy_onehot: one-hot targets rows x cols
  const std::int32_t* labels;  // rows
  T* y;                        // dense / relu / clip / softmax output
  T* losses;                   // rows
  std::int32_t* idx;           // argmax output
  std::size_t* count;          // accuracy output
  T lo, hi;                    // clip bounds
  T eps;                       // cce clipping
};

// A prepared peer call: run(state) does the timed work, destroy(state) frees what make_* allocated (and
// puts the library back on one thread).
// state == nullptr with error == nullptr means "not supported"; error != nullptr means setup failed.
struct peer_op {
  void (*run)(void*) = nullptr;
  void (*destroy)(void*) = nullptr;
  void* state = nullptr;
  const char* error = nullptr;
  // What the peer chose for this case, where it says (oneDNN's impl_info_str(): "jit:avx2", "gemm:jit");
  // nullptr otherwise. Owned by state. Goes into the benchmark's label as impl=<...>.
  const char* impl = nullptr;
};

struct peer_api {
  const char* name;   // the implementation is named "peer_<name>"
  const char* isa;    // nnsimd ISA the peer's file was compiled for ("" = baseline): registered only if runnable
  bool (*supports)(kernel k, bool f64);
  // Set up one case to run on `threads` threads (1 unless parallel(k) said yes; the driver's N-thread rows
  // are float only, as nnsimd's own).
  peer_op (*make_f32)(const io<float>&, int threads);
  peer_op (*make_f64)(const io<double>&, int threads);
  // Which code the peer runs on this CPU, as the library reports it (OpenBLAS's core, oneDNN's effective
  // ISA, Eigen's compiled SIMD sets) or, where it offers no query, inferred and marked "inferred". A
  // peer whose own detection falls back below what the CPU runs says so with "FALLBACK". Recorded in the
  // result file's context as nnsimd_peer_<name>_code.
  const char* (*code)();
  // When the peer's own detection fell back below what the CPU runs: the environment setting that makes
  // it run its best code ("OPENBLAS_CORETYPE=SkylakeX"), read by the library when it loads, so it takes
  // a process of its own: `nnsimd bench` reruns the peer's rows with it, named peer_<name>_corrected.
  // nullptr when the peer runs its best code already (or has no such setting).
  const char* (*corrected_env)();
  // Which kernels the library itself runs on several threads (its GEMM, its OpenMP or thread-pool
  // operators): those get rows peer_<name>_t<N> at N = 2 .. cores, timed in real time like nnsimd's
  // <isa>_t<N>. nullptr: one thread only. A kernel the library does not parallelize gets no N-thread row:
  // its one-thread row is what a user gets from it at any thread count.
  bool (*parallel)(kernel k);
};

// A peer registers itself from its own file, at namespace scope:
//   const peer_api api{"mylib", "", &supports, &make_f32, &make_f64, &code, nullptr, &parallel};
//   const peer_registration registration(api);
// so adding a peer is its peer_<name>.cpp and its block in bench/CMakeLists.txt (which finds the library
// and adds the file); the driver times every peer linked in.
struct peer_registration {
  explicit peer_registration(const peer_api& api);
};

// The peers linked in, by name.
std::vector<const peer_api*> registered_peers();

}  // namespace nnsimd::bench
