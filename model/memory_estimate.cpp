#include "model/memory_estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/error.h"
#include "core/memory_limit.h"
#include "model/kv_cache.h"
#include "model/model.h"

namespace r1 {

namespace {

constexpr double kFloat = sizeof(float);
// Per tensor of the parameter table: its name, shape, ParamInfo and index entry.
constexpr double kTensorBookkeeping = 320;

// Sizes as double, so that products of absurd values cannot wrap.
struct Dims {
  double C, V, H, L, qk, vh, kvh, Q, K, Vd, O, Rq, Rkv, Dr, nope, F, Fm, E, k, S;
  double moe_layers, dense_layers;
};

// Blocks [first_k_dense_replace, L) whose (l + 1) is a multiple of decoder_sparse_step, less
// mlp_only_layers: ModelConfig::is_moe_layer, counted without a loop over the layers.
double moe_layer_count(const ModelConfig& c) {
  if (c.n_routed_experts <= 0) return 0;
  const int64_t L = std::max(0, c.num_hidden_layers);
  const int64_t first = std::clamp<int64_t>(c.first_k_dense_replace, 0, L);
  const int64_t step = std::max(1, c.decoder_sparse_step);
  double n = static_cast<double>(L / step - first / step);
  for (int l : std::set<int>(c.mlp_only_layers.begin(), c.mlp_only_layers.end())) {
    if (l >= first && l < L && (l + 1) % step == 0) n -= 1;
  }
  return n;
}

// A count without exponent or decimals: "1000000000".
std::string fixed_count(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

Dims dims(const ModelConfig& c) {
  Dims d{};
  d.C = c.hidden_size;
  d.V = c.vocab_size;
  d.H = c.num_attention_heads;
  d.L = c.num_hidden_layers;
  d.nope = c.qk_nope_head_dim;
  d.Dr = c.qk_rope_head_dim;
  d.qk = c.mla() ? d.nope + d.Dr : static_cast<double>(c.head_dim);
  d.vh = c.mla() ? static_cast<double>(c.v_head_dim) : static_cast<double>(c.head_dim);
  d.kvh = c.mla() ? d.H : static_cast<double>(c.num_key_value_heads);
  d.Q = d.H * d.qk;
  d.K = d.kvh * d.qk;
  d.Vd = d.kvh * d.vh;
  d.O = d.H * d.vh;
  d.Rq = c.q_lora_rank;
  d.Rkv = c.kv_lora_rank;
  d.F = c.intermediate_size;
  d.Fm = c.moe_intermediate_size;
  d.E = c.n_routed_experts;
  d.k = std::max(1, c.num_experts_per_tok);
  d.S = static_cast<double>(c.n_shared_experts) * d.Fm;
  d.moe_layers = moe_layer_count(c);
  d.dense_layers = d.L - d.moe_layers;
  return d;
}

}  // namespace

double MemoryEstimate::total() const {
  double t = 0;
  for (const auto& p : parts) t += p.bytes;
  return t;
}

MemoryEstimate& MemoryEstimate::add(MemoryPart p) {
  parts.push_back(std::move(p));
  return *this;
}

double model_param_count(const ModelConfig& c) {
  const Dims d = dims(c);
  double attn;
  if (c.mla()) {
    attn = (d.Rq > 0 ? d.Rq * d.C + d.Rq + d.Q * d.Rq : d.Q * d.C) + (d.Rkv + d.Dr) * d.C + d.Rkv +
           d.H * (d.nope + d.vh) * d.Rkv;
  } else {
    attn =
        (d.Q + 2 * d.K) * d.C + (c.attention_bias ? d.Q + 2 * d.K : 0) + (c.qk_norm ? 2 * d.qk : 0);
  }
  const double block = 2 * d.C + attn + d.C * d.O;
  const double dense = 3 * d.F * d.C;
  const double moe = d.E * d.C + d.E * 3 * d.Fm * d.C + 3 * d.S * d.C;
  const double embeddings = d.V * d.C * (c.tie_word_embeddings ? 1 : 2);
  return embeddings + d.C + d.L * block + d.dense_layers * dense + d.moe_layers * moe;
}

double param_table_bytes(const ModelConfig& c) {
  const Dims d = dims(c);
  const double attn_tensors =
      c.mla() ? (d.Rq > 0 ? 6 : 4) : 3 + (c.attention_bias ? 3 : 0) + (c.qk_norm ? 2 : 0);
  const double per_block = 3 + attn_tensors;  // norms and o_proj
  const double tensors =
      4 + d.L * per_block + d.dense_layers * 3 + d.moe_layers * (1 + 3 * d.E + (d.S > 0 ? 3 : 0));
  // Per MoE block also: expert offsets, selection biases and load counters (E each).
  return tensors * kTensorBookkeeping + d.moe_layers * d.E * (2 * 8 + 4 + 8);
}

double kv_cache_bytes(const ModelConfig& c, double slots, double max_len) {
  const Dims d = dims(c);
  // Whole blocks of KVCache::kDefaultBlockSize tokens per slot.
  const double block = KVCache<float>::kDefaultBlockSize;
  return d.L * slots * std::ceil(max_len / block) * block * (c.cache_k_dim() + c.cache_v_dim()) *
         kFloat;
}

double train_activation_bytes(const ModelConfig& c, double tokens) {
  const Dims d = dims(c);
  // Saved per block (Model::layout_layer in training).
  double block = 4 * d.C + 2 + d.Q + d.K + d.Vd + d.O + d.H;
  if (c.qk_norm) block += d.Q + d.K + d.H + d.kvh;
  if (c.mla()) block += (d.Rq > 0 ? 2 * d.Rq + 1 : 0) + 2 * d.Rkv + 1;
  const double dense = 3 * d.F;
  const double moe = 2 * d.E + 2 * d.k + 2 * d.k * d.C + 3 * d.k * d.Fm + 3 * d.S;
  const double blocks = d.L * block + d.dense_layers * dense + d.moe_layers * moe;
  // Scratch shared by all blocks (Model::layout_scratch), and the head.
  const double A = c.mla() ? (d.Rq > 0 ? d.Rq : d.Q) + d.Rkv + d.Dr : d.Q + 2 * d.K;
  const double Fmax = std::max(d.F, d.S);
  double scratch = 2 * A + 3 * d.C + d.O + d.Q + d.K + d.Vd + 3 * Fmax;
  if (c.qk_norm) scratch += d.Q + d.K;
  if (c.mla())
    scratch += 2 * d.H * (d.nope + d.vh) + 2 * d.Dr + std::max(d.Rq, d.Rkv) + d.Rq + d.Rkv;
  if (d.E > 0) scratch += 2 * d.k * d.C + 3 * d.k * d.Fm + d.k + d.E;
  const double head = 2 * d.C + 2;
  // The head's logits and their gradient (Model::head_rows): a chunk of rows, not all of them.
  const double head_rows =
      std::min(tokens, std::max(1.0, std::floor(double(Model<float>::kHeadLogitsValues) / d.V)));
  return ((blocks + scratch + head) * tokens + 2 * head_rows * d.V) * kFloat;
}

std::vector<SizeField> model_size_fields(const ModelConfig& c) {
  std::vector<SizeField> f = {{"hidden_size", double(c.hidden_size), 16384},
                              {"num_hidden_layers", double(c.num_hidden_layers), 128},
                              {"vocab_size", double(c.vocab_size), 262144},
                              {"num_attention_heads", double(c.num_attention_heads), 128}};
  if (c.mla()) {
    f.push_back({"kv_lora_rank", double(c.kv_lora_rank), 2048});
    f.push_back({"q_lora_rank", double(c.q_lora_rank), 4096});
    f.push_back({"qk_nope_head_dim", double(c.qk_nope_head_dim), 512});
    f.push_back({"qk_rope_head_dim", double(c.qk_rope_head_dim), 256});
    f.push_back({"v_head_dim", double(c.v_head_dim), 512});
  } else {
    f.push_back({"num_key_value_heads", double(c.num_key_value_heads), 128});
    f.push_back({"head_dim", double(c.head_dim), 512});
  }
  const double moe = moe_layer_count(c);
  if (moe < c.num_hidden_layers)
    f.push_back({"intermediate_size", double(c.intermediate_size), 65536});
  if (moe > 0) {
    f.push_back({"moe_intermediate_size", double(c.moe_intermediate_size), 16384});
    f.push_back({"n_routed_experts", double(c.n_routed_experts), 512});
    f.push_back({"n_shared_experts", double(c.n_shared_experts), 16});
  }
  return f;
}

MemoryPart model_weights_part(const ModelConfig& c, double copies, const std::string& what) {
  return {what, copies * model_param_count(c) * kFloat + param_table_bytes(c),
          model_size_fields(c)};
}

MemoryPart kv_cache_part(const ModelConfig& c, double caches, double slots, double max_len,
                         const std::string& what, std::vector<SizeField> fields) {
  std::vector<SizeField> all = std::move(fields);
  // The fields the cache's size depends on (ModelConfig::cache_k_dim, cache_v_dim): MLA caches
  // its latent, so its heads and head sizes do not count.
  for (auto& f : model_size_fields(c)) {
    const bool counts = f.name == "num_hidden_layers" ||
                        (c.mla() ? f.name == "kv_lora_rank" || f.name == "qk_rope_head_dim"
                                 : f.name == "num_key_value_heads" || f.name == "head_dim");
    if (counts) all.push_back(std::move(f));
  }
  return {what, caches * kv_cache_bytes(c, slots, max_len), std::move(all)};
}

void check_memory(const MemoryEstimate& e, const std::string& where) {
  const MemoryLimit limit = memory_limit();
  const double total = e.total();
  if (!(total > limit.bytes) || e.parts.empty()) return;
  const MemoryPart& big =
      *std::max_element(e.parts.begin(), e.parts.end(),
                        [](const auto& a, const auto& b) { return a.bytes < b.bytes; });
  std::string msg =
      cat(where, ": needs about ", human_bytes(total), " of memory, more than the limit of ",
          human_bytes(limit.bytes), " (", limit.source,
          limit.source == "--max-memory-gb" ? "" : "; --max-memory-gb sets another",
          "): ", big.what, " take ", human_bytes(big.bytes));
  if (!big.fields.empty()) {
    const SizeField& f = *std::max_element(
        big.fields.begin(), big.fields.end(),
        [](const auto& a, const auto& b) { return a.value / a.usual < b.value / b.usual; });
    msg += cat("; lower field '", f.name, "' (", fixed_count(f.value),
               f.value > f.usual ? cat(", usually at most ", fixed_count(f.usual)) : std::string(),
               ")");
  }
  throw Error(msg);
}

}  // namespace r1
