// Small elementwise and layout ops the model used to run as inline host loops: residual adds,
// temperature scaling, splitting a fused projection into its parts, gathering rows. Named ops so
// that every backend runs them where the data lives.
#pragma once
#include <cstddef>
#include <cstdint>

namespace r1::cpu {

// y (n) += x (n)
template <typename T>
void add_inplace(T* y, const T* x, size_t n);

// x (n) *= s
template <typename T>
void scale_inplace(T* x, size_t n, T s);

// src (N, wa + wb + wc) -> a (N, wa), b (N, wb), c (N, wc): the column blocks, each contiguous.
template <typename T>
void split3(T* a, int wa, T* b, int wb, T* c, int wc, const T* src, int N);

// The inverse: dst (N, wa + wb + wc) from a, b, c.
template <typename T>
void concat3(T* dst, const T* a, int wa, const T* b, int wb, const T* c, int wc, int N);

// dst (R, C): row r is src row rows[r].
template <typename T>
void gather_rows(T* dst, const T* src, const int32_t* rows, int R, int C);

// dst (rows, cols) at leading dimension ldd = src (rows, cols) at leading dimension lds: a
// column block of one matrix into a column block of another (MLA's absorbed decode query).
template <typename T>
void copy_2d(T* dst, int ldd, const T* src, int lds, int rows, int cols);

}  // namespace r1::cpu
