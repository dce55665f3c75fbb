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
#include <condition_variable>
#include <set>
#include <string_view>

#include "core/error.h"
#include "core/json.h"
#include "core/log.h"

namespace r1 {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// One open connection, as the watchdog sees it.
struct HttpServer::Conn {
  int fd = -1;
  // Steady-clock seconds by which the blocking read or write under way must end (0: none, the
  // handler is working). Asio's blocking calls ignore SO_RCVTIMEO (they poll without a limit),
  // so the watchdog enforces this by shutting the socket down, which ends the call.
  std::atomic<double> deadline{0};
  std::atomic<bool> idle{true};  // between requests (or reading one): closed at once on stop()
};

struct HttpServer::Impl {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  tcp protocol = tcp::v4();
  std::mutex mu;
  std::condition_variable none_left;
  std::set<Conn*> conns;
  bool close_all = false, watchdog_stop = false;
  std::thread watchdog;
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
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

const timeval kOneSecond{1, 0};

// Ready to read within `ms` milliseconds?
bool readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) > 0;
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

class Responder : public HttpResponder {
 public:
  // Each write must end within `write_timeout_s` (the watchdog closes the socket otherwise), so
  // a client that stops reading cannot hold the handler.
  Responder(tcp::socket& s, unsigned version, bool keep_alive, std::atomic<double>* deadline,
            double write_timeout_s)
      : s_(s),
        version_(version),
        keep_alive_(keep_alive),
        deadline_(deadline),
        write_timeout_s_(write_timeout_s) {}

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
    arm();
    http::write(s_, res, ec);
    disarm();
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
    arm();
    http::write_header(s_, sr, ec);
    disarm();
    if (ec) broken_ = true;
    return !broken_;
  }

  bool write(const std::string& piece) override {
    if (broken_ || !streaming_ || piece.empty()) return !broken_;
    beast::error_code ec;
    arm();
    net::write(s_, http::make_chunk(net::buffer(piece)), ec);
    disarm();
    if (ec) broken_ = true;
    return !broken_;
  }

  void end_stream() override {
    if (broken_ || !streaming_) return;
    beast::error_code ec;
    arm();
    net::write(s_, http::make_chunk_last(), ec);
    disarm();
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
  void arm() {
    if (deadline_) *deadline_ = now_s() + write_timeout_s_;
  }
  void disarm() {
    if (deadline_) *deadline_ = 0;
  }
  tcp::socket& s_;
  unsigned version_;
  bool keep_alive_;
  std::atomic<double>* deadline_;
  double write_timeout_s_;
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
  impl_->watchdog = std::thread([this] { watchdog(); });
}

HttpServer::~HttpServer() {
  close_all();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->watchdog_stop = true;
  }
  impl_->watchdog.join();
}

void HttpServer::stop() {
  stopping_ = true;
}

void HttpServer::close_all() {
  stop();
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->close_all = true;
  for (Conn* c : impl_->conns) ::shutdown(c->fd, SHUT_RDWR);
  // Connection threads use `this`: wait for every one, however long its handler takes (the
  // sockets are shut, so each ends at its next read or write).
  impl_->none_left.wait(lock, [&] { return impl_->conns.empty(); });
}

void HttpServer::watchdog() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      if (impl_->watchdog_stop) return;
      const double now = now_s();
      for (Conn* c : impl_->conns) {
        const double d = c->deadline.load();
        if ((d > 0 && now > d) || (stopping_ && c->idle.load()) || impl_->close_all)
          ::shutdown(c->fd, SHUT_RDWR);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void HttpServer::run() {
  auto& acc = impl_->acceptor;
  acc.non_blocking(true);
  while (!stopping_) {
    if (!readable(acc.native_handle(), 100)) continue;
    tcp::socket sock(impl_->ioc);
    beast::error_code ec;
    acc.accept(sock, ec);
    if (ec) {  // out of descriptors, say: do not spin on it
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (connections_.load() >= limits_.max_connections) {
      http::response<http::string_body> res{http::status::service_unavailable, 11};
      res.set(http::field::content_type, "application/json");
      res.set(http::field::retry_after, "1");
      res.keep_alive(false);
      res.body() = error_body("too many connections; try again shortly", "server_overloaded");
      res.prepare_payload();
      ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &kOneSecond, sizeof kOneSecond);
      http::write(sock, res, ec);  // into an empty socket buffer: does not block
      continue;
    }
    auto conn = std::make_unique<Conn>();
    conn->fd = sock.release(ec);
    if (ec) continue;
    conn->deadline = now_s() + limits_.idle_timeout_s;
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      impl_->conns.insert(conn.get());
    }
    connections_++;
    // The thread keeps Impl (the io_context its socket belongs to) alive past the server's
    // destructor: it still closes its socket after close_all() has seen it leave.
    std::thread([this, impl = impl_, c = std::move(conn)]() mutable {
      try {
        serve_connection(*c);
      } catch (const std::exception& e) {
        log_warn("serve: a connection ended on an error: ", e.what());
      }
    }).detach();
  }
  beast::error_code ec;
  acc.close(ec);
}

void HttpServer::serve_connection(Conn& conn) {
  const int fd = conn.fd;
  // Leaves the watchdog's list before the descriptor closes (a closed number may be reused by
  // the next connection at once). Declared after `sock`, so it runs before sock's destructor.
  struct Unregister {
    Impl& impl;
    Conn& conn;
    std::atomic<int>& count;
    ~Unregister() {
      std::lock_guard<std::mutex> lock(impl.mu);
      impl.conns.erase(&conn);
      count--;
      impl.none_left.notify_all();
    }
  };
  struct CloseUnlessOwned {  // the descriptor, until the socket owns it
    int fd;
    bool owned = false;
    ~CloseUnlessOwned() {
      if (!owned) ::close(fd);
    }
  } closer{fd};
  tcp::socket sock(impl_->ioc);
  Unregister unregister{*impl_, conn, connections_};
  beast::error_code ec;
  sock.assign(impl_->protocol, fd, ec);
  if (ec) return;
  closer.owned = true;
  // Stream events are small writes: without this, Nagle's algorithm holds each one until the
  // client acknowledges the last (up to its 40 ms delayed ACK).
  sock.set_option(tcp::no_delay(true), ec);
  beast::flat_buffer buf;
  for (;;) {
    // The next request must arrive whole within the idle timeout (the watchdog closes the
    // socket otherwise, and on stop()).
    conn.idle = true;
    conn.deadline = now_s() + limits_.idle_timeout_s;
    while (buf.size() == 0 && !readable(fd, 200)) {
      if (stopping_ || now_s() > conn.deadline) return;
    }
    http::request_parser<http::string_body> parser;
    parser.body_limit(limits_.max_body_bytes);
    parser.header_limit(64 * 1024);
    http::read_header(sock, buf, parser, ec);
    if (!ec && parser.get()[http::field::expect] == "100-continue") {
      // curl sends large bodies only after this (or after waiting a second for it).
      net::write(sock, net::buffer(std::string_view("HTTP/1.1 100 Continue\r\n\r\n")), ec);
    }
    if (!ec) http::read(sock, buf, parser, ec);
    conn.deadline = 0;
    if (ec == http::error::end_of_stream || ec == net::error::connection_reset ||
        ec == net::error::not_connected || ec == net::error::eof)
      return;
    if (ec) {
      const bool too_big = ec == http::error::body_limit;
      Responder r(sock, 11, false, &conn.deadline, limits_.idle_timeout_s);
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
    Responder resp(sock, req.version(), req.keep_alive() && !stopping_, &conn.deadline,
                   limits_.idle_timeout_s);
    conn.idle = false;
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
