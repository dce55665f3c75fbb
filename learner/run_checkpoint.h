// Checkpoints of a training run (SFT or RL): <run>/checkpoints/step-000123/ holds
//   model.safetensors, config.json, tokenizer files   (model/checkpoint.h: loadable as a model)
//   optimizer.safetensors                              (AdamW moments and step count)
//   checksums.json                                     (CRC32C of both tensor files, checked
//                                                       on load: core/file_checksums.h)
//   trainer_state.json                                 {"step": 123, ...the caller's state}
// The caller's state is whatever a resumed run needs to continue exactly: RNG states, the task
// source / curriculum state, the weight version, a data fingerprint.
//
// Crash safety: a checkpoint is written into <run>/checkpoints/.tmp-step-000123-<pid>/ (every
// file fsynced), then renamed into place in one rename(2), so a step-* folder is always
// complete; a kill mid-save leaves only a .tmp-* folder, which readers ignore and the next save
// removes. After the rename, <run>/checkpoints/latest (a file holding "step-000123") is
// replaced atomically. find_latest_checkpoint() trusts the folders, not the pointer: a kill
// between the rename and the pointer update must not hide the newest checkpoint.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "learner/optimizer.h"
#include "model/model.h"
#include "model/tokenizer.h"

namespace r1 {

struct CheckpointRef {
  std::string dir;  // <run>/checkpoints/step-000123
  int64_t step = 0;
};

std::string checkpoint_name(int64_t step);                // "step-000123"
std::string checkpoints_dir(const std::string& run_dir);  // <run>/checkpoints

// Writes the checkpoint of `step` (replacing one of the same step) and returns its folder.
// `state` must be a JSON object; "step" is added to it. `opt` may be null (no optimizer state).
// keep_last > 0 then deletes all but the keep_last newest checkpoints.
std::string save_run_checkpoint(const std::string& run_dir, int64_t step, const Model<float>& model,
                                const Tokenizer& tokenizer, const AdamW* opt, const json& state,
                                int keep_last = 0);

// Replaces <run>/final with a complete model folder in one rename (a kill leaves the old one or
// the new one, never part of one), removing what an earlier killed write left. Returns its path.
std::string write_final_model(const std::string& run_dir, const Model<float>& model,
                              const Tokenizer& tokenizer);

// Complete checkpoints of a run, oldest first (an absent folder gives none).
std::vector<CheckpointRef> list_checkpoints(const std::string& run_dir);
// Throws when `dir` holds a model checkpoint of its own (model.safetensors, as r1 init, a run's
// final/ or an HF download leave): a run or SFT writing its config.json and checkpoints there
// would break that model. `flag` names where the folder came from ("--out").
void check_not_a_model_folder(const std::string& dir, const std::string& flag);
std::optional<CheckpointRef> find_latest_checkpoint(const std::string& run_dir);

// Throws naming the checkpoint and every field that differs when the checkpoint's config.json
// is not the model config `cfg`.
void check_checkpoint_config(const std::string& ckpt_dir, const ModelConfig& cfg);

// Restores parameters and expert biases into `model` (same config, checked first) and, when
// `opt` is given, the optimizer state; returns trainer_state.json.
json load_run_checkpoint(const std::string& ckpt_dir, Model<float>& model, AdamW* opt);

}  // namespace r1
