// r1 generate: sample completions from a checkpoint.
#include <algorithm>
#include <cstdio>
#include <optional>

#include "core/args.h"
#include "apps/commands.h"
#include "apps/memory_flag.h"
#include "core/fs.h"
#include "kernels/backend_select.h"
#include "model/bpe_tokenizer.h"
#include "model/chat_template.h"
#include "model/checkpoint.h"
#include "model/memory_estimate.h"
#include "rollout/engine.h"

namespace r1 {

namespace {

// `--chat` may stand alone ("auto"); Args wants a value, so a bare one gets it here.
std::vector<char*> with_chat_value(int argc, char** argv) {
  static char kAuto[] = "--chat=auto";
  std::vector<char*> out;
  for (int i = 0; i < argc; ++i) {
    bool bare = std::string(argv[i]) == "--chat" &&
                (i + 1 == argc || std::string(argv[i + 1]).rfind("--", 0) == 0);
    out.push_back(bare ? kAuto : argv[i]);
  }
  return out;
}

constexpr int kGenerateSlots = 64;  // samples generated together

// The model's weights, the KV cache of the slots, and the samples, before anything is allocated.
void check_generate_memory(const std::string& model_dir, int samples, int max_new) {
  const std::string config_path = join_path(model_dir, "config.json");
  if (!file_exists(config_path)) return;  // load_tokenizer / load_model say what is missing
  const ModelConfig mc = ModelConfig::load(config_path);
  const double slots = std::min(samples, kGenerateSlots);
  const double max_len = std::min<double>(mc.max_position_embeddings, 1.0 + max_new);
  MemoryEstimate e;
  e.add(model_weights_part(mc, 1, "the model's weights"));
  e.add(kv_cache_part(mc, 1, slots, max_len, "the KV cache",
                      {{"--max-new-tokens", double(max_new), 32768}}));
  // Per sample: its request (with a copy of the prompt) and its result, at least.
  e.add({"the samples", samples * 256.0, {{"--samples", double(samples), 1024}}});
  check_memory(e, config_path);
}

}  // namespace

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
      .opt("chat", "TEMPLATE",
           "render --prompt as a user turn of a chat template: qwen, deepseek, chatml, plain, or "
           "auto "
           "(the tokenizer's own; a bare --chat means auto); its end of turn stops generation")
      .opt("system", "TEXT", "system message for --chat")
      .opt("device", "NAME",
           "where the model runs: cpu, cuda or cuda:N (a GPU; needs a build with CUDA)", "cpu")
      .opt("dtype", "TYPE", "fp32, or bf16: GEMMs and attention on tensor cores (CUDA only); default bf16 on CUDA, fp32 on the CPU",
           "")
      .flag("no-thinking", "with --chat qwen: Qwen3's enable_thinking=false (an empty think block)")
      .flag("json", "print one JSON object per sample instead of text");
  add_memory_flag(args);
  auto argv_chat = with_chat_value(argc, argv);
  if (!args.parse(argc, argv_chat.data())) return 0;
  apply_memory_flag(args);
  // Every flag is checked before the model is loaded.
  const int max_new = args.count("max-new-tokens");
  const int samples = args.count("samples");
  const uint64_t seed = args.seed();
  SamplingParams sampling;
  sampling.temperature = args.number("temperature");
  sampling.top_p = args.number("top-p");
  sampling.top_k = args.count("top-k", 0);
  sampling.validate("flags");
  if ((args.has("system") || args.on("no-thinking")) && !args.has("chat"))
    fail("--system and --no-thinking need --chat");
  if (args.has("chat") && args.str("chat") != "auto")
    ChatTemplate::named(args.str("chat"));  // checks the name
  const Backend<float>& backend = backend_for(args.str("device"), args.str("dtype"), "--device", "--dtype");
  check_generate_memory(args.str("model"), samples, max_new);
  auto tok = load_tokenizer(args.str("model"));
  std::string prompt_text = args.str("prompt");
  std::optional<ChatTemplate> chat_used;
  if (args.has("chat")) {
    ChatTemplate chat = chat_template_for(args.str("chat"), *tok);
    if (args.has("system")) chat.system = args.str("system");
    if (args.on("no-thinking")) {
      if (chat.name != "qwen") fail("--no-thinking needs --chat qwen (got ", chat.name, ")");
      chat.enable_thinking = false;
      chat.completion_prefix = "";
    }
    prompt_text = chat.render(prompt_text);
    chat_used = chat;
  }
  auto model = load_model(args.str("model"), backend);
  std::vector<int32_t> prompt = tok->encode(prompt_text);
  if (prompt.empty()) fail("--prompt is empty");
  GenerationOptions opt(sampling, {}, *tok);
  if (chat_used) opt.stop_at_end_of_turn(*chat_used);
  if (args.has("stop")) opt.stop_strings.push_back(args.str("stop"));
  const int max_len = static_cast<int>(std::min<int64_t>(
      model->config().max_position_embeddings, static_cast<int64_t>(prompt.size()) + max_new));
  std::vector<GenerationRequest> reqs;
  for (int s = 0; s < samples; ++s)
    reqs.push_back({prompt, max_new, seed, static_cast<uint64_t>(s)});
  GenerationEngine gen(*model, std::min(samples, kGenerateSlots), max_len);
  auto results = gen.generate(reqs, opt);
  for (int s = 0; s < samples; ++s) {
    // The text as verifiers read it: without the stop token that ended it, the end-of-sequence
    // token or the chat template's end of turn.
    const std::string text = decode_completion(
        *tok, results[s].tokens, chat_used ? end_of_turn_token(*chat_used, *tok) : -1);
    if (args.on("json")) {
      json j = {{"sample", s},
                {"completion", text},
                {"finish_reason", results[s].finish_reason},
                {"tokens", results[s].tokens.size()},
                {"token_ids", results[s].tokens}};
      std::printf("%s\n", j.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
    } else {
      std::printf("--- sample %d (%s, %zu tokens) ---\n%s\n", s, results[s].finish_reason.c_str(),
                  results[s].tokens.size(), text.c_str());
    }
  }
  const auto& st = gen.stats();
  std::fprintf(stderr, "generated %ld tokens in %.2fs (%.0f tokens/s)\n", st.generated_tokens,
               st.seconds, st.generated_tokens / std::max(st.seconds, 1e-9));
  return 0;
}

}  // namespace r1
