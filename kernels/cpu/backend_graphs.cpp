// The CPU backend with graphs (kernels/backend.h, cpu_backend_with_graphs): every op and memory
// function of the reference backend is wrapped; while the calling thread records, an op call is
// kept with copies of its arguments instead of running, and anything that cannot be recorded
// (op_capturable, the memory functions) fails the recording. A graph's launch runs the kept calls
// in order. The rules are the CUDA backend's (kernels/cuda/graphs.cu), so a step that records
// and replays correctly here has the shape a CUDA graph needs: what the model passes (addresses,
// shapes, host values) is frozen here as there. What an op decides inside, on the host, is not:
// a launch here runs each op's host code again (CUDA keeps the kernels, scratch and algorithms
// it recorded), and launches are never stale. Those parts are checked on a GPU only.
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "core/error.h"
#include "kernels/backend.h"

namespace r1 {

namespace {

struct Recording {
  std::vector<std::function<void()>> calls;
  std::string failed;  // the first call that could not be recorded
};
thread_local Recording* recording = nullptr;

void refuse(const char* what) {
  if (recording->failed.empty()) recording->failed = what;
}

template <int I, typename F>
struct Recorded;
template <int I, typename R, typename... A>
struct Recorded<I, R (*)(A...)> {
  static inline R (*target)(A...) = nullptr;
  static inline const char* label = nullptr;
  static R call(A... a) {
    if (!recording) return target(a...);
    if constexpr (!std::is_void_v<R>) {  // a result the host would read now
      refuse(label);
      return R{};
    } else {
      if (!op_capturable(label)) return refuse(label);
      // Copies of the arguments, as a graph keeps a kernel's parameters: pointers by value
      // (what they point to is read at launch), host structs passed by reference by value.
      recording->calls.push_back(
          [args = std::tuple<std::decay_t<A>...>(a...)]() mutable { std::apply(target, args); });
    }
  }
};

template <int I, typename... A>
struct RecordedMemory {
  static inline void (*target)(A...) = nullptr;
  static inline const char* label = nullptr;
  static void call(A... a) {
    if (recording) return refuse(label);
    target(a...);
  }
};

// Puts RecordedMemory in place of a memory function.
template <int I, typename... A>
void refuse_while_recording(void (*&fn)(A...), const char* label) {
  using W = RecordedMemory<I, A...>;
  W::target = fn;
  W::label = label;
  fn = &W::call;
}

void* alloc_unless_recording(size_t bytes) {
  if (recording) {
    refuse("alloc");
    return nullptr;
  }
  return cpu_backend<float>().mem.alloc(bytes);
}

void begin() {
  if (recording) fail("graphs: this thread is already recording");
  recording = new Recording;
}

void* end(std::string* why) {
  if (!recording) fail("graphs: end() without begin()");
  std::unique_ptr<Recording> r(recording);
  recording = nullptr;
  if (!r->failed.empty()) {
    if (why) *why = cat(r->failed, " cannot be recorded");
    return nullptr;
  }
  return r.release();
}

bool launch(void* graph) {
  for (auto& c : static_cast<Recording*>(graph)->calls) c();
  return true;
}

void destroy(void* graph) {
  delete static_cast<Recording*>(graph);
}

Backend<float> make() {
  Backend<float> b = cpu_backend<float>();
  b.name = "cpu-graphs";
  b.host_threads = false;
  Ops<float>& o = b.ops;
#define R1_RECORD_OP(op_)                             \
  {                                                   \
    using W = Recorded<__COUNTER__, decltype(o.op_)>; \
    W::target = o.op_;                                \
    W::label = #op_;                                  \
    o.op_ = &W::call;                                 \
  }
  R1_BACKEND_OPS(R1_RECORD_OP)
#undef R1_RECORD_OP
  Memory& m = b.mem;
  m.alloc = alloc_unless_recording;
  refuse_while_recording<0>(m.free, "free");
  refuse_while_recording<1>(m.zero, "zero");
  refuse_while_recording<2>(m.upload, "upload");
  refuse_while_recording<3>(m.download, "download");
  refuse_while_recording<4>(m.copy, "copy");
  b.graphs.begin = begin;
  b.graphs.end = end;
  b.graphs.launch = launch;
  b.graphs.destroy = destroy;
  b.graphs.on_by_default = true;
  return b;
}

}  // namespace

const Backend<float>& cpu_backend_with_graphs() {
  static const Backend<float> b = make();
  return b;
}

}  // namespace r1
