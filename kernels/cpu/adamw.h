// AdamW with decoupled weight decay (Loshchilov & Hutter), and global-norm gradient clipping.
#pragma once
#include <cstddef>

namespace r1::cpu {

struct AdamWHyper {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.0;
};

// One update of n parameters at 1-based step t:
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps) + lr * wd * p
template <typename T>
void adamw_update(T* p, const T* g, T* m, T* v, size_t n, const AdamWHyper& h, long t);

// sqrt(sum g^2), accumulated in double.
template <typename T>
double global_norm(const T* g, size_t n);

// Scales g so its global norm is at most max_norm; returns the norm before clipping.
template <typename T>
double clip_global_norm(T* g, size_t n, double max_norm);

}  // namespace r1::cpu
