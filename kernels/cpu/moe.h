// MoE dispatch and combine. Each of N tokens goes to k experts (idx (N, k) from the router).
// A DispatchPlan sorts the N*k (token, slot) pairs by expert so that each expert's rows are
// contiguous: expert e owns sorted rows [offset[e], offset[e] + count[e]). The caller runs each
// expert's GEMMs on its slice; these functions move rows between token order and expert order.
#pragma once
#include <cstdint>
#include <vector>

namespace r1::cpu {

struct DispatchPlan {
  int n_tokens = 0, top_k = 0, n_experts = 0;
  std::vector<int32_t> count;      // (E) tokens routed to each expert: the expert load
  std::vector<int32_t> offset;     // (E + 1) first sorted row of each expert
  std::vector<int32_t> token_of;   // (N*k) sorted row -> token
  std::vector<int32_t> row_of;     // (N*k) token*k + slot -> sorted row
};

// Stable: within an expert, rows keep token order (deterministic results).
void dispatch_plan(DispatchPlan& plan, const int32_t* idx, int N, int k, int E);

// xs (N*k, C) sorted rows <- x (N, C).
template <typename T>
void moe_gather(T* xs, const T* x, const DispatchPlan& plan, int C);

// out (N, C) (+)= sum_j w[n, j] * ys[row_of[n*k + j]]. `accumulate` adds to out.
template <typename T>
void moe_combine_forward(T* out, const T* ys, const T* w, const DispatchPlan& plan, int C, bool accumulate);

// dys (N*k, C) = w * dout; dw (N, k) = dout . ys.
template <typename T>
void moe_combine_backward(T* dys, T* dw, const T* dout, const T* ys, const T* w, const DispatchPlan& plan, int C);

// dx (N, C) += sum over the token's k sorted rows of dxs.
template <typename T>
void moe_scatter_add(T* dx, const T* dxs, const DispatchPlan& plan, int C);

// Aux-loss-free balancing (DeepSeek-V3): bias (E) += gamma * sign(mean load - load_e), with the
// load (E) counted by training forwards.
void expert_bias_update(float* bias, const int64_t* load, int E, double gamma);

}  // namespace r1::cpu
