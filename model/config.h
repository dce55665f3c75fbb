// ModelConfig: the architecture of the policy, read from a Hugging Face style config.json.
// Field names follow HF (DeepSeek-V3 / Qwen3-MoE) so that real configs read as they are.
// A decoder-only transformer: embedding, N blocks of [RMSNorm, GQA attention with RoPE and
// optional q/k-norm, RMSNorm, FFN], final RMSNorm, LM head. The FFN is dense in the first
// `first_k_dense_replace` blocks and Mixture-of-Experts after (when n_routed_experts > 0).
#pragma once
#include <string>

#include "core/json.h"

namespace r1 {

struct ModelConfig {
  std::string model_type = "r1_moe";
  int vocab_size = 0;
  int hidden_size = 0;           // C
  int num_hidden_layers = 0;     // L
  int num_attention_heads = 0;   // H
  int num_key_value_heads = 0;   // KVH (GQA); H % KVH == 0
  int head_dim = 0;              // D; defaults to hidden_size / num_attention_heads
  int intermediate_size = 0;     // dense FFN width
  int moe_intermediate_size = 0; // width of each routed expert
  int n_routed_experts = 0;      // E; 0 means every block is dense
  int num_experts_per_tok = 0;   // k
  int n_shared_experts = 0;      // shared expert width = n_shared_experts * moe_intermediate_size
  int first_k_dense_replace = 0; // blocks [0, first_k_dense_replace) are dense
  std::string scoring_func = "softmax";  // "softmax" (Qwen3-MoE) or "sigmoid" (DeepSeek-V3)
  bool norm_topk_prob = true;
  double routed_scaling_factor = 1.0;
  int n_group = 1;
  int topk_group = 1;
  double rope_theta = 10000.0;
  double rms_norm_eps = 1e-6;
  bool tie_word_embeddings = false;
  int max_position_embeddings = 2048;
  bool qk_norm = false;          // per-head RMSNorm on q and k before RoPE (Qwen3)
  bool attention_bias = false;   // biases on q/k/v projections (Qwen2)
  double initializer_range = 0.02;

  // Reads and validates; errors name `where` (the file) and the field.
  static ModelConfig from_json(const json& j, const std::string& where);
  static ModelConfig load(const std::string& path);
  json to_json() const;
  void validate(const std::string& where) const;

  bool is_moe_layer(int layer) const { return n_routed_experts > 0 && layer >= first_k_dense_replace; }
  int q_dim() const { return num_attention_heads * head_dim; }
  int kv_dim() const { return num_key_value_heads * head_dim; }
  int shared_intermediate() const { return n_shared_experts * moe_intermediate_size; }
};

}  // namespace r1
