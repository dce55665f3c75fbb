#include "run/run_memory.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "rollout/rollout_worker.h"

namespace r1 {

namespace {

// What the learner keeps per sample of a step besides its tokens (SampleResult, texts, the
// message it came in): a floor, so that a batch of 10^9 groups is not taken for free.
constexpr double kSampleBytes = 256;

// Whether some mix entry adds its tasks' worked solutions to their groups (a guide sample each).
bool guided(const TaskSourceConfig& tasks) {
  return std::any_of(tasks.mix.begin(), tasks.mix.end(),
                     [](const TaskSourceEntry& e) { return e.guide; });
}

}  // namespace

MemoryEstimate run_memory(const RunConfig& cfg, const std::string& role) {
  const ModelConfig mc = cfg.model_config();
  const LearnerConfig& lc = cfg.learner;
  const RolloutConfig& rc = cfg.rollout;
  MemoryEstimate e;
  const bool all = role == "all";
  // Each group holds group_size sampled completions, and one guide with tasks.mix[].guide.
  const double group = rc.group_size + (guided(cfg.tasks) ? 1 : 0);
  if (all || role == "learner") {
    const bool kl = lc.grpo.uses_reference();
    e.add(model_weights_part(
        mc, kl ? 5 : 4,
        kl ? "the policy's weights, gradients and AdamW moments, and the reference model"
           : "the policy's weights, gradients and AdamW moments"));
    const std::vector<SizeField> batch_fields = {
        {"learner.batch_groups", double(lc.batch_groups), 4096},
        {"rollout.group_size", double(rc.group_size), 256}};
    const double sequences = double(lc.batch_groups) * group;
    // Each sequence has at least a prompt token and a completion token: a lower bound.
    const double minibatch_tokens =
        2 * std::ceil(sequences / std::min<double>(lc.minibatches, sequences));
    std::vector<SizeField> activation_fields = batch_fields;  // and the model's sizes per token
    for (auto& f : model_size_fields(mc)) activation_fields.push_back(std::move(f));
    e.add({"the training activations of a minibatch (at least 2 tokens a sequence)",
           train_activation_bytes(mc, minibatch_tokens) * (kl ? 2 : 1),
           std::move(activation_fields)});
    e.add({"the step's samples", sequences * kSampleBytes, batch_fields});
    // Groups in flight: sent as tasks, and possibly waiting, scored, in the learner's queue.
    const bool async = lc.max_staleness > 0;
    const double in_flight =
        async ? (lc.prefetch_groups > 0 ? lc.prefetch_groups : 2.0 * lc.batch_groups)
              : 4.0 * lc.batch_groups;  // the largest on-policy wave
    e.add({"the groups in flight",
           in_flight * group * kSampleBytes,
           {{async && lc.prefetch_groups > 0 ? "learner.prefetch_groups" : "learner.batch_groups",
             in_flight, 4096},
            {"rollout.group_size", double(rc.group_size), 256}}});
  }
  if (all || role == "rollout") {
    const double workers = all ? rc.workers : 1;
    const std::vector<SizeField> worker_fields = {{"rollout.workers", workers, 64}};
    if (!all || !cfg.shares_weights()) {  // shared: the learner's, counted above
      MemoryPart w = model_weights_part(mc, 1, "the rollout workers' weights");
      w.bytes *= workers;
      w.fields.insert(w.fields.end(), worker_fields.begin(), worker_fields.end());
      e.add(std::move(w));
    }
    const double context = std::min(mc.max_position_embeddings, kMaxRolloutContext);
    e.add(kv_cache_part(
        mc, workers, rc.slots, context, "the rollout workers' KV caches",
        {{"rollout.slots", double(rc.slots), 1024}, {"rollout.workers", workers, 64}}));
    if (guided(cfg.tasks)) {
      // The guides' log-probs: a training forward of up to kGuideChunkTokens tokens per worker.
      e.add({cat("the rollout workers' forward passes over guide samples (tasks.mix[].guide; ",
                 kGuideChunkTokens, " tokens at a time)"),
             workers * train_activation_bytes(mc, kGuideChunkTokens), worker_fields});
    }
  }
  return e;
}

void check_run_memory(const RunConfig& cfg, const std::string& role) {
  std::string where = cfg.path;
  if (!cfg.model.config.empty()) where += " (model config " + cfg.model.config + ")";
  if (!cfg.model.init.empty()) where += " (model " + cfg.model.init + ")";
  check_memory(run_memory(cfg, role), where);
}

}  // namespace r1
