// r1 serve: an OpenAI-compatible HTTP server for a checkpoint (serve/server.h).
#include <cstdio>
#include <cstdlib>

#include "apps/commands.h"
#include "apps/memory_flag.h"
#include "core/args.h"
#include "core/fs.h"
#include "core/stop.h"
#include "kernels/backend_select.h"
#include "model/chat_template.h"
#include "model/checkpoint.h"
#include "model/memory_estimate.h"
#include "serve/server.h"

namespace r1 {

namespace {

// The model's weights and the KV cache of the slots, before anything is allocated.
void check_serve_memory(const std::string& model_dir, int slots, int context) {
  const std::string config_path = join_path(model_dir, "config.json");
  if (!file_exists(config_path)) return;  // load_model says what is missing
  const ModelConfig mc = ModelConfig::load(config_path);
  MemoryEstimate e;
  e.add(model_weights_part(mc, 1, "the model's weights"));
  e.add(kv_cache_part(mc, 1, slots, context, "the KV cache",
                      {{"--slots", double(slots), 8}, {"--context", double(context), 2048}}));
  check_memory(e, config_path);
}

std::string base_name(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const size_t slash = dir.rfind('/');
  return slash == std::string::npos ? dir : dir.substr(slash + 1);
}

}  // namespace

int cmd_serve(int argc, char** argv) {
  Args args("serve", "Serve a checkpoint over an OpenAI-compatible HTTP API.");
  args.required("model", "DIR", "checkpoint folder (from r1 init, r1 sft, r1 run, or Hugging Face)")
      .opt("host", "ADDR", "address to listen on (0.0.0.0 for every interface)", "127.0.0.1")
      .opt("port", "N", "TCP port (0: any free port, printed at start)", "8000")
      .opt("served-model-name", "NAME", "the model's name in the API (default: the folder's name)")
      .opt("api-key", "KEY",
           "require 'Authorization: Bearer KEY' (default: $R1_API_KEY; none when both are unset)")
      .opt("chat-template", "NAME",
           "template of /v1/chat/completions: auto (the tokenizer's own), qwen, deepseek, chatml, "
           "plain",
           "auto")
      .opt("slots", "N", "sequences decoding together (the continuous batch)", "32")
      .opt("context", "N",
           "tokens per sequence, prompt and completion (default: the model's, at most 4096)")
      .opt("max-prompt-tokens", "N", "longest prompt accepted (default: context - 1)")
      .opt("max-tokens", "N", "largest max_tokens accepted (default: context - 1)")
      .opt("max-n", "N", "largest n (completions per request) accepted", "16")
      .opt("max-queue", "N", "sequences that may wait for a slot; beyond it requests get 429",
           "256")
      .opt("max-body-bytes", "N", "largest request body accepted (413 beyond it)", "1048576")
      .opt("max-connections", "N", "open connections at most (503 beyond it)", "512")
      .opt("timeout", "S", "seconds a request may take before it is cancelled (504)", "600")
      .opt("idle-timeout", "S",
           "seconds a connection may take to send a whole request, or a client to accept one "
           "write of an answer, before it is closed",
           "60")
      .opt("grace", "S", "on SIGTERM, seconds the requests in flight may take to finish", "30")
      .opt("device", "NAME", "where the model runs: cpu, cuda or cuda:N", "cpu")
      .opt("dtype", "TYPE", "fp32, or bf16: GEMMs and attention on tensor cores (CUDA only); default bf16 on CUDA, fp32 on the CPU",
           "")
      .epilog(
          "Routes: GET /health, GET /v1/models, POST /v1/completions, POST /v1/chat/completions,\n"
          "POST /v1/generate (token ids in and out), GET /metrics (Prometheus). docs/serve.md\n"
          "has examples with curl and the openai client.");
  add_memory_flag(args);
  if (!args.parse(argc, argv)) return 0;
  apply_memory_flag(args);
  ServeOptions opt;
  opt.host = args.str("host");
  opt.port = args.count("port", 0);
  if (opt.port > 65535) fail("--port: ", opt.port, " is not a port number (0 to 65535)");
  opt.slots = args.count("slots");
  opt.max_queue = args.count("max-queue", 0);
  opt.limits.max_n = args.count("max-n");
  opt.http.max_body_bytes = static_cast<size_t>(args.count("max-body-bytes", 64));
  opt.http.max_connections = args.count("max-connections");
  opt.timeout_s = args.number("timeout");
  opt.grace_s = args.number("grace");
  if (!(opt.timeout_s > 0)) fail("--timeout must be > 0 seconds, got ", args.str("timeout"));
  if (!(opt.grace_s >= 0)) fail("--grace must be >= 0 seconds, got ", args.str("grace"));
  opt.http.idle_timeout_s = args.number("idle-timeout");
  if (!(opt.http.idle_timeout_s > 0))
    fail("--idle-timeout must be > 0 seconds, got ", args.str("idle-timeout"));
  if (args.str("chat-template") != "auto") ChatTemplate::named(args.str("chat-template"));
  opt.api_key = args.has("api-key") ? args.str("api-key") : "";
  if (opt.api_key.empty()) {
    if (const char* k = std::getenv("R1_API_KEY")) opt.api_key = k;
  }
  opt.model_name =
      args.has("served-model-name") ? args.str("served-model-name") : base_name(args.str("model"));
  const Backend<float>& backend = backend_for(args.str("device"), args.str("dtype"), "--device", "--dtype");

  const std::string config_path = join_path(args.str("model"), "config.json");
  if (!file_exists(config_path))
    fail("--model: ", args.str("model"), " has no config.json (is it a checkpoint folder?)");
  const ModelConfig mc = ModelConfig::load(config_path);
  const int model_ctx = mc.max_position_embeddings;
  opt.limits.context = args.has("context") ? args.count("context", 2) : std::min(model_ctx, 4096);
  if (opt.limits.context > model_ctx)
    fail("--context ", opt.limits.context, " is beyond the model's ", model_ctx, " positions");
  opt.limits.max_prompt_tokens =
      args.has("max-prompt-tokens") ? args.count("max-prompt-tokens") : opt.limits.context - 1;
  opt.limits.max_tokens =
      args.has("max-tokens") ? args.count("max-tokens") : opt.limits.context - 1;
  // A prompt or an answer longer than the context could never be served: the cap would say
  // otherwise in every error message.
  for (auto [flag, value] : {std::pair{"max-prompt-tokens", opt.limits.max_prompt_tokens},
                             std::pair{"max-tokens", opt.limits.max_tokens}}) {
    if (value > opt.limits.context - 1)
      fail("--", flag, " ", value, " is beyond the context (--context ", opt.limits.context,
           ") less one token");
  }
  check_serve_memory(args.str("model"), opt.slots, opt.limits.context);

  auto tok = load_tokenizer(args.str("model"));
  ChatTemplate chat = chat_template_for(args.str("chat-template"), *tok);
  auto model = load_model(args.str("model"), backend);
  // Handlers first: a SIGTERM while the server starts is a stop, not a kill. The watchdog ends
  // the process if the drain itself hangs.
  install_stop_handlers(opt.grace_s + kStopGraceSeconds,
                        "\nstop requested: finishing the requests in flight, accepting no more; "
                        "press Ctrl-C again to exit now\n");
  Server server(*model, *tok, chat, opt);
  std::printf(
      "r1 serve: listening on http://%s:%d (model '%s', %d slots, context %d, chat template "
      "%s%s)\n",
      opt.host.c_str(), server.port(), opt.model_name.c_str(), opt.slots, opt.limits.context,
      chat.name.c_str(), opt.api_key.empty() ? "" : ", API key required");
  std::fflush(stdout);
  server.run(stop_requested());
  std::printf("r1 serve: stopped\n");
  return 0;
}

}  // namespace r1
