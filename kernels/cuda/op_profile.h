// Where a step's time goes on the GPU, op by op. With R1_CUDA_PROFILE=1 in the environment,
// cuda_backend() wraps every op of its table (backend_cuda.cu): the device is synchronised
// before and after each call, and the wall time between is added to the op's row. Synchronising
// serialises the host and the GPU, so a profiled run is slower than a plain one, most of all
// where launches are small: read the shares, not the totals. bench_cuda reports the rows.
#pragma once
#include <string>
#include <vector>

namespace r1::cuda {

struct OpTime {
  std::string op;
  long calls = 0;
  double seconds = 0;
};

bool profiling();                    // R1_CUDA_PROFILE=1
void profile_reset();                // clears every row
std::vector<OpTime> profile_rows();  // the rows so far, longest first

// Times one op call (the device synchronised at both ends).
class OpTimer {
 public:
  explicit OpTimer(const char* op);
  ~OpTimer();

 private:
  const char* op_;
  double t0_;
};

// The wrapper put in the table in place of an op. I makes each op's wrapper its own type.
template <int I, typename F>
struct Profiled;
template <int I, typename R, typename... A>
struct Profiled<I, R (*)(A...)> {
  static inline R (*target)(A...) = nullptr;
  static inline const char* label = nullptr;
  static R call(A... a) {
    OpTimer t(label);
    return target(a...);
  }
};

}  // namespace r1::cuda
