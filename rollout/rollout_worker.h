// A rollout worker: takes tasks, samples G completions of each with the newest weights it has,
// and sends them to the reward service. It picks up new weights between batches, and waits for
// weights of at least a task's min_version before sampling it (on-policy runs).
//
// Runs as a thread of `r1 run` or as its own process (`r1 worker --role rollout`). A worker that
// starts late or restarts says hello on the control channel; the learner answers by publishing
// its current weights.
#pragma once
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/channel.h"
#include "core/endpoints.h"
#include "core/learner_link.h"
#include "core/rl_messages.h"
#include "model/chat_template.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "model/weights_share.h"
#include "rollout/engine.h"
#include "rollout/rollout_config.h"

namespace r1 {

// A worker's KV cache holds at most this many tokens per sequence (prompt and completion), or the
// model's max_position_embeddings when that is smaller.
inline constexpr int kMaxRolloutContext = 4096;
// Guide samples' log-probs come from training forward passes of at most this many tokens (one
// sequence is never longer: kMaxRolloutContext): such a forward keeps every layer's activations.
inline constexpr int kGuideChunkTokens = kMaxRolloutContext;

// A guide's completion tokens (its text is the chat template's completion_of(guide)): it ends as
// a sampled completion would, at a stop string it ends in ("</answer>" by default), else with
// the end-of-turn token (end_of_turn, -1 for none), which a sample that stops there holds and
// an SFT target ends with too.
std::vector<int32_t> guide_tokens(const std::string& text, const std::vector<std::string>& stop,
                                  int32_t end_of_turn, const Tokenizer& tok);

struct RolloutWorkerStats {
  std::atomic<uint64_t> tasks{0}, groups_sent{0}, tokens{0}, weight_updates{0};
  std::atomic<uint64_t> version{0};
};

class RolloutWorker {
 public:
  // `model` supplies the architecture; its weights are replaced by the learner's before use.
  // With `share`, `model` reads the learner's weights in place (Model::sharing_weights_of):
  // versions come from the share, each batch is sampled under a read turn, and nothing arrives on
  // the weights channel.
  RolloutWorker(Context& ctx, const Endpoints& endpoints, const RolloutConfig& config,
                const ChatTemplate& chat, std::unique_ptr<Model<float>> model,
                std::unique_ptr<Tokenizer> tokenizer, uint64_t run_seed, std::string id,
                std::shared_ptr<WeightsShare> share = nullptr);
  ~RolloutWorker();
  // Loops until `stop` is set; a batch being sampled when it is set is abandoned.
  void run(const std::atomic<bool>& stop);
  const RolloutWorkerStats& stats() const { return stats_; }
  // What its hellos carry for the learner to check (run/role_settings.h); before run().
  void set_settings(json settings) { settings_ = std::move(settings); }

 private:
  void connect();
  void connect_tasks();
  // Tells the learner which weights version this worker holds; waits up to timeout_ms for the
  // control connection to take it.
  void hello(int timeout_ms = 0);
  // Applies every complete weights version waiting on the channel; waits up to timeout_ms for
  // the first message.
  void poll_weights(int timeout_ms);
  void take_shared(const WeightsShare::Version& v);          // the share's version, when it is new
  void hold(double seconds, const std::atomic<bool>& stop);  // debug_delay_s
  bool told_to_stop();  // the learner said "stop"; throws when its heartbeat stopped
  // Blocks until weights of at least version `v` of learner session `sess` are here (or stop).
  bool wait_for_version(uint64_t v, uint64_t sess, const std::atomic<bool>& stop);
  void run_batch(std::vector<TaskAssignment>& batch, const std::atomic<bool>& stop);
  // Per task of the batch: its worked solution as a guide sample, or none (rl_messages.h).
  std::vector<std::optional<SampleResult>> guide_samples(
      const std::vector<TaskAssignment>& batch, const std::vector<std::vector<int32_t>>& prompts,
      const std::atomic<bool>& stop);

  Context& ctx_;
  Endpoints ep_;
  RolloutConfig cfg_;
  ChatTemplate chat_;
  std::unique_ptr<Model<float>> model_;
  std::shared_ptr<WeightsShare> share_;  // null: weights arrive as copies on the weights channel
  std::unique_ptr<Tokenizer> tok_;
  uint64_t seed_;
  std::string id_;
  RolloutWorkerStats stats_;
  json settings_;

  std::unique_ptr<Channel> tasks_, rollouts_, weights_;  // connected by run()
  std::unique_ptr<LearnerLink> learner_;                 // control channel: hello, stop, heartbeat
  WeightsAssembler assembler_;                           // sized to the model
  std::unique_ptr<GenerationEngine> gen_;
  bool have_weights_ = false;
  bool said_guide_skipped_ = false;
  uint64_t version_ = 0, session_ = 0;
  double last_hello_ = -1e9;
  bool said_holding_ = false;
  bool learner_stopped_ = false;
};

// The sampling stream of completion i of the task at position seq of a run: results depend only
// on the run seed and these numbers, never on batching or on which worker sampled them.
uint64_t sampling_seed(uint64_t run_seed, uint64_t seq);

}  // namespace r1
