// r1 run: an RL run with every role as a thread of this process, over inproc:// channels.
#include <cstdio>
#include <thread>
#include <vector>

#include "apps/args.h"
#include "apps/commands.h"
#include "apps/roles.h"
#include "core/log.h"

namespace r1 {

int cmd_run(int argc, char** argv) {
  Args args("run", "Run R1-style RL (GRPO) with all roles embedded: learner, reward service, rollout workers.");
  args.positional("CONFIG", "run config (e.g. configs/ci-tiny.json)")
      .opt("out", "DIR", "run folder (overrides the config's \"out\")")
      .flag("resume", "continue from the newest checkpoint in the run folder")
      .opt("steps", "N", "override learner.steps");
  if (!args.parse(argc, argv)) return 0;
  RunConfig cfg = RunConfig::load(args.str("CONFIG"));
  if (args.has("steps")) {
    cfg.learner.steps = static_cast<int>(args.integer("steps"));
    if (cfg.learner.steps < 1) fail("--steps must be >= 1");
  }
  const bool resume = args.on("resume");
  const std::string dir = prepare_run_dir(cfg, args.has("out") ? args.str("out") : "", resume);
  install_stop_handlers();
  log_info("run folder ", dir, (resume ? " (resuming)" : ""));

  Context ctx;
  std::atomic<bool> roles_stop{false};
  // The learner binds first; the others connect to it.
  Learner learner(ctx, cfg.transport, make_learner_setup(cfg, dir, resume));
  auto reward = make_reward_service(ctx, cfg, cfg.transport, "reward-0");
  std::vector<std::unique_ptr<RolloutWorker>> workers;
  for (int i = 0; i < cfg.rollout.workers; ++i) {
    workers.push_back(make_rollout_worker(ctx, cfg, cfg.transport, cat("rollout-", i), i));
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
    std::thread learner_thread(guarded([&] { last = learner.run(stop_requested()); }));
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
  if (stop_requested() && last < cfg.learner.steps) {
    log_info("stopped at step ", last, "; continue with: r1 run ", args.str("CONFIG"), " --out ", dir, " --resume");
    return 130;
  }
  std::printf("run finished: %lld steps in %s (final model: %s/final)\n", static_cast<long long>(last), dir.c_str(),
              dir.c_str());
  return 0;
}

}  // namespace r1
