// r1 pipeline's stages, run in order into one folder (the config: run/pipeline_config.h):
//
//   <out>/pipeline.json        the config as given
//   <out>/<name>/              a model stage's folder: an r1 sft or r1 run folder, final/ its model
//   <out>/<name>/samples.jsonl rejection-sft, distill: the kept samples (eval/rejection_sampling.h)
//   <out>/<name>/sampling.json ... and what happened to every sample
//   <out>/eval-<name>.json     an eval stage's report (r1 eval's JSON)
//   <out>/stages.json          each stage's kind and plan (its resolved settings and the stages it
//                              reads); once finished, its wall minutes and a stamp
//   <out>/summary.md           every stage in one table, the evaluations, their differences, the
//                              target's verdict and each RL stage's story (<name>-*.svg curves)
//
// Every stage is skipped when its folder says it is done, and continued from its last checkpoint
// when it is not (SFT and RL; sampling restarts), so a killed pipeline continues where it stopped.
// Work in a stage's folder made with another plan (the config changed, or a stage it reads ran
// again) is an error naming the folder to remove, never silently reused.
// All configs, references, holdouts and memory estimates are checked before the first stage runs.
#pragma once
#include <string>

#include "run/pipeline_config.h"

namespace r1 {

// Runs every stage not yet done and prints the summary. `where` names the config in errors.
// Returns the exit code: 0, or 130 when a stop request ended an RL stage.
int run_pipeline(const PipelineConfig& config, const json& given, const std::string& out,
                 const std::string& where);

}  // namespace r1
