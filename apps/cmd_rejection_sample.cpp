// r1 rejection-sample: a model samples K completions per task, the tasks' verifiers judge them,
// and at most M distinct correct, well-formed completions per prompt are written as SFT data
// (eval/rejection_sampling.h). The statistics go to stdout as JSON.
#include <cstdio>
#include <filesystem>

#include "apps/commands.h"
#include "apps/memory_flag.h"
#include "core/args.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/progress.h"
#include "eval/eval_memory.h"
#include "eval/rejection_sampling.h"
#include "kernels/backend_select.h"
#include "model/checkpoint.h"
#include "verifiers/plugin/plugin_loader.h"

namespace r1 {

int cmd_rejection_sample(int argc, char** argv) {
  Args args("rejection-sample",
            "Sample K completions per task, keep at most M distinct verified-correct, well-formed\n"
            "ones per prompt, and write them as SFT data (JSONL {prompt, completion, ...}).");
  args.opt("model", "DIR", "checkpoint folder that samples (ours or Hugging Face)")
      .opt("tasks", "SPEC",
           "comma-separated suites, as r1 eval --tasks (generated with fresh seeds, or datasets)")
      .opt("out", "FILE",
           "the SFT data to write (JSONL); FILE.partial journals a sampling in progress, which "
           "the same command resumes")
      .opt("samples", "K", "completions per task", "8")
      .opt("keep", "M", "kept completions per prompt at most", "2")
      .flag("any-format", "keep correct completions whatever their format")
      .opt("holdout", "SPEC", "suites whose problems are never sampled (e.g. your eval suites)")
      .opt("temperature", "T", "sampling temperature", "1.0")
      .opt("top-p", "P", "nucleus sampling threshold", "1.0")
      .opt("max-new-tokens", "N", "generation budget per completion", "256")
      .opt("seed", "S", "sampling seed (same seed, same file)", "0")
      .opt("chat-template", "NAME",
           "prompt template: chatml, plain, qwen, deepseek (or a JSON object)", "chatml")
      .opt("verifier-plugin", "LIB", "load custom verifiers from a shared library first")
      .opt("slots", "N", "sequences generated together", "64")
      .opt("part", "N",
           "completions journalled together: a killed run loses at most one part (default "
           "max(1024, 16 x slots))")
      .opt("device", "NAME", "where the model runs: cpu, cuda or cuda:N", "cpu")
      .opt("dtype", "TYPE",
           "fp32, or bf16: GEMMs and attention on tensor cores (CUDA only); default bf16 on CUDA, "
           "fp32 on the CPU",
           "")
      .flag("no-progress", "do not show progress");
  add_memory_flag(args);
  args.epilog(
      "Example:\n"
      "  r1 rejection-sample --model runs/quickstart/rl/final \\\n"
      "      --tasks countdown:level=2:n=2000:seed=31 --samples 8 --keep 2 --out rs.jsonl\n"
      "  r1 sft configs/quickstart-sft.json --out runs/rs   # with \"data\": {\"jsonl\": "
      "\"rs.jsonl\"}");
  if (!args.parse(argc, argv)) return 0;
  apply_memory_flag(args);
  for (const char* need : {"model", "tasks", "out"}) {
    if (!args.has(need)) fail("missing --", need, " (see r1 rejection-sample --help)");
  }
  if (args.has("verifier-plugin")) load_verifier_plugin(args.str("verifier-plugin"));
  // Everything the user typed is checked before the model is loaded.
  const std::vector<SuiteSpec> suites = parse_suites(args.str("tasks"));
  RejectionOptions opt;
  opt.eval.samples = args.count("samples");
  opt.eval.sampling.temperature = args.number("temperature");
  opt.eval.sampling.top_p = args.number("top-p");
  opt.eval.max_new_tokens = args.count("max-new-tokens");
  opt.eval.seed = args.seed();
  opt.eval.slots = args.count("slots");
  if (args.has("part")) opt.part_samples = args.count("part");
  opt.eval.sampling.validate("flags");
  opt.keep = args.count("keep");
  opt.require_format = !args.on("any-format");
  if (args.has("holdout")) {
    opt.holdout = args.str("holdout");
    parse_suites(opt.holdout);
  } else {
    log_warn(
        "no --holdout: tasks of suites you evaluate on later may be sampled, and the kept "
        "lines trained on (docs/eval.md)");
  }
  opt.eval.chat = chat_template_from_text(args.str("chat-template"), "--chat-template");
  {
    // The file is written once sampling ends: a folder that is not there fails now, not then.
    const std::filesystem::path out_dir = std::filesystem::path(args.str("out")).parent_path();
    if (!out_dir.empty() && !std::filesystem::is_directory(out_dir))
      fail("--out ", args.str("out"), ": no folder ", out_dir.string());
  }
  const Backend<float>& backend =
      backend_for(args.str("device"), args.str("dtype"), "--device", "--dtype");
  const std::string model_dir = args.str("model");
  if (!file_exists(model_dir)) fail("--model ", model_dir, ": no such folder");
  // What a journal of this sampling is checked against: the weights' checksums where the folder
  // has them (one of ours, wherever it was moved), else the folder's path.
  const std::string sums = join_path(model_dir, "checksums.json");
  opt.sampler = file_exists(sums)
                    ? json{{"checksums", load_json_file(sums)}}
                    : json{{"folder", std::filesystem::weakly_canonical(model_dir).string()}};
  const std::string config_path = join_path(model_dir, "config.json");
  if (file_exists(config_path))
    check_memory(eval_memory(ModelConfig::load(config_path), opt.eval, suites), config_path);
  auto model = load_model(model_dir, backend);
  auto tok = load_tokenizer(model_dir);
  PartProgress progress("sample", "completions");
  const RejectionStats stats =
      rejection_sample(*model, *tok, suites, opt, args.str("out"),
                       [&](size_t done, size_t total, const std::string& suite) {
                         if (!args.on("no-progress")) progress.update(suite, done, total);
                       });
  progress.finish();
  std::printf("%s\n", stats.to_json().dump(2).c_str());
  return 0;
}

}  // namespace r1
