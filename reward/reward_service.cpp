#include "reward/reward_service.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>

#include "core/clock.h"
#include "core/learner_link.h"
#include "core/log.h"
#include "core/rl_messages.h"
#include "core/thread_pool.h"
#include "tasks/task.h"

namespace r1 {

Message fit_scored_message(RolloutGroup& g, size_t max_header_bytes) {
  Message m = g.to_message();
  // Only learner_data can be dropped: a group without any goes as it is (the send checks it).
  const auto has_data = [](const SampleResult& s) { return !s.learner_data.empty(); };
  if (std::none_of(g.samples.begin(), g.samples.end(), has_data)) return m;
  for (;;) {
    // Measured as encode_header writes it (CBOR, with its schema and type fields), not by
    // calling it: it throws past kMaxHeaderBytes, which is the default cap too.
    json h = m.header;
    h["schema"] = kSchemaVersion;
    h["type"] = m.type;
    const size_t bytes = json::to_cbor(h).size();
    if (bytes <= max_header_bytes) return m;
    SampleResult* largest = nullptr;
    size_t largest_bytes = 0;
    for (SampleResult& s : g.samples) {
      if (s.learner_data.empty()) continue;
      const size_t n = s.learner_data.dump(-1, ' ', false, json::error_handler_t::replace).size();
      if (n > largest_bytes) largest = &s, largest_bytes = n;
    }
    if (!largest) {
      fail("scored group ", g.seq, ": a header of ", bytes, " bytes, over the ", max_header_bytes,
           " a scored message may have (transport.max_message_mb.scored)");
    }
    log_warn("reward: scored group ", g.seq, " had a header of ", bytes, " bytes, over the ",
             max_header_bytes, " allowed: a sample's learner_data of ", largest_bytes,
             " bytes was dropped, and the sample with it");
    largest->learner_data = json::object();
    largest->verifier_error = true;
    largest->reward.reset();
    largest->reason = "scored_message_too_large";
    m = g.to_message();
  }
}

RewardService::RewardService(Context& ctx, const Endpoints& endpoints,
                             std::shared_ptr<const RewardFunction> reward,
                             std::string completion_prefix, int threads, std::string id,
                             RolloutLimits limits)
    : ctx_(ctx),
      ep_(endpoints),
      reward_(std::move(reward)),
      prefix_(std::move(completion_prefix)),
      threads_(std::max(1, threads)),
      id_(std::move(id)),
      limits_(std::move(limits)) {}

void RewardService::run(const std::atomic<bool>& stop) {
  Channel in(ctx_, SocketKind::Pull, "rollouts", ep_.rollouts, true,
             ep_.channel_options("rollouts"));
  Channel out(ctx_, SocketKind::Push, "scored", Endpoints::connect_address(ep_.scored), false,
              ep_.channel_options("scored"));
  LearnerLink learner(ctx_, ep_, "reward", id_, settings_);
  learner.hello(std::nullopt, 2000);
  auto told_to_stop = [&] { return learner.poll(); };
  ThreadPool pool(static_cast<size_t>(threads_));
  std::deque<std::future<RolloutGroup>> pending;  // in arrival order; sent when ready

  auto score_group = [this](RolloutGroup g) {
    const double t0 = steady_seconds();
    Task task;
    std::string bad_task;
    try {
      task = Task::from_json(g.task, cat("task ", g.seq));
    } catch (const std::exception& e) {
      bad_task = e.what();
    }
    for (auto& smp : g.samples) {
      if (!bad_task.empty()) {
        smp.verifier_error = true;
        smp.reason = "bad_task";
        continue;
      }
      RewardResult r =
          reward_->score(task, prefix_ + smp.text, static_cast<int64_t>(smp.tokens.size()));
      smp.reward = r.reward;
      smp.verifier_error = r.verifier_error;
      smp.scored_by_control = r.scored_by_control;
      smp.correct = r.correct;
      smp.format_ok = r.format_ok;
      smp.reason = r.reason;
      json comps = json::object();
      for (const auto& c : r.components) comps[c.name] = c.verdict.score;
      smp.components = std::move(comps);
      if (auto it = r.details.find(kLearnerData); it != r.details.end() && it->is_object()) {
        smp.learner_data = *it;
      }
      // The verifiers saw prefix_ + text; the learner's spans are bytes of text.
      smp.penalties = spans_after_prefix(r.penalties, prefix_.size());
      if (r.verifier_error) stats_.verifier_errors++;
    }
    g.scored = true;
    g.verify_seconds = steady_seconds() - t0;
    return g;
  };

  // The scored channel's cap on a frame, and the wire format's on a header.
  const int64_t frame_cap = ep_.channel_options("scored").max_frame_bytes;
  const size_t max_header =
      frame_cap > 0 ? std::min(kMaxHeaderBytes, static_cast<size_t>(frame_cap)) : kMaxHeaderBytes;
  uint64_t reported_rejects = 0;
  while (!stop && !told_to_stop()) {
    // Send finished groups first, in arrival order.
    while (!pending.empty() &&
           pending.front().wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      RolloutGroup g = pending.front().get();
      pending.pop_front();
      const Message scored = fit_scored_message(g, max_header);
      while (!stop && !out.send(scored, 200)) {
        if (told_to_stop()) return;  // throws when the learner is gone
      }
      stats_.groups++;
      stats_.samples += g.samples.size();
    }
    // Keep the pool busy but bounded.
    if (pending.size() >= static_cast<size_t>(4 * threads_)) {
      pending.front().wait_for(std::chrono::milliseconds(20));
      continue;
    }
    auto m = in.recv(pending.empty() ? 100 : 2);
    if (in.rejected() > reported_rejects) {
      log_warn("reward ", id_, ": rejected ", in.rejected() - reported_rejects,
               " malformed message(s) on the rollouts channel: ", in.last_reject_reason());
      reported_rejects = in.rejected();
    }
    if (!m) continue;
    RolloutGroup g;
    try {
      g = RolloutGroup::from_message(*m);
      if (g.scored) throw MessageError("already scored");
      check_rollout_group(g, limits_);
    } catch (const MessageError& e) {
      stats_.bad_messages++;
      in.reject(e.what());  // logged (rate-limited) and reported with the channel's count
      continue;
    }
    pending.push_back(pool.submit(
        [score_group, g = std::move(g)]() mutable { return score_group(std::move(g)); }));
  }
}

}  // namespace r1
