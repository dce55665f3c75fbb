// Checks of a rollout or scored group against what this run can produce, beyond its wire
// format (rl_messages.h checks that). A peer that answers tasks with made-up groups (token ids
// outside the vocabulary, NaN rewards, texts that are not the tokens) must not poison training:
// the reward service checks each rollout before scoring it, and the learner checks each scored
// group against the task it sent for that seq before using it. Each check throws MessageError
// naming the first problem; the caller drops the group and counts it on its channel.
//
// What these checks cannot see: which worker a task went to (the tasks PUSH socket does not
// say), and believable made-up rewards. Keeping unknown peers off the channels is the job of
// the transport's CurveZMQ keys (core/transport_keys.h).
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/rl_messages.h"

namespace r1 {

// Sampling can round a log-prob of a certain token a hair above 0.
inline constexpr float kMaxLogprob = 1e-4f;

struct RolloutLimits {
  int group_size = 1;      // G: sampled completions in every group (a guide sample comes on top)
  int vocab_size = 0;      // token ids lie in [0, vocab_size)
  int max_new_tokens = 0;  // tokens of one completion
  int max_positions = 0;   // prompt plus completion
  // The run's tokenizer: when set, every sample's text must be the decoding of its tokens
  // (decode_completion: less an end-of-sequence or end-of-turn token that ends them), so that what
  // the verifiers score is what the learner trains on.
  std::function<std::string(const std::vector<int32_t>&)> decode;
  // A guide sample's text from its task's guide: the run's chat template's completion_of (the
  // solution less the completion_prefix the prompt ends with); unset: the guide as it is.
  std::function<std::string(const std::string&)> guide_text;
  // Scored groups: every reward lies in this range (the reward config's, reward_range()).
  double reward_min = -std::numeric_limits<double>::infinity();
  double reward_max = std::numeric_limits<double>::infinity();
  // Scored samples: the penalty on any byte, summed over the spans that cover it, lies in
  // (0, max_span_penalty], the sum of the reward config's span_penalty (0: no spans allowed).
  double max_span_penalty = std::numeric_limits<double>::infinity();
};

// A group's shape and values: group size, token ids, lengths, log-probs (finite, <= 0), finish
// reasons, texts, a guide sample's place and text, and for scored groups the rewards.
void check_rollout_group(const RolloutGroup& g, const RolloutLimits& limits);

// What the learner sent for a seq.
struct SentTask {
  json task;                    // the task, as sent
  std::vector<int32_t> prompt;  // its prompt as the workers tokenize it (chat template applied)
};

// The group answers `sent` (same task, same prompt tokens) with weights the learner has
// published (version <= learner_version).
void check_answers(const RolloutGroup& g, const SentTask& sent, uint64_t learner_version);

}  // namespace r1
