// The backend seam: where the model, optimizer and generator get their memory and run their ops.
//
// A Backend<T> is two tables of plain function pointers (ggml's backend idea, in llm.c's
// pointer-and-shape style):
//   - Memory: allocate, free, zero, and copy between the host and the backend's own memory.
//     Every buffer a Model, AdamW, KVCache or GenerationEngine owns comes from here; code outside the
//     backend reads or writes such buffers only through upload/download (or the owners' copy
//     calls built on them), never by dereferencing, unless `host_addressable` says it may.
//   - Ops<T>: every op those owners run, forward and backward, on pointers into backend memory
//     with the shapes written beside each entry. Shapes and small plans (DispatchPlan, RouterSpec,
//     RopeLayout, AdamWHyper, SamplingSpec) are host values passed by reference.
//
// kernels/cpu/backend_cpu.cpp fills both tables with the reference ops of kernels/cpu for float
// and double; Backend<double> exists only there (Model<double> is the finite-difference
// reference and stays on the CPU). A device backend fills the same tables with its kernels and
// is tested op by op against the CPU one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "kernels/cpu/adamw.h"
#include "kernels/cpu/linear_packed.h"
#include "kernels/cpu/moe.h"
#include "kernels/cpu/rope.h"
#include "kernels/cpu/router.h"
#include "kernels/cpu/sampling.h"

namespace r1 {

struct Memory {
  const char* name = "";
  bool host_addressable = false;  // true: backend pointers may be dereferenced on the host
  void* (*alloc)(size_t bytes) = nullptr;  // zero-filled; nullptr for 0 bytes; throws bad_alloc
  void (*free)(void* p) = nullptr;
  void (*zero)(void* p, size_t bytes) = nullptr;
  void (*upload)(void* dst, const void* host_src, size_t bytes) = nullptr;
  void (*download)(void* host_dst, const void* src, size_t bytes) = nullptr;
  void (*copy)(void* dst, const void* src, size_t bytes) = nullptr;  // within the backend
};

// Shapes: N rows (tokens), C input width, OC output width, V vocabulary, H query heads, KVH
// key/value heads, Dqk/Dv head sizes, E experts, k experts per token, S sequences. Every
// pointer is backend memory unless marked (host).
template <typename T>
struct Ops {
  // ---- dense algebra ----
  // C (M, N) = alpha op(A) op(B) + beta C, row-major with leading dimensions.
  void (*gemm)(bool trans_a, bool trans_b, int M, int N, int K, T alpha, const T* A, int lda, const T* B, int ldb,
               T beta, T* C, int ldc);
  // out (N, OC) = inp (N, C) W^T (W is (OC, C)) + bias (OC, optional).
  void (*linear_forward)(T* out, const T* inp, const T* W, const T* bias, int N, int C, int OC);
  void (*linear_backward)(T* dinp, T* dW, T* dbias, const T* dout, const T* inp, const T* W, int N, int C, int OC,
                          bool accumulate_dinp);
  // Linears on weights packed once (decode): Wp holds packed_linear_size(C, OC) values in the
  // backend's own layout (kernels/cpu/linear_packed.h for the CPU), written by pack_linear.
  // transposed: W is stored (C, OC). Rows of out and inp are ldo and ldi apart; accumulate:
  // out += inp @ W^T (no bias).
  void (*pack_linear)(T* Wp, const T* W, int C, int OC, bool transposed);
  void (*linear_forward_packed)(T* out, int ldo, const T* inp, int ldi, const T* Wp, const T* bias,
                                int N, int C, int OC, bool accumulate);

  // ---- elementwise and layout ----
  void (*add_inplace)(T* y, const T* x, size_t n);  // y (n) += x (n): the residual adds
  void (*scale_inplace)(T* x, size_t n, T s);       // x (n) *= s: temperature on logits
  // Splits src (N, a + b + c) into a (N, a), b (N, b), c (N, c) column blocks, and back.
  void (*split3)(T* a, int wa, T* b, int wb, T* c, int wc, const T* src, int N);
  void (*concat3)(T* dst, const T* a, int wa, const T* b, int wb, const T* c, int wc, int N);
  // dst (R, C) = src rows (R indices (backend), into src (?, C)).
  void (*gather_rows)(T* dst, const T* src, const int32_t* rows, int R, int C);
  // dst (rows, cols) = src (rows, cols), each with its own leading dimension (ldd, lds >= cols).
  void (*copy_2d)(T* dst, int ldd, const T* src, int lds, int rows, int cols);

  // ---- embedding, norms, activations, rope ----
  void (*embedding_forward)(T* out, const int32_t* ids, const T* wte, int N, int C);
  void (*embedding_backward)(T* dwte, const T* dout, const int32_t* ids, int N, int C);  // scatter-add
  void (*rmsnorm_forward)(T* out, T* rstd, const T* inp, const T* w, int N, int C, T eps);
  void (*rmsnorm_backward)(T* dinp, T* dw, const T* dout, const T* inp, const T* w, const T* rstd, int N, int C,
                           bool accumulate_dinp);
  void (*swiglu_forward)(T* out, const T* gu, int N, int I);  // gu (N, 2I) -> out (N, I)
  void (*swiglu_backward)(T* dgu, const T* dout, const T* gu, int N, int I);
  // In place on x (N, H heads of D at layout.stride); cos, sin (max_pos, D/2).
  void (*rope_forward)(T* x, const int32_t* pos, int N, int H, int D, const T* cos, const T* sin, int max_pos,
                       cpu::RopeLayout layout);
  void (*rope_backward)(T* dx, const int32_t* pos, int N, int H, int D, const T* cos, const T* sin, int max_pos,
                        cpu::RopeLayout layout);

  // ---- attention ----
  // Causal attention over packed sequences (cu_seqlens (S+1)): out (N, H*Dv), lse (N, H).
  // prefix_of (S) or null: the sequence whose tokens each sequence also sees first (-1: none).
  void (*attention_forward)(T* out, T* lse, const T* q, const T* k, const T* v,
                            const int32_t* cu_seqlens, const int32_t* prefix_of, int S, int H,
                            int KVH, int Dqk, int Dv, T scale);
  void (*attention_backward)(T* dq, T* dk, T* dv, const T* dout, const T* out, const T* lse,
                             const T* q, const T* k, const T* v, const int32_t* cu_seqlens,
                             const int32_t* prefix_of, int S, int H, int KVH, int Dqk, int Dv,
                             T scale);
  // Multi-head Latent Attention's per-head keys and values: k (N, H, Dn+Dr) = [kvb nope | kpe],
  // v (N, H, Dv) from kvb (N, H, Dn+Dv) and the shared rope key kpe (N, Dr); and back (dkpe sums
  // over heads).
  void (*mla_expand_kv)(T* k, T* v, const T* kvb, const T* kpe, int N, int H, int Dn, int Dr, int Dv);
  void (*mla_expand_kv_backward)(T* dkvb, T* dkpe, const T* dk, const T* dv, int N, int H, int Dn, int Dr, int Dv);
  // Paged KV cache: pools (blocks, block_size, K) and (blocks, block_size, V); block_table
  // (slots, max_blocks) of pool block ids; token n belongs to slot seq_of[n] at position pos[n].
  void (*kv_cache_write)(T* k_pool, T* v_pool, const T* k, const T* v, const int32_t* block_table, int max_blocks,
                         int block_size, const int32_t* seq_of, const int32_t* pos, int N, int K, int V);
  // Decode/prefill attention: query row n attends over its slot's first kv_len[n] cached tokens.
  // v_row: values between cached value rows (KVH * Dv; KVH * Dqk with v_pool = k_pool reads
  // each value as the first Dv of its key row, MLA's latent).
  void (*attention_paged_forward)(T* out, const T* q, const T* k_pool, const T* v_pool, int v_row,
                                  const int32_t* block_table, int max_blocks, int block_size,
                                  const int32_t* seq_of, const int32_t* kv_len, int N, int H,
                                  int KVH, int Dqk, int Dv, T scale);

  // ---- mixture of experts ----
  // scores (N, E), idx (N, k), w (N, k) from logits (N, E) and the selection bias (E, optional).
  void (*router_forward)(T* scores, int32_t* idx, T* w, const T* logits, const float* bias,
                         const cpu::RouterSpec& spec, int N);
  void (*router_backward)(T* dlogits, const T* dw, const T* scores, const int32_t* idx, const cpu::RouterSpec& spec,
                          int N);
  // Sorts the N*k (token, expert) pairs by expert into plan (host): the per-expert counts come
  // to the host here, once per layer.
  void (*dispatch_plan)(cpu::DispatchPlan& plan, const int32_t* idx, int N, int k, int E);
  void (*moe_gather)(T* xs, const T* x, const cpu::DispatchPlan& plan, int C);
  void (*moe_combine_forward)(T* out, const T* ys, const T* w, const cpu::DispatchPlan& plan, int C, bool accumulate);
  void (*moe_combine_backward)(T* dys, T* dw, const T* dout, const T* ys, const T* w, const cpu::DispatchPlan& plan,
                               int C);
  void (*moe_scatter_add)(T* dx, const T* dxs, const cpu::DispatchPlan& plan, int C);
  // bias (E) += gamma * sign(mean(load) - load_e); load (E, host) counts routed tokens.
  void (*expert_bias_update)(float* bias, const int64_t* load, int E, double gamma);

  // ---- loss ----
  // lp (N) = log softmax(logits (N, V))[targets]; lse (N). Targets < 0 give 0.
  void (*logprobs_forward)(T* lp, T* lse, const T* logits, const int32_t* targets, int N, int V);
  void (*logprobs_backward)(T* dlogits, const T* dlp, const T* logits, const T* lse, const int32_t* targets, int N,
                            int V);
  void (*softmax_entropy)(T* ent, const T* logits, const T* lse, int N, int V);

  // ---- optimizer ----
  void (*adamw_update)(T* p, const T* g, T* m, T* v, size_t n, const cpu::AdamWHyper& h, long t);
  double (*clip_global_norm)(T* g, size_t n, double max_norm);  // returns the norm before clipping

  // ---- sampling ----
  // One token per row of logits (R, V): tokens (R, host), logprobs (R, host), each row drawing
  // from its own generator rngs[r] (host).
  void (*sample_rows)(int32_t* tokens, float* logprobs, const float* logits, int R, int V,
                      const cpu::SamplingSpec& spec, Rng* const* rngs);
};

// Every entry of Ops, for code that treats them alike (tests that check a table is complete or
// wrap each op).
#define R1_BACKEND_OPS(X)                                                                            \
  X(gemm) X(linear_forward) X(linear_backward) X(pack_linear) X(linear_forward_packed) X(add_inplace) \
  X(scale_inplace) X(split3) X(concat3) X(gather_rows) X(embedding_forward) X(embedding_backward)     \
  X(rmsnorm_forward) X(rmsnorm_backward) X(swiglu_forward) X(swiglu_backward) X(rope_forward)        \
  X(rope_backward) X(attention_forward) X(attention_backward) X(mla_expand_kv)                       \
  X(mla_expand_kv_backward) X(kv_cache_write) X(attention_paged_forward) X(router_forward)           \
  X(router_backward) X(dispatch_plan) X(moe_gather) X(moe_combine_forward) X(moe_combine_backward)   \
  X(moe_scatter_add) X(expert_bias_update) X(logprobs_forward) X(logprobs_backward)                  \
  X(softmax_entropy) X(adamw_update) X(clip_global_norm) X(sample_rows) X(copy_2d)

// Ops that cannot be recorded into a graph (Graphs below): they read or write host memory (the
// MoE dispatch plan and the ops that take it, the expert load, the gradient norm, sampled
// tokens), or wait for the device (training attention reads its token count). Memory functions
// cannot be recorded either. A recording that meets one of them fails, and the caller runs the
// step op by op instead.
bool op_capturable(const char* op);
const std::vector<std::string>& ops_not_capturable();  // their names, as in R1_BACKEND_OPS

// Recorded op sequences (CUDA graphs): a step whose ops, shapes and buffer addresses repeat is
// recorded once and replayed, with whatever its buffers hold at each launch, for one launch in
// place of a few hundred. All members null: the backend has none.
struct Graphs {
  // Starts recording the calling thread's ops: from here until end() they are recorded, not run.
  void (*begin)() = nullptr;
  // Stops recording. Returns the graph, or nullptr when the recording failed (an op or memory
  // call that cannot be recorded, a kernel error); *why then says what.
  void* (*end)(std::string* why) = nullptr;
  // Runs a graph's ops again, in order with the calling thread's other work. False, running
  // nothing, when the graph is stale: scratch memory it used inside the backend was given back
  // since it was recorded. The caller records it again.
  bool (*launch)(void* graph) = nullptr;
  void (*destroy)(void* graph) = nullptr;
  // Whether models use them unless told (Model::set_decode_graphs); CUDA's are off by default
  // until they have run on a GPU (R1_CUDA_GRAPHS=1 turns them on, docs/gpu.md).
  bool on_by_default = false;
  bool available() const { return begin != nullptr; }
};

template <typename T>
struct Backend {
  const char* name = "";
  // Ops run on the calling host thread and parallelise inside with OpenMP: independent rows may
  // instead be split across host threads, each calling ops of its own (Model::forward_cached
  // does so for batched decode). False for device backends, whose ops queue on one stream.
  bool host_threads = false;
  // Decode reads packed weights (pack_linear) for one row too, not only for several: true where a
  // packed copy is cheaper to read than W itself for any N (CUDA's bf16 copy: half the bytes, no
  // cast per call). The CPU's one-row product reads W as it is, faster than its packed layout.
  bool pack_single_rows = false;
  Memory mem;
  Ops<T> ops;
  Graphs graphs;
};

// The reference backend: host memory, kernels/cpu ops.
template <typename T>
const Backend<T>& cpu_backend();

// The reference backend with graphs (kernels/cpu/backend_graphs.cpp): a recording keeps each op
// call with its arguments as they were (as a CUDA graph keeps a kernel's), and a launch runs the
// calls again. Like a device backend it runs ops on the calling thread only (host_threads
// false). It exists so that the CPU can prove a recorded step gives what running it op by op
// gives: a step that changed an argument between two calls without recording again would not.
const Backend<float>& cpu_backend_with_graphs();

// One allocation in a backend's memory, of n elements of T, freed with it; or a view of another
// buffer's allocation (view_of), which frees nothing.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(const Memory& mem) : mem_(&mem) {}
  ~DeviceBuffer() { reset(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept { swap(o); }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    swap(o);
    return *this;
  }

  void set_memory(const Memory& mem) {
    reset();
    mem_ = &mem;
  }
  // Zero-filled storage for n elements (the old contents are discarded).
  void resize(size_t n) {
    reset();
    data_ = static_cast<T*>(mem_->alloc(n * sizeof(T)));
    size_ = n;
  }
  // Reads and writes `owner`'s elements in place: the same memory, no copy. `owner` must keep
  // its allocation while this view lives.
  void view_of(DeviceBuffer& owner) {
    reset();
    mem_ = owner.mem_;
    data_ = owner.data_;
    size_ = owner.size_;
    owned_ = false;
  }
  bool is_view() const { return !owned_; }
  void reset() {
    if (data_ && owned_) mem_->free(data_);
    data_ = nullptr;
    size_ = 0;
    owned_ = true;
  }
  void zero() {
    if (size_) mem_->zero(data_, size_ * sizeof(T));
  }
  void upload(const T* host, size_t offset, size_t n) { mem_->upload(data_ + offset, host, n * sizeof(T)); }
  void download(T* host, size_t offset, size_t n) const { mem_->download(host, data_ + offset, n * sizeof(T)); }
  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Memory& memory() const { return *mem_; }

 private:
  void swap(DeviceBuffer& o) {
    std::swap(mem_, o.mem_);
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(owned_, o.owned_);
  }
  const Memory* mem_ = nullptr;
  T* data_ = nullptr;
  size_t size_ = 0;
  bool owned_ = true;
};

}  // namespace r1
