// Checks RunConfig makes across its sections: errors naming the field before any work, and
// warnings of settings that work against each other.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/fs.h"
#include "core/json.h"
#include "run/run_config.h"
#include "tests/common/ci_tiny_config.h"

using namespace r1;

namespace {

json ci_tiny() {
  return r1::testing::ci_tiny_fresh_model();
}

}  // namespace

// The qwen template without thinking writes the empty think block into the prompt, where the
// verifiers do not see it: a format component pays the policy to write another. Valid, but
// warned of.
TEST(RunConfigChecks, AFormatRewardWithAQwenTemplateWithoutThinkingIsWarnedOf) {
  json j = ci_tiny();
  j["chat_template"] = {{"name", "qwen"}, {"enable_thinking", false}};
  auto warnings = [](const json& j) { return RunConfig::from_json(j, "cfg.json").warnings(); };
  std::vector<std::string> w = warnings(j);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("reward component 'format' pays for a <think> block"), std::string::npos)
      << w[0];
  EXPECT_NE(w[0].find("enable_thinking false"), std::string::npos) << w[0];
  // None: with thinking, a think block the completion prefix opens, other tags, no weight.
  j["chat_template"]["enable_thinking"] = true;
  EXPECT_TRUE(warnings(j).empty());
  j["chat_template"] = {
      {"name", "qwen"}, {"enable_thinking", false}, {"completion_prefix", "<think>\n"}};
  EXPECT_TRUE(warnings(j).empty());
  j["chat_template"] = {{"name", "qwen"}, {"enable_thinking", false}};
  j["reward"]["components"]["format"]["options"] = {{"think_tag", "reasoning"}};
  ASSERT_EQ(warnings(j).size(), 1u);
  EXPECT_NE(warnings(j)[0].find("<reasoning>"), std::string::npos);
  j["reward"]["components"]["format"]["weight"] = 0.0;
  EXPECT_TRUE(warnings(j).empty());
  // The shipped configs warn of nothing.
  EXPECT_TRUE(warnings(ci_tiny()).empty());
}
