// The config of an RL run (`r1 run CONFIG`, `r1 worker --config CONFIG`): one JSON file with a
// section per room. Every field is checked, and unknown fields are errors naming the file and
// the field, before any work starts. Relative paths are relative to the working directory.
//
//   {
//     "out": "runs/ci-tiny",            the run folder (--out overrides)
//     "seed": 1,
//     "model": {"init": DIR} or {"config": FILE, "init_seed": 0},
//     "chat_template": {...},           model/chat_template.h
//     "tasks": {...},                   tasks/task_source.h
//     "rollout": {...},                 rollout/rollout_config.h
//     "reward": {...},                  reward/reward_config.h
//     "reward_service": {"threads": 2},
//     "learner": {...},                 learner/learner_config.h
//     "transport": {...},               core/endpoints.h
//     "verifier_plugins": ["lib.so"]
//   }
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/endpoints.h"
#include "core/json.h"
#include "learner/learner_config.h"
#include "model/chat_template.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "reward/reward_config.h"
#include "rollout/rollout_config.h"
#include "tasks/task_source.h"

namespace r1 {

struct ModelSpec : FieldListed<ModelSpec> {
  std::string init;        // a checkpoint folder, or
  std::string config;      // a model config for a fresh model ...
  uint64_t init_seed = 0;  // ... initialised with this seed
  // Where the roles run the model unless learner.device / rollout.device say.
  std::string device = "cpu";
  std::string dtype;  // fp32 or bf16 (CUDA's GEMMs on tensor cores); "": the device's default

  static const ConfigFields<ModelSpec>& fields();  // name, default, check, help of each field
};

struct RunConfig {
  std::string path;  // the file it came from
  std::string out;
  uint64_t seed = 0;
  ModelSpec model;
  ChatTemplate chat;
  TaskSourceConfig tasks;
  RolloutConfig rollout;
  RewardConfig reward = RewardConfig::single(kTaskVerifier);
  int reward_threads = 2;
  LearnerConfig learner;
  Endpoints transport;
  std::vector<std::string> verifier_plugins;

  // Where a run starts in a process (r1 run, r1 worker, r1 bench rl): reads the file, loads the
  // verifier plugins it names (load_run_plugins), then parses it.
  static RunConfig load(const std::string& path);
  // Parses and checks every section of JSON already read; `where` names it in errors. Loads
  // nothing: the verifiers the reward section names must be registered already (built in, or
  // from plugins loaded by load_run_plugins).
  static RunConfig from_json(const json& j, const std::string& where);
  // Every field, defaults filled in: written to the run folder, and read back by roles.
  json resolved() const;
  // What from_json warns of, one line each: settings that are valid but work against each other
  // (a format reward for a think block the chat template keeps out of the completion).
  std::vector<std::string> warnings() const;
  static const ConfigFields<RunConfig>& fields();  // name, default, check, help of each field

  // The model the run starts from, and its tokenizer.
  std::unique_ptr<Model<float>> initial_model() const;  // on the learner's device
  // The backends of the two roles (learner.device / rollout.device, else model.device).
  const Backend<float>& learner_backend() const;
  const Backend<float>& rollout_backend() const;
  // Whether an embedded run's rollout workers read the learner's weights in place
  // (rollout.share_weights, docs/gpu.md): "auto" when both roles are on one GPU and the weights
  // channel is inproc://, "on" when they are on one device (load() fails naming the field
  // otherwise), "off" never.
  bool shares_weights() const;
  // Logs a warning when tasks.holdout is empty and the run starts anew (a resumed run cannot
  // change it): training may then meet the problems of the suites it is evaluated on.
  void warn_if_nothing_held_out(bool resume) const;
  std::unique_ptr<Tokenizer> tokenizer() const;
  // Just the architecture (for rollout workers, whose weights come from the learner).
  ModelConfig model_config() const;
};

// Loads the verifier plugins a run config names ("verifier_plugins": paths of shared
// libraries) into this process, so that its reward section may name their verifiers. Loading
// a plugin twice is a no-op.
void load_run_plugins(const json& run_config, const std::string& where);

}  // namespace r1
