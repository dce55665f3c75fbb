#include "kernels/cpu/moe.h"

#include <cstring>

#include "core/error.h"

namespace r1::cpu {

void dispatch_plan(DispatchPlan& p, const int32_t* idx, int N, int k, int E) {
  p.n_tokens = N;
  p.top_k = k;
  p.n_experts = E;
  p.count.assign(E, 0);
  p.offset.assign(E + 1, 0);
  p.token_of.resize(static_cast<size_t>(N) * k);
  p.row_of.resize(static_cast<size_t>(N) * k);
  for (int i = 0; i < N * k; ++i) {
    R1_CHECK(idx[i] >= 0 && idx[i] < E, "expert index ", idx[i], " out of range");
    p.count[idx[i]]++;
  }
  for (int e = 0; e < E; ++e) p.offset[e + 1] = p.offset[e] + p.count[e];
  std::vector<int32_t> cursor(p.offset.begin(), p.offset.end() - 1);
  for (int n = 0; n < N; ++n) {
    for (int j = 0; j < k; ++j) {
      int32_t row = cursor[idx[n * k + j]]++;
      p.token_of[row] = n;
      p.row_of[n * k + j] = row;
    }
  }
}

template <typename T>
void moe_gather(T* xs, const T* x, const DispatchPlan& p, int C) {
  const int R = p.n_tokens * p.top_k;
#pragma omp parallel for if (R * C > 65536)
  for (int r = 0; r < R; ++r) {
    std::memcpy(xs + static_cast<size_t>(r) * C, x + static_cast<size_t>(p.token_of[r]) * C, sizeof(T) * C);
  }
}

template <typename T>
void moe_combine_forward(T* out, const T* ys, const T* w, const DispatchPlan& p, int C, bool accumulate) {
  const int N = p.n_tokens, K = p.top_k;
#pragma omp parallel for if (N * C > 32768)
  for (int n = 0; n < N; ++n) {
    T* o = out + static_cast<size_t>(n) * C;
    if (!accumulate) std::memset(o, 0, sizeof(T) * C);
    for (int j = 0; j < K; ++j) {
      const T wj = w[n * K + j];
      const T* y = ys + static_cast<size_t>(p.row_of[n * K + j]) * C;
      for (int c = 0; c < C; ++c) o[c] += wj * y[c];
    }
  }
}

template <typename T>
void moe_combine_backward(T* dys, T* dw, const T* dout, const T* ys, const T* w, const DispatchPlan& p, int C) {
  const int N = p.n_tokens, K = p.top_k;
#pragma omp parallel for if (N * C > 32768)
  for (int n = 0; n < N; ++n) {
    const T* d = dout + static_cast<size_t>(n) * C;
    for (int j = 0; j < K; ++j) {
      const size_t row = static_cast<size_t>(p.row_of[n * K + j]);
      const T* y = ys + row * C;
      T* dy = dys + row * C;
      const T wj = w[n * K + j];
      T s = 0;
      for (int c = 0; c < C; ++c) {
        dy[c] = wj * d[c];
        s += d[c] * y[c];
      }
      dw[n * K + j] = s;
    }
  }
}

template <typename T>
void moe_scatter_add(T* dx, const T* dxs, const DispatchPlan& p, int C) {
  const int N = p.n_tokens, K = p.top_k;
#pragma omp parallel for if (N * C > 32768)
  for (int n = 0; n < N; ++n) {
    T* d = dx + static_cast<size_t>(n) * C;
    for (int j = 0; j < K; ++j) {
      const T* s = dxs + static_cast<size_t>(p.row_of[n * K + j]) * C;
      for (int c = 0; c < C; ++c) d[c] += s[c];
    }
  }
}

void expert_bias_update(float* bias, const int64_t* load, int E, double gamma) {
  double mean = 0;
  for (int e = 0; e < E; ++e) mean += static_cast<double>(load[e]);
  mean /= static_cast<double>(E);
  for (int e = 0; e < E; ++e) {
    const double diff = mean - static_cast<double>(load[e]);
    const double sign = diff > 0 ? 1.0 : (diff < 0 ? -1.0 : 0.0);
    bias[e] += static_cast<float>(gamma * sign);
  }
}

#define R1_INSTANTIATE(T)                                                                              \
  template void moe_gather<T>(T*, const T*, const DispatchPlan&, int);                                 \
  template void moe_combine_forward<T>(T*, const T*, const T*, const DispatchPlan&, int, bool);       \
  template void moe_combine_backward<T>(T*, T*, const T*, const T*, const T*, const DispatchPlan&, int); \
  template void moe_scatter_add<T>(T*, const T*, const DispatchPlan&, int);
R1_INSTANTIATE(float)
R1_INSTANTIATE(double)
#undef R1_INSTANTIATE

}  // namespace r1::cpu
