// The curriculum keeps the pass rate in its band, deciding once per window of results, and its
// state round-trips.
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
  return c;
}

}  // namespace

TEST(Curriculum, DecidesOnlyWhenAWindowIsFull) {
  FamilyCurriculum fc(small_config(), 5, 1);
  for (int i = 0; i < 9; ++i) EXPECT_FALSE(fc.record(1, true)) << i;
  EXPECT_EQ(fc.difficulty(), 1);
  EXPECT_EQ(fc.decisions(), 0u);
  EXPECT_TRUE(fc.record(1, true));  // 10 of 10 > 0.8
  EXPECT_EQ(fc.difficulty(), 2);
  EXPECT_EQ(fc.samples(), 0u);  // a fresh window at the new level
  EXPECT_DOUBLE_EQ(fc.last_rate(), 1.0);
}

TEST(Curriculum, LowersBelowBandAndStaysInsideIt) {
  FamilyCurriculum fc(small_config(), 5, 3);
  for (int i = 0; i < 10; ++i) fc.record(3, false);
  EXPECT_EQ(fc.difficulty(), 2);
  // Inside the band (half right): no change however long it runs.
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(fc.record(2, i % 2 == 0));
  EXPECT_EQ(fc.difficulty(), 2);
  EXPECT_EQ(fc.decisions(), 11u);
  EXPECT_DOUBLE_EQ(fc.last_rate(), 0.5);
  EXPECT_EQ(fc.samples(), 0u);  // each decision starts a fresh window
}

// A scripted stream of results: the level changes at most once per window, on the result that
// fills it, and exactly when that window's pass rate is outside [low, high]. A window that
// starts bad and ends good (or the reverse) is judged whole: a run of results that would cross
// a bound by itself does not move the level early.
TEST(Curriculum, LevelsChangeOncePerWindowWhenItsRateCrossesTheBounds) {
  CurriculumConfig c = small_config();
  c.window = 20;
  FamilyCurriculum fc(c, 6, 3);
  // Pass rates of successive windows, and the level each should leave.
  struct Window {
    double rate;
    int level_after;
  };
  const std::vector<Window> script = {
      {0.85, 4},                                   // above high: up
      {0.80, 4},                                   // on the bound is inside the band
      {0.50, 4}, {0.20, 4},                        // on low: stays
      {0.15, 3},                                   // below: down
      {0.90, 4}, {0.95, 5}, {1.00, 6}, {1.00, 6},  // clamped at the top
      {0.00, 5},
  };
  int result = 0;
  for (const Window& w : script) {
    const int passes = static_cast<int>(w.rate * c.window + 0.5);
    const int before = fc.difficulty();
    for (int i = 0; i < c.window; ++i, ++result) {
      // The window's failures come first, then its passes: a sliding or early test would see
      // a rate of 0 and then 1 inside the window.
      const bool changed = fc.record(fc.difficulty(), i >= c.window - passes);
      if (i + 1 < c.window) {
        ASSERT_FALSE(changed) << "result " << result << " is not the last of its window";
        ASSERT_EQ(fc.difficulty(), before);
      } else {
        EXPECT_EQ(changed, w.level_after != before) << "window ending at " << result;
      }
    }
    EXPECT_EQ(fc.difficulty(), w.level_after) << "after the window of rate " << w.rate;
    EXPECT_DOUBLE_EQ(fc.last_rate(), static_cast<double>(passes) / c.window);
  }
  EXPECT_EQ(fc.decisions(), script.size());
}

TEST(Curriculum, ClampsAtTheEnds) {
  FamilyCurriculum top(small_config(), 3, 3);
  for (int i = 0; i < 30; ++i) top.record(3, true);
  EXPECT_EQ(top.difficulty(), 3);
  FamilyCurriculum bottom(small_config(), 3, 1);
  for (int i = 0; i < 30; ++i) bottom.record(1, false);
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
    c.load_state(json::parse(R"({"families": {"arith": {"difficulty": 9, "window": ""}}})"),
                 "s.json");
  });
  EXPECT_NE(msg.find("difficulty"), std::string::npos) << msg;
  msg = error_of([&] {
    c.load_state(json::parse(R"({"families": {"arith": {"difficulty": 2, "window": "1x"}}})"),
                 "s.json");
  });
  EXPECT_NE(msg.find("window"), std::string::npos) << msg;
}

TEST(Curriculum, ConfigFromJson) {
  auto c = CurriculumConfig::from_json(
      json::parse(
          R"({"low": 0.3, "high": 0.7, "window": 40, "start": 2, "start_levels": {"arith": 4}})"),
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
  // min_samples is gone; a config that still sets it is told what to do instead.
  msg = error_of([] {
    CurriculumConfig::from_json(json::parse(R"({"window": 64, "min_samples": 32})"), "run.json");
  });
  EXPECT_NE(msg.find("min_samples"), std::string::npos) << msg;
  EXPECT_NE(msg.find("once per window"), std::string::npos) << msg;
  msg = error_of(
      [] { CurriculumConfig::from_json(json::parse(R"({"window": "big"})"), "run.json"); });
  EXPECT_NE(msg.find("'window'"), std::string::npos) << msg;
}
