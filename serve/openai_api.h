// The OpenAI-shaped surface of `r1 serve`: request bodies checked and turned into engine work,
// and answers, stream chunks and errors shaped as OpenAI's. No sockets here (serve/server.cpp).
//
// Routes: POST /v1/completions (text prompt), POST /v1/chat/completions (messages rendered with
// the model's chat template), POST /v1/generate (token ids in, token ids and log-probs out).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "model/chat_template.h"
#include "model/tokenizer.h"
#include "rollout/engine.h"

namespace r1 {

// A 4xx (or 5xx) answer: {"error": {"message", "type", "param", "code"}}.
struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // the offending field, "" for none
  std::string code;   // "" for none
  json to_json() const;
};

enum class Route { completions, chat, generate };

struct ServeLimits {
  int context = 2048;  // prompt + completion tokens per sequence (the KV cache's length)
  int max_prompt_tokens = 2047;
  int max_tokens = 1024;  // cap on max_tokens
  int max_n = 16;
};

// One checked request.
struct Job {
  Route route = Route::completions;
  std::string model;
  std::vector<int32_t> prompt;
  int max_tokens = 16;
  int n = 1;
  uint64_t seed = 0;
  bool stream = false;
  SamplingParams sampling;
  std::vector<std::string> stop;
  std::vector<int32_t> stop_tokens;
  // completions: `logprobs` N (top N alternatives, 0 = the chosen token's only); chat:
  // `logprobs` true with `top_logprobs` N; generate: per-token log-probs are always returned.
  bool logprobs = false;
  int top_logprobs = 0;
  bool include_usage = false;  // stream_options.include_usage
  std::string text_prefix;     // chat: completion_prefix, part of the assistant's text
};

struct ApiContext {
  const Tokenizer& tok;
  const ChatTemplate& chat;
  std::string model_name;
  ServeLimits limits;
  // Seeds for requests without one: distinct per request.
  uint64_t fresh_seed;
};

// Checks a request body; throws ApiError.
Job parse_job(Route route, const std::string& body, const ApiContext& ctx);

// The engine's sequences for a job: choice i samples stream i of the job's seed (as `r1
// generate --seed S --samples n` does), so the same prompt and seed give the same tokens.
std::vector<SequenceRequest> job_sequences(const Job& job);

// The OpenAI finish_reason for the engine's ("context" is "length": the context filled up).
std::string api_finish_reason(const std::string& engine_reason);

// Per-token log-probs, shaped for the route ("logprobs" object of a choice, or of a chunk).
json completion_logprobs(const Tokenizer& tok, const std::vector<TokenEvent>& events,
                         size_t text_offset0);
json chat_logprobs(const Tokenizer& tok, const std::vector<TokenEvent>& events);

std::string new_request_id(const char* prefix);

}  // namespace r1
