// A cancelled generation (a stop request reaching a rollout worker mid-batch) ends after the
// forward call in progress, marks what it cut short, and leaves the generator usable.
#include <gtest/gtest.h>

#include <atomic>

#include "model/config.h"
#include "model/model.h"
#include "rollout/engine.h"

using namespace r1;

TEST(GeneratorCancel, EndsAfterTheCurrentForwardAndFreesTheSlots) {
  ModelConfig c = ModelConfig::load(std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json");
  Model<float> model(c);
  model.init_weights(1);
  GenerationEngine gen(model, 2, 200);
  std::atomic<bool> cancel{false};
  GenerationOptions opt;
  opt.cancel = &cancel;
  // Request 0 ends after one token; its completion cancels the rest, mid-way.
  std::vector<GenerationRequest> reqs = {
      {{1, 2, 3}, 1, 7, 0}, {{1, 2, 6}, 150, 7, 1}, {{4, 5}, 150, 7, 2}};
  auto out = gen.generate(reqs, opt, [&](size_t i) {
    if (i == 0) cancel = true;
  });
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].finish_reason, "length");
  EXPECT_EQ(out[1].finish_reason, "cancelled");
  EXPECT_EQ(out[1].tokens.size(), 1u);
  EXPECT_EQ(out[2].finish_reason, "cancelled") << "never started";
  EXPECT_TRUE(out[2].tokens.empty());
  // Every slot was released: the same generator runs a full batch afterwards.
  cancel = false;
  opt.cancel = nullptr;
  auto again = gen.generate({{{1, 2, 3}, 5, 7, 1}, {{4, 5}, 5, 7, 2}}, opt);
  for (const auto& r : again) EXPECT_NE(r.finish_reason, "cancelled");
  EXPECT_FALSE(again[0].tokens.empty());
}
