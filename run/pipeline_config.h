// The config of `r1 pipeline` (cold-start SFT, evaluation, GRPO, evaluation), read and checked
// in full before any work:
//
//   {
//     "out": "runs/quickstart",
//     "sft": "configs/quickstart-sft.json" | {...},   an r1 sft config ("out" is replaced)
//     "rl": "configs/quickstart-rl.json" | {...},     an r1 run config (model.init and out
//     replaced) "eval": {"tasks": SPEC, "samples": 8, "temperature": 1.0, "top_p": 1.0,
//              "max_new_tokens": 128, "seed": 0, "greedy": true, "slots": 64, "device": ""},
//     "target": {"suite": one suite of eval.tasks, "min_gain": 0.20}   optional
//   }
// The sft and rl sections are kept as JSON here (a file name is read into its object): the
// pipeline rewrites their "out" and "model" before SftConfig and RunConfig parse them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/config_fields.h"
#include "core/json.h"

namespace r1 {

struct PipelineEval : FieldListed<PipelineEval> {
  std::string tasks;  // suites, as `r1 eval --tasks`
  int samples = 8;
  double temperature = 1.0;
  double top_p = 1.0;
  int max_new_tokens = 128;
  uint64_t seed = 0;
  bool greedy = true;
  int slots = 64;
  std::string device;  // "": the SFT's device

  static const ConfigFields<PipelineEval>& fields();  // name, default, check, help of each field
};

struct PipelineTarget : FieldListed<PipelineTarget> {
  std::string suite;       // one suite of eval.tasks
  double min_gain = 0.20;  // RL must raise sampled pass@1 on it by this much over the cold start

  static const ConfigFields<PipelineTarget>& fields();  // name, default, check, help of each
};

struct PipelineConfig : FieldListed<PipelineConfig> {
  std::string out;
  json sft = json::object();  // an r1 sft config
  json rl = json::object();   // an r1 run config
  PipelineEval eval;
  std::optional<PipelineTarget> target;

  static const ConfigFields<PipelineConfig>& fields();  // name, default, check, help of each
};

}  // namespace r1
