// Checks RunConfig makes across its sections, each an error naming the field before any work.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/fs.h"
#include "core/json.h"
#include "run/run_config.h"

using namespace r1;

namespace {

json ci_tiny() {
  json j = json::parse(read_file(std::string(R1_SOURCE_DIR) + "/configs/ci-tiny.json"));
  j["model"] = {{"config", std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json"}};
  return j;
}

std::string error_of(const json& j) {
  try {
    RunConfig::from_json(j, "cfg.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// The qwen template without thinking writes the empty think block into the prompt, so no
// completion has one: a format component would score every sample 0 (a weight that teaches
// nothing, a format rate of 0).
TEST(RunConfigChecks, AFormatRewardWithAQwenTemplateWithoutThinkingIsAnError) {
  json j = ci_tiny();
  j["chat_template"] = {{"name", "qwen"}, {"enable_thinking", false}};
  const std::string e = error_of(j);
  EXPECT_NE(e.find("cfg.json: field 'reward': component 'format'"), std::string::npos) << e;
  EXPECT_NE(e.find("enable_thinking false"), std::string::npos) << e;
  // Accepted: with thinking, without the component, or with a pattern of the user's own.
  j["chat_template"]["enable_thinking"] = true;
  EXPECT_EQ(error_of(j), "");
  j["chat_template"]["enable_thinking"] = false;
  j["reward"]["components"]["format"]["options"] = {{"pattern", R"(\s*<answer>.*</answer>\s*)"}};
  EXPECT_EQ(error_of(j), "");
  j["reward"]["components"].erase("format");
  EXPECT_EQ(error_of(j), "");
}
