// The messages of an RL step (DESIGN.md §2), as structs with their wire codecs:
//   TaskAssignment  learner -> rollout workers   ("task")
//   RolloutGroup    rollout -> reward            ("rollout"): G sampled completions of one task
//                   reward  -> learner           ("scored"):  the same, with rewards filled in
// Token ids, log-probs and completion texts travel as raw frames (texts are arbitrary bytes,
// which a JSON header could not carry). from_message() throws MessageError on anything malformed.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/message.h"

namespace r1 {

// The largest group a rollout or scored message can carry: one frame for the prompt and three
// (tokens, log-probs, text) per sample, within kMaxFrames. A larger group_size could never come
// back from the workers.
inline constexpr int kMaxGroupSize = static_cast<int>((kMaxFrames - 1) / 3);

struct TaskAssignment {
  uint64_t seq = 0;          // position in the run's task stream; also the sampling stream id
  json task;                 // the Task as JSON
  int group_size = 1;        // G completions to sample
  uint64_t min_version = 0;  // sample with weights of at least this version ...
  uint64_t session = 0;      // ... published by this learner session
  uint64_t wave = 0;         // tasks sent together share a wave ...
  int wave_size = 1;         // ... of this many tasks (workers batch a wave together)

  Message to_message() const;
  static TaskAssignment from_message(const Message& m);
};

struct SampleResult {
  std::vector<int32_t> tokens;    // completion token ids
  std::vector<float> logprobs;    // sampling-policy log-prob of each completion token
  std::string text;               // decoded completion (bytes)
  std::string finish_reason;      // "stop", "length", "context"
  // Filled by the reward service.
  std::optional<double> reward;   // empty on a verifier error
  bool correct = false, format_ok = false, verifier_error = false;
  std::string reason;
  json components = json::object();  // component name -> score
};

struct RolloutGroup {
  uint64_t seq = 0;
  json task;
  std::vector<int32_t> prompt;    // prompt token ids
  std::vector<SampleResult> samples;
  uint64_t version = 0;           // weights version that sampled it
  std::string worker;
  double gen_seconds = 0;         // wall time the worker spent on its batch, shared per group
  double verify_seconds = 0;
  bool scored = false;

  Message to_message() const;  // "scored" when scored, else "rollout"
  static RolloutGroup from_message(const Message& m);
  size_t completion_tokens() const;
};

}  // namespace r1
