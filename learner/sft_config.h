// The config of `r1 sft` (cold-start supervised fine-tuning), read and checked in full before
// any work: an unknown or ill-typed field is an error naming the file and the field.
//
// {
//   "out": "runs/sft",                                   run folder (--out overrides)
//   "model": {"init": "DIR"}                             start from a checkpoint folder, or
//            {"model_config": "FILE", "init_seed": 0},   a fresh model with the byte tokenizer
//   "data": {"generated": {"seed": 1, "n": 2000,         n worked solutions drawn with the seed
//                          "mix": [{"family": "arith", "weight": 1, "levels": [1, 2]}]}}
//        or {"jsonl": "FILE"}                            lines {"prompt": question, "completion":
//        solution}
//   "chat_template": {...},                              model/chat_template.h
//   "train": {"batch_size": 16, "epochs": 3 or "steps": N, "seed": 0, "bias_gamma": 1e-3,
//             "log_every": 10, "checkpoint_every": 0, "keep_last": 2, "max_seconds": 0},
//   "optimizer": {...},                                  learner/optimizer.h
//   "schedule": {...}                                    learner/schedule.h
// }
// Relative paths are relative to the current directory, as on the command line.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/config_fields.h"
#include "core/json.h"
#include "learner/optimizer.h"
#include "learner/schedule.h"
#include "model/chat_template.h"

namespace r1 {

struct SftMixEntry {
  std::string family;
  double weight = 1.0;      // relative share, > 0
  std::vector<int> levels;  // difficulty levels to draw from uniformly; empty = all of the family's
  json options = json::object();  // the generator's options (TaskGenerator::configure)

  // Not FieldListed: tests build entries as aggregates ({family, weight, levels}).
  static SftMixEntry from_json(const json& j, const std::string& where);
  json to_json() const;
  static const ConfigFields<SftMixEntry>& fields();  // name, default, check, help of each field
};

struct SftDataConfig {
  // Generated worked solutions: example i is drawn from its own stream of `seed`, so a set of n
  // examples is the first n of a fixed sequence (the sets of a size sweep are nested).
  uint64_t seed = 0;
  int64_t n = 0;
  std::vector<SftMixEntry> mix;
  std::string holdout;  // suites whose problems no example is (tasks/holdout.h)
  // Or a JSONL file of {prompt, completion}, without the lines that are a task of
  // jsonl_holdout's suites (JSON "holdout" beside "jsonl"; read_sft_jsonl says how).
  std::string jsonl;
  std::string jsonl_holdout;
  bool generated() const { return jsonl.empty(); }

  static SftDataConfig from_json(const json& j, const std::string& where);
  json to_json() const;                                // {"generated": {...}} or {"jsonl": FILE}
  static const ConfigFields<SftDataConfig>& fields();  // name, default, check, help of each
};

struct SftConfig {
  std::string out;
  std::string init;          // checkpoint folder to start from, or
  std::string model_config;  // a fresh model of this config
  uint64_t init_seed = 0;
  std::string device = "cpu";  // where the model trains: cpu, cuda, cuda:N
  std::string dtype;           // fp32 or bf16 (CUDA only); "": the device's default
  SftDataConfig data;
  ChatTemplate chat_template;
  int batch_size = 16;  // sequences per optimizer step
  int64_t epochs = 0;   // exactly one of epochs and steps is > 0
  int64_t steps = 0;
  uint64_t seed = 0;             // data order: epoch e is a permutation drawn from (seed, e)
  double bias_gamma = 1e-3;      // aux-loss-free expert-bias step after every optimizer step
  int64_t log_every = 10;        // progress lines (metrics.jsonl gets every step)
  int64_t checkpoint_every = 0;  // 0: only at the end
  int keep_last = 2;             // checkpoints kept; 0 keeps all
  double max_seconds =
      0;  // > 0: stop once the run has trained this long (wall time, resumes included)
  OptimizerConfig optimizer;
  LrSchedule schedule;

  static SftConfig from_json(const json& j, const std::string& where);
  static SftConfig load(const std::string& path);
  json to_json() const;                            // the resolved config, every default filled in
  static const ConfigFields<SftConfig>& fields();  // name, default, check, help of each field
};

}  // namespace r1
