// What a worker's hello carries for the learner to check (run/role_settings.h): the settings its
// samples and rewards depend on, and not the per-worker or per-host choices.
#include <gtest/gtest.h>

#include <string>

#include "core/fs.h"
#include "core/json.h"
#include "run/role_settings.h"
#include "run/run_config.h"
#include "tests/common/ci_tiny_config.h"

using namespace r1;

namespace {

json ci_tiny() {
  return r1::testing::ci_tiny_fresh_model();
}

json settings(const json& j, const std::string& role) {
  return role_settings(RunConfig::from_json(j, "cfg.json"), role);
}

}  // namespace

TEST(RoleSettings, SamplingAndRewardsCountPerWorkerChoicesDoNot) {
  const json base = ci_tiny();
  const json rollout = settings(base, "rollout"), reward = settings(base, "reward");
  EXPECT_EQ(rollout["rollout"]["temperature"].get<double>(), 1.0);
  // Per-worker choices: the same settings.
  json per_worker = base;
  per_worker["rollout"]["slots"] = 8;
  per_worker["rollout"]["threads"] = 1;
  per_worker["reward_service"]["threads"] = 4;
  per_worker["transport"] = {{"heartbeat_timeout_s", 10}};
  per_worker["reward"]["task_verifier_options"] = {{"python", {{"processes", 3}}}};
  EXPECT_EQ(settings(per_worker, "rollout"), rollout);
  EXPECT_EQ(settings(per_worker, "reward"), reward);
  // What the samples and rewards depend on: other settings.
  for (const auto& [path, value] :
       std::vector<std::pair<std::string, json>>{{"/rollout/temperature", 0.5},
                                                 {"/rollout/max_new_tokens", 64},
                                                 {"/rollout/stop", json::array()},
                                                 {"/seed", 2}}) {
    json j = base;
    j[json::json_pointer(path)] = value;
    EXPECT_NE(settings(j, "rollout"), rollout) << path;
  }
  json weight = base;
  weight["reward"]["components"]["format"]["weight"] = 0.5;
  EXPECT_NE(settings(weight, "reward"), reward);
  EXPECT_EQ(settings(weight, "rollout"), rollout) << "a rollout worker does not score";
  json model = base;
  model["model"]["config"] = std::string(R1_SOURCE_DIR) + "/configs/models/small-moe.json";
  EXPECT_NE(settings(model, "rollout"), rollout);
}
