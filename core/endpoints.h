// The transport of a run (the config's "transport" section): the endpoints of its five channels
// (DESIGN.md §2), and how they are guarded. Embedded runs default to inproc://; multi-process
// runs set tcp:// or ipc:// addresses in the config, and `--connect HOST` rewrites the host part
// of every tcp:// endpoint that a role connects to.
//
//   channel   pattern     binds        connects
//   tasks     PUSH/PULL   learner      rollout workers
//   rollouts  PUSH/PULL   reward       rollout workers
//   scored    PUSH/PULL   learner      reward
//   weights   PUB/SUB     learner      rollout workers
//   control   ROUTER/DEALER learner    rollout workers, reward
//
// Guards (docs/rl.md):
//   "curve": true          CurveZMQ on every tcp:// channel (core/transport_keys.h); inproc://
//                          never leaves the process, and ipc:// is guarded by the socket file's
//                          permissions. false runs tcp:// unauthenticated and unencrypted.
//   "key_file": PATH       the run's key file (default: beside the config, run.json -> run.key)
//   "max_message_mb": {"tasks": 4, "rollouts": 16, "scored": 16, "weights": 16, "control": 1}
//                          the largest frame a role accepts on each channel (ZMQ_MAXMSGSIZE): a
//                          peer that sends a larger one is disconnected before it is allocated
//   "heartbeat_timeout_s": 60   a worker that hears nothing from the learner for this long
//                          exits, naming the channel; 0 waits forever
#pragma once
#include <memory>
#include <string>

#include "core/channel.h"
#include "core/config_fields.h"
#include "core/json.h"
#include "core/transport_keys.h"

namespace r1 {

// Per channel, in MB (2^20 bytes). The defaults hold what each channel legitimately carries:
// a task's JSON; a completion's tokens, log-probs and text; a 4 MiB chunk of weights.
struct MessageCaps : FieldListed<MessageCaps> {
  double tasks = 4, rollouts = 16, scored = 16, weights = 16, control = 1;

  static const ConfigFields<MessageCaps>& fields();  // name, default, check, help of each field
};

struct Endpoints : FieldListed<Endpoints> {
  std::string tasks = "inproc://r1-tasks";
  std::string rollouts = "inproc://r1-rollouts";
  std::string scored = "inproc://r1-scored";
  std::string weights = "inproc://r1-weights";
  std::string control = "inproc://r1-control";
  bool curve = true;
  std::string key_file;  // RunConfig fills in the default
  MessageCaps max_message_mb;
  double heartbeat_timeout_s = 60;
  // The keys from key_file, once a role launcher loaded them (load_keys); needed when
  // needs_keys().
  std::shared_ptr<const CurveKeys> keys;

  static const ConfigFields<Endpoints>& fields();  // name, default, check, help of each field
  // tcp://*:5555 style bind addresses become tcp://HOST:5555 for connecting roles.
  Endpoints with_host(const std::string& host) const;
  // The address a connecting role uses for a bound endpoint ("tcp://*:5555" ->
  // "tcp://127.0.0.1:5555").
  static std::string connect_address(const std::string& endpoint);
  bool any_inproc() const;
  // curve is on and some channel is tcp://.
  bool needs_keys() const;
  // Reads key_file into `keys` when needs_keys(); the learner (create) makes the file if missing.
  // Throws Error naming the file, or saying that this libzmq lacks CURVE.
  void load_keys(bool create);
  // The socket options of channel `name` ("tasks", ...): its frame size cap and, on tcp:// with
  // curve on, the keys. Callers add their own (HWMs, identity) on top.
  ChannelOptions channel_options(const std::string& name) const;
};

// Loads the run's CurveZMQ keys into `ep` when its tcp:// channels need them.
// The learner creates the key file if missing (create); other roles wait up to wait_s seconds for
// it to appear, then fail naming the file.
void load_transport_keys(Endpoints& ep, bool create, double wait_s);

// Waits until a tcp:// or ipc:// endpoint that another process binds accepts connections, for
// up to wait_s seconds; throws naming the channel and endpoint if it never does.
void wait_reachable(const std::string& channel, const std::string& endpoint, double wait_s);

}  // namespace r1
