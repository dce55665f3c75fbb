#include "serve/http_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>

#include "core/error.h"
#include "core/json.h"

namespace r1 {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::Impl {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  tcp protocol = tcp::v4();
};

std::string HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

const char* http_status_text(int status) {
  return http::obsolete_reason(static_cast<http::status>(status)).data();
}

namespace {

// A JSON error body in OpenAI's shape, for errors found before any handler runs.
std::string error_body(const std::string& message, const char* type) {
  json j = {
      {"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}};
  return j.dump();
}

// Ready to read within `ms` milliseconds?
bool readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) > 0;
}

class Responder : public HttpResponder {
 public:
  Responder(tcp::socket& s, unsigned version, bool keep_alive)
      : s_(s), version_(version), keep_alive_(keep_alive) {}

  void send(int status, const std::string& content_type, const std::string& body,
            const std::vector<std::pair<std::string, std::string>>& headers) override {
    if (started_) return;
    started_ = true;
    http::response<http::string_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::server, "r1");
    res.set(http::field::content_type, content_type);
    for (const auto& [k, v] : headers) res.set(k, v);
    res.keep_alive(keep_alive_);
    res.body() = body;
    res.prepare_payload();
    beast::error_code ec;
    http::write(s_, res, ec);
    if (ec) broken_ = true;
  }

  bool start_stream(int status, const std::string& content_type) override {
    if (started_) return false;
    started_ = true;
    streaming_ = true;
    http::response<http::empty_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::server, "r1");
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-cache");
    res.keep_alive(keep_alive_);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    beast::error_code ec;
    http::write_header(s_, sr, ec);
    if (ec) broken_ = true;
    return !broken_;
  }

  bool write(const std::string& piece) override {
    if (broken_ || !streaming_ || piece.empty()) return !broken_;
    beast::error_code ec;
    net::write(s_, http::make_chunk(net::buffer(piece)), ec);
    if (ec) broken_ = true;
    return !broken_;
  }

  void end_stream() override {
    if (broken_ || !streaming_) return;
    beast::error_code ec;
    net::write(s_, http::make_chunk_last(), ec);
    if (ec) broken_ = true;
    streaming_ = false;
  }

  bool client_gone() override {
    if (broken_) return true;
    pollfd p{s_.native_handle(), POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) broken_ = true;
    return broken_;
  }

  bool started() const { return started_; }
  bool reusable() const { return keep_alive_ && !broken_ && !streaming_; }

 private:
  tcp::socket& s_;
  unsigned version_;
  bool keep_alive_;
  bool started_ = false, streaming_ = false, broken_ = false;
};

}  // namespace

HttpServer::HttpServer(const std::string& host, int port, HttpServerLimits limits, Handler handler)
    : impl_(std::make_unique<Impl>()), limits_(limits), handler_(std::move(handler)) {
  beast::error_code ec;
  const auto addr = net::ip::make_address(host, ec);
  if (ec) fail("--host: '", host, "' is not an IP address (for example 127.0.0.1 or 0.0.0.0)");
  if (port < 0 || port > 65535) fail("--port: ", port, " is not a port number (0 to 65535)");
  const tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) fail("cannot listen on ", host, ":", port, ": ", ec.message());
  port_ = acc.local_endpoint().port();
  impl_->protocol = ep.protocol();
}

HttpServer::~HttpServer() {
  stop();
  // Connection threads hold `this`: wait for them (each closes within its idle poll).
  for (int i = 0; i < 600 && connections_.load() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

void HttpServer::stop() {
  stopping_ = true;
}

void HttpServer::run() {
  auto& acc = impl_->acceptor;
  acc.non_blocking(true);
  while (!stopping_) {
    if (!readable(acc.native_handle(), 100)) continue;
    tcp::socket sock(impl_->ioc);
    beast::error_code ec;
    acc.accept(sock, ec);
    if (ec) continue;
    if (connections_.load() >= limits_.max_connections) {
      http::response<http::string_body> res{http::status::service_unavailable, 11};
      res.set(http::field::content_type, "application/json");
      res.set(http::field::retry_after, "1");
      res.keep_alive(false);
      res.body() = error_body("too many connections; try again shortly", "server_overloaded");
      res.prepare_payload();
      http::write(sock, res, ec);
      continue;
    }
    connections_++;
    std::thread([this, s = std::move(sock)]() mutable {
      serve_connection(s.release());
      connections_--;
    }).detach();
  }
  beast::error_code ec;
  acc.close(ec);
}

void HttpServer::serve_connection(int fd) {
  tcp::socket sock(impl_->ioc);
  sock.assign(impl_->protocol, fd);
  // A client that stops reading or writing mid-message cannot hold the thread forever.
  timeval tv{static_cast<time_t>(limits_.idle_timeout_s), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  // Stream events are small writes: without this, Nagle's algorithm holds each one until the
  // client acknowledges the last (up to its 40 ms delayed ACK).
  sock.set_option(tcp::no_delay(true));
  beast::flat_buffer buf;
  for (;;) {
    // Wait for the next request, watching for stop() and the idle timeout.
    const auto idle_since = std::chrono::steady_clock::now();
    while (buf.size() == 0 && !readable(fd, 200)) {
      if (stopping_) return;
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - idle_since).count() >
          limits_.idle_timeout_s)
        return;
    }
    http::request_parser<http::string_body> parser;
    parser.body_limit(limits_.max_body_bytes);
    parser.header_limit(64 * 1024);
    beast::error_code ec;
    http::read(sock, buf, parser, ec);
    if (ec == http::error::end_of_stream || ec == net::error::connection_reset) return;
    if (ec) {
      const bool too_big = ec == http::error::body_limit;
      Responder r(sock, 11, false);
      r.send(too_big ? 413 : 400, "application/json",
             error_body(too_big ? "the request body is over the limit of " +
                                      std::to_string(limits_.max_body_bytes) + " bytes"
                                : "malformed HTTP request: " + ec.message(),
                        "invalid_request_error"),
             {});
      return;
    }
    auto& req = parser.get();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.path = r.target.substr(0, r.target.find('?'));
    for (const auto& f : req) {
      std::string name(f.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      r.headers[name] = std::string(f.value());
    }
    r.body = std::move(req.body());
    Responder resp(sock, req.version(), req.keep_alive() && !stopping_);
    in_flight_++;
    try {
      handler_(r, resp);
    } catch (const std::exception& e) {
      if (!resp.started())
        resp.send(500, "application/json", error_body(e.what(), "server_error"), {});
    }
    in_flight_--;
    if (!resp.started())
      resp.send(500, "application/json", error_body("no answer", "server_error"), {});
    if (!resp.reusable() || stopping_) return;
  }
}

}  // namespace r1
