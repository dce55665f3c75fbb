// Turns one completion into a scalar reward: runs every configured verifier, sums
// weight * score, adds the overlong penalty, and keeps the per-component breakdown.
//
// Verifier errors (an unparseable gold answer, a crashed external verifier, a sandbox
// failure) are carried through, not turned into a 0 here (verify_guarded scores a failure 0 only
// when the task's gold answer passes the same verifier, verifier.h): when a component with a
// nonzero weight reports verifier_error, `reward` is empty and `verifier_error` is set. The learner
// must then drop the sample from its group (compute the group's advantages over the other
// samples; drop the group when fewer than two remain) and count it in its metrics. A steady
// stream of them is a bug to fix, not a signal to learn from.
//
// score() is safe to call from several threads at once.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/rl_messages.h"
#include "reward/reward_config.h"
#include "verifiers/verifier.h"

namespace r1 {

struct ComponentResult {
  std::string name;
  std::string verifier;  // the verifier that ran (the task's own one for "task")
  double weight = 0.0;
  Verdict verdict;
};

struct RewardResult {
  std::optional<double> reward;  // empty when verifier_error
  bool verifier_error = false;
  // A component with a weight or span penalty scored a verifier failure 0 after the gold
  // control (Verdict::scored_by_control).
  bool scored_by_control = false;
  // From the primary component's verdict.
  bool correct = false;
  bool format_ok = false;
  std::string verifier;
  std::string reason;
  json details = json::object();
  double overlong_penalty = 0.0;  // already weighted and included in reward
  std::vector<ComponentResult> components;
  // Byte ranges of the scored text whose tokens lose advantage: every span a component with a
  // span_penalty had its verdict mark wrong, with that penalty (the learner adds them up).
  std::vector<PenaltySpan> penalties;

  // {"reward", "correct", "format_ok", "verifier", "reason", "details", "verifier_error"?,
  //  "overlong_penalty"?, "penalties"?: [[begin, end, value], ...], "components": {name:
  //  {"verifier", "weight", "score", "correct", "format_ok", "reason", "verifier_error"?}}}
  json to_json(bool with_components = true) const;
};

// The spans of a text scored as `prefix_bytes` bytes of prefix + text (a completion prefix the
// chat template put in the prompt), as byte ranges of the text alone: spans inside the prefix go,
// a span that starts in it is cut at the text's start.
std::vector<PenaltySpan> spans_after_prefix(const std::vector<PenaltySpan>& spans,
                                            size_t prefix_bytes);

class RewardFunction {
 public:
  // Makes the configured verifiers now, so a bad config fails before any work.
  explicit RewardFunction(RewardConfig config);
  ~RewardFunction();

  // completion_tokens is needed when the config has an overlong penalty (throws otherwise:
  // that is a caller bug, not model output).
  RewardResult score(const Task& task, const std::string& completion,
                     std::optional<int64_t> completion_tokens = std::nullopt) const;

  const RewardConfig& config() const { return config_; }

 private:
  // The verifier for a task's own verifier name, made on first use.
  Verifier* task_verifier(const std::string& name, std::string* error) const;

  RewardConfig config_;
  std::vector<std::unique_ptr<Verifier>> fixed_;  // per component; null for "task"
  mutable std::mutex mu_;
  mutable std::map<std::string, std::unique_ptr<Verifier>> by_task_name_;
};

}  // namespace r1
