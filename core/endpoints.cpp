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

// inproc://NAME, ipc://PATH or tcp://HOST:PORT.
std::optional<std::string> endpoint_problem(const std::string& e) {
  const bool ok = e.rfind("inproc://", 0) == 0 || e.rfind("ipc://", 0) == 0 || is_tcp(e);
  if (!ok || e.find("://") + 3 >= e.size()) {
    return cat("'", e, "' is not an inproc://, ipc:// or tcp:// endpoint");
  }
  if (is_tcp(e) && e.rfind(':') <= 5) return cat("'", e, "' has no port");
  return std::nullopt;
}

std::string rewrite_host(const std::string& e, const std::string& host) {
  if (!is_tcp(e)) return e;
  size_t colon = e.rfind(':');
  return "tcp://" + host + e.substr(colon);
}

}  // namespace

const ConfigFields<MessageCaps>& MessageCaps::fields() {
  using C = MessageCaps;
  // ZMQ_MAXMSGSIZE is an int64 of bytes; a cap under a kilobyte would refuse every header.
  const auto cap = [] {
    return must_got<double>([](double v) { return v >= 1.0 / 1024 && v <= 1 << 20; },
                            "must be in [1/1024, 1048576] MB");
  };
  static const auto f =
      ConfigFields<C>("max_message_mb")
          .add("tasks", &C::tasks, "a task's JSON", cap())
          .add("rollouts", &C::rollouts, "a completion's tokens, log-probs and text", cap())
          .add("scored", &C::scored, "a scored completion", cap())
          .add("weights", &C::weights, "a 4 MiB chunk of weights", cap())
          .add("control", &C::control, "hello, stop and heartbeats", cap());
  return f;
}

const ConfigFields<Endpoints>& Endpoints::fields() {
  using C = Endpoints;
  static const auto f =
      ConfigFields<C>("transport")
          .add("tasks", &C::tasks, "learner -> rollout workers (PUSH/PULL)",
               FieldCheck<std::string>(endpoint_problem))
          .add("rollouts", &C::rollouts, "rollout workers -> reward (PUSH/PULL)",
               FieldCheck<std::string>(endpoint_problem))
          .add("scored", &C::scored, "reward -> learner (PUSH/PULL)",
               FieldCheck<std::string>(endpoint_problem))
          .add("weights", &C::weights, "learner -> rollout workers (PUB/SUB)",
               FieldCheck<std::string>(endpoint_problem))
          .add("control", &C::control, "learner <-> workers and reward (ROUTER/DEALER)",
               FieldCheck<std::string>(endpoint_problem))
          .add("curve", &C::curve, "CurveZMQ on every tcp:// channel")
          .add("key_file", &C::key_file,
               "the run's key file (\"\": beside the config, run.json -> run.key)")
          .add("max_message_mb", &C::max_message_mb,
               "the largest frame a role accepts on each channel, in MB (ZMQ_MAXMSGSIZE)")
          .add("heartbeat_timeout_s", &C::heartbeat_timeout_s,
               "a worker that hears nothing from the learner this long exits; 0 waits forever",
               must<double>([](double v) { return v >= 0; }, "must be >= 0 (0: no timeout)"));
  return f;
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
