// docs/config-reference.md is written from the configs' field lists (core/config_fields.h), so
// the docs cannot drift from what the parsers accept. After changing a field list, regenerate it:
//   R1_WRITE_DOCS=1 build/tests/test_run --gtest_filter='ConfigReference.*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "learner/sft_config.h"
#include "run/pipeline_config.h"
#include "run/run_config.h"
#include "tests/common/temp_dir.h"
#include "verifiers/external/external_verifier.h"
#include "verifiers/python/python_verifier.h"
#include "verifiers/selfplay/program_runner.h"

using namespace r1;

namespace {

template <typename C>
std::string table(const std::string& title, const std::string& what = "") {
  return "### " + title + "\n\n" + (what.empty() ? "" : what + "\n\n") + C::fields().markdown() +
         "\n";
}

std::string reference() {
  std::ostringstream s;
  s << "# Config reference\n\n"
    << "Generated from the field lists in the code (`core/config_fields.h`); do not edit by hand.\n"
    << "Regenerate with `R1_WRITE_DOCS=1 build/tests/test_run "
       "--gtest_filter='ConfigReference.*'`.\n\n"
    << "Every config is JSON. A missing field takes the default shown; an unknown field, a value "
       "of the wrong type and a value that fails its check are errors naming the file and the "
       "field, before any work starts. Two sections keep their own readers, documented beside "
       "their structs: `chat_template` (`model/chat_template.h`: its defaults depend on the "
       "template's name) and the model's `config.json` (Hugging Face's fields, read per "
       "architecture in `model/config_hf.cpp`).\n\n"
    << "## `r1 run` and `r1 worker`: the run config\n\n"
    << table<RunConfig>("The top level", "`r1 run CONFIG` (run/run_config.h).")
    << table<ModelSpec>("`model`", "Give exactly one of `init` and `config`.")
    << table<TaskSourceConfig>("`tasks`")
    << table<TaskSourceEntry>("`tasks.mix[i]`",
                              "Give exactly one of `family`, `dataset`, `external` and "
                              "`self_play`.")
    << table<ExternalTaskOptions>("`tasks.mix[i].external`",
                                  "A task source in any language (tasks/external_tasks.h, "
                                  "docs/tasks.md).")
    << table<SelfPlayOptions>("`tasks.mix[i].self_play`",
                              "Tasks the policy proposes and solves (tasks/selfplay/, "
                              "docs/selfplay.md). At most one such entry per mix.")
    << table<CurriculumConfig>("`tasks.curriculum`", "Needs 0 <= low < high <= 1.")
    << table<RolloutConfig>("`rollout`") << table<RewardConfig>("`reward`")
    << table<RewardComponent>("`reward.components.NAME`")
    << table<OverlongPenalty>("`reward.overlong`",
                              "Needs buffer_tokens <= max_tokens, and "
                              "max_tokens = rollout.max_new_tokens.")
    << table<LearnerConfig>("`learner`") << table<GrpoConfig>("`learner.grpo`")
    << table<OptimizerConfig>("`learner.optimizer` (also `optimizer` in SFT configs)")
    << table<LrSchedule>("`learner.schedule` (also `schedule` in SFT configs)")
    << table<Endpoints>("`transport`") << table<MessageCaps>("`transport.max_message_mb`")
    << "## `r1 sft`: the cold-start config\n\n"
    << table<SftConfig>("The top level",
                        "Give exactly one of `model.init` and "
                        "`model.model_config`, and of `train.epochs` and "
                        "`train.steps`.")
    << table<SftDataConfig>("`data`", "Give exactly one of `generated` and `jsonl`.")
    << table<SftMixEntry>("`data.generated.mix[i]`") << "## `r1 pipeline`\n\n"
    << table<PipelineConfig>("The top level")
    << table<PipelineStage>("`stages[i]`",
                            "Each stage runs in `<out>/<name>/` and is skipped or resumed when "
                            "that folder says it is done (run/pipeline.h).")
    << table<PipelineEval>("`eval`") << table<PipelineTarget>("`target`")
    << "## Verifier options\n\n"
    << "Given as a reward component's `options`, or in `reward.task_verifier_options`.\n\n"
    << table<PythonVerifierOptions>("`python`", "Code tasks, run in the sandbox.")
    << table<SandboxConfig>("`sandbox`") << table<SandboxLimits>("`sandbox.limits`")
    << table<ProgramLimits>("`proposal` and `program`: `limits`",
                            "Self-play programs in the sandbox "
                            "(verifiers/selfplay/program_runner.h); both verifiers also take "
                            "`sandbox`, `think_tag` and `answer_tag`.")
    << table<ExternalVerifierOptions>("External verifiers",
                                      "A program that answers one JSON line per request "
                                      "(docs/verifiers.md).");
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

// The resolved config a run writes to its folder (and roles read back) is the same config: read
// again, it resolves to itself, every section included.
TEST(ConfigReference, TheResolvedRunConfigReadsBackAsItself) {
  for (const char* name : {"ci-tiny.json", "quickstart-rl.json"}) {
    json j = load_json_file(std::string(R1_SOURCE_DIR) + "/configs/" + name);
    j["model"] = {{"config", std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json"}};
    const RunConfig c = RunConfig::from_json(j, name);
    const json resolved = c.resolved();
    for (const char* section :
         {"out", "seed", "model", "chat_template", "tasks", "rollout", "reward", "reward_service",
          "learner", "transport", "verifier_plugins"}) {
      EXPECT_TRUE(resolved.contains(section)) << name << ": " << section;
    }
    EXPECT_EQ(RunConfig::from_json(resolved, name).resolved(), resolved) << name;
    EXPECT_TRUE(resolved["tasks"]["curriculum"].contains("window")) << name;  // defaults too
  }
}

// Each section's resolved config reads back as itself, defaults included.
TEST(ConfigReference, EverySectionRoundTrips) {
  auto same = [](auto c) {
    using C = decltype(c);
    const json j = c.to_json();
    EXPECT_EQ(C::from_json(j, "round trip").to_json(), j) << j.dump();
  };
  same(SandboxConfig{});
  same(PythonVerifierOptions{});
  same(PipelineEval{});
  same(Endpoints{});
  same(GrpoConfig{});
  same(CurriculumConfig{});
  ExternalVerifierOptions ext;
  ext.command = {"/bin/cat"};
  same(ext);
  RewardConfig reward = RewardConfig::single(kTaskVerifier);
  OverlongPenalty overlong;
  overlong.max_tokens = 64;
  overlong.buffer_tokens = 16;
  overlong.weight = 0.5;
  reward.overlong = overlong;
  same(reward);
}
