// ZeroMQ channels between roles. The same code runs for threads of one process (inproc://,
// one shared Context) and for processes and hosts (ipc://, tcp://): only the endpoint changes.
//
// recv() never throws on what a peer sends: frames that do not decode are dropped and counted
// (rejected(), last_reject_reason()), so garbage on a channel cannot stop a role.
//
// Threads: a Channel wraps one ZeroMQ socket, and a ZeroMQ socket must be used by one thread at
// a time (send, recv and destruction included). Give each thread its own Channel; only
// rejected() and last_reject_reason() may be read from other threads. A Context is shared
// freely, and must outlive its Channels (its destructor waits for every socket to close).
//
// Signals: an interrupted wait (EINTR, e.g. SIGCHLD from sandboxed children) resumes until the
// deadline, so a signal never shortens a timeout nor surfaces as an error. Loops that must notice
// a stop flag set by a signal handler should therefore use finite timeouts; or another thread
// calls Context::shutdown(), after which blocked and later calls return nullopt/false at once.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/message.h"
#include "core/rl_messages.h"
#include "core/transport_keys.h"

namespace r1 {

// One ZeroMQ context per process; inproc endpoints only connect within the same Context.
class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  void* raw() const { return ctx_; }
  // Wakes every blocked send/recv on this context's channels, which then return false/nullopt
  // (as do all later calls). Channels must still be destroyed before the Context.
  void shutdown();
  // CURVE servers of this context accept handshakes only from clients whose public key (Z85) was
  // allowed here. The first call starts the context's ZAP handler (ZeroMQ's authentication
  // hook, a thread answering on inproc://zeromq.zap.01). Throws Error for a malformed key.
  void allow_curve_client(const std::string& public_key_z85);

 private:
  void serve_zap(void* socket);

  void* ctx_;
  std::mutex zap_mu_;
  std::set<std::string> zap_clients_;  // allowed client public keys, 32 raw bytes each
  std::thread zap_thread_;
};

enum class SocketKind { Push, Pull, Pub, Sub, Router, Dealer };

struct ChannelOptions {
  int send_hwm = 1000;  // queued outgoing messages per peer before send() blocks/times out
  int recv_hwm = 1000;
  bool immediate = true;  // PUSH/DEALER: queue only to peers that are connected
  int linger_ms = 0;      // drop unsent messages on close (send() returns once a message is
                          // queued: a process that exits right after sending wants a linger)
  std::string identity;   // DEALER: a stable identity (e.g. "rollout-3")
  // Incoming frames larger than this drop the sending connection (ZMQ_MAXMSGSIZE); -1: no limit.
  // Bounds what a misbehaving tcp peer can make this process allocate.
  int64_t max_frame_bytes = -1;
  // CurveZMQ (core/transport_keys.h): a binding channel is a CURVE server that accepts only the
  // keys' client, a connecting one a CURVE client of the keys' server. Null: no security.
  std::shared_ptr<const CurveKeys> curve;
};

class Channel {
 public:
  // `name` is for messages and metrics ("tasks", "weights", ...). bind or connect to endpoint;
  // a malformed endpoint or an address in use throws Error naming the channel and endpoint.
  // SUB channels subscribe to everything. A ROUTER drops messages for unknown peers loudly:
  // send() returns false.
  Channel(Context& ctx, SocketKind kind, const std::string& name, const std::string& endpoint,
          bool bind, const ChannelOptions& options = {});
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Sends one message (to m.peer on a ROUTER). Returns false if it could not be queued within
  // timeout_ms (-1 blocks; 0 tries once), or if a ROUTER does not know m.peer. A PUB never
  // waits: with no subscriber, or one at its HWM, the message is dropped (ZeroMQ's PUB rule).
  // Throws Error for misuse (a message encode() refuses, a frame over max_frame_bytes, send on
  // a PULL/SUB, a ROUTER message without a peer).
  bool send(const Message& m, int timeout_ms = -1);
  // Waits up to timeout_ms (-1 blocks) for a valid message; invalid ones are dropped and counted.
  // On a ROUTER the result's peer is the sender's identity. Throws only for misuse (recv on a
  // PUSH/PUB), never for what arrives.
  std::optional<Message> recv(int timeout_ms);
  // Sends raw frames without encoding: for tests that inject garbage. On a ROUTER frames[0] is
  // the peer identity.
  bool send_raw(const std::vector<std::string>& frames, int timeout_ms = -1);

  uint64_t rejected() const { return rejected_; }
  // Counts a message that decoded but that its consumer refused (a wrongly typed field, a forged
  // group): dropped and counted like garbage, with a rate-limited log line saying why.
  void reject(const std::string& why);
  std::string last_reject_reason() const;
  const std::string& name() const { return name_; }
  // After a bind, the endpoint as bound: "tcp://127.0.0.1:*" reads back with the chosen port.
  const std::string& endpoint() const { return endpoint_; }
  SocketKind kind() const { return kind_; }

 private:
  // Sends frames (each a pointer into the caller's data) as one multipart message.
  bool send_frames(const std::vector<const std::string*>& frames, int timeout_ms);
  void set_timeout(int option, int timeout_ms, int* cached);

  void* sock_;
  SocketKind kind_;
  std::string name_, endpoint_;
  std::atomic<uint64_t> rejected_{0};
  mutable std::mutex reject_mu_;  // guards last_reject_ (read from other threads)
  std::string last_reject_;
  int sndtimeo_ = -2, rcvtimeo_ = -2;  // the socket's current timeouts (-2: not set yet)
  int64_t max_frame_bytes_;
};

// Publishes a version of the weights (core/rl_messages.h) on a PUB channel; chunk_floats
// values per message.
void publish_weights(Channel& pub, const WeightsPayload& w, size_t chunk_floats = 1u << 20);

}  // namespace r1
