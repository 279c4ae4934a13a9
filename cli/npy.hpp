// NumPy .npy files (format versions 1.0, 2.0 and 3.0), read with every check done before a byte of data
// is trusted and with bounded memory and time, and written all-or-nothing (a temporary file per output in
// its target's folder, then renames that are undone if a later one fails).
//
// Why not xtensor's xt::load_npy (Debian's libxtensor-dev 0.24.3)? Its reader does not check that the
// data is complete (a truncated file loads with garbage), sign-extends the header length bytes, and
// reports a dtype mismatch without naming the file; wrapping it would have meant re-parsing the header
// anyway, so this ~250-line reader does the whole job and adds no dependency.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace nnsimd::cli::npy {

// A .npy problem: the message names the file and what is wrong with it.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class dtype { f32, f64, i32, i64, u8, b1 };

// "float32", "float64", "int32", "int64", "uint8", "bool".
const char* name(dtype d);
std::size_t item_size(dtype d);
// The NumPy descr written for d: "<f4", "<f8", "<i4", "<i8", "|u1", "|b1".
const char* descr(dtype d);

template <class T>
constexpr dtype dtype_of();
template <>
constexpr dtype dtype_of<float>() { return dtype::f32; }
template <>
constexpr dtype dtype_of<double>() { return dtype::f64; }
template <>
constexpr dtype dtype_of<std::int32_t>() { return dtype::i32; }
template <>
constexpr dtype dtype_of<std::int64_t>() { return dtype::i64; }
template <>
constexpr dtype dtype_of<std::uint8_t>() { return dtype::u8; }

// A C-order array: shape (empty for a 0-d scalar) and its little-endian bytes.
struct array {
  dtype type = dtype::f32;
  std::vector<std::size_t> shape;
  std::vector<unsigned char> bytes;

  std::size_t rank() const { return shape.size(); }
  std::size_t count() const;
  // Copy of the elements as T; T must be the array's dtype.
  template <class T>
  std::vector<T> values() const;
};

// "(2, 3)", "(6,)", "()": a shape as NumPy prints it.
std::string shape_str(const std::vector<std::size_t>& shape);

// The largest header load() and parse() accept. NumPy itself refuses headers above 10000 bytes unless
// told otherwise (np.load's max_header_size); a header only holds a dtype, a flag and at most 64 dims.
inline constexpr std::size_t kMaxHeaderBytes = 65536;

struct read_limits {
  // Data bytes the file may announce; a larger shape is refused before anything is allocated.
  std::size_t max_data_bytes = static_cast<std::size_t>(-1) >> 1;
  // A pipe, FIFO or device that delivers nothing for this long is abandoned. A regular file is read
  // without it (its size is known and a read never waits).
  std::chrono::milliseconds idle_timeout{30000};
};

// Reads `path`. Throws npy::error, naming the file, for a missing, unreadable, looping or non-file path,
// a bad magic string or version, a malformed or oversized header, a dtype other than the six above
// (big-endian included), Fortran order, a shape whose size does not fit in memory (as NumPy: the product
// of the non-zero dimensions times the item size must fit in a signed size), data above
// limits.max_data_bytes, data shorter or longer than the shape says, or a stream idle for longer than
// limits.idle_timeout. Reads the header first, then exactly the bytes it promises: never more memory
// than the data it has received, plus one read buffer.
array load(const std::string& path, const read_limits& limits = {});

// Parses a .npy image held in memory (what load() checks, on bytes already read); `what` names it.
array parse(const std::vector<unsigned char>& file, const std::string& what);

// Serializes to a version 1.0 image (header padded to 64 bytes, as NumPy writes).
std::vector<unsigned char> serialize(const array& a);

template <class T>
array make(std::vector<std::size_t> shape, const T* data);

// The files save_all() would write, resolved, checked before any work is done: throws npy::error when
// two paths name the same file (after following symbolic links), when a folder does not exist, or when
// a target exists and is not a regular file or is read-only.
void check_outputs(const std::vector<std::string>& paths);

// Writes several files all-or-nothing:
//  - each image goes to its own temporary file (mkstemp) in its target's folder;
//  - an existing target keeps a second name (a hard link) until every rename has succeeded, so that a
//    failed later rename can put it back; a target that did not exist is removed again;
//  - the temporaries are removed on failure, and on SIGINT, SIGTERM or SIGHUP while writing (the signal
//    is then re-raised); the renames run with those signals blocked.
// Replacing a file (the policy, also in the README): the new file takes the old one's permission bits
// (a new file gets 0666 less the umask); a target that is a symbolic link is followed, so the file it
// points to is replaced and the link stays; a target without write permission is refused
// (check_outputs), even for root. On any failure npy::error names the file and the reason.
void save_all(const std::vector<std::pair<std::string, array>>& files);

namespace testing {
// Called by save_all with the output's index just before each rename, when set: lets a test make a
// rename fail after the checks passed (tests/test_npy.cpp). Never set outside the tests.
extern std::function<void(std::size_t)> before_rename;
}  // namespace testing

}  // namespace nnsimd::cli::npy
