// Learning-rate schedules against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "learner/schedule.h"

using namespace r1;

namespace {
LrSchedule make(const std::string& kind, int64_t warmup, double min_ratio, int64_t decay = 0) {
  return LrSchedule::from_json(json{{"kind", kind},
                                    {"warmup_steps", warmup},
                                    {"min_lr_ratio", min_ratio},
                                    {"decay_steps", decay}},
                               "test");
}
}  // namespace

// warmup 4, a run of 13 steps (0..12): warmup steps 0..3 give 1/4..4/4, decay runs over steps
// 4..12 with progress p = (s - 4) / 8, cosine 0.1 + 0.9 * (1 + cos(pi p)) / 2.
TEST(Schedule, CosineWithWarmup) {
  auto s = make("cosine", 4, 0.1);
  const int64_t total = 13;
  EXPECT_DOUBLE_EQ(s.factor(0, total), 0.25);
  EXPECT_DOUBLE_EQ(s.factor(1, total), 0.5);
  EXPECT_DOUBLE_EQ(s.factor(3, total), 1.0);
  EXPECT_DOUBLE_EQ(s.factor(4, total), 1.0);
  EXPECT_NEAR(s.factor(6, total), 0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI / 4)), 1e-15);  // 0.868198
  EXPECT_NEAR(s.factor(6, total), 0.8681980515, 1e-9);
  EXPECT_NEAR(s.factor(8, total), 0.55, 1e-15);
  EXPECT_NEAR(s.factor(12, total), 0.1, 1e-15);  // the last step of the run
  EXPECT_NEAR(s.factor(40, total), 0.1, 1e-15);  // and after it
  EXPECT_NEAR(s.lr(3e-4, 8, total), 1.65e-4, 1e-18);
}

TEST(Schedule, LinearConstantAndDecaySteps) {
  auto lin = make("linear", 4, 0.1);
  EXPECT_NEAR(lin.factor(6, 13), 0.1 + 0.9 * 0.75, 1e-15);
  EXPECT_NEAR(lin.factor(12, 13), 0.1, 1e-15);
  auto con = make("constant", 2, 0.1);
  EXPECT_DOUBLE_EQ(con.factor(0, 100), 0.5);
  EXPECT_DOUBLE_EQ(con.factor(1, 100), 1.0);
  EXPECT_DOUBLE_EQ(con.factor(99, 100), 1.0);
  // decay_steps ends the decay at step 8 whatever the run's length.
  auto d = make("cosine", 4, 0.0, 8);
  EXPECT_NEAR(d.factor(6, 1000), 0.5, 1e-15);
  EXPECT_NEAR(d.factor(8, 1000), 0.0, 1e-15);
  EXPECT_NEAR(d.factor(500, 1000), 0.0, 1e-15);
  // No warmup: step 0 is the peak.
  EXPECT_DOUBLE_EQ(make("cosine", 0, 0.1).factor(0, 10), 1.0);
  // A run no longer than its warmup never decays.
  EXPECT_DOUBLE_EQ(make("cosine", 4, 0.1).factor(3, 4), 1.0);
}

TEST(Schedule, JsonRoundTripAndErrors) {
  auto s = make("linear", 7, 0.2, 50);
  EXPECT_EQ(LrSchedule::from_json(s.to_json(), "x").to_json(), s.to_json());
  auto defaults = LrSchedule::from_json(json::object(), "x");
  EXPECT_EQ(defaults.kind, "cosine");
  auto err = [](const json& j) {
    try {
      LrSchedule::from_json(j, "sft.json: field 'schedule'");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(err({{"kind", "step"}}).find("cosine, linear, constant"), std::string::npos);
  EXPECT_NE(err({{"warmup", 3}}).find("'warmup'"), std::string::npos);
  EXPECT_NE(err({{"min_lr_ratio", 2}}).find("min_lr_ratio"), std::string::npos);
  EXPECT_NE(err({{"warmup_steps", 10}, {"decay_steps", 5}}).find("decay_steps"), std::string::npos);
  EXPECT_NE(err({{"warmup_steps", -1}}).find("sft.json"), std::string::npos);
}
