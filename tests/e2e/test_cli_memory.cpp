// Absurd sizes fail before anything big is allocated, with an error naming the field or flag that
// makes the run too big for the memory limit. Every command runs under `ulimit -v` (4 GB of
// address space): a command that allocated before checking would die of std::bad_alloc, or be
// killed, instead of naming the field; `timeout` ends one that would run for ever.
#include <gtest/gtest.h>

#include "tests/e2e/rl_fixture.h"

using namespace r1;
using namespace r1::testing;

namespace {

// Runs an r1 command line (the arguments after `r1`) with 4 GB of address space.
CommandResult run_capped(const std::string& args) {
  return run_command("timeout -s KILL 120 bash -c 'ulimit -v 4000000; exec " + r1_binary() + " " +
                     args + "'");
}

// configs/models/tiny-moe.json with `patch` merged in, written to `path`.
std::string tiny_model_config(const std::string& path, const json& patch) {
  json m = json::parse(read_file(repo_root() + "/configs/models/tiny-moe.json"));
  m.merge_patch(patch);
  write_json(path, m);
  return path;
}

void expect_named(const CommandResult& r, const std::string& field, const std::string& file = "") {
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find("bad_alloc"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(field), std::string::npos) << "expected '" << field << "' in:\n" << r.out;
  EXPECT_NE(r.out.find("needs about"), std::string::npos)
      << "an estimate, not a failed allocation:\n"
      << r.out;
  if (!file.empty()) EXPECT_NE(r.out.find(file), std::string::npos) << "names the file:\n" << r.out;
}

}  // namespace

// r1 run: each model field or run field that alone makes the run too big is the one named.
TEST(CliMemory, RunNamesTheFieldThatMakesItTooBig) {
  TempDir d("mem_run");
  struct Case {
    json model_patch, run_patch;
    std::string field;
  };
  std::vector<Case> cases = {
      {{{"hidden_size", 1000000000}}, json::object(), "hidden_size"},
      {{{"num_hidden_layers", 1000000}}, json::object(), "num_hidden_layers"},
      {{{"vocab_size", 2000000000}}, json::object(), "vocab_size"},
      {{{"n_routed_experts", 1000000}}, json::object(), "n_routed_experts"},
      {{{"moe_intermediate_size", 1000000000}}, json::object(), "moe_intermediate_size"},
      {json::object(), {{"rollout", {{"slots", 100000000}}}}, "slots"},
      {json::object(), {{"learner", {{"batch_groups", 1000000000}}}}, "batch_groups"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.field);
    json cfg = ci_config(c.run_patch);
    cfg["model"] = {{"config", tiny_model_config(d.file("model.json"), c.model_patch)}};
    write_json(d.file("cfg.json"), cfg);
    auto r = run_capped("run " + d.file("cfg.json") + " --out " + d.file("run"));
    expect_named(r, c.field, "cfg.json");
    EXPECT_FALSE(std::filesystem::exists(d.file("run/metrics.jsonl")));
  }
}

// --max-memory-gb sets the limit; the error names it.
TEST(CliMemory, MaxMemoryFlagSetsTheLimit) {
  TempDir d("mem_flag");
  write_json(d.file("cfg.json"), ci_config());
  auto r = run_capped("run " + d.file("cfg.json") + " --out " + d.file("run") +
                      " --max-memory-gb 0.001");
  expect_named(r, "--max-memory-gb");
  EXPECT_NE(r.out.find("the limit of 1.0 MiB (--max-memory-gb)"), std::string::npos) << r.out;
  auto bad =
      run_capped("run " + d.file("cfg.json") + " --out " + d.file("run") + " --max-memory-gb -1");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("--max-memory-gb must be a positive number"), std::string::npos)
      << bad.out;
}

// r1 eval and r1 generate: --samples 10^9 fails before the requests are built; a model folder
// whose config.json is absurd fails before its weights are allocated.
TEST(CliMemory, EvalAndGenerateNameTheFlagOrField) {
  TempDir d("mem_eval");
  const std::string model = sft_checkpoint();
  expect_named(run_capped("eval --model " + model +
                          " --tasks arith:level=1:n=4 --samples 1000000000 --no-progress"),
               "--samples");
  expect_named(run_capped("eval --model " + model +
                          " --tasks arith:level=1:n=4 --slots 100000000 --no-progress"),
               "--slots");
  expect_named(run_capped("generate --model " + model + " --prompt hi --samples 1000000000"),
               "--samples");
  std::filesystem::create_directories(d.file("huge"));
  tiny_model_config(d.file("huge/config.json"), {{"hidden_size", 1000000000}});
  expect_named(
      run_capped("eval --model " + d.file("huge") + " --tasks arith:level=1:n=4 --no-progress"),
      "hidden_size", "config.json");
  expect_named(run_capped("generate --model " + d.file("huge") + " --prompt hi"), "hidden_size",
               "config.json");
}

// r1 sft: the model is checked against the limit before it is built.
TEST(CliMemory, SftNamesTheFieldThatMakesItTooBig) {
  TempDir d("mem_sft");
  json cfg = json::parse(read_file(repo_root() + "/configs/sft-ci.json"));
  {
    cfg["model"]["model_config"] =
        tiny_model_config(d.file("model.json"), {{"num_hidden_layers", 1000000}});
    write_json(d.file("sft.json"), cfg);
    expect_named(
        run_capped("sft " + d.file("sft.json") + " --out " + d.file("out") + " --no-progress"),
        "num_hidden_layers", "sft.json");
  }
}
