#include "kernels/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/vecmath.h"

namespace r1::cpu {
namespace {

template <typename T>
inline T dot(const T* a, const T* b, int D) {
  T s = 0;
  for (int d = 0; d < D; ++d) s += a[d] * b[d];
  return s;
}

template <typename T>
inline void axpy(T a, const T* x, T* y, int D) {
  for (int d = 0; d < D; ++d) y[d] += a * x[d];
}

// Thread start-up costs more than tiny attention problems take; stay serial below ~1 MFLOP.
bool parallel_worth_it(const int32_t* cu, int S, int H, int D) {
  double work = 0;
  for (int s = 0; s < S; ++s) work += 0.5 * double(cu[s + 1] - cu[s]) * (cu[s + 1] - cu[s]);
  return work * H * D * 4 > 1e6;
}

int max_len(const int32_t* cu, int S) {
  int m = 0;
  for (int s = 0; s < S; ++s) m = std::max(m, cu[s + 1] - cu[s]);
  return m;
}

}  // namespace

namespace {

// Both passes work on blocks of kBlock query rows of one (sequence, head): the scores of a block
// against the keys it can see, S = scale * Q_blk K^T, come from one GEMM, and so do the products
// with V (forward) and the gradient GEMMs (backward). Q, K and V are read in place through the
// GEMM row strides (H*Dqk for queries, KVH*Dqk for keys, KVH*Dv for values, H*Dv for outputs).
constexpr int kBlock = 64;

// Fills P (rows x cols, leading dimension ld) with the causal softmax probabilities of query rows
// [r0, r0 + rows) against keys [0, cols): P = exp(S - lse) where S is already in P. Row i sees
// keys 0..i; the rest are set to 0. When lse_out is given, the log-sum-exp is computed and
// stored; otherwise it is read from lse_in.
template <typename T>
void causal_softmax_block(T* P, int rows, int cols, int ld, int r0, const T* lse_in, T* lse_out,
                          size_t lse_stride) {
  for (int i = 0; i < rows; ++i) {
    T* p = P + static_cast<size_t>(i) * ld;
    const int visible = r0 + i + 1;
    T l;
    if (lse_out) {
      T m = p[0];
      for (int j = 1; j < visible; ++j) m = std::max(m, p[j]);
      exp_shifted_inplace(p, visible, m);
      T sum = 0;
      for (int j = 0; j < visible; ++j) sum += p[j];
      T inv = T(1) / sum;
      for (int j = 0; j < visible; ++j) p[j] *= inv;
      l = m + std::log(sum);
      lse_out[static_cast<size_t>(r0 + i) * lse_stride] = l;
    } else {
      l = lse_in[static_cast<size_t>(r0 + i) * lse_stride];
      exp_shifted_inplace(p, visible, l);
    }
    for (int j = visible; j < cols; ++j) p[j] = T(0);
  }
}

}  // namespace

template <typename T>
void attention_forward(T* out, T* lse, const T* q, const T* k, const T* v,
                       const int32_t* cu_seqlens, int S, int H, int KVH, int Dqk, int Dv, T scale) {
  R1_CHECK(KVH > 0 && H % KVH == 0, "H=", H, " not a multiple of KVH=", KVH);
  const int group = H / KVH;
  const int maxL = max_len(cu_seqlens, S);
  const int qs = H * Dqk, ks = KVH * Dqk, vs = KVH * Dv, os = H * Dv;
#pragma omp parallel if (parallel_worth_it(cu_seqlens, S, H, (Dqk + Dv) / 2))
  {
    std::vector<T> P(static_cast<size_t>(kBlock) * std::max(maxL, 1));
#pragma omp for schedule(dynamic, 1)
    for (int item = 0; item < S * H; ++item) {
      const int s = item / H, h = item % H, g = h / group;
      const int b = cu_seqlens[s], L = cu_seqlens[s + 1] - b;
      const T* Q = q + static_cast<size_t>(b) * qs + h * Dqk;
      const T* K = k + static_cast<size_t>(b) * ks + g * Dqk;
      const T* Vv = v + static_cast<size_t>(b) * vs + g * Dv;
      T* O = out + static_cast<size_t>(b) * os + h * Dv;
      T* lse_h = lse + static_cast<size_t>(b) * H + h;
      for (int r0 = 0; r0 < L; r0 += kBlock) {
        const int rows = std::min(kBlock, L - r0), cols = r0 + rows;
        gemm<T>(false, true, rows, cols, Dqk, scale, Q + static_cast<size_t>(r0) * qs, qs, K, ks,
                T(0), P.data(), cols);
        causal_softmax_block(P.data(), rows, cols, cols, r0, (const T*)nullptr, lse_h, H);
        gemm<T>(false, false, rows, Dv, cols, T(1), P.data(), cols, Vv, vs, T(0),
                O + static_cast<size_t>(r0) * os, os);
      }
    }
  }
}

template <typename T>
void attention_backward(T* dq, T* dk, T* dv, const T* dout, const T* out, const T* lse, const T* q,
                        const T* k, const T* v, const int32_t* cu_seqlens, int S, int H, int KVH,
                        int Dqk, int Dv, T scale) {
  const int group = H / KVH;
  const int N = cu_seqlens[S];
  const int maxL = max_len(cu_seqlens, S);
  const int qs = H * Dqk, ks = KVH * Dqk, vs = KVH * Dv, os = H * Dv;
  std::memset(dk, 0, sizeof(T) * static_cast<size_t>(N) * ks);
  std::memset(dv, 0, sizeof(T) * static_cast<size_t>(N) * vs);
  // One work item per (sequence, kv head): it owns that head's dk and dv rows, so accumulation
  // needs no locks and the result does not depend on scheduling.
#pragma omp parallel if (parallel_worth_it(cu_seqlens, S, H, (Dqk + Dv) / 2))
  {
    std::vector<T> P(static_cast<size_t>(kBlock) * std::max(maxL, 1)), dP(P.size()), Di(kBlock);
#pragma omp for schedule(dynamic, 1)
    for (int item = 0; item < S * KVH; ++item) {
      const int s = item / KVH, g = item % KVH;
      const int b = cu_seqlens[s], L = cu_seqlens[s + 1] - b;
      const T* K = k + static_cast<size_t>(b) * ks + g * Dqk;
      const T* Vv = v + static_cast<size_t>(b) * vs + g * Dv;
      T* dK = dk + static_cast<size_t>(b) * ks + g * Dqk;
      T* dV = dv + static_cast<size_t>(b) * vs + g * Dv;
      for (int h = g * group; h < (g + 1) * group; ++h) {
        const size_t qoff = static_cast<size_t>(b) * qs + h * Dqk,
                     ooff = static_cast<size_t>(b) * os + h * Dv;
        const T *Q = q + qoff, *O = out + ooff, *dO = dout + ooff;
        T* dQ = dq + qoff;
        const T* lse_h = lse + static_cast<size_t>(b) * H + h;
        for (int r0 = 0; r0 < L; r0 += kBlock) {
          const int rows = std::min(kBlock, L - r0), cols = r0 + rows;
          const size_t qr = static_cast<size_t>(r0) * qs, orow = static_cast<size_t>(r0) * os;
          gemm<T>(false, true, rows, cols, Dqk, scale, Q + qr, qs, K, ks, T(0), P.data(), cols);
          causal_softmax_block(P.data(), rows, cols, cols, r0, lse_h, (T*)nullptr, H);
          // dP = dO V^T; dS = P * (dP - rowsum(dO * O)) * scale
          gemm<T>(false, true, rows, cols, Dv, T(1), dO + orow, os, Vv, vs, T(0), dP.data(), cols);
          for (int i = 0; i < rows; ++i) {
            Di[i] = dot(dO + orow + static_cast<size_t>(i) * os,
                        O + orow + static_cast<size_t>(i) * os, Dv);
          }
          for (int i = 0; i < rows; ++i) {
            const T* p = P.data() + static_cast<size_t>(i) * cols;
            T* ds = dP.data() + static_cast<size_t>(i) * cols;
            const T d = Di[i];
            for (int j = 0; j < cols; ++j) ds[j] = p[j] * (ds[j] - d) * scale;
          }
          gemm<T>(false, false, rows, Dqk, cols, T(1), dP.data(), cols, K, ks, T(0), dQ + qr, qs);
          gemm<T>(true, false, cols, Dqk, rows, T(1), dP.data(), cols, Q + qr, qs, T(1), dK, ks);
          gemm<T>(true, false, cols, Dv, rows, T(1), P.data(), cols, dO + orow, os, T(1), dV, vs);
        }
      }
    }
  }
}

#define R1_INSTANTIATE(T)                                                                          \
  template void attention_forward<T>(T*, T*, const T*, const T*, const T*, const int32_t*, int,    \
                                     int, int, int, int, T);                                       \
  template void attention_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*,          \
                                      const T*, const T*, const int32_t*, int, int, int, int, int, \
                                      T);
R1_INSTANTIATE(float)
R1_INSTANTIATE(double)
#undef R1_INSTANTIATE

}  // namespace r1::cpu
