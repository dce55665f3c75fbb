// Mixture-of-experts ops on the CUDA backend. The router runs one thread per token, mirroring
// kernels/cpu/router.cpp step by step (same tie-breaking: the lower expert index wins). The
// dispatch plan is built on the host from the routing decisions, which come back once per layer
// (what a first device version may do, per the design); the row maps then go back to the device
// for gather, combine and scatter.
#include <cmath>
#include <vector>

#include "kernels/cuda/backend_ops.h"
#include "kernels/cuda/common.cuh"

namespace r1::cuda {
namespace {

constexpr int kMaxExperts = 512;
constexpr int kMaxGroups = 64;

struct RouterArgs {
  int E, K, n_group, topk_group;
  bool sigmoid, norm_topk;
  float scale;
};

__global__ void router_forward_kernel(float* scores, int32_t* idx, float* w, const float* logits, const float* bias,
                                      RouterArgs a, int N) {
  const int n = blockIdx.x * blockDim.x + threadIdx.x;
  if (n >= N) return;
  const int E = a.E, gsize = E / a.n_group;
  const float* lg = logits + static_cast<size_t>(n) * E;
  float* sc = scores + static_cast<size_t>(n) * E;
  float choice[kMaxExperts];
  if (a.sigmoid) {
    for (int e = 0; e < E; ++e) sc[e] = 1.f / (1.f + expf(-lg[e]));
  } else {
    float m = lg[0], sum = 0.f;
    for (int e = 1; e < E; ++e) m = fmaxf(m, lg[e]);
    for (int e = 0; e < E; ++e) sum += (sc[e] = expf(lg[e] - m));
    for (int e = 0; e < E; ++e) sc[e] /= sum;
  }
  for (int e = 0; e < E; ++e) choice[e] = sc[e] + (bias ? bias[e] : 0.f);
  if (a.n_group > 1) {
    float gscore[kMaxGroups];
    bool keep[kMaxGroups];
    for (int g = 0; g < a.n_group; ++g) {
      const float* c = choice + g * gsize;
      float x = -INFINITY, y = -INFINITY;
      for (int i = 0; i < gsize; ++i) {
        if (c[i] > x) y = x, x = c[i];
        else if (c[i] > y) y = c[i];
      }
      gscore[g] = a.sigmoid ? (gsize > 1 ? x + y : x) : x;
      keep[g] = false;
    }
    for (int t = 0; t < a.topk_group; ++t) {
      int best = -1;
      for (int g = 0; g < a.n_group; ++g) {
        if (!keep[g] && (best < 0 || gscore[g] > gscore[best])) best = g;
      }
      keep[best] = true;
    }
    for (int e = 0; e < E; ++e) {
      if (!keep[e / gsize]) choice[e] = -INFINITY;
    }
  }
  int32_t* id = idx + static_cast<size_t>(n) * a.K;
  float* wt = w + static_cast<size_t>(n) * a.K;
  float sum = 0.f;
  for (int j = 0; j < a.K; ++j) {
    int best = -1;
    for (int e = 0; e < E; ++e) {
      bool taken = false;
      for (int i = 0; i < j; ++i) taken |= id[i] == e;
      if (!taken && (best < 0 || choice[e] > choice[best])) best = e;
    }
    id[j] = best;
    wt[j] = sc[best];
    sum += sc[best];
  }
  float mul = a.scale;
  if (a.norm_topk) mul /= (sum + 1e-20f);
  for (int j = 0; j < a.K; ++j) wt[j] *= mul;
}

__global__ void router_backward_kernel(float* dlogits, const float* dw, const float* scores, const int32_t* idx,
                                       RouterArgs a, int N) {
  const int n = blockIdx.x * blockDim.x + threadIdx.x;
  if (n >= N) return;
  const int E = a.E, K = a.K;
  const float* sc = scores + static_cast<size_t>(n) * E;
  const int32_t* id = idx + static_cast<size_t>(n) * K;
  const float* d = dw + static_cast<size_t>(n) * K;
  float* dl = dlogits + static_cast<size_t>(n) * E;
  float ds[kMaxExperts];
  for (int e = 0; e < E; ++e) ds[e] = 0.f;
  if (a.norm_topk) {
    float S = 0.f, dot = 0.f;
    for (int j = 0; j < K; ++j) S += sc[id[j]];
    S += 1e-20f;
    for (int j = 0; j < K; ++j) dot += d[j] * sc[id[j]];
    for (int j = 0; j < K; ++j) ds[id[j]] += a.scale * (d[j] / S - dot / (S * S));
  } else {
    for (int j = 0; j < K; ++j) ds[id[j]] += a.scale * d[j];
  }
  if (a.sigmoid) {
    for (int e = 0; e < E; ++e) dl[e] = ds[e] * sc[e] * (1.f - sc[e]);
  } else {
    float dot = 0.f;
    for (int e = 0; e < E; ++e) dot += ds[e] * sc[e];
    for (int e = 0; e < E; ++e) dl[e] = sc[e] * (ds[e] - dot);
  }
}

// xs row r = x row token_of[r]
__global__ void gather_kernel(float* xs, const float* x, const int32_t* token_of, size_t rows, int C) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= rows * C) return;
  xs[i] = x[static_cast<size_t>(token_of[i / C]) * C + i % C];
}

// out[n] (+)= sum_j w[n, j] ys[row_of[n*K + j]], one thread per (token, channel), j in order.
__global__ void combine_kernel(float* out, const float* ys, const float* w, const int32_t* row_of, int N, int K, int C,
                               bool accumulate) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(N) * C) return;
  const size_t n = i / C, c = i % C;
  float s = accumulate ? out[i] : 0.f;
  for (int j = 0; j < K; ++j) s += w[n * K + j] * ys[static_cast<size_t>(row_of[n * K + j]) * C + c];
  out[i] = s;
}

// dys[row_of[n*K+j]] = w[n, j] dout[n]; one thread per (token, slot) also writes dw = dout . ys.
__global__ void combine_backward_kernel(float* dys, float* dw, const float* dout, const float* ys, const float* w,
                                        const int32_t* row_of, int N, int K, int C) {
  const size_t t = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (t >= static_cast<size_t>(N) * K) return;
  const size_t n = t / K;
  const size_t r = static_cast<size_t>(row_of[t]);
  const float* d = dout + n * C;
  const float* y = ys + r * C;
  float* dy = dys + r * C;
  float dot = 0.f;
  for (int c = 0; c < C; ++c) {
    dy[c] = w[t] * d[c];
    dot += d[c] * y[c];
  }
  dw[t] = dot;
}

__global__ void scatter_add_kernel(float* dx, const float* dxs, const int32_t* row_of, int N, int K, int C) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(N) * C) return;
  const size_t n = i / C, c = i % C;
  float s = dx[i];
  for (int j = 0; j < K; ++j) s += dxs[static_cast<size_t>(row_of[n * K + j]) * C + c];
  dx[i] = s;
}

RouterArgs args_of(const cpu::RouterSpec& sp) {
  if (sp.top_k <= 0 || sp.top_k > sp.n_experts) fail("router: top_k ", sp.top_k, " out of range for ", sp.n_experts, " experts");
  if (sp.n_experts > kMaxExperts) fail("CUDA router: at most ", kMaxExperts, " experts, got ", sp.n_experts);
  if (sp.n_group < 1 || sp.n_group > kMaxGroups || sp.n_experts % sp.n_group != 0 || sp.topk_group < 1 ||
      sp.topk_group > sp.n_group) {
    fail("CUDA router: bad expert groups (", sp.n_group, " groups, top ", sp.topk_group, ")");
  }
  return {sp.n_experts, sp.top_k, sp.n_group, sp.topk_group, sp.sigmoid, sp.norm_topk, static_cast<float>(sp.scale)};
}

// A device copy of a plan's row map, in a buffer that grows and is reused (one per map).
const int32_t* device_map(const std::vector<int32_t>& host, int which) {
  static int32_t* buf[2] = {nullptr, nullptr};
  static size_t cap[2] = {0, 0};
  if (host.size() > cap[which]) {
    cudaFree(buf[which]);
    buf[which] = nullptr;
    check(cudaMalloc(&buf[which], sizeof(int32_t) * host.size()), "cudaMalloc (dispatch plan)");
    cap[which] = host.size();
  }
  if (!host.empty()) {
    check(cudaMemcpy(buf[which], host.data(), sizeof(int32_t) * host.size(), cudaMemcpyHostToDevice),
          "dispatch plan upload");
  }
  return buf[which];
}

}  // namespace

void router_forward(float* scores, int32_t* idx, float* w, const float* logits, const float* bias,
                    const cpu::RouterSpec& spec, int N) {
  const RouterArgs a = args_of(spec);
  if (N == 0) return;
  router_forward_kernel<<<blocks_for(N, 128), 128, 0, stream()>>>(scores, idx, w, logits, bias, a,
                                                                  N);
  check_launch("router_forward");
}

void router_backward(float* dlogits, const float* dw, const float* scores, const int32_t* idx,
                     const cpu::RouterSpec& spec, int N) {
  const RouterArgs a = args_of(spec);
  if (N == 0) return;
  router_backward_kernel<<<blocks_for(N, 128), 128, 0, stream()>>>(dlogits, dw, scores, idx, a, N);
  check_launch("router_backward");
}

void dispatch_plan(cpu::DispatchPlan& plan, const int32_t* idx, int N, int k, int E) {
  std::vector<int32_t> host(static_cast<size_t>(N) * k);
  if (!host.empty()) {
    check(cudaMemcpy(host.data(), idx, sizeof(int32_t) * host.size(), cudaMemcpyDeviceToHost), "routing download");
  }
  cpu::dispatch_plan(plan, host.data(), N, k, E);
}

void moe_gather(float* xs, const float* x, const cpu::DispatchPlan& plan, int C) {
  const size_t rows = plan.token_of.size();
  if (rows == 0) return;
  gather_kernel<<<blocks_for(rows * C), 256, 0, stream()>>>(xs, x, device_map(plan.token_of, 0),
                                                            rows, C);
  check_launch("moe_gather");
}

void moe_combine_forward(float* out, const float* ys, const float* w, const cpu::DispatchPlan& plan, int C,
                         bool accumulate) {
  const size_t n = static_cast<size_t>(plan.n_tokens) * C;
  if (n == 0) return;
  combine_kernel<<<blocks_for(n), 256, 0, stream()>>>(out, ys, w, device_map(plan.row_of, 1),
                                                      plan.n_tokens, plan.top_k, C, accumulate);
  check_launch("moe_combine_forward");
}

void moe_combine_backward(float* dys, float* dw, const float* dout, const float* ys, const float* w,
                          const cpu::DispatchPlan& plan, int C) {
  const size_t t = static_cast<size_t>(plan.n_tokens) * plan.top_k;
  if (t == 0) return;
  combine_backward_kernel<<<blocks_for(t, 128), 128, 0, stream()>>>(
      dys, dw, dout, ys, w, device_map(plan.row_of, 1), plan.n_tokens, plan.top_k, C);
  check_launch("moe_combine_backward");
}

void moe_scatter_add(float* dx, const float* dxs, const cpu::DispatchPlan& plan, int C) {
  const size_t n = static_cast<size_t>(plan.n_tokens) * C;
  if (n == 0) return;
  scatter_add_kernel<<<blocks_for(n), 256, 0, stream()>>>(dx, dxs, device_map(plan.row_of, 1),
                                                          plan.n_tokens, plan.top_k, C);
  check_launch("moe_scatter_add");
}

}  // namespace r1::cuda
