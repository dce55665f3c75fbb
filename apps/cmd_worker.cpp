// r1 worker: one role of an RL run as its own process, over tcp:// or ipc:// channels.
#include <cstdio>

#include "apps/commands.h"
#include "apps/memory_flag.h"
#include "core/args.h"
#include "core/log.h"
#include "run/roles.h"
#include "run/run_memory.h"

namespace r1 {

int cmd_worker(int argc, char** argv) {
  Args args("worker",
            "Run one role of an RL run as its own process (multi-process and multi-host runs).");
  args.required("role", "ROLE", "learner, rollout or reward")
      .required("config", "FILE",
                "run config; its \"transport\" endpoints must be tcp:// or ipc://")
      .opt("connect", "HOST",
           "host of the learner and reward service (rewrites the tcp:// endpoints this role "
           "connects to)")
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
  if (!(wait_s >= 0)) fail("--wait must be a number of seconds >= 0, got ", args.str("wait"));
  RunConfig cfg = RunConfig::load(args.str("config"));
  if (cfg.transport.any_inproc()) {
    fail(cfg.path,
         ": field 'transport': inproc:// endpoints only work inside one process (r1 run); give "
         "tcp:// or ipc:// "
         "endpoints for r1 worker");
  }
  check_run_memory(cfg, role);
  RoleLaunch launch;
  launch.role = role;
  launch.id = args.has("id") ? args.str("id") : cat(role, "-", ::getpid());
  if (args.has("connect")) launch.connect_host = args.str("connect");
  if (args.has("out")) launch.out = args.str("out");
  launch.resume = args.on("resume");
  if (role == "learner") cfg.warn_if_nothing_held_out(launch.resume);
  launch.wait_s = wait_s;
  install_stop_handlers();
  return run_role(cfg, launch);
}

}  // namespace r1
