#include "model/model.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <type_traits>

#include "core/error.h"
#include "core/memory_limit.h"
#include "core/rng.h"
#include "model/memory_estimate.h"
#include "model/model_acts.h"

namespace r1 {

namespace {
// Checks the config, and that its parameters fit the memory limit, before any member is sized
// from it (commands check the whole run earlier, naming their files; this is the last check).
template <typename T>
const ModelConfig& validated(const ModelConfig& c) {
  c.validate("model config");
  check_memory(
      MemoryEstimate().add(model_weights_part(c, sizeof(T) / 4.0, "the model's parameters")),
      "model config");
  return c;
}
}  // namespace

template <typename T>
Model<T>::Model(const ModelConfig& cfg, const Backend<T>& backend) : Model(cfg, backend, nullptr) {}

template <typename T>
std::unique_ptr<Model<T>> Model<T>::sharing_weights_of(Model& owner) {
  return std::unique_ptr<Model>(new Model(owner.cfg_, owner.be_, &owner));
}

template <typename T>
Model<T>::Model(const ModelConfig& cfg, const Backend<T>& backend, Model* weights_of)
    : be_(backend),
      op_(backend.ops),
      cfg_(validated<T>(cfg)),
      table_(cfg),
      params_(backend.mem),
      grads_(backend.mem),
      bias_(backend.mem),
      rope_cos_(backend.mem),
      rope_sin_(backend.mem),
      packed_(backend.mem) {
  if (!backend.mem.host_addressable) head_values_ = kHeadLogitsValuesDevice;
  if constexpr (std::is_same_v<T, double>) {
    R1_CHECK(&backend == &cpu_backend<double>(), "Model<double> is the CPU reference; backend '",
             backend.name, "' cannot run it");
  }
  if (weights_of) {
    params_.view_of(weights_of->params_);
  } else {
    allocating(
        double(table_.total()) * sizeof(T),
        [&] { return cat("the model's ", table_.total(), " parameters"); },
        [&] { params_.resize(table_.total()); });
  }
  bias_off_.assign(cfg.num_hidden_layers, 0);
  bias_n_.assign(cfg.num_hidden_layers, 0);
  load_.resize(cfg.num_hidden_layers);
  size_t bias_total = 0;
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    if (cfg.is_moe_layer(l)) {
      if (cfg.has_expert_bias()) {
        bias_off_[l] = bias_total;
        bias_n_[l] = cfg.n_routed_experts;
        bias_total += cfg.n_routed_experts;
      }
      load_[l].assign(cfg.n_routed_experts, 0);
    }
  }
  if (weights_of) {
    bias_.view_of(weights_of->bias_);
  } else {
    bias_.resize(bias_total);  // zeroed
  }
  {
    const cpu::RopeTable<T> rope(cfg.max_position_embeddings, cfg.rope_dim(), cfg.rope_theta);
    rope_cos_.resize(rope.cos.size());
    rope_sin_.resize(rope.sin.size());
    rope_cos_.upload(rope.cos.data(), 0, rope.cos.size());
    rope_sin_.upload(rope.sin.data(), 0, rope.sin.size());
  }
  train_arena_.use_allocator(backend.mem.alloc, backend.mem.free);
  router_.n_experts = cfg.n_routed_experts;
  router_.top_k = cfg.num_experts_per_tok;
  router_.sigmoid = cfg.scoring_func == "sigmoid";
  router_.norm_topk = cfg.norm_topk_prob;
  router_.scale = cfg.routed_scaling_factor;
  router_.n_group = cfg.n_group;
  router_.topk_group = cfg.topk_group;
  scratch_ = std::make_unique<Scratch>();
}

template <typename T>
Model<T>::~Model() = default;

template <typename T>
void Model<T>::check_owns_weights(const char* what) const {
  R1_CHECK(!shares_weights(), what,
           ": this model reads another model's weights in place (sharing_weights_of); write "
           "them through that model");
}

template <typename T>
T* Model<T>::param(const std::string& name) {
  check_owns_weights("param");
  const ParamInfo* p = table_.find(name);
  if (!p) fail("model has no parameter '", name, "'");
  return params_.data() + p->offset;
}

template <typename T>
void Model<T>::read_params(T* host, size_t offset, size_t n) const {
  R1_CHECK(offset <= table_.total() && n <= table_.total() - offset, "read_params: [", offset,
           ", +", n, ") outside the ", table_.total(), " parameters");
  params_.download(host, offset, n);
}

template <typename T>
void Model<T>::write_params(const T* host, size_t offset, size_t n) {
  check_owns_weights("write_params");
  R1_CHECK(offset <= table_.total() && n <= table_.total() - offset, "write_params: [", offset,
           ", +", n, ") outside the ", table_.total(), " parameters");
  params_.upload(host, offset, n);
}

template <typename T>
std::vector<float> Model<T>::expert_bias(int layer) const {
  std::vector<float> out(bias_n_.at(layer));
  bias_.download(out.data(), bias_off_[layer], out.size());
  return out;
}

template <typename T>
void Model<T>::set_expert_bias(int layer, const std::vector<float>& bias) {
  check_owns_weights("set_expert_bias");
  if (bias.size() != bias_n_.at(layer)) {
    fail("expert bias of layer ", layer, ": ", bias.size(), " values given, the layer has ",
         bias_n_[layer]);
  }
  bias_.upload(bias.data(), bias_off_[layer], bias.size());
}

template <typename T>
void Model<T>::copy_weights_from(const Model& other) {
  check_owns_weights("copy_weights_from");
  if (other.cfg_.to_json() != cfg_.to_json())
    fail("copy_weights_from: the two models have different configs");
  if (&other.be_ == &be_) {
    be_.mem.copy(params_.data(), other.params_.data(), params_.size() * sizeof(T));
    be_.mem.copy(bias_.data(), other.bias_.data(), bias_.size() * sizeof(float));
    return;
  }
  std::vector<T> host(params_.size());
  other.read_params(host.data(), 0, host.size());
  write_params(host.data(), 0, host.size());
  for (int l = 0; l < cfg_.num_hidden_layers; ++l) {
    if (bias_n_[l] > 0) set_expert_bias(l, other.expert_bias(l));
  }
}

template <typename T>
void Model<T>::init_weights(uint64_t seed) {
  check_owns_weights("init_weights");
  // Each tensor draws from its own stream, seeded by (seed, name), so the tensors are filled in
  // parallel with the values an in-order fill gives. A 3B-parameter model takes seconds rather
  // than a minute. Host memory is filled in place; a device backend gets one upload from a host
  // staging copy.
  const auto& ps = table_.params();
  const bool in_place = be_.mem.host_addressable;
  std::vector<T> staging(in_place ? 0 : table_.total());
  T* const dst = in_place ? params() : staging.data();
#pragma omp parallel for schedule(dynamic, 1)
  for (long k = 0; k < static_cast<long>(ps.size()); ++k) {
    const ParamInfo& p = ps[k];
    T* w = dst + p.offset;
    switch (p.init) {
      case ParamInfo::Ones:
        std::fill(w, w + p.numel, T(1));
        break;
      case ParamInfo::Zeros:
        std::fill(w, w + p.numel, T(0));
        break;
      case ParamInfo::Normal: {
        Rng rng(seed, hash64(p.name));
        for (size_t i = 0; i < p.numel; ++i) w[i] = static_cast<T>(rng.normal() * cfg_.initializer_range);
        break;
      }
    }
  }
  if (!in_place) write_params(staging.data(), 0, staging.size());
  bias_.zero();
  reset_expert_load();
}

template <typename T>
void Model<T>::zero_grad() {
  if (grads_.empty()) {
    allocating(
        double(table_.total()) * sizeof(T),
        [&] { return cat("the gradients of ", table_.total(), " parameters"); },
        [&] { grads_.resize(table_.total()); });  // zeroed
  } else {
    grads_.zero();
  }
}

template <typename T>
void Model<T>::rope(T* x, const int32_t* pos, int N, int H, int D, cpu::RopeLayout layout) {
  op_.rope_forward(x, pos, N, H, D, rope_cos_.data(), rope_sin_.data(),
                   cfg_.max_position_embeddings, layout);
}

template <typename T>
void Model<T>::rope_backward(T* dx, const int32_t* pos, int N, int H, int D,
                             cpu::RopeLayout layout) {
  op_.rope_backward(dx, pos, N, H, D, rope_cos_.data(), rope_sin_.data(),
                    cfg_.max_position_embeddings, layout);
}

// ---------------------------------------------------------------------------------------------
// Memory plans

template <typename T>
void Model<T>::layout_layer(Arena& a, LayerActs& la, int N, int l, bool train) {
  const ModelConfig& c = cfg_;
  const size_t n = static_cast<size_t>(N), C = c.hidden_size, Q = c.q_dim(), K = c.k_dim(),
               V = c.v_dim();
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
  const size_t n = static_cast<size_t>(N), C = c.hidden_size, Q = c.q_dim(), K = c.k_dim(),
               V = c.v_dim(), Vocab = c.vocab_size, H = c.num_attention_heads;
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
    if (c.mla()) {
      s.q_lat = a.alloc<T>(n * H * (Rkv + Dr));
      s.k_lat = a.alloc<T>(n * (Rkv + Dr));
      s.att_lat = a.alloc<T>(n * H * Rkv);
    }
    s.x0 = a.alloc<T>(n * C);
    s.x1 = a.alloc<T>(n * C);
    s.lnf = a.alloc<T>(n * C);
    s.rstdf = a.alloc<T>(n);
    s.rows = a.alloc<T>(n * C);
    return;
  }
  const size_t Kx = std::max(1, c.num_experts_per_tok), E = c.n_routed_experts,
               Fm = c.moe_intermediate_size;
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
  s.dlogits = a.alloc<T>(static_cast<size_t>(head_rows(N)) * Vocab);
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
    logits_ = a.alloc<T>(static_cast<size_t>(head_rows(N)) * V);
    lse_ = a.alloc<T>(n);
    lp_ = a.alloc<T>(n);
    dlp_ = a.alloc<T>(n);
    ent_ = a.alloc<T>(n);
    tokens_ = a.alloc<int32_t>(n);
    targets_ = a.alloc<int32_t>(n);
    pos_ = a.alloc<int32_t>(n);
    cu_ = a.alloc<int32_t>(n + 1);
    prefix_ = a.alloc<int32_t>(n);
  };
  train_arena_.begin_plan();
  layout(train_arena_);
  allocating(
      double(train_arena_.planned()),
      [&] { return cat("the training activations of ", N, " tokens"); },
      [&] { train_arena_.commit(); });
  layout(train_arena_);
  train_cap_n_ = N;
}

template <typename T>
void Model<T>::plan_infer(InferLane& lane, int N) {
  if (N <= lane.cap_n) return;
  auto layout = [&](Arena& a) {
    layout_layer(a, lane.acts, N, 0, false);
    layout_scratch(a, lane.scratch, N, false);
    const size_t n = static_cast<size_t>(N);
    lane.tokens = a.alloc<int32_t>(n);
    lane.pos = a.alloc<int32_t>(n);
    lane.slot = a.alloc<int32_t>(n);
    lane.kv_len = a.alloc<int32_t>(n);
    lane.rows = a.alloc<int32_t>(n);
  };
  lane.arena.begin_plan();
  layout(lane.arena);
  allocating(
      double(lane.arena.planned()),
      [&] { return cat("the inference activations of ", N, " tokens"); },
      [&] { lane.arena.commit(); });
  layout(lane.arena);
  lane.cap_n = N;
}

template <typename T>
size_t Model<T>::activation_bytes() const {
  size_t bytes = train_arena_.capacity();
  for (const auto& lane : lanes_) bytes += lane->arena.capacity();
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Forward

template <typename T>
T Model<T>::attention_scale() const {
  return static_cast<T>(1.0 / std::sqrt(static_cast<double>(cfg_.qk_head_size())));
}

template <typename T>
void Model<T>::attention_forward(int l, LayerActs& la, const int32_t* positions, int N,
                                 const int32_t* cu, int S, InferLane* lane) {
  const ModelConfig& c = cfg_;
  const int H = c.num_attention_heads, KVH = c.attn_kv_heads(), Dqk = c.qk_head_size(),
            Dv = c.v_head_size();
  Scratch& s = lane ? lane->scratch : *scratch_;
  if (lane && c.mla()) {  // the latent cache: its own path (attention_mla.cpp)
    mla_attention_cached(l, la, *lane, positions, N);
    return;
  }
  if (c.mla()) {
    mla_project(l, la, s, positions, N);
  } else {
    gqa_project(l, la, s, positions, N, lane != nullptr);
  }
  const T scale = attention_scale();
  if (!lane) {
    op_.attention_forward(la.att, la.lse, la.q, la.k, la.v, cu, prefix_of_, S, H, KVH, Dqk, Dv,
                          scale);
    return;
  }
  // Write this step's keys and values into the cache, then attend over each slot's prefix.
  KVCache<T>& cache = *lane->cache;
  op_.kv_cache_write(cache.k_pool(l), cache.v_pool(l), la.k, la.v, lane->table, cache.max_blocks(),
                     cache.block_size(), lane->slot, positions, N, c.cache_k_dim(),
                     c.cache_v_dim());
  op_.attention_paged_forward(la.att, la.q, cache.k_pool(l), cache.v_pool(l), c.cache_v_dim(),
                              lane->table, cache.max_blocks(), cache.block_size(), lane->slot,
                              lane->kv_len, N, H, KVH, Dqk, Dv, scale);
}

template <typename T>
void Model<T>::ffn_forward(int l, LayerActs& la, T* out, int N, bool train) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const int C = c.hidden_size;
  if (!c.is_moe_layer(l)) {
    const int F = c.intermediate_size;
    linear(la.gu, la.ln2, lp.gate_up, nullptr, N, C, 2 * F, !train);
    op_.swiglu_forward(la.h, la.gu, N, F);
    linear(out, la.h, lp.down, nullptr, N, F, C, !train);
    return;
  }
  const int E = c.n_routed_experts, K = c.num_experts_per_tok, Fm = c.moe_intermediate_size;
  linear(la.r_logits, la.ln2, lp.router, nullptr, N, C, E, !train);
  op_.router_forward(la.r_scores, la.r_idx, la.r_w, la.r_logits, bias_of(l), router_, N);
  op_.dispatch_plan(la.plan, la.r_idx, N, K, E);
  if (train) {
    for (int e = 0; e < E; ++e) load_[l][e] += la.plan.count[e];
  }
  op_.moe_gather(la.xs, la.ln2, la.plan, C);
  for (int e = 0; e < E; ++e) {
    const size_t off = la.plan.offset[e];
    linear(la.gus + off * 2 * Fm, la.xs + off * C, lp.expert_gate_up[e], nullptr, la.plan.count[e],
           C, 2 * Fm, !train);
  }
  op_.swiglu_forward(la.hs, la.gus, N * K, Fm);
  for (int e = 0; e < E; ++e) {
    const size_t off = la.plan.offset[e];
    linear(la.ys + off * C, la.hs + off * Fm, lp.expert_down[e], nullptr, la.plan.count[e], Fm, C,
           !train);
  }
  op_.moe_combine_forward(out, la.ys, la.r_w, la.plan, C, false);
  if (c.n_shared_experts > 0) {
    const int Fs = c.shared_intermediate();
    linear(la.sgu, la.ln2, lp.shared_gate_up, nullptr, N, C, 2 * Fs, !train);
    op_.swiglu_forward(la.sh, la.sgu, N, Fs);
    linear(out, la.sh, lp.shared_down, nullptr, N, Fs, C, !train, true);
  }
}

template <typename T>
void Model<T>::block_forward(int l, LayerActs& la, const T* x_in, T* x_out,
                             const int32_t* positions, int N, const int32_t* cu, int S,
                             InferLane* lane) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const T* W = params_.data();
  const int C = c.hidden_size, O = c.o_dim();
  const T eps = static_cast<T>(c.rms_norm_eps);
  const size_t NC = static_cast<size_t>(N) * C;
  op_.rmsnorm_forward(la.ln1, la.rstd1, x_in, W + lp.ln1, N, C, eps);
  attention_forward(l, la, positions, N, cu, S, lane);
  linear(la.x_mid, la.att, lp.o_proj, nullptr, N, O, C, lane != nullptr);
  op_.add_inplace(la.x_mid, x_in, NC);
  op_.rmsnorm_forward(la.ln2, la.rstd2, la.x_mid, W + lp.ln2, N, C, eps);
  ffn_forward(l, la, x_out, N, lane == nullptr);
  op_.add_inplace(x_out, la.x_mid, NC);
}

template <typename T>
void Model<T>::forward(const PackedBatch& batch, T* logprobs, double temperature) {
  if (!(temperature > 0)) fail("forward: temperature must be positive, got ", temperature);
  const ModelConfig& c = cfg_;
  const int N = batch.num_tokens(), S = batch.num_seqs(), C = c.hidden_size, V = c.vocab_size;
  if (N == 0) fail("forward: empty batch");
  if (!batch.temperature.empty() && static_cast<int>(batch.temperature.size()) != S)
    fail("forward: temperature has ", batch.temperature.size(), " entries for ", S, " sequences");
  std::vector<TemperatureRun> runs;
  for (int s = 0; s < S; ++s) {
    const double own = batch.temperature.empty() ? 0.0 : batch.temperature[s];
    if (!(own >= 0 && std::isfinite(own)))
      fail("forward: sequence ", s, " has temperature ", own, " (0 for the forward's, or > 0)");
    const T inv = static_cast<T>(1.0 / (own > 0 ? own : temperature));
    if (inv == T(1)) continue;
    if (!runs.empty() && runs.back().inv == inv && runs.back().end == batch.cu_seqlens[s])
      runs.back().end = batch.cu_seqlens[s + 1];
    else
      runs.push_back({batch.cu_seqlens[s], batch.cu_seqlens[s + 1], inv});
  }
  for (int t = 0; t < N; ++t) {
    if (batch.tokens[t] < 0 || batch.tokens[t] >= V)
      fail("forward: token id ", batch.tokens[t], " at position ", t, " outside the vocabulary (",
           V, ")");
    if (batch.targets[t] >= V)
      fail("forward: target id ", batch.targets[t], " outside the vocabulary (", V, ")");
    if (batch.positions[t] >= c.max_position_embeddings) {
      fail("forward: position ", batch.positions[t], " exceeds max_position_embeddings (",
           c.max_position_embeddings, ")");
    }
  }
  const bool shared = batch.has_prefixes();
  if (shared) {
    if (static_cast<int>(batch.prefix_of.size()) != S)
      fail("forward: prefix_of has ", batch.prefix_of.size(), " entries for ", S, " sequences");
    for (int s = 0; s < S; ++s) {
      const int p = batch.prefix_of[s];
      if (p < -1 || p >= S || p == s || (p >= 0 && batch.prefix_of[p] >= 0))
        fail("forward: sequence ", s, " has prefix ", p,
             " (a prefix is another sequence of the batch, without a prefix itself)");
    }
  }
  plan_train(N, S);
  const Memory& mem = be_.mem;
  if (shared) mem.upload(prefix_, batch.prefix_of.data(), sizeof(int32_t) * S);
  prefix_of_ = shared ? prefix_ : nullptr;
  mem.upload(tokens_, batch.tokens.data(), sizeof(int32_t) * N);
  mem.upload(targets_, batch.targets.data(), sizeof(int32_t) * N);
  mem.upload(pos_, batch.positions.data(), sizeof(int32_t) * N);
  mem.upload(cu_, batch.cu_seqlens.data(), sizeof(int32_t) * (S + 1));
  cu_host_ = batch.cu_seqlens;
  last_n_ = N;
  const T* W = params_.data();
  op_.embedding_forward(acts_[0].x_in, tokens_, W + table_.embed(), N, C);
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    T* out = l + 1 < c.num_hidden_layers ? acts_[l + 1].x_in : x_final_;
    block_forward(l, acts_[l], acts_[l].x_in, out, pos_, N, cu_, S, nullptr);
  }
  op_.rmsnorm_forward(lnf_, rstdf_, x_final_, W + table_.final_norm(), N, C,
                      static_cast<T>(c.rms_norm_eps));
  temperature_runs_ = std::move(runs);
  const int R = head_rows(N);
  head_rows_used_ = R;
  for (int r0 = 0; r0 < N; r0 += R) {
    const int n = std::min(R, N - r0);
    head_logits(r0, n);
    op_.logprobs_forward(lp_ + r0, lse_ + r0, logits_, targets_ + r0, n, V);
    // The chunk's logits are gone after this: its entropy now, in case token_entropy asks.
    if (head_chunked()) op_.softmax_entropy(ent_ + r0, logits_, lse_ + r0, n, V);
  }
  mem.download(logprobs, lp_, sizeof(T) * N);
}

// logits_ (n, V) = the head's logits of rows [r0, r0 + n) of the last forward, over their
// temperature.
template <typename T>
void Model<T>::head_logits(int r0, int n) {
  const size_t C = cfg_.hidden_size, V = cfg_.vocab_size;
  op_.linear_forward(logits_, lnf_ + r0 * C, params_.data() + table_.lm_head(), (const T*)nullptr, n,
                     static_cast<int>(C), static_cast<int>(V));
  scale_by_temperature(logits_, r0, n);
}

template <typename T>
void Model<T>::scale_by_temperature(T* rows, int r0, int n) {
  const size_t V = cfg_.vocab_size;
  for (const TemperatureRun& run : temperature_runs_) {
    const int lo = std::max(run.begin, r0), hi = std::min(run.end, r0 + n);
    if (lo < hi)
      op_.scale_inplace(rows + static_cast<size_t>(lo - r0) * V, static_cast<size_t>(hi - lo) * V,
                        run.inv);
  }
}

template <typename T>
int Model<T>::head_rows(int N) const {
  const size_t rows = std::max<size_t>(1, head_values_ / std::max(1, cfg_.vocab_size));
  return static_cast<int>(std::min<size_t>(std::max(N, 1), rows));
}

template <typename T>
void Model<T>::set_head_logits_values(size_t n) {
  head_values_ = std::max<size_t>(n, 1);
  train_cap_n_ = -1;  // the next forward plans its buffers again
}

template <typename T>
const T* Model<T>::logits() const {
  R1_CHECK(!head_chunked(), "Model::logits: the last forward ran its LM head in chunks (",
           head_rows(last_n_), " of ", last_n_, " rows at a time); no N x V logits were kept");
  return logits_;
}

template <typename T>
void Model<T>::token_entropy(T* out) const {
  if (!head_chunked()) op_.softmax_entropy(ent_, logits_, lse_, last_n_, cfg_.vocab_size);
  be_.mem.download(out, ent_, sizeof(T) * last_n_);
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
    op_.linear_backward(s.dh, G + lp.down, (T*)nullptr, dout, la.h, W + lp.down, N, F, C, false);
    op_.swiglu_backward(s.dgu, s.dh, la.gu, N, F);
    op_.linear_backward(dln2, G + lp.gate_up, (T*)nullptr, s.dgu, la.ln2, W + lp.gate_up, N, C,
                        2 * F, false);
    return;
  }
  const int E = c.n_routed_experts, K = c.num_experts_per_tok, Fm = c.moe_intermediate_size;
  bool have_dln2 = false;
  if (c.n_shared_experts > 0) {
    const int Fs = c.shared_intermediate();
    op_.linear_backward(s.dh, G + lp.shared_down, (T*)nullptr, dout, la.sh, W + lp.shared_down, N,
                        Fs, C, false);
    op_.swiglu_backward(s.dgu, s.dh, la.sgu, N, Fs);
    op_.linear_backward(dln2, G + lp.shared_gate_up, (T*)nullptr, s.dgu, la.ln2,
                        W + lp.shared_gate_up, N, C, 2 * Fs, false);
    have_dln2 = true;
  }
  op_.moe_combine_backward(s.dys, s.dw, dout, la.ys, la.r_w, la.plan, C);
  for (int e = 0; e < E; ++e) {
    const size_t off = la.plan.offset[e];
    op_.linear_backward(s.dhs + off * Fm, G + lp.expert_down[e], (T*)nullptr, s.dys + off * C,
                        la.hs + off * Fm, W + lp.expert_down[e], la.plan.count[e], Fm, C, false);
  }
  op_.swiglu_backward(s.dgus, s.dhs, la.gus, N * K, Fm);
  for (int e = 0; e < E; ++e) {
    const size_t off = la.plan.offset[e];
    op_.linear_backward(s.dxs + off * C, G + lp.expert_gate_up[e], (T*)nullptr,
                        s.dgus + off * 2 * Fm, la.xs + off * C, W + lp.expert_gate_up[e],
                        la.plan.count[e], C, 2 * Fm, false);
  }
  if (!have_dln2) be_.mem.zero(dln2, sizeof(T) * static_cast<size_t>(N) * C);
  op_.moe_scatter_add(dln2, s.dxs, la.plan, C);
  op_.router_backward(s.dr_logits, s.dw, la.r_scores, la.r_idx, router_, N);
  op_.linear_backward(dln2, G + lp.router, (T*)nullptr, s.dr_logits, la.ln2, W + lp.router, N, C, E,
                      true);
}

template <typename T>
void Model<T>::attention_backward(int l, LayerActs& la, const T* datt_out, T* dln1, int N, int S) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const T* W = params_.data();
  T* G = grads_.data();
  Scratch& s = *scratch_;
  const int C = c.hidden_size, O = c.o_dim(), H = c.num_attention_heads, KVH = c.attn_kv_heads();
  op_.linear_backward(s.datt, G + lp.o_proj, (T*)nullptr, datt_out, la.att, W + lp.o_proj, N, O, C,
                      false);
  op_.attention_backward(s.dq, s.dk, s.dv, s.datt, la.att, la.lse, la.q, la.k, la.v, cu_,
                         prefix_of_, S, H, KVH, c.qk_head_size(), c.v_head_size(),
                         attention_scale());
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
  op_.rmsnorm_backward(dx, G + lp.ln2, s.dln, la.x_mid, W + lp.ln2, la.rstd2, N, C, true);
  // Now dx = dL/dx_mid, which also flows unchanged to x_in.
  attention_backward(l, la, dx, s.dln, N, S);
  op_.rmsnorm_backward(dx, G + lp.ln1, s.dln, la.x_in, W + lp.ln1, la.rstd1, N, C, true);
}

template <typename T>
void Model<T>::backward(const T* dlogprobs) {
  R1_CHECK(last_n_ > 0, "backward() without a forward()");
  if (grads_.empty()) zero_grad();
  const ModelConfig& c = cfg_;
  const int N = last_n_, S = static_cast<int>(cu_host_.size()) - 1, C = c.hidden_size,
            V = c.vocab_size;
  const T* W = params_.data();
  T* G = grads_.data();
  Scratch& s = *scratch_;
  be_.mem.upload(dlp_, dlogprobs, sizeof(T) * N);
  const int R = head_rows_used_;  // as forward ran it (set_head_logits_values may have changed since)
  for (int r0 = 0; r0 < N; r0 += R) {
    const int n = std::min(R, N - r0);
    if (head_chunked()) head_logits(r0, n);  // one chunk: still there from forward
    op_.logprobs_backward(s.dlogits, dlp_ + r0, logits_, lse_ + r0, targets_ + r0, n, V);
    scale_by_temperature(s.dlogits, r0, n);  // the logits were divided by the temperature
    op_.linear_backward(s.dln + static_cast<size_t>(r0) * C, G + table_.lm_head(), (T*)nullptr, s.dlogits,
                        lnf_ + static_cast<size_t>(r0) * C, W + table_.lm_head(), n, C, V, false);
  }
  op_.rmsnorm_backward(s.dx, G + table_.final_norm(), s.dln, x_final_, W + table_.final_norm(),
                       rstdf_, N, C, false);
  for (int l = c.num_hidden_layers - 1; l >= 0; --l) block_backward(l, acts_[l], s.dx, N, S);
  op_.embedding_backward(G + table_.embed(), s.dx, tokens_, N, C);
}

// ---------------------------------------------------------------------------------------------
// Inference with a KV cache

template <typename T>
void Model<T>::forward_cached(KVCache<T>& cache, const std::vector<CachedSeq>& entries,
                              T* logits_out, bool all_logits) {
  const ModelConfig& c = cfg_;
  const int V = c.vocab_size;
  int N = 0;
  std::vector<char> seen(cache.slots(), 0);
  for (const auto& e : entries) {
    if (e.slot < 0 || e.slot >= cache.slots() || !cache.in_use(e.slot))
      fail("forward_cached: slot ", e.slot, " is not in use");
    // Two entries of one slot would both write its next cache rows (from two lanes at once).
    if (seen[e.slot]++)
      fail("forward_cached: slot ", e.slot, " appears in two entries of one call");
    if (e.n <= 0) fail("forward_cached: entry for slot ", e.slot, " has no tokens");
    if (cache.length(e.slot) + e.n > cache.max_len()) {
      fail("forward_cached: slot ", e.slot, " would hold ", cache.length(e.slot) + e.n,
           " tokens, more than the cache's ", cache.max_len());
    }
    N += e.n;
  }
  if (N == 0) return;
  std::vector<int32_t> tokens(N), positions(N), slot_of(N), kv_len(N), rows;
  int t = 0;
  for (const auto& e : entries) {
    for (int i = 0; i < e.n; ++i, ++t) {
      if (e.tokens[i] < 0 || e.tokens[i] >= V)
        fail("forward_cached: token id ", e.tokens[i], " outside the vocabulary (", V, ")");
      tokens[t] = e.tokens[i];
      positions[t] = cache.length(e.slot) + i;
      slot_of[t] = e.slot;
      kv_len[t] = positions[t] + 1;
    }
    if (!all_logits) rows.push_back(t - 1);
  }
  for (const auto& e : entries) cache.reserve(e.slot, cache.length(e.slot) + e.n);
  const int32_t* table = cache.block_table();

  // Lanes: on the host, a decode step's rows are many small problems, and splitting every op
  // across threads costs a fork and a barrier per op (about a hundred per step). Instead each
  // thread runs whole entries through the whole model, its ops single-threaded (OpenMP does not
  // nest; OpenBLAS runs serially inside a parallel region). A row's result depends on its lane
  // only by rounding (a lane's row count changes the GEMM and expert shapes). Lanes are taken
  // only when every thread gets one: fewer entries than threads, fewer than kMinRowsPerLane rows
  // per thread, or a device backend keep one lane whose ops use all threads (with 16 cores and
  // two long prompts, two single-threaded lanes would leave 14 idle).
  const int E = static_cast<int>(entries.size());
  const int threads = omp_get_max_threads();
  int L = 1;
  if (be_.host_threads && threads > 1 && E >= threads && N / kMinRowsPerLane >= threads)
    L = threads;
  while (static_cast<int>(lanes_.size()) < L) {
    lanes_.push_back(std::make_unique<InferLane>());
    lanes_.back()->arena.use_allocator(be_.mem.alloc, be_.mem.free);
    set_lane_graphs(*lanes_.back());
  }
  // Contiguous runs of entries with about N / L tokens each.
  std::vector<int> first(L + 1, E), tok0(L + 1, N);
  first[0] = 0;
  tok0[0] = 0;
  for (int e = 0, acc = 0, lane = 1; e < E && lane < L; ++e) {
    acc += entries[e].n;
    const int left = E - (e + 1);  // entries after this one; each later lane needs one
    if (left >= L - lane && (acc >= static_cast<int64_t>(N) * lane / L || left == L - lane)) {
      first[lane] = e + 1;
      tok0[lane] = acc;
      ++lane;
    }
  }
  for (int i = 0; i < L; ++i)
    plan_infer(*lanes_[i], tok0[i + 1] - tok0[i]);  // allocates: not in the lanes
  auto run_lane = [&](int i) {
    const int e0 = first[i], n_entries = first[i + 1] - e0, t0 = tok0[i], n = tok0[i + 1] - t0;
    const int r0 = all_logits ? t0 : e0, R = all_logits ? n : n_entries;
    std::vector<int32_t> lane_rows;
    if (!all_logits) {
      lane_rows.resize(R);
      for (int r = 0; r < R; ++r) lane_rows[r] = rows[e0 + r] - t0;
    }
    forward_lane(*lanes_[i], cache, table, tokens.data() + t0, positions.data() + t0,
                 slot_of.data() + t0, kv_len.data() + t0, all_logits ? nullptr : lane_rows.data(),
                 n, R, logits_out + static_cast<size_t>(r0) * V);
  };
  if (L == 1) {
    run_lane(0);
  } else {
    std::exception_ptr error;
#pragma omp parallel for num_threads(L) schedule(static, 1)
    for (int i = 0; i < L; ++i) {
      try {
        run_lane(i);
      } catch (...) {
#pragma omp critical(r1_forward_cached_error)
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
  }
  for (const auto& e : entries) cache.set_length(e.slot, cache.length(e.slot) + e.n);
}

template <typename T>
void Model<T>::forward_lane(InferLane& lane, KVCache<T>& cache, const int32_t* table,
                            const int32_t* tokens, const int32_t* positions, const int32_t* slot_of,
                            const int32_t* kv_len, const int32_t* rows, int N, int R,
                            T* logits_out) {
  const Memory& mem = be_.mem;
  lane.cache = &cache;
  lane.table = table;
  // Every host value the ops read goes up first: between here and the last op nothing but ops
  // runs, so that a decode step can be one recorded graph (model/decode_graphs.h).
  mem.upload(lane.tokens, tokens, sizeof(int32_t) * N);
  mem.upload(lane.pos, positions, sizeof(int32_t) * N);
  mem.upload(lane.slot, slot_of, sizeof(int32_t) * N);
  mem.upload(lane.kv_len, kv_len, sizeof(int32_t) * N);
  if (rows) mem.upload(lane.rows, rows, sizeof(int32_t) * R);
  auto step = [&] { lane_ops(lane, rows != nullptr, N, R, logits_out); };
  // A decode step (one token per sequence, the logits of each) is the one that repeats.
  if (!rows || R != N) return step();
  DecodeGraphs::Where where;
  where.cache_k = cache.k_pool(0);
  where.cache_v = cache.v_pool(0);
  where.table = table;
  where.max_blocks = cache.max_blocks();
  where.block_size = cache.block_size();
  where.cache_blocks = cache.total_blocks();
  where.logits = logits_out;
  where.lane = lane.tokens;
  where.lane_rows = lane.cap_n;
  where.params = params_.data();
  where.packed = decode_holds_ > 0 ? packed_.data() : nullptr;
  lane.graphs.run(N, where, step);
}

template <typename T>
void Model<T>::lane_ops(InferLane& lane, bool rows, int N, int R, T* logits_out) {
  const ModelConfig& c = cfg_;
  const int C = c.hidden_size, V = c.vocab_size;
  Scratch& s = lane.scratch;
  const T* W = params_.data();
  op_.embedding_forward(s.x0, lane.tokens, W + table_.embed(), N, C);
  T* x = s.x0;
  T* y = s.x1;
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    block_forward(l, lane.acts, x, y, lane.pos, N, nullptr, 0, &lane);
    std::swap(x, y);
  }
  // The LM head runs only on the rows whose logits are wanted.
  const T* last = x;
  if (rows) {
    op_.gather_rows(s.rows, x, lane.rows, R, C);
    last = s.rows;
  }
  op_.rmsnorm_forward(s.lnf, s.rstdf, last, W + table_.final_norm(), R, C,
                      static_cast<T>(c.rms_norm_eps));
  linear(logits_out, s.lnf, table_.lm_head(), nullptr, R, C, V, true);
}

template <typename T>
std::string Model<T>::graphs_off_why() const {
  if (!be_.graphs.available()) return cat("the ", be_.name, " backend has no graphs");
  if (decode_graphs_ == 0) return "turned off (set_decode_graphs)";
  if (decode_graphs_ < 0 && !be_.graphs.on_by_default)
    return cat("off by default on the ", be_.name, " backend (R1_CUDA_GRAPHS=1 turns them on)");
  for (int l = 0; l < cfg_.num_hidden_layers; ++l)
    if (cfg_.is_moe_layer(l)) return "MoE layers plan their routing on the host";
  return "";
}

template <typename T>
void Model<T>::set_lane_graphs(InferLane& lane) {
  const std::string why = graphs_off_why();
  if (why.empty())
    lane.graphs.use(be_.graphs);
  else
    lane.graphs.turn_off(why);
}

template <typename T>
void Model<T>::set_decode_graphs(bool on) {
  decode_graphs_ = on ? 1 : 0;
  for (auto& lane : lanes_) set_lane_graphs(*lane);
}

template <typename T>
DecodeGraphs::Stats Model<T>::decode_graph_stats() const {
  DecodeGraphs::Stats sum;
  for (const auto& lane : lanes_) {
    const DecodeGraphs::Stats& s = lane->graphs.stats();
    sum.recorded += s.recorded;
    sum.launched += s.launched;
    sum.op_by_op += s.op_by_op;
    sum.failed += s.failed;
    if (sum.off_why.empty()) sum.off_why = s.off_why;
  }
  if (lanes_.empty()) sum.off_why = graphs_off_why();
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Balancing

template <typename T>
void Model<T>::update_expert_bias(double gamma) {
  check_owns_weights("update_expert_bias");
  for (int l = 0; l < cfg_.num_hidden_layers; ++l) {
    if (load_[l].empty() || bias_n_[l] == 0) continue;
    op_.expert_bias_update(bias_.data() + bias_off_[l], load_[l].data(),
                           static_cast<int>(bias_n_[l]), gamma);
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
    const size_t at = out.size();
    out.resize(at + n);
    be_.mem.download(out.data() + at, acts_[l].r_idx, n * sizeof(int32_t));
  }
  return out;
}

template class Model<float>;
template class Model<double>;

}  // namespace r1
