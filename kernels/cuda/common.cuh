// Shared helpers of the CUDA backend's kernels: error checks, block reductions, launch sizes.
#pragma once
#include <cuda_runtime.h>

#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace r1::cuda {

inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) fail("CUDA ", what, ": ", cudaGetErrorString(e));
}
inline void check_launch(const char* what) { check(cudaGetLastError(), what); }

// The stream this host thread's kernels, copies and library calls go to: the legacy default
// stream (0), on which every thread's work queues in one order (the shared weights rely on it,
// model/weights_share.h), except while the thread records a graph (graphs.cu): then the stream
// being captured.
cudaStream_t& thread_stream();
inline cudaStream_t stream() {
  return thread_stream();
}

// Counts the times the calling thread's scratch memory (DeviceScratch, one set per thread) was
// given back: a graph the thread recorded before holds addresses that may be gone, and graphs.cu
// does not launch it (the caller records it again).
uint64_t& scratch_epoch();

// R1_CUDA_ATTENTION, read at each call (tests set it): "" lets each case take its fastest
// attention kernels; mma, wmma, tiled or rows forces those where they apply. Anything else is an
// error naming the variable, not a silent fallback.
inline const char* attention_override() {
  const char* m = std::getenv("R1_CUDA_ATTENTION");
  if (!m || !*m) return "";
  for (const char* ok : {"mma", "wmma", "tiled", "rows"})
    if (std::strcmp(m, ok) == 0) return m;
  fail("R1_CUDA_ATTENTION='", m, "': use mma, wmma, tiled or rows, or leave it unset");
}

// Device memory that grows as needed and is kept for the next call: the scratch of ops, one per
// host thread and use. Ops of all threads queue on the one default stream, so a buffer is free
// again for its thread's next call once that call is queued; growing frees the old buffer, and
// cudaFree waits for the kernels that still read it.
class DeviceScratch {
 public:
  DeviceScratch() = default;
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;
  ~DeviceScratch() {
    if (p_) {
      cudaFree(p_);  // at thread exit; errors there have no one to go to
    }
  }
  void* get(size_t bytes) {
    if (bytes > bytes_) {
      if (p_) {
        check(cudaFree(p_), "cudaFree (scratch)");
        ++scratch_epoch();
      }
      p_ = nullptr;
      bytes_ = 0;
      check(cudaMalloc(&p_, bytes), "cudaMalloc (scratch)");
      bytes_ = bytes;
    }
    return p_;
  }
  template <typename T>
  T* as(size_t n) {
    return static_cast<T*>(get(n * sizeof(T)));
  }

 private:
  void* p_ = nullptr;
  size_t bytes_ = 0;
};

inline unsigned blocks_for(size_t n, unsigned threads = 256) {
  return static_cast<unsigned>((n + threads - 1) / threads);
}

// A reduction over the 32 lanes of a warp (all of them active); every lane gets the result.
template <typename Op>
__device__ inline float warp_reduce(float v, Op op) {
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Block-wide reductions of one value per thread (blockDim.x a multiple of 32, at most 1024).
// Every thread gets the result.
template <typename Op>
__device__ inline float block_reduce(float v, Op op, float identity) {
  __shared__ float partial[32];
  v = warp_reduce(v, op);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  const int warps = blockDim.x >> 5;
  v = threadIdx.x < warps ? partial[threadIdx.x] : identity;
  if (warp == 0) {
    v = warp_reduce(v, op);
    if (lane == 0) partial[0] = v;
  }
  __syncthreads();
  const float total = partial[0];
  __syncthreads();  // partial is reused by the next call
  return total;
}

struct SumOp {
  __device__ float operator()(float a, float b) const { return a + b; }
};
struct MaxOp {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};
__device__ inline float warp_sum(float v) { return warp_reduce(v, SumOp{}); }
__device__ inline float block_sum(float v) { return block_reduce(v, SumOp{}, 0.f); }
__device__ inline float block_max(float v) { return block_reduce(v, MaxOp{}, -FLT_MAX); }

}  // namespace r1::cuda
