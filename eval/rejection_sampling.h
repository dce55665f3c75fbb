// Rejection sampling, the data step of R1's second SFT round and of distillation: a model
// samples K completions per task, the tasks' own verifiers judge them, and the completions that
// are correct and well-formed are kept, at most M distinct ones per prompt, as SFT data
// ({"prompt", "completion"} lines that `r1 sft` reads, learner/sft_data.h).
//
// Kept:   verdict correct, format_ok (unless require_format is off), no verifier error, text that
//         is valid UTF-8 (a JSONL line must hold it exactly).
// Cut:    anything after the last "</answer>", and a trailing end-of-turn marker: the SFT target
//         (chat.sft_target) adds its own, so a kept line is shaped like a generated worked
//         solution. A completion the cut changes is judged again as cut, and kept only if it
//         still passes (an answer read from an unclosed last <answer> would not).
// Unique: two completions of one prompt are the same when they differ only in whitespace;
//         prompts are the same when equal up to runs of whitespace (prompt_key), across suites.
// Order:  samples in the order drawn (task i, sample k of stream (seed, i*K + k)): for a seed, the
//         same lines on every machine.
//
// Each line also carries its id, suite, verdict reason and the whole task: its {id, task,
// completion} is a record `r1 verify` re-judges.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/json.h"
#include "eval/evaluator.h"
#include "tasks/holdout.h"

namespace r1 {

struct RejectionOptions {
  EvalOptions
      eval;  // K = eval.samples (greedy is not used), sampling, budget, seed, chat template, slots
  int keep = 2;                // M: kept completions per prompt, >= 1
  bool require_format = true;  // keep only samples whose format is right
  std::string holdout;         // suites whose problems are never sampled (tasks/holdout.h)
  json sampler;                // names the model, so that a journal of another is not resumed
  int part_samples = 0;        // completions per journalled part; 0: max(1024, 16 x slots)
  bool keep_journal = false;   // leave the journal for the caller to remove (once it has
                               // recorded the result: a stop before then resumes at the end)
};

// What happened to the samples; "kept" lines went to the file.
struct RejectionStats {
  int64_t tasks = 0;     // tasks sampled on
  int64_t held_out = 0;  // tasks skipped because they are held-out problems
  int64_t samples = 0;
  int64_t correct = 0;          // correct verdicts (before the format and the other filters)
  int64_t wrong = 0;            // not correct
  int64_t bad_format = 0;       // correct but not well-formed (require_format)
  int64_t verifier_errors = 0;  // the verifier failed: neither kept nor counted as wrong
  int64_t invalid_text = 0;     // correct, but not valid UTF-8
  int64_t cut_fails = 0;        // correct, but no longer once cut after its last </answer>
  int64_t duplicates = 0;       // correct and well-formed, but already kept for this prompt
  int64_t over_cap = 0;         // distinct and correct, but the prompt already has M
  int64_t kept = 0;
  int64_t prompts_kept = 0;  // distinct prompts with at least one kept completion
  int64_t prompts = 0;       // distinct prompts among the tasks sampled on
  double seconds = 0;

  json to_json() const;
  static RejectionStats from_json(const json& j);  // throws on a missing field
};

// Judges a completion of a task again (the task's own verifier).
using Rejudge = std::function<Verdict(const Task&, const std::string&)>;

// The tasks' own verifiers, made once per name (not thread-safe: one filter, one thread).
Rejudge task_verifiers();

// The filter on its own (no model): offered samples in order, it says which to keep.
class RejectionFilter {
 public:
  RejectionFilter(int keep, bool require_format, ChatTemplate chat, Rejudge rejudge);
  // The line to write, or nothing. Counts every offered sample in stats().
  std::optional<json> offer(const Task& task, const SampleOutcome& sample,
                            const std::string& suite);
  const RejectionStats& stats() const { return stats_; }
  // The state after offers that kept `kept` (their lines, in order) and counted `stats`.
  void restore(const std::vector<json>& kept, const RejectionStats& stats);

 private:
  int keep_;
  bool require_format_;
  ChatTemplate chat_;
  Rejudge rejudge_;
  RejectionStats stats_;
  std::unordered_map<std::string, int> per_prompt_;  // prompt key -> kept
  std::unordered_set<std::string> seen_;             // prompt key + completion key
};

// The completion as an SFT line keeps it: cut after the last "</answer>" and of a trailing
// end-of-turn marker.
std::string trim_kept_completion(const std::string& completion, const ChatTemplate& chat);

// The journal of rejection_sample (below), "<out_path>.partial", and its removal (see
// RejectionOptions::keep_journal).
std::string rejection_journal_path(const std::string& out_path);
void remove_rejection_journal(const std::string& out_path);

// Samples every suite with `model`, filters, and writes the kept lines to `out_path` (JSONL,
// written atomically once all suites are done). progress(done, total, suite) as completions of a
// suite finish (a resumed suite's first report is where it resumed). Suites that do not fit the
// model throw before any sampling.
// Resumable: parts of about opt.part_samples completions are journalled in "<out_path>.partial"
// as they finish (appended and synced); a run killed midway continues after its last whole part
// (the same settings, else it throws naming the differences), drawing the same streams: with the
// same part size, the file is the one an unbroken run writes. The journal is removed once
// out_path is written, unless opt.keep_journal.
RejectionStats rejection_sample(
    Model<float>& model, const Tokenizer& tok, const std::vector<SuiteSpec>& suites,
    const RejectionOptions& opt, const std::string& out_path,
    const std::function<void(size_t, size_t, const std::string&)>& progress = nullptr);

}  // namespace r1
