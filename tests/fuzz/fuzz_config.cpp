// fuzz_config: any bytes as a config file, through parse_json and every config parser: the RL
// run config (RunConfig::from_json, which covers its sections: chat template, tasks, rollout,
// reward, learner, transport), the model config (ours and Hugging Face config.json), the SFT
// config, the reward, sandbox and pipeline configs, and eval suite specs. The promise under test: a
// bad config is an r1::Error (naming the file and field), never another exception or a crash.
//
// RunConfig::from_json touches the file system in two places, which the harness pins so that a
// run is a pure function of the bytes: "verifier_plugins" (dlopen) is dropped, and "model"
// points at configs/models/tiny-moe.json (its other fields are kept). The pipeline config reads
// its "sft" and "rl" sections from files when they are strings: those are dropped.
#include <cstdint>
#include <string>

#include "core/json.h"
#include "learner/sft_config.h"
#include "model/config.h"
#include "reward/reward_config.h"
#include "run/pipeline_config.h"
#include "run/run_config.h"
#include "sandbox/config.h"
#include "tasks/suite.h"

namespace {

using r1::json;

// Runs one parser; r1::Error is the expected way to reject a config, anything else escapes
// and is a finding.
template <typename F>
void parse(F&& f) {
  try {
    f();
  } catch (const r1::Error&) {
  }
}

json pinned_run_config(json j) {
  if (!j.is_object()) return j;
  j.erase("verifier_plugins");
  if (j.contains("model") && j["model"].is_object()) {
    j["model"].erase("init");
    j["model"]["config"] = std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json";
  }
  return j;
}

json pinned_pipeline_config(json j) {
  if (!j.is_object()) return j;
  for (const char* stage : {"sft", "rl"}) {
    if (j.contains(stage) && j[stage].is_string()) j.erase(stage);
  }
  if (j.contains("stages") && j["stages"].is_array()) {
    for (json& s : j["stages"]) {
      if (s.is_object() && s.contains("config") && s["config"].is_string()) s.erase("config");
    }
  }
  return j;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  json j;
  try {
    j = r1::parse_json(text, "fuzz.json");
  } catch (const r1::Error&) {
    return 0;
  }
  parse([&] { r1::RunConfig::from_json(pinned_run_config(j), "fuzz.json"); });
  parse([&] { r1::ModelConfig::from_json(j, "fuzz.json"); });
  parse([&] { r1::SftConfig::from_json(j, "fuzz.json"); });
  parse([&] { r1::RewardConfig::from_json(j, "fuzz.json"); });
  parse([&] { r1::SandboxConfig::from_json(j, "fuzz.json"); });
  parse([&] { r1::PipelineConfig::from_json(pinned_pipeline_config(j), "fuzz.json"); });
  if (j.is_string()) parse([&] { r1::parse_suites(j.get<std::string>()); });
  // Sections on their own too, so that mutations of a full run config reach each parser.
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.value().is_string()) parse([&] { r1::parse_suites(it.value().get<std::string>()); });
      if (it.key() == "reward")
        parse([&] { r1::RewardConfig::from_json(it.value(), "fuzz.json"); });
      if (it.key() == "sandbox")
        parse([&] { r1::SandboxConfig::from_json(it.value(), "fuzz.json"); });
      if (it.key() == "sft") parse([&] { r1::SftConfig::from_json(it.value(), "fuzz.json"); });
      if (it.key() == "rl")
        parse([&] { r1::RunConfig::from_json(pinned_run_config(it.value()), "fuzz.json"); });
    }
  }
  return 0;
}
