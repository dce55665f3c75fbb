// r1 pipeline: the R1 recipe in one command. Cold-start SFT on a small fixed set of worked
// solutions, evaluation on held-out suites, GRPO on freshly generated tasks, evaluation again,
// and the two evaluations side by side. Every stage writes into one folder and is skipped or
// resumed when the folder already holds it, so a killed pipeline continues where it stopped.
//
// The config is described in run/pipeline_config.h and docs/config-reference.md.
// The target is declared before the run: the suite on which RL must raise sampled pass@1 by at
// least min_gain over the cold start. The summary says whether it did; the exit code does not
// depend on it (a run that misses its target still finished).
#include <chrono>
#include <cmath>
#include <cstdio>

#include "apps/commands.h"
#include "apps/memory_flag.h"
#include "core/args.h"
#include "core/fs.h"
#include "core/log.h"
#include "eval/eval_memory.h"
#include "eval/evaluator.h"
#include "eval/report.h"
#include "eval/run_story.h"
#include "kernels/backend_select.h"
#include "learner/run_checkpoint.h"
#include "learner/sft.h"
#include "learner/sft_config.h"
#include "model/checkpoint.h"
#include "run/pipeline_config.h"
#include "run/roles.h"
#include "run/run_memory.h"

namespace r1 {

namespace {

std::string where(const std::string& path, const char* key) {
  return cat(path, ": field '", key, "'");
}

json evaluate(const std::string& model_dir, const EvalOptions& opt,
              const std::vector<SuiteSpec>& suites, const std::string& out_path,
              const std::string& label, const Backend<float>& backend) {
  if (file_exists(out_path)) {
    log_info("pipeline: ", label, " evaluation already in ", out_path);
    return load_json_file(out_path);
  }
  auto model = load_model(model_dir, backend);
  auto tok = load_tokenizer(model_dir);
  Evaluator ev(*model, *tok, opt);
  json report = {{"model", model_dir},
                 {"settings",
                  {{"samples", opt.samples},
                   {"temperature", opt.sampling.temperature},
                   {"max_new_tokens", opt.max_new_tokens},
                   {"seed", opt.seed},
                   {"greedy", opt.greedy},
                   {"chat_template", opt.chat.to_json()}}},
                 {"suites", json::array()}};
  for (const auto& s : suites) {
    log_info("pipeline: evaluating ", label, " on ", s.text);
    SuiteResult r = ev.run(s);
    report["suites"].push_back(r.summary());
  }
  write_file_atomic(out_path, report.dump(2) + "\n");
  return report;
}

std::string fixed(double minutes) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", minutes);
  return b;
}

}  // namespace

int cmd_pipeline(int argc, char** argv) {
  Args args(
      "pipeline",
      "Cold-start SFT, evaluation, GRPO, evaluation: the R1 recipe, resumable, in one folder.");
  args.positional("CONFIG", "pipeline config (e.g. configs/quickstart.json)")
      .opt("out", "DIR", "pipeline folder (overrides the config's \"out\")");
  add_memory_flag(args);
  if (!args.parse(argc, argv)) return 0;
  apply_memory_flag(args);
  const std::string path = args.str("CONFIG");
  json cfg = load_json_file(path);
  PipelineConfig pc = PipelineConfig::from_json(cfg, path);
  std::string out = pc.out;
  if (args.has("out")) out = args.str("out");
  if (out.empty()) fail(path, ": no output folder: set \"out\" or pass --out");
  json sft_j = pc.sft, rl_j = pc.rl;
  // The eval suites are held out of both training stages: no SFT example and no RL task is the
  // same problem as a task the pipeline evaluates on (tasks/holdout.h).
  auto hold_out_eval = [&](json& section) {
    if (!section.is_object()) return;
    const std::string given =
        section.contains("holdout") && section["holdout"].is_string() ? section["holdout"] : "";
    section["holdout"] = given.empty() ? pc.eval.tasks : given + "," + pc.eval.tasks;
  };
  if (sft_j.contains("data") && sft_j["data"].is_object() && sft_j["data"].contains("generated"))
    hold_out_eval(sft_j["data"]["generated"]);
  if (rl_j.contains("tasks")) hold_out_eval(rl_j["tasks"]);
  // Everything is read and checked before any work.
  const std::string sft_dir = join_path(out, "sft"), rl_dir = join_path(out, "rl");
  sft_j["out"] = sft_dir;
  SftConfig sft = SftConfig::from_json(sft_j, where(path, "sft"));
  check_sft_memory(sft, where(path, "sft"));
  rl_j["out"] = rl_dir;
  {
    // The RL run starts from the SFT result; the device it runs on stays the rl config's.
    json model = {{"init", join_path(sft_dir, "final")}};
    if (rl_j.contains("model") && rl_j["model"].is_object() && rl_j["model"].contains("device")) {
      model["device"] = rl_j["model"]["device"];
    }
    rl_j["model"] = model;
  }
  load_run_plugins(rl_j, where(path, "rl"));  // the RL stage starts here: its plugins too
  if (!file_exists(join_path(sft_dir, "final/config.json"))) {
    // RunConfig checks that model.init exists; until SFT has run, check the rest against the
    // SFT's own starting point instead.
    json probe = rl_j;
    probe["model"] = sft.init.empty()
                         ? json{{"config", sft.model_config}, {"init_seed", sft.init_seed}}
                         : json{{"init", sft.init}};
    if (rl_j["model"].contains("device")) probe["model"]["device"] = rl_j["model"]["device"];
    check_run_memory(RunConfig::from_json(probe, where(path, "rl")), "all");
  }
  EvalOptions eo;
  const PipelineEval& e = pc.eval;
  eo.samples = e.samples;
  eo.sampling.temperature = e.temperature;
  eo.sampling.top_p = e.top_p;
  eo.max_new_tokens = e.max_new_tokens;
  eo.seed = e.seed;
  eo.greedy = e.greedy;
  eo.slots = e.slots;
  const std::string eval_device = e.device.empty() ? sft.device : e.device;
  const Backend<float>& eval_backend = backend_for(eval_device, where(path, "eval.device"));
  std::vector<SuiteSpec> suites = parse_suites(e.tasks);
  {
    const std::string model_config =
        sft.init.empty() ? sft.model_config : join_path(sft.init, "config.json");
    if (file_exists(model_config)) {
      check_memory(eval_memory(ModelConfig::load(model_config), eo, suites,
                               {"eval.samples", "eval.slots", "eval.max_new_tokens"}),
                   where(path, "eval"));
    }
  }
  const std::string target = pc.target ? pc.target->suite : "";
  const double min_gain = pc.target ? pc.target->min_gain : 0.0;
  if (pc.target) {
    bool found = false;
    for (const auto& s : suites) found = found || s.text == target;
    if (!found)
      fail(where(path, "target"), ": suite '", target, "' is not one of eval.tasks (", e.tasks,
           ")");
  }
  make_dirs(out);
  write_file_atomic(join_path(out, "pipeline.json"), cfg.dump(2) + "\n");
  const auto t0 = std::chrono::steady_clock::now();
  auto minutes = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 60;
  };

  // 1. Cold start.
  if (file_exists(join_path(sft_dir, "done"))) {
    log_info("pipeline: cold start already in ", sft_dir);
  } else {
    SftOptions so;
    so.out = sft_dir;
    so.resume = !list_checkpoints(sft_dir).empty();
    so.show_progress = true;
    run_sft(sft, so);
    write_file_atomic(join_path(sft_dir, "done"), "");
  }
  const double sft_min = minutes();
  // 2. Evaluation before RL (the RL config's chat template, as RL will see the tasks).
  RunConfig rl = RunConfig::from_json(rl_j, where(path, "rl"));
  check_run_memory(rl, "all");
  eo.chat = rl.chat;
  json before = evaluate(join_path(sft_dir, "final"), eo, suites,
                         join_path(out, "eval-before.json"), "the cold start", eval_backend);
  const double before_min = minutes();
  // 3. RL.
  if (file_exists(join_path(rl_dir, "final/model.safetensors")) &&
      file_exists(join_path(rl_dir, "done"))) {
    log_info("pipeline: RL already in ", rl_dir);
  } else {
    const bool resume = !list_checkpoints(rl_dir).empty();
    const std::string dir = prepare_run_dir(rl, rl_dir, resume);
    install_stop_handlers();
    run_embedded(rl, dir, resume);
    if (stop_requested()) {
      log_info("pipeline: stopped during RL; run the same command again to continue");
      return 130;
    }
    // The evaluation below never checks for a stop request: let a signal end it at once.
    restore_default_stop_handlers();
    write_file_atomic(join_path(rl_dir, "done"), "");
  }
  const double rl_min = minutes();
  // 4. Evaluation after RL, and the two side by side.
  json after = evaluate(join_path(rl_dir, "final"), eo, suites, join_path(out, "eval-after.json"),
                        "the RL model", eval_backend);
  const double total_min = minutes();
  std::string md =
      "## before RL (cold start)\n\n" + markdown_table(before) + "\n## after RL\n\n" +
      markdown_table(after) + "\n" +
      markdown_comparison(compare_reports(after, before), "after", "before") +
      cat("\nwall time (this invocation): SFT ", fixed(sft_min), " min, eval ",
          fixed(before_min - sft_min), " min, RL ", fixed(rl_min - before_min), " min, eval ",
          fixed(total_min - rl_min), " min, total ", fixed(total_min), " min\n");
  if (!target.empty()) md += "\n" + target_verdict(before, after, target, min_gain);
  // What the RL run shows besides the scores: accuracy, length, backtracks, false claims.
  const std::vector<json> rows = read_run_metrics(rl_dir);
  if (!rows.empty()) {
    md += "\n## the RL run (means over the first, middle and last tenth of its steps)\n\n" +
          run_story_markdown(rows);
    const std::vector<std::string> plots = write_run_story_plots(rows, out);
    md += "\ncurves:";
    for (const std::string& p : plots) md += " " + p;
    md += "\n";
  }
  write_file_atomic(join_path(out, "summary.md"), md);
  std::printf("%s", md.c_str());
  return 0;
}

}  // namespace r1
