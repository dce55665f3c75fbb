// r1 bench serve: requests/s, tokens/s and time to first token of `r1 serve` at several numbers
// of concurrent streaming clients, against the engine alone decoding the same batch in the same
// run (GenerationEngine::generate on as many requests as there are clients: what the server
// would reach with no HTTP, JSON or threads in the way).
//
// The server runs in this process on a loopback port; each client is a thread with a plain
// socket that sends one streamed /v1/completions request at a time (prompt P tokens, exactly M
// new tokens: ignore_eos) and reads until the server closes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench.h"
#include "bench/bench_util.h"
#include "core/args.h"
#include "core/json.h"
#include "core/stop.h"
#include "model/byte_tokenizer.h"
#include "model/config.h"
#include "model/model.h"
#include "rollout/engine.h"
#include "serve/server.h"

namespace r1 {

namespace {

struct Timing {
  double ttft = -1, total = -1;
  bool ok = false;
};

// One streamed request over a fresh connection; times the first event and the end.
Timing one_request(int port, const std::string& body) {
  Timing t;
  const double t0 = steady_seconds();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return t;
  }
  const std::string req =
      "POST /v1/completions HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return t;
  }
  std::string got;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
    if (t.ttft < 0 && got.find("data: ") != std::string::npos) t.ttft = steady_seconds() - t0;
  }
  ::close(fd);
  t.total = steady_seconds() - t0;
  t.ok = got.compare(0, 12, "HTTP/1.1 200") == 0 && got.find("data: [DONE]") != std::string::npos;
  return t;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * (v.size() - 1) + 0.5))];
}

}  // namespace

int bench_serve(int argc, char** argv) {
  Args args("bench serve",
            "Requests/s, tokens/s and time to first token of r1 serve at several numbers of "
            "concurrent streaming clients, against the engine alone on the same batch.");
  args.opt("model-config", "FILE", "model architecture (random weights, byte tokenizer)",
           "configs/models/tiny-moe.json")
      .opt("clients", "LIST", "comma-separated numbers of concurrent clients", "1,8,64")
      .opt("requests", "N", "requests per client", "8")
      .opt("prompt", "P", "prompt tokens per request", "32")
      .opt("max-tokens", "M", "tokens generated per request (exactly: ignore_eos)", "64");
  if (!args.parse(argc, argv)) return 0;
  std::vector<int> clients;
  for (const std::string& item : args.list("clients")) {
    char* end = nullptr;
    const long c = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end || c < 1 || c > 1024)
      fail("--clients: '", item, "' is not a number of clients in [1, 1024] (e.g. 1,8,64)");
    clients.push_back(static_cast<int>(c));
  }
  const int R = args.count("requests"), P = args.count("prompt"), M = args.count("max-tokens");
  const ModelConfig cfg = ModelConfig::load(args.str("model-config"));
  ByteTokenizer tok;
  if (cfg.vocab_size < tok.vocab_size())
    fail("--model-config: vocab_size ", cfg.vocab_size, " is below the byte tokenizer's ",
         tok.vocab_size());
  if (P + M + 1 > cfg.max_position_embeddings)
    fail("--prompt + --max-tokens (", P + M,
         ") exceed max_position_embeddings=", cfg.max_position_embeddings);
  const int max_clients = *std::max_element(clients.begin(), clients.end());
  ServeOptions opt;
  opt.host = "127.0.0.1";
  opt.port = 0;
  opt.model_name = "bench";
  opt.slots = max_clients;
  opt.limits.context = P + M + 1;
  opt.limits.max_prompt_tokens = P;
  opt.limits.max_tokens = M;
  opt.http.max_connections = max_clients + 8;
  ChatTemplate chat = ChatTemplate::named("chatml");
  // The server is a process of its own, as in use: forked before this process runs any OpenMP
  // (two OpenMP teams in one process on two cores, the server's and the reference's, slow each
  // other by 8x), and it tells its port through a pipe.
  int port_pipe[2];
  if (::pipe(port_pipe) != 0) fail("bench serve: pipe: ", std::strerror(errno));
  const pid_t child = ::fork();
  if (child < 0) fail("bench serve: fork: ", std::strerror(errno));
  if (child == 0) {
    ::close(port_pipe[0]);
    install_stop_handlers(5.0, "");
    Model<float> model(cfg);
    model.init_weights(0);
    Server server(model, tok, chat, opt);
    const int port = server.port();
    if (::write(port_pipe[1], &port, sizeof port) != sizeof port) _exit(1);
    ::close(port_pipe[1]);
    server.run(stop_requested());
    _exit(0);
  }
  ::close(port_pipe[1]);
  int port = 0;
  const bool got_port = ::read(port_pipe[0], &port, sizeof port) == sizeof port;
  ::close(port_pipe[0]);
  if (!got_port) fail("bench serve: the server process did not start");
  const std::string prompt_text(static_cast<size_t>(P), 'x');  // one byte, one token

  ordered_json rows = ordered_json::array();
  for (const int C : clients) {
    // The server.
    std::vector<std::vector<Timing>> per(C);
    const double t0 = steady_seconds();
    std::vector<std::thread> threads;
    for (int c = 0; c < C; ++c) {
      threads.emplace_back([&, c] {
        for (int r = 0; r < R; ++r) {
          json body = {{"prompt", prompt_text},
                       {"max_tokens", M},
                       {"stream", true},
                       {"ignore_eos", true},
                       {"seed", c * 1000 + r}};
          per[c].push_back(one_request(port, body.dump()));
        }
      });
    }
    for (auto& t : threads) t.join();
    const double wall = steady_seconds() - t0;
    std::vector<double> ttft, total;
    int failed = 0;
    for (const auto& v : per) {
      for (const Timing& t : v) {
        if (!t.ok) {
          ++failed;
          continue;
        }
        ttft.push_back(t.ttft);
        total.push_back(t.total);
      }
    }
    const double served_tps = static_cast<double>(ttft.size()) * M / wall;
    rows.push_back({
        {"clients", C},
        {"requests", C * R},
        {"failed", failed},
        {"requests_per_s", ttft.size() / wall},
        {"tokens_per_s", served_tps},
        {"ttft_p50_ms", 1e3 * percentile(ttft, 0.5)},
        {"ttft_p99_ms", 1e3 * percentile(ttft, 0.99)},
        {"latency_p50_ms", 1e3 * percentile(total, 0.5)},
    });
  }
  ::kill(child, SIGTERM);
  int status = 0;
  ::waitpid(child, &status, 0);
  // The references, with the server gone: the engine alone on C requests at once, same model,
  // prompt and lengths.
  Model<float> model(cfg);
  model.init_weights(0);
  std::map<int, double> reference;
  for (const int C : clients) {
    GenerationEngine engine(model, C, P + M + 1);
    GenerationOptions gopt;
    std::vector<GenerationRequest> reqs;
    for (int c = 0; c < C; ++c)
      reqs.push_back({tok.encode(std::string(P, 'x')), M, static_cast<uint64_t>(c), 0});
    engine.generate(reqs, gopt);  // warm
    const double e0 = steady_seconds();
    long tokens = 0;
    for (int r = 0; r < std::max(1, std::min(R, 3)); ++r) {
      for (const auto& res : engine.generate(reqs, gopt))
        tokens += static_cast<long>(res.tokens.size());
    }
    reference[C] = tokens / (steady_seconds() - e0);
  }
  for (auto& row : rows) {
    const double ref = reference.at(row["clients"].get<int>());
    row["reference_engine_tokens_per_s"] = ref;
    row["ratio"] = row["tokens_per_s"].get<double>() / ref;
    std::fprintf(stderr, "clients %d: %.0f tokens/s served, %.0f by the engine alone\n",
                 row["clients"].get<int>(), row["tokens_per_s"].get<double>(), ref);
  }
  ordered_json out = {{"bench", "serve"},
                      {"model_config", args.str("model-config")},
                      {"prompt_tokens", P},
                      {"max_tokens", M},
                      {"requests_per_client", R},
                      {"rows", rows},
                      {"peak_rss_mib", bench::peak_rss_mib()}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace r1
