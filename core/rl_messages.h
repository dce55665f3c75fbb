// The messages of an RL run (DESIGN.md §2), as structs with their wire codecs:
//   TaskAssignment  learner -> rollout workers   ("task")
//   RolloutGroup    rollout -> reward            ("rollout"): G sampled completions of one task
//                   reward  -> learner           ("scored"):  the same, with rewards filled in
//   ControlMessage  learner <-> workers          ("control"): hello, heartbeat, stop
//   WeightsPayload  learner -> rollout workers   ("weights"), in chunks
// Token ids, log-probs and completion texts travel as raw frames (texts are arbitrary bytes,
// which a JSON header could not carry). from_message() throws MessageError on anything malformed.
#pragma once
#include <cstdint>
#include <functional>
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

// Bytes [begin, end) of a completion's text whose tokens have `value` taken off their advantage
// (a reward component's span_penalty on what its verifier marked wrong: reward/reward_config.h).
struct PenaltySpan {
  int64_t begin = 0, end = 0;
  double value = 0;
  bool operator==(const PenaltySpan&) const = default;
};
// [[begin, end, value], ...]: the spans as the wire and the reward's JSON write them.
json penalty_spans_json(const std::vector<PenaltySpan>& spans);

// The sampling temperature a task asks for, meta.sampling_temperature (self-play's proposals
// may be sampled cooler than its solutions), or `fallback` (the rollout's) when it names none.
// The rollout worker samples the task's group at it and the learner takes that group's
// log-prob ratios at it. Throws when the field is there but not a number in (0, 100].
double task_sampling_temperature(const json& task, double fallback);

// Off-policy guidance (tasks.mix[i].guide): a task's worked solution travels in its
// meta["guide"], and the rollout worker adds it to the task's group as one more sample, flagged
// SampleResult::guide, whose text is the chat template's completion_of(guide) (the prompt
// already ends with its "<think>"; it ends as a sampled completion would: at a stop string, else
// with the end-of-turn token, guide_tokens in rollout/rollout_worker.h). task_guide() is the guide,
// or "" when the task has none; it throws when the field is there but not a string.
inline constexpr const char* kGuideKey = "guide";
std::string task_guide(const json& task);

struct SampleResult {
  std::vector<int32_t> tokens;  // completion token ids
  std::vector<float> logprobs;  // sampling-policy log-prob of each completion token
  std::string text;             // decoded completion (bytes)
  std::string finish_reason;    // "stop", "length", "context"
  // The task's worked solution (task_guide), not sampled: at most one per group, the last; its
  // log-probs are the sampling weights' own of its tokens. Sent only when set.
  bool guide = false;
  // Filled by the reward service.
  std::optional<double> reward;  // empty on a verifier error
  bool correct = false, format_ok = false, verifier_error = false;
  bool scored_by_control = false;  // RewardResult::scored_by_control; sent only when set
  std::string reason;
  json components = json::object();  // component name -> score
  // What the primary verifier left for the learner (its verdict's details["learner_data"]): a
  // self-play proposal's validated triplet. Empty for most verifiers; not sent when empty.
  json learner_data = json::object();
  // Spans of `text` to penalise token by token; not sent when empty.
  std::vector<PenaltySpan> penalties;
};

struct RolloutGroup {
  uint64_t seq = 0;
  json task;
  std::vector<int32_t> prompt;  // prompt token ids
  std::vector<SampleResult> samples;
  uint64_t version = 0;  // weights version that sampled it
  std::string worker;
  double gen_seconds = 0;  // wall time the worker spent on its batch, shared per group
  double verify_seconds = 0;
  bool scored = false;

  Message to_message() const;  // "scored" when scored, else "rollout"
  static RolloutGroup from_message(const Message& m);
  size_t completion_tokens() const;
};

// The control channel's messages, between the learner (ROUTER) and its workers (DEALER):
//   hello      worker -> learner  {role: "rollout" | "reward", id, version: weights version or
//                                 null, settings: the config this worker runs with that must be
//                                 the learner's (run/role_settings.h), or absent}; a rollout
//                                 worker's hello makes the learner publish its weights again.
//   heartbeat  learner -> workers  the learner is alive (transport.heartbeat_timeout_s)
//   stop       learner -> workers  the run is over
//   bye        workers -> learner  "stop" arrived (the learner waits for these before it exits)
//   refuse     learner -> worker   {reason}: its settings are not the run's; it stops
// On the wire the kind is its name ("hello", ...); from_message() checks every field's type
// and value and throws MessageError naming the field.
enum class ControlKind { hello, heartbeat, stop, bye, refuse };
const char* control_kind_name(ControlKind k);

struct ControlMessage {
  ControlKind kind = ControlKind::heartbeat;
  std::string role, id;             // hello only
  std::optional<uint64_t> version;  // hello only: the weights version a rollout worker holds
  json settings;                    // hello only: an object, or null when not sent
  std::string reason;               // refuse only

  static ControlMessage hello(std::string role, std::string id,
                              std::optional<uint64_t> version = std::nullopt,
                              json settings = nullptr);
  static ControlMessage heartbeat();
  static ControlMessage stop();
  static ControlMessage bye();
  static ControlMessage refuse(std::string reason);

  Message to_message() const;
  static ControlMessage from_message(const Message& m);
};

// Model weights travel as a series of "weights" messages: each carries {version, chunk, chunks,
// offset, total} and one frame of float32 values; the expert biases ride in the last chunk's
// header. WeightsAssembler rebuilds one complete version from chunks that may interleave with
// another version's, dropping incomplete or inconsistent versions.
struct WeightsPayload {
  uint64_t version = 0;
  // Identifies the publishing learner process: a learner resumed from a checkpoint publishes
  // versions again from that checkpoint's number, and receivers must not ignore them as old.
  uint64_t session = 0;
  std::vector<float> params;                    // the flat parameter buffer
  std::vector<std::vector<float>> expert_bias;  // per layer (empty for dense layers)
};

// The messages publish_weights (core/channel.h) sends, in order (chunk i holds
// params[i*chunk_floats, ...)). for_each_weights_message builds them one at a time, so that
// publishing never holds a second copy of the whole parameter buffer.
std::vector<Message> weights_messages(const WeightsPayload& w, size_t chunk_floats = 1u << 20);
void for_each_weights_message(const WeightsPayload& w, size_t chunk_floats,
                              const std::function<void(Message)>& emit);

class WeightsAssembler {
 public:
  // expected_total: the receiver's parameter count; a version of another size is rejected
  // (MessageError) before anything is allocated. 0 accepts any size up to kMaxWeightFloats.
  static constexpr uint64_t kMaxWeightFloats = uint64_t{1} << 34;
  explicit WeightsAssembler(uint64_t expected_total = 0) : expected_total_(expected_total) {}

  // Feeds one "weights" message. Returns true when it completed a version newer than any
  // completed before; take() then returns it. Throws MessageError on inconsistent chunks, and
  // then ignores the rest of that version. Chunks of versions older than the one in progress,
  // or not newer than the last completed, are ignored (false).
  bool add(const Message& m);
  WeightsPayload take();  // throws Error if add() has not just returned true
  bool ready() const { return ready_.has_value(); }
  // Versions abandoned incomplete (a newer one started, or one of their chunks was inconsistent).
  uint64_t dropped() const { return dropped_; }
  // Forgets the versions seen so far, so that the next complete version is taken whatever its
  // number: for a learner that restarted from a checkpoint older than the weights last received.
  void reset();

 private:
  struct Partial {
    WeightsPayload w;
    size_t received = 0;
    std::vector<char> have;
    uint64_t chunks = 0, chunk_size = 0;  // every chunk but the last holds chunk_size floats
  };
  void drop_partial();

  std::optional<Partial> partial_;
  std::optional<WeightsPayload> ready_;
  uint64_t session_ = 0;
  uint64_t newest_ = 0;
  bool any_ = false;
  uint64_t expected_total_ = 0;
  std::optional<uint64_t> poisoned_;  // a version with an inconsistent chunk: ignore the rest
  uint64_t dropped_ = 0;
};

}  // namespace r1
