// Which ops a graph may hold (kernels/backend.h, op_capturable): the rule every backend's graphs
// follow, the CPU's recorder (kernels/cpu/backend_graphs.cpp) and CUDA's (kernels/cuda/graphs.cu).
#include <string>
#include <vector>

#include "kernels/backend.h"

namespace r1 {

const std::vector<std::string>& ops_not_capturable() {
  // Each reads or writes host memory during the call, or waits for the device.
  static const std::vector<std::string> kNot = {
      "dispatch_plan",  // the plan comes back to the host
      "moe_gather",     // these four upload the plan (CUDA)
      "moe_combine_forward", "moe_combine_backward", "moe_scatter_add",
      "expert_bias_update",  // reads the load from the host
      "clip_global_norm",    // returns the norm
      "sample_rows",         // tokens and log-probs come back
      "attention_forward",   // training attention reads its token count on the host (CUDA)
      "attention_backward",
  };
  return kNot;
}

bool op_capturable(const char* op) {
  for (const std::string& n : ops_not_capturable())
    if (n == op) return false;
  return true;
}

}  // namespace r1
