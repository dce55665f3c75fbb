// r1 verify: JSONL {"id", "task", "completion"} on stdin, verdicts on stdout
// (reward/verify_jsonl.h).
#include <cstdio>
#include <iostream>
#include <sstream>

#include "core/args.h"
#include "apps/commands.h"
#include "core/fs.h"
#include "reward/reward_function.h"
#include "reward/verify_jsonl.h"
#include "verifiers/plugin/plugin_loader.h"
#include "verifiers/registry.h"

namespace r1 {

int cmd_verify(int argc, char** argv) {
  Args args(
      "verify",
      "Verify completions: JSONL {\"id\", \"task\": {...}, \"completion\": \"...\"} on stdin,\n"
      "one line {\"id\", \"reward\", \"correct\", \"format_ok\", \"verifier\", \"reason\", "
      "\"details\"}\n"
      "per record on stdout, in input order.");
  args.opt("verifier", "NAME", "verifier for every record (default: each task's own \"verifier\")")
      .opt("verifier-options", "JSON", "options for --verifier, as JSON text or @file.json")
      .opt("verifier-plugin", "LIB.so", "load verifier plugins first (comma-separated paths)")
      .opt("reward-config", "FILE",
           "score with a reward config (weights, overlong penalty) instead of "
           "the verifier's score alone; adds \"components\" to each line")
      .opt("threads", "N", "verification threads (0 = all cores)", "0")
      .opt("max-line-bytes", "N", "longer input lines are bad input (an error record each)",
           std::to_string(kDefaultMaxLineBytes))
      .flag("list", "print the registered verifier names and exit")
      .epilog(
          "examples:\n"
          "  r1 tasks arith --n 100 --seed 1 --with-solution | r1 verify\n"
          "  echo "
          "'{\"id\":1,\"task\":{\"answer\":\"42\",\"verifier\":\"math\"},\"completion\":\"It is "
          "42.\"}' | r1 verify\n"
          "  r1 verify --verifier-plugin ./libcaseless.so --verifier caseless < in.jsonl\n"
          "exit status: 0 when every line was a record, 2 when some were bad input (each has its\n"
          "error record, every other verdict is written), 1 when the command could not run.");
  if (!args.parse(argc, argv)) return 0;

  if (args.has("verifier-plugin")) {
    std::stringstream ss(args.str("verifier-plugin"));
    std::string path;
    while (std::getline(ss, path, ',')) {
      if (!path.empty()) load_verifier_plugin(path);
    }
  }
  if (args.on("list")) {
    for (const auto& n : verifier_names()) std::printf("%s\n", n.c_str());
    return 0;
  }
  int64_t threads = args.integer("threads");
  if (threads < 0 || threads > 1024) fail("--threads: expected 0..1024, got ", threads);
  const int64_t max_line_bytes = args.integer("max-line-bytes");
  if (max_line_bytes < 1)
    fail("--max-line-bytes: expected a positive number, got ", max_line_bytes);

  json options = json::object();
  if (args.has("verifier-options")) {
    if (!args.has("verifier"))
      fail(
          "--verifier-options needs --verifier (per-task verifiers take options from a "
          "--reward-config)");
    std::string text = args.str("verifier-options");
    options = text.size() > 1 && text[0] == '@' ? load_json_file(text.substr(1))
                                                : parse_json(text, "--verifier-options");
    if (!options.is_object()) fail("--verifier-options: expected a JSON object");
  }
  RewardConfig config;
  bool with_config = args.has("reward-config");
  if (with_config) {
    if (args.has("verifier"))
      fail("--verifier and --reward-config do not combine: name verifiers in the config");
    config = RewardConfig::from_file(args.str("reward-config"));
  } else if (args.has("verifier")) {
    config = RewardConfig::single(args.str("verifier"), options);
  } else {
    config = RewardConfig::single(kTaskVerifier);
  }
  // Makes the verifiers: an unknown name (listing the known ones) or bad options fail here.
  RewardFunction reward(std::move(config));

  std::ios::sync_with_stdio(false);
  VerifyStreamStats s = verify_jsonl(std::cin, std::cout, reward, static_cast<size_t>(threads),
                                     with_config, static_cast<size_t>(max_line_bytes));
  std::fprintf(stderr,
               "r1 verify: %zu records, %zu correct, %zu verifier errors, %zu bad input lines\n",
               s.records, s.correct, s.verifier_errors, s.bad_input);
  if (s.scored_by_control > 0) {
    std::fprintf(stderr,
                 "r1 verify: %zu verifier failures scored 0: the verifier judged the task's gold "
                 "right, so they were the completions' (scored_by_control)\n",
                 s.scored_by_control);
  }
  return s.bad_input > 0 ? 2 : 0;
}

}  // namespace r1
