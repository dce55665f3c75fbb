#include "core/endpoints.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "core/fs.h"
#include "core/log.h"
#include "core/stop.h"

namespace r1 {

namespace {

bool is_tcp(const std::string& e) {
  return e.rfind("tcp://", 0) == 0;
}

void check_endpoint(const JsonReader& r, const std::string& key, const std::string& e) {
  const bool ok = e.rfind("inproc://", 0) == 0 || e.rfind("ipc://", 0) == 0 || is_tcp(e);
  r.check(ok && e.find("://") + 3 < e.size(), key,
          cat("'", e, "' is not an inproc://, ipc:// or tcp:// endpoint"));
  if (is_tcp(e)) r.check(e.rfind(':') > 5, key, cat("'", e, "' has no port"));
}

std::string rewrite_host(const std::string& e, const std::string& host) {
  if (!is_tcp(e)) return e;
  size_t colon = e.rfind(':');
  return "tcp://" + host + e.substr(colon);
}

MessageCaps caps_from_json(JsonReader r) {
  MessageCaps c;
  for (auto [key, v] : {std::pair{"tasks", &c.tasks}, std::pair{"rollouts", &c.rollouts},
                        std::pair{"scored", &c.scored}, std::pair{"weights", &c.weights},
                        std::pair{"control", &c.control}}) {
    *v = r.get<double>(key, *v);
    // ZMQ_MAXMSGSIZE is an int64 of bytes; a cap under a kilobyte would refuse every header.
    r.check(*v >= 1.0 / 1024 && *v <= 1 << 20, key,
            cat("must be in [1/1024, 1048576] MB, got ", *v));
  }
  r.done();
  return c;
}

}  // namespace

Endpoints Endpoints::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  Endpoints e;
  e.tasks = r.get<std::string>("tasks", e.tasks);
  e.rollouts = r.get<std::string>("rollouts", e.rollouts);
  e.scored = r.get<std::string>("scored", e.scored);
  e.weights = r.get<std::string>("weights", e.weights);
  e.control = r.get<std::string>("control", e.control);
  e.curve = r.get<bool>("curve", e.curve);
  e.key_file = r.get<std::string>("key_file", e.key_file);
  e.max_message_mb = caps_from_json(r.child("max_message_mb"));
  e.heartbeat_timeout_s = r.get<double>("heartbeat_timeout_s", e.heartbeat_timeout_s);
  r.done();
  check_endpoint(r, "tasks", e.tasks);
  check_endpoint(r, "rollouts", e.rollouts);
  check_endpoint(r, "scored", e.scored);
  check_endpoint(r, "weights", e.weights);
  check_endpoint(r, "control", e.control);
  r.check(e.heartbeat_timeout_s >= 0, "heartbeat_timeout_s", "must be >= 0 (0: no timeout)");
  return e;
}

json Endpoints::to_json() const {
  const MessageCaps& c = max_message_mb;
  return {{"tasks", tasks},
          {"rollouts", rollouts},
          {"scored", scored},
          {"weights", weights},
          {"control", control},
          {"curve", curve},
          {"key_file", key_file},
          {"max_message_mb",
           {{"tasks", c.tasks},
            {"rollouts", c.rollouts},
            {"scored", c.scored},
            {"weights", c.weights},
            {"control", c.control}}},
          {"heartbeat_timeout_s", heartbeat_timeout_s}};
}

std::string Endpoints::connect_address(const std::string& e) {
  if (e.rfind("tcp://*:", 0) == 0 || e.rfind("tcp://0.0.0.0:", 0) == 0)
    return rewrite_host(e, "127.0.0.1");
  return e;
}

Endpoints Endpoints::with_host(const std::string& host) const {
  Endpoints e = *this;
  for (std::string* s : {&e.tasks, &e.rollouts, &e.scored, &e.weights, &e.control})
    *s = rewrite_host(*s, host);
  return e;
}

bool Endpoints::any_inproc() const {
  for (const std::string* s : {&tasks, &rollouts, &scored, &weights, &control}) {
    if (s->rfind("inproc://", 0) == 0) return true;
  }
  return false;
}

bool Endpoints::needs_keys() const {
  if (!curve) return false;
  for (const std::string* s : {&tasks, &rollouts, &scored, &weights, &control}) {
    if (is_tcp(*s)) return true;
  }
  return false;
}

void Endpoints::load_keys(bool create) {
  if (!needs_keys()) return;
  if (!curve_available()) {
    fail(
        "transport: this libzmq was built without CURVE, so tcp:// channels cannot be "
        "authenticated; install a "
        "libzmq with CURVE (Debian's libzmq5 has it), or set \"curve\": false in the transport "
        "section to run "
        "unauthenticated");
  }
  if (key_file.empty()) fail("transport: tcp:// channels with curve on need a key_file");
  keys = std::make_shared<const CurveKeys>(create ? create_key_file(key_file)
                                                  : read_key_file(key_file));
}

ChannelOptions Endpoints::channel_options(const std::string& name) const {
  const MessageCaps& c = max_message_mb;
  const std::pair<const std::string*, double> channels[] = {{&tasks, c.tasks},
                                                            {&rollouts, c.rollouts},
                                                            {&scored, c.scored},
                                                            {&weights, c.weights},
                                                            {&control, c.control}};
  const char* names[] = {"tasks", "rollouts", "scored", "weights", "control"};
  for (size_t i = 0; i < 5; ++i) {
    if (name != names[i]) continue;
    ChannelOptions o;
    o.max_frame_bytes = static_cast<int64_t>(channels[i].second * (1 << 20));
    if (curve && is_tcp(*channels[i].first)) {
      if (!keys)
        fail("channel '", name, "' (", *channels[i].first, "): the transport keys were not loaded");
      o.curve = keys;
    }
    return o;
  }
  fail("channel_options: no channel named '", name, "'");
}

// ---- the probes a role launcher runs before it connects ----

namespace {

bool tcp_reachable(const std::string& hostport) {
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = hostport.substr(0, colon), port = hostport.substr(colon + 1);
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return false;
  bool ok = false;
  for (addrinfo* a = res; a && !ok; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    ok = connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    close(fd);
  }
  freeaddrinfo(res);
  return ok;
}

bool ipc_reachable(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

void load_transport_keys(Endpoints& ep, bool create, double wait_s) {
  if (!ep.needs_keys()) return;
  if (!create) {
    // The learner creates the file; on its host a role started beside it may look first.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
    bool warned = false;
    while (!file_exists(ep.key_file) && std::chrono::steady_clock::now() < deadline) {
      if (stop_requested()) fail("stopped while waiting for the transport key file ", ep.key_file);
      if (!warned) {
        log_info("waiting for the transport key file ", ep.key_file,
                 " (the learner creates it; on another host, copy it from the learner's)");
        warned = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  ep.load_keys(create);
}

void wait_reachable(const std::string& channel, const std::string& endpoint, double wait_s) {
  std::string e = Endpoints::connect_address(endpoint);
  auto probe = [&] {
    if (e.rfind("tcp://", 0) == 0) return tcp_reachable(e.substr(6));
    if (e.rfind("ipc://", 0) == 0) return ipc_reachable(e.substr(6));
    return true;  // inproc: same process
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
  bool warned = false;
  while (!probe()) {
    if (stop_requested()) fail("stopped while waiting for the ", channel, " channel");
    if (std::chrono::steady_clock::now() > deadline) {
      fail("cannot reach the ", channel, " channel at ", e, " after ", wait_s,
           "s (is the role that binds it running? check --connect and the config's transport)");
    }
    if (!warned) {
      log_info("waiting for the ", channel, " channel at ", e, " ...");
      warned = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace r1
