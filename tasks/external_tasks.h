// Task sources in any language: a program that speaks JSON lines, like the external verifiers.
//
//   request  (one line on the program's stdin):   {"n": 16, "seed": 123, "difficulty": 2}
//   reply    (n lines on its stdout, flushed):    one task object per line:
//            {"prompt": "...", "answer": "...", "verifier"?: "...", "id"?: "...", "meta"?: {...}}
//
// The seed of batch b is derived from the stream's seed, the source's name and b, so a program
// that draws from its seed gives the same stream on every run and after a resume. The difficulty
// is the mix entry's fixed level, or the curriculum's level for the source's name. The program is
// started on first use and kept running; it is restarted when it dies or a request runs past
// timeout_ms. A line that is not a task is skipped and counted, and the first few are logged.
// After `attempts` failed requests in a row the source is unavailable for retry_after_s: the
// stream takes its tasks from the other sources of the mix meanwhile.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config_fields.h"
#include "core/line_process.h"
#include "tasks/task.h"

namespace r1 {

struct ExternalTaskOptions : FieldListed<ExternalTaskOptions> {
  std::vector<std::string> command;  // argv; a string runs through /bin/sh -c
  std::string name = "external";     // the family of its tasks and the curriculum's key
  std::string verifier;              // for tasks that name none ("" = they must name one)
  int batch = 16;                    // tasks per request
  int timeout_ms = 30000;            // per request
  int max_difficulty = 1;            // levels 1..N, passed through as "difficulty"
  int attempts = 3;                  // failed requests in a row before the source rests
  double retry_after_s = 30;         // how long it rests

  static const ConfigFields<ExternalTaskOptions>& fields();
};

// What went wrong so far, for metrics.jsonl ("task_sources").
struct ExternalTaskCounts {
  uint64_t requests = 0, tasks = 0, restarts = 0, timeouts = 0, crashes = 0, malformed = 0,
           unavailable = 0;
  std::string last_problem;
  json to_json() const;
};

class ExternalTaskFeed {
 public:
  ExternalTaskFeed(ExternalTaskOptions options, uint64_t stream_seed);
  ~ExternalTaskFeed();

  // The next task at `difficulty` (used when a new batch is requested), or nullopt while the
  // source is unavailable (it has just failed `attempts` times, or is resting).
  std::optional<Task> next(int difficulty);

  const ExternalTaskCounts& counts() const { return counts_; }
  const ExternalTaskOptions& options() const { return options_; }

  // {"batch": index of the batch being read, "difficulty": its level, "taken": tasks taken from
  // it}; load_state() refetches that batch on the next draw and skips what was taken.
  json state() const;
  void load_state(const json& j, const std::string& where);

 private:
  bool fetch(uint64_t batch, int difficulty);  // fills buffer_; false when the request failed
  void problem(const std::string& what);

  ExternalTaskOptions options_;
  uint64_t stream_seed_;
  std::unique_ptr<LineProcess> proc_;
  uint64_t next_batch_ = 0;  // index of the next batch to request
  int batch_difficulty_ = 0;
  uint64_t taken_ = 0;  // tasks taken from the current batch
  std::deque<Task> buffer_;
  uint64_t skip_on_fetch_ = 0;  // after load_state: tasks of the refetched batch already taken
  int failures_in_a_row_ = 0;
  bool answered_ = false;      // some request was ever answered
  int deaths_unanswered_ = 0;  // requests in a row the program died on before any answer
  double resting_until_ = 0;
  int malformed_shown_ = 0;
  ExternalTaskCounts counts_;
};

}  // namespace r1
