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

// The sequence whose tokens every token of s also sees (shared-prefix packing), or -1.
inline int parent_of(const int32_t* prefix_of, int s) {
  return prefix_of ? prefix_of[s] : -1;
}

// Thread start-up costs more than tiny attention problems take; stay serial below ~1 MFLOP.
bool parallel_worth_it(const int32_t* cu, const int32_t* prefix_of, int S, int H, int D) {
  double work = 0;
  for (int s = 0; s < S; ++s) {
    const double L = cu[s + 1] - cu[s];
    const int p = parent_of(prefix_of, s);
    work += 0.5 * L * L + (p >= 0 ? L * (cu[p + 1] - cu[p]) : 0.0);
  }
  return work * H * D * 4 > 1e6;
}

int max_len(const int32_t* cu, int S) {
  int m = 0;
  for (int s = 0; s < S; ++s) m = std::max(m, cu[s + 1] - cu[s]);
  return m;
}

// A prefix is a whole sequence of the batch, and has no prefix itself.
void check_prefixes(const int32_t* prefix_of, int S) {
  if (!prefix_of) return;
  for (int s = 0; s < S; ++s) {
    const int p = prefix_of[s];
    R1_CHECK(p >= -1 && p < S && p != s, "attention: sequence ", s, " has prefix ", p,
             " (batch of ", S, ")");
    R1_CHECK(p < 0 || prefix_of[p] < 0, "attention: sequence ", s, "'s prefix ", p,
             " has a prefix itself");
  }
}

}  // namespace

namespace {

// Both passes work on blocks of kBlock query rows of one (sequence, head): the scores of a block
// against the keys it can see, S = scale * Q_blk K^T, come from one GEMM (two with a prefix:
// the prefix's keys fill the first Lp columns), and so do the products with V (forward) and the
// gradient GEMMs (backward). Q, K and V are read in place through the GEMM row strides (H*Dqk
// for queries, KVH*Dqk for keys, KVH*Dv for values, H*Dv for outputs).
constexpr int kBlock = 64;

// Fills P (rows x cols, leading dimension ld) with the causal softmax probabilities of query rows
// [r0, r0 + rows) against keys [0, cols): P = exp(S - lse) where S is already in P. Row i sees
// keys 0..Lp + r0 + i (the Lp keys of a shared prefix, then its own sequence up to itself); the
// rest are set to 0. When lse_out is given, the log-sum-exp is computed and stored; otherwise it
// is read from lse_in.
template <typename T>
void causal_softmax_block(T* P, int rows, int cols, int ld, int Lp, int r0, const T* lse_in,
                          T* lse_out, size_t lse_stride) {
  for (int i = 0; i < rows; ++i) {
    T* p = P + static_cast<size_t>(i) * ld;
    const int visible = Lp + r0 + i + 1;
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

// The key/value rows one (sequence, kv head) attends over: a shared prefix (Lp rows, maybe 0)
// and the sequence's own rows.
template <typename T>
struct KeyRows {
  const T *Kp, *Vp, *K, *V;
  int Lp;
};

// Query-row block [r0, r0 + rows): P (rows, Lp + r0 + rows) = scale * Q_blk [Kp; K]^T.
template <typename T>
void block_scores(T* P, int ld, const T* Qb, int qs, const KeyRows<T>& kr, int rows, int r0,
                  int Dqk, int ks, T scale) {
  if (kr.Lp > 0) gemm<T>(false, true, rows, kr.Lp, Dqk, scale, Qb, qs, kr.Kp, ks, T(0), P, ld);
  gemm<T>(false, true, rows, r0 + rows, Dqk, scale, Qb, qs, kr.K, ks, T(0), P + kr.Lp, ld);
}

}  // namespace

template <typename T>
void attention_forward(T* out, T* lse, const T* q, const T* k, const T* v,
                       const int32_t* cu_seqlens, const int32_t* prefix_of, int S, int H, int KVH,
                       int Dqk, int Dv, T scale) {
  R1_CHECK(KVH > 0 && H % KVH == 0, "H=", H, " not a multiple of KVH=", KVH);
  check_prefixes(prefix_of, S);
  const int group = H / KVH;
  const int maxL = max_len(cu_seqlens, S);
  const int qs = H * Dqk, ks = KVH * Dqk, vs = KVH * Dv, os = H * Dv;
#pragma omp parallel if (parallel_worth_it(cu_seqlens, prefix_of, S, H, (Dqk + Dv) / 2))
  {
    std::vector<T> P(static_cast<size_t>(kBlock) * std::max(2 * maxL, 1));
#pragma omp for schedule(dynamic, 1)
    for (int item = 0; item < S * H; ++item) {
      const int s = item / H, h = item % H, g = h / group, p = parent_of(prefix_of, s);
      const int b = cu_seqlens[s], L = cu_seqlens[s + 1] - b;
      const int pb = p >= 0 ? cu_seqlens[p] : 0, Lp = p >= 0 ? cu_seqlens[p + 1] - pb : 0;
      const KeyRows<T> kr{
          k + static_cast<size_t>(pb) * ks + g * Dqk, v + static_cast<size_t>(pb) * vs + g * Dv,
          k + static_cast<size_t>(b) * ks + g * Dqk, v + static_cast<size_t>(b) * vs + g * Dv, Lp};
      const T* Q = q + static_cast<size_t>(b) * qs + h * Dqk;
      T* O = out + static_cast<size_t>(b) * os + h * Dv;
      T* lse_h = lse + static_cast<size_t>(b) * H + h;
      for (int r0 = 0; r0 < L; r0 += kBlock) {
        const int rows = std::min(kBlock, L - r0), cols = Lp + r0 + rows;
        T* Ob = O + static_cast<size_t>(r0) * os;
        block_scores(P.data(), cols, Q + static_cast<size_t>(r0) * qs, qs, kr, rows, r0, Dqk, ks,
                     scale);
        causal_softmax_block(P.data(), rows, cols, cols, Lp, r0, (const T*)nullptr, lse_h, H);
        if (Lp > 0)
          gemm<T>(false, false, rows, Dv, Lp, T(1), P.data(), cols, kr.Vp, vs, T(0), Ob, os);
        gemm<T>(false, false, rows, Dv, r0 + rows, T(1), P.data() + Lp, cols, kr.V, vs,
                T(Lp > 0 ? 1 : 0), Ob, os);
      }
    }
  }
}

template <typename T>
void attention_backward(T* dq, T* dk, T* dv, const T* dout, const T* out, const T* lse, const T* q,
                        const T* k, const T* v, const int32_t* cu_seqlens, const int32_t* prefix_of,
                        int S, int H, int KVH, int Dqk, int Dv, T scale) {
  check_prefixes(prefix_of, S);
  const int group = H / KVH;
  const int N = cu_seqlens[S];
  const int maxL = max_len(cu_seqlens, S);
  const int qs = H * Dqk, ks = KVH * Dqk, vs = KVH * Dv, os = H * Dv;
  std::memset(dk, 0, sizeof(T) * static_cast<size_t>(N) * ks);
  std::memset(dv, 0, sizeof(T) * static_cast<size_t>(N) * vs);
  // One work item per (family, kv head), a family being a sequence without a prefix and the
  // sequences that share it as their prefix: the item owns that head's dk and dv rows of the
  // whole family, so accumulation needs no locks and the result does not depend on scheduling.
  std::vector<int> roots;
  std::vector<std::vector<int>> children(S);
  for (int s = 0; s < S; ++s) {
    const int p = parent_of(prefix_of, s);
    if (p < 0)
      roots.push_back(s);
    else
      children[p].push_back(s);
  }
  const int F = static_cast<int>(roots.size());
#pragma omp parallel if (parallel_worth_it(cu_seqlens, prefix_of, S, H, (Dqk + Dv) / 2))
  {
    std::vector<T> P(static_cast<size_t>(kBlock) * std::max(2 * maxL, 1)), dP(P.size()), Di(kBlock);
    // The gradients of sequence s's queries, keys and values for kv head g; a prefix's dK/dV
    // rows (kr.Lp > 0) also gather what s's queries send back to them.
    auto one_sequence = [&](int s, int g, const KeyRows<T>& kr, T* dKp, T* dVp) {
      const int b = cu_seqlens[s], L = cu_seqlens[s + 1] - b, Lp = kr.Lp;
      T* dK = dk + static_cast<size_t>(b) * ks + g * Dqk;
      T* dV = dv + static_cast<size_t>(b) * vs + g * Dv;
      for (int h = g * group; h < (g + 1) * group; ++h) {
        const size_t qoff = static_cast<size_t>(b) * qs + h * Dqk,
                     ooff = static_cast<size_t>(b) * os + h * Dv;
        const T *Q = q + qoff, *O = out + ooff, *dO = dout + ooff;
        T* dQ = dq + qoff;
        const T* lse_h = lse + static_cast<size_t>(b) * H + h;
        for (int r0 = 0; r0 < L; r0 += kBlock) {
          const int rows = std::min(kBlock, L - r0), own = r0 + rows, cols = Lp + own;
          const size_t qr = static_cast<size_t>(r0) * qs, orow = static_cast<size_t>(r0) * os;
          block_scores(P.data(), cols, Q + qr, qs, kr, rows, r0, Dqk, ks, scale);
          causal_softmax_block(P.data(), rows, cols, cols, Lp, r0, lse_h, (T*)nullptr, H);
          // dP = dO [Vp; V]^T; dS = P * (dP - rowsum(dO * O)) * scale
          if (Lp > 0)
            gemm<T>(false, true, rows, Lp, Dv, T(1), dO + orow, os, kr.Vp, vs, T(0), dP.data(),
                    cols);
          gemm<T>(false, true, rows, own, Dv, T(1), dO + orow, os, kr.V, vs, T(0), dP.data() + Lp,
                  cols);
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
          if (Lp > 0) {
            gemm<T>(false, false, rows, Dqk, Lp, T(1), dP.data(), cols, kr.Kp, ks, T(0), dQ + qr,
                    qs);
            gemm<T>(true, false, Lp, Dqk, rows, T(1), dP.data(), cols, Q + qr, qs, T(1), dKp, ks);
            gemm<T>(true, false, Lp, Dv, rows, T(1), P.data(), cols, dO + orow, os, T(1), dVp, vs);
          }
          gemm<T>(false, false, rows, Dqk, own, T(1), dP.data() + Lp, cols, kr.K, ks,
                  T(Lp > 0 ? 1 : 0), dQ + qr, qs);
          gemm<T>(true, false, own, Dqk, rows, T(1), dP.data() + Lp, cols, Q + qr, qs, T(1), dK,
                  ks);
          gemm<T>(true, false, own, Dv, rows, T(1), P.data() + Lp, cols, dO + orow, os, T(1), dV,
                  vs);
        }
      }
    };
#pragma omp for schedule(dynamic, 1)
    for (int item = 0; item < F * KVH; ++item) {
      const int r = roots[item / KVH], g = item % KVH;
      const int rb = cu_seqlens[r], Lr = cu_seqlens[r + 1] - rb;
      const T* Kr = k + static_cast<size_t>(rb) * ks + g * Dqk;
      const T* Vr = v + static_cast<size_t>(rb) * vs + g * Dv;
      one_sequence(r, g, KeyRows<T>{nullptr, nullptr, Kr, Vr, 0}, nullptr, nullptr);
      T* dKr = dk + static_cast<size_t>(rb) * ks + g * Dqk;
      T* dVr = dv + static_cast<size_t>(rb) * vs + g * Dv;
      for (int c : children[r]) {
        const int cb = cu_seqlens[c];
        one_sequence(c, g,
                     KeyRows<T>{Kr, Vr, k + static_cast<size_t>(cb) * ks + g * Dqk,
                                v + static_cast<size_t>(cb) * vs + g * Dv, Lr},
                     dKr, dVr);
      }
    }
  }
}

#define R1_INSTANTIATE(T)                                                                      \
  template void attention_forward<T>(T*, T*, const T*, const T*, const T*, const int32_t*,     \
                                     const int32_t*, int, int, int, int, int, T);              \
  template void attention_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*,      \
                                      const T*, const T*, const int32_t*, const int32_t*, int, \
                                      int, int, int, int, T);
R1_INSTANTIATE(float)
R1_INSTANTIATE(double)
#undef R1_INSTANTIATE

}  // namespace r1::cpu
