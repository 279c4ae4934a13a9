// Printing numbers the way Python and NumPy print them, so `nnsimd demo` reads like the book's output.
// Both use the shortest decimal string that reads back to the same value (float32 values as float32),
// which std::to_chars gives directly.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace nnsimd::cli {

// Shortest round-trip digits in a fixed or scientific chars_format.
template <class T>
std::string shortest(T v, std::chars_format fmt) {
  char buf[128];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, fmt);
  return std::string(buf, r.ptr);
}

// Python's repr / str of a float and NumPy's str of a scalar (np.float32(1.0986104) -> "1.0986104"):
// positional for decimal exponents in [-4, 16), scientific outside ("1e-07"), "1.0" for integers.
template <class T>
std::string py_repr(T v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  const int e = static_cast<int>(std::floor(std::log10(std::fabs(static_cast<double>(v)))));
  if (e < -4 || e >= 16) return shortest(v, std::chars_format::scientific);
  std::string s = shortest(v, std::chars_format::fixed);
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

// A matrix printed as numpy.array2string does with its defaults for float arrays of moderate range:
// shortest digits per element, aligned on the decimal point (integer part padded left, fraction padded
// right), "1." for whole numbers. Falls back to NumPy's scientific style when NumPy would (a nonzero
// |value| below 1e-4, or max/min above 1e3, or max >= 1e8).
template <class T>
std::string numpy_matrix(const T* data, std::size_t rows, std::size_t cols, std::size_t ld) {
  double max_abs = 0, min_abs = INFINITY;
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      const double a = std::fabs(static_cast<double>(data[i * ld + j]));
      if (!std::isfinite(a) || a == 0) continue;
      max_abs = a > max_abs ? a : max_abs;
      min_abs = a < min_abs ? a : min_abs;
    }
  const bool sci = max_abs > 0 && (min_abs < 1e-4 || max_abs >= 1e8 || max_abs / min_abs > 1e3);
  std::vector<std::string> cells(rows * cols);
  std::size_t left = 0, right = 0;
  for (std::size_t k = 0; k < cells.size(); ++k) {
    const T v = data[(k / cols) * ld + k % cols];
    std::string s;
    if (std::isnan(v))
      s = "nan";
    else if (std::isinf(v))
      s = v > 0 ? "inf" : "-inf";
    else if (sci) {
      s = shortest(v, std::chars_format::scientific);
      const auto e = s.find('e');
      if (s.find('.') == std::string::npos) s.insert(e, ".");
    } else {
      s = shortest(v, std::chars_format::fixed);
      if (s.find('.') == std::string::npos) s += ".";
    }
    cells[k] = s;
    const auto dot = s.find('.');
    const std::size_t l = dot == std::string::npos ? s.size() : dot;
    const std::size_t r = dot == std::string::npos ? 0 : (sci ? s.find('e') : s.size()) - dot;
    left = l > left ? l : left;
    right = r > right ? r : right;
  }
  std::string out = "[";
  for (std::size_t i = 0; i < rows; ++i) {
    out += i == 0 ? "[" : "\n [";
    for (std::size_t j = 0; j < cols; ++j) {
      std::string s = cells[i * cols + j];
      const auto dot = s.find('.');
      const std::size_t l = dot == std::string::npos ? s.size() : dot;
      const std::size_t r = dot == std::string::npos ? 0 : (sci ? s.find('e') : s.size()) - dot;
      if (sci && dot != std::string::npos) s.insert(s.find('e'), std::string(right - r, '0'));
      s = std::string(left - l, ' ') + s + (sci ? "" : std::string(right - r, ' '));
      out += (j ? " " : "") + s;
    }
    out += "]";
  }
  return out + "]";
}

}  // namespace nnsimd::cli
