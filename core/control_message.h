// The control channel's messages ("control"), between the learner (ROUTER) and its workers
// (DEALER):
//   hello      worker -> learner  {role: "rollout" | "reward", id, version: weights version or
//   null}
//              A rollout worker's hello makes the learner publish its weights again.
//   heartbeat  learner -> workers  the learner is alive (transport.heartbeat_timeout_s)
//   stop       learner -> workers  the run is over
// from_message() checks every field's type and value and throws MessageError naming the field.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/message.h"

namespace r1 {

struct ControlMessage {
  std::string kind;                 // "hello", "heartbeat" or "stop"
  std::string role, id;             // hello only
  std::optional<uint64_t> version;  // hello only: the weights version a rollout worker holds

  static ControlMessage hello(std::string role, std::string id,
                              std::optional<uint64_t> version = std::nullopt);
  static ControlMessage heartbeat();
  static ControlMessage stop();

  Message to_message() const;
  static ControlMessage from_message(const Message& m);
};

}  // namespace r1
