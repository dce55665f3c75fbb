// r1 pipeline: the R1 recipe in one command, as a list of stages (cold-start SFT, RL,
// rejection-sampling SFT, distillation, evaluations), each resumable, all in one folder
// (run/pipeline.h; the config: run/pipeline_config.h and docs/config-reference.md).
// A declared target compares two eval stages on one suite; the summary says whether it was
// reached, and the exit code does not depend on it (a run that misses its target still finished).
#include "apps/commands.h"
#include "apps/memory_flag.h"
#include "core/args.h"
#include "core/fs.h"
#include "run/pipeline.h"

namespace r1 {

int cmd_pipeline(int argc, char** argv) {
  Args args("pipeline",
            "The R1 recipe in one folder: stages of SFT, RL, rejection-sampling SFT, "
            "distillation and evaluation, each resumable.");
  args.positional("CONFIG", "pipeline config (e.g. configs/quickstart.json)")
      .opt("out", "DIR", "pipeline folder (overrides the config's \"out\")");
  add_memory_flag(args);
  args.epilog(
      "Examples:\n"
      "  r1 pipeline configs/quickstart.json        # cold start, eval, RL, eval\n"
      "  r1 pipeline configs/distill.json           # a teacher, its RL, and a student distilled "
      "from it");
  if (!args.parse(argc, argv)) return 0;
  apply_memory_flag(args);
  const std::string path = args.str("CONFIG");
  const json cfg = load_json_file(path);
  const PipelineConfig pc = PipelineConfig::from_json(cfg, path);
  std::string out = pc.out;
  if (args.has("out")) out = args.str("out");
  if (out.empty()) fail(path, ": no output folder: set \"out\" or pass --out");
  return run_pipeline(pc, cfg, out, path);
}

}  // namespace r1
