// r1 worker: one role of an RL run as its own process, over tcp:// or ipc:// channels.
#include <cstdio>

#include "apps/args.h"
#include "apps/commands.h"
#include "apps/memory_flag.h"
#include "apps/run_memory.h"
#include "apps/roles.h"
#include "core/log.h"

namespace r1 {

int cmd_worker(int argc, char** argv) {
  Args args("worker", "Run one role of an RL run as its own process (multi-process and multi-host runs).");
  args.required("role", "ROLE", "learner, rollout or reward")
      .required("config", "FILE", "run config; its \"transport\" endpoints must be tcp:// or ipc://")
      .opt("connect", "HOST", "host of the learner and reward service (rewrites the tcp:// endpoints this role connects to)")
      .opt("id", "NAME", "worker name in logs and metrics (default: <role>-<pid>)")
      .opt("out", "DIR", "learner: run folder (overrides the config's \"out\")")
      .flag("resume", "learner: continue from the newest checkpoint")
      .opt("wait", "SECONDS", "how long to wait for the channels this role connects to", "60");
  add_memory_flag(args);
  args.epilog(
      "Example on one host (three shells):\n"
      "  r1 worker --role learner --config configs/ci-tiny-tcp.json\n"
      "  r1 worker --role reward  --config configs/ci-tiny-tcp.json\n"
      "  r1 worker --role rollout --config configs/ci-tiny-tcp.json\n"
      "On other hosts add --connect <learner host> (the reward service must run on that host too,\n"
      "or give its host in the config), and copy the run's key file there: tcp:// channels use\n"
      "CurveZMQ keys from transport.key_file (default: the config's name with .key), which the\n"
      "learner creates. A worker exits when the learner's heartbeat stops (heartbeat_timeout_s).");
  if (!args.parse(argc, argv)) return 0;
  apply_memory_flag(args);
  const std::string role = args.str("role");
  if (role != "learner" && role != "rollout" && role != "reward") {
    fail("--role must be learner, rollout or reward, got '", role, "'");
  }
  const double wait_s = args.number("wait");
  RunConfig cfg = RunConfig::load(args.str("config"));
  if (cfg.transport.any_inproc()) {
    fail(cfg.path, ": field 'transport': inproc:// endpoints only work inside one process (r1 run); give tcp:// or ipc:// "
         "endpoints for r1 worker");
  }
  check_run_memory(cfg, role);
  Endpoints ep = cfg.transport;
  if (args.has("connect")) ep = ep.with_host(args.str("connect"));
  const std::string id = args.has("id") ? args.str("id") : cat(role, "-", ::getpid());
  install_stop_handlers();
  Context ctx;

  if (role == "learner") {
    load_transport_keys(ep, true, wait_s);
    const std::string dir = prepare_run_dir(cfg, args.has("out") ? args.str("out") : "", args.on("resume"));
    Endpoints bound = cfg.transport;  // the learner binds the addresses as configured
    bound.keys = ep.keys;
    Learner learner(ctx, bound, make_learner_setup(cfg, dir, args.on("resume")));
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
  load_transport_keys(ep, false, wait_s);
  auto worker = make_rollout_worker(ctx, cfg, ep, id);
  worker->run(stop_requested());
  log_info(id, ": stopped after ", worker->stats().groups_sent.load(), " groups");
  return 0;
}

}  // namespace r1
