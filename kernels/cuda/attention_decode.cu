// Decode attention over the paged KV cache, one block per (query token, kv head): the block
// serves every query head of the kv head's group, so each cached key and value row is read once
// per step rather than once per query head, and a warp reads a row with its 32 lanes side by side
// (coalesced), where attention.cu's row kernel gives each thread a key of its own.
//
// Warp w takes keys w*kUnroll.. and then every kWarps*kUnroll-th run of kUnroll keys, loading the
// run's rows before reducing any (so several row reads are in flight), and keeps an online
// softmax (running max, sum and output rows) per head; the four warps' partial results merge in
// shared memory at the end. Lane l holds elements l, l + 32, ... of each row.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "kernels/cuda/attention_decode.h"
#include "kernels/cuda/common.cuh"

namespace r1::cuda {
namespace {

constexpr int kWarps = 4;
constexpr int kUnroll = 4;

// kG: heads per kv head, rounded up to a power of two (heads past H / KVH compute on zeros and
// are never written); kD: values per lane of a row (Dqk and Dv at most 32 kD).
template <int kG, int kD>
__global__ void __launch_bounds__(32 * kWarps)
    decode_kernel(float* out, const float* q, const float* k_pool, const float* v_pool, int v_row,
                  const int32_t* block_table, int max_blocks, int block_size, const int32_t* seq_of,
                  const int32_t* kv_len, int H, int KVH, int Dqk, int Dv, float scale) {
  const int n = blockIdx.x, g = blockIdx.y, group = H / KVH;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int len = kv_len[n];
  const int32_t* blocks = block_table + static_cast<size_t>(seq_of[n]) * max_blocks;
  const size_t k_row = static_cast<size_t>(KVH) * Dqk;

  float qr[kG][kD];  // the group's queries, scaled
#pragma unroll
  for (int hh = 0; hh < kG; ++hh)
#pragma unroll
    for (int i = 0; i < kD; ++i) {
      const int d = lane + 32 * i;
      qr[hh][i] = hh < group && d < Dqk
                      ? q[(static_cast<size_t>(n) * H + g * group + hh) * Dqk + d] * scale
                      : 0.f;
    }
  float m[kG], l[kG], acc[kG][kD];
#pragma unroll
  for (int hh = 0; hh < kG; ++hh) {
    m[hh] = -INFINITY;
    l[hh] = 0.f;
#pragma unroll
    for (int i = 0; i < kD; ++i) acc[hh][i] = 0.f;
  }

  for (int j0 = warp * kUnroll; j0 < len; j0 += kWarps * kUnroll) {
    size_t rows[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int j = min(j0 + u, len - 1);  // past the end: a valid row, its weight never used
      rows[u] = static_cast<size_t>(blocks[j / block_size]) * block_size + j % block_size;
    }
    float x[kUnroll][kD];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
#pragma unroll
      for (int i = 0; i < kD; ++i) {
        const int d = lane + 32 * i;
        x[u][i] = d < Dqk ? k_pool[rows[u] * k_row + static_cast<size_t>(g) * Dqk + d] : 0.f;
      }
    float s[kUnroll][kG];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
#pragma unroll
      for (int hh = 0; hh < kG; ++hh) {
        float part = 0.f;
#pragma unroll
        for (int i = 0; i < kD; ++i) part += qr[hh][i] * x[u][i];
        s[u][hh] = warp_sum(part);
      }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
#pragma unroll
      for (int i = 0; i < kD; ++i) {
        const int d = lane + 32 * i;
        x[u][i] = d < Dv ? v_pool[rows[u] * v_row + static_cast<size_t>(g) * Dv + d] : 0.f;
      }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      if (j0 + u >= len) break;
#pragma unroll
      for (int hh = 0; hh < kG; ++hh) {
        const float m_new = fmaxf(m[hh], s[u][hh]);
        const float f = expf(m[hh] - m_new), p = expf(s[u][hh] - m_new);
        l[hh] = l[hh] * f + p;
#pragma unroll
        for (int i = 0; i < kD; ++i) acc[hh][i] = acc[hh][i] * f + p * x[u][i];
        m[hh] = m_new;
      }
    }
  }

  // Merge the warps: O = sum_w exp(m_w - M) acc_w / sum_w exp(m_w - M) l_w.
  __shared__ float ms[kWarps][kG], ls[kWarps][kG], accs[kWarps][kG][32 * kD];
#pragma unroll
  for (int hh = 0; hh < kG; ++hh) {
    if (lane == 0) {
      ms[warp][hh] = m[hh];
      ls[warp][hh] = l[hh];
    }
#pragma unroll
    for (int i = 0; i < kD; ++i) accs[warp][hh][lane + 32 * i] = acc[hh][i];
  }
  __syncthreads();
  for (int e = threadIdx.x; e < group * Dv; e += 32 * kWarps) {
    const int hh = e / Dv, d = e % Dv;
    float M = -INFINITY;
    for (int w = 0; w < kWarps; ++w) M = fmaxf(M, ms[w][hh]);
    float L = 0.f, o = 0.f;
    for (int w = 0; w < kWarps; ++w) {
      const float f = ms[w][hh] == -INFINITY ? 0.f : expf(ms[w][hh] - M);  // a warp with no keys
      L += f * ls[w][hh];
      o += f * accs[w][hh][d];
    }
    out[(static_cast<size_t>(n) * H + g * group + hh) * Dv + d] = o / L;
  }
}

int round_up_pow2(int x) {
  int p = 1;
  while (p < x) p *= 2;
  return p;
}

template <int kG>
void launch_g(int kd, dim3 grid, float* out, const float* q, const float* k_pool,
              const float* v_pool, int v_row, const int32_t* block_table, int max_blocks,
              int block_size, const int32_t* seq_of, const int32_t* kv_len, int H, int KVH, int Dqk,
              int Dv, float scale) {
  auto kernel = kd == 1   ? decode_kernel<kG, 1>
                : kd == 2 ? decode_kernel<kG, 2>
                          : decode_kernel<kG, 4>;
  kernel<<<grid, 32 * kWarps, 0, stream()>>>(out, q, k_pool, v_pool, v_row, block_table, max_blocks,
                                             block_size, seq_of, kv_len, H, KVH, Dqk, Dv, scale);
}

}  // namespace

bool attention_decode_applies(int H, int KVH, int Dqk, int Dv) {
  const char* mode = attention_override();
  if (mode && std::strcmp(mode, "rows") == 0) return false;
  return KVH > 0 && H % KVH == 0 && H / KVH <= 8 && Dqk <= 128 && Dv <= 128;
}

void attention_decode_forward(float* out, const float* q, const float* k_pool, const float* v_pool,
                              int v_row, const int32_t* block_table, int max_blocks, int block_size,
                              const int32_t* seq_of, const int32_t* kv_len, int N, int H, int KVH,
                              int Dqk, int Dv, float scale) {
  const int kd = round_up_pow2((std::max(Dqk, Dv) + 31) / 32);
  const dim3 grid(static_cast<unsigned>(N), static_cast<unsigned>(KVH));
  switch (round_up_pow2(H / KVH)) {
    case 1:
      launch_g<1>(kd, grid, out, q, k_pool, v_pool, v_row, block_table, max_blocks, block_size,
                  seq_of, kv_len, H, KVH, Dqk, Dv, scale);
      break;
    case 2:
      launch_g<2>(kd, grid, out, q, k_pool, v_pool, v_row, block_table, max_blocks, block_size,
                  seq_of, kv_len, H, KVH, Dqk, Dv, scale);
      break;
    case 4:
      launch_g<4>(kd, grid, out, q, k_pool, v_pool, v_row, block_table, max_blocks, block_size,
                  seq_of, kv_len, H, KVH, Dqk, Dv, scale);
      break;
    default:
      launch_g<8>(kd, grid, out, q, k_pool, v_pool, v_row, block_table, max_blocks, block_size,
                  seq_of, kv_len, H, KVH, Dqk, Dv, scale);
  }
  check(cudaGetLastError(), "attention_paged_forward (decode kernel)");
}

}  // namespace r1::cuda
