// Non-owning row-major matrix views with a row stride, and the library's exception type.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace nnsimd {

// Every invalid argument (shape mismatch, label out of range, null pointer, bad ISA name, unreadable
// file) is reported as an nnsimd::error whose message names the argument and the sizes involved.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A rows x cols matrix whose row r starts at data + r * ld (ld >= cols, in elements). Rows need not be
// aligned; the view does not own its memory. T may be const.
template <class T>
struct matrix_view {
  T* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::size_t ld = 0;

  constexpr matrix_view() = default;
  constexpr matrix_view(T* d, std::size_t r, std::size_t c) : data(d), rows(r), cols(c), ld(c) {}
  constexpr matrix_view(T* d, std::size_t r, std::size_t c, std::size_t stride)
      : data(d), rows(r), cols(c), ld(stride) {}

  // A view of T converts to a view of const T.
  template <class U, class = std::enable_if_t<std::is_same_v<const U, T> && !std::is_same_v<U, T>>>
  constexpr matrix_view(const matrix_view<U>& o) : data(o.data), rows(o.rows), cols(o.cols), ld(o.ld) {}

  constexpr T* row(std::size_t r) const { return data + r * ld; }
  constexpr T& operator()(std::size_t r, std::size_t c) const { return data[r * ld + c]; }
  constexpr std::size_t size() const { return rows * cols; }
};

template <class T>
using const_matrix_view = matrix_view<const T>;

}  // namespace nnsimd
