#include "learner/learner.h"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>

#include "core/clock.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/progress.h"
#include "core/rl_messages.h"
#include "core/rng.h"
#include "core/rollout_checks.h"
#include "learner/grpo.h"
#include "learner/learner_control.h"
#include "learner/run_checkpoint.h"
#include "learner/short_batch.h"
#include "model/checkpoint.h"

namespace r1 {

namespace {

// A group after scoring, with what the update needs.
struct UsableGroup {
  RolloutGroup g;
  uint64_t staleness = 0;          // learner version minus sampling version, when taken
  std::vector<int> kept;           // samples without verifier errors
  std::vector<double> advantages;  // per kept sample
};

struct Pending {
  Task task;
  double sent_at = 0;
  SentTask sent;  // what a scored group for it must answer (core/rollout_checks.h)
};

// Counters of one step, reset by the step.
struct StepCounters {
  int64_t returned = 0, zero_variance = 0, too_few = 0, stale = 0, lost = 0, verifier_errors = 0,
          waves = 0, unused = 0;
  double gen_seconds = 0, verify_seconds = 0;
  // Every scored sample that came back, before dynamic sampling drops groups: the unbiased
  // picture of the policy (the "reward"/"accuracy" of a step cover only the groups it trained on).
  int64_t all_samples = 0;
  double all_reward = 0, all_correct = 0;
  bool gave_up = false;  // sampling ended with fewer usable groups than batch_groups
};

}  // namespace

struct Learner::Impl {
  Context& ctx;
  Endpoints ep;
  LearnerSetup s;
  LearnerConfig& cfg;
  std::unique_ptr<Channel> tasks, scored, weights;
  std::unique_ptr<LearnerControl> control;
  RolloutLimits limits;  // what a scored group of this run can hold
  std::unique_ptr<AdamW> opt;
  std::unique_ptr<TaskSource> source;
  std::unique_ptr<MetricsSink> metrics;
  Rng rng;
  int64_t step = 0;
  uint64_t version = 0;
  uint64_t next_seq = 0;
  uint64_t next_wave = 0;
  // This learner process's id on the weights channel (see WeightsPayload::session).
  const uint64_t session = [] {
    uint64_t x = static_cast<uint64_t>(
                     std::chrono::system_clock::now().time_since_epoch().count()) ^
                 (static_cast<uint64_t>(::getpid()) << 32);
    return splitmix64(x) | 1;
  }();
  std::map<uint64_t, Pending> pending;  // seq -> task in flight
  StepCounters counters;
  double publish_seconds = 0;
  int64_t skipped_steps = 0;  // steps that gave up sampling with no usable group (no update)
  bool finished = false;      // all steps done or the time budget spent

  Impl(Context& c, const Endpoints& e, LearnerSetup setup)
      : ctx(c), ep(e), s(std::move(setup)), cfg(s.config), rng(s.seed, hash64("learner")) {}

  // ---- weights ---------------------------------------------------------------------------
  void publish() {
    const double t0 = steady_seconds();
    WeightsPayload w;
    w.version = version;
    w.session = session;
    w.params.resize(s.model->num_params());
    s.model->read_params(w.params.data(), 0, w.params.size());
    for (int l = 0; l < s.model->config().num_hidden_layers; ++l)
      w.expert_bias.push_back(s.model->expert_bias(l));
    publish_weights(*weights, w);
    publish_seconds = steady_seconds() - t0;
  }

  // Answers hellos (late or restarted workers) by publishing the current weights again.
  void serve_control() {
    if (control->take_republish()) publish();
  }

  // ---- tasks -----------------------------------------------------------------------------
  // Sends a wave of n tasks; returns early when stopped (a stopped step is abandoned).
  void send_tasks(int n, uint64_t min_version, const std::atomic<bool>& stop) {
    const uint64_t wave = next_wave++;
    counters.waves++;
    for (int i = 0; i < n; ++i) {
      Task t = source->next();
      TaskAssignment a;
      a.seq = next_seq++;
      a.task = t.to_json();
      a.group_size = s.group_size;
      a.min_version = min_version;
      a.session = session;
      a.wave = wave;
      a.wave_size = n;
      if (!hand_out(a, stop)) return;
      SentTask sent{a.task, s.tokenizer->encode(s.chat.render(t.prompt))};
      pending[a.seq] = {std::move(t), steady_seconds(), std::move(sent)};
    }
  }

  // Waits until a rollout worker takes the task (none may be connected yet); false when stopped.
  bool hand_out(const TaskAssignment& a, const std::atomic<bool>& stop) {
    const double since = steady_seconds();
    bool said = false;
    while (!tasks->send(a.to_message(), 200)) {
      if (stop) return false;
      serve_control();
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

  SamplingTally tally(size_t used) const {
    return {cfg.batch_groups,       static_cast<int64_t>(used), counters.waves, counters.returned,
            counters.zero_variance, counters.too_few,           counters.stale, counters.lost,
            cfg.task_timeout_s};
  }

  void expire_lost() {
    const double t = steady_seconds();
    for (auto it = pending.begin(); it != pending.end();) {
      if (t - it->second.sent_at > cfg.task_timeout_s) {
        log_warn("learner: task ", it->first, " not back after ", cfg.task_timeout_s,
                 "s; written off (worker died?)");
        counters.lost++;
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Receives one scored group for a task we sent; records its results in the curriculum.
  std::optional<RolloutGroup> receive(int timeout_ms) {
    auto m = scored->recv(timeout_ms);
    if (!m) return std::nullopt;
    RolloutGroup g;
    std::map<uint64_t, Pending>::iterator it;
    try {
      g = RolloutGroup::from_message(*m);
      if (!g.scored) throw MessageError("an unscored rollout on the scored channel");
      it = pending.find(g.seq);
      if (it == pending.end()) {
        throw MessageError(cat("scored group seq ", g.seq,
                               ": no such task in flight (written off, answered already, "
                               "or never sent)"));
      }
      check_rollout_group(g, limits);
      check_answers(g, it->second.sent, version);
    } catch (const MessageError& e) {
      scored->reject(
          e.what());  // counted in rejected_messages.scored; the task is written off later
      return std::nullopt;
    }
    for (const auto& smp : g.samples) {
      if (smp.verifier_error) continue;
      source->record(it->second.task, smp.correct);
      counters.all_samples++;
      counters.all_correct += smp.correct;
      counters.all_reward += smp.reward.value_or(0.0);
    }
    pending.erase(it);
    counters.returned++;
    return g;
  }

  // Decides whether a group can train; fills advantages.
  std::optional<UsableGroup> usable(RolloutGroup g) {
    UsableGroup u;
    std::vector<double> rewards;
    for (size_t i = 0; i < g.samples.size(); ++i) {
      if (g.samples[i].verifier_error || !g.samples[i].reward) {
        counters.verifier_errors++;
        continue;
      }
      u.kept.push_back(static_cast<int>(i));
      rewards.push_back(*g.samples[i].reward);
    }
    if (u.kept.size() < 2) {
      counters.too_few++;
      return std::nullopt;
    }
    const bool all_equal =
        std::all_of(rewards.begin(), rewards.end(), [&](double r) { return r == rewards[0]; });
    if (all_equal && cfg.dynamic_sampling) {
      counters.zero_variance++;
      return std::nullopt;
    }
    u.advantages = group_advantages(rewards, cfg.grpo);
    u.staleness = version >= g.version ? version - g.version : 0;
    u.g = std::move(g);
    return u;
  }

  // On-policy: waves of tasks for the current version until the batch is full, or max_waves.
  std::vector<UsableGroup> collect_on_policy(const std::atomic<bool>& stop) {
    std::vector<UsableGroup> batch;
    int wave = 0;
    while (!stop && static_cast<int>(batch.size()) < cfg.batch_groups) {
      if (wave >= cfg.max_waves) {
        counters.gave_up = true;
        break;
      }
      const int missing = cfg.batch_groups - static_cast<int>(batch.size());
      // Later waves ask for more than is missing: some groups will be dropped again.
      const int n = wave == 0 ? missing : std::min(4 * cfg.batch_groups, 2 * missing);
      send_tasks(n, version, stop);
      ++wave;
      std::vector<RolloutGroup> got;
      while (!stop && !pending.empty()) {
        serve_control();
        expire_lost();
        if (auto g = receive(100)) got.push_back(std::move(*g));
      }
      // Arrival order depends on timing; the seq order does not.
      std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
      for (auto& g : got) {
        counters.gen_seconds += g.gen_seconds;
        counters.verify_seconds += g.verify_seconds;
        auto u = usable(std::move(g));
        if (!u) continue;
        if (static_cast<int>(batch.size()) < cfg.batch_groups)
          batch.push_back(std::move(*u));
        else
          counters.unused++;
      }
      const std::string note = long_sampling_note(step + 1, tally(batch.size()));
      if (!note.empty()) log_info(note);
    }
    return batch;
  }

  // Off-policy within max_staleness: keep tasks in flight and take groups as they come, until
  // the batch is full or max_waves x batch_groups groups were accounted for (judged or lost).
  std::vector<UsableGroup> collect_async(const std::atomic<bool>& stop) {
    std::vector<UsableGroup> batch;
    const int in_flight = cfg.prefetch_groups > 0 ? cfg.prefetch_groups : 2 * cfg.batch_groups;
    const int64_t budget = static_cast<int64_t>(cfg.max_waves) * cfg.batch_groups;
    while (!stop && static_cast<int>(batch.size()) < cfg.batch_groups) {
      if (counters.returned - counters.stale + counters.lost >= budget) {
        counters.gave_up = true;
        break;
      }
      serve_control();
      expire_lost();
      const int gap = in_flight - static_cast<int>(pending.size());
      if (gap > 0) send_tasks(gap, 0, stop);
      auto g = receive(100);
      if (!g) continue;
      counters.gen_seconds += g->gen_seconds;
      counters.verify_seconds += g->verify_seconds;
      if (version - g->version > static_cast<uint64_t>(cfg.max_staleness)) {
        counters.stale++;
        continue;
      }
      if (auto u = usable(std::move(*g))) batch.push_back(std::move(*u));
    }
    return batch;
  }

  // ---- the update ------------------------------------------------------------------------
  struct TrainStats {
    GrpoStats last;
    double loss = 0, pg_loss = 0, kl = 0, clip = 0, clip_low = 0, clip_high = 0, grad_norm = 0,
           entropy = 0, lr = 0;
    int64_t tokens = 0, optimizer_steps = 0;
    std::vector<std::vector<int64_t>>
        expert_load;  // tokens per expert per MoE layer, last optimizer step
    double load_imbalance = 0;
  };

  TrainStats train(const std::vector<UsableGroup>& batch) {
    struct Seq {
      const UsableGroup* group;
      int sample;
      double advantage;
    };
    std::vector<Seq> seqs;
    for (const auto& u : batch) {
      for (size_t k = 0; k < u.kept.size(); ++k) seqs.push_back({&u, u.kept[k], u.advantages[k]});
    }
    TrainStats ts;
    const int mbs = std::max(1, std::min(cfg.minibatches, static_cast<int>(seqs.size())));
    GrpoConfig gc = cfg.grpo;
    if (gc.norm_length == 0) gc.norm_length = s.max_new_tokens;
    double entropy_sum = 0;
    int64_t entropy_n = 0;
    for (int it = 0; it < cfg.iterations; ++it) {
      std::vector<size_t> order(seqs.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      rng.shuffle(order);
      for (int mb = 0; mb < mbs; ++mb) {
        const size_t lo = order.size() * mb / mbs, hi = order.size() * (mb + 1) / mbs;
        PackedBatch pb;
        std::vector<GrpoSequence> gs;
        std::vector<int> prompt_len;
        for (size_t i = lo; i < hi; ++i) {
          const Seq& q = seqs[order[i]];
          const RolloutGroup& g = q.group->g;
          std::vector<int32_t> full = g.prompt;
          const auto& toks = g.samples[q.sample].tokens;
          full.insert(full.end(), toks.begin(), toks.end());
          pb.add(full);
          gs.push_back(completion_span(pb, pb.num_seqs() - 1, static_cast<int>(g.prompt.size()),
                                       q.advantage));
        }
        const int N = pb.num_tokens();
        std::vector<float> logp(N), old_logp(N, 0.0f), ref_logp, dlogp(N);
        for (size_t k = 0; k < gs.size(); ++k) {
          const Seq& q = seqs[order[lo + k]];
          const auto& lp = q.group->g.samples[q.sample].logprobs;
          std::copy(lp.begin(), lp.end(), old_logp.begin() + gs[k].offset);
        }
        if (gc.uses_reference()) {
          ref_logp.resize(N);
          s.reference->forward(pb, ref_logp.data(), s.temperature);
        }
        s.model->zero_grad();
        s.model->forward(pb, logp.data(), s.temperature);
        if (it == 0) {
          std::vector<float> ent(N);
          s.model->token_entropy(ent.data());
          for (const auto& q : gs) {
            for (int32_t t = 0; t < q.length; ++t) entropy_sum += ent[q.offset + t];
            entropy_n += q.length;
          }
        }
        GrpoStats st = grpo_loss<float>(gc, gs, logp, old_logp, ref_logp, dlogp);
        s.model->backward(dlogp.data());
        const int64_t total = static_cast<int64_t>(cfg.steps) * cfg.iterations * mbs;
        ts.lr = cfg.schedule.lr(cfg.optimizer.lr, opt->steps(), total);
        ts.grad_norm = opt->step(s.model->params(), s.model->grads(), ts.lr);
        // The load of this optimizer step's routing, read before the bias update resets it.
        ts.expert_load = s.model->expert_load();
        ts.load_imbalance = s.model->load_imbalance();
        if (cfg.bias_gamma > 0)
          s.model->update_expert_bias(cfg.bias_gamma);
        else
          s.model->reset_expert_load();
        ts.optimizer_steps++;
        ts.loss += st.loss;
        ts.pg_loss += st.pg_loss;
        ts.kl += st.kl_mean;
        ts.clip += st.clip_fraction;
        ts.clip_low += st.clip_low_fraction;
        ts.clip_high += st.clip_high_fraction;
        ts.tokens += st.tokens;
        ts.last = st;
      }
    }
    const double k = std::max<int64_t>(1, ts.optimizer_steps);
    ts.loss /= k;
    ts.pg_loss /= k;
    ts.kl /= k;
    ts.clip /= k;
    ts.clip_low /= k;
    ts.clip_high /= k;
    ts.entropy = entropy_n ? entropy_sum / entropy_n : 0;
    return ts;
  }

  // ---- run folder ------------------------------------------------------------------------
  json state() const {
    json rs = json::array();
    for (uint64_t w : rng.state()) rs.push_back(w);
    return {{"step", step},
            {"version", version},
            {"next_seq", next_seq},
            {"next_wave", next_wave},
            {"rng", rs},
            {"task_source", source->state()},
            {"skipped_steps", skipped_steps}};
  }

  void load_state(const json& st, const std::string& where) {
    JsonReader r(st, where);
    step = r.req<int64_t>("step");
    version = r.req<uint64_t>("version");
    next_seq = r.req<uint64_t>("next_seq");
    next_wave = r.req<uint64_t>("next_wave");
    skipped_steps = r.get<int64_t>("skipped_steps", 0);  // absent in checkpoints of older versions
    auto rs = r.req<std::vector<uint64_t>>("rng");
    if (rs.size() != 4) r.fail_field("rng", "expected 4 words");
    rng.set_state({rs[0], rs[1], rs[2], rs[3]});
    source->load_state(r.raw("task_source"), where + ": task_source");
    r.ignore({"optimizer_step"});
    r.done();
  }

  void write_samples(const std::vector<UsableGroup>& batch) {
    std::ofstream f(join_path(s.run_dir, "samples.jsonl"), std::ios::app);
    int written = 0;
    for (const auto& u : batch) {
      for (size_t k = 0; k < u.kept.size() && written < cfg.samples_per_step; ++k, ++written) {
        const SampleResult& smp = u.g.samples[u.kept[k]];
        json j = {{"step", step},
                  {"seq", u.g.seq},
                  {"task_id", u.g.task.value("id", "")},
                  {"prompt", u.g.task.value("prompt", "")},
                  {"answer", u.g.task.value("answer", "")},
                  {"completion", s.chat.full_completion(smp.text)},
                  {"reward", smp.reward ? *smp.reward : 0.0},
                  {"advantage", u.advantages[k]},
                  {"correct", smp.correct},
                  {"format_ok", smp.format_ok},
                  {"reason", smp.reason},
                  {"components", smp.components},
                  {"finish_reason", smp.finish_reason},
                  {"version", u.g.version}};
        f << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
      }
    }
  }

  static json load_json(const std::vector<std::vector<int64_t>>& load) {
    json j = json::object();
    for (size_t l = 0; l < load.size(); ++l) {
      if (!load[l].empty()) j[cat("layer", l)] = load[l];
    }
    return j;
  }

  json step_metrics(const std::vector<UsableGroup>& batch, const TrainStats& ts, double collect_s,
                    double train_s, double step_s) {
    double rsum = 0, r2 = 0, correct = 0, fmt = 0, len = 0, stale_max = 0, stale_sum = 0;
    int64_t n = 0, tokens = 0;
    for (const auto& u : batch) {
      const double stale = static_cast<double>(u.staleness);
      stale_max = std::max(stale_max, stale);
      stale_sum += stale;
      for (int i : u.kept) {
        const SampleResult& smp = u.g.samples[i];
        const double r = *smp.reward;
        rsum += r;
        r2 += r * r;
        correct += smp.correct;
        fmt += smp.format_ok;
        len += static_cast<double>(smp.tokens.size());
        tokens += static_cast<int64_t>(smp.tokens.size());
        ++n;
      }
    }
    const double dn = std::max<int64_t>(1, n);
    const double mean = rsum / dn;
    json by_worker = json::object();
    for (const auto& u : batch) by_worker[u.g.worker] = by_worker.value(u.g.worker, 0) + 1;
    json levels = json::object();
    for (const auto& e : s.tasks.mix) {
      if (!e.family.empty() && e.difficulty == 0 && source->curriculum().has_family(e.family)) {
        levels[e.family] = source->curriculum().difficulty(e.family);
      }
    }
    json m = {
        {"version", version},
        {"reward", {{"mean", mean}, {"std", std::sqrt(std::max(0.0, r2 / dn - mean * mean))}}},
        {"accuracy", correct / dn},
        {"format_rate", fmt / dn},
        {"response_length", len / dn},
        {"samples", n},
        {"skipped", batch.empty()},
        {"skipped_steps", skipped_steps},
        {"sampled",
         {{"samples", counters.all_samples},
          {"reward",
           counters.all_reward / std::max<double>(1.0, static_cast<double>(counters.all_samples))},
          {"accuracy", counters.all_correct /
                           std::max<double>(1.0, static_cast<double>(counters.all_samples))}}},
        {"groups",
         {{"used", batch.size()},
          {"returned", counters.returned},
          {"zero_variance", counters.zero_variance},
          {"too_few_valid", counters.too_few},
          {"stale", counters.stale},
          {"lost", counters.lost},
          {"unused", counters.unused},
          {"waves", counters.waves},
          {"gave_up", counters.gave_up}}},
        {"groups_by_worker", by_worker},
        {"verifier_errors", counters.verifier_errors},
        {"staleness",
         {{"max", stale_max}, {"mean", batch.empty() ? 0.0 : stale_sum / batch.size()}}},
        {"loss", ts.loss},
        {"pg_loss", ts.pg_loss},
        {"kl", ts.kl},
        {"clip_fraction", {{"all", ts.clip}, {"low", ts.clip_low}, {"high", ts.clip_high}}},
        {"entropy", ts.entropy},
        {"grad_norm", ts.grad_norm},
        {"lr", ts.lr},
        {"tokens_per_second",
         {{"rollout", tokens / std::max(step_s, 1e-9)},
          {"train", ts.tokens / std::max(train_s, 1e-9)}}},
        {"time",
         {{"step", step_s},
          {"collect", collect_s},
          {"train", train_s},
          {"publish", publish_seconds},
          {"generate_worker", counters.gen_seconds},
          {"verify_worker", counters.verify_seconds}}},
        {"expert_load_imbalance", ts.load_imbalance},
        {"expert_load", load_json(ts.expert_load)},
        {"curriculum", levels},
        {"rejected_messages", {{"scored", scored->rejected()}, {"control", control->rejected()}}},
    };
    return m;
  }
};

Learner::Learner(Context& ctx, const Endpoints& endpoints, LearnerSetup setup)
    : impl_(new Impl(ctx, endpoints, std::move(setup))) {
  Impl& L = *impl_;
  if (L.cfg.grpo.uses_reference() && !L.s.reference)
    fail("learner: kl_beta is set but no reference model was given");
  L.opt = std::make_unique<AdamW>(L.s.model->table(), L.cfg.optimizer, L.s.model->backend());
  L.source = std::make_unique<TaskSource>(L.s.tasks);
  if (L.s.resume) {
    auto latest = find_latest_checkpoint(L.s.run_dir);
    if (!latest) fail(L.s.run_dir, ": --resume, but there is no checkpoint to resume from");
    json st = load_run_checkpoint(latest->dir, *L.s.model, L.opt.get());
    L.load_state(st, latest->dir + "/trainer_state.json");
    log_info("learner: resumed from ", latest->dir, " at step ", L.step, ", weights version ",
             L.version);
  }
  L.metrics = std::make_unique<MetricsSink>(L.s.run_dir, L.s.resume, L.step);
  const ModelConfig& mc = L.s.model->config();
  L.limits.group_size = L.s.group_size;
  L.limits.vocab_size = mc.vocab_size;
  L.limits.max_new_tokens = L.s.max_new_tokens;
  L.limits.max_positions = mc.max_position_embeddings;
  L.limits.decode = [tok = L.s.tokenizer.get()](const std::vector<int32_t>& ids) {
    return tok->decode(ids);
  };
  L.limits.reward_min = L.s.reward_min;
  L.limits.reward_max = L.s.reward_max;
}

Learner::~Learner() = default;

bool Learner::finished() const {
  return impl_->finished;
}

int64_t Learner::run(const std::atomic<bool>& stop,
                     const std::function<void(const StepReport&)>& on_step) {
  Impl& L = *impl_;
  if (L.cfg.threads > 0) omp_set_num_threads(L.cfg.threads);
  ChannelOptions task_opts = L.ep.channel_options("tasks");
  task_opts.send_hwm = 1;  // tasks wait here, not queued at a worker that is slow or may die
  L.tasks =
      std::make_unique<Channel>(L.ctx, SocketKind::Push, "tasks", L.ep.tasks, true, task_opts);
  ChannelOptions scored_opts = L.ep.channel_options("scored");
  // No limit on scored groups waiting here: while the learner hands out a wave (or tops up
  // prefetch_groups) it does not read them, and a full queue would stall the reward service, the
  // workers behind it, and so the wave itself. Tasks in flight bound what can wait.
  scored_opts.recv_hwm = 0;
  L.scored =
      std::make_unique<Channel>(L.ctx, SocketKind::Pull, "scored", L.ep.scored, true, scored_opts);
  L.weights = std::make_unique<Channel>(L.ctx, SocketKind::Pub, "weights", L.ep.weights, true,
                                        L.ep.channel_options("weights"));
  L.control = std::make_unique<LearnerControl>(L.ctx, L.ep);
  L.publish();

  Progress progress("rl", L.cfg.steps, 1, L.step);
  if (L.cfg.max_seconds > 0) progress.set_time_budget(L.cfg.max_seconds);
  const double run_start = steady_seconds();
  bool time_up = false;
  // The state at the end of the last finished step: a stop during the next step's sampling
  // (which advances the task cursor and RNG) checkpoints this, so a resumed run continues as if
  // never stopped.
  json step_state = L.state();
  int64_t saved_step = L.step;
  while (!stop && L.step < L.cfg.steps && !time_up) {
    const double t0 = steady_seconds();
    L.counters = StepCounters{};
    auto batch = L.cfg.max_staleness == 0 ? L.collect_on_policy(stop) : L.collect_async(stop);
    if (stop) break;
    const double t1 = steady_seconds();
    if (L.counters.gave_up) log_warn(short_batch_warning(L.step + 1, L.tally(batch.size())));
    // A step with no usable group skips its update: it still counts (the run ends after `steps`
    // attempts), the weights and their version stay as they are.
    const bool skipped = batch.empty();
    Impl::TrainStats ts;
    if (!skipped) ts = L.train(batch);
    const double t2 = steady_seconds();
    L.step++;
    if (skipped) {
      L.skipped_steps++;
      L.publish_seconds = 0;
    } else {
      L.version++;
      L.publish();
    }
    const double t3 = steady_seconds();
    json m = L.step_metrics(batch, ts, t1 - t0, t2 - t1, t3 - t0);
    L.metrics->log(L.step, m);
    if (L.cfg.samples_every > 0 && L.step % L.cfg.samples_every == 0) L.write_samples(batch);
    time_up = L.cfg.max_seconds > 0 && steady_seconds() - run_start >= L.cfg.max_seconds;
    if (time_up)
      log_info("learner: time budget of ", L.cfg.max_seconds, "s reached at step ", L.step);
    if (L.step % std::max(1, L.cfg.checkpoint_every) == 0 || L.step == L.cfg.steps || time_up) {
      save_run_checkpoint(L.s.run_dir, L.step, *L.s.model, *L.s.tokenizer, L.opt.get(), L.state(),
                          L.cfg.keep_checkpoints);
      saved_step = L.step;
    }
    step_state = L.state();
    if (on_step) on_step({L.step, m});
    progress.update(
        L.step,
        cat("reward ", m["reward"]["mean"].get<double>(), " acc ", m["accuracy"].get<double>(),
            " tok/s ", static_cast<int64_t>(m["tokens_per_second"]["rollout"].get<double>())));
  }
  progress.finish();
  if (stop && L.step > saved_step) {
    log_info("learner: stopped; checkpointing step ", L.step, " (resume with --resume)");
    save_run_checkpoint(L.s.run_dir, L.step, *L.s.model, *L.s.tokenizer, L.opt.get(), step_state,
                        L.cfg.keep_checkpoints);
  }
  if (L.step == L.cfg.steps || time_up)
    save_checkpoint(join_path(L.s.run_dir, "final"), *L.s.model, *L.s.tokenizer);
  L.metrics->flush();
  L.finished = L.step == L.cfg.steps || time_up;
  L.control->stop_workers();  // tell workers that said hello that the run is over
  return L.step;
}

}  // namespace r1
