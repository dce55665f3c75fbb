#include "learner/learner.h"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "core/clock.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/rl_messages.h"
#include "learner/grpo_update.h"
#include "learner/run_checkpoint.h"
#include "learner/short_batch.h"
#include "learner/step_report.h"
#include "model/checkpoint.h"
#include "verifiers/selfplay/selfplay_verifiers.h"

namespace r1 {

namespace {

uint64_t new_session_id() {
  uint64_t x = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) ^
               (static_cast<uint64_t>(::getpid()) << 32);
  return splitmix64(x) | 1;
}

}  // namespace

Learner::Learner(Context& ctx, const Endpoints& endpoints, LearnerSetup setup)
    : ctx_(ctx),
      ep_(endpoints),
      s_(std::move(setup)),
      cfg_(s_.config),
      rng_(s_.seed, hash64("learner")),
      session_(new_session_id()) {
  if (cfg_.grpo.uses_reference() && !s_.reference)
    fail("learner: kl_beta is set but no reference model was given");
  opt_ = std::make_unique<AdamW>(s_.model->table(), cfg_.optimizer, s_.model->backend());
  source_ = std::make_unique<TaskSource>(s_.tasks);
  if (SelfPlaySource* sp = source_->self_play()) {
    const auto o = SelfPlayVerifierOptions::read(s_.selfplay_verifier_options,
                                                 "reward.task_verifier_options.proposal");
    selfplay_ =
        std::make_unique<SelfPlayCoordinator>(*sp, o.sandbox, o.limits, &source_->holdout());
  }
  const ModelConfig& mc = s_.model->config();
  RolloutLimits limits;
  limits.group_size = s_.group_size;
  limits.vocab_size = mc.vocab_size;
  limits.max_new_tokens = s_.max_new_tokens;
  limits.max_positions = mc.max_position_embeddings;
  limits.decode = [tok = s_.tokenizer.get(), eot = end_of_turn_token(s_.chat, *s_.tokenizer)](
                      const std::vector<int32_t>& ids) {
    return decode_completion(*tok, ids, eot);
  };
  limits.reward_min = s_.reward_min;
  limits.reward_max = s_.reward_max;
  limits.max_span_penalty = s_.max_span_penalty;
  limits.guide_text = [chat = s_.chat](const std::string& g) { return chat.completion_of(g); };
  const int context = s_.rollout_context > 0 ? s_.rollout_context : mc.max_position_embeddings;
  collector_ = std::make_unique<GroupCollector>(CollectorSetup{
      cfg_, *source_, *s_.tokenizer, s_.chat, s_.group_size, session_, std::move(limits),
      [this] { serve_control(); }, selfplay_.get(), std::max(1, context - s_.max_new_tokens)});
  if (s_.resume) {
    auto latest = find_latest_checkpoint(s_.run_dir);
    if (!latest) fail(s_.run_dir, ": --resume, but there is no checkpoint to resume from");
    json st = load_run_checkpoint(latest->dir, *s_.model, opt_.get());
    load_state(st, latest->dir + "/trainer_state.json");
    if (step_ > cfg_.steps)
      fail(latest->dir, ": checkpoint step ", step_, " is beyond the run's ", cfg_.steps,
           " steps (learner.steps)");
    log_info("learner: resumed from ", latest->dir, " at step ", step_, ", weights version ",
             version_);
  }
  // A fresh run's buffer starts from validated seeds; a resumed one has its saved buffer.
  if (selfplay_) selfplay_->seed_buffer();
  metrics_ = std::make_unique<MetricsSink>(s_.run_dir, s_.resume, step_);
  // Sample rows past the checkpoint (a killed run wrote them) would come again, doubled; a fresh
  // run's folder keeps none of an earlier start's.
  const std::string samples = join_path(s_.run_dir, "samples.jsonl");
  std::error_code ignored;  // what cannot go is refused when the first samples are written
  if (s_.resume)
    trim_jsonl_to_step(samples, step_);
  else
    std::filesystem::remove(samples, ignored);
}

bool Learner::finished() const {
  return finished_;
}

void Learner::publish() {
  const double t0 = steady_seconds();
  if (s_.share) {  // the workers read the model in place: only the version changes hands
    s_.share->publish(version_, session_);
    publish_seconds_ = steady_seconds() - t0;
    return;
  }
  WeightsPayload w;
  w.version = version_;
  w.session = session_;
  w.params.resize(s_.model->num_params());
  s_.model->read_params(w.params.data(), 0, w.params.size());
  for (int l = 0; l < s_.model->config().num_hidden_layers; ++l)
    w.expert_bias.push_back(s_.model->expert_bias(l));
  publish_weights(*weights_, w);
  publish_seconds_ = steady_seconds() - t0;
}

void Learner::serve_control() {
  // A worker that says hello gets the weights again; shared weights are never missing.
  if (control_->take_republish() && !s_.share) publish();
}

json Learner::state() const {
  json rs = json::array();
  for (uint64_t w : rng_.state()) rs.push_back(w);
  return {{"step", step_},
          {"version", version_},
          {"next_seq", collector_->next_seq},
          {"next_wave", collector_->next_wave},
          {"usable_share", collector_->usable_share},
          {"rng", rs},
          {"task_source", source_->state()},
          {"skipped_steps", skipped_steps_}};
}

void Learner::load_state(const json& st, const std::string& where) {
  JsonReader r(st, where);
  step_ = r.req<int64_t>("step");
  version_ = r.req<uint64_t>("version");
  collector_->next_seq = r.req<uint64_t>("next_seq");
  collector_->next_wave = r.req<uint64_t>("next_wave");
  collector_->usable_share = r.get<double>("usable_share", 1.0);  // absent before oversampling
  skipped_steps_ = r.get<int64_t>("skipped_steps", 0);  // absent in checkpoints of older versions
  auto rs = r.req<std::vector<uint64_t>>("rng");
  if (rs.size() != 4) r.fail_field("rng", "expected 4 words");
  rng_.set_state({rs[0], rs[1], rs[2], rs[3]});
  source_->load_state(r.raw("task_source"), where + ": task_source");
  r.ignore({"optimizer_step"});
  r.done();
}

void Learner::save_checkpoint_of(const json& state) const {
  save_run_checkpoint(s_.run_dir, step_, *s_.model, *s_.tokenizer, opt_.get(), state,
                      cfg_.keep_checkpoints);
}

int64_t Learner::run(const std::atomic<bool>& stop,
                     const std::function<void(const StepReport&)>& on_step) {
  if (cfg_.threads > 0) omp_set_num_threads(cfg_.threads);
  collector_->bind(ctx_, ep_);
  weights_ = std::make_unique<Channel>(ctx_, SocketKind::Pub, "weights", ep_.weights, true,
                                       ep_.channel_options("weights"));
  control_ = std::make_unique<LearnerControl>(ctx_, ep_, s_.worker_settings);
  publish();

  GrpoUpdateContext update{*s_.model,         s_.reference.get(), *opt_, cfg_,
                           s_.max_new_tokens, s_.temperature,     rng_};
  Progress progress("rl", cfg_.steps, 1, step_);
  if (cfg_.max_seconds > 0) progress.set_time_budget(cfg_.max_seconds);
  const double run_start = steady_seconds();
  bool time_up = false;
  // The state at the end of the last finished step: a stop during the next step's sampling
  // (which advances the task cursor and RNG) checkpoints this, so a resumed run continues as if
  // never stopped.
  json step_state = state();
  int64_t saved_step = step_;
  while (!stop && step_ < cfg_.steps && !time_up) {
    const double t0 = steady_seconds();
    auto batch = collector_->collect(version_, step_, stop);
    if (stop) break;
    const double t1 = steady_seconds();
    if (collector_->counters().gave_up)
      log_warn(short_batch_warning(step_ + 1, collector_->tally(batch.size())));
    // A step with no usable group skips its update: it still counts (the run ends after `steps`
    // attempts), the weights and their version stay as they are.
    const bool skipped = batch.empty();
    GrpoUpdateStats ts;
    double turn_wait_s = 0, t2 = 0;
    {
      // Shared weights: the update waits for the workers' generate calls to end, and none starts
      // again until the new version is published (every minibatch's step lands in one version).
      WeightsShare::Writing turn;
      if (!skipped && s_.share) {
        turn = s_.share->write();
        turn_wait_s = steady_seconds() - t1;
      }
      if (!skipped) ts = grpo_update(update, batch);
      t2 = steady_seconds();
      step_++;
      if (skipped) {
        skipped_steps_++;
        publish_seconds_ = 0;
      } else {
        version_++;
        publish();
      }
    }
    const double t3 = steady_seconds();
    StepFacts facts{.batch = batch, .update = ts, .counters = collector_->counters()};
    facts.version = version_;
    facts.skipped_steps = skipped_steps_;
    facts.collect_s = t1 - t0;
    facts.train_s = t2 - t1 - turn_wait_s;
    facts.step_s = t3 - t0;
    facts.publish_s = publish_seconds_ + turn_wait_s;  // shared weights: the wait for the turn
    facts.weights_shared = s_.share != nullptr;
    for (const auto& e : s_.tasks.mix) {
      if (!e.family.empty() && e.difficulty == 0 && source_->curriculum().has_family(e.family)) {
        facts.curriculum[e.family] = source_->curriculum().difficulty(e.family);
      }
    }
    facts.held_out_tasks = source_->held_out();
    facts.task_sources = source_->external_counts();
    if (selfplay_) facts.selfplay = selfplay_->take_step_metrics();
    facts.rejected_scored = collector_->rejected();
    facts.rejected_control = control_->rejected();
    json m = step_metrics(facts);
    metrics_->log(step_, m);
    if (cfg_.samples_every > 0 && step_ % cfg_.samples_every == 0) {
      append_samples(join_path(s_.run_dir, "samples.jsonl"), step_, batch, s_.chat,
                     cfg_.samples_per_step);
    }
    time_up = cfg_.max_seconds > 0 && steady_seconds() - run_start >= cfg_.max_seconds;
    if (time_up)
      log_info("learner: time budget of ", cfg_.max_seconds, "s reached at step ", step_);
    if (step_ % std::max(1, cfg_.checkpoint_every) == 0 || step_ == cfg_.steps || time_up) {
      save_checkpoint_of(state());
      saved_step = step_;
    }
    step_state = state();
    if (on_step) on_step({step_, m});
    progress.update(
        step_,
        cat("reward ", m["reward"]["mean"].get<double>(), " acc ", m["accuracy"].get<double>(),
            " tok/s ", static_cast<int64_t>(m["tokens_per_second"]["rollout"].get<double>())));
  }
  progress.finish();
  if (stop && step_ > saved_step) {
    log_info("learner: stopped; checkpointing step ", step_, " (resume with --resume)");
    save_checkpoint_of(step_state);
  }
  if (step_ == cfg_.steps || time_up) write_final_model(s_.run_dir, *s_.model, *s_.tokenizer);
  metrics_->flush();
  finished_ = step_ == cfg_.steps || time_up;
  control_->stop_workers();  // tell workers that said hello that the run is over
  return step_;
}

}  // namespace r1
