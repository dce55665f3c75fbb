// The reference backend: host memory from the aligned allocator, and the kernels/cpu ops.
#include <cstring>

#include "core/arena.h"
#include "kernels/backend.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/embedding.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/linear.h"
#include "kernels/cpu/linear_packed.h"
#include "kernels/cpu/logprobs.h"
#include "kernels/cpu/mla.h"
#include "kernels/cpu/rmsnorm.h"
#include "kernels/cpu/swiglu.h"
#include "kernels/cpu/tensor_ops.h"

namespace r1 {
namespace {

void* host_alloc(size_t bytes) {
  void* p = aligned_alloc_bytes(bytes);
  if (p) std::memset(p, 0, bytes);
  return p;
}
void host_free(void* p) { std::free(p); }
void host_zero(void* p, size_t bytes) {
  if (bytes) std::memset(p, 0, bytes);
}
void host_copy(void* dst, const void* src, size_t bytes) {
  if (bytes && dst != src) std::memmove(dst, src, bytes);
}

Memory host_memory() {
  Memory m;
  m.name = "cpu";
  m.host_addressable = true;
  m.alloc = host_alloc;
  m.free = host_free;
  m.zero = host_zero;
  m.upload = host_copy;
  m.download = host_copy;
  m.copy = host_copy;
  return m;
}

template <typename T>
Backend<T> make_cpu_backend() {
  Backend<T> b;
  b.name = "cpu";
  b.host_threads = true;
  b.mem = host_memory();
  Ops<T>& o = b.ops;
  o.gemm = cpu::gemm<T>;
  o.linear_forward = cpu::linear_forward<T>;
  o.linear_backward = cpu::linear_backward<T>;
  o.pack_linear = cpu::pack_linear<T>;
  o.linear_forward_packed = cpu::linear_forward_packed<T>;
  o.add_inplace = cpu::add_inplace<T>;
  o.scale_inplace = cpu::scale_inplace<T>;
  o.split3 = cpu::split3<T>;
  o.concat3 = cpu::concat3<T>;
  o.gather_rows = cpu::gather_rows<T>;
  o.copy_2d = cpu::copy_2d<T>;
  o.embedding_forward = cpu::embedding_forward<T>;
  o.embedding_backward = cpu::embedding_backward<T>;
  o.rmsnorm_forward = cpu::rmsnorm_forward<T>;
  o.rmsnorm_backward = cpu::rmsnorm_backward<T>;
  o.swiglu_forward = cpu::swiglu_forward<T>;
  o.swiglu_backward = cpu::swiglu_backward<T>;
  o.rope_forward = cpu::rope_forward<T>;
  o.rope_backward = cpu::rope_backward<T>;
  o.attention_forward = cpu::attention_forward<T>;
  o.attention_backward = cpu::attention_backward<T>;
  o.mla_expand_kv = cpu::mla_expand_kv<T>;
  o.mla_expand_kv_backward = cpu::mla_expand_kv_backward<T>;
  o.kv_cache_write = cpu::kv_cache_write<T>;
  o.attention_paged_forward = cpu::attention_paged_forward<T>;
  o.router_forward = cpu::router_forward<T>;
  o.router_backward = cpu::router_backward<T>;
  o.dispatch_plan = cpu::dispatch_plan;
  o.moe_gather = cpu::moe_gather<T>;
  o.moe_combine_forward = cpu::moe_combine_forward<T>;
  o.moe_combine_backward = cpu::moe_combine_backward<T>;
  o.moe_scatter_add = cpu::moe_scatter_add<T>;
  o.expert_bias_update = cpu::expert_bias_update;
  o.logprobs_forward = cpu::logprobs_forward<T>;
  o.logprobs_backward = cpu::logprobs_backward<T>;
  o.softmax_entropy = cpu::softmax_entropy<T>;
  o.adamw_update = cpu::adamw_update<T>;
  o.clip_global_norm = cpu::clip_global_norm<T>;
  o.sample_rows = cpu::sample_rows;
  return b;
}

}  // namespace

template <typename T>
const Backend<T>& cpu_backend() {
  static const Backend<T> backend = make_cpu_backend<T>();
  return backend;
}

template const Backend<float>& cpu_backend<float>();
template const Backend<double>& cpu_backend<double>();

}  // namespace r1
