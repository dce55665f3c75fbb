// CUDA graphs for the backend's Graphs table (kernels/backend.h): a host thread records its ops
// by stream capture, and a launch replays them as one graph.
//
// - Recording: the thread's ops go to a stream of its own (thread_stream(), non-blocking, so the
//   legacy stream that other threads use makes no implicit edge into it), captured in
//   thread-local mode: another thread's work is neither recorded nor refused meanwhile.
// - Refused: an op that cannot be recorded (op_capturable) and every memory function is refused
//   before it touches the device (backend_cuda.cu asks refused_while_recording()); the recording
//   then fails with its name, and the caller runs the step op by op.
// - Launch: on the legacy stream, so a graph runs in order with every thread's other work, as
//   the ops it holds would have.
// - Stale: a graph holds the addresses of the scratch its ops used (DeviceScratch, one set per
//   thread); launch refuses it on another thread, or once that thread's scratch was given back
//   (scratch_epoch moved).
// - Frozen: whatever an op decides on the host is recorded as decided, such as the attention
//   kernel R1_CUDA_ATTENTION picks or a cuBLASLt algorithm. Changing R1_CUDA_ATTENTION between
//   steps of a model whose decode graphs are on keeps the kernels it recorded.
#include <atomic>
#include <memory>
#include <string>

#include "kernels/backend.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/graphs.h"

namespace r1::cuda {

cudaStream_t& thread_stream() {
  thread_local cudaStream_t s = nullptr;
  return s;
}

uint64_t& scratch_epoch() {
  thread_local uint64_t e = 0;
  return e;
}

namespace {

struct Recording {
  cudaStream_t stream = nullptr;  // created once per thread, kept until the thread ends
  bool on = false;
  std::string refused;  // the first call that could not be recorded
  ~Recording() {
    if (stream) cudaStreamDestroy(stream);  // at thread exit; errors there have no one to go to
  }
};
Recording& recording() {
  thread_local Recording r;
  return r;
}

// A graph holds the recording thread's scratch: it is launched only from that thread, while
// that scratch is where it was.
struct Graph {
  cudaGraphExec_t exec = nullptr;
  uint64_t thread = 0;  // this_thread(): unlike std::thread::id, never reused
  uint64_t epoch = 0;
};

uint64_t this_thread() {
  static std::atomic<uint64_t> next{1};
  thread_local const uint64_t me = next++;
  return me;
}

void begin() {
  Recording& r = recording();
  if (r.on) fail("CUDA graphs: this thread is already recording");
  if (!r.stream)
    check(cudaStreamCreateWithFlags(&r.stream, cudaStreamNonBlocking), "cudaStreamCreate (graphs)");
  r.refused.clear();
  check(cudaStreamBeginCapture(r.stream, cudaStreamCaptureModeThreadLocal),
        "cudaStreamBeginCapture");
  r.on = true;
  thread_stream() = r.stream;
}

void* end(std::string* why) {
  Recording& r = recording();
  if (!r.on) fail("CUDA graphs: end() without begin()");
  r.on = false;
  thread_stream() = nullptr;
  cudaGraph_t g = nullptr;
  const uint64_t epoch = scratch_epoch();
  cudaError_t e = cudaStreamEndCapture(r.stream, &g);
  std::string reason;
  if (!r.refused.empty())
    reason = cat(r.refused, " cannot be recorded");
  else if (e != cudaSuccess)
    reason = cat("stream capture failed: ", cudaGetErrorString(e));
  cudaGraphExec_t exec = nullptr;
  if (reason.empty()) {
    e = cudaGraphInstantiate(&exec, g, 0);
    if (e != cudaSuccess) reason = cat("cudaGraphInstantiate: ", cudaGetErrorString(e));
  }
  if (g) cudaGraphDestroy(g);
  if (!reason.empty()) {
    cudaGetLastError();  // a failed capture's error is not the next call's
    if (why) *why = reason;
    return nullptr;
  }
  return new Graph{exec, this_thread(), epoch};
}

bool launch(void* graph) {
  auto* g = static_cast<Graph*>(graph);
  if (g->thread != this_thread() || g->epoch != scratch_epoch()) return false;
  check(cudaGraphLaunch(g->exec, thread_stream()), "cudaGraphLaunch");
  return true;
}

void destroy(void* graph) {
  std::unique_ptr<Graph> g(static_cast<Graph*>(graph));
  if (g->exec) cudaGraphExecDestroy(g->exec);
}

}  // namespace

bool refused_while_recording(const char* what) {
  Recording& r = recording();
  if (!r.on) return false;
  if (r.refused.empty()) r.refused = what;
  return true;
}

bool graphs_wanted() {
  const char* v = std::getenv("R1_CUDA_GRAPHS");
  if (!v || !*v || std::strcmp(v, "0") == 0) return false;
  if (std::strcmp(v, "1") == 0) return true;
  fail("R1_CUDA_GRAPHS='", v, "': use 1 (decode steps replay as CUDA graphs) or 0");
}

Graphs graphs_table() {
  Graphs t;
  t.begin = begin;
  t.end = end;
  t.launch = launch;
  t.destroy = destroy;
  return t;
}

}  // namespace r1::cuda
