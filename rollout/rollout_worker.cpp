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
#include "rollout/engine.h"

namespace r1 {

uint64_t sampling_seed(uint64_t run_seed, uint64_t seq) {
  uint64_t x = run_seed ^ 0x5A4D504C494E47ull;  // "SAMPLING"
  uint64_t a = splitmix64(x);
  uint64_t y = seq;
  return a ^ splitmix64(y);
}

void RolloutWorker::connect_tasks() {
  // Queue at most one batch of tasks here: a slow or dead worker then holds few, and the
  // learner's PUSH hands the rest to workers that are free.
  ChannelOptions small = ep_.channel_options("tasks");
  small.recv_hwm = static_cast<int>(std::max<size_t>(1, cfg_.slots / std::max(1, cfg_.group_size)));
  tasks_ = std::make_unique<Channel>(ctx_, SocketKind::Pull, "tasks",
                                     Endpoints::connect_address(ep_.tasks), false, small);
}

void RolloutWorker::connect() {
  // The tasks channel waits for connect_tasks(): see run().
  rollouts_ = std::make_unique<Channel>(ctx_, SocketKind::Push, "rollouts",
                                        Endpoints::connect_address(ep_.rollouts), false,
                                        ep_.channel_options("rollouts"));
  weights_ = std::make_unique<Channel>(ctx_, SocketKind::Sub, "weights",
                                       Endpoints::connect_address(ep_.weights), false,
                                       ep_.channel_options("weights"));
  learner_ = std::make_unique<LearnerLink>(ctx_, ep_, "rollout", id_, settings_);
}

void RolloutWorker::hello(int timeout_ms) {
  learner_->hello(have_weights_ ? std::optional<uint64_t>(version_) : std::nullopt, timeout_ms);
  last_hello_ = steady_seconds();
}

void RolloutWorker::take_shared(const WeightsShare::Version& v) {
  if (!v.published || (have_weights_ && v.session == session_ && v.version == version_)) return;
  have_weights_ = true;
  version_ = v.version;
  session_ = v.session;
  stats_.version = version_;
  stats_.weight_updates++;
}

void RolloutWorker::poll_weights(int timeout_ms) {
  if (share_) {
    take_shared(share_->wait_change({have_weights_, version_, session_}, timeout_ms));
    return;
  }
  for (int wait = timeout_ms;; wait = 0) {
    auto m = weights_->recv(wait);
    if (!m) return;
    learner_->heard();
    try {
      if (!assembler_.add(*m)) continue;
    } catch (const MessageError& e) {
      log_warn("rollout ", id_, ": dropped a bad weights chunk: ", e.what());
      continue;
    }
    WeightsPayload w = assembler_.take();
    if (have_weights_ && w.session == session_ && w.version <= version_) continue;
    if (w.params.size() != model_->num_params()) {
      log_error("rollout ", id_, ": weights version ", w.version, " has ", w.params.size(),
                " values, the model ", model_->num_params(), "; ignored");
      continue;
    }
    model_->write_params(w.params.data(), 0, w.params.size());
    for (int l = 0;
         l < model_->config().num_hidden_layers && l < static_cast<int>(w.expert_bias.size());
         ++l) {
      if (w.expert_bias[l].size() == model_->expert_bias(l).size())
        model_->set_expert_bias(l, w.expert_bias[l]);
    }
    have_weights_ = true;
    version_ = w.version;
    session_ = w.session;
    stats_.version = version_;
    stats_.weight_updates++;
  }
}

// debug_delay_s: keeps the finished batch for `seconds`, or until stopped.
void RolloutWorker::hold(double seconds, const std::atomic<bool>& stop) {
  if (!said_holding_) {
    log_info("rollout ", id_, ": holding its batch for debug_delay_s=", seconds, "s");
    said_holding_ = true;
  }
  const double until = steady_seconds() + seconds;
  while (!stop && steady_seconds() < until) {
    std::this_thread::sleep_for(
        std::chrono::duration<double>(std::min(0.05, until - steady_seconds())));
  }
}

// The learner says "stop" on the control channel when the run is over.
bool RolloutWorker::told_to_stop() {
  learner_stopped_ = learner_->poll();
  return learner_stopped_;
}

bool RolloutWorker::wait_for_version(uint64_t v, uint64_t sess, const std::atomic<bool>& stop) {
  while (!stop && !told_to_stop() && (!have_weights_ || session_ != sess || version_ < v)) {
    if (steady_seconds() - last_hello_ > 2.0) hello();
    poll_weights(100);
  }
  return !stop && !learner_stopped_;
}

std::vector<int32_t> guide_tokens(const std::string& text, const std::vector<std::string>& stop,
                                  int32_t end_of_turn, const Tokenizer& tok) {
  std::vector<int32_t> ids = tok.encode(text);
  const bool ends_at_stop = std::any_of(stop.begin(), stop.end(), [&](const std::string& x) {
    return !x.empty() && text.ends_with(x);
  });
  if (!ends_at_stop && end_of_turn >= 0) ids.push_back(end_of_turn);
  return ids;
}

// Off-policy guidance (tasks.mix[i].guide): the worked solution of each task that carries one,
// as a sample of its group, with the log-probs the weights now held give its tokens (at the
// task's sampling temperature), so that the learner's ratio starts at 1 like a sampled one's.
// A guide that does not fit max_new_tokens or the context, or whose tokens do not decode back to
// it, is left out (warned once): its text must be what the verifiers score.
std::vector<std::optional<SampleResult>> RolloutWorker::guide_samples(
    const std::vector<TaskAssignment>& batch, const std::vector<std::vector<int32_t>>& prompts,
    const std::atomic<bool>& stop) {
  std::vector<std::optional<SampleResult>> out(batch.size());
  if (stop) return out;
  std::vector<size_t> which;  // batch index of each guide
  const int context = gen_->max_len();  // as for the samples: a guide fits where they could
  const int32_t end_of_turn = end_of_turn_token(chat_, *tok_);
  for (size_t k = 0; k < batch.size(); ++k) {
    const std::string guide = task_guide(batch[k].task);
    if (guide.empty()) continue;
    const std::string text = chat_.completion_of(guide);
    SampleResult s;
    s.tokens = guide_tokens(text, cfg_.stop, end_of_turn, *tok_);
    s.text = decode_completion(*tok_, s.tokens, end_of_turn);
    const bool fits = !s.tokens.empty() &&
                      static_cast<int>(s.tokens.size()) <= cfg_.max_new_tokens &&
                      static_cast<int>(prompts[k].size() + s.tokens.size()) <= context;
    if (!fits || s.text != text) {
      if (!said_guide_skipped_) {
        log_warn("rollout ", id_, ": left out the guide of task ", batch[k].task.value("id", "?"),
                 fits ? ": its tokens do not decode back to it"
                 : s.tokens.empty()
                     ? ": it is empty once the prompt's completion prefix is removed"
                     : cat(": its ", s.tokens.size(), " tokens do not fit max_new_tokens ",
                           cfg_.max_new_tokens, " or the context"),
                 " (warned once)");
        said_guide_skipped_ = true;
      }
      continue;
    }
    s.finish_reason = "stop";
    s.guide = true;
    which.push_back(k);
    out[k] = std::move(s);
  }
  // Forward passes of at most kGuideChunkTokens tokens: a wave can hold hundreds of guides.
  size_t q = 0;
  while (q < which.size()) {
    PackedBatch packed;
    const size_t begin = q;
    for (; q < which.size(); ++q) {
      const SampleResult& s = *out[which[q]];
      const int n = static_cast<int>(prompts[which[q]].size() + s.tokens.size());
      if (q > begin && packed.num_tokens() + n > kGuideChunkTokens) break;
      std::vector<int32_t> seq = prompts[which[q]];
      seq.insert(seq.end(), s.tokens.begin(), s.tokens.end());
      packed.add(seq);
      packed.temperature.push_back(static_cast<float>(
          task_sampling_temperature(batch[which[q]].task, cfg_.sampling.temperature)));
    }
    std::vector<float> logp(static_cast<size_t>(packed.num_tokens()));
    model_->forward(packed, logp.data(), cfg_.sampling.temperature);
    for (size_t i = begin; i < q; ++i) {
      SampleResult& s = *out[which[i]];
      const auto first =
          logp.begin() + packed.completion_offset(static_cast<int>(i - begin),
                                                  static_cast<int>(prompts[which[i]].size()));
      s.logprobs.assign(first, first + static_cast<std::ptrdiff_t>(s.tokens.size()));
    }
  }
  return out;
}

void RolloutWorker::run_batch(std::vector<TaskAssignment>& batch, const std::atomic<bool>& stop) {
  // Tasks of a previous learner session (before a restart) are dropped; the learner wrote them
  // off.
  const uint64_t sess = batch.back().session;
  batch.erase(
      std::remove_if(batch.begin(), batch.end(), [&](const auto& t) { return t.session != sess; }),
      batch.end());
  uint64_t need = 0;
  for (const auto& t : batch) need = std::max(need, t.min_version);
  if (!wait_for_version(need, sess, stop)) return;
  // The KV cache's positions, not the model's: kMaxRolloutContext bounds them.
  const int context = gen_->max_len();
  std::vector<GenerationRequest> reqs;
  std::vector<std::vector<int32_t>> prompts;
  std::vector<bool> fits;  // per task: its prompt leaves room for a token
  for (const auto& t : batch) {
    std::string question = t.task.value("prompt", std::string());
    prompts.push_back(tok_->encode(chat_.render(question)));
    const int room = context - static_cast<int>(prompts.back().size());
    // The learner sends no task whose prompt leaves less than max_new_tokens. One that leaves
    // none (a learner of another build) gets empty samples cut by the context, rather than a
    // generate call that throws and takes the worker down; where the prompt is past the model's
    // positions too, the reward service refuses that group and the learner writes the task off.
    fits.push_back(room >= 1);
    if (!fits.back()) {
      log_warn("rollout ", id_, ": task ", t.task.value("id", "?"), " has a prompt of ",
               prompts.back().size(), " tokens; the context holds ", context,
               ": its samples come back empty");
      continue;
    }
    const double temperature = task_sampling_temperature(t.task, cfg_.sampling.temperature);
    for (int i = 0; i < t.group_size; ++i) {
      reqs.push_back({prompts.back(), std::min(cfg_.max_new_tokens, room),
                      sampling_seed(seed_, t.seq), static_cast<uint64_t>(i), temperature});
    }
  }
  GenerationOptions opt(cfg_.sampling, cfg_.stop, *tok_);
  opt.stop_at_end_of_turn(chat_);
  opt.prefill_chunk = cfg_.prefill_chunk;
  opt.cancel = &stop;
  // Shared weights: the learner does not update them while this batch is sampled, and the batch
  // carries the version read under the turn.
  WeightsShare::Reading turn;
  if (share_) {
    turn = share_->read();
    take_shared(share_->current());
  }
  const double t0 = steady_seconds();
  auto results = gen_->generate(reqs, opt);
  // Worked solutions join their groups scored by the same weights, inside the same turn.
  std::vector<std::optional<SampleResult>> guides = guide_samples(batch, prompts, stop);
  const double gen_s = steady_seconds() - t0;
  turn.release();
  if (cfg_.debug_delay_s > 0) hold(cfg_.debug_delay_s, stop);
  if (stop) return;  // the batch is abandoned (generation was cut short)
  const int32_t end_of_turn = end_of_turn_token(chat_, *tok_);
  size_t r = 0;
  for (size_t k = 0; k < batch.size(); ++k) {
    RolloutGroup g;
    g.seq = batch[k].seq;
    g.task = batch[k].task;
    g.prompt = prompts[k];
    g.version = version_;
    g.worker = id_;
    g.gen_seconds = fits[k] ? gen_s * batch[k].group_size / static_cast<double>(reqs.size()) : 0.0;
    for (int i = 0; i < batch[k].group_size; ++i) {
      SampleResult s;
      s.finish_reason = "context";  // not sampled: empty, cut by the context
      if (fits[k]) {
        GenerationResult& res = results[r++];
        s.tokens = std::move(res.tokens);
        s.logprobs = std::move(res.logprobs);
        s.finish_reason = res.finish_reason;
        // A budget cut to the room the context left ends as "length" in the engine; it was the
        // context that cut it.
        if (s.finish_reason == "length" &&
            static_cast<int>(prompts[k].size()) + cfg_.max_new_tokens > gen_->max_len())
          s.finish_reason = "context";
        s.text = decode_completion(*tok_, s.tokens, end_of_turn);
        stats_.tokens += s.tokens.size();
      }
      g.samples.push_back(std::move(s));
    }
    if (guides[k]) g.samples.push_back(std::move(*guides[k]));
    while (!stop && !rollouts_->send(g.to_message(), 200)) {
      if (told_to_stop()) return;  // no reward service to take it, and the run is over
    }
    stats_.groups_sent++;
  }
}

RolloutWorker::RolloutWorker(Context& ctx, const Endpoints& endpoints, const RolloutConfig& config,
                             const ChatTemplate& chat, std::unique_ptr<Model<float>> model,
                             std::unique_ptr<Tokenizer> tokenizer, uint64_t run_seed,
                             std::string id, std::shared_ptr<WeightsShare> share)
    : ctx_(ctx),
      ep_(endpoints),
      cfg_(config),
      chat_(chat),
      model_(std::move(model)),
      share_(std::move(share)),
      tok_(std::move(tokenizer)),
      seed_(run_seed),
      id_(std::move(id)),
      assembler_(model_->num_params()),
      gen_(std::make_unique<GenerationEngine>(
          *model_, config.slots,
          std::min(model_->config().max_position_embeddings, kMaxRolloutContext))) {}

RolloutWorker::~RolloutWorker() = default;

void RolloutWorker::run(const std::atomic<bool>& stop) {
  if (cfg_.threads > 0) omp_set_num_threads(cfg_.threads);
  connect();
  hello(1000);  // the first, while the connection comes up: tasks wait for its answer
  // Tasks are taken a wave at a time and sampled in one generate call, however many slots' worth
  // the wave holds: continuous batching refills a finished sample's slot with the next request,
  // so the batch stays full until the wave's last samples. (One call per slots' worth ran each
  // call down to its slowest sample, and the wave's remainder at a fraction of the batch.)
  while (!stop && !told_to_stop()) {
    poll_weights(0);
    if (!have_weights_) {
      if (steady_seconds() - last_hello_ > 2.0) hello();
      poll_weights(100);
      continue;
    }
    if (!tasks_) {
      // Only once the learner has answered a hello: the learner's PUSH hands each connected
      // worker its share of a wave at once, and a worker it then refuses (other settings) or
      // never hears of would hold those tasks until learner.task_timeout_s wrote them off.
      if (learner_->awaiting_answer()) {
        poll_weights(100);
        continue;
      }
      connect_tasks();
    }
    auto first = tasks_->recv(100);
    if (!first) continue;
    learner_->heard();
    std::vector<TaskAssignment> batch;
    try {
      batch.push_back(TaskAssignment::from_message(*first));
    } catch (const MessageError& e) {
      log_warn("rollout ", id_, ": dropped a bad task message: ", e.what());
      continue;
    }
    // Gather the rest of the wave while tasks keep arriving: with one worker the whole wave
    // arrives back to back and is sampled as one batch (the same batch every run); with several,
    // the stream stops once the others took their share.
    const uint64_t wave = batch[0].wave;
    const size_t want = static_cast<size_t>(std::max(1, batch[0].wave_size));
    while (batch.size() < want && !stop) {
      auto m = tasks_->recv(100);
      if (!m) break;  // an idle gap: the rest went to other workers
      try {
        batch.push_back(TaskAssignment::from_message(*m));
      } catch (const MessageError& e) {
        log_warn("rollout ", id_, ": dropped a bad task message: ", e.what());
      }
      if (batch.back().wave != wave) break;  // the next wave started
    }
    stats_.tasks += batch.size();
    run_batch(batch, stop);
  }
}

}  // namespace r1
