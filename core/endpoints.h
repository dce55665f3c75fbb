// The endpoints of a run's five channels (DESIGN.md §2). Embedded runs default to inproc://;
// multi-process runs set tcp:// or ipc:// addresses in the config, and `--connect HOST` rewrites
// the host part of every tcp:// endpoint that a role connects to.
//
//   channel   pattern     binds        connects
//   tasks     PUSH/PULL   learner      rollout workers
//   rollouts  PUSH/PULL   reward       rollout workers
//   scored    PUSH/PULL   learner      reward
//   weights   PUB/SUB     learner      rollout workers
//   control   ROUTER/DEALER learner    rollout workers, reward
#pragma once
#include <string>

#include "core/json.h"

namespace r1 {

struct Endpoints {
  std::string tasks = "inproc://r1-tasks";
  std::string rollouts = "inproc://r1-rollouts";
  std::string scored = "inproc://r1-scored";
  std::string weights = "inproc://r1-weights";
  std::string control = "inproc://r1-control";

  static Endpoints from_json(const json& j, const std::string& where);
  json to_json() const;
  // tcp://*:5555 style bind addresses become tcp://HOST:5555 for connecting roles.
  Endpoints with_host(const std::string& host) const;
  // The address a connecting role uses for a bound endpoint ("tcp://*:5555" -> "tcp://127.0.0.1:5555").
  static std::string connect_address(const std::string& endpoint);
  bool any_inproc() const;
};

}  // namespace r1
