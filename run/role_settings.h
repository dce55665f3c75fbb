// What a rollout worker or reward service must share with the learner it joins. Each role of a
// run reads its own copy of the config (r1 worker --config, on any host); one started with
// another temperature would be trained on with ratios taken at the learner's, one with another
// model never fits the weights, one with other rewards scores another run. The worker's hello
// carries role_settings(), the learner compares them with its own (learner/learner_control.h)
// and refuses a worker whose settings differ, naming the fields.
//
// Per-worker choices may differ and are left out: rollout.slots, threads, device, workers,
// share_weights, prefill_chunk, debug_*; reward_service.threads; the verifiers' options (they mix
// per-host choices such as processes, interpreter paths and sandbox limits with what they judge:
// a reward service is compared on its components' verifiers, weights and span penalties, primary
// and overlong); model.init and dtype (paths differ between hosts: the model's architecture is
// compared instead).
#pragma once
#include <string>

#include "core/json.h"
#include "run/run_config.h"

namespace r1 {

// role: "rollout" or "reward".
json role_settings(const RunConfig& cfg, const std::string& role);

}  // namespace r1
