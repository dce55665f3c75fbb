// Builds the roles of an RL run from its config, for `r1 run` (all roles as threads of one
// process) and `r1 worker` (one role per process).
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "apps/run_config.h"
#include "core/channel.h"
#include "core/stop.h"
#include "learner/learner.h"
#include "reward/reward_service.h"
#include "rollout/rollout_worker.h"

namespace r1 {

// The run folder: `out` (from --out or the config). Without resume it must not hold checkpoints
// already; with resume it must. Writes the resolved config.json. Returns the folder.
std::string prepare_run_dir(const RunConfig& cfg, const std::string& out, bool resume);

LearnerSetup make_learner_setup(const RunConfig& cfg, const std::string& run_dir, bool resume);
// `index` is the worker's number in an embedded run (debug_slow_workers applies to the first ones).
std::unique_ptr<RolloutWorker> make_rollout_worker(Context& ctx, const RunConfig& cfg, const Endpoints& ep,
                                                   const std::string& id, int index = 0);
std::unique_ptr<RewardService> make_reward_service(Context& ctx, const RunConfig& cfg, const Endpoints& ep,
                                                   const std::string& id);

// Runs every role of a run as threads of this process (the learner on the calling thread) until
// the learner finishes or a stop is requested; rethrows the first role's exception. Returns the
// last completed step. `on_step` sees each step's metrics.
int64_t run_embedded(const RunConfig& cfg, const std::string& dir, bool resume,
                     const std::function<void(const StepReport&)>& on_step = nullptr);

// Loads the run's CurveZMQ keys into `ep` when its tcp:// channels need them (core/endpoints.h).
// The learner creates the key file if missing (create); other roles wait up to wait_s seconds for
// it to appear, then fail naming the file.
void load_transport_keys(Endpoints& ep, bool create, double wait_s);

// Waits until a tcp:// or ipc:// endpoint that another process binds accepts connections, for
// up to wait_s seconds; throws naming the channel and endpoint if it never does.
void wait_reachable(const std::string& channel, const std::string& endpoint, double wait_s);

}  // namespace r1
