#include "kernels/cuda/backend_cuda.h"

#include <cuda_runtime.h>

#include <map>
#include <mutex>

#include "kernels/cuda/backend_ops.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/device.h"
#include "kernels/cuda/ops.h"

namespace r1::cuda {
namespace {

void* device_alloc_bytes(size_t bytes) {
  if (bytes == 0) return nullptr;
  void* p = nullptr;
  if (cudaMalloc(&p, bytes) != cudaSuccess) {
    cudaGetLastError();
    throw std::bad_alloc();
  }
  check(cudaMemset(p, 0, bytes), "cudaMemset");
  return p;
}
void device_free_bytes(void* p) {
  if (p) cudaFree(p);
}
void device_zero(void* p, size_t bytes) {
  if (bytes) check(cudaMemset(p, 0, bytes), "cudaMemset");
}
void upload(void* dst, const void* src, size_t bytes) {
  if (bytes) check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "copy to device");
}
void download(void* dst, const void* src, size_t bytes) {
  if (bytes) check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "copy to host");
}
void device_copy(void* dst, const void* src, size_t bytes) {
  if (bytes && dst != src) check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice), "copy on device");
}

Backend<float> make_backend() {
  Backend<float> b;
  b.name = "cuda";
  Memory& m = b.mem;
  m.name = "cuda";
  m.host_addressable = false;
  m.alloc = device_alloc_bytes;
  m.free = device_free_bytes;
  m.zero = device_zero;
  m.upload = upload;
  m.download = download;
  m.copy = device_copy;
  Ops<float>& o = b.ops;
  o.gemm = gemm;
  o.linear_forward = linear_forward;
  o.linear_backward = linear_backward;
  o.add_inplace = add_inplace;
  o.scale_inplace = scale_inplace;
  o.split3 = split3;
  o.concat3 = concat3;
  o.gather_rows = gather_rows;
  o.embedding_forward = embedding_forward;
  o.embedding_backward = embedding_backward;
  o.rmsnorm_forward = rmsnorm_forward;
  o.rmsnorm_backward = rmsnorm_backward;
  o.swiglu_forward = swiglu_forward;
  o.swiglu_backward = swiglu_backward;
  o.rope_forward = rope_forward;
  o.rope_backward = rope_backward;
  o.attention_forward = attention_forward;
  o.attention_backward = attention_backward;
  o.mla_expand_kv = mla_expand_kv;
  o.mla_expand_kv_backward = mla_expand_kv_backward;
  o.kv_cache_write = kv_cache_write;
  o.attention_paged_forward = attention_paged_forward;
  o.router_forward = router_forward;
  o.router_backward = router_backward;
  o.dispatch_plan = dispatch_plan;
  o.moe_gather = moe_gather;
  o.moe_combine_forward = moe_combine_forward;
  o.moe_combine_backward = moe_combine_backward;
  o.moe_scatter_add = moe_scatter_add;
  o.expert_bias_update = expert_bias_update;
  o.logprobs_forward = logprobs_forward;
  o.logprobs_backward = logprobs_backward;
  o.softmax_entropy = softmax_entropy;
  o.adamw_update = adamw_update;
  o.clip_global_norm = clip_global_norm;
  o.sample_rows = sample_rows;
  return b;
}

}  // namespace

const Backend<float>& cuda_backend(int device) {
  static std::mutex mu;
  static int current = -1;
  static Backend<float> backend;
  std::lock_guard<std::mutex> lock(mu);
  const int count = device_count();
  if (count == 0) fail("cuda:", device, ": no CUDA GPU or driver on this machine");
  if (device < 0 || device >= count) fail("cuda:", device, ": no such GPU (this machine has ", count, ")");
  if (current >= 0 && current != device) {
    fail("cuda:", device, ": this process already runs on cuda:", current, " (one GPU per process for now)");
  }
  if (current < 0) {
    check(cudaSetDevice(device), "cudaSetDevice");
    backend = make_backend();
    current = device;
  }
  return backend;
}

}  // namespace r1::cuda
