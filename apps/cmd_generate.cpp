// r1 generate: sample completions from a checkpoint.
#include <cstdio>

#include "apps/args.h"
#include "apps/commands.h"
#include "model/checkpoint.h"
#include "rollout/generator.h"

namespace r1 {

int cmd_generate(int argc, char** argv) {
  Args args("generate", "Sample completions of a prompt from a model checkpoint.");
  args.required("model", "DIR", "checkpoint folder (from r1 init, r1 sft or r1 run)")
      .required("prompt", "TEXT", "the prompt text (special tokens such as <think> are recognised)")
      .opt("max-new-tokens", "N", "tokens to generate per sample", "128")
      .opt("temperature", "T", "sampling temperature; 0 is greedy", "1.0")
      .opt("top-p", "P", "nucleus sampling threshold", "1.0")
      .opt("top-k", "K", "sample among the K most likely tokens; 0 is no limit", "0")
      .opt("seed", "S", "sampling seed (same seed, same samples)", "0")
      .opt("samples", "K", "number of samples", "1")
      .opt("stop", "TEXT", "stop when a sample ends with this text (besides end-of-text)")
      .flag("json", "print one JSON object per sample instead of text");
  if (!args.parse(argc, argv)) return 0;
  // Every flag is checked before the model is loaded.
  const int max_new = static_cast<int>(args.integer("max-new-tokens"));
  const int samples = static_cast<int>(args.integer("samples"));
  if (max_new <= 0) fail("--max-new-tokens must be positive");
  if (samples <= 0) fail("--samples must be positive");
  const uint64_t seed = static_cast<uint64_t>(args.integer("seed"));
  GenerationOptions opt;
  opt.sampling.temperature = args.number("temperature");
  opt.sampling.top_p = args.number("top-p");
  opt.sampling.top_k = static_cast<int>(args.integer("top-k"));
  opt.sampling.validate("flags");
  auto model = load_model(args.str("model"));
  auto tok = load_tokenizer(args.str("model"));
  std::vector<int32_t> prompt = tok->encode(args.str("prompt"));
  if (prompt.empty()) fail("--prompt is empty");
  opt.tokenizer = tok.get();
  if (tok->eos_id() >= 0) opt.stop_tokens.push_back(tok->eos_id());
  if (args.has("stop")) opt.stop_strings.push_back(args.str("stop"));
  const int max_len = std::min(model->config().max_position_embeddings, static_cast<int>(prompt.size()) + max_new);
  std::vector<GenerationRequest> reqs;
  for (int s = 0; s < samples; ++s) reqs.push_back({prompt, max_new, seed, static_cast<uint64_t>(s)});
  Generator gen(*model, std::min(samples, 64), max_len);
  auto results = gen.generate(reqs, opt);
  for (int s = 0; s < samples; ++s) {
    std::string text = tok->decode(results[s].tokens);
    if (args.on("json")) {
      json j = {{"sample", s}, {"completion", text}, {"finish_reason", results[s].finish_reason},
                {"tokens", results[s].tokens.size()}};
      std::printf("%s\n", j.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
    } else {
      std::printf("--- sample %d (%s, %zu tokens) ---\n%s\n", s, results[s].finish_reason.c_str(),
                  results[s].tokens.size(), text.c_str());
    }
  }
  const auto& st = gen.stats();
  std::fprintf(stderr, "generated %ld tokens in %.2fs (%.0f tokens/s)\n", st.generated_tokens, st.seconds,
               st.generated_tokens / std::max(st.seconds, 1e-9));
  return 0;
}

}  // namespace r1
