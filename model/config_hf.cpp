#include "model/config_hf.h"

#include <algorithm>

#include "core/error.h"

namespace r1 {

namespace {

struct Arch {
  const char* model_type;
  const char* architecture;
};
// r1_moe is last: our pre-export format, kept so that older run folders still load.
constexpr Arch kArchs[] = {{"qwen2", "Qwen2ForCausalLM"},
                           {"qwen3", "Qwen3ForCausalLM"},
                           {"qwen3_moe", "Qwen3MoeForCausalLM"},
                           {"deepseek_v3", "DeepseekV3ForCausalLM"},
                           {"r1_moe", "R1MoeForCausalLM"}};

std::string supported_list() {
  std::string s;
  for (const auto& a : kArchs) s += cat(s.empty() ? "" : ", ", a.model_type, " (", a.architecture, ")");
  return s;
}

// HF bookkeeping that never changes the forward pass. attention_dropout is training-time
// dropout (off in inference; we never apply it); use_cache and the dtype are runtime choices.
void ignore_bookkeeping(JsonReader& r) {
  r.ignore({"torch_dtype", "dtype", "transformers_version", "_name_or_path", "use_cache", "attention_dropout",
            "tokenizer_class", "output_attentions", "output_hidden_states", "return_dict"});
}

// bos/eos/pad token ids travel through to exports untouched (eos may be a list).
void read_passthrough(JsonReader& r, ModelConfig& c) {
  for (const char* k : {"bos_token_id", "eos_token_id", "pad_token_id"}) {
    if (r.has(k)) c.passthrough[k] = r.raw(k);
  }
}

// "architectures": absent, or one entry naming the model_type's class.
void check_architectures(JsonReader& r, const std::string& model_type) {
  if (!r.has("architectures")) return;
  const json& a = r.raw("architectures");
  const std::string want = architecture_of(model_type);
  if (!a.is_array() || a.size() != 1 || !a[0].is_string() || a[0].get<std::string>() != want) {
    r.fail_field("architectures", cat("unsupported architecture ", a.dump(), " for model_type \"", model_type,
                                      "\" (expected [\"", want, "\"]; supported: ", supported_list(), ")"));
  }
}

// The fields every architecture shares, with HF's defaults where HF has them.
void read_common(JsonReader& r, ModelConfig& c, int default_max_pos) {
  c.vocab_size = r.req<int>("vocab_size");
  c.hidden_size = r.req<int>("hidden_size");
  c.num_hidden_layers = r.req<int>("num_hidden_layers");
  c.num_attention_heads = r.req<int>("num_attention_heads");
  c.rms_norm_eps = r.get<double>("rms_norm_eps", 1e-6);
  c.max_position_embeddings = r.get<int>("max_position_embeddings", default_max_pos);
  c.tie_word_embeddings = r.get<bool>("tie_word_embeddings", false);
  c.initializer_range = r.get<double>("initializer_range", 0.02);
  std::string act = r.get<std::string>("hidden_act", "silu");
  r.check(act == "silu", "hidden_act", cat("only \"silu\" is supported, got \"", act, "\""));
  read_passthrough(r, c);
  ignore_bookkeeping(r);
}

// RoPE: rope_theta at the top level (older configs, with rope_scaling null) or inside
// rope_parameters (transformers 5). Only the default rope type is implemented; YaRN, linear,
// dynamic, llama3 and longrope scaling, and partial rotary factors, are rejected by name.
void read_rope(JsonReader& r, ModelConfig& c) {
  c.rope_theta = r.get<double>("rope_theta", 10000.0);
  const char* key = nullptr;
  for (const char* k : {"rope_scaling", "rope_parameters"}) {
    if (r.has(k) && !r.raw(k).is_null()) {
      r.check(key == nullptr, k, cat("both \"", key ? key : "", "\" and \"", k, "\" are set; use one"));
      key = k;
    }
  }
  if (!key) return;
  JsonReader p = r.child(key);
  std::string type = p.get<std::string>("rope_type", p.get<std::string>("type", "default"));
  p.check(type == "default", p.has("rope_type") ? "rope_type" : "type",
          cat("RoPE scaling \"", type, "\" is not supported (only the default rope; use null)"));
  c.rope_theta = p.get<double>("rope_theta", c.rope_theta);
  double prf = p.get<double>("partial_rotary_factor", 1.0);
  p.check(prf == 1.0, "partial_rotary_factor", "only 1.0 is supported");
  p.done();
}

// Qwen2/Qwen3 sliding-window attention is not implemented: only full attention is accepted.
void read_no_sliding_window(JsonReader& r) {
  bool sw = r.get<bool>("use_sliding_window", false);
  r.check(!sw, "use_sliding_window", "sliding-window attention is not supported");
  r.ignore({"sliding_window", "max_window_layers"});  // unused while use_sliding_window is false
  if (r.has("layer_types") && !r.raw("layer_types").is_null()) {
    auto types = r.get<std::vector<std::string>>("layer_types", {});
    for (size_t i = 0; i < types.size(); ++i) {
      r.check(types[i] == "full_attention", "layer_types",
              cat("layer ", i, " is \"", types[i], "\"; only \"full_attention\" is supported"));
    }
  }
}

void read_gqa(JsonReader& r, ModelConfig& c, int default_head_dim) {
  c.num_key_value_heads = r.get<int>("num_key_value_heads", c.num_attention_heads);
  c.head_dim = r.get<int>("head_dim", default_head_dim);
}

int div_or_zero(int a, int b) { return b > 0 ? a / b : 0; }

ModelConfig read_qwen2(JsonReader& r) {
  ModelConfig c;
  c.model_type = "qwen2";
  read_common(r, c, 32768);
  read_rope(r, c);
  read_no_sliding_window(r);
  read_gqa(r, c, div_or_zero(c.hidden_size, c.num_attention_heads));
  c.attention_bias = true;  // Qwen2 always has q/k/v biases (and none on o_proj)
  c.intermediate_size = r.req<int>("intermediate_size");
  return c;
}

// Qwen3 and Qwen3-MoE attention: q/k-norm; attention_bias would add biases to q, k, v *and* o.
void read_qwen3_attention(JsonReader& r, ModelConfig& c, int default_head_dim) {
  read_gqa(r, c, default_head_dim);
  c.qk_norm = true;
  bool bias = r.get<bool>("attention_bias", false);
  r.check(!bias, "attention_bias", "biases on the q/k/v/o projections of Qwen3 are not supported");
}

ModelConfig read_qwen3(JsonReader& r) {
  ModelConfig c;
  c.model_type = "qwen3";
  read_common(r, c, 32768);
  read_rope(r, c);
  read_no_sliding_window(r);
  read_qwen3_attention(r, c, 128);  // Qwen3Config's head_dim default
  c.intermediate_size = r.req<int>("intermediate_size");
  return c;
}

// Reads an expert count that transformers 5 may write under its alias num_local_experts.
int read_expert_count(JsonReader& r, const char* name, int fallback) {
  int n = r.get<int>(name, fallback);
  if (r.has("num_local_experts")) {
    int alias = r.get<int>("num_local_experts", n);
    r.check(!r.has(name) || alias == n, "num_local_experts", cat("disagrees with ", name, " (", n, ")"));
    n = alias;
  }
  return n;
}

ModelConfig read_qwen3_moe(JsonReader& r) {
  ModelConfig c;
  c.model_type = "qwen3_moe";
  read_common(r, c, 32768);
  read_rope(r, c);
  read_no_sliding_window(r);
  read_qwen3_attention(r, c, div_or_zero(c.hidden_size, c.num_attention_heads));
  c.intermediate_size = r.get<int>("intermediate_size", 0);
  c.n_routed_experts = read_expert_count(r, "num_experts", 128);
  c.num_experts_per_tok = r.get<int>("num_experts_per_tok", 8);
  c.moe_intermediate_size = r.get<int>("moe_intermediate_size", 768);
  c.decoder_sparse_step = r.get<int>("decoder_sparse_step", 1);
  c.mlp_only_layers = r.get<std::vector<int>>("mlp_only_layers", {});
  c.norm_topk_prob = r.get<bool>("norm_topk_prob", false);
  c.scoring_func = "softmax";
  // The auxiliary balancing loss only matters to HF training; router logits are not an output here.
  r.ignore({"router_aux_loss_coef", "output_router_logits"});
  return c;
}

ModelConfig read_deepseek_v3(JsonReader& r) {
  ModelConfig c;
  c.model_type = "deepseek_v3";
  read_common(r, c, 4096);
  read_rope(r, c);
  // Multi-head Latent Attention. q_lora_rank null means a plain q_proj; absent means HF's default.
  c.q_lora_rank = (r.has("q_lora_rank") && r.raw("q_lora_rank").is_null()) ? 0 : r.get<int>("q_lora_rank", 1536);
  r.check(c.q_lora_rank > 0 || (r.has("q_lora_rank") && r.raw("q_lora_rank").is_null()), "q_lora_rank",
          "must be positive or null");
  c.kv_lora_rank = r.get<int>("kv_lora_rank", 512);
  c.qk_rope_head_dim = r.get<int>("qk_rope_head_dim", 64);
  c.qk_nope_head_dim = r.get<int>("qk_nope_head_dim", 128);
  c.v_head_dim = r.get<int>("v_head_dim", 128);
  c.rope_interleave = r.get<bool>("rope_interleave", true);
  r.check(c.kv_lora_rank > 0, "kv_lora_rank", "must be positive");
  // transformers derives these two and writes them out; they must agree with what it derives.
  if (r.has("head_dim")) {
    r.check(r.get<int>("head_dim", 0) == c.qk_rope_head_dim, "head_dim",
            cat("must equal qk_rope_head_dim (", c.qk_rope_head_dim, ") for deepseek_v3"));
  }
  if (r.has("qk_head_dim")) {
    r.check(r.get<int>("qk_head_dim", 0) == c.qk_nope_head_dim + c.qk_rope_head_dim, "qk_head_dim",
            "must equal qk_nope_head_dim + qk_rope_head_dim");
  }
  // MLA expands to one key/value head per query head; HF's attention would repeat them again
  // for a smaller num_key_value_heads, which only works when it equals num_attention_heads.
  int kvh = r.get<int>("num_key_value_heads", c.num_attention_heads);
  r.check(kvh == c.num_attention_heads, "num_key_value_heads",
          cat("must equal num_attention_heads (", c.num_attention_heads, ") for Multi-head Latent Attention"));
  c.num_key_value_heads = kvh;
  bool bias = r.get<bool>("attention_bias", false);
  r.check(!bias, "attention_bias", "biases on q_a_proj/kv_a_proj_with_mqa/o_proj are not supported");
  // FFN: dense blocks first, then shared + routed experts with sigmoid scores and the selection bias.
  c.intermediate_size = r.get<int>("intermediate_size", 18432);
  c.moe_intermediate_size = r.get<int>("moe_intermediate_size", 2048);
  c.n_routed_experts = read_expert_count(r, "n_routed_experts", 256);
  c.num_experts_per_tok = r.get<int>("num_experts_per_tok", 8);
  c.n_shared_experts = r.get<int>("n_shared_experts", 1);
  r.check(c.n_shared_experts >= 1, "n_shared_experts", "DeepseekV3ForCausalLM always has shared experts (>= 1)");
  c.first_k_dense_replace = r.get<int>("first_k_dense_replace", 3);
  c.routed_scaling_factor = r.get<double>("routed_scaling_factor", 2.5);
  c.n_group = r.get<int>("n_group", 8);
  c.topk_group = r.get<int>("topk_group", 4);
  c.norm_topk_prob = r.get<bool>("norm_topk_prob", true);
  c.scoring_func = r.get<std::string>("scoring_func", "sigmoid");
  r.check(c.scoring_func == "sigmoid", "scoring_func",
          cat("DeepseekV3ForCausalLM scores experts with a sigmoid; got \"", c.scoring_func, "\""));
  std::string method = r.get<std::string>("topk_method", "noaux_tc");
  r.check(method == "noaux_tc", "topk_method",
          cat("only \"noaux_tc\" (bias-corrected group-limited top-k) is supported, got \"", method, "\""));
  // DeepSeek's own code makes block l MoE only when l % moe_layer_freq == 0; transformers ignores
  // the field. They agree only for 1.
  int freq = r.get<int>("moe_layer_freq", 1);
  r.check(freq == 1, "moe_layer_freq", cat("only 1 is supported, got ", freq));
  r.check(!r.has("quantization_config"), "quantization_config",
          "quantized checkpoints (e.g. FP8 with weight_scale_inv) are not supported; convert to BF16 first");
  // Multi-token-prediction modules: their tensors (layers past num_hidden_layers) are skipped on
  // load, as transformers does.
  int mtp = r.get<int>("num_nextn_predict_layers", 0);
  if (r.has("num_mtp_layers")) mtp = r.get<int>("num_mtp_layers", mtp);
  r.check(mtp >= 0, "num_nextn_predict_layers", "must be >= 0");
  c.num_nextn_predict_layers = mtp;
  // Training-time balancing losses, parallelism layout, remote-code pointers, router outputs and
  // tensor-parallel slicing (numerically the same) do not change the forward pass.
  r.ignore({"aux_loss_alpha", "seq_aux", "ep_size", "auto_map", "output_router_logits", "pretraining_tp"});
  return c;
}

// Our format before models were exported as HF architectures: GQA with optional q/k-norm and
// biases, and any MoE options. Read as it always was.
ModelConfig read_r1_moe(JsonReader& r) {
  ModelConfig c;
  c.model_type = "r1_moe";
  c.vocab_size = r.req<int>("vocab_size");
  c.hidden_size = r.req<int>("hidden_size");
  c.num_hidden_layers = r.req<int>("num_hidden_layers");
  c.num_attention_heads = r.req<int>("num_attention_heads");
  c.num_key_value_heads = r.get<int>("num_key_value_heads", c.num_attention_heads);
  c.head_dim = r.get<int>("head_dim", div_or_zero(c.hidden_size, c.num_attention_heads));
  c.intermediate_size = r.get<int>("intermediate_size", 0);
  c.moe_intermediate_size = r.get<int>("moe_intermediate_size", 0);
  c.n_routed_experts = r.get<int>("n_routed_experts", 0);
  c.num_experts_per_tok = r.get<int>("num_experts_per_tok", 0);
  c.n_shared_experts = r.get<int>("n_shared_experts", 0);
  c.first_k_dense_replace = r.get<int>("first_k_dense_replace", 0);
  c.scoring_func = r.get<std::string>("scoring_func", "softmax");
  c.norm_topk_prob = r.get<bool>("norm_topk_prob", true);
  c.routed_scaling_factor = r.get<double>("routed_scaling_factor", 1.0);
  c.n_group = r.get<int>("n_group", 1);
  c.topk_group = r.get<int>("topk_group", 1);
  c.rope_theta = r.get<double>("rope_theta", 10000.0);
  c.rms_norm_eps = r.get<double>("rms_norm_eps", 1e-6);
  c.tie_word_embeddings = r.get<bool>("tie_word_embeddings", false);
  c.max_position_embeddings = r.get<int>("max_position_embeddings", 2048);
  c.qk_norm = r.get<bool>("qk_norm", false);
  c.attention_bias = r.get<bool>("attention_bias", false);
  c.initializer_range = r.get<double>("initializer_range", 0.02);
  std::string act = r.get<std::string>("hidden_act", "silu");
  r.check(act == "silu", "hidden_act", cat("only \"silu\" is supported, got \"", act, "\""));
  if (r.has("rope_scaling")) {
    r.check(r.raw("rope_scaling").is_null(), "rope_scaling", "RoPE scaling is not supported; use null");
  }
  read_passthrough(r, c);
  r.ignore({"tokenizer"});
  ignore_bookkeeping(r);
  return c;
}

void write_common(const ModelConfig& c, json& j) {
  j["architectures"] = {c.architecture()};
  j["model_type"] = c.model_type;
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["num_key_value_heads"] = c.num_key_value_heads;
  j["hidden_act"] = "silu";
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["initializer_range"] = c.initializer_range;
  // The pre-transformers-5 spelling: transformers 4 reads only this, and 5 converts it.
  j["rope_theta"] = c.rope_theta;
  j["rope_scaling"] = nullptr;
  for (auto it = c.passthrough.begin(); it != c.passthrough.end(); ++it) j[it.key()] = it.value();
}

json write_hf(const ModelConfig& c) {
  json j = json::object();
  write_common(c, j);
  const std::string& t = c.model_type;
  if (t == "qwen2" || t == "qwen3" || t == "qwen3_moe") {
    j["head_dim"] = c.head_dim;
    j["use_sliding_window"] = false;
    if (t != "qwen2") j["attention_bias"] = false;
  }
  if (t == "qwen2" || t == "qwen3" || (t == "qwen3_moe" && c.intermediate_size > 0) || t == "deepseek_v3") {
    j["intermediate_size"] = c.intermediate_size;
  }
  if (t == "qwen3_moe") {
    j["num_experts"] = c.n_routed_experts;
    j["num_experts_per_tok"] = c.num_experts_per_tok;
    j["moe_intermediate_size"] = c.moe_intermediate_size;
    j["decoder_sparse_step"] = c.decoder_sparse_step;
    j["mlp_only_layers"] = c.mlp_only_layers;
    j["norm_topk_prob"] = c.norm_topk_prob;
  }
  if (t == "deepseek_v3") {
    j["q_lora_rank"] = c.q_lora_rank > 0 ? json(c.q_lora_rank) : json(nullptr);
    j["kv_lora_rank"] = c.kv_lora_rank;
    j["qk_nope_head_dim"] = c.qk_nope_head_dim;
    j["qk_rope_head_dim"] = c.qk_rope_head_dim;
    j["v_head_dim"] = c.v_head_dim;
    j["rope_interleave"] = c.rope_interleave;
    j["attention_bias"] = false;
    j["moe_intermediate_size"] = c.moe_intermediate_size;
    j["n_routed_experts"] = c.n_routed_experts;
    j["num_experts_per_tok"] = c.num_experts_per_tok;
    j["n_shared_experts"] = c.n_shared_experts;
    j["first_k_dense_replace"] = c.first_k_dense_replace;
    j["routed_scaling_factor"] = c.routed_scaling_factor;
    j["n_group"] = c.n_group;
    j["topk_group"] = c.topk_group;
    j["norm_topk_prob"] = c.norm_topk_prob;
    j["scoring_func"] = "sigmoid";
    j["topk_method"] = "noaux_tc";
    j["moe_layer_freq"] = 1;
    j["num_nextn_predict_layers"] = c.num_nextn_predict_layers;
  }
  return j;
}

json write_r1_moe(const ModelConfig& c) {
  json j = {{"architectures", {c.architecture()}},
            {"model_type", c.model_type},
            {"vocab_size", c.vocab_size},
            {"hidden_size", c.hidden_size},
            {"num_hidden_layers", c.num_hidden_layers},
            {"num_attention_heads", c.num_attention_heads},
            {"num_key_value_heads", c.num_key_value_heads},
            {"head_dim", c.head_dim},
            {"intermediate_size", c.intermediate_size},
            {"moe_intermediate_size", c.moe_intermediate_size},
            {"n_routed_experts", c.n_routed_experts},
            {"num_experts_per_tok", c.num_experts_per_tok},
            {"n_shared_experts", c.n_shared_experts},
            {"first_k_dense_replace", c.first_k_dense_replace},
            {"scoring_func", c.scoring_func},
            {"norm_topk_prob", c.norm_topk_prob},
            {"routed_scaling_factor", c.routed_scaling_factor},
            {"n_group", c.n_group},
            {"topk_group", c.topk_group},
            {"rope_theta", c.rope_theta},
            {"rms_norm_eps", c.rms_norm_eps},
            {"tie_word_embeddings", c.tie_word_embeddings},
            {"max_position_embeddings", c.max_position_embeddings},
            {"qk_norm", c.qk_norm},
            {"attention_bias", c.attention_bias},
            {"initializer_range", c.initializer_range},
            {"hidden_act", "silu"}};
  for (auto it = c.passthrough.begin(); it != c.passthrough.end(); ++it) j[it.key()] = it.value();
  return j;
}

}  // namespace

const std::vector<std::string>& supported_model_types() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> v;
    for (const auto& a : kArchs) v.push_back(a.model_type);
    return v;
  }();
  return types;
}

std::string architecture_of(const std::string& model_type) {
  for (const auto& a : kArchs) {
    if (model_type == a.model_type) return a.architecture;
  }
  return "";
}

ModelConfig read_model_config(const json& j, const std::string& where) {
  JsonReader r(j, where);
  if (!r.has("model_type")) {
    std::string arch = r.has("architectures") ? cat(" (architectures ", r.raw("architectures").dump(), ")") : "";
    fail(where, ": missing required field 'model_type'", arch, "; supported: ", supported_list());
  }
  const std::string type = r.req<std::string>("model_type");
  if (architecture_of(type).empty()) {
    std::string arch = r.has("architectures") ? cat(", architectures ", r.raw("architectures").dump()) : "";
    r.fail_field("model_type", cat("unsupported architecture \"", type, "\"", arch, "; supported: ", supported_list()));
  }
  check_architectures(r, type);
  ModelConfig c;
  if (type == "qwen2") c = read_qwen2(r);
  else if (type == "qwen3") c = read_qwen3(r);
  else if (type == "qwen3_moe") c = read_qwen3_moe(r);
  else if (type == "deepseek_v3") c = read_deepseek_v3(r);
  else c = read_r1_moe(r);
  r.done();
  return c;
}

json write_model_config(const ModelConfig& c) { return c.model_type == "r1_moe" ? write_r1_moe(c) : write_hf(c); }

}  // namespace r1
