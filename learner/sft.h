// Cold-start supervised fine-tuning (`r1 sft`): the model learns the output format and the
// method from worked solutions before RL.
//
// One step takes batch_size examples in this epoch's order (a permutation drawn from
// (train.seed, epoch), so the order is a pure function of the step number), minimises the mean
// negative log-likelihood of their completion tokens, clips the gradient, takes an AdamW step at
// the scheduled lr, and moves the aux-loss-free expert biases by bias_gamma.
//
// The run folder <out>/ holds config.json (resolved), metrics.jsonl and TensorBoard events
// (MetricsSink), checkpoints/step-N/ (learner/run_checkpoint.h) every checkpoint_every steps and
// at the end, and final/: a model folder for `r1 generate --model`, `r1 eval` and `r1 run`.
// A resumed run restores weights, biases and optimizer state from the newest checkpoint and
// continues at the same step of the same data order: its loss curve is the uninterrupted run's
// (bit-exact on one thread).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "learner/sft_config.h"

namespace r1 {

struct SftOptions {
  std::string out;      // run folder; empty: the config's "out"
  bool resume = false;  // continue from the newest checkpoint in <out>/checkpoints
  bool show_progress = true;
};

struct SftResult {
  std::string run_dir, final_dir;
  int64_t start_step = 0;  // the step this invocation began at (> 0 when resumed)
  int64_t total_steps = 0;
  int64_t examples = 0;
  std::vector<double> losses;    // one per step run by this invocation
  double tokens_per_second = 0;  // all tokens (prompt + completion) through forward + backward
};

// Checks the config's files (model, data) before training; throws naming the input at fault.
SftResult run_sft(const SftConfig& cfg, const SftOptions& opts);

// Throws, naming `where` and the model field at fault, when the model's weights, gradients and
// AdamW moments would not fit the memory limit (core/memory_limit.h). Allocates nothing.
void check_sft_memory(const SftConfig& cfg, const std::string& where);

}  // namespace r1
