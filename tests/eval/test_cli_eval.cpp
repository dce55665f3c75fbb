// r1 eval end to end on small checkpoints: a generated suite, each dataset format of
// ../shared/data/eval (skipped when absent), the report, the dump, --compare, and the errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/fs.h"
#include "tests/common/cli.h"
#include "tests/common/temp_dir.h"

using namespace r1;
using namespace r1::testing;

namespace {

// A tiny model with room for dataset prompts (the CI tiny config holds 256 positions only).
std::string long_context_model(const TempDir& d) {
  json cfg = json::parse(read_file(repo_root() + "/configs/models/tiny-moe.json"));
  cfg["max_position_embeddings"] = 2560;
  write_json(d.file("model.json"), cfg);
  auto r = run_command(r1_binary() + " init --model-config " + d.file("model.json") + " --out " + d.file("m") + " --seed 1");
  if (r.code != 0) throw std::runtime_error(r.out);
  return d.file("m");
}

}  // namespace

TEST(CliEval, GeneratedSuiteReportDumpAndCompare) {
  TempDir d("cli_eval");
  std::string m = long_context_model(d);
  std::string base = r1_binary() + " eval --model " + m + " --samples 4 --max-new-tokens 16 --no-progress --greedy";
  auto a = run_command(base + " --tasks arith:level=1:n=6:seed=9,countdown:level=1:n=3 --seed 2 --out " +
                       d.file("a.json") + " --dump " + d.file("a.jsonl"));
  ASSERT_EQ(a.code, 0) << a.out;
  EXPECT_NE(a.out.find("| arith:level=1:n=6:seed=9 | 6 | 4 |"), std::string::npos) << a.out;
  json rep = json::parse(read_file(d.file("a.json")));
  ASSERT_EQ(rep["suites"].size(), 2u);
  EXPECT_EQ(rep["complete"], true);
  EXPECT_EQ(rep["settings"]["tasks"], "arith:level=1:n=6:seed=9,countdown:level=1:n=3");
  const json& s = rep["suites"][0];
  for (const char* k : {"pass@1", "pass@k", "maj@4", "format_rate", "mean_response_tokens", "greedy_pass@1", "per_task"}) {
    EXPECT_TRUE(s.contains(k)) << k;
  }
  EXPECT_TRUE(s["pass@k"].contains("4"));
  std::ifstream dump(d.file("a.jsonl"));
  int lines = 0;
  for (std::string l; std::getline(dump, l);) {
    json j = json::parse(l);
    EXPECT_TRUE(j.contains("verdict"));
    ++lines;
  }
  EXPECT_EQ(lines, (6 + 3) * (4 + 1));
  // The same seed gives the same report; --compare of a report with itself is zero.
  auto b = run_command(base + " --tasks arith:level=1:n=6:seed=9,countdown:level=1:n=3 --seed 2 --out " + d.file("b.json"));
  ASSERT_EQ(b.code, 0) << b.out;
  json rb = json::parse(read_file(d.file("b.json")));
  EXPECT_EQ(rep["suites"][0]["per_task"], rb["suites"][0]["per_task"]);
  auto c = run_command(r1_binary() + " eval --compare " + d.file("a.json") + " " + d.file("b.json"));
  ASSERT_EQ(c.code, 0) << c.out;
  EXPECT_NE(c.out.find("| arith:level=1:n=6:seed=9 | 0.0 [0.0, 0.0] |"), std::string::npos) << c.out;
  EXPECT_EQ(c.out.find("note:"), std::string::npos) << c.out;
  // A report whose run stopped early says so, and other settings are named.
  json partial = rb;
  partial["complete"] = false;
  partial["settings"]["temperature"] = 0.5;
  write_file_atomic(d.file("partial.json"), partial.dump());
  auto p = run_command(r1_binary() + " eval --compare " + d.file("a.json") + " " +
                       d.file("partial.json"));
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("partial.json is incomplete"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("other settings: temperature (1.0 vs 0.5)"), std::string::npos) << p.out;
}

TEST(CliEval, EveryDatasetFormat) {
  const std::string shared = repo_root() + "/../shared/data/eval";
  if (!std::filesystem::exists(shared)) GTEST_SKIP() << "../shared/data/eval is absent (clone without the shared folder)";
  TempDir d("cli_eval_data");
  std::string m = long_context_model(d);
  std::string suites = "gsm8k:" + shared + "/gsm8k-test.jsonl:n=3,math:" + shared + "/math500.jsonl:n=3,aime:" + shared +
                       "/aime24.jsonl:n=3,amc:" + shared + "/amc23.jsonl:n=3,humaneval:" + shared + "/humaneval.jsonl:n=3";
  auto r = run_command(r1_binary() + " eval --model " + m + " --tasks " + suites +
                       " --max-new-tokens 8 --no-progress --out " + d.file("r.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  json rep = json::parse(read_file(d.file("r.json")));
  ASSERT_EQ(rep["suites"].size(), 5u);
  for (const auto& s : rep["suites"]) {
    EXPECT_EQ(s["tasks"].get<int>(), 3) << s["suite"];
    EXPECT_EQ(s["verifier_errors"].get<int>(), 0) << s["suite"];
  }
}

TEST(CliEval, ClearErrors) {
  TempDir d("cli_eval_err");
  auto missing = run_command(r1_binary() + " eval --model /nonexistent/model --tasks arith:n=2");
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.out.find("/nonexistent/model"), std::string::npos) << missing.out;
  auto unknown = run_command(r1_binary() + " eval --model /nonexistent/model --tasks algebra:n=2");
  EXPECT_NE(unknown.code, 0);
  EXPECT_NE(unknown.out.find("unknown suite 'algebra'"), std::string::npos) << unknown.out;
  EXPECT_NE(unknown.out.find("arith"), std::string::npos) << "lists the known suites: " << unknown.out;
  EXPECT_NE(unknown.out.find("gsm8k"), std::string::npos) << unknown.out;
  std::string m = long_context_model(d);
  std::ofstream(d.file("bad.jsonl")) << "{\"question\": \"1+1?\", \"answer\": \"#### 2\"}\n{not json\n";
  auto bad = run_command(r1_binary() + " eval --model " + m + " --tasks gsm8k:" + d.file("bad.jsonl"));
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("bad.jsonl:2"), std::string::npos) << "names the file and line: " << bad.out;
}

// r1 plot names a field no row holds (it said "no finite points to draw"), and draws one that is.
TEST(CliPlot, AFieldNoRowHoldsIsNamed) {
  TempDir d("cli_plot");
  std::filesystem::create_directories(d.file("run"));
  std::ofstream(d.file("run/metrics.jsonl"))
      << "{\"step\":1,\"reward\":{\"mean\":0.25}}\n{\"step\":2,\"reward\":{\"mean\":0.5}}\n";
  const std::string base =
      r1_binary() + " plot --runs " + d.file("run") + " --out " + d.file("p.svg");
  auto bad = run_command(base + " --field reward/meen");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("--field 'reward/meen': no row of the runs' metrics.jsonl holds a number"),
            std::string::npos)
      << bad.out;
  auto good = run_command(base + " --field reward/mean");
  EXPECT_EQ(good.code, 0) << good.out;
  EXPECT_TRUE(std::filesystem::exists(d.file("p.svg")));
}
