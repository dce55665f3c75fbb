// r1 pipeline's config (run/pipeline_config.h): the stage list, the older {sft, rl} form it
// still reads, and the errors of a stage list that cannot run, each naming the stage and field.
#include <gtest/gtest.h>

#include "run/pipeline_config.h"

using namespace r1;

namespace {

json sft_config() {
  return {{"model", {{"model_config", "configs/models/tiny-moe.json"}}},
          {"data", {{"jsonl", "x.jsonl"}}},
          {"train", {{"steps", 2}}}};
}

json recipe() {
  return {{"out", "o"},
          {"eval", {{"tasks", "arith:level=1:n=4:seed=9"}}},
          {"stages",
           {{{"kind", "sft"}, {"name", "cold"}, {"config", sft_config()}},
            {{"kind", "eval"}, {"name", "before"}},
            {{"kind", "rl"}, {"config", json::object()}},
            {{"kind", "eval"}, {"name", "after"}, {"compare", "before"}},
            {{"kind", "rejection-sft"},
             {"tasks", "arith:level=1:n=8:seed=31"},
             {"samples", 4},
             {"keep", 1},
             {"init", "cold"},
             {"config", sft_config()}},
            {{"kind", "distill"},
             {"from", "rl"},
             {"tasks", "arith:n=8:seed=32"},
             {"config", sft_config()}},
            {{"kind", "eval"}, {"name", "student"}}}}};
}

// The message of the error from_json throws, or "" when it does not.
std::string error_of(const json& j) {
  try {
    PipelineConfig::from_json(j, "p.json");
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(PipelineConfig, ReadsAStageListWithDefaultsAndReferences) {
  json j = recipe();
  j["target"] = {{"suite", "arith:level=1:n=4:seed=9"}, {"min_gain", 0.1}};
  const PipelineConfig c = PipelineConfig::from_json(j, "p.json");
  ASSERT_EQ(c.stages.size(), 7u);
  EXPECT_EQ(c.stages[2].name, "rl");  // a stage's name defaults to its kind
  EXPECT_EQ(c.stages[4].name, "rejection-sft");
  EXPECT_EQ(c.stages[4].kind, StageKind::kRejectionSft);
  EXPECT_EQ(c.stages[4].samples, 4);
  EXPECT_EQ(c.stages[5].keep, 2);  // the default M
  EXPECT_TRUE(c.stages[5].require_format);
  // The target compares the first and the last eval stage unless told otherwise.
  EXPECT_EQ(c.target->before, "before");
  EXPECT_EQ(c.target->after, "student");
  // The resolved config reads back as itself.
  EXPECT_EQ(PipelineConfig::from_json(c.to_json(), "again").to_json(), c.to_json());
}

TEST(PipelineConfig, TheOlderFormIsFourStages) {
  const json j = {{"out", "o"},
                  {"sft", sft_config()},
                  {"rl", json::object()},
                  {"eval", {{"tasks", "arith:level=1:n=4:seed=9"}}},
                  {"target", {{"suite", "arith:level=1:n=4:seed=9"}}}};
  const PipelineConfig c = PipelineConfig::from_json(j, "p.json");
  ASSERT_EQ(c.stages.size(), 4u);
  const char* names[] = {"sft", "before", "rl", "after"};
  const StageKind kinds[] = {StageKind::kSft, StageKind::kEval, StageKind::kRl, StageKind::kEval};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(c.stages[i].name, names[i]);
    EXPECT_EQ(c.stages[i].kind, kinds[i]);
  }
  EXPECT_EQ(c.stages[3].compare, "before");
  EXPECT_TRUE(c.stages[1].chat_template.is_null());
  // Both evaluations use the RL config's template, so that they compare the same prompts.
  json with_template = j;
  with_template["rl"] = {{"chat_template", {{"name", "plain"}}}};
  const PipelineConfig t = PipelineConfig::from_json(with_template, "p.json");
  EXPECT_EQ(t.stages[1].chat_template, json({{"name", "plain"}}));
  EXPECT_EQ(t.stages[3].chat_template, json({{"name", "plain"}}));
  EXPECT_EQ(c.target->before, "before");
  EXPECT_EQ(c.target->after, "after");
  EXPECT_NE(error_of({{"sft", sft_config()}, {"eval", {{"tasks", "arith"}}}})
                .find("field 'rl' is required"),
            std::string::npos);
}

TEST(PipelineConfig, AStageListThatCannotRunIsAnErrorNamingTheStage) {
  struct Case {
    std::function<void(json&)> edit;
    const char* message;
  };
  const std::vector<Case> cases = {
      {[](json& j) { j["stages"][0]["kind"] = "dpo"; }, "unknown stage kind 'dpo'"},
      {[](json& j) { j["stages"][2]["name"] = "cold"; }, "another stage is named 'cold'"},
      {[](json& j) { j["stages"][2]["from"] = "nowhere"; },
       "'nowhere' is neither an earlier stage that makes a model nor a model folder"},
      {[](json& j) { j["stages"][2]["from"] = "student"; },
       "'student' is neither an earlier stage"},  // a later stage is not a source
      {[](json& j) { j["stages"][2]["from"] = "before"; }, "stage 'before' makes no model"},
      {[](json& j) { j["stages"][3]["compare"] = "after"; },
       "'after' is not an earlier eval stage"},
      {[](json& j) { j["stages"][2]["tasks"] = "arith"; },
       "field 'tasks' is for rejection-sft and distill stages, not rl"},
      {[](json& j) { j["stages"][1]["config"] = json::object(); },
       "field 'config' is for sft, rl, rejection-sft and distill stages, not eval"},
      {[](json& j) { j["stages"][2].erase("config"); }, "field 'config' is required for rl stages"},
      {[](json& j) { j["stages"][4].erase("tasks"); },
       "field 'tasks' is required for rejection-sft stages"},
      {[](json& j) { j["stages"][4]["tasks"] = "nosuch:n=3"; }, "field 'tasks'"},
      {[](json& j) { j["stages"][4]["keep"] = 0; }, "field 'keep': must be >= 1"},
      {[](json& j) { j["stages"][2]["name"] = "../x"; }, "cannot be a folder name here"},
      {[](json& j) { j.erase("eval"); }, "an eval stage needs the top-level \"eval\" settings"},
      {[](json& j) {
         j["stages"][2]["chat_template"] = {{"name", "plain"}};
       },
       "field 'chat_template' is for eval, rejection-sft and distill stages, not rl"},
      {[](json& j) {
         j["stages"][1]["chat_template"] = {{"name", "nosuch"}};
       },
       "nosuch"},
      {[](json& j) { j["eval"]["top_p"] = 0; }, "field 'top_p': must be in (0, 1]"},
      {[](json& j) { j["stages"][0]["config"] = "no/such/file.json"; },
       "no config file no/such/file.json"},
      {[](json& j) { j["sft"] = sft_config(); }, "field 'sft' belongs to the older form"},
      {[](json& j) { j["stages"] = json::array(); }, "no stages"},
      {[](json& j) { j["stages"].erase(0); },
       "no earlier stage makes a model; set 'from' to a model folder"},
      {[](json& j) {
         j["target"] = {{"suite", "arith:level=2"}};
       },
       "suite 'arith:level=2' is not one of eval.tasks"},
      {[](json& j) {
         j["target"] = {{"suite", "arith:level=1:n=4:seed=9"}, {"after", "cold"}};
       },
       "'cold' is not an eval stage"},
      {[](json& j) { j["stages"][4]["tasks"] = "arith:level=1:n=4:seed=9"; },
       "stages[4] (rejection-sft): field 'tasks': 'arith:level=1:n=4:seed=9' is a suite of "
       "eval.tasks, held out of training"},
  };
  for (const Case& c : cases) {
    json j = recipe();
    c.edit(j);
    const std::string e = error_of(j);
    EXPECT_NE(e.find(c.message), std::string::npos) << "want: " << c.message << "\ngot: " << e;
    EXPECT_NE(e.find("p.json"), std::string::npos) << e;
  }
}
