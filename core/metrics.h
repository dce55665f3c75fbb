// Metrics of a run: every logged step goes to <run>/metrics.jsonl (one JSON object per line) and,
// for each numeric field (nested objects are flattened with '/'), to a TensorBoard event file
// <run>/events.out.tfevents.<time>.<host>. On resume the JSONL is appended to and steps continue.
#pragma once
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

#include "core/json.h"

namespace r1 {

class TfEventWriter;

class MetricsSink {
 public:
  // Creates the run folder if needed. `resume` appends to an existing metrics.jsonl (dropping any
  // lines with step > resume_step, which a killed run may have written after its last checkpoint).
  explicit MetricsSink(const std::string& run_dir, bool resume = false, int64_t resume_step = -1);
  ~MetricsSink();
  // Writes {"step": step, ...fields} as one line and each numeric field as a TensorBoard scalar.
  void log(int64_t step, const json& fields);
  void flush();

 private:
  std::string dir_;
  std::ofstream jsonl_;
  std::unique_ptr<TfEventWriter> tb_;
};

}  // namespace r1
