// TEMPORARY STUB -- to be replaced by the real xsimd kernels.
#pragma once
#include "reference/reference.hpp"
namespace nnsimd::kernels {
template <class Arch, class T> void dense_forward(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b, T* y, std::size_t ldy, std::size_t rows, std::size_t n_in, std::size_t n_out) { reference::dense_forward<Arch, T>(x, ldx, w, ldw, b, y, ldy, rows, n_in, n_out); }
template <class Arch, class T> void dense_relu(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b, T* y, std::size_t ldy, std::size_t rows, std::size_t n_in, std::size_t n_out) { reference::dense_relu<Arch, T>(x, ldx, w, ldw, b, y, ldy, rows, n_in, n_out); }
}
