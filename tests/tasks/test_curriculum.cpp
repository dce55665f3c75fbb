// The curriculum keeps the pass rate in its band with hysteresis, and its state round-trips.
#include <gtest/gtest.h>

#include "tasks/curriculum.h"
#include "tests/common/error_of.h"

using r1::testing::error_of;

using namespace r1;

namespace {

CurriculumConfig small_config() {
  CurriculumConfig c;
  c.low = 0.2;
  c.high = 0.8;
  c.window = 10;
  c.min_samples = 5;
  return c;
}

}  // namespace

TEST(Curriculum, RaisesOnlyAfterMinSamples) {
  FamilyCurriculum fc(small_config(), 5, 1);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(fc.record(1, true)) << i;
  EXPECT_EQ(fc.difficulty(), 1);
  EXPECT_TRUE(fc.record(1, true));  // 5 of 5 > 0.8
  EXPECT_EQ(fc.difficulty(), 2);
  EXPECT_EQ(fc.samples(), 0u);  // a fresh window at the new level
}

TEST(Curriculum, LowersBelowBandAndStaysInsideIt) {
  FamilyCurriculum fc(small_config(), 5, 3);
  for (int i = 0; i < 5; ++i) fc.record(3, false);
  EXPECT_EQ(fc.difficulty(), 2);
  // Inside the band (half right): no change however long it runs.
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(fc.record(2, i % 2 == 0));
  EXPECT_EQ(fc.difficulty(), 2);
  EXPECT_DOUBLE_EQ(fc.pass_rate(), 0.5);
  EXPECT_EQ(fc.samples(), 10u);  // the window keeps only the most recent results
}

TEST(Curriculum, HysteresisStopsFlapping) {
  // A policy that passes level 1 always and level 2 never: the level may move at most once
  // every min_samples results.
  FamilyCurriculum fc(small_config(), 5, 1);
  int changes = 0;
  for (int i = 0; i < 100; ++i) {
    int d = fc.difficulty();
    changes += fc.record(d, d == 1);
  }
  EXPECT_LE(changes, 100 / 5);
  EXPECT_GE(changes, 2);
}

TEST(Curriculum, ClampsAtTheEnds) {
  FamilyCurriculum top(small_config(), 3, 3);
  for (int i = 0; i < 20; ++i) top.record(3, true);
  EXPECT_EQ(top.difficulty(), 3);
  FamilyCurriculum bottom(small_config(), 3, 1);
  for (int i = 0; i < 20; ++i) bottom.record(1, false);
  EXPECT_EQ(bottom.difficulty(), 1);
  FamilyCurriculum start(small_config(), 3, 9);  // a start above the top is clamped
  EXPECT_EQ(start.difficulty(), 3);
}

TEST(Curriculum, StaleResultsAreIgnored) {
  FamilyCurriculum fc(small_config(), 5, 2);
  for (int i = 0; i < 20; ++i) fc.record(1, true);  // tasks made before a level change
  EXPECT_EQ(fc.difficulty(), 2);
  EXPECT_EQ(fc.stale(), 20u);
  EXPECT_EQ(fc.samples(), 0u);
}

TEST(Curriculum, StateRoundTripContinuesExactly) {
  Curriculum a(small_config());
  a.add_family("arith", 8);
  a.add_family("countdown", 6);
  auto feed = [](Curriculum& c, int from, int to) {
    for (int i = from; i < to; ++i) {
      for (const char* f : {"arith", "countdown"}) {
        int d = c.difficulty(f);
        // Deterministic results that depend on the level, so levels move both ways.
        c.record(f, d, (i * 7 + d * 3 + (f[0] == 'a')) % 10 < 10 - 2 * d);
      }
    }
  };
  feed(a, 0, 37);
  json saved = json::parse(a.state().dump());
  Curriculum b(small_config());
  b.add_family("arith", 8);
  b.add_family("countdown", 6);
  b.load_state(saved, "state.json");
  EXPECT_EQ(b.state(), a.state());
  feed(a, 37, 200);
  feed(b, 37, 200);
  EXPECT_EQ(b.state(), a.state());
  EXPECT_NE(a.state(), saved);
}

TEST(Curriculum, BadStateIsRejected) {
  Curriculum c(small_config());
  c.add_family("arith", 8);
  EXPECT_NE(error_of([&] {
              c.load_state(json::parse(R"({"families": {"linear": {}}})"), "s.json");
            }).find("linear"),
            std::string::npos);
  std::string msg = error_of([&] {
    c.load_state(
        json::parse(
            R"({"families": {"arith": {"difficulty": 9, "window": "", "since_change": 0}}})"),
        "s.json");
  });
  EXPECT_NE(msg.find("difficulty"), std::string::npos) << msg;
  msg = error_of([&] {
    c.load_state(
        json::parse(
            R"({"families": {"arith": {"difficulty": 2, "window": "1x", "since_change": 0}}})"),
        "s.json");
  });
  EXPECT_NE(msg.find("window"), std::string::npos) << msg;
}

TEST(Curriculum, ConfigFromJson) {
  auto c = CurriculumConfig::from_json(
      json::parse(
          R"({"low": 0.3, "high": 0.7, "window": 40, "min_samples": 20, "start": 2, "start_levels": {"arith": 4}})"),
      "run.json: curriculum");
  EXPECT_DOUBLE_EQ(c.low, 0.3);
  EXPECT_EQ(c.window, 40);
  EXPECT_EQ(c.start_levels.at("arith"), 4);
  Curriculum cur(c);
  cur.add_family("arith", 8);
  cur.add_family("linear", 8);
  EXPECT_EQ(cur.difficulty("arith"), 4);
  EXPECT_EQ(cur.difficulty("linear"), 2);
  EXPECT_EQ(CurriculumConfig::from_json(c.to_json(), "x").to_json(), c.to_json());

  std::string msg =
      error_of([] { CurriculumConfig::from_json(json::parse(R"({"lowest": 0.1})"), "run.json"); });
  EXPECT_NE(msg.find("unknown field 'lowest'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("run.json"), std::string::npos) << msg;
  msg = error_of(
      [] { CurriculumConfig::from_json(json::parse(R"({"low": 0.9, "high": 0.5})"), "run.json"); });
  EXPECT_NE(msg.find("low < high"), std::string::npos) << msg;
  msg = error_of([] {
    CurriculumConfig::from_json(json::parse(R"({"window": 4, "min_samples": 8})"), "run.json");
  });
  EXPECT_NE(msg.find("min_samples"), std::string::npos) << msg;
  msg = error_of(
      [] { CurriculumConfig::from_json(json::parse(R"({"window": "big"})"), "run.json"); });
  EXPECT_NE(msg.find("'window'"), std::string::npos) << msg;
}
