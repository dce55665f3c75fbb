// Builds and runs the roles of an RL run from its config: `r1 run` (all roles as threads of
// one process, run_embedded) and `r1 worker` (one role per process, run_role).
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/channel.h"
#include "core/stop.h"
#include "learner/learner.h"
#include "reward/reward_service.h"
#include "rollout/rollout_worker.h"
#include "run/run_config.h"

namespace r1 {

// The run folder: `out` (from --out or the config). Without resume it must not hold checkpoints
// already; with resume it must. Writes the resolved config.json. Returns the folder.
std::string prepare_run_dir(const RunConfig& cfg, const std::string& out, bool resume);

LearnerSetup make_learner_setup(const RunConfig& cfg, const std::string& run_dir, bool resume);
// `index` is the worker's number in an embedded run (debug_slow_workers applies to the first ones).
// With `share`, the worker's model reads `policy` (the learner's) in place.
std::unique_ptr<RolloutWorker> make_rollout_worker(Context& ctx, const RunConfig& cfg,
                                                   const Endpoints& ep, const std::string& id,
                                                   int index = 0, Model<float>* policy = nullptr,
                                                   std::shared_ptr<WeightsShare> share = nullptr);
std::unique_ptr<RewardService> make_reward_service(Context& ctx, const RunConfig& cfg,
                                                   const Endpoints& ep, const std::string& id);

// Runs every role of a run as threads of this process (the learner on the calling thread) until
// the learner finishes or a stop is requested; rethrows the first role's exception. Returns the
// last completed step. `on_step` sees each step's metrics.
int64_t run_embedded(const RunConfig& cfg, const std::string& dir, bool resume,
                     const std::function<void(const StepReport&)>& on_step = nullptr);

// One role of a multi-process run (`r1 worker`), as launched on its host.
struct RoleLaunch {
  std::string role;          // learner, rollout or reward
  std::string id;            // the worker's name in logs and metrics
  std::string connect_host;  // rewrites the tcp:// endpoints it connects to ("": as configured)
  std::string out;           // learner: the run folder ("": the config's "out")
  bool resume = false;       // learner: continue from the newest checkpoint
  double wait_s = 60;        // how long to wait for the channels and key file it needs
};

// Runs one role in this process until it ends or a stop is requested: waits for the channels
// it connects to and for the run's key file, then runs. Returns the exit code: 0, or 130 when
// the learner stopped before its last step (resume continues it).
int run_role(const RunConfig& cfg, const RoleLaunch& launch);

}  // namespace r1
