// MoE router: from gate logits (N, E) pick k experts per token and their mixing weights.
//   scores = sigmoid(logits) (DeepSeek-V3) or softmax(logits) (Qwen3-MoE)
//   choice = scores + bias            (bias: aux-loss-free balancing; selection only)
//   group-limited: experts form n_group groups; a group's score is the sum of its top-2 choice
//   values (sigmoid) or its max (softmax); experts outside the best topk_group groups are
//   masked to -inf before top-k, so they are never chosen. This is what DeepSeek's reference
//   code and current Hugging Face transformers (5.x, DeepseekV3TopkRouter) do. transformers 4.x
//   masked with 0.0 instead, which differs only when the bias pushes every kept choice below 0;
//   we follow the transformers version the reference dumps in tests/data/hf/ come from.
//   idx = top-k of choice (ties go to the lower expert index)
//   w = scores[idx], divided by their sum when norm_topk, then times `scale`.
#pragma once
#include <cstdint>

namespace r1::cpu {

struct RouterSpec {
  int n_experts = 0;
  int top_k = 0;
  bool sigmoid = false;    // false: softmax
  bool norm_topk = true;   // renormalise the selected weights to sum to 1
  double scale = 1.0;      // routed_scaling_factor
  int n_group = 1;         // 1: no group limit
  int topk_group = 1;
};

// scores (N, E), idx (N, k), w (N, k) are outputs; bias (E) may be null.
template <typename T>
void router_forward(T* scores, int32_t* idx, T* w, const T* logits, const float* bias, const RouterSpec& spec,
                    int N);

// Writes dlogits (N, E) from dw (N, k). Selection is piecewise constant, so no gradient flows
// through the choice itself.
template <typename T>
void router_backward(T* dlogits, const T* dw, const T* scores, const int32_t* idx, const RouterSpec& spec, int N);

}  // namespace r1::cpu
