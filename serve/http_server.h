// A small HTTP/1.1 server on Boost.Beast for `r1 serve`: one thread per connection (blocking
// reads and writes; keep-alive), a cap on connections and on request bodies, and streamed
// answers in chunked transfer encoding (server-sent events). Routing is the handler's
// (serve/server.cpp).
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace r1 {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // path and query
  std::string path;                            // target without the query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& lower_name) const;
};

// How a handler answers: send() once, or start_stream() then write() pieces and end_stream().
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;
  virtual void send(int status, const std::string& content_type, const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>& headers = {}) = 0;
  // Chunked answer; false when the client is gone.
  virtual bool start_stream(int status, const std::string& content_type) = 0;
  virtual bool write(const std::string& piece) = 0;
  virtual void end_stream() = 0;
  // True once the client has closed its side or the connection failed (checked without
  // blocking), so work for a client that left can stop.
  virtual bool client_gone() = 0;
};

struct HttpServerLimits {
  size_t max_body_bytes = 1 << 20;
  int max_connections = 512;
  // A keep-alive connection with no whole request for this long closes; so does one whose client
  // takes longer than this to accept one write of an answer.
  double idle_timeout_s = 60;
};

class HttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpResponder&)>;
  // Binds and listens at once (port 0: any free port); throws with the address on failure.
  HttpServer(const std::string& host, int port, HttpServerLimits limits, Handler handler);
  ~HttpServer();
  int port() const { return port_; }
  // Accepts connections until stop() (from any thread, or a signal-watching loop).
  void run();
  // Stops accepting; connections finish the request they are in, then close.
  void stop();
  // stop(), then shuts every connection's socket and waits for every connection thread to end
  // (the handlers see their clients gone). The destructor does this.
  void close_all();
  // Requests being handled now.
  int in_flight() const { return in_flight_.load(); }
  int connections() const { return connections_.load(); }

 private:
  struct Impl;
  struct Conn;
  void serve_connection(Conn& conn);
  void watchdog();

  std::shared_ptr<Impl> impl_;  // shared with the connection threads (see run())
  HttpServerLimits limits_;
  Handler handler_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_flight_{0}, connections_{0};
  std::mutex threads_mu_;
  std::vector<std::thread> threads_;
};

const char* http_status_text(int status);

}  // namespace r1
