#include "model/param_table.h"

#include "core/error.h"

namespace r1 {

size_t ParamTable::add(const std::string& name, std::vector<int64_t> shape, bool decay, ParamInfo::Init init) {
  ParamInfo p;
  p.name = name;
  p.numel = 1;
  for (int64_t d : shape) p.numel *= static_cast<size_t>(d);
  p.shape = std::move(shape);
  p.offset = total_;
  p.decay = decay;
  p.init = init;
  total_ += p.numel;
  index_[name] = params_.size();
  params_.push_back(std::move(p));
  return params_.back().offset;
}

std::string ParamTable::expert_bias_name(int layer) {
  return cat("model.layers.", layer, ".mlp.gate.e_score_correction_bias");
}

ParamTable::ParamTable(const ModelConfig& c) {
  const int64_t C = c.hidden_size, V = c.vocab_size, D = c.head_dim, H = c.num_attention_heads;
  const int64_t Q = c.q_dim(), KV = c.k_dim();
  using I = ParamInfo::Init;
  embed_ = add("model.embed_tokens.weight", {V, C}, true, I::Normal);
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    LayerParams lp;
    std::string p = cat("model.layers.", l, ".");
    lp.ln1 = add(p + "input_layernorm.weight", {C}, false, I::Ones);
    if (c.mla()) {
      const int64_t Rq = c.q_lora_rank, Rkv = c.kv_lora_rank, Dr = c.qk_rope_head_dim;
      if (Rq > 0) {
        lp.qkv = add(p + "self_attn.q_a_proj.weight", {Rq, C}, true, I::Normal);
      } else {
        lp.qkv = add(p + "self_attn.q_proj.weight", {Q, C}, true, I::Normal);
      }
      add(p + "self_attn.kv_a_proj_with_mqa.weight", {Rkv + Dr, C}, true, I::Normal);
      if (Rq > 0) {
        lp.q_a_norm = add(p + "self_attn.q_a_layernorm.weight", {Rq}, false, I::Ones);
        lp.q_b = add(p + "self_attn.q_b_proj.weight", {Q, Rq}, true, I::Normal);
      }
      lp.kv_a_norm = add(p + "self_attn.kv_a_layernorm.weight", {Rkv}, false, I::Ones);
      lp.kv_b = add(p + "self_attn.kv_b_proj.weight", {H * (c.qk_nope_head_dim + c.v_head_dim), Rkv}, true,
                    I::Normal);
    } else {
      lp.qkv = add(p + "self_attn.q_proj.weight", {Q, C}, true, I::Normal);
      add(p + "self_attn.k_proj.weight", {KV, C}, true, I::Normal);
      add(p + "self_attn.v_proj.weight", {KV, C}, true, I::Normal);
      if (c.attention_bias) {
        lp.qkv_bias = add(p + "self_attn.q_proj.bias", {Q}, false, I::Zeros);
        add(p + "self_attn.k_proj.bias", {KV}, false, I::Zeros);
        add(p + "self_attn.v_proj.bias", {KV}, false, I::Zeros);
      }
      if (c.qk_norm) {
        lp.q_norm = add(p + "self_attn.q_norm.weight", {D}, false, I::Ones);
        lp.k_norm = add(p + "self_attn.k_norm.weight", {D}, false, I::Ones);
      }
    }
    lp.o_proj = add(p + "self_attn.o_proj.weight", {C, static_cast<int64_t>(c.o_dim())}, true, I::Normal);
    lp.ln2 = add(p + "post_attention_layernorm.weight", {C}, false, I::Ones);
    if (!c.is_moe_layer(l)) {
      const int64_t F = c.intermediate_size;
      lp.gate_up = add(p + "mlp.gate_proj.weight", {F, C}, true, I::Normal);
      add(p + "mlp.up_proj.weight", {F, C}, true, I::Normal);
      lp.down = add(p + "mlp.down_proj.weight", {C, F}, true, I::Normal);
    } else {
      const int64_t E = c.n_routed_experts, F = c.moe_intermediate_size;
      lp.router = add(p + "mlp.gate.weight", {E, C}, true, I::Normal);
      for (int e = 0; e < E; ++e) {
        std::string ep = cat(p, "mlp.experts.", e, ".");
        lp.expert_gate_up.push_back(add(ep + "gate_proj.weight", {F, C}, true, I::Normal));
        add(ep + "up_proj.weight", {F, C}, true, I::Normal);
        lp.expert_down.push_back(add(ep + "down_proj.weight", {C, F}, true, I::Normal));
      }
      if (c.n_shared_experts > 0) {
        const int64_t S = c.shared_intermediate();
        lp.shared_gate_up = add(p + "mlp.shared_experts.gate_proj.weight", {S, C}, true, I::Normal);
        add(p + "mlp.shared_experts.up_proj.weight", {S, C}, true, I::Normal);
        lp.shared_down = add(p + "mlp.shared_experts.down_proj.weight", {C, S}, true, I::Normal);
      }
    }
    layers_.push_back(std::move(lp));
  }
  final_norm_ = add("model.norm.weight", {C}, false, I::Ones);
  lm_head_ = c.tie_word_embeddings ? embed_ : add("lm_head.weight", {V, C}, true, I::Normal);
}

const ParamInfo* ParamTable::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &params_[it->second];
}

}  // namespace r1
