// rollout.share_weights as RunConfig resolves it, and what the run's memory estimate counts for
// it: workers that read the learner's weights in place hold none of their own.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/fs.h"
#include "core/json.h"
#include "rollout/rollout_worker.h"
#include "run/run_config.h"
#include "run/run_memory.h"

using namespace r1;

namespace {

RunConfig ci_tiny_with(const std::string& share_weights, int workers) {
  json j = json::parse(read_file(std::string(R1_SOURCE_DIR) + "/configs/ci-tiny.json"));
  j["model"] = {{"config", std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json"}};
  j["rollout"]["workers"] = workers;
  j["rollout"]["share_weights"] = share_weights;
  return RunConfig::from_json(j, "cfg.json");
}

}  // namespace

TEST(RunMemory, SharedWeightsAreCountedOnce) {
  const RunConfig copied = ci_tiny_with("off", 3), shared = ci_tiny_with("on", 3),
                  automatic = ci_tiny_with("auto", 3);
  EXPECT_FALSE(copied.shares_weights());
  EXPECT_TRUE(shared.shares_weights());
  EXPECT_FALSE(automatic.shares_weights()) << "auto shares on a GPU only";
  const double weights = model_weights_part(shared.model_config(), 1, "").bytes;
  ASSERT_GT(weights, 0);
  EXPECT_DOUBLE_EQ(run_memory(copied, "all").total() - run_memory(shared, "all").total(),
                   3 * weights);
  // A rollout worker in its own process (r1 worker) holds its weights either way.
  EXPECT_DOUBLE_EQ(run_memory(shared, "rollout").total(), run_memory(copied, "rollout").total());
}

// "on" where the roles cannot share is an error when the config is read, naming the field, before
// a run folder is made.
TEST(RunMemory, ShareWeightsOnNeedsAnInprocWeightsChannel) {
  json j = json::parse(read_file(std::string(R1_SOURCE_DIR) + "/configs/ci-tiny.json"));
  j["model"] = {{"config", std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json"}};
  j["rollout"]["share_weights"] = "on";
  j["transport"] = {{"weights", "tcp://127.0.0.1:5999"}};
  try {
    RunConfig::from_json(j, "cfg.json");
    FAIL() << "share_weights on with a tcp:// weights channel was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cfg.json: field 'rollout.share_weights'"),
              std::string::npos)
        << e.what();
  }
}

// With tasks.mix[].guide every group holds one more sample, and each rollout worker runs a
// training forward over the guides (kGuideChunkTokens tokens at a time).
TEST(RunMemory, GuideSamplesAreCounted) {
  const RunConfig plain = ci_tiny_with("off", 2);
  json j = json::parse(read_file(std::string(R1_SOURCE_DIR) + "/configs/ci-tiny.json"));
  j["model"] = {{"config", std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json"}};
  j["rollout"]["workers"] = 2;
  j["rollout"]["share_weights"] = "off";
  for (auto& e : j["tasks"]["mix"]) e["guide"] = true;
  const RunConfig guided = RunConfig::from_json(j, "cfg.json");
  const ModelConfig mc = plain.model_config();
  EXPECT_DOUBLE_EQ(run_memory(guided, "rollout").total() - run_memory(plain, "rollout").total(),
                   train_activation_bytes(mc, kGuideChunkTokens));
  EXPECT_DOUBLE_EQ(run_memory(guided, "all").total() - run_memory(plain, "all").total() -
                       2 * train_activation_bytes(mc, kGuideChunkTokens),
                   run_memory(guided, "learner").total() - run_memory(plain, "learner").total());
  EXPECT_GT(run_memory(guided, "learner").total(), run_memory(plain, "learner").total());
}
