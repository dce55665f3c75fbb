#include "rollout/rollout_config.h"

#include "core/rl_messages.h"
#include "core/thread_pool.h"

namespace r1 {

RolloutConfig RolloutConfig::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  RolloutConfig c;
  c.group_size = r.get<int>("group_size", c.group_size);
  c.max_new_tokens = r.get<int>("max_new_tokens", c.max_new_tokens);
  c.sampling.temperature = r.get<double>("temperature", c.sampling.temperature);
  c.sampling.top_p = r.get<double>("top_p", c.sampling.top_p);
  c.sampling.top_k = r.get<int>("top_k", c.sampling.top_k);
  c.stop = r.get<std::vector<std::string>>("stop", c.stop);
  c.slots = r.get<int>("slots", c.slots);
  c.workers = r.get<int>("workers", c.workers);
  c.threads = r.get<int>("threads", c.threads);
  c.debug_delay_s = r.get<double>("debug_delay_s", c.debug_delay_s);
  c.debug_slow_workers = r.get<int>("debug_slow_workers", c.debug_slow_workers);
  c.device = r.get<std::string>("device", c.device);
  r.done();
  r.check(c.group_size >= 2, "group_size", "must be >= 2 (advantages compare samples within a group)");
  r.check(c.group_size <= kMaxGroupSize, "group_size",
          cat("must be <= ", kMaxGroupSize, " (the samples a rollout message can carry)"));
  r.check(c.max_new_tokens >= 1, "max_new_tokens", "must be >= 1");
  r.check(c.sampling.temperature > 0, "temperature", "must be > 0 for RL (greedy groups have no variance)");
  r.check(c.sampling.top_p > 0 && c.sampling.top_p <= 1, "top_p", "must be in (0, 1]");
  r.check(c.sampling.top_k >= 0, "top_k", "must be >= 0");
  r.check(c.slots >= 1, "slots", "must be >= 1");
  r.check(c.workers >= 1, "workers", "must be >= 1");
  r.check(c.threads >= 0 && c.threads <= kMaxThreads, "threads", cat("must be in [0, ", kMaxThreads, "] (0: all cores)"));
  r.check(c.debug_delay_s >= 0, "debug_delay_s", "must be >= 0");
  r.check(c.debug_slow_workers >= 0, "debug_slow_workers", "must be >= 0");
  for (const auto& s : c.stop) r.check(!s.empty(), "stop", "stop strings must not be empty");
  return c;
}

json RolloutConfig::to_json() const {
  json j = {{"group_size", group_size}, {"max_new_tokens", max_new_tokens}, {"temperature", sampling.temperature},
          {"top_p", sampling.top_p},   {"top_k", sampling.top_k},           {"stop", stop},
          {"slots", slots},            {"workers", workers},                {"threads", threads},
          {"debug_delay_s", debug_delay_s}, {"debug_slow_workers", debug_slow_workers}};
  if (!device.empty()) j["device"] = device;
  return j;
}

}  // namespace r1
