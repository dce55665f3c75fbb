// docs/config-reference.md is written from the configs' field lists (core/config_fields.h), so
// the docs cannot drift from what the parser accepts. After changing a field list, regenerate it:
//   R1_WRITE_DOCS=1 build/tests/test_learner --gtest_filter='ConfigReference.*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "learner/learner_config.h"
#include "rollout/rollout_config.h"

using namespace r1;

namespace {

std::string reference() {
  std::ostringstream s;
  s << "# Config reference\n\n"
    << "Generated from the field lists in the code (`core/config_fields.h`); do not edit by hand.\n"
    << "Regenerate with `R1_WRITE_DOCS=1 build/tests/test_learner "
       "--gtest_filter='ConfigReference.*'`.\n"
    << "Sections not listed here are described beside their structs (docs/architecture.md says "
       "where).\n\n"
    << "## Run config: `rollout`\n\n"
    << RolloutConfig::fields().markdown() << "\n"
    << "## Run config: `learner`\n\n"
    << LearnerConfig::fields().markdown() << "\n"
    << "## `learner.optimizer` (also `optimizer` in SFT configs)\n\n"
    << OptimizerConfig::fields().markdown() << "\n"
    << "## `learner.schedule` (also `schedule` in SFT configs)\n\n"
    << LrSchedule::fields().markdown();
  return s.str();
}

}  // namespace

TEST(ConfigReference, DocsAreWhatTheFieldListsSay) {
  const std::string path = std::string(R1_SOURCE_DIR) + "/docs/config-reference.md";
  const std::string want = reference();
  if (const char* w = std::getenv("R1_WRITE_DOCS"); w && std::string(w) == "1") {
    std::ofstream(path, std::ios::binary) << want;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream have;
  have << in.rdbuf();
  EXPECT_EQ(have.str(), want) << path
                              << " is out of date; regenerate it (see the top of this file)";
}

// The field list is what the parser reads: every listed field round-trips through the resolved
// config, and a field that is not listed is refused by name.
TEST(ConfigReference, EveryListedFieldIsReadAndWritten) {
  LearnerConfig c;
  c.steps = 7;
  c.device = "cpu";
  c.optimizer.lr = 0.5;
  c.schedule.kind = "linear";
  const json j = c.to_json();
  const LearnerConfig back = LearnerConfig::from_json(j, "round trip");
  EXPECT_EQ(back.to_json(), j);
  EXPECT_EQ(back.steps, 7);
  EXPECT_EQ(back.device, "cpu");
  EXPECT_EQ(back.optimizer.lr, 0.5);
  EXPECT_EQ(back.schedule.kind, "linear");
  EXPECT_FALSE(LearnerConfig().to_json().contains("device"));  // empty: inherit model.device
  json bad = j;
  bad["stepz"] = 1;
  try {
    LearnerConfig::from_json(bad, "cfg.json");
    FAIL() << "an unknown field was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stepz"), std::string::npos) << e.what();
  }
}
