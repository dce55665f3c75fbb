#include "kernels/cpu/logprobs.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/cpu/vecmath.h"

namespace r1::cpu {

template <typename T>
void logprobs_forward(T* lp, T* lse, const T* logits, const int32_t* targets, int N, int V) {
#pragma omp parallel for if (static_cast<long>(N) * V > 32768)
  for (int n = 0; n < N; ++n) {
    const T* x = logits + static_cast<size_t>(n) * V;
    T m = *std::max_element(x, x + V), s = 0;
    for (int v = 0; v < V; ++v) s += exp_value(x[v] - m);
    lse[n] = m + std::log(s);
    lp[n] = targets[n] >= 0 ? x[targets[n]] - lse[n] : T(0);
  }
}

template <typename T>
void logprobs_backward(T* dlogits, const T* dlp, const T* logits, const T* lse, const int32_t* targets, int N,
                       int V) {
#pragma omp parallel for if (static_cast<long>(N) * V > 32768)
  for (int n = 0; n < N; ++n) {
    T* d = dlogits + static_cast<size_t>(n) * V;
    if (targets[n] < 0 || dlp[n] == T(0)) {
      std::memset(d, 0, sizeof(T) * V);
      continue;
    }
    const T* x = logits + static_cast<size_t>(n) * V;
    const T g = dlp[n], l = lse[n];
    for (int v = 0; v < V; ++v) d[v] = -g * exp_value(x[v] - l);
    d[targets[n]] += g;
  }
}

template <typename T>
void softmax_entropy(T* ent, const T* logits, const T* lse, int N, int V) {
#pragma omp parallel for if (static_cast<long>(N) * V > 32768)
  for (int n = 0; n < N; ++n) {
    const T* x = logits + static_cast<size_t>(n) * V;
    T h = 0;
    for (int v = 0; v < V; ++v) {
      T logp = x[v] - lse[n];
      h -= std::exp(logp) * logp;
    }
    ent[n] = h;
  }
}

template void logprobs_forward<float>(float*, float*, const float*, const int32_t*, int, int);
template void logprobs_forward<double>(double*, double*, const double*, const int32_t*, int, int);
template void logprobs_backward<float>(float*, const float*, const float*, const float*, const int32_t*, int, int);
template void logprobs_backward<double>(double*, const double*, const double*, const double*, const int32_t*, int,
                                        int);
template void softmax_entropy<float>(float*, const float*, const float*, int, int);
template void softmax_entropy<double>(double*, const double*, const double*, int, int);

}  // namespace r1::cpu
