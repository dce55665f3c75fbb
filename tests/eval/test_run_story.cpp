// The RL part of r1 pipeline's summary (eval/run_story.h): window means of a run's metrics,
// fields by path, and the curves written.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "eval/run_story.h"
#include "tests/common/temp_dir.h"

using namespace r1;

namespace {

json row(int step, double accuracy, double backtrack) {
  return {{"step", step},
          {"sampled", {{"accuracy", accuracy}}},
          {"response_length", 10.0 * step},
          {"reasoning",
           {{"backtrack_rate", backtrack},
            {"correct_first_try", 0.5},
            {"correct_after_backtrack", 0.25},
            {"claims_per_sample", 4.0},
            {"false_claim_rate", 0.1}}}};
}

}  // namespace

TEST(RunStory, FieldsByPath) {
  const json r = row(3, 0.5, 0.2);
  EXPECT_DOUBLE_EQ(metric_field(r, "sampled/accuracy"), 0.5);
  EXPECT_DOUBLE_EQ(metric_field(r, "step"), 3);
  EXPECT_TRUE(std::isnan(metric_field(r, "sampled/nothing")));
  EXPECT_TRUE(std::isnan(metric_field(r, "sampled")));  // an object is not a number
}

// 20 steps: windows of 2 (the first, middle and last tenth), each a mean of its rows.
TEST(RunStory, TableHoldsTheFirstMiddleAndLastTenth) {
  std::vector<json> rows;
  for (int s = 1; s <= 20; ++s) rows.push_back(row(s, s / 20.0, s <= 10 ? 0.0 : 1.0));
  rows[0].erase("reasoning");  // a row from before the reasoning metrics: skipped in its means
  const std::string md = run_story_markdown(rows);
  EXPECT_NE(md.find("| 1-2 | 0.075 | 15.0 | 0.000 | 0.500 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 10-11 | 0.525 | 105.0 | 0.500 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 19-20 | 0.975 | 195.0 | 1.000 |"), std::string::npos) << md;
  EXPECT_EQ(run_story_markdown({}), "");
  // Without any reasoning figures the column says so.
  std::vector<json> bare = {{{"step", 1}, {"sampled", {{"accuracy", 0.5}}}}};
  EXPECT_NE(run_story_markdown(bare).find("| 1-1 | 0.500 | - |"), std::string::npos)
      << run_story_markdown(bare);
}

TEST(RunStory, ReadsARunAndWritesItsCurves) {
  r1::testing::TempDir d("run_story");
  std::ofstream(d.file("metrics.jsonl")) << row(1, 0.1, 0.2).dump() << "\n"
                                         << row(2, 0.3, 0.4).dump() << "\n";
  const auto rows = read_run_metrics(d.path());
  ASSERT_EQ(rows.size(), 2u);
  const auto files = write_run_story_plots(rows, d.path());
  ASSERT_EQ(files.size(), 3u);
  for (const std::string& f : files) {
    std::ifstream in(d.file(f));
    std::string svg((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(svg.find("<svg"), std::string::npos) << f;
  }
  std::ofstream(d.file("metrics.jsonl"), std::ios::app) << "{not json\n";
  EXPECT_THROW(read_run_metrics(d.path()), Error);
}
