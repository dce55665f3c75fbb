#include "rollout/rollout_worker.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/clock.h"
#include "core/learner_link.h"
#include "core/log.h"
#include "core/rl_messages.h"
#include "core/rng.h"
#include "rollout/generator.h"

namespace r1 {

uint64_t sampling_seed(uint64_t run_seed, uint64_t seq) {
  uint64_t x = run_seed ^ 0x5A4D504C494E47ull;  // "SAMPLING"
  uint64_t a = splitmix64(x);
  uint64_t y = seq;
  return a ^ splitmix64(y);
}

struct RolloutWorker::Impl {
  Context& ctx;
  Endpoints ep;
  RolloutConfig cfg;
  ChatTemplate chat;
  std::unique_ptr<Model<float>> model;
  std::unique_ptr<Tokenizer> tok;
  uint64_t seed;
  std::string id;
  RolloutWorkerStats* stats = nullptr;

  std::unique_ptr<Channel> tasks, rollouts, weights;
  std::unique_ptr<LearnerLink> learner;  // control channel: hello, stop, heartbeat
  WeightsAssembler assembler{};  // sized in the constructor; {} since its constructor is explicit
  bool have_weights = false;
  uint64_t version = 0, session = 0;
  double last_hello = -1e9;
  std::unique_ptr<Generator> gen;

  void connect() {
    // Queue at most one batch of tasks here: a slow or dead worker then holds few, and the
    // learner's PUSH hands the rest to workers that are free.
    ChannelOptions small = ep.channel_options("tasks");
    small.recv_hwm = static_cast<int>(std::max<size_t>(1, cfg.slots / std::max(1, cfg.group_size)));
    tasks = std::make_unique<Channel>(ctx, SocketKind::Pull, "tasks",
                                      Endpoints::connect_address(ep.tasks), false, small);
    rollouts = std::make_unique<Channel>(ctx, SocketKind::Push, "rollouts",
                                         Endpoints::connect_address(ep.rollouts), false,
                                         ep.channel_options("rollouts"));
    weights = std::make_unique<Channel>(ctx, SocketKind::Sub, "weights",
                                        Endpoints::connect_address(ep.weights), false,
                                        ep.channel_options("weights"));
    learner = std::make_unique<LearnerLink>(ctx, ep, "rollout", id);
  }

  void hello() {
    learner->hello(have_weights ? std::optional<uint64_t>(version) : std::nullopt);
    last_hello = steady_seconds();
  }

  // Applies every complete weights version waiting on the channel; waits up to timeout_ms for
  // the first message.
  void poll_weights(int timeout_ms) {
    for (int wait = timeout_ms;; wait = 0) {
      auto m = weights->recv(wait);
      if (!m) return;
      learner->heard();
      try {
        if (!assembler.add(*m)) continue;
      } catch (const MessageError& e) {
        log_warn("rollout ", id, ": dropped a bad weights chunk: ", e.what());
        continue;
      }
      WeightsPayload w = assembler.take();
      if (have_weights && w.session == session && w.version <= version) continue;
      if (w.params.size() != model->num_params()) {
        log_error("rollout ", id, ": weights version ", w.version, " has ", w.params.size(),
                  " values, the model ", model->num_params(), "; ignored");
        continue;
      }
      model->write_params(w.params.data(), 0, w.params.size());
      for (int l = 0;
           l < model->config().num_hidden_layers && l < static_cast<int>(w.expert_bias.size());
           ++l) {
        if (w.expert_bias[l].size() == model->expert_bias(l).size())
          model->set_expert_bias(l, w.expert_bias[l]);
      }
      have_weights = true;
      version = w.version;
      session = w.session;
      stats->version = version;
      stats->weight_updates++;
    }
  }

  // debug_delay_s: keeps the finished batch for `seconds`, or until stopped.
  bool said_holding = false;
  void hold(double seconds, const std::atomic<bool>& stop) {
    if (!said_holding) {
      log_info("rollout ", id, ": holding its batch for debug_delay_s=", seconds, "s");
      said_holding = true;
    }
    const double until = steady_seconds() + seconds;
    while (!stop && steady_seconds() < until) {
      std::this_thread::sleep_for(
          std::chrono::duration<double>(std::min(0.05, until - steady_seconds())));
    }
  }

  // The learner says "stop" on the control channel when the run is over; throws when its
  // heartbeat stopped.
  bool learner_stopped = false;
  bool told_to_stop() {
    learner_stopped = learner->poll();
    return learner_stopped;
  }

  // Blocks until weights of at least version `v` of learner session `sess` are here (or stop).
  bool wait_for_version(uint64_t v, uint64_t sess, const std::atomic<bool>& stop) {
    while (!stop && !told_to_stop() && (!have_weights || session != sess || version < v)) {
      if (steady_seconds() - last_hello > 2.0) hello();
      poll_weights(100);
    }
    return !stop && !learner_stopped;
  }

  void run_batch(std::vector<TaskAssignment>& batch, const std::atomic<bool>& stop) {
    // Tasks of a previous learner session (before a restart) are dropped; the learner wrote them
    // off.
    const uint64_t sess = batch.back().session;
    batch.erase(std::remove_if(batch.begin(), batch.end(),
                               [&](const auto& t) { return t.session != sess; }),
                batch.end());
    uint64_t need = 0;
    for (const auto& t : batch) need = std::max(need, t.min_version);
    if (!wait_for_version(need, sess, stop)) return;
    const ModelConfig& mc = model->config();
    std::vector<GenerationRequest> reqs;
    std::vector<std::vector<int32_t>> prompts;
    for (const auto& t : batch) {
      std::string question = t.task.value("prompt", std::string());
      prompts.push_back(tok->encode(chat.render(question)));
      const int room = mc.max_position_embeddings - static_cast<int>(prompts.back().size());
      for (int i = 0; i < t.group_size; ++i) {
        reqs.push_back({prompts.back(), std::max(1, std::min(cfg.max_new_tokens, room)),
                        sampling_seed(seed, t.seq), static_cast<uint64_t>(i)});
      }
    }
    GenerationOptions opt(cfg.sampling, cfg.stop, *tok);
    opt.cancel = &stop;
    const double t0 = steady_seconds();
    auto results = gen->generate(reqs, opt);
    const double gen_s = steady_seconds() - t0;
    if (cfg.debug_delay_s > 0) hold(cfg.debug_delay_s, stop);
    if (stop) return;  // the batch is abandoned (generation was cut short)
    size_t r = 0;
    for (size_t k = 0; k < batch.size(); ++k) {
      RolloutGroup g;
      g.seq = batch[k].seq;
      g.task = batch[k].task;
      g.prompt = prompts[k];
      g.version = version;
      g.worker = id;
      g.gen_seconds = gen_s * batch[k].group_size / static_cast<double>(reqs.size());
      for (int i = 0; i < batch[k].group_size; ++i, ++r) {
        SampleResult s;
        s.tokens = std::move(results[r].tokens);
        s.logprobs = std::move(results[r].logprobs);
        s.finish_reason = results[r].finish_reason;
        s.text = tok->decode(s.tokens);
        stats->tokens += s.tokens.size();
        g.samples.push_back(std::move(s));
      }
      while (!stop && !rollouts->send(g.to_message(), 200)) {
        if (told_to_stop()) return;  // no reward service to take it, and the run is over
      }
      stats->groups_sent++;
    }
  }
};

RolloutWorker::RolloutWorker(Context& ctx, const Endpoints& endpoints, const RolloutConfig& config,
                             const ChatTemplate& chat, std::unique_ptr<Model<float>> model,
                             std::unique_ptr<Tokenizer> tokenizer, uint64_t run_seed,
                             std::string id)
    : impl_(new Impl{ctx, endpoints, config, chat, std::move(model), std::move(tokenizer), run_seed,
                     std::move(id)}) {
  impl_->stats = &stats_;
  impl_->assembler = WeightsAssembler(impl_->model->num_params());
  const int max_len = std::min(impl_->model->config().max_position_embeddings, kMaxRolloutContext);
  impl_->gen = std::make_unique<Generator>(*impl_->model, config.slots, max_len);
}

RolloutWorker::~RolloutWorker() = default;

void RolloutWorker::run(const std::atomic<bool>& stop) {
  Impl& w = *impl_;
  if (w.cfg.threads > 0) omp_set_num_threads(w.cfg.threads);
  w.connect();
  w.hello();
  // Tasks are taken a wave at a time (up to the slots' worth) so the batch is full.
  const size_t max_tasks = std::max<size_t>(1, w.cfg.slots / std::max(1, w.cfg.group_size));
  while (!stop && !w.told_to_stop()) {
    w.poll_weights(0);
    if (!w.have_weights) {
      if (steady_seconds() - w.last_hello > 2.0) w.hello();
      w.poll_weights(100);
      continue;
    }
    auto first = w.tasks->recv(100);
    if (!first) continue;
    w.learner->heard();
    std::vector<TaskAssignment> batch;
    try {
      batch.push_back(TaskAssignment::from_message(*first));
    } catch (const MessageError& e) {
      log_warn("rollout ", w.id, ": dropped a bad task message: ", e.what());
      continue;
    }
    // Gather the rest of the wave while tasks keep arriving: with one worker the whole wave
    // arrives back to back and is sampled as one batch (the same batch every run); with several,
    // the stream stops once the others took their share.
    const uint64_t wave = batch[0].wave;
    const size_t want = std::min(max_tasks, static_cast<size_t>(batch[0].wave_size));
    while (batch.size() < want && !stop) {
      auto m = w.tasks->recv(100);
      if (!m) break;  // an idle gap: the rest went to other workers
      try {
        batch.push_back(TaskAssignment::from_message(*m));
      } catch (const MessageError& e) {
        log_warn("rollout ", w.id, ": dropped a bad task message: ", e.what());
      }
      if (batch.back().wave != wave) break;  // the next wave started
    }
    stats_.tasks += batch.size();
    w.run_batch(batch, stop);
  }
}

}  // namespace r1
