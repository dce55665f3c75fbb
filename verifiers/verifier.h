// The Verifier interface: verify(task, completion) -> Verdict. A verifier never throws on model
// output and never hangs: any bytes produce a verdict. Verifiers register by name.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "tasks/task.h"

namespace r1 {

struct Verdict {
  double score = 0.0;  // in [0, 1]
  bool correct = false;
  bool format_ok = false;
  std::string reason;  // short, machine-friendly ("ok", "wrong_answer", "timeout", ...)
  json details = json::object();
  // True when the verifier itself failed (timeout of an external verifier, crash, unparseable
  // gold answer): the sample is not a wrong answer and must not be scored as one.
  bool verifier_error = false;
  // A verifier failure the gold control showed to be the completion's, scored 0
  // (verify_guarded): counted apart, so that a verifier failing on many answers shows.
  bool scored_by_control = false;
  json to_json() const;
  // The verifier itself failed: `reason`, with `message` in details.error.
  static Verdict verifier_failure(const std::string& reason, const std::string& message);
};

// Optional in Verdict::details: [[begin, end], ...], byte ranges [begin, end) of the completion
// that the verifier found wrong (the step verifier's false claims). A reward component's
// span_penalty (reward/reward_config.h) takes advantage off the tokens inside them.
inline constexpr const char* kWrongSpans = "wrong_spans";

// Optional in Verdict::details: an object the learner gets with the sample (the self-play
// verifiers' computed triplet: at most about 250 KiB at their options' limits). It rides in the
// scored message's header, which has a size cap (transport.max_message_mb.scored): the reward
// function refuses one whose JSON is larger than kMaxLearnerDataBytes as a verifier failure,
// bad_learner_data, and the reward service drops the largest where a group's still do not fit
// (fit_scored_message), rather than let a verifier's data stop the reward role.
inline constexpr const char* kLearnerData = "learner_data";
inline constexpr size_t kMaxLearnerDataBytes = 1 << 20;

// Optional in Verdict::details: the answer as this verifier read it, a string. Two samples of
// one task whose keys are equal gave the same answer, so maj@K (eval/majority_vote.h) votes by
// it, and by the verifier's reading rather than a reading of its own ("She makes $18." is 18
// to the math verifier). The math verifier's key is the answer's normal form, which the vote
// compares by value; other built-ins give answer_key_of(text). A verdict without a key votes
// by its <answer> text.
inline constexpr const char* kAnswerKey = "answer_key";
// A key for `text`: the text itself when short, else its first bytes and a hash of the whole,
// so that a long program or output costs a bounded number of bytes in every verdict.
std::string answer_key_of(std::string_view text);

class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual std::string name() const = 0;
  virtual Verdict verify(const Task& task, const std::string& completion) = 0;
};

// Runs v.verify for callers that must survive a broken (user) verifier, such as a training run
// or an eval: an escaping exception becomes a verifier-error verdict ("verifier_threw"), and so
// does a score outside [0, 1] or not finite ("score_out_of_range"); a plugin's plugin_error and
// plugin_bad_verdict, an external program's external_timeout, external_crashed and
// external_bad_reply, a plugin's or program's own verifier_error, the python verifier's
// verifier_exception and harness_error are such failures too. Unless the failure was the
// completion's (gold_control below): then it scores 0 with that reason, scored_by_control set.
// A verifier error drops the sample, which a policy could use to escape a penalty. On a task
// without a gold nothing tells whose failure it was, and it stays an error.
Verdict verify_guarded(Verifier& v, const Task& task, const std::string& completion);

// The control that tells a completion's failure from the verifier's or the task's: the task's
// gold answer as a completion (`<answer>gold</answer>`), for a python task its reference
// solution (meta.canonical_solution) in a fence, or "" when the task has neither. When the same
// verifier judges the control correct, it can read this task and its scorer works, so a
// failure on another completion is that completion's.
std::string gold_control(const Task& task);

// A failure (a verifier-error verdict) that the gold control showed to be the completion's:
// the same reason and details, scored 0 as a wrong answer, with details.scored saying why.
Verdict completions_failure(const Verdict& failure);

}  // namespace r1
