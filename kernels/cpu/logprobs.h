// Log-probabilities of target tokens: lp (N) = logits[n, target[n]] - logsumexp(logits[n, :]).
// This is what GRPO and SFT both need; cross-entropy is -lp. Forward saves lse (N).
// Backward takes dlp (N) = dLoss/dlp and writes dlogits (N, V) = dlp * (onehot - softmax).
// Targets < 0 mark positions without a target: lp = 0 there and no gradient flows.
#pragma once
#include <cstdint>

namespace r1::cpu {

template <typename T>
void logprobs_forward(T* lp, T* lse, const T* logits, const int32_t* targets, int N, int V);

template <typename T>
void logprobs_backward(T* dlogits, const T* dlp, const T* logits, const T* lse, const int32_t* targets, int N,
                       int V);

// Entropy of each row's softmax (N), for monitoring.
template <typename T>
void softmax_entropy(T* ent, const T* logits, const T* lse, int N, int V);

}  // namespace r1::cpu
