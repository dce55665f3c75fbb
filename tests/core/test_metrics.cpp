#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/fs.h"
#include "core/metrics.h"
#include "core/tfevents.h"
#include "tests/common/temp_dir.h"

using namespace r1;

namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> event_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// tag -> value of one step, read from an event file.
std::map<std::string, double> scalars_at(const std::string& file, int64_t step) {
  std::map<std::string, double> out;
  for (const TfScalar& s : read_tf_events(file)) {
    if (s.step == step) out[s.tag] = s.value;
  }
  return out;
}

}  // namespace

TEST(Metrics, FlattensNestedObjectsArraysAndBools) {
  json fields = {{"reward", {{"mean", 0.5}, {"std", 0.25}}},
                 {"acc", 1},
                 {"dynamic", true},
                 {"expert_load", {{0.1, 0.9}, {0.5, 0.5}}},
                 {"note", "text only"},
                 {"missing", nullptr},
                 {"time", {{"generate", 2.0}, {"split", {{"a", false}}}}}};
  std::vector<std::pair<std::string, double>> out;
  flatten_scalars(fields, "", out);
  std::map<std::string, double> m(out.begin(), out.end());
  EXPECT_EQ(m.size(), out.size());
  std::map<std::string, double> expected = {
      {"reward/mean", 0.5},     {"reward/std", 0.25},     {"acc", 1},
      {"dynamic", 1},           {"expert_load/0/0", 0.1}, {"expert_load/0/1", 0.9},
      {"expert_load/1/0", 0.5}, {"expert_load/1/1", 0.5}, {"time/generate", 2.0},
      {"time/split/a", 0}};
  EXPECT_EQ(m, expected);
}

TEST(Metrics, WritesJsonlAndTensorBoard) {
  r1::testing::TempDir dir("metrics");
  std::string run = dir.file("run/nested");  // created on demand
  {
    MetricsSink sink(run);
    sink.log(
        0,
        {{"reward", {{"mean", 0.25}}}, {"tokens_per_s", 5100}, {"ok", true}, {"note", "warmup"}});
    sink.log(1,
             {{"reward", {{"mean", 0.5}}}, {"tokens_per_s", 5200}, {"ok", false}, {"note", "x"}});
    EXPECT_THROW(sink.log(2, json::array({1})), Error);
    EXPECT_THROW(sink.log(2, {{"step", 3}}), Error);
    // Lines are on disk as soon as they are logged (a killed run keeps them).
    EXPECT_EQ(lines_of(sink.jsonl_path()).size(), 2u);
  }
  std::vector<std::string> lines = lines_of(run + "/metrics.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("{\"step\":0,", 0), 0u) << lines[0];  // step comes first
  json first = json::parse(lines[0]);
  EXPECT_EQ(
      first,
      json::parse(
          R"({"step":0,"reward":{"mean":0.25},"tokens_per_s":5100,"ok":true,"note":"warmup"})"));

  std::vector<std::string> files = event_files(run);
  ASSERT_EQ(files.size(), 1u);
  std::map<std::string, double> s1 = scalars_at(files[0], 1);
  std::map<std::string, double> expected = {
      {"reward/mean", 0.5}, {"tokens_per_s", 5200}, {"ok", 0}};
  EXPECT_EQ(s1, expected);
}

TEST(Metrics, ResumeDropsStepsAfterTheCheckpoint) {
  r1::testing::TempDir dir("metrics");
  std::string run = dir.path();
  {
    MetricsSink sink(run);
    for (int s = 0; s < 8; ++s) sink.log(s, {{"loss", s * 1.0}});
  }
  // A kill mid-line leaves a partial last line behind.
  std::ofstream(run + "/metrics.jsonl", std::ios::app) << "{\"step\":8,\"lo";
  {
    MetricsSink sink(run, /*resume=*/true, /*resume_step=*/4);
    EXPECT_EQ(lines_of(sink.jsonl_path()).size(), 5u);  // steps 0..4 kept
    sink.log(5, {{"loss", 50.0}});
    sink.log(6, {{"loss", 60.0}});
  }
  std::vector<std::string> lines = lines_of(run + "/metrics.jsonl");
  ASSERT_EQ(lines.size(), 7u);
  for (int s = 0; s < 7; ++s) EXPECT_EQ(json::parse(lines[s])["step"], s);
  EXPECT_EQ(json::parse(lines[4])["loss"], 4.0);
  EXPECT_EQ(json::parse(lines[5])["loss"], 50.0);
  // No temp file of the atomic rewrite is left behind.
  for (const auto& e : std::filesystem::directory_iterator(run)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }

  // The resumed run writes a second event file that starts with a restart marker at step 5.
  std::vector<std::string> files = event_files(run);
  ASSERT_EQ(files.size(), 2u);
  std::string resumed = read_tf_events(files[0]).size() == 2 ? files[0] : files[1];
  std::vector<std::string> records = read_tf_records(resumed);
  ASSERT_EQ(records.size(), 4u);  // file_version, restart, steps 5 and 6
  TfEvent restart = parse_tf_event(records[1]);
  EXPECT_EQ(restart.session_status, 1);
  EXPECT_EQ(restart.step, 5);
  EXPECT_EQ(scalars_at(resumed, 6).at("loss"), 60.0);
}

TEST(Metrics, ResumeWithoutAFileStartsOne) {
  r1::testing::TempDir dir("metrics");
  {
    MetricsSink sink(dir.path(), true, 10);
    sink.log(11, {{"x", 1}});
  }
  EXPECT_EQ(lines_of(dir.file("metrics.jsonl")).size(), 1u);
}

TEST(Metrics, AFreshRunTruncatesOldMetrics) {
  r1::testing::TempDir dir("metrics");
  write_file_atomic(dir.file("metrics.jsonl"), "{\"step\":0}\n{\"step\":1}\n");
  {
    MetricsSink sink(dir.path());
    sink.log(0, {{"x", 2}});
  }
  std::vector<std::string> lines = lines_of(dir.file("metrics.jsonl"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(json::parse(lines[0])["x"], 2);
}
