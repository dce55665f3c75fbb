#include "model/config.h"

#include <algorithm>

#include "core/fs.h"
#include "model/config_hf.h"

namespace r1 {

ModelConfig ModelConfig::from_json(const json& j, const std::string& where) {
  ModelConfig c = read_model_config(j, where);
  c.validate(where);
  return c;
}

ModelConfig ModelConfig::load(const std::string& path) { return from_json(load_json_file(path), path); }

json ModelConfig::to_json() const { return write_model_config(*this); }

std::string ModelConfig::architecture() const { return architecture_of(model_type); }

bool ModelConfig::is_moe_layer(int layer) const {
  if (n_routed_experts <= 0 || layer < first_k_dense_replace) return false;
  if ((layer + 1) % decoder_sparse_step != 0) return false;
  return std::find(mlp_only_layers.begin(), mlp_only_layers.end(), layer) == mlp_only_layers.end();
}

void ModelConfig::validate(const std::string& where) const {
  auto need = [&](bool ok, const char* field, const std::string& msg) {
    if (!ok) fail(where, ": field '", field, "': ", msg);
  };
  need(!architecture().empty(), "model_type", cat("unsupported architecture \"", model_type, "\""));
  need(vocab_size > 0, "vocab_size", "must be positive");
  need(hidden_size > 0, "hidden_size", "must be positive");
  need(num_hidden_layers > 0, "num_hidden_layers", "must be positive");
  need(num_attention_heads > 0, "num_attention_heads", "must be positive");
  if (mla()) {
    need(q_lora_rank >= 0, "q_lora_rank", "must be positive or null");
    need(qk_rope_head_dim > 0 && qk_rope_head_dim % 2 == 0, "qk_rope_head_dim",
         "must be positive and even (RoPE rotates pairs)");
    need(qk_nope_head_dim >= 0, "qk_nope_head_dim", "must be >= 0");
    need(v_head_dim > 0, "v_head_dim", "must be positive");
    need(!qk_norm && !attention_bias, "kv_lora_rank", "Multi-head Latent Attention has no q/k-norm or q/k/v biases");
  } else {
    need(num_key_value_heads > 0 && num_attention_heads % num_key_value_heads == 0, "num_key_value_heads",
         cat("must divide num_attention_heads (", num_attention_heads, "), got ", num_key_value_heads));
    need(head_dim > 0 && head_dim % 2 == 0, "head_dim", "must be positive and even (RoPE rotates pairs)");
    need(q_lora_rank == 0, "q_lora_rank", "needs Multi-head Latent Attention (kv_lora_rank > 0)");
  }
  need(max_position_embeddings > 0, "max_position_embeddings", "must be positive");
  need(rms_norm_eps > 0, "rms_norm_eps", "must be positive");
  need(rope_theta > 0, "rope_theta", "must be positive");
  need(scoring_func == "softmax" || scoring_func == "sigmoid", "scoring_func",
       cat("must be \"softmax\" or \"sigmoid\", got \"", scoring_func, "\""));
  need(n_routed_experts >= 0, "n_routed_experts", "must be >= 0");
  need(decoder_sparse_step >= 1, "decoder_sparse_step", "must be >= 1");
  for (int l : mlp_only_layers) {
    need(l >= 0 && l < num_hidden_layers, "mlp_only_layers", cat("layer ", l, " is not in [0, num_hidden_layers)"));
  }
  bool any_dense = false, any_moe = false;
  for (int l = 0; l < num_hidden_layers; ++l) (is_moe_layer(l) ? any_moe : any_dense) = true;
  if (any_dense) need(intermediate_size > 0, "intermediate_size", "must be positive (the model has dense blocks)");
  if (any_moe) {
    need(moe_intermediate_size > 0, "moe_intermediate_size", "must be positive for an MoE model");
    need(num_experts_per_tok > 0 && num_experts_per_tok <= n_routed_experts, "num_experts_per_tok",
         cat("must be in [1, n_routed_experts=", n_routed_experts, "]"));
    need(n_shared_experts >= 0, "n_shared_experts", "must be >= 0");
    need(first_k_dense_replace >= 0 && first_k_dense_replace <= num_hidden_layers, "first_k_dense_replace",
         "must be in [0, num_hidden_layers]");
    need(n_group >= 1 && n_routed_experts % n_group == 0, "n_group", "must divide n_routed_experts");
    need(topk_group >= 1 && topk_group <= n_group, "topk_group", "must be in [1, n_group]");
    need(num_experts_per_tok <= topk_group * (n_routed_experts / n_group), "num_experts_per_tok",
         "exceeds the experts available in topk_group groups");
    need(routed_scaling_factor > 0, "routed_scaling_factor", "must be positive");
  }
  need(num_nextn_predict_layers >= 0, "num_nextn_predict_layers", "must be >= 0");
}

}  // namespace r1
