#include "learner/group_collector.h"

#include <algorithm>

#include "core/clock.h"
#include "core/log.h"
#include "learner/grpo.h"
#include "learner/selfplay_coordinator.h"
#include "learner/token_penalties.h"

namespace r1 {

namespace {
// A stream whose tasks this many in a row are too long for the context will not get better.
constexpr int64_t kMaxTooLongInARow = 1000;
}  // namespace

GroupCollector::GroupCollector(CollectorSetup setup) : s_(std::move(setup)) {}

void GroupCollector::bind(Context& ctx, const Endpoints& ep) {
  ChannelOptions task_opts = ep.channel_options("tasks");
  task_opts.send_hwm = 1;  // tasks wait here, not queued at a worker that is slow or may die
  tasks_ = std::make_unique<Channel>(ctx, SocketKind::Push, "tasks", ep.tasks, true, task_opts);
  ChannelOptions scored_opts = ep.channel_options("scored");
  // No limit on scored groups waiting here: while the learner hands out a wave (or tops up
  // prefetch_groups) it does not read them, and a full queue would stall the reward service, the
  // workers behind it, and so the wave itself. Tasks in flight bound what can wait.
  scored_opts.recv_hwm = 0;
  scored_ =
      std::make_unique<Channel>(ctx, SocketKind::Pull, "scored", ep.scored, true, scored_opts);
}

std::vector<UsableGroup> GroupCollector::collect(uint64_t version, int64_t step,
                                                 const std::atomic<bool>& stop) {
  counters_ = StepCounters{};
  auto batch = s_.cfg.max_staleness == 0 ? collect_on_policy(version, step, stop)
                                         : collect_async(version, step, stop);
  if (s_.selfplay) s_.selfplay->set_advantages(batch);
  return batch;
}

std::vector<RolloutGroup> GroupCollector::route(RolloutGroup g, int64_t step) {
  if (s_.selfplay) return s_.selfplay->admit(std::move(g), step);
  std::vector<RolloutGroup> out;
  out.push_back(std::move(g));
  return out;
}

// Sends a wave of up to n tasks (fewer when follow-ups are settled as lost instead, none when all
// are); returns early when stopped (a stopped step is abandoned).
void GroupCollector::send_tasks(int n, uint64_t min_version, const std::atomic<bool>& stop) {
  const uint64_t wave = next_wave++;
  counters_.waves++;
  // Drawn first, so that wave_size counts what is sent (a follow-up settled as lost is not).
  std::vector<std::pair<Task, std::vector<int32_t>>> drawn;
  for (int i = 0; i < n; ++i) {
    Task t;
    std::vector<int32_t> prompt;
    if (next_task(t, prompt)) drawn.emplace_back(std::move(t), std::move(prompt));
  }
  for (auto& [t, prompt] : drawn) {
    TaskAssignment a;
    a.seq = next_seq++;
    a.task = t.to_json();
    a.group_size = s_.group_size;
    a.min_version = min_version;
    a.session = s_.session;
    a.wave = wave;
    a.wave_size = static_cast<int>(drawn.size());
    if (!hand_out(a, stop)) return;
    SentTask sent{a.task, std::move(prompt)};
    pending_[a.seq] = {std::move(t), steady_seconds(), std::move(sent)};
  }
}

// The next task to send, with its prompt's tokens: a self-play follow-up first (it measures a
// proposal's solve rate), else the stream's. One whose prompt leaves less than max_new_tokens of a
// rollout worker's context is not sent: its samples would be cut by the context, short of the
// budget the rest have (a prompt past the context cannot be sampled at all). A follow-up so left
// out is settled as lost, as when one is written off (its proposal resolves without that solve
// rate), and nothing takes its place: false.
bool GroupCollector::next_task(Task& t, std::vector<int32_t>& prompt) {
  for (int64_t skipped = 0;;) {
    const bool followup = s_.selfplay && s_.selfplay->has_followup();
    t = followup ? s_.selfplay->take_followup() : s_.source.next();
    prompt = s_.tokenizer.encode(s_.chat.render(t.prompt));
    if (s_.max_prompt_tokens <= 0 || prompt.size() <= static_cast<size_t>(s_.max_prompt_tokens))
      return true;
    skip_too_long(t, prompt.size());
    if (followup) {
      for (auto& g : s_.selfplay->lost(t)) released_.push_back(std::move(g));
      return false;
    }
    if (++skipped == kMaxTooLongInARow) {
      fail("learner: ", skipped, " tasks in a row have prompts over ", s_.max_prompt_tokens,
           " tokens, the rollout context less rollout.max_new_tokens ", s_.limits.max_new_tokens,
           ": lower max_new_tokens, or give tasks with shorter prompts");
    }
  }
}

void GroupCollector::skip_too_long(const Task& t, size_t prompt_tokens) {
  counters_.too_long++;
  if (!said_too_long_) {
    log_warn("learner: task ", t.id, " has a prompt of ", prompt_tokens,
             " tokens, and a rollout worker's context leaves ", s_.max_prompt_tokens,
             " for a prompt beside rollout.max_new_tokens ", s_.limits.max_new_tokens,
             ": not sent; such tasks are skipped and counted in metrics (tasks_too_long; warned "
             "once)");
    said_too_long_ = true;
  }
}

// Waits until a rollout worker takes the task (none may be connected yet); false when stopped.
bool GroupCollector::hand_out(const TaskAssignment& a, const std::atomic<bool>& stop) {
  const double since = steady_seconds();
  bool said = false;
  while (!tasks_->send(a.to_message(), 200)) {
    if (stop) return false;
    s_.serve_control();
    if (!said && steady_seconds() - since > 5) {
      log_info(
          "learner: no rollout worker has taken a task for 5 s; waiting (are the rollout workers "
          "running "
          "and connected?)");
      said = true;
    }
  }
  return true;
}

SamplingTally GroupCollector::tally(size_t used) const {
  return {s_.cfg.batch_groups,     static_cast<int64_t>(used), counters_.waves, counters_.returned,
          counters_.zero_variance, counters_.too_few,          counters_.stale, counters_.lost,
          s_.cfg.task_timeout_s};
}

void GroupCollector::expire_lost() {
  const double t = steady_seconds();
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (t - it->second.sent_at > s_.cfg.task_timeout_s) {
      log_warn("learner: task ", it->first, " not back after ", s_.cfg.task_timeout_s,
               "s; written off (worker died?)");
      counters_.lost++;
      if (s_.selfplay) {
        for (auto& g : s_.selfplay->lost(it->second.task)) released_.push_back(std::move(g));
      }
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

// Receives one scored group for a task we sent; records its results in the curriculum.
std::optional<RolloutGroup> GroupCollector::receive(uint64_t version, int timeout_ms) {
  auto m = scored_->recv(timeout_ms);
  if (!m) return std::nullopt;
  RolloutGroup g;
  std::map<uint64_t, Pending>::iterator it;
  try {
    g = RolloutGroup::from_message(*m);
    if (!g.scored) throw MessageError("an unscored rollout on the scored channel");
    it = pending_.find(g.seq);
    if (it == pending_.end()) {
      throw MessageError(cat("scored group seq ", g.seq,
                             ": no such task in flight (written off, answered already, "
                             "or never sent)"));
    }
    check_rollout_group(g, s_.limits);
    check_answers(g, it->second.sent, version);
  } catch (const MessageError& e) {
    scored_->reject(
        e.what());  // counted in rejected_messages.scored; the task is written off later
    return std::nullopt;
  }
  // A guided task whose guide did not fit (max_new_tokens, the context) came back without it.
  if (!g.samples.back().guide && it->second.task.meta.is_object() &&
      it->second.task.meta.contains(kGuideKey))
    counters_.guides_left_out++;
  for (const auto& smp : g.samples) {
    // A guide sample is the task's worked solution, not the policy's: it trains, but says
    // nothing of how the policy does (and the curriculum must not hear of it).
    if (smp.guide) {
      counters_.guides++;
      continue;
    }
    counters_.all_tokens += static_cast<int64_t>(smp.tokens.size());
    if (smp.verifier_error) continue;
    s_.source.record(it->second.task, smp.correct);
    counters_.all_samples++;
    counters_.all_correct += smp.correct;
    counters_.all_reward += smp.reward.value_or(0.0);
  }
  pending_.erase(it);
  counters_.returned++;
  return g;
}

// Decides whether a group can train; fills advantages.
std::optional<UsableGroup> GroupCollector::usable(RolloutGroup g, uint64_t version) {
  UsableGroup u;
  std::vector<double> rewards;
  size_t sampled = 0;  // kept samples of the policy's (a guide is not one)
  // learner.guide_groups "failed": a group with a right sample of the policy's own leaves its
  // guide out (and its advantages are the plain group's).
  const bool guide_left_out =
      s_.cfg.guide_groups == "failed" &&
      std::any_of(g.samples.begin(), g.samples.end(), [](const SampleResult& s) {
        return !s.guide && !s.verifier_error && s.reward && s.correct;
      });
  for (size_t i = 0; i < g.samples.size(); ++i) {
    const bool guide = g.samples[i].guide;
    if (!guide) counters_.scored_by_control += g.samples[i].scored_by_control;
    if (guide && guide_left_out) {
      counters_.guides_not_needed++;
      continue;
    }
    if (g.samples[i].verifier_error || !g.samples[i].reward) {
      if (!guide) counters_.verifier_errors++;
      continue;
    }
    u.kept.push_back(static_cast<int>(i));
    rewards.push_back(*g.samples[i].reward);
    sampled += !guide;
  }
  if (sampled < 2) {
    counters_.too_few++;
    return std::nullopt;
  }
  const bool all_equal =
      std::all_of(rewards.begin(), rewards.end(), [&](double r) { return r == rewards[0]; });
  const bool flat =
      all_equal && s_.cfg.dynamic_sampling && !(s_.selfplay && s_.selfplay->keeps_flat_group(g));
  // A flat group is dropped unless its token penalties may keep it: only then map them.
  bool penalised = false;
  const int32_t end_of_turn = end_of_turn_token(s_.chat, s_.tokenizer);
  for (size_t k = 0; k < u.kept.size() && (!flat || s_.cfg.keep_penalised_groups); ++k) {
    const SampleResult& smp = g.samples[u.kept[k]];
    if (smp.penalties.empty()) continue;
    u.token_offsets.resize(u.kept.size());
    u.token_offsets[k] = token_penalties(smp, s_.tokenizer, end_of_turn);
    penalised = penalised || penalised_tokens(u.token_offsets[k]) > 0;
  }
  if (flat && !penalised) {
    counters_.zero_variance++;
    return std::nullopt;
  }
  u.kept_for_penalties = flat;
  u.advantages = group_advantages(rewards, s_.cfg.grpo);
  u.staleness = version >= g.version ? version - g.version : 0;
  u.g = std::move(g);
  return u;
}

// On-policy: waves of tasks for the current version until the batch is full, or max_waves.
std::vector<UsableGroup> GroupCollector::collect_on_policy(uint64_t version, int64_t step,
                                                           const std::atomic<bool>& stop) {
  std::vector<UsableGroup> batch;
  int wave = 0;
  // Self-play: a proposer group sampled in this step waits for the follow-ups that measure its
  // proposals. Once the batch is full (or the waves are spent) the step goes on with waves of
  // those follow-ups alone until no group waits, so every group trains on the weights that
  // sampled it.
  auto waiting = [&] { return s_.selfplay && s_.selfplay->waiting_groups() > 0; };
  while (!stop) {
    const bool full = static_cast<int>(batch.size()) >= s_.cfg.batch_groups;
    const bool spent = wave >= s_.cfg.max_waves;
    if ((full || spent) && !waiting()) {
      counters_.gave_up = !full;
      break;
    }
    int n = 0;
    if (full || spent) {
      n = static_cast<int>(s_.selfplay->queued_followups());
      if (n == 0) break;  // cannot happen in waves that wait for all their tasks; never spin
    } else {
      const int missing = s_.cfg.batch_groups - static_cast<int>(batch.size());
      // Later waves ask for more than is missing: some groups will be dropped again.
      n = wave > 0                  ? std::min(4 * s_.cfg.batch_groups, 2 * missing)
          : s_.cfg.dynamic_sampling ? first_wave_size(missing, usable_share, s_.cfg.oversample_max)
                                    : missing;
    }
    send_tasks(n, version, stop);
    ++wave;
    std::vector<RolloutGroup> got;
    while (!stop && !pending_.empty()) {
      s_.serve_control();
      expire_lost();
      if (auto g = receive(version, 100)) got.push_back(std::move(*g));
    }
    // Arrival order depends on timing; the seq order does not.
    std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    std::vector<RolloutGroup> ready = std::move(released_);
    released_.clear();
    for (auto& g : got) {
      counters_.gen_seconds += g.gen_seconds;
      counters_.verify_seconds += g.verify_seconds;
      for (auto& r : route(std::move(g), step)) ready.push_back(std::move(r));
    }
    for (auto& g : ready) {
      // Self-play groups that complete this step's proposals train even past batch_groups:
      // they were sampled for it.
      const bool selfplay = s_.selfplay && s_.selfplay->is_selfplay_group(g);
      auto u = usable(std::move(g), version);
      if (!u) continue;
      if (static_cast<int>(batch.size()) < s_.cfg.batch_groups || selfplay)
        batch.push_back(std::move(*u));
      else
        counters_.unused++;
    }
    const std::string note = long_sampling_note(step + 1, tally(batch.size()));
    if (!note.empty()) log_info(note);
  }
  if (!stop) {
    usable_share = next_usable_share(
        usable_share, static_cast<int64_t>(batch.size()) + counters_.unused, counters_.returned);
  }
  return batch;
}

// Off-policy within max_staleness: keep tasks in flight and take groups as they come, until
// the batch is full or max_waves x batch_groups groups were accounted for (judged or lost).
std::vector<UsableGroup> GroupCollector::collect_async(uint64_t version, int64_t step,
                                                       const std::atomic<bool>& stop) {
  std::vector<UsableGroup> batch;
  const int in_flight =
      s_.cfg.prefetch_groups > 0 ? s_.cfg.prefetch_groups : 2 * s_.cfg.batch_groups;
  const int64_t budget = static_cast<int64_t>(s_.cfg.max_waves) * s_.cfg.batch_groups;
  while (!stop && static_cast<int>(batch.size()) < s_.cfg.batch_groups) {
    if (counters_.returned - counters_.stale + counters_.lost >= budget) {
      counters_.gave_up = true;
      break;
    }
    s_.serve_control();
    expire_lost();
    const int gap = in_flight - static_cast<int>(pending_.size());
    if (gap > 0) send_tasks(gap, 0, stop);
    auto g = receive(version, 100);
    if (!g) continue;
    counters_.gen_seconds += g->gen_seconds;
    counters_.verify_seconds += g->verify_seconds;
    if (version - g->version > static_cast<uint64_t>(s_.cfg.max_staleness)) {
      counters_.stale++;
      // A stale follow-up still tells its proposal's solve rate; the group itself is dropped.
      if (s_.selfplay) {
        const uint64_t seq = g->seq;
        for (auto& r : route(std::move(*g), step)) {
          if (r.seq != seq) released_.push_back(std::move(r));
        }
      }
      continue;
    }
    std::vector<RolloutGroup> ready = std::move(released_);
    released_.clear();
    for (auto& r : route(std::move(*g), step)) ready.push_back(std::move(r));
    for (auto& r : ready) {
      // A proposer group released now was sampled when it was sent: it obeys the same bound.
      if (version - std::min(version, r.version) > static_cast<uint64_t>(s_.cfg.max_staleness)) {
        counters_.stale++;
        continue;
      }
      if (auto u = usable(std::move(r), version)) batch.push_back(std::move(*u));
    }
  }
  return batch;
}

}  // namespace r1
