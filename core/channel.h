// ZeroMQ channels between roles. The same code runs for threads of one process (inproc://,
// one shared Context) and for processes and hosts (ipc://, tcp://): only the endpoint changes.
//
// recv() never throws on what a peer sends: frames that do not decode are dropped and counted
// (rejected(), last_reject_reason()), so garbage on a channel cannot stop a role.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/message.h"

namespace r1 {

// One ZeroMQ context per process; inproc endpoints only connect within the same Context.
class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  void* raw() const { return ctx_; }

 private:
  void* ctx_;
};

enum class SocketKind { Push, Pull, Pub, Sub, Router, Dealer };

struct ChannelOptions {
  int send_hwm = 1000;        // queued outgoing messages per peer before send() blocks/times out
  int recv_hwm = 1000;
  bool immediate = true;      // PUSH/DEALER: queue only to peers that are connected
  int linger_ms = 0;          // drop unsent messages on close
  std::string identity;       // DEALER: a stable identity (e.g. "rollout-3")
};

class Channel {
 public:
  // `name` is for messages and metrics ("tasks", "weights", ...). bind or connect to endpoint;
  // a malformed endpoint or an address in use throws Error naming the channel and endpoint.
  Channel(Context& ctx, SocketKind kind, const std::string& name, const std::string& endpoint, bool bind,
          const ChannelOptions& options = {});
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Sends one message (to m.peer on a ROUTER). Returns false if it could not be queued within
  // timeout_ms (-1 blocks; 0 tries once).
  bool send(const Message& m, int timeout_ms = -1);
  // Waits up to timeout_ms (-1 blocks) for a valid message; invalid ones are dropped and counted.
  std::optional<Message> recv(int timeout_ms);
  // Sends raw frames without encoding: for tests that inject garbage.
  bool send_raw(const std::vector<std::string>& frames, int timeout_ms = -1);

  uint64_t rejected() const { return rejected_; }
  std::string last_reject_reason() const;
  const std::string& name() const { return name_; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  void* sock_;
  SocketKind kind_;
  std::string name_, endpoint_;
  std::atomic<uint64_t> rejected_{0};
  std::string last_reject_;
};

// Model weights travel as a series of "weights" messages: each carries {version, chunk, chunks,
// offset, total} and one frame of float32 values; the expert biases ride in the last chunk's
// header. WeightsAssembler rebuilds one complete version from chunks that may interleave with
// another version's, dropping incomplete or inconsistent versions.
struct WeightsPayload {
  uint64_t version = 0;
  std::vector<float> params;                    // the flat parameter buffer
  std::vector<std::vector<float>> expert_bias;  // per layer (empty for dense layers)
};

// Publishes on a PUB channel; chunk_floats values per message.
void publish_weights(Channel& pub, const WeightsPayload& w, size_t chunk_floats = 1u << 20);

class WeightsAssembler {
 public:
  // Feeds one "weights" message. Returns true when it completed a version newer than any
  // completed before; take() then returns it. Throws MessageError on inconsistent chunks.
  bool add(const Message& m);
  WeightsPayload take();

 private:
  struct Partial {
    WeightsPayload w;
    size_t received = 0;
    std::vector<char> have;
  };
  std::optional<Partial> partial_;
  std::optional<WeightsPayload> ready_;
  uint64_t newest_ = 0;
  bool any_ = false;
};

}  // namespace r1
