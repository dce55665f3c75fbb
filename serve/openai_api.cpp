#include "serve/openai_api.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <set>

#include "core/error.h"

namespace r1 {

json ApiError::to_json() const {
  return {{"error",
           {{"message", message},
            {"type", type},
            {"param", param.empty() ? json(nullptr) : json(param)},
            {"code", code.empty() ? json(nullptr) : json(code)}}}};
}

namespace {

[[noreturn]] void bad(const std::string& param, const std::string& message,
                      const std::string& code = "") {
  ApiError e;
  e.status = 400;
  e.param = param;
  e.message = message;
  e.code = code;
  throw e;
}

// The fields a route reads, and those OpenAI defines that r1 accepts only at their defaults.
struct Fields {
  std::set<std::string> known;
  std::set<std::string> default_only;  // must be absent, null, or the neutral value
};

// The sampling and output fields every text route shares.
std::set<std::string> with_common(std::set<std::string> own) {
  for (const char* f : {"model", "max_tokens", "temperature", "top_p", "top_k", "n", "stream",
                        "stream_options", "stop", "seed", "logprobs", "user", "presence_penalty",
                        "frequency_penalty", "logit_bias", "ignore_eos"})
    own.insert(f);
  return own;
}

const Fields& fields_of(Route r) {
  static const Fields completions{
      with_common({"prompt", "echo", "best_of", "suffix"}),
      {"echo", "best_of", "suffix", "presence_penalty", "frequency_penalty", "logit_bias"}};
  static const Fields chat{
      with_common({"messages", "max_completion_tokens", "top_logprobs", "response_format", "tools",
                   "tool_choice", "parallel_tool_calls"}),
      {"presence_penalty", "frequency_penalty", "logit_bias", "response_format", "tools",
       "tool_choice", "parallel_tool_calls"}};
  static const Fields generate{
      {"model", "prompt_ids", "max_tokens", "temperature", "top_p", "top_k", "n", "stop_token_ids",
       "seed", "top_logprobs", "ignore_eos"},
      {}};
  switch (r) {
    case Route::completions:
      return completions;
    case Route::chat:
      return chat;
    case Route::generate:
      return generate;
  }
  return generate;
}

// Whether an unimplemented field holds the value that changes nothing.
bool neutral(const std::string& key, const json& v) {
  if (v.is_null()) return true;
  if (key == "best_of") return v.is_number_integer() && v.get<long>() == 1;
  if (key == "response_format")  // {"type": "text"} is the default
    return v.is_object() && v.size() == 1 && v.value("type", "") == "text";
  if (key == "tool_choice") return v == "none";
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number()) return v.get<double>() == 0;  // penalties
  if (v.is_object() || v.is_array()) return v.empty();
  if (v.is_string()) return v.get<std::string>().empty();  // suffix
  return false;
}

// A JSON array of token ids, each in [0, V); at most `max_count` of them.
std::vector<int32_t> token_ids_field(const json& body, const char* key, long V, size_t max_count) {
  const json& v = body[key];
  if (!v.is_array()) bad(key, std::string("'") + key + "' must be an array of token ids");
  if (v.size() > max_count)
    bad(key, "at most " + std::to_string(max_count) + " ids in '" + key + "'");
  std::vector<int32_t> ids;
  for (const json& t : v) {
    if (!t.is_number_integer() || t.get<long>() < 0 || t.get<long>() >= V)
      bad(key, std::string("'") + key + "' holds " + json_snippet(t) +
                   "; token ids are integers in [0, " + std::to_string(V) + ")");
    ids.push_back(static_cast<int32_t>(t.get<long>()));
  }
  return ids;
}

constexpr size_t kMaxStopBytes = 256;  // per stop string
constexpr size_t kMaxStopTokenIds = 64;

double number_field(const json& body, const char* key, double def, double lo, double hi) {
  if (!body.contains(key) || body[key].is_null()) return def;
  const json& v = body[key];
  if (!v.is_number())
    bad(key, std::string("'") + key + "' must be a number, got " + json_type_name(v));
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < lo || x > hi) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "'%s' must be in [%g, %g], got %g", key, lo, hi, x);
    bad(key, buf);
  }
  return x;
}

long int_field(const json& body, const char* key, long def, long lo, long hi) {
  if (!body.contains(key) || body[key].is_null()) return def;
  const json& v = body[key];
  if (!v.is_number_integer() && !v.is_number_unsigned())
    bad(key, std::string("'") + key + "' must be an integer, got " + json_type_name(v));
  long x = 0;
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi)) {
    x = hi + 1;
  } else {
    x = v.get<long>();
  }
  if (x < lo || x > hi) {
    bad(key, std::string("'") + key + "' must be in [" + std::to_string(lo) + ", " +
                 std::to_string(hi) + "], got " + json_snippet(v));
  }
  return x;
}

bool bool_field(const json& body, const char* key, bool def) {
  if (!body.contains(key) || body[key].is_null()) return def;
  if (!body[key].is_boolean())
    bad(key, std::string("'") + key + "' must be true or false, got " + json_type_name(body[key]));
  return body[key].get<bool>();
}

// A message's content: a string, or an array of {"type": "text", "text": ...} parts.
std::string message_content(const json& m, size_t i) {
  const std::string where = "messages[" + std::to_string(i) + "].content";
  if (!m.contains("content") || m["content"].is_null()) bad("messages", where + " is missing");
  const json& c = m["content"];
  if (c.is_string()) return c.get<std::string>();
  if (!c.is_array()) bad("messages", where + " must be a string or an array of text parts");
  std::string out;
  for (const json& part : c) {
    if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
        !part["text"].is_string())
      bad("messages", where + ": only parts {\"type\": \"text\", \"text\": ...} are supported");
    out += part["text"].get<std::string>();
  }
  return out;
}

}  // namespace

Job parse_job(Route route, const std::string& body_text, const ApiContext& ctx) {
  json body;
  try {
    body = parse_json(body_text, "the request body");
  } catch (const std::exception& e) {
    bad("", std::string("the request body is not valid JSON: ") + e.what(), "invalid_json");
  }
  if (!body.is_object())
    bad("", "the request body must be a JSON object, got " + json_type_name(body));
  const Fields& f = fields_of(route);
  for (const auto& [key, v] : body.items()) {
    if (!f.known.count(key)) bad(key, "unknown field '" + key + "'", "unknown_field");
    if (f.default_only.count(key) && !neutral(key, v))
      bad(key, "'" + key + "' is not supported by r1 serve (leave it out or at its default)",
          "unsupported_field");
  }
  Job job;
  job.route = route;
  job.model = ctx.model_name;
  if (body.contains("model") && !body["model"].is_null()) {
    if (!body["model"].is_string()) bad("model", "'model' must be a string");
    const std::string m = body["model"].get<std::string>();
    if (m != ctx.model_name) {
      ApiError e;
      e.status = 404;
      e.param = "model";
      e.code = "model_not_found";
      e.message =
          "the model '" + m + "' does not exist; this server serves '" + ctx.model_name + "'";
      throw e;
    }
  }
  const ServeLimits& lim = ctx.limits;
  // The prompt.
  if (route == Route::completions) {
    if (!body.contains("prompt")) bad("prompt", "'prompt' is required");
    const json& p = body["prompt"];
    std::string text;
    if (p.is_string()) {
      text = p.get<std::string>();
    } else if (p.is_array() && p.size() == 1 && p[0].is_string()) {
      text = p[0].get<std::string>();
    } else {
      bad("prompt", "'prompt' must be a string (one prompt per request)");
    }
    job.prompt = ctx.tok.encode(text);
  } else if (route == Route::chat) {
    if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty())
      bad("messages", "'messages' must be a non-empty array of {role, content}");
    std::vector<ChatTemplate::Turn> turns;
    const json& ms = body["messages"];
    for (size_t i = 0; i < ms.size(); ++i) {
      if (!ms[i].is_object() || !ms[i].contains("role") || !ms[i]["role"].is_string())
        bad("messages",
            "messages[" + std::to_string(i) + "] must be an object with a string 'role'");
      std::string role = ms[i]["role"].get<std::string>();
      if (role == "developer") role = "system";
      turns.push_back({role, message_content(ms[i], i)});
    }
    std::string text;
    try {
      text = ctx.chat.render_turns(turns);
    } catch (const std::exception& e) {
      bad("messages", e.what());
    }
    job.prompt = ctx.tok.encode(text);
    job.text_prefix = ctx.chat.completion_prefix;
  } else {
    if (!body.contains("prompt_ids")) bad("prompt_ids", "'prompt_ids' is required");
    job.prompt = token_ids_field(body, "prompt_ids", ctx.tok.vocab_size(), SIZE_MAX);
  }
  if (job.prompt.empty())
    bad(route == Route::generate ? "prompt_ids" : "prompt", "the prompt is empty");
  const int prompt_cap = std::min(lim.max_prompt_tokens, lim.context - 1);
  if (static_cast<int>(job.prompt.size()) > prompt_cap) {
    bad(route == Route::chat       ? "messages"
        : route == Route::generate ? "prompt_ids"
                                   : "prompt",
        "the prompt has " + std::to_string(job.prompt.size()) +
            " tokens; this server takes at most " + std::to_string(prompt_cap),
        "context_length_exceeded");
  }
  // Lengths and counts.
  const char* max_key = route == Route::chat && body.contains("max_completion_tokens") &&
                                !body["max_completion_tokens"].is_null()
                            ? "max_completion_tokens"
                            : "max_tokens";
  const long room = lim.context - static_cast<long>(job.prompt.size());
  const long def_max = route == Route::completions ? 16 : std::min<long>(lim.max_tokens, room);
  job.max_tokens = static_cast<int>(int_field(body, max_key, def_max, 1, lim.max_tokens));
  // A length asked for that the context cannot hold is refused on the OpenAI routes, as OpenAI's
  // API and vLLM do: cut to the room left, the answer would end "length" far short of it.
  // /v1/generate (RL frameworks: one budget for prompts of any length) keeps the cut.
  if (route != Route::generate && body.contains(max_key) && !body[max_key].is_null() &&
      job.max_tokens > room)
    bad(max_key,
        cat("the prompt has ", job.prompt.size(), " tokens and ", max_key, " asks for ",
            job.max_tokens, " more; the context holds ", lim.context, " (at most ", room,
            " new tokens for this prompt)"),
        "context_length_exceeded");
  job.n = static_cast<int>(int_field(body, "n", 1, 1, lim.max_n));
  job.stream = route != Route::generate && bool_field(body, "stream", false);
  if (body.contains("stream_options") && !body["stream_options"].is_null()) {
    const json& so = body["stream_options"];
    if (!so.is_object()) bad("stream_options", "'stream_options' must be an object");
    for (const auto& [k, v] : so.items()) {
      if (k != "include_usage") bad("stream_options", "unknown field 'stream_options." + k + "'");
      if (!v.is_boolean())
        bad("stream_options", "'stream_options.include_usage' must be true or false");
      job.include_usage = v.get<bool>();
    }
  }
  // Sampling. OpenAI's default temperature is 1.
  job.sampling.temperature = number_field(body, "temperature", 1.0, 0, 100);
  job.sampling.top_p = number_field(body, "top_p", 1.0, 0, 1);
  if (job.sampling.top_p <= 0) bad("top_p", "'top_p' must be > 0");
  job.sampling.top_k = static_cast<int>(int_field(body, "top_k", 0, -1, 1L << 30));
  if (job.sampling.top_k < 0) job.sampling.top_k = 0;  // vLLM's -1: no limit
  job.seed = ctx.fresh_seed;
  if (body.contains("seed") && !body["seed"].is_null()) {
    const json& v = body["seed"];
    if (v.is_number_unsigned()) {
      job.seed = v.get<uint64_t>();
    } else if (v.is_number_integer()) {
      job.seed = static_cast<uint64_t>(v.get<int64_t>());  // negative seeds: their bit pattern
    } else {
      bad("seed", "'seed' must be an integer, got " + json_type_name(v));
    }
  }
  // Stops.
  if (body.contains("stop") && !body["stop"].is_null()) {
    const json& s = body["stop"];
    if (s.is_string()) {
      job.stop.push_back(s.get<std::string>());
    } else if (s.is_array() && s.size() <= 4) {
      for (const json& x : s) {
        if (!x.is_string()) bad("stop", "'stop' must be a string or an array of up to 4 strings");
        job.stop.push_back(x.get<std::string>());
      }
    } else {
      bad("stop", "'stop' must be a string or an array of up to 4 strings");
    }
    for (const auto& x : job.stop) {
      if (x.empty()) bad("stop", "a stop string is empty");
      if (x.size() > kMaxStopBytes)
        bad("stop", "a stop string is longer than " + std::to_string(kMaxStopBytes) + " bytes");
    }
  }
  // ignore_eos (vLLM's extension, for benchmarks): only max_tokens and the stops given end it.
  if (ctx.tok.eos_id() >= 0 && !bool_field(body, "ignore_eos", false))
    job.stop_tokens.push_back(ctx.tok.eos_id());
  if (route == Route::chat && !ctx.chat.end_of_turn.empty()) {
    const int32_t id = end_of_turn_token(ctx.chat, ctx.tok);
    if (id >= 0) {
      job.stop_tokens.push_back(id);
    } else {
      job.stop.push_back(ctx.chat.end_of_turn);
    }
  }
  if (route == Route::generate && body.contains("stop_token_ids") &&
      !body["stop_token_ids"].is_null()) {
    for (int32_t id :
         token_ids_field(body, "stop_token_ids", ctx.tok.vocab_size(), kMaxStopTokenIds))
      job.stop_tokens.push_back(id);
  }
  // Log-probs.
  const int max_top = GenerationEngine::kMaxTopLogprobs;
  if (route == Route::completions) {
    if (body.contains("logprobs") && !body["logprobs"].is_null()) {
      job.logprobs = true;
      job.top_logprobs = static_cast<int>(int_field(body, "logprobs", 0, 0, max_top));
    }
  } else if (route == Route::chat) {
    job.logprobs = bool_field(body, "logprobs", false);
    job.top_logprobs = static_cast<int>(int_field(body, "top_logprobs", 0, 0, max_top));
    if (job.top_logprobs > 0 && !job.logprobs)
      bad("top_logprobs", "'top_logprobs' needs 'logprobs': true");
  } else {
    job.logprobs = true;
    job.top_logprobs = static_cast<int>(int_field(body, "top_logprobs", 0, 0, max_top));
  }
  return job;
}

std::vector<SequenceRequest> job_sequences(const Job& job) {
  std::vector<SequenceRequest> out;
  for (int i = 0; i < job.n; ++i) {
    SequenceRequest s;
    s.request = {job.prompt, job.max_tokens, job.seed, static_cast<uint64_t>(i)};
    s.sampling = job.sampling;
    s.stop_tokens = job.stop_tokens;
    s.stop_strings = job.stop;
    s.top_logprobs = job.top_logprobs;
    out.push_back(std::move(s));
  }
  return out;
}

std::string api_finish_reason(const std::string& r) {
  if (r == "context") return "length";
  return r;
}

json completion_logprobs(const Tokenizer& tok, const std::vector<TokenEvent>& events,
                         size_t text_offset0) {
  json tokens = json::array(), lps = json::array(), tops = json::array(), offs = json::array();
  size_t off = text_offset0;
  for (const TokenEvent& e : events) {
    const std::string t = tok.token_text(e.token);
    tokens.push_back(t);
    lps.push_back(e.logprob);
    offs.push_back(off);
    off += t.size();
    json top = json::object();
    for (const auto& [id, lp] : e.top) top[tok.token_text(id)] = lp;
    tops.push_back(e.top.empty() ? json(nullptr) : top);
  }
  return {
      {"tokens", tokens}, {"token_logprobs", lps}, {"top_logprobs", tops}, {"text_offset", offs}};
}

namespace {
json token_bytes(const std::string& t) {
  json b = json::array();
  for (unsigned char c : t) b.push_back(static_cast<int>(c));
  return b;
}
}  // namespace

json chat_logprobs(const Tokenizer& tok, const std::vector<TokenEvent>& events) {
  json content = json::array();
  for (const TokenEvent& e : events) {
    const std::string t = tok.token_text(e.token);
    json top = json::array();
    for (const auto& [id, lp] : e.top) {
      const std::string s = tok.token_text(id);
      top.push_back({{"token", s}, {"logprob", lp}, {"bytes", token_bytes(s)}});
    }
    content.push_back(
        {{"token", t}, {"logprob", e.logprob}, {"bytes", token_bytes(t)}, {"top_logprobs", top}});
  }
  return {{"content", content}};
}

std::string new_request_id(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%llx%06llx", prefix,
                static_cast<unsigned long long>(std::time(nullptr)),
                static_cast<unsigned long long>(counter.fetch_add(1)));
  return buf;
}

}  // namespace r1
