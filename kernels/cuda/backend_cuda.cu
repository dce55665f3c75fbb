#include "kernels/cuda/backend_cuda.h"

#include <cuda_runtime.h>

#include <atomic>
#include <map>
#include <mutex>

#include "kernels/cuda/backend_ops.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/device.h"
#include "kernels/cuda/gemm_bf16.h"
#include "kernels/cuda/graphs.h"
#include "kernels/cuda/op_profile.h"
#include "kernels/cuda/ops.h"

namespace r1::cuda {
namespace {

// The process's GPU (cuda_backend's `device`). The CUDA runtime's current device belongs to each
// host thread, and a new thread starts on device 0; so every entry point of the backend (its
// memory functions and, through OnDevice, every op) makes the process's GPU current on the
// calling thread, once per thread. Without it an embedded run on cuda:1 ran its learner and
// rollout threads, started after the backend was chosen, on cuda:0.
std::atomic<int> the_device{0};
void on_this_thread() {
  thread_local int bound = -1;
  const int d = the_device.load(std::memory_order_relaxed);
  if (bound != d) {
    check(cudaSetDevice(d), "cudaSetDevice");
    bound = d;
  }
}
// While the thread records a graph (graphs.cu), an op that cannot be recorded is not called: the
// recording fails naming it.
template <int I, typename F>
struct OnDevice;
template <int I, typename R, typename... A>
struct OnDevice<I, R (*)(A...)> {
  static inline R (*target)(A...) = nullptr;
  static inline const char* label = nullptr;
  static inline bool capturable = true;  // op_capturable(label), asked once
  static R call(A... a) {
    on_this_thread();
    if (!capturable && refused_while_recording(label)) return R{};
    return target(a...);
  }
};

void* device_alloc_bytes(size_t bytes) {
  if (bytes == 0) return nullptr;
  on_this_thread();
  if (refused_while_recording("alloc")) throw std::bad_alloc();
  void* p = nullptr;
  if (cudaMalloc(&p, bytes) != cudaSuccess) {
    cudaGetLastError();
    throw std::bad_alloc();
  }
  check(cudaMemset(p, 0, bytes), "cudaMemset");
  return p;
}
void device_free_bytes(void* p) {
  on_this_thread();
  if (refused_while_recording("free")) return;
  if (p) cudaFree(p);
}
void device_zero(void* p, size_t bytes) {
  on_this_thread();
  if (refused_while_recording("zero")) return;
  if (bytes) check(cudaMemset(p, 0, bytes), "cudaMemset");
}
void upload(void* dst, const void* src, size_t bytes) {
  on_this_thread();
  if (refused_while_recording("upload")) return;
  if (bytes) check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "copy to device");
}
void download(void* dst, const void* src, size_t bytes) {
  on_this_thread();
  if (refused_while_recording("download")) return;
  if (bytes) check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "copy to host");
}
void device_copy(void* dst, const void* src, size_t bytes) {
  on_this_thread();
  if (refused_while_recording("copy")) return;
  if (bytes && dst != src) check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice), "copy on device");
}

// BF16 is a template parameter so that each precision's profiled wrappers are types of their own.
template <bool BF16>
Backend<float> make_backend() {
  Backend<float> b;
  b.name = BF16 ? "cuda-bf16" : "cuda";
  b.pack_single_rows = true;  // a packed copy is W itself (fp32) or its bf16 cast
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
  // Every op of the table has a function of the same name in r1::cuda (backend_ops.h, ops.h).
#define R1_SET_OP(name) o.name = name;
  R1_BACKEND_OPS(R1_SET_OP)
#undef R1_SET_OP
  if (BF16) {
    o.gemm = gemm_bf16;
    o.linear_forward = linear_forward_bf16;
    o.linear_backward = linear_backward_bf16;
    o.pack_linear = pack_linear_bf16;
    o.linear_forward_packed = linear_forward_packed_bf16;
    o.attention_forward = attention_forward_bf16;
    o.attention_backward = attention_backward_bf16;
  }
  // Every op runs on the process's GPU, whichever thread calls it.
#define R1_ON_DEVICE_OP(op_)                                     \
  {                                                              \
    using W = OnDevice<2 * __COUNTER__ + BF16, decltype(o.op_)>; \
    W::target = o.op_;                                           \
    W::label = #op_;                                             \
    W::capturable = op_capturable(#op_);                         \
    o.op_ = &W::call;                                            \
  }
  R1_BACKEND_OPS(R1_ON_DEVICE_OP)
#undef R1_ON_DEVICE_OP
  if (profiling()) {  // R1_CUDA_PROFILE=1: every op timed (op_profile.h)
#define R1_PROFILE_OP(op_)                                  \
  {                                                         \
    using P = Profiled<2 * __COUNTER__ + BF16, decltype(o.op_)>; \
    P::target = o.op_;                                      \
    P::label = #op_;                                        \
    o.op_ = &P::call;                                       \
  }
    R1_BACKEND_OPS(R1_PROFILE_OP)
#undef R1_PROFILE_OP
  }
  // Graphs, used by default when asked for (R1_CUDA_GRAPHS=1); never while profiling: the
  // profiler synchronises around every op, which a recording cannot hold.
  if (!profiling()) {
    b.graphs = graphs_table();
    b.graphs.begin = [] {  // the capture stream is made on the process's GPU
      on_this_thread();
      graphs_table().begin();
    };
    b.graphs.on_by_default = graphs_wanted();
  }
  return b;
}

}  // namespace

const Backend<float>& cuda_backend(int device, Precision precision) {
  static std::mutex mu;
  static int current = -1;
  static Backend<float> fp32, bf16;
  std::lock_guard<std::mutex> lock(mu);
  const int count = device_count();
  if (count == 0) fail("cuda:", device, ": no CUDA GPU or driver on this machine");
  if (device < 0 || device >= count) fail("cuda:", device, ": no such GPU (this machine has ", count, ")");
  if (current >= 0 && current != device) {
    fail("cuda:", device, ": this process already runs on cuda:", current, " (one GPU per process for now)");
  }
  if (current < 0) {
    the_device = device;
    check(cudaSetDevice(device), "cudaSetDevice");
    fp32 = make_backend<false>();
    bf16 = make_backend<true>();
    current = device;
  }
  return precision == Precision::bf16 ? bf16 : fp32;
}

}  // namespace r1::cuda
