// The policy: a decoder-only MoE transformer (see model/config.h) with hand-written forward and
// backward passes over flat buffers, in the spirit of llm.c. T is float for real work and
// double for gradient checks.
//
// Training: forward(batch) returns per-token log-probs of the batch's targets and saves what
// backward needs; backward(dlogprobs) accumulates parameter gradients from dLoss/dlogprob.
// Inference: forward_cached() appends tokens to KV-cache slots and returns logits, for prefill
// and decode alike.
//
// Every buffer (parameters, gradients, activations, the rope table) comes from the Backend the
// model is built with, and every op runs through its op table (kernels/backend.h); the CPU
// backend is the default and the reference. Pointers the model hands out (params(), grads(),
// logits(), param()) are backend memory: dereference them on the host only when
// backend().mem.host_addressable; otherwise copy with read_params/write_params.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/arena.h"
#include "kernels/backend.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/decode_graphs.h"
#include "model/kv_cache.h"
#include "model/param_table.h"

namespace r1 {

template <typename T>
class Model {
 public:
  // Model<double> runs on the CPU backend only: it is the finite-difference reference.
  explicit Model(const ModelConfig& cfg, const Backend<T>& backend = cpu_backend<T>());
  // A model that reads `owner`'s parameters and expert biases in place, with no copy of its own
  // (an embedded run's rollout workers and learner on one GPU, run/roles.cpp): same config and
  // backend; activations, KV cache and decode's packed copies stay its own. `owner` must outlive
  // it and is the only writer: write_params, set_expert_bias, init_weights, copy_weights_from and
  // update_expert_bias throw here. Readers and the writer take turns through a WeightsShare
  // (model/weights_share.h).
  static std::unique_ptr<Model> sharing_weights_of(Model& owner);
  bool shares_weights() const { return params_.is_view(); }
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const { return cfg_; }
  const ParamTable& table() const { return table_; }
  const Backend<T>& backend() const { return be_; }
  size_t num_params() const { return table_.total(); }
  T* params() {  // writable: the owner's alone (sharing_weights_of)
    check_owns_weights("params");
    return params_.data();
  }
  const T* params() const { return params_.data(); }
  // Gradients, laid out like params(). Allocated by the first zero_grad() or backward(), so a
  // model that only runs inference (generate, eval, rollout workers) never holds them; nullptr
  // before that.
  T* grads() { return grads_.data(); }
  const T* grads() const { return grads_.data(); }
  // Copies parameters and expert biases from a model of the same config (e.g. to make the
  // frozen reference policy); throws when the configs differ.
  void copy_weights_from(const Model& other);
  // A named tensor inside params(); throws naming it when absent (and on a model
  // sharing_weights_of, which may not write).
  T* param(const std::string& name);
  // Copies n parameters starting at flat offset `offset` (see table()) to or from the host: how
  // checkpoints, weight publishing and Hugging Face import/export reach the parameters.
  void read_params(T* host, size_t offset, size_t n) const;
  void write_params(const T* host, size_t offset, size_t n);

  // Per-expert selection bias of an MoE layer (E values; empty for dense layers and for
  // architectures without one, see ModelConfig::has_expert_bias), copied to or from the host.
  std::vector<float> expert_bias(int layer) const;
  void set_expert_bias(int layer, const std::vector<float>& bias);

  // Normal(0, initializer_range) for matrices and embeddings, 1 for norm weights, 0 for biases.
  // Each tensor draws from its own stream (seed, hash of its name), so the result does not
  // depend on tensor order.
  void init_weights(uint64_t seed);

  // ---- training ----
  // logprobs (N, host) under softmax(logits / temperature): GRPO's ratios must use the
  // temperature the rollouts were sampled with. A sequence with a temperature of its own in
  // batch.temperature is divided by that one instead.
  void forward(const PackedBatch& batch, T* logprobs, double temperature = 1.0);
  void backward(const T* dlogprobs);  // dlogprobs (N, host); accumulates grads
  void zero_grad();
  // (N, V, backend memory) of the last forward, when its LM head ran in one piece (below).
  const T* logits() const;
  // Bytes of the activation arenas (training and inference) as planned so far.
  size_t activation_bytes() const;
  void token_entropy(T* out) const;  // (N, host) softmax entropy of the last forward

  // The LM head in training holds at most this many logits (and as many of their gradient) at a
  // time: past it, forward and backward run the head in chunks of rows, and backward computes
  // each chunk's logits again (an LM-head GEMM more) instead of keeping N x V of them (20 GB in
  // fp32 for 32k tokens of a 150k vocabulary). Tests lower it to run the chunks on tiny models.
  static constexpr size_t kHeadLogitsValues = size_t{1} << 26;  // 256 MB in fp32
  // On a device backend (GPU memory, not the host's): 1 GB in fp32, fewer chunks, so fewer casts
  // and passes over the LM head's weight and gradient.
  static constexpr size_t kHeadLogitsValuesDevice = size_t{1} << 28;
  void set_head_logits_values(size_t n);
  int head_rows(int N) const;  // rows of one chunk for N tokens

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
  // Appends each entry's tokens (host) to its slot (positions continue from the slot's length)
  // and writes logits (backend memory) for the last token of each entry, (entries, V), or for
  // every appended token, (sum n, V), when all_logits. The cache must come from this backend.
  void forward_cached(KVCache<T>& cache, const std::vector<CachedSeq>& entries, T* logits,
                      bool all_logits = false);

  // Decode on weights packed once: while a DecodeWeights lives, forward_cached's linears read
  // copies packed when it was made (pack_linear; GenerationEngine::generate holds one per call).
  // Nothing may change the parameters meanwhile (the copies would be stale); training and
  // forward() never read them. Holds nest; the buffer is kept for the next one.
  class DecodeWeights {
   public:
    explicit DecodeWeights(Model& m);
    ~DecodeWeights();
    DecodeWeights(const DecodeWeights&) = delete;
    DecodeWeights& operator=(const DecodeWeights&) = delete;

   private:
    Model& m_;
  };

  // Routing decisions (N, k) of each MoE layer in the last forward (for tests and metrics).
  std::vector<int32_t> last_routing() const;

  // Decode steps as recorded graphs where the backend has them (Backend::graphs;
  // model/decode_graphs.h), for models whose every layer is dense (a MoE layer plans its routing
  // on the host). Unless set, the backend's default (Graphs::on_by_default). Off runs every step
  // op by op, as before.
  void set_decode_graphs(bool on);
  // Summed over the inference lanes; off_why is the first lane's that has one, or why graphs are
  // off.
  DecodeGraphs::Stats decode_graph_stats() const;

 private:
  Model(const ModelConfig& cfg, const Backend<T>& backend, Model* weights_of);
  void check_owns_weights(const char* what) const;  // throws on a model sharing_weights_of
  struct LayerActs;
  struct Scratch;
  struct InferLane;
  void plan_train(int N, int S);
  void plan_infer(InferLane& lane, int N);
  void head_logits(int r0, int n);  // logits_ = the head's chunk of rows [r0, r0 + n)
  // The last forward's head ran in more than one chunk (its N x V logits were not kept).
  bool head_chunked() const { return head_rows_used_ < last_n_; }
  // Runs N tokens (host arrays: ids, positions, cache slots, attended lengths) through the model
  // on one lane and writes the logits (R, V) of `rows` (host, R indices), or of all N rows when
  // rows is nullptr.
  void forward_lane(InferLane& lane, KVCache<T>& cache, const int32_t* table, const int32_t* tokens,
                    const int32_t* positions, const int32_t* slot_of, const int32_t* kv_len,
                    const int32_t* rows, int N, int R, T* logits_out);
  // forward_lane's ops alone (no host values read or written): the part a graph records.
  void lane_ops(InferLane& lane, bool rows, int N, int R, T* logits_out);
  void set_lane_graphs(InferLane& lane);  // the lane's graphs on or off, as the model allows
  // forward_cached gives each host thread a lane of its own only when each gets this many rows.
  static constexpr int kMinRowsPerLane = 4;
  void layout_layer(Arena& a, LayerActs& la, int N, int layer, bool train);
  void layout_scratch(Arena& a, Scratch& s, int N, bool train);
  // Runs block `l` on x_in (N, C) into x_out (N, C). With an inference lane, attention reads and
  // appends to its KV cache; otherwise (lane nullptr) it is causal attention over cu_seqlens.
  void block_forward(int l, LayerActs& la, const T* x_in, T* x_out, const int32_t* positions, int N,
                     const int32_t* cu_seqlens, int S, InferLane* lane);
  void attention_forward(int l, LayerActs& la, const int32_t* positions, int N,
                         const int32_t* cu_seqlens, int S, InferLane* lane);
  // RoPE in place with the model's table (backend memory).
  void rope(T* x, const int32_t* pos, int N, int H, int D, cpu::RopeLayout layout = {});
  void rope_backward(T* dx, const int32_t* pos, int N, int H, int D, cpu::RopeLayout layout = {});
  // From the normed block input la.ln1 to attention's q, k, v with RoPE applied, for grouped-query
  // (attention_gqa.cpp) or Multi-head Latent Attention (attention_mla.cpp); and back, from
  // scratch dq, dk, dv to parameter gradients and dln1.
  // infer: decode (forward_cached), whose linears may read packed weights.
  void gqa_project(int l, LayerActs& la, Scratch& s, const int32_t* positions, int N, bool infer);
  void mla_latent(int l, LayerActs& la, Scratch& s, const int32_t* positions, int N, bool infer);
  void mla_project(int l, LayerActs& la, Scratch& s, const int32_t* positions, int N);
  void mla_attention_cached(int l, LayerActs& la, InferLane& lane, const int32_t* positions, int N);
  void gqa_project_backward(int l, LayerActs& la, T* dln1, int N);
  void mla_project_backward(int l, LayerActs& la, T* dln1, int N);
  void ffn_forward(int l, LayerActs& la, T* out, int N, bool train);
  void block_backward(int l, LayerActs& la, T* dx, int N, int S);
  void ffn_backward(int l, LayerActs& la, const T* dout, T* dln2, int N);
  void attention_backward(int l, LayerActs& la, const T* datt_out, T* dln1, int N, int S);
  T attention_scale() const;
  // out (N, OC) = inp (N, C) @ W^T (+ bias) for the weight matrix at parameter offset w: its
  // packed copy when `infer` and decode weights are held (decode_weights.cpp), else
  // linear_forward on the parameters. accumulate: out += (no bias).
  void linear(T* out, const T* inp, size_t w, const T* bias, int N, int C, int OC, bool infer,
              bool accumulate = false);
  void pack_decode_weights();
  // The packed copy of the (OC x C) weight at parameter offset w while decode weights are held,
  // else null.
  const T* packed_weight(size_t w, int C, int OC) const;
  // MLA's kv_b_proj, per head: the key rows W_UK (Dn, Rkv) and the value rows W_UV (Dv, Rkv).
  size_t mla_w_uk(int l, int h) const {
    return table_.layer(l).kv_b +
           static_cast<size_t>(h) * (cfg_.qk_nope_head_dim + cfg_.v_head_dim) * cfg_.kv_lora_rank;
  }
  size_t mla_w_uv(int l, int h) const {
    return mla_w_uk(l, h) + static_cast<size_t>(cfg_.qk_nope_head_dim) * cfg_.kv_lora_rank;
  }

  const float* bias_of(int layer) const {  // nullptr without a selection bias
    return bias_n_[layer] > 0 ? bias_.data() + bias_off_[layer] : nullptr;
  }

  const Backend<T>& be_;
  const Ops<T>& op_;
  ModelConfig cfg_;
  ParamTable table_;
  DeviceBuffer<T> params_, grads_;
  DeviceBuffer<float> bias_;                // the selection biases of all MoE layers, flat
  std::vector<size_t> bias_off_, bias_n_;   // per layer: offset into bias_, E or 0
  std::vector<std::vector<int64_t>> load_;  // (host) tokens per expert, from the dispatch plans
  cpu::RouterSpec router_;
  DeviceBuffer<T> rope_cos_, rope_sin_;  // (max_position_embeddings, rope_dim / 2)

  // Training activations (planned for the largest batch seen so far).
  Arena train_arena_;
  int train_cap_n_ = -1;
  std::vector<LayerActs> acts_;
  std::unique_ptr<Scratch> scratch_;
  std::vector<int32_t> cu_host_;  // the last forward's cu_seqlens, on the host
  int32_t *cu_ = nullptr, *pos_ = nullptr, *targets_ = nullptr,
          *tokens_ = nullptr;  // (S+1), (N), (N), (N)
  int32_t* prefix_ = nullptr;  // (S) the batch's prefix_of
  int32_t* prefix_of_ = nullptr;  // prefix_ when the last forward had shared prefixes, else null
  T* x_final_ = nullptr;       // (N, C)
  T* lnf_ = nullptr;           // (N, C)
  T* rstdf_ = nullptr;         // (N)
  T* logits_ = nullptr;        // (head_rows(N), V): the head's logits, one chunk at a time
  T* lse_ = nullptr;           // (N)
  T *lp_ = nullptr, *dlp_ = nullptr,
    *ent_ = nullptr;  // (N) each: log-probs, their gradient, entropy
  int last_n_ = 0;
  // The last forward's rows [begin, end) whose logits were divided by a temperature other than
  // 1 (1 / temperature in inv), one run per stretch of sequences that share one.
  struct TemperatureRun {
    int begin = 0, end = 0;
    T inv = 1;
  };
  std::vector<TemperatureRun> temperature_runs_;
  void scale_by_temperature(T* rows, int r0, int n);  // rows (n, V) are rows r0.. of the batch
  size_t head_values_ = kHeadLogitsValues;
  int head_rows_used_ = 0;      // rows per chunk of the last forward's head (backward uses the same)

  // Inference: one lane per host thread that decodes a share of the rows (lanes_[0] alone on
  // backends that are not the host's, or for few rows). Each lane owns its scratch buffers.
  std::vector<std::unique_ptr<InferLane>> lanes_;

  // Packed copies of every linear forward_cached runs, while decode weights are held.
  struct PackedLinear {
    size_t at;  // offset in packed_
    int C, OC;
    bool transposed;  // W is stored (C, OC)
  };
  DeviceBuffer<T> packed_;
  std::unordered_map<size_t, PackedLinear> packed_at_;  // parameter offset -> its packed copy
  int decode_holds_ = 0;
  int decode_graphs_ = -1;  // set_decode_graphs: 1 on, 0 off, -1 the backend's default
  // Why this model's decode steps run op by op ("" when they can be graphs).
  std::string graphs_off_why() const;
};

extern template class Model<float>;
extern template class Model<double>;

}  // namespace r1
