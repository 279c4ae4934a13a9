// TEMPORARY STUB -- to be replaced by the real xsimd kernels.
#pragma once
#include "reference/reference.hpp"
namespace nnsimd::kernels {
template <class Arch, class T> void cce_sparse(const T* p, std::size_t ldp, const std::int32_t* labels, T* losses, std::size_t rows, std::size_t cols, T eps) { reference::cce_sparse<Arch, T>(p, ldp, labels, losses, rows, cols, eps); }
template <class Arch, class T> void cce_onehot(const T* p, std::size_t ldp, const T* t, std::size_t ldt, T* losses, std::size_t rows, std::size_t cols, T eps) { reference::cce_onehot<Arch, T>(p, ldp, t, ldt, losses, rows, cols, eps); }
template <class Arch, class T> void softmax_cce_sparse(const T* x, std::size_t ldx, const std::int32_t* labels, T* losses, std::size_t rows, std::size_t cols) { reference::softmax_cce_sparse<Arch, T>(x, ldx, labels, losses, rows, cols); }
template <class Arch, class T> void argmax(const T* x, std::size_t ldx, std::int32_t* idx, std::size_t rows, std::size_t cols) { reference::argmax<Arch, T>(x, ldx, idx, rows, cols); }
template <class Arch, class T> std::size_t accuracy_count(const T* x, std::size_t ldx, const std::int32_t* labels, std::size_t rows, std::size_t cols) { return reference::accuracy_count<Arch, T>(x, ldx, labels, rows, cols); }
template <class Arch, class T> double sum(const T* x, std::size_t n) { return reference::sum<Arch, T>(x, n); }
}
