// The GRPO update of one learner step: every kept sample of the batch's groups, shuffled and
// split into minibatches, for `iterations` passes; each minibatch is one optimizer step
// (learner/update_step.h) on the clipped policy-gradient loss (learner/grpo.h).
#pragma once
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "learner/grpo.h"
#include "learner/learner_config.h"
#include "learner/optimizer.h"
#include "learner/scored_group.h"
#include "model/model.h"

namespace r1 {

// One sampled completion to train on.
struct TrainSequence {
  const std::vector<int32_t>* prompt = nullptr;      // its group's prompt
  const std::vector<int32_t>* completion = nullptr;  // the sampled tokens
  const std::vector<float>* logprobs = nullptr;      // their sampling-policy log-probs
  double advantage = 0;
  const std::vector<float>* token_offsets = nullptr;  // per completion token, or null/empty
  double temperature = 0;  // it was sampled at (task_sampling_temperature); 0: the run's
};

// A minibatch as the loss needs it: the packed tokens, the span and advantage of each
// completion (sequences[k] is seqs[k]'s), and the sampling policy's log-prob of each token
// (0 outside completions).
//   share_prompts false: each prompt + completion packed in the given order;
//   share_prompts true: the completions of one prompt (same prompt vector) follow a single copy
//     of it, in order of first appearance: the prompt minus its last token as one sequence, then
//     each completion as [last prompt token, completion...] continuing it (PackedBatch
//     add_after). The loss and its gradients are the same; the prompt's work is done once.
struct GrpoMinibatch {
  PackedBatch batch;
  std::vector<GrpoSequence> sequences;
  std::vector<float> old_logp;  // (N)
};
GrpoMinibatch pack_grpo_minibatch(const std::vector<TrainSequence>& seqs,
                                  bool share_prompts = false);

struct GrpoUpdateStats {
  GrpoStats last;
  // Means over the optimizer steps (entropy: over the completion tokens of the first pass).
  double loss = 0, pg_loss = 0, kl = 0, clip = 0, clip_low = 0, clip_high = 0, grad_norm = 0,
         entropy = 0, lr = 0;
  int64_t tokens = 0, optimizer_steps = 0;
  // The smallest and largest probability ratio of any token over the update's optimizer steps:
  // near 1 in the first step of an on-policy update, where the learner's log-probs should be the
  // sampling weights' (a guide's too); far from it, the two disagree.
  double ratio_min = 0, ratio_max = 0;
  std::vector<std::vector<int64_t>> expert_load;  // tokens per expert per MoE layer, last step
  double load_imbalance = 0;
};

struct GrpoUpdateContext {
  Model<float>& model;
  Model<float>* reference = nullptr;  // frozen copy, when the loss has a KL term
  AdamW& opt;
  const LearnerConfig& cfg;
  int max_new_tokens = 0;  // the default length normaliser (grpo.norm_length = 0)
  double temperature = 1.0;
  Rng& rng;  // shuffles the sequences of each pass
};

GrpoUpdateStats grpo_update(GrpoUpdateContext& c, const std::vector<UsableGroup>& batch);

}  // namespace r1
