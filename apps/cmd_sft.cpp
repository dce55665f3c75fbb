// r1 sft: cold-start supervised fine-tuning (learner/sft.h).
#include <cstdio>

#include "apps/commands.h"
#include "apps/memory_flag.h"
#include "core/args.h"
#include "core/log.h"
#include "learner/sft.h"

namespace r1 {

int cmd_sft(int argc, char** argv) {
  Args args("sft",
            "Cold-start supervised fine-tuning on generated worked solutions or a JSONL file of "
            "{prompt, completion}.");
  args.positional("config", "SFT config (JSON; see configs/sft-ci.json and learner/sft_config.h)")
      .opt("out", "DIR", "run folder (default: the config's \"out\")")
      .flag("resume", "continue the run in the folder from its newest checkpoint")
      .flag("no-progress", "no progress line (metrics.jsonl still gets every step)")
      .epilog(
          "The run folder gets config.json, metrics.jsonl, TensorBoard events, checkpoints/ and "
          "final/,\n"
          "a model folder for `r1 generate --model`, `r1 eval` and `r1 run`.\n\n"
          "example:\n  r1 sft configs/sft-small.json --out runs/sft-small\n"
          "  r1 generate --model runs/sft-small/final --prompt '<|im_start|>user\\nCompute "
          "12+34.<|im_end|>\\n"
          "<|im_start|>assistant\\n<think>' --temperature 0");
  add_memory_flag(args);
  if (!args.parse(argc, argv)) return 0;
  apply_memory_flag(args);
  // The whole config is checked before any work.
  SftConfig cfg = SftConfig::load(args.str("config"));
  check_sft_memory(cfg, args.str("config"));
  if (!args.on("resume") &&
      (cfg.data.generated() ? cfg.data.holdout.empty() : cfg.data.jsonl_holdout.empty())) {
    log_warn(cfg.data.generated() ? "data.generated.holdout" : "data.holdout",
             " is empty: an example may be a problem of a suite you evaluate on later (a new "
             "seed does not hold a suite out; docs/eval.md). Name your eval suites there, or use "
             "r1 pipeline, which does.");
  }
  SftOptions opts;
  if (args.has("out")) opts.out = args.str("out");
  opts.resume = args.on("resume");
  opts.show_progress = !args.on("no-progress");
  SftResult r = run_sft(cfg, opts);
  std::printf("sft: %lld steps (%lld..%lld) on %lld examples, %.0f tokens/s; final model: %s\n",
              static_cast<long long>(r.losses.size()), static_cast<long long>(r.start_step),
              static_cast<long long>(r.total_steps), static_cast<long long>(r.examples),
              r.tokens_per_second, r.final_dir.c_str());
  if (!r.losses.empty()) std::printf("loss %.4f -> %.4f\n", r.losses.front(), r.losses.back());
  return 0;
}

}  // namespace r1
