#include "kernels/cpu/router.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"

namespace r1::cpu {

template <typename T>
void router_forward(T* scores, int32_t* idx, T* w, const T* logits, const float* bias, const RouterSpec& sp,
                    int N) {
  const int E = sp.n_experts, K = sp.top_k;
  R1_CHECK(K > 0 && K <= E, "top_k ", K, " out of range for ", E, " experts");
  R1_CHECK(sp.n_group >= 1 && E % sp.n_group == 0 && sp.topk_group >= 1 && sp.topk_group <= sp.n_group,
           "bad expert groups");
  const int gsize = E / sp.n_group;
  const T neg_inf = -std::numeric_limits<T>::infinity();
#pragma omp parallel if (N > 64)
  {
    std::vector<T> choice(E), gscore(sp.n_group);
    std::vector<char> taken(E);
#pragma omp for
    for (int n = 0; n < N; ++n) {
      const T* lg = logits + static_cast<size_t>(n) * E;
      T* sc = scores + static_cast<size_t>(n) * E;
      if (sp.sigmoid) {
        for (int e = 0; e < E; ++e) sc[e] = T(1) / (T(1) + std::exp(-lg[e]));
      } else {
        T m = *std::max_element(lg, lg + E), sum = 0;
        for (int e = 0; e < E; ++e) sum += (sc[e] = std::exp(lg[e] - m));
        for (int e = 0; e < E; ++e) sc[e] /= sum;
      }
      for (int e = 0; e < E; ++e) choice[e] = sc[e] + (bias ? static_cast<T>(bias[e]) : T(0));
      if (sp.n_group > 1) {
        for (int g = 0; g < sp.n_group; ++g) {
          const T* c = choice.data() + g * gsize;
          if (sp.sigmoid) {  // sum of the two best
            T a = neg_inf, b = neg_inf;
            for (int i = 0; i < gsize; ++i) {
              if (c[i] > a) b = a, a = c[i];
              else if (c[i] > b) b = c[i];
            }
            gscore[g] = gsize > 1 ? a + b : a;
          } else {
            gscore[g] = *std::max_element(c, c + gsize);
          }
        }
        std::vector<char> keep(sp.n_group, 0);
        for (int t = 0; t < sp.topk_group; ++t) {
          int best = -1;
          for (int g = 0; g < sp.n_group; ++g) {
            if (!keep[g] && (best < 0 || gscore[g] > gscore[best])) best = g;
          }
          keep[best] = 1;
        }
        for (int e = 0; e < E; ++e) {
          if (!keep[e / gsize]) choice[e] = neg_inf;
        }
      }
      std::fill(taken.begin(), taken.end(), 0);
      int32_t* id = idx + static_cast<size_t>(n) * K;
      T* wt = w + static_cast<size_t>(n) * K;
      T sum = 0;
      for (int j = 0; j < K; ++j) {
        int best = -1;
        for (int e = 0; e < E; ++e) {
          if (!taken[e] && (best < 0 || choice[e] > choice[best])) best = e;
        }
        taken[best] = 1;
        id[j] = best;
        wt[j] = sc[best];
        sum += sc[best];
      }
      T mul = static_cast<T>(sp.scale);
      if (sp.norm_topk) mul /= (sum + T(1e-20));
      for (int j = 0; j < K; ++j) wt[j] *= mul;
    }
  }
}

template <typename T>
void router_backward(T* dlogits, const T* dw, const T* scores, const int32_t* idx, const RouterSpec& sp, int N) {
  const int E = sp.n_experts, K = sp.top_k;
#pragma omp parallel if (N > 64)
  {
    std::vector<T> ds(E);
#pragma omp for
    for (int n = 0; n < N; ++n) {
      const T* sc = scores + static_cast<size_t>(n) * E;
      const int32_t* id = idx + static_cast<size_t>(n) * K;
      const T* d = dw + static_cast<size_t>(n) * K;
      T* dl = dlogits + static_cast<size_t>(n) * E;
      std::fill(ds.begin(), ds.end(), T(0));
      const T scale = static_cast<T>(sp.scale);
      if (sp.norm_topk) {
        // w_j = scale * s_j / S with S = sum of the selected s:  dL/ds_j = scale * (d_j - sum_i d_i w_i / scale) / S
        T S = 0, dot = 0;
        for (int j = 0; j < K; ++j) S += sc[id[j]];
        S += T(1e-20);
        for (int j = 0; j < K; ++j) dot += d[j] * sc[id[j]];
        for (int j = 0; j < K; ++j) ds[id[j]] += scale * (d[j] / S - dot / (S * S));
      } else {
        for (int j = 0; j < K; ++j) ds[id[j]] += scale * d[j];
      }
      if (sp.sigmoid) {
        for (int e = 0; e < E; ++e) dl[e] = ds[e] * sc[e] * (T(1) - sc[e]);
      } else {
        T dot = 0;
        for (int e = 0; e < E; ++e) dot += ds[e] * sc[e];
        for (int e = 0; e < E; ++e) dl[e] = sc[e] * (ds[e] - dot);
      }
    }
  }
}

template void router_forward<float>(float*, int32_t*, float*, const float*, const float*, const RouterSpec&, int);
template void router_forward<double>(double*, int32_t*, double*, const double*, const float*, const RouterSpec&,
                                     int);
template void router_backward<float>(float*, const float*, const float*, const int32_t*, const RouterSpec&, int);
template void router_backward<double>(double*, const double*, const double*, const int32_t*, const RouterSpec&,
                                      int);

}  // namespace r1::cpu
