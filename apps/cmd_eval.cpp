// r1 eval: pass@k, maj@K and format rate of a model on generated suites or JSONL datasets.
#include <cstdio>
#include <fstream>

#include "core/args.h"
#include "apps/commands.h"
#include "apps/memory_flag.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/progress.h"
#include "eval/eval_memory.h"
#include "eval/evaluator.h"
#include "eval/report.h"
#include "kernels/backend_select.h"
#include "model/checkpoint.h"
#include "verifiers/plugin/plugin_loader.h"

namespace r1 {

namespace {

int compare(const std::string& a_path, const std::string& b_path) {
  json a = load_json_file(a_path), b = load_json_file(b_path);
  json cmp = compare_reports(a, b);
  for (const auto& [r, path] : {std::pair{&a, &a_path}, std::pair{&b, &b_path}}) {
    if (r->is_object() && r->contains("complete") && (*r)["complete"] == false)
      std::printf(
          "note: %s is incomplete (its run stopped, or has not finished, before its last "
          "suite)\n\n",
          path->c_str());
  }
  const std::vector<std::string> differ = differing_settings(a, b);
  if (!differ.empty()) {
    std::string list;
    for (const std::string& d : differ) list += (list.empty() ? "" : ", ") + d;
    std::printf(
        "note: the reports were made with other settings: %s; the differences below "
        "measure those too\n\n",
        list.c_str());
  }
  std::printf("%s", markdown_comparison(cmp, a_path, b_path).c_str());
  return 0;
}

}  // namespace

int cmd_eval(int argc, char** argv) {
  Args args("eval", "Evaluate a model checkpoint: pass@k, maj@K, format rate and response length per suite.");
  args.opt("model", "DIR", "checkpoint folder (ours or Hugging Face)")
      .opt(
          "tasks", "SPEC",
          "comma-separated suites: FAMILY[:level=L][:n=N][:seed=S][:opt.NAME=VALUE] (generated) or "
          "FORMAT:PATH[:n=N] (dataset)")
      .opt("samples", "K", "completions per task", "1")
      .opt("temperature", "T", "sampling temperature of the K samples", "1.0")
      .opt("top-p", "P", "nucleus sampling threshold", "1.0")
      .opt("max-new-tokens", "N", "generation budget per completion", "256")
      .opt("seed", "S", "sampling seed (same seed, same report)", "0")
      .flag("greedy", "also score one greedy completion per task (greedy pass@1)")
      .opt("chat-template", "NAME",
           "prompt template: chatml, plain, qwen, deepseek (or a JSON object)", "chatml")
      .opt("out", "FILE", "write the JSON report here")
      .opt("dump", "FILE", "write every sample with its verdict as JSONL")
      .opt("verifier-plugin", "LIB", "load custom verifiers from a shared library first")
      .opt("slots", "N", "sequences generated together", "64")
      .opt("device", "NAME",
           "where the model runs: cpu, cuda or cuda:N (a GPU; needs a build with CUDA)", "cpu")
      .opt("dtype", "TYPE", "fp32, or bf16: GEMMs and attention on tensor cores (CUDA only); default bf16 on CUDA, fp32 on the CPU",
           "")
      .flag("no-progress", "do not show progress")
      .flag("compare", "compare two reports: r1 eval --compare A.json B.json")
      .positional("A", "first report (with --compare)", false)
      .positional("B", "second report (with --compare)", false);
  add_memory_flag(args);
  args.epilog(
      "Examples:\n"
      "  r1 eval --model runs/quick/final --tasks arith:level=2:n=500:seed=123 --samples 8 --greedy\n"
      "  r1 eval --model M --tasks gsm8k:../shared/data/eval/gsm8k-test.jsonl:n=100 --out gsm8k.json\n"
      "  r1 eval --compare after.json before.json");
  if (!args.parse(argc, argv)) return 0;
  apply_memory_flag(args);
  if (args.on("compare")) {
    if (!args.has("A") || !args.has("B")) fail("--compare needs two report files");
    return compare(args.str("A"), args.str("B"));
  }
  if (!args.has("model")) fail("missing --model (see r1 eval --help)");
  if (!args.has("tasks")) fail("missing --tasks (see r1 eval --help)");
  if (args.has("verifier-plugin")) load_verifier_plugin(args.str("verifier-plugin"));
  // Everything the user typed is checked before the model is loaded.
  std::vector<SuiteSpec> suites = parse_suites(args.str("tasks"));
  EvalOptions opt;
  opt.samples = args.count("samples");
  opt.sampling.temperature = args.number("temperature");
  opt.sampling.top_p = args.number("top-p");
  opt.max_new_tokens = args.count("max-new-tokens");
  opt.seed = args.seed();
  opt.greedy = args.on("greedy");
  opt.slots = args.count("slots");
  opt.sampling.validate("flags");
  const Backend<float>& backend = backend_for(args.str("device"), args.str("dtype"), "--device", "--dtype");
  opt.chat = chat_template_from_text(args.str("chat-template"), "--chat-template");
  const std::string model_dir = args.str("model");
  if (!file_exists(model_dir)) fail("--model ", model_dir, ": no such folder");
  json report = eval_report(model_dir, opt);
  report["settings"]["backend"] = backend.name;  // cpu, cuda (fp32) or cuda-bf16
  report["settings"]["tasks"] = args.str("tasks");
  // "complete" turns true with the last suite: a report of a killed run says so, and a file left
  // at --out by another run is replaced now, not after the first suite.
  report["complete"] = false;
  if (args.has("out")) write_file_atomic(args.str("out"), report.dump(2) + "\n");
  const std::string config_path = join_path(model_dir, "config.json");
  if (file_exists(config_path)) check_memory(eval_memory(ModelConfig::load(config_path), opt, suites), config_path);
  auto model = load_model(model_dir, backend);
  auto tok = load_tokenizer(model_dir);
  Evaluator ev(*model, *tok, opt);
  for (const auto& s : suites) ev.prepare(s);  // every suite loads and fits before any work

  std::unique_ptr<std::ofstream> dump;
  if (args.has("dump")) {
    dump = std::make_unique<std::ofstream>(args.str("dump"));
    if (!*dump) fail("--dump ", args.str("dump"), ": cannot open for writing");
  }
  for (const auto& s : suites) {
    std::unique_ptr<Progress> prog;
    if (!args.on("no-progress")) prog = std::make_unique<Progress>("eval " + s.text, 0, 64);
    SuiteResult r = ev.run(s, [&](size_t done, size_t total) {
      if (prog) prog->update(static_cast<int64_t>(done), cat("of ", total, " completions"));
    });
    if (prog) prog->finish();
    report["suites"].push_back(r.summary());
    report["complete"] = report["suites"].size() == suites.size();
    // Written after every suite, so a failure later loses nothing already measured.
    if (args.has("out")) write_file_atomic(args.str("out"), report.dump(2) + "\n");
    if (dump) {
      for (const auto& t : r.tasks) {
        auto write = [&](const SampleOutcome& o, const std::string& kind, int k) {
          json j = {{"suite", s.text},       {"task_id", t.task.id},        {"kind", kind},
                    {"sample", k},           {"prompt", t.task.prompt},     {"answer", t.task.answer},
                    {"completion", o.completion}, {"tokens", o.tokens},     {"finish_reason", o.finish_reason},
                    {"verdict", o.verdict.to_json()}};
          *dump << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
        };
        for (size_t k = 0; k < t.samples.size(); ++k) write(t.samples[k], "sample", static_cast<int>(k));
        if (t.greedy) write(*t.greedy, "greedy", 0);
      }
    }
  }
  std::printf("%s", markdown_table(report).c_str());
  return 0;
}

}  // namespace r1
