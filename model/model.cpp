#include "model/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/memory_limit.h"
#include "core/rng.h"
#include "kernels/ops.h"
#include "model/memory_estimate.h"
#include "model/model_acts.h"

namespace r1 {

using namespace r1::cpu;

namespace {
// Checks the config, and that its parameters fit the memory limit, before any member is sized
// from it (commands check the whole run earlier, naming their files; this is the last check).
template <typename T>
const ModelConfig& validated(const ModelConfig& c) {
  c.validate("model config");
  check_memory(MemoryEstimate().add(model_weights_part(c, sizeof(T) / 4.0, "the model's parameters")),
               "model config");
  return c;
}
}  // namespace

template <typename T>
Model<T>::Model(const ModelConfig& cfg)
    : cfg_(validated<T>(cfg)), table_(cfg), rope_(cfg.max_position_embeddings, cfg.rope_dim(), cfg.rope_theta) {
  allocating(double(table_.total()) * sizeof(T), [&] { return cat("the model's ", table_.total(), " parameters"); },
             [&] { params_.resize(table_.total()); });
  expert_bias_.resize(cfg.num_hidden_layers);
  load_.resize(cfg.num_hidden_layers);
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    if (cfg.is_moe_layer(l)) {
      if (cfg.has_expert_bias()) expert_bias_[l].assign(cfg.n_routed_experts, 0.0f);
      load_[l].assign(cfg.n_routed_experts, 0);
    }
  }
  router_.n_experts = cfg.n_routed_experts;
  router_.top_k = cfg.num_experts_per_tok;
  router_.sigmoid = cfg.scoring_func == "sigmoid";
  router_.norm_topk = cfg.norm_topk_prob;
  router_.scale = cfg.routed_scaling_factor;
  router_.n_group = cfg.n_group;
  router_.topk_group = cfg.topk_group;
  scratch_ = std::make_unique<Scratch>();
  infer_scratch_ = std::make_unique<Scratch>();
  infer_acts_ = std::make_unique<LayerActs>();
}

template <typename T>
Model<T>::~Model() = default;

template <typename T>
T* Model<T>::param(const std::string& name) {
  const ParamInfo* p = table_.find(name);
  if (!p) fail("model has no parameter '", name, "'");
  return params_.data() + p->offset;
}

template <typename T>
void Model<T>::copy_weights_from(const Model& other) {
  if (other.cfg_.to_json() != cfg_.to_json()) fail("copy_weights_from: the two models have different configs");
  std::copy(other.params_.begin(), other.params_.end(), params_.begin());
  expert_bias_ = other.expert_bias_;
}

template <typename T>
void Model<T>::init_weights(uint64_t seed) {
  for (const auto& p : table_.params()) {
    T* w = params_.data() + p.offset;
    switch (p.init) {
      case ParamInfo::Ones: std::fill(w, w + p.numel, T(1)); break;
      case ParamInfo::Zeros: std::fill(w, w + p.numel, T(0)); break;
      case ParamInfo::Normal: {
        Rng rng(seed, hash64(p.name));
        for (size_t i = 0; i < p.numel; ++i) w[i] = static_cast<T>(rng.normal() * cfg_.initializer_range);
        break;
      }
    }
  }
  for (auto& b : expert_bias_) std::fill(b.begin(), b.end(), 0.0f);
  reset_expert_load();
}

template <typename T>
void Model<T>::zero_grad() {
  if (grads_.empty()) {
    allocating(double(table_.total()) * sizeof(T), [&] { return cat("the gradients of ", table_.total(), " parameters"); },
               [&] { grads_.resize(table_.total()); });  // zeroed
  } else {
    grads_.zero();
  }
}

// ---------------------------------------------------------------------------------------------
// Memory plans

template <typename T>
void Model<T>::layout_layer(Arena& a, LayerActs& la, int N, int l, bool train) {
  const ModelConfig& c = cfg_;
  const size_t n = static_cast<size_t>(N), C = c.hidden_size, Q = c.q_dim(), K = c.k_dim(), V = c.v_dim();
  const size_t H = c.num_attention_heads, KVH = c.num_key_value_heads;
  la.x_in = train ? a.alloc<T>(n * C) : nullptr;
  la.ln1 = a.alloc<T>(n * C);
  la.rstd1 = a.alloc<T>(n);
  if (c.qk_norm) {
    la.q_in = a.alloc<T>(n * Q);
    la.k_in = a.alloc<T>(n * K);
    la.q_rstd = a.alloc<T>(n * H);
    la.k_rstd = a.alloc<T>(n * KVH);
  }
  if (c.mla()) {
    if (c.q_lora_rank > 0) {
      la.qa = a.alloc<T>(n * c.q_lora_rank);
      la.qa_n = a.alloc<T>(n * c.q_lora_rank);
      la.qa_rstd = a.alloc<T>(n);
    }
    la.ckv = a.alloc<T>(n * c.kv_lora_rank);
    la.ckv_n = a.alloc<T>(n * c.kv_lora_rank);
    la.ckv_rstd = a.alloc<T>(n);
  }
  la.q = a.alloc<T>(n * Q);
  la.k = a.alloc<T>(n * K);
  la.v = a.alloc<T>(n * V);
  la.att = a.alloc<T>(n * c.o_dim());
  la.lse = a.alloc<T>(n * H);
  la.x_mid = a.alloc<T>(n * C);
  la.ln2 = a.alloc<T>(n * C);
  la.rstd2 = a.alloc<T>(n);
  // In inference one LayerActs serves every block, so it must fit both FFN kinds.
  bool dense = !c.is_moe_layer(l) || !train;
  bool moe = c.is_moe_layer(l) || (!train && c.n_routed_experts > 0);
  if (dense && c.intermediate_size > 0) {
    la.gu = a.alloc<T>(n * 2 * c.intermediate_size);
    la.h = a.alloc<T>(n * c.intermediate_size);
  }
  if (moe) {
    const size_t E = c.n_routed_experts, K = c.num_experts_per_tok, Fm = c.moe_intermediate_size;
    la.r_logits = a.alloc<T>(n * E);
    la.r_scores = a.alloc<T>(n * E);
    la.r_w = a.alloc<T>(n * K);
    la.r_idx = a.alloc<int32_t>(n * K);
    la.xs = a.alloc<T>(n * K * C);
    la.gus = a.alloc<T>(n * K * 2 * Fm);
    la.hs = a.alloc<T>(n * K * Fm);
    la.ys = a.alloc<T>(n * K * C);
    if (c.n_shared_experts > 0) {
      la.sgu = a.alloc<T>(n * 2 * c.shared_intermediate());
      la.sh = a.alloc<T>(n * c.shared_intermediate());
    }
  }
}

template <typename T>
void Model<T>::layout_scratch(Arena& a, Scratch& s, int N, bool train) {
  const ModelConfig& c = cfg_;
  const size_t n = static_cast<size_t>(N), C = c.hidden_size, Q = c.q_dim(), K = c.k_dim(), V = c.v_dim(),
               Vocab = c.vocab_size, H = c.num_attention_heads;
  // Width of the fused input projection, and for MLA the sizes of its pieces.
  const size_t Rq = c.q_lora_rank, Rkv = c.kv_lora_rank, Dr = c.qk_rope_head_dim;
  const size_t A = c.mla() ? (Rq > 0 ? Rq : Q) + Rkv + Dr : Q + 2 * K;
  const size_t KVB = c.mla() ? H * (c.qk_nope_head_dim + c.v_head_dim) : 0;
  s.qkv = a.alloc<T>(n * A);
  if (c.mla()) {
    s.kvb = a.alloc<T>(n * KVB);
    s.kpe = a.alloc<T>(n * Dr);
  }
  s.tmp = a.alloc<T>(n * C);
  if (!train) {
    s.x0 = a.alloc<T>(n * C);
    s.x1 = a.alloc<T>(n * C);
    s.lnf = a.alloc<T>(n * C);
    s.rstdf = a.alloc<T>(n);
    s.rows = a.alloc<T>(n * C);
    return;
  }
  const size_t Kx = std::max(1, c.num_experts_per_tok), E = c.n_routed_experts, Fm = c.moe_intermediate_size;
  const size_t Fmax = std::max<size_t>(c.intermediate_size, c.shared_intermediate());
  s.dx = a.alloc<T>(n * C);
  s.dln = a.alloc<T>(n * C);
  s.datt = a.alloc<T>(n * c.o_dim());
  s.dq = a.alloc<T>(n * Q);
  s.dk = a.alloc<T>(n * K);
  s.dv = a.alloc<T>(n * V);
  if (c.qk_norm) {
    s.dq_in = a.alloc<T>(n * Q);
    s.dk_in = a.alloc<T>(n * K);
  }
  s.dqkv = a.alloc<T>(n * A);
  if (c.mla()) {
    s.dkvb = a.alloc<T>(n * KVB);
    s.dlat = a.alloc<T>(n * std::max(Rq, Rkv));
    if (Rq > 0) s.dqa = a.alloc<T>(n * Rq);
    s.dckv = a.alloc<T>(n * Rkv);
    s.dkpe = a.alloc<T>(n * Dr);
  }
  s.dh = a.alloc<T>(n * Fmax);
  s.dgu = a.alloc<T>(n * 2 * Fmax);
  if (E > 0) {
    s.dys = a.alloc<T>(n * Kx * C);
    s.dhs = a.alloc<T>(n * Kx * Fm);
    s.dgus = a.alloc<T>(n * Kx * 2 * Fm);
    s.dxs = a.alloc<T>(n * Kx * C);
    s.dw = a.alloc<T>(n * Kx);
    s.dr_logits = a.alloc<T>(n * E);
  }
  s.dlogits = a.alloc<T>(n * Vocab);
}

template <typename T>
void Model<T>::plan_train(int N, int S) {
  (void)S;
  if (N <= train_cap_n_) return;
  acts_.resize(cfg_.num_hidden_layers);
  const size_t n = static_cast<size_t>(N), C = cfg_.hidden_size, V = cfg_.vocab_size;
  auto layout = [&](Arena& a) {
    for (int l = 0; l < cfg_.num_hidden_layers; ++l) layout_layer(a, acts_[l], N, l, true);
    layout_scratch(a, *scratch_, N, true);
    x_final_ = a.alloc<T>(n * C);
    lnf_ = a.alloc<T>(n * C);
    rstdf_ = a.alloc<T>(n);
    logits_ = a.alloc<T>(n * V);
    lse_ = a.alloc<T>(n);
  };
  train_arena_.begin_plan();
  layout(train_arena_);
  allocating(double(train_arena_.planned()), [&] { return cat("the training activations of ", N, " tokens"); },
             [&] { train_arena_.commit(); });
  layout(train_arena_);
  train_cap_n_ = N;
}

template <typename T>
void Model<T>::plan_infer(int N) {
  if (N <= infer_cap_n_) return;
  auto layout = [&](Arena& a) {
    layout_layer(a, *infer_acts_, N, 0, false);
    layout_scratch(a, *infer_scratch_, N, false);
  };
  infer_arena_.begin_plan();
  layout(infer_arena_);
  allocating(double(infer_arena_.planned()), [&] { return cat("the inference activations of ", N, " tokens"); },
             [&] { infer_arena_.commit(); });
  layout(infer_arena_);
  infer_cap_n_ = N;
}

// ---------------------------------------------------------------------------------------------
// Forward

template <typename T>
T Model<T>::attention_scale() const {
  return static_cast<T>(1.0 / std::sqrt(static_cast<double>(cfg_.qk_head_size())));
}

template <typename T>
void Model<T>::attention_forward(int l, LayerActs& la, const int32_t* positions, int N, const int32_t* cu, int S,
                                 KVCache<T>* cache, const std::vector<CachedSeq>* entries) {
  const ModelConfig& c = cfg_;
  const int H = c.num_attention_heads, KVH = c.attn_kv_heads(), Dqk = c.qk_head_size(), Dv = c.v_head_size();
  const size_t K = c.k_dim(), V = c.v_dim();
  Scratch& s = cache ? *infer_scratch_ : *scratch_;
  if (c.mla()) {
    mla_project(l, la, s, positions, N);
  } else {
    gqa_project(l, la, s, positions, N);
  }
  const T scale = attention_scale();
  if (!cache) {
    cpu::attention_forward(la.att, la.lse, la.q, la.k, la.v, cu, S, H, KVH, Dqk, Dv, scale);
    return;
  }
  // Write this step's keys and values into the cache, then attend over each slot's prefix.
  std::vector<const T*> krows(N), vrows(N);
  std::vector<int32_t> kv_len(N);
  int t = 0;
  for (const auto& e : *entries) {
    T* kc = cache->k(l, e.slot);
    T* vc = cache->v(l, e.slot);
    for (int i = 0; i < e.n; ++i, ++t) {
      const int p = positions[t];
      std::memcpy(kc + static_cast<size_t>(p) * K, la.k + static_cast<size_t>(t) * K, sizeof(T) * K);
      std::memcpy(vc + static_cast<size_t>(p) * V, la.v + static_cast<size_t>(t) * V, sizeof(T) * V);
      krows[t] = kc;
      vrows[t] = vc;
      kv_len[t] = p + 1;
    }
  }
  attention_cached_forward(la.att, la.q, krows.data(), vrows.data(), kv_len.data(), N, H, KVH, Dqk, Dv, scale);
}

template <typename T>
void Model<T>::ffn_forward(int l, LayerActs& la, T* out, int N, bool train) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const T* W = params_.data();
  const int C = c.hidden_size;
  if (!c.is_moe_layer(l)) {
    const int F = c.intermediate_size;
    linear_forward(la.gu, la.ln2, W + lp.gate_up, (const T*)nullptr, N, C, 2 * F);
    swiglu_forward(la.h, la.gu, N, F);
    linear_forward(out, la.h, W + lp.down, (const T*)nullptr, N, F, C);
    return;
  }
  const int E = c.n_routed_experts, K = c.num_experts_per_tok, Fm = c.moe_intermediate_size;
  linear_forward(la.r_logits, la.ln2, W + lp.router, (const T*)nullptr, N, C, E);
  const float* bias = expert_bias_[l].empty() ? nullptr : expert_bias_[l].data();
  router_forward(la.r_scores, la.r_idx, la.r_w, la.r_logits, bias, router_, N);
  dispatch_plan(la.plan, la.r_idx, N, K, E);
  if (train) {
    for (int e = 0; e < E; ++e) load_[l][e] += la.plan.count[e];
  }
  moe_gather(la.xs, la.ln2, la.plan, C);
  for (int e = 0; e < E; ++e) {
    const size_t off = la.plan.offset[e];
    linear_forward(la.gus + off * 2 * Fm, la.xs + off * C, W + lp.expert_gate_up[e], (const T*)nullptr,
                   la.plan.count[e], C, 2 * Fm);
  }
  swiglu_forward(la.hs, la.gus, N * K, Fm);
  for (int e = 0; e < E; ++e) {
    const size_t off = la.plan.offset[e];
    linear_forward(la.ys + off * C, la.hs + off * Fm, W + lp.expert_down[e], (const T*)nullptr, la.plan.count[e],
                   Fm, C);
  }
  moe_combine_forward(out, la.ys, la.r_w, la.plan, C, false);
  if (c.n_shared_experts > 0) {
    const int Fs = c.shared_intermediate();
    linear_forward(la.sgu, la.ln2, W + lp.shared_gate_up, (const T*)nullptr, N, C, 2 * Fs);
    swiglu_forward(la.sh, la.sgu, N, Fs);
    gemm<T>(false, true, N, C, Fs, T(1), la.sh, Fs, W + lp.shared_down, Fs, T(1), out, C);
  }
}

template <typename T>
void Model<T>::block_forward(int l, LayerActs& la, const T* x_in, T* x_out, const int32_t* positions, int N,
                             const int32_t* cu, int S, KVCache<T>* cache, const std::vector<CachedSeq>* entries) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const T* W = params_.data();
  const int C = c.hidden_size, O = c.o_dim();
  const T eps = static_cast<T>(c.rms_norm_eps);
  const size_t NC = static_cast<size_t>(N) * C;
  rmsnorm_forward(la.ln1, la.rstd1, x_in, W + lp.ln1, N, C, eps);
  attention_forward(l, la, positions, N, cu, S, cache, entries);
  linear_forward(la.x_mid, la.att, W + lp.o_proj, (const T*)nullptr, N, O, C);
  for (size_t i = 0; i < NC; ++i) la.x_mid[i] += x_in[i];
  rmsnorm_forward(la.ln2, la.rstd2, la.x_mid, W + lp.ln2, N, C, eps);
  ffn_forward(l, la, x_out, N, cache == nullptr);
  for (size_t i = 0; i < NC; ++i) x_out[i] += la.x_mid[i];
}

template <typename T>
void Model<T>::forward(const PackedBatch& batch, T* logprobs, double temperature) {
  if (!(temperature > 0)) fail("forward: temperature must be positive, got ", temperature);
  const ModelConfig& c = cfg_;
  const int N = batch.num_tokens(), S = batch.num_seqs(), C = c.hidden_size, V = c.vocab_size;
  if (N == 0) fail("forward: empty batch");
  for (int t = 0; t < N; ++t) {
    if (batch.tokens[t] < 0 || batch.tokens[t] >= V) fail("forward: token id ", batch.tokens[t], " at position ", t, " outside the vocabulary (", V, ")");
    if (batch.targets[t] >= V) fail("forward: target id ", batch.targets[t], " outside the vocabulary (", V, ")");
    if (batch.positions[t] >= c.max_position_embeddings) {
      fail("forward: position ", batch.positions[t], " exceeds max_position_embeddings (", c.max_position_embeddings, ")");
    }
  }
  plan_train(N, S);
  tokens_ = batch.tokens;
  targets_ = batch.targets;
  pos_ = batch.positions;
  cu_ = batch.cu_seqlens;
  last_n_ = N;
  const T* W = params_.data();
  embedding_forward(acts_[0].x_in, tokens_.data(), W + table_.embed(), N, C);
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    T* out = l + 1 < c.num_hidden_layers ? acts_[l + 1].x_in : x_final_;
    block_forward(l, acts_[l], acts_[l].x_in, out, pos_.data(), N, cu_.data(), S, nullptr, nullptr);
  }
  rmsnorm_forward(lnf_, rstdf_, x_final_, W + table_.final_norm(), N, C, static_cast<T>(c.rms_norm_eps));
  linear_forward(logits_, lnf_, W + table_.lm_head(), (const T*)nullptr, N, C, V);
  inv_temperature_ = static_cast<T>(1.0 / temperature);
  if (inv_temperature_ != T(1)) {
    const size_t NV = static_cast<size_t>(N) * V;
    for (size_t i = 0; i < NV; ++i) logits_[i] *= inv_temperature_;
  }
  logprobs_forward(logprobs, lse_, logits_, targets_.data(), N, V);
}

template <typename T>
void Model<T>::token_entropy(T* out) const {
  softmax_entropy(out, logits_, lse_, last_n_, cfg_.vocab_size);
}

// ---------------------------------------------------------------------------------------------
// Backward

template <typename T>
void Model<T>::ffn_backward(int l, LayerActs& la, const T* dout, T* dln2, int N) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const T* W = params_.data();
  T* G = grads_.data();
  Scratch& s = *scratch_;
  const int C = c.hidden_size;
  if (!c.is_moe_layer(l)) {
    const int F = c.intermediate_size;
    linear_backward(s.dh, G + lp.down, (T*)nullptr, dout, la.h, W + lp.down, N, F, C, false);
    swiglu_backward(s.dgu, s.dh, la.gu, N, F);
    linear_backward(dln2, G + lp.gate_up, (T*)nullptr, s.dgu, la.ln2, W + lp.gate_up, N, C, 2 * F, false);
    return;
  }
  const int E = c.n_routed_experts, K = c.num_experts_per_tok, Fm = c.moe_intermediate_size;
  bool have_dln2 = false;
  if (c.n_shared_experts > 0) {
    const int Fs = c.shared_intermediate();
    linear_backward(s.dh, G + lp.shared_down, (T*)nullptr, dout, la.sh, W + lp.shared_down, N, Fs, C, false);
    swiglu_backward(s.dgu, s.dh, la.sgu, N, Fs);
    linear_backward(dln2, G + lp.shared_gate_up, (T*)nullptr, s.dgu, la.ln2, W + lp.shared_gate_up, N, C, 2 * Fs,
                    false);
    have_dln2 = true;
  }
  moe_combine_backward(s.dys, s.dw, dout, la.ys, la.r_w, la.plan, C);
  for (int e = 0; e < E; ++e) {
    const size_t off = la.plan.offset[e];
    linear_backward(s.dhs + off * Fm, G + lp.expert_down[e], (T*)nullptr, s.dys + off * C, la.hs + off * Fm,
                    W + lp.expert_down[e], la.plan.count[e], Fm, C, false);
  }
  swiglu_backward(s.dgus, s.dhs, la.gus, N * K, Fm);
  for (int e = 0; e < E; ++e) {
    const size_t off = la.plan.offset[e];
    linear_backward(s.dxs + off * C, G + lp.expert_gate_up[e], (T*)nullptr, s.dgus + off * 2 * Fm, la.xs + off * C,
                    W + lp.expert_gate_up[e], la.plan.count[e], C, 2 * Fm, false);
  }
  if (!have_dln2) std::memset(dln2, 0, sizeof(T) * static_cast<size_t>(N) * C);
  moe_scatter_add(dln2, s.dxs, la.plan, C);
  router_backward(s.dr_logits, s.dw, la.r_scores, la.r_idx, router_, N);
  linear_backward(dln2, G + lp.router, (T*)nullptr, s.dr_logits, la.ln2, W + lp.router, N, C, E, true);
}

template <typename T>
void Model<T>::attention_backward(int l, LayerActs& la, const T* datt_out, T* dln1, int N, int S) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const T* W = params_.data();
  T* G = grads_.data();
  Scratch& s = *scratch_;
  const int C = c.hidden_size, O = c.o_dim(), H = c.num_attention_heads, KVH = c.attn_kv_heads();
  linear_backward(s.datt, G + lp.o_proj, (T*)nullptr, datt_out, la.att, W + lp.o_proj, N, O, C, false);
  cpu::attention_backward(s.dq, s.dk, s.dv, s.datt, la.att, la.lse, la.q, la.k, la.v, cu_.data(), S, H, KVH,
                          c.qk_head_size(), c.v_head_size(), attention_scale());
  if (c.mla()) {
    mla_project_backward(l, la, dln1, N);
  } else {
    gqa_project_backward(l, la, dln1, N);
  }
}

template <typename T>
void Model<T>::block_backward(int l, LayerActs& la, T* dx, int N, int S) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const T* W = params_.data();
  T* G = grads_.data();
  Scratch& s = *scratch_;
  const int C = c.hidden_size;
  // dx holds dL/d(block output). The residual passes it through to x_mid unchanged.
  ffn_backward(l, la, dx, s.dln, N);
  rmsnorm_backward(dx, G + lp.ln2, s.dln, la.x_mid, W + lp.ln2, la.rstd2, N, C, true);
  // Now dx = dL/dx_mid, which also flows unchanged to x_in.
  attention_backward(l, la, dx, s.dln, N, S);
  rmsnorm_backward(dx, G + lp.ln1, s.dln, la.x_in, W + lp.ln1, la.rstd1, N, C, true);
}

template <typename T>
void Model<T>::backward(const T* dlogprobs) {
  R1_CHECK(last_n_ > 0, "backward() without a forward()");
  if (grads_.empty()) zero_grad();
  const ModelConfig& c = cfg_;
  const int N = last_n_, S = static_cast<int>(cu_.size()) - 1, C = c.hidden_size, V = c.vocab_size;
  const T* W = params_.data();
  T* G = grads_.data();
  Scratch& s = *scratch_;
  logprobs_backward(s.dlogits, dlogprobs, logits_, lse_, targets_.data(), N, V);
  if (inv_temperature_ != T(1)) {  // the logits were scaled by 1/temperature
    const size_t NV = static_cast<size_t>(N) * V;
    for (size_t i = 0; i < NV; ++i) s.dlogits[i] *= inv_temperature_;
  }
  linear_backward(s.dln, G + table_.lm_head(), (T*)nullptr, s.dlogits, lnf_, W + table_.lm_head(), N, C, V, false);
  rmsnorm_backward(s.dx, G + table_.final_norm(), s.dln, x_final_, W + table_.final_norm(), rstdf_, N, C, false);
  for (int l = c.num_hidden_layers - 1; l >= 0; --l) block_backward(l, acts_[l], s.dx, N, S);
  embedding_backward(G + table_.embed(), s.dx, tokens_.data(), N, C);
}

// ---------------------------------------------------------------------------------------------
// Inference with a KV cache

template <typename T>
void Model<T>::forward_cached(KVCache<T>& cache, const std::vector<CachedSeq>& entries, T* logits_out,
                              bool all_logits) {
  const ModelConfig& c = cfg_;
  const int C = c.hidden_size, V = c.vocab_size;
  int N = 0;
  for (const auto& e : entries) {
    if (e.slot < 0 || e.slot >= cache.slots() || !cache.in_use(e.slot)) fail("forward_cached: slot ", e.slot, " is not in use");
    if (e.n <= 0) fail("forward_cached: entry for slot ", e.slot, " has no tokens");
    if (cache.length(e.slot) + e.n > cache.max_len()) {
      fail("forward_cached: slot ", e.slot, " would hold ", cache.length(e.slot) + e.n, " tokens, more than the cache's ",
           cache.max_len());
    }
    N += e.n;
  }
  if (N == 0) return;
  plan_infer(N);
  std::vector<int32_t> tokens(N), positions(N);
  int t = 0;
  for (const auto& e : entries) {
    for (int i = 0; i < e.n; ++i, ++t) {
      if (e.tokens[i] < 0 || e.tokens[i] >= V) fail("forward_cached: token id ", e.tokens[i], " outside the vocabulary (", V, ")");
      tokens[t] = e.tokens[i];
      positions[t] = cache.length(e.slot) + i;
    }
  }
  Scratch& s = *infer_scratch_;
  const T* W = params_.data();
  embedding_forward(s.x0, tokens.data(), W + table_.embed(), N, C);
  T* x = s.x0;
  T* y = s.x1;
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    block_forward(l, *infer_acts_, x, y, positions.data(), N, nullptr, 0, &cache, &entries);
    std::swap(x, y);
  }
  for (const auto& e : entries) cache.set_length(e.slot, cache.length(e.slot) + e.n);
  // The LM head runs only on the rows whose logits are wanted.
  const T* rows = x;
  int R = N;
  if (!all_logits) {
    R = static_cast<int>(entries.size());
    int end = 0;
    for (int i = 0; i < R; ++i) {
      end += entries[i].n;
      std::memcpy(s.rows + static_cast<size_t>(i) * C, x + static_cast<size_t>(end - 1) * C, sizeof(T) * C);
    }
    rows = s.rows;
  }
  rmsnorm_forward(s.lnf, s.rstdf, rows, W + table_.final_norm(), R, C, static_cast<T>(c.rms_norm_eps));
  linear_forward(logits_out, s.lnf, W + table_.lm_head(), (const T*)nullptr, R, C, V);
}

// ---------------------------------------------------------------------------------------------
// Balancing

template <typename T>
void Model<T>::update_expert_bias(double gamma) {
  for (int l = 0; l < cfg_.num_hidden_layers; ++l) {
    auto& load = load_[l];
    if (load.empty() || expert_bias_[l].empty()) continue;
    double mean = 0;
    for (int64_t x : load) mean += static_cast<double>(x);
    mean /= static_cast<double>(load.size());
    for (size_t e = 0; e < load.size(); ++e) {
      double diff = mean - static_cast<double>(load[e]);
      double sign = diff > 0 ? 1.0 : (diff < 0 ? -1.0 : 0.0);
      expert_bias_[l][e] += static_cast<float>(gamma * sign);
    }
  }
  reset_expert_load();
}

template <typename T>
void Model<T>::reset_expert_load() {
  for (auto& load : load_) std::fill(load.begin(), load.end(), 0);
}

template <typename T>
double Model<T>::load_imbalance() const {
  double worst = 0;
  for (const auto& load : load_) {
    if (load.empty()) continue;
    double sum = 0, mx = 0;
    for (int64_t x : load) {
      sum += static_cast<double>(x);
      mx = std::max(mx, static_cast<double>(x));
    }
    if (sum > 0) worst = std::max(worst, mx / (sum / static_cast<double>(load.size())));
  }
  return worst;
}

template <typename T>
std::vector<int32_t> Model<T>::last_routing() const {
  std::vector<int32_t> out;
  for (int l = 0; l < cfg_.num_hidden_layers; ++l) {
    if (!cfg_.is_moe_layer(l) || acts_.empty()) continue;
    const size_t n = static_cast<size_t>(last_n_) * cfg_.num_experts_per_tok;
    out.insert(out.end(), acts_[l].r_idx, acts_[l].r_idx + n);
  }
  return out;
}

template class Model<float>;
template class Model<double>;

}  // namespace r1
