// `r1 tasks`: JSONL out, worked solutions on request, clear errors.
#include <gtest/gtest.h>

#include <sstream>

#include "core/json.h"
#include "tasks/generator.h"
#include "test_util.h"

using r1::json;

namespace {

std::vector<json> lines_of(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

}  // namespace

TEST(CmdTasks, PrintsTasksAsJsonl) {
  r1_test::TempDir dir;
  auto r = r1_test::run_command(
      std::string(R1_BINARY) + " tasks arith --n 5 --seed 7 --difficulty 3", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 5u);
  auto expected = r1::generate_tasks("arith", 5, 7, 3);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(lines[i], expected[i].to_json());
  EXPECT_EQ(lines[4]["id"], "arith-s7-d3-000004");
}

TEST(CmdTasks, WithSolutionGivesVerifyInput) {
  r1_test::TempDir dir;
  auto r = r1_test::run_command(
      std::string(R1_BINARY) + " tasks countdown --n 3 --seed 1 --with-solution --offset 10", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& l : lines) {
    EXPECT_EQ(l["id"], l["task"]["id"]);
    EXPECT_EQ(l["task"]["family"], "countdown");
    EXPECT_EQ(l["completion"].get<std::string>().rfind("<think>", 0), 0u);
  }
  EXPECT_EQ(lines[0]["id"].get<std::string>().substr(lines[0]["id"].get<std::string>().size() - 6),
            "000010");
}

TEST(CmdTasks, Errors) {
  r1_test::TempDir dir;
  auto r = r1_test::run_command(std::string(R1_BINARY) + " tasks algebra --n 1", dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("unknown task family 'algebra'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("countdown"), std::string::npos) << r.err;
  r = r1_test::run_command(std::string(R1_BINARY) + " tasks fraction --difficulty 7", dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--difficulty 7 out of range for fraction: 1..6"), std::string::npos)
      << r.err;
  r = r1_test::run_command(std::string(R1_BINARY) + " tasks arith --colour red", dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--colour"), std::string::npos) << r.err;
  r = r1_test::run_command(std::string(R1_BINARY) + " tasks gsm8k --n 1", dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--input"), std::string::npos) << r.err;
  r = r1_test::run_command(
      std::string(R1_BINARY) + " tasks arith --offset 9223372036854775807 --n 5", dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("reach past the largest index"), std::string::npos) << r.err;
  r = r1_test::run_command(std::string(R1_BINARY) + " tasks gsm8k --input .", dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(": is a folder"), std::string::npos) << r.err;
}

TEST(CmdTasks, ListAndDatasets) {
  r1_test::TempDir dir;
  auto r = r1_test::run_command(std::string(R1_BINARY) + " tasks --list", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* f :
       {"arith", "linear", "countdown", "fraction", "pyfunc", "pyoutput", "gsm8k", "humaneval"}) {
    EXPECT_NE(r.out.find(f), std::string::npos) << f;
  }
  std::string path = dir.write("g.jsonl",
                               "{\"question\": \"q\", \"answer\": \"x\\n#### 4\"}\n{\"question\": "
                               "\"r\", \"answer\": \"#### 5\"}\n");
  r = r1_test::run_command(std::string(R1_BINARY) + " tasks gsm8k --input " + path + " --n 0", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["answer"], "5");
}
