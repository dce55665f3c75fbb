// Evaluates a model on suites of tasks: samples K completions per task through the same
// generation engine as rollouts (rollout/engine.h), verifies them with each task's verifier,
// and summarises pass@k, maj@K, format rate, response length and, optionally, greedy pass@1.
// Reproducible for a seed: completion k of task i samples from stream (seed, i * K + k).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "eval/majority_vote.h"
#include "model/chat_template.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "rollout/sampler.h"
#include "tasks/suite.h"
#include "verifiers/verifier.h"

namespace r1 {

struct EvalOptions {
  int samples = 1;          // K
  SamplingParams sampling;  // for the K samples
  int max_new_tokens = 256;
  uint64_t seed = 0;
  bool greedy = false;  // also one greedy completion per task
  ChatTemplate chat;
  std::vector<std::string> stop = {"</answer>"};
  int slots = 64;          // sequences decoded together
  int verify_threads = 0;  // 0: hardware concurrency
};

struct SampleOutcome {
  std::string completion;  // as verified: the chat template's completion prefix + generated text
  int tokens = 0;
  std::string finish_reason;
  Verdict verdict;
};

struct TaskOutcome {
  Task task;
  std::vector<SampleOutcome> samples;
  std::optional<SampleOutcome> greedy;
  VoteResult vote;
  int correct() const;
};

struct SuiteResult {
  SuiteSpec spec;
  int samples_per_task = 0;
  std::vector<TaskOutcome> tasks;
  double seconds = 0;
  // {"suite", "tasks", "samples_per_task", "pass@1": {"mean","se","lo","hi"}, "pass@k": {"1":..},
  //  "maj@K", "format_rate", "mean_response_tokens", "greedy_pass@1"?, "verifier_errors",
  //  "seconds", "per_task": {"n", "correct", "greedy"?}}
  json summary() const;
};

// An r1 eval report with no suites yet: {"model", "settings", "suites": []}.
json eval_report(const std::string& model_dir, const EvalOptions& opt);

class Evaluator {
 public:
  Evaluator(Model<float>& model, const Tokenizer& tokenizer, EvalOptions options);
  // Loads a suite and checks that every prompt fits the model; throws naming the task otherwise.
  std::vector<Task> prepare(const SuiteSpec& suite) const;
  // progress(done, total) is called as generations finish.
  SuiteResult run(const SuiteSpec& suite,
                  const std::function<void(size_t, size_t)>& progress = nullptr);
  // The same on a subset of the suite's tasks (e.g. without held-out problems); `suite` names them.
  // tasks[i] samples from the streams of task first_index + i, so that a list run in parts
  // (resumable rejection sampling) draws what it would have drawn whole.
  SuiteResult run(const SuiteSpec& suite, std::vector<Task> tasks,
                  const std::function<void(size_t, size_t)>& progress = nullptr,
                  uint64_t first_index = 0);

 private:
  void check_fits(const SuiteSpec& suite, const std::vector<Task>& tasks) const;

  Model<float>& model_;
  const Tokenizer& tok_;
  EvalOptions opt_;
};

}  // namespace r1
