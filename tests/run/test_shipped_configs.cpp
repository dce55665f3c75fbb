// Every config shipped in configs/ reads in the parser of its kind, and so does every pipeline
// config the results in docs/results/ tell a reader to run again, so a typo in one (a field
// misspelt, a value out of range) fails CI rather than a user's first run. Pipeline configs are
// read from the repository root, as the README runs them, and each of their stages' SFT or run
// config is read too. A run config's model is the cold start an earlier stage makes, or a GPU
// this machine may lack, so it is read with a model config in its place (2,048 positions: room
// for every shipped rollout); the model section's own checks are tested beside RunConfig.
#include <gtest/gtest.h>

#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "core/json.h"
#include "learner/sft_config.h"
#include "run/pipeline_config.h"
#include "run/run_config.h"

namespace fs = std::filesystem;
using namespace r1;

namespace {

// Runs `f` with the working directory at the repository root, and puts it back.
template <class F>
void from_repo_root(F f) {
  const fs::path was = fs::current_path();
  fs::current_path(R1_SOURCE_DIR);
  try {
    f();
  } catch (...) {
    fs::current_path(was);
    throw;
  }
  fs::current_path(was);
}

void read_run(json j, const std::string& where) {
  j["model"] = {{"config", "configs/models/small-moe-2k.json"}};
  RunConfig::from_json(j, where);
}

// The stage configs of a pipeline, parsed as the pipeline will parse them.
void read_stages(const PipelineConfig& p, const std::string& name) {
  for (const PipelineStage& s : p.stages) {
    const std::string where = name + ": stage " + s.name;
    if (s.kind == StageKind::kRl) {
      read_run(s.config, where);
    } else if (s.kind != StageKind::kEval) {
      SftConfig::from_json(s.config, where);
    }
  }
}

}  // namespace

TEST(ShippedConfigs, EveryConfigReadsInTheParserOfItsKind) {
  const fs::path root(R1_SOURCE_DIR);
  std::vector<std::string> files;  // relative to the repository root
  for (const auto& e : fs::directory_iterator(root / "configs"))
    if (e.is_regular_file() && e.path().extension() == ".json")
      files.push_back(fs::relative(e.path(), root).string());
  ASSERT_GE(files.size(), 10u) << "configs/ should hold the shipped configs";
  for (const auto& e : fs::recursive_directory_iterator(root / "docs" / "results")) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.rfind("pipeline", 0) == 0 && e.path().extension() == ".json")
      files.push_back(fs::relative(e.path(), root).string());
  }
  int pipelines = 0, runs = 0, sfts = 0;
  from_repo_root([&] {
    for (const std::string& name : files) {
      SCOPED_TRACE(name);
      try {
        const json j = load_json_file(name);
        if (j.contains("stages") || j.contains("sft")) {
          read_stages(PipelineConfig::from_json(j, name), name);
          ++pipelines;
        } else if (j.contains("learner")) {
          read_run(j, name);
          ++runs;
        } else if (j.contains("train")) {
          SftConfig::from_json(j, name);
          ++sfts;
        } else {
          ADD_FAILURE() << name << ": neither a pipeline, a run nor an SFT config";
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();  // SCOPED_TRACE names the file
      }
    }
  });
  // Each kind is present, so a change that stopped telling them apart would show here.
  EXPECT_GT(pipelines, 0);
  EXPECT_GT(runs, 0);
  EXPECT_GT(sfts, 0);
}
