// `r1 serve`: an OpenAI-compatible HTTP server for one checkpoint.
//
//   GET  /health               200 {"status": "ok"} (503 "draining" after SIGTERM); no key needed
//   GET  /v1/models            the one model
//   POST /v1/completions       text prompt
//   POST /v1/chat/completions  messages, rendered with the chat template
//   POST /v1/generate          token ids in, token ids and log-probs out
//   GET  /metrics              Prometheus text
//
// Every request's sequences join the one continuous batch (serve/engine_service.h). A stop
// request (SIGTERM, Ctrl-C) stops accepting, lets the requests in flight finish for up to
// `grace_s`, cancels what is left, and returns.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "model/chat_template.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "serve/engine_service.h"
#include "serve/http_server.h"
#include "serve/openai_api.h"
#include "serve/serve_metrics.h"

namespace r1 {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string model_name;  // what /v1/models lists and requests name
  std::string api_key;     // "" = no key needed
  int slots = 32;          // sequences decoding together
  int max_queue = 256;     // sequences waiting beyond the slots; more get 429
  double timeout_s = 600;  // per request
  double grace_s = 30;     // for requests in flight after a stop request
  ServeLimits limits;
  HttpServerLimits http;
  int prefill_chunk = 512;
};

class Server {
 public:
  Server(Model<float>& model, const Tokenizer& tok, ChatTemplate chat, ServeOptions opt);
  ~Server();
  int port() const { return http_->port(); }
  // Serves until `stop` is set, then drains and returns.
  void run(const std::atomic<bool>& stop);

 private:
  void handle(const HttpRequest& req, HttpResponder& out);
  int handle_generation(Route route, const HttpRequest& req, HttpResponder& out,
                        std::chrono::steady_clock::time_point t0);
  bool authorised(const HttpRequest& req) const;

  const Tokenizer& tok_;
  ChatTemplate chat_;
  ServeOptions opt_;
  std::unique_ptr<EngineService> engine_;
  std::unique_ptr<HttpServer> http_;
  ServeMetrics metrics_;
  std::atomic<bool> draining_{false};
  std::atomic<uint64_t> seed_counter_;
};

}  // namespace r1
