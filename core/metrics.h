// Metrics of a run: every logged step goes to <run>/metrics.jsonl (one JSON object per line) and,
// for each numeric field (nested objects are flattened with '/'), to a TensorBoard event file
// <run>/events.out.tfevents.<time>.<host>. On resume the JSONL is appended to and steps continue.
// TensorBoard tags: nested objects are flattened with '/' ({"time": {"train": 1}} -> "time/train"),
// arrays by index ("expert_load/0", "expert_load/1", ...), bools as 0/1; strings and nulls only
// go to the JSONL. Every line and event is flushed as it is logged, so a killed run loses nothing
// it has logged. One thread logs.
#pragma once
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"

namespace r1 {

class TfEventWriter;

class MetricsSink {
 public:
  // Creates the run folder if needed. `resume` appends to an existing metrics.jsonl (dropping any
  // lines with step > resume_step, which a killed run may have written after its last checkpoint;
  // so resume_step = -1 drops them all). The file is rewritten atomically, and lines that do not
  // parse (a line cut short by a kill) are dropped too. A new event file is started either way;
  // on resume it begins with a restart marker so TensorBoard hides the old file's steps above
  // resume_step. Without `resume`, an existing metrics.jsonl is truncated.
  explicit MetricsSink(const std::string& run_dir, bool resume = false, int64_t resume_step = -1);
  ~MetricsSink();
  // Writes {"step": step, ...fields} as one line and each numeric field as a TensorBoard scalar.
  // fields must be an object without a "step" key (Error otherwise).
  void log(int64_t step, const json& fields);
  void flush();
  const std::string& jsonl_path() const { return jsonl_path_; }
  std::string event_file_path() const;

 private:
  std::string dir_, jsonl_path_;
  std::ofstream jsonl_;
  std::unique_ptr<TfEventWriter> tb_;
};

// Rewrites the JSONL file at `path` (when there is one) atomically with only its lines of
// "step" <= resume_step: what a killed run wrote past its last checkpoint goes, and lines a kill
// cut short too (logged with their count).
void trim_jsonl_to_step(const std::string& path, int64_t resume_step);

// The TensorBoard scalars of a value: (prefix or prefix/key..., number) pairs, as described above.
void flatten_scalars(const json& value, const std::string& prefix, std::vector<std::pair<std::string, double>>& out);

}  // namespace r1
