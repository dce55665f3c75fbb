// The config of `r1 pipeline`, read and checked in full before any work. The R1 recipe as a list
// of stages, each in its own folder <out>/<name>/:
//
//   {
//     "out": "runs/recipe",
//     "eval": {"tasks": SPEC, "samples": 8, ...},        the settings of every eval stage
//     "target": {"suite": ..., "min_gain": 0.2, "before": "before", "after": "after"},  optional
//     "stages": [
//       {"kind": "sft", "name": "cold", "config": "configs/quickstart-sft.json"},
//       {"kind": "eval", "name": "before"},                  evaluates the model made last
//       {"kind": "rl", "config": "configs/quickstart-rl.json"},   starts from the model made last
//       {"kind": "eval", "name": "after", "compare": "before"},
//       {"kind": "rejection-sft", "tasks": "countdown:n=2000:seed=31", "samples": 8, "keep": 2,
//        "config": "configs/quickstart-sft.json", "init": "cold"},
//       {"kind": "distill", "from": "rl", "tasks": ..., "config":
//       "configs/distill-student-sft.json"},
//       {"kind": "eval", "name": "student", "from": "distill"}
//     ]
//   }
//
// A stage's `from` names the model it starts from (rl), samples with (rejection-sft; distill:
// the teacher) or evaluates (eval): an earlier stage or a model folder; by default the model the
// previous model stage made. rejection-sft and distill train with SFT on what they kept: their
// config is an r1 sft config whose data is replaced; the model it trains is `init` (a stage or
// folder) or, without one, the config's own "model" section (a fresh model: the student).
//
// The older form {"sft": ..., "rl": ..., "eval": ..., "target": ...} still reads: it is the
// stages sft, eval "before", rl, eval "after" (compare "before").
//
// The sft and rl configs are kept as JSON here (a file name is read into its object): the
// pipeline rewrites their "out" and "model" before SftConfig and RunConfig parse them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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
  std::string device;  // "": the device of the first stage that trains by SFT
  std::string dtype;   // fp32 or bf16 ("": the first SFT stage's when eval.device is "" too,
                       // else eval.device's default)

  static const ConfigFields<PipelineEval>& fields();  // name, default, check, help of each field
};

struct PipelineTarget {
  std::string suite;       // one suite of eval.tasks
  double min_gain = 0.20;  // the `after` model must raise sampled pass@1 on it by this much
  std::string before;      // eval stages compared; "": the first and the last eval stage
  std::string after;

  static PipelineTarget from_json(const json& j, const std::string& where);
  json to_json() const;
  static const ConfigFields<PipelineTarget>& fields();  // name, default, check, help of each
};

enum class StageKind { kSft, kRl, kRejectionSft, kDistill, kEval };
const char* stage_kind_name(StageKind k);
bool makes_model(StageKind k);   // every kind but eval
bool samples_data(StageKind k);  // rejection-sft and distill

struct PipelineStage {
  StageKind kind = StageKind::kSft;
  std::string name;         // its folder under out/; default: the kind's name
  json config;              // sft, rejection-sft, distill: an r1 sft config; rl: an r1 run config
  std::string config_file;  // the file `config` was read from ("": given inline); for messages
  std::string from;         // see the top of this file
  std::string init;         // rejection-sft, distill: the model SFT trains ("": config's model)
  // rejection-sft and distill: the sampling.
  std::string tasks;  // suites sampled on, as r1 eval --tasks
  int samples = 8;    // K per task
  int keep = 2;       // M per prompt
  bool require_format = true;
  double temperature = 1.0;
  double top_p = 1.0;
  int max_new_tokens = 128;
  uint64_t seed = 0;
  int slots = 64;
  std::string compare;  // eval: an earlier eval stage, for the paired differences
  // eval, rejection-sft, distill: the prompt template of the model evaluated or sampling (null:
  // the one it was trained with; a model folder: chatml)
  json chat_template;

  static PipelineStage from_json(const json& j, const std::string& where);
  json to_json() const;
  static const ConfigFields<PipelineStage>& fields();  // name, default, check, help of each
};

struct PipelineConfig {
  std::string out;
  std::optional<PipelineEval> eval;  // needed when a stage is an eval stage
  std::optional<PipelineTarget> target;
  std::vector<PipelineStage> stages;

  // Reads either form; checks names, references and the target across stages.
  static PipelineConfig from_json(const json& j, const std::string& where);
  json to_json() const;
  static const ConfigFields<PipelineConfig>& fields();  // name, default, check, help of each
};

}  // namespace r1
