// NumPy .npy files (format versions 1.0, 2.0 and 3.0), read with every check done before a byte of data
// is trusted, and written atomically (a temporary file in the same folder, then rename).
//
// Why not xtensor's xt::load_npy (Debian's libxtensor-dev 0.24.3)? Its reader does not check that the
// data is complete (a truncated file loads with garbage), sign-extends the header length bytes, and
// reports a dtype mismatch without naming the file; wrapping it would have meant re-parsing the header
// anyway, so this ~250-line reader does the whole job and adds no dependency.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace nnsimd::cli::npy {

// A .npy problem: the message names the file and what is wrong with it.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class dtype { f32, f64, i32, i64, u8 };

// "float32", "float64", "int32", "int64", "uint8".
const char* name(dtype d);
std::size_t item_size(dtype d);
// The NumPy descr written for d: "<f4", "<f8", "<i4", "<i8", "|u1".
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

// Reads `path`. Throws npy::error for a missing or unreadable file, a bad magic string or version, a
// malformed header, a dtype other than the five above (big-endian included), Fortran order, or data
// shorter or longer than the shape says.
array load(const std::string& path);

// Parses a .npy image held in memory (what load() does after reading the file); `what` names it.
array parse(const std::vector<unsigned char>& file, const std::string& what);

// Serializes to a version 1.0 image (header padded to 64 bytes, as NumPy writes).
std::vector<unsigned char> serialize(const array& a);

template <class T>
array make(std::vector<std::size_t> shape, const T* data);

// Writes several files all-or-nothing as far as the file system allows: every image goes to a temporary
// file next to its target first; only when all are written are they renamed into place. On any failure
// the temporaries are removed and npy::error is thrown.
void save_all(const std::vector<std::pair<std::string, array>>& files);

}  // namespace nnsimd::cli::npy
