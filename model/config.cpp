#include "model/config.h"

#include "core/fs.h"

namespace r1 {

ModelConfig ModelConfig::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  ModelConfig c;
  c.model_type = r.get<std::string>("model_type", c.model_type);
  c.vocab_size = r.req<int>("vocab_size");
  c.hidden_size = r.req<int>("hidden_size");
  c.num_hidden_layers = r.req<int>("num_hidden_layers");
  c.num_attention_heads = r.req<int>("num_attention_heads");
  c.num_key_value_heads = r.get<int>("num_key_value_heads", c.num_attention_heads);
  c.head_dim = r.get<int>("head_dim", c.num_attention_heads > 0 ? c.hidden_size / c.num_attention_heads : 0);
  c.intermediate_size = r.get<int>("intermediate_size", 0);
  c.moe_intermediate_size = r.get<int>("moe_intermediate_size", 0);
  c.n_routed_experts = r.get<int>("n_routed_experts", 0);
  c.num_experts_per_tok = r.get<int>("num_experts_per_tok", 0);
  c.n_shared_experts = r.get<int>("n_shared_experts", 0);
  c.first_k_dense_replace = r.get<int>("first_k_dense_replace", 0);
  c.scoring_func = r.get<std::string>("scoring_func", c.scoring_func);
  c.norm_topk_prob = r.get<bool>("norm_topk_prob", c.norm_topk_prob);
  c.routed_scaling_factor = r.get<double>("routed_scaling_factor", c.routed_scaling_factor);
  c.n_group = r.get<int>("n_group", c.n_group);
  c.topk_group = r.get<int>("topk_group", c.topk_group);
  c.rope_theta = r.get<double>("rope_theta", c.rope_theta);
  c.rms_norm_eps = r.get<double>("rms_norm_eps", c.rms_norm_eps);
  c.tie_word_embeddings = r.get<bool>("tie_word_embeddings", c.tie_word_embeddings);
  c.max_position_embeddings = r.get<int>("max_position_embeddings", c.max_position_embeddings);
  c.qk_norm = r.get<bool>("qk_norm", c.qk_norm);
  c.attention_bias = r.get<bool>("attention_bias", c.attention_bias);
  c.initializer_range = r.get<double>("initializer_range", c.initializer_range);
  std::string act = r.get<std::string>("hidden_act", "silu");
  r.check(act == "silu", "hidden_act", cat("only \"silu\" is supported, got \"", act, "\""));
  if (r.has("rope_scaling")) {
    r.check(r.raw("rope_scaling").is_null(), "rope_scaling", "RoPE scaling is not supported; use null");
  }
  // Bookkeeping fields of HF configs that do not change the computation.
  r.ignore({"architectures", "torch_dtype", "transformers_version", "bos_token_id", "eos_token_id",
            "pad_token_id", "use_cache", "attention_dropout", "_name_or_path", "tokenizer"});
  r.done();
  c.validate(where);
  return c;
}

ModelConfig ModelConfig::load(const std::string& path) { return from_json(load_json_file(path), path); }

void ModelConfig::validate(const std::string& where) const {
  auto need = [&](bool ok, const char* field, const std::string& msg) {
    if (!ok) fail(where, ": field '", field, "': ", msg);
  };
  need(vocab_size > 0, "vocab_size", "must be positive");
  need(hidden_size > 0, "hidden_size", "must be positive");
  need(num_hidden_layers > 0, "num_hidden_layers", "must be positive");
  need(num_attention_heads > 0, "num_attention_heads", "must be positive");
  need(num_key_value_heads > 0 && num_attention_heads % num_key_value_heads == 0, "num_key_value_heads",
       cat("must divide num_attention_heads (", num_attention_heads, "), got ", num_key_value_heads));
  need(head_dim > 0 && head_dim % 2 == 0, "head_dim", "must be positive and even (RoPE rotates pairs)");
  need(max_position_embeddings > 0, "max_position_embeddings", "must be positive");
  need(rms_norm_eps > 0, "rms_norm_eps", "must be positive");
  need(rope_theta > 0, "rope_theta", "must be positive");
  need(scoring_func == "softmax" || scoring_func == "sigmoid", "scoring_func",
       cat("must be \"softmax\" or \"sigmoid\", got \"", scoring_func, "\""));
  bool any_dense = n_routed_experts == 0 || first_k_dense_replace > 0;
  if (any_dense) need(intermediate_size > 0, "intermediate_size", "must be positive (the model has dense blocks)");
  need(n_routed_experts >= 0, "n_routed_experts", "must be >= 0");
  if (n_routed_experts > 0) {
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
}

json ModelConfig::to_json() const {
  json j = {{"model_type", model_type},
            {"vocab_size", vocab_size},
            {"hidden_size", hidden_size},
            {"num_hidden_layers", num_hidden_layers},
            {"num_attention_heads", num_attention_heads},
            {"num_key_value_heads", num_key_value_heads},
            {"head_dim", head_dim},
            {"intermediate_size", intermediate_size},
            {"moe_intermediate_size", moe_intermediate_size},
            {"n_routed_experts", n_routed_experts},
            {"num_experts_per_tok", num_experts_per_tok},
            {"n_shared_experts", n_shared_experts},
            {"first_k_dense_replace", first_k_dense_replace},
            {"scoring_func", scoring_func},
            {"norm_topk_prob", norm_topk_prob},
            {"routed_scaling_factor", routed_scaling_factor},
            {"n_group", n_group},
            {"topk_group", topk_group},
            {"rope_theta", rope_theta},
            {"rms_norm_eps", rms_norm_eps},
            {"tie_word_embeddings", tie_word_embeddings},
            {"max_position_embeddings", max_position_embeddings},
            {"qk_norm", qk_norm},
            {"attention_bias", attention_bias},
            {"initializer_range", initializer_range},
            {"hidden_act", "silu"}};
  return j;
}

}  // namespace r1
