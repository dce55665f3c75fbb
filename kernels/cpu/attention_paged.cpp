// Attention over the paged KV cache: kv_cache_write and attention_paged_forward (decode, and
// prefill with a cache). Decode attention is bound by reading the cache and by the short
// reductions of small heads, so each cached row is read once, whole and in address order, for
// all query heads; on AVX2 the inner loops are written with intrinsics (four heads' dot products
// reduced together, value rows accumulated in registers), elsewhere in plain vectorisable C++.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/cpu/attention.h"
#include "kernels/cpu/vecmath.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define R1_PAGED_AVX2 1
#endif

namespace r1::cpu {

template <typename T>
void kv_cache_write(T* k_pool, T* v_pool, const T* k, const T* v, const int32_t* block_table,
                    int max_blocks, int block_size, const int32_t* seq_of, const int32_t* pos,
                    int N, int K, int V) {
  for (int n = 0; n < N; ++n) {
    const int p = pos[n];
    const size_t row =
        static_cast<size_t>(
            block_table[static_cast<size_t>(seq_of[n]) * max_blocks + p / block_size]) *
            block_size +
        p % block_size;
    std::memcpy(k_pool + row * K, k + static_cast<size_t>(n) * K, sizeof(T) * K);
    if (V > 0) std::memcpy(v_pool + row * V, v + static_cast<size_t>(n) * V, sizeof(T) * V);
  }
}

namespace {

// Dot product with a vectorised reduction.
template <typename T>
inline T dot_simd(const T* a, const T* b, int D) {
  T s = 0;
#pragma omp simd reduction(+ : s)
  for (int d = 0; d < D; ++d) s += a[d] * b[d];
  return s;
}

// Scores of all H query heads against one cached key row: p[h * len] = scale * q_h . k_(h / G),
// where the row holds the KVH = H / G key heads side by side. q (H, Dqk).
template <typename T>
void row_scores(T* p, size_t len, const T* q, const T* krow, int H, int G, int Dqk, T scale) {
  for (int h = 0; h < H; ++h) p[h * len] = dot_simd(q + h * Dqk, krow + (h / G) * Dqk, Dqk) * scale;
}

// out (H, Dv) += sum over the block's rows r of w_h[r] * v_r[(h / G)], where w_h = p + h * len.
template <typename T>
void accumulate_values(T* out, const T* p, size_t len, int rows, const T* vb, size_t vs, int H,
                       int G, int Dv) {
  for (int h = 0; h < H; ++h) {
    const T* w = p + h * len;
    const T* v0 = vb + (h / G) * Dv;
    T* o = out + h * Dv;
    for (int r = 0; r < rows; ++r) {
      const T wr = w[r];
      const T* vr = v0 + r * vs;
#pragma omp simd
      for (int d = 0; d < Dv; ++d) o[d] += wr * vr[d];
    }
  }
}

#ifdef R1_PAGED_AVX2
// Four dot products finished at once: the lanes of a0..a3 summed into one 4-vector
// (a horizontal sum each would cost as much as a 48-long dot product itself).
inline __m128 sum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
  return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

template <>
void row_scores<float>(float* p, size_t len, const float* q, const float* krow, int H, int G,
                       int Dqk, float scale) {
  const int D8 = Dqk & ~7;
  int h = 0;
  for (; h + 4 <= H; h += 4) {
    const float* q0 = q + h * Dqk;
    const float *k0 = krow + (h / G) * Dqk, *k1 = krow + ((h + 1) / G) * Dqk,
                *k2 = krow + ((h + 2) / G) * Dqk, *k3 = krow + ((h + 3) / G) * Dqk;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int d = 0; d < D8; d += 8) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q0 + d), _mm256_loadu_ps(k0 + d), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q0 + Dqk + d), _mm256_loadu_ps(k1 + d), a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(q0 + 2 * Dqk + d), _mm256_loadu_ps(k2 + d), a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(q0 + 3 * Dqk + d), _mm256_loadu_ps(k3 + d), a3);
    }
    alignas(16) float s[4];
    _mm_store_ps(s, sum4(a0, a1, a2, a3));
    const float* ks[4] = {k0, k1, k2, k3};
    for (int i = 0; i < 4; ++i) {
      for (int d = D8; d < Dqk; ++d) s[i] += q0[i * Dqk + d] * ks[i][d];
      p[(h + i) * len] = s[i] * scale;
    }
  }
  for (; h < H; ++h) p[h * len] = dot_simd(q + h * Dqk, krow + (h / G) * Dqk, Dqk) * scale;
}

// One head's output o (Dv) += sum_r w[r] * v_r, 8 columns at a time; even and odd rows go to
// separate accumulators so that two chains of fused multiply-adds run side by side.
inline void head_values(float* o, const float* w, int rows, const float* v0, size_t vs, int Dv) {
  int d = 0;
  for (; d + 16 <= Dv; d += 16) {
    __m256 e0 = _mm256_loadu_ps(o + d), e1 = _mm256_loadu_ps(o + d + 8);
    __m256 f0 = _mm256_setzero_ps(), f1 = f0;
    int r = 0;
    for (; r + 2 <= rows; r += 2) {
      const float* va = v0 + r * vs + d;
      const float* vb = va + vs;
      const __m256 wa = _mm256_set1_ps(w[r]), wb = _mm256_set1_ps(w[r + 1]);
      e0 = _mm256_fmadd_ps(wa, _mm256_loadu_ps(va), e0);
      e1 = _mm256_fmadd_ps(wa, _mm256_loadu_ps(va + 8), e1);
      f0 = _mm256_fmadd_ps(wb, _mm256_loadu_ps(vb), f0);
      f1 = _mm256_fmadd_ps(wb, _mm256_loadu_ps(vb + 8), f1);
    }
    if (r < rows) {
      const float* va = v0 + r * vs + d;
      const __m256 wa = _mm256_set1_ps(w[r]);
      e0 = _mm256_fmadd_ps(wa, _mm256_loadu_ps(va), e0);
      e1 = _mm256_fmadd_ps(wa, _mm256_loadu_ps(va + 8), e1);
    }
    _mm256_storeu_ps(o + d, _mm256_add_ps(e0, f0));
    _mm256_storeu_ps(o + d + 8, _mm256_add_ps(e1, f1));
  }
  for (; d + 8 <= Dv; d += 8) {
    __m256 e = _mm256_loadu_ps(o + d);
    for (int r = 0; r < rows; ++r)
      e = _mm256_fmadd_ps(_mm256_set1_ps(w[r]), _mm256_loadu_ps(v0 + r * vs + d), e);
    _mm256_storeu_ps(o + d, e);
  }
  for (; d < Dv; ++d) {
    float s = o[d];
    for (int r = 0; r < rows; ++r) s += w[r] * v0[r * vs + d];
    o[d] = s;
  }
}

template <>
void accumulate_values<float>(float* out, const float* p, size_t len, int rows, const float* vb,
                              size_t vs, int H, int G, int Dv) {
  for (int h = 0; h < H; ++h)
    head_values(out + h * Dv, p + h * len, rows, vb + (h / G) * Dv, vs, Dv);
}
#endif

// Asks for the n elements at p to be brought into the cache. The blocks of a sequence lie
// anywhere in the pool, so the hardware prefetcher, which follows a stream of addresses, misses
// each block's start; every row of a block asks for the same row of the next one instead.
template <typename T>
inline void prefetch_row(const T* p, size_t n) {
  const char* c = reinterpret_cast<const char*>(p);
  for (size_t b = 0; b < n * sizeof(T); b += 64) __builtin_prefetch(c + b);
}

// One token's H query heads against its sequence's cached keys and values, block by block of the
// block table. Each cached row (all KVH heads' keys, or values, side by side) is read once and
// whole, in address order, and serves the G = H / KVH query heads of each of its key/value
// heads. Two passes (scores, then weighted values), the scores of all heads kept in p (H * len
// values, then H more for the sums); the softmax's normalisation is applied to the output
// (H * Dv values), not the weights.
// q (H, Dqk) -> out (H, Dv).
template <typename T>
void attend_token_paged(T* out, const T* q, const T* k_pool, const T* v_pool, size_t vs,
                        const int32_t* blocks, int block_size, int len, int H, int KVH, int Dqk,
                        int Dv, T scale, T* p) {
  const int G = H / KVH, nblocks = (len + block_size - 1) / block_size;
  const size_t ks = static_cast<size_t>(KVH) * Dqk, L = len;
  for (int b = 0; b < nblocks; ++b) {
    const int j0 = b * block_size, rows = std::min(block_size, len - j0);
    const T* kb = k_pool + static_cast<size_t>(blocks[b]) * block_size * ks;
    const T* next =
        b + 1 < nblocks ? k_pool + static_cast<size_t>(blocks[b + 1]) * block_size * ks : nullptr;
    for (int r = 0; r < rows; ++r) {
      if (next) prefetch_row(next + r * ks, ks);
      row_scores(p + j0 + r, L, q, kb + r * ks, H, G, Dqk, scale);
    }
  }
  const size_t vrow = static_cast<size_t>(KVH) * Dv;  // the values read of each row
  if (len > 0) {  // the first value block, while the softmax runs
    const T* v0 = v_pool + static_cast<size_t>(blocks[0]) * block_size * vs;
    for (int r = 0; r < std::min(block_size, len); ++r) prefetch_row(v0 + r * vs, vrow);
  }
  T* inv_sum = p + H * L;
  for (int h = 0; h < H; ++h) {
    T* ph = p + h * L;
    T m = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : m)
    for (int j = 0; j < len; ++j) m = ph[j] > m ? ph[j] : m;
    exp_shifted_inplace(ph, len, m);
    T sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < len; ++j) sum += ph[j];
    inv_sum[h] = T(1) / sum;
  }
  std::memset(out, 0, sizeof(T) * H * Dv);
  for (int b = 0; b < nblocks; ++b) {
    const int j0 = b * block_size, rows = std::min(block_size, len - j0);
    if (b + 1 < nblocks) {
      const T* next = v_pool + static_cast<size_t>(blocks[b + 1]) * block_size * vs;
      for (int r = 0; r < block_size; ++r) prefetch_row(next + r * vs, vrow);
    }
    accumulate_values(out, p + j0, L, rows,
                      v_pool + static_cast<size_t>(blocks[b]) * block_size * vs, vs, H, G, Dv);
  }
  for (int h = 0; h < H; ++h) {
    T* o = out + h * Dv;
    for (int d = 0; d < Dv; ++d) o[d] *= inv_sum[h];
  }
}

}  // namespace

template <typename T>
void attention_paged_forward(T* out, const T* q, const T* k_pool, const T* v_pool, int v_row,
                             const int32_t* block_table, int max_blocks, int block_size,
                             const int32_t* seq_of, const int32_t* kv_len, int N, int H, int KVH,
                             int Dqk, int Dv, T scale) {
  int maxL = 0;
  double work = 0;
  for (int n = 0; n < N; ++n) {
    maxL = std::max(maxL, kv_len[n]);
    work += static_cast<double>(kv_len[n]) * H * (Dqk + Dv) * 2;
  }
#pragma omp parallel if (work > 1e6)
  {
    // Per thread and kept: a decode step calls this once per layer, and must not allocate.
    thread_local std::vector<T> p;
    if (p.size() < static_cast<size_t>(H) * (maxL + 1))
      p.resize(static_cast<size_t>(H) * (maxL + 1));
#pragma omp for schedule(dynamic, 1)
    for (int n = 0; n < N; ++n) {
      const size_t head0 = static_cast<size_t>(n) * H;
      attend_token_paged(out + head0 * Dv, q + head0 * Dqk, k_pool, v_pool,
                         static_cast<size_t>(v_row),
                         block_table + static_cast<size_t>(seq_of[n]) * max_blocks, block_size,
                         kv_len[n], H, KVH, Dqk, Dv, scale, p.data());
    }
  }
}

#define R1_INSTANTIATE(T)                                                                         \
  template void kv_cache_write<T>(T*, T*, const T*, const T*, const int32_t*, int, int,           \
                                  const int32_t*, const int32_t*, int, int, int);                 \
  template void attention_paged_forward<T>(T*, const T*, const T*, const T*, int, const int32_t*, \
                                           int, int, const int32_t*, const int32_t*, int, int,    \
                                           int, int, int, T);
R1_INSTANTIATE(float)
R1_INSTANTIATE(double)
#undef R1_INSTANTIATE

}  // namespace r1::cpu
