#include "serve/server.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <thread>

#include "core/log.h"
#include "serve/text_stream.h"

namespace r1 {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void send_error(HttpResponder& out, const ApiError& e,
                const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  out.send(e.status, "application/json", dump(e.to_json()), headers);
}

ApiError error_of(int status, const std::string& message, const std::string& type,
                  const std::string& code = "") {
  ApiError e;
  e.status = status;
  e.message = message;
  e.type = type;
  e.code = code;
  return e;
}

// Constant-time comparison: the time taken says nothing about how much of a key was right.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i % std::max<size_t>(b.size(), 1)];
  return diff == 0;
}

}  // namespace

Server::Server(Model<float>& model, const Tokenizer& tok, ChatTemplate chat, ServeOptions opt)
    : tok_(tok),
      chat_(std::move(chat)),
      opt_(std::move(opt)),
      seed_counter_(static_cast<uint64_t>(std::time(nullptr)) << 20) {
  GenerationOptions shared;
  shared.tokenizer = &tok_;
  shared.prefill_chunk = opt_.prefill_chunk;
  shared.keep_packed_weights = true;  // a server's weights never change
  engine_ = std::make_unique<EngineService>(model, opt_.slots, opt_.limits.context, shared,
                                            opt_.max_queue);
  http_ = std::make_unique<HttpServer>(
      opt_.host, opt_.port, opt_.http,
      [this](const HttpRequest& r, HttpResponder& o) { handle(r, o); });
}

Server::~Server() {
  // Handlers use every member: they end (their sockets shut, their requests cancelled) before
  // any member goes.
  http_->close_all();
  engine_->shutdown();
}

void Server::run(const std::atomic<bool>& stop) {
  std::thread acceptor([this] { http_->run(); });
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  draining_ = true;
  http_->stop();
  const int in_flight = http_->in_flight();
  log_info("serve: stop requested; no new connections; ", in_flight,
           " request(s) in flight (grace ", opt_.grace_s, " s)");
  const auto t0 = Clock::now();
  while (http_->in_flight() > 0 && seconds_since(t0) < opt_.grace_s)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (http_->in_flight() > 0)
    log_warn("serve: ", http_->in_flight(),
             " request(s) still running after the grace; cancelling");
  acceptor.join();
  // Both stay alive until ~Server: a handler that is still running may use them.
  engine_->shutdown();  // cancels what is left; its handlers answer 503
  http_->close_all();   // shuts every connection and waits for its thread
}

bool Server::authorised(const HttpRequest& req) const {
  if (opt_.api_key.empty()) return true;
  const std::string h = req.header("authorization");
  // The scheme's name is case-insensitive (RFC 9110, 11.1): "bearer" is "Bearer".
  const std::string prefix = "bearer ";
  if (h.size() <= prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != prefix[i]) return false;
  return same_secret(h.substr(prefix.size()), opt_.api_key);
}

void Server::handle(const HttpRequest& req, HttpResponder& out) {
  const auto t0 = Clock::now();
  // The metrics' route label: the known routes, else "other" (a label per path would let any
  // client grow the table without limit).
  std::string route = "other";
  for (const char* known : {"/health", "/v1/models", "/metrics", "/v1/completions",
                            "/v1/chat/completions", "/v1/generate"}) {
    if (req.path == known) route = known;
  }
  int status = 200;
  auto answer_error = [&](const ApiError& e,
                          const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    status = e.status;
    send_error(out, e, headers);
  };
  const bool is_post = req.method == "POST", is_get = req.method == "GET";
  if (req.path == "/health") {
    if (!is_get) {
      answer_error(error_of(405, "/health takes GET", "invalid_request_error"));
    } else {
      status = draining_ ? 503 : 200;
      out.send(status, "application/json", dump({{"status", draining_ ? "draining" : "ok"}}));
    }
  } else if (!authorised(req)) {
    // The key is never logged or echoed.
    answer_error(error_of(401, "invalid or missing API key (send Authorization: Bearer <key>)",
                          "invalid_request_error", "invalid_api_key"),
                 {{"WWW-Authenticate", "Bearer"}});
  } else if (req.path == "/v1/models") {
    if (!is_get) {
      answer_error(error_of(405, "/v1/models takes GET", "invalid_request_error"));
    } else {
      json m = {{"id", opt_.model_name},
                {"object", "model"},
                {"created", 0},
                {"owned_by", "r1"},
                {"max_model_len", opt_.limits.context}};
      out.send(200, "application/json", dump({{"object", "list"}, {"data", json::array({m})}}));
    }
  } else if (req.path == "/metrics") {
    const EngineServiceStats s = engine_->stats();
    out.send(200, "text/plain; version=0.0.4",
             metrics_.prometheus(s.queued, s.running, s.prompt_tokens, s.generated_tokens,
                                 http_->connections()));
    return;  // scrapes are not counted as requests
  } else if (req.path == "/v1/completions" || req.path == "/v1/chat/completions" ||
             req.path == "/v1/generate") {
    const Route r = req.path == "/v1/completions"        ? Route::completions
                    : req.path == "/v1/chat/completions" ? Route::chat
                                                         : Route::generate;
    if (!is_post) {
      answer_error(error_of(405, req.path + " takes POST", "invalid_request_error"));
    } else if (draining_) {
      answer_error(error_of(503, "the server is shutting down", "server_error"),
                   {{"Retry-After", "5"}});
    } else {
      try {
        status = handle_generation(r, req, out, t0);
      } catch (const ApiError& e) {
        answer_error(e);
      }
    }
  } else {
    answer_error(error_of(404, "no route " + req.method + " " + req.path, "invalid_request_error",
                          "not_found"));
  }
  metrics_.request_done(route, status, seconds_since(t0));
}

int Server::handle_generation(Route route, const HttpRequest& req, HttpResponder& out,
                              Clock::time_point t0) {
  const ApiContext ctx{tok_, chat_, opt_.model_name, opt_.limits, seed_counter_.fetch_add(1)};
  const Job job = parse_job(route, req.body, ctx);
  auto stream = engine_->submit(job_sequences(job));
  if (!stream && engine_->stopped()) {
    send_error(out, error_of(503, "the server is shutting down", "server_error"),
               {{"Retry-After", "5"}});
    return 503;
  }
  if (!stream) {
    ApiError e = error_of(429, "the server is at capacity (queue full); retry shortly",
                          "rate_limit_error", "queue_full");
    send_error(out, e, {{"Retry-After", "1"}});
    return 429;
  }
  const std::string id = new_request_id(route == Route::chat ? "chatcmpl" : "cmpl");
  const long created = static_cast<long>(std::time(nullptr));
  const char* object = route == Route::chat          ? "chat.completion"
                       : route == Route::completions ? "text_completion"
                                                     : "generate";
  const int n = job.n;
  std::vector<TextStream> texts;
  for (int c = 0; c < n; ++c) texts.emplace_back(tok_, job.stop, job.stop_tokens);
  // Plain answers with log-probs keep each token's event for the answer.
  const bool keep_events = !job.stream && (job.logprobs || job.top_logprobs > 0);
  std::vector<std::vector<TokenEvent>> events(n);
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(opt_.timeout_s));
  bool timed_out = false, gone = false, first = true;

  // One server-sent event of the stream: choices, and usage when it is the last.
  auto event = [&](const json& choices, const json& usage) {
    json j = {{"id", id},
              {"object", route == Route::chat ? "chat.completion.chunk" : "text_completion"},
              {"created", created},
              {"model", opt_.model_name},
              {"choices", choices}};
    if (!usage.is_null()) j["usage"] = usage;
    return "data: " + dump(j) + "\n\n";
  };
  auto chunk = [&](int c, const std::string& text, const std::vector<TokenEvent>& evs,
                   const json& finish_reason, bool with_role) {
    json choice = {{"index", c}, {"finish_reason", finish_reason}};
    if (route == Route::chat) {
      json delta = json::object();
      if (with_role) delta["role"] = "assistant";
      if (!text.empty() || with_role) delta["content"] = text;
      choice["delta"] = delta;
      choice["logprobs"] = job.logprobs && !evs.empty() ? chat_logprobs(tok_, evs) : json(nullptr);
    } else {
      choice["text"] = text;
      choice["logprobs"] =
          job.logprobs && !evs.empty() ? completion_logprobs(tok_, evs, 0) : json(nullptr);
    }
    return event(json::array({choice}), nullptr);
  };

  if (job.stream) {
    if (!out.start_stream(200, "text/event-stream")) gone = true;
    if (route == Route::chat) {  // the role first, with the completion prefix already in the prompt
      for (int c = 0; c < n && !gone; ++c)
        gone = !out.write(chunk(c, job.text_prefix, {}, nullptr, true));
    }
  }
  std::vector<RequestStream::Event> evs;
  bool all_done = false;
  while (!all_done) {
    evs.clear();
    all_done = stream->wait(evs, std::chrono::milliseconds(50));
    // The events that came together go out in one write (one chunk of several SSE events).
    std::string batch;
    for (auto& e : evs) {
      if (first && !e.finished) {
        first = false;
        metrics_.first_token(seconds_since(t0));
      }
      if (!job.stream) {
        if (keep_events && !e.finished) events[e.choice].push_back(std::move(e.token));
        continue;
      }
      if (gone) continue;
      const int c = e.choice;
      if (e.finished) {
        const std::string& reason = stream->results()[c].finish_reason;
        batch += chunk(c, texts[c].finish(reason), {}, api_finish_reason(reason), false);
      } else {
        const std::string piece = texts[c].push(e.token.token);
        if (!piece.empty() || job.logprobs) batch += chunk(c, piece, {e.token}, nullptr, false);
      }
    }
    if (!batch.empty() && !gone) gone = !out.write(batch);
    if (all_done) break;
    auto cancel = [&](const char* why) {
      stream->cancel();
      engine_->drop_queued(stream.get());
      metrics_.cancelled(why);
    };
    if (!gone && out.client_gone()) gone = true;
    if (gone && !stream->cancelled()) cancel("client_gone");
    if (!timed_out && !gone && Clock::now() > deadline) {
      timed_out = true;
      cancel("timeout");
    }
  }
  // Cancelled by neither the client nor the timeout: the engine failed or the server is
  // stopping. An answer cut short is not a 200.
  bool cut_short = false;
  for (const auto& r : stream->results()) cut_short |= r.finish_reason == "cancelled";
  if (stream->error().empty() && cut_short && !gone && !timed_out)
    stream->fail(draining_ ? "the server is shutting down" : "the generation engine stopped");
  if (!stream->error().empty()) {
    ApiError e =
        error_of(draining_ ? 503 : 500, "generation failed: " + stream->error(), "server_error");
    if (job.stream) {
      out.write("data: " + dump(e.to_json()) + "\n\n");
      out.end_stream();
    } else {
      send_error(out, e);
    }
    return e.status;
  }
  long completion_tokens = 0;
  for (const auto& r : stream->results()) completion_tokens += static_cast<long>(r.tokens.size());
  const json usage = {{"prompt_tokens", job.prompt.size()},
                      {"completion_tokens", completion_tokens},
                      {"total_tokens", static_cast<long>(job.prompt.size()) + completion_tokens}};
  if (timed_out) {
    ApiError e = error_of(504,
                          "the request ran past the server's timeout of " +
                              std::to_string(static_cast<long>(opt_.timeout_s)) + " s",
                          "timeout_error", "timeout");
    if (job.stream) {
      out.write("data: " + dump(e.to_json()) + "\n\n");
      out.write("data: [DONE]\n\n");
      out.end_stream();
    } else {
      send_error(out, e);
    }
    return 504;
  }
  if (gone) return 499;  // the client closed the connection (nginx's code)
  if (job.stream) {
    if (job.include_usage) out.write(event(json::array(), usage));
    out.write("data: [DONE]\n\n");
    out.end_stream();
    return 200;
  }
  json choices = json::array();
  for (int c = 0; c < n; ++c) {
    const GenerationResult& r = stream->results()[c];
    json choice = {{"index", c}, {"finish_reason", api_finish_reason(r.finish_reason)}};
    if (route == Route::generate) {
      choice["token_ids"] = r.tokens;
      choice["logprobs"] = r.logprobs;
      if (job.top_logprobs > 0) {
        json tops = json::array();
        for (const TokenEvent& e : events[c]) {
          json t = json::array();
          for (const auto& [tid, lp] : e.top) t.push_back({tid, lp});
          tops.push_back(t);
        }
        choice["top_logprobs"] = tops;
      }
    } else {
      for (int32_t t : r.tokens) texts[c].push(t);
      texts[c].finish(r.finish_reason);
      const std::string text = texts[c].sent();
      if (route == Route::chat) {
        choice["message"] = {{"role", "assistant"}, {"content", job.text_prefix + text}};
        choice["logprobs"] = job.logprobs ? chat_logprobs(tok_, events[c]) : json(nullptr);
      } else {
        choice["text"] = text;
        choice["logprobs"] = job.logprobs ? completion_logprobs(tok_, events[c], 0) : json(nullptr);
      }
    }
    choices.push_back(choice);
  }
  json j = {{"id", id},           {"object", object},
            {"created", created}, {"model", opt_.model_name},
            {"choices", choices}, {"usage", usage}};
  out.send(200, "application/json", dump(j));
  return 200;
}

}  // namespace r1
