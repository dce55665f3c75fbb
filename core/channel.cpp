#include "core/channel.h"

#include <zmq.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>

#include "core/log.h"

namespace r1 {

namespace {

int zmq_type(SocketKind kind) {
  switch (kind) {
    case SocketKind::Push:
      return ZMQ_PUSH;
    case SocketKind::Pull:
      return ZMQ_PULL;
    case SocketKind::Pub:
      return ZMQ_PUB;
    case SocketKind::Sub:
      return ZMQ_SUB;
    case SocketKind::Router:
      return ZMQ_ROUTER;
    case SocketKind::Dealer:
      return ZMQ_DEALER;
  }
  return -1;
}

const char* kind_name(SocketKind kind) {
  switch (kind) {
    case SocketKind::Push:
      return "PUSH";
    case SocketKind::Pull:
      return "PULL";
    case SocketKind::Pub:
      return "PUB";
    case SocketKind::Sub:
      return "SUB";
    case SocketKind::Router:
      return "ROUTER";
    case SocketKind::Dealer:
      return "DEALER";
  }
  return "?";
}

// A timeout as a deadline, so that retries after EINTR or a rejected message wait only for what
// is left of it.
class Deadline {
 public:
  explicit Deadline(int timeout_ms)
      : infinite_(timeout_ms < 0),
        end_(Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms)) {}
  // -1 when infinite, else the milliseconds left (0 once passed), rounded up so that a wait
  // never ends just before the deadline and spins.
  int remaining_ms() const {
    if (infinite_) return -1;
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(end_ - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>((left + 999) / 1000);
  }
  bool passed() const { return !infinite_ && Clock::now() >= end_; }

 private:
  using Clock = std::chrono::steady_clock;
  bool infinite_;
  Clock::time_point end_;
};

// After the deadline, recv still drains what is already queued (a valid message may sit behind
// garbage), but gives up after this many rejects so that a flood cannot hold it forever.
constexpr int kMaxLateRejects = 1000;

}  // namespace

// ---- Context ----

Context::Context() : ctx_(zmq_ctx_new()) {
  if (!ctx_) fail("cannot create a ZeroMQ context: ", zmq_strerror(errno));
}

Context::~Context() {
  // Terminating the context ends the ZAP handler's wait (ETERM); it closes its socket, which
  // lets the termination finish.
  while (zmq_ctx_term(ctx_) != 0 && zmq_errno() == EINTR) {
  }
  if (zap_thread_.joinable()) zap_thread_.join();
}

void Context::shutdown() {
  zmq_ctx_shutdown(ctx_);
}

void Context::allow_curve_client(const std::string& public_key_z85) {
  uint8_t key[32];
  if (public_key_z85.size() != 40 || !zmq_z85_decode(key, public_key_z85.c_str()))
    fail("CURVE client key '", public_key_z85, "' is not a 40-character Z85 key");
  std::lock_guard<std::mutex> lock(zap_mu_);
  zap_clients_.insert(std::string(reinterpret_cast<const char*>(key), sizeof key));
  if (zap_thread_.joinable()) return;
  void* rep = zmq_socket(ctx_, ZMQ_REP);
  if (!rep) fail("cannot create the ZAP handler's socket: ", zmq_strerror(zmq_errno()));
  int linger = 0;
  zmq_setsockopt(rep, ZMQ_LINGER, &linger, sizeof linger);
  if (zmq_bind(rep, "inproc://zeromq.zap.01") != 0) {
    int e = zmq_errno();
    zmq_close(rep);
    fail("cannot bind the ZAP handler (inproc://zeromq.zap.01): ", zmq_strerror(e));
  }
  zap_thread_ = std::thread([this, rep] { serve_zap(rep); });
}

// ZeroMQ's ZAP protocol (RFC 27): a request is version, request id, domain, address, routing id,
// mechanism and credentials (for CURVE the client's 32-byte public key); the reply is version,
// request id, status code, status text, user id and metadata.
void Context::serve_zap(void* rep) {
  for (;;) {
    std::vector<std::string> req;
    bool more = true;
    while (more) {
      zmq_msg_t part;
      zmq_msg_init(&part);
      if (zmq_msg_recv(&part, rep, 0) < 0) {
        int e = zmq_errno();
        zmq_msg_close(&part);
        if (e == EINTR) continue;
        zmq_close(rep);  // ETERM: the context is ending
        return;
      }
      req.emplace_back(static_cast<const char*>(zmq_msg_data(&part)), zmq_msg_size(&part));
      more = zmq_msg_more(&part);
      zmq_msg_close(&part);
    }
    bool ok = false;
    if (req.size() >= 7 && req[0] == "1.0" && req[5] == "CURVE") {
      std::lock_guard<std::mutex> lock(zap_mu_);
      ok = zap_clients_.count(req[6]) > 0;
    }
    if (!ok)
      log_debug("ZAP: refused a ", req.size() >= 6 ? req[5] : std::string("malformed"),
                " handshake");
    const std::string reply[] = {"1.0",
                                 req.size() > 1 ? req[1] : std::string(),
                                 ok ? "200" : "400",
                                 ok ? "OK" : "unknown client key",
                                 "",
                                 ""};
    for (size_t i = 0; i < 6; ++i) {
      while (zmq_send(rep, reply[i].data(), reply[i].size(), i + 1 < 6 ? ZMQ_SNDMORE : 0) < 0) {
        if (zmq_errno() != EINTR) {
          zmq_close(rep);
          return;
        }
      }
    }
  }
}

// ---- Channel ----

Channel::Channel(Context& ctx, SocketKind kind, const std::string& name,
                 const std::string& endpoint, bool bind, const ChannelOptions& options)
    : kind_(kind), name_(name), endpoint_(endpoint), max_frame_bytes_(options.max_frame_bytes) {
  // Before the socket exists, so that a bad key cannot leak it.
  if (options.curve && bind) ctx.allow_curve_client(options.curve->client_public);
  sock_ = zmq_socket(ctx.raw(), zmq_type(kind));
  if (!sock_)
    fail("channel '", name, "' (", endpoint, "): cannot create a ", kind_name(kind),
         " socket: ", zmq_strerror(zmq_errno()));
  // The destructor does not run for a throwing constructor: close the socket here.
  auto bail = [&](const std::string& what) {
    int e = zmq_errno();
    zmq_close(sock_);
    fail("channel '", name, "' (", endpoint, "): ", what, ": ", zmq_strerror(e));
  };
  auto set_int = [&](int option, int value, const char* what) {
    if (zmq_setsockopt(sock_, option, &value, sizeof value) != 0)
      bail(cat("cannot set ", what, " to ", value));
  };
  set_int(ZMQ_SNDHWM, options.send_hwm, "send_hwm");
  set_int(ZMQ_RCVHWM, options.recv_hwm, "recv_hwm");
  set_int(ZMQ_LINGER, options.linger_ms, "linger_ms");
  if (kind == SocketKind::Push || kind == SocketKind::Dealer)
    set_int(ZMQ_IMMEDIATE, options.immediate ? 1 : 0, "immediate");
  if (kind == SocketKind::Dealer && !options.identity.empty()) {
    if (zmq_setsockopt(sock_, ZMQ_ROUTING_ID, options.identity.data(), options.identity.size()) !=
        0) {
      bail(cat("cannot use identity '", options.identity, "' (1 to 255 bytes)"));
    }
  }
  // Without this a ROUTER silently drops messages for unknown peers; with it send() says so.
  if (kind == SocketKind::Router) set_int(ZMQ_ROUTER_MANDATORY, 1, "router_mandatory");
  if (kind == SocketKind::Sub && zmq_setsockopt(sock_, ZMQ_SUBSCRIBE, "", 0) != 0)
    bail("cannot subscribe");
  if (options.curve) {
    const CurveKeys& k = *options.curve;
    auto set_key = [&](int option, const std::string& z85, const char* what) {
      if (zmq_setsockopt(sock_, option, z85.c_str(), z85.size() + 1) != 0)
        bail(cat("cannot set the CURVE ", what));
    };
    if (bind) {
      set_int(ZMQ_CURVE_SERVER, 1, "curve_server");
      set_key(ZMQ_CURVE_SECRETKEY, k.server_secret, "server secret key");
      if (zmq_setsockopt(sock_, ZMQ_ZAP_DOMAIN, "r1", 2) != 0) bail("cannot set the ZAP domain");
    } else {
      set_key(ZMQ_CURVE_SERVERKEY, k.server_public, "server public key");
      set_key(ZMQ_CURVE_PUBLICKEY, k.client_public, "client public key");
      set_key(ZMQ_CURVE_SECRETKEY, k.client_secret, "client secret key");
    }
  }
  if (options.max_frame_bytes > 0) {
    int64_t v = options.max_frame_bytes;
    if (zmq_setsockopt(sock_, ZMQ_MAXMSGSIZE, &v, sizeof v) != 0)
      bail(cat("cannot set max_frame_bytes to ", v));
  }
  if (bind) {
    if (zmq_bind(sock_, endpoint.c_str()) != 0) bail("cannot bind");
    char last[1024];
    size_t len = sizeof last;
    if (zmq_getsockopt(sock_, ZMQ_LAST_ENDPOINT, last, &len) == 0 && len > 1)
      endpoint_.assign(last, len - 1);
  } else {
    if (zmq_connect(sock_, endpoint.c_str()) != 0) bail("cannot connect");
  }
}

Channel::~Channel() {
  zmq_close(sock_);
}

std::string Channel::last_reject_reason() const {
  std::lock_guard<std::mutex> lock(reject_mu_);
  return last_reject_;
}

void Channel::reject(const std::string& why) {
  uint64_t n = ++rejected_;
  {
    std::lock_guard<std::mutex> lock(reject_mu_);
    last_reject_ = why;
  }
  // Powers of two only: a flood of garbage must not become a flood of log lines.
  if ((n & (n - 1)) == 0)
    log_warn("channel '", name_, "' (", endpoint_, "): rejected message (", n, " so far): ", why);
}

void Channel::set_timeout(int option, int timeout_ms, int* cached) {
  if (*cached == timeout_ms) return;
  if (zmq_setsockopt(sock_, option, &timeout_ms, sizeof timeout_ms) != 0) {
    if (zmq_errno() == ETERM) return;  // the send/recv that follows reports the shutdown
    fail("channel '", name_, "' (", endpoint_,
         "): cannot set a timeout: ", zmq_strerror(zmq_errno()));
  }
  *cached = timeout_ms;
}

// A zero timeout is raised to 1 ms. A non-blocking ZeroMQ call processes the socket's pending
// commands (a pipe attached by the I/O thread, a peer that connected) only when enough CPU
// cycles have passed since it last did, judged by the TSC; on virtual machines whose TSC does not
// advance that way, a socket polled only with timeout 0 never sees a peer's messages (seen here
// with DEALER/ROUTER across processes). One millisecond of blocking makes it process them.
static int effective_timeout(int timeout_ms) {
  return timeout_ms == 0 ? 1 : timeout_ms;
}

bool Channel::send_frames(const std::vector<const std::string*>& frames, int timeout_ms) {
  timeout_ms = effective_timeout(timeout_ms);
  if (frames.empty()) fail("channel '", name_, "': cannot send a message of zero frames");
  Deadline deadline(timeout_ms);
  auto misuse = [&](int e) {
    fail("channel '", name_, "' (", endpoint_, ", ", kind_name(kind_),
         "): send failed: ", zmq_strerror(e));
  };
  // The first frame is where a full queue makes us wait.
  for (;;) {
    set_timeout(ZMQ_SNDTIMEO, deadline.remaining_ms(), &sndtimeo_);
    const std::string& f = *frames[0];
    if (zmq_send(sock_, f.data(), f.size(), frames.size() > 1 ? ZMQ_SNDMORE : 0) >= 0) break;
    int e = zmq_errno();
    if (e == EINTR) {
      if (deadline.passed()) return false;
      continue;
    }
    if (e == EAGAIN || e == ETERM) return false;
    if (e == EHOSTUNREACH) {  // ROUTER: no such peer (gone, or never connected)
      log_debug("channel '", name_, "': no peer '", f, "' to send to");
      return false;
    }
    misuse(e);
  }
  // ZeroMQ takes a multipart message whole once its first frame is in: the rest never waits,
  // and must not be abandoned halfway (the peer would see a truncated message).
  set_timeout(ZMQ_SNDTIMEO, -1, &sndtimeo_);
  for (size_t i = 1; i < frames.size(); ++i) {
    const std::string& f = *frames[i];
    while (zmq_send(sock_, f.data(), f.size(), i + 1 < frames.size() ? ZMQ_SNDMORE : 0) < 0) {
      int e = zmq_errno();
      if (e == ETERM) return false;
      if (e != EINTR && e != EAGAIN) misuse(e);
    }
  }
  return true;
}

bool Channel::send(const Message& m, int timeout_ms) {
  std::string head = encode_header(m);
  if (m.frames.size() > kMaxFrames) {
    fail("channel '", name_, "': ", m.type, " message: ", m.frames.size(), " array frames exceed ",
         kMaxFrames);
  }
  // The peer has the same cap and would drop the connection (and the message) without a word.
  for (size_t i = 0; i <= m.frames.size() && max_frame_bytes_ > 0; ++i) {
    const size_t size = i == 0 ? head.size() : m.frames[i - 1].size();
    if (size > static_cast<uint64_t>(max_frame_bytes_)) {
      fail("channel '", name_, "': ", m.type, " message: frame ", i, " of ", size,
           " bytes exceeds the channel's cap of ", max_frame_bytes_,
           " bytes (transport.max_message_mb.", name_, ")");
    }
  }
  std::vector<const std::string*> frames;
  frames.reserve(m.frames.size() + 2);
  if (kind_ == SocketKind::Router) {
    if (m.peer.empty())
      fail("channel '", name_, "' (ROUTER): ", m.type, " message without a peer to send to");
    frames.push_back(&m.peer);
  }
  frames.push_back(&head);
  for (const std::string& f : m.frames) frames.push_back(&f);
  return send_frames(frames, timeout_ms);
}

bool Channel::send_raw(const std::vector<std::string>& frames, int timeout_ms) {
  std::vector<const std::string*> ptrs;
  ptrs.reserve(frames.size());
  for (const std::string& f : frames) ptrs.push_back(&f);
  return send_frames(ptrs, timeout_ms);
}

std::optional<Message> Channel::recv(int timeout_ms) {
  timeout_ms = effective_timeout(timeout_ms);
  Deadline deadline(timeout_ms);
  const bool router = kind_ == SocketKind::Router;
  // Frames kept per message: the identity (ROUTER), the header and kMaxFrames arrays. Beyond
  // that frames are drained and dropped, so a long message cannot grow memory without bound.
  const size_t keep = kMaxFrames + 1 + (router ? 1 : 0);
  int late_rejects = 0;
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  struct Closer {
    zmq_msg_t* m;
    ~Closer() { zmq_msg_close(m); }
  } closer{&msg};

  for (;;) {
    std::vector<std::string> parts;
    size_t count = 0;
    bool truncated = false;
    for (;;) {  // the frames of one message
      // Frames after the first are already queued (ZeroMQ delivers multipart messages whole).
      set_timeout(ZMQ_RCVTIMEO, count == 0 ? deadline.remaining_ms() : 0, &rcvtimeo_);
      if (zmq_msg_recv(&msg, sock_, 0) < 0) {
        int e = zmq_errno();
        if (e == EINTR) {
          if (count == 0 && deadline.passed()) return std::nullopt;
          continue;
        }
        if (e == ETERM) return std::nullopt;
        if (e == EAGAIN) {
          if (count == 0) return std::nullopt;
          truncated = true;  // cannot happen with ZeroMQ's atomic delivery; never trust it blindly
          break;
        }
        fail("channel '", name_, "' (", endpoint_, ", ", kind_name(kind_),
             "): recv failed: ", zmq_strerror(e));
      }
      ++count;
      if (parts.size() < keep)
        parts.emplace_back(static_cast<const char*>(zmq_msg_data(&msg)), zmq_msg_size(&msg));
      if (!zmq_msg_more(&msg)) break;
    }

    std::string why;
    std::string peer;
    if (truncated) {
      why = cat("a multipart message ended after ", count, " frames");
    } else if (count > keep) {
      why = cat("a message of ", count, " frames, more than ", keep);
    } else if (router && parts.size() < 2) {
      why = "a message with a peer identity and no header frame";
    } else {
      if (router) {
        peer = std::move(parts[0]);
        parts.erase(parts.begin());
      }
      try {
        Message m = decode(std::move(parts));
        m.peer = std::move(peer);
        return m;
      } catch (const std::exception& e) {  // MessageError; anything else is still the peer's doing
        why = e.what();
      }
    }
    reject(why);
    if (deadline.passed() && ++late_rejects >= kMaxLateRejects) return std::nullopt;
  }
}

// ---- weights ----

void publish_weights(Channel& pub, const WeightsPayload& w, size_t chunk_floats) {
  for_each_weights_message(w, chunk_floats, [&](Message m) {
    if (!pub.send(m, -1)) {
      fail("channel '", pub.name(), "': could not send chunk ", m.header["chunk"].get<uint64_t>(),
           " of weights version ", w.version, " (context shut down)");
    }
  });
}

}  // namespace r1
