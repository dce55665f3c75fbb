#include "run/roles.h"

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <tuple>

#include <cstdio>

#include "core/fs.h"
#include "core/log.h"
#include "learner/run_checkpoint.h"
#include "reward/reward_range.h"
#include "run/role_settings.h"

namespace r1 {

std::string prepare_run_dir(const RunConfig& cfg, const std::string& out, bool resume) {
  std::string dir = !out.empty() ? out : cfg.out;
  if (dir.empty()) fail(cfg.path, ": no run folder: set \"out\" in the config or pass --out");
  check_not_a_model_folder(dir, out.empty() ? "\"out\"" : "--out");
  bool has_ckpt = !list_checkpoints(dir).empty();
  if (resume && !has_ckpt) fail(dir, ": --resume, but the run folder has no checkpoint");
  if (!resume && has_ckpt) {
    fail(dir,
         ": the run folder already holds checkpoints; pass --resume to continue it, or choose "
         "another --out");
  }
  make_dirs(dir);
  if (resume) {
    // A resumed run must use the same model as its checkpoints.
    auto latest = find_latest_checkpoint(dir);
    check_checkpoint_config(latest->dir, cfg.model_config());
  }
  json resolved = cfg.resolved();
  resolved["out"] = dir;
  write_file_atomic(join_path(dir, "config.json"), resolved.dump(2) + "\n");
  return dir;
}

LearnerSetup make_learner_setup(const RunConfig& cfg, const std::string& run_dir, bool resume) {
  LearnerSetup s;
  s.run_dir = run_dir;
  s.seed = cfg.seed;
  s.config = cfg.learner;
  s.tasks = cfg.tasks;
  s.chat = cfg.chat;
  s.group_size = cfg.rollout.group_size;
  s.max_new_tokens = cfg.rollout.max_new_tokens;
  s.rollout_context = std::min(cfg.model_config().max_position_embeddings, kMaxRolloutContext);
  s.temperature = cfg.rollout.sampling.temperature;
  s.model = cfg.initial_model();
  if (cfg.learner.grpo.uses_reference()) s.reference = cfg.initial_model();
  s.tokenizer = cfg.tokenizer();
  s.resume = resume;
  s.selfplay_verifier_options = cfg.reward.task_verifier_options.value("proposal", json::object());
  std::tie(s.reward_min, s.reward_max) = reward_range(cfg.reward);
  s.worker_settings = {{"rollout", role_settings(cfg, "rollout")},
                       {"reward", role_settings(cfg, "reward")}};
  s.max_span_penalty = 0;  // two components may mark the same bytes
  for (const RewardComponent& c : cfg.reward.components) s.max_span_penalty += c.span_penalty;
  if (s.tokenizer->vocab_size() > s.model->config().vocab_size) {
    fail(cfg.path, ": the tokenizer has ", s.tokenizer->vocab_size(),
         " tokens, the model's vocab_size is ", s.model->config().vocab_size);
  }
  return s;
}

std::unique_ptr<RolloutWorker> make_rollout_worker(Context& ctx, const RunConfig& cfg,
                                                   const Endpoints& ep, const std::string& id,
                                                   int index, Model<float>* policy,
                                                   std::shared_ptr<WeightsShare> share) {
  // Weights arrive from the learner (or are the learner's); only the architecture matters here.
  R1_CHECK(!share || policy, "make_rollout_worker: a weights share needs the learner's model");
  auto model = share ? Model<float>::sharing_weights_of(*policy)
                     : std::make_unique<Model<float>>(cfg.model_config(), cfg.rollout_backend());
  RolloutConfig rc = cfg.rollout;
  if (rc.debug_slow_workers > 0 && index >= rc.debug_slow_workers) rc.debug_delay_s = 0;
  auto worker = std::make_unique<RolloutWorker>(ctx, ep, rc, cfg.chat, std::move(model),
                                                cfg.tokenizer(), cfg.seed, id, std::move(share));
  worker->set_settings(role_settings(cfg, "rollout"));
  return worker;
}

std::unique_ptr<RewardService> make_reward_service(Context& ctx, const RunConfig& cfg,
                                                   const Endpoints& ep, const std::string& id) {
  auto reward = std::make_shared<const RewardFunction>(cfg.reward);
  const ModelConfig mc = cfg.model_config();
  RolloutLimits limits;
  limits.group_size = cfg.rollout.group_size;
  limits.guide_text = [chat = cfg.chat](const std::string& g) { return chat.completion_of(g); };
  limits.vocab_size = mc.vocab_size;
  limits.max_new_tokens = cfg.rollout.max_new_tokens;
  limits.max_positions = mc.max_position_embeddings;
  std::shared_ptr<const Tokenizer> tok = cfg.tokenizer();
  limits.decode = [tok, eot = end_of_turn_token(cfg.chat, *tok)](const std::vector<int32_t>& ids) {
    return decode_completion(*tok, ids, eot);
  };
  auto service =
      std::make_unique<RewardService>(ctx, ep, std::move(reward), cfg.chat.completion_prefix,
                                      cfg.reward_threads, id, std::move(limits));
  service->set_settings(role_settings(cfg, "reward"));
  return service;
}

int64_t run_embedded(const RunConfig& cfg, const std::string& dir, bool resume,
                     const std::function<void(const StepReport&)>& on_step) {
  Context ctx;
  std::atomic<bool> roles_stop{false};
  Endpoints ep = cfg.transport;
  ep.load_keys(true);
  // The learner binds first; the others connect to it.
  LearnerSetup setup = make_learner_setup(cfg, dir, resume);
  if (cfg.shares_weights()) setup.share = std::make_shared<WeightsShare>();
  std::shared_ptr<WeightsShare> share = setup.share;
  Model<float>* policy = setup.model.get();
  if (share)
    log_info("rollout workers read the learner's weights in place (rollout.share_weights)");
  Learner learner(ctx, ep, std::move(setup));  // outlives the workers (their models may read its)
  auto reward = make_reward_service(ctx, cfg, ep, "reward-0");
  std::vector<std::unique_ptr<RolloutWorker>> workers;
  for (int i = 0; i < cfg.rollout.workers; ++i) {
    workers.push_back(make_rollout_worker(ctx, cfg, ep, cat("rollout-", i), i, policy, share));
  }
  std::vector<std::thread> threads;
  std::exception_ptr failure;
  std::mutex failure_mu;
  auto guarded = [&](auto fn) {
    return [&, fn] {
      try {
        fn();
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mu);
        if (!failure) failure = std::current_exception();
        stop_requested() = true;
      }
    };
  };
  // Stop the other roles when the learner is done or a signal arrives.
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done && !stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    roles_stop = true;
  });
  int64_t last = 0;
  {
    // The learner binds its sockets inside run(); give it a moment before the others connect,
    // so inproc connects find their peers (ZeroMQ >= 4.2 allows either order, but this keeps the
    // log tidy).
    std::thread learner_thread(guarded([&] { last = learner.run(stop_requested(), on_step); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    threads.emplace_back(guarded([&] { reward->run(roles_stop); }));
    for (auto& w : workers) {
      RolloutWorker* wp = w.get();
      threads.emplace_back(guarded([&, wp] { wp->run(roles_stop); }));
    }
    learner_thread.join();
  }
  done = true;
  watcher.join();
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  return last;
}

int run_role(const RunConfig& cfg, const RoleLaunch& launch) {
  if (launch.role != "learner" && launch.role != "rollout" && launch.role != "reward") {
    fail("unknown role '", launch.role, "' (expected learner, rollout or reward)");
  }
  Endpoints ep = cfg.transport;
  if (!launch.connect_host.empty()) ep = ep.with_host(launch.connect_host);
  const std::string& role = launch.role;
  const std::string& id = launch.id;
  const double wait_s = launch.wait_s;
  Context ctx;

  if (role == "learner") {
    load_transport_keys(ep, true, wait_s);
    const std::string dir = prepare_run_dir(cfg, launch.out, launch.resume);
    Endpoints bound = cfg.transport;  // the learner binds the addresses as configured
    bound.keys = ep.keys;
    Learner learner(ctx, bound, make_learner_setup(cfg, dir, launch.resume));
    int64_t last = learner.run(stop_requested());
    if (!learner.finished()) {
      log_info("learner stopped at step ", last, " (", dir, "); continue with --resume");
      return 130;
    }
    std::printf("learner finished at step %lld (%s)\n", static_cast<long long>(last), dir.c_str());
    return 0;
  }
  if (role == "reward") {
    wait_reachable("scored", ep.scored, wait_s);
    wait_reachable("control", ep.control, wait_s);
    load_transport_keys(ep, false, wait_s);  // the learner that binds those made it
    auto service = make_reward_service(ctx, cfg, ep, id);
    service->run(stop_requested());
    return 0;
  }
  wait_reachable("tasks", ep.tasks, wait_s);
  wait_reachable("rollouts", ep.rollouts, wait_s);
  wait_reachable("weights", ep.weights, wait_s);
  wait_reachable("control", ep.control, wait_s);
  load_transport_keys(ep, false, wait_s);
  auto worker = make_rollout_worker(ctx, cfg, ep, id);
  worker->run(stop_requested());
  log_info(id, ": stopped after ", worker->stats().groups_sent.load(), " groups");
  return 0;
}

}  // namespace r1
