// The warning of a step whose sampling gave up says what happened and names the likely fix.
#include <gtest/gtest.h>

#include "learner/short_batch.h"

using namespace r1;

namespace {
bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}
}  // namespace

TEST(ShortBatch, WarningSaysWhatHappenedAndNamesTheFix) {
  SamplingTally t;
  t.wanted = 8;
  t.waves = 4;
  t.returned = t.zero_variance = 32;
  std::string w = short_batch_warning(3, t);
  EXPECT_TRUE(has(w,
                  "step 3: gave up after 4 waves with 0 of 8 groups usable (32 returned: 32 with "
                  "all rewards equal)"))
      << w;
  EXPECT_TRUE(has(w, "skipping the step (no update)")) << w;
  EXPECT_TRUE(has(w, "learner.dynamic_sampling")) << w;

  t.used = 3;
  t.zero_variance = 20;
  t.lost = 9;
  t.task_timeout_s = 2;
  w = short_batch_warning(4, t);
  EXPECT_TRUE(has(w, "training on the 3 usable groups")) << w;
  EXPECT_TRUE(has(w, "20 with all rewards equal, 9 lost")) << w;

  t.zero_variance = 0;
  w = short_batch_warning(5, t);
  EXPECT_TRUE(has(w, "task_timeout_s=2s")) << "lost tasks dominate: " << w;

  SamplingTally none;
  none.wanted = 2;
  none.waves = 4;
  EXPECT_TRUE(has(short_batch_warning(1, none), "no group came back"))
      << short_batch_warning(1, none);
}

TEST(ShortBatch, LongSamplingIsNotedAtPowersOfTwoFromTheEighthWave) {
  SamplingTally t;
  t.wanted = 2;
  std::vector<int64_t> noted;
  for (t.waves = 1; t.waves <= 40; ++t.waves) {
    if (!long_sampling_note(7, t).empty()) noted.push_back(t.waves);
  }
  EXPECT_EQ(noted, (std::vector<int64_t>{8, 16, 32}));
  t.waves = 8;
  EXPECT_TRUE(has(long_sampling_note(7, t), "step 7: wave 8, 0 of 2 groups usable so far"))
      << long_sampling_note(7, t);
}

// The first wave asks for what is missing divided by the recent usable share, within
// [missing, oversample_max x missing].
TEST(ShortBatch, FirstWaveOversamplesByTheRecentUsableShare) {
  EXPECT_EQ(first_wave_size(16, 1.0, 2.0), 16);  // every group trained: no extra
  EXPECT_EQ(first_wave_size(16, 0.8, 2.0), 20);
  EXPECT_EQ(first_wave_size(16, 0.75, 2.0), 22);  // 21.33 rounds up
  EXPECT_EQ(first_wave_size(16, 0.1, 2.0), 32);   // capped at 2 x
  EXPECT_EQ(first_wave_size(16, 0.0, 3.0), 48);
  EXPECT_EQ(first_wave_size(16, 0.5, 1.0), 16);  // oversample_max 1: exactly what is missing
  EXPECT_EQ(first_wave_size(1, 0.9, 2.0), 2);
}

TEST(ShortBatch, UsableShareHalvesTheWeightOfOlderSteps) {
  EXPECT_DOUBLE_EQ(next_usable_share(1.0, 12, 16), 0.875);
  EXPECT_DOUBLE_EQ(next_usable_share(0.875, 0, 32), 0.4375);
  EXPECT_DOUBLE_EQ(next_usable_share(0.4375, 5, 0), 0.4375);  // nothing came back: unchanged
  EXPECT_DOUBLE_EQ(next_usable_share(0.5, 20, 16), 0.75);     // a step counts 1 at most
}
