// ModelConfig: the architecture of the policy, read from a Hugging Face config.json.
//
// A decoder-only transformer: embedding, N blocks of [RMSNorm, attention, RMSNorm, FFN], final
// RMSNorm, LM head. Attention is either grouped-query attention with RoPE (optional q/k-norm,
// optional q/k/v biases) or DeepSeek-V3's Multi-head Latent Attention (kv_lora_rank > 0). The
// FFN of a block is dense or Mixture-of-Experts (see is_moe_layer).
//
// model_type says which Hugging Face architecture the config is, and so which fields its
// config.json has and which tensor names its checkpoint uses (model/config_hf.cpp):
//   qwen2        Qwen2ForCausalLM        GQA with q/k/v biases, dense
//   qwen3        Qwen3ForCausalLM        GQA with q/k-norm, dense
//   qwen3_moe    Qwen3MoeForCausalLM     GQA with q/k-norm, softmax-routed experts
//   deepseek_v3  DeepseekV3ForCausalLM   MLA, first dense blocks, shared + sigmoid-routed experts
//   r1_moe       (ours, before HF export) GQA + any MoE options; transformers cannot load it.
// The fields below are the computation's; each architecture's reader fills them from its own
// HF fields and rejects values that would change the computation but are not implemented.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"

namespace r1 {

struct ModelConfig {
  std::string model_type = "deepseek_v3";
  int vocab_size = 0;
  int hidden_size = 0;           // C
  int num_hidden_layers = 0;     // L
  int num_attention_heads = 0;   // H
  // ---- grouped-query attention ----
  int num_key_value_heads = 0;   // KVH; H % KVH == 0
  int head_dim = 0;              // D
  bool qk_norm = false;          // per-head RMSNorm on q and k before RoPE (Qwen3)
  bool attention_bias = false;   // biases on the q/k/v projections (Qwen2); never on o_proj
  // ---- Multi-head Latent Attention (DeepSeek-V3); on when kv_lora_rank > 0 ----
  int q_lora_rank = 0;           // 0: q_proj; else q_a_proj -> q_a_layernorm -> q_b_proj
  int kv_lora_rank = 0;          // width of the compressed kv latent
  int qk_nope_head_dim = 0;      // per-head query/key dims without RoPE
  int qk_rope_head_dim = 0;      // per-head query dims with RoPE; the key's rope part is shared by all heads
  int v_head_dim = 0;
  bool rope_interleave = false;  // RoPE pairs (2i, 2i+1) instead of (i, i + D/2)
  // ---- FFN ----
  int intermediate_size = 0;     // dense FFN width
  int moe_intermediate_size = 0; // width of each routed expert
  int n_routed_experts = 0;      // E; 0 means every block is dense
  int num_experts_per_tok = 0;   // k
  int n_shared_experts = 0;      // shared expert width = n_shared_experts * moe_intermediate_size
  int first_k_dense_replace = 0; // blocks [0, first_k_dense_replace) are dense
  int decoder_sparse_step = 1;   // Qwen3-MoE: block l is MoE only when (l + 1) % step == 0
  std::vector<int> mlp_only_layers;  // Qwen3-MoE: blocks that are dense regardless
  std::string scoring_func = "softmax";  // "softmax" (Qwen3-MoE) or "sigmoid" (DeepSeek-V3)
  bool norm_topk_prob = true;
  double routed_scaling_factor = 1.0;
  int n_group = 1;
  int topk_group = 1;
  // ---- the rest ----
  double rope_theta = 10000.0;
  double rms_norm_eps = 1e-6;
  bool tie_word_embeddings = false;
  int max_position_embeddings = 2048;
  double initializer_range = 0.02;
  // DeepSeek-V3 multi-token-prediction modules stored after the last block; not part of the
  // causal LM, so their tensors are skipped on load (transformers skips them too).
  int num_nextn_predict_layers = 0;
  // Bookkeeping fields of an HF config that we carry through to exports unchanged
  // (bos_token_id, eos_token_id, pad_token_id); an object, possibly empty.
  json passthrough = json::object();

  // Reads and validates; errors name `where` (the file) and the field. Dispatches on
  // model_type; an unknown one is an error naming it and the supported ones.
  static ModelConfig from_json(const json& j, const std::string& where);
  static ModelConfig load(const std::string& path);
  // The config.json of model_type's architecture, with "architectures" (what transformers needs
  // to load it as that class).
  json to_json() const;
  void validate(const std::string& where) const;
  // The HF class name for model_type ("DeepseekV3ForCausalLM"); "R1MoeForCausalLM" for r1_moe.
  std::string architecture() const;

  bool mla() const { return kv_lora_rank > 0; }
  bool is_moe_layer(int layer) const;
  // Whether MoE layers carry DeepSeek-V3's per-expert selection bias (e_score_correction_bias).
  // Qwen3-MoE has none, so aux-loss-free balancing is off for it.
  bool has_expert_bias() const { return model_type == "deepseek_v3" || model_type == "r1_moe"; }
  // Sizes that attention sees: MLA expands its latent into H key/value heads.
  int qk_head_size() const { return mla() ? qk_nope_head_dim + qk_rope_head_dim : head_dim; }
  int v_head_size() const { return mla() ? v_head_dim : head_dim; }
  int rope_dim() const { return mla() ? qk_rope_head_dim : head_dim; }
  int attn_kv_heads() const { return mla() ? num_attention_heads : num_key_value_heads; }
  int q_dim() const { return num_attention_heads * qk_head_size(); }   // queries (N, q_dim)
  int k_dim() const { return attn_kv_heads() * qk_head_size(); }       // keys as attention reads them
  int v_dim() const { return attn_kv_heads() * v_head_size(); }        // values as attention reads them
  int o_dim() const { return num_attention_heads * v_head_size(); }    // attention output, o_proj input
  // What the KV cache holds per token and layer (model/kv_cache.h). MLA caches its latent, one
  // key/value head that every query head reads: keys [kv_a_layernorm(ckv) | rope(k_pe)] whose
  // first part is also the value, with kv_b_proj absorbed into the query and the output.
  int cache_k_dim() const { return mla() ? kv_lora_rank + qk_rope_head_dim : k_dim(); }
  // MLA stores no values: attention reads them as the first kv_lora_rank of each key row.
  int cache_v_dim() const { return mla() ? 0 : v_dim(); }
  int shared_intermediate() const { return n_shared_experts * moe_intermediate_size; }
};

}  // namespace r1
