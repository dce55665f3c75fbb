// The policy: a decoder-only MoE transformer (see model/config.h) with hand-written forward and
// backward passes over flat buffers, in the spirit of llm.c. T is float for real work and
// double for gradient checks.
//
// Training: forward(batch) returns per-token log-probs of the batch's targets and saves what
// backward needs; backward(dlogprobs) accumulates parameter gradients from dLoss/dlogprob.
// Inference: forward_cached() appends tokens to KV-cache slots and returns logits, for prefill
// and decode alike.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/arena.h"
#include "kernels/cpu/moe.h"
#include "kernels/cpu/rope.h"
#include "kernels/cpu/router.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "model/param_table.h"

namespace r1 {

template <typename T>
class Model {
 public:
  explicit Model(const ModelConfig& cfg);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const { return cfg_; }
  const ParamTable& table() const { return table_; }
  size_t num_params() const { return table_.total(); }
  T* params() { return params_.data(); }
  const T* params() const { return params_.data(); }
  // Gradients, laid out like params(). Allocated by the first zero_grad() or backward(), so a
  // model that only runs inference (generate, eval, rollout workers) never holds them; nullptr
  // before that.
  T* grads() { return grads_.data(); }
  const T* grads() const { return grads_.data(); }
  // Copies parameters and expert biases from a model of the same config (e.g. to make the
  // frozen reference policy); throws when the configs differ.
  void copy_weights_from(const Model& other);
  // A named tensor inside params(); throws naming it when absent.
  T* param(const std::string& name);

  // Per-expert selection bias of an MoE layer (E values; empty for dense layers and for
  // architectures without one, see ModelConfig::has_expert_bias).
  std::vector<float>& expert_bias(int layer) { return expert_bias_[layer]; }
  const std::vector<float>& expert_bias(int layer) const { return expert_bias_[layer]; }

  // Normal(0, initializer_range) for matrices and embeddings, 1 for norm weights, 0 for biases.
  // Each tensor draws from its own stream (seed, hash of its name), so the result does not
  // depend on tensor order.
  void init_weights(uint64_t seed);

  // ---- training ----
  // logprobs (N) under softmax(logits / temperature): GRPO's ratios must use the temperature the
  // rollouts were sampled with.
  void forward(const PackedBatch& batch, T* logprobs, double temperature = 1.0);
  void backward(const T* dlogprobs);                    // dlogprobs (N); accumulates grads
  void zero_grad();
  const T* logits() const { return logits_; }  // (N, V) of the last forward
  // Bytes of the activation arenas (training and inference) as planned so far.
  size_t activation_bytes() const { return train_arena_.capacity() + infer_arena_.capacity(); }
  void token_entropy(T* out) const;            // (N) softmax entropy of the last forward

  // ---- aux-loss-free balancing (DeepSeek-V3) ----
  // Tokens routed to each expert of each MoE layer by training forwards since the last reset.
  const std::vector<std::vector<int64_t>>& expert_load() const { return load_; }
  // bias_e += gamma * sign(mean load - load_e) for every MoE layer, then resets the counts.
  void update_expert_bias(double gamma);
  void reset_expert_load();
  // max/mean expert load over all MoE layers' counts (1.0 is perfect balance; 0 when no counts).
  double load_imbalance() const;

  // ---- inference ----
  struct CachedSeq {
    int slot;
    const int32_t* tokens;
    int n;
  };
  // Appends each entry's tokens to its slot (positions continue from the slot's length) and
  // writes logits for the last token of each entry, (entries, V), or for every appended token,
  // (sum n, V), when all_logits.
  void forward_cached(KVCache<T>& cache, const std::vector<CachedSeq>& entries, T* logits, bool all_logits = false);

  // Routing decisions (N, k) of each MoE layer in the last forward (for tests and metrics).
  std::vector<int32_t> last_routing() const;

 private:
  struct LayerActs;
  struct Scratch;
  void plan_train(int N, int S);
  void plan_infer(int N);
  void layout_layer(Arena& a, LayerActs& la, int N, int layer, bool train);
  void layout_scratch(Arena& a, Scratch& s, int N, bool train);
  // Runs block `l` on x_in (N, C) into x_out (N, C). With a cache, attention reads and appends
  // to it; otherwise it is causal attention over cu_seqlens.
  void block_forward(int l, LayerActs& la, const T* x_in, T* x_out, const int32_t* positions, int N,
                     const int32_t* cu_seqlens, int S, KVCache<T>* cache, const std::vector<CachedSeq>* entries);
  void attention_forward(int l, LayerActs& la, const int32_t* positions, int N, const int32_t* cu_seqlens, int S,
                         KVCache<T>* cache, const std::vector<CachedSeq>* entries);
  // From the normed block input la.ln1 to attention's q, k, v with RoPE applied, for grouped-query
  // (attention_gqa.cpp) or Multi-head Latent Attention (attention_mla.cpp); and back, from
  // scratch dq, dk, dv to parameter gradients and dln1.
  void gqa_project(int l, LayerActs& la, Scratch& s, const int32_t* positions, int N);
  void mla_project(int l, LayerActs& la, Scratch& s, const int32_t* positions, int N);
  void gqa_project_backward(int l, LayerActs& la, T* dln1, int N);
  void mla_project_backward(int l, LayerActs& la, T* dln1, int N);
  void ffn_forward(int l, LayerActs& la, T* out, int N, bool train);
  void block_backward(int l, LayerActs& la, T* dx, int N, int S);
  void ffn_backward(int l, LayerActs& la, const T* dout, T* dln2, int N);
  void attention_backward(int l, LayerActs& la, const T* datt_out, T* dln1, int N, int S);
  T attention_scale() const;

  ModelConfig cfg_;
  ParamTable table_;
  AlignedBuffer<T> params_, grads_;
  std::vector<std::vector<float>> expert_bias_;
  std::vector<std::vector<int64_t>> load_;
  cpu::RouterSpec router_;
  cpu::RopeTable<T> rope_;

  // Training activations (planned for the largest batch seen so far).
  Arena train_arena_;
  int train_cap_n_ = -1;
  std::vector<LayerActs> acts_;
  std::unique_ptr<Scratch> scratch_;
  const PackedBatch* batch_ = nullptr;  // the batch of the last forward
  std::vector<int32_t> cu_, pos_, targets_, tokens_;
  T* x_final_ = nullptr;  // (N, C)
  T* lnf_ = nullptr;      // (N, C)
  T* rstdf_ = nullptr;    // (N)
  T* logits_ = nullptr;   // (N, V)
  T* lse_ = nullptr;      // (N)
  int last_n_ = 0;
  T inv_temperature_ = 1;  // of the last forward

  // Inference scratch (one set of buffers shared by all layers).
  Arena infer_arena_;
  int infer_cap_n_ = -1;
  std::unique_ptr<LayerActs> infer_acts_;
  std::unique_ptr<Scratch> infer_scratch_;
};

extern template class Model<float>;
extern template class Model<double>;

}  // namespace r1
