// r1 buffer: a self-play run's task buffer as a triplet file (tasks/selfplay/buffer_file.h), for
// r1 rejection-sample or r1 eval with deduction:FILE and abduction:FILE suites.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "apps/commands.h"
#include "core/args.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/log.h"
#include "learner/run_checkpoint.h"
#include "tasks/selfplay/buffer_file.h"

namespace r1 {

namespace {

// trainer_state.json of a checkpoint folder, or of a run's newest checkpoint.
std::string trainer_state_path(const std::string& from) {
  namespace fs = std::filesystem;
  if (fs::exists(fs::path(from) / "trainer_state.json"))
    return (fs::path(from) / "trainer_state.json").string();
  if (!fs::exists(from)) fail("--from ", from, ": no such folder");
  if (!fs::is_directory(from))
    fail("--from ", from, ": a file; give a run's folder or a checkpoint's");
  auto latest = find_latest_checkpoint(from);
  if (!latest)
    fail("--from ", from,
         ": neither a checkpoint (no trainer_state.json) nor a run with checkpoints (a final "
         "model folder holds no buffer: give the run's folder)");
  return (fs::path(latest->dir) / "trainer_state.json").string();
}

}  // namespace

int cmd_buffer(int argc, char** argv) {
  Args args("buffer",
            "Write a self-play run's task buffer as a triplet file (JSONL), which the suites\n"
            "deduction:FILE and abduction:FILE read (r1 eval, r1 rejection-sample).");
  args.opt("from", "DIR", "a self-play run's folder (its newest checkpoint) or a checkpoint folder")
      .opt("out", "FILE", "the file to write (default: stdout)")
      .opt("origin", "WHICH", "entries to write: proposed (the policy's own), seed or all",
           "proposed");
  args.epilog(
      "Example:\n"
      "  r1 buffer --from runs/selfplay-rl --out proposed.jsonl\n"
      "  r1 rejection-sample --model runs/selfplay-rl/final \\\n"
      "      --tasks deduction:proposed.jsonl,abduction:proposed.jsonl \\\n"
      "      --holdout YOUR_EVAL_SUITES --out rs.jsonl");
  if (!args.parse(argc, argv)) return 0;
  if (!args.has("from")) fail("missing --from (see r1 buffer --help)");
  const std::string which = args.str("origin");
  if (!is_buffer_origin_filter(which)) fail("--origin ", which, ": must be proposed, seed or all");
  const std::string path = trainer_state_path(args.str("from"));
  const json state = parse_json(read_file(path), path);
  const std::vector<json> lines = buffer_file_lines(state, path, which);
  std::string text;
  for (const json& l : lines) text += l.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  if (args.has("out")) {
    write_file_atomic(args.str("out"), text);
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  log_info("r1 buffer: ", lines.size(), " ", which == "all" ? "" : which + " ", "entr",
           lines.size() == 1 ? "y" : "ies", " from ", path);
  if (lines.empty())
    log_warn("r1 buffer: no entries to write: a suite of this file would have no tasks");
  const size_t unmarked = static_cast<size_t>(std::count_if(
      lines.begin(), lines.end(), [](const json& l) { return !l.contains("fixed_points"); }));
  if (unmarked > 0)
    log_warn("r1 buffer: ", unmarked, " entr", unmarked == 1 ? "y has" : "ies have",
             " no fixed_points (saved before they were recorded): an abduction task of such an "
             "entry may show an output its program maps to itself, answered by copying it; "
             "python3 tools/mark_fixed_points.py FILE marks them");
  return 0;
}

}  // namespace r1
