#include "learner/step_report.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "core/fs.h"
#include "learner/reasoning_stats.h"
#include "learner/token_penalties.h"

namespace r1 {

namespace {

json load_json(const std::vector<std::vector<int64_t>>& load) {
  json j = json::object();
  for (size_t l = 0; l < load.size(); ++l) {
    if (!load[l].empty()) j[cat("layer", l)] = load[l];
  }
  return j;
}

}  // namespace

void append_samples(const std::string& path, int64_t step, const std::vector<UsableGroup>& batch,
                    const ChatTemplate& chat, int max_samples) {
  check_not_a_folder(path);
  std::ofstream f(path, std::ios::app);
  if (!f) fail(path, ": cannot open for appending: ", std::strerror(errno));
  int written = 0;
  for (const auto& u : batch) {
    for (size_t k = 0; k < u.kept.size() && written < max_samples; ++k, ++written) {
      const SampleResult& smp = u.g.samples[u.kept[k]];
      json j = {{"step", step},
                {"seq", u.g.seq},
                {"task_id", u.g.task.value("id", "")},
                {"prompt", u.g.task.value("prompt", "")},
                {"answer", u.g.task.value("answer", "")},
                {"completion", chat.full_completion(smp.text)},
                {"reward", smp.reward ? *smp.reward : 0.0},
                {"advantage", u.advantages[k]},
                {"correct", smp.correct},
                {"format_ok", smp.format_ok},
                {"reason", smp.reason},
                {"components", smp.components},
                {"finish_reason", smp.finish_reason},
                {"version", u.g.version}};
      if (smp.guide) j["guide"] = true;
      if (k < u.token_offsets.size() && !u.token_offsets[k].empty()) {
        j["penalised_tokens"] = penalised_tokens(u.token_offsets[k]);
      }
      f << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    }
  }
  f.flush();
  if (!f) fail(path, ": write failed: ", std::strerror(errno));
}

json step_metrics(const StepFacts& f) {
  const std::vector<UsableGroup>& batch = f.batch;
  const GrpoUpdateStats& ts = f.update;
  const StepCounters& counters = f.counters;
  double rsum = 0, r2 = 0, correct = 0, fmt = 0, len = 0, stale_max = 0, stale_sum = 0;
  int64_t n = 0, tokens = 0, penalised = 0, penalised_samples = 0;
  int64_t guide_n = 0, guide_tokens = 0;
  double guide_correct = 0, guide_adv = 0;
  ReasoningStats reasoning;
  for (const auto& u : batch) {
    const double stale = static_cast<double>(u.staleness);
    stale_max = std::max(stale_max, stale);
    stale_sum += stale;
    for (size_t k = 0; k < u.token_offsets.size(); ++k) {
      if (u.g.samples[u.kept[k]].guide) continue;  // the policy's figures only
      const int64_t hit = penalised_tokens(u.token_offsets[k]);
      penalised += hit;
      penalised_samples += hit > 0;
    }
    for (size_t k = 0; k < u.kept.size(); ++k) {
      const SampleResult& smp = u.g.samples[u.kept[k]];
      if (smp.guide) {  // the task's worked solution: trained on, not the policy's figures
        guide_n++;
        guide_correct += smp.correct;
        guide_adv += u.advantages[k];
        guide_tokens += static_cast<int64_t>(smp.tokens.size());
        continue;
      }
      const double r = *smp.reward;
      rsum += r;
      r2 += r * r;
      correct += smp.correct;
      fmt += smp.format_ok;
      len += static_cast<double>(smp.tokens.size());
      reasoning.add(smp.text, smp.correct);
      tokens += static_cast<int64_t>(smp.tokens.size());
      ++n;
    }
  }
  const double dn = std::max<int64_t>(1, n);
  const double mean = rsum / dn;
  json by_worker = json::object();
  for (const auto& u : batch) by_worker[u.g.worker] = by_worker.value(u.g.worker, 0) + 1;
  json m = {
      {"version", f.version},
      {"reward", {{"mean", mean}, {"std", std::sqrt(std::max(0.0, r2 / dn - mean * mean))}}},
      {"accuracy", correct / dn},
      {"format_rate", fmt / dn},
      {"response_length", len / dn},
      {"reasoning", reasoning.to_json()},
      {"samples", n},
      {"skipped", batch.empty()},
      {"skipped_steps", f.skipped_steps},
      {"sampled",
       {{"samples", counters.all_samples},
        {"tokens", counters.all_tokens},
        {"reward",
         counters.all_reward / std::max<double>(1.0, static_cast<double>(counters.all_samples))},
        {"accuracy",
         counters.all_correct / std::max<double>(1.0, static_cast<double>(counters.all_samples))}}},
      {"groups",
       {{"used", batch.size()},
        {"returned", counters.returned},
        {"zero_variance", counters.zero_variance},
        {"kept_for_penalties",
         std::count_if(batch.begin(), batch.end(),
                       [](const UsableGroup& u) { return u.kept_for_penalties; })},
        {"too_few_valid", counters.too_few},
        {"stale", counters.stale},
        {"lost", counters.lost},
        {"unused", counters.unused},
        {"waves", counters.waves},
        {"gave_up", counters.gave_up}}},
      {"groups_by_worker", by_worker},
      {"verifier_errors", counters.verifier_errors},
      {"scored_by_control", counters.scored_by_control},
      {"staleness", {{"max", stale_max}, {"mean", batch.empty() ? 0.0 : stale_sum / batch.size()}}},
      {"loss", ts.loss},
      {"pg_loss", ts.pg_loss},
      {"kl", ts.kl},
      {"clip_fraction", {{"all", ts.clip}, {"low", ts.clip_low}, {"high", ts.clip_high}}},
      {"ratio", {{"min", ts.ratio_min}, {"max", ts.ratio_max}}},
      {"entropy", ts.entropy},
      {"grad_norm", ts.grad_norm},
      {"lr", ts.lr},
      {"tokens_per_second",
       {{"rollout", tokens / std::max(f.step_s, 1e-9)},
        {"train", ts.tokens / std::max(f.train_s, 1e-9)}}},
      {"time",
       {{"step", f.step_s},
        {"collect", f.collect_s},
        {"train", f.train_s},
        {"publish", f.publish_s},
        {"generate_worker", counters.gen_seconds},
        {"verify_worker", counters.verify_seconds}}},
      // shared: the rollout workers read the learner's weights in place, and time.publish is the
      // update's wait for their generate calls; copied: time.publish sends the weights.
      {"weights", f.weights_shared ? "shared" : "copied"},
      {"expert_load_imbalance", ts.load_imbalance},
      {"expert_load", load_json(ts.expert_load)},
      {"curriculum", f.curriculum},
      {"held_out_tasks", f.held_out_tasks},
      {"rejected_messages", {{"scored", f.rejected_scored}, {"control", f.rejected_control}}},
  };
  // Token-level penalties (a reward component's span_penalty): how much of the batch they touch.
  if (penalised > 0) {
    m["penalised"] = {
        {"tokens", penalised},
        {"token_share", static_cast<double>(penalised) / std::max<int64_t>(1, tokens)},
        {"sample_share", static_cast<double>(penalised_samples) / dn}};
  }
  // Off-policy guidance (tasks.mix[i].guide): the worked solutions trained on beside the samples
  // (none of the figures above counts them). "correct" should be 1: the generator's solutions
  // verify; "advantage" is their mean, high while the policy still fails those tasks.
  if (guide_n > 0 || counters.guides > 0 || counters.guides_left_out > 0) {
    const double gn = static_cast<double>(std::max<int64_t>(1, guide_n));
    m["guide"] = {{"samples", guide_n},
                  {"returned", counters.guides},
                  {"left_out", counters.guides_left_out},
                  {"not_needed", counters.guides_not_needed},
                  {"correct", guide_correct / gn},
                  {"advantage", guide_adv / gn},
                  {"response_length", static_cast<double>(guide_tokens) / gn}};
  }
  // Tasks of the stream not sent this step: their prompts left less than max_new_tokens of a
  // rollout worker's context.
  if (counters.too_long > 0) m["tasks_too_long"] = counters.too_long;
  if (!f.task_sources.empty()) m["task_sources"] = f.task_sources;
  if (!f.selfplay.is_null()) m["selfplay"] = f.selfplay;
  return m;
}

}  // namespace r1
