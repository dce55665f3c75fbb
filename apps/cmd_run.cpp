// r1 run: an RL run with every role as a thread of this process, over inproc:// channels.
#include <cstdio>
#include <thread>
#include <vector>

#include "core/args.h"
#include "apps/commands.h"
#include "apps/memory_flag.h"
#include "run/run_memory.h"
#include "run/roles.h"
#include "core/log.h"
#include "learner/run_checkpoint.h"

namespace r1 {

int cmd_run(int argc, char** argv) {
  Args args("run", "Run R1-style RL (GRPO) with all roles embedded: learner, reward service, rollout workers.");
  args.positional("CONFIG", "run config (e.g. configs/ci-tiny.json)")
      .opt("out", "DIR", "run folder (overrides the config's \"out\")")
      .flag("resume", "continue from the newest checkpoint in the run folder")
      .opt("steps", "N", "override learner.steps");
  add_memory_flag(args);
  args.epilog(cat("A stop request (Ctrl-C, SIGTERM) ends the run within ", kStopGraceSeconds,
                  " s: the step in progress is abandoned, the last finished step is checkpointed, and the command to "
                  "continue is printed. A second Ctrl-C exits at once."));
  if (!args.parse(argc, argv)) return 0;
  apply_memory_flag(args);
  RunConfig cfg = RunConfig::load(args.str("CONFIG"));
  if (args.has("steps")) cfg.learner.steps = args.count("steps");
  check_run_memory(cfg, "all");
  const bool resume = args.on("resume");
  cfg.warn_if_nothing_held_out(resume);
  const std::string dir = prepare_run_dir(cfg, args.has("out") ? args.str("out") : "", resume);
  install_stop_handlers();
  log_info("run folder ", dir, (resume ? " (resuming)" : ""));

  const int64_t last = run_embedded(cfg, dir, resume);
  if (stop_requested() && last < cfg.learner.steps) {
    if (list_checkpoints(dir).empty()) {
      log_info("stopped at step ", last, ", before any checkpoint; start again with: r1 run ", args.str("CONFIG"),
               " --out ", dir);
    } else {
      log_info("stopped at step ", last, "; continue with: r1 run ", args.str("CONFIG"), " --out ", dir, " --resume");
    }
    return 130;
  }
  std::printf("run finished: %lld steps in %s (final model: %s/final)\n", static_cast<long long>(last), dir.c_str(),
              dir.c_str());
  return 0;
}

}  // namespace r1
